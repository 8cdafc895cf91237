// SPDX-License-Identifier: MIT
// 门前三包: the registry of responsible units (create, change, list with
// filters and keyset pages, validation, jurisdiction, contact data kept from
// cases and the public view), a case naming its unit and the violations
// counted per unit and month, a patrol check whose failure opens a case in one
// step, and 示范街 evaluations: criteria, totals, rankings with the reward list,
// publication freezing the period and its audit_log entry.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, demoClient, assertError, Client, uploadPending, HONGQI, OUTSIDE } from './lib.mjs';

let server;
let admin;
let leader;
let supervisor;
let supervisorHq;
let supervisorHx;
let inspector;
let operator;
let department;

before(async () => {
  server = await startDemo();
  [admin, leader, supervisor, supervisorHq, supervisorHx, inspector, operator, department] = await Promise.all(
    ['admin', 'leader', 'supervisor', 'supervisor_hq', 'supervisor_hx', 'inspector', 'operator', 'dept_municipal']
      .map((u) => demoClient(server, u)));
});
after(async () => { await server.stop(); });

const put = (client, path, json) => client.request('PUT', path, { json });
let plateSerial = 0;
const shop = (extra = {}) => ({
  name: '好又多便利店', kind: 'shop', address: '红旗路18号', ...HONGQI,
  contact_name: '李老板', contact_phone: '13800138000', frontage_m: 12.5,
  duties: { appearance: true, sanitation: true, order: true }, plate_no: `T-HQ-${++plateSerial}`, ...extra,
});

test('a supervisor registers a unit: located in its cell and street, plate unique, contact kept', async () => {
  const r = await supervisorHq.post('/api/v1/frontage/units', shop({ plate_no: 'T-HQ-0001' }));
  assert.equal(r.status, 201, r.text);
  assert.match(r.data.cell, /^440902001\d{6}$/);
  assert.equal(r.data.street, '红旗街道');
  assert.equal(r.data.contact_phone, '13800138000');
  assert.equal(r.data.violations, 0);
  assert.deepEqual(r.data.duties, { appearance: true, sanitation: true, order: true });
  const again = await supervisorHq.post('/api/v1/frontage/units', shop({ plate_no: 'T-HQ-0001', name: '别家' }));
  assertError(again, 409, 'conflict', 'plate_no');
  const got = await inspector.get(`/api/v1/frontage/units/${r.data.id}`);
  assert.equal(got.status, 200);
  assert.equal(got.data.plate_no, 'T-HQ-0001');
  assert.deepEqual(got.data.violations_by_month, []);
});

test('bad registry input is refused with the field to blame and nothing stored', async () => {
  const cases = [
    [{ kind: 'bank' }, 422, 'kind'],
    [{ plate_no: 'bad plate' }, 422, 'plate_no'],
    [{ name: ' ' }, 422, 'name'],
    [{ frontage_m: -1 }, 422, 'frontage_m'],
    [{ contact_phone: 'call me' }, 422, 'contact_phone'],
    [{ duties: { appearance: false, sanitation: false, order: false } }, 422, 'duties'],
    [{ duties: { greening: true } }, 400, 'duties.greening'],
    [{ colour: 'red' }, 400, 'colour'],
    [{ ...OUTSIDE }, 422, 'street_id'],
  ];
  for (const [change, status, field] of cases) {
    const r = await supervisorHq.post('/api/v1/frontage/units', shop({ plate_no: 'T-BAD-1', ...change }));
    assertError(r, status, undefined, field);
  }
  const list = await supervisor.get('/api/v1/frontage/units?q=T-BAD-1');
  assert.equal(list.data.items.length, 0);
});

