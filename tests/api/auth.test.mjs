// SPDX-License-Identifier: MIT
// Sign-in and sessions over HTTP: login, logout, me, cookie attributes, CSRF,
// idle and absolute expiry, throttling, no user enumeration, role refusal, user
// administration and the user/token commands.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, startServer, Client, demoClient, assertError, runCli, DEMO_PASSWORD } from './lib.mjs';

let server;
before(async () => { server = await startDemo(); });
after(async () => { await server.stop(); });

test('login sets an HttpOnly SameSite=Strict cookie and returns the user and a CSRF token', async () => {
  const c = new Client(server.base);
  const r = await c.login('supervisor', DEMO_PASSWORD);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.data.user.username, 'supervisor');
  assert.equal(r.data.user.role, 'supervisor');
  assert.ok(r.data.user.org_unit.code);
  assert.match(r.data.csrf_token, /^[A-Za-z0-9_-]{32}$/);
  const cookie = r.headers.get('set-cookie');
  assert.match(cookie, /^cg_session=[A-Za-z0-9_-]{43};/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  assert.doesNotMatch(cookie, /Secure/);
  assert.equal(r.data.user.password_hash, undefined);
  const me = await c.get('/api/v1/auth/me');
  assert.equal(me.status, 200);
  assert.equal(me.data.user.username, 'supervisor');
});

test('every login gets a new token; logout ends only that session', async () => {
  const a = new Client(server.base);
  const b = new Client(server.base);
  await a.login('operator', DEMO_PASSWORD);
  await b.login('operator', DEMO_PASSWORD);
  assert.notEqual(a.cookie, b.cookie);
  for (let i = 0; i < 4; i++) assert.equal((await a.get('/api/v1/auth/me')).status, 200);
  const out = await a.post('/api/v1/auth/logout', undefined);
  assert.equal(out.status, 204);
  assertError(await a.get('/api/v1/auth/me'), 401, 'unauthenticated');
  assert.equal((await b.get('/api/v1/auth/me')).status, 200);
});

test('logout revokes the session on the server: the old cookie replayed by hand is refused', async () => {
  const c = new Client(server.base);
  assert.equal((await c.login('operator', DEMO_PASSWORD)).status, 200);
  const captured = c.cookie;
  assert.match(captured, /^cg_session=[A-Za-z0-9_-]{43}$/);
  // The same value sent by a client that never saw the logout works before it...
  const replay = () => fetch(`${server.base}/api/v1/auth/me`, { headers: { cookie: captured } });
  assert.equal((await replay()).status, 200);
  const out = await c.post('/api/v1/auth/logout', undefined);
  assert.equal(out.status, 204);
  assert.match(out.headers.get('set-cookie'), /^cg_session=;/, 'the browser is told to drop the cookie');
  // ...and not after it, on reads and on writes with the session's CSRF token.
  const after = await replay();
  assert.equal(after.status, 401);
  assert.equal((await after.json()).error.code, 'unauthenticated');
  const write = await fetch(`${server.base}/api/v1/auth/logout`, { method: 'POST', headers: { cookie: captured, 'x-csrf-token': c.csrf } });
  assert.equal(write.status, 401);
});

test('anonymous requests to staff routes are 401', async () => {
  const c = new Client(server.base);
  assertError(await c.get('/api/v1/auth/me'), 401, 'unauthenticated');
  assertError(await c.get('/api/v1/users'), 401, 'unauthenticated');
  c.cookie = 'cg_session=not-a-real-token';
  assertError(await c.get('/api/v1/auth/me'), 401, 'unauthenticated');
});

test('mutating requests without the CSRF header are refused with 403', async () => {
  const c = await demoClient(server, 'admin');
  const body = { username: 'csrf_victim', display_name: 'x', role: 'inspector', org_unit_code: '440902001', password: 'long enough password' };
  assertError(await c.request('POST', '/api/v1/users', { json: body, headers: { 'x-csrf-token': '' } }), 403, 'csrf_token_invalid');
  assertError(await c.request('POST', '/api/v1/users', { json: body, headers: { 'x-csrf-token': 'wrong' + c.csrf.slice(5) } }), 403, 'csrf_token_invalid');
  const noHeader = new Client(server.base);
  noHeader.cookie = c.cookie;
  assertError(await noHeader.post('/api/v1/auth/logout', undefined), 403, 'csrf_token_invalid');
  // Nothing was created by the refused requests.
  const list = await c.get('/api/v1/users');
  assert.ok(!list.data.items.some((u) => u.username === 'csrf_victim'));
});

