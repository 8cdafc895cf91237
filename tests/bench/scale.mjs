// SPDX-License-Identifier: MIT
// The benchmark of issue 9 (not a test): chengguan at 100k and 1M cases (and
// 10M), side by side with the floor servers of tests/bench, every figure a
// ratio or a bound measured in one run. Prints the table (figure, value,
// target, met) with the machine, and writes it to tests/bench/results.md.
//
//   node tests/bench/scale.mjs [--cases 100000,1000000] [--ten-million]
//     [--db N=FILE]... [--seconds 12] [--rounds 3] [--connections 64] [--out FILE]
//
// The machine is shared, so what is compared runs interleaved: one server per
// size, all up at once, p50 taken request by request in turn; each wrk figure
// alternates with its reference (floor or /healthz) in --rounds rounds.
//
// Databases: --db N=FILE uses a given file for N cases; otherwise the
// generator's `make bench-db CASES=N` (.build/bench/cases-N.db) when the
// Makefile has that target; otherwise a stopgap built over HTTP
// (tests/bench/stopgap.mjs), at 2,000 and 20,000 cases unless --cases says
// otherwise. Every run works on a copy: the originals are never written.
// Needs ./chengguan and the floors (make bench-floors), wrk and sqlite3;
// `make bench` builds and installs them first.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BENCH_DIR, BIN, FLOOR_INSERT, FLOOR_READ, ROOT, discover, generatedDatabase, generatorAvailable, log, login,
  luaCreate, luaRandomPaths, luaRequestSetup, machine, screenLatencies, screenTargets, sql, startChengguan,
  startServer, workingCopy, wrkAlternating,
} from './harness.mjs';
import { buildStopgap } from './stopgap.mjs';
import { commitMeasured, formatTable, markdownReport } from './report.mjs';

const { values: args } = parseArgs({
  options: {
    cases: { type: 'string' },
    'ten-million': { type: 'boolean', default: false },
    db: { type: 'string', multiple: true, default: [] },
    seconds: { type: 'string', default: '12' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '64' },
    out: { type: 'string', default: join(ROOT, 'tests', 'bench', 'results.md') },
  },
});
const SECONDS = Number(args.seconds);
const ROUNDS = Number(args.rounds);
const CONNECTIONS = Number(args.connections);
const WARMUP = Math.min(3, SECONDS);
const RUN_DIR = join(BENCH_DIR, 'run');

// The database of `n` cases: { path, kind: 'given' | 'generated' | 'stopgap' }.
async function databaseOf(n, given, generator) {
  if (given.has(n)) return { path: given.get(n), kind: 'given' };
  if (generator) return { path: generatedDatabase(n), kind: 'generated' };
  return { path: await buildStopgap(n, log), kind: 'stopgap' };
}

// The throughput phases at the large size, each side by side with what it is
// compared with (alternating rounds); stops `server`. Returns the measurements.
async function throughput(size) {
  const { db, ctx, supervisor, inspector, server } = size;
  const dir = join(db, '..');
  const ids = sql(db, 'SELECT id FROM case_record ORDER BY random() LIMIT 2000').map((r) => r[0]);
  const measure = async (label, sides) => {
    const results = await wrkAlternating(sides, { seconds: SECONDS, rounds: ROUNDS, warmup: WARMUP, connections: CONNECTIONS });
    results.forEach((r, i) => log(`  ${label[i]}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99.toFixed(1)} ms, ` +
      `${r.errors} errors of ${r.requests}, rounds of ${r.roundSeconds} s`));
    return results;
  };
  const reader = luaRequestSetup({ headers: { cookie: supervisor.cookie } });
  const writer = (session) => luaRequestSetup({
    method: 'POST', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'application/json' },
  });
  const m = {};
  [m.list, m.healthz] = await measure(['GET /api/v1/cases?limit=20', 'GET /healthz'], [
    { base: server.base, path: '/api/v1/cases?limit=20', script: reader },
    { base: server.base, path: '/healthz', script: '' },
  ]);
  const floorRead = await startServer(FLOOR_READ, ['--db', db], join(dir, 'floor_read.log'));
  [m.read, m.floorRead] = await measure(['GET /api/v1/cases/:id', 'floor GET /row/:id'], [
    { base: server.base, path: '/', script: reader + luaRandomPaths('/api/v1/cases/', ids) },
    { base: floorRead.base, path: '/', script: luaRandomPaths('/row/', ids) },
  ]);
  await floorRead.stop();
  const floorInsert = await startServer(FLOOR_INSERT, ['--db', join(dir, 'floor_insert.db')], join(dir, 'floor_insert.log'));
  const insertSetup = luaRequestSetup({ method: 'POST', headers: { 'content-type': 'application/json' } });
  [m.create, m.floorInsert] = await measure(['POST /api/v1/cases (durable)', 'floor POST /insert'], [
    { base: server.base, path: '/api/v1/cases', script: writer(inspector) + luaCreate(ctx.cells) },
    { base: floorInsert.base, path: '/insert', script: insertSetup + luaCreate(ctx.cells) },
  ]);
  await floorInsert.stop();
  m.memory = server.memory();
  await server.stop();
  // Two servers cannot share the file, so --no-fsync runs after, alone.
  const fast = await startChengguan(db, join(dir, 'nofsync.log'), ['--no-fsync']);
  [m.createFast] = await measure(['POST /api/v1/cases --no-fsync'], [
    { base: fast.base, path: '/api/v1/cases', script: writer(await login(fast.base, 'inspector')) + luaCreate(ctx.cells) },
  ]);
  await fast.stop();
  return m;
}

