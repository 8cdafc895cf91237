// SPDX-License-Identifier: MIT
// A new city set up from nothing through the product only (no seed-demo): the
// command line makes the city unit, its first admin and the hotline token; the
// admin API makes the district, streets, communities and departments, imports
// the cells, fills the routing table, assigns inspectors, a patrol zone and a
// grid leader, and creates the staff. Then a 12345 call with a point lands in
// the right cell, dispatch pre-fills the department the routing names (and
// refuses another), and the case is handled, checked by the cell's inspector
// and closed. Besides: the code and nesting rules, 409s, and the admin audit
// log (one entry with before and after per change; tampering is detected).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import {
  startServer, Client, assertError, runCli, tempDir, uploadPhoto, dbQuery, freshDatabase, PG,
} from './lib.mjs';

const PASSWORD = 'city-setup-password-2026';
// Zhanjiang (湛江市 440800), Chikan district (赤坎区 440802): two streets with
// one community each, two cells of 0.001 degree per community, west to east.
const CITY = '440800', DISTRICT = '440802';
const STREET_A = '440802001', STREET_B = '440802002';
const COMMUNITY_A = '440802001001', COMMUNITY_B = '440802002001';
// Vertices from whole units of 1e-7 degree, so neighbours share them exactly.
const lonAt = (column) => (1103600000 + column * 10000) / 1e7;
const SOUTH = 21.27, NORTH = 21.271;

let server, dataDir, database, admin;
const env = () => (database ? { CHENGGUAN_DB: database.url } : {});
const cli = (args, input) => runCli([...args, '--data-dir', dataDir], { env: env(), input });
const units = {};
const people = {};

function cell(code, column) {
  const w = lonAt(column), e = lonAt(column + 1), s = SOUTH, n = NORTH;
  return {
    type: 'Feature',
    properties: { code, name: `网格 ${code}` },
    geometry: { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] },
  };
}
const centre = (column) => ({ lon: (lonAt(column) + lonAt(column + 1)) / 2, lat: 21.2705 });

async function addUnit(body, status = 201) {
  const r = await admin.post('/api/v1/admin/org-units', body);
  assert.equal(r.status, status, r.text);
  if (status === 201) units[body.code] = r.data;
  return r;
}

async function addUser(username, role, unit) {
  const r = await admin.post('/api/v1/users', { username, display_name: username, role, org_unit_code: unit, password: PASSWORD });
  assert.equal(r.status, 201, r.text);
  const client = new Client(server.base);
  assert.equal((await client.login(username, PASSWORD)).status, 200);
  people[username] = { id: r.data.id, client };
}

// The newest audit entries about one subject ("kind:id").
async function auditOf(subject) {
  const r = await admin.get(`/api/v1/admin/audit?subject=${subject}`);
  assert.equal(r.status, 200, r.text);
  return r.data.items;
}

async function subclass(tree, predicate) {
  const r = await admin.get('/api/v1/categories');
  for (const t of r.data.trees) {
    if (t.tree !== tree) continue;
    for (const major of t.majors) for (const sub of major.subclasses) if (predicate(sub)) return sub;
  }
  throw new Error(`no such ${tree} subclass`);
}

before(async () => {
  dataDir = tempDir('city-');
  database = PG ? freshDatabase() : undefined;
  const migrated = cli(['migrate']);
  assert.equal(migrated.status, 0, migrated.stderr);
  // The first admin needs a unit to belong to: the city, made on the server.
  const city = cli(['org-unit', 'add', '--code', CITY, '--type', 'city', '--name', '湛江市', '--name-en', 'Zhanjiang']);
  assert.equal(city.status, 0, city.stderr);
  const root = cli(['user', 'add', 'root', '--role', 'admin', '--org', CITY], `${PASSWORD}\n`);
  assert.equal(root.status, 0, root.stderr);
  server = await startServer({ dataDir, database });
  admin = new Client(server.base);
  assert.equal((await admin.login('root', PASSWORD)).status, 200);
});

after(async () => {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  if (database) database.drop();
});

test('the command line refuses a code that does not fit and a taken one', () => {
  const bad = cli(['org-unit', 'add', '--code', '4408', '--type', 'district', '--name', 'x', '--parent', CITY]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /no district code/);
  const taken = cli(['org-unit', 'add', '--code', CITY, '--type', 'city', '--name', 'again']);
  assert.equal(taken.status, 1);
  assert.match(taken.stderr, /taken/);
  assert.equal(cli(['org-unit', 'add', '--code', CITY]).status, 2);
});

