// SPDX-License-Identifier: MIT
// Crash run: kill -9 under write load, again and again, and nothing
// acknowledged may be missing afterwards. Each cycle starts the release
// ./chengguan on the same data directory, checks that every write the
// previous cycles acknowledged is there, drives `--concurrency` workers of
// case lifecycles (intake by inspectors, operators and citizens; transitions
// through filing, dispatch, handling, checks, requests and closing; photo
// uploads), records each 2xx answer, and sends SIGKILL at a random moment of
// the cycle. Between cycles `chengguan check` (integrity and the overview
// tallies against a recount) and `chengguan audit verify` must pass. The last
// restart checks every write of the whole run, then stops the server with
// SIGTERM, which must exit 0. A run that acknowledged no case, transition or
// photo, or whose last check read back fewer writes than were acknowledged,
// fails: it would prove nothing.
//
//   node tests/bench/crash.mjs [--cycles 20] [--seconds 3] [--concurrency 8] [--keep]
//     [--sabotage photo|records]
//
// Prints the machine, one line per cycle and the totals (cycles, acknowledged
// writes, time, lost);
// exits 1 when a write is lost, a check fails or an answer was not the 2xx a
// lifecycle expects. Needs ./chengguan (`make`). The data directory lives under
// tests/.tmp/ and is removed at the end unless --keep. --sabotage tests the
// checks themselves, after the first kill: `photo` deletes the file of one
// acknowledged photo, which the run must then report lost; `records` changes
// one overview tally and forges one case event, which `chengguan check` and
// `chengguan audit verify` must then report.
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BIN, run, sleep } from './harness.mjs';
import {
  Http, Ledger, NetworkError, ROLES, UnexpectedStatus, checkDataDir, cityFacts, machineLine, runLifecycle,
  seededDirectory, serveRelease, signIn, verifyLedger,
} from './load.mjs';

const { values: args } = parseArgs({
  options: {
    cycles: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '8' },
    keep: { type: 'boolean', default: false },
    sabotage: { type: 'string' },
  },
});
const CYCLES = Number(args.cycles);
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
if (!(CYCLES >= 1 && SECONDS > 0 && CONCURRENCY >= 1) || ![undefined, 'photo', 'records'].includes(args.sabotage)) {
  console.error('usage: node tests/bench/crash.mjs [--cycles N>=1] [--seconds S>0] [--concurrency C>=1] [--keep]' +
    ' [--sabotage photo|records]');
  process.exit(2);
}

const { dir, dataDir, logFile } = seededDirectory('crash-');
const problems = []; // failed checks and unexpected answers
const lostWrites = new Map(); // what was lost -> when it was first missed

// Runs the offline checks; failures go to problems. Returns the audit's event count.
function offlineChecks(when) {
  const { failures, events } = checkDataDir(dataDir);
  for (const text of failures) problems.push(`${when}: ${text}`);
  return events;
}

// Drives the workers until `killAt` ms, then kills the server with SIGKILL
// and waits for every worker to notice. Returns the writes acknowledged.
async function loadAndKill(server, client, sessions, city, ledger, killAt) {
  const before = ledger.total;
  let stopping = false;
  const ctx = { client, sessions, city, ledger };
  const worker = async () => {
    while (!stopping) {
      try {
        await runLifecycle(ctx);
      } catch (e) {
        if (stopping) break; // the kill cut the lifecycle short
        if (!(e instanceof UnexpectedStatus || e instanceof NetworkError)) throw e;
        problems.push(`before the kill: ${e.message}`);
      }
    }
  };
  const workers = Array.from({ length: CONCURRENCY }, worker);
  await sleep(killAt);
  stopping = true;
  const exit = await server.kill('SIGKILL');
  if (exit.signal !== 'SIGKILL') problems.push(`the server ended by itself (${exit.code ?? exit.signal}) before the kill`);
  await Promise.all(workers);
  client.close();
  return ledger.total - before;
}

// Deletes the file of one photo acknowledged on a case, or changes a tally and
// forges an event (see --sabotage).
function sabotage(ledger, touched) {
  if (args.sabotage === 'records') {
    const key = 'place_path, street_id, state';
    run('sqlite3', [join(dataDir, 'chengguan.db'),
      `UPDATE case_tally_state SET n = n + 1 WHERE (${key}) = (SELECT ${key} FROM case_tally_state LIMIT 1);` +
      ' DROP TRIGGER case_event_no_update;' +
      " UPDATE case_event SET note = 'forged' WHERE id = (SELECT max(id) FROM case_event);"]);
    console.log('sabotage: changed one overview tally and forged the last case event');
    return;
  }
  const hash = [...touched.photos].find((h) => ledger.photos.get(h).caseId);
  if (hash === undefined) throw new Error('--sabotage: no photo was acknowledged in the first cycle');
  rmSync(join(dataDir, 'photos', hash.slice(0, 2), hash));
  console.log(`sabotage: deleted the file of photo ${hash.slice(0, 12)}`);
}

