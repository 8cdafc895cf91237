// SPDX-License-Identifier: MIT
// Backup under load (issue 10): a database of a given size served by a
// chengguan that takes steady writes, and `chengguan backup` timed while they
// run. The copy must be made in bounded time (the old online backup restarted on
// every commit and never finished at 100 MB), open, pass `chengguan check` and
// `audit verify`, and hold a snapshot: every case acknowledged before the backup
// started, and no more cases than were acknowledged before it ended.
//
//   node tests/bench/backup_load.mjs                  # 16,000 generated cases, about 100 MB
//   node tests/bench/backup_load.mjs --cases 40000    # about 260 MB
//   node tests/bench/backup_load.mjs --db FILE        # a copy of an existing database
//   node tests/bench/backup_load.mjs --pad-mb 24      # the demo city padded to 24 MB (quick)
//
// Other options: --writers N (concurrent clients filing cases, default 8),
// --no-fsync 1 (the server commits without fsync: many more commits a second),
// --limit S (seconds the backup may take, default 600), --bin PATH (default
// ./chengguan), --gen PATH (default .build/release/bench/gen). `make
// bench-backup` runs the first form; tests/api/hardening_store.test.mjs runs the
// padded form on the sanitizer build.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, ROOT, call, login, run, sleep, sql, startServer } from './harness.mjs';

const DEMO_POINT = { lat: 21.6605, lon: 110.9205 }; // inside the demo city's Hongqi street

// Builds the database to copy: the file given, a generated city of `cases`
// (made once into .build/bench and reused), or the demo city padded to padMb.
function sourceDatabase({ db, cases, padMb, bin, gen, dir }) {
  if (db) return db;
  if (padMb) {
    const padded = join(dir, 'padded.db');
    run(bin, ['seed-demo', '--history-days', '0', '--db', padded, '--data-dir', dir, '--log-level', 'warn'], { env: sanitizerEnv() });
    // Filler rows in a table of their own: a copy's time depends on the pages,
    // not on what they hold, and the demo city alone is under 2 MB.
    const rows = Math.ceil((padMb * 1024 * 1024) / 4096);
    run('sqlite3', [padded, `CREATE TABLE bench_padding (b BLOB);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
      INSERT INTO bench_padding SELECT randomblob(4000) FROM n;`]);
    return padded;
  }
  const made = join(BENCH_DIR, `backup-${cases}.db`);
  if (!existsSync(made)) {
    mkdirSync(BENCH_DIR, { recursive: true });
    rmSync(`${made}.part`, { force: true });
    console.error(`backup_load: generating ${cases} cases into ${made}`);
    run(gen, ['--cases', String(cases), '--out', `${made}.part`, '--cache-mb', '256'], { timeout: 3_600_000 });
    renameSync(`${made}.part`, made);
  }
  return made;
}

function sanitizerEnv() {
  return { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:halt_on_error=1', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1' };
}

// Files cases as the demo supervisor (hotline calls) from `writers` clients
// until stop() is called. Counts the acknowledged ones (201) and keeps the
// first failure.
function steadyWrites(base, supervisor, writers) {
  const state = { acknowledged: 0, failed: null, running: true };
  const worker = async (w) => {
    for (let i = 0; state.running; i++) {
      const r = await call(base, '/api/v1/cases', {
        session: supervisor, method: 'POST',
        body: { description: `备份压力测试 ${w}-${i}：路面破损`, source: '12345', ...DEMO_POINT },
      }).catch((error) => ({ status: 0, data: String(error) }));
      if (r.status === 201) state.acknowledged++;
      else if (!state.failed) state.failed = `${r.status} ${JSON.stringify(r.data)}`;
    }
  };
  const done = Promise.all(Array.from({ length: writers }, (_, w) => worker(w)));
  return { state, async stop() { state.running = false; await done; } };
}

// Runs `bin backup target --db db`, resolving to { status, ms, stderr } or
// { timedOut: true } after limitMs (the process is then killed).
function timedBackup(bin, db, target, limitMs) {
  return new Promise((resolveRun) => {
    const began = performance.now();
    const child = spawn(bin, ['backup', target, '--db', db], { cwd: ROOT, env: sanitizerEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); }, limitMs);
    child.on('exit', (status, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - began;
      resolveRun(signal === 'SIGKILL' ? { timedOut: true, ms, stderr } : { status, ms, stderr });
    });
  });
}