test('an admin builds the places and departments; codes must nest as GB/T 2260 does', async () => {
  await addUnit({ code: DISTRICT, type: 'district', name: '赤坎区', name_en: 'Chikan', parent_code: CITY });
  await addUnit({ code: STREET_A, type: 'street', name: '中华街道', parent_code: DISTRICT });
  await addUnit({ code: STREET_B, type: 'street', name: '寸金街道', parent_id: units[DISTRICT].id });
  await addUnit({ code: COMMUNITY_A, type: 'community', name: '中华社区', parent_code: STREET_A });
  await addUnit({ code: COMMUNITY_B, type: 'community', name: '寸金社区', parent_code: STREET_B });
  await addUnit({ code: `${DISTRICT}-D01`, type: 'department', name: '赤坎区环卫所', parent_code: DISTRICT, department_kind: 'sanitation' });
  await addUnit({ code: `${STREET_A}-D01`, type: 'department', name: '中华街道办', parent_code: STREET_A, department_kind: 'street_office' });
  assert.equal(units[STREET_A].parent_id, units[DISTRICT].id);
  assert.equal(units[`${DISTRICT}-D01`].department_kind, 'sanitation');
  assert.equal(units[COMMUNITY_A].disabled, false);

  const post = (body) => admin.post('/api/v1/admin/org-units', body);
  assertError(await post({ code: '440803003', type: 'street', name: 'x', parent_code: DISTRICT }), 422, 'invalid_field', 'code');
  assertError(await post({ code: '440802000', type: 'street', name: 'x', parent_code: DISTRICT }), 422, 'invalid_field', 'code');
  assertError(await post({ code: '44080200301', type: 'street', name: 'x', parent_code: DISTRICT }), 422, 'invalid_field', 'code');
  assertError(await post({ code: '440802001009', type: 'community', name: 'x', parent_code: DISTRICT }), 422, 'invalid_field', 'parent_code');
  assertError(await post({ code: '440802001009', type: 'community', name: 'x' }), 422, 'missing_field', 'parent_code');
  assertError(await post({ code: '440802001001009', type: 'community', name: 'x', parent_code: COMMUNITY_A }), 422, 'invalid_field', 'parent_code');
  assertError(await post({ code: `${DISTRICT}-X01`, type: 'department', name: 'x', parent_code: DISTRICT, department_kind: 'water' }), 422, 'invalid_field', 'code');
  assertError(await post({ code: `${DISTRICT}-D09`, type: 'department', name: 'x', parent_code: DISTRICT }), 422, 'missing_field', 'department_kind');
  assertError(await post({ code: '440802003', type: 'street', name: 'x', parent_code: DISTRICT, department_kind: 'water' }), 422, 'invalid_field', 'department_kind');
  assertError(await post({ code: '440900', type: 'city', name: '茂名市' }), 422, 'invalid_field', 'type');
  assertError(await post({ code: '440802003', type: 'village', name: 'x', parent_code: DISTRICT }), 422, 'invalid_field', 'type');
  assertError(await post({ code: '440802003', type: 'street', name: 'x', parent_code: '440999' }), 422, 'invalid_field', 'parent_code');
  assertError(await post({ code: STREET_A, type: 'street', name: '重复', parent_code: DISTRICT }), 409, 'conflict', 'code');
  assertError(await post({ code: `${STREET_A}-D01`, type: 'department', name: '重复', parent_code: STREET_A, department_kind: 'street_office' }), 409, 'conflict', 'code');
  assertError(await post({ code: '440802003', type: 'street', name: 'x', parent_code: DISTRICT, extra: 1 }), 400, 'unknown_field', 'extra');
  // Nothing half-written: every refusal left the units as they were.
  const listed = await admin.get('/api/v1/org-units');
  assert.deepEqual(listed.data.items.map((u) => u.code).sort(),
    [CITY, DISTRICT, `${DISTRICT}-D01`, STREET_A, `${STREET_A}-D01`, COMMUNITY_A, STREET_B, COMMUNITY_B].sort());
});

