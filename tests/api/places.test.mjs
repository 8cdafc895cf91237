// SPDX-License-Identifier: MIT
// Places over HTTP on the seeded demo city: the public point lookup (cell centres,
// shared edges and corners, outside, bad input), grid cells as GeoJSON and org
// units bounded by the caller's jurisdiction, and the grid import through the
// command line and the admin endpoint (all or nothing, or skipping the invalid).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startDemo, demoClient, Client, assertError, runCli, tempDir } from './lib.mjs';

let server;
let anon;
const users = {};

before(async () => {
  server = await startDemo();
  anon = new Client(server.base);
  for (const name of ['supervisor', 'supervisor_hq', 'supervisor_hx', 'inspector', 'admin']) {
    users[name] = await demoClient(server, name);
  }
});
after(async () => { await server.stop(); });

// The demo layout, computed exactly as the seed does: column i west to east,
// row j north to south (row -1 is the empty strip north of the city).
const lonAt = (i) => (1109113000 + i * 9700) / 1e7;
const latAt = (j) => (216636000 - j * 9000) / 1e7;

function locate(lat, lon) {
  return anon.get(`/api/v1/grids/locate?lat=${lat}&lon=${lon}`);
}

function bounds(feature) {
  const ring = feature.geometry.coordinates[0];
  const lons = ring.map((p) => p[0]);
  const lats = ring.map((p) => p[1]);
  return { w: Math.min(...lons), e: Math.max(...lons), s: Math.min(...lats), n: Math.max(...lats) };
}

async function allCells() {
  const r = await users.supervisor.get('/api/v1/grids');
  assert.equal(r.status, 200, r.text);
  return Object.fromEntries(r.data.features.map((f) => [f.id, f]));
}

test('locate answers the cell, community, street and district at every cell centre', async () => {
  const cells = await allCells();
  for (const [code, feature] of Object.entries(cells)) {
    const b = bounds(feature);
    const r = await locate((b.s + b.n) / 2, (b.w + b.e) / 2);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.data.code, code);
    assert.match(r.data.code, /^\d{15}$/);
    assert.equal(r.data.community.code, code.slice(0, 12));
    assert.equal(r.data.street.code, code.slice(0, 9));
    assert.equal(r.data.district.code, '440902');
    assert.equal(r.data.district.name, '茂南区');
  }
  const first = await locate((latAt(0) + latAt(1)) / 2, (lonAt(6) + lonAt(7)) / 2);
  assert.deepEqual(first.data, {
    code: '440902001001001',
    name: first.data.name,
    community: { code: '440902001001', name: '红旗北社区' },
    street: { code: '440902001', name: '红旗街道' },
    district: { code: '440902', name: '茂南区' },
  });
});

test('a point on a shared edge or corner gets one deterministic answer', async () => {
  const cells = await allCells();
  const west = bounds(cells['440902001001001']);
  const east = bounds(cells['440902001001002']);
  assert.equal(west.e, east.w, 'seamless neighbours share the edge exactly');
  const edgeAnswers = new Set();
  for (let k = 0; k < 5; k++) {
    const r = await locate((west.s + west.n) / 2, west.e);
    assert.equal(r.status, 200, r.text);
    edgeAnswers.add(r.data.code);
  }
  assert.equal(edgeAnswers.size, 1, 'the same answer every time');
  const [edge] = edgeAnswers;
  assert.ok(['440902001001001', '440902001001002'].includes(edge));
  assert.equal(edge, '440902001001002', 'a vertical edge is the west edge of the east cell');

  // Horizontal edge between 001 (north) and 007 (south): the north cell's south edge.
  const south = bounds(cells['440902001001007']);
  assert.equal(south.n, west.s);
  const h = await locate(west.s, (west.w + west.e) / 2);
  assert.equal(h.data.code, '440902001001001');

  // The corner shared by 001, 002, 007 and 008.
  const cornerAnswers = new Set();
  for (let k = 0; k < 5; k++) cornerAnswers.add((await locate(west.s, west.e)).data.code);
  assert.equal(cornerAnswers.size, 1);
  const [corner] = cornerAnswers;
  assert.ok(['440902001001001', '440902001001002', '440902001001007', '440902001001008'].includes(corner));
});