test('jurisdiction: another street cannot register, change or see a unit; roles are checked', async () => {
  const r = await supervisorHx.post('/api/v1/frontage/units', shop());
  assertError(r, 422, 'invalid_field', 'lat');
  const mine = await supervisorHq.post('/api/v1/frontage/units', shop({ name: '红旗茶楼', kind: 'restaurant' }));
  assert.equal(mine.status, 201);
  assert.equal((await supervisorHx.get(`/api/v1/frontage/units/${mine.data.id}`)).status, 404);
  assert.equal((await supervisorHx.patch(`/api/v1/frontage/units/${mine.data.id}`, { name: 'x' })).status, 404);
  const hx = await supervisorHx.get('/api/v1/frontage/units?q=红旗茶楼');
  assert.equal(hx.data.items.length, 0);
  assert.equal((await supervisor.get('/api/v1/frontage/units?q=红旗茶楼')).data.items.length, 1);
  assert.equal((await inspector.post('/api/v1/frontage/units', shop())).status, 403);
  assert.equal((await department.get('/api/v1/frontage/units')).status, 403);
  // A unit outside every cell is placed in the street its registrar names.
  const street = (await admin.get('/api/v1/org-units?type=street')).data.items.find((u) => u.code === '440902002');
  const loose = await supervisorHx.post('/api/v1/frontage/units', shop({ ...OUTSIDE, street_id: street.id, plate_no: 'T-HX-LOOSE' }));
  assert.equal(loose.status, 201, loose.text);
  assert.equal(loose.data.cell, null);
  assert.equal(loose.data.street, '河西街道');
  // An inspector's own cells: the unit outside every cell is in the street's list, not in theirs.
  const inspectorHx = await demoClient(server, 'inspector_hx');
  const all = await inspectorHx.get('/api/v1/frontage/units?q=T-HX-LOOSE');
  assert.equal(all.data.items.length, 1);
  const own = await inspectorHx.get('/api/v1/frontage/units?q=T-HX-LOOSE&assigned=1');
  assert.equal(own.data.items.length, 0);
  const ownDemo = await inspectorHx.get('/api/v1/frontage/units?assigned=1&limit=200');
  assert.ok(ownDemo.data.items.length > 0 && ownDemo.data.items.every((u) => u.street === '河西街道' && u.cell));
  assertError(await inspectorHx.get('/api/v1/frontage/units?assigned=yes'), 400, 'invalid_query', 'assigned');
});

test('a supervisor edits a unit; the list filters by street, cell and text and pages by keyset', async () => {
  const created = [];
  for (let i = 0; i < 5; i++) created.push((await supervisorHq.post('/api/v1/frontage/units', shop({ name: `翻页商铺${i}` }))).data);
  const edit = await supervisorHq.patch(`/api/v1/frontage/units/${created[0].id}`, { name: '翻页商铺改名', active: false, duties: { order: false } });
  assert.equal(edit.status, 200, edit.text);
  assert.equal(edit.data.active, false);
  assert.deepEqual(edit.data.duties, { appearance: true, sanitation: true, order: false });
  const inactive = await inspector.post('/api/v1/cases', { description: '停业店门前垃圾', ...HONGQI, frontage_unit_id: created[0].id });
  assertError(inactive, 422, 'invalid_field', 'frontage_unit_id');
  assertError(await supervisorHq.patch(`/api/v1/frontage/units/${created[1].id}`, { plate_no: created[2].plate_no }), 409, 'conflict', 'plate_no');
  const seen = [];
  let cursor = '';
  for (;;) {
    const page = await supervisor.get(`/api/v1/frontage/units?q=翻页商铺&limit=2${cursor}`);
    assert.equal(page.status, 200);
    seen.push(...page.data.items.map((u) => u.id));
    if (!page.data.next_cursor) break;
    cursor = `&cursor=${page.data.next_cursor}`;
  }
  assert.deepEqual(seen, created.map((u) => u.id));
  const byCell = await supervisor.get(`/api/v1/frontage/units?cell=${created[1].cell}&q=翻页商铺`);
  assert.equal(byCell.data.items.length, 5);
  const otherStreet = await supervisor.get('/api/v1/frontage/units?street=440902003&q=翻页商铺');
  assert.equal(otherStreet.data.items.length, 0);
  assertError(await supervisor.get('/api/v1/frontage/units?street=nowhere'), 400, 'invalid_query', 'street');
  assertError(await supervisor.get('/api/v1/frontage/units?sort=name'), 400, 'invalid_query', 'sort');
});