test('a unit is renamed or disabled, never moved; each change is audited with before and after', async () => {
  const id = units[COMMUNITY_B].id;
  const path = `/api/v1/admin/org-units/${id}`;
  assertError(await admin.patch(path, { parent_code: STREET_A }), 422, 'invalid_field', 'parent_code');
  assertError(await admin.patch(path, { code: '440802002009' }), 422, 'invalid_field', 'code');
  assertError(await admin.patch(path, { name: '' }), 422, 'invalid_field', 'name');
  assertError(await admin.patch('/api/v1/admin/org-units/999999', { name: 'x' }), 404, 'not_found');
  const renamed = await admin.patch(path, { name: '寸金新社区', name_en: 'Cunjin New' });
  assert.equal(renamed.status, 200, renamed.text);
  assert.equal(renamed.data.name, '寸金新社区');
  const [update, create] = await auditOf(`org_unit:${id}`);
  assert.equal(update.action, 'org_unit.update');
  assert.equal(update.actor.name, 'root');
  assert.equal(update.data.before.name, '寸金社区');
  assert.equal(update.data.after.name, '寸金新社区');
  assert.equal(create.action, 'org_unit.create');
  assert.equal(create.data.before, null);
  assert.equal(create.data.after.parent_code, STREET_B);
  // A CLI-made unit is recorded as the system.
  const [city] = await auditOf(`org_unit:${(await admin.get('/api/v1/org-units?type=city')).data.items[0].id}`);
  assert.equal(city.actor.id, null);
  assert.equal(city.actor.role, 'system');
});

test('cells are imported and staff created through the API', async () => {
  const features = [cell(`${COMMUNITY_A}001`, 0), cell(`${COMMUNITY_A}002`, 1), cell(`${COMMUNITY_B}001`, 2), cell(`${COMMUNITY_B}002`, 3)];
  const imported = await admin.post('/api/v1/admin/grids/import', { type: 'FeatureCollection', features });
  assert.equal(imported.status, 200, imported.text);
  assert.equal(imported.data.imported, 4);
  await addUser('op_zj', 'operator', DISTRICT);
  await addUser('sup_zj', 'supervisor', DISTRICT);
  await addUser('leader_zj', 'leader', DISTRICT);
  await addUser('insp_a', 'inspector', STREET_A);
  await addUser('insp_a2', 'inspector', STREET_A);
  await addUser('insp_b', 'inspector', STREET_B);
  await addUser('office_a', 'department', `${STREET_A}-D01`);
  await addUser('san_zj', 'department', `${DISTRICT}-D01`);
  const [created] = await auditOf(`user:${people.insp_a.id}`);
  assert.equal(created.action, 'user.create');
  assert.equal(created.data.after.role, 'inspector');
  assert.equal(created.data.after.org_unit, STREET_A);
  assert.ok(!('password' in created.data.after));
});

test('inspectors, a patrol zone and a grid leader are assigned to cells', async () => {
  // A cell is named by its code (as the grid listing shows it) or its id.
  const id = `${COMMUNITY_A}002`;
  const put = (ids) => admin.request('PUT', `/api/v1/admin/grids/${id}/inspectors`, { json: { user_ids: ids } });
  const r = await put([people.insp_a.id, people.insp_a2.id]);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.data.inspector_ids, [people.insp_a.id, people.insp_a2.id]);
  // Another street's inspector, a department account or nobody: refused, nothing changed.
  assertError(await put([people.insp_a.id, people.insp_b.id]), 422, 'invalid_field', 'user_ids[1]');
  assertError(await put([people.office_a.id]), 422, 'invalid_field', 'user_ids[0]');
  assertError(await put(['x']), 400, 'invalid_field', 'user_ids[0]');
  assertError(await admin.request('PUT', '/api/v1/admin/grids/999999/inspectors', { json: { user_ids: [] } }), 404, 'not_found');
  const narrowed = await put([people.insp_a.id]);
  assert.equal(narrowed.status, 200, narrowed.text);
  const patched = await admin.patch(`/api/v1/admin/grids/${id}`, { patrol_zone: 'A-1', leader_user_id: people.insp_a.id });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.data.patrol_zone, 'A-1');
  assert.equal(patched.data.leader_user_id, people.insp_a.id);
  assertError(await admin.patch(`/api/v1/admin/grids/${id}`, { leader_user_id: people.san_zj.id }), 422, 'invalid_field', 'leader_user_id');
  const listed = await admin.get(`/api/v1/grids?community=${COMMUNITY_A}`);
  const props = listed.data.features.find((f) => f.properties.code === `${COMMUNITY_A}002`).properties;
  assert.equal(props.patrol_zone, 'A-1');
  assert.deepEqual(props.inspectors.map((u) => u.username), ['insp_a']);
  const [update, narrow, first] = await auditOf(`grid_cell:${patched.data.id}`);
  assert.equal((await admin.patch(`/api/v1/admin/grids/${patched.data.id}`, {})).status, 200);
  assert.equal(update.action, 'grid.update');
  assert.deepEqual([update.data.before.patrol_zone, update.data.after.patrol_zone], ['', 'A-1']);
  assert.deepEqual([update.data.before.leader, update.data.after.leader], [null, 'insp_a']);
  assert.equal(narrow.action, 'grid.inspectors');
  assert.deepEqual(narrow.data.before.inspectors, ['insp_a', 'insp_a2']);
  assert.deepEqual(narrow.data.after.inspectors, ['insp_a']);
  assert.deepEqual(first.data.before.inspectors, []);
});

