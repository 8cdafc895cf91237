// SPDX-License-Identifier: MIT
// The route tables in src/, read from the source: every route that changes state
// with a staff session carries the CSRF flag, and the running server refuses each
// of them without the X-CSRF-Token header (or with a wrong one), so a route that
// loses its flag fails here whatever the other tests happen to call. Writes that
// need no session (sign-in, citizens, hotline platforms) are listed by name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startDemo, demoClient, Client, assertError, makePng } from './lib.mjs';

const SRC = join(ROOT, 'src');
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// The writes that take no session cookie, and why no CSRF header is asked of them.
const NO_SESSION_WRITES = {
  'POST /api/v1/auth/login': 'signs in: there is no session yet',
  'POST /api/v1/intake/hotline': 'hotline platforms send an API token, not a cookie',
  'POST /api/v1/intake/hotline/:external_id/visit': 'hotline platforms send an API token, not a cookie',
  'POST /api/v1/public/cases': 'citizens file without an account',
  'POST /api/v1/public/cases/:case_no/rating': 'citizens prove the case with its query code',
  'POST /api/v1/public/cases/:case_no/attachments': 'citizens prove the case with its query code',
  'POST /api/v1/public/reports/:case_no/metoo': 'anyone may say "me too"; a client cookie counts it once',
  'POST /api/v1/public/cases/:case_no/optout': 'citizens prove the case with its query code',
  'POST /open311/v2/requests.json': 'Open311 clients send an api_key (an API token), not a cookie',
  'POST /open311/v2/requests.xml': 'Open311 clients send an api_key (an API token), not a cookie',
  'POST /open311/v2/requests': 'Open311 clients send an api_key (an API token), not a cookie',
};