test('locate is 404 outside every cell', async () => {
  assertError(await locate(0, 0), 404, 'not_found');
  const mid = (latAt(0) + latAt(1)) / 2;
  assertError(await locate(mid, lonAt(18) + 0.0097), 404, 'not_found'); // 1 km east
  assertError(await locate(mid, lonAt(0) - 0.0097), 404, 'not_found'); // 1 km west
  assertError(await locate(latAt(8) - 0.009, lonAt(9)), 404, 'not_found'); // 1 km south
  assertError(await locate(mid, lonAt(18)), 404, 'not_found'); // the outer east edge
});

test('locate refuses missing, malformed or out-of-range coordinates, naming the first bad one', async () => {
  const lat = ['', 'lon=110.92', 'lat=&lon=110.92', 'lat=abc&lon=110.92', 'lat=NaN&lon=110.92',
    'lat=Infinity&lon=1', 'lat=1e999&lon=1', 'lat=0x10&lon=1', 'lat=91&lon=110', 'lat=-90.5&lon=110',
    'lat=21.66abc&lon=110.92', 'lat=21.66%20&lon=110.92', 'lat=91&lon=181'];
  const lon = ['lat=21.66', 'lat=21.66&lon=nan', 'lat=21&lon=180.1', 'lat=21&lon=-181'];
  for (const [field, queries] of [['lat', lat], ['lon', lon]]) {
    for (const q of queries) assertError(await anon.get(`/api/v1/grids/locate?${q}`), 400, 'invalid_query', field);
  }
});

test('the district supervisor gets every cell as a GeoJSON FeatureCollection', async () => {
  const r = await users.supervisor.get('/api/v1/grids');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.data.type, 'FeatureCollection');
  assert.ok(r.data.features.length >= 100, `${r.data.features.length} features`);
  const streets = new Set(r.data.features.map((f) => f.properties.street_code));
  assert.deepEqual([...streets].sort(), ['440902001', '440902002', '440902003']);
  for (const f of r.data.features) {
    assert.equal(f.type, 'Feature');
    assert.equal(f.geometry.type, 'Polygon');
    const ring = f.geometry.coordinates[0];
    assert.deepEqual(ring[0], ring[ring.length - 1], 'closed ring');
    assert.equal(f.properties.code, f.id);
    assert.ok(f.properties.area_m2 > 9000 && f.properties.area_m2 < 11000, `${f.properties.area_m2}`);
    assert.ok(f.properties.patrol_zone.length > 0);
    assert.ok(f.properties.community_name && f.properties.street_name && f.properties.name);
    assert.ok(Array.isArray(f.properties.inspectors) && f.properties.inspectors.length >= 1);
  }
  const hongqi = r.data.features.find((f) => f.id === '440902001001001');
  assert.equal(hongqi.properties.leader.username, 'inspector');
  assert.deepEqual(hongqi.properties.inspectors.map((u) => u.username), ['inspector']);
  assert.equal(r.data.features.find((f) => f.id === '440902001002001').properties.leader, null);
  assertError(await anon.get('/api/v1/grids'), 401, 'unauthenticated');
});

test('a street supervisor sees only the cells of their street', async () => {
  const hq = await users.supervisor_hq.get('/api/v1/grids');
  assert.equal(hq.status, 200);
  assert.ok(hq.data.features.length > 0);
  assert.ok(hq.data.features.every((f) => f.id.startsWith('440902001')), 'only Hongqi cells');
  const hx = await users.supervisor_hx.get('/api/v1/grids');
  assert.ok(hx.data.features.every((f) => f.id.startsWith('440902002')), 'only Hexi cells');
  assert.ok(hx.data.features.length > 0);
  // Asking for a Hexi community from Hongqi gives nothing.
  const other = await users.supervisor_hq.get('/api/v1/grids?community=440902002001');
  assert.equal(other.status, 200);
  assert.equal(other.data.features.length, 0);
});