test('unknown user and wrong password get the same answer in similar time', async () => {
  const time = async (username, password) => {
    const started = performance.now();
    const r = await new Client(server.base).login(username, password);
    return { r, ms: performance.now() - started };
  };
  const wrong = [], unknown = [];
  for (let i = 0; i < 4; i++) {
    wrong.push(await time('leader', `wrong password ${i}!!`));
    unknown.push(await time(`nobody_${i}`, 'wrong password!!'));
  }
  for (const { r } of [...wrong, ...unknown]) assertError(r, 401, 'invalid_credentials');
  assert.equal(wrong[0].r.data.error.message, unknown[0].r.data.error.message);
  // Medians, so one slow moment on a shared machine does not decide.
  const median = (xs) => xs.map((x) => x.ms).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const ratio = median(unknown) / median(wrong);
  assert.ok(ratio > 0.25 && ratio < 4, `unknown/wrong time ratio ${ratio.toFixed(2)}`);
});

test('repeated failures for one account are delayed, then 429, even with the right password', async () => {
  const c = new Client(server.base);
  let last;
  for (let i = 0; i < 6; i++) last = await c.login('dept_landscaping', `bad password ${i}`);
  assertError(last, 429, 'rate_limited');
  assert.ok(Number(last.headers.get('retry-after')) >= 1);
  const right = await c.login('dept_landscaping', DEMO_PASSWORD);
  assertError(right, 429, 'rate_limited');
});

test('bad login bodies get clear 4xx answers', async () => {
  const c = new Client(server.base);
  assertError(await c.request('POST', '/api/v1/auth/login', { json: '{"username":', headers: {} }), 400, 'invalid_json', null);
  assertError(await c.post('/api/v1/auth/login', { username: 'a', password: 'b', extra: 1 }), 400, 'unknown_field', 'extra');
  assertError(await c.post('/api/v1/auth/login', { username: 5, password: 'b' }), 400, 'invalid_field', 'username');
  assertError(await c.post('/api/v1/auth/login', { username: 'a' }), 400, 'missing_field', 'password');
  assertError(await c.request('POST', '/api/v1/auth/login', { body: 'username=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type');
  assertError(await c.request('POST', '/api/v1/auth/login', { body: '{"username":"a","password":"b"}' }), 415, 'unsupported_media_type');
  assertError(await c.request('POST', '/api/v1/auth/login', { json: { username: 'a', password: 'x'.repeat(2 * 1024 * 1024) } }), 413, 'payload_too_large');
  assertError(await c.request('POST', '/api/v1/auth/login', { body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), headers: { 'content-type': 'application/json' } }), 400, 'invalid_utf8', null);
});

test('roles are enforced by the route table: non-admins get 403 on user administration', async () => {
  for (const username of ['supervisor', 'inspector', 'operator', 'leader', 'dept_municipal']) {
    const c = await demoClient(server, username);
    assertError(await c.get('/api/v1/users'), 403, 'forbidden');
  }
  const admin = await demoClient(server, 'admin');
  const list = await admin.get('/api/v1/users');
  assert.equal(list.status, 200);
  const roles = new Set(list.data.items.map((u) => u.role));
  for (const role of ['admin', 'leader', 'supervisor', 'operator', 'inspector', 'department']) assert.ok(roles.has(role), role);
});

test('admins create users (password rules, duplicates) and disabling ends sessions', async () => {
  const admin = await demoClient(server, 'admin');
  const base = { username: 'new_inspector', display_name: '新监督员', role: 'inspector', org_unit_code: '440902001', phone: '13800000000' };
  assertError(await admin.post('/api/v1/users', { ...base, password: 'short' }), 422, 'invalid_field', 'password');
  assertError(await admin.post('/api/v1/users', { ...base, role: 'emperor', password: 'long enough password' }), 422, 'invalid_field', 'role');
  assertError(await admin.post('/api/v1/users', { ...base, org_unit_code: '999999999', password: 'long enough password' }), 422, 'invalid_field', 'org_unit_code');
  const created = await admin.post('/api/v1/users', { ...base, password: '一二三四五六七八九十十一十二' });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.data.role, 'inspector');
  assertError(await admin.post('/api/v1/users', { ...base, password: 'long enough password' }), 409, 'conflict', 'username');
  const user = new Client(server.base);
  assert.equal((await user.login('new_inspector', '一二三四五六七八九十十一十二')).status, 200);
  // Seen a moment ago (servers remember a checked session briefly): still ended at once.
  assert.equal((await user.get('/api/v1/auth/me')).status, 200);
  const off = await admin.patch(`/api/v1/users/${created.data.id}`, { disabled: true });
  assert.equal(off.status, 200, off.text);
  assert.equal(off.data.disabled, true);
  assertError(await user.get('/api/v1/auth/me'), 401, 'unauthenticated');
  assertError(await new Client(server.base).login('new_inspector', '一二三四五六七八九十十一十二'), 401, 'invalid_credentials', null);
  assertError(await admin.patch('/api/v1/users/999999', { disabled: true }), 404, 'not_found');
  assertError(await admin.patch(`/api/v1/users/${created.data.id}`, { colour: 'red' }), 400, 'unknown_field', 'colour');
});

