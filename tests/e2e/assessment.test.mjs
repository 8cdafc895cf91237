// SPDX-License-Identifier: MIT
// The assessment screen in a real browser, for a leader: the ranking of a
// period with grades and rates, switching the month, a date range and the
// group, the 30- and 90-day trend drawn on a canvas, and a count that opens the
// case list with exactly that many cases; in Chinese and English, at 1440 and
// 390 px, with screenshots (tests/screenshots/assessment-*).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, demoClient, HONGQI } from '../api/lib.mjs';
import { launch, openPage, assertClean, signIn, shootBoth, PHONE, DESKTOP } from './browser.mjs';

let server;
let browser;
const HONGQI_STREET = '440902001';

before(async () => {
  server = await startDemo();
  browser = await launch();
  const inspector = await demoClient(server, 'inspector');
  const supervisor = await demoClient(server, 'supervisor');
  const trees = (await supervisor.get('/api/v1/categories')).data.trees;
  const garbage = trees.find((t) => t.tree === 'event').majors.flatMap((m) => m.subclasses).find((s) => s.code === '0102');
  for (let i = 0; i < 4; i++) {
    const r = await inspector.post('/api/v1/cases', { description: `考核页面 巡查发现 ${i}`, lat: HONGQI.lat + i * 0.0001, lon: HONGQI.lon });
    assert.equal(r.status, 201, r.text);
    const c = r.data.case;
    const action = i % 2 === 0 ? ['accept', { category_id: garbage.id }] : ['reject', { note: '不属城管' }];
    const done = await supervisor.post(`/api/v1/cases/${c.id}/${action[0]}`, { version: c.version, ...action[1] });
    assert.equal(done.status, 200, done.text);
  }
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

const thisMonth = () => new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 7);
function shift(month, by) {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1 + by, 1)).toISOString().slice(0, 7);
}

// How many pixels of the trend's canvas are drawn (not transparent or white).
function drawnPixels(page) {
  return page.locator('[data-role=trend] canvas').first().evaluate((canvas) => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240)) n++;
    return n;
  });
}

async function openAssessment(page) {
  await page.locator('#nav a[href="#/assessment"]').click();
  await page.locator('.assess-table tbody tr').first().waitFor();
  await page.locator('[data-role=trend-totals]').waitFor();
}

test('a leader ranks a period, switches month, range and group, sees the trend and drills down', async () => {
  const session = await openPage(browser, server.base, DESKTOP);
  const { page } = session;
  await signIn(page, server.base, 'leader');
  await openAssessment(page);
  await page.getByRole('heading', { level: 1, name: '考核评价' }).waitFor();
  assert.equal(await page.getByRole('tab', { name: '街道' }).getAttribute('aria-selected'), 'true');
  assert.equal(await page.getByLabel('月份').inputValue(), thisMonth());
  const hongqi = page.locator(`.assess-table tbody tr[data-code="${HONGQI_STREET}"]`);
  await hongqi.waitFor();
  assert.match(await hongqi.locator('[data-grade]').textContent(), /^[A-E]$/);
  assert.match(await hongqi.locator('td[data-rate=filing_rate]').textContent(), /^\d+(\.\d)?%$/);
  // The trend: a canvas with lines on it, and the same numbers as text.
  const reported = Number(await page.locator('[data-role=trend-totals] dd[data-key=reported]').textContent());
  assert.ok(reported >= 4, `reported in 30 days: ${reported}`);
  assert.ok(await drawnPixels(page) > 500, 'the trend chart is drawn');
  await shootBoth(page, 'assessment-desktop');

  // Previous month, then back with next; then a date range.
  await page.locator('[data-role=prev]').click();
  await page.waitForURL(new RegExp(`period=${shift(thisMonth(), -1)}`));
  await page.locator('.assess-table, .assess-scroll .empty').first().waitFor();
  await page.locator('[data-role=next]').click();
  await page.waitForURL(new RegExp(`period=${thisMonth()}`));
  await page.locator(`.assess-table tbody tr[data-code="${HONGQI_STREET}"]`).waitFor();
  const today = new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10);
  await page.getByLabel('自定义起始日').fill(`${thisMonth()}-01`);
  await page.getByLabel('自定义截止日').fill(today);
  await page.getByRole('button', { name: '按日期查询' }).click();
  await page.waitForURL(/from=.*&to=/);
  await page.locator('[role=status]').filter({ hasText: `${thisMonth()}-01 至 ${today}` }).waitFor();

  // A null rate says why.
  await page.getByRole('tab', { name: '部门' }).click();
  await page.waitForURL(/group=department/);
  await page.locator('.assess-table tbody tr').first().waitFor();
  const nulls = page.locator('.assess-null');
  assert.ok(await nulls.count() > 0, 'departments without work have null rates');
  assert.equal(await nulls.first().getAttribute('title'), '无案件，无法计算');

  // 90 days for one grid cell.
  await page.getByRole('tab', { name: '网格' }).click();
  await page.waitForURL(/group=grid/);
  await page.locator('.assess-table tbody tr [data-role=trend-unit]').first().click();
  await page.waitForURL(/unit=\d+/);
  await page.locator('[data-days="90"]').click();
  await page.locator('[data-role=trend-totals][data-days="90"]').waitFor();
  assert.doesNotMatch(await page.locator('[data-role=trend-scope]').textContent(), /全辖区/);
  assert.ok(await drawnPixels(page) > 500);

  // Drill down: Hongqi street's filed count opens exactly its cases.
  await page.getByRole('tab', { name: '街道' }).click();
  await page.waitForURL(/group=street/);
  const link = page.locator(`.assess-table tbody tr[data-code="${HONGQI_STREET}"] a[data-drill=filed]`);
  const filed = Number(await link.textContent());
  assert.ok(filed >= 2, `filed: ${filed}`);
  await link.click();
  await page.waitForURL(/#\/cases\?/);
  await page.getByRole('heading', { level: 1, name: '案件清单' }).waitFor();
  await page.locator('.case-table tbody tr').first().waitFor();
  assert.equal(await page.locator('.case-table tbody tr').count(), filed);
  assert.equal(Number(await page.locator('[data-role=tiles] .tile .n').first().textContent()), filed);
  assertClean(session);
  await session.context.close();
});