test('grids filter by community and by bounding box', async () => {
  const c = await users.supervisor.get('/api/v1/grids?community=440902001002');
  assert.equal(c.status, 200);
  assert.equal(c.data.features.length, 24);
  assert.ok(c.data.features.every((f) => f.properties.community_code === '440902001002'));
  // A box strictly inside one cell, then one around a vertex shared by four cells.
  const inside = `${lonAt(7) + 0.0001},${latAt(2) + 0.0001},${lonAt(8) - 0.0001},${latAt(1) - 0.0001}`;
  const one = await users.supervisor.get(`/api/v1/grids?bbox=${inside}`);
  assert.deepEqual(one.data.features.map((f) => f.id), ['440902001001008']);
  const around = `${lonAt(7) - 0.0001},${latAt(1) - 0.0001},${lonAt(7) + 0.0001},${latAt(1) + 0.0001}`;
  const four = await users.supervisor.get(`/api/v1/grids?bbox=${around}`);
  assert.deepEqual(four.data.features.map((f) => f.id).sort(),
    ['440902001001001', '440902001001002', '440902001001007', '440902001001008']);
  const both = await users.supervisor.get(`/api/v1/grids?bbox=${around}&community=440902001002`);
  assert.equal(both.data.features.length, 0);
  const far = await users.supervisor.get('/api/v1/grids?bbox=0,0,1,1');
  assert.equal(far.data.features.length, 0);
});

test('a bad bbox or community is 400', async () => {
  for (const bbox of ['1,2,3', '1,2,3,4,5', 'a,b,c,d', '110.93,21.6,110.91,21.7', '110,22,111,21',
    '-181,0,0,1', '0,-91,1,0', '0,0,181,1', '0,0,1,91', '1,,2,3', '', 'NaN,0,1,1', '1,2,3,4,']) {
    assertError(await users.supervisor.get(`/api/v1/grids?bbox=${bbox}`), 400, 'invalid_query', 'bbox');
  }
  for (const community of ['44090200100', '4409020010011', 'abc', '440902001000']) {
    assertError(await users.supervisor.get(`/api/v1/grids?community=${community}`), 400, 'invalid_query', 'community');
  }
});

test('org units stay inside the jurisdiction', async () => {
  const all = await users.supervisor.get('/api/v1/org-units');
  assert.equal(all.status, 200, all.text);
  const codes = all.data.items.map((u) => u.code);
  for (const code of ['440902001', '440902002', '440902003', '440902001001', '440902002002',
    '440902-D01', '440902001-D01', '440902002-D01']) assert.ok(codes.includes(code), code);
  const item = all.data.items.find((u) => u.code === '440902-D02');
  assert.deepEqual(Object.keys(item).sort(),
    ['code', 'department_kind', 'disabled', 'id', 'name', 'name_en', 'parent_id', 'type']);
  assert.equal(item.type, 'department');
  assert.equal(item.department_kind, 'sanitation');
  assert.equal(all.data.items.find((u) => u.code === '440902001').department_kind, null);

  const hq = await users.supervisor_hq.get('/api/v1/org-units');
  const hqCodes = hq.data.items.map((u) => u.code);
  assert.ok(hqCodes.includes('440902001'));
  assert.ok(hqCodes.includes('440902001002'));
  assert.ok(hqCodes.includes('440902-D01'), 'the district departments');
  assert.ok(hqCodes.includes('440902001-D01'), 'its street office');
  for (const code of hqCodes) {
    assert.ok(!code.startsWith('440902002') && !code.startsWith('440902003'), `${code} is outside Hongqi`);
  }

  const streets = await users.supervisor.get('/api/v1/org-units?type=street');
  assert.deepEqual(streets.data.items.map((u) => u.code), ['440902001', '440902002', '440902003']);
  const children = await users.supervisor.get('/api/v1/org-units?parent=440902002');
  assert.ok(children.data.items.length >= 3);
  assert.ok(children.data.items.every((u) => u.code.startsWith('440902002')));
  const kinds = await users.supervisor.get('/api/v1/org-units?type=department');
  assert.ok(kinds.data.items.every((u) => u.type === 'department' && u.department_kind));
  assertError(await users.supervisor.get('/api/v1/org-units?type=village'), 400, 'invalid_query');
  assertError(await anon.get('/api/v1/org-units'), 401, 'unauthenticated');
});