let garbage;

test('the routing table says which department handles a category in a street', async () => {
  garbage = await subclass('event', (s) => s.default_department_kind === 'sanitation');
  const put = (rows) => admin.request('PUT', '/api/v1/admin/routing', { json: { rows } });
  // Street A sends it to its street office, not the kind's sanitation office.
  const r = await put([{ street: STREET_A, tree: 'event', category: garbage.code, department: `${STREET_A}-D01` }]);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.data.items.map((i) => [i.street, i.category, i.department]), [[STREET_A, garbage.code, `${STREET_A}-D01`]]);
  assertError(await put([{ street: '440802009', tree: 'event', category: garbage.code, department: `${STREET_A}-D01` }]), 422, 'invalid_field', 'rows[0].street');
  assertError(await put([{ street: STREET_A, tree: 'event', category: '9999', department: `${STREET_A}-D01` }]), 422, 'invalid_field', 'rows[0].category');
  // Street A's office does not serve street B; nothing of the batch is written.
  assertError(await put([
    { street: STREET_B, tree: 'event', category: garbage.code, department: `${DISTRICT}-D01` },
    { street: STREET_B, tree: 'event', category: garbage.code, department: `${STREET_A}-D01` },
  ]), 422, 'invalid_field', 'rows[1].department');
  assertError(await put([{ street: STREET_A, category: garbage.code, departmant: 'x' }]), 400, 'unknown_field', 'rows[0].departmant');
  const table = await admin.get('/api/v1/admin/routing');
  assert.equal(table.data.items.length, 1);
  const [entry] = await auditOf(`street:${units[STREET_A].id}`);
  assert.equal(entry.action, 'routing.set');
  assert.equal(entry.data.before.department, null);
  assert.equal(entry.data.after.department, `${STREET_A}-D01`);
});

test('a hotline call with a point is placed, routed, handled, checked by the cell\'s inspector and closed', async () => {
  const token = cli(['token', 'add', 'zj-12345', '--channel', '12345', '--user', 'op_zj']);
  assert.equal(token.status, 0, token.stderr);
  const call = await fetch(`${server.base}/api/v1/intake/hotline`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token.stdout.trim()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ external_id: 'ZJ-0001', description: '市民来电：中华路垃圾堆积', category_id: garbage.id, ...centre(1), caller_phone: '13800000000' }),
  });
  assert.equal(call.status, 201);
  const filed = (await call.json()).case;
  assert.equal(filed.place.grid, `${COMMUNITY_A}002`);
  assert.equal(filed.place.street, '中华街道');
  const { sup_zj: sup, office_a: office, insp_a: inspector, san_zj: sanitation } = Object.fromEntries(
    Object.entries(people).map(([k, v]) => [k, v.client]));
  const act = async (client, c, action, extra = {}) => {
    const r = await client.post(`/api/v1/cases/${c.id}/${action}`, { version: c.version, ...extra });
    assert.equal(r.status, 200, `${action}: ${r.text}`);
    return r.data;
  };
  let c = await act(sup, filed, 'accept', { category_id: garbage.id });
  assert.equal(c.state, 'accepted');
  // Dispatch pre-fills the routed department, and refuses another one.
  assert.equal(c.suggested_department.code, `${STREET_A}-D01`);
  assert.equal(c.suggested_department.source, 'routing');
  assertError(await sup.post(`/api/v1/cases/${c.id}/dispatch`, { version: c.version, department_id: units[`${DISTRICT}-D01`].id }), 422, 'invalid_field', 'department_id');
  c = await act(sup, c, 'dispatch', { department_id: c.suggested_department.id });
  assert.equal(c.department.id, units[`${STREET_A}-D01`].id);
  assertError(await sanitation.get(`/api/v1/cases/${c.id}`), 404, 'not_found');
  c = await act(office, c, 'sign');
  assert.equal((await uploadPhoto(office, c.id, 'after', 41)).status, 201);
  c = await act(office, c, 'handle', { note: '已清运' });
  assert.equal((await uploadPhoto(inspector, c.id, 'check', 42)).status, 201);
  c = await act(inspector, c, 'check-pass', { note: '已核查' });
  c = await act(sup, c, 'close');
  assert.equal(c.state, 'closed');

  // Street B has no routing row: the kind suggests, any department in reach may take it.
  const other = await op(`ZJ-0002`, centre(3));
  let d = await act(sup, other, 'accept', { category_id: garbage.id });
  assert.equal(d.suggested_department.code, `${DISTRICT}-D01`);
  assert.equal(d.suggested_department.source, 'kind');
  d = await act(sup, d, 'dispatch', { department_id: units[`${DISTRICT}-D01`].id });
  assert.equal(d.state, 'dispatched');
  // A disabled department takes no new cases.
  const third = await act(sup, await op('ZJ-0003', centre(2)), 'accept', { category_id: garbage.id });
  assert.equal((await admin.patch(`/api/v1/admin/org-units/${units[`${DISTRICT}-D01`].id}`, { disabled: true })).status, 200);
  assertError(await sup.post(`/api/v1/cases/${third.id}/dispatch`, { version: third.version, department_id: units[`${DISTRICT}-D01`].id }), 422, 'invalid_field', 'department_id');
  // The listing says which units are disabled (the admin's tree greys them out).
  const listed = (await admin.get('/api/v1/org-units?type=department')).data.items;
  assert.equal(listed.find((u) => u.code === `${DISTRICT}-D01`).disabled, true);
  assert.ok(listed.filter((u) => u.code !== `${DISTRICT}-D01`).every((u) => u.disabled === false));
});

