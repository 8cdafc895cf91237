// SPDX-License-Identifier: MIT
// Two chengguan servers on one PostgreSQL database, as a province or a
// failover pair runs them behind a proxy: a case's whole lifecycle with the
// steps alternating between the servers; a session signed in on one works on
// the other (CSRF included) and a sign-out on one ends it on both; a calendar
// and a category change made on one are in force on the other at once; lists
// and the overview on one follow writes made on the other (no stale 304).
// Runs in the pg suite of tests/run.sh (CHENGGUAN_TEST_PG names the cluster),
// and in the API suite on one SQLite file, which two processes share as well.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import {
  PG, freshDatabase, runCli, startServer, tempDir, Client, DEMO_PASSWORD, uploadPhoto, HONGQI,
  NO_HISTORY,
} from './lib.mjs';

let database;
let dataDir;
let a;
let b;
const users = {}; // name -> {a: Client on server a, b: the same session on server b}

// A client of server `to` carrying the session of `client`.
function sameSession(client, to) {
  const other = new Client(to.base);
  other.cookie = client.cookie;
  other.csrf = client.csrf;
  other.name = client.name;
  return other;
}

before(async () => {
  database = PG ? freshDatabase() : undefined;
  // Photos on storage both servers share (a directory here; NFS in a province).
  dataDir = tempDir('two-');
  const seeded = runCli(['seed-demo', ...NO_HISTORY, '--data-dir', dataDir], { env: dbEnv() });
  assert.equal(seeded.status, 0, seeded.stderr);
  a = await startServer({ dataDir, database });
  b = await startServer({ dataDir, database });
  for (const name of ['inspector', 'operator', 'supervisor', 'dept_municipal', 'admin', 'leader']) {
    const client = new Client(a.base);
    const r = await client.login(name, DEMO_PASSWORD);
    assert.equal(r.status, 200, `login ${name}: ${r.text}`);
    client.name = name;
    users[name] = { a: client, b: sameSession(client, b) };
  }
});

