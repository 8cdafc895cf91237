// SPDX-License-Identifier: MIT
// Failover at the database level, the ground the servers' failover stands on
// (README "PostgreSQL, failover and a province"): a primary with a synchronous
// streaming standby (tests/pg/cluster.sh), several clients inserting rows in a
// closed loop through psql, the primary killed mid-load (pg_ctl -m immediate),
// the standby promoted. Every insert a client was told had committed must be
// on the promoted standby, nothing must be there that no client sent, and the
// multi-host URL with target_session_attrs=read-write must refuse the standby
// while it is read-only and reach it once it is the primary. Without
// PostgreSQL this fails, saying how to install it: it never skips.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startCluster, startStandby, multiHostUrl, pgProgram, psqlAt, stopClusters } from '../pg/cluster.mjs';

const CLIENTS = 6;
// The primary dies after this long under load, once each client has had some
// inserts acknowledged: the kill lands in the middle of the load.
const LOAD_MS = 1500;
const ACKED_PER_CLIENT_BEFORE_KILL = 20;

let primary;
let standby;
let url;
let psql;
// What the load test leaves for the test after it: the standby's port.
let standbyPort;

before(() => {
  primary = startCluster();
  primary.psql(`CREATE TABLE load_row (client integer NOT NULL, seq integer NOT NULL,
    PRIMARY KEY (client, seq))`);
  standby = startStandby(primary);
  url = multiHostUrl(primary, standby);
  psql = pgProgram('psql');
  standbyPort = Number(new URL(standby.url).port);
});

after(() => stopClusters(standby, primary));

// One client inserting rows in a closed loop through its own psql: the next
// INSERT goes out when the last one's RETURNING line is back, and psql prints
// that line only once the server acknowledged the COMMIT (autocommit). Each
// acknowledged row goes into acked as "client:seq".
function startLoadClient(client, acked) {
  const child = spawn(psql, ['-X', '-q', '-tA', '-v', 'ON_ERROR_STOP=1', '--dbname', url]);
  const state = { client, sent: 0, acked: 0, stderr: '', protocolErrors: [] };
  const send = () => {
    state.sent++;
    child.stdin.write(`INSERT INTO load_row (client, seq) VALUES (${client}, ${state.sent}) RETURNING seq;\n`);
  };
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (data) => {
    pending += data;
    let newline;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line !== String(state.sent)) {
        state.protocolErrors.push(line);
        continue;
      }
      acked.add(`${client}:${line}`);
      state.acked++;
      send();
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (data) => { state.stderr += data; });
  child.stdin.on('error', () => {}); // EPIPE once psql has gone with the server
  // 'close', not 'exit': by then psql's last words on stderr have been read.
  state.exit = new Promise((resolveExit) => child.on('close', (code) => resolveExit(code)));
  state.kill = () => child.kill('SIGKILL');
  send();
  return state;
}

async function waitUntil(what, condition, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    assert.ok(Date.now() < deadline, `waited ${timeoutMs} ms for ${what}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 20));
  }
}

test('the primary replicates synchronously to its standby', () => {
  assert.equal(primary.psql(`SELECT state, sync_state FROM pg_stat_replication`).trim(), 'streaming|sync');
  assert.equal(primary.psql('SHOW synchronous_commit').trim(), 'on');
  assert.equal(standby.psql('SELECT pg_is_in_recovery()').trim(), 't');
  // The multi-host URL reaches the primary, the first host that takes writes.
  const r = psqlAt(url, 'SELECT inet_server_port(), pg_is_in_recovery()');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), `${new URL(primary.url).port}|f`);
});

test('every insert acknowledged before the primary died is on the promoted standby', async (t) => {
  const acked = new Set();
  const clients = [];
  for (let c = 1; c <= CLIENTS; c++) clients.push(startLoadClient(c, acked));
  const loadStarted = Date.now();
  await waitUntil('the load to build up',
    () => Date.now() - loadStarted >= LOAD_MS && clients.every((c) => c.acked >= ACKED_PER_CLIENT_BEFORE_KILL),
    60000).catch((error) => {
    clients.forEach((c) => c.kill());
    throw error;
  });
  const killedAt = Date.now();
  primary.stopNow();
  // Every client had an insert in flight: each loses its connection and exits.
  const codes = await Promise.all(clients.map((c) => c.exit));
  const ackedAtKill = acked.size;
  t.diagnostic(`${ackedAtKill} inserts acknowledged by ${CLIENTS} clients in ${killedAt - loadStarted} ms before the kill`);
  for (const c of clients) {
    assert.deepEqual(c.protocolErrors, [], `client ${c.client}: unexpected psql output`);
    assert.notEqual(codes[c.client - 1], 0, `client ${c.client} should have lost its server mid-load`);
    assert.match(c.stderr, /connection|server closed/i, `client ${c.client}: ${c.stderr}`);
  }

  // No primary now: the read-write URL refuses the standby, which is read-only.
  const during = psqlAt(url, 'SELECT 1');
  assert.notEqual(during.status, 0, 'no read-write server while the standby is not promoted');
  assert.match(during.stderr, /read-only/, during.stderr);

  standby.promote();
  let reached;
  await waitUntil('a read-write session on the promoted standby', () => {
    reached = psqlAt(url, 'SELECT inet_server_port(), pg_is_in_recovery()');
    return reached.status === 0;
  }, 30000);
  t.diagnostic(`failover (kill, promote, first read-write session): ${Date.now() - killedAt} ms`);
  assert.equal(reached.stdout.trim(), `${standbyPort}|f`);

  const rows = new Set(standby.psql("SELECT client || ':' || seq FROM load_row").trim().split('\n').filter(Boolean));
  const missing = [...acked].filter((row) => !rows.has(row));
  assert.deepEqual(missing, [], `acknowledged inserts missing after the failover (of ${acked.size})`);
  // Beyond those, only each client's last insert, in flight at the kill, may be
  // there: its commit reached the standby but not its answer the client.
  const extra = [...rows].filter((row) => !acked.has(row));
  const inFlight = new Set(clients.map((c) => `${c.client}:${c.sent}`));
  assert.deepEqual(extra.filter((row) => !inFlight.has(row)), [], 'rows no client sent, or sent before its last');
  t.diagnostic(`${rows.size} rows on the promoted standby: ${acked.size} acknowledged, ${extra.length} in flight at the kill`);
});

test('after the failover the multi-host URL writes to the new primary', () => {
  const r = psqlAt(url, `INSERT INTO load_row (client, seq) VALUES (0, 1)
    RETURNING inet_server_port(), pg_is_in_recovery()`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), `${standbyPort}|f`);
  assert.equal(standby.psql('SELECT count(*) FROM load_row WHERE client = 0').trim(), '1');
});
