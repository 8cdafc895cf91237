// SPDX-License-Identifier: MIT
// Findings of the outside audit (issue 10), each held by a test: the calendar's
// limit is a clear 422, not days silently ignored; replaced calendar snapshots are
// freed while readers run; calendar days are exactly YYYY-MM-DD; JSON bodies are
// held to RFC 8259 (byte order mark, numbers, repeated members, GeoJSON
// properties included); hotline tokens act only as operators; and a user's edit
// ends sessions only when it changes what the account may do.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  startDemo, startServer, demoClient, assertError, runCli, Client, dbQuery, ENGINE, HONGQI, DEMO_PASSWORD,
} from './lib.mjs';

let server;
before(async () => { server = await startDemo(); });
after(async () => { await server.stop(); });

// Local (UTC+8) date of an instant as YYYY-MM-DD.
const localDay = (ms) => new Date(ms + 8 * 3600000).toISOString().slice(0, 10);

const sql = dbQuery;

const CALENDAR_LIMIT = 4096;

test('the calendar holds thousands of holidays, and past its limit a day is refused with 422, never ignored', async () => {
  const own = await startDemo({ args: ['--no-fsync'] });
  try {
    const admin = await demoClient(own, 'admin');
    const inspector = await demoClient(own, 'inspector');
    const file = async () => {
      const r = await inspector.post('/api/v1/cases', { description: '日历上限：路面不洁', ...HONGQI });
      assert.equal(r.status, 201, r.text);
      return r.data.case;
    };
    const first = await file();
    const deadlineDay = localDay(first.clock.deadline);
    // Fill the holidays of 2000-2025 (all before the deadline, so a calendar that
    // kept only its first days would drop the one added last) up to one below
    // the limit.
    const stored = Number(sql(own, "SELECT count(*) FROM calendar_day WHERE kind = 'holiday'"));
    sql(own, ENGINE === 'sqlite'
      ? `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${CALENDAR_LIMIT - 2 - stored})
      INSERT INTO calendar_day (day, kind, name) SELECT CAST(strftime('%Y%m%d', '2000-01-01', '+' || i || ' days') AS INTEGER), 'holiday', '填充' FROM n`
      : `INSERT INTO calendar_day (day, kind, name) SELECT to_char(date '2000-01-01' + i, 'YYYYMMDD')::int, 'holiday', '填充'
      FROM generate_series(0, ${CALENDAR_LIMIT - 2 - stored}) AS i`);
    assert.equal(Number(sql(own, "SELECT count(*) FROM calendar_day WHERE kind = 'holiday'")), CALENDAR_LIMIT - 1);

    // The last one that fits counts at once for new deadlines.
    const put = await admin.request('PUT', `/api/v1/admin/calendar/days/${deadlineDay}`, { json: { kind: 'holiday', name: '第4096个假日' } });
    assert.equal(put.status, 200, put.text);
    const second = await file();
    assert.ok(second.clock.deadline > first.clock.deadline, 'the deadline skips the holiday added last');
    assert.notEqual(localDay(second.clock.deadline), deadlineDay);

    // One more is refused, clearly, and not stored.
    const full = await admin.request('PUT', '/api/v1/admin/calendar/days/2099-12-31', { json: { kind: 'holiday', name: '放不下' } });
    assertError(full, 422, 'unprocessable', null);
    assert.match(full.data.error.message, /4096/);
    assert.match(full.data.error.message, /remove/);
    const year = (await admin.get('/api/v1/calendar?year=2099')).data.days;
    assert.deepEqual(year, [], 'nothing stored');
    // Re-saving a holiday already there, or turning one into a working day, fits.
    assert.equal((await admin.request('PUT', `/api/v1/admin/calendar/days/${deadlineDay}`, { json: { kind: 'holiday', name: '改名' } })).status, 200);
    assert.equal((await admin.request('PUT', '/api/v1/admin/calendar/days/2000-01-01', { json: { kind: 'workday', name: '调休' } })).status, 200);
    assert.equal((await admin.request('PUT', '/api/v1/admin/calendar/days/2099-12-31', { json: { kind: 'holiday' } })).status, 200, 'a freed place takes a holiday again');

    // A database holding more than the calendar can (written behind the server's
    // back) is refused at start, with the reason, rather than served with days missing.
    sql(own, "INSERT INTO calendar_day (day, kind, name) VALUES (20991230, 'holiday', '超出')");
    const refused = await startServer({ dataDir: own.dataDir }).then(
      async (s) => { await s.stop(); return null; }, (e) => e);
    assert.ok(refused instanceof Error, 'the second server must not start');
    assert.match(refused.message, /calendar/);
    assert.match(refused.message, /4096/);
    assert.doesNotMatch(refused.message, /Sanitizer/);
  } finally {
    await own.stop();
  }
});

