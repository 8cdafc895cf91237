// SPDX-License-Identifier: MIT
// The admin set-up screens in a real browser: an admin creates a street, a
// community and a department in the org-unit tree (a code that does not nest
// and a taken code are refused at the code field), imports a cell for the new
// community, sets routing rows (a row the server refuses is shown on that row
// and nothing is saved), assigns an inspector, patrol zone and grid leader to
// a cell, and reads each change in the admin audit log, in Chinese and
// English; the org-unit and routing screens at 360 px. Every step is checked
// against the API; console errors and foreign requests fail a test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDemo, demoClient, DEMO_PASSWORD, Client } from '../api/lib.mjs';
import { launch, openPage, assertClean, signIn, shootBoth, shootOne, scratchDir, DESKTOP } from './browser.mjs';

let server;
let browser;
let admin;
const NARROW = { width: 360, height: 780 };
const STREET = '440902009';
const COMMUNITY = '440902009001';
const DEPARTMENT = '440902009-D01';

before(async () => {
  server = await startDemo();
  browser = await launch();
  admin = await demoClient(server, 'admin');
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function unit(code) {
  const r = await admin.get('/api/v1/org-units');
  return r.data.items.find((u) => u.code === code);
}

// The tree node of a unit (its own row, not its children's).
const node = (page, code) => page.locator(`[data-role=org-tree] li[data-code="${code}"] > .org-node`);

async function openScreen(page, name) {
  await page.locator(`#nav a[data-screen=${name}]`).click();
  await page.locator('main h1').waitFor();
}

test('an admin builds a street, a community and a department in the org-unit tree', async () => {
  const session = await openPage(browser, server.base, DESKTOP);
  const { page } = session;
  // The taken code is refused by the server (409), on purpose.
  session.allow(/status of 409/);
  await signIn(page, server.base, 'admin');
  await openScreen(page, 'orgunits');
  const form = page.locator('[data-role=create-org]');

  await node(page, '440902').getByRole('button', { name: '加街道' }).click();
  assert.equal(await form.getByLabel('编码').inputValue(), '440902', 'the code starts as the parent code');
  assert.equal(await form.getByLabel('上级').inputValue(), '440902');
  await form.getByLabel('编码').fill('44090299');
  await form.getByLabel('名称', { exact: true }).fill('试验街道');
  await form.getByRole('button', { name: '新建' }).click();
  const codeError = form.locator('[data-field=code] .field-error');
  await codeError.waitFor();
  assert.match(await codeError.textContent(), /编码不符.*440902.*3 位数字/);
  assert.equal(await form.getByLabel('编码').getAttribute('aria-invalid'), 'true');
  assert.equal(await unit('44090299'), undefined, 'nothing created');

  // A taken code: the server's 409 names the code field.
  await form.getByLabel('编码').fill('440902001');
  await form.getByRole('button', { name: '新建' }).click();
  await page.waitForFunction(() => /440902001/.test(document.querySelector('[data-role=create-org] [data-field=code] .field-error').textContent));
  assert.match(await codeError.textContent(), /440902001/);

  await form.getByLabel('编码').fill(STREET);
  await form.getByRole('button', { name: '新建' }).click();
  await node(page, STREET).waitFor();
  const street = await unit(STREET);
  assert.equal(street.type, 'street');
  assert.equal(street.name, '试验街道');
  assert.equal(street.parent_id, (await unit('440902')).id);

  await node(page, STREET).getByRole('button', { name: '加社区' }).click();
  assert.equal(await form.getByLabel('类型').inputValue(), 'community');
  await form.getByLabel('编码').fill(COMMUNITY);
  await form.getByLabel('名称', { exact: true }).fill('试验社区');
  await form.getByLabel('英文名称').fill('Trial Community');
  await form.getByRole('button', { name: '新建' }).click();
  await node(page, COMMUNITY).waitFor();
  assert.equal((await unit(COMMUNITY)).parent_id, street.id);

  await node(page, STREET).getByRole('button', { name: '加部门' }).click();
  assert.equal(await form.getByLabel('编码').inputValue(), `${STREET}-D`);
  await form.getByLabel('编码').fill(DEPARTMENT);
  await form.getByLabel('名称', { exact: true }).fill('试验街道环卫站');
  await form.getByRole('button', { name: '新建' }).click();
  await form.locator('[data-field=department_kind] .field-error').waitFor();
  await form.getByLabel('部门类别').fill('sanitation');
  await form.getByRole('button', { name: '新建' }).click();
  await node(page, DEPARTMENT).waitFor();
  const department = await unit(DEPARTMENT);
  assert.equal(department.department_kind, 'sanitation');
  assert.equal(department.parent_id, street.id);
  // Departments sit under their unit, after its places.
  assert.equal(await page.locator(`li[data-code="${STREET}"] > ul > li`).evaluateAll((els) => els.map((e) => e.dataset.code).join()),
    `${COMMUNITY},${DEPARTMENT}`);

  // The filter keeps the matching units and the units above them.
  await page.getByLabel('按名称或编码筛选').fill('试验');
  await page.locator('li[data-code="440902001"]').waitFor({ state: 'detached' });
  assert.deepEqual(await page.locator('[data-role=org-tree] li').evaluateAll((els) => els.map((e) => e.dataset.code)),
    ['4409', '440902', STREET, COMMUNITY, DEPARTMENT]);
  await page.getByLabel('按名称或编码筛选').fill('');
  await page.locator('li[data-code="440902001"]').waitFor();
  // A branch folds away and back with its button.
  await page.getByRole('button', { name: '收起 试验街道' }).click();
  await node(page, COMMUNITY).waitFor({ state: 'hidden' });
  await page.getByRole('button', { name: '展开 试验街道' }).click();
  await node(page, COMMUNITY).waitFor();

  // Rename the community, then disable it and enable it again.
  await node(page, COMMUNITY).getByRole('button', { name: '改名' }).click();
  const editor = page.locator('[data-role=org-editor]');
  await editor.getByLabel('名称', { exact: true }).fill('试验新社区');
  await editor.getByRole('button', { name: '保存' }).click();
  await editor.waitFor({ state: 'detached' });
  assert.equal((await unit(COMMUNITY)).name, '试验新社区');
  await node(page, COMMUNITY).getByRole('button', { name: '停用' }).click();
  await page.locator(`li[data-code="${COMMUNITY}"] > .org-node.org-disabled`).waitFor();
  assert.equal((await unit(COMMUNITY)).disabled, true);
  await node(page, COMMUNITY).getByRole('button', { name: '启用' }).click();
  await page.locator(`li[data-code="${COMMUNITY}"] > .org-node:not(.org-disabled)`).waitFor();
  assert.equal((await unit(COMMUNITY)).disabled, false);
  await shootBoth(page, 'admin-orgunits');
  assertClean(session);
  await session.context.close();
});

test('the import screen takes a grid file for the new community and reports a bad gazetteer file', async () => {
  const session = await openPage(browser, server.base, DESKTOP);
  const { page } = session;
  session.allow(/status of 422/);
  await signIn(page, server.base, 'admin');
  await openScreen(page, 'imports');
  const dir = scratchDir();
  const ring = [[110.9600, 21.7000], [110.9609, 21.7000], [110.9609, 21.6991], [110.9600, 21.6991], [110.9600, 21.7000]];
  const grids = join(dir, 'cells.geojson');
  writeFileSync(grids, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature',
    properties: { code: `${COMMUNITY}001`, name: '试验网格一', patrol_zone: 'A' }, geometry: { type: 'Polygon', coordinates: [ring] } }] }));
  const form = page.locator('[data-role=import]');
  await form.getByLabel('导入内容').selectOption('grids');
  await form.getByLabel('文件').setInputFiles(grids);
  await form.getByRole('button', { name: '导入' }).click();
  const report = page.locator('[data-role=import-report]');
  await page.waitForFunction(() => /已导入 1 个网格，拒绝 0 个/.test(document.querySelector('[data-role=import-report]').textContent));
  const cells = (await admin.get(`/api/v1/grids?community=${COMMUNITY}`)).data.features;
  assert.deepEqual(cells.map((f) => f.properties.code), [`${COMMUNITY}001`]);

  const gazetteer = join(dir, 'gazetteer.geojson');
  writeFileSync(gazetteer, JSON.stringify({ type: 'FeatureCollection', features: [
    { type: 'Feature', properties: { layer: 'road', name: '试验路' }, geometry: { type: 'LineString', coordinates: [[110.9600, 21.6995], [110.9609, 21.6995]] } },
    { type: 'Feature', properties: { layer: 'river', name: '小河' }, geometry: { type: 'Point', coordinates: [110.9601, 21.6996] } }] }));
  await form.getByLabel('导入内容').selectOption('gazetteer');
  await form.getByLabel('文件').setInputFiles(gazetteer);
  await form.getByRole('button', { name: '导入' }).click();
  await report.locator('table').waitFor();
  const rows = await report.locator('tbody tr').allTextContents();
  assert.equal(rows.length, 1);
  assert.match(rows[0], /^1.*unknown_layer/);
  assert.match(await report.textContent(), /拒绝 1 个要素/);
  const found = (await admin.get(`/api/v1/geocode?q=${encodeURIComponent('试验路')}`)).data.items;
  assert.deepEqual(found, [], 'nothing of the refused file was imported');
  await shootBoth(page, 'admin-imports-report');
  assertClean(session);
  await session.context.close();
});

