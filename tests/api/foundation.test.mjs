// SPDX-License-Identifier: MIT
// The foundation over HTTP: health and meta, the error envelope, 404 vs 405,
// request ids and security headers, static files (MIME, ETag, index, no escape
// from the web root), body caps and content types, the command line, schema
// refusal, connection limits and graceful shutdown under load.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, symlinkSync, readFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { startServer, runCli, rawRequest, assertError, tempDir, Client } from './lib.mjs';

const SECRET = 'top-secret-outside-web-root';
let server;
let webDir;

function makeWebFixture() {
  const dir = tempDir('web-');
  webDir = join(dir, 'web');
  mkdirSync(join(webDir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'secret.txt'), SECRET);
  writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>root</title>');
  writeFileSync(join(webDir, 'sub', 'index.html'), '<!doctype html><title>sub</title>');
  writeFileSync(join(webDir, 'app.js'), 'export const x = 1;');
  writeFileSync(join(webDir, 'style.css'), 'body{}');
  writeFileSync(join(webDir, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(webDir, 'pic.png'), Buffer.from('89504e470d0a1a0a', 'hex'));
  writeFileSync(join(webDir, 'font.woff2'), 'wOF2');
  mkdirSync(join(webDir, 'node_modules', 'pkg'), { recursive: true });
  writeFileSync(join(webDir, 'node_modules', 'pkg', 'index.js'), 'internal');
  writeFileSync(join(webDir, '.env'), 'SECRET=1');
  symlinkSync(join(dir, 'secret.txt'), join(webDir, 'escape.txt'));
}

before(async () => {
  makeWebFixture();
  server = await startServer({ webDir });
});
after(async () => { await server.stop(); });

test('GET /healthz answers ok with a request id and the security headers', async () => {
  const c = new Client(server.base);
  const a = await c.get('/healthz');
  const b = await c.get('/healthz');
  assert.equal(a.status, 200);
  assert.deepEqual(a.data, { status: 'ok' });
  assert.match(a.headers.get('content-type'), /^application\/json/);
  assert.match(a.headers.get('x-request-id'), /^[0-9a-f]{16}$/);
  assert.notEqual(a.headers.get('x-request-id'), b.headers.get('x-request-id'));
  assert.match(a.headers.get('content-security-policy'), /default-src 'self'/);
  assert.match(a.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  // Styles come from the site's own style sheets only: no inline style attributes
  // or <style> elements (scripts may still set element.style).
  assert.match(a.headers.get('content-security-policy'), /(^|; )style-src 'self';/);
  assert.doesNotMatch(a.headers.get('content-security-policy'), /unsafe-inline|unsafe-eval/);
  assert.equal(a.headers.get('x-content-type-options'), 'nosniff');
  assert.ok(a.headers.get('referrer-policy'));
});

test('GET /api/v1/meta reports the version and the schema version', async () => {
  const r = await new Client(server.base).get('/api/v1/meta');
  assert.equal(r.status, 200);
  assert.equal(r.data.name, 'chengguan');
  assert.match(r.data.version, /^\d+\.\d+\.\d+$/);
  assert.ok(r.data.schema_version >= 1);
  assert.equal(r.data.schema_version, r.data.latest_schema_version);
});

test('every request gets one access-log line with its id, path and status', async () => {
  const r = await new Client(server.base).get('/api/v1/meta');
  const id = r.headers.get('x-request-id');
  await new Promise((ok) => setTimeout(ok, 100));
  const lines = server.log().split('\n').filter((l) => l.includes(`id=${id}`));
  assert.equal(lines.length, 1);
  assert.match(lines[0], /method=GET path=\/api\/v1\/meta status=200 ms=[\d.]+ user=-/);
});

test('unknown API routes are 404 and wrong methods 405 with Allow, both as JSON', async () => {
  const c = new Client(server.base);
  assertError(await c.get('/api/v1/nope'), 404, 'not_found', null);
  assertError(await c.get('/api/v2/meta'), 404, 'not_found');
  const wrong = await c.request('DELETE', '/api/v1/meta');
  assertError(wrong, 405, 'method_not_allowed');
  assert.equal(wrong.headers.get('allow'), 'GET, HEAD');
  const post = await c.post('/healthz', {});
  assertError(post, 405, 'method_not_allowed');
  const staticPost = await c.post('/index.html', {});
  assertError(staticPost, 405, 'method_not_allowed');
  assert.equal(staticPost.headers.get('allow'), 'GET, HEAD');
});

test('static files carry the right MIME types', async () => {
  const c = new Client(server.base);
  const expect = {
    '/index.html': /^text\/html/, '/app.js': /^text\/javascript/, '/style.css': /^text\/css/,
    '/icon.svg': /^image\/svg\+xml/, '/pic.png': /^image\/png/, '/font.woff2': /^font\/woff2/,
  };
  for (const [path, type] of Object.entries(expect)) {
    const r = await c.get(path);
    assert.equal(r.status, 200, path);
    assert.match(r.headers.get('content-type'), type, path);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  }
});

test('directories serve index.html, with or without the slash', async () => {
  const c = new Client(server.base);
  for (const [path, title] of [['/', 'root'], ['/sub/', 'sub'], ['/sub', 'sub']]) {
    const r = await c.get(path);
    assert.equal(r.status, 200, path);
    assert.ok(r.text.includes(`<title>${title}</title>`), path);
  }
  assertError(await c.get('/missing.html'), 404, 'not_found');
  // Build inputs inside the web directory are not part of the site.
  assertError(await c.get('/node_modules/pkg/index.js'), 404, 'not_found');
  assertError(await c.get('/.env'), 404, 'not_found');
});

test('ETag revalidation answers 304 for an unchanged file', async () => {
  const first = await fetch(server.base + '/app.js');
  const etag = first.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]+-[0-9a-f]+"$/);
  await first.text();
  const again = await fetch(server.base + '/app.js', { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  assert.equal(again.headers.get('etag'), etag);
  const other = await fetch(server.base + '/app.js', { headers: { 'if-none-match': '"other"' } });
  assert.equal(other.status, 200);
  assert.equal(await other.text(), 'export const x = 1;');
  const head = await fetch(server.base + '/app.js', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
});

test('no request escapes the web root', async () => {
  const attempts = [
    '/../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E/secret.txt', '/sub/../../secret.txt',
    '/..%2fsecret.txt', '/%2e%2e%2fsecret.txt', '/sub%2f..%2f..%2fsecret.txt',
    '/..%5csecret.txt', '/..\\secret.txt', '/index.html%00.png', '/%00', '/escape.txt',
    '/sub/%2e%2e/%2e%2e/secret.txt', '/%zz', '/.%2e/secret.txt', '/api/v1/../../secret.txt',
  ];
  for (const path of attempts) {
    const r = await rawRequest(server.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.ok(!r.closed, `${path}: connection closed without an answer`);
    assert.ok(r.status === 400 || r.status === 404, `${path}: status ${r.status}`);
    assert.ok(!r.body.includes(SECRET), `${path} leaked the secret`);
    const body = JSON.parse(r.body);
    assert.ok(body.error && body.error.code, `${path}: envelope`);
  }
  // A path with a single dot segment is fine and still served.
  const ok = await rawRequest(server.port, 'GET /./sub/./index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal(ok.status, 200);
});

test('a malformed request line does not crash the server', async () => {
  for (const text of ['GARBAGE\r\n\r\n', 'GET\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', '\x00\x01\x02\r\n\r\n']) {
    await rawRequest(server.port, text, { timeoutMs: 1500 }).catch(() => {});
  }
  const r = await new Client(server.base).get('/healthz');
  assert.equal(r.status, 200);
});

test('per-IP connection limit refuses the extra connection', async () => {
  const limited = await startServer({ webDir, args: ['--per-ip-connections', '3'] });
  try {
    const open = [];
    for (let i = 0; i < 3; i++) {
      const s = net.connect(limited.port, '127.0.0.1');
      await new Promise((ok) => s.on('connect', ok));
      open.push(s);
    }
    await new Promise((ok) => setTimeout(ok, 200));
    const extra = await rawRequest(limited.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { timeoutMs: 5000 });
    assert.ok(extra.closed, 'the fourth connection must be refused');
    open[0].destroy();
    await new Promise((ok) => setTimeout(ok, 200));
    const again = await rawRequest(limited.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(again.status, 200);
    for (const s of open) s.destroy();
  } finally {
    await limited.stop();
  }
});

test('an idle connection is closed after the timeout', async () => {
  const quick = await startServer({ webDir, args: ['--timeout', '1'] });
  try {
    const s = net.connect(quick.port, '127.0.0.1');
    const started = Date.now();
    await new Promise((ok) => s.on('close', ok).on('error', () => {}));
    const waited = Date.now() - started;
    assert.ok(waited >= 800 && waited < 5000, `closed after ${waited} ms`);
  } finally {
    await quick.stop();
  }
});

test('command line: help, version, unknown flags and commands', () => {
  for (const cmd of ['serve', 'migrate', 'check', 'version']) {
    const r = runCli([cmd, '--help']);
    assert.equal(r.status, 0, cmd);
    assert.match(r.stdout, new RegExp(`usage: chengguan ${cmd}`));
  }
  const v = runCli(['version']);
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^chengguan \d+\.\d+\.\d+/);
  const bad = runCli(['serve', '--no-such-flag']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown option '--no-such-flag'/);
  const badValue = runCli(['serve', '--port', 'eighty']);
  assert.equal(badValue.status, 2);
  assert.match(badValue.stderr, /expects an integer/);
  const unknown = runCli(['frobnicate']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command/);
});

test('migrate creates the schema; a database newer than the binary is refused', () => {
  const dir = tempDir('migrate-');
  const first = runCli(['migrate', '--data-dir', dir]);
  assert.equal(first.status, 0, first.stderr);
  const version = Number(/schema version (\d+)/.exec(first.stdout)[1]);
  assert.ok(version >= 1);
  const again = runCli(['migrate', '--data-dir', dir]);
  assert.equal(again.status, 0);
  assert.match(again.stdout, new RegExp(`schema version ${version}`));
  // PRAGMA user_version lives at byte 60 of the database header.
  const db = join(dir, 'chengguan.db');
  const fd = openSync(db, 'r+');
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(version + 100);
  writeSync(fd, bytes, 0, 4, 60);
  closeSync(fd);
  const refused = runCli(['migrate', '--data-dir', dir]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /newer than this chengguan/);
  assert.equal(readFileSync(db).readUInt32BE(60), version + 100, 'the newer database is left untouched');
});

test('a configured tile server is allowed in the CSP, nothing else is', async () => {
  const tiles = await startServer({ webDir, args: ['--tile-url', 'https://t{s}.tiles.example.cn/map/{z}/{x}/{y}.png'] });
  try {
    const r = await new Client(tiles.base).get('/api/v1/meta');
    assert.equal(r.data.tile_url, 'https://t{s}.tiles.example.cn/map/{z}/{x}/{y}.png');
    const csp = r.headers.get('content-security-policy');
    assert.match(csp, /img-src 'self' data: blob: https:\/\/\*\.tiles\.example\.cn;/);
    assert.match(csp, /default-src 'self';/);
  } finally {
    await tiles.stop();
  }
  const plain = await new Client(server.base).get('/healthz');
  assert.match(plain.headers.get('content-security-policy'), /img-src 'self' data: blob:;/);
});

test('environment variables configure serve like flags do', async () => {
  const dir = tempDir('env-');
  const s = await startServer({ webDir, dataDir: dir, env: { CHENGGUAN_THREADS: '3' } });
  try {
    assert.match(s.log(), /\(3 threads/);
  } finally {
    await s.stop();
  }
});

test('SIGTERM under load: in-flight requests finish, exit 0, database intact', async () => {
  const dir = tempDir('term-');
  const s = await startServer({ webDir, dataDir: dir });
  // A slow client is mid-upload when the signal arrives: it must still get its answer.
  const slow = net.connect(s.port, '127.0.0.1');
  await new Promise((ok) => slow.on('connect', ok));
  const slowChunks = [];
  slow.on('data', (d) => slowChunks.push(d));
  const slowClosed = new Promise((ok) => slow.on('close', ok));
  slow.write('POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 20\r\nConnection: close\r\n\r\n{"half":');
  // Sixteen clients request in a loop (a browser holds about six connections);
  // the signal arrives after the hundredth answer.
  const results = [];
  let signalled = false;
  const paths = ['/app.js', '/api/v1/meta', '/healthz'];
  const worker = async (w) => {
    for (let i = 0; i < 40; i++) {
      const path = paths[(w + i) % 3];
      try {
        const r = await fetch(s.base + path);
        results.push({ status: r.status, text: await r.text(), path });
      } catch (e) {
        results.push({ error: e });
        return;
      }
      if (results.length >= 100 && !signalled) { signalled = true; s.child.kill('SIGTERM'); }
    }
  };
  await Promise.all(Array.from({ length: 16 }, (_, w) => worker(w)));
  assert.ok(signalled, 'the signal was sent while requests were running');
  await new Promise((ok) => setTimeout(ok, 300));
  slow.write('"rest-of-it"}');
  await slowClosed;
  const slowAnswer = Buffer.concat(slowChunks).toString();
  assert.match(slowAnswer, /^HTTP\/1\.1 405/);
  assert.match(slowAnswer, /"method_not_allowed"/);
  const code = await s.stop();
  assert.equal(code, 0);
  const answered = results.filter((r) => !r.error);
  assert.ok(answered.length >= 100);
  for (const r of answered) {
    assert.equal(r.status, 200);
    if (r.path === '/app.js') assert.equal(r.text, 'export const x = 1;');
    else JSON.parse(r.text); // a cut response would not parse
  }
  const check = runCli(['check', '--data-dir', dir]);
  assert.equal(check.status, 0, check.stderr);
  assert.match(check.stdout, /integrity ok/);
});
