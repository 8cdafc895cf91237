// SPDX-License-Identifier: MIT
// The case list over HTTP in the demo city: Chinese and English full-text search,
// keyset pages in both sort orders walking every case exactly once, each filter,
// bad parameters, jurisdiction (a street supervisor never sees another street's
// cases), the audit trail of a case and its likely duplicates.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import { startDemo, startServer, demoClient, Client, assertError, fixPhotos, runGen, tempDir } from './lib.mjs';

// Demo cell layout (src/demo.c): columns west to east from 110.9113, rows north to
// south from 21.6636; Hexi street is columns 0-5, Hongqi 6-11, Hedong 12-17.
const WEST = 110.9113, NORTH = 21.6636, CELL_LON = 0.00097, CELL_LAT = 0.0009;
const M_PER_DEG_LON = 111320 * Math.cos((21.66 * Math.PI) / 180);
const place = (i, j, dxm = 0, dym = 0) => ({
  lon: WEST + (i + 0.5) * CELL_LON + dxm / M_PER_DEG_LON,
  lat: NORTH - (j + 0.5) * CELL_LAT + dym / 111320,
});

// Category ids by "tree:code", from the public category tree. Every case gets an
// explicit category, so the filters do not depend on the intake's suggestion.
async function categoryIds(base) {
  const r = await new Client(base).get('/api/v1/categories');
  assert.equal(r.status, 200, r.text);
  const ids = {};
  const walk = (node) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node && typeof node === 'object') {
      if (typeof node.id === 'number' && /^\d{4}$/.test(node.code ?? '') && node.tree) ids[`${node.tree}:${node.code}`] = node.id;
      Object.values(node).forEach(walk);
    }
  };
  walk(r.data);
  return ids;
}

async function orgUnitId(client, type, code) {
  const r = await client.get(`/api/v1/org-units?type=${type}`);
  assert.equal(r.status, 200, r.text);
  const found = JSON.stringify(r.data).match(new RegExp(`"id":(\\d+),"code":"${code}"`));
  assert.ok(found, `org unit ${code} in ${r.text.slice(0, 300)}`);
  return Number(found[1]);
}

let server, cats;
let inspector, inspectorHx, operator, supervisor, supervisorHx, supervisorHq, deptSanitation;
const cases = {}; // name -> case JSON as created

async function file(client, name, body) {
  const r = await client.post('/api/v1/cases', body);
  assert.equal(r.status, 201, `${name}: ${r.text}`);
  cases[name] = r.data.case;
  return r.data.case;
}

async function act(client, name, action, body = {}) {
  const current = await client.get(`/api/v1/cases/${cases[name].id}`);
  assert.equal(current.status, 200, current.text);
  const r = await client.post(`/api/v1/cases/${cases[name].id}/${action}`, { version: current.data.version, ...body });
  assert.equal(r.status, 200, `${action} ${name}: ${r.text}`);
  cases[name] = r.data;
  return r.data;
}

