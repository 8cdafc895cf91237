// SPDX-License-Identifier: MIT
// The assessment over HTTP: a period's counts, rates, composite, grade and rank
// per department, street and inspector from cases walked through the real
// workflow, null rates and composites where nothing happened, the caller's
// jurisdiction, strict 400s for bad periods and groups, the roles allowed, and
// the admin's weights and thresholds (validated, then used), and a leader's
// 督办 counted against the department; the tables as CSV and XLSX, equal to
// the JSON.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, demoClient, assertError, uploadPhoto, dbQuery, HONGQI } from './lib.mjs';
import { parseCsv, unzip, sheetRows, letter, XLSX_TYPE } from './sheets.mjs';

let server;
const users = {};
let departments;
let garbage; // the category of the cases below
let seed = 71000;
// A range around today in the calendar's zone (UTC+8) that holds every deadline below.
const day = (offsetDays) => new Date(Date.now() + 8 * 3600000 + offsetDays * 86400000).toISOString().slice(0, 10);
const RANGE = `from=${day(-2)}&to=${day(40)}`;

async function act(client, c, action, extra = {}) {
  const r = await client.post(`/api/v1/cases/${c.id}/${action}`, { version: c.version, ...extra });
  assert.equal(r.status, 200, `${action}: ${r.text}`);
  return r.data;
}

async function report(text) {
  const r = await users.inspector.post('/api/v1/cases', { description: `考评 ${text} ${seed++}`, ...HONGQI });
  assert.equal(r.status, 201, r.text);
  return r.data.case;
}

before(async () => {
  server = await startDemo();
  for (const name of ['admin', 'leader', 'supervisor', 'supervisor_hx', 'inspector', 'operator', 'dept_municipal']) {
    users[name] = await demoClient(server, name);
  }
  const units = await users.supervisor.get('/api/v1/org-units?type=department');
  departments = Object.fromEntries(units.data.items.map((u) => [u.code, u.id]));
  const trees = (await users.leader.get('/api/v1/categories')).data.trees;
  garbage = trees.find((t) => t.tree === 'event').majors.flatMap((m) => m.subclasses).find((s) => s.code === '0102');
  // One case handled on time and closed, one rejected, one merged into the first.
  let c = await report('已结案');
  const dup = await report('重复');
  c = await act(users.supervisor, c, 'accept', { category_id: garbage.id });
  await act(users.supervisor, dup, 'merge', { target_case_id: c.id });
  c = await act(users.supervisor, c, 'dispatch', { department_id: departments['440902-D01'] });
  c = await act(users.dept_municipal, c, 'sign');
  assert.equal((await uploadPhoto(users.dept_municipal, c.id, 'after', seed++)).status, 201);
  c = await act(users.dept_municipal, (await users.dept_municipal.get(`/api/v1/cases/${c.id}`)).data, 'handle', { note: '已清理' });
  assert.equal((await uploadPhoto(users.inspector, c.id, 'check', seed++)).status, 201);
  c = await act(users.inspector, (await users.inspector.get(`/api/v1/cases/${c.id}`)).data, 'check-pass');
  await act(users.supervisor, c, 'close');
  const rejected = await report('不予立案');
  await act(users.supervisor, rejected, 'reject', { note: '不属城管' });
});
after(async () => { await server.stop(); });

async function assessment(client, query) {
  const r = await client.get(`/api/v1/assessment?${query}`);
  assert.equal(r.status, 200, r.text);
  return r.data;
}

