// SPDX-License-Identifier: MIT
// The PostgreSQL schema (migrations/postgres) against SQLite's: a throwaway
// cluster (tests/pg/cluster.sh) gets every PostgreSQL migration through psql; a
// fresh `chengguan migrate` database is read with the sqlite3 shell; both must
// hold the same tables, columns, keys, indexes and seed data, apart from the
// few differences listed in ENGINE_DIFFERENCES. Then the rules SQLite enforces
// itself must hold in PostgreSQL too. Without PostgreSQL this fails, saying how
// to install it: it never skips.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli, tempDir } from './lib.mjs';
import { startCluster } from '../pg/cluster.mjs';

// Where the engines differ on purpose (the migrations' comments say why).
const ENGINE_DIFFERENCES = {
  // PostgreSQL's stand-in for PRAGMA user_version.
  pgOnlyTables: ['schema_version'],
  // SQLite's R*Tree table of cell boxes is a GiST index on grid_cell here.
  sqliteTablesAsPgIndexes: {
    grid_rtree: 'grid_cell',
    // The gazetteer's R*Trees likewise (migrations/postgres/0019_gazetteer.sql).
    gazetteer_road_rtree: 'gazetteer_road_part',
    gazetteer_address_rtree: 'gazetteer_address',
    gazetteer_area_rtree: 'gazetteer_area',
  },
  // The FTS5 table keeps its rowid as a column, and the tsvector made from seg.
  pgExtraColumns: { case_fts: ['rowid', 'seg_tsv'] },
  // The GIN index over that tsvector (FTS5 keeps its index inside the table).
  pgOnlyIndexes: ['case_fts_seg'],
};
// The PostgreSQL types a column of each SQLite type may have. INTEGER holds
// ids and times (bigint), counts (integer) and flags (boolean); FTS5 columns
// have no type.
const TYPES = {
  INTEGER: ['bigint', 'integer', 'boolean'],
  TEXT: ['text'],
  REAL: ['double precision'],
  BLOB: ['bytea'],
  '': ['text'],
};
// Tables whose rows the migrations seed.
const SEEDED = ['calendar_day', 'category', 'category_limit', 'category_keyword', 'category_phase'];

let pg;
let sqliteDir;
let sqlite;
let postgres;

function sqliteJson(sql) {
  const result = spawnSync('sqlite3', ['-json', join(sqliteDir, 'chengguan.db'), sql], { encoding: 'utf8' });
  assert.equal(result.status, 0, `sqlite3: ${result.stderr || result.error}`);
  return result.stdout.trim() ? JSON.parse(result.stdout) : [];
}

// One JSON value from a PostgreSQL query that returns a single json column.
function pgJson(sql) {
  return JSON.parse(pg.psql(sql));
}

// SQLite's catalog: tables (with their type), columns, unique keys, indexes.
function readSqlite() {
  const tables = sqliteJson(`SELECT name, type FROM pragma_table_list
    WHERE schema = 'main' AND type IN ('table', 'virtual') AND name NOT LIKE 'sqlite_%'`);
  const columns = sqliteJson(`SELECT t.name AS tbl, c.name, c.type, c."notnull", c.pk
    FROM pragma_table_list t JOIN pragma_table_info(t.name) c
    WHERE t.schema = 'main' AND t.type IN ('table', 'virtual') AND t.name NOT LIKE 'sqlite_%'`);
  // Unique keys: the primary key (INTEGER PRIMARY KEY has no index) and each UNIQUE.
  const keys = {};
  for (const c of columns.filter((col) => col.pk > 0).sort((a, b) => a.pk - b.pk)) {
    keys[c.tbl] ??= {};
    (keys[c.tbl].pk ??= []).push(c.name);
  }
  for (const r of sqliteJson(`SELECT m.name AS tbl, l.name AS idx, i.name AS col
      FROM sqlite_schema m JOIN pragma_index_list(m.name) l JOIN pragma_index_info(l.name) i
      WHERE m.type = 'table' AND l.origin = 'u' ORDER BY l.name, i.seqno`)) {
    keys[r.tbl] ??= {};
    (keys[r.tbl][r.idx] ??= []).push(r.col);
  }
  const indexes = {};
  for (const r of sqliteJson(`SELECT m.name, m.tbl_name AS tbl, l."unique", l.partial,
      x.name AS col, x."desc" FROM sqlite_schema m
      JOIN pragma_index_list(m.tbl_name) l ON l.name = m.name JOIN pragma_index_xinfo(m.name) x
      WHERE m.type = 'index' AND m.sql IS NOT NULL AND x.key = 1 ORDER BY m.name, x.seqno`)) {
    indexes[r.name] ??= { table: r.tbl, unique: r.unique === 1, partial: r.partial === 1, columns: [] };
    indexes[r.name].columns.push({ name: r.col, desc: r.desc === 1 });
  }
  return { tables, columns, keys, indexes };
}