async function listAll(client, query = '') {
  const r = await client.get(`/api/v1/cases?limit=100${query ? `&${query}` : ''}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.data.next_cursor, null);
  return r.data.items;
}

const ids = (items) => items.map((c) => c.id).sort((a, b) => a - b);
const idsOf = (...names) => names.map((n) => cases[n].id).sort((a, b) => a - b);

before(async () => {
  server = await startDemo();
  cats = await categoryIds(server.base);
  [inspector, inspectorHx, operator, supervisor, supervisorHx, supervisorHq, deptSanitation] = await Promise.all(
    ['inspector', 'inspector_hx', 'operator', 'supervisor', 'supervisor_hx', 'supervisor_hq', 'dept_sanitation']
      .map((u) => demoClient(server, u)));
  const sewer = cats['component:0102'];
  const garbage = cats['event:0102'];
  assert.ok(sewer && garbage && cats['event:0502'] && cats['component:0107'] && cats['component:0110'] && cats['event:0301'], 'category ids');
  // Hongqi, cell (6,0): the manhole case 40 m east of the cell's centre.
  await file(inspector, 'manhole', { description: '人行道上的井盖缺失', ...place(6, 0, 40), category_id: sewer, address: '红旗北路口' });
  await file(inspector, 'garbage', { description: '路边有暴露垃圾无人清理', ...place(8, 1), category_id: garbage });
  await file(inspector, 'stall', { description: '商户占道经营堵塞通道', ...place(9, 5), category_id: cats['event:0502'] });
  await file(inspector, 'wellAndCover', { description: '水井旁边的盖板松动', ...place(10, 2), category_id: cats['component:0107'] });
  await file(inspectorHx, 'english', { description: 'Broken street light near the school gate', ...place(1, 1), category_id: cats['component:0110'] });
  await file(operator, 'hotline', { description: '市民来电反映噪音扰民', ...place(7, 6), source: '12345', external_id: 'T-1', category_id: cats['event:0301'] });
  // Duplicates of "manhole": 30 m east across the cell edge (found), 45 m west
  // in the same cell (found, same cell, farther), 200 m east (not found), a
  // different category in the same cell (not found), a closed one 5 m away (not
  // found).
  await file(inspector, 'dupNear', { description: '路口下水道盖板丢失', ...place(6, 0, 70), category_id: sewer });
  await file(inspector, 'dupSameCell', { description: '下水道盖板翘起', ...place(6, 0, -5), category_id: sewer });
  await file(inspector, 'far', { description: '排水口盖板破裂', ...place(6, 0, 240), category_id: sewer });
  await file(inspector, 'otherCategory', { description: '路面有散落杂物', ...place(6, 0, 35), category_id: garbage });
  await file(inspector, 'closedNear', { description: '下水道盖板松动已处理', ...place(6, 0, 45), category_id: sewer, self_handled: true, photos: await fixPhotos(inspector) });
  // Across the Hexi/Hongqi street edge (between columns 5 and 6), 20 m apart.
  await file(inspector, 'edgeHongqi', { description: '交界处盖板破损甲', ...place(6, 3, -38), category_id: sewer });
  await file(inspectorHx, 'edgeHexi', { description: '交界处盖板破损乙', ...place(5, 3, 38), category_id: sewer });
  // The garbage case goes to the sanitation department.
  const sanitation = await orgUnitId(supervisor, 'department', '440902-D02');
  await act(supervisor, 'garbage', 'accept', { note: '立案' });
  await act(supervisor, 'garbage', 'dispatch', { department_id: sanitation, note: '派遣环卫' });
});

after(async () => { await server?.stop(); });

test('search finds Chinese two-character terms only where they are adjacent', async () => {
  const q = (text) => listAll(supervisor, `q=${encodeURIComponent(text)}`);
  assert.deepEqual(ids(await q('井盖')), idsOf('manhole'));
  assert.deepEqual(ids(await q('垃圾')), idsOf('garbage'));
  assert.deepEqual(ids(await q('占道')), idsOf('stall'));
  assert.deepEqual(ids(await q('占道经营')), idsOf('stall'));
  assert.deepEqual(ids(await q('盖板')), idsOf('wellAndCover', 'dupNear', 'dupSameCell', 'far', 'closedNear', 'edgeHongqi', 'edgeHexi'));
  assert.deepEqual(ids(await q('盖板 松动')), idsOf('wellAndCover', 'closedNear'));
  // The address is searchable too.
  assert.deepEqual(ids(await q('红旗北路')), idsOf('manhole'));
  assert.deepEqual(await q('井盖丢失'), []);
});

test('search matches English words case-insensitively and by prefix', async () => {
  const q = (text) => listAll(supervisor, `q=${encodeURIComponent(text)}`);
  assert.deepEqual(ids(await q('street light')), idsOf('english'));
  assert.deepEqual(ids(await q('STREET')), idsOf('english'));
  assert.deepEqual(ids(await q('ligh')), idsOf('english'));
  assert.deepEqual(await q('lamp'), []);
  // Quotes and FTS syntax are only text.
  assert.deepEqual(await q('"street" OR NOT light*'), []);
  assert.deepEqual(ids(await q('light"')), idsOf('english'));
});

test('a query with nothing to search for, or too long, is a 400', async () => {
  assertError(await supervisor.get(`/api/v1/cases?q=${encodeURIComponent('!!! ，。')}`), 400, 'invalid_query', 'q');
  assertError(await supervisor.get(`/api/v1/cases?q=${'a'.repeat(201)}`), 400, 'invalid_query', 'q');
  assertError(await supervisor.get('/api/v1/cases?q=%FF%FE'), 400, 'invalid_query', 'q');
});

async function walk(client, sort, limit, extra = '') {
  const seen = [];
  let cursor = null;
  for (let pages = 0; pages < 100; pages++) {
    const r = await client.get(`/api/v1/cases?sort=${sort}&limit=${limit}${extra}${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.data.items.length <= limit);
    seen.push(...r.data.items);
    cursor = r.data.next_cursor;
    if (cursor === null) return seen;
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    assert.equal(r.data.items.length, limit, 'only the last page is short');
  }
  assert.fail('the walk did not end');
}

