// SPDX-License-Identifier: MIT
// Notifications through the outbox, against receivers this test starts on the
// loopback: an SMS gateway and a webhook (HTTP, signatures recomputed here)
// and a tiny SMTP server. A citizen who filed on the portal with a phone gets
// an SMS when the case is filed, closed (with the tracking and rating link)
// and reopened, in zh or in the language chosen; a stop through the public
// endpoint ends them for the phone. A department with channels set by an
// admin (audited) gets its reminder (催办) and 督办 by webhook, SMS and e-mail,
// with the test build's clock moved forward. Cases filed through Open311's
// api_key reach the token's callback, a disabled token's do not. A server
// without a gateway writes no SMS at all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { createHmac } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startServer, startDemo, demoClient, Client, assertError, runCli, uploadPhoto, tempDir, freshDatabase,
  dbQuery, PG, HONGQI, NO_HISTORY,
} from './lib.mjs';

const HOUR = 3600000;
const SMS_KEY = 'sms-gateway-key-for-the-test-0123456789';
const PUBLIC_URL = 'https://city.example';
const FAST = ['--outbox-poll', '50', '--outbox-retry-base', '200', '--outbox-retry-max', '1600',
  '--outbox-attempts', '5', '--outbox-connect-timeout', '500', '--outbox-timeout', '3000',
  '--escalation-interval', '1', '--session-idle', '864000', '--session-max', '864000'];

let dataDir;
let database;
let clockFile;
let server;
let gateway; // the SMS gateway
let hook; // departments' and the hotline platform's webhook receiver
let smtp;
const users = {};
let departments;
let garbageId;
let urgentId;
let seed = 91000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, fn, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// An HTTP receiver on the loopback recording every request; answers 200.
async function startReceiver() {
  const r = { requests: [] };
  r.server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let payload = null;
      try { payload = JSON.parse(body); } catch { payload = null; }
      r.requests.push({ headers: req.headers, body, payload, url: req.url });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise((ok) => r.server.listen(0, '127.0.0.1', ok));
  r.url = `http://127.0.0.1:${r.server.address().port}/in`;
  r.close = () => new Promise((ok) => { r.server.closeAllConnections(); r.server.close(ok); });
  return r;
}

// Just enough SMTP for libcurl: EHLO/HELO, MAIL FROM, RCPT TO, DATA, QUIT.
// Records {from, to, data} per message.
async function startSmtp() {
  const s = { mails: [], sockets: new Set() };
  s.server = net.createServer((socket) => {
    s.sockets.add(socket);
    socket.on('close', () => s.sockets.delete(socket));
    let buffer = '';
    let mail = null;
    let inData = false;
    const reply = (line) => socket.write(`${line}\r\n`);
    reply('220 test-smtp ready');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          mail.data = buffer.slice(0, end);
          buffer = buffer.slice(end + 5);
          inData = false;
          s.mails.push(mail);
          reply('250 queued');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') reply('250-test-smtp\r\n250 8BITMIME');
        else if (verb === 'HELO') reply('250 test-smtp');
        else if (verb === 'MAIL') { mail = { from: line.slice(10).trim(), to: [] }; reply('250 ok'); }
        else if (verb === 'RCPT') { mail.to.push(line.slice(8).trim()); reply('250 ok'); }
        else if (verb === 'DATA') { inData = true; reply('354 go on'); }
        else if (verb === 'QUIT') { reply('221 bye'); socket.end(); return; }
        else if (verb === 'RSET' || verb === 'NOOP') reply('250 ok');
        else reply('502 not here');
      }
    });
  });
  await new Promise((ok) => s.server.listen(0, '127.0.0.1', ok));
  s.url = `smtp://127.0.0.1:${s.server.address().port}`;
  s.close = () => new Promise((ok) => { for (const k of s.sockets) k.destroy(); s.server.close(ok); });
  return s;
}

function verify(secret, q) {
  const ts = q.headers['x-chengguan-timestamp'];
  const expected = createHmac('sha256', secret).update(`${ts}.${q.body}`).digest('hex');
  return q.headers['x-chengguan-signature'] === expected;
}

function setClock(offset) {
  writeFileSync(clockFile, String(Math.round(offset)));
}

const smsTo = (phone) => gateway.requests.filter((q) => q.payload && q.payload.to === phone);
const smsOf = (caseNo) => gateway.requests.filter((q) => q.payload && q.payload.text.includes(caseNo));