const caseCount = (db) => Number(sql(db, 'SELECT count(*) FROM case_record')[0][0]);

// Runs the whole measurement; returns the figures (see the printout at the end).
// Throws when the backup fails, times out or its copy does not check out.
export async function backupUnderLoad(options = {}) {
  const opts = {
    cases: 16000, writers: 8, limit: 600, bin: join(ROOT, 'chengguan'),
    gen: join(ROOT, '.build', 'release', 'bench', 'gen'), warmupMs: 2000, ...options,
  };
  const dir = join(opts.runDir || join(BENCH_DIR, 'run'), `backup-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  try {
    const source = sourceDatabase({ ...opts, dir });
    const db = join(dir, 'chengguan.db');
    copyFileSync(source, db);
    const bytes = statSync(db).size;
    const server = await startServer(opts.bin, ['serve', '--port', '0', '--db', db, '--data-dir', dir,
      '--web-dir', join(ROOT, 'web'), '--log-level', 'info', '--per-ip-connections', '1024',
      ...(opts.noFsync ? ['--no-fsync'] : [])], join(dir, 'server.log'));
    const target = join(dir, 'copy.db');
    let result;
    let writes;
    try {
      const supervisor = await login(server.base, 'supervisor');
      writes = steadyWrites(server.base, supervisor, opts.writers);
      await sleep(opts.warmupMs);
      const before = writes.state.acknowledged;
      const atStart = caseCount(db); // everything acknowledged so far is in the file
      result = await timedBackup(opts.bin, db, target, opts.limit * 1000);
      const during = writes.state.acknowledged - before;
      await writes.stop();
      const atEnd = caseCount(db);
      if (writes.state.failed) throw new Error(`a write failed during the backup: ${writes.state.failed}`);
      Object.assign(result, { atStart, atEnd, during });
    } finally {
      if (writes) await writes.stop();
      await server.stop();
    }
    if (result.timedOut) throw new Error(`the backup did not finish within ${opts.limit} s (${result.stderr.slice(-300)})`);
    if (result.status !== 0) throw new Error(`the backup failed (${result.status}): ${result.stderr}`);
    // Looked at before anything else opens the copy (a read-only open makes them).
    const leftovers = [`${target}-wal`, `${target}-shm`].filter(existsSync);
    const check = run(opts.bin, ['check', '--db', target], { env: sanitizerEnv() });
    const audit = run(opts.bin, ['audit', 'verify', '--db', target], { env: sanitizerEnv() });
    const copied = caseCount(target);
    if (copied < result.atStart || copied > result.atEnd) {
      throw new Error(`the copy holds ${copied} cases, not between ${result.atStart} and ${result.atEnd}`);
    }
    const seconds = result.ms / 1000;
    return {
      megabytes: bytes / 1048576, seconds, mbPerSecond: bytes / 1048576 / seconds,
      writesDuring: result.during, writesPerSecond: result.during / seconds,
      casesInCopy: copied, casesAtStart: result.atStart, casesAtEnd: result.atEnd,
      check: check.trim(), audit: audit.trim(),
      leftovers,
    };
  } finally {
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  }
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const name = { '--cases': 'cases', '--writers': 'writers', '--limit': 'limit', '--pad-mb': 'padMb',
      '--db': 'db', '--bin': 'bin', '--gen': 'gen', '--no-fsync': 'noFsync' }[flag];
    if (!name || value === undefined) throw new Error(`unknown option ${flag} (see the head of ${import.meta.filename})`);
    out[name] = ['db', 'bin', 'gen'].includes(name) ? value : Number(value);
    if (name === 'noFsync') out[name] = value === '1';
  }
  return out;
}

if (import.meta.filename === process.argv[1]) {
  const options = parseArgs(process.argv.slice(2));
  const r = await backupUnderLoad(options);
  console.log(`backup under load: ${r.megabytes.toFixed(1)} MB in ${r.seconds.toFixed(2)} s ` +
    `(${r.mbPerSecond.toFixed(0)} MB/s) while ${options.writers || 8} clients filed ` +
    `${r.writesDuring} cases (${r.writesPerSecond.toFixed(0)}/s)`);
  console.log(`the copy: ${r.casesInCopy} cases (${r.casesAtStart} acknowledged before the backup, ` +
    `${r.casesAtEnd} after it)`);
  console.log(r.check);
  console.log(r.audit);
}