// Checks what the ledger's `touched` records name; lost writes are counted.
async function verify(client, sessions, ledger, touched, when) {
  const { checked, lost } = await verifyLedger(client, sessions, ledger, touched);
  for (const text of lost) if (!lostWrites.has(text)) lostWrites.set(text, when);
  // A lost session cannot drive the next cycle: sign that role in again.
  for (const role of ROLES) {
    if ((await client.request('GET', '/api/v1/auth/me', { session: sessions[role] })).status !== 200) {
      sessions[role] = await signIn(client, role);
      ledger.session(sessions[role]);
    }
  }
  return { checked, lost: lost.length };
}

// A run must have something to lose and must have looked for all of it:
// cases, transitions and photos acknowledged, every acknowledged write read
// back at the end, and an audit chain at least as long as the case writes.
function notVacuous(ledger, acknowledged, checked, events) {
  const { cases, transitions, photos } = ledger.acked;
  if (!(cases > 0 && transitions > 0 && photos > 0)) {
    problems.push(`too little load to prove anything: ${cases} cases, ${transitions} transitions, ${photos} photos acknowledged`);
  }
  if (checked !== acknowledged) problems.push(`the last check read back ${checked} writes of the ${acknowledged} acknowledged`);
  if (!(events >= cases + transitions)) problems.push(`audit chain of ${events} events for ${cases + transitions} case writes`);
}

async function main() {
  const ledger = new Ledger();
  let sessions = null;
  let city = null;
  let touched = null;
  let loadMs = 0;
  let events = NaN;
  const began = performance.now();
  console.log(machineLine());
  console.log(`crash: ${CYCLES} cycles of up to ${SECONDS} s, ${CONCURRENCY} workers, ${BIN}`);
  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    const server = await serveRelease(dataDir, logFile);
    const client = new Http(server.base, { sockets: CONCURRENCY * 2 });
    let note = '';
    if (sessions === null) {
      sessions = {};
      for (const role of ROLES) ledger.session(sessions[role] = await signIn(client, role));
      city = await cityFacts(client, sessions.supervisor);
    } else {
      const v = await verify(client, sessions, ledger, touched, `after kill ${cycle - 1}`);
      note = `, restart ${server.startMs.toFixed(0)} ms, checked ${v.checked}, lost ${v.lost}`;
    }
    ledger.resetTouched();
    const killAt = SECONDS * 1000 * (0.25 + 0.75 * Math.random());
    const acked = await loadAndKill(server, client, sessions, city, ledger, killAt);
    loadMs += killAt;
    touched = ledger.takeTouched();
    if (args.sabotage && cycle === 1) sabotage(ledger, touched);
    events = offlineChecks(`after kill ${cycle}`);
    console.log(`cycle ${cycle}/${CYCLES}: ${acked} writes acknowledged, killed at ${(killAt / 1000).toFixed(2)} s` +
      `${note}; check and audit ${problems.length ? 'see below' : 'ok'} (${events} events)`);
  }
  // The last restart: this cycle's writes, then every write of the run.
  const server = await serveRelease(dataDir, logFile);
  const client = new Http(server.base, { sockets: CONCURRENCY * 2 });
  const last = await verify(client, sessions, ledger, touched, `after kill ${CYCLES}`);
  const acknowledged = ledger.total;
  const all = await verify(client, sessions, ledger, null, 'at the end');
  client.close();
  await server.stop();
  events = offlineChecks('after the final stop');
  notVacuous(ledger, acknowledged, all.checked, events);
  const db = statSync(join(dataDir, 'chengguan.db')).size;
  const kinds = Object.entries(ledger.acked).map(([k, n]) => `${n} ${k}`).join(', ');
  console.log(`\ncycles: ${CYCLES}`);
  console.log(`acknowledged writes: ${ledger.total} (${kinds}), ${(ledger.total / (loadMs / 1000)).toFixed(0)}/s under load`);
  console.log(`checked at the end: ${all.checked} (last cycle: ${last.checked}); audit chain ${events} events; database ${(db / 2 ** 20).toFixed(1)} MiB`);
  console.log(`time: ${((performance.now() - began) / 1000).toFixed(0)} s, of which ${(loadMs / 1000).toFixed(0)} s under load`);
  console.log(`lost: ${lostWrites.size}`);
  for (const [text, when] of [...lostWrites].slice(0, 30)) console.log(`  LOST ${text} (${when})`);
  for (const text of problems.slice(0, 30)) console.log(`  PROBLEM ${text}`);
  return lostWrites.size === 0 && problems.length === 0;
}

let ok = false;
try {
  ok = await main();
} catch (e) {
  console.error(e.stack || e);
} finally {
  if (!ok) {
    try { console.error(`server log tail:\n${readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n')}`); } catch { /* none */ }
  }
  if (args.keep) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
