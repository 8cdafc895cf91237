// SPDX-License-Identifier: MIT
// Escalation on its own over HTTP, with the test build's clock moved forward
// (CHENGGUAN_TEST_CLOCK_FILE) and a scan every second: an urgent case's
// department gets one reminder (催办) when its handling stage turns yellow and
// one 督办 when it turns red, the district's leaders the 督办 too; each is an
// event of the case in an audit chain that verifies and a count on the case;
// the inbox lists and marks them read; a leader's own 督办 shows as
// supervised; a restart sends nothing twice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startServer, demoClient, runCli, tempDir, freshDatabase, PG, HONGQI,
  NO_HISTORY,
} from './lib.mjs';

const HOUR = 3600000;
let dataDir;
let database;
let clockFile;
let server;
const users = {};
let departments;
let urgentCategory;
let c; // the case under test

const METRICS_TOKEN = 'escalation-metrics-token-0123';
const ARGS = ['--escalation-interval', '1', '--session-idle', '864000', '--session-max', '864000',
  '--metrics-token', METRICS_TOKEN];

// Moves the server's clock to the real time plus offset ms.
function setClock(offset) {
  writeFileSync(clockFile, String(Math.round(offset)));
}

async function start() {
  server = await startServer({ dataDir, database, args: ARGS, env: { CHENGGUAN_TEST_CLOCK_FILE: clockFile } });
  for (const name of ['inspector', 'supervisor', 'dept_municipal', 'dept_sanitation', 'leader']) {
    users[name] = await demoClient(server, name);
  }
}

before(async () => {
  dataDir = tempDir('escalation-');
  clockFile = join(dataDir, 'clock');
  setClock(0);
  database = PG ? freshDatabase() : undefined;
  const seeded = runCli(['seed-demo', ...NO_HISTORY, '--data-dir', dataDir], { env: database ? { CHENGGUAN_DB: database.url } : {} });
  assert.equal(seeded.status, 0, seeded.stderr);
  await start();
  const units = await users.supervisor.get('/api/v1/org-units?type=department');
  departments = Object.fromEntries(units.data.items.map((u) => [u.code, u.id]));
  const trees = (await users.supervisor.get('/api/v1/categories')).data.trees;
  for (const t of trees) for (const m of t.majors) for (const s of m.subclasses) {
    if (t.tree === 'event' && s.code === '0403') urgentCategory = s; // road flooding: 4 urgent hours
  }
  assert.ok(urgentCategory);
});

after(async () => {
  if (server) await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  if (database) database.drop();
});

async function act(client, action, extra = {}) {
  const r = await client.post(`/api/v1/cases/${c.id}/${action}`, { version: c.version, ...extra });
  assert.equal(r.status, 200, `${action}: ${r.text}`);
  c = r.data;
  return c;
}

// The caller's inbox messages about the case under test.
async function messages(client, query = '') {
  const r = await client.get(`/api/v1/inbox${query}`);
  assert.equal(r.status, 200, r.text);
  return r.data.items.filter((m) => m.case_id === c.id);
}