test('the import screen takes a staff list as CSV: a bad row refuses it, then the generated passwords are shown once', async () => {
  const session = await openPage(browser, server.base, DESKTOP);
  const { page } = session;
  session.allow(/status of 422/);
  await signIn(page, server.base, 'admin');
  await openScreen(page, 'imports');
  const dir = scratchDir();
  const file = join(dir, 'staff.csv');
  const form = page.locator('[data-role=import]');
  const report = page.locator('[data-role=import-report]');
  await form.getByLabel('导入内容').selectOption('users');
  writeFileSync(file, '用户名,角色,单位代码,姓名,初始密码\r\nbulk_e2e_a,inspector,440902001,批量甲,\r\nbulk_e2e_b,inspector,449999001,批量乙,\r\n');
  await form.getByLabel('文件').setInputFiles(file);
  await form.getByRole('button', { name: '导入' }).click();
  await report.locator('table').waitFor();
  assert.match((await report.locator('tbody tr').allTextContents())[0], /^3C.*unknown_org_unit/);
  assert.equal(await page.locator('[data-role=import-passwords]').count(), 0, 'nothing stored, no password shown');
  writeFileSync(file, '用户名,角色,单位代码,姓名,初始密码\r\nbulk_e2e_a,inspector,440902001,批量甲,\r\n');
  await form.getByLabel('文件').setInputFiles(file);
  await form.getByRole('button', { name: '导入' }).click();
  const passwords = page.locator('[data-role=import-passwords]');
  await passwords.waitFor();
  const cells = await passwords.locator('tbody td').allTextContents();
  assert.equal(cells[1], 'bulk_e2e_a');
  const users = await (await demoClient(server, 'admin')).get('/api/v1/users');
  assert.ok(users.data.items.some((u) => u.username === 'bulk_e2e_a'));
  const client = new Client(server.base);
  assert.equal((await client.login('bulk_e2e_a', cells[2])).status, 200, 'the shown password signs in');
  assertClean(session);
  await session.context.close();
});