test('calendar changes while staff read it: every read succeeds, replaced snapshots are freed', async () => {
  const own = await startDemo({ args: ['--no-fsync'] });
  try {
    const admin = await demoClient(own, 'admin');
    const readers = await Promise.all(['supervisor', 'leader', 'inspector'].map((u) => demoClient(own, u)));
    const filed = await readers[2].post('/api/v1/cases', { description: '日历快照：井盖松动', ...HONGQI });
    assert.equal(filed.status, 201, filed.text);
    const paths = ['/api/v1/cases?limit=50', `/api/v1/cases/${filed.data.case.id}`, '/api/v1/calendar?year=2031'];
    let writing = true;
    let reads = 0;
    const read = async (client, i) => {
      while (writing) {
        const r = await client.get(paths[i % paths.length]);
        assert.equal(r.status, 200, r.text);
        reads++;
      }
    };
    const write = async () => {
      try {
        for (let i = 0; i < 150; i++) {
          const day = `2031-01-${String(6 + (i % 5)).padStart(2, '0')}`;
          const r = i % 2 === 0
            ? await admin.request('PUT', `/api/v1/admin/calendar/days/${day}`, { json: { kind: 'holiday', name: `第${i}次` } })
            : await admin.request('DELETE', `/api/v1/admin/calendar/days/2031-01-${String(6 + ((i - 1) % 5)).padStart(2, '0')}`);
          assert.ok(r.status === 200 || r.status === 204, r.text);
        }
      } finally { writing = false; }
    };
    await Promise.all([write(), ...readers.map((c, i) => read(c, i))]);
    assert.ok(reads > 50, `the readers ran alongside (${reads} reads)`);
    const counts = [...own.log().matchAll(/calendar: reloaded[^;]*; (\d+) snapshot/g)].map((m) => Number(m[1]));
    assert.ok(counts.length >= 150, `a reload per change (${counts.length})`);
    // Beside the one in force, only snapshots that requests still read: a reader
    // holds one, two for a moment when its next request starts before the last
    // one's connection has finished. Never freeing them would reach 150.
    assert.ok(Math.max(...counts) <= 1 + 2 * readers.length, `snapshots pile up: ${counts.slice(-10)}`);
  } finally {
    // The sanitizer's leak check at exit: a snapshot never freed is a report.
    await own.stop();
  }
});

test('calendar days are exactly YYYY-MM-DD and years exactly YYYY: nothing lenient is stored', async () => {
  const admin = await demoClient(server, 'admin');
  for (const day of ['2026-+1-05', '2026-%201-05', '%202026-1-05', '2026-1-05', '2026-01-5', '+2026-01-05', '2026-01-05x', '2026-02-30', '2026-13-01', '1999-12-31', '2101-01-01']) {
    assertError(await admin.request('PUT', `/api/v1/admin/calendar/days/${day}`, { json: { kind: 'holiday' } }), 400, 'invalid_field', 'day');
    assertError(await admin.request('DELETE', `/api/v1/admin/calendar/days/${day}`), 400, 'invalid_field', 'day');
  }
  for (const year of ['%202026', '+2026', '2026.0', '02026', '2026x']) {
    assertError(await admin.get(`/api/v1/calendar?year=${year}`), 400, 'invalid_query', 'year');
  }
  const stored = (await admin.get('/api/v1/calendar?year=2026')).data.days;
  assert.equal(stored.filter((d) => d.day === '2026-01-05').length, 0, '2026-+1-05 was not stored as 2026-01-05');
});

// A staff case body in which `lat` and `lon` are written as given.
const caseBody = (lat, lon, extra = '') => `{"description":"严格解析：不该保存"${extra},"lat":${lat},"lon":${lon}}`;

