// SPDX-License-Identifier: MIT
// The command centre's wall screen at 1920x1080 in both languages (screenshots
// wall-zh.png and wall-en.png): no scrollbars, the map's cells and cases lit by
// their time limits, a case reported through the API appearing in the latest
// cases and moving the numbers without a reload, the 督办 badge once a leader
// supervises it, and the notice that the server is unreachable. Then the
// notices (消息): the test clock (CHENGGUAN_TEST_CLOCK_FILE) moves until the
// scheduler sends a department a reminder (催办), which shows with the unread
// count on the tab and is marked read; and the 督办 badge on the case page and
// in a case list.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDemo, demoClient, HONGQI } from '../api/lib.mjs';
import { launch, openPage, assertClean, signIn, shootOne, scratchDir } from './browser.mjs';

const HOUR = 3600000;
const WALL = { width: 1920, height: 1080 };
let server;
let browser;
let clockFile;
const users = {};
let departments;
let urgentCategory;
let seed = 0;

// Moves the server's clock to the real time plus offset ms.
function setClock(offset) {
  writeFileSync(clockFile, String(Math.round(offset)));
}

async function act(client, c, action, body = {}) {
  const fresh = await client.get(`/api/v1/cases/${c.id}`);
  const r = await client.post(`/api/v1/cases/${c.id}/${action}`, { version: fresh.data.version, ...body });
  assert.equal(r.status, 200, `${action}: ${r.text}`);
  return r.data;
}

async function report(description, offset = 0) {
  const r = await users.inspector.post('/api/v1/cases', { description: `${description} ${seed++}`, lat: HONGQI.lat + offset, lon: HONGQI.lon + offset });
  assert.equal(r.status, 201, r.text);
  return r.data.case;
}