test('routing rows are saved all or nothing, a refused row shown on that row', async () => {
  const session = await openPage(browser, server.base, DESKTOP);
  const { page } = session;
  session.allow(/status of 422/);
  await signIn(page, server.base, 'admin');
  await openScreen(page, 'routing');
  const table = page.locator('[data-role=routing]');
  const add = page.getByRole('button', { name: '加一行' });
  const save = page.locator('[data-role=save-routing]');

  await add.click();
  await table.getByLabel('第 1 行的街道').selectOption(STREET);
  await table.getByLabel('第 1 行的小类').selectOption('event:0101');
  await table.getByLabel('第 1 行的处置部门').selectOption(DEPARTMENT);
  // A second row the same as the first is refused on row 2 before sending.
  await add.click();
  await table.getByLabel('第 2 行的街道').selectOption(STREET);
  await table.getByLabel('第 2 行的小类').selectOption('event:0101');
  await table.getByLabel('第 2 行的处置部门').selectOption('440902-D02');
  await save.click();
  await table.locator('tr[data-row="1"] .field-error:not([hidden])').waitFor();
  assert.match(await table.locator('tr[data-row="1"] .field-error').textContent(), /第 1 行/);

  // A department disabled meanwhile: the server refuses row 2; row 1 is not saved either.
  await table.getByLabel('第 2 行的小类').selectOption('event:0102');
  await table.getByLabel('第 2 行的处置部门').selectOption('440902-D03');
  const landscaping = await unit('440902-D03');
  assert.equal((await admin.patch(`/api/v1/admin/org-units/${landscaping.id}`, { disabled: true })).status, 200);
  await save.click();
  await table.locator('tr[data-row="1"].row-error .field-error:not([hidden])').waitFor();
  assert.match(await table.locator('tr[data-row="1"] .field-error').textContent(), /第 2 行.*disabled/);
  assert.equal(await table.locator('tr[data-row="0"] .field-error').isHidden(), true);
  assert.deepEqual((await admin.get('/api/v1/admin/routing')).data.items, [], 'nothing saved');
  assert.equal((await admin.patch(`/api/v1/admin/org-units/${landscaping.id}`, { disabled: false })).status, 200);

  await table.getByRole('button', { name: '删除第 2 行' }).click();
  await save.click();
  await page.getByText('已保存，共 1 条规则。').waitFor();
  const saved = (await admin.get('/api/v1/admin/routing')).data.items;
  assert.deepEqual(saved.map((r) => [r.street, r.tree, r.category, r.department]), [[STREET, 'event', '0101', DEPARTMENT]]);
  await shootBoth(page, 'admin-routing');
  assertClean(session);
  await session.context.close();
});