test('JSON bodies follow RFC 8259: no byte order mark, no lenient numbers, clear 400s', async () => {
  const inspector = await demoClient(server, 'inspector');
  const post = (body, headers = {}) => inspector.request('POST', '/api/v1/cases', { body, headers: { 'content-type': 'application/json', ...headers } });
  const ok = caseBody(HONGQI.lat, HONGQI.lon);
  const bom = await post(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ok)]));
  assertError(bom, 400, 'invalid_json', null);
  assert.match(bom.data.error.message, /byte order mark/);
  const lon = String(HONGQI.lon);
  for (const [lat, lonText] of [
    ['0' + HONGQI.lat, lon], // 021.66: a leading zero
    [HONGQI.lat, '0' + lon], // 0110.92
    ['+' + HONGQI.lat, lon],
    [HONGQI.lat, '+' + lon],
    [String(HONGQI.lat).replace(/\d+$/, ''), lon], // "21." a bare point
    ['-.5', lon],
    ['NaN', lon],
    [HONGQI.lat, 'Infinity'],
    [HONGQI.lat, '-Infinity'],
  ]) {
    const r = await post(caseBody(lat, lonText));
    assertError(r, 400, 'invalid_json', null);
    assert.match(r.data.error.message, /numbers must be plain JSON numbers/, r.text);
    assert.match(r.data.error.message, /at byte \d+/, r.text);
  }
  for (const body of [
    caseBody(HONGQI.lat, HONGQI.lon, ',"note":"a\tb"'), // a raw tab in a string
    caseBody(HONGQI.lat, HONGQI.lon, ',"note":"\\x41"'),
    caseBody(HONGQI.lat, HONGQI.lon, ',"note":"\\ud800"'),
    caseBody(HONGQI.lat, HONGQI.lon, ',"note":"\\u0000"'),
    caseBody(HONGQI.lat, HONGQI.lon).replace('}', ',}'),
    `${ok}\u000b`,
  ]) assertError(await post(body), 400, 'invalid_json', null);
  for (const bytes of [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80]]) {
    const body = Buffer.concat([Buffer.from('{"description":"'), Buffer.from(bytes), Buffer.from(`","lat":${HONGQI.lat},"lon":${HONGQI.lon}}`)]);
    assertError(await post(body), 400, 'invalid_utf8', null);
  }
  const twice = await post(caseBody(HONGQI.lat, HONGQI.lon, ',"description":"第二个"'));
  assertError(twice, 400, 'invalid_json', 'description');
  assert.match(twice.data.error.message, /twice/);
  // None of it was stored; the plain body is.
  const listed = await inspector.get(`/api/v1/cases?q=${encodeURIComponent('严格解析')}`);
  assert.equal(listed.status, 200, listed.text);
  assert.deepEqual(listed.data.items, []);
  const created = await post(ok);
  assert.equal(created.status, 201, created.text);
});

// A square grid cell north of the demo grid (see places.test.mjs), as JSON text
// with its properties written out, so that a member can appear twice.
function cellText(code, properties) {
  const w = 110.9113 + 6 * 0.00097, e = w + 0.00097, s = 21.6636, n = s + 0.0009;
  const ring = JSON.stringify([[[w, s], [e, s], [e, n], [w, n], [w, s]]]);
  return `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{${properties}},` +
    `"geometry":{"type":"Polygon","coordinates":${ring}}}]}`;
}

test('a GeoJSON feature whose properties name a member twice is refused; the same without the repeat imports', async () => {
  const admin = await demoClient(server, 'admin');
  const url = '/api/v1/admin/grids/import';
  const locate = () => new Client(server.base).get(`/api/v1/grids/locate?lat=${21.6636 + 0.00045}&lon=${110.9113 + 6.5 * 0.00097}`);
  assertError(await locate(), 404, 'not_found');
  const twice = await admin.request('POST', url, { json: cellText('440902001001041', '"code":"440902001001041","name":"甲","code":"440902001001042"') });
  assertError(twice, 400, 'invalid_json', 'features[0].properties.code');
  assert.match(twice.data.error.message, /twice/);
  assertError(await locate(), 404, 'not_found');
  const once = await admin.request('POST', url, { json: cellText('440902001001041', '"code":"440902001001041","name":"甲"') });
  assert.equal(once.status, 200, once.text);
  assert.equal(once.data.imported, 1);
  assert.equal((await locate()).data.code, '440902001001041');
});

