// SPDX-License-Identifier: MIT
// House rules that a reviewer would otherwise check by eye: SQL lives only in the
// store's folders (src/store and its engines), handlers never free memory by hand, one
// function renders the error envelope, the front end puts no markup strings into
// the page and no inline styles, every source file starts with its SPDX line,
// place paths are read only by the jurisdiction module (no LIKE on a path, no path
// compared anywhere else), and the store conformance suite speaks only the public
// store interface.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib.mjs';

const SRC = join(ROOT, 'src');
// Every C file under src/, as a path relative to it ("api/api_cases.c").
const files = readdirSync(SRC, { recursive: true }).filter((f) => f.endsWith('.c')).sort();
const base = (f) => f.split('/').pop();
// The store's files: its engine-neutral logic (src/store) and its engines.
const inStore = (f) => /^(store|sqlite|postgres)\//.test(f);

// String literals of a C file, with comments removed first.
function literals(text) {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  return [...code.matchAll(/"((?:[^"\\\n]|\\.)*)"/g)].map((m) => m[1]);
}

const SQL_TEXT = /\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX|TRIGGER)|PRAGMA\s)/;

test('no SQL text outside the store files', () => {
  const sql = SQL_TEXT;
  for (const file of files.filter((f) => !inStore(f))) {
    for (const s of literals(readFileSync(join(SRC, file), 'utf8'))) {
      assert.doesNotMatch(s, sql, `${file} holds SQL: ${s}`);
    }
  }
  // The check itself can see SQL where it is allowed.
  const store = literals(readFileSync(join(SRC, 'store', 'store_cases.c'), 'utf8'));
  assert.ok(store.some((s) => sql.test(s)));
});

