// SPDX-License-Identifier: MIT
// Issue 13's acceptance: a city built from nothing through the API and the
// command line only (no seed): district, streets, communities, departments,
// cells, the gazetteer, the routing table, inspector assignments and patrol
// zones, users. Then a hotline call through the intake token carrying ONLY a
// typed address is geocoded into the right cell, its verification task is
// routed to that cell's inspector (not to the other inspectors of the street),
// dispatch is pre-filled by the routing, the check task goes to the cell's
// inspector again, and the case is closed. Besides: routing falls back to the
// patrol zone and then the street; the task list's mine=1 / mine=0; any
// inspector of the street may still act; an address the gazetteer cannot
// answer for sure leaves the case unplaced.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startServer, Client, assertError, runCli, tempDir, uploadPhoto, freshDatabase, PG, dbQuery,
} from './lib.mjs';

const PASSWORD = 'city-from-nothing-2026';
// Zhanjiang (湛江市 440800), Xiashan district (霞山区 440803). Street A has two
// communities (A1: cells 1 and 2; A2: cell 3), street B one (cell 4); cells are
// 0.001 degree squares from west to east.
const CITY = '440800', DISTRICT = '440803';
const STREET_A = '440803001', STREET_B = '440803002';
const A1 = '440803001001', A2 = '440803001002', B1 = '440803002001';
const CELL = { one: `${A1}001`, two: `${A1}002`, three: `${A2}001`, four: `${B1}001` };
const OFFICE_A = `${STREET_A}-D01`, SANITATION = `${DISTRICT}-D01`;
const lonAt = (column) => (1104000000 + column * 10000) / 1e7;
const SOUTH = 21.19, NORTH = 21.191, MIDDLE = 21.1905;
const centre = (column) => ({ lon: (lonAt(column) + lonAt(column + 1)) / 2, lat: MIDDLE });

let server, dataDir, database, admin, token, garbage;
const env = () => (database ? { CHENGGUAN_DB: database.url } : {});
const cli = (args, input) => runCli([...args, '--data-dir', dataDir], { env: env(), input });
const people = {};
const units = {};

const square = (code, column) => {
  const w = lonAt(column), e = lonAt(column + 1);
  return {
    type: 'Feature', properties: { code, name: `网格 ${code}` },
    geometry: { type: 'Polygon', coordinates: [[[w, SOUTH], [e, SOUTH], [e, NORTH], [w, NORTH], [w, SOUTH]]] },
  };
};
const pointFeature = (properties, { lon, lat }) => ({
  type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] }, properties,
});

async function addUnit(body) {
  const r = await admin.post('/api/v1/admin/org-units', body);
  assert.equal(r.status, 201, r.text);
  units[body.code] = r.data;
}

async function addUser(username, role, unit) {
  const r = await admin.post('/api/v1/users', { username, display_name: `${username} 名`, role, org_unit_code: unit, password: PASSWORD });
  assert.equal(r.status, 201, r.text);
  const client = new Client(server.base);
  assert.equal((await client.login(username, PASSWORD)).status, 200);
  people[username] = { id: r.data.id, client };
}

const as = (name) => people[name].client;

async function act(name, c, action, extra = {}) {
  const r = await as(name).post(`/api/v1/cases/${c.id}/${action}`, { version: c.version, ...extra });
  assert.equal(r.status, 200, `${action}: ${r.text}`);
  return r.data;
}

async function hotline(externalId, body) {
  const r = await fetch(`${server.base}/api/v1/intake/hotline`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ external_id: externalId, description: '市民来电：路边垃圾堆积', category_id: garbage.id, ...body }),
  });
  const text = await r.text();
  assert.equal(r.status, 201, text);
  return JSON.parse(text).case;
}

// The ids of the inspector's open tasks in the list, with a query added.
async function taskIds(name, extra = '') {
  const r = await as(name).get(`/api/v1/cases?status=verifying,handled&sort=deadline&limit=100${extra}`);
  assert.equal(r.status, 200, r.text);
  return r.data.items;
}