// ---- import ----

function square(code, w, s, e, n) {
  return {
    type: 'Feature',
    properties: { code, name: `cell ${code}`, patrol_zone: 'test zone' },
    geometry: { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] },
  };
}

// One bad code, one self-intersecting ring, one open ring, one overlapping the
// stored cell at (col + 1, 0), and one good cell north of column col.
function mixedFile(community, col) {
  const code = (seq) => `${community}${String(seq).padStart(3, '0')}`;
  const bowtieW = lonAt(col) + 0.1;
  return {
    type: 'FeatureCollection',
    features: [
      square(`${community}03X`, 110.8, 21.5, 110.801, 21.501),
      { type: 'Feature', properties: { code: code(31) },
        geometry: { type: 'Polygon', coordinates: [[[bowtieW, 21.7], [bowtieW + 0.001, 21.701], [bowtieW + 0.001, 21.7], [bowtieW, 21.701], [bowtieW, 21.7]]] } },
      { type: 'Feature', properties: { code: code(32) },
        geometry: { type: 'Polygon', coordinates: [[[bowtieW, 21.71], [bowtieW + 0.001, 21.71], [bowtieW + 0.001, 21.711], [bowtieW, 21.711]]] } },
      square(code(33), lonAt(col + 1), (latAt(0) + latAt(1)) / 2, lonAt(col + 2), latAt(-1)),
      square(code(30), lonAt(col), latAt(0), lonAt(col + 1), latAt(-1)),
    ],
  };
}

function assertMixedRejections(report) {
  const byIndex = Object.fromEntries(report.rejected.map((r) => [r.index, r]));
  assert.equal(report.rejected.length, 4, JSON.stringify(report));
  assert.equal(byIndex[0].error, 'invalid_code');
  assert.equal(byIndex[1].error, 'self_intersecting');
  assert.equal(byIndex[2].error, 'ring_not_closed');
  assert.equal(byIndex[3].error, 'overlaps_existing');
  assert.equal(byIndex[4], undefined, 'the good feature is not rejected');
  for (const r of report.rejected) assert.ok(r.reason.length > 10, r.reason);
}

const goodCentre = (col) => [(latAt(0) + latAt(-1)) / 2, (lonAt(col) + lonAt(col + 1)) / 2];

test('the import command rejects a bad file whole, or skips the invalid features', async () => {
  const dir = tempDir('import-');
  const file = join(dir, 'cells.geojson');
  writeFileSync(file, JSON.stringify(mixedFile('440902003001', 12)));
  const all = runCli(['import', 'grids', file, '--data-dir', server.dataDir, '--log-level', 'error']);
  assert.equal(all.status, 1, all.stderr);
  const report = JSON.parse(all.stdout);
  assert.equal(report.imported, 0);
  assertMixedRejections(report);
  assertError(await locate(...goodCentre(12)), 404, 'not_found');

  const skip = runCli(['import', 'grids', file, '--skip-invalid', '--data-dir', server.dataDir, '--log-level', 'error']);
  assert.equal(skip.status, 1, 'something was rejected');
  const skipped = JSON.parse(skip.stdout);
  assert.equal(skipped.imported, 1);
  assertMixedRejections(skipped);
  const found = await locate(...goodCentre(12));
  assert.equal(found.status, 200, found.text);
  assert.equal(found.data.code, '440902003001030');

  const clean = join(dir, 'clean.geojson');
  writeFileSync(clean, JSON.stringify({ type: 'FeatureCollection', features: [
    square('440902003001034', lonAt(14), latAt(0), lonAt(15), latAt(-1))] }));
  const ok = runCli(['import', 'grids', clean, '--data-dir', server.dataDir, '--log-level', 'error']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).imported, 1);
  assert.equal((await locate(...goodCentre(14))).data.code, '440902003001034');
  assert.equal(runCli(['import', 'grids', join(dir, 'missing.geojson'), '--data-dir', server.dataDir]).status, 1);
  assert.equal(runCli(['import', 'grids', '--data-dir', server.dataDir]).status, 2);
  rmSync(dir, { recursive: true, force: true });
});

