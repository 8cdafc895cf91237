// SPDX-License-Identifier: MIT
// Every role's main screens in a real browser, in both languages (screenshots
// to tests/screenshots/), at 360, 390, 1440 and 1920 px; and the paths beside
// the main lifecycle: approving an extension, a stale case and a missing reason
// shown next to the action in the user's language, a lost session returning to
// where the user was, a fix on the spot, a supervision notice, and the admin's
// users, time limits and grid import.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDemo, demoClient, HONGQI } from '../api/lib.mjs';
import { launch, openPage, assertClean, signIn, pngFile, scratchDir, shootBoth, shootOne, PHONE, DESKTOP } from './browser.mjs';

let server;
let browser;
const cases = {};

// Files a hotline case through the API and returns it.
async function hotlineCase(operator, description, address, offset = 0) {
  const r = await operator.post('/api/v1/cases', {
    description, address, source: '12345', lat: HONGQI.lat + offset, lon: HONGQI.lon + offset,
  });
  assert.equal(r.status, 201, r.text);
  return r.data.case;
}

async function act(client, c, action, body = {}) {
  const fresh = await client.get(`/api/v1/cases/${c.id}`);
  const r = await client.post(`/api/v1/cases/${c.id}/${action}`, { version: fresh.data.version, ...body });
  assert.equal(r.status, 200, `${action}: ${r.text}`);
  return r.data;
}