test('token add binds a hotline token to an operator account only; a token whose account is no longer an operator is refused', async () => {
  const dir = server.dataDir;
  for (const user of ['dept_municipal', 'supervisor', 'admin', 'inspector', 'leader']) {
    const r = runCli(['token', 'add', `platform-${user}`, '--channel', '12345', '--user', user, '--data-dir', dir]);
    assert.equal(r.status, 1, `${user}: ${r.stdout}`);
    assert.match(r.stderr, /operator account/, user);
    assert.equal(r.stdout, '', 'no token printed');
  }
  const admin = await demoClient(server, 'admin');
  const created = await admin.post('/api/v1/users', {
    username: 'platform_op', display_name: '12345平台', role: 'operator', org_unit_code: '440902', password: 'platform password 1',
  });
  assert.equal(created.status, 201, created.text);
  const issued = runCli(['token', 'add', 'platform-op', '--channel', '12345', '--user', 'platform_op', '--data-dir', dir]);
  assert.equal(issued.status, 0, issued.stderr);
  const token = issued.stdout.trim();
  const send = (externalId) => fetch(`${server.base}/api/v1/intake/hotline`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ external_id: externalId, description: '市民来电：路灯不亮', ...HONGQI }),
  }).then(async (r) => ({ status: r.status, data: await r.json() }));
  assert.equal((await send('TK-OP-1')).status, 201);
  // The account becomes a department's: its old token no longer files cases.
  const moved = await admin.patch(`/api/v1/users/${created.data.id}`, { role: 'department', org_unit_code: '440902-D01' });
  assert.equal(moved.status, 200, moved.text);
  const refused = await send('TK-OP-2');
  assert.equal(refused.status, 403);
  assert.equal(refused.data.error.code, 'forbidden');
  // A disabled operator gets no token either.
  const off = await admin.post('/api/v1/users', {
    username: 'platform_off', display_name: '停用平台', role: 'operator', org_unit_code: '440902', password: 'platform password 2',
  });
  assert.equal((await admin.patch(`/api/v1/users/${off.data.id}`, { disabled: true })).status, 200);
  const disabled = runCli(['token', 'add', 'platform-off', '--channel', '110', '--user', 'platform_off', '--data-dir', dir]);
  assert.equal(disabled.status, 1);
  assert.match(disabled.stderr, /disabled/);
});

test('editing a user ends their sessions only for password, role, unit or disabling; never the admin\'s own current one', async () => {
  const admin = await demoClient(server, 'admin');
  const password = 'session rules password';
  const created = await admin.post('/api/v1/users', {
    username: 'session_rules', display_name: '会话规则', role: 'inspector', org_unit_code: '440902001', password,
  });
  assert.equal(created.status, 201, created.text);
  const id = created.data.id;
  const signIn = async (username, pw) => {
    const c = new Client(server.base);
    assert.equal((await c.login(username, pw)).status, 200);
    return c;
  };
  const laptop = await signIn('session_rules', password);
  const phone = await signIn('session_rules', password);
  const me = (c) => c.get('/api/v1/auth/me');

  // A phone number or a name leaves every session alone.
  assert.equal((await admin.patch(`/api/v1/users/${id}`, { phone: '13811112222' })).status, 200);
  assert.equal((await admin.patch(`/api/v1/users/${id}`, { display_name: '会话规则乙' })).status, 200);
  assert.equal((await me(laptop)).status, 200, 'a new phone number keeps the session');
  assert.equal((await me(phone)).status, 200);
  assert.equal((await me(laptop)).data.user.display_name, '会话规则乙', 'and shows the new name at once');

  // A role change ends them: the same cookie replayed is refused.
  assert.equal((await admin.patch(`/api/v1/users/${id}`, { role: 'supervisor', org_unit_code: '440902001' })).status, 200);
  assertError(await me(laptop), 401, 'unauthenticated');
  assertError(await me(phone), 401, 'unauthenticated');

  // So does a change of unit alone.
  const again = await signIn('session_rules', password);
  assert.equal((await admin.patch(`/api/v1/users/${id}`, { org_unit_code: '440902002' })).status, 200);
  assertError(await me(again), 401, 'unauthenticated');

  // The admin edits their own phone: still signed in, and still allowed to write.
  const adminId = (await me(admin)).data.user.id;
  assert.ok(adminId > 0);
  const ownPhone = await admin.patch(`/api/v1/users/${adminId}`, { phone: '13900001234' });
  assert.equal(ownPhone.status, 200, ownPhone.text);
  assert.equal((await admin.get('/api/v1/users')).status, 200, 'the admin stays signed in');

  // The admin changes their own password: this session stays, the admin's other one ends.
  const otherDesk = await demoClient(server, 'admin');
  const ownPassword = await admin.patch(`/api/v1/users/${adminId}`, { password: DEMO_PASSWORD });
  assert.equal(ownPassword.status, 200, ownPassword.text);
  assert.equal((await me(admin)).status, 200, 'the session that changed the password stays');
  assert.equal((await admin.patch(`/api/v1/users/${id}`, { phone: '13800000001' })).status, 200, 'and may still write');
  assertError(await me(otherDesk), 401, 'unauthenticated');
});
