// SPDX-License-Identifier: MIT
// 门前三包 in a real browser: an inspector on a 360 px phone finds a responsible
// unit, fails one duty and opens a case naming the unit in one step (Chinese);
// a leader reads the units ranked by violations and last month's published
// 示范街 ranking with its reward list (English). Screenshots go to
// tests/screenshots/; console errors and foreign requests fail a test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, demoClient, HONGQI } from '../api/lib.mjs';
import { launch, openPage, assertClean, signIn, shootOne, DESKTOP } from './browser.mjs';

let server;
let browser;
let supervisor;
let unit;

before(async () => {
  server = await startDemo();
  browser = await launch();
  supervisor = await demoClient(server, 'supervisor_hq');
  const r = await supervisor.post('/api/v1/frontage/units', {
    name: '浏览器测试粮油店', kind: 'shop', address: '红旗路66号', ...HONGQI, plate_no: 'E2E-0001',
    contact_name: '测试', contact_phone: '13800000000', duties: { appearance: true, sanitation: true, order: true },
  });
  assert.equal(r.status, 201, r.text);
  unit = r.data;
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('an inspector at 360 px checks a unit, fails a duty and opens a case naming it (zh)', async () => {
  const session = await openPage(browser, server.base, { width: 360, height: 740 });
  const { page } = session;
  await signIn(page, server.base, 'inspector');
  await page.locator('#nav a[data-screen=frontage]').click();
  await page.getByRole('heading', { name: '门前三包' }).waitFor();
  await page.getByLabel('搜索').fill('E2E-0001');
  await page.getByLabel('搜索').press('Enter');
  const card = page.locator('[data-plate="E2E-0001"]');
  await card.waitFor();
  assert.equal(await page.locator('.unit-card').count(), 1);
  await card.locator('[data-action=check]').click();
  await card.locator('[data-duty=appearance][data-value=pass]').check();
  await card.locator('[data-duty=sanitation][data-value=fail]').check();
  await card.locator('[data-duty=order][data-value=pass]').check();
  await card.getByLabel('备注').fill('门前油污未清理');
  assert.equal(await card.getByLabel('立案并关联该责任单位').isChecked(), true);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the page is ${width} px wide at 360 px`);
  await shootOne(page, 'frontage-check-360-zh');
  await card.getByRole('button', { name: '提交检查' }).click();
  const opened = page.locator('[data-role=opened-case]');
  await opened.waitFor();
  assert.match(await page.locator('[data-role=check-result]').textContent(), /检查不合格/);
  await opened.click();
  await page.waitForURL(/#\/case\/\d+/);
  const caseId = Number(page.url().match(/#\/case\/(\d+)/)[1]);
  const c = await supervisor.get(`/api/v1/cases/${caseId}`);
  assert.equal(c.data.frontage_unit.id, unit.id);
  assert.match(c.data.description, /环境卫生.*门前油污未清理/);
  const after = await supervisor.get(`/api/v1/frontage/units/${unit.id}`);
  assert.equal(after.data.violations, 1);
  assert.equal(after.data.checks[0].duties.sanitation, 'fail');
  assertClean(session);
  await session.context.close();
});

test('a leader reads the units by violations and the published 示范街 ranking (en)', async () => {
  const session = await openPage(browser, server.base, DESKTOP);
  const { page } = session;
  await signIn(page, server.base, 'leader');
  await page.locator('#lang').click();
  await page.locator('html[lang=en]').waitFor({ state: 'attached' });
  await page.locator('#nav a[data-screen=frontageboard]').click();
  await page.getByRole('heading', { name: 'Frontage & model streets' }).waitFor();
  const state = page.locator('[data-role=period-state]');
  await state.waitFor();
  assert.match(await state.textContent(), /^Published .*reward list: top 1\./);
  const rows = page.locator('[data-role=ranking] tbody tr');
  assert.equal(await rows.count(), 3);
  assert.equal(await rows.first().locator('th').textContent(), '红旗街道');
  assert.equal(await rows.first().locator('td').first().textContent(), '1');
  assert.equal(await page.locator('[data-role=rewards]').textContent(), 'Reward list: 红旗街道');
  assert.equal(await page.locator('[data-action=publish]').count(), 0, 'a published period offers no publication');
  assert.equal(await page.locator('[data-role=evaluation-form]').count(), 0, 'a published period takes no rating');
  const first = page.locator('[data-role=violation-ranking] tbody tr').first();
  await first.waitFor();
  assert.equal(await first.getAttribute('data-unit-id'), String(unit.id));
  assert.equal(await first.locator('[data-role=violations]').textContent(), '1');
  await shootOne(page, 'frontage-board-en');
  await first.locator('th a').click();
  await page.locator('[data-role=unit-detail] h3').waitFor();
  assert.match(await page.locator('[data-role=unit-detail]').textContent(), /E2E-0001/);
  assert.doesNotMatch(await page.locator('#main').textContent(), /null|undefined/);
  assertClean(session);
  await session.context.close();
});

test('an admin registers a unit placed from a gazetteer address (zh)', async () => {
  const session = await openPage(browser, server.base, DESKTOP);
  const { page } = session;
  await signIn(page, server.base, 'admin');
  await page.locator('#nav a[data-screen=frontageboard]').click();
  const form = page.locator('[data-role=unit-form]');
  await form.waitFor();
  await form.getByLabel('名称', { exact: true }).fill('地址定位测试店');
  await form.getByRole('combobox', { name: '地址' }).fill('红旗路');
  await page.locator('.combo-list [role=option]').first().click();
  assert.notEqual(await form.getByLabel('纬度').inputValue(), '');
  await form.getByLabel('责任牌编号').fill('E2E-ADDR-1');
  await form.getByRole('button', { name: '登记' }).click();
  await page.locator('[data-role=violation-ranking] tbody tr', { hasText: 'E2E-ADDR-1' }).waitFor();
  const admin = await demoClient(server, 'admin');
  const registered = (await admin.get('/api/v1/frontage/units?q=E2E-ADDR-1')).data.items[0];
  assert.match(registered.cell, /^440902\d{9}$/);
  assertClean(session);
  await session.context.close();
});