test('a department is scored on the handling due in the period', async () => {
  const a = await assessment(users.leader, `group=department&${RANGE}`);
  assert.equal(a.group, 'department');
  assert.equal(a.period.from, day(-2));
  assert.equal(a.period.to, day(40));
  assert.equal(a.period.month, null);
  assert.deepEqual(a.grades, { A: 90, B: 75, C: 60, D: 40 });
  assert.equal(a.weights.closure_rate, 30);
  const [first] = a.rows;
  assert.equal(first.code, '440902-D01', 'the only department with work ranks first');
  assert.equal(first.rank, 1);
  assert.equal(first.counts.received, 1);
  assert.equal(first.counts.on_time, 1);
  assert.equal(first.counts.handled, 1);
  assert.equal(first.counts.rounds_closed, 1);
  assert.equal(first.rates.on_time_handling_rate, 1);
  assert.equal(first.rates.closure_rate, 1);
  assert.equal(first.rates.rework_rate, 0);
  assert.equal(first.rates.volume, 1);
  assert.equal(first.rates.satisfaction_rate, null, 'nobody rated: null, not 0');
  assert.equal(first.composite, 100);
  assert.equal(first.grade, 'A');
  const idle = a.rows.filter((r) => r.code !== '440902-D01');
  assert.ok(idle.length >= 2);
  for (const r of idle) {
    assert.equal(r.composite, null, r.code);
    assert.equal(r.grade, null);
    assert.equal(r.rank, null);
    assert.equal(r.rates.on_time_handling_rate, null);
  }
});

test('streets and inspectors: reports, valid reports, merged ones counted once', async () => {
  const streets = await assessment(users.leader, `group=street&${RANGE}`);
  const hongqi = streets.rows.find((r) => r.code === '440902001');
  assert.equal(hongqi.counts.reported, 2, 'the merged duplicate is not a second problem');
  assert.equal(hongqi.counts.filed, 1);
  assert.equal(hongqi.counts.closed, 1);
  assert.equal(hongqi.rates.filing_rate, 0.5);
  assert.equal(hongqi.rates.closing_rate, 1);
  assert.ok(hongqi.counts.cells > 0);
  assert.equal(hongqi.cases_per_cell, 2 / hongqi.counts.cells);
  assert.equal(hongqi.rank, 1);
  const inspectors = await assessment(users.leader, `group=inspector&${RANGE}`);
  const me = inspectors.rows.find((r) => r.code === 'inspector');
  assert.equal(me.counts.reports, 2);
  assert.equal(me.rates.valid_report_rate, 0.5);
  assert.equal(me.counts.checks_due, 1);
  assert.equal(me.rates.on_time_check_rate, 1);
  assert.equal(me.rates.missed_report_rate, 0, 'every filed case of the community came from patrol');
  assert.equal(typeof me.composite, 'number');
  const operators = await assessment(users.leader, `group=operator&${RANGE}`);
  const supervisor = operators.rows.find((r) => r.code === 'supervisor');
  assert.equal(supervisor.counts.dispatched, 1);
  assert.equal(supervisor.rates.on_time_dispatch_rate, 1);
  for (const group of ['community', 'grid']) {
    const rows = (await assessment(users.leader, `group=${group}&${RANGE}`)).rows;
    assert.equal(rows.reduce((n, r) => n + r.counts.reported, 0), 2, group);
  }
});

test('a month without facts is null everywhere; this month is the default', async () => {
  const past = await assessment(users.leader, 'group=street&period=2024-01');
  assert.deepEqual(past.period, {
    month: '2024-01', from: '2024-01-01', to: '2024-01-31',
    from_ms: Date.UTC(2023, 11, 31, 16), to_ms: Date.UTC(2024, 0, 31, 16),
  }, 'month boundaries at midnight UTC+8');
  for (const r of past.rows) {
    assert.equal(r.composite, null);
    assert.ok(Object.values(r.rates).every((v) => v === null));
  }
  const now = await assessment(users.leader, 'group=street');
  assert.equal(now.period.month, day(0).slice(0, 7));
});

