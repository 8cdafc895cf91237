// SPDX-License-Identifier: MIT
// The transactional outbox and the hotline's 回传 over HTTP, against a receiver
// this test starts on the loopback: every state change of a case a hotline token
// filed is pushed, signed (the HMAC recomputed here), in order per case while
// other cases go on, retried with growing delays under one idempotency key,
// parked as a dead letter after the last attempt and replayed by an admin; a
// kill -9 between the commit and the delivery loses nothing. Also the
// platform's read-back of its ticket (its own only) and its 回访, counted in
// the assessment like a citizen's rating.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHmac } from 'node:crypto';
import { rmSync } from 'node:fs';
import {
  startDemo, startServer, demoClient, Client, assertError, runCli, uploadPhoto, tempDir, freshDatabase,
  dbQuery, PG, ENGINE, HONGQI,
} from './lib.mjs';

const METRICS_TOKEN = 'outbox-metrics-token-0123';
// Fast retries for the test: 200 ms doubling to at most 1.6 s, 5 attempts.
const OUTBOX_ARGS = ['--outbox-poll', '50', '--outbox-retry-base', '200', '--outbox-retry-max', '1600',
  '--outbox-attempts', '5', '--outbox-connect-timeout', '500', '--outbox-timeout', '2000',
  '--outbox-threads', '3', '--metrics-token', METRICS_TOKEN];

