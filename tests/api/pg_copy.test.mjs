// SPDX-License-Identifier: MIT
// `chengguan copy` across engines: a generated city (cases filed and moved at
// their own past moments: events, stage records, ratings, photos' rows) goes
// from a SQLite file to a fresh PostgreSQL database on a throwaway cluster
// (tests/pg/cluster.sh) and back to a new SQLite file, and every row of every
// table must come back equal (sqlite3 -json dumps ordered by primary key), with
// booleans and hashes typed as PostgreSQL types them on the way and the id
// sequences set past the copied ids. Without PostgreSQL this fails: it never
// skips.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { databaseUrl, runCli, runGen, tempDir } from './lib.mjs';
import { psqlAt, startCluster } from '../pg/cluster.mjs';

let pg;
let dir;
let url;

// Runs SQL on the copy's PostgreSQL database; returns the output, trimmed.
function q(sql) {
  const r = psqlAt(url, sql);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

function sqliteJson(file, sql) {
  const r = spawnSync('sqlite3', ['-json', file, sql], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

before(() => {
  dir = tempDir('pgcopy-');
  pg = startCluster();
  pg.psql('CREATE DATABASE city');
  url = databaseUrl('city', pg.url);
});

after(() => {
  if (pg) pg.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a city goes from SQLite to PostgreSQL and back with every row of every table equal', () => {
  const first = join(dir, 'first.db');
  const made = runGen(['--cases', '300', '--days', '30', '--seed', '5', '--out', first]);
  assert.equal(made.status, 0, made.stderr);
  const there = runCli(['copy', '--from', first, '--to', url]);
  assert.equal(there.status, 0, there.stdout + there.stderr);
  assert.match(there.stdout, /^copy: from sqlite to postgres$/m);
  assert.match(there.stdout, /^verdict: copied and verified$/m);

  // On PostgreSQL: flags are booleans, hashes bytea, the search finds 井盖,
  // and a new row takes an id past the copied ones.
  const verified = sqliteJson(first, 'SELECT count(*) AS n FROM case_record WHERE verified = 1')[0].n;
  assert.equal(q('SELECT count(*) FROM case_record WHERE verified'), String(verified));
  assert.equal(q("SELECT pg_typeof(verified)::text FROM case_record LIMIT 1"), 'boolean');
  const hashed = sqliteJson(first, "SELECT count(*) AS n FROM case_record WHERE typeof(query_code_hash) = 'blob'")[0].n;
  assert.ok(hashed > 0, 'citizens\' cases carry a query code hash');
  assert.equal(q("SELECT count(*) FROM case_record WHERE pg_typeof(query_code_hash) = 'bytea'::regtype AND octet_length(query_code_hash) > 0"), String(hashed));
  assert.equal(q("SELECT count(*) > 0 FROM case_fts WHERE seg_tsv @@ to_tsquery('simple', '井盖')"), 't');
  assert.equal(q("SELECT nextval(pg_get_serial_sequence('case_event', 'id')) > max(id) FROM case_event"), 't');
  assert.equal(q("SELECT nextval(pg_get_serial_sequence('case_record', 'id')) > max(id) FROM case_record"), 't');
  const audit = runCli(['audit', 'verify', '--db', url]);
  assert.equal(audit.status, 0, audit.stdout + audit.stderr);

  const back = join(dir, 'back.db');
  const r = runCli(['copy', '--from', url, '--to', back]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^copy: from postgres to sqlite$/m);
  assert.match(r.stdout, /^verdict: copied and verified$/m);

  const tables = sqliteJson(first, `SELECT name FROM pragma_table_list WHERE schema = 'main'
    AND type IN ('table', 'virtual') AND name NOT LIKE 'sqlite_%'`).map((t) => t.name);
  assert.ok(tables.length >= 30, tables.join(' '));
  for (const table of tables) {
    const keys = sqliteJson(first, `SELECT name FROM pragma_table_info('${table}') WHERE pk > 0 ORDER BY pk`)
      .map((k) => k.name);
    const order = keys.length ? keys.join(', ') : 'rowid';
    const columns = table === 'case_fts' ? 'rowid, seg' : '*';
    const sql = `SELECT ${columns} FROM ${table} ORDER BY ${order}`;
    const before = sqliteJson(first, sql);
    const after = sqliteJson(back, sql);
    if (table === 'change_counter') {
      // Each copy's commit counts as a change on its target.
      const data = (rows) => rows.find((row) => row.name === 'data').n;
      assert.equal(data(after), data(before) + 2);
      continue;
    }
    assert.ok(table !== 'case_record' || before.length === 300, `${table}: ${before.length} rows`);
    assert.deepEqual(after, before, `table ${table}`);
  }
});

test('a PostgreSQL target that already holds a city is refused and keeps its rows', () => {
  const cases = q('SELECT count(*) FROM case_record');
  const r = runCli(['copy', '--from', join(dir, 'first.db'), '--to', url]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /the target already holds a city/);
  assert.equal(q('SELECT count(*) FROM case_record'), cases);
});

test('commands name a PostgreSQL database without its password', () => {
  const password = new URL(url).password;
  assert.ok(password.length >= 8, 'the cluster has a password');
  for (const args of [['migrate', '--db', url], ['check', '--db', url]]) {
    const r = runCli(args);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /postgres:\/\/chengguan:\*\*\*@/, args[0]);
    assert.ok(!(r.stdout + r.stderr).includes(password), `${args[0]} printed the password`);
  }
  const refused = runCli(['migrate', '--db', url.replace(/:\d+\//, ':1/')]);
  assert.equal(refused.status, 1);
  assert.ok(!refused.stderr.includes(password), 'an error names the server, not the password');
});