before(async () => {
  gateway = await startReceiver();
  hook = await startReceiver();
  smtp = await startSmtp();
  dataDir = tempDir('notify-');
  clockFile = join(dataDir, 'clock');
  setClock(0);
  database = PG ? freshDatabase() : undefined;
  const seeded = runCli(['seed-demo', ...NO_HISTORY, '--data-dir', dataDir], { env: database ? { CHENGGUAN_DB: database.url } : {} });
  assert.equal(seeded.status, 0, seeded.stderr);
  server = await startServer({
    dataDir, database,
    args: [...FAST, '--sms-url', gateway.url, '--public-url', `${PUBLIC_URL}/`, '--smtp-url', smtp.url,
      '--smtp-from', 'notices@city.example'],
    env: { CHENGGUAN_TEST_CLOCK_FILE: clockFile, CHENGGUAN_SMS_KEY: SMS_KEY },
  });
  for (const name of ['admin', 'supervisor', 'inspector', 'dept_municipal']) users[name] = await demoClient(server, name);
  const units = await users.supervisor.get('/api/v1/org-units?type=department');
  departments = Object.fromEntries(units.data.items.map((u) => [u.code, u.id]));
  const trees = (await users.supervisor.get('/api/v1/categories')).data.trees;
  const subclasses = trees.find((t) => t.tree === 'event').majors.flatMap((m) => m.subclasses);
  garbageId = subclasses.find((s) => s.code === '0102').id;
  urgentId = subclasses.find((s) => s.code === '0403').id; // road flooding: 4 urgent hours
});

after(async () => {
  if (server) await server.stop();
  await gateway.close();
  await hook.close();
  await smtp.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (database) database.drop();
});

async function act(client, c, action, extra = {}) {
  const fresh = (await client.get(`/api/v1/cases/${c.id}`)).data;
  const r = await client.post(`/api/v1/cases/${c.id}/${action}`, { version: fresh.version, ...extra });
  assert.equal(r.status, 200, `${action}: ${r.text}`);
  return r.data;
}

async function report(srv, body) {
  const r = await new Client(srv.base).post('/api/v1/public/cases', {
    description: `路边垃圾无人清理 ${seed++}`, ...HONGQI, ...body,
  });
  assert.equal(r.status, 201, r.text);
  return r.data;
}

// The staff's view of a case filed on the portal.
async function staffCase(caseNo) {
  const id = dbQuery(server, `SELECT id FROM case_record WHERE case_no = '${caseNo}'`);
  const r = await users.supervisor.get(`/api/v1/cases/${id}`);
  assert.equal(r.status, 200, `case ${caseNo}: ${r.text}`);
  return r.data;
}

async function walkToClosed(c) {
  c = await act(users.supervisor, c, 'accept', { category_id: garbageId });
  c = await act(users.supervisor, c, 'dispatch', { department_id: departments['440902-D01'] });
  c = await act(users.dept_municipal, c, 'sign');
  assert.equal((await uploadPhoto(users.dept_municipal, c.id, 'after', seed++)).status, 201);
  c = await act(users.dept_municipal, c, 'handle', { note: '已清运' });
  assert.equal((await uploadPhoto(users.inspector, c.id, 'check', seed++)).status, 201);
  c = await act(users.inspector, c, 'check-pass');
  return act(users.supervisor, c, 'close');
}

test('a citizen gets SMS when filed, closed (with the rating link) and reopened, signed, in zh', async () => {
  const filed = await report(server, { phone: '138 0013 8000', name: '王五' });
  const link = `${PUBLIC_URL}/#no=${filed.case_no}&code=${filed.query_code}`;
  const [first] = await waitFor('the filing SMS', () => smsOf(filed.case_no).length >= 1 && smsOf(filed.case_no));
  assert.equal(first.payload.to, '13800138000', 'the phone without spaces');
  assert.equal(first.payload.template, 'filed');
  assert.equal(first.payload.lang, 'zh');
  assert.match(first.payload.text, /已受理/);
  assert.ok(first.payload.text.includes(link), first.payload.text);
  assert.ok(first.payload.text.includes(`${link}&stop=1`), 'how to stop');
  assert.ok(verify(SMS_KEY, first), 'the signature verifies with --sms-key');
  assert.ok(!verify('another-key', first));
  assert.equal(first.payload.idempotency_key, first.headers['idempotency-key']);
  assert.match(first.payload.idempotency_key, /^cg-event-\d+-sms$/);
  await walkToClosed(await staffCase(filed.case_no));
  const closed = await waitFor('the closing SMS', () => smsOf(filed.case_no).find((q) => q.payload.template === 'closed'));
  assert.match(closed.payload.text, /已办结/);
  assert.ok(closed.payload.text.includes(link), 'the closing SMS carries the tracking and rating link');
  // The link's page rates the case with the code the SMS carries.
  const rated = await new Client(server.base).post(`/api/v1/public/cases/${filed.case_no}/rating`,
    { code: filed.query_code, rating: 'unsatisfied', comment: '还有垃圾' });
  assert.equal(rated.status, 200, rated.text);
  // Unsatisfied, the case is reopened: the citizen hears of it.
  const reopened = await waitFor('the reopening SMS', () => smsOf(filed.case_no).find((q) => q.payload.template === 'reopened'));
  assert.match(reopened.payload.text, /重新办理/);
  const all = smsOf(filed.case_no);
  assert.deepEqual(all.map((q) => q.payload.template), ['filed', 'closed', 'reopened'], 'nothing for the steps between');
  assert.equal(new Set(all.map((q) => q.payload.idempotency_key)).size, 3);
  assert.ok(all.every((q) => verify(SMS_KEY, q)));
  assert.ok(all.every((q) => !q.body.includes('王五')), 'no name in the SMS');
});