let server;
let receiver;
const users = {};
let departments;
let garbageId;
let platform; // {token, secret, id}
let seed = 83000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A receiver on the loopback: records every request (time, headers, body) and
// answers by rule(request) -> status (default 200).
async function startReceiver(port = 0) {
  const r = { requests: [], rule: () => 200 };
  r.server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let payload = null;
      try { payload = JSON.parse(body); } catch { payload = null; }
      const entry = { at: Date.now(), headers: req.headers, body, payload, method: req.method, url: req.url };
      entry.status = r.rule(entry);
      r.requests.push(entry);
      res.writeHead(entry.status, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise((ok) => r.server.listen(port, '127.0.0.1', ok));
  r.port = r.server.address().port;
  r.url = `http://127.0.0.1:${r.port}/hook`;
  r.close = () => new Promise((ok) => { r.server.closeAllConnections(); r.server.close(ok); });
  // The requests for ticket external_id that were answered 2xx.
  r.delivered = (external) => r.requests.filter((q) => q.payload && q.payload.external_id === external && q.status < 300);
  r.of = (external) => r.requests.filter((q) => q.payload && q.payload.external_id === external);
  return r;
}

async function waitFor(what, fn, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function act(client, c, action, extra = {}) {
  const fresh = (await client.get(`/api/v1/cases/${c.id}`)).data;
  const r = await client.post(`/api/v1/cases/${c.id}/${action}`, { version: fresh.version, ...extra });
  assert.equal(r.status, 200, `${action}: ${r.text}`);
  return r.data;
}

// Issues a token for the operator account and registers its callback through
// the admin API. Returns {token, secret, id}.
async function issueToken(srv, admin, name, url) {
  const issued = runCli(['token', 'add', name, '--channel', '12345', '--user', 'operator', '--data-dir', srv.dataDir]);
  assert.equal(issued.status, 0, issued.stderr);
  const token = issued.stdout.trim();
  const list = await admin.get('/api/v1/admin/tokens');
  assert.equal(list.status, 200, list.text);
  const row = list.data.items.find((t) => t.name === name);
  assert.ok(row, `token ${name} listed`);
  if (!url) return { token, id: row.id, secret: null };
  const put = await admin.request('PUT', `/api/v1/admin/tokens/${row.id}/callback`, { json: { url } });
  assert.equal(put.status, 200, put.text);
  assert.match(put.data.secret, /^[0-9a-f]{64}$/);
  return { token, id: row.id, secret: put.data.secret };
}

// A request of the platform (its token, no session), recorded like every
// Client's for the check against the OpenAPI document.
function hotline(srv, token, method, path, json) {
  return new Client(srv.base).request(method, `/api/v1/intake/hotline${path}`, { json, headers: { authorization: `Bearer ${token}` } });
}

async function fileTicket(srv, token, external, extra = {}) {
  const r = await hotline(srv, token, 'POST', '', {
    external_id: external, description: `市民来电：垃圾堆放 ${seed++}`, ...HONGQI,
    category_id: garbageId, caller_name: '赵六', caller_phone: '13800001234', ...extra,
  });
  assert.equal(r.status, 201, r.text);
  return r.data.case;
}

// Walks a case from filing to closure: accept, dispatch, sign, handle (with an
// after photo), check-pass (with a check photo), close.
async function walkToClosed(c) {
  c = await act(users.supervisor, c, 'accept', { category_id: garbageId });
  c = await act(users.supervisor, c, 'dispatch', { department_id: departments['440902-D01'] });
  c = await act(users.dept_municipal, c, 'sign');
  assert.equal((await uploadPhoto(users.dept_municipal, c.id, 'after', seed++)).status, 201);
  c = await act(users.dept_municipal, c, 'handle', { note: '已清运完毕' });
  assert.equal((await uploadPhoto(users.inspector, c.id, 'check', seed++)).status, 201);
  c = await act(users.inspector, c, 'check-pass');
  return act(users.supervisor, c, 'close');
}

function verify(secret, q) {
  const ts = q.headers['x-chengguan-timestamp'];
  const expected = createHmac('sha256', secret).update(`${ts}.${q.body}`).digest('hex');
  return q.headers['x-chengguan-signature'] === expected;
}

before(async () => {
  receiver = await startReceiver();
  server = await startDemo({ args: OUTBOX_ARGS });
  for (const name of ['admin', 'supervisor', 'inspector', 'dept_municipal', 'leader']) users[name] = await demoClient(server, name);
  const units = await users.supervisor.get('/api/v1/org-units?type=department');
  departments = Object.fromEntries(units.data.items.map((u) => [u.code, u.id]));
  const trees = (await users.supervisor.get('/api/v1/categories')).data.trees;
  garbageId = trees.find((t) => t.tree === 'event').majors.flatMap((m) => m.subclasses).find((s) => s.code === '0102').id;
  platform = await issueToken(server, users.admin, 'hotline-12345', receiver.url);
});
after(async () => {
  await server.stop();
  await receiver.close();
});

test('every state change of a hotline case is pushed, signed, in order, with its facts', async () => {
  let c = await fileTicket(server, platform.token, 'GD-OB-1');
  c = await walkToClosed(c);
  c = await act(users.supervisor, c, 'reopen', { note: '市民反映仍有垃圾' });
  const events = ['accepted', 'dispatched', 'handled', 'closed', 'reopened'];
  const got = await waitFor('five callbacks', () => {
    const d = receiver.delivered('GD-OB-1');
    return d.length >= events.length && d;
  });
  assert.deepEqual(got.map((q) => q.payload.event), events, 'no filing message; the rest in order');
  for (const q of got) {
    assert.equal(q.method, 'POST');
    assert.equal(q.headers['content-type'], 'application/json');
    assert.ok(verify(platform.secret, q), 'the signature verifies with the secret');
    assert.ok(!verify('0'.repeat(64), q), 'and not with another');
    assert.match(q.headers['x-chengguan-timestamp'], /^\d{10}$/);
    assert.ok(Math.abs(Number(q.headers['x-chengguan-timestamp']) - Date.now() / 1000) < 120);
    assert.match(q.headers['idempotency-key'], /^cg-event-\d+-hotline$/);
    assert.equal(q.payload.case_no, c.case_no);
    assert.equal(q.payload.external_id, 'GD-OB-1');
    assert.equal(typeof q.payload.at, 'number');
    assert.equal(typeof q.payload.details, 'object');
    assert.ok(!q.body.includes('13800001234') && !q.body.includes('赵六'), 'no personal data');
  }
  assert.equal(new Set(got.map((q) => q.headers['idempotency-key'])).size, events.length, 'one key per message');
  const seqs = got.map((q) => q.payload.seq);
  assert.deepEqual([...seqs].sort((a, b) => a - b), seqs, 'seq grows');
  const [accepted, dispatched, handled, closed, reopened] = got.map((q) => q.payload);
  assert.equal(accepted.state, 'accepted');
  assert.equal(dispatched.state, 'dispatched');
  assert.equal(dispatched.details.department.id, departments['440902-D01']);
  assert.ok(dispatched.details.department.name.length > 0);
  assert.equal(handled.details.result, '已清运完毕');
  assert.equal(handled.details.photos.length, 1);
  assert.equal(handled.details.photos[0].stage, 'after');
  assert.equal(closed.state, 'closed');
  assert.equal(reopened.details.reason, '市民反映仍有垃圾');
  // The photo link works with the platform's token, and only with it.
  const photo = await new Client(server.base).request('GET', handled.details.photos[0].url, { headers: { authorization: `Bearer ${platform.token}` }, raw: true });
  assert.equal(photo.status, 200);
  assert.equal(photo.headers.get('content-type'), 'image/png');
  assert.equal((await fetch(server.base + handled.details.photos[0].url)).status, 401);
  // Delivered messages are listed as such.
  const list = await users.admin.get('/api/v1/admin/outbox?state=delivered');
  assert.equal(list.status, 200, list.text);
  assert.ok(list.data.items.filter((m) => m.case && m.case.case_no === c.case_no).length >= 5);
});

test('a rejection carries its reason; a case filed by staff or without a callback sends nothing', async () => {
  let c = await fileTicket(server, platform.token, 'GD-OB-REJ');
  c = await act(users.supervisor, c, 'reject', { note: '不属于城管职责' });
  const [msg] = await waitFor('the rejection', () => receiver.delivered('GD-OB-REJ').length && receiver.delivered('GD-OB-REJ'));
  assert.equal(msg.payload.event, 'rejected');
  assert.equal(msg.payload.state, 'rejected');
  assert.equal(msg.payload.details.reason, '不属于城管职责');
  const quiet = await issueToken(server, users.admin, 'hotline-quiet', null);
  const q = await fileTicket(server, quiet.token, 'GD-OB-QUIET');
  await act(users.supervisor, q, 'accept', { category_id: garbageId });
  await sleep(500);
  assert.equal(receiver.of('GD-OB-QUIET').length, 0);
  assert.equal(dbQuery(server, `SELECT count(*) FROM outbox_message WHERE case_id = ${q.id}`), '0');
});

test('retries back off with jitter under one idempotency key', async () => {
  let failures = 0;
  receiver.rule = (q) => (q.payload && q.payload.external_id === 'GD-OB-RETRY' && failures++ < 3 ? 503 : 200);
  const c = await fileTicket(server, platform.token, 'GD-OB-RETRY');
  await act(users.supervisor, c, 'accept', { category_id: garbageId });
  const tries = await waitFor('four attempts', () => receiver.of('GD-OB-RETRY').length >= 4 && receiver.of('GD-OB-RETRY'));
  receiver.rule = () => 200;
  assert.deepEqual(tries.map((q) => q.status), [503, 503, 503, 200]);
  assert.equal(new Set(tries.map((q) => q.headers['idempotency-key'])).size, 1, 'the key never changes');
  assert.equal(new Set(tries.map((q) => q.body)).size, 1, 'nor the body');
  const gaps = tries.slice(1).map((q, i) => q.at - tries[i].at);
  // Base 200 ms doubling, equal jitter: [100, 200], [200, 400], [400, 800] (+ polling).
  assert.ok(gaps[0] >= 90 && gaps[0] < 1500, `first gap ${gaps[0]}`);
  assert.ok(gaps[1] >= 190, `second gap ${gaps[1]}`);
  assert.ok(gaps[2] >= 390, `third gap ${gaps[2]}`);
  assert.ok(gaps[2] > gaps[0], `the delays grow: ${gaps}`);
});

test('a case waits for its own earlier message; other cases go on', async () => {
  let aFailures = 0;
  receiver.rule = (q) => (q.payload && q.payload.external_id === 'GD-OB-A' && aFailures++ < 3 ? 500 : 200);
  let a = await fileTicket(server, platform.token, 'GD-OB-A');
  const b = await fileTicket(server, platform.token, 'GD-OB-B');
  a = await act(users.supervisor, a, 'accept', { category_id: garbageId });
  a = await act(users.supervisor, a, 'dispatch', { department_id: departments['440902-D01'] });
  await act(users.supervisor, b, 'accept', { category_id: garbageId });
  const aDone = await waitFor('both of A', () => receiver.delivered('GD-OB-A').length >= 2 && receiver.delivered('GD-OB-A'));
  receiver.rule = () => 200;
  assert.deepEqual(aDone.map((q) => q.payload.event), ['accepted', 'dispatched']);
  const all = receiver.of('GD-OB-A');
  const firstDispatch = all.find((q) => q.payload.event === 'dispatched');
  assert.ok(firstDispatch.at >= aDone[0].at, 'A\'s dispatch was not tried before its acceptance arrived');
  assert.equal(all.filter((q) => q.payload.event === 'dispatched').length, 1);
  const [bAccepted] = receiver.delivered('GD-OB-B');
  assert.ok(bAccepted, 'B was delivered');
  assert.ok(bAccepted.at < aDone[0].at, 'B did not wait for A');
});

test('dead letters after the last attempt; an admin replays one, audited', async () => {
  receiver.rule = (q) => (q.payload && q.payload.external_id === 'GD-OB-DEAD' ? 500 : 200);
  const c = await fileTicket(server, platform.token, 'GD-OB-DEAD');
  await act(users.supervisor, c, 'accept', { category_id: garbageId });
  const dead = await waitFor('the dead letter', async () => {
    const r = await users.admin.get('/api/v1/admin/outbox?state=dead');
    return r.data.items.find((m) => m.case && m.case.id === c.id);
  });
  assert.equal(dead.attempts, 5);
  assert.equal(dead.kind, 'hotline');
  assert.equal(dead.payload.event, 'accepted');
  assert.match(dead.last_error, /HTTP 500/);
  assert.equal(receiver.of('GD-OB-DEAD').length, 5);
  const metrics = await fetch(`${server.base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }).then((r) => r.text());
  assert.match(metrics, /^chengguan_outbox_dead_total [1-9]/m);
  assert.match(metrics, /^chengguan_outbox_messages\{state="dead"\} [1-9]/m);
  assert.match(metrics, /^chengguan_outbox_delivered_total [1-9]/m);
  assert.match(metrics, /^chengguan_outbox_attempt_seconds_count [1-9]/m);
  // Only an admin; only a dead one.
  assertError(await users.supervisor.post(`/api/v1/admin/outbox/${dead.id}/replay`), 403, 'forbidden');
  assertError(await users.admin.post('/api/v1/admin/outbox/999999/replay'), 404, 'not_found');
  assertError(await users.admin.get('/api/v1/admin/outbox?state=lost'), 400, 'invalid_query', 'state');
  receiver.rule = () => 200;
  const replay = await users.admin.post(`/api/v1/admin/outbox/${dead.id}/replay`);
  assert.equal(replay.status, 200, replay.text);
  assertError(await users.admin.post(`/api/v1/admin/outbox/${dead.id}/replay`), 409, 'conflict');
  const ok = await waitFor('the replayed message', () => receiver.delivered('GD-OB-DEAD').length && receiver.delivered('GD-OB-DEAD'));
  assert.equal(ok[0].headers['idempotency-key'], dead.idempotency_key);
  const audit = await users.admin.get(`/api/v1/admin/audit?subject=outbox_message:${dead.id}`);
  assert.equal(audit.data.items[0].action, 'outbox.replay');
  assert.equal(audit.data.items[0].data.before.state, 'dead');
  await waitFor('delivered state', async () => {
    const r = await users.admin.get('/api/v1/admin/outbox?state=delivered&limit=5');
    return r.data.items.some((m) => m.id === dead.id);
  });
});

test('the admin outbox list is keyset-paged', async () => {
  const first = await users.admin.get('/api/v1/admin/outbox?state=delivered&limit=2');
  assert.equal(first.data.items.length, 2);
  assert.ok(first.data.next_cursor);
  const second = await users.admin.get(`/api/v1/admin/outbox?state=delivered&limit=2&cursor=${first.data.next_cursor}`);
  assert.ok(second.data.items[0].id < first.data.items[1].id);
  assertError(await users.admin.get('/api/v1/admin/outbox?limit=0'), 400, 'invalid_query', 'limit');
  assertError(await users.supervisor.get('/api/v1/admin/outbox'), 403, 'forbidden');
});

test('callback URLs: only http and https, only by an admin, the secret shown once', async () => {
  const put = (json, client = users.admin) => client.request('PUT', `/api/v1/admin/tokens/${platform.id}/callback`, { json });
  for (const url of ['file:///etc/passwd', 'gopher://127.0.0.1/', 'ftp://x/', 'http://', 'http://user:pw@host/', 'javascript:alert(1)', 'http://a b/']) {
    assertError(await put({ url }), 422, 'invalid_field', 'url');
  }
  assertError(await put({ url: receiver.url, extra: 1 }), 400);
  assertError(await put({ url: receiver.url }, users.supervisor), 403, 'forbidden');
  assertError(await users.admin.request('PUT', '/api/v1/admin/tokens/999999/callback', { json: { url: receiver.url } }), 404, 'not_found');
  const refused = runCli(['token', 'callback', 'hotline-12345', 'file:///etc/passwd', '--data-dir', server.dataDir]);
  assert.equal(refused.status, 2);
  const tokens = await users.admin.get('/api/v1/admin/tokens');
  const row = tokens.data.items.find((t) => t.id === platform.id);
  assert.equal(row.callback_url, receiver.url);
  assert.ok(!JSON.stringify(tokens.data).includes(platform.secret), 'the secret is never listed');
  // The command line sets a new secret; the next message is signed with it.
  const cli = runCli(['token', 'callback', 'hotline-12345', receiver.url, '--data-dir', server.dataDir]);
  assert.equal(cli.status, 0, cli.stderr);
  const secret = cli.stdout.trim();
  assert.match(secret, /^[0-9a-f]{64}$/);
  const c = await fileTicket(server, platform.token, 'GD-OB-NEWKEY');
  await act(users.supervisor, c, 'accept', { category_id: garbageId });
  const [msg] = await waitFor('the message', () => receiver.delivered('GD-OB-NEWKEY').length && receiver.delivered('GD-OB-NEWKEY'));
  assert.ok(verify(secret, msg));
  platform.secret = secret;
  const audit = await users.admin.get(`/api/v1/admin/audit?subject=api_token:${platform.id}`);
  assert.ok(audit.data.items.some((e) => e.action === 'token.callback'));
  assert.ok(!JSON.stringify(audit.data).includes(secret), 'the audit log keeps no secret');
});

test('a platform reads back its own tickets only, without personal data', async () => {
  const c = await fileTicket(server, platform.token, 'GD-OB-READ');
  await act(users.supervisor, c, 'accept', { category_id: garbageId });
  const r = await hotline(server, platform.token, 'GET', '/GD-OB-READ');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.data.case_no, c.case_no);
  assert.equal(r.data.external_id, 'GD-OB-READ');
  assert.equal(r.data.state, 'accepted');
  assert.deepEqual(r.data.timeline.map((e) => e.to), ['reported', 'accepted']);
  assert.ok(!r.text.includes('13800001234') && !r.text.includes('赵六') && !('citizen' in r.data));
  const other = await issueToken(server, users.admin, 'hotline-other', null);
  assertError(await hotline(server, other.token, 'GET', '/GD-OB-READ'), 404, 'not_found');
  assertError(await hotline(server, platform.token, 'GET', '/NO-SUCH'), 404, 'not_found');
  assert.equal((await fetch(`${server.base}/api/v1/intake/hotline/GD-OB-READ`)).status, 401);
});

test('the platform\'s 回访 counts in the assessment like a citizen\'s rating', async () => {
  let c = await fileTicket(server, platform.token, 'GD-OB-VISIT');
  assertError(await hotline(server, platform.token, 'POST', '/GD-OB-VISIT/visit', { result: 'satisfied' }), 409, 'illegal_transition');
  c = await walkToClosed(c);
  assertError(await hotline(server, platform.token, 'POST', '/GD-OB-VISIT/visit', { result: 'great' }), 422, 'invalid_field', 'result');
  assertError(await hotline(server, platform.token, 'POST', '/GD-OB-VISIT/visit', { result: 'satisfied', extra: 1 }), 400);
  const other = await issueToken(server, users.admin, 'hotline-visitor', null);
  assertError(await hotline(server, other.token, 'POST', '/GD-OB-VISIT/visit', { result: 'satisfied' }), 404, 'not_found');
  const v = await hotline(server, platform.token, 'POST', '/GD-OB-VISIT/visit', { result: 'satisfied', note: '回访满意' });
  assert.equal(v.status, 200, v.text);
  assert.equal(v.data.rating, 'satisfied');
  assert.equal(v.data.reopened, false);
  assertError(await hotline(server, platform.token, 'POST', '/GD-OB-VISIT/visit', { result: 'dissatisfied' }), 409, 'conflict');
  const ratings = dbQuery(server, `SELECT rating, source FROM case_rating WHERE case_id = ${c.id}`);
  assert.equal(ratings, 'satisfied|hotline');
  const day = (o) => new Date(Date.now() + 8 * 3600000 + o * 86400000).toISOString().slice(0, 10);
  const a = await users.leader.get(`/api/v1/assessment?group=department&from=${day(-2)}&to=${day(40)}`);
  assert.equal(a.status, 200, a.text);
  const row = a.data.rows.find((x) => x.code === '440902-D01');
  assert.equal(row.rates.satisfaction_rate, 1, 'the one rated closure was satisfied');
});

test('the sender and the admin list read through indexes, never the delivered history', { skip: ENGINE !== 'sqlite' }, () => {
  const r = runCli(['explain', '--data-dir', server.dataDir]);
  assert.equal(r.status, 0, r.stderr);
  const plans = r.stdout.split('\n\n').filter((b) => b.startsWith('outbox:'));
  assert.equal(plans.length, 3, r.stdout);
  for (const plan of plans) {
    assert.doesNotMatch(plan, /SCAN (m|e|outbox_message)\b/, plan);
    assert.doesNotMatch(plan, /TEMP B-TREE/, plan);
  }
  assert.match(plans.find((p) => p.includes('due')), /USING INDEX outbox_due/);
});

test('nothing is lost across a kill -9 between the commit and the delivery', async () => {
  // A receiver that is down: its port is taken, then let go.
  const down = await startReceiver();
  const port = down.port;
  await down.close();
  const dataDir = tempDir('outbox-kill-');
  const database = PG ? freshDatabase() : undefined;
  const seeded = runCli(['seed-demo', '--data-dir', dataDir, '--history-days', '0'], { env: database ? { CHENGGUAN_DB: database.url } : {} });
  assert.equal(seeded.status, 0, seeded.stderr);
  const args = ['--outbox-poll', '50', '--outbox-retry-base', '100', '--outbox-retry-max', '400', '--outbox-attempts', '100',
    '--outbox-connect-timeout', '300', '--outbox-timeout', '1000'];
  let first = await startServer({ dataDir, database, args, keepData: true });
  const admin = await demoClient(first, 'admin');
  const supervisor = await demoClient(first, 'supervisor');
  const saved = { supervisor: users.supervisor };
  users.supervisor = supervisor;
  const p = await issueToken(first, admin, 'hotline-kill', `http://127.0.0.1:${port}/hook`);
  const cases = [];
  for (let i = 0; i < 3; i++) {
    let c = await fileTicket(first, p.token, `GD-KILL-${i}`);
    c = await act(supervisor, c, 'accept', { category_id: garbageId });
    if (i < 2) c = await act(supervisor, c, 'dispatch', { department_id: departments['440902-D01'] });
    cases.push(c);
  }
  users.supervisor = saved.supervisor;
  const pending = Number(dbQuery(first, "SELECT count(*) FROM outbox_message WHERE state = 'pending'"));
  assert.ok(pending >= 3, `pending before the kill: ${pending}`);
  first.child.kill('SIGKILL');
  await new Promise((ok) => first.child.once('exit', ok)).catch(() => {});
  const keys = dbQuery(first, 'SELECT idempotency_key FROM outbox_message ORDER BY id').split('\n');
  const up = await startReceiver(port);
  const second = await startServer({ dataDir, database, args, keepData: true });
  try {
    await waitFor('every message', () => {
      const got = new Set(up.requests.filter((q) => q.status === 200).map((q) => q.headers['idempotency-key']));
      return keys.every((k) => got.has(k));
    }, 30000);
    // Duplicates only under one key, with the same body.
    const bodies = new Map();
    for (const q of up.requests) {
      const k = q.headers['idempotency-key'];
      assert.ok(keys.includes(k), `unknown key ${k}`);
      if (bodies.has(k)) assert.equal(bodies.get(k), q.body);
      bodies.set(k, q.body);
      assert.ok(verify(p.secret, q));
    }
    // And per case in order.
    for (let i = 0; i < 3; i++) {
      const seen = up.requests.filter((q) => q.payload.external_id === `GD-KILL-${i}` && q.status === 200).map((q) => q.payload.event);
      assert.deepEqual([...new Set(seen)], i < 2 ? ['accepted', 'dispatched'] : ['accepted']);
    }
    await waitFor('delivered in the store', () => dbQuery(second, "SELECT count(*) FROM outbox_message WHERE state <> 'delivered'") === '0');
  } finally {
    await second.stop();
    await up.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (database) database.drop();
  }
});
