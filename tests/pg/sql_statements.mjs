// SPDX-License-Identifier: MIT
// Every SQL statement of the store logic, as the compiler sees it: each
// store_*.c of src/store/ (src/sqlite/ before the move) is run through the
// C preprocessor (so macros such as STORE_CASE_COLUMNS are expanded), and each
// run of adjacent string literals in the file itself whose text starts with
// an SQL verb is one statement; the SQLite text of a store_sql(store,
// sqlite_sql, postgres_sql) pair (its first string, or a text whose
// variable's name ends in _SQLITE) is left out. Writes "location\0name\0sql\0" records to
// standard output for tests/pg/pg_dialect.c; with --list, one line each.
// store_copy.c is left out: it builds its statements at run time from the
// source's column names (only fragments are literals there), and
// tests/api/pg_copy.test.mjs runs them on PostgreSQL for real.
//   node tests/pg/sql_statements.mjs [--list] [FILE.c...]
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const VERB = /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|REPLACE|VALUES)\b/i;

function storeFiles() {
  for (const dir of ['src/store', 'src/sqlite']) {
    const files = existsSync(join(ROOT, dir))
      ? readdirSync(join(ROOT, dir)).filter((f) => /^store_.*\.c$/.test(f)).map((f) => join(dir, f))
      : [];
    if (files.length > 0 && dir === 'src/store') return files.filter((f) => !/store_copy\.c$/.test(f));
    if (files.length > 0) return files.filter((f) => !/store_(vfs|explain)\.c$/.test(f));
  }
  return [];
}

function preprocess(file) {
  const cflags = execFileSync('pkg-config', ['--cflags', 'libmicrohttpd', 'sqlite3', 'libcjson', 'libsodium', 'libpq'],
    { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean);
  const dirs = ['include', 'src/store', 'src/sqlite', 'src/postgres'].filter((d) => existsSync(join(ROOT, d)));
  return execFileSync('cc', ['-E', '-std=c11', '-D_GNU_SOURCE', ...dirs.map((d) => `-I${d}`), ...cflags, file],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
}

// The value of a C string literal's body (between its quotes).
function unescape(body) {
  return body.replace(/\\(x[0-9a-fA-F]+|[0-7]{1,3}|.)/g, (_, e) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return { n: '\n', t: '\t', r: '\r', '"': '"', "'": "'", '\\': '\\', 0: '\0' }[e] ?? e;
  });
}

// The statements of one file: {location, name, sql}.
function statements(file) {
  const text = preprocess(file);
  const out = [];
  let current = '';
  let line = 0;
  let run = null; // {parts, line, name}
  let recent = ''; // code before the literal, for the variable's name
  let skipping = false;
  const flush = () => {
    if (run) {
      const sql = run.parts.join('');
      if (VERB.test(sql) && !/_SQLITE$/.test(run.name)) out.push({ location: `${file}:${run.line}`, name: run.name, sql });
    }
    run = null;
  };
  const re = /"((?:[^"\\]|\\.)*)"|'(?:[^'\\]|\\.)*'|[^"']+/g;
  for (const lineText of text.split('\n')) {
    line++;
    const marker = /^#\s*(\d+)\s+"([^"]*)"/.exec(lineText);
    if (marker) {
      line = Number(marker[1]) - 1;
      current = marker[2];
      flush();
      continue;
    }
    if (current !== file) continue;
    let m;
    re.lastIndex = 0;
    while ((m = re.exec(lineText)) !== null) {
      const token = m[0];
      if (m[1] !== undefined) {
        if (!run && (skipping || /store(_tx)?_sql\s*\([^,()]*,\s*$/.test(recent))) {
          skipping = true; // SQLite's half of a pair, up to its last literal
          recent = '';
          continue;
        }
        if (!run) {
          const named = /([A-Za-z_][A-Za-z0-9_]*)\s*\[\s*\]\s*=\s*$/.exec(recent) ||
            /\{\s*"([^"]*)"\s*,\s*$/.exec(recent);
          run = { parts: [], line, name: named ? named[1] : '' };
        }
        run.parts.push(unescape(m[1]));
        recent = '';
      } else if (!/^\s+$/.test(token)) {
        skipping = false;
        flush();
        recent = (recent + token).slice(-200);
      }
    }
  }
  flush();
  return out;
}

const args = process.argv.slice(2);
const list = args[0] === '--list';
const files = (list ? args.slice(1) : args).map((f) => relative(ROOT, resolve(f)));
const all = (files.length ? files : storeFiles()).flatMap(statements);
if (list) {
  for (const s of all) console.log(`${s.location} ${s.name}: ${s.sql.replace(/\s+/g, ' ').slice(0, 100)}`);
} else {
  process.stdout.write(all.map((s) => `${s.location}\0${s.name}\0${s.sql}\0`).join(''));
}
