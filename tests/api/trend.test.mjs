// SPDX-License-Identifier: MIT
// The assessment trends over HTTP, with the test build's clock
// (CHENGGUAN_TEST_CLOCK_FILE) set back to days in the past while cases are
// reported, filed, handled and closed: each fact lands on the local day (UTC+8)
// it happened on, in the whole jurisdiction and in its street, not in another
// street; 30 and 90 days end today; strict 400s and the roles allowed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startServer, demoClient, runCli, tempDir, freshDatabase, assertError, uploadPhoto, PG, HONGQI,
  NO_HISTORY,
} from './lib.mjs';

const DAY = 86400000;
const ZONE = 8 * 3600000;
let dataDir;
let database;
let clockFile;
let server;
const users = {};
let streets;
let seed = 83000;

// The local date (UTC+8) of a time, YYYY-MM-DD.
const localDate = (ms) => new Date(ms + ZONE).toISOString().slice(0, 10);
// Local noon `daysAgo` days before today, as real time.
function noonDaysAgo(daysAgo) {
  const now = Date.now();
  const midnight = Math.floor((now + ZONE) / DAY) * DAY - ZONE;
  return midnight - daysAgo * DAY + 12 * 3600000;
}
// Puts the server's clock at the real time `at` (ms) or back at the real time.
function clockAt(at) {
  writeFileSync(clockFile, String(at === undefined ? 0 : Math.round(at - Date.now())));
}

async function act(client, c, action, extra = {}) {
  const r = await client.post(`/api/v1/cases/${c.id}/${action}`, { version: c.version, ...extra });
  assert.equal(r.status, 200, `${action}: ${r.text}`);
  return r.data;
}

async function report(text) {
  const r = await users.inspector.post('/api/v1/cases', { description: `趋势 ${text} ${seed++}`, ...HONGQI });
  assert.equal(r.status, 201, r.text);
  return r.data.case;
}

async function trend(client, query) {
  const r = await client.get(`/api/v1/assessment/trend?${query}`);
  assert.equal(r.status, 200, r.text);
  return r.data;
}

// The change of every series between two trends of the same days, by date.
function delta(before, after) {
  assert.deepEqual(after.dates, before.dates);
  const out = {};
  for (const name of ['reported', 'filed', 'closed', 'handle_due', 'handle_on_time']) {
    out[name] = {};
    after.dates.forEach((date, i) => {
      const d = after.series[name][i] - before.series[name][i];
      if (d !== 0) out[name][date] = d;
    });
  }
  return out;
}

const baseline = {};
let departments;
let garbage;

before(async () => {
  dataDir = tempDir('trend-');
  clockFile = join(dataDir, 'clock');
  clockAt();
  database = PG ? freshDatabase() : undefined;
  const seeded = runCli(['seed-demo', ...NO_HISTORY, '--data-dir', dataDir], { env: database ? { CHENGGUAN_DB: database.url } : {} });
  assert.equal(seeded.status, 0, seeded.stderr);
  server = await startServer({
    dataDir, database, args: ['--session-idle', '864000', '--session-max', '864000'],
    env: { CHENGGUAN_TEST_CLOCK_FILE: clockFile },
  });
  for (const name of ['leader', 'supervisor', 'inspector', 'dept_municipal']) users[name] = await demoClient(server, name);
  const units = await users.supervisor.get('/api/v1/org-units?type=street');
  streets = Object.fromEntries(units.data.items.map((u) => [u.code, u.id]));
  const depts = await users.supervisor.get('/api/v1/org-units?type=department');
  departments = Object.fromEntries(depts.data.items.map((u) => [u.code, u.id]));
  const trees = (await users.leader.get('/api/v1/categories')).data.trees;
  garbage = trees.find((t) => t.tree === 'event').majors.flatMap((m) => m.subclasses).find((s) => s.code === '0102');
  baseline.all = await trend(users.leader, 'days=30');
  baseline.hongqi = await trend(users.leader, `days=30&group=street&id=${streets['440902001']}`);
  baseline.hexi = await trend(users.leader, `days=30&group=street&id=${streets['440902002']}`);

  // Five days ago: two reports in Hongqi, one filed and dispatched, one rejected.
  clockAt(noonDaysAgo(5));
  let c = await report('立案');
  const rejected = await report('不予立案');
  await act(users.supervisor, rejected, 'reject', { note: '不属城管' });
  c = await act(users.supervisor, c, 'accept', { category_id: garbage.id });
  c = await act(users.supervisor, c, 'dispatch', { department_id: departments['440902-D01'] });
  c = await act(users.dept_municipal, c, 'sign');
  assert.equal((await uploadPhoto(users.dept_municipal, c.id, 'after', seed++)).status, 201);
  c = await act(users.dept_municipal, (await users.dept_municipal.get(`/api/v1/cases/${c.id}`)).data, 'handle', { note: '已处置' });
  // Three days ago: checked and closed.
  clockAt(noonDaysAgo(3));
  assert.equal((await uploadPhoto(users.inspector, c.id, 'check', seed++)).status, 201);
  c = await act(users.inspector, (await users.inspector.get(`/api/v1/cases/${c.id}`)).data, 'check-pass');
  await act(users.supervisor, c, 'close');
  const detail = (await users.leader.get(`/api/v1/cases/${c.id}`)).data;
  const handling = detail.stages.find((s) => s.stage === 'handle');
  assert.ok(handling && handling.deadline, 'the handling record has a deadline');
  baseline.handleDay = localDate(handling.deadline);
  clockAt();
});

