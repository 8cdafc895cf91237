// SPDX-License-Identifier: MIT
// Soak run: the release ./chengguan under a steady mixed load for a set time,
// its resident memory and open descriptors sampled, to find leaks and server
// errors that only show over time. `--concurrency` workers each run case
// lifecycles (tests/bench/load.mjs: intake, transitions, photo uploads) with
// reads before every write: case lists with filters, search and a second
// page, case detail, events and photos, the overview, the citizen's tracking
// page, reference data and the static front end. Every few seconds VmRSS
// (/proc/PID/status) and the count of /proc/PID/fd are sampled.
//
//   node tests/bench/soak.mjs [--seconds 600] [--concurrency 8] [--sample 5]
//     [--warmup S] [--reads-per-write 4] [--max-rss-growth 20] [--max-fd-growth 20]
//     [--cases N | --db FILE]
//
// The server starts on the demo city, or on a city of N generated cases (the
// release generator, .build/release/bench/gen), or on a copy of FILE. On an
// empty city the SQLite page caches (one per worker thread) keep growing with
// the file for minutes, which looks like a leak; on a generated city reads of
// its older cases fill them during the warm-up.
//
// Growth is measured from the first sample after the warm-up (default a fifth
// of the run, at most 60 s) to the last. Prints the samples, the start, end and
// highest RSS and descriptor counts, their growth, the request rate and the
// answers by status; exits 1 when any answer was a 5xx (or not what the load
// expects), when RSS grew by more than --max-rss-growth percent, or when the
// descriptors grew by more than --max-fd-growth percent (and more than 8), and
// when it proves nothing: no write acknowledged, or fewer than two samples
// after the warm-up to measure growth between.
// The data directory lives under tests/.tmp/ and is removed at the end.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, sleep } from './harness.mjs';
import {
  Http, Ledger, NetworkError, ROLES, UnexpectedStatus, checkDataDir, cityFacts, machineLine, runLifecycle,
  seededDirectory, serveRelease, signIn,
} from './load.mjs';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '600' },
    concurrency: { type: 'string', default: '8' },
    sample: { type: 'string', default: '5' },
    warmup: { type: 'string' },
    'reads-per-write': { type: 'string', default: '4' },
    'max-rss-growth': { type: 'string', default: '20' },
    'max-fd-growth': { type: 'string', default: '20' },
    db: { type: 'string' },
    cases: { type: 'string', default: '0' },
  },
});
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const SAMPLE_MS = Number(args.sample) * 1000;
const WARMUP_MS = (args.warmup === undefined ? Math.min(60, SECONDS / 5) : Number(args.warmup)) * 1000;
const READS_PER_WRITE = Number(args['reads-per-write']);
const MAX_RSS_GROWTH = Number(args['max-rss-growth']);
const MAX_FD_GROWTH = Number(args['max-fd-growth']);
if (!(SECONDS > 0 && CONCURRENCY >= 1 && SAMPLE_MS > 0 && WARMUP_MS >= 0 && WARMUP_MS < SECONDS * 1000)) {
  console.error('usage: node tests/bench/soak.mjs [--seconds S] [--concurrency C] [--sample S] [--warmup S < seconds] ...');
  process.exit(2);
}

// Thrown by the read hook when the run's time is up.
class TimeUp extends Error {}

// Answers by kind (read or write) and status, with latencies for percentiles.
class Tally {
  constructor() { this.byStatus = new Map(); this.latency = { read: [], write: [] }; this.unexpected = []; this.serverErrors = []; }

  add(kind, method, path, status, ms) {
    const key = `${kind} ${status}`;
    this.byStatus.set(key, (this.byStatus.get(key) || 0) + 1);
    this.latency[kind].push(ms);
    if (status >= 500) this.serverErrors.push(`${status} ${method} ${path}`);
  }

  get requests() { return this.latency.read.length + this.latency.write.length; }
}

const tally = new Tally();

// A client that counts every answer in the tally.
class CountingHttp extends Http {
  async request(method, path, options = {}) {
    const began = performance.now();
    const r = await super.request(method, path, options);
    const write = method !== 'GET' && method !== 'HEAD';
    tally.add(write ? 'write' : 'read', method, path.replace(/\?.*/, ''), r.status, performance.now() - began);
    return r;
  }
}

// The static files of the front end (what a browser fetches).
function staticPaths() {
  const web = join(ROOT, 'web');
  const list = ['/', '/staff.html'];
  for (const sub of ['css', 'js', 'js/screens', 'i18n']) {
    try {
      for (const name of readdirSync(join(web, sub))) if (/\.(css|js|json)$/.test(name)) list.push(`/${relative(web, join(web, sub, name))}`);
    } catch { /* a folder the front end does not have */ }
  }
  return list;
}

const OPEN = 'reported,verifying,accepted,dispatched,processing,suspended,handled,checked';
const LIST_QUERIES = ['limit=20', 'status=processing&limit=20', `status=${OPEN}&sort=deadline&limit=20`,
  'source=12345&limit=20', `q=${encodeURIComponent('垃圾')}&limit=20`, `q=${encodeURIComponent('井盖')}&limit=20`,
  'overdue=1&limit=20', 'sort=newest&limit=20'];