before(async () => {
  clockFile = join(scratchDir(), 'wall-clock');
  setClock(0);
  server = await startDemo({ args: ['--escalation-interval', '1', '--session-idle', '864000', '--session-max', '864000'], env: { CHENGGUAN_TEST_CLOCK_FILE: clockFile } });
  browser = await launch();
  for (const name of ['inspector', 'supervisor', 'leader', 'dept_municipal']) users[name] = await demoClient(server, name);
  departments = Object.fromEntries((await users.supervisor.get('/api/v1/org-units?type=department')).data.items.map((u) => [u.code, u.id]));
  const trees = (await users.supervisor.get('/api/v1/categories')).data.trees;
  urgentCategory = trees.find((t) => t.tree === 'event').majors.flatMap((m) => m.subclasses).find((s) => s.code === '0403');
  for (let i = 0; i < 3; i++) await report('大屏 测试 路面破损', i * 0.0004);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

// Whether the page fits the window, with neither scrollbar.
async function fits(page) {
  return page.evaluate(() => ({
    height: document.documentElement.scrollHeight <= innerHeight,
    width: document.documentElement.scrollWidth <= innerWidth,
    bodyHeight: document.body.scrollHeight <= innerHeight,
  }));
}

async function number(page, key) {
  return Number(await page.locator(`[data-number="${key}"] .n`).textContent());
}

test('the wall screen fits 1920x1080 in both languages, lights the map and follows new cases live', async () => {
  const session = await openPage(browser, server.base, WALL);
  const { page } = session;
  await signIn(page, server.base, 'leader');
  await page.goto(`${server.base}/staff.html#/wall?refresh=2`);
  await page.locator('[data-number="today.reported"] .n').waitFor();
  await page.locator('.wall-live.ok').waitFor();
  await page.locator('[data-role=ranking] li, [data-role=ranking] .empty').first().waitFor();
  // Lights on the map: cells with open cases take their light, cases are dots.
  await page.locator('path.cell-light').first().waitFor();
  assert.ok(await page.locator('path.cell-green, path.cell-yellow, path.cell-red').count() >= 1);
  assert.ok(await page.locator('.wall-map path[stroke="#0f172a"][fill="#16a34a"]').count() >= 3, 'the open cases are green dots');
  assert.deepEqual(await fits(page), { height: true, width: true, bodyHeight: true });
  assert.equal(await page.locator('#nav').isVisible(), false, 'the wall hides the workspace chrome');
  await page.waitForTimeout(500);
  await shootOne(page, 'wall-zh');

  await page.locator('.wall-lang').click();
  await page.locator('html[lang=en]').waitFor({ state: 'attached' });
  await page.getByRole('heading', { name: 'City management command centre' }).waitFor();
  await page.locator('.wall-live.ok').waitFor();
  await page.locator('path.cell-light').first().waitFor();
  assert.deepEqual(await fits(page), { height: true, width: true, bodyHeight: true });
  await page.waitForTimeout(500);
  await shootOne(page, 'wall-en');
  await page.locator('.wall-lang').click();
  await page.locator('html[lang=zh-CN]').waitFor({ state: 'attached' });
  await page.getByRole('heading', { name: '数字城管指挥中心' }).waitFor();

  // A case reported now appears and moves the numbers, without a reload.
  await page.locator('.wall-live.ok').waitFor();
  const reported = await number(page, 'today.reported');
  const open = await number(page, 'open');
  await page.evaluate(() => { window.wallMarker = 'still here'; });
  const c = await report('大屏 新案件 井盖缺失');
  const row = page.locator(`[data-role=recent] li[data-case-no="${c.case_no}"]`);
  await row.waitFor({ timeout: 10000 });
  await page.waitForFunction(([n]) => Number(document.querySelector('[data-number="today.reported"] .n').textContent) === n, [reported + 1]);
  assert.equal(await number(page, 'open'), open + 1);
  assert.equal(await page.evaluate(() => window.wallMarker), 'still here', 'no reload');
  assert.equal(await row.locator('[data-role=supervised]').count(), 0);
  await act(users.leader, c, 'supervise', { note: '尽快处理' });
  await row.locator('[data-role=supervised]').waitFor({ timeout: 10000 });
  assert.equal(await row.locator('[data-role=supervised]').textContent(), '督办');

  // The ranking rotates to the streets on its tab.
  await page.locator('.wall-tabs [data-group=street]').click();
  assert.equal(await page.locator('[data-role=ranking]').getAttribute('data-group'), 'street');

  // The server unreachable: the wall says so and keeps the last numbers.
  session.allow(/Failed to load resource/);
  await page.route('**/api/v1/**', (route) => route.abort());
  await page.locator('.wall-live.down').waitFor({ timeout: 10000 });
  assert.match(await page.locator('.wall-live').textContent(), /服务器连接中断/);
  assert.equal(await number(page, 'today.reported'), reported + 1);
  await page.unroute('**/api/v1/**');
  await page.locator('.wall-live.ok').waitFor({ timeout: 10000 });
  assertClean(session);
  await session.context.close();
});

test('a department sees a reminder arrive in its notices, with the unread count, and marks it read', async () => {
  let c = await report('大屏 积水 催办');
  c = await act(users.supervisor, c, 'accept', { category_id: urgentCategory.id });
  c = await act(users.supervisor, c, 'dispatch', { department_id: departments['440902-D01'] });
  c = await act(users.dept_municipal, c, 'sign');
  const session = await openPage(browser, server.base);
  const { page } = session;
  await signIn(page, server.base, 'dept_municipal');
  await page.goto(`${server.base}/staff.html#/notices`);
  await page.locator('.empty, [data-role=notices] li').first().waitFor();
  assert.equal(await page.locator(`[data-role=notices] li[data-case-no="${c.case_no}"]`).count(), 0);

  setClock(3.3 * HOUR); // 3.3 of 4 urgent hours used: handling turns yellow
  const item = page.locator(`[data-role=notices] li[data-case-no="${c.case_no}"]`).filter({ hasText: '催办' });
  await item.waitFor({ timeout: 20000 });
  assert.match(await item.textContent(), /处置环节即将超时/);
  assert.equal(await item.getAttribute('class'), 'unread');
  const count = page.locator('#nav a[data-screen=notices] .count');
  await count.waitFor();
  const before = Number(await count.textContent());
  assert.ok(before >= 1);
  await shootOne(page, 'notices-zh');

  await item.locator('[data-action=read]').click();
  await item.locator('[data-role=read]').waitFor();
  assert.equal(await item.getAttribute('class'), 'read');
  if (before === 1) await count.waitFor({ state: 'detached' });
  else await page.waitForFunction((n) => document.querySelector('#nav a[data-screen=notices] .count').textContent === String(n), before - 1);
  const unread = await users.dept_municipal.get('/api/v1/inbox?unread=1');
  assert.ok(!unread.data.items.some((m) => m.case_id === c.id && m.kind === 'remind'), 'marked read on the server');

  await item.locator('a.mono').click();
  await page.getByRole('heading', { name: new RegExp(c.case_no) }).waitFor();
  assertClean(session);
  await session.context.close();
});

test('a supervised case carries the 督办 badge on its page and in the lists', async () => {
  let c = await report('大屏 督办 标记');
  c = await act(users.leader, c, 'supervise', { note: '限期办结' });
  assert.equal(c.supervised, true);
  const session = await openPage(browser, server.base);
  const { page } = session;
  await signIn(page, server.base, 'leader');
  await page.goto(`${server.base}/staff.html#/case/${c.id}`);
  const head = page.locator('.case-head [data-role=supervised]');
  await head.waitFor();
  assert.equal(await head.textContent(), '督办');
  await page.goto(`${server.base}/staff.html#/open`);
  await page.locator(`tr[data-case-no="${c.case_no}"] [data-role=supervised]`).waitFor();
  assertClean(session);
  await session.context.close();
});
