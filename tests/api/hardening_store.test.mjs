// SPDX-License-Identifier: MIT
// The store and upload findings of the outside audit (issue 10), each held by a
// test against the real binary: read-only commands create nothing, backup
// finishes under steady writes and verifies its copy, a full database answers
// 507 and logs once, a hostile grid import does not stall other requests, a
// refused or failed upload leaves no file and orphans are swept at start, and a
// photo declaring too many pixels is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './lib.mjs';

// Runs SQL with the sqlite3 shell; returns its output.
function sqlite(db, sql) {
  const r = spawnSync('sqlite3', [db, sql], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

// ---- read-only commands

test('check, audit verify and explain refuse a missing database and create nothing', () => {
  const dir = tempDir('ro-');
  for (const args of [['check'], ['audit', 'verify'], ['explain']]) {
    const missing = join(dir, 'missing.db');
    const r = runCli([...args, '--db', missing], { cwd: dir });
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /no database at .*missing\.db/, args.join(' '));
    assert.doesNotMatch(r.stdout, /ok|intact/, 'no success is reported');
    assert.equal(existsSync(missing), false, `${args.join(' ')} created the database`);
    // Without --db: the default under ./.data, which must not be created either.
    const bare = runCli(args, { cwd: dir });
    assert.equal(bare.status, 1, bare.stderr);
    assert.match(bare.stderr, /no database at \.data\/chengguan\.db/);
    assert.deepEqual(readdirSync(dir), [], `${args.join(' ')} left files behind`);
  }
});

test('check opens an existing database read-only: no migration, a clear refusal of other files', () => {
  const dir = tempDir('ro-');
  const seeded = runCli(['seed-demo', '--data-dir', dir]);
  assert.equal(seeded.status, 0, seeded.stderr);
  const db = join(dir, 'chengguan.db');
  const ok = runCli(['check', '--db', db]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /integrity ok/);
  assert.equal(runCli(['audit', 'verify', '--db', db]).status, 0);
  // A file that is no database, and a database of an older schema, are refused
  // (migrating it would be a write).
  const junk = join(dir, 'junk.db');
  writeFileSync(junk, 'not a database at all, just text\n');
  const bad = runCli(['check', '--db', junk]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /junk\.db is not a chengguan database/);
  const old = join(dir, 'old.db');
  sqlite(old, 'PRAGMA user_version=3; CREATE TABLE t(x);');
  const older = runCli(['audit', 'verify', '--db', old]);
  assert.equal(older.status, 1);
  assert.match(older.stderr, /schema version 3, older .* run 'chengguan migrate'/);
  assert.equal(sqlite(old, 'PRAGMA user_version;').trim(), '3', 'the old database was not migrated');
});