test('the citizen\'s language chosen on the portal is the SMS\'s; a bad one is refused', async () => {
  const filed = await report(server, { phone: '13900139000', lang: 'en' });
  const [sms] = await waitFor('the English SMS', () => smsOf(filed.case_no).length && smsOf(filed.case_no));
  assert.equal(sms.payload.lang, 'en');
  assert.match(sms.payload.text, /^City services: your report is filed as case \d{14}\. Track it: https:\/\/city\.example\/#no=/);
  const bad = await new Client(server.base).post('/api/v1/public/cases', { description: '测试', ...HONGQI, phone: '13900139000', lang: 'fr' });
  assertError(bad, 400, 'invalid_field', 'lang');
});

test('a stop through the public endpoint ends SMS to that phone, for later cases too', async () => {
  const phone = '13700137000';
  const filed = await report(server, { phone });
  await waitFor('the filing SMS', () => smsTo(phone).length === 1);
  const anonymous = new Client(server.base);
  const wrong = await anonymous.post(`/api/v1/public/cases/${filed.case_no}/optout`, { code: 'WRONG1' });
  assertError(wrong, 404, 'not_found');
  const missing = await anonymous.post(`/api/v1/public/cases/${filed.case_no}/optout`, {});
  assert.equal(missing.status, 400);
  const tracked = () => anonymous.get(`/api/v1/public/cases/${filed.case_no}?code=${filed.query_code}`);
  assert.equal((await tracked()).data.citizen.sms, true, 'the page offers to stop');
  const stop = await anonymous.post(`/api/v1/public/cases/${filed.case_no}/optout`, { code: filed.query_code });
  assert.equal(stop.status, 200, stop.text);
  assert.deepEqual(stop.data, { sms: false });
  assert.equal((await tracked()).data.citizen.sms, false);
  const again = await anonymous.post(`/api/v1/public/cases/${filed.case_no}/optout`, { code: filed.query_code });
  assert.equal(again.status, 200, 'stopping twice is fine');
  // Closing the first case and filing another with the phone (spelt otherwise) send nothing.
  await walkToClosed(await staffCase(filed.case_no));
  const second = await report(server, { phone: '137-0013-7000' });
  await sleep(1500);
  assert.equal(smsTo(phone).length, 1, 'only the SMS sent before the stop');
  assert.equal(dbQuery(server, `SELECT count(*) FROM outbox_message WHERE kind = 'sms' AND target = '${phone}'`), '1');
  assert.ok(smsOf(second.case_no).length === 0);
  // A case filed without a phone has nothing to stop.
  const quiet = await report(server, {});
  const none = await anonymous.post(`/api/v1/public/cases/${quiet.case_no}/optout`, { code: quiet.query_code });
  assertError(none, 409, 'conflict');
});

test('an admin sets a department\'s channels (audited); bad values are refused and nothing changes', async () => {
  const unit = departments['440902-D01'];
  const path = `/api/v1/admin/org-units/${unit}/notify`;
  const empty = await users.admin.get(path);
  assert.equal(empty.status, 200, empty.text);
  assert.deepEqual(empty.data, { unit_id: unit, webhook_url: '', phone: '', email: '' });
  for (const [body, field] of [
    [{ webhook_url: 'ftp://example.org/x' }, 'webhook_url'],
    [{ phone: '12ab' }, 'phone'],
    [{ email: 'not an address' }, 'email'],
    [{ email: 'a@b' }, 'email'],
  ]) assertError(await users.admin.request('PUT', path, { json: body }), 422, 'invalid_field', field);
  assert.equal((await users.admin.request('PUT', '/api/v1/admin/org-units/999999/notify', { json: {} })).status, 404);
  assert.equal((await users.supervisor.request('PUT', path, { json: { phone: '13600136000' } })).status, 403);
  assert.deepEqual((await users.admin.get(path)).data, empty.data, 'nothing was stored');
  const put = await users.admin.request('PUT', path, {
    json: { webhook_url: hook.url, phone: '+86 136-0013-6000', email: 'shizheng@city.example' },
  });
  assert.equal(put.status, 200, put.text);
  assert.match(put.data.webhook_secret, /^[0-9a-f]{64}$/);
  assert.equal(put.data.phone, '+8613600136000');
  const read = await users.admin.get(path);
  assert.deepEqual(read.data, { unit_id: unit, webhook_url: hook.url, phone: '+8613600136000', email: 'shizheng@city.example' });
  assert.equal(read.data.webhook_secret, undefined, 'the secret is shown once');
  const audit = dbQuery(server, `SELECT data FROM audit_log WHERE action = 'org_unit.notify' AND subject_id = ${unit}`);
  assert.match(audit, /shizheng@city\.example/);
  assert.doesNotMatch(audit, new RegExp(put.data.webhook_secret), 'never the secret');
  users.webhookSecret = put.data.webhook_secret;
});

test('escalation\'s reminder and 督办 reach the department by webhook, SMS and e-mail', async () => {
  assert.ok(users.webhookSecret, 'the channels of the previous test');
  const unit = departments['440902-D01'];
  const r = await users.inspector.post('/api/v1/cases', { description: '红旗路积水 通知测试', ...HONGQI });
  assert.equal(r.status, 201, r.text);
  let c = r.data.case;
  c = await act(users.supervisor, c, 'accept', { category_id: urgentId });
  c = await act(users.supervisor, c, 'dispatch', { department_id: unit });
  c = await act(users.dept_municipal, c, 'sign');
  const hooks = () => hook.requests.filter((q) => q.payload && q.payload.case_no === c.case_no);
  setClock(3.3 * HOUR); // handling: yellow; arrival: already red
  const remind = await waitFor('the reminder by webhook', () => hooks().find((q) => q.payload.event === 'remind' && q.payload.stage === 'handle'), 30000);
  assert.ok(verify(users.webhookSecret, remind), 'signed with the unit\'s secret');
  assert.equal(remind.payload.unit_id, unit);
  assert.equal(remind.payload.level, 'yellow');
  assert.equal(remind.payload.audience, 'unit');
  assert.match(remind.payload.text, /催办/);
  assert.match(remind.headers['idempotency-key'], new RegExp(`^cg-event-\\d+-webhook-${unit}$`));
  const sms = await waitFor('the reminder by SMS', () => smsTo('+8613600136000').find((q) => q.payload.template === 'remind' && q.payload.text.includes(c.case_no)));
  assert.ok(verify(SMS_KEY, sms));
  assert.match(sms.payload.text, /处置环节/);
  const mail = await waitFor('the reminder by e-mail', () => smtp.mails.find((m) => m.data.includes(`Subject: =?UTF-8?B?${Buffer.from(`催办：案件${c.case_no}`).toString('base64')}?=`)));
  assert.equal(mail.from, '<notices@city.example>');
  assert.deepEqual(mail.to, ['<shizheng@city.example>']);
  const body = Buffer.from(mail.data.split('\r\n\r\n').slice(1).join('').replace(/\r\n/g, ''), 'base64').toString('utf8');
  assert.match(body, new RegExp(`案件${c.case_no}`));
  assert.match(mail.data, /Content-Type: text\/plain; charset=UTF-8/);
  setClock(4.2 * HOUR);
  const supervise = await waitFor('the 督办 by webhook', () => hooks().find((q) => q.payload.event === 'supervise' && q.payload.stage === 'handle'), 30000);
  assert.ok(verify(users.webhookSecret, supervise));
  assert.equal(supervise.payload.level, 'red');
  assert.match(supervise.payload.text, /督办/);
  await waitFor('the 督办 by SMS', () => smsTo('+8613600136000').find((q) => q.payload.template === 'supervise' && q.payload.text.includes(c.case_no)));
  await waitFor('the 督办 by e-mail', () => smtp.mails.find((m) => m.data.includes(Buffer.from(`督办：案件${c.case_no}`).toString('base64'))));
  // One of each per escalation, whatever the number of scans.
  await sleep(2500);
  assert.equal(hooks().filter((q) => q.payload.event === 'remind' && q.payload.stage === 'handle').length, 1);
  assert.equal(hooks().filter((q) => q.payload.event === 'supervise' && q.payload.stage === 'handle').length, 1);
  setClock(0);
});

test('a case filed through Open311\'s api_key reaches the token\'s callback; a disabled token\'s does not', async () => {
  const issued = runCli(['token', 'add', 'open311-app', '--channel', '12345', '--user', 'operator', '--data-dir', dataDir],
    { env: database ? { CHENGGUAN_DB: database.url } : {} });
  assert.equal(issued.status, 0, issued.stderr);
  const apiKey = issued.stdout.trim();
  const tokens = await users.admin.get('/api/v1/admin/tokens');
  const row = tokens.data.items.find((t) => t.name === 'open311-app');
  const put = await users.admin.request('PUT', `/api/v1/admin/tokens/${row.id}/callback`, { json: { url: hook.url } });
  assert.equal(put.status, 200, put.text);
  const post = async () => {
    const body = new URLSearchParams({ api_key: apiKey, service_code: 'event-0102', lat: HONGQI.lat, long: HONGQI.lon, description: `路边垃圾 ${seed++}` }).toString();
    const r = await new Client(server.base).request('POST', '/open311/v2/requests.json', { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(r.status, 201, r.text);
    return r.data[0].service_request_id;
  };
  const caseNo = await post();
  const c = await staffCase(caseNo);
  await act(users.supervisor, c, 'accept', { category_id: garbageId });
  const accepted = await waitFor('the callback', () => hook.requests.find((q) => q.payload && q.payload.case_no === caseNo && q.payload.event === 'accepted'));
  assert.ok(verify(put.data.secret, accepted));
  // Disabled, the token's cases are told nothing more.
  const second = await post();
  dbQuery(server, `UPDATE api_token SET disabled = ${PG ? 'true' : '1'} WHERE id = ${row.id}`);
  await act(users.supervisor, await staffCase(second), 'accept', { category_id: garbageId });
  await sleep(1500);
  assert.equal(hook.requests.filter((q) => q.payload && q.payload.case_no === second).length, 0);
  assert.equal(dbQuery(server, `SELECT count(*) FROM outbox_message m JOIN case_record c ON c.id = m.case_id WHERE c.case_no = '${second}' AND m.kind = 'hotline'`), '0');
});

test('without a gateway or SMTP server nothing is written for citizens or departments', async () => {
  const plain = await startDemo({ args: FAST });
  try {
    const admin = await demoClient(plain, 'admin');
    const units = await admin.get('/api/v1/org-units?type=department');
    const unit = units.data.items.find((u) => u.code === '440902-D01').id;
    const put = await admin.request('PUT', `/api/v1/admin/org-units/${unit}/notify`, { json: { phone: '13600136000', email: 'a@city.example' } });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.data.webhook_secret, undefined, 'no webhook, no secret');
    const before = gateway.requests.length;
    await report(plain, { phone: '13500135000' });
    await sleep(500);
    assert.equal(dbQuery(plain, 'SELECT count(*) FROM case_notify'), '0', 'the code is not kept');
    assert.equal(dbQuery(plain, "SELECT count(*) FROM outbox_message WHERE kind IN ('sms', 'email')"), '0');
    assert.equal(gateway.requests.length, before, 'the gateway heard nothing');
  } finally {
    await plain.stop();
  }
});

test('serve refuses a gateway without a key and templates with unknown placeholders', () => {
  const dir = tempDir('notify-opts-');
  try {
    const noKey = runCli(['serve', '--data-dir', dir, '--port', '0', '--sms-url', 'http://127.0.0.1:9/x']);
    assert.equal(noKey.status, 2, noKey.stderr);
    assert.match(noKey.stderr, /--sms-key/);
    const file = join(dir, 'templates.json');
    writeFileSync(file, JSON.stringify({ zh: { filed: '案件{case_number}' } }));
    const bad = runCli(['serve', '--data-dir', dir, '--port', '0', '--sms-url', 'http://127.0.0.1:9/x', '--sms-templates', file],
      { env: { CHENGGUAN_SMS_KEY: 'k' } });
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /zh\.filed: an unknown placeholder/);
    const smtpBad = runCli(['serve', '--data-dir', dir, '--port', '0', '--smtp-url', 'http://mail.example']);
    assert.equal(smtpBad.status, 2);
    assert.match(smtpBad.stderr, /--smtp-url/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