// One read picked at random, checked against what the load knows.
function makeReader(client, sessions, ledger, newestBefore) {
  const statics = staticPaths();
  const pick = (list) => list[randomInt(list.length)];
  const expect = async (path, session, statuses = [200]) => {
    const r = await client.request('GET', path, { session });
    if (!statuses.includes(r.status)) tally.unexpected.push(`GET ${path}: ${r.status} ${r.body.toString('utf8').slice(0, 200)}`);
    return r;
  };
  // A case that was there before the run (ids 1 to `newestBefore`): on a
  // generated city (--cases, --db) the reads spread over the whole file.
  const olderCase = () => (newestBefore === 0 ? expect('/api/v1/cases?limit=20', sessions.supervisor)
    : expect(`/api/v1/cases/${randomInt(1, newestBefore + 1)}`, sessions.supervisor));
  // [weight, read]: what a city's screens ask for most comes most often.
  const reads = [
    [1, () => expect('/healthz')],
    [3, () => expect(pick(statics))],
    [1, () => expect('/api/v1/meta')],
    [1, () => expect('/api/v1/categories')],
    [1, () => expect('/api/v1/org-units?type=department', sessions.supervisor)],
    [4, async () => { // a page and the next one
      const query = pick(LIST_QUERIES);
      const r = await expect(`/api/v1/cases?${query}`, sessions.supervisor);
      if (r.data?.next_cursor) await expect(`/api/v1/cases?${query}&cursor=${encodeURIComponent(r.data.next_cursor)}`, sessions.supervisor);
    }],
    [1, () => expect('/api/v1/cases?limit=20', sessions.dept_municipal)],
    [1, () => expect('/api/v1/stats/overview', pick([sessions.leader, sessions.supervisor]))],
    [4, async () => {
      if (ledger.caseOrder.length === 0) return expect('/api/v1/cases?limit=20', sessions.inspector);
      const id = pick(ledger.caseOrder);
      await expect(`/api/v1/cases/${id}`, sessions.supervisor);
      return expect(`/api/v1/cases/${id}/${pick(['events', 'attachments', 'duplicates'])}`, sessions.supervisor);
    }],
    [3, olderCase],
    [2, async () => {
      if (ledger.photoOrder.length === 0) return undefined;
      const hash = pick(ledger.photoOrder);
      if (!ledger.photos.get(hash).caseId) return undefined; // an upload not on a case yet
      const r = await expect(`/api/v1/attachments/${hash}`, sessions.supervisor);
      if (r.status === 200 && !r.body.equals(ledger.photos.get(hash).bytes)) tally.unexpected.push(`photo ${hash} served other bytes`);
      return undefined;
    }],
    [1, () => {
      if (ledger.citizen.length === 0) return expect('/api/v1/categories/suggest?text=%E4%BA%95%E7%9B%96');
      const rec = pick(ledger.citizen);
      return expect(`/api/v1/public/cases/${rec.caseNo}?code=${rec.code}`);
    }],
  ];
  const weighted = reads.flatMap(([weight, read]) => Array(weight).fill(read));
  return () => pick(weighted)();
}

function sampleProcess(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024, threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1]), fds: readdirSync(`/proc/${pid}/fd`).length };
}