before(async () => {
  dataDir = tempDir('fromnothing-');
  database = PG ? freshDatabase() : undefined;
  assert.equal(cli(['migrate']).status, 0);
  const city = cli(['org-unit', 'add', '--code', CITY, '--type', 'city', '--name', '湛江市', '--name-en', 'Zhanjiang']);
  assert.equal(city.status, 0, city.stderr);
  const root = cli(['user', 'add', 'root', '--role', 'admin', '--org', CITY], `${PASSWORD}\n`);
  assert.equal(root.status, 0, root.stderr);
  server = await startServer({ dataDir, database });
  admin = new Client(server.base);
  assert.equal((await admin.login('root', PASSWORD)).status, 200);
});

after(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  if (database) database.drop();
});

test('the city is built through the API and the command line', async () => {
  await addUnit({ code: DISTRICT, type: 'district', name: '霞山区', name_en: 'Xiashan', parent_code: CITY });
  await addUnit({ code: STREET_A, type: 'street', name: '解放街道', parent_code: DISTRICT });
  await addUnit({ code: STREET_B, type: 'street', name: '友谊街道', parent_code: DISTRICT });
  await addUnit({ code: A1, type: 'community', name: '解放一社区', parent_code: STREET_A });
  await addUnit({ code: A2, type: 'community', name: '解放二社区', parent_code: STREET_A });
  await addUnit({ code: B1, type: 'community', name: '友谊社区', parent_code: STREET_B });
  await addUnit({ code: SANITATION, type: 'department', name: '霞山区环卫所', parent_code: DISTRICT, department_kind: 'sanitation' });
  await addUnit({ code: OFFICE_A, type: 'department', name: '解放街道办', parent_code: STREET_A, department_kind: 'street_office' });

  const cells = await admin.post('/api/v1/admin/grids/import', {
    type: 'FeatureCollection',
    features: [square(CELL.one, 0), square(CELL.two, 1), square(CELL.three, 2), square(CELL.four, 3)],
  });
  assert.equal(cells.status, 200, cells.text);
  assert.equal(cells.data.imported, 4);

  await addUser('op_xs', 'operator', DISTRICT);
  await addUser('sup', 'supervisor', DISTRICT);
  await addUser('insp_cell', 'inspector', STREET_A); // cell one's inspector
  await addUser('insp_zone', 'inspector', STREET_A); // cell three's, in zone Z1 with cell two
  await addUser('insp_a2', 'inspector', A2); // community A2's own: never sees cell two
  await addUser('insp_other', 'inspector', STREET_A); // assigned nowhere
  await addUser('insp_b', 'inspector', STREET_B);
  await addUser('office_a', 'department', OFFICE_A);

  const assign = (cell, ids) => admin.request('PUT', `/api/v1/admin/grids/${cell}/inspectors`, { json: { user_ids: ids } });
  assert.equal((await assign(CELL.one, [people.insp_cell.id])).status, 200);
  assert.equal((await assign(CELL.three, [people.insp_zone.id, people.insp_a2.id])).status, 200);
  for (const cell of [CELL.two, CELL.three]) {
    const r = await admin.patch(`/api/v1/admin/grids/${cell}`, { patrol_zone: 'Z1' });
    assert.equal(r.status, 200, r.text);
  }

  const categories = await admin.get('/api/v1/categories');
  garbage = categories.data.trees.find((t) => t.tree === 'event').majors.flatMap((m) => m.subclasses)
    .find((s) => s.default_department_kind === 'sanitation');
  const routing = await admin.request('PUT', '/api/v1/admin/routing', { json: { rows: [{ street: STREET_A, tree: 'event', category: garbage.code, department: OFFICE_A }] } });
  assert.equal(routing.status, 200, routing.text);

  // The gazetteer: a road along cells one to three with numbers 1 (cell one)
  // and 3 (cell two) through the API; landmarks through the command line.
  const road = {
    type: 'Feature', properties: { layer: 'road', name: '人民大道', name_en: 'Renmin Avenue', kind: 'primary' },
    geometry: { type: 'LineString', coordinates: [[lonAt(0), SOUTH + 0.0002], [lonAt(3), SOUTH + 0.0002]] },
  };
  const gazetteer = await admin.post('/api/v1/admin/gazetteer/import', {
    type: 'FeatureCollection',
    features: [road, pointFeature({ layer: 'address', road: '人民大道', number: '1' }, centre(0)),
      pointFeature({ layer: 'address', road: '人民大道', number: '3' }, centre(1))],
  });
  assert.equal(gazetteer.status, 200, gazetteer.text);
  const file = join(dataDir, 'landmarks.geojson');
  writeFileSync(file, JSON.stringify({
    type: 'FeatureCollection',
    features: [pointFeature({ layer: 'landmark', name: '友谊公园', kind: 'park' }, centre(3)),
      pointFeature({ layer: 'landmark', name: '海滨公园', kind: 'park' }, centre(0)),
      pointFeature({ layer: 'landmark', name: '海滨公园', kind: 'park' }, centre(3))],
  }));
  const landmarks = cli(['import', 'gazetteer', file]);
  assert.equal(landmarks.status, 0, landmarks.stderr);

  const made = cli(['token', 'add', 'xs-12345', '--channel', '12345', '--user', 'op_xs']);
  assert.equal(made.status, 0, made.stderr);
  token = made.stdout.trim();
});