after(async () => {
  if (a) await a.stop();
  if (b) await b.stop();
  if (database) database.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// The environment that names the shared database to a CLI command.
function dbEnv() {
  return database ? { CHENGGUAN_DB: database.url } : {};
}

async function act(client, c, action, extra = {}) {
  const r = await client.post(`/api/v1/cases/${c.id}/${action}`, { version: c.version, ...extra });
  assert.equal(r.status, 200, `${action} on ${client.base} by ${client.name}: ${r.text}`);
  return r.data;
}

test('a case\'s whole lifecycle with every step on the other server than the one before', async () => {
  const { operator, inspector, supervisor, dept_municipal: dept } = users;
  const units = await supervisor.b.get('/api/v1/org-units?type=department');
  assert.equal(units.status, 200, units.text);
  const municipal = units.data.items.find((u) => u.code === '440902-D01').id;
  const tree = (await supervisor.a.get('/api/v1/categories')).data.trees.find((t) => t.tree === 'component');
  const manhole = tree.majors.flatMap((m) => m.subclasses).find((s) => s.code === '0101').id;

  const filed = await operator.a.post('/api/v1/cases', { description: '两台服务器：井盖缺失', ...HONGQI, source: '12345', external_id: 'TWO-1' });
  assert.equal(filed.status, 201, filed.text);
  let c = filed.data.case;
  // The other server refuses the same ticket: the uniqueness lives in the database.
  const again = await operator.b.post('/api/v1/cases', { description: '两台服务器：井盖缺失', ...HONGQI, source: '12345', external_id: 'TWO-1' });
  assert.equal(again.status, 409, again.text);
  c = await act(operator.b, c, 'verify');
  assert.equal((await uploadPhoto(inspector.a, c.id, 'verify', 11)).status, 201);
  c = await act(inspector.b, c, 'confirm', { note: '现场属实' });
  c = await act(supervisor.a, c, 'accept', { category_id: manhole });
  c = await act(supervisor.b, c, 'dispatch', { department_id: municipal });
  // A version the other server already moved past is refused there too.
  const stale = await dept.a.post(`/api/v1/cases/${c.id}/sign`, { version: c.version - 1 });
  assert.equal(stale.status, 409, stale.text);
  c = await act(dept.a, c, 'sign');
  // The photo was written by server b; server a serves it (shared storage).
  assert.equal((await uploadPhoto(dept.b, c.id, 'after', 12)).status, 201);
  c = await act(dept.a, c, 'handle', { note: '已更换井盖' });
  assert.equal((await uploadPhoto(inspector.b, c.id, 'check', 13)).status, 201);
  c = await act(inspector.a, c, 'check-pass', { note: '已修复' });
  c = await act(supervisor.b, c, 'close');
  assert.equal(c.state, 'closed');

  // Both servers tell the same story, and the audit chain holds.
  const fromA = await supervisor.a.get(`/api/v1/cases/${c.id}`);
  const fromB = await supervisor.b.get(`/api/v1/cases/${c.id}`);
  assert.equal(fromA.status, 200, fromA.text);
  assert.deepEqual(fromA.data, fromB.data);
  const events = (await supervisor.a.get(`/api/v1/cases/${c.id}/events`)).data.items.map((e) => e.action);
  assert.equal(events.join(' '),
    'report verify attach confirm accept dispatch sign attach handle attach check-pass close');
  const photos = fromA.data.photos;
  assert.equal(photos.length, 3);
  for (const p of photos) {
    const r = await supervisor.a.request('GET', p.url, { raw: true });
    await r.arrayBuffer();
    assert.equal(r.status, 200, `photo ${p.url} from server a`);
  }
  const verify = runCli(['audit', 'verify', '--data-dir', dataDir], { env: dbEnv() });
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
});

test('lists and the overview on one server follow writes on the other, with no stale 304', async () => {
  const { inspector, leader } = users;
  const list = await leader.a.get('/api/v1/cases?limit=5');
  assert.equal(list.status, 200, list.text);
  const etag = list.headers.get('etag');
  assert.ok(etag, 'a list carries an ETag');
  const overview = (await leader.a.get('/api/v1/stats/overview')).data;
  const r = await inspector.b.post('/api/v1/cases', { description: '两台服务器：路面不洁', ...HONGQI });
  assert.equal(r.status, 201, r.text);
  const again = await leader.a.get('/api/v1/cases?limit=5', { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 200, 'server a must not answer 304 after a write on server b');
  assert.equal(again.data.items[0].id, r.data.case.id);
  const after = (await leader.a.get('/api/v1/stats/overview')).data;
  assert.equal(after.by_state.reported, overview.by_state.reported + 1);
});

test('a calendar change and a category change made on one server are in force on the other at once', async () => {
  const { admin, inspector, supervisor } = users;
  const first = (await inspector.b.post('/api/v1/cases', { description: '日历：路面不洁', ...HONGQI })).data.case;
  const day = new Date(first.clock.deadline + 8 * 3600 * 1000).toISOString().slice(0, 10);
  const put = await admin.a.request('PUT', `/api/v1/admin/calendar/days/${day}`, { json: { kind: 'holiday', name: '两台服务器假日' } });
  assert.equal(put.status, 200, put.text);
  try {
    const second = (await inspector.b.post('/api/v1/cases', { description: '日历：路面不洁', ...HONGQI })).data.case;
    assert.ok(second.clock.deadline > first.clock.deadline, 'server b skips the holiday server a added');
  } finally {
    const del = await admin.a.request('DELETE', `/api/v1/admin/calendar/days/${day}`);
    assert.equal(del.status, 204, del.text);
  }
  const third = (await inspector.b.post('/api/v1/cases', { description: '日历：路面不洁', ...HONGQI })).data.case;
  // Without the holiday the later case's deadline is no further on than the
  // time between the two filings (the work clock runs at most as fast as the
  // wall clock, and not at all out of hours); with it, a whole day further.
  const later = third.clock.deadline - first.clock.deadline;
  assert.ok(later >= 0 && later <= third.created_at - first.created_at,
    `and drops it once server a removed it (${later} ms later, filed ${third.created_at - first.created_at} ms apart)`);

  const tree = (await supervisor.b.get('/api/v1/categories')).data.trees.find((t) => t.tree === 'event');
  const sub = tree.majors.flatMap((m) => m.subclasses)[0];
  const patched = await admin.a.patch(`/api/v1/admin/categories/${sub.id}`, { name_en: 'Renamed on server a' });
  assert.equal(patched.status, 200, patched.text);
  const seen = (await supervisor.b.get('/api/v1/categories')).data.trees.find((t) => t.tree === 'event')
    .majors.flatMap((m) => m.subclasses).find((s) => s.id === sub.id);
  assert.equal(seen.name_en, 'Renamed on server a');
});

test('a sign-out on one server ends the session on the other', async () => {
  const client = new Client(a.base);
  assert.equal((await client.login('supervisor', DEMO_PASSWORD)).status, 200);
  const onB = sameSession(client, b);
  assert.equal((await onB.get('/api/v1/auth/me')).status, 200);
  const out = await client.post('/api/v1/auth/logout', {});
  assert.ok(out.status === 204 || out.status === 200, out.text);
  // Another server may have the session in its memory for a short while
  // (README: at most 2 s); after that it is gone there too.
  await new Promise((r) => setTimeout(r, 2100));
  assert.equal((await onB.get('/api/v1/auth/me')).status, 401);
});