test('an admin assigns an inspector, a patrol zone and a grid leader to a cell', async () => {
  const made = await admin.post('/api/v1/users', { username: 'inspector_trial', display_name: '试验网格员', role: 'inspector',
    org_unit_code: STREET, password: DEMO_PASSWORD });
  assert.equal(made.status, 201, made.text);
  const session = await openPage(browser, server.base, DESKTOP);
  const { page } = session;
  await signIn(page, server.base, 'admin');
  await openScreen(page, 'assignments');
  await page.getByLabel('街道', { exact: true }).selectOption(STREET);
  const cell = `${COMMUNITY}001`;
  await page.locator(`[data-role=cells] tr[data-cell="${cell}"]`).getByRole('button').click();
  const editor = page.locator('[data-role=cell-editor]');
  // Only the street's inspectors are offered: the new one, not Hongqi's.
  assert.deepEqual(await editor.locator('input[name=user_ids]').evaluateAll((els) => els.length), 1);
  await editor.getByLabel(/试验网格员/).check();
  await editor.getByLabel('责任区').fill('B区');
  const trial = (await admin.get('/api/v1/users')).data.items.find((u) => u.username === 'inspector_trial');
  await editor.getByLabel('网格长').selectOption(String(trial.id));
  await editor.getByRole('button', { name: '保存' }).click();
  await editor.waitFor({ state: 'detached' });
  await page.locator(`tr[data-cell="${cell}"]`).getByText('B区').waitFor();
  const props = (await admin.get(`/api/v1/grids?community=${COMMUNITY}`)).data.features[0].properties;
  assert.deepEqual(props.inspectors.map((u) => u.username), ['inspector_trial']);
  assert.equal(props.patrol_zone, 'B区');
  assert.equal(props.leader.username, 'inspector_trial');
  assert.equal(await page.locator('.map-small .leaflet-interactive').count() >= 1, true, 'the cell is on the map');
  await shootBoth(page, 'admin-assignments');
  assertClean(session);
  await session.context.close();
});