before(async () => {
  server = await startDemo({ historyDays: 120 }); // screenshots of a living city
  browser = await launch();
  const operator = await demoClient(server, 'operator');
  const supervisor = await demoClient(server, 'supervisor');
  const department = await demoClient(server, 'dept_sanitation');
  const departments = (await supervisor.get('/api/v1/org-units?type=department')).data.items;
  const sanitation = departments.find((d) => d.department_kind === 'sanitation');
  cases.extension = await hotlineCase(operator, '红旗路口暴露垃圾无人清运', '红旗路1号', 0.0002);
  await act(supervisor, cases.extension, 'accept', { category_id: 59 });
  await act(supervisor, cases.extension, 'dispatch', { department_id: sanitation.id });
  await act(department, cases.extension, 'sign');
  await act(department, cases.extension, 'request-extension', { note: '需要调派清运车辆', amount: 4 });
  cases.staleZh = await hotlineCase(operator, '人行道上有占道经营的摊点', '红旗路2号', 0.0004);
  cases.staleEn = await hotlineCase(operator, '路灯不亮了', '红旗路3号', 0.0006);
  cases.open = await hotlineCase(operator, '绿化带里堆放建筑垃圾', '红旗路4号', -0.0003);
  await act(supervisor, cases.open, 'accept', { category_id: 59 });
  await act(supervisor, cases.open, 'dispatch', { department_id: sanitation.id });
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function waitText(locator, pattern, timeout = 10000) {
  await locator.filter({ hasText: pattern }).first().waitFor({ timeout });
}

const SCREENS = [
  ['supervisor', DESKTOP, 'approvals', '审批队列'],
  ['supervisor', DESKTOP, 'map', '案件地图'],
  ['leader', DESKTOP, 'overview', '总览'],
  ['leader', DESKTOP, 'open', '在办案件'],
  ['leader', DESKTOP, 'map', '案件地图'],
  ['department', DESKTOP, 'done', '已办案件'],
  ['operator', DESKTOP, 'mine', '最近案件'],
  ['inspector', PHONE, 'newcase', '上报问题'],
  ['inspector', PHONE, 'map', '案件地图'],
  ['admin', DESKTOP, 'users', '用户'],
  ['admin', DESKTOP, 'grids', '网格'],
  ['admin', DESKTOP, 'categories', '类别与时限'],
];
const LOGIN = { department: 'dept_sanitation' };

test('every role\'s main screens in both languages', async () => {
  const byUser = new Map();
  for (const [role, viewport, screen, heading] of SCREENS) {
    if (!byUser.has(role)) {
      const s = await openPage(browser, server.base, viewport);
      await signIn(s.page, server.base, LOGIN[role] || role);
      byUser.set(role, s);
    }
    const s = byUser.get(role);
    await s.page.goto(`${server.base}/staff.html#/${screen}`);
    await s.page.getByRole('heading', { name: heading, exact: true }).waitFor();
    if (screen === 'overview') {
      await s.page.locator('.chart canvas').first().waitFor();
      await waitText(s.page.locator('[data-role=state-counts] dd[data-state=dispatched]'), /^\d+/);
    }
    if (screen === 'map') await s.page.locator('.leaflet-interactive').first().waitFor();
    await shootBoth(s.page, `${role}-${screen}`);
    assertClean(s);
  }
  for (const s of byUser.values()) await s.context.close();
});

test('the dispatch board on a 1920 px wall screen and the portal at 360 px', async () => {
  const wall = await openPage(browser, server.base, { width: 1920, height: 1080 });
  await signIn(wall.page, server.base, 'supervisor');
  await wall.page.goto(`${server.base}/staff.html#/dispatch`);
  await wall.page.getByRole('heading', { name: '派遣看板' }).waitFor();
  // The board by deadline: the demo's history fills its first page, so the
  // case dispatched just now is found by its text after the screenshot.
  await wall.page.locator('tr[data-case-no]').first().waitFor();
  await shootBoth(wall.page, 'supervisor-dispatch-1920');
  await wall.page.locator('form[role=search] input[name=q]').fill('绿化带里堆放建筑垃圾');
  await wall.page.locator(`tr[data-case-no="${cases.open.case_no}"]`).waitFor();
  assertClean(wall);
  await wall.context.close();

  const small = await openPage(browser, server.base, { width: 360, height: 740 });
  await small.page.goto(`${server.base}/index.html`);
  await small.page.getByRole('heading', { name: '反映城市管理问题' }).waitFor();
  const overflow = await small.page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 360, `the portal is ${overflow} px wide at 360 px`);
  await shootBoth(small.page, 'citizen-report-360');
  await signIn(small.page, server.base, 'dept_sanitation');
  await small.page.getByRole('heading', { name: '待办案件' }).waitFor();
  const staffOverflow = await small.page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(staffOverflow <= 360, `the inbox is ${staffOverflow} px wide at 360 px`);
  await shootBoth(small.page, 'department-inbox-360');
  assertClean(small);
  await small.context.close();
});

test('the supervisor approves an extension from the approval queue', async () => {
  const s = await openPage(browser, server.base, DESKTOP);
  const { page } = s;
  await signIn(page, server.base, 'supervisor');
  await page.locator('#nav a[data-screen=approvals]').click();
  const row = page.locator(`tr[data-case-no="${cases.extension.case_no}"]`);
  await waitText(row, /延期待批/);
  await row.locator('a[data-action=approve]').click();
  await waitText(page.locator('.notice.warn'), /延期待批：需要调派清运车辆/);
  await page.locator('form[data-action-form=approve] button[type=submit]').click();
  await waitText(page.locator('[data-role=notice]'), '已批准，案件状态：处置中。');
  await waitText(page.locator('.kv'), /延期 1 次/);
  assertClean(s);
  await s.context.close();
});

test('errors appear next to the action, in the user\'s language', async () => {
  const supervisor = await demoClient(server, 'supervisor');
  const leader = await demoClient(server, 'leader');
  const s = await openPage(browser, server.base, DESKTOP);
  const { page } = s;
  s.allow(/status of 409/);
  await signIn(page, server.base, 'supervisor');
  await page.goto(`${server.base}/staff.html#/case/${cases.staleZh.id}?do=reject`);
  const form = page.locator('form[data-action-form=reject]');
  await form.locator('button[type=submit]').click();
  await waitText(form.locator('[data-field=note] .field-error'), '请填写说明或原因。');
  assert.equal(await form.getByLabel('原因').getAttribute('aria-invalid'), 'true');
  await form.getByLabel('原因').fill('不属于城管职责');
  // Someone else changes the case meanwhile (a supervision notice keeps it
  // reported, so rejecting stays legal but the version is stale).
  await act(leader, cases.staleZh, 'supervise', { note: '尽快受理' });
  await form.locator('button[type=submit]').click();
  await waitText(form.locator('[data-role=form-error]'), /案件已被他人更新/);
  await shootOne(page, 'error-stale-zh');
  // The form reloaded the case: sending again succeeds.
  await form.locator('button[type=submit]').click();
  await waitText(page.locator('[data-role=notice]'), '已不予立案，案件状态：不予立案。');

  await page.locator('#lang').click();
  await page.locator('html[lang=en]').waitFor({ state: 'attached' });
  await page.goto(`${server.base}/staff.html#/case/${cases.staleEn.id}?do=reject`);
  const formEn = page.locator('form[data-action-form=reject]');
  await formEn.getByLabel('Reason').fill('Not our remit');
  // Someone else files it meanwhile: rejecting is no longer allowed.
  await act(supervisor, cases.staleEn, 'accept', { category_id: 59 });
  await formEn.locator('button[type=submit]').click();
  await waitText(formEn.locator('[data-role=form-error]'), /^The case's current state does not allow this\./);
  await shootOne(page, 'error-illegal-en');
  assertClean(s);
  await s.context.close();
});

test('a lost session returns to sign-in, then back to the same screen', async () => {
  const s = await openPage(browser, server.base, DESKTOP);
  const { page, context } = s;
  s.allow(/status of 401/);
  await signIn(page, server.base, 'supervisor');
  await page.locator('#nav a[data-screen=closing]').click();
  await page.getByRole('heading', { name: '结案队列' }).waitFor();
  await context.clearCookies();
  await page.getByRole('button', { name: '刷新' }).click();
  await waitText(page.locator('form.signin .notice'), /登录已过期/);
  await page.getByLabel('用户名').fill('supervisor');
  await page.getByLabel(/^密码/).fill('chengguan-demo-2026');
  await page.locator('form.signin button[type=submit]').click();
  await page.getByRole('heading', { name: '结案队列' }).waitFor();
  assert.match(page.url(), /#\/closing$/);
  assertClean(s);
  await s.context.close();
});

test('an inspector files a fix on the spot with before and after photos', async () => {
  const s = await openPage(browser, server.base, PHONE);
  const { page } = s;
  await signIn(page, server.base, 'inspector');
  await page.locator('#nav a[data-screen=newcase]').click();
  const form = page.locator('form[data-role=newcase-form]');
  await form.waitFor();
  await page.locator('.leaflet-interactive').first().waitFor();
  const box = await page.locator('.map-box').boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await waitText(form.locator('.place-status'), /红旗街道/);
  await form.getByLabel('问题描述').fill('人行道上散落生活垃圾');
  await form.locator('[data-role=suggestions] .chip').first().waitFor();
  await form.getByLabel('已现场自行处置（直接结案）').check();
  await form.locator('[data-field=photo_before] input[type=file]').setInputFiles(pngFile(401));
  await form.locator('[data-field=photo_after] input[type=file]').setInputFiles(pngFile(402));
  await form.getByRole('button', { name: '提交自行处置' }).click();
  await waitText(page.locator('[data-role=result] .notice'), /已登记自行处置案件 \d{14}（已结案）/);
  await page.locator('[data-role=result] a').click();
  await page.locator('.gallery[data-stage=after] img').waitFor();
  await page.locator('.gallery[data-stage=before] img').waitFor();
  assertClean(s);
  await s.context.close();
});

test('a leader issues a supervision notice', async () => {
  const s = await openPage(browser, server.base, DESKTOP);
  const { page } = s;
  await signIn(page, server.base, 'leader');
  await page.locator('#nav a[data-screen=open]').click();
  // The demo's history keeps a hundred cases open: find this one by its text.
  await page.locator('form[role=search] input[name=q]').fill('绿化带里堆放建筑垃圾');
  const row = page.locator(`tr[data-case-no="${cases.open.case_no}"]`);
  await row.locator('a[data-action=supervise]').click();
  const form = page.locator('form[data-action-form=supervise]');
  await form.getByLabel('督办意见').fill('请今天下班前处理完毕');
  await form.locator('button[type=submit]').click();
  await waitText(page.locator('[data-role=notice]'), /已督办/);
  await waitText(page.locator('.timeline'), /督办[\s\S]*请今天下班前处理完毕/);
  assertClean(s);
  await s.context.close();
});

test('an admin creates a user, changes a time limit and sees a grid import report', async () => {
  const s = await openPage(browser, server.base, DESKTOP);
  const { page } = s;
  s.allow(/status of 422/);
  await signIn(page, server.base, 'admin');
  const create = page.locator('form[data-role=create-user]');
  await create.getByLabel('用户名').fill('zhang_wei');
  await create.getByLabel('姓名').fill('张伟');
  await create.getByLabel('角色').selectOption('inspector');
  await create.getByLabel('所属单位').selectOption('440902001');
  await create.getByLabel('初始密码').fill('a-long-password-2026');
  await create.getByRole('button', { name: '创建' }).click();
  await waitText(page.locator('[role=status]'), '已创建用户 zhang_wei。');
  await waitText(page.locator('tr[data-username=zhang_wei]'), /张伟[\s\S]*监督员[\s\S]*红旗街道/);

  await page.locator('#nav a[data-screen=categories]').click();
  await page.getByLabel('查找类别').fill('暴露垃圾');
  const row = page.locator('tr[data-category-id="59"]');
  await row.getByRole('button', { name: '编辑' }).click();
  const editor = page.locator('form[data-role=category-editor]');
  await editor.getByLabel('处置时限').fill('6');
  await editor.getByRole('button', { name: '保存' }).click();
  await waitText(page.locator('[role=status]'), '已保存类别 0102。');
  await waitText(row, /6 工作时/);

  await page.locator('#nav a[data-screen=grids]').click();
  const bad = join(scratchDir(), 'cells.geojson');
  writeFileSync(bad, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: '123' },
    geometry: { type: 'Polygon', coordinates: [[[110.9, 21.6], [110.901, 21.6], [110.901, 21.601], [110.9, 21.6]]] } }] }));
  await page.getByLabel('GeoJSON 文件').setInputFiles(bad);
  await page.getByRole('button', { name: '导入', exact: true }).click();
  await waitText(page.locator('[data-role=import-report]'), /已导入 0 个网格，拒绝 1 个。[\s\S]*123/);
  await shootBoth(page, 'admin-grids-report');
  assertClean(s);
  await s.context.close();
});