test('the jurisdiction bounds the groups and the facts', async () => {
  const hexi = await assessment(users.supervisor_hx, `group=street&${RANGE}`);
  assert.deepEqual(hexi.rows.map((r) => r.code), ['440902002']);
  assert.equal(hexi.rows[0].counts.reported, 0);
  const depts = await assessment(users.supervisor_hx, `group=department&${RANGE}`);
  const municipal = depts.rows.find((r) => r.code === '440902-D01');
  assert.ok(municipal, 'a district department serves the street');
  assert.equal(municipal.counts.received, 0, 'its work in another street is not counted here');
  assert.equal((await assessment(users.admin, `group=street&${RANGE}`)).rows.length >= 3, true);
  assertError(await users.inspector.get('/api/v1/assessment?group=street'), 403, 'forbidden');
  assertError(await users.dept_municipal.get('/api/v1/assessment?group=street'), 403, 'forbidden');
  assertError(await users.operator.get('/api/v1/assessment?group=street'), 403, 'forbidden');
});

test('bad groups, periods and dates are 400s naming the parameter', async () => {
  const bad = async (query, field) => assertError(await users.leader.get(`/api/v1/assessment?${query}`), 400, 'invalid_query', field);
  await bad('period=2024-01', 'group');
  await bad('group=Street', 'group');
  for (const period of ['2024-13', '2024-1', '1999-12', '2024-01-01', '2024/01', 'now']) await bad(`group=street&period=${period}`, 'period');
  await bad('group=street&period=2024-01&from=2024-01-01&to=2024-01-02', 'period');
  await bad('group=street&from=2024-01-01', 'to');
  await bad('group=street&to=2024-01-01', 'from');
  await bad('group=street&from=2024-02-30&to=2024-03-01', 'from');
  await bad('group=street&from=2024-03-01&to=2024-3-01', 'to');
  await bad('group=street&from=2024-03-02&to=2024-03-01', 'to');
  await bad('group=street&from=2023-01-01&to=2024-12-31', 'to');
});

test('an admin sets weights and thresholds; they are checked, then used', async () => {
  const path = '/api/v1/admin/assessment/settings';
  assertError(await users.leader.request('PUT', path, { json: { grades: { A: 95 } } }), 403, 'forbidden');
  const defaults = await users.admin.get(path);
  assert.equal(defaults.status, 200, defaults.text);
  assert.deepEqual(defaults.data.weights.inspector, { valid_report_rate: 40, missed_report_rate: 20, on_time_verification_rate: 20, on_time_check_rate: 20 });
  assert.deepEqual(defaults.data.grades, { A: 90, B: 75, C: 60, D: 40 });
  assertError(await users.leader.get(path), 403, 'forbidden');
  const put = (json) => users.admin.request('PUT', path, { json });
  assertError(await put({ weights: { department: { closure_rate: 40 } } }), 422, 'invalid_field', 'weights');
  assertError(await put({ weights: { department: { speed: 10 } } }), 422, 'invalid_field', 'weights.department.speed');
  assertError(await put({ weights: { team: {} } }), 422, 'invalid_field', 'weights.team');
  assertError(await put({ grades: { B: 95 } }), 422, 'invalid_field', 'grades');
  assertError(await put({ colour: 'red' }), 422, 'invalid_field', 'colour');
  const r = await put({
    weights: { department: { closure_rate: 20, on_time_handling_rate: 20, rework_rate: 20, volume: 10, satisfaction_rate: 30, supervision_rate: 0 } },
    grades: { A: 95, B: 80, C: 65, D: 45 },
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.data.weights.department.satisfaction_rate, 30);
  assert.equal(r.data.weights.street.filing_rate, 20, 'groups not given keep theirs');
  const a = await assessment(users.leader, `group=department&${RANGE}`);
  assert.deepEqual(a.grades, { A: 95, B: 80, C: 65, D: 45 });
  assert.equal(a.weights.satisfaction_rate, 30);
  assert.equal(a.rows[0].composite, 100, 'the null satisfaction rate drops out of the weighing');
  const back = await put({ weights: { department: { closure_rate: 30, on_time_handling_rate: 25, rework_rate: 25, volume: 10, satisfaction_rate: 0, supervision_rate: 10 } }, grades: { A: 90, B: 75, C: 60, D: 40 } });
  assert.equal(back.status, 200, back.text);
  assert.equal(back.data.weights.department.supervision_rate, 10);
});

test('a setting stored before the supervision rate existed keeps its weights', async () => {
  const path = '/api/v1/admin/assessment/settings';
  const old = { weights: { department: { closure_rate: 30, on_time_handling_rate: 30, rework_rate: 30, volume: 10, handling_rate: 0, extension_rate: 0, return_rate: 0, satisfaction_rate: 0 } } };
  dbQuery(server, `DELETE FROM setting WHERE key = 'assessment'; INSERT INTO setting (key, value, updated_at) VALUES ('assessment', '${JSON.stringify(old)}', 0)`);
  const r = await users.admin.get(path);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.data.weights.department.rework_rate, 30);
  assert.equal(r.data.weights.department.supervision_rate, 0, 'a rate the stored group leaves out weighs 0');
  assert.equal(r.data.weights.street.filing_rate, 20, 'a group it leaves out keeps the defaults');
  dbQuery(server, "DELETE FROM setting WHERE key = 'assessment'");
  assert.equal((await users.admin.get(path)).data.weights.department.supervision_rate, 10, 'the default');
});

