// SPDX-License-Identifier: MIT
// The OpenAPI document: valid OpenAPI 3.1 with JSON Schemas that compile in
// strict mode, served at /api/v1/openapi.json as built into the binary (public,
// with an ETag that revalidates to a 304), and a checker of exchanges that
// refuses what the document does not describe. (That the route table and the
// document agree is tests/unit/test_openapi.c; that the responses of the whole
// API suite match it is tests/openapi/responses.test.mjs.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, Client, startDemo, demoClient, runCli, HONGQI } from './lib.mjs';
import { DOCUMENT_PATH, loadDocument, documentErrors, compileSchemas, exchangeChecker } from './openapi.mjs';

const doc = loadDocument();
let server;
before(async () => { server = await startDemo(); });
after(async () => { await server.stop(); });

test('the document is valid OpenAPI 3.1, and the check of it can fail', () => {
  assert.deepEqual(documentErrors(doc), []);
  const broken = structuredClone(doc);
  delete broken.paths['/healthz'].get.responses['200'].description;
  broken.paths['/api/v1/meta'].get.security = 'none';
  assert.ok(documentErrors(broken).length >= 2, 'a response without description and a bad security pass');
});

test('the error codes of the document are those of include/errors.h', () => {
  const header = readFileSync(join(ROOT, 'include', 'errors.h'), 'utf8');
  const codes = [...header.matchAll(/#define ERR_\w+\s+"(\w+)"/g)].map((m) => m[1]);
  assert.ok(codes.length > 20, 'errors.h was not read');
  assert.deepEqual([...doc.components.schemas.ErrorCode.enum].sort(), codes.sort());
});

test('every schema of the document compiles in strict mode, and a misspelt keyword does not', () => {
  const schemaFor = compileSchemas(doc);
  let compiled = 0;
  const visit = (node) => {
    if (!node || typeof node !== 'object') return;
    if (node.schema && typeof node.schema === 'object') { schemaFor(node.schema); compiled++; }
    for (const [key, value] of Object.entries(node)) if (key !== 'schema' && key !== 'schemas') visit(value);
  };
  visit(doc.paths);
  visit(doc.components.responses);
  visit(doc.components.parameters);
  for (const name of Object.keys(doc.components.schemas)) schemaFor({ $ref: `#/components/schemas/${name}` });
  assert.ok(compiled > 100, `only ${compiled} schemas found`);
  assert.throws(() => schemaFor({ type: 'object', requird: ['id'] }), /strict mode|unknown keyword/);
  assert.throws(() => schemaFor({ $ref: '#/components/schemas/NoSuchSchema' }), /resolve reference|can't resolve/);
});

test('the server serves the document it was built with: public, cacheable, revalidated by ETag', async () => {
  const text = readFileSync(DOCUMENT_PATH, 'utf8');
  const client = new Client(server.base);
  const r = await client.get('/api/v1/openapi.json');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.equal(r.text, text, 'the binary serves another document: rebuild it');
  assert.equal(r.headers.get('cache-control'), 'public, no-cache');
  const etag = r.headers.get('etag');
  assert.equal(etag, `"${createHash('sha256').update(text).digest('hex').slice(0, 32)}"`);
  const again = await client.get('/api/v1/openapi.json', { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  assert.equal(again.text, '');
  assert.equal(again.headers.get('etag'), etag);
  const stale = await client.get('/api/v1/openapi.json', { headers: { 'if-none-match': '"0123"' } });
  assert.equal(stale.status, 200);
  const head = await client.request('HEAD', '/api/v1/openapi.json');
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
});

// A response as the recorder in lib.mjs writes it.
const exchange = (method, path, status, body, extra = {}) => ({
  method, path, query: {}, status, contentType: 'application/json; charset=utf-8', headers: {}, body,
  request: { cookie: false, csrf: false, bearer: false }, ...extra,
});

test('the checker refuses what the document does not describe', () => {
  const { check } = exchangeChecker(doc);
  assert.deepEqual(check(exchange('GET', '/healthz', 200, { status: 'ok' })), []);
  assert.deepEqual(check(exchange('HEAD', '/healthz', 200, null)), []);
  assert.deepEqual(check(exchange('GET', '/app.js', 200, 'text')), [], 'the front end is not the API');
  const notFound = { error: { code: 'not_found', message: 'no such endpoint' } };
  assert.deepEqual(check(exchange('GET', '/api/v1/nope', 404, notFound)), []);
  const refused = [
    exchange('GET', '/healthz', 200, { status: 'ok', extra: 1 }),
    exchange('GET', '/healthz', 200, { status: 'fine' }),
    exchange('GET', '/healthz', 418, { status: 'ok' }),
    exchange('GET', '/healthz', 200, { status: 'ok' }, { contentType: 'text/plain' }),
    exchange('GET', '/api/v1/nope', 200, { status: 'ok' }),
    exchange('GET', '/api/v1/nope', 404, { error: { code: 'not_found' } }),
    exchange('DELETE', '/healthz', 405, { error: { code: 'method_not_allowed', message: 'no' } }, { headers: { allow: 'GET, HEAD, POST' } }),
    exchange('GET', '/api/v1/auth/me', 200, {}, { request: { cookie: false } }),
    exchange('GET', '/api/v1/cases/12', 404, { error: { code: 'forbidden', message: 'no' } }),
    exchange('GET', '/api/v1/cases', 200, { items: [], next_cursor: null }, { query: { colour: 'red' }, request: { cookie: true } }),
    exchange('POST', '/api/v1/public/cases', 201, { case_no: '20260101000001', query_code: 'ABCDEFGH23', state: 'reported', located: true, created_at: 1 },
      { request: { json: { description: 'x', colour: 'red' } } }),
  ];
  for (const x of refused) assert.notDeepEqual(check(x), [], `passed: ${JSON.stringify(x)}`);
  assert.deepEqual(check(exchange('DELETE', '/healthz', 405, { error: { code: 'method_not_allowed', message: 'no' } }, { headers: { allow: 'GET, HEAD' } })), []);
});

test('a case is held to its schema: a pending request carries its amount and note, and no more', async () => {
  const { check } = exchangeChecker(doc);
  const inspector = await demoClient(server, 'inspector');
  const filed = await inspector.post('/api/v1/cases', { description: '检查：人行道破损', ...HONGQI });
  assert.equal(filed.status, 201, filed.text);
  const got = await inspector.get(`/api/v1/cases/${filed.data.case.id}`);
  assert.equal(got.status, 200);
  const real = exchange('GET', `/api/v1/cases/${filed.data.case.id}`, 200, got.data, { headers: { etag: 'x', 'cache-control': 'y' }, request: { cookie: true } });
  assert.deepEqual(check(real), []);
  const pending = structuredClone(real);
  pending.body.pending = 'extension';
  assert.notDeepEqual(check(pending), [], 'a pending request without its amount passed');
  const state = structuredClone(real);
  state.body.state = 'lost';
  assert.notDeepEqual(check(state), [], 'an unknown state passed');
  const extra = structuredClone(real);
  extra.body.place.secret = 1;
  assert.notDeepEqual(check(extra), [], 'an undocumented member passed');
});

test('hotline platforms file with their token: created, repeated, conflicting and refused', async () => {
  const issued = runCli(['token', 'add', 'platform-openapi', '--channel', '110', '--user', 'operator', '--data-dir', server.dataDir]);
  assert.equal(issued.status, 0, issued.stderr);
  const platform = new Client(server.base);
  const headers = { authorization: `Bearer ${issued.stdout.trim()}` };
  const body = { external_id: 'OA-1', description: '来电：井盖松动', ...HONGQI, caller_phone: '13900004444' };
  const first = await platform.post('/api/v1/intake/hotline', body, { headers });
  assert.equal(first.status, 201, first.text);
  assert.equal(first.data.case.source, '110');
  const again = await platform.post('/api/v1/intake/hotline', body, { headers });
  assert.equal(again.status, 200);
  assert.equal(again.data.duplicate_ticket, true);
  const other = await platform.post('/api/v1/intake/hotline', { ...body, description: '来电：路灯不亮' }, { headers });
  assert.equal(other.status, 409);
  const { check } = exchangeChecker(doc);
  for (const [r, json] of [[first, body], [again, body]]) {
    assert.deepEqual(check(exchange('POST', '/api/v1/intake/hotline', r.status, r.data, { request: { bearer: true, json } })), []);
  }
  assert.equal((await platform.post('/api/v1/intake/hotline', body, { headers: { authorization: 'Bearer cgt_wrong' } })).status, 401);
});
