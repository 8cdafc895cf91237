// SPDX-License-Identifier: MIT
// The gazetteer: the GeoJSON import (all or nothing, a report naming each bad
// feature), address autocomplete by prefix and by 2-character term, a typed
// address resolved to its house number's point and cell, reverse geocoding to
// the nearest road and number, the base map's ETag, and a hotline case placed
// in the right cell from a typed address alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDemo, demoClient, assertError, runCli, tempDir, Client } from './lib.mjs';

let server;
let admin;
let operator;
let anonymous;

before(async () => {
  server = await startDemo();
  admin = await demoClient(server, 'admin');
  operator = await demoClient(server, 'operator');
  anonymous = new Client(server.base);
});
after(async () => { await server.stop(); });

const geocode = (q, extra = '') => anonymous.get(`/api/v1/geocode?q=${encodeURIComponent(q)}${extra}`);

const road = (name, coordinates, extra = {}) => ({
  type: 'Feature',
  geometry: { type: 'LineString', coordinates },
  properties: { layer: 'road', name, ...extra },
});
const point = (properties, lon, lat) => ({
  type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] }, properties,
});
const collection = (features) => ({ type: 'FeatureCollection', features });

test('a typed address resolves to its house number, its point and its cell', async () => {
  const r = await geocode('油城五路12号');
  assert.equal(r.status, 200, r.text);
  const first = r.data.items[0];
  assert.equal(first.kind, 'address');
  assert.equal(first.label, '油城五路12号');
  assert.equal(first.number, '12');
  // Number 12 is 240 m along 油城五路 from its west end, on the south side.
  assert.ok(Math.abs(first.lat - 21.6624) < 0.0002 && Math.abs(first.lon - 110.9118) < 0.0003, r.text);
  const located = await anonymous.get(`/api/v1/grids/locate?lat=${first.lat}&lon=${first.lon}`);
  assert.equal(located.status, 200);
  assert.deepEqual(first.cell, located.data, 'the cell is the one locate gives for the point');
  assert.equal(first.cell.street.name, '河西街道');
  // The road itself comes next, then a landmark on it.
  assert.deepEqual(r.data.items.map((i) => i.kind), ['address', 'road', 'landmark']);
  // Fullwidth digits and spaces mean the same.
  const wide = await geocode('油城五路 １２ 号');
  assert.equal(wide.data.items[0].label, '油城五路12号');
});

test('autocomplete finds roads by prefix and by any 2-character term, exact first', async () => {
  const prefix = await geocode('油城');
  assert.equal(prefix.status, 200);
  const names = prefix.data.items.map((i) => i.name);
  for (const name of ['油城三路', '油城四路', '油城五路']) assert.ok(names.includes(name), `${name} in ${names}`);
  assert.ok(prefix.data.items.every((i) => i.lat && i.lon), 'every result has a point');
  // 五路 is in the middle of the name: found by its bigram.
  const term = await geocode('五路');
  assert.deepEqual(term.data.items.map((i) => i.name), ['油城五路', '油城五路小学']);
  // A landmark by a term inside its name, with its cell.
  const market = await geocode('市场');
  const markets = market.data.items.filter((i) => i.kind === 'landmark').map((i) => i.name);
  assert.deepEqual(markets.sort(), ['河东综合市场', '河西市场', '红旗农贸市场'].sort());
  assert.ok(market.data.items.every((i) => i.cell && i.cell.code.length === 15), market.text);
  // Number prefixes: 油城五路1 offers 1 first, then 10, 11...
  const numbers = await geocode('油城五路1', '&limit=4');
  assert.deepEqual(numbers.data.items.map((i) => i.label), ['油城五路1号', '油城五路10号', '油城五路11号', '油城五路12号']);
  // English names by word prefix.
  const english = await geocode('youcheng 5');
  assert.equal(english.status, 200);
  assert.equal((await geocode('nothing-like-this')).data.items.length, 0);
  assertError(await anonymous.get('/api/v1/geocode'), 400, 'invalid_query', 'q');
  assertError(await anonymous.get('/api/v1/geocode?q=x&limit=99'), 400, 'invalid_query', 'limit');
});

test('reverse geocoding names the nearest road and house number and the cell', async () => {
  // 6 m south of 油城四路's centre line, between 人民路 and 新华路.
  const r = await anonymous.get('/api/v1/geocode/reverse?lat=21.66015&lon=110.9155');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.data.road.name, '油城四路');
  assert.ok(r.data.road.distance_m < 10, r.text);
  assert.equal(r.data.address.road, '油城四路');
  assert.ok(r.data.address.distance_m <= 100);
  assert.match(r.data.address.label, /^油城四路\d+号$/);
  assert.equal(r.data.cell.street.name, '河西街道');
  // Far from everything: no road, no number, no cell.
  const far = await anonymous.get('/api/v1/geocode/reverse?lat=21.7&lon=110.99');
  assert.equal(far.status, 200);
  assert.deepEqual([far.data.road, far.data.address, far.data.cell], [null, null, null]);
  assertError(await anonymous.get('/api/v1/geocode/reverse?lat=91&lon=110'), 400, 'invalid_query', 'lat');
});

