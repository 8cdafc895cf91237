// SPDX-License-Identifier: MIT
// The benchmark of issue 9 (not a test): chengguan at 100k and 1M cases (and
// 10M), side by side with the floor servers of tests/bench, every figure a
// ratio or a bound measured in one run. Prints the table (figure, value,
// target, met) with the machine, and writes it to tests/bench/results.md.
//
//   node tests/bench/scale.mjs [--cases 100000,1000000] [--ten-million]
//     [--db N=FILE]... [--seconds 10] [--connections 64] [--out FILE]
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
  lua, machine, medianLatency, run, sql, startChengguan, startServer, wrk,
} from './harness.mjs';
import { buildStopgap } from './stopgap.mjs';
import { formatTable, markdownReport } from './report.mjs';

const { values: args } = parseArgs({
  options: {
    cases: { type: 'string' },
    'ten-million': { type: 'boolean', default: false },
    db: { type: 'string', multiple: true, default: [] },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    out: { type: 'string', default: join(ROOT, 'tests', 'bench', 'results.md') },
  },
});
const SECONDS = Number(args.seconds);
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

// A working copy of `db` (with its WAL, if any) in the run directory.
function workingCopy(db) {
  rmSync(RUN_DIR, { recursive: true, force: true });
  mkdirSync(RUN_DIR, { recursive: true });
  const copy = join(RUN_DIR, 'chengguan.db');
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

// p50 of every screen's query on one server: { name: { p50, samples, status } }.
async function screenLatencies(base, supervisor, ctx) {
  const cell = ctx.cells[0];
  const filed = await call(base, '/api/v1/public/cases', {
    method: 'POST', body: { description: '小区门口暴露垃圾没人清运', lat: cell.lat, lon: cell.lon },
  });
  if (filed.status !== 201) throw new Error(`public case: ${filed.status} ${JSON.stringify(filed.data)}`);
  const out = {};
  for (const [name, path, who] of screens(ctx, filed.data)) {
    let target = path;
    if (target === null) {
      const page = await page50Path(base, supervisor);
      if (page.error) { out[name] = { p50: NaN, samples: 0, status: page.error }; continue; }
      target = page.path;
    }
    out[name] = await medianLatency(base, target, who === 'public' ? null : supervisor);
    log(`  ${name}: p50 ${out[name].p50.toFixed(2)} ms (${out[name].samples} samples, status ${out[name].status})`);
  }
  return out;
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

// The throughput phases at the large size. Returns the measurements by name.
async function throughput(db, ctx, supervisor, inspector, server) {
  const ids = sql(db, 'SELECT id FROM case_record ORDER BY random() LIMIT 2000').map((r) => r[0]);
  const phase = (name, base, path, script) => {
    const r = wrk(base, path, { seconds: SECONDS, connections: CONNECTIONS, script, warmup: WARMUP });
    log(`  ${name}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99.toFixed(1)} ms, ${r.errors} errors of ${r.requests}`);
    return r;
  };
  const m = {};
  const reader = luaRequestSetup({ headers: { cookie: supervisor.cookie } });
  m.healthz = phase('GET /healthz', server.base, '/healthz', '');
  m.read = phase('GET /api/v1/cases/:id', server.base, '/', reader + luaRandomPaths('/api/v1/cases/', ids));
  m.list = phase('GET /api/v1/cases?limit=20', server.base, '/api/v1/cases?limit=20', reader);
  const writer = luaRequestSetup({
    method: 'POST', headers: { cookie: inspector.cookie, 'x-csrf-token': inspector.csrf, 'content-type': 'application/json' },
  });
  m.create = phase('POST /api/v1/cases (durable)', server.base, '/api/v1/cases', writer + luaCreate(ctx.cells));
  m.memory = server.memory();
  await server.stop();

  const floorRead = await startServer(FLOOR_READ, ['--db', db], join(RUN_DIR, 'floor_read.log'));
  m.floorRead = phase('floor GET /row/:id', floorRead.base, '/', luaRandomPaths('/row/', ids));
  await floorRead.stop();
  const floorDb = join(RUN_DIR, 'floor_insert.db');
  const floorInsert = await startServer(FLOOR_INSERT, ['--db', floorDb], join(RUN_DIR, 'floor_insert.log'));
  const insertSetup = luaRequestSetup({ method: 'POST', headers: { 'content-type': 'application/json' } });
  m.floorInsert = phase('floor POST /insert', floorInsert.base, '/insert', insertSetup + luaCreate(ctx.cells));
  await floorInsert.stop();

  const fast = await startChengguan(db, join(RUN_DIR, 'nofsync.log'), ['--no-fsync']);
  const fastInspector = await login(fast.base, 'inspector');
  const fastWriter = luaRequestSetup({
    method: 'POST', headers: { cookie: fastInspector.cookie, 'x-csrf-token': fastInspector.csrf, 'content-type': 'application/json' },
  });
  m.createFast = phase('POST /api/v1/cases --no-fsync', fast.base, '/api/v1/cases', fastWriter + luaCreate(ctx.cells));
  await fast.stop();
  return m;
}

// Measures one size; `large` adds start time, throughput, p99 and memory.
async function measureSize(n, database, large) {
  const db = workingCopy(database.path);
  const count = Number(sql(db, 'SELECT count(*) FROM case_record')[0][0]);
  log(`\n== ${n} cases (${database.kind}: ${relative(ROOT, database.path)}, ${count} rows)`);
  const server = await startChengguan(db, join(RUN_DIR, 'chengguan.log'));
  log(`  start: ${server.startMs.toFixed(0)} ms`);
  const supervisor = await login(server.base, 'supervisor');
  const inspector = await login(server.base, 'inspector');
  const ctx = await discover(server.base, supervisor);
  const result = { n, count, kind: database.kind, path: database.path, startMs: server.startMs };
  result.screens = await screenLatencies(server.base, supervisor, ctx);
  if (large) Object.assign(result, await throughput(db, ctx, supervisor, inspector, server));
  else await server.stop();
  rmSync(RUN_DIR, { recursive: true, force: true });
  return result;
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
  const results = [];
  for (let i = 0; i < sizes.length; i++) results.push(await measureSize(sizes[i], databases[i], i === 1));
  const settings = { seconds: SECONDS, connections: CONNECTIONS, warmup: WARMUP };
  const commit = run('git', ['rev-parse', '--short', 'HEAD']).trim() +
    (run('git', ['status', '--porcelain', '--untracked-files=no']).trim() ? '+changes' : '');
  console.log(formatTable(info, results, settings, commit));
  writeFileSync(args.out, markdownReport(info, results, settings, commit));
  log(`\nwritten to ${relative(ROOT, args.out)}`);
}

main().catch((e) => { console.error(e.stack || e.message); process.exit(1); });