test('a hotline call with only a typed address is placed, routed to the cell\'s inspector, handled, checked and closed', async () => {
  const filed = await hotline('XS-0001', { address: '人民大道1号' });
  assert.equal(filed.place.grid, CELL.one);
  assert.equal(filed.place.street, '解放街道');
  assert.equal(filed.place.needs_placement, false);
  assert.equal(filed.place.located_by, 'geocode');
  assert.equal(filed.place.located_label, '人民大道1号');
  assert.ok(Math.abs(filed.place.lat - MIDDLE) < 1e-6 && Math.abs(filed.place.lon - centre(0).lon) < 1e-6);
  assert.equal(filed.task, null, 'no inspector task before it is sent to verify');

  // Sent to verify: routed to the cell's inspector only.
  let c = await act('sup', filed, 'verify');
  assert.equal(c.state, 'verifying');
  assert.deepEqual([c.task.kind, c.task.level], ['verify', 'cell']);
  const page = await as('sup').get(`/api/v1/cases/${c.id}`);
  assert.deepEqual(page.data.task.inspectors.map((i) => i.username), ['insp_cell']);
  assert.equal(page.data.task.mine, false);
  assert.equal((await as('insp_cell').get(`/api/v1/cases/${c.id}`)).data.task.mine, true);

  // The task lists: the cell's inspector has it as theirs; the other inspector
  // of the street sees it among the rest (still theirs to take), not in mine=1.
  const mine = await taskIds('insp_cell', '&mine=1');
  assert.deepEqual(mine.map((x) => [x.id, x.task.mine]), [[c.id, true]]);
  assert.deepEqual((await taskIds('insp_other', '&mine=1')).map((x) => x.id), []);
  const rest = await taskIds('insp_other', '&mine=0');
  assert.deepEqual(rest.map((x) => [x.id, x.task.mine, x.task.level]), [[c.id, false, 'cell']]);
  assert.deepEqual((await taskIds('insp_other')).map((x) => x.id), [c.id], 'the street still sees it');
  assert.deepEqual((await taskIds('insp_b')).map((x) => x.id), [], 'another street does not');
  assertError(await as('insp_cell').get('/api/v1/cases?mine=2'), 400, 'invalid_query', 'mine');

  assert.equal((await uploadPhoto(as('insp_cell'), c.id, 'verify', 51)).status, 201);
  c = await act('insp_cell', c, 'confirm', { note: '现场属实' });
  assert.equal(c.state, 'reported');
  assert.equal(c.task, null);
  c = await act('sup', c, 'accept', { category_id: garbage.id });
  assert.equal(c.suggested_department.code, OFFICE_A);
  assert.equal(c.suggested_department.source, 'routing');
  assertError(await as('sup').post(`/api/v1/cases/${c.id}/dispatch`, { version: c.version, department_id: units[SANITATION].id }),
    422, 'invalid_field', 'department_id');
  c = await act('sup', c, 'dispatch', { department_id: c.suggested_department.id });
  c = await act('office_a', c, 'sign');
  assert.equal((await uploadPhoto(as('office_a'), c.id, 'after', 52)).status, 201);
  c = await act('office_a', c, 'handle', { note: '已清运' });
  assert.deepEqual([c.state, c.task.kind, c.task.level], ['handled', 'check', 'cell']);
  assert.deepEqual((await taskIds('insp_cell', '&mine=1')).map((x) => x.id), [c.id]);
  assert.equal((await uploadPhoto(as('insp_cell'), c.id, 'check', 53)).status, 201);
  c = await act('insp_cell', c, 'check-pass', { note: '已核查' });
  c = await act('sup', c, 'close');
  assert.equal(c.state, 'closed');
  assert.deepEqual((await taskIds('insp_cell', '&mine=1')).map((x) => x.id), []);
  // An ended task keeps no routing rows: the table holds running tasks only.
  assert.equal(dbQuery(server, `SELECT count(*) FROM task_route WHERE case_id = ${c.id}`), '0');
});