test('a leader\'s 督办 counts against the department and its street', async () => {
  let c = await report('领导督办');
  c = await act(users.supervisor, c, 'accept', { category_id: garbage.id });
  c = await act(users.supervisor, c, 'dispatch', { department_id: departments['440902-D01'] });
  c = await act(users.leader, c, 'supervise', { note: '请尽快处置' });
  assert.equal(c.supervised, true);
  const a = await assessment(users.leader, `group=department&${RANGE}`);
  const municipal = a.rows.find((r) => r.code === '440902-D01');
  assert.equal(a.weights.supervision_rate, 10);
  assert.equal(municipal.counts.received, 2);
  assert.equal(municipal.counts.leader_supervised, 1);
  assert.equal(municipal.counts.auto_supervised, 0);
  assert.equal(municipal.counts.supervised, 1);
  assert.equal(municipal.rates.supervision_rate, 0.5);
  // closure 30 x 0.5 + on time 25 x 1 + rework 25 x 1 + volume 10 x 1 + supervision 10 x 0.5
  assert.equal(municipal.composite, 80);
  const idle = a.rows.find((r) => r.code !== '440902-D01');
  assert.equal(idle.rates.supervision_rate, null, 'nothing received: null');
  const streets = await assessment(users.leader, `group=street&${RANGE}`);
  const hongqi = streets.rows.find((r) => r.code === '440902001');
  assert.equal(hongqi.counts.leader_supervised, 1);
  assert.equal(hongqi.rates.supervision_rate, 0.5);
  assert.equal(streets.weights.supervision_rate, 0, 'shown, not weighed, for areas');
});

