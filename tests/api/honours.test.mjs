// SPDX-License-Identifier: MIT
// The red and black lists (红黑榜) over HTTP, with the test build's clock moved
// (CHENGGUAN_TEST_CLOCK_FILE) and a scheduler scan every second: a closed
// month is frozen once per group by the scheduler (also across a restart), an
// open or future month cannot be frozen, a frozen one only corrected (a new
// revision linked to the one it corrects, with a reason); a later change to a
// case alters no published list; each publication is an audit_log entry whose
// chain `chengguan audit verify` checks along with every snapshot's body hash,
// so an edit in the database is caught; the public list names units only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startServer, demoClient, runCli, tempDir, freshDatabase, dbQuery, assertError, Client, PG, HONGQI, NO_HISTORY,
} from './lib.mjs';

const HOUR = 3600000;
const ZONE = 8 * HOUR; // the demo calendar's UTC+8
const GROUPS = ['community', 'department', 'grid', 'inspector', 'operator', 'street'];
let dataDir;
let database;
let clockFile;
let server;
const users = {};
let anonymous;
let departments;
let c; // the case of the month under test
let frozen; // that month's department snapshot as first read
let publicList; // that month's public lists as first read

const ARGS = ['--escalation-interval', '1', '--session-idle', '3456000', '--session-max', '3456000'];

// "YYYY-MM" of the local month `shift` months from the one holding ms.
function monthName(ms, shift = 0) {
  const d = new Date(ms + ZONE);
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + shift, 1));
  return `${t.getUTCFullYear()}-${String(t.getUTCMonth() + 1).padStart(2, '0')}`;
}

// The instant the local month after the one holding ms begins.
function nextMonthStart(ms) {
  const d = new Date(ms + ZONE);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - ZONE;
}

const now = Date.now();
const thisMonth = monthName(now); // the month the case under test lives in
const lastMonth = monthName(now, -1); // closed when the server starts

function setClock(offset) {
  writeFileSync(clockFile, String(Math.round(offset)));
}

async function start() {
  server = await startServer({ dataDir, database, args: ARGS, env: { CHENGGUAN_TEST_CLOCK_FILE: clockFile } });
  for (const name of ['inspector', 'supervisor', 'operator', 'dept_municipal', 'leader', 'admin']) {
    users[name] = await demoClient(server, name);
  }
  anonymous = new Client(server.base);
}

async function snapshots(query) {
  const r = await users.leader.get(`/api/v1/assessment/snapshots?${query}`);
  assert.equal(r.status, 200, r.text);
  return r.data.items;
}

