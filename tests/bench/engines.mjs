// SPDX-License-Identifier: MIT
// PostgreSQL beside SQLite (issue 11; a benchmark, not a test): the same city
// served by two chengguan servers, one on each engine, every figure a
// PostgreSQL/SQLite ratio measured in one run with the absolute figures beside
// it. Prints the table and writes it to tests/bench/engines.md.
//
//   node tests/bench/engines.mjs [--cases 100000] [--db FILE] [--seconds 12]
//     [--rounds 3] [--connections 64] [--out FILE]
//
// The city: --db FILE, else the generator's .build/bench/cases-N.db (`make
// bench-db CASES=N`); never written: SQLite runs on a migrated copy in
// .build/bench/engines/. PostgreSQL: a durable cluster (fsync on,
// synchronous_commit on) kept in .build/bench/pg, the city copied once into
// its database cases_N by `chengguan copy` (which verifies it) and analyzed,
// reused by later runs; each run works on run_N, a copy of it dropped at the
// end. The machine is shared: both servers are up at once, p50s are taken
// request by request in turn, each wrk figure alternates between them.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BENCH_DIR, BIN, ROOT, discover, generatedDatabase, log, login, luaCreate, luaRandomPaths, luaRequestSetup,
  machine, run, screenLatencies, screenTargets, sql, startChengguan, workingCopy, wrkAlternating,
} from './harness.mjs';
import { broken, commitMeasured, machineLine, markdownTable, ms, rate, sizeName, textTable, x } from './report.mjs';

const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: '100000' },
    db: { type: 'string' },
    seconds: { type: 'string', default: '12' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '64' },
    out: { type: 'string', default: join(ROOT, 'tests', 'bench', 'engines.md') },
  },
});
const CASES = Number(args.cases);
const SETTINGS = {
  seconds: Number(args.seconds), rounds: Number(args.rounds), connections: Number(args.connections),
  warmup: Math.min(3, Number(args.seconds)),
};
const RUN_DIR = join(BENCH_DIR, 'engines');
const PG_DIR = join(BENCH_DIR, 'pg');
const CLUSTER = join(ROOT, 'tests', 'pg', 'cluster.sh');

// tests/pg/cluster.sh with args; a cluster it makes is durable. Returns its output.
const cluster = (...rest) => run('bash', [CLUSTER, ...rest], { env: { ...process.env, PG_DURABLE: '1' } }).trim();

let psqlProgram = null;

// One statement through psql on `url`; returns the unaligned, tuples-only output.
function psql(url, statement) {
  psqlProgram ??= join(cluster('bin'), 'psql');
  return run(psqlProgram, ['-X', '-q', '-tA', '-v', 'ON_ERROR_STOP=1', '--dbname', url, '-c', statement]).trim();
}

function databaseUrl(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

// The benchmark's cluster, started (or made, durable) in .build/bench/pg;
// refuses one made without fsync. Returns its URL and settings.
function benchCluster() {
  const url = cluster('up', PG_DIR);
  if (!existsSync(join(PG_DIR, 'durable')))
    throw new Error(`${relative(ROOT, PG_DIR)} holds a cluster without fsync: remove it (bash tests/pg/cluster.sh stop ${relative(ROOT, PG_DIR)})`);
  const show = (name) => psql(url, `SHOW ${name}`);
  return { url, fsync: show('fsync'), synchronousCommit: show('synchronous_commit'), sharedBuffers: show('shared_buffers'),
    version: psql(url, 'SHOW server_version') };
}

// The cases in the database at `url`, 0 when it has no city (or no schema) yet.
const casesIn = (url) =>
  (psql(url, "SELECT to_regclass('case_record') IS NULL") === 't' ? 0 : Number(psql(url, 'SELECT count(*) FROM case_record')));

// The city of the SQLite file `source` (migrated, `count` cases) on the
// cluster: database cases_N, copied and analyzed once, then reused. Returns
// { url (of run_N, this run's copy of it), copySeconds (null when reused) }.
function postgresCity(pg, source, count) {
  const kept = `cases_${CASES}`, work = `run_${CASES}`;
  const keptUrl = databaseUrl(pg.url, kept);
  if (psql(pg.url, `SELECT count(*) FROM pg_database WHERE datname = '${kept}'`) === '0')
    psql(pg.url, `CREATE DATABASE ${kept}`);
  const present = casesIn(keptUrl);
  let copySeconds = null;
  if (present === 0) {
    log(`chengguan copy --from ${relative(ROOT, source)} --to ${kept} (about 7,000 rows/s)`);
    const began = performance.now();
    run(BIN, ['copy', '--from', source, '--to', keptUrl], { stdio: 'inherit' });
    // The copy leaves the planner no statistics and the visibility map empty.
    psql(keptUrl, 'VACUUM ANALYZE');
    copySeconds = (performance.now() - began) / 1000;
    log(`  copied, verified and analyzed in ${copySeconds.toFixed(0)} s`);
  } else if (present !== count) {
    throw new Error(`${kept} holds ${present} cases, the city ${count}: drop it (DROP DATABASE ${kept}) to copy it again`);
  } else {
    log(`${kept}: the city is there (${present} cases), reused`);
  }
  psql(pg.url, `DROP DATABASE IF EXISTS ${work}`);
  psql(pg.url, `CREATE DATABASE ${work} TEMPLATE ${kept} STRATEGY FILE_COPY`);
  return { url: databaseUrl(pg.url, work), work, copySeconds };
}

// Proportional memory (PSS, bytes) of the cluster's processes: the postmaster
// and its children, shared buffers counted once.
function postgresMemory() {
  const home = run('cat', [join(PG_DIR, 'home')]).trim();
  const postmaster = run('head', ['-1', join(home, 'data', 'postmaster.pid')]).trim();
  const children = run('cat', [`/proc/${postmaster}/task/${postmaster}/children`]).trim().split(/\s+/).filter(Boolean);
  let total = 0;
  for (const pid of [postmaster, ...children]) {
    const rollup = run('cat', [`/proc/${pid}/smaps_rollup`]);
    total += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0) * 1024;
  }
  return total;
}