after(async () => {
  if (server) await server.stop();
  if (database) database.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('each fact lands on the local day it happened on', async () => {
  const now = await trend(users.leader, 'days=30');
  assert.equal(now.days, 30);
  assert.equal(now.dates.length, 30);
  assert.equal(now.dates[29], localDate(Date.now()), 'the window ends today');
  assert.equal(now.to_ms - now.from_ms, 30 * DAY);
  for (const name of Object.keys(now.series)) assert.equal(now.series[name].length, 30, name);
  const five = localDate(noonDaysAgo(5));
  const three = localDate(noonDaysAgo(3));
  assert.deepEqual(delta(baseline.all, now), {
    reported: { [five]: 2 },
    filed: { [five]: 1 },
    closed: { [three]: 1 },
    handle_due: { [baseline.handleDay]: 1 },
    handle_on_time: { [baseline.handleDay]: 1 },
  });
  const i = now.dates.indexOf(baseline.handleDay);
  assert.equal(now.series.on_time_closing_rate[i],
    Math.round(1000 * now.series.handle_on_time[i] / now.series.handle_due[i]) / 1000);
  const empty = now.series.handle_due.findIndex((n) => n === 0);
  assert.ok(empty >= 0);
  assert.equal(now.series.on_time_closing_rate[empty], null, 'nothing due: no rate');
});

test('one street counts its own cases only', async () => {
  const hongqi = await trend(users.leader, `days=30&group=street&id=${streets['440902001']}`);
  const hexi = await trend(users.leader, `days=30&group=street&id=${streets['440902002']}`);
  const five = localDate(noonDaysAgo(5));
  assert.deepEqual(delta(baseline.hongqi, hongqi).reported, { [five]: 2 });
  assert.deepEqual(delta(baseline.hexi, hexi), { reported: {}, filed: {}, closed: {}, handle_due: {}, handle_on_time: {} });
  const dept = await trend(users.leader, `days=90&group=department&id=${departments['440902-D01']}`);
  assert.equal(dept.dates.length, 90);
  assert.equal(dept.dates[89], localDate(Date.now()));
  assert.ok(dept.series.closed[dept.dates.indexOf(localDate(noonDaysAgo(3)))] >= 1);
});

test('bad queries are 400s and only leaders, supervisors and admins may read', async () => {
  assertError(await users.leader.get('/api/v1/assessment/trend?days=7'), 400, 'invalid_query', 'days');
  assertError(await users.leader.get('/api/v1/assessment/trend?group=inspector&id=1'), 400, 'invalid_query', 'group');
  assertError(await users.leader.get('/api/v1/assessment/trend?group=street'), 400, 'invalid_query', 'id');
  assertError(await users.leader.get('/api/v1/assessment/trend?group=street&id=x1'), 400, 'invalid_query', 'id');
  assertError(await users.inspector.get('/api/v1/assessment/trend'), 403, 'forbidden');
  assert.equal((await users.supervisor.get('/api/v1/assessment/trend?days=90')).status, 200);
});