// A table's file: {headers, rows} as strings (CSV) or cells (XLSX), after
// checking the answer's type and attachment name.
async function download(client, path, format, name) {
  const res = await client.request('GET', `${path}&format=${format}`, { raw: true });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('content-type'), format === 'csv' ? 'text/csv; charset=utf-8' : XLSX_TYPE);
  assert.equal(res.headers.get('content-disposition'), `attachment; filename="${name}"; filename*=UTF-8''${name}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  if (format === 'csv') {
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a UTF-8 BOM first');
    const [headers, ...rows] = parseCsv(bytes.subarray(3).toString('utf8'));
    return { headers, rows };
  }
  const files = unzip(bytes);
  const [header, ...rows] = sheetRows(files['xl/worksheets/sheet1.xml']);
  const headers = Object.keys(header).map((_, i) => header[letter(i)].text);
  return { headers, rows, files };
}

// The cells of a JSON row in the export's column order: rank, code, name,
// counts, rates, cases per cell (areas), composite, grade; null for empty.
const jsonCells = (row) => [row.rank, row.code, row.name, ...Object.values(row.counts), ...Object.values(row.rates),
  ...('cases_per_cell' in row ? [row.cases_per_cell] : []), row.composite, row.grade];
// How the CSV writes each: rates as percentages to 0.1, other numbers to 0.01.
const csvCell = (value, isRate) => (value === null ? '' : typeof value === 'string' ? value
  : isRate ? `${(value * 100).toFixed(1)}%` : String(Math.round(value * 100) / 100));

const DEPARTMENT_HEADERS = ['排名', '部门编码', '部门', '受理数', '回退数', '返工数', '延期数', '应处置数', '按时处置数', '已处置数',
  '超期数', '处置中', '结案数', '满意', '基本满意', '不满意', '领导督办数', '自动督办数', '被督办派遣数', '结案率', '按时处置率',
  '返工率', '工作量', '处置率', '延期率', '回退率', '满意率', '督办率', '综合得分', '等级'];

test('the assessment tables export as CSV and XLSX with Chinese headers, equal to the JSON', async () => {
  const [from, to] = [day(-2), day(40)].map((d) => d.replace(/-/g, ''));
  const json = await assessment(users.leader, `group=department&${RANGE}`);
  const path = `/api/v1/assessment?group=department&${RANGE}`;
  const firstRate = 3 + Object.keys(json.rows[0].counts).length;
  const rateColumns = Object.keys(json.rows[0].rates).length;
  const isRate = (i) => i >= firstRate && i < firstRate + rateColumns;
  const csv = await download(users.leader, path, 'csv', `assessment-department-${from}-${to}.csv`);
  assert.deepEqual(csv.headers, DEPARTMENT_HEADERS);
  assert.equal(csv.rows.length, json.rows.length);
  json.rows.forEach((row, r) => assert.deepEqual(csv.rows[r], jsonCells(row).map((v, i) => csvCell(v, isRate(i))), row.code));
  const municipal = csv.rows.find((r) => r[1] === '440902-D01');
  assert.deepEqual([municipal[DEPARTMENT_HEADERS.indexOf('督办率')], municipal[DEPARTMENT_HEADERS.indexOf('综合得分')]], ['50.0%', '80']);

  const xlsx = await download(users.leader, path, 'xlsx', `assessment-department-${from}-${to}.xlsx`);
  assert.deepEqual(xlsx.headers, DEPARTMENT_HEADERS);
  assert.match(xlsx.files['xl/workbook.xml'], /<sheet name="部门考评"/);
  assert.match(xlsx.files['xl/styles.xml'], /formatCode="0.0%"/, 'rates are percentages in the sheet');
  json.rows.forEach((row, r) => {
    const cells = jsonCells(row).map((_, i) => xlsx.rows[r][letter(i)]);
    assert.deepEqual(cells.map((c) => (c === undefined ? null : 'text' in c ? c.text : c.number)), jsonCells(row), row.code);
  });

  const streets = await assessment(users.leader, 'group=street&period=2024-01');
  const area = await download(users.leader, '/api/v1/assessment?group=street&period=2024-01', 'csv', 'assessment-street-2024-01.csv');
  assert.deepEqual(area.headers.slice(0, 3), ['排名', '街道编码', '街道']);
  assert.deepEqual(area.headers.slice(-3), ['每格案件数', '综合得分', '等级']);
  assert.deepEqual(area.rows.map((r) => r[1]), streets.rows.map((r) => r.code));
  assert.ok(area.rows.every((r) => r.at(-1) === '' && r.at(-2) === '' && r[0] === ''), 'an empty month: no rank, composite or grade');
  const inspectors = await download(users.leader, `/api/v1/assessment?group=inspector&${RANGE}`, 'csv', `assessment-inspector-${from}-${to}.csv`);
  assert.deepEqual(inspectors.headers.slice(0, 5), ['排名', '账号', '监督员', '所属单位', '上报数']);
  assertError(await users.leader.get(`${path}&format=pdf`), 400, 'invalid_query', 'format');
  assertError(await users.inspector.get(`${path}&format=csv`), 403, 'forbidden');
});