// Flag macros such as ROUTE_STAFF_WRITE, expanded to their ROUTE_* names.
function flagMacros() {
  const macros = {};
  for (const dir of ['include', 'src']) {
    for (const f of readdirSync(join(ROOT, dir), { recursive: true }).filter((n) => /\.[ch]$/.test(n))) {
      const text = readFileSync(join(ROOT, dir, f), 'utf8');
      for (const m of text.matchAll(/^#define\s+(ROUTE_\w+)\s+\(([^)\n]*)\)/gm)) macros[m[1]] = m[2];
    }
  }
  return macros;
}

function expandFlags(expression, macros, depth = 0) {
  assert.ok(depth < 5, `flag macros nest too deep: ${expression}`);
  const names = expression.split('|').map((s) => s.trim()).filter((s) => s && s !== '0');
  return names.flatMap((n) => (macros[n] ? expandFlags(macros[n], macros, depth + 1) : [n]));
}

// Every route of every table in src/: {table, file, method, pattern, flags}.
function routeTables() {
  const macros = flagMacros();
  const routes = [];
  const tables = [];
  for (const f of readdirSync(SRC, { recursive: true }).filter((n) => n.endsWith('.c'))) {
    const text = readFileSync(join(SRC, f), 'utf8');
    for (const t of text.matchAll(/const struct route (\w+)\[\] = \{([\s\S]*?)\n\};/g)) {
      tables.push(t[1]);
      const body = t[2].replace(/\/\/[^\n]*/g, '');
      const entries = [...body.matchAll(/\{\s*"([A-Z]+)",\s*"([^"]+)",\s*(\w+),\s*([^,{}]+?),\s*([^{}]+?)\}/g)];
      assert.equal(entries.length, (body.match(/\{\s*"/g) || []).length, `every entry of ${t[1]} in ${f} is read`);
      for (const e of entries) {
        routes.push({ table: t[1], file: f, method: e[1], pattern: e[2], flags: new Set(expandFlags(e[4], macros)) });
      }
    }
  }
  return { routes, tables };
}

const { routes, tables } = routeTables();
const key = (r) => `${r.method} ${r.pattern}`;
const sessionWrites = routes.filter((r) => MUTATING.has(r.method) && !(key(r) in NO_SESSION_WRITES));

let server, admin;
before(async () => {
  server = await startDemo();
  admin = await demoClient(server, 'admin');
});
after(async () => { await server.stop(); });

test('the route tables read from src/ are the ones the server registers', () => {
  const registry = readFileSync(join(SRC, 'core', 'server.c'), 'utf8');
  // The tables in the registry's list, and those added on a condition (/metrics
  // only with a metrics token).
  const registered = [...registry.matchAll(/(?:\{|router_add\(&server->router, )(API_\w+_ROUTES), API_\w+_ROUTE_COUNT[})]/g)]
    .map((m) => m[1]).sort();
  assert.deepEqual([...tables].sort(), registered);
  assert.ok(routes.length >= 30, `${routes.length} routes read`);
  for (const r of routes) {
    assert.ok(['GET', ...MUTATING].includes(r.method), `${key(r)}: a known method`);
    for (const flag of r.flags) assert.match(flag, /^ROUTE_(AUTH|CSRF|JSON|UPLOAD|TOKEN|WRITE|FORM|FILE)$/, `${key(r)}: flag ${flag}`);
  }
});

test('every write with a session cookie carries the CSRF flag; the others use no session', () => {
  assert.ok(sessionWrites.length >= 10, `${sessionWrites.length} session writes`);
  for (const r of sessionWrites) {
    assert.ok(r.flags.has('ROUTE_AUTH'), `${key(r)} (${r.file}) needs a session, or belongs in NO_SESSION_WRITES`);
    assert.ok(r.flags.has('ROUTE_CSRF'), `${key(r)} (${r.file}) lost its CSRF flag`);
    assert.ok(r.flags.has('ROUTE_WRITE'), `${key(r)} (${r.file}) changes state: ROUTE_WRITE`);
  }
  for (const [name, why] of Object.entries(NO_SESSION_WRITES)) {
    const r = routes.find((x) => key(x) === name);
    assert.ok(r, `${name} (${why}) is still a route`);
    assert.ok(!r.flags.has('ROUTE_AUTH') && !r.flags.has('ROUTE_CSRF'), `${name} takes no session`);
  }
});

// A concrete path for a pattern: the checks before the handler decide, so any
// well-formed value will do.
const SAMPLE = { id: '1', action: 'accept', day: '2030-01-02', case_no: '20300102000001', hash: 'ab'.repeat(32) };
const pathOf = (pattern) => pattern.replace(/:(\w+)/g, (_, name) => SAMPLE[name] ?? '1');

function bodyOf(r) {
  if (r.flags.has('ROUTE_JSON')) return { body: '{}', headers: { 'content-type': 'application/json' } };
  if (r.flags.has('ROUTE_UPLOAD')) return { body: makePng(1), headers: { 'content-type': 'image/png' } };
  return { headers: {} };
}

test('the server refuses every session write without the CSRF header, or with a wrong one', async () => {
  // The right token with its first character changed (to one it is not: a
  // token that happened to start with "x" once made this "wrong" one right).
  const wrongToken = `${admin.csrf[0] === 'x' ? 'y' : 'x'}${admin.csrf.slice(1)}`;
  assert.notEqual(wrongToken, admin.csrf);
  const noHeader = new Client(server.base);
  noHeader.cookie = admin.cookie;
  for (const r of sessionWrites) {
    const { body, headers } = bodyOf(r);
    const missing = await noHeader.request(r.method, pathOf(r.pattern), { body, headers });
    assertError(missing, 403, 'csrf_token_invalid');
    const wrong = await noHeader.request(r.method, pathOf(r.pattern), {
      body, headers: { ...headers, 'x-csrf-token': wrongToken },
    });
    assertError(wrong, 403, 'csrf_token_invalid');
  }
  // The session itself was fine all along.
  assert.equal((await noHeader.get('/api/v1/auth/me')).status, 200);
});