test('a case names its unit; violations count per unit and month and sort the registry', async () => {
  const unit = (await supervisorHq.post('/api/v1/frontage/units', shop({ name: '屡犯水果店' }))).data;
  const other = (await supervisorHq.post('/api/v1/frontage/units', shop({ name: '偶犯五金店' }))).data;
  const ids = [];
  for (let i = 0; i < 3; i++) {
    const r = await inspector.post('/api/v1/cases', { description: `水果店占道经营 ${i}`, ...HONGQI, frontage_unit_id: unit.id });
    assert.equal(r.status, 201, r.text);
    ids.push(r.data.case.id);
  }
  const c = await operator.post('/api/v1/cases', { description: '五金店门前堆放杂物', ...HONGQI, source: '12345' });
  const named = await put(operator, `/api/v1/cases/${c.data.case.id}/frontage-unit`, { frontage_unit_id: other.id });
  assert.equal(named.status, 200, named.text);
  const got = await supervisor.get(`/api/v1/cases/${ids[0]}`);
  assert.equal(got.data.frontage_unit.plate_no, unit.plate_no);
  assert.equal(got.data.frontage_unit.contact_phone, undefined, 'a case never shows the contact');
  const detail = await supervisor.get(`/api/v1/frontage/units/${unit.id}`);
  assert.equal(detail.data.violations, 3);
  assert.equal(detail.data.violations_by_month.length, 1);
  assert.equal(detail.data.violations_by_month[0].count, 3);
  assert.match(detail.data.violations_by_month[0].month, /^\d{4}-\d{2}$/);
  assert.deepEqual(detail.data.cases.map((x) => x.id).sort(), ids.sort());
  const ranked = await supervisor.get('/api/v1/frontage/units?sort=violations&limit=1');
  assert.equal(ranked.data.items[0].id, unit.id);
  const next = await supervisor.get(`/api/v1/frontage/units?sort=violations&limit=1&cursor=${ranked.data.next_cursor}`);
  assert.equal(next.data.items[0].violations, 1);
  // Moving a case to another unit moves its count; null names none.
  await put(operator, `/api/v1/cases/${c.data.case.id}/frontage-unit`, { frontage_unit_id: unit.id });
  assert.equal((await supervisor.get(`/api/v1/frontage/units/${other.id}`)).data.violations, 0);
  assert.equal((await supervisor.get(`/api/v1/frontage/units/${unit.id}`)).data.violations, 4);
  await put(operator, `/api/v1/cases/${c.data.case.id}/frontage-unit`, { frontage_unit_id: null });
  assert.equal((await supervisor.get(`/api/v1/frontage/units/${unit.id}`)).data.violations, 3);
  assert.equal((await supervisor.get(`/api/v1/cases/${c.data.case.id}`)).data.frontage_unit, null);
  const events = await supervisor.get(`/api/v1/cases/${c.data.case.id}/events`);
  assert.ok(JSON.stringify(events.data).includes('frontage'));
  // A unit out of reach or unknown is refused, and no case is filed.
  const hx = await inspector.post('/api/v1/cases', { description: 'x', ...HONGQI, frontage_unit_id: 999999 });
  assertError(hx, 422, 'invalid_field', 'frontage_unit_id');
});

test('the public view of a case naming a unit shows no contact person or phone', async () => {
  const unit = (await supervisorHq.post('/api/v1/frontage/units', shop({ name: '隐私测试店', contact_phone: '13912345678', contact_name: '王秘密' }))).data;
  const anonymous = new Client(server.base);
  const filed = await anonymous.post('/api/v1/public/cases', { description: '店门口垃圾堆积', ...HONGQI });
  assert.equal(filed.status, 201, filed.text);
  const staffCase = (await supervisor.get(`/api/v1/cases?q=${encodeURIComponent('店门口垃圾堆积')}`)).data.items[0];
  assert.equal((await put(supervisor, `/api/v1/cases/${staffCase.id}/frontage-unit`, { frontage_unit_id: unit.id })).status, 200);
  const view = await anonymous.get(`/api/v1/public/cases/${filed.data.case_no}?code=${filed.data.query_code}`);
  assert.equal(view.status, 200);
  assert.ok(!view.text.includes('13912345678') && !view.text.includes('王秘密'), view.text);
  const staff = await supervisor.get(`/api/v1/cases/${staffCase.id}`);
  assert.ok(!staff.text.includes('13912345678'));
});