// Polls until the caller's messages about the case satisfy done (the
// scheduler scans every second).
async function waitFor(client, done, what) {
  const until = Date.now() + 15000;
  for (;;) {
    const list = await messages(client);
    if (done(list)) return list;
    assert.ok(Date.now() < until, `timed out waiting for ${what}: ${JSON.stringify(list)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// The escalation samples of the server's /metrics: scans timed, notices by level.
async function escalationMetrics() {
  const r = await fetch(`${server.base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  assert.equal(r.status, 200);
  const text = await r.text();
  const value = (re) => Number(re.exec(text)?.[1] ?? NaN);
  return {
    scans: value(/^chengguan_escalation_scan_seconds_count (\d+)$/m),
    remind: value(/^chengguan_escalation_notices_total\{level="remind"\} (\d+)$/m),
    supervise: value(/^chengguan_escalation_notices_total\{level="supervise"\} (\d+)$/m),
    failures: value(/^chengguan_escalation_scan_failures_total (\d+)$/m),
  };
}

const pick = (list, stage, kind) => list.filter((m) => m.stage === stage && m.kind === kind);

async function events() {
  const r = await users.supervisor.get(`/api/v1/cases/${c.id}/events`);
  assert.equal(r.status, 200, r.text);
  return r.data.items;
}

function intactEvents() {
  const audit = runCli(['audit', 'verify', '--data-dir', dataDir]);
  assert.equal(audit.status, 0, audit.stdout + audit.stderr);
  return Number(/intact: (\d+) events/.exec(audit.stdout)[1]);
}

test('an urgent case signed for by its department is green at first: nothing in the inbox', async () => {
  const r = await users.inspector.post('/api/v1/cases', { description: '红旗路积水 催办测试', ...HONGQI });
  assert.equal(r.status, 201, r.text);
  c = r.data.case;
  await act(users.supervisor, 'accept', { category_id: urgentCategory.id });
  await act(users.supervisor, 'dispatch', { department_id: departments['440902-D01'] });
  await act(users.dept_municipal, 'sign');
  assert.equal(c.urgent, true);
  assert.equal(c.supervised, false);
  assert.deepEqual([c.counts.remind, c.counts.auto_supervise], [0, 0]);
  await new Promise((r) => setTimeout(r, 1500)); // a scan or more
  assert.deepEqual(await messages(users.dept_municipal), []);
});

test('at 80% of the handling limit the department gets one reminder (催办), as an event of the case', async () => {
  setClock(3.3 * HOUR); // handling: 3.3 of 4 urgent hours used; arrival (30 minutes): overdue
  const list = await waitFor(users.dept_municipal, (l) => pick(l, 'handle', 'remind').length > 0, 'the reminder');
  const [remind] = pick(list, 'handle', 'remind');
  assert.equal(remind.level, 'yellow');
  assert.equal(remind.audience, 'unit');
  assert.equal(remind.case_no, c.case_no);
  assert.equal(remind.read_at, null);
  assert.equal(pick(list, 'arrive', 'supervise').length, 1, 'the overdue arrival is a 督办 at once');
  assert.equal(pick(list, 'arrive', 'remind').length, 0, 'no reminder for what is already red');
  await new Promise((r) => setTimeout(r, 2500)); // two scans more
  const again = await messages(users.dept_municipal);
  assert.equal(pick(again, 'handle', 'remind').length, 1, 'reminded once, whatever the number of scans');
  assert.equal(again.length, 2);
  const seen = (await users.supervisor.get(`/api/v1/cases/${c.id}`)).data;
  assert.equal(seen.clock.light, 'yellow');
  assert.deepEqual([seen.counts.remind, seen.counts.auto_supervise], [1, 1]);
  assert.equal(seen.supervised, false, 'an automatic 督办 is not a leader\'s');
  const timeline = await events();
  const reminds = timeline.filter((e) => e.action === 'remind');
  assert.equal(reminds.length, 1);
  assert.equal(reminds[0].actor.role, 'system');
  assert.equal(reminds[0].data.stage, 'handle');
  assert.equal(reminds[0].data.level, 'yellow');
  assert.deepEqual(reminds[0].data.recipients, [{ unit_id: departments['440902-D01'], audience: 'unit' }]);
  assert.equal(timeline.filter((e) => e.action === 'auto-supervise').length, 1);
});

test('the inbox is the unit\'s own: marked read once, another department cannot see or mark it', async () => {
  const [remind] = pick(await messages(users.dept_municipal), 'handle', 'remind');
  assert.deepEqual(await messages(users.dept_sanitation), []);
  const other = await users.dept_sanitation.post(`/api/v1/inbox/${remind.id}/read`);
  assert.equal(other.status, 404, other.text);
  const r = await users.dept_municipal.post(`/api/v1/inbox/${remind.id}/read`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.data, { id: remind.id, read: true });
  const unread = await messages(users.dept_municipal, '?unread=1');
  assert.equal(unread.filter((m) => m.id === remind.id).length, 0);
  const all = await messages(users.dept_municipal);
  assert.ok(all.find((m) => m.id === remind.id).read_at > 0);
  const bad = await users.dept_municipal.get('/api/v1/inbox?limit=0');
  assert.equal(bad.status, 400);
  assert.equal(bad.data.error.field, 'limit');
});

test('past the deadline: one 督办 to the department and to the district\'s leaders', async () => {
  setClock(4.2 * HOUR);
  const list = await waitFor(users.dept_municipal, (l) => pick(l, 'handle', 'supervise').length > 0, 'the 督办');
  assert.equal(pick(list, 'handle', 'supervise')[0].level, 'red');
  const leader = await waitFor(users.leader, (l) => l.length >= 2, 'the leaders\' 督办');
  assert.deepEqual(leader.map((m) => [m.stage, m.kind, m.audience]).sort(),
    [['arrive', 'supervise', 'leaders'], ['handle', 'supervise', 'leaders']]);
  assert.deepEqual(await messages(users.supervisor), [], 'the leaders\' messages are theirs alone');
  const seen = (await users.supervisor.get(`/api/v1/cases/${c.id}`)).data;
  assert.equal(seen.clock.light, 'red');
  assert.deepEqual([seen.counts.remind, seen.counts.auto_supervise], [1, 2]);
  const metrics = await escalationMetrics();
  assert.ok(metrics.scans >= 3, `scans are timed: ${JSON.stringify(metrics)}`);
  assert.ok(metrics.remind >= 1 && metrics.supervise >= 2, `notices are counted: ${JSON.stringify(metrics)}`);
  assert.equal(metrics.failures, 0);
});

test('a leader\'s own 督办 marks the case supervised, in the case and in lists', async () => {
  c = (await users.leader.get(`/api/v1/cases/${c.id}`)).data;
  await act(users.leader, 'supervise', { note: '请立即处置' });
  assert.equal(c.supervised, true);
  assert.equal(c.counts.supervise, 1);
  const list = await users.supervisor.get('/api/v1/cases?limit=100');
  assert.equal(list.status, 200, list.text);
  assert.equal(list.data.items.find((row) => row.id === c.id).supervised, true);
});

test('the chain verifies, and a restart sends nothing twice', async () => {
  const before = (await events()).length;
  const inbox = (await messages(users.dept_municipal)).length;
  const leaders = (await messages(users.leader)).length;
  assert.ok(intactEvents() > 0);
  await server.stop();
  await start();
  await new Promise((r) => setTimeout(r, 3000)); // the first scan at start, then two more
  assert.equal((await events()).length, before);
  assert.equal((await messages(users.dept_municipal)).length, inbox);
  assert.equal((await messages(users.leader)).length, leaders);
  const metrics = await escalationMetrics();
  assert.ok(metrics.scans >= 2, `the new process scanned: ${JSON.stringify(metrics)}`);
  assert.deepEqual([metrics.remind, metrics.supervise], [0, 0], 'the new process sent nothing');
  assert.ok(intactEvents() > 0);
});
