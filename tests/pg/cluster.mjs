// SPDX-License-Identifier: MIT
// The tests' handle on a throwaway PostgreSQL cluster (tests/pg/cluster.sh does
// the work): start one in its own directory under tests/.tmp, apply the
// PostgreSQL migrations, run SQL through psql, stop it and remove it; give it
// a synchronous streaming standby, kill it, promote the standby.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, 'tests', 'pg', 'cluster.sh');

// Runs cluster.sh with args. Returns its stdout; throws an Error that carries
// its stderr (e.g. how to install PostgreSQL) when it exits non-zero.
function cluster(args, options = {}) {
  const result = spawnSync('bash', [SCRIPT, ...args], {
    cwd: ROOT, encoding: 'utf8', timeout: options.timeout || 120000, input: options.input,
  });
  if (result.status !== 0) {
    const why = (result.stderr || '').trim() || (result.error ? result.error.message : `exit ${result.status}`);
    throw new Error(`tests/pg/cluster.sh ${args[0]} failed: ${why}`);
  }
  return result.stdout;
}

// A fresh directory name under tests/.tmp (cluster.sh makes the directory
// itself, owned by the server's user).
function freshDir() {
  const base = join(ROOT, 'tests', '.tmp');
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, 'pg-'));
  rmdirSync(dir);
  return dir;
}

// The handle on the cluster in dir: {url, dir, migrate(), psql(sql), stop(),
// stopNow(), promote()}. migrate() applies migrations/postgres and returns the
// schema version; psql(sql) runs SQL (stopping at the first error) and returns
// the unaligned, tuples-only output; stop() stops the server and removes the
// directory; stopNow() kills the server as a crash would (pg_ctl -m immediate)
// and leaves the directory for stop(); promote() makes a standby a primary.
function handle(dir, url) {
  return {
    url,
    dir,
    migrate() {
      const out = cluster(['migrate', dir]);
      return Number(/schema version (\d+)/.exec(out)[1]);
    },
    psql(sql) {
      return cluster(['psql', dir, '-tA', '-f', '-'], { input: sql });
    },
    stop() {
      cluster(['stop', dir]);
    },
    stopNow() {
      cluster(['stop-now', dir]);
    },
    promote() {
      cluster(['promote', dir]);
    },
  };
}

// Starts a cluster in a fresh directory under tests/.tmp and waits until it
// accepts connections; returns its handle.
export function startCluster() {
  const dir = freshDir();
  return handle(dir, cluster(['start', dir]).trim());
}

// Starts a streaming standby of the running primary (a handle startCluster
// returned) in a fresh directory, and returns once the primary replicates to
// it synchronously: from then on every commit the primary acknowledges is on
// the standby too. Returns the standby's handle.
export function startStandby(primary) {
  const dir = freshDir();
  return handle(dir, cluster(['start-standby', primary.dir, dir]).trim());
}

// Stops every cluster given (handles; undefined ones are skipped), each even
// when stopping another failed; then throws the first failure.
export function stopClusters(...clusters) {
  const failures = [];
  for (const c of clusters.filter(Boolean)) {
    try { c.stop(); } catch (error) { failures.push(error); }
  }
  if (failures.length > 0) throw failures[0];
}

// The URL that names every cluster given (a primary and its standbys) with
// target_session_attrs=read-write: it connects to whichever is the primary.
export function multiHostUrl(...clusters) {
  return cluster(['multi-url', ...clusters.map((c) => c.dir)]).trim();
}

// The path of a PostgreSQL client program (psql, pg_isready) of the binaries
// the clusters run.
export function pgProgram(name) {
  return join(cluster(['bin']).trim(), name);
}

// Runs SQL through psql on any URL; returns {status, stdout, stderr} without
// throwing, for a test that expects a connection to fail.
export function psqlAt(url, sql) {
  const result = spawnSync(pgProgram('psql'), ['-X', '-q', '-tA', '-v', 'ON_ERROR_STOP=1', '--dbname', url, '-c', sql], {
    encoding: 'utf8', timeout: 60000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