test('limit=2 pages walk every case exactly once, newest first', async () => {
  const all = await listAll(supervisor);
  assert.equal(all.length, Object.keys(cases).length);
  const seen = await walk(supervisor, 'newest', 2);
  assert.deepEqual(seen.map((c) => c.id), all.map((c) => c.id));
  assert.equal(new Set(seen.map((c) => c.id)).size, all.length);
  for (let i = 1; i < seen.length; i++) {
    const [a, b] = [seen[i - 1], seen[i]];
    assert.ok(a.created_at > b.created_at || (a.created_at === b.created_at && a.id > b.id), 'newest first, then id');
  }
});

test('limit=2 pages walk every case exactly once by deadline, no deadline last', async () => {
  const all = await listAll(supervisor);
  const seen = await walk(supervisor, 'deadline', 2);
  assert.equal(seen.length, all.length);
  assert.deepEqual(seen.map((c) => c.id).sort((a, b) => a - b), ids(all));
  const key = (c) => (c.clock.deadline === null ? Infinity : c.clock.deadline);
  for (let i = 1; i < seen.length; i++) {
    const [a, b] = [seen[i - 1], seen[i]];
    assert.ok(key(a) < key(b) || (key(a) === key(b) && a.id < b.id), `deadline order at ${i}`);
  }
  assert.equal(seen.at(-1).clock.deadline, null, 'the closed case has no deadline and comes last');
  // Pages of other sizes and a filtered walk agree.
  assert.deepEqual((await walk(supervisor, 'deadline', 3)).map((c) => c.id), seen.map((c) => c.id));
  const sewer = await walk(supervisor, 'newest', 2, `&category=${cats['component:0102']}`);
  assert.deepEqual(ids(sewer), idsOf('manhole', 'dupNear', 'dupSameCell', 'far', 'closedNear', 'edgeHongqi', 'edgeHexi'));
});

test('cursors are opaque, tied to their sort, and refused when edited', async () => {
  const first = await supervisor.get('/api/v1/cases?limit=2');
  const cursor = first.data.next_cursor;
  assert.ok(cursor);
  const next = await supervisor.get(`/api/v1/cases?limit=2&cursor=${cursor}`);
  assert.equal(next.status, 200);
  assertError(await supervisor.get(`/api/v1/cases?limit=2&sort=deadline&cursor=${cursor}`), 400, 'invalid_query', 'cursor');
  const flip = (s, i) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  for (const i of [0, 5, 12, cursor.length - 1]) {
    assertError(await supervisor.get(`/api/v1/cases?limit=2&cursor=${flip(cursor, i)}`), 400, 'invalid_query', 'cursor');
  }
  assertError(await supervisor.get('/api/v1/cases?cursor=12345'), 400, 'invalid_query', 'cursor');
  assertError(await supervisor.get(`/api/v1/cases?cursor=${cursor}xx`), 400, 'invalid_query', 'cursor');
  assertError(await supervisor.get(`/api/v1/cases?cursor=${cursor}%3D`), 400, 'invalid_query', 'cursor');
});

