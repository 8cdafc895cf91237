// SPDX-License-Identifier: MIT
// The public map of reports in a real browser at 360 px, in both languages
// (screenshots to tests/screenshots/): the citizen portal's nearby tab shows the
// open reports of the view as markers and a list without any personal data,
// "me too" counts once and stays pressed, "report a new problem here" opens the
// report form at that spot; a street supervisor hides a report's text on the
// case page and the public list follows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, demoClient, Client, uploadPhoto, HONGQI } from '../api/lib.mjs';
import { launch, openPage, assertClean, shootBoth, shootOne, signIn } from './browser.mjs';

const NARROW = { width: 360, height: 780 };
const NAME = '赵六', PHONE = '13700001111';
let server, browser, supervisorHq;
let pothole, litter;

async function file(point, description) {
  const r = await new Client(server.base).post('/api/v1/public/cases', { ...point, description, name: NAME, phone: PHONE });
  assert.equal(r.status, 201, r.text);
  return r.data.case_no;
}

const publicItem = async (caseNo) => (await new Client(server.base)
  .get(`/api/v1/public/reports?lat=${HONGQI.lat}&lon=${HONGQI.lon}&radius=500`)).data.items.find((i) => i.case_no === caseNo);

before(async () => {
  server = await startDemo();
  browser = await launch();
  supervisorHq = await demoClient(server, 'supervisor_hq');
  pothole = await file(HONGQI, '路面坑洼，雨天积水');
  litter = await file({ lat: HONGQI.lat + 0.0008, lon: HONGQI.lon + 0.0006 }, '绿化带里有建筑垃圾');
  // A public photo on the pothole.
  const id = (await supervisorHq.get('/api/v1/cases?limit=50')).data.items.find((c) => c.case_no === pothole).id;
  assert.ok([200, 201].includes((await uploadPhoto(supervisorHq, id, 'report', 7701)).status));
  const photo = (await supervisorHq.get(`/api/v1/cases/${id}/public`)).data.photos[0];
  const shown = await supervisorHq.patch(`/api/v1/cases/${id}/public`, { photos: [{ id: photo.id, public: true }], reason: '照片可公开' });
  assert.equal(shown.status, 200, shown.text);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('the nearby reports at 360 px: markers, a list without personal data, me too once', async () => {
  const session = await openPage(browser, server.base, NARROW);
  const { page } = session;
  await page.goto(`${server.base}/index.html`);
  await page.locator('#tab-nearby').click();
  const item = page.locator(`.nearby-item[data-case-no="${pothole}"]`);
  await item.waitFor();
  await page.locator(`.nearby-item[data-case-no="${litter}"]`).waitFor();
  assert.equal(await page.locator('#nearby-map .leaflet-interactive').count() >= 2, true, 'a marker per report');
  assert.match(await item.innerText(), /路面坑洼/);
  assert.match(await item.innerText(), /已受理/);
  assert.equal(await item.locator('.nearby-photos img').count(), 1, 'the public photo');
  const text = await page.locator('body').innerText();
  assert.ok(!text.includes(NAME) && !text.includes(PHONE), 'no reporter name or phone');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= NARROW.width, `no sideways scrolling at ${NARROW.width} px (${width})`);
  // Me too: the count goes up once, the button stays pressed, also after a reload.
  const button = item.locator('button.metoo');
  assert.equal(await button.locator('.metoo-count').innerText(), '0');
  await button.click();
  await page.locator(`.nearby-item[data-case-no="${pothole}"] button.metoo[aria-pressed=true]`).waitFor();
  assert.equal(await item.locator('.metoo-count').innerText(), '1');
  assert.equal(await item.locator('button.metoo').isDisabled(), true);
  assert.equal((await publicItem(pothole)).metoo_count, 1, 'counted by the server');
  await page.reload();
  await page.locator('#tab-nearby').click();
  await page.locator(`.nearby-item[data-case-no="${pothole}"] button.metoo[disabled]`).waitFor();
  await shootBoth(page, 'portal-nearby-phone');
  await page.locator('#lang').click();
  await page.locator('html[lang=en]').waitFor({ state: 'attached' });
  assert.match(await page.locator('#panel-nearby').innerText(), /Reports near you[\s\S]*Me too/);
  assert.match(await item.innerText(), /Received/);
  await page.locator('#lang').click();
  await page.locator('html[lang=zh-CN]').waitFor({ state: 'attached' });
  // Report a new problem here: the report form with the spot picked.
  await page.locator('#nearby-report').click();
  await page.locator('#panel-report').waitFor();
  await page.locator('#report-map .leaflet-marker-icon').waitFor();
  assertClean(session);
  await session.context.close();
});

test('a street supervisor hides the text on the case page; the public list follows', async () => {
  const session = await openPage(browser, server.base, NARROW);
  const { page } = session;
  await signIn(page, server.base, 'supervisor_hq');
  const id = (await supervisorHq.get('/api/v1/cases?limit=50')).data.items.find((c) => c.case_no === litter).id;
  await page.goto(`${server.base}/staff.html#/case/${id}`);
  const card = page.locator('[data-role=public-card]');
  await card.locator('form').waitFor();
  await card.locator('input[name=text_hidden]').check();
  await card.locator('input[name=reason]').fill('描述涉及他人');
  await card.locator('button[type=submit]').click();
  await page.locator('[data-role=notice]').waitFor();
  await page.locator('li[data-event=moderate]').waitFor();
  await card.locator('input[name=text_hidden]:checked').waitFor();
  await card.scrollIntoViewIfNeeded();
  await shootOne(page, 'case-public-card-phone-zh');
  const item = await publicItem(litter);
  assert.equal(item.text_hidden, true);
  assert.equal(item.description, null);
  const citizen = await openPage(browser, server.base, NARROW);
  await citizen.page.goto(`${server.base}/index.html#nearby`);
  const row = citizen.page.locator(`.nearby-item[data-case-no="${litter}"]`);
  await row.waitFor();
  assert.doesNotMatch(await row.innerText(), /建筑垃圾/);
  assert.match(await row.innerText(), /描述不公开/);
  assertClean(session);
  assertClean(citizen);
  await citizen.context.close();
  await session.context.close();
});