test('in English and on a phone', async () => {
  const session = await openPage(browser, server.base, PHONE);
  const { page } = session;
  await signIn(page, server.base, 'leader');
  await page.locator('#lang').click();
  await page.locator('html[lang=en]').waitFor({ state: 'attached' });
  await page.goto(`${server.base}/staff.html#/assessment?group=inspector`);
  await page.getByRole('heading', { level: 1, name: 'Assessment' }).waitFor();
  await page.locator('.assess-table tbody tr').first().waitFor();
  assert.equal(await page.getByRole('tab', { name: 'Inspectors' }).getAttribute('aria-selected'), 'true');
  await page.getByRole('columnheader', { name: 'Valid reports' }).waitFor();
  // The inspector's reports drill down to the same number of cases.
  const link = page.locator('.assess-table tbody tr[data-code=inspector] a[data-drill=reports]');
  const reports = Number(await link.textContent());
  assert.ok(reports >= 4);
  // The inspectors' points (积分) beside the ranking, as the API counts them,
  // and the table downloads as a CSV with Chinese headers.
  const points = await (await demoClient(server, 'leader')).get('/api/v1/assessment/points');
  assert.equal(points.status, 200, points.text);
  const mine = points.data.rows.find((r) => r.username === 'inspector');
  assert.ok(mine && mine.total !== 0, JSON.stringify(points.data.rows));
  const row = page.locator(`[data-role=points-table] tbody tr[data-id="${mine.id}"]`);
  assert.equal(Number(await row.locator('[data-role=total]').textContent()), mine.total);
  await page.getByRole('columnheader', { name: 'Valid report points', exact: true }).waitFor();
  const href = await page.locator('[data-role=download-points] a[data-format=csv]').getAttribute('href');
  const csv = await page.evaluate(async (url) => {
    const r = await fetch(url);
    return { type: r.headers.get('content-type'), bytes: [...new Uint8Array(await r.arrayBuffer())] };
  }, href);
  assert.match(csv.type, /^text\/csv/);
  assert.deepEqual(csv.bytes.slice(0, 3), [0xef, 0xbb, 0xbf], 'UTF-8 with a BOM');
  const text = Buffer.from(csv.bytes.slice(3)).toString('utf8');
  assert.match(text.split('\r\n')[0], /^排名,账号,姓名,所属单位,/);
  assert.equal(await page.locator('[data-role=download-ranking] a[data-format=xlsx]').getAttribute('href'),
    '/api/v1/assessment?group=inspector&period=' + thisMonth() + '&format=xlsx');
  assert.ok(await drawnPixels(page) > 200, 'the trend is drawn on a phone');
  // Nothing wider than the phone but the table's own scroller.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `page overflows by ${overflow}px`);
  await page.locator('#lang').click();
  await page.locator('html[lang=zh-CN]').waitFor({ state: 'attached' });
  await page.locator('.assess-table tbody tr').first().waitFor();
  await shootBoth(page, 'assessment-phone');
  await page.locator('.assess-table tbody tr[data-code=inspector] a[data-drill=reports]').click();
  await page.locator('.case-table tbody tr').first().waitFor();
  assert.equal(await page.locator('.case-table tbody tr').count(), reports);
  assertClean(session);
  await session.context.close();
});