test('the audit log shows each change with before and after, filtered, in Chinese and English', async () => {
  const session = await openPage(browser, server.base, DESKTOP);
  const { page } = session;
  await signIn(page, server.base, 'admin');
  await openScreen(page, 'audit');
  const list = page.locator('[data-role=audit]');
  await list.locator('li').first().waitFor();
  const actions = await list.locator('li').evaluateAll((els) => els.map((e) => e.dataset.action));
  for (const a of ['org_unit.create', 'org_unit.update', 'routing.set', 'grid.inspectors', 'grid.update', 'user.create']) {
    assert.ok(actions.includes(a), `${a} in ${actions}`);
  }
  // Newest first: the API's order.
  const api = (await admin.get('/api/v1/admin/audit?limit=50')).data.items.map((e) => e.action);
  assert.deepEqual(actions.slice(0, api.length), api);
  const grid = list.locator('li[data-action="grid.update"]').first();
  assert.match(await grid.locator('tr.diff-changed').allTextContents().then((r) => r.join('|')), /责任区.*A.*B区/);

  await page.getByLabel('对象类别').selectOption('org_unit');
  await page.getByRole('button', { name: '查询' }).click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-role=audit] li')].every((li) => li.dataset.subject.startsWith('org_unit:')));
  const created = list.locator(`li[data-action="org_unit.create"][data-subject="org_unit:${(await unit(STREET)).id}"]`);
  assert.match(await created.textContent(), /新建机构.*试验街道/);
  const renamed = list.locator('li[data-action="org_unit.update"]').filter({ hasText: '试验新社区' }).last();
  assert.match(await renamed.locator('tr.diff-changed').first().textContent(), /名称试验社区试验新社区/);
  await shootBoth(page, 'admin-audit');

  // Dates: nothing from tomorrow on; today's entries from today.
  const day = (plus) => new Date(Date.now() + 8 * 3600000 + plus * 86400000).toISOString().slice(0, 10);
  await page.getByLabel('起始日期').fill(day(1));
  await page.getByRole('button', { name: '查询' }).click();
  await page.getByText('没有符合条件的记录。').waitFor();
  assert.equal(await list.locator('li').count(), 0);
  await page.getByLabel('起始日期').fill(day(0));
  await page.getByRole('button', { name: '查询' }).click();
  await list.locator('li').first().waitFor();

  // Pages by the cursor: three at a time, the next three after them, as the API orders them.
  await page.goto(`${server.base}/staff.html#/audit?limit=3`);
  await list.locator('li').nth(2).waitFor();
  assert.equal(await list.locator('li').count(), 3);
  await page.getByRole('button', { name: '加载更多' }).click();
  await list.locator('li').nth(5).waitFor();
  const ids = await list.locator('li').evaluateAll((els) => els.map((e) => Number(e.dataset.id)));
  const newest = (await admin.get('/api/v1/admin/audit?limit=6')).data.items.map((e) => e.id);
  assert.deepEqual(ids, newest);
  await page.locator('#lang').click();
  await page.locator('html[lang=en]').waitFor({ state: 'attached' });
  await page.getByRole('heading', { name: 'Admin log' }).waitFor();
  await list.locator('li').first().waitFor();
  assert.match(await list.locator('li').first().textContent(), /^Cell changed.*patrol zoneAB区/);
  assertClean(session);
  await session.context.close();
});

test('the set-up screens work at 360 px with the keyboard, in English', async () => {
  const session = await openPage(browser, server.base, NARROW);
  const { page } = session;
  await signIn(page, server.base, 'admin');
  await page.locator('#lang').click();
  await page.locator('html[lang=en]').waitFor({ state: 'attached' });
  await openScreen(page, 'orgunits');
  await node(page, STREET).waitFor();
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(await overflow() <= 0, 'no sideways scrolling on the org-unit screen');
  // The keyboard reaches the create form's controls through their labels.
  await node(page, STREET).getByRole('button', { name: 'Add community' }).focus();
  await page.keyboard.press('Enter');
  const code = page.locator('[data-role=create-org]').getByLabel('Code');
  assert.equal(await code.evaluate((el) => el === document.activeElement), true, 'focus moves to the code');
  await page.keyboard.type('000');
  await page.keyboard.press('Enter');
  await page.locator('[data-role=create-org] [data-field=code] .field-error:not([hidden])').waitFor();
  assert.match(await page.locator('[data-role=create-org] [data-field=code] .field-error').textContent(), /Code does not fit/);
  await shootOne(page, 'admin-orgunits-360-en');
  await openScreen(page, 'routing');
  await page.locator('[data-role=routing] tr[data-row="0"]').waitFor();
  assert.ok(await overflow() <= 0, 'no sideways scrolling on the routing screen');
  await shootOne(page, 'admin-routing-360-en');
  await openScreen(page, 'assignments');
  await page.getByLabel('Street', { exact: true }).selectOption(STREET);
  await page.locator('[data-role=cells] tbody tr').first().waitFor();
  assert.ok(await overflow() <= 0, 'no sideways scrolling on the assignments screen');
  await shootOne(page, 'admin-assignments-360-en');
  assertClean(session);
  await session.context.close();
});
