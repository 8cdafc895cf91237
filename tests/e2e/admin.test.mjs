// SPDX-License-Identifier: MIT
// The working-time calendar and the leader's overview in a real browser: an
// admin marks a holiday (and sees a bad date refused next to the form in both
// languages), sees it on the month grid, removes it and undoes the removal;
// the leader's tiles, charts and lists show exactly what /stats/overview says
// for the same user, in Chinese and English, at 1440 and 360 px. Screenshots
// go to tests/screenshots/; console errors and foreign requests fail a test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, demoClient, uploadPhoto, Client, HONGQI, HEXI, fixPhotos } from '../api/lib.mjs';
import { launch, openPage, assertClean, signIn, shootBoth, DESKTOP } from './browser.mjs';

let server;
let browser;
let admin;
let leader;

async function act(client, id, action, body = {}) {
  const fresh = await client.get(`/api/v1/cases/${id}`);
  const r = await client.post(`/api/v1/cases/${id}/${action}`, { version: fresh.data.version, ...body });
  assert.equal(r.status, 200, `${action}: ${r.text}`);
  return r.data;
}

async function file(client, body) {
  const r = await client.post('/api/v1/cases', body);
  assert.equal(r.status, 201, r.text);
  return r.data.case;
}

// Cases in several states, streets, sources and categories, one of them closed
// and rated by the citizen, one with an extension waiting for approval.
async function seedCases() {
  const [operator, supervisor, inspector, inspectorHx, sanitation] = await Promise.all(
    ['operator', 'supervisor', 'inspector', 'inspector_hx', 'dept_sanitation'].map((u) => demoClient(server, u)));
  const departments = (await supervisor.get('/api/v1/org-units?type=department')).data.items;
  const sanitationId = departments.find((d) => d.department_kind === 'sanitation').id;
  const near = (p, i) => ({ lat: p.lat + i * 0.0002, lon: p.lon + i * 0.0002 });

  for (let i = 0; i < 3; i++) await file(inspector, { description: `人行道暴露垃圾 ${i}`, ...near(HONGQI, i) });
  await file(inspector, { description: '当场清理的小广告', ...near(HONGQI, 3), self_handled: true, photos: await fixPhotos(inspector) });
  await file(inspectorHx, { description: '河西路面积存渣土', ...HEXI });
  for (let i = 0; i < 2; i++) {
    const c = await file(operator, { description: `来电反映垃圾未清运 ${i}`, address: `红旗路${20 + i}号`, source: '12345', ...near(HONGQI, -i - 1) });
    await act(supervisor, c.id, 'accept', { category_id: 59 });
    await act(supervisor, c.id, 'dispatch', { department_id: sanitationId });
    if (i === 0) {
      await act(sanitation, c.id, 'sign');
      await act(sanitation, c.id, 'request-extension', { note: '需要调派车辆', amount: 4 });
    }
  }
  const hotline = await file(operator, { description: '井盖松动', address: '红旗路30号', source: '12345', ...near(HONGQI, -4) });
  await act(supervisor, hotline.id, 'accept', { category_id: 14 });

  const citizen = new Client(server.base);
  const filed = await citizen.post('/api/v1/public/cases', { description: '小区门口垃圾堆积', ...near(HONGQI, 5) });
  assert.equal(filed.status, 201, filed.text);
  const list = await supervisor.get('/api/v1/cases?status=reported&limit=100');
  const id = list.data.items.find((c) => c.case_no === filed.data.case_no).id;
  await act(supervisor, id, 'accept', { category_id: 59 });
  await act(supervisor, id, 'dispatch', { department_id: sanitationId });
  await act(sanitation, id, 'sign');
  assert.equal((await uploadPhoto(sanitation, id, 'after', 11)).status, 201);
  await act(sanitation, id, 'handle', { note: '已清运' });
  assert.equal((await uploadPhoto(inspector, id, 'check', 12)).status, 201);
  await act(inspector, id, 'check-pass', { note: '已清理干净' });
  await act(supervisor, id, 'close');
  const rated = await citizen.post(`/api/v1/public/cases/${filed.data.case_no}/rating`, { code: filed.data.query_code, rating: 'satisfied' });
  assert.equal(rated.status, 200, rated.text);
}