test('a patrol check: a pass records, a failure opens a case naming the unit in one step', async () => {
  const unit = (await supervisorHq.post('/api/v1/frontage/units', shop({ name: '检查面馆', kind: 'restaurant', duties: { order: false } }))).data;
  const pass = await inspector.post(`/api/v1/frontage/units/${unit.id}/checks`, { appearance: 'pass', sanitation: 'pass' });
  assert.equal(pass.status, 201, pass.text);
  assert.equal(pass.data.passed, true);
  assert.equal(pass.data.case, null);
  assertError(await inspector.post(`/api/v1/frontage/units/${unit.id}/checks`, { appearance: 'pass' }), 400, 'missing_field', 'sanitation');
  assertError(await inspector.post(`/api/v1/frontage/units/${unit.id}/checks`, { appearance: 'pass', sanitation: 'pass', order: 'fail' }), 422, 'invalid_field', 'order');
  assertError(await inspector.post(`/api/v1/frontage/units/${unit.id}/checks`, { appearance: 'ok', sanitation: 'pass' }), 400, 'invalid_field', 'appearance');
  assertError(await inspector.post(`/api/v1/frontage/units/${unit.id}/checks`, { appearance: 'pass', sanitation: 'pass', open_case: true }), 422, 'invalid_field', 'open_case');
  const fail = await inspector.post(`/api/v1/frontage/units/${unit.id}/checks`, { appearance: 'pass', sanitation: 'fail', note: '门前油污', open_case: true });
  assert.equal(fail.status, 201, fail.text);
  assert.equal(fail.data.passed, false);
  assert.equal(fail.data.case.source, 'patrol');
  assert.match(fail.data.case.description, /检查面馆.*环境卫生.*门前油污/);
  const c = await supervisor.get(`/api/v1/cases/${fail.data.case.id}`);
  assert.equal(c.data.frontage_unit.id, unit.id);
  const detail = await supervisor.get(`/api/v1/frontage/units/${unit.id}`);
  assert.equal(detail.data.violations, 1);
  assert.equal(detail.data.last_check_passed, false);
  assert.equal(detail.data.checks.length, 2);
  assert.equal(detail.data.checks[0].case_id, fail.data.case.id);
  assert.deepEqual(detail.data.checks[0].duties, { appearance: 'pass', sanitation: 'fail', order: null });
  // A bad category leaves neither the check nor a case behind.
  const bad = await inspector.post(`/api/v1/frontage/units/${unit.id}/checks`, { appearance: 'fail', sanitation: 'pass', open_case: true, category_id: 999999 });
  assertError(bad, 422, 'invalid_field', 'category_id');
  const after = await supervisor.get(`/api/v1/frontage/units/${unit.id}`);
  assert.equal(after.data.checks.length, 2);
  assert.equal(after.data.violations, 1);
  // Another street's inspector does not reach the unit.
  const hx = await demoClient(server, 'inspector_hx');
  assert.equal((await hx.post(`/api/v1/frontage/units/${unit.id}/checks`, { appearance: 'pass', sanitation: 'pass' })).status, 404);
});

test('a failed check keeps its photos and gives them to the case it opens', async () => {
  const unit = (await supervisorHq.post('/api/v1/frontage/units', shop({ name: '带照片检查店' }))).data;
  const hash = await uploadPending(inspector, 4242);
  const r = await inspector.post(`/api/v1/frontage/units/${unit.id}/checks`,
    { appearance: 'fail', sanitation: 'pass', order: 'pass', photos: [hash], open_case: true });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.data.case.photos.map((p) => [p.hash, p.stage]), [[hash, 'report']]);
  const detail = await supervisor.get(`/api/v1/frontage/units/${unit.id}`);
  assert.deepEqual(detail.data.checks[0].photos, [hash]);
  const foreign = await inspector.post(`/api/v1/frontage/units/${unit.id}/checks`,
    { appearance: 'pass', sanitation: 'pass', order: 'pass', photos: ['0'.repeat(64)] });
  assertError(foreign, 422, 'invalid_field', 'photos');
});