test('idle and absolute session expiry', async () => {
  const idle = await startServer({ dataDir: server.dataDir, args: ['--session-idle', '2', '--port', '0'] }).catch((e) => e);
  // The demo server holds the database; a second server on it is fine (WAL).
  assert.ok(!(idle instanceof Error), String(idle));
  try {
    const c = await demoClient(idle, 'leader');
    assert.equal((await c.get('/api/v1/auth/me')).status, 200);
    await new Promise((ok) => setTimeout(ok, 2500));
    assertError(await c.get('/api/v1/auth/me'), 401, 'unauthenticated');
  } finally { await idle.stop(); }
  const capped = await startServer({ dataDir: server.dataDir, args: ['--session-max', '3'] });
  try {
    const c = await demoClient(capped, 'leader');
    for (let i = 0; i < 2; i++) {
      await new Promise((ok) => setTimeout(ok, 1000));
      assert.equal((await c.get('/api/v1/auth/me')).status, 200);
    }
    await new Promise((ok) => setTimeout(ok, 1500));
    assertError(await c.get('/api/v1/auth/me'), 401, 'unauthenticated');
  } finally { await capped.stop(); }
});

test('activity extends an idle session: requests more often than the idle time keep it alive', async () => {
  const idle = await startServer({ dataDir: server.dataDir, args: ['--session-idle', '3'] });
  try {
    const c = await demoClient(idle, 'leader');
    const signedIn = Date.now();
    // Twice the idle time of steady use: every request lands well inside the idle
    // window of the one before, so the session must slide forward each time.
    while (Date.now() - signedIn < 6500) {
      await new Promise((ok) => setTimeout(ok, 600));
      const me = await c.get('/api/v1/auth/me');
      assert.equal(me.status, 200, `${Date.now() - signedIn} ms after sign-in: ${me.text}`);
    }
    // Then the idle time passes without a request, and the session ends.
    await new Promise((ok) => setTimeout(ok, 3600));
    assertError(await c.get('/api/v1/auth/me'), 401, 'unauthenticated');
  } finally { await idle.stop(); }
});

test('command line: user add, passwd, disable; token add', async () => {
  const dir = server.dataDir;
  const env = { CHENGGUAN_PASSWORD: 'cli password 123' };
  const add = runCli(['user', 'add', 'cli_admin', '--role', 'admin', '--org', '4409', '--data-dir', dir], { env });
  assert.equal(add.status, 0, add.stderr);
  const dup = runCli(['user', 'add', 'cli_admin', '--role', 'admin', '--org', '4409', '--data-dir', dir], { env });
  assert.equal(dup.status, 1);
  assert.match(dup.stderr, /taken/);
  const weak = runCli(['user', 'add', 'cli_weak', '--role', 'admin', '--org', '4409', '--data-dir', dir], { env: { CHENGGUAN_PASSWORD: 'short' } });
  assert.equal(weak.status, 2);
  const badRole = runCli(['user', 'add', 'cli_x', '--role', 'king', '--org', '4409', '--data-dir', dir], { env });
  assert.equal(badRole.status, 2);
  const c = new Client(server.base);
  assert.equal((await c.login('cli_admin', 'cli password 123')).status, 200);
  const pw = runCli(['user', 'passwd', 'cli_admin', '--data-dir', dir], { input: 'a brand new password\n' });
  assert.equal(pw.status, 0, pw.stderr);
  assertError(await c.get('/api/v1/auth/me'), 401, 'unauthenticated');
  assert.equal((await c.login('cli_admin', 'a brand new password')).status, 200);
  assert.equal(runCli(['user', 'disable', 'cli_admin', '--data-dir', dir]).status, 0);
  assertError(await new Client(server.base).login('cli_admin', 'a brand new password'), 401, 'invalid_credentials');
  const token = runCli(['token', 'add', 'hotline-12345', '--channel', '12345', '--user', 'operator', '--data-dir', dir]);
  assert.equal(token.status, 0, token.stderr);
  assert.match(token.stdout.trim(), /^cgt_[A-Za-z0-9_-]{43}$/);
  assert.equal(runCli(['token', 'add', 'x', '--channel', '999', '--user', 'operator', '--data-dir', dir]).status, 2);
});

test('many failures from one address are throttled across usernames', async () => {
  const own = await startServer({ dataDir: server.dataDir });
  try {
    let last;
    for (let i = 0; i < 55; i++) {
      last = await new Client(own.base).login(`guess_${i}`, 'not the password');
      if (last.status === 429) break;
      assertError(last, 401, 'invalid_credentials');
    }
    assertError(last, 429, 'rate_limited');
    // Even a real account with its right password waits now, from this address.
    assertError(await new Client(own.base).login('leader', DEMO_PASSWORD), 429, 'rate_limited');
  } finally {
    await own.stop();
  }
});
