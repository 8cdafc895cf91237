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
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BENCH_DIR, BIN, FLOOR_INSERT, FLOOR_READ, ROOT, call, login, luaRandomPaths, luaRequestSetup,
  lua, machine, medianLatencies, run, sql, startChengguan, startServer, wrkAlternating,
} from './harness.mjs';
import { buildStopgap } from './stopgap.mjs';
import { formatTable, markdownReport } from './report.mjs';

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
const OPEN = 'reported,verifying,accepted,dispatched,processing,suspended,handled,checked';
const RUN_DIR = join(BENCH_DIR, 'run');
const log = (...m) => console.error(...m);

// Does the Makefile have the generator's target yet?
function generatorAvailable() {
  try {
    run('make', ['-n', '-s', 'bench-db', 'CASES=1']);
    return true;
  } catch {
    return false;
  }
}

// The database of `n` cases: { path, kind: 'given' | 'generated' | 'stopgap' }.
async function databaseOf(n, given, generator) {
  if (given.has(n)) return { path: given.get(n), kind: 'given' };
  if (generator) {
    log(`make bench-db CASES=${n}`);
    run('make', ['-s', 'bench-db', `CASES=${n}`], { stdio: 'inherit' });
    const path = join(BENCH_DIR, `cases-${n}.db`);
    if (!existsSync(path)) throw new Error(`make bench-db CASES=${n} made no ${path}`);
    return { path, kind: 'generated' };
  }
  return { path: await buildStopgap(n, log), kind: 'stopgap' };
}

// A working copy of `db` (with its WAL, if any) in the run directory, under `name`.
function workingCopy(db, name) {
  const dir = join(RUN_DIR, name);
  mkdirSync(dir, { recursive: true });
  const copy = join(dir, 'chengguan.db');
  run('cp', ['--reflink=auto', db, copy]);
  if (existsSync(`${db}-wal`)) copyFileSync(`${db}-wal`, `${copy}-wal`);
  return copy;
}

// The filter values every size uses (the demo city is the same in each).
async function discover(base, supervisor) {
  const subclasses = (await call(base, '/api/v1/categories')).data.trees
    .flatMap((t) => t.majors.flatMap((m) => m.subclasses));
  const category = (subclasses.find((c) => c.name_zh === '暴露垃圾') ?? subclasses[0]).id;
  const streets = (await call(base, '/api/v1/org-units?type=street', { session: supervisor })).data.items
    .sort((a, b) => a.code.localeCompare(b.code));
  const departments = (await call(base, '/api/v1/org-units?type=department', { session: supervisor })).data.items;
  const department = (departments.find((d) => d.department_kind === 'sanitation') ?? departments[0]).id;
  const grids = (await call(base, '/api/v1/grids', { session: supervisor })).data.features;
  const cells = grids.filter((f) => f.properties.street_code === streets[0].code).map((f) => {
    const ring = f.geometry.coordinates[0].slice(0, -1);
    return {
      code: f.properties.code,
      lat: ring.reduce((s, p) => s + p[1], 0) / ring.length,
      lon: ring.reduce((s, p) => s + p[0], 0) / ring.length,
    };
  }).sort((a, b) => a.code.localeCompare(b.code));
  return { category, department, street: streets[0].code, grid: cells[0].code, cells };
}

// Every screen's query, as [name, path, session?]; the keyset page is built apart.
function screens(ctx, tracking) {
  const q = (t) => encodeURIComponent(t);
  return [
    ['dispatch board', '/api/v1/cases?status=accepted,dispatched,processing,suspended,handled&sort=deadline&limit=50'],
    ['overdue list', `/api/v1/cases?status=${OPEN}&overdue=1&sort=deadline&limit=50`],
    ['filter status=accepted', '/api/v1/cases?status=accepted&limit=20'],
    ['filter category', `/api/v1/cases?category=${ctx.category}&limit=20`],
    ['filter grid', `/api/v1/cases?grid=${ctx.grid}&limit=20`],
    ['filter street', `/api/v1/cases?street=${ctx.street}&limit=20`],
    ['filter department', `/api/v1/cases?department=${ctx.department}&limit=20`],
    ['filter source=12345', '/api/v1/cases?source=12345&limit=20'],
    ['keyset page 50', null],
    ['search 井盖 (2 chars)', `/api/v1/cases?q=${q('井盖')}&limit=20`],
    ['search 暴露垃圾 (4 chars)', `/api/v1/cases?q=${q('暴露垃圾')}&limit=20`],
    ['stats overview', '/api/v1/stats/overview'],
    ['citizen tracking page', `/api/v1/public/cases/${tracking.case_no}?code=${tracking.query_code}`, 'public'],
  ];
}