test('示范街: criteria, totals, rankings with the reward list, publication freezes and is audited', async () => {
  const streets = (await admin.get('/api/v1/org-units?type=street')).data.items;
  const id = (code) => streets.find((s) => s.code === code).id;
  assertError(await leader.post('/api/v1/frontage/criteria', { name: '路面', weight: 0, max_score: 10 }), 422, 'invalid_field', 'weight');
  assert.equal((await supervisor.post('/api/v1/frontage/criteria', { name: 'x', weight: 1, max_score: 1 })).status, 403);
  const made = await leader.post('/api/v1/frontage/criteria', { name: '测试：夜间秩序', weight: 20, max_score: 10 });
  assert.equal(made.status, 201, made.text);
  const criteria = (await supervisor.get('/api/v1/frontage/criteria')).data.items.filter((c) => c.active);
  assert.ok(criteria.some((c) => c.id === made.data.id));
  const full = (fraction) => criteria.map((c) => ({ criterion_id: c.id, score: c.max_score * fraction }));
  const period = '2026-Q3';
  const save = (client, street, fraction, extra = {}) =>
    put(client, '/api/v1/frontage/evaluations', { street_id: id(street), period, scores: full(fraction), ...extra });
  const a = await save(leader, '440902001', 1);
  assert.equal(a.status, 200, a.text);
  assert.equal(a.data.total, 100);
  assert.equal((await save(leader, '440902002', 0.5)).data.total, 50);
  assert.equal((await save(supervisorHx, '440902002', 0.8)).data.total, 80, 'a second evaluation replaces the first');
  assert.equal((await save(leader, '440902003', 0.8)).status, 200);
  assert.equal((await save(leader, '440902003', 0.6, { segment: '迎宾路' })).status, 200);
  // Every active criterion must be scored, within its maximum; streets in reach only.
  const partial = await put(leader, '/api/v1/frontage/evaluations', { street_id: id('440902001'), period, scores: full(1).slice(1) });
  assertError(partial, 422, 'missing_field', 'scores');
  const over = await save(leader, '440902001', 2);
  assertError(over, 422, 'invalid_field', 'scores');
  assertError(await save(supervisorHx, '440902001', 1), 422, 'invalid_field', 'street_id');
  assertError(await save(leader, '440902001', 1, { period: '2026-13' }), 422, 'invalid_field', 'period');
  const ranking = await leader.get(`/api/v1/frontage/evaluations?period=${period}`);
  assert.equal(ranking.status, 200);
  assert.deepEqual(ranking.data.items.map((e) => [e.street, e.segment, e.total, e.rank]),
    [['红旗街道', '', 100, 1], ['河西街道', '', 80, 2], ['河东街道', '', 80, 2], ['河东街道', '迎宾路', 60, 4]]);
  assert.equal(ranking.data.published, false);
  // Publication: a reward list of the top 2 (ties on the last place included), then frozen.
  assert.equal((await supervisor.post(`/api/v1/frontage/periods/${period}/publish`, {})).status, 403);
  const published = await leader.post(`/api/v1/frontage/periods/${period}/publish`, { reward_top: 2 });
  assert.equal(published.status, 200, published.text);
  const after = await supervisor.get(`/api/v1/frontage/evaluations?period=${period}`);
  assert.equal(after.data.published, true);
  assert.equal(after.data.reward_top, 2);
  assert.deepEqual(after.data.rewards, ['红旗街道', '河西街道', '河东街道']);
  assertError(await save(leader, '440902001', 0.1), 409, 'conflict', 'period');
  assertError(await leader.post(`/api/v1/frontage/periods/${period}/publish`, {}), 409, 'conflict', 'period');
  assertError(await leader.post('/api/v1/frontage/periods/2026-Q1/publish', {}), 422, 'invalid_field', 'period');
  assert.equal((await leader.get(`/api/v1/frontage/evaluations?period=${period}`)).data.items[0].total, 100);
  const audit = await admin.get('/api/v1/admin/audit?subject=frontage_period');
  const entry = audit.data.items.find((e) => e.data.after.period === period);
  assert.ok(entry, JSON.stringify(audit.data));
  assert.equal(entry.action, 'frontage_period.publish');
  assert.equal(entry.actor.name, '茂南区领导');
  assert.equal(entry.data.after.ranking.length, 4);
  const criterionAudit = await admin.get(`/api/v1/admin/audit?subject=frontage_criterion:${made.data.id}`);
  assert.equal(criterionAudit.data.items[0].action, 'frontage_criterion.create');
  // Changing a criterion later leaves the published totals as they were.
  assert.equal((await leader.patch(`/api/v1/frontage/criteria/${made.data.id}`, { weight: 90 })).status, 200);
  assert.equal((await leader.get(`/api/v1/frontage/evaluations?period=${period}`)).data.items[1].total, 80);
});
