// SPDX-License-Identifier: MIT
// Placing a case that came in outside every grid cell: the intake queue marks
// it unplaced, the case screen tells the supervisor to mark the spot, refuses a
// spot outside the grid next to the button in the user's language, and moves
// the case into the cell clicked (screenshots case-placement-{zh,en}.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, demoClient, Client, OUTSIDE } from '../api/lib.mjs';
import { launch, openPage, assertClean, signIn, shootBoth, DESKTOP } from './browser.mjs';

let server;
let browser;
let unplaced;

before(async () => {
  server = await startDemo();
  browser = await launch();
  const citizen = new Client(server.base);
  const r = await citizen.post('/api/v1/public/cases', { description: '小区门口井盖缺失', lat: OUTSIDE.lat, lon: OUTSIDE.lon });
  assert.equal(r.status, 201, r.text);
  const supervisor = await demoClient(server, 'supervisor');
  const list = await supervisor.get('/api/v1/cases?limit=100');
  unplaced = list.data.items.find((c) => c.case_no === r.data.case_no);
  assert.ok(unplaced, 'the citizen case is in the supervisor\'s list');
  assert.equal(unplaced.place.needs_placement, true);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function waitText(locator, pattern, timeout = 10000) {
  await locator.filter({ hasText: pattern }).first().waitFor({ timeout });
}

// Clicks the zoom control n times, waiting for each zoom to settle.
async function zoom(page, card, direction, n) {
  for (let i = 0; i < n; i++) {
    await card.locator(`.leaflet-control-zoom-${direction}`).click();
    await page.waitForTimeout(350);
  }
}

test('the supervisor places a case reported outside the grid', async () => {
  const s = await openPage(browser, server.base, DESKTOP);
  const { page } = s;
  s.allow(/status of 404/); // the cell lookup for a spot outside the grid
  s.allow(/status of 422/); // placing it there
  await signIn(page, server.base, 'supervisor');
  await page.getByRole('heading', { name: '受理队列' }).waitFor();
  const row = page.locator(`tr[data-case-no="${unplaced.case_no}"]`);
  await waitText(row.locator('[data-role=unplaced]'), '未定位');

  await row.locator(`a[href="#/case/${unplaced.id}"]`).last().click();
  await waitText(page.locator('[data-role=placement-notice]'), '未定位：请在地图上标出位置');
  await waitText(page.locator('.kv'), /待定位/);
  const card = page.locator('.placement-card');
  await card.locator('path.leaflet-interactive').first().waitFor({ state: 'attached' });
  await shootBoth(page, 'case-placement');
  await card.locator('path.leaflet-interactive').first().waitFor({ state: 'attached' });

  // Nothing marked yet.
  const form = page.locator('form[data-role=placement-form]');
  await form.getByRole('button', { name: '确认位置' }).click();
  await waitText(form.locator('[data-role=form-error]'), '请先在地图上点击标出位置。');

  // A spot far outside the grid is refused next to the button.
  await zoom(page, card, 'out', 4);
  let box = await card.locator('.map-box').boundingBox();
  await page.mouse.click(box.x + box.width - 30, box.y + 30);
  await waitText(card.locator('.place-status'), '该位置不在任何网格内，请在网格内选择。');
  await form.getByRole('button', { name: '确认位置' }).click();
  await waitText(form.locator('[data-role=form-error]'), '该位置不在任何网格内，请在网格内选择。');

  // Back to the city centre (21.6605 N, 110.9205 E, inside Hongqi): click there.
  await zoom(page, card, 'in', 4);
  box = await card.locator('.map-box').boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await waitText(card.locator('.place-status'), /红旗街道/);
  await form.getByLabel('地址（选填）').fill('红旗路与人民路交叉口');
  await form.getByRole('button', { name: '确认位置' }).click();
  await waitText(page.locator('[data-role=notice]'), /^已定位到网格 440902001\d+。$/);
  const grid = page.locator('.kv dt', { hasText: '单元网格' }).locator('xpath=following-sibling::dd[1]');
  assert.match(await grid.textContent(), /^440902001\d+$/);
  assert.equal(await page.locator('[data-role=placement-notice]').count(), 0);
  assert.equal(await page.locator('.placement-card').count(), 0);
  await waitText(page.locator('.kv'), /红旗路与人民路交叉口/);
  await waitText(page.locator('.timeline'), /标定位置/);

  // The queue no longer marks it.
  await page.locator('#nav a[data-screen=intake]').click();
  await page.locator(`tr[data-case-no="${unplaced.case_no}"]`).waitFor();
  assert.equal(await page.locator(`tr[data-case-no="${unplaced.case_no}"] [data-role=unplaced]`).count(), 0);
  assertClean(s);
  await s.context.close();
});
