// SPDX-License-Identifier: MIT
// Inspector points (积分) over HTTP: each inspector's valid and invalid reports,
// verifications and checks on time, from cases walked through the real
// workflow; the points of each item and the total under the default and the
// admin's points; rank by total (ties share one); the jurisdiction; an
// inspector reads their own row only; 400s and 403s; the table as CSV and
// XLSX, equal to the JSON.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, demoClient, assertError, uploadPhoto, HONGQI, HEXI } from './lib.mjs';
import { parseCsv, unzip, sheetRows, letter, XLSX_TYPE } from './sheets.mjs';

let server;
const users = {};
let departments;
let garbage;
let seed = 72000;
const day = (offsetDays) => new Date(Date.now() + 8 * 3600000 + offsetDays * 86400000).toISOString().slice(0, 10);
const RANGE = `from=${day(-2)}&to=${day(40)}`;
const SETTINGS = '/api/v1/admin/assessment/settings';

async function act(client, c, action, extra = {}) {
  const r = await client.post(`/api/v1/cases/${c.id}/${action}`, { version: c.version, ...extra });
  assert.equal(r.status, 200, `${action}: ${r.text}`);
  return r.data;
}

async function report(client, text, place = HONGQI) {
  const r = await client.post('/api/v1/cases', { description: `积分 ${text} ${seed++}`, ...place });
  assert.equal(r.status, 201, r.text);
  return r.data.case;
}

const fresh = async (client, c) => (await client.get(`/api/v1/cases/${c.id}`)).data;

before(async () => {
  server = await startDemo();
  for (const name of ['admin', 'leader', 'supervisor', 'supervisor_hx', 'inspector', 'inspector_hx', 'operator', 'dept_municipal']) {
    users[name] = await demoClient(server, name);
  }
  const units = await users.supervisor.get('/api/v1/org-units?type=department');
  departments = Object.fromEntries(units.data.items.map((u) => [u.code, u.id]));
  const trees = (await users.leader.get('/api/v1/categories')).data.trees;
  garbage = trees.find((t) => t.tree === 'event').majors.flatMap((m) => m.subclasses).find((s) => s.code === '0102');
  const { inspector, supervisor, dept_municipal: dept, operator } = users;
  // inspector: one report filed, handled and checked on time; one rejected; one undecided.
  let c = await report(inspector, '有效');
  c = await act(supervisor, c, 'accept', { category_id: garbage.id });
  c = await act(supervisor, c, 'dispatch', { department_id: departments['440902-D01'] });
  c = await act(dept, c, 'sign');
  assert.equal((await uploadPhoto(dept, c.id, 'after', seed++)).status, 201);
  c = await act(dept, await fresh(dept, c), 'handle', { note: '已清理' });
  assert.equal((await uploadPhoto(inspector, c.id, 'check', seed++)).status, 201);
  await act(inspector, await fresh(inspector, c), 'check-pass');
  await act(supervisor, await report(inspector, '无效'), 'reject', { note: '不属城管' });
  await report(inspector, '未决');
  // inspector: a 12345 call verified on time (the call itself is the operator's).
  const call = await operator.post('/api/v1/cases', { description: `积分 来电 ${seed++}`, ...HONGQI, source: '12345', external_id: `PTS-${seed}` });
  assert.equal(call.status, 201, call.text);
  c = await act(operator, call.data.case, 'verify');
  assert.equal((await uploadPhoto(inspector, c.id, 'verify', seed++)).status, 201);
  await act(inspector, await fresh(inspector, c), 'confirm', { note: '现场属实' });
  // inspector_hx: one report filed in 河西.
  await act(supervisor, await report(users.inspector_hx, '河西', HEXI), 'accept', { category_id: garbage.id });
});
after(async () => { await server.stop(); });

async function points(client, query = RANGE) {
  const r = await client.get(`/api/v1/assessment/points?${query}`);
  assert.equal(r.status, 200, r.text);
  return r.data;
}

test('each inspector: counts, points per item, total and rank, highest first', async () => {
  const p = await points(users.leader);
  assert.deepEqual(p.points, { valid_report: 2, invalid_report: -1, verification_on_time: 1, verification_late: -1, check_on_time: 1, check_late: -1 });
  assert.equal(p.period.from, day(-2));
  assert.deepEqual(p.rows.map((r) => r.username), ['inspector', 'inspector_hx', 'inspector_hd']);
  const [me, hx, hd] = p.rows;
  assert.deepEqual(me.counts, { valid_report: 1, invalid_report: 1, verification_on_time: 1, verification_late: 0, check_on_time: 1, check_late: 0 });
  assert.deepEqual(me.points, { valid_report: 2, invalid_report: -1, verification_on_time: 1, verification_late: 0, check_on_time: 1, check_late: 0 });
  assert.equal(me.total, 3, 'the undecided report earns nothing yet');
  assert.match(me.org_unit, /红旗/);
  assert.equal(typeof me.org_unit_id, 'number');
  assert.equal(typeof me.name, 'string');
  assert.deepEqual([me.rank, hx.rank, hd.rank], [1, 2, 3]);
  assert.deepEqual([hx.total, hx.counts.valid_report, hd.total], [2, 1, 0]);
});