// Files a call as the operator at a point.
async function op(externalId, point) {
  const r = await people.op_zj.client.post('/api/v1/cases', { description: '市民来电：垃圾未清运', category_id: garbage.id, source: '12345', external_id: externalId, ...point });
  assert.equal(r.status, 201, r.text);
  return r.data.case;
}

test('categories, limits, the calendar and accounts are audited too; the log reads by subject and time', async () => {
  const since = Date.now();
  const cat = await admin.patch(`/api/v1/admin/categories/${garbage.id}`, { limits: { handle: { unit: 'work_hours', amount: 7 } } });
  assert.equal(cat.status, 200, cat.text);
  const [catEntry] = await auditOf(`category:${garbage.id}`);
  assert.equal(catEntry.action, 'category.update');
  assert.notDeepEqual(catEntry.data.before.limits.handle, catEntry.data.after.limits.handle);
  assert.deepEqual(catEntry.data.after.limits.handle, { unit: 'work_hours', amount: 7 });
  const day = await admin.request('PUT', '/api/v1/admin/calendar/days/2026-12-21', { json: { kind: 'holiday', name: '建城日' } });
  assert.equal(day.status, 200, day.text);
  const [dayEntry] = await auditOf('calendar_day:20261221');
  assert.deepEqual([dayEntry.action, dayEntry.data.before, dayEntry.data.after.kind], ['calendar.set', null, 'holiday']);
  const user = await admin.patch(`/api/v1/users/${people.insp_a2.id}`, { phone: '13900000000', password: 'another-long-password' });
  assert.equal(user.status, 200, user.text);
  const [userEntry] = await auditOf(`user:${people.insp_a2.id}`);
  assert.deepEqual([userEntry.data.before.phone, userEntry.data.after.phone, userEntry.data.after.password], ['', '13900000000', 'changed']);
  const recent = await admin.get(`/api/v1/admin/audit?from=${since}&limit=2`);
  assert.equal(recent.status, 200, recent.text);
  assert.deepEqual(recent.data.items.map((e) => e.action), ['user.update', 'calendar.set']);
  const older = await admin.get(`/api/v1/admin/audit?from=${since}&cursor=${recent.data.next_cursor}`);
  assert.deepEqual(older.data.items.map((e) => e.action), ['category.update']);
  assertError(await admin.get('/api/v1/admin/audit?subject=Bad!'), 400, 'invalid_query', 'subject');
  assertError(await admin.get('/api/v1/admin/audit?from=yesterday'), 400, 'invalid_query', 'from');
  assertError(await people.sup_zj.client.get('/api/v1/admin/audit'), 403, 'forbidden');
});

test('chengguan audit verify checks the admin log and detects an edited entry', () => {
  const intact = cli(['audit', 'verify']);
  assert.equal(intact.status, 0, intact.stdout + intact.stderr);
  assert.match(intact.stdout, /audit log intact: \d+ entries/);
  const id = dbQuery(server, "SELECT min(id) FROM audit_log WHERE action = 'routing.set'");
  dbQuery(server, `UPDATE audit_log SET data = replace(data, '${STREET_A}-D01', '${DISTRICT}-D01') WHERE id = ${id}`);
  const broken = cli(['audit', 'verify']);
  assert.equal(broken.status, 1, broken.stdout);
  assert.match(broken.stdout, new RegExp(`audit log BROKEN: audit_log entry ${id} `));
});
