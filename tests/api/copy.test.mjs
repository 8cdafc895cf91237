// SPDX-License-Identifier: MIT
// `chengguan copy` between two SQLite files: a demo city with cases moved
// through their lifecycle over the API (photos, a citizen's rating that
// reopens, stage records) is copied to a new file, and a server started on
// the copy answers the same case pages, timelines, lists and overview as the
// source's. A target that holds a city, a missing source, a source at an older
// schema and bad arguments are refused with a clear message; a copy whose
// verification fails leaves the target as it was.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  Client, DEMO_PASSWORD, HONGQI, runCli, startServer, tempDir, uploadPhoto,
  NO_HISTORY,
} from './lib.mjs';

let dir;
let source;
let server;
let copyServer;
const cases = [];

// A consistent copy of the running source's database (its WAL included).
function snapshot(to) {
  sqlite(source, `.backup '${to}'`);
}

function sqlite(file, sql) {
  const r = spawnSync('sqlite3', [file, sql], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

async function login(base, name) {
  const client = new Client(base);
  const r = await client.login(name, DEMO_PASSWORD);
  assert.equal(r.status, 200, `login ${name}: ${r.text}`);
  return client;
}

async function act(client, c, action, extra = {}) {
  const r = await client.post(`/api/v1/cases/${c.id}/${action}`, { version: c.version, ...extra });
  assert.equal(r.status, 200, `${action}: ${r.text}`);
  return r.data;
}

// A case from intake to closed: photos, a department, stage records.
async function lifecycle(users, description, seed) {
  const { operator, inspector, supervisor, dept } = users;
  const units = (await supervisor.get('/api/v1/org-units?type=department')).data.items;
  const municipal = units.find((u) => u.code === '440902-D01').id;
  const tree = (await supervisor.get('/api/v1/categories')).data.trees.find((t) => t.tree === 'component');
  const manhole = tree.majors.flatMap((m) => m.subclasses).find((s) => s.code === '0101').id;
  const filed = await operator.post('/api/v1/cases', { description, ...HONGQI, source: '12345', external_id: `COPY-${seed}` });
  assert.equal(filed.status, 201, filed.text);
  let c = await act(operator, filed.data.case, 'verify');
  assert.equal((await uploadPhoto(inspector, c.id, 'verify', seed)).status, 201);
  c = await act(inspector, c, 'confirm', { note: '现场属实' });
  c = await act(supervisor, c, 'accept', { category_id: manhole });
  c = await act(supervisor, c, 'dispatch', { department_id: municipal });
  c = await act(dept, c, 'sign');
  assert.equal((await uploadPhoto(dept, c.id, 'after', seed + 1)).status, 201);
  c = await act(dept, c, 'handle', { note: '已更换井盖' });
  assert.equal((await uploadPhoto(inspector, c.id, 'check', seed + 2)).status, 201);
  c = await act(inspector, c, 'check-pass', { note: '已修复' });
  return act(supervisor, c, 'close');
}

before(async () => {
  dir = tempDir('copy-');
  const dataDir = join(dir, 'source');
  source = join(dataDir, 'chengguan.db');
  // SQLite files named with --db, whichever engine the other API tests run on.
  const seeded = runCli(['seed-demo', ...NO_HISTORY, '--data-dir', dataDir, '--db', source]);
  assert.equal(seeded.status, 0, seeded.stderr);
  server = await startServer({ dataDir, args: ['--db', source] });
  const users = {
    operator: await login(server.base, 'operator'),
    inspector: await login(server.base, 'inspector'),
    supervisor: await login(server.base, 'supervisor'),
    dept: await login(server.base, 'dept_municipal'),
  };
  cases.push(await lifecycle(users, '复制：井盖缺失', 31));
  cases.push(await lifecycle(users, '复制：井盖破损', 34));
  // A citizen's complaint, closed and rated unsatisfied (which reopens it).
  const citizen = await new Client(server.base).post('/api/v1/public/cases', { description: '复制：路面垃圾未清扫', ...HONGQI });
  assert.equal(citizen.status, 201, citizen.text);
  const inspectorFiled = await users.inspector.post('/api/v1/cases', { description: '复制：占道经营', ...HONGQI });
  assert.equal(inspectorFiled.status, 201, inspectorFiled.text);
  cases.push(inspectorFiled.data.case);
  const list = await users.supervisor.get('/api/v1/cases?limit=100');
  const citizenCase = list.data.items.find((c) => c.case_no === citizen.data.case_no);
  let c = (await users.supervisor.get(`/api/v1/cases/${citizenCase.id}`)).data;
  const tree = (await users.supervisor.get('/api/v1/categories')).data.trees.find((t) => t.tree === 'event');
  const garbage = tree.majors.flatMap((m) => m.subclasses).find((s) => s.code === '0102').id;
  const units = (await users.supervisor.get('/api/v1/org-units?type=department')).data.items;
  c = await act(users.supervisor, c, 'accept', { category_id: garbage });
  c = await act(users.supervisor, c, 'dispatch', { department_id: units.find((u) => u.code === '440902-D01').id });
  c = await act(users.dept, c, 'sign');
  assert.equal((await uploadPhoto(users.dept, c.id, 'after', 37)).status, 201);
  c = await act(users.dept, c, 'handle', { note: '已清理' });
  assert.equal((await uploadPhoto(users.inspector, c.id, 'check', 38)).status, 201);
  c = await act(users.inspector, c, 'check-pass', { note: '核查通过' });
  c = await act(users.supervisor, c, 'close');
  const rating = await new Client(server.base).post(`/api/v1/public/cases/${citizen.data.case_no}/rating`,
    { code: citizen.data.query_code, rating: 'unsatisfied', comment: '没有清理干净' });
  assert.equal(rating.status, 200, rating.text);
  cases.push({ ...c, query_code: citizen.data.query_code });
  assert.ok(Number(sqlite(source, 'SELECT count(*) FROM case_rating')) >= 1);
  assert.ok(Number(sqlite(source, 'SELECT count(*) FROM case_stage')) >= 10);
  assert.ok(Number(sqlite(source, 'SELECT count(*) FROM case_attachment')) >= 5);
});

after(async () => {
  if (server) await server.stop();
  if (copyServer) await copyServer.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// An answer without what moves with the clock between two reads: a running
// stage's remaining_ms and elapsed_ms (they tick in working hours).
function timeless(data) {
  return JSON.parse(JSON.stringify(data), (key, value) => (key === 'remaining_ms' || key === 'elapsed_ms' ? undefined : value));
}

test('a city copied to a new file answers the same case pages, timelines, lists and overview', async () => {
  const copyDir = join(dir, 'copy');
  mkdirSync(copyDir);
  const target = join(copyDir, 'chengguan.db');
  const r = runCli(['copy', '--from', source, '--to', target]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^copy: from sqlite to sqlite$/m);
  assert.match(r.stdout, /^ {2}case_record +(\d+) +\1$/m);
  assert.match(r.stdout, /^ {2}case_event +(\d+) +\1$/m);
  assert.match(r.stdout, /^ {2}grid_rtree +(\d+) +\1$/m);
  assert.match(r.stdout, /^audit chain: intact \(\d+ events\)$/m);
  assert.match(r.stdout, /^overview counts: match a recount$/m);
  assert.match(r.stdout, /^verdict: copied and verified$/m);
  assert.doesNotMatch(r.stdout, /DIFFERS/);
  // The rows of the tables the pages read, equal.
  for (const table of ['case_record', 'case_event', 'case_stage', 'case_rating', 'case_attachment',
    'attachment', 'app_user', 'org_unit', 'grid_cell', 'category', 'case_daily']) {
    const sql = `SELECT * FROM ${table} ORDER BY 1, 2`;
    assert.equal(sqlite(target, sql), sqlite(source, sql), table);
  }
  // The copy's own commit counts as a change: its ETags never match the source's.
  const changes = "SELECT n FROM change_counter WHERE name = 'data'";
  assert.equal(Number(sqlite(target, changes)), Number(sqlite(source, changes)) + 1);
  assert.equal(sqlite(target, "SELECT rowid, seg FROM case_fts ORDER BY rowid"),
    sqlite(source, "SELECT rowid, seg FROM case_fts ORDER BY rowid"));

  copyServer = await startServer({ dataDir: copyDir, args: ['--db', target] });
  const here = await login(server.base, 'supervisor');
  const there = await login(copyServer.base, 'supervisor');
  for (const c of cases) {
    for (const path of [`/api/v1/cases/${c.id}`, `/api/v1/cases/${c.id}/events`]) {
      const a = await here.get(path);
      const b = await there.get(path);
      assert.equal(a.status, 200, a.text);
      assert.deepEqual(timeless(b.data), timeless(a.data), path);
    }
  }
  for (const path of ['/api/v1/cases?limit=50', '/api/v1/cases?q=井盖', '/api/v1/cases?status=closed',
    '/api/v1/stats/overview', '/api/v1/grids/locate?lat=21.6605&lon=110.9205']) {
    const a = await here.get(path);
    const b = await there.get(path);
    assert.equal(a.status, 200, a.text);
    assert.deepEqual(timeless(b.data), timeless(a.data), path);
  }
  const rated = cases.at(-1);
  const track = (base) => new Client(base).get(`/api/v1/public/cases/${rated.case_no}?code=${rated.query_code}`);
  assert.deepEqual(timeless((await track(copyServer.base)).data), timeless((await track(server.base)).data));
  // New cases on the copy take new ids and numbers, after the copied ones.
  const operator = await login(copyServer.base, 'operator');
  const filed = await operator.post('/api/v1/cases', { description: '复制之后：新案件', ...HONGQI });
  assert.equal(filed.status, 201, filed.text);
  assert.ok(filed.data.case.id > Math.max(...cases.map((c) => c.id)));
  const audit = runCli(['audit', 'verify', '--db', target]);
  assert.equal(audit.status, 0, audit.stdout + audit.stderr);
});

test('a target that already holds a city is refused and left as it was', () => {
  const target = join(dir, 'copy', 'chengguan.db');
  const before = sqlite(target, 'SELECT count(*), max(id) FROM case_record');
  const r = runCli(['copy', '--from', source, '--to', target]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /the target already holds a city \(\d+ org units, \d+ users, \d+ cases\)/);
  assert.match(r.stderr, /the target is left as it was/);
  assert.equal(sqlite(target, 'SELECT count(*), max(id) FROM case_record'), before);
});

test('a copy whose verification fails is rolled back: the target stays empty', () => {
  // A source whose audit chain was tampered with behind the store's back.
  const tampered = join(dir, 'tampered.db');
  snapshot(tampered);
  sqlite(tampered, "DROP TRIGGER case_event_no_update; UPDATE case_event SET note = 'forged' WHERE id = 2");
  const target = join(dir, 'empty.db');
  assert.equal(runCli(['migrate', '--db', target]).status, 0);
  const r = runCli(['copy', '--from', tampered, '--to', target]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^audit chain: BROKEN at event 2$/m);
  assert.match(r.stderr, /the audit chain does not hold on the target \(event 2\); the target is left as it was/);
  assert.equal(sqlite(target, 'SELECT (SELECT count(*) FROM case_record) + (SELECT count(*) FROM org_unit)'), '0');
  assert.equal(sqlite(target, 'SELECT count(*) FROM category'), sqlite(source, 'SELECT count(*) FROM category'));
  // A new file the failed copy made is removed again.
  const fresh = join(dir, 'never.db');
  assert.equal(runCli(['copy', '--from', tampered, '--to', fresh]).status, 1);
  assert.equal(existsSync(fresh), false);
});

test('a missing source, a source at an older schema and bad arguments are refused clearly', () => {
  const missing = runCli(['copy', '--from', join(dir, 'nothing.db'), '--to', join(dir, 'x.db')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /no source database at .*nothing\.db/);
  assert.equal(existsSync(join(dir, 'x.db')), false);

  const old = join(dir, 'old.db');
  snapshot(old);
  sqlite(old, 'PRAGMA user_version = 11');
  const r = runCli(['copy', '--from', old, '--to', join(dir, 'y.db')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /the source has schema version 11, this chengguan \d+; run 'chengguan migrate' on it first/);

  const noTarget = runCli(['copy', '--from', source]);
  assert.equal(noTarget.status, 2);
  assert.match(noTarget.stderr, /give both --from LOCATION and --to LOCATION/);
  const same = runCli(['copy', '--from', source, '--to', source]);
  assert.equal(same.status, 2);
  assert.match(same.stderr, /--from and --to name the same database/);
  const unknown = runCli(['copy', '--from', source, '--to', join(dir, 'z.db'), '--fast']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /--fast/);
  const help = runCli(['copy', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--from/);
  assert.match(help.stdout, /postgres:\/\//);
});