// Polls until the month has a snapshot of every group (the scheduler scans every second).
async function waitFrozen(period) {
  const until = Date.now() + 20000;
  for (;;) {
    const items = await snapshots(`period=${period}`);
    if (items.length >= GROUPS.length) return items;
    assert.ok(Date.now() < until, `timed out waiting for ${period} to freeze: ${JSON.stringify(items)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let seedEntries = 0; // what the demo seed audited itself (its 门前三包 criteria and publication)

function verify() {
  return runCli(['audit', 'verify', '--data-dir', dataDir], { env: database ? { CHENGGUAN_DB: database.url } : {} });
}

before(async () => {
  dataDir = tempDir('honours-');
  clockFile = join(dataDir, 'clock');
  setClock(0);
  database = PG ? freshDatabase() : undefined;
  const seeded = runCli(['seed-demo', ...NO_HISTORY, '--data-dir', dataDir], { env: database ? { CHENGGUAN_DB: database.url } : {} });
  assert.equal(seeded.status, 0, seeded.stderr);
  const seededAudit = verify();
  assert.equal(seededAudit.status, 0, seededAudit.stdout + seededAudit.stderr);
  seedEntries = Number(/audit log intact: (\d+) entries, 0 snapshots/.exec(seededAudit.stdout)[1]);
  await start();
  const units = await users.supervisor.get('/api/v1/org-units?type=department');
  departments = Object.fromEntries(units.data.items.map((u) => [u.code, u.id]));
});

after(async () => {
  if (server) await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  if (database) database.drop();
});

test('the scheduler freezes the month that closed before it started, once per group, as the system', async () => {
  const items = await waitFrozen(lastMonth);
  assert.deepEqual(items.map((s) => s.group).sort(), GROUPS);
  for (const s of items) {
    assert.equal(s.period, lastMonth);
    assert.equal(s.revision, 1);
    assert.equal(s.supersedes_id, null);
    assert.equal(s.superseded_by, null);
    assert.equal(s.created_by, 'system');
    assert.match(s.body_hash, /^[0-9a-f]{64}$/);
  }
  await new Promise((r) => setTimeout(r, 2000)); // two scans more
  assert.equal((await snapshots(`period=${lastMonth}`)).length, GROUPS.length, 'frozen once, whatever the scans');
  const audit = verify();
  assert.equal(audit.status, 0, audit.stdout + audit.stderr);
  assert.match(audit.stdout, new RegExp(`audit log intact: ${seedEntries + GROUPS.length} entries, ${GROUPS.length} snapshots`));
});

test('a month still open, a future month, a bad group or a frozen month cannot be frozen by hand', async () => {
  const post = (body) => users.leader.post('/api/v1/assessment/snapshots', body);
  assertError(await post({ period: thisMonth, group: 'department' }), 400, 'invalid_field', 'period');
  assertError(await post({ period: monthName(now, 2), group: 'street' }), 400, 'invalid_field', 'period');
  assertError(await post({ period: '2026-13', group: 'street' }), 400, 'invalid_field', 'period');
  assertError(await post({ period: lastMonth, group: 'city' }), 400, 'invalid_field', 'group');
  assertError(await post({ period: lastMonth, group: 'street', colour: 'red' }), 400, 'unknown_field');
  assertError(await post({ period: lastMonth, group: 'street' }), 409, 'conflict');
  const supervisor = await users.supervisor.post('/api/v1/assessment/snapshots', { period: lastMonth, group: 'street' });
  assert.equal(supervisor.status, 403, 'a supervisor reads snapshots but does not publish them');
  assert.equal((await users.operator.get('/api/v1/assessment/snapshots')).status, 403);
  assert.equal((await anonymous.get('/api/v1/assessment/snapshots')).status, 401);
  assertError(await users.leader.get('/api/v1/assessment/snapshots?period=2026-1'), 400, 'invalid_query', 'period');
  assertError(await users.leader.get('/api/v1/assessment/snapshots/999999'), 404, 'not_found');
});

test('at month close the scheduler freezes the month with its cases; the lists hold the units ranked', async () => {
  const r = await users.inspector.post('/api/v1/cases', { description: '红旗路井盖缺失 红黑榜测试', ...HONGQI });
  assert.equal(r.status, 201, r.text);
  c = r.data.case;
  const trees = (await users.supervisor.get('/api/v1/categories')).data.trees;
  const category = trees.find((t) => t.tree === 'component').majors[0].subclasses[0];
  for (const [action, extra] of [['accept', { category_id: category.id }],
    ['dispatch', { department_id: departments['440902-D01'] }]]) {
    const moved = await users.supervisor.post(`/api/v1/cases/${c.id}/${action}`, { version: c.version, ...extra });
    assert.equal(moved.status, 200, moved.text);
    c = moved.data;
  }
  setClock(nextMonthStart(now) + HOUR - Date.now()); // an hour into the next month
  const items = await waitFrozen(thisMonth);
  const department = items.find((s) => s.group === 'department');
  const got = await users.leader.get(`/api/v1/assessment/snapshots/${department.id}`);
  assert.equal(got.status, 200, got.text);
  frozen = got.data;
  assert.equal(frozen.snapshot.body_hash, department.body_hash);
  assert.equal(frozen.body.period, thisMonth);
  assert.equal(frozen.body.honours_size, 3);
  assert.ok(frozen.body.weights && frozen.body.grades, 'the weights and thresholds used are frozen too');
  const municipal = frozen.body.rows.find((row) => row.code === '440902-D01');
  assert.equal(municipal.counts.received, 1);
  assert.ok(frozen.body.top.some((row) => row.code === "440902-D01"), JSON.stringify(municipal));
  const pub = await anonymous.get('/api/v1/public/honours');
  assert.equal(pub.status, 200, pub.text);
  publicList = pub.data;
  assert.equal(publicList.period, thisMonth, 'the latest frozen month by default');
  const street = publicList.lists.find((l) => l.group === 'street');
  assert.ok(street.red.length >= 1, JSON.stringify(street));
  const streets = (await users.leader.get(`/api/v1/assessment/snapshots/${street.snapshot_id}`)).data.body;
  assert.deepEqual(street.red.map((u) => u.code), streets.top.map((u) => u.code), 'the public list is the frozen one');
  assert.equal(street.corrects, null);
});

test('a later change to a case alters neither the frozen snapshot nor the public lists', async () => {
  const signed = await users.dept_municipal.post(`/api/v1/cases/${c.id}/sign`, { version: c.version });
  assert.equal(signed.status, 200, signed.text);
  c = signed.data;
  const live = await users.leader.get(`/api/v1/assessment?group=department&period=${thisMonth}`);
  assert.equal(live.status, 200, live.text);
  const again = await users.leader.get(`/api/v1/assessment/snapshots/${frozen.snapshot.id}`);
  assert.deepEqual(again.data, frozen);
  assert.deepEqual((await anonymous.get(`/api/v1/public/honours?period=${thisMonth}`)).data, publicList);
});

test('a correction is a new revision linked to the one it corrects, with a reason; the public list says so', async () => {
  const post = (body) => users.admin.post('/api/v1/assessment/snapshots', body);
  const street = publicList.lists.find((l) => l.group === 'street');
  assertError(await post({ period: thisMonth, group: 'street', supersedes: street.snapshot_id }), 400, 'missing_field', 'reason');
  assertError(await post({ period: thisMonth, group: 'street', supersedes: street.snapshot_id, reason: '  ' }), 400, 'missing_field', 'reason');
  assertError(await post({ period: thisMonth, group: 'department', supersedes: street.snapshot_id, reason: '复核' }), 422, 'invalid_field', 'supersedes');
  const settings = await users.admin.request('PUT', '/api/v1/admin/assessment/settings', { json: { honours_size: 0 } });
  assertError(settings, 422, 'invalid_field', 'honours_size');
  const sized = await users.admin.request('PUT', '/api/v1/admin/assessment/settings', { json: { honours_size: 1 } });
  assert.equal(sized.status, 200, sized.text);
  assert.equal(sized.data.honours_size, 1);
  const reason = '复核后更正：一宗案件的片区归属有误';
  const r = await post({ period: thisMonth, group: 'street', supersedes: street.snapshot_id, reason });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.data.snapshot.revision, 2);
  assert.equal(r.data.snapshot.supersedes_id, street.snapshot_id);
  assert.equal(r.data.snapshot.reason, reason);
  assert.equal(r.data.body.honours_size, 1);
  assert.ok(r.data.body.top.length <= 1);
  const old = await users.leader.get(`/api/v1/assessment/snapshots/${street.snapshot_id}`);
  assert.equal(old.data.snapshot.superseded_by, r.data.snapshot.id, 'the corrected one links to its correction');
  assertError(await post({ period: thisMonth, group: 'street', supersedes: street.snapshot_id, reason }), 409, 'conflict', 'supersedes');
  const pub = (await anonymous.get(`/api/v1/public/honours?period=${thisMonth}`)).data;
  const list = pub.lists.find((l) => l.group === 'street');
  assert.equal(list.revision, 2);
  assert.deepEqual(list.corrects, { snapshot_id: street.snapshot_id, revision: 1, reason });
  assert.deepEqual(pub.lists.find((l) => l.group === 'department'), publicList.lists.find((l) => l.group === 'department'));
  const entry = dbQuery(server, `SELECT actor_role, action, subject_id FROM audit_log WHERE subject_id = ${r.data.snapshot.id}`);
  assert.equal(entry, `admin|snapshot.correct|${r.data.snapshot.id}`);
  const restored = await users.admin.request('PUT', '/api/v1/admin/assessment/settings', { json: { honours_size: 3 } });
  assert.equal(restored.status, 200, restored.text);
});

test('the public lists name units only: departments, streets, communities, never an inspector or operator', async () => {
  const pub = await anonymous.get(`/api/v1/public/honours?period=${thisMonth}`);
  assert.equal(pub.status, 200);
  assert.deepEqual(pub.data.lists.map((l) => l.group), ['department', 'street', 'community']);
  const inspectors = (await snapshots(`period=${thisMonth}&group=inspector`))[0];
  const people = (await users.leader.get(`/api/v1/assessment/snapshots/${inspectors.id}`)).data.body.rows.map((row) => row.name);
  assert.ok(people.length > 0, 'the inspectors are in the staff snapshot');
  for (const name of people) assert.ok(!pub.text.includes(name), `public list names ${name}`);
  for (const l of pub.data.lists) {
    for (const row of [...l.red, ...l.black]) assert.deepEqual(Object.keys(row).sort(), ['code', 'composite', 'grade', 'name', 'rank']);
  }
  assertError(await anonymous.get('/api/v1/public/honours?period=2001-01'), 404, 'not_found');
  assertError(await anonymous.get('/api/v1/public/honours?period=01-2001'), 400, 'invalid_query', 'period');
});

test('a restart freezes nothing twice', async () => {
  const before = dbQuery(server, 'SELECT COUNT(*) FROM assessment_snapshot');
  await server.stop();
  await start();
  await new Promise((r) => setTimeout(r, 2500)); // the scan at start and two more
  assert.equal(dbQuery(server, 'SELECT COUNT(*) FROM assessment_snapshot'), before);
  const audit = verify();
  assert.equal(audit.status, 0, audit.stdout + audit.stderr);
  assert.match(audit.stdout, /audit chain intact/);
  assert.match(audit.stdout, new RegExp(`audit log intact: ${seedEntries + Number(before)} entries, ${Number(before)} snapshots`));
});

test('an edit of a snapshot body or of an audit_log row in the database fails the verification, naming it', async () => {
  const id = frozen.snapshot.id;
  const body = dbQuery(server, `SELECT body FROM assessment_snapshot WHERE id = ${id}`);
  dbQuery(server, `UPDATE assessment_snapshot SET body = replace(body, '"honours_size":3', '"honours_size":4') WHERE id = ${id}`);
  let audit = verify();
  assert.equal(audit.status, 1, audit.stdout);
  assert.match(audit.stdout, new RegExp(`audit log BROKEN: assessment snapshot ${id}: its body does not hash`));
  // Changing the stored hash along with the body does not help: the chain holds the hash.
  const forged = dbQuery(server, `SELECT body_hash FROM assessment_snapshot WHERE id = ${id + 1}`);
  dbQuery(server, `UPDATE assessment_snapshot SET body = (SELECT body FROM assessment_snapshot WHERE id = ${id + 1}), body_hash = '${forged}' WHERE id = ${id}`);
  audit = verify();
  assert.equal(audit.status, 1, audit.stdout);
  assert.match(audit.stdout, new RegExp(`assessment snapshot ${id}: its body hash differs from the one its audit_log entry carries`));
  const original = frozen.snapshot.body_hash;
  dbQuery(server, `UPDATE assessment_snapshot SET body = '${body.replaceAll("'", "''")}', body_hash = '${original}' WHERE id = ${id}`);
  audit = verify();
  assert.equal(audit.status, 0, audit.stdout + audit.stderr);
  const entry = dbQuery(server, `SELECT id FROM audit_log WHERE subject_id = ${id}`);
  dbQuery(server, `UPDATE audit_log SET actor_name = 'someone' WHERE id = ${entry}`);
  audit = verify();
  assert.equal(audit.status, 1, audit.stdout);
  assert.match(audit.stdout, new RegExp(`audit log BROKEN: audit_log entry ${entry} \\(snapshot.publish\\) does not match its hash chain`));
  assert.match(audit.stdout, /audit chain intact/, 'the case chain is a chain of its own');
  dbQuery(server, `UPDATE audit_log SET actor_name = 'system' WHERE id = ${entry}`);
  assert.equal(verify().status, 0);
});
