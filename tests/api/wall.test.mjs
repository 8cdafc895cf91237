// SPDX-License-Identifier: MIT
// The wall screen's numbers over HTTP (GET /api/v1/stats/wall): today's
// reported, filed, dispatched and closed cases move as a case walks through the
// workflow, open and overdue agree with the overview, the month's on-time
// closing rate counts the handling done on time, a poll with nothing changed is
// a 304, the caller's jurisdiction bounds the counts and other roles get a 403.
// The server's clock is pinned (CHENGGUAN_TEST_CLOCK_FILE) to the middle of a
// working day in the middle of the month, so "today" and "this month" hold
// every record the test makes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDemo, demoClient, assertError, uploadPhoto, tempDir, HONGQI } from './lib.mjs';

const LOCAL = 8 * 3600000; // the demo calendar's zone, UTC+8
let server;
const users = {};
let departments;
let garbage;
let seed = 72000;
let clockDir;

// Real time plus the offset that puts the server at 10:00 local on the 15th
// of the current local month.
function middleOfMonthOffset() {
  const local = new Date(Date.now() + LOCAL);
  const target = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 15, 10) - LOCAL;
  return target - Date.now();
}

async function act(client, c, action, extra = {}) {
  const r = await client.post(`/api/v1/cases/${c.id}/${action}`, { version: c.version, ...extra });
  assert.equal(r.status, 200, `${action}: ${r.text}`);
  return r.data;
}

async function wall(client = users.leader) {
  const r = await client.get('/api/v1/stats/wall');
  assert.equal(r.status, 200, r.text);
  return r.data;
}

before(async () => {
  clockDir = tempDir('wall-clock-');
  const clockFile = join(clockDir, 'clock');
  writeFileSync(clockFile, String(Math.round(middleOfMonthOffset())));
  server = await startDemo({ env: { CHENGGUAN_TEST_CLOCK_FILE: clockFile } });
  for (const name of ['leader', 'supervisor', 'supervisor_hx', 'inspector', 'dept_municipal']) {
    users[name] = await demoClient(server, name);
  }
  const units = await users.supervisor.get('/api/v1/org-units?type=department');
  departments = Object.fromEntries(units.data.items.map((u) => [u.code, u.id]));
  const trees = (await users.leader.get('/api/v1/categories')).data.trees;
  garbage = trees.find((t) => t.tree === 'event').majors.flatMap((m) => m.subclasses).find((s) => s.code === '0102');
});
after(async () => {
  await server.stop();
  rmSync(clockDir, { recursive: true, force: true });
});

test('today\'s numbers move as a case is reported, filed, dispatched and closed', async () => {
  const start = await wall();
  const local = new Date(Date.now() + middleOfMonthOffset() + LOCAL);
  assert.equal(start.month.period, local.toISOString().slice(0, 7));
  const r = await users.inspector.post('/api/v1/cases', { description: `大屏 井盖缺失 ${seed++}`, ...HONGQI });
  assert.equal(r.status, 201, r.text);
  let c = r.data.case;
  const reported = await wall();
  assert.equal(reported.today.reported, start.today.reported + 1);
  assert.equal(reported.open, start.open + 1);
  assert.equal(reported.today.filed, start.today.filed);

  c = await act(users.supervisor, c, 'accept', { category_id: garbage.id });
  assert.equal((await wall()).today.filed, start.today.filed + 1);
  c = await act(users.supervisor, c, 'dispatch', { department_id: departments['440902-D01'] });
  assert.equal((await wall()).today.dispatched, start.today.dispatched + 1);
  c = await act(users.dept_municipal, c, 'sign');
  assert.equal((await uploadPhoto(users.dept_municipal, c.id, 'after', seed++)).status, 201);
  c = await act(users.dept_municipal, (await users.dept_municipal.get(`/api/v1/cases/${c.id}`)).data, 'handle', { note: '已处理' });
  assert.equal((await uploadPhoto(users.inspector, c.id, 'check', seed++)).status, 201);
  c = await act(users.inspector, (await users.inspector.get(`/api/v1/cases/${c.id}`)).data, 'check-pass');
  await act(users.supervisor, c, 'close');

  const end = await wall();
  assert.deepEqual(end.today, {
    reported: start.today.reported + 1, filed: start.today.filed + 1,
    dispatched: start.today.dispatched + 1, closed: start.today.closed + 1,
  });
  assert.equal(end.open, start.open);
  // The handling was due this month and done on time.
  assert.equal(end.month.due, start.month.due + 1);
  assert.equal(end.month.on_time, start.month.on_time + 1);
  assert.equal(end.month.on_time_closing_rate, end.month.on_time / end.month.due);
  // The wall reads the trends' tally; the assessment recounts the month's
  // records: the same numbers, street by street summed.
  const streets = (await users.leader.get(`/api/v1/assessment?group=street&period=${end.month.period}`)).data;
  const sum = (key) => streets.rows.reduce((n, r) => n + r.counts[key], 0);
  assert.equal(end.month.due, sum('due'));
  assert.equal(end.month.on_time, sum('on_time'));
  const overview = (await users.leader.get('/api/v1/stats/overview')).data;
  assert.equal(end.open, overview.open);
  assert.equal(end.overdue, overview.overdue);
});

test('a poll with nothing changed is a 304; a change answers anew', async () => {
  const first = await users.leader.get('/api/v1/stats/wall');
  const etag = first.headers.get('etag');
  assert.ok(etag, 'the answer carries an ETag');
  const again = await users.leader.get('/api/v1/stats/wall', { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  const r = await users.inspector.post('/api/v1/cases', { description: `大屏 垃圾 ${seed++}`, ...HONGQI });
  assert.equal(r.status, 201, r.text);
  const changed = await users.leader.get('/api/v1/stats/wall', { headers: { 'if-none-match': etag } });
  assert.equal(changed.status, 200);
  assert.equal(changed.data.today.reported, first.data.today.reported + 1);
});

test('the numbers are the caller\'s jurisdiction; other roles are refused', async () => {
  const city = await wall(users.leader);
  const hexi = await wall(users.supervisor_hx);
  assert.ok(hexi.today.reported < city.today.reported, 'Hongqi\'s cases are not Hexi\'s');
  assert.ok(hexi.open < city.open);
  assertError(await users.inspector.get('/api/v1/stats/wall'), 403, 'forbidden');
  assertError(await users.dept_municipal.get('/api/v1/stats/wall'), 403, 'forbidden');
});