// Starts one engine's server and prepares its sessions. Returns { label,
// server, supervisor, inspector }.
async function startEngine(label, db, dataDir) {
  mkdirSync(dataDir, { recursive: true });
  const server = await startChengguan(db, join(dataDir, 'chengguan.log'), [], dataDir);
  log(`  ${label}: listening after ${server.startMs.toFixed(0)} ms`);
  return { label, server, supervisor: await login(server.base, 'supervisor'), inspector: await login(server.base, 'inspector') };
}

// The wrk phases, each alternating between the engines: a case by id, a list
// page, durable creation. Returns { read, list, create }, each [sqlite, pg].
async function throughput(engines, ids, cells) {
  const reader = (e) => luaRequestSetup({ headers: { cookie: e.supervisor.cookie } });
  const writer = (e) => luaRequestSetup({
    method: 'POST', headers: { cookie: e.inspector.cookie, 'x-csrf-token': e.inspector.csrf, 'content-type': 'application/json' },
  });
  const phases = {
    read: ['GET /api/v1/cases/:id', (e) => ({ path: '/', script: reader(e) + luaRandomPaths('/api/v1/cases/', ids) })],
    list: ['GET /api/v1/cases?limit=20', (e) => ({ path: '/api/v1/cases?limit=20', script: reader(e) })],
    create: ['POST /api/v1/cases', (e) => ({ path: '/api/v1/cases', script: writer(e) + luaCreate(cells) })],
  };
  const out = {};
  for (const [key, [name, side]] of Object.entries(phases)) {
    out[key] = await wrkAlternating(engines.map((e) => ({ base: e.server.base, ...side(e) })), SETTINGS);
    out[key].forEach((r, i) => log(`  ${name} on ${engines[i].label}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99.toFixed(1)} ms, ` +
      `${r.errors} errors of ${r.requests}, rounds of ${r.roundSeconds} s`));
  }
  return out;
}

const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

// The table's rows { figure, SQLite, PostgreSQL, 'PostgreSQL/SQLite', detail }.
function figures(m) {
  const rows = [];
  const row = (figure, sqlite, postgres, ratio, detail = '') =>
    rows.push({ figure, SQLite: sqlite, PostgreSQL: postgres, 'PostgreSQL/SQLite': ratio, detail });
  for (const [name, s] of Object.entries(m.screens[0])) {
    const p = m.screens[1][name];
    const failed = s.status !== 200 || p.status !== 200;
    row(`p50 ${name}`, ms(s.p50), ms(p.p50), failed ? `error (${s.status === p.status ? s.status : `${s.status}/${p.status}`})` : x(p.p50 / s.p50),
      `${s.samples}/${p.samples} samples`);
  }
  for (const [key, name] of [['read', 'GET /cases/:id, random ids'], ['list', 'list page of 20'], ['create', 'durable case creation']]) {
    const [s, p] = m[key];
    row(`${name}, ${SETTINGS.connections} connections`, rate(s), rate(p), broken(s, p) ?? x(p.rps / s.rps),
      `p99 ${ms(s.p99)} vs ${ms(p.p99)}; rounds of ${s.roundSeconds}/${p.roundSeconds} s`);
  }
  const [s, p] = m.memory;
  row('chengguan peak RSS (VmHWM)', mb(s.peak), mb(p.peak), x(p.peak / s.peak), `at the end ${mb(s.current)} vs ${mb(p.current)}`);
  row('PostgreSQL server processes (PSS)', '-', mb(m.postgresPss), '(info)', 'postmaster and backends, shared buffers counted once');
  row('start to listening', ms(m.startMs[0]), ms(m.startMs[1]), x(m.startMs[1] / m.startMs[0]), 'SQLite file migrated before');
  return rows;
}