const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
const percentile = (values, p) => {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const growth = (from, to) => ((to - from) / from) * 100;

async function main() {
  console.log(machineLine());
  if (Number(args.cases) > 0) console.log(`soak: generating a city of ${args.cases} cases`);
  const { dir, dataDir, logFile } = seededDirectory('soak-', { db: args.db, cases: Number(args.cases) });
  try {
    const server = await serveRelease(dataDir, logFile);
    const client = new CountingHttp(server.base, { sockets: CONCURRENCY * 2 });
    const sessions = {};
    for (const role of ROLES) sessions[role] = await signIn(client, role);
    const ledger = new Ledger();
    const city = await cityFacts(client, sessions.supervisor);
    const newest = await client.request('GET', '/api/v1/cases?limit=1', { session: sessions.supervisor });
    const read = makeReader(client, sessions, ledger, newest.data.items[0]?.id ?? 0);
    const began = performance.now();
    const deadline = began + SECONDS * 1000;
    const beforeWrite = async () => {
      for (let n = randomInt(2 * READS_PER_WRITE + 1); n > 0; n--) {
        if (performance.now() >= deadline) throw new TimeUp();
        await read();
      }
      if (performance.now() >= deadline) throw new TimeUp();
    };
    const ctx = { client, sessions, city, ledger, beforeWrite };
    const worker = async () => {
      while (performance.now() < deadline) {
        try {
          await runLifecycle(ctx);
        } catch (e) {
          if (e instanceof TimeUp) break;
          if (!(e instanceof UnexpectedStatus || e instanceof NetworkError)) throw e;
          tally.unexpected.push(e.message);
        }
      }
    };
    const samples = [{ t: 0, requests: 0, ...sampleProcess(server.pid) }];
    const sizeBefore = statSync(join(dataDir, 'chengguan.db')).size;
    const sampler = setInterval(() => {
      samples.push({ t: performance.now() - began, requests: tally.requests, ...sampleProcess(server.pid) });
    }, SAMPLE_MS);
    console.log(`soak: ${SECONDS} s, ${CONCURRENCY} workers, about ${READS_PER_WRITE} reads per write, ` +
      `sampled every ${SAMPLE_MS / 1000} s, warm-up ${WARMUP_MS / 1000} s`);
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    clearInterval(sampler);
    const elapsed = (performance.now() - began) / 1000;
    samples.push({ t: elapsed * 1000, requests: tally.requests, ...sampleProcess(server.pid) });
    client.close();
    await server.stop();
    const checks = checkDataDir(dataDir);
    const sizeAfter = statSync(join(dataDir, 'chengguan.db')).size;
    return report({ samples, elapsed, checks, ledger, sizeBefore, sizeAfter });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Prints the samples and the summary; returns true when the run passed.
function report({ samples, elapsed, checks, ledger, sizeBefore, sizeAfter }) {
  const every = Math.max(1, Math.ceil(samples.length / 25));
  samples.forEach((s, i) => {
    if (i % every !== 0 && i !== samples.length - 1) return;
    const prev = samples[Math.max(0, i - every)];
    const rate = i === 0 ? 0 : (s.requests - prev.requests) / ((s.t - prev.t) / 1000);
    console.log(`  t=${(s.t / 1000).toFixed(0).padStart(4)} s  rss ${mib(s.rss).padStart(6)} MiB  fds ${String(s.fds).padStart(4)}  threads ${s.threads}  ${rate.toFixed(0)} req/s`);
  });
  const warm = samples.find((s) => s.t >= WARMUP_MS) || samples[samples.length - 1];
  const afterWarm = samples.filter((s) => s.t >= warm.t);
  const first = samples[0], last = samples[samples.length - 1];
  const maxRss = Math.max(...samples.map((s) => s.rss));
  const maxFds = Math.max(...samples.map((s) => s.fds));
  const rssGrowth = growth(warm.rss, last.rss);
  const fdGrowth = growth(warm.fds, last.fds);
  const statuses = [...tally.byStatus].sort().map(([k, n]) => `${k}: ${n}`).join(', ');
  const { read, write } = tally.latency;
  console.log(`\nduration: ${elapsed.toFixed(0)} s, ${tally.requests} requests, ${(tally.requests / elapsed).toFixed(0)} req/s ` +
    `(${read.length} reads, ${write.length} writes, ${ledger.total} writes acknowledged)`);
  console.log(`answers: ${statuses}`);
  console.log(`latency ms: reads p50 ${percentile(read, 50).toFixed(2)} p99 ${percentile(read, 99).toFixed(2)}; ` +
    `writes p50 ${percentile(write, 50).toFixed(2)} p99 ${percentile(write, 99).toFixed(2)}`);
  console.log(`RSS MiB: start ${mib(first.rss)}, after warm-up ${mib(warm.rss)}, end ${mib(last.rss)}, max ${mib(maxRss)}; ` +
    `growth after warm-up ${rssGrowth.toFixed(1)}% (at most ${MAX_RSS_GROWTH}%)`);
  console.log(`descriptors: start ${first.fds}, after warm-up ${warm.fds}, end ${last.fds}, max ${maxFds} ` +
    `(after warm-up ${Math.max(...afterWarm.map((s) => s.fds))}); growth ${fdGrowth.toFixed(1)}% (at most ${MAX_FD_GROWTH}%)`);
  console.log(`database: ${mib(sizeBefore)} MiB -> ${mib(sizeAfter)} MiB; audit chain ${checks.events} events`);
  console.log(`server errors (5xx): ${tally.serverErrors.length}; unexpected answers: ${tally.unexpected.length}`);
  const failures = [...checks.failures];
  if (ledger.total === 0 || read.length === 0) failures.push(`too little load: ${read.length} reads, ${ledger.total} writes acknowledged`);
  if (afterWarm.length < 2) failures.push(`${afterWarm.length} samples after the warm-up: growth not measured`);
  if (tally.serverErrors.length) failures.push(`5xx answers: ${tally.serverErrors.slice(0, 10).join('; ')}`);
  if (tally.unexpected.length) failures.push(`unexpected answers: ${tally.unexpected.slice(0, 10).join('; ')}`);
  if (rssGrowth > MAX_RSS_GROWTH) failures.push(`RSS grew ${rssGrowth.toFixed(1)}% after the warm-up`);
  if (fdGrowth > MAX_FD_GROWTH && last.fds - warm.fds > 8) failures.push(`descriptors grew from ${warm.fds} to ${last.fds}`);
  for (const f of failures) console.log(`  FAILED ${f}`);
  return failures.length === 0;
}

let ok = false;
try {
  ok = await main();
} catch (e) {
  console.error(e.stack || e);
}
process.exit(ok ? 0 : 1);
