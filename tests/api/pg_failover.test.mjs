// SPDX-License-Identifier: MIT
// Failover with the servers in it (README "PostgreSQL, failover and a
// province"): two chengguan processes on one PostgreSQL primary with a
// synchronous standby, both given the multi-host URL with
// target_session_attrs=read-write. Inspectors file cases through both under
// load; the primary is killed (pg_ctl -m immediate) and the standby promoted.
// While there is no primary a server answers 503 with the JSON error envelope
// (never 500, never a dropped connection); once the standby is promoted both
// servers reconnect by themselves and file cases again. Every case whose
// filing was acknowledged (201) is then in the promoted database and readable
// through the server that filed it.
// Run it alone with
//   node --test tests/api/pg_failover.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, DEMO_PASSWORD, HONGQI, runCli, startServer, tempDir, NO_HISTORY } from './lib.mjs';
import { startCluster, startStandby, multiHostUrl, stopClusters } from '../pg/cluster.mjs';
import { rmSync } from 'node:fs';

const CLIENTS_PER_SERVER = 3;
// Load before the kill, and how long the primary stays dead before the
// promotion (an operator's or Patroni's reaction time, shortened).
const LOAD_MS = 2000;
const OUTAGE_MS = 1500;
// How long the servers may take to file cases again after the promotion.
const RECONNECT_MS = 60000;

let primary;
let standby;
let dataDir;
const servers = [];

before(async () => {
  primary = startCluster();
  // Photos go to one directory both servers share, as on NFS in a province.
  dataDir = tempDir('pg-failover-');
  const seeded = runCli(['seed-demo', ...NO_HISTORY, '--data-dir', dataDir, '--db', primary.url]);
  assert.equal(seeded.status, 0, `seed-demo on PostgreSQL: ${seeded.stderr}`);
  standby = startStandby(primary);
  const url = multiHostUrl(primary, standby);
  for (let i = 0; i < 2; i++) {
    // Few threads: each may hold a database connection, and the test cluster
    // allows 40.
    servers.push(await startServer({
      dataDir, args: ['--db', url, '--threads', '4', '--write-threads', '4'],
    }));
  }
});

after(async () => {
  // The clusters go whatever the servers' exits say (stop() asserts them).
  try {
    for (const server of servers) await server.stop();
  } finally {
    stopClusters(standby, primary);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
});

const sleep = (ms) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

// An inspector filing cases in a closed loop through one server until
// stopped. It keeps what each answer said: acknowledged cases with the time of
// their answer, 503s (which must carry the JSON error envelope) and anything
// else, which the test refuses.
function startInspector(client, server, name) {
  const state = { name, client, server, acked: [], unavailable: 0, wrong: [], stopped: false };
  state.done = (async () => {
    for (let n = 1; !state.stopped; n++) {
      let r;
      try {
        r = await client.post('/api/v1/cases', { description: `故障切换测试：${name} 第${n}件 路面坑洼`, ...HONGQI });
      } catch (error) {
        state.wrong.push(`no answer: ${error.cause ? error.cause.code : error.message}`);
        await sleep(100);
        continue;
      }
      if (r.status === 201) {
        state.acked.push({ id: r.data.case.id, at: Date.now() });
      } else if (r.status === 503 && r.data && r.data.error && r.data.error.code === 'unavailable') {
        state.unavailable++;
        await sleep(100); // a client's retry after a short wait
      } else {
        state.wrong.push(`${r.status} ${r.text.slice(0, 200)}`);
        await sleep(100);
      }
    }
  })();
  return state;
}

async function waitUntil(what, condition, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    assert.ok(Date.now() < deadline, `waited ${timeoutMs} ms for ${what}`);
    await sleep(50);
  }
}

let inspectors = [];

test('cases filed through two servers survive the primary dying, and filing resumes after the promotion', async (t) => {
  for (const server of servers) {
    for (let i = 0; i < CLIENTS_PER_SERVER; i++) {
      const client = new Client(server.base);
      const r = await client.login('inspector', DEMO_PASSWORD);
      assert.equal(r.status, 200, `login on ${server.base}: ${r.text}`);
      inspectors.push(startInspector(client, server, `${server.port}-${i}`));
    }
  }
  const stopAll = async () => {
    inspectors.forEach((s) => { s.stopped = true; });
    await Promise.all(inspectors.map((s) => s.done));
  };
  try {
    await waitUntil('cases filed under load', () => inspectors.every((s) => s.acked.length >= 5), 60000);
    await sleep(LOAD_MS);
    const ackedBeforeKill = inspectors.reduce((n, s) => n + s.acked.length, 0);
    const killedAt = Date.now();
    primary.stopNow();
    await sleep(OUTAGE_MS);
    standby.promote();
    const promotedAt = Date.now();
    await waitUntil('every inspector filing again after the promotion',
      () => inspectors.every((s) => s.acked.some((a) => a.at > promotedAt)), RECONNECT_MS);
    const firstAfter = Math.max(...inspectors.map((s) => s.acked.find((a) => a.at > promotedAt).at));
    t.diagnostic(`${ackedBeforeKill} cases acknowledged by ${inspectors.length} inspectors on 2 servers before the kill`);
    t.diagnostic(`writes back on both servers ${firstAfter - promotedAt} ms after the promotion ` +
      `(${firstAfter - killedAt} ms after the kill, ${OUTAGE_MS} ms of it before the promotion)`);
  } finally {
    await stopAll();
  }
  t.diagnostic(`503 answers during the outage: ${inspectors.reduce((n, s) => n + s.unavailable, 0)}`);
  for (const s of inspectors) assert.deepEqual(s.wrong, [], `inspector ${s.name}: answers other than 201 and 503`);

  // Straight from the promoted database: every acknowledged case is there.
  const ids = new Set(standby.psql('SELECT id FROM case_record').trim().split('\n'));
  const acked = inspectors.flatMap((s) => s.acked.map((a) => String(a.id)));
  assert.deepEqual(acked.filter((id) => !ids.has(id)), [], `acknowledged cases missing after the failover (of ${acked.length})`);
});

test('every acknowledged case is readable through the server that filed it', async () => {
  assert.ok(inspectors.length > 0, 'the failover test ran first');
  for (const s of inspectors) {
    for (const { id } of s.acked) {
      const r = await s.client.get(`/api/v1/cases/${id}`);
      assert.equal(r.status, 200, `case ${id} through ${s.server.base}: ${r.text}`);
      assert.equal(r.data.id, id);
    }
  }
});
