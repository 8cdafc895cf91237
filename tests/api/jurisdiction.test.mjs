// SPDX-License-Identifier: MIT
// Jurisdiction over HTTP: a supervisor puts cases only into cells of their own
// jurisdiction, an inspector reports only from cells of theirs (a point in no
// cell is still filed, unplaced, inside the inspector's own jurisdiction), call
// takers file anywhere, and lists, stats and org units follow the same bounds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, demoClient, assertError, HONGQI, HEXI, OUTSIDE } from './lib.mjs';

let server;
const users = {};

before(async () => {
  server = await startDemo();
  for (const name of ['inspector', 'inspector_hx', 'operator', 'supervisor', 'supervisor_hq',
    'supervisor_hx', 'leader', 'dept_hongqi']) {
    users[name] = await demoClient(server, name);
  }
});
after(async () => { await server.stop(); });

async function file(client, body) {
  const r = await client.post('/api/v1/cases', body);
  assert.equal(r.status, 201, r.text);
  return r.data.case;
}

async function search(client, term) {
  const r = await client.get(`/api/v1/cases?q=${encodeURIComponent(term)}`);
  assert.equal(r.status, 200, r.text);
  return r.data.items;
}

test('a street supervisor places cases only into cells of their street', async () => {
  const { inspector, supervisor, supervisor_hq: hongqi, supervisor_hx: hexi } = users;
  // Filed by Hongqi's inspector outside every cell: it waits in Hongqi.
  let c = await file(inspector, { description: '辖区外的井盖缺失', ...OUTSIDE });
  assert.equal(c.place.needs_placement, true);
  assert.equal((await hongqi.get(`/api/v1/cases/${c.id}`)).status, 200);
  assertError(await hexi.get(`/api/v1/cases/${c.id}`), 404, 'not_found');

  const refused = await hongqi.post(`/api/v1/cases/${c.id}/place`, { version: c.version, ...HEXI });
  assertError(refused, 422, 'invalid_field');
  assert.match(refused.data.error.message, /lat\/lon/);
  assert.match(refused.data.error.message, /jurisdiction/);
  const unchanged = (await hongqi.get(`/api/v1/cases/${c.id}`)).data;
  assert.equal(unchanged.version, c.version, 'a refused move changes nothing');
  assert.equal(unchanged.place.needs_placement, true);

  const placed = await hongqi.post(`/api/v1/cases/${c.id}/place`, { version: c.version, ...HONGQI });
  assert.equal(placed.status, 200, placed.text);
  c = placed.data;
  assert.match(c.place.grid, /^440902001/);
  // Once placed, it still cannot be moved into another street by Hongqi...
  assertError(await hongqi.post(`/api/v1/cases/${c.id}/place`, { version: c.version, ...HEXI }), 422, 'invalid_field');
  // ...but the district's supervisor, whose jurisdiction holds both, may.
  const moved = await supervisor.post(`/api/v1/cases/${c.id}/place`, { version: c.version, ...HEXI });
  assert.equal(moved.status, 200, moved.text);
  assert.match(moved.data.place.grid, /^440902002/);
  assertError(await hongqi.get(`/api/v1/cases/${c.id}`), 404, 'not_found');
  assert.equal((await hexi.get(`/api/v1/cases/${c.id}`)).status, 200);
});

test('an inspector reports only from cells of their jurisdiction', async () => {
  const { inspector, inspector_hx: inspectorHx, supervisor } = users;
  const refused = await inspector.post('/api/v1/cases', { description: '越界上报的垃圾', ...HEXI });
  assertError(refused, 422, 'invalid_field');
  assert.match(refused.data.error.message, /lat\/lon/);
  assertError(await inspector.post('/api/v1/cases', { description: '越界上报的垃圾', ...HEXI, self_handled: true }), 422, 'invalid_field');
  assert.deepEqual(await search(supervisor, '越界'), [], 'nothing was stored');

  const own = await file(inspector, { description: '本街道的垃圾', ...HONGQI });
  assert.match(own.place.grid, /^440902001/);
  const hexi = await file(inspectorHx, { description: '河西的垃圾', ...HEXI });
  assert.match(hexi.place.grid, /^440902002/);
});

test('an inspector\'s point in no cell is filed unplaced inside their own jurisdiction', async () => {
  const { inspector, supervisor_hq: hongqi, supervisor_hx: hexi } = users;
  const c = await file(inspector, { description: '网格外的路灯不亮', ...OUTSIDE });
  assert.equal(c.place.grid, null);
  assert.equal(c.place.needs_placement, true);
  assert.equal((await inspector.get(`/api/v1/cases/${c.id}`)).status, 200);
  assert.ok((await search(hongqi, '路灯')).some((item) => item.id === c.id));
  assert.ok(!(await search(hexi, '路灯')).some((item) => item.id === c.id));
  // An address alone is filed the same way.
  const byAddress = await file(inspector, { description: '只有地址的路灯', address: '红旗路口' });
  assert.equal(byAddress.place.needs_placement, true);
  assert.equal((await hongqi.get(`/api/v1/cases/${byAddress.id}`)).status, 200);
});

test('call takers file about any place of the city', async () => {
  const c = await file(users.operator, { description: '来电：河西井盖缺失', ...HEXI, source: '12345', external_id: 'J-1' });
  assert.match(c.place.grid, /^440902002/);
  const hq = await file(users.supervisor_hq, { description: '值班长代录：河西积水', ...HEXI, source: '12345', external_id: 'J-2' });
  assert.match(hq.place.grid, /^440902002/, 'a supervisor taking a call files where the problem is');
});

test('lists, stats and org units stay inside the jurisdiction', async () => {
  const { supervisor_hq: hongqi, leader, dept_hongqi: office } = users;
  await file(users.inspector, { description: '统计用：红旗井盖', ...HONGQI });
  await file(users.inspector_hx, { description: '统计用：河西井盖', ...HEXI });
  const listed = (await hongqi.get('/api/v1/cases?limit=100')).data.items;
  assert.ok(listed.length > 0);
  assert.ok(listed.every((c) => c.place.street === '红旗街道' || c.place.street === null));
  const stats = (await hongqi.get('/api/v1/stats/overview')).data;
  assert.ok(stats.by_street.every((s) => s.code === '440902001'));
  const all = (await leader.get('/api/v1/stats/overview')).data;
  assert.ok(all.open > stats.open);
  const units = (await hongqi.get('/api/v1/org-units')).data.items.map((u) => u.code);
  assert.ok(units.includes('440902001-D01'), 'its own street office');
  assert.ok(units.includes('440902-D02'), 'the district\'s departments');
  assert.ok(!units.includes('440902002-D01'), 'not another street\'s office');
  assert.ok(!units.includes('440902002'));
  // A department reads only what is dispatched to it, wherever it lies.
  assert.deepEqual((await office.get('/api/v1/cases')).data.items, []);
});