test('the intake queue shows a new case by itself (live refresh)', async () => {
  const operator = await demoClient(server, 'operator');
  const s = await openPage(browser, server.base, DESKTOP);
  const { page } = s;
  await signIn(page, server.base, 'supervisor');
  await page.getByRole('heading', { name: '受理队列' }).waitFor();
  const fresh = await hotlineCase(operator, '夜市摊点占用消防通道', '红旗路9号', 0.0008);
  await page.locator(`tr[data-case-no="${fresh.case_no}"]`).waitFor({ timeout: 20000 });
  assertClean(s);
  await s.context.close();
});

test('a department asks for a return with a reason', async () => {
  const s = await openPage(browser, server.base, DESKTOP);
  const { page } = s;
  await signIn(page, server.base, 'dept_sanitation');
  await page.goto(`${server.base}/staff.html#/case/${cases.open.id}`);
  await page.locator('button[data-action=sign]').click();
  await page.locator('form[data-action-form=sign] button[type=submit]').click();
  await waitText(page.locator('[data-role=notice]'), '已签收，案件状态：处置中。');
  await page.locator('button[data-action=request-extension]').click();
  const ext = page.locator('form[data-action-form=request-extension]');
  await ext.getByLabel(/延长时长/).fill('0');
  await ext.getByLabel('原因').fill('需要更多时间');
  await ext.locator('button[type=submit]').click();
  await waitText(ext.locator('[data-field=amount] .field-error'), '延期时长须为 1 到 240。');
  await page.locator('button[data-action=request-return]').click();
  const form = page.locator('form[data-action-form=request-return]');
  await form.getByLabel('原因').fill('建筑垃圾应由住建部门处理');
  await form.locator('button[type=submit]').click();
  await waitText(page.locator('[data-role=notice]'), '已申请回退，案件状态：处置中。');
  await waitText(page.locator('.case-head'), /回退待批/);
  assertClean(s);
  await s.context.close();
});
