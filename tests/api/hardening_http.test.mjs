// SPDX-License-Identifier: MIT
// The HTTP layer against hostile or careless clients and operators: error bodies
// that stay valid UTF-8 JSON, oversized bodies refused before they are read, the
// limits libmicrohttpd enforces on request lines and headers, only the front
// end's own files served, photos revalidated, a port that is taken refused,
// IPv6, JSON log lines, and a SIGTERM that stops accepting at once, closes idle
// connections and never cuts a write.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join, posix } from 'node:path';
import net from 'node:net';
import {
  ROOT, BIN, startServer, startDemo, demoClient, runCli, Client, assertError, uploadPhoto, tempDir,
  HONGQI, DEMO_PASSWORD,
  NO_HISTORY,
} from './lib.mjs';

let demo;
let inspector;

before(async () => {
  demo = await startDemo();
  inspector = await demoClient(demo, 'inspector');
});
after(async () => { await demo.stop(); });

// ---- raw HTTP, byte for byte

// Opens a connection and resolves once it is established.
function connect(port, host = '127.0.0.1') {
  return new Promise((resolveSocket, reject) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => resolveSocket(socket));
    socket.once('error', reject);
  });
}

// Collects what a socket receives: wait(predicate) resolves once the bytes so
// far satisfy it (or the socket closed), with {bytes, closed}.
function collect(socket) {
  const state = { bytes: Buffer.alloc(0), closed: false, waiters: [] };
  const wake = () => {
    state.waiters = state.waiters.filter((w) => {
      if (!state.closed && !w.predicate(state.bytes)) return true;
      w.resolve({ bytes: state.bytes, closed: state.closed });
      return false;
    });
  };
  socket.on('data', (d) => { state.bytes = Buffer.concat([state.bytes, d]); wake(); });
  socket.on('error', () => {});
  socket.on('close', () => { state.closed = true; wake(); });
  return {
    wait(predicate = () => false, timeoutMs = 10000) {
      return new Promise((resolveWait, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms; got: ${state.bytes.toString('latin1').slice(0, 200)}`)), timeoutMs);
        state.waiters.push({ predicate, resolve: (v) => { clearTimeout(timer); resolveWait(v); } });
        wake();
      });
    },
  };
}

// Splits the first response out of raw bytes: {status, headers, body (Buffer)};
// null while the head or the Content-Length worth of body is incomplete.
function parseResponse(bytes) {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  const length = Number(headers['content-length'] || 0);
  if (bytes.length < end + 4 + length) return null;
  return { status: Number(lines[0].split(' ')[1]), headers, body: bytes.subarray(end + 4, end + 4 + length), size: end + 4 + length };
}

// Sends raw bytes on a new connection and resolves to the first response.
async function exchange(port, request, { host, timeoutMs = 10000 } = {}) {
  const socket = await connect(port, host);
  const got = collect(socket);
  socket.write(request);
  const { bytes } = await got.wait((b) => parseResponse(b) !== null, timeoutMs);
  socket.destroy();
  const res = parseResponse(bytes);
  assert.ok(res, `a complete response expected, got: ${bytes.toString('latin1').slice(0, 300)}`);
  return res;
}

// Decodes a body that must be UTF-8 (a TypeError when it is not) and parses it.
function strictJson(body) {
  return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
}

async function assertHealthy(base) {
  const r = await new Client(base).get('/healthz');
  assert.equal(r.status, 200, 'the server still answers');
}

// ---- error bodies

test('a 404 for a path that is not UTF-8 is still valid UTF-8 JSON', async () => {
  const cases = [
    ['/%FF%FEsecret.html', 'no such file'],
    [Buffer.from([0x2f, 0xff, 0xfe, 0x61]), 'no such file'], // raw bytes in the request line
    ['/api/v1/%C3%28', 'no such endpoint'], // a broken two-byte sequence
  ];
  for (const [path, message] of cases) {
    const request = Buffer.concat([Buffer.from('GET '), Buffer.from(path), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]);
    const res = await exchange(demo.port, request);
    assert.equal(res.status, 404, String(path));
    const data = strictJson(res.body);
    assert.equal(data.error.code, 'not_found');
    assert.ok(data.error.message.startsWith(message), data.error.message);
    assert.match(data.error.message, /%FF%FE|%C3\(/, 'the bad bytes are shown escaped');
  }
});

// ---- bodies and heads that are too large or broken

test('a body declared too large is refused with 413 before it is read, without 100 Continue', async () => {
  const twoGb = 2 * 1024 * 1024 * 1024;
  for (const expect of ['Expect: 100-continue\r\n', '']) {
    const socket = await connect(demo.port);
    const got = collect(socket);
    const started = Date.now();
    // Only the head is sent: an answer can come only from a server that does not
    // wait for (or ask for) the body.
    socket.write(`POST /api/v1/public/cases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${expect}Content-Length: ${twoGb}\r\n\r\n`);
    const { bytes } = await got.wait((b) => parseResponse(b) !== null, 5000);
    socket.destroy();
    assert.match(bytes.toString('latin1'), /^HTTP\/1\.1 413 /, 'the first thing sent is the 413, not 100 Continue');
    const res = parseResponse(bytes);
    assert.equal(strictJson(res.body).error.code, 'payload_too_large');
    assert.ok(Date.now() - started < 3000, 'answered at once');
  }
  // A photo route has its own, larger cap, and it is refused the same way.
  const socket = await connect(demo.port);
  const got = collect(socket);
  socket.write(`POST /api/v1/uploads HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nExpect: 100-continue\r\nContent-Length: ${twoGb}\r\n\r\n`);
  const { bytes } = await got.wait((b) => parseResponse(b) !== null, 5000);
  socket.destroy();
  assert.equal(parseResponse(bytes).status, 413);
  await assertHealthy(demo.base);
});

test('a broken chunked body is 400, and a huge header, 10,000 headers or a 60 KB URL 431 and 414', async () => {
  // These are answered by libmicrohttpd itself (its own small body) before any
  // handler runs; the connection is closed afterwards.
  const chunked = await exchange(demo.port, 'POST /api/v1/public/cases HTTP/1.1\r\nHost: x\r\n' +
    'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n');
  assert.equal(chunked.status, 400);
  // The oversized parts are sent 40 KB at a time, so the answer (due after 32 KB)
  // arrives before the client has written more than the server will read.
  const oversized = async (head) => {
    const socket = await connect(demo.port);
    const got = collect(socket);
    socket.write(head.subarray(0, 40 * 1024));
    const { bytes } = await got.wait((b) => parseResponse(b) !== null, 5000);
    socket.destroy();
    return parseResponse(bytes);
  };
  const hugeHeader = Buffer.from(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100 * 1024)}\r\n\r\n`);
  assert.equal((await oversized(hugeHeader)).status, 431);
  const manyHeaders = Buffer.from(`GET /healthz HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 10000 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`);
  assert.equal((await oversized(manyHeaders)).status, 431);
  const longUrl = Buffer.from(`GET /healthz?q=${'a'.repeat(60 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`);
  assert.equal((await oversized(longUrl)).status, 414);
  await assertHealthy(demo.base);
});

// ---- static files

// The local references of a page, script or style sheet, resolved against it.
function references(path, text) {
  const patterns = path.endsWith('.html') ? [/\s(?:src|href)="([^"]+)"/g]
    : path.endsWith('.css') ? [/url\(\s*['"]?([^'")]+)['"]?\s*\)/g]
      : [/['"](\.{1,2}\/[^'"\s]+\.(?:m?js|css|png|svg))['"]/g]; // imports and module tables
  const found = [];
  for (const pattern of patterns) {
    for (const m of text.matchAll(pattern)) {
      const ref = m[1];
      if (/^([a-z]+:|#|\/\/)/i.test(ref)) continue; // data:, other hosts, anchors
      found.push(ref.startsWith('/') ? ref : posix.normalize(posix.join(posix.dirname(path), ref)));
    }
  }
  return found;
}

test('the pages and every file they load are served; build files beside them are not', async () => {
  const c = new Client(demo.base);
  const seen = new Set();
  const queue = ['/index.html', '/staff.html'];
  while (queue.length > 0) {
    const path = queue.shift();
    if (seen.has(path)) continue;
    seen.add(path);
    const r = await c.get(path);
    assert.equal(r.status, 200, `${path} is loaded by the front end`);
    if (/\.(html|css|m?js)$/.test(path)) queue.push(...references(path, r.text));
  }
  for (const lib of ['/vendor/leaflet/leaflet-src.esm.js', '/vendor/leaflet/leaflet.css',
    '/vendor/leaflet/images/marker-icon.png', '/vendor/echarts/echarts.esm.min.mjs']) {
    assert.ok(seen.has(lib), `${lib} was reached from the pages`);
  }
  for (const path of ['/package.json', '/package-lock.json', '/vendor.sh', '/vendor/leaflet/LICENSE',
    '/vendor/echarts/LICENSE']) {
    assertError(await c.get(path), 404, 'not_found');
  }
  // The files exist: it is the server that declines them.
  JSON.parse(readFileSync(join(ROOT, 'web', 'package.json'), 'utf8'));
});

// ---- photos

test('a photo is revalidated on every use (private, no-cache) and its ETag gives a 304', async () => {
  const filed = await inspector.post('/api/v1/cases', { description: '缓存测试：路灯不亮', ...HONGQI });
  assert.equal(filed.status, 201, filed.text);
  const up = await uploadPhoto(inspector, filed.data.case.id, 'report', 4242);
  assert.equal(up.status, 201, up.text);
  const first = await inspector.request('GET', up.data.url, { raw: true });
  assert.equal(first.status, 200);
  await first.arrayBuffer();
  assert.equal(first.headers.get('cache-control'), 'private, no-cache');
  const etag = first.headers.get('etag');
  assert.equal(etag, `"${up.data.hash}"`);
  const again = await inspector.request('GET', up.data.url, { raw: true, headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  assert.equal(again.headers.get('cache-control'), 'private, no-cache');
  // Revalidation still asks who is looking: without a session it is refused.
  const stranger = new Client(demo.base);
  assert.equal((await stranger.request('GET', up.data.url, { raw: true, headers: { 'if-none-match': etag } })).status, 401);
});

// ---- listening

test('a second server on a port in use is refused with a clear message and exit status 1', async () => {
  const second = spawnSync(BIN, ['serve', '--port', String(demo.port), '--data-dir', tempDir('second-')], {
    cwd: ROOT, encoding: 'utf8', timeout: 30000,
  });
  assert.equal(second.status, 1, `exit status (null: still running when killed); stderr:\n${second.stderr}`);
  assert.match(second.stderr, /cannot listen on 127\.0\.0\.1:\d+: the port is in use \(is another server running\?\)/);
  assert.doesNotMatch(second.stderr, /listening on/);
  // The first server keeps every connection to itself.
  for (let i = 0; i < 20; i++) await assertHealthy(demo.base);
});

// Whether this machine can listen on the IPv6 loopback.
const ipv6Loopback = await new Promise((answer) => {
  const probe = net.createServer();
  probe.once('error', () => answer(false));
  probe.listen(0, '::1', () => probe.close(() => answer(true)));
});

test('--listen takes IPv6: ::1 alone, and :: for IPv6 and IPv4 clients',
  { skip: !ipv6Loopback && 'this machine has no IPv6 loopback (::1)' }, async () => {
    const only = await startServer({ args: ['--listen', '::1'] });
    try {
      assert.match(only.log(), new RegExp(`listening on http://\\[::1\\]:${only.port} `));
      const r = await new Client(`http://[::1]:${only.port}`).get('/api/v1/meta');
      assert.equal(r.status, 200, r.text);
      const id = r.headers.get('x-request-id');
      await new Promise((ok) => setTimeout(ok, 100));
      assert.match(only.log(), new RegExp(`id=${id} ip=::1 method=GET path=/api/v1/meta status=200`));
    } finally {
      await only.stop();
    }
    const both = await startServer({ args: ['--listen', '::'] });
    try {
      assert.match(both.log(), new RegExp(`listening on http://\\[::\\]:${both.port} `));
      for (const host of ['[::1]', '127.0.0.1']) {
        const r = await new Client(`http://${host}:${both.port}`).get('/healthz');
        assert.equal(r.status, 200, host);
      }
    } finally {
      await both.stop();
    }
  });

// ---- JSON log lines

test('--log-format json (or CHENGGUAN_LOG_FORMAT) writes every line as one JSON object', async () => {
  const s = await startDemo({ env: { CHENGGUAN_LOG_FORMAT: 'json' } });
  try {
    const staff = await demoClient(s, 'inspector');
    const ok = await staff.get('/api/v1/auth/me');
    const missing = await exchange(s.port, 'GET /%FF%FEmissing.html HTTP/1.1\r\nHost: x\r\n\r\n');
    // A photo whose file vanished: the server logs an error for that request.
    const filed = await staff.post('/api/v1/cases', { description: '日志测试：井盖破损', ...HONGQI });
    const up = await uploadPhoto(staff, filed.data.case.id, 'report', 5151);
    assert.equal(up.status, 201, up.text);
    rmSync(join(s.dataDir, 'photos', up.data.hash.slice(0, 2), up.data.hash));
    const broken = await staff.get(up.data.url);
    assert.equal(broken.status, 500);
    await new Promise((done) => setTimeout(done, 200));

    const lines = s.log().split('\n').filter(Boolean).map((line) => {
      try { return JSON.parse(line); } catch { assert.fail(`not a JSON line: ${line}`); }
    });
    for (const line of lines) {
      assert.match(line.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(['error', 'warn', 'info', 'debug'].includes(line.level), line.level);
      assert.equal(typeof line.msg, 'string');
    }
    assert.ok(lines.some((l) => /^listening on http:\/\/127\.0\.0\.1:\d+ /.test(l.msg)));
    const access = (id) => lines.filter((l) => l.msg === 'access' && l.request_id === id);
    const [meta] = access(ok.headers.get('x-request-id'));
    assert.deepEqual({ ...meta, ts: 0, duration_ms: 0 }, {
      ts: 0, level: 'info', msg: 'access', request_id: ok.headers.get('x-request-id'), ip: '127.0.0.1',
      method: 'GET', path: '/api/v1/auth/me', status: 200, duration_ms: 0, user: 'inspector', aborted: false,
    });
    assert.equal(typeof meta.duration_ms, 'number');
    assert.ok(meta.duration_ms >= 0);
    const [notFound] = access(missing.headers['x-request-id']);
    assert.equal(notFound.status, 404);
    assert.equal(notFound.user, null);
    assert.equal(notFound.path, '/%FF%FEmissing.html', 'bytes that are not UTF-8 are escaped');
    const id = broken.headers.get('x-request-id');
    const errors = lines.filter((l) => l.level === 'error' && l.request_id === id);
    assert.equal(errors.length, 1, 'the error line names its request');
    assert.match(errors[0].msg, /photo .* is missing/);
    assert.equal(access(id)[0].status, 500);
  } finally {
    await s.stop();
  }
  const bad = runCli(['migrate', '--log-format', 'xml', '--data-dir', tempDir('logfmt-')]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /unknown log format 'xml' \(text or json\)/);
});

// ---- SIGTERM

// Resolves once a connection attempt is refused; rejects after timeoutMs of
// attempts that still connect.
async function refusedWithin(port, timeoutMs) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      const socket = await connect(port);
      socket.destroy();
    } catch (e) {
      if (e.code === 'ECONNREFUSED') return;
      throw e;
    }
    await new Promise((ok) => setTimeout(ok, 20));
  }
  throw new Error(`connections were still accepted ${timeoutMs} ms after the signal`);
}

// A keep-alive client that asks again as soon as each answer is complete, until
// the server closes the connection. Returns {answers, closed} (a promise).
async function busyKeepAlive(port) {
  const socket = await connect(port);
  const answers = [];
  let pending = Buffer.alloc(0);
  const ask = () => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  socket.on('data', (d) => {
    pending = Buffer.concat([pending, d]);
    for (let res = parseResponse(pending); res !== null; res = parseResponse(pending)) {
      answers.push(res);
      pending = pending.subarray(res.size);
      if (!socket.destroyed && res.headers.connection !== 'close') ask();
    }
  });
  socket.on('error', () => {});
  const closed = new Promise((ok) => socket.on('close', ok));
  ask();
  return { answers, closed };
}

test('SIGTERM: the listener closes at once, idle connections close, a write in flight is answered and kept', async () => {
  const dataDir = tempDir('sigterm-');
  assert.equal(runCli(['seed-demo', ...NO_HISTORY, '--data-dir', dataDir]).status, 0);
  const s = await startServer({ dataDir });
  const staff = await demoClient(s, 'inspector');

  // An idle keep-alive connection, one that keeps asking, and a write whose body
  // is still on its way when the signal comes.
  const idle = await connect(s.port);
  const idleGot = collect(idle);
  idle.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  const first = parseResponse((await idleGot.wait((b) => parseResponse(b) !== null)).bytes);
  assert.equal(first.status, 200);
  assert.notEqual(first.headers.connection, 'close');
  const busy = await busyKeepAlive(s.port);
  const description = `关机测试：在途写入 ${Date.now()}`;
  const body = Buffer.from(JSON.stringify({ description, ...HONGQI }));
  const write = await connect(s.port);
  const writeGot = collect(write);
  write.write(`POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
    `Cookie: ${staff.cookie}\r\nX-CSRF-Token: ${staff.csrf}\r\nContent-Length: ${body.length}\r\n\r\n`);
  write.write(body.subarray(0, 10));
  await new Promise((ok) => setTimeout(ok, 200));
  const exited = new Promise((ok) => s.child.on('exit', (code) => ok({ code, at: Date.now() })));

  const signalled = Date.now();
  s.child.kill('SIGTERM');
  await refusedWithin(s.port, 1000);
  const idleEnd = await idleGot.wait(() => false, 2000);
  assert.ok(idleEnd.closed, 'the idle keep-alive connection was closed');
  await Promise.race([busy.closed, new Promise((_, no) => setTimeout(() => no(new Error('the asking keep-alive client was never closed')), 2000))]);
  assert.ok(busy.answers.length >= 1);
  for (const res of busy.answers) assert.equal(res.status, 200);

  // The write finishes after all that and still gets its answer, the connection's last.
  await new Promise((ok) => setTimeout(ok, 300));
  write.write(body.subarray(10));
  const answer = parseResponse((await writeGot.wait((b) => parseResponse(b) !== null, 10000)).bytes);
  assert.equal(answer.status, 201, answer.body.toString());
  assert.equal(answer.headers.connection, 'close');
  const id = strictJson(answer.body).case.id;

  const { code, at } = await exited;
  assert.equal(code, 0, s.log().slice(-2000));
  assert.ok(at - signalled < 5000, `exited ${at - signalled} ms after the signal (the grace period is 20 s)`);
  assert.match(s.log(), /received SIGTERM: listener closed/);
  await s.stop();

  // The answered write is in the database.
  const again = await startServer({ dataDir });
  try {
    const c = new Client(again.base);
    assert.equal((await c.login('inspector', DEMO_PASSWORD)).status, 200);
    const r = await c.get(`/api/v1/cases/${id}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.text.includes(description));
  } finally {
    await again.stop();
  }
});

test('SIGTERM under write load: every case stored was answered 201, every 201 is stored', async () => {
  const dataDir = tempDir('sigterm-load-');
  assert.equal(runCli(['seed-demo', ...NO_HISTORY, '--data-dir', dataDir]).status, 0);
  const s = await startServer({ dataDir });
  const staff = await demoClient(s, 'inspector');
  const acknowledged = new Set();
  let signalled = false;
  const writer = async (w) => {
    for (let i = 0; ; i++) {
      let r;
      try {
        r = await staff.post('/api/v1/cases', { description: `停机负载 ${w}-${i}`, ...HONGQI });
      } catch {
        return; // refused or closed: nothing was stored for it
      }
      assert.equal(r.status, 201, r.text);
      acknowledged.add(r.data.case.id);
      if (acknowledged.size >= 60 && !signalled) { signalled = true; s.child.kill('SIGTERM'); }
    }
  };
  await Promise.all(Array.from({ length: 32 }, (_, w) => writer(w)));
  assert.ok(signalled);
  await s.stop();
  const stored = spawnSync('sqlite3', [join(dataDir, 'chengguan.db'),
    "SELECT id FROM case_record WHERE description LIKE '停机负载 %'"], { encoding: 'utf8' });
  assert.equal(stored.status, 0, stored.stderr);
  const ids = stored.stdout.split('\n').filter(Boolean).map(Number).sort((a, b) => a - b);
  assert.deepEqual(ids, [...acknowledged].sort((a, b) => a - b));
});

// ---- behind a reverse proxy

// Files citizens' reports from `from` (an X-Forwarded-For value) until the
// per-address limit answers 429; returns how many were accepted.
async function reportsUntilLimited(server, from) {
  const citizen = new Client(server.base);
  for (let i = 0; i < 40; i++) {
    const r = await citizen.post('/api/v1/public/cases', { description: `代理测试第${i}次：路灯不亮`, ...HONGQI },
      { headers: { 'x-forwarded-for': from } });
    if (r.status === 429) return i;
    assert.equal(r.status, 201, r.text);
  }
  throw new Error('no limit within 40 reports');
}

test('behind a trusted proxy the limits count the forwarded client; without one the header is ignored', async () => {
  const proxied = await startDemo({ args: ['--trusted-proxy', '10.0.0.9, 127.0.0.1'] });
  try {
    const allowed = await reportsUntilLimited(proxied, '203.0.113.1');
    assert.ok(allowed > 0);
    // Another client behind the same proxy has a limit of its own ...
    assert.equal(await reportsUntilLimited(proxied, '198.51.100.7, 203.0.113.2'), allowed);
    // ... and a limited client cannot escape by writing addresses before the proxy's.
    assert.equal(await reportsUntilLimited(proxied, '192.0.2.50, 203.0.113.1'), 0);
  } finally {
    await proxied.stop();
  }
  const direct = await startDemo();
  try {
    const allowed = await reportsUntilLimited(direct, '203.0.113.1');
    assert.ok(allowed > 0);
    // Anyone can write the header: a server with no trusted proxy ignores it.
    assert.equal(await reportsUntilLimited(direct, '203.0.113.2'), 0);
  } finally {
    await direct.stop();
  }
  const bad = runCli(['serve', '--port', '0', '--trusted-proxy', '127.0.0.1,nginx']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--trusted-proxy must be IP addresses/);
});
