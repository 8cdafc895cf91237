// SPDX-License-Identifier: MIT
// The tests' handle on a throwaway PostgreSQL cluster (tests/pg/cluster.sh does
// the work): start one in its own directory under tests/.tmp, apply the
// PostgreSQL migrations, run SQL through psql, stop it and remove it.
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

// Starts a cluster in a fresh directory under tests/.tmp and waits until it
// accepts connections. Resolves to {url, dir, migrate(), psql(sql), stop()}:
// migrate() applies migrations/postgres and returns the schema version;
// psql(sql) runs SQL (stopping at the first error) and returns the unaligned,
// tuples-only output; stop() stops the server and removes the directory.
export function startCluster() {
  const base = join(ROOT, 'tests', '.tmp');
  mkdirSync(base, { recursive: true });
  // cluster.sh makes the directory itself (owned by the server's user).
  const dir = mkdtempSync(join(base, 'pg-'));
  rmdirSync(dir);
  const url = cluster(['start', dir]).trim();
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
  };
}
