// SPDX-License-Identifier: MIT
// The citizen portal's red and black lists (红黑榜) in a real browser at phone
// width, in both languages (screenshots to tests/screenshots/): a month with a
// case in it closes (the test build's clock moves), the scheduler freezes it,
// and the portal shows, per unit group, the same units as the public API, and
// no person's name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDemo, demoClient, Client, tempDir, HONGQI } from '../api/lib.mjs';
import { launch, openPage, assertClean, shootBoth, PHONE } from './browser.mjs';

const HOUR = 3600000;
const ZONE = 8 * HOUR;
let server;
let browser;
let clockFile;
let honours; // the public answer

function thisMonth(ms) {
  const d = new Date(ms + ZONE);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

before(async () => {
  clockFile = join(tempDir('honours-clock-'), 'clock');
  writeFileSync(clockFile, '0');
  server = await startDemo({ args: ['--escalation-interval', '1'], env: { CHENGGUAN_TEST_CLOCK_FILE: clockFile } });
  browser = await launch();
  const inspector = await demoClient(server, 'inspector');
  const supervisor = await demoClient(server, 'supervisor');
  const r = await inspector.post('/api/v1/cases', { description: '红旗路井盖缺失', ...HONGQI });
  assert.equal(r.status, 201, r.text);
  let c = r.data.case;
  const accepted = await supervisor.post(`/api/v1/cases/${c.id}/accept`, { version: c.version, category_id: 59 });
  assert.equal(accepted.status, 200, accepted.text);
  c = accepted.data;
  const departments = (await supervisor.get('/api/v1/org-units?type=department')).data.items;
  const dispatched = await supervisor.post(`/api/v1/cases/${c.id}/dispatch`, { version: c.version, department_id: departments[0].id });
  assert.equal(dispatched.status, 200, dispatched.text);
  // An hour into the next month: the scheduler freezes this one.
  const month = thisMonth(Date.now());
  const d = new Date(Date.now() + ZONE);
  const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - ZONE;
  writeFileSync(clockFile, String(next + HOUR - Date.now()));
  const anonymous = new Client(server.base);
  const until = Date.now() + 20000;
  for (;;) {
    const pub = await anonymous.get('/api/v1/public/honours');
    if (pub.status === 200 && pub.data.period === month) { honours = pub.data; break; }
    assert.ok(Date.now() < until, `the month was not frozen: ${pub.text}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('the portal shows the published red and black lists of units, as the API gives them, at phone width', async () => {
  const session = await openPage(browser, server.base, PHONE);
  const { page } = session;
  await page.goto(`${server.base}/index.html`);
  await page.locator('#tab-honours').click();
  await page.locator('.honours-group').nth(2).waitFor();
  const shown = await page.$$eval('.honours-group', (cards) => cards.map((card) => ({
    group: card.dataset.group,
    red: [...card.querySelectorAll('.honours-list-red .honours-unit')].map((li) => li.dataset.code),
    black: [...card.querySelectorAll('.honours-list-black .honours-unit')].map((li) => li.dataset.code),
  })));
  assert.deepEqual(shown, honours.lists.map((l) => ({ group: l.group, red: l.red.map((u) => u.code), black: l.black.map((u) => u.code) })));
  assert.ok(shown.some((l) => l.red.length > 0), 'a unit is ranked this month');
  assert.match(await page.locator('#panel-honours').innerText(), /红榜[\s\S]*黑榜/);
  // No person's name: the staff snapshots of inspectors and operators name them; the portal must not.
  const leader = await demoClient(server, 'leader');
  const people = [];
  for (const group of ['inspector', 'operator']) {
    const [snapshot] = (await leader.get(`/api/v1/assessment/snapshots?period=${honours.period}&group=${group}`)).data.items;
    people.push(...(await leader.get(`/api/v1/assessment/snapshots/${snapshot.id}`)).data.body.rows.map((row) => row.name));
  }
  assert.ok(people.length > 0);
  const text = await page.locator('body').innerText();
  for (const name of people) assert.ok(!text.includes(name), `the portal names ${name}`);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `no sideways scrolling at ${PHONE.width} px (${width})`);
  await shootBoth(page, 'portal-honours-phone');
  await page.locator('#lang').click();
  await page.locator('html[lang=en]').waitFor({ state: 'attached' });
  assert.match(await page.locator('#panel-honours').innerText(), /Red list \(best\)[\s\S]*Black list \(worst\)/);
  assertClean(session);
  await session.context.close();
});