test('the admin\'s points are checked, then used', async () => {
  const put = (json) => users.admin.request('PUT', SETTINGS, { json });
  assertError(await put({ points: { valid_report: -1 } }), 422, 'invalid_field', 'points');
  assertError(await put({ points: { check_late: 2 } }), 422, 'invalid_field', 'points');
  assertError(await put({ points: { speed: 1 } }), 422, 'invalid_field', 'points.speed');
  assertError(await put({ points: { valid_report: 1.5 } }), 422, 'invalid_field', 'points.valid_report');
  assertError(await put({ points: 3 }), 422, 'invalid_field', 'points');
  assertError(await users.leader.request('PUT', SETTINGS, { json: { points: { valid_report: 5 } } }), 403, 'forbidden');
  const r = await put({ points: { valid_report: 5, invalid_report: -3 } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.data.points.valid_report, 5);
  assert.equal(r.data.points.check_on_time, 1, 'items not given keep theirs');
  assert.equal((await users.admin.get(SETTINGS)).data.points.invalid_report, -3, 'stored');
  const p = await points(users.leader);
  assert.deepEqual(p.rows.map((row) => [row.username, row.total, row.rank]), [['inspector_hx', 5, 1], ['inspector', 4, 2], ['inspector_hd', 0, 3]],
    '5 - 3 + 1 + 1 = 4 falls behind 5: the order follows the points');
  assert.equal((await put({ points: { valid_report: 2, invalid_report: -1 } })).status, 200);
});

test('an inspector reads their own row only; others their jurisdiction', async () => {
  const mine = await points(users.inspector);
  assert.deepEqual(mine.rows.map((r) => r.username), ['inspector']);
  assert.equal(mine.rows[0].total, 3);
  assert.equal(mine.rows[0].rank, 1);
  const hx = await points(users.inspector_hx);
  assert.deepEqual(hx.rows.map((r) => [r.username, r.total]), [['inspector_hx', 2]]);
  const street = await points(users.supervisor_hx);
  assert.deepEqual(street.rows.map((r) => r.username), ['inspector_hx'], 'a street supervisor ranks their street');
  assert.equal((await points(users.admin)).rows.length, 3);
  assertError(await users.operator.get('/api/v1/assessment/points'), 403, 'forbidden');
  assertError(await users.dept_municipal.get('/api/v1/assessment/points'), 403, 'forbidden');
});

test('a month without facts: every total 0, all ranked first; bad periods are 400s', async () => {
  const p = await points(users.leader, 'period=2024-01');
  assert.equal(p.period.month, '2024-01');
  assert.ok(p.rows.every((r) => r.total === 0 && r.rank === 1));
  assert.equal((await points(users.leader, '')).period.month, day(0).slice(0, 7), 'this month by default');
  assertError(await users.leader.get('/api/v1/assessment/points?period=2024-13'), 400, 'invalid_query', 'period');
  assertError(await users.leader.get('/api/v1/assessment/points?from=2024-01-01'), 400, 'invalid_query', 'to');
});

const POINT_HEADERS = ['排名', '账号', '姓名', '所属单位', '有效上报数', '有效上报得分', '无效上报数', '无效上报扣分',
  '按时核实数', '按时核实得分', '超时核实数', '超时核实扣分', '按时核查数', '按时核查得分', '超时核查数', '超时核查扣分', '总分'];
const ITEMS = ['valid_report', 'invalid_report', 'verification_on_time', 'verification_late', 'check_on_time', 'check_late'];
const pointCells = (row) => [row.rank, row.username, row.name, row.org_unit,
  ...ITEMS.flatMap((item) => [row.counts[item], row.points[item]]), row.total];

test('the points table exports as CSV and XLSX with Chinese headers, equal to the JSON', async () => {
  const month = day(0).slice(0, 7);
  const json = await points(users.leader, `period=${month}`);
  assert.ok(json.rows[0].total > 0, 'this month holds the points above');
  const get = async (client, format) => {
    const res = await client.request('GET', `/api/v1/assessment/points?period=${month}&format=${format}`, { raw: true });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('content-type'), format === 'csv' ? 'text/csv; charset=utf-8' : XLSX_TYPE);
    const name = `points-${month}.${format}`;
    assert.equal(res.headers.get('content-disposition'), `attachment; filename="${name}"; filename*=UTF-8''${name}`);
    return Buffer.from(await res.arrayBuffer());
  };
  const bytes = await get(users.leader, 'csv');
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const [headers, ...rows] = parseCsv(bytes.subarray(3).toString('utf8'));
  assert.deepEqual(headers, POINT_HEADERS);
  assert.deepEqual(rows, json.rows.map((r) => pointCells(r).map(String)));
  const files = unzip(await get(users.leader, 'xlsx'));
  assert.match(files['xl/workbook.xml'], /<sheet name="监督员积分"/);
  const [header, ...cells] = sheetRows(files['xl/worksheets/sheet1.xml']);
  assert.deepEqual(POINT_HEADERS.map((_, i) => header[letter(i)].text), POINT_HEADERS);
  assert.deepEqual(cells.map((row) => POINT_HEADERS.map((_, i) => row[letter(i)]?.text ?? row[letter(i)]?.number)),
    json.rows.map(pointCells));
  const own = parseCsv((await get(users.inspector, 'csv')).subarray(3).toString('utf8'));
  assert.deepEqual(own.slice(1).map((r) => r[1]), ['inspector'], 'an inspector exports their own row only');
  assertError(await users.leader.get('/api/v1/assessment/points?format=ods'), 400, 'invalid_query', 'format');
});