test('a cell without inspectors routes to its patrol zone, then the street; a colleague may still act', async () => {
  // Cell two has nobody; cell three of the same zone has insp_zone.
  const zoneCase = await hotline('XS-0002', { address: '人民大道3号' });
  assert.equal(zoneCase.place.grid, CELL.two);
  const z = await act('sup', zoneCase, 'verify');
  assert.equal(z.task.level, 'zone');
  assert.deepEqual((await as('sup').get(`/api/v1/cases/${z.id}`)).data.task.inspectors.map((i) => i.username), ['insp_zone']);
  assert.deepEqual((await taskIds('insp_zone', '&mine=1')).map((x) => x.id), [z.id]);
  // Cell four: no inspector, no zone: every inspector of street B.
  const streetCase = await hotline('XS-0003', { address: '友谊公园' });
  assert.equal(streetCase.place.grid, CELL.four);
  assert.equal(streetCase.place.located_label, '友谊公园');
  const s = await act('sup', streetCase, 'verify');
  assert.equal(s.task.level, 'street');
  assert.deepEqual((await as('sup').get(`/api/v1/cases/${s.id}`)).data.task.inspectors.map((i) => i.username), ['insp_b']);
  // The operator's own form places a typed address the same way.
  const typed = await as('op_xs').post('/api/v1/cases', { description: '占道经营', address: '人民大道 １ 号', source: '12345' });
  assert.equal(typed.status, 201, typed.text);
  assert.equal(typed.data.case.place.grid, CELL.one);
  // insp_other is routed nothing, yet covers the zone case for a colleague.
  assert.equal((await uploadPhoto(as('insp_other'), z.id, 'verify', 54)).status, 201);
  const covered = await act('insp_other', z, 'confirm', { note: '代为核实' });
  assert.equal(covered.state, 'reported');
});

test('an address the gazetteer cannot answer for sure leaves the case unplaced', async () => {
  // A road alone, a number the road does not have, two landmarks of one name,
  // text that is no place at all.
  for (const [n, address] of [['4', '人民大道'], ['5', '人民大道99号'], ['6', '海滨公园'], ['7', '不知道哪里']]) {
    const c = await hotline(`XS-000${n}`, { address });
    assert.equal(c.place.grid, null, address);
    assert.equal(c.place.lat, null, address);
    assert.equal(c.place.needs_placement, true, address);
    assert.equal(c.place.located_by, null, address);
    assert.equal(c.place.address, address);
  }
  // A point sent with the address is kept as sent: the address is not geocoded.
  const sent = await hotline('XS-0008', { address: '人民大道1号', ...centre(3) });
  assert.equal(sent.place.grid, CELL.four);
  assert.equal(sent.place.located_by, 'point');
});