// Starts one size on a copy of its database and prepares its sessions and
// screens. Returns { n, count, kind, path, db, server, startMs, supervisor,
// inspector, ctx, targets }.
async function startSize(n, database) {
  const db = workingCopy(database.path, join(RUN_DIR, String(n)));
  const count = Number(sql(db, 'SELECT count(*) FROM case_record')[0][0]);
  log(`== ${n} cases (${database.kind}: ${relative(ROOT, database.path)}, ${count} rows)`);
  // The first start applies any migration the database lacks; the second is
  // the start the figure is about (a restart of a running city).
  const first = await startChengguan(db, join(db, '..', 'chengguan-first.log'));
  await first.stop();
  const server = await startChengguan(db, join(db, '..', 'chengguan.log'));
  log(`  start: ${server.startMs.toFixed(0)} ms (first start ${first.startMs.toFixed(0)} ms)`);
  const supervisor = await login(server.base, 'supervisor');
  const inspector = await login(server.base, 'inspector');
  const ctx = await discover(server.base, supervisor);
  const targets = await screenTargets(server.base, supervisor, ctx);
  return {
    n, label: String(n), count, kind: database.kind, path: database.path, db, server, startMs: server.startMs,
    firstStartMs: first.startMs, supervisor, inspector, ctx, targets,
  };
}

async function main() {
  for (const [file, hint] of [[BIN, 'make'], [FLOOR_READ, 'make bench-floors'], [FLOOR_INSERT, 'make bench-floors']])
    if (!existsSync(file)) throw new Error(`${relative(ROOT, file)} is missing: run ${hint} (or make bench)`);
  const given = new Map(args.db.map((spec) => {
    const m = /^(\d+)=(.+)$/.exec(spec);
    if (!m) throw new Error(`--db takes N=FILE, not ${spec}`);
    return [Number(m[1]), m[2]];
  }));
  const generator = generatorAvailable();
  let sizes = args.cases ? args.cases.split(',').map(Number) : [100_000, 1_000_000];
  if (!args.cases && args['ten-million']) sizes.push(10_000_000);
  if (!args.cases && !generator && given.size === 0) {
    log('no `make bench-db` target yet: stopgap databases of 2,000 and 20,000 cases built over HTTP');
    sizes = [2_000, 20_000];
  }
  if (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--cases takes two or three sizes, small first');
  const info = machine();
  const databases = [];
  for (const n of sizes) databases.push(await databaseOf(n, given, generator));
  rmSync(RUN_DIR, { recursive: true, force: true });
  const running = [];
  for (let i = 0; i < sizes.length; i++) running.push(await startSize(sizes[i], databases[i]));
  log('== p50 of every screen, sizes interleaved');
  await screenLatencies(running);
  for (const size of running) if (size !== running[1]) await size.server.stop();
  log(`== throughput at ${sizes[1]} cases, side by side`);
  Object.assign(running[1], await throughput(running[1]));
  const keep = ['n', 'count', 'kind', 'path', 'startMs', 'firstStartMs', 'screens', 'healthz', 'list', 'read', 'floorRead',
    'create', 'floorInsert', 'createFast', 'memory'];
  const results = running.map((size) => Object.fromEntries(keep.filter((k) => k in size).map((k) => [k, size[k]])));
  rmSync(RUN_DIR, { recursive: true, force: true });
  const settings = { seconds: SECONDS, rounds: ROUNDS, connections: CONNECTIONS, warmup: WARMUP };
  const commit = commitMeasured();
  console.log(formatTable(info, results, settings, commit));
  writeFileSync(args.out, markdownReport(info, results, settings, commit));
  log(`\nwritten to ${relative(ROOT, args.out)}`);
}

main().catch((e) => { console.error(e.stack || e.message); process.exit(1); });