before(async () => {
  server = await startDemo();
  browser = await launch();
  admin = await demoClient(server, 'admin');
  leader = await demoClient(server, 'leader');
  await seedCases();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function waitText(locator, pattern, timeout = 10000) {
  await locator.filter({ hasText: pattern }).first().waitFor({ timeout });
}

async function switchLang(page, lang) {
  await page.locator('#lang').click();
  await page.locator(`html[lang=${lang === 'en' ? 'en' : 'zh-CN'}]`).waitFor({ state: 'attached' });
}

async function pageWidth(page) {
  return page.evaluate(() => document.documentElement.scrollWidth);
}

test('an admin marks a holiday on the calendar, sees it, removes it and undoes that', async () => {
  const year = (await admin.get('/api/v1/calendar')).data.year;
  const day = `${year}-12-25`;
  const onFile = async () => (await admin.get(`/api/v1/calendar?year=${year}`)).data.days.find((d) => d.day === day);
  assert.equal(await onFile(), undefined, `${day} starts as an ordinary day`);
  // An adjusted working day of this test's own: a weekend day late in December.
  const weekend = [26, 27, 28, 29, 30, 31].map((d) => `${year}-12-${d}`)
    .find((d) => [0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay()));
  const calendarDays = (await admin.get(`/api/v1/calendar?year=${year}`)).data.days;
  assert.equal(calendarDays.find((d) => d.day === weekend), undefined, `${weekend} starts as an ordinary day`);
  const adjusted = await admin.request('PUT', `/api/v1/admin/calendar/days/${weekend}`, { json: { kind: 'workday', name: '测试调休' } });
  assert.equal(adjusted.status, 200, adjusted.text);

  const s = await openPage(browser, server.base, DESKTOP);
  const { page } = s;
  s.allow(/status of 400/);
  await signIn(page, server.base, 'admin');
  await page.locator('#nav a[data-screen=calendar]').click();
  await page.getByRole('heading', { name: '工作日历', exact: true }).waitFor();
  await waitText(page.locator('[data-role=working-time]'), /08:30–12:00、14:00–17:30[\s\S]*周一至周五[\s\S]*UTC\+8/);
  const cell = page.locator(`td[data-day="${day}"]`);
  assert.doesNotMatch(await cell.getAttribute('class'), /cal-holiday/);

  // Errors appear next to the date, in the user's language.
  const form = page.locator('form[data-role=day-form]');
  await form.getByRole('button', { name: '保存' }).click();
  await waitText(form.locator('[data-field=day] .field-error'), '请选择日期。');
  assert.equal(await form.getByLabel('日期').getAttribute('aria-invalid'), 'true');
  await form.getByLabel('日期').fill('1999-12-31');
  await form.getByRole('button', { name: '保存' }).click();
  await waitText(form.locator('[data-field=day] .field-error'), '日期无效：须为 2000 至 2100 年间的真实日期。');
  await switchLang(page, 'en');
  const formEn = page.locator('form[data-role=day-form]');
  await formEn.getByLabel('Date').fill('1999-12-31');
  await formEn.getByRole('button', { name: 'Save' }).click();
  await waitText(formEn.locator('[data-field=day] .field-error'), 'Invalid date: it must be a real date between 2000 and 2100.');
  await switchLang(page, 'zh');

  // Add the holiday: the grid marks it 休 in red and the month lists it.
  const formZh = page.locator('form[data-role=day-form]');
  await formZh.getByLabel('日期').fill(day);
  await formZh.getByLabel('类型').selectOption('holiday');
  await formZh.getByLabel('名称').fill('测试假日');
  await formZh.getByRole('button', { name: '保存' }).click();
  await waitText(page.locator('[data-role=notice]'), /^已保存 12月25日.*：节假日 测试假日$/);
  await page.locator(`td.cal-holiday[data-day="${day}"]`).waitFor();
  assert.equal((await cell.locator('.cal-mark').textContent()), '休');
  const item = page.locator(`li[data-day="${day}"]`);
  await waitText(item, /12月25日[\s\S]*节假日[\s\S]*测试假日/);
  assert.deepEqual(await onFile(), { day, kind: 'holiday', name: '测试假日' });
  assert.match(await cell.evaluate((el) => getComputedStyle(el).backgroundColor), /rgb\(253, 226, 226\)/);
  // An adjusted working day shows 班 in blue.
  const workday = page.locator(`td[data-day="${weekend}"]`);
  assert.equal(await workday.getAttribute('data-kind'), 'workday');
  assert.equal(await workday.locator('.cal-mark').textContent(), '班');
  assert.match(await workday.evaluate((el) => getComputedStyle(el).backgroundColor), /rgb\(219, 232, 251\)/);
  await waitText(page.locator('[data-role=summary]'), new RegExp(`${year} 年共有节假日 \\d+ 天`));
  await shootBoth(page, 'admin-calendar');

  // Remove it, undo, and remove it again.
  await item.getByRole('button', { name: /^删除/ }).click();
  await waitText(page.locator('[data-role=notice]'), /已删除 12月25日.*（测试假日），恢复为普通日期。/);
  await page.locator(`td[data-day="${day}"]:not(.cal-holiday)`).waitFor();
  await item.waitFor({ state: 'detached' });
  assert.equal(await onFile(), undefined);
  await page.locator('[data-role=notice]').getByRole('button', { name: '撤销' }).click();
  await page.locator(`td.cal-holiday[data-day="${day}"]`).waitFor();
  assert.deepEqual(await onFile(), { day, kind: 'holiday', name: '测试假日' });
  await item.getByRole('button', { name: /^删除/ }).click();
  await item.waitFor({ state: 'detached' });
  assert.equal(await onFile(), undefined);

  // Another year is one click away, and the screen fits a 360 px phone.
  await page.getByRole('link', { name: '下一年' }).click();
  await page.locator(`[data-role=calendar][data-year="${year + 1}"]`).waitFor();
  await page.setViewportSize({ width: 360, height: 740 });
  await page.locator('#nav a[data-screen=calendar]').click();
  await page.locator(`[data-role=calendar][data-year="${year}"]`).waitFor();
  assert.ok(await pageWidth(page) <= 360, `the calendar is ${await pageWidth(page)} px wide at 360 px`);
  await shootBoth(page, 'admin-calendar-360');
  assertClean(s);
  await s.context.close();
});

test('the leader\'s overview shows the numbers of /stats/overview in both languages', async () => {
  const o = (await leader.get('/api/v1/stats/overview')).data;
  assert.ok(o.open >= 5 && o.pending_requests >= 1 && o.closed_30d >= 1, JSON.stringify(o));
  const rated = o.satisfaction.satisfied + o.satisfaction.basically_satisfied + o.satisfaction.unsatisfied;
  const rate = `${Math.round((o.satisfaction.satisfied + o.satisfaction.basically_satisfied) * 100 / rated)}%`;
  const expected = {
    open: String(o.open), overdue: String(o.overdue), pending: String(o.pending_requests),
    created30: String(o.created_30d), closed30: String(o.closed_30d), satisfaction: rate,
  };

  const s = await openPage(browser, server.base, DESKTOP);
  const { page } = s;
  await signIn(page, server.base, 'leader');
  await page.getByRole('heading', { name: '总览', exact: true }).waitFor();
  const tile = (name) => page.locator(`[data-tile=${name}]`);
  await waitText(tile('open').locator('.n'), new RegExp(`^${o.open}$`));
  const check = async (labels) => {
    for (const [name, value] of Object.entries(expected)) {
      assert.equal((await tile(name).locator('.n').textContent()), value, `tile ${name}`);
      assert.equal((await tile(name).locator('.l').textContent()), labels[name], `label of ${name}`);
    }
    for (const [state, n] of Object.entries(o.by_state)) {
      assert.equal(await page.locator(`[data-role=state-counts] dd[data-state=${state}]`).textContent(), String(n), state);
    }
    for (const street of o.by_street) {
      const cells = await page.locator(`[data-role=street-counts] tr[data-street="${street.code}"] td`).allTextContents();
      assert.deepEqual(cells, [String(street.open), String(street.overdue), String(street.closed)], street.code);
    }
    const top = page.locator('[data-role=top-categories] li');
    assert.equal(await top.count(), o.by_category.length);
    assert.equal(await top.first().locator('.bar-value').textContent(), String(o.by_category[0].count));
    // Sources with cases are listed with their counts; the others not at all.
    const sources = Object.entries(o.by_source).filter(([, n]) => n > 0);
    assert.ok(sources.length >= 2, JSON.stringify(o.by_source));
    assert.equal(await page.locator('[data-role=source-counts] dd').count(), sources.length);
    for (const [source, n] of sources) {
      assert.equal(await page.locator(`[data-role=source-counts] dd[data-key="${source}"]`).textContent(), String(n), source);
    }
  };
  await page.locator('.chart canvas').nth(2).waitFor();
  await check({ open: '在办案件', overdue: '超时案件', pending: '待审批申请', created30: '近 30 天新增', closed30: '近 30 天结案', satisfaction: '满意率' });
  await waitText(page.locator('[data-role=street-counts]'), /红旗街道/);
  await waitText(page.locator('[data-role=top-categories]'), /暴露垃圾/);
  await waitText(page.locator('[data-role=source-counts]'), /12345 热线/);
  await shootBoth(page, 'leader-overview-stats');

  await switchLang(page, 'en');
  await waitText(tile('open').locator('.l'), 'Open cases');
  await check({ open: 'Open cases', overdue: 'Overdue', pending: 'Requests pending', created30: 'Filed, last 30 days', closed30: 'Closed, last 30 days', satisfaction: 'Satisfaction' });
  await waitText(page.locator('[data-role=street-counts]'), /Hongqi Subdistrict/);
  await waitText(page.locator('[data-role=top-categories]'), /Exposed/i);
  await waitText(page.locator('[data-role=source-counts]'), /12345/);
  await switchLang(page, 'zh');

  // The open tile leads to the open cases; the screen fits a 360 px phone.
  await tile('open').click();
  await page.getByRole('heading', { name: '在办案件' }).waitFor();
  await page.setViewportSize({ width: 360, height: 740 });
  await page.locator('#nav a[data-screen=overview]').click();
  await waitText(tile('open').locator('.n'), new RegExp(`^${o.open}$`));
  await page.locator('.chart canvas').nth(2).waitFor();
  assert.ok(await pageWidth(page) <= 360, `the overview is ${await pageWidth(page)} px wide at 360 px`);
  await shootBoth(page, 'leader-overview-360');
  assertClean(s);
  await s.context.close();
});