// The path of page 50 of the newest-first list of 20: follows the cursor 49 times.
async function page50Path(base, session) {
  let path = '/api/v1/cases?limit=20';
  for (let page = 1; page < 50; page++) {
    const r = await call(base, path, { session });
    if (r.status !== 200 || !r.data.next_cursor) return { error: r.status !== 200 ? r.status : `only ${page} pages` };
    path = `/api/v1/cases?limit=20&cursor=${encodeURIComponent(r.data.next_cursor)}`;
  }
  return { path };
}

// Prepares one server for the screens: files the citizen's case, finds page
// 50. Returns [name, path or { error }, session or null] for every screen.
async function screenTargets(base, supervisor, ctx) {
  const cell = ctx.cells[0];
  const filed = await call(base, '/api/v1/public/cases', {
    method: 'POST', body: { description: '小区门口暴露垃圾没人清运', lat: cell.lat, lon: cell.lon },
  });
  if (filed.status !== 201) throw new Error(`public case: ${filed.status} ${JSON.stringify(filed.data)}`);
  const out = [];
  for (const [name, path, who] of screens(ctx, filed.data)) {
    const target = path ?? await page50Path(base, supervisor);
    out.push([name, typeof target === 'string' ? target : target.path ?? target, who === 'public' ? null : supervisor]);
  }
  return out;
}

// p50 of every screen's query on every size, the sizes interleaved request by
// request. Sets `screens` on each entry of `sizes` ({ server, targets }).
async function screenLatencies(sizes) {
  for (const size of sizes) size.screens = {};
  for (let s = 0; s < sizes[0].targets.length; s++) {
    const name = sizes[0].targets[s][0];
    const live = sizes.filter((size) => typeof size.targets[s][1] === 'string');
    for (const size of sizes) {
      const error = size.targets[s][1].error;
      if (error !== undefined) size.screens[name] = { p50: NaN, samples: 0, status: error };
    }
    const measured = await medianLatencies(live.map((size) => ({
      base: size.server.base, path: size.targets[s][1], session: size.targets[s][2],
    })));
    live.forEach((size, i) => { size.screens[name] = measured[i]; });
    log(`  ${name}: ${sizes.map((size) => `${size.n}: ${size.screens[name].p50.toFixed(2)} ms`).join(', ')}`);
  }
}

// Lua whose request() sends a patrol report from a random cell of `cells`.
function luaCreate(cells) {
  const list = cells.map((c) => `{${c.lat.toFixed(6)},${c.lon.toFixed(6)}}`).join(',');
  return `local cells = {${list}}
local counter = 0
setup = function(thread) counter = counter + 1; thread:set("seed", counter) end
init = function(args) math.randomseed(seed * 7919); sent = 0 end
request = function()
  sent = sent + 1
  local c = cells[math.random(#cells)]
  local body = ${lua('{"description":"巡查发现井盖破损，基准测试 ')} .. seed .. "-" .. sent ..
    string.format('","lat":%.6f,"lon":%.6f}', c[1] + (math.random() - 0.5) * 0.0004, c[2] + (math.random() - 0.5) * 0.0004)
  return wrk.format(nil, nil, nil, body)
end
`;
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
  const db = workingCopy(database.path, String(n));
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
    n, count, kind: database.kind, path: database.path, db, server, startMs: server.startMs,
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
  const commit = run('git', ['rev-parse', '--short', 'HEAD']).trim() +
    (run('git', ['status', '--porcelain', '--untracked-files=no']).trim() ? '+changes' : '');
  console.log(formatTable(info, results, settings, commit));
  writeFileSync(args.out, markdownReport(info, results, settings, commit));
  log(`\nwritten to ${relative(ROOT, args.out)}`);
}

main().catch((e) => { console.error(e.stack || e.message); process.exit(1); });