const COLUMNS = ['figure', 'SQLite', 'PostgreSQL', 'PostgreSQL/SQLite', 'detail'];

function header(info, m) {
  const pg = m.pg;
  return [
    ['Machine', machineLine(info)],
    ['PostgreSQL', `${pg.version} on the same machine (tests/pg/cluster.sh, ${relative(ROOT, PG_DIR)}): fsync=${pg.fsync}, ` +
      `synchronous_commit=${pg.synchronousCommit}, shared_buffers=${pg.sharedBuffers}; SQLite synchronous=FULL (chengguan's default)`],
    ['Run', `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${m.commit}; both servers up at once; ` +
      `p50 from single requests in sequence (Node fetch), the engines interleaved; wrk ${SETTINGS.connections} connections, ` +
      `each engine ${SETTINGS.seconds} s in ${SETTINGS.rounds} rounds alternating, after ${SETTINGS.warmup} s warm-up`],
    ['City', `${m.count.toLocaleString('en-US')} cases (${relative(ROOT, m.source)}); PostgreSQL copy ` +
      (m.copySeconds === null ? 'reused' : `made in ${m.copySeconds.toFixed(0)} s`)],
    ['Ratios', 'PostgreSQL/SQLite: above 1x a latency or memory is larger on PostgreSQL, below 1x a rate is lower'],
  ];
}

async function main() {
  if (!existsSync(BIN)) throw new Error('./chengguan is missing: run make (or make bench-engines)');
  if (!Number.isInteger(CASES) || CASES < 1) throw new Error('--cases takes a number of cases');
  const info = machine();
  const source = args.db ?? generatedDatabase(CASES);
  rmSync(RUN_DIR, { recursive: true, force: true });
  const file = workingCopy(source, join(RUN_DIR, 'sqlite'));
  run(BIN, ['migrate', '--db', file]);
  const count = Number(sql(file, 'SELECT count(*) FROM case_record')[0][0]);
  log(`== ${count} cases (${relative(ROOT, source)}), SQLite copy migrated`);
  const pg = benchCluster();
  log(`== PostgreSQL ${pg.version}: fsync=${pg.fsync}, synchronous_commit=${pg.synchronousCommit}`);
  const city = postgresCity(pg, file, count);
  const engines = [await startEngine('SQLite', file, join(RUN_DIR, 'sqlite')),
    await startEngine('PostgreSQL', city.url, join(RUN_DIR, 'pg'))];
  try {
    const ctx = await discover(engines[0].server.base, engines[0].supervisor);
    for (const e of engines) e.targets = await screenTargets(e.server.base, e.supervisor, ctx);
    log('== p50 of every screen, the engines interleaved');
    await screenLatencies(engines);
    log('== throughput, the engines alternating');
    const ids = sql(file, 'SELECT id FROM case_record ORDER BY random() LIMIT 2000').map((r) => r[0]);
    const m = {
      pg, source, count, copySeconds: city.copySeconds, commit: commitMeasured(),
      screens: engines.map((e) => e.screens), startMs: engines.map((e) => e.server.startMs),
      ...await throughput(engines, ids, ctx.cells),
      memory: engines.map((e) => e.server.memory()), postgresPss: postgresMemory(),
    };
    const head = header(info, m), rows = figures(m);
    console.log([...head.map(([k, v]) => `${`${k}:`.padEnd(12)}${v}`), '', ...textTable(rows, COLUMNS)].join('\n'));
    writeFileSync(args.out, [`# PostgreSQL beside SQLite, ${sizeName(CASES)} cases (tests/bench/engines.mjs)`, '',
      ...head.map(([k, v]) => `- ${k}: ${v}`), '', ...markdownTable(rows, COLUMNS, '|---|---:|---:|---:|---|'), ''].join('\n'));
    log(`\nwritten to ${relative(ROOT, args.out)}`);
  } finally {
    for (const e of engines) await e.server.stop();
    psql(pg.url, `DROP DATABASE IF EXISTS ${city.work}`);
    rmSync(RUN_DIR, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e.stack || e.message); process.exit(1); });