test('the base map serves roads, areas and landmarks in a box, revalidated by ETag', async () => {
  const path = '/api/v1/basemap?bbox=110.905,21.650,110.935,21.670';
  const r = await anonymous.get(path);
  assert.equal(r.status, 200);
  const layers = new Set(r.data.features.map((f) => f.properties.layer));
  assert.deepEqual([...layers].sort(), ['block', 'landmark', 'road', 'water']);
  assert.ok(r.data.features.some((f) => f.properties.name === '小东江'));
  const etag = r.headers.get('etag');
  assert.ok(etag);
  const again = await anonymous.get(path, { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  assertError(await anonymous.get('/api/v1/basemap?bbox=100,20,111,22'), 400, 'invalid_query', 'bbox');
});

test('an import with bad features reports each by index and stores nothing', async () => {
  const bad = collection([
    road('测试一路', [[110.93, 21.66], [110.935, 21.66]]),
    road('测试二路', [[110.93, 21.66]]),                       // 1: one position
    point({ layer: 'address', road: '没有这条路', number: '1' }, 110.93, 21.66), // 2
    point({ layer: 'address', road: '测试一路', number: 'A1' }, 110.93, 21.66),  // 3
    point({ layer: 'address', road: '测试一路', number: '5' }, 110.93, 21.66),
    point({ layer: 'address', road: '测试一路', number: '5' }, 110.931, 21.66),  // 5: repeated
    point({ layer: 'landmark', name: '测试公园', colour: 'green' }, 110.93, 21.66), // 6
    point({ layer: 'river', name: 'x' }, 110.93, 21.66),                          // 7
    { type: 'Feature', geometry: { type: 'Polygon', coordinates: [[[110.93, 21.66], [110.931, 21.66], [110.931, 21.661], [110.93, 21.661]]] }, properties: { layer: 'water' } }, // 8: open ring
  ]);
  const r = await admin.post('/api/v1/admin/gazetteer/import', bad);
  assertError(r, 422, 'unprocessable');
  const rejected = r.data.error.report.rejected.map((x) => [x.index, x.error]).sort((a, b) => a[0] - b[0]);
  assert.deepEqual(rejected, [[1, 'too_few_points'], [2, 'unknown_road'], [3, 'invalid_number'],
    [5, 'duplicate_number'], [6, 'unknown_property'], [7, 'unknown_layer'], [8, 'ring_not_closed']]);
  assert.equal((await geocode('测试一路')).data.items.length, 0, 'nothing of the file was stored');
  assertError(await operator.post('/api/v1/admin/gazetteer/import', bad), 403, 'forbidden');
  assertError(await admin.post('/api/v1/admin/gazetteer/import', { type: 'Feature' }), 400, 'invalid_field');
});

test('a good import (and the CLI) adds roads and numbers that geocode at once', async () => {
  const good = collection([
    road('测试一路', [[110.9300, 21.6700], [110.9350, 21.6700]], { name_en: 'Test 1st Road', kind: 'residential' }),
    point({ layer: 'address', road: '测试一路', number: '8' }, 110.9310, 21.6701),
    point({ layer: 'landmark', name: '测试公园', kind: 'park' }, 110.9320, 21.6705),
  ]);
  const r = await admin.post('/api/v1/admin/gazetteer/import', good);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.data.imported, { roads: 1, addresses: 1, landmarks: 1, areas: 0 });
  const hit = (await geocode('测试一路8号')).data.items[0];
  assert.equal(hit.label, '测试一路8号');
  assert.equal(hit.cell, null, 'outside every cell');
  // The CLI: a number on a road stored by the import above.
  const dir = tempDir('gaz-');
  const file = join(dir, 'more.geojson');
  writeFileSync(file, JSON.stringify(collection([point({ layer: 'address', road: '测试一路', number: '10' }, 110.9315, 21.6701)])));
  const cli = runCli(['import', 'gazetteer', file, '--data-dir', server.dataDir]);
  assert.equal(cli.status, 0, cli.stderr);
  assert.equal(JSON.parse(cli.stdout).imported.addresses, 1);
  assert.equal((await geocode('测试一路10')).data.items[0].label, '测试一路10号');
});

test('a hotline case with a typed address is placed in the cell of that address', async () => {
  const found = (await geocode('红旗路31号')).data.items[0];
  assert.equal(found.kind, 'address');
  const r = await operator.post('/api/v1/cases', {
    description: '门口垃圾堆放', address: found.label, lat: found.lat, lon: found.lon,
    source: '12345', external_id: 'GEO-1',
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.data.case.place.grid, found.cell.code);
  assert.equal(r.data.case.place.address, '红旗路31号');
});