test('only an engine\'s folder includes its library (sqlite3.h, libpq-fe.h)', () => {
  const headers = readdirSync(join(ROOT, 'include')).filter((f) => f.endsWith('.h')).map((f) => join('..', 'include', f));
  const all = [...files, ...readdirSync(SRC, { recursive: true }).filter((f) => f.endsWith('.h')), ...headers];
  const ENGINES = { sqlite: /#\s*include\s*[<"]sqlite3\.h[>"]/, postgres: /#\s*include\s*[<"](postgresql\/)?libpq-fe\.h[>"]/ };
  let seen = 0;
  for (const file of all) {
    const text = readFileSync(join(SRC, file), 'utf8');
    for (const [engine, include] of Object.entries(ENGINES)) {
      const includes = include.test(text);
      if (file.startsWith(`${engine}/`)) seen += includes ? 1 : 0;
      else assert.ok(!includes, `${file} includes ${engine}'s library outside src/${engine}`);
    }
  }
  assert.ok(seen > 0, 'the SQLite engine itself includes sqlite3.h');
  // The engine-neutral store logic is all there is of the store outside the engines.
  assert.ok(files.filter((f) => f.startsWith('store/')).length > 10, 'src/store holds the store logic');
});

test('handlers never free memory by hand', () => {
  for (const file of files.filter((f) => base(f).startsWith('api_'))) {
    const code = readFileSync(join(SRC, file), 'utf8').replace(/\/\/[^\n]*/g, '');
    assert.doesNotMatch(code, /\b(free|cJSON_Delete|cJSON_free|sqlite3_free)\s*\(/, `${file} frees by hand`);
  }
});

test('every source file starts with its SPDX line', () => {
  for (const dir of ['src', 'include']) {
    const all = readdirSync(join(ROOT, dir), { recursive: true }).filter((f) => /\.[ch]$/.test(f));
    assert.ok(all.length > 10, `${dir} has sources`);
    for (const file of all) {
      const first = readFileSync(join(ROOT, dir, file), 'utf8').split('\n')[0];
      assert.equal(first, '// SPDX-License-Identifier: MIT', `${dir}/${file}`);
    }
  }
});

// C code without comments and string literals (their length kept, so offsets
// still point at the same code).
function codeOnly(text) {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g,
    (m) => (m[0] === '"' || m[0] === "'" ? m[0] + ' '.repeat(m.length - 2) + m[0] : m.replace(/[^\n]/g, ' ')));
}

// The name of the function whose call's parentheses hold offset `at`, or null.
function enclosingCall(code, at) {
  let depth = 0;
  for (let i = at - 1; i >= 0; i--) {
    if (code[i] === ')') depth++;
    else if (code[i] === '(' && depth-- === 0) return (/(\w+)\s*$/.exec(code.slice(0, i)) || [])[1] || null;
    else if (code[i] === ';' || code[i] === '{' || code[i] === '}') return null;
  }
  return null;
}

// Uses of a place path (scope_path, place_path) that are not an argument of a
// jurisdiction_* call, as "line: text".
function pathUsesOutsideJurisdiction(text) {
  const code = codeOnly(text);
  const found = [];
  for (const m of code.matchAll(/\b(scope_path|place_path)\b/g)) {
    if (/^jurisdiction_/.test(enclosingCall(code, m.index) || '')) continue;
    const line = code.slice(0, m.index).split('\n').length;
    found.push(`${line}: ${text.split('\n')[line - 1].trim()}`);
  }
  return found;
}

// A path filtered as text: LIKE or GLOB on it, or a prefix cut with substr/instr.
const PATH_LIKE =
  /\b[\w.]*path\s+(NOT\s+)?(LIKE|GLOB)\b|\b(LIKE|GLOB)\s+[\w.:]*(path|scope)|\b(substr|instr)\s*\([^)]*path/i;

test('no LIKE on a path column in the store', () => {
  // The check itself sees the patterns it forbids.
  assert.match("c.place_path LIKE :scope || '%'", PATH_LIKE);
  assert.match("OR :scope LIKE p.path || '%'", PATH_LIKE);
  assert.match('JOIN org_unit p ON substr(place.path, 1, length(p.path)) = p.path', PATH_LIKE);
  assert.doesNotMatch('c.place_path >= :scope_lo AND c.place_path < :scope_hi', PATH_LIKE);
  for (const file of files.filter(inStore)) {
    for (const s of literals(readFileSync(join(SRC, file), 'utf8'))) {
      assert.doesNotMatch(s, PATH_LIKE, `${file} filters a path with LIKE: ${s}`);
    }
  }
});

test('only the jurisdiction module reads place paths', () => {
  assert.deepEqual(pathUsesOutsideJurisdiction('ok = jurisdiction_covers_path(j, c->place_path);'), []);
  assert.equal(pathUsesOutsideJurisdiction('if (strncmp(c->place_path, u->scope_path, n) == 0)').length, 2);
  assert.equal(pathUsesOutsideJurisdiction('x = f(jurisdiction_place_path(j), u->scope_path);').length, 1);
  const allowed = ['domain/jurisdiction.c'];
  for (const file of files.filter((f) => !inStore(f) && !allowed.includes(f))) {
    const uses = pathUsesOutsideJurisdiction(readFileSync(join(SRC, file), 'utf8'));
    assert.deepEqual(uses, [], `${file} reads a place path outside a jurisdiction_* call`);
  }
  // The store loads and saves paths, but never compares them in C.
  for (const file of files.filter(inStore)) {
    const code = codeOnly(readFileSync(join(SRC, file), 'utf8'));
    for (const m of code.matchAll(/\b(strn?cmp|strn?casecmp|memcmp|strstr|starts_with)\s*\(/g)) {
      let depth = 0, end = m.index + m[0].length;
      for (; end < code.length && (code[end] !== ')' || depth > 0); end++) depth += code[end] === '(' ? 1 : code[end] === ')' ? -1 : 0;
      const args = code.slice(m.index + m[0].length, end);
      assert.doesNotMatch(args, /path/, `${file} compares a path: ${m[1]}(${args})`);
    }
  }
});

test('one function renders the error envelope', () => {
  // The envelope is the object under "error"; request.c's renderer builds it, and
  // every other file replies through request_reply_error and its kin.
  const envelope = /cJSON_Add(Object|Item|ItemReference)ToObject\s*\([^,]+,\s*"error"/;
  const builders = files.filter((f) => envelope.test(readFileSync(join(SRC, f), 'utf8')));
  // The import reports have an "error" member of their own (the report, not the envelope).
  assert.deepEqual(builders, ['core/request.c', 'gazetteer_import.c', 'grid_import.c', 'setup_import.c']);
});

test('the front end puts no markup strings into the page', () => {
  const WEB_JS = join(ROOT, 'web', 'js');
  const scripts = readdirSync(WEB_JS, { recursive: true }).filter((f) => f.endsWith('.js'));
  assert.ok(scripts.length > 10, 'web/js has scripts');
  // Sinks that parse a string as HTML. Leaflet's bindTooltip, bindPopup and
  // setContent do too when given a string: they get map.js's tip() element.
  const sinks = /\.(innerHTML|outerHTML)\s*\+?=|insertAdjacentHTML|document\.write|\.(bindTooltip|bindPopup|setContent)\((?!\s*tip\()/;
  for (const file of scripts) {
    const code = readFileSync(join(WEB_JS, file), 'utf8').replace(/^\s*(\/\/|\*).*$/gm, '');
    assert.doesNotMatch(code, sinks, `web/js/${file} parses a string as HTML`);
  }
});

test('the pages have no inline styles (the CSP allows style sheets only)', () => {
  const WEB = join(ROOT, 'web');
  const pages = readdirSync(WEB).filter((f) => f.endsWith('.html'));
  assert.ok(pages.length >= 2, 'web has pages');
  for (const page of pages) {
    const html = readFileSync(join(WEB, page), 'utf8');
    assert.doesNotMatch(html, /<style\b/i, `web/${page} has a <style> element`);
    assert.doesNotMatch(html, /\sstyle\s*=/i, `web/${page} has a style attribute`);
  }
  // Scripts style through element.style (h's style option), never the attribute.
  const WEB_JS = join(WEB, 'js');
  for (const file of readdirSync(WEB_JS, { recursive: true }).filter((f) => f.endsWith('.js'))) {
    const code = readFileSync(join(WEB_JS, file), 'utf8');
    assert.doesNotMatch(code, /setAttribute\(\s*['"]style['"]/, `web/js/${file} sets a style attribute`);
  }
});

test('the store conformance suite speaks only the public store interface', () => {
  const dir = join(ROOT, 'tests', 'store');
  const suite = readdirSync(dir).filter((f) => /\.[ch]$/.test(f)).sort();
  assert.ok(suite.filter((f) => f.startsWith('test_')).length > 5, 'the suite has its files');
  const local = new Set([...readdirSync(join(ROOT, 'include')), ...suite]);
  for (const file of suite) {
    const text = readFileSync(join(dir, file), 'utf8');
    assert.equal(text.split('\n')[0], '// SPDX-License-Identifier: MIT', `tests/store/${file}`);
    for (const [, quote, name] of text.matchAll(/#\s*include\s*([<"])([^>"]+)[>"]/g)) {
      if (quote === '"') assert.ok(local.has(name), `${file} includes "${name}": only include/ headers`);
      else assert.doesNotMatch(name, /^(sqlite3|libpq-fe)\.h$/, `${file} includes an engine's library`);
    }
    for (const s of literals(text)) assert.doesNotMatch(s, SQL_TEXT, `${file} holds SQL: ${s}`);
  }
  // The check itself sees what it forbids.
  assert.ok(!local.has('engine.h'));
});