test('each filter keeps exactly its cases', async () => {
  const sup = (query) => listAll(supervisor, query);
  assert.deepEqual(ids(await sup('status=accepted')), []);
  assert.deepEqual(ids(await sup('status=dispatched')), idsOf('garbage'));
  assert.deepEqual(ids(await sup('status=closed')), idsOf('closedNear'));
  assert.deepEqual(ids(await sup('status=dispatched,closed')), idsOf('garbage', 'closedNear'));
  assert.equal((await sup('status=reported')).length, Object.keys(cases).length - 2);
  assert.deepEqual(ids(await sup(`category=${cats['event:0102']}`)), idsOf('garbage', 'otherCategory'));
  assert.deepEqual(ids(await sup(`grid=${cases.manhole.place.grid}`)),
    idsOf('manhole', 'dupSameCell', 'otherCategory', 'closedNear'));
  assert.deepEqual(ids(await sup('grid=440902009009009')), []);
  assert.deepEqual(ids(await sup('street=440902002')), idsOf('english', 'edgeHexi'));
  assert.deepEqual(ids(await sup('street=440902003')), []);
  const sanitation = cases.garbage.department.id;
  assert.deepEqual(ids(await sup(`department=${sanitation}`)), idsOf('garbage'));
  assert.deepEqual(ids(await sup('source=12345')), idsOf('hotline'));
  assert.equal((await sup('source=patrol')).length, Object.keys(cases).length - 1);
  assert.deepEqual(await sup('source=110'), []);
  // Filters combine; an empty value filters nothing.
  assert.deepEqual(ids(await sup(`street=440902001&category=${cats['component:0102']}&status=reported`)),
    idsOf('manhole', 'dupNear', 'dupSameCell', 'far', 'edgeHongqi'));
  assert.deepEqual(ids(await sup(`q=${encodeURIComponent('盖板')}&street=440902002`)), idsOf('edgeHexi'));
  assert.equal((await sup('status=&category=&q=')).length, Object.keys(cases).length);
});

test('overdue=0 filters nothing', async () => {
  assert.equal((await listAll(supervisor, 'overdue=0')).length, (await listAll(supervisor)).length);
});