test('the admin endpoint imports all or nothing, or skips the invalid with skip_invalid=1', async () => {
  const url = '/api/v1/admin/grids/import';
  const file = mixedFile('440902001001', 6);
  const r = await users.admin.post(url, file);
  assertError(r, 422, 'unprocessable', null);
  assert.equal(r.data.error.report.imported, 0);
  assertMixedRejections(r.data.error.report);
  assertError(await locate(...goodCentre(6)), 404, 'not_found');

  const s = await users.admin.post(`${url}?skip_invalid=1`, file);
  assert.equal(s.status, 200, s.text);
  assert.equal(s.data.imported, 1);
  assertMixedRejections(s.data);
  const found = await locate(...goodCentre(6));
  assert.equal(found.status, 200);
  assert.equal(found.data.code, '440902001001030');
  // The new cell's south edge is shared with cell 001: the point there is the new cell's.
  assert.equal((await locate(latAt(0), (lonAt(6) + lonAt(7)) / 2)).data.code, '440902001001030');
  const listed = await users.supervisor_hq.get('/api/v1/grids?community=440902001001');
  assert.ok(listed.data.features.some((f) => f.id === '440902001001030'));

  const again = await users.admin.post(url, { type: 'FeatureCollection', features: [file.features[4]] });
  assertError(again, 422, 'unprocessable');
  assert.equal(again.data.error.report.rejected[0].error, 'code_exists');
  const clean = await users.admin.post(url, { type: 'FeatureCollection', features: [
    square('440902001001035', lonAt(8), latAt(0), lonAt(9), latAt(-1))] });
  assert.equal(clean.status, 200, clean.text);
  assert.deepEqual(clean.data, { imported: 1, rejected: [] });
});

test('the import endpoint refuses non-admins, missing CSRF and bad documents', async () => {
  const url = '/api/v1/admin/grids/import';
  const body = { type: 'FeatureCollection', features: [
    square('440902001001036', lonAt(9), latAt(0), lonAt(10), latAt(-1))] };
  assertError(await users.supervisor.post(url, body), 403, 'forbidden');
  assertError(await users.inspector.post(url, body), 403, 'forbidden');
  assertError(await anon.post(url, body), 401, 'unauthenticated');
  assertError(await users.admin.request('POST', url, { json: body, headers: { 'x-csrf-token': '' } }), 403, 'csrf_token_invalid');
  assertError(await users.admin.post(`${url}?skip_invalid=maybe`, body), 400, 'invalid_query', 'skip_invalid');
  assertError(await users.admin.post(url, { type: 'Feature' }), 400);
  assertError(await users.admin.post(url, { type: 'FeatureCollection', features: [], extra: 1 }), 400);
  assertError(await users.admin.post(url, '[1,2]'), 400);
  // None of that stored the cell.
  assertError(await locate(...goodCentre(9)), 404, 'not_found');
});

test('citizens get cell outlines and names for a bounded box, nothing about staff', async () => {
  const anonymous = new Client(server.base);
  const r = await anonymous.get('/api/v1/public/grids?bbox=110.915,21.655,110.925,21.665');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.data.type, 'FeatureCollection');
  assert.ok(r.data.features.length > 10);
  for (const f of r.data.features) {
    assert.deepEqual(Object.keys(f.properties).sort(),
      ['code', 'community_code', 'community_name', 'name', 'street_code', 'street_name']);
    assert.equal(f.geometry.type, 'Polygon');
  }
  assert.ok(!r.text.includes('inspector'), 'no staff in the public outlines');
  assertError(await anonymous.get('/api/v1/public/grids'), 400, 'invalid_query');
  assertError(await anonymous.get('/api/v1/public/grids?bbox=100,20,111,22'), 400, 'invalid_query');
});