// PostgreSQL's catalog in the same shape. An expression column of an index has
// the name null, as in SQLite.
function readPostgres() {
  const tables = pgJson(`SELECT json_agg(table_name) FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
  const columns = pgJson(`SELECT json_agg(json_build_object('tbl', table_name, 'name', column_name,
      'type', data_type, 'notnull', is_nullable = 'NO'))
    FROM information_schema.columns WHERE table_schema = 'public'`);
  const keys = {};
  for (const r of pgJson(`SELECT json_agg(json_build_object('tbl', t.relname, 'name',
      CASE c.contype WHEN 'p' THEN 'pk' ELSE c.conname END, 'columns',
      (SELECT json_agg(a.attname ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum)))
    FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
    JOIN pg_namespace s ON s.oid = t.relnamespace
    WHERE s.nspname = 'public' AND c.contype IN ('p', 'u')`)) {
    keys[r.tbl] ??= {};
    keys[r.tbl][r.name] = r.columns;
  }
  const indexes = {};
  for (const r of pgJson(`SELECT json_agg(json_build_object('name', i.relname, 'tbl', t.relname,
      'unique', x.indisunique, 'partial', x.indpred IS NOT NULL, 'constraint',
      EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid), 'columns',
      (SELECT json_agg(json_build_object('name', a.attname, 'desc', (x.indoption[k.n - 1] & 1) = 1)
         ORDER BY k.n)
       FROM unnest(x.indkey[0:x.indnkeyatts - 1]) WITH ORDINALITY k(attnum, n)
       LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0)))
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace s ON s.oid = t.relnamespace WHERE s.nspname = 'public'`)) {
    indexes[r.name] = r;
  }
  return { tables, columns, keys, indexes };
}

before(() => {
  // Both databases are made once: the cluster takes a few seconds to start.
  pg = startCluster();
  const version = pg.migrate();
  const files = readdirSync(join(ROOT, 'migrations', 'postgres')).filter((f) => /^\d{4}_.*\.sql$/.test(f));
  // The last file's number: a number may be left free for a branch that
  // brings its migration later (0013 while 0014 is in).
  assert.equal(version, Number(files.sort().at(-1).slice(0, 4)), 'every PostgreSQL migration applied');
  sqliteDir = tempDir('pg-schema-');
  const migrated = runCli(['migrate', '--data-dir', sqliteDir]);
  assert.equal(migrated.status, 0, migrated.stderr);
  sqlite = readSqlite();
  postgres = readPostgres();
});

after(() => {
  if (pg) pg.stop();
  if (sqliteDir) rmSync(sqliteDir, { recursive: true, force: true });
});

test('the PostgreSQL migrations have the same numbers and names as SQLite\'s', () => {
  const names = (dir) => readdirSync(dir).filter((f) => /^\d{4}_.*\.sql$/.test(f)).sort();
  const sqliteFiles = names(join(ROOT, 'migrations'));
  assert.ok(sqliteFiles.length >= 10);
  assert.deepEqual(names(join(ROOT, 'migrations', 'postgres')), sqliteFiles);
  const versions = pgJson('SELECT json_agg(name ORDER BY version) FROM schema_version');
  assert.deepEqual(versions, sqliteFiles.map((f) => f.replace(/\.sql$/, '')));
});

test('PostgreSQL has SQLite\'s tables with the same columns, types, nullability and keys', () => {
  const asIndexes = Object.keys(ENGINE_DIFFERENCES.sqliteTablesAsPgIndexes);
  const expected = sqlite.tables.map((t) => t.name).filter((n) => !asIndexes.includes(n));
  const actual = postgres.tables.filter((n) => !ENGINE_DIFFERENCES.pgOnlyTables.includes(n));
  assert.deepEqual([...actual].sort(), [...expected].sort(), 'the set of tables');
  for (const name of ENGINE_DIFFERENCES.pgOnlyTables) assert.ok(postgres.tables.includes(name), name);

  const virtual = new Set(sqlite.tables.filter((t) => t.type === 'virtual').map((t) => t.name));
  for (const table of expected) {
    const want = sqlite.columns.filter((c) => c.tbl === table);
    const have = postgres.columns.filter((c) => c.tbl === table);
    const extra = ENGINE_DIFFERENCES.pgExtraColumns[table] || [];
    assert.deepEqual(have.map((c) => c.name).sort(), [...want.map((c) => c.name), ...extra].sort(),
      `the columns of ${table}`);
    for (const w of want) {
      const h = have.find((c) => c.name === w.name);
      assert.ok(TYPES[w.type]?.includes(h.type),
        `${table}.${w.name}: SQLite ${w.type || '(no type)'} became ${h.type}`);
      // SQLite's virtual tables declare no NOT NULL; their PostgreSQL tables may.
      if (!virtual.has(table)) {
        assert.equal(h.notnull, w.notnull === 1 || w.pk > 0, `${table}.${w.name} NOT NULL`);
      }
    }
    if (!virtual.has(table)) {
      const sortedKeys = (k) => Object.values(k || {}).map((cols) => cols.join(',')).sort();
      assert.deepEqual(sortedKeys(postgres.keys[table]), sortedKeys(sqlite.keys[table]),
        `the primary and unique keys of ${table}`);
      assert.deepEqual(postgres.keys[table]?.pk, sqlite.keys[table]?.pk, `the primary key of ${table}`);
    }
  }
});

test('every SQLite index has its PostgreSQL counterpart by name, on the same columns', () => {
  for (const [name, want] of Object.entries(sqlite.indexes)) {
    const have = postgres.indexes[name];
    assert.ok(have, `index ${name} (on ${want.table}) missing in PostgreSQL`);
    assert.equal(have.tbl, want.table, `${name}: table`);
    assert.equal(have.unique, want.unique, `${name}: unique`);
    assert.equal(have.partial, want.partial, `${name}: partial`);
    assert.deepEqual(have.columns, want.columns, `${name}: key columns (null: an expression)`);
  }
  for (const [name, table] of Object.entries(ENGINE_DIFFERENCES.sqliteTablesAsPgIndexes)) {
    assert.equal(postgres.indexes[name]?.tbl, table, `${name}: an index on ${table}`);
  }
  // Nothing more in PostgreSQL than the indexes of its keys and those listed.
  const known = new Set([...Object.keys(sqlite.indexes), ...ENGINE_DIFFERENCES.pgOnlyIndexes,
    ...Object.keys(ENGINE_DIFFERENCES.sqliteTablesAsPgIndexes)]);
  const unknown = Object.values(postgres.indexes).filter((i) => !i.constraint && !known.has(i.name));
  assert.deepEqual(unknown.map((i) => i.name), [], 'PostgreSQL indexes SQLite does not have');
});

test('the seed data (calendar, category trees, limits, phases, keywords) is the same', () => {
  for (const table of SEEDED) {
    const columns = sqlite.columns.filter((c) => c.tbl === table).map((c) => c.name);
    const bool = new Set(postgres.columns.filter((c) => c.tbl === table && c.type === 'boolean').map((c) => c.name));
    const rows = (list) => list.map((r) => JSON.stringify(columns.map((c) => (bool.has(c) ? Number(r[c]) : r[c])))).sort();
    const want = rows(sqliteJson(`SELECT * FROM ${table}`));
    const have = rows(pgJson(`SELECT coalesce(json_agg(t), '[]') FROM ${table} t`));
    assert.ok(want.length > 0, `${table} is seeded`);
    assert.deepEqual(have, want, `the rows of ${table}`);
  }
});

test('PostgreSQL enforces what SQLite does: usernames ignore case, events are append-only, 井盖 is found', () => {
  const out = pg.psql(`
    BEGIN;
    INSERT INTO org_unit (code, type, name, path, created_at) VALUES ('t', 'city', 'T', '/9/', 0);
    INSERT INTO app_user (username, display_name, role, org_unit_id, password_hash, created_at, updated_at)
    SELECT 'Inspector.Li', 'Li', 'inspector', id, 'x', 0, 0 FROM org_unit WHERE code = 't';
    SELECT count(*) FROM app_user WHERE username = 'inspector.li';
    INSERT INTO case_record (case_no, source, state, description, stage_started_at, created_at, updated_at)
    VALUES ('20261130000001', 'web', 'reported', '路口井盖缺失', 0, 0, 0);
    INSERT INTO case_fts (rowid, seg) SELECT id, '路 口 井 盖 缺 失 路口 口井 井盖 盖缺 缺失 manhole cover'
    FROM case_record WHERE case_no = '20261130000001';
    SELECT count(*) FROM case_fts WHERE seg_tsv @@ to_tsquery('simple', '井盖');
    SELECT count(*) FROM case_fts WHERE seg_tsv @@ to_tsquery('simple', '井盖 <-> 盖缺 <-> 缺失');
    SELECT count(*) FROM case_fts WHERE seg_tsv @@ to_tsquery('simple', '井盖 <-> 缺失');
    SELECT count(*) FROM case_fts WHERE seg_tsv @@ to_tsquery('simple', 'manhol:* & cover:*');
    INSERT INTO case_event (case_id, action, from_state, to_state, actor_role, actor_name, created_at,
                            prev_hash, hash)
    SELECT id, 'report', '', 'reported', 'citizen', '', 0, '', 'h' FROM case_record;
    COMMIT;`);
  assert.deepEqual(out.trim().split('\n'), ['1', '1', '1', '0', '1'],
    'username = is case-insensitive; a word, a phrase of pairs and a prefix are found; pairs apart are not a phrase');
  const refused = (sql, pattern) => assert.throws(() => pg.psql(sql), pattern, sql);
  refused(`INSERT INTO app_user (username, display_name, role, org_unit_id, password_hash, created_at,
             updated_at) SELECT 'INSPECTOR.LI', 'L', 'inspector', org_unit_id, 'x', 0, 0 FROM app_user`,
  /duplicate key value violates unique constraint "app_user_username_key"/);
  refused("UPDATE case_event SET note = 'changed'", /case events are append-only/);
  refused('DELETE FROM case_event', /case events are append-only/);
  refused('TRUNCATE case_event', /case events are append-only/);
  assert.equal(pg.psql('SELECT count(*) FROM case_event').trim(), '1');
});