// Every case a client sees, page by page.
async function listEvery(client, query = '') {
  const items = [];
  let cursor = null;
  do {
    const r = await client.get(`/api/v1/cases?limit=100${query ? `&${query}` : ''}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(r.status, 200, r.text);
    items.push(...r.data.items);
    cursor = r.data.next_cursor;
  } while (cursor);
  return items;
}

test('overdue=1 returns exactly the cases whose running stage is past its deadline', async () => {
  // A month of a generated city, filed and moved at past moments, leaves open
  // cases some of which ran out of time. Each case's own clock (its stage
  // record read by the case view) is the oracle for the list's filter. The
  // month ends on a fixed day and the server's clock (the test build's) reads
  // the next morning, so which cases are late does not depend on the hour the
  // test runs at.
  const dir = tempDir('overdue-');
  const db = join(dir, 'cases.db');
  const clockFile = join(dir, 'clock');
  const now = Date.UTC(2026, 9, 15, 2, 30); // Thursday 15 October 2026, 10:30 in UTC+8
  const offset = now - Date.now();
  writeFileSync(clockFile, String(offset));
  try {
    const made = runGen(['--cases', '300', '--days', '30', '--seed', '3', '--until', '20261014', '--out', db]);
    assert.equal(made.status, 0, made.stderr);
    const own = await startServer({
      args: ['--db', db], dataDir: dir, keepData: true, env: { CHENGGUAN_TEST_CLOCK_FILE: clockFile },
    });
    try {
      const boss = await demoClient(own, 'supervisor');
      // The overdue list of a query against each open case's own clock.
      const check = async (query) => {
        const all = await listEvery(boss, query);
        const open = all.filter((c) => !['closed', 'rejected', 'merged'].includes(c.state));
        const expected = [];
        for (const c of open) {
          const one = await boss.get(`/api/v1/cases/${c.id}`);
          assert.equal(one.status, 200, one.text);
          if (one.data.clock.overdue) expected.push(c);
        }
        assert.ok(expected.length > 0, `${query}: some cases are overdue`);
        const overdue = await listEvery(boss, `overdue=1${query ? `&${query}` : ''}`);
        assert.deepEqual(ids(overdue), ids(expected), query);
        for (const c of overdue) assert.ok(c.clock.deadline < Date.now() + offset, `${query}: case ${c.id}`);
        return { expected, open };
      };
      const everywhere = await check('');
      assert.ok(everywhere.expected.length < everywhere.open.length, 'some open cases are still in time');
      await check('sort=deadline');
      // Combined with another filter: the street of an overdue case.
      const street = everywhere.expected[0].place.grid.slice(0, 9);
      const inStreet = await check(`street=${street}`);
      assert.ok(inStreet.expected.every((c) => c.place.grid.startsWith(street)));
      assert.ok(inStreet.open.length < everywhere.open.length, 'the street filter narrows the list');
    } finally {
      await own.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad query parameters are a 400 invalid_query', async () => {
  for (const query of ['status=reported,bogus', 'status=REPORTED', 'status=,', 'category=abc', 'category=-1',
    'category=0', 'grid=12345', 'grid=44090200100100x', 'street=abc', 'street=4409020010',
    'department=x', 'source=twitter', 'overdue=yes', 'sort=oldest', 'limit=0', 'limit=101', 'limit=abc',
    'limit=2.5', 'limit=-1']) {
    assertError(await supervisor.get(`/api/v1/cases?${query}`), 400, 'invalid_query', query.split('=')[0]);
  }
  assert.equal((await supervisor.get('/api/v1/cases?limit=100')).status, 200);
  assert.equal((await supervisor.get('/api/v1/cases?limit=1')).data.items.length, 1);
  assert.equal((await supervisor.get('/api/v1/cases')).data.items.length, Math.min(20, Object.keys(cases).length));
});

test('lists need a session', async () => {
  const anonymous = new Client(server.base);
  assertError(await anonymous.get('/api/v1/cases'), 401, 'unauthenticated');
  assertError(await anonymous.get(`/api/v1/cases/${cases.manhole.id}/events`), 401, 'unauthenticated');
  assertError(await anonymous.get(`/api/v1/cases/${cases.manhole.id}/duplicates`), 401, 'unauthenticated');
});

test('a street supervisor lists only cases of their street, and a department only its own', async () => {
  const hexi = await listAll(supervisorHx);
  assert.deepEqual(ids(hexi), idsOf('english', 'edgeHexi'));
  for (const c of hexi) assert.equal(c.place.street, '河西街道');
  assert.deepEqual(await listAll(supervisorHx, `q=${encodeURIComponent('井盖')}`), []);
  assert.deepEqual(ids(await walk(supervisorHx, 'deadline', 1)), idsOf('english', 'edgeHexi'));
  const hongqi = await listAll(supervisorHq);
  assert.ok(hongqi.every((c) => c.place.street === '红旗街道'));
  assert.ok(!hongqi.some((c) => c.id === cases.english.id || c.id === cases.edgeHexi.id));
  assert.deepEqual(ids(await listAll(deptSanitation)), idsOf('garbage'));
  assert.deepEqual(await listAll(deptSanitation, `category=${cats['component:0102']}`), []);
});

test('the events of a case are its audit trail', async () => {
  const r = await supervisor.get(`/api/v1/cases/${cases.garbage.id}/events`);
  assert.equal(r.status, 200, r.text);
  const events = r.data.items;
  assert.deepEqual(events.map((e) => e.action), ['report', 'accept', 'dispatch']);
  assert.deepEqual(events.map((e) => [e.from, e.to]), [[null, 'reported'], ['reported', 'accepted'], ['accepted', 'dispatched']]);
  assert.deepEqual(events[0].actor.name, '红旗街道网格员');
  assert.deepEqual(events[0].actor.role, 'inspector');
  assert.equal(typeof events[0].actor.id, 'number');
  assert.equal(events[2].actor.name, '区指挥中心值班长');
  assert.equal(events[2].note, '派遣环卫');
  assert.equal(typeof events[2].data, 'object');
  assert.equal(events[2].data.department_id, cases.garbage.department.id);
  for (const e of events) {
    assert.match(e.hash, /^[0-9a-f]{64}$/);
    assert.equal(typeof e.created_at, 'number');
    assert.equal(typeof e.id, 'number');
  }
  assert.ok(events[0].id < events[1].id && events[1].id < events[2].id);
  // The department the case went to sees the trail; other streets do not.
  assert.equal((await deptSanitation.get(`/api/v1/cases/${cases.garbage.id}/events`)).status, 200);
  assertError(await supervisorHx.get(`/api/v1/cases/${cases.garbage.id}/events`), 404, 'not_found');
  assertError(await supervisor.get('/api/v1/cases/999999/events'), 404, 'not_found');
  assertError(await supervisor.get('/api/v1/cases/abc/events'), 404, 'not_found');
});

test('duplicates: same category within 50 m or in the same cell, open, nearest first', async () => {
  const r = await supervisor.get(`/api/v1/cases/${cases.manhole.id}/duplicates`);
  assert.equal(r.status, 200, r.text);
  const items = r.data.items;
  assert.deepEqual(items.map((d) => d.id), [cases.dupNear.id, cases.dupSameCell.id]);
  const [near, sameCell] = items;
  assert.equal(near.same_grid, false);
  assert.ok(near.distance_m > 25 && near.distance_m < 35, `distance ${near.distance_m}`);
  assert.equal(sameCell.same_grid, true);
  assert.ok(sameCell.distance_m > 40 && sameCell.distance_m < 50, `distance ${sameCell.distance_m}`);
  assert.equal(near.case_no, cases.dupNear.case_no);
  assert.equal(near.state, 'reported');
  assert.equal(near.description, '路口下水道盖板丢失');
  assert.equal(typeof near.created_at, 'number');
  // Symmetric: the near one sees the manhole case.
  const back = await supervisor.get(`/api/v1/cases/${cases.dupNear.id}/duplicates`);
  assert.ok(back.data.items.some((d) => d.id === cases.manhole.id));
  assert.ok(!back.data.items.some((d) => d.id === cases.dupNear.id), 'never itself');
  // A different category in the same cell finds none of the sewer cases.
  const other = await supervisor.get(`/api/v1/cases/${cases.otherCategory.id}/duplicates`);
  assert.deepEqual(other.data.items, []);
});

test('duplicates across a street edge are shown only to who may see them', async () => {
  const all = await supervisor.get(`/api/v1/cases/${cases.edgeHexi.id}/duplicates`);
  assert.deepEqual(all.data.items.map((d) => d.id), [cases.edgeHongqi.id]);
  assert.ok(all.data.items[0].distance_m < 30);
  const hexi = await supervisorHx.get(`/api/v1/cases/${cases.edgeHexi.id}/duplicates`);
  assert.equal(hexi.status, 200);
  assert.deepEqual(hexi.data.items, []);
  assertError(await supervisorHx.get(`/api/v1/cases/${cases.manhole.id}/duplicates`), 404, 'not_found');
  assertError(await supervisorHx.get(`/api/v1/cases/${cases.edgeHongqi.id}/events`), 404, 'not_found');
});
