// SPDX-License-Identifier: MIT
// The citizen's side over HTTP: tracking a case with its number and query code
// (personal data masked, no staff names, ids, phones or internal notes), the same
// 404 for an unknown case and a wrong code, the per-address lockout after wrong
// codes, and the one rating per closure where "unsatisfied" reopens the case.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { startDemo, demoClient, Client, assertError } from './lib.mjs';

const WEST = 110.9113, NORTH = 21.6636, CELL_LON = 0.00097, CELL_LAT = 0.0009;
const cell = (i, j) => ({ lon: WEST + (i + 0.5) * CELL_LON, lat: NORTH - (j + 0.5) * CELL_LAT });

// Every demo account's username and display name, and the department names.
const STAFF_TEXT = ['admin', 'leader', 'supervisor', 'supervisor_hq', 'supervisor_hx', 'operator',
  'inspector', 'inspector_hx', 'inspector_hd', 'dept_municipal', 'dept_sanitation',
  'dept_landscaping', 'dept_hongqi', '系统管理员', '茂南区领导', '区指挥中心值班长', '红旗街道值班长',
  '河西街道值班长', '12345受理员', '红旗街道网格员', '河西街道网格员', '河东街道网格员', '市政工程管理所',
  '环境卫生管理所', '园林绿化所', '红旗街道办事处'];
const INTERNAL_NOTE = '内部备注：联系人李四';

function crc32(bytes) {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

let pngSeed = 0;
// A valid 1x1 RGB PNG whose colour differs on every call (so no photo is "reused").
function png() {
  pngSeed++;
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
  const pixels = Buffer.from([0, pngSeed & 255, (pngSeed >> 8) & 255, 77]);
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(pixels)), chunk('IEND', Buffer.alloc(0))]);
}

let server, citizen, supervisor, inspector, sanitation, sanitationId, garbageCategory;

async function fileCitizenCase(body) {
  const r = await citizen.post('/api/v1/public/cases', { ...cell(7, 1), ...body });
  assert.equal(r.status, 201, r.text);
  assert.match(r.data.query_code, /^[0-9A-Z]{6,}$/);
  return r.data;
}

async function caseIdOf(caseNo) {
  const r = await supervisor.get('/api/v1/cases?limit=100');
  const found = r.data.items.find((c) => c.case_no === caseNo);
  assert.ok(found, `case ${caseNo} in the supervisor's list`);
  return found.id;
}

async function act(client, id, action, body = {}) {
  const current = await client.get(`/api/v1/cases/${id}`);
  assert.equal(current.status, 200, current.text);
  const r = await client.post(`/api/v1/cases/${id}/${action}`, { version: current.data.version, ...body });
  assert.equal(r.status, 200, `${action}: ${r.text}`);
  return r.data;
}

async function photo(client, id, stage) {
  const r = await client.request('POST', `/api/v1/cases/${id}/attachments?stage=${stage}`,
    { body: png(), headers: { 'content-type': 'image/png' } });
  assert.ok(r.status === 201 || r.status === 200, `photo ${stage}: ${r.text}`);
}

// From dispatched to closed: sign, handle with an after photo, check with a photo, close.
async function handleToClosed(id) {
  await act(sanitation, id, 'sign');
  await photo(sanitation, id, 'after');
  await act(sanitation, id, 'handle', { note: `已清理完毕。${INTERNAL_NOTE}` });
  await photo(inspector, id, 'check');
  await act(inspector, id, 'check-pass', { note: '核查通过' });
  return act(supervisor, id, 'close', { note: '结案' });
}

async function closeCase(caseNo) {
  const id = await caseIdOf(caseNo);
  await act(supervisor, id, 'accept', { category_id: garbageCategory, note: INTERNAL_NOTE });
  await act(supervisor, id, 'dispatch', { department_id: sanitationId, note: '请环卫所处理 13900001111' });
  const closed = await handleToClosed(id);
  assert.equal(closed.state, 'closed');
  return id;
}

const track = (caseNo, code) => new Client(server.base).get(`/api/v1/public/cases/${caseNo}?code=${encodeURIComponent(code)}`);
const rate = (caseNo, body) => new Client(server.base).post(`/api/v1/public/cases/${caseNo}/rating`, body);

before(async () => {
  server = await startDemo();
  citizen = new Client(server.base);
  [supervisor, inspector, sanitation] = await Promise.all(
    ['supervisor', 'inspector', 'dept_sanitation'].map((u) => demoClient(server, u)));
  const units = await supervisor.get('/api/v1/org-units?type=department');
  sanitationId = Number(JSON.stringify(units.data).match(/"id":(\d+),"code":"440902-D02"/)[1]);
  const categories = await new Client(server.base).get('/api/v1/categories');
  const m = JSON.stringify(categories.data).match(/"id":(\d+),"tree":"event","code":"0102"/);
  assert.ok(m, 'the exposed garbage category (event 0102)');
  garbageCategory = Number(m[1]);
});

after(async () => { await server?.stop(); });

test('the right code shows the case, masked, with a timeline', async () => {
  const filed = await fileCitizenCase({ description: '小区门口有人占道经营', address: '红旗北路12号', name: '张三', phone: '13812345678' });
  const r = await track(filed.case_no, filed.query_code);
  assert.equal(r.status, 200, r.text);
  const v = r.data;
  assert.equal(v.case_no, filed.case_no);
  assert.equal(v.state, 'reported');
  assert.equal(v.merged_into, null);
  assert.equal(v.description, '小区门口有人占道经营');
  assert.equal(v.address, '红旗北路12号');
  assert.ok(v.category === null || (typeof v.category.name_zh === 'string' && typeof v.category.name_en === 'string'),
    'a category in both languages, or null');
  assert.deepEqual(v.citizen, { name: '张*', phone: '138****5678', sms: false }, 'no SMS gateway: no SMS');
  assert.equal(typeof v.created_at, 'number');
  assert.ok(v.deadline > v.created_at, 'an open case shows its deadline');
  assert.equal(v.rating, null);
  assert.equal(v.timeline.length, 1);
  assert.deepEqual(Object.keys(v.timeline[0]).sort(), ['action', 'code', 'created_at', 'public_note', 'to']);
  assert.equal(v.timeline[0].to, 'reported');
  // What happened travels as a code the client renders in its language.
  assert.equal(v.timeline[0].code, 'reported');
  assert.equal(v.timeline[0].public_note, null);
  assert.doesNotMatch(r.text.replace(/"(description|address|name|name_zh)":"[^"]*"/g, ''),
    /[\u4e00-\u9fff]/, 'no Chinese sentence from the server');
  assert.ok(!r.text.includes('张三') && !r.text.includes('12345678'), 'no full name or phone');
  // The code is typed in any case; a code with spaces or another case's code is wrong.
  assert.equal((await track(filed.case_no, filed.query_code.toLowerCase())).status, 200);
  const other = await fileCitizenCase({ description: '路灯不亮', name: '欧阳娜娜', phone: '95511' });
  assert.equal((await track(other.case_no, filed.query_code)).status, 404);
  const masked = (await track(other.case_no, other.query_code)).data.citizen;
  assert.deepEqual(masked, { name: '欧***', phone: '***11', sms: false });
  const anonymous = await fileCitizenCase({ description: '井盖缺失' });
  assert.deepEqual((await track(anonymous.case_no, anonymous.query_code)).data.citizen, { name: null, phone: null, sms: false });
});

test('an unknown case and a wrong code get the same 404', async () => {
  const filed = await fileCitizenCase({ description: '垃圾满溢' });
  const wrong = await track(filed.case_no, 'WRONGCODE1');
  const unknown = await track('20000101999999', filed.query_code);
  const malformed = await track('not-a-case', filed.query_code);
  for (const r of [wrong, unknown, malformed]) assertError(r, 404, 'not_found');
  assert.equal(wrong.data.error.message, unknown.data.error.message);
  assert.equal(wrong.data.error.message, malformed.data.error.message);
  assertError(await new Client(server.base).get(`/api/v1/public/cases/${filed.case_no}`), 400, 'invalid_query');
  // A staff case (no query code) is not trackable at all.
  const staff = await inspector.post('/api/v1/cases', { description: '巡查发现', ...cell(6, 1) });
  assertError(await track(staff.data.case.case_no, ''), 400, 'invalid_query');
  assertError(await track(staff.data.case.case_no, 'ANYTHING'), 404, 'not_found');
});

test('the public view never shows staff, their ids and phones, or internal notes', async () => {
  const filed = await fileCitizenCase({ description: '路边暴露垃圾很多', name: '王五', phone: '13700001234' });
  await closeCase(filed.case_no);
  const r = await track(filed.case_no, filed.query_code);
  assert.equal(r.status, 200, r.text);
  for (const text of STAFF_TEXT) assert.ok(!r.text.includes(text), `public view leaks "${text}": ${r.text}`);
  for (const text of [INTERNAL_NOTE, '李四', '13900001111', '请环卫所处理', '已清理完毕', '13700001234', '王五']) {
    assert.ok(!r.text.includes(text), `public view leaks "${text}"`);
  }
  for (const key of ['"actor', '"note"', '"user', '"department', '"id"', '"reporter', '"hash']) {
    assert.ok(!r.text.includes(key), `public view has ${key}`);
  }
  const v = r.data;
  assert.equal(v.state, 'closed');
  assert.equal(v.deadline, null, 'a closed case has no deadline');
  assert.equal(typeof v.closed_at, 'number');
  assert.equal(v.category.name_zh, '暴露垃圾');
  assert.deepEqual(v.timeline.map((e) => e.to),
    ['reported', 'accepted', 'dispatched', 'processing', 'handled', 'checked', 'closed']);
  assert.deepEqual(v.timeline.map((e) => e.action),
    ['report', 'accept', 'dispatch', 'sign', 'handle', 'check-pass', 'close']);
  assert.deepEqual(v.timeline.map((e) => e.code),
    ['reported', 'filed', 'dispatched', 'signed', 'handled', 'check_passed', 'closed']);
  // Staff still see everything in the audit trail.
  const events = await supervisor.get(`/api/v1/cases/${await caseIdOf(filed.case_no)}/events`);
  assert.ok(events.text.includes(INTERNAL_NOTE));
});

test('a rating needs a closed case, and is taken once per closure', async () => {
  const filed = await fileCitizenCase({ description: '路面垃圾未清扫' });
  assertError(await rate(filed.case_no, { code: filed.query_code, rating: 'satisfied' }), 409, 'illegal_transition');
  await closeCase(filed.case_no);
  // Bad bodies change nothing.
  assertError(await rate(filed.case_no, { code: filed.query_code, rating: 'great' }), 422, 'invalid_field', 'rating');
  assertError(await rate(filed.case_no, { code: filed.query_code, rating: 'satisfied', comment: 'x'.repeat(501) }), 400, 'invalid_field', 'comment');
  assertError(await rate(filed.case_no, { code: filed.query_code, rating: 'satisfied', stars: 5 }), 400, 'unknown_field', 'stars');
  assertError(await rate(filed.case_no, { rating: 'satisfied' }), 400, 'missing_field', 'code');
  assertError(await rate(filed.case_no, { code: 'WRONGCODE2', rating: 'satisfied' }), 404, 'not_found', null);
  assertError(await rate('20000101999998', { code: filed.query_code, rating: 'satisfied' }), 404, 'not_found');
  assert.equal((await track(filed.case_no, filed.query_code)).data.rating, null);
  const comment = '处理及时，' + 'a'.repeat(485);
  assert.equal(Buffer.byteLength(comment), 500);
  const ok = await rate(filed.case_no, { code: filed.query_code, rating: 'basically_satisfied', comment });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.data.state, 'closed');
  assert.equal(ok.data.rating.value, 'basically_satisfied');
  assert.equal(ok.data.rating.comment, comment);
  assert.equal(typeof ok.data.rating.rated_at, 'number');
  assertError(await rate(filed.case_no, { code: filed.query_code, rating: 'satisfied' }), 409, 'conflict');
  assertError(await rate(filed.case_no, { code: filed.query_code, rating: 'unsatisfied' }), 409, 'conflict');
  const view = await track(filed.case_no, filed.query_code);
  assert.equal(view.data.rating.value, 'basically_satisfied');
  assert.equal(view.data.state, 'closed', 'a satisfied rating does not reopen');
  const staffView = await supervisor.get(`/api/v1/cases/${await caseIdOf(filed.case_no)}`);
  assert.equal(staffView.data.rating, 'basically_satisfied');
});

test('an unsatisfied rating reopens the case; after the next closing it may be rated again', async () => {
  const filed = await fileCitizenCase({ description: '垃圾桶周边脏乱' });
  const id = await closeCase(filed.case_no);
  const before = (await supervisor.get(`/api/v1/cases/${id}`)).data;
  const r = await rate(filed.case_no, { code: filed.query_code, rating: 'unsatisfied', comment: '根本没有清理' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.data.state, 'dispatched');
  assert.equal(r.data.rating.value, 'unsatisfied');
  assert.ok(r.data.deadline > Date.now() - 60000, 'a new handling deadline');
  const last = r.data.timeline.at(-1);
  assert.equal(last.action, 'reopen');
  assert.equal(last.to, 'dispatched');
  assert.equal(last.code, 'reopened');
  assert.equal(r.data.timeline.at(-2).code, 'rated_unsatisfied');
  const staff = (await supervisor.get(`/api/v1/cases/${id}`)).data;
  assert.equal(staff.state, 'dispatched');
  assert.equal(staff.counts.reopen, 1);
  assert.equal(staff.version, before.version + 1);
  assert.equal(staff.department.id, sanitationId, 'back to the same department');
  const events = (await supervisor.get(`/api/v1/cases/${id}/events`)).data.items;
  const reopen = events.at(-1);
  assert.equal(reopen.action, 'reopen');
  assert.equal(reopen.actor.role, 'system');
  assert.equal(reopen.actor.id, null);
  assert.equal(reopen.data.rating, 'unsatisfied');
  assert.match(reopen.note, /根本没有清理/);
  // Open again: no rating now.
  assertError(await rate(filed.case_no, { code: filed.query_code, rating: 'satisfied' }), 409, 'illegal_transition');
  // The rework closes it again, and the new closure takes a new rating.
  const closed = await handleToClosed(id);
  assert.equal(closed.state, 'closed');
  assert.equal((await track(filed.case_no, filed.query_code)).data.rating, null);
  const again = await rate(filed.case_no, { code: filed.query_code, rating: 'satisfied' });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.data.state, 'closed');
  assert.equal(again.data.rating.value, 'satisfied');
  assertError(await rate(filed.case_no, { code: filed.query_code, rating: 'unsatisfied' }), 409, 'conflict');
});

test('an unsatisfied rating after the reopen window is kept, and the case stays closed', async () => {
  // Reopening is allowed for 0 days after closing: any later rating is too late.
  const own = await startDemo({ args: ['--reopen-days', '0'] });
  try {
    const [boss, checker, dept] = await Promise.all(
      ['supervisor', 'inspector', 'dept_sanitation'].map((u) => demoClient(own, u)));
    const filed = await new Client(own.base).post('/api/v1/public/cases', { description: '垃圾桶周边脏乱', ...cell(7, 3) });
    assert.equal(filed.status, 201, filed.text);
    const { case_no: caseNo, query_code: code } = filed.data;
    const id = (await boss.get('/api/v1/cases?status=reported&limit=100')).data.items.find((c) => c.case_no === caseNo).id;
    await act(boss, id, 'accept', { category_id: garbageCategory });
    await act(boss, id, 'dispatch', { department_id: sanitationId });
    await act(dept, id, 'sign');
    await photo(dept, id, 'after');
    await act(dept, id, 'handle', { note: '已清理' });
    await photo(checker, id, 'check');
    await act(checker, id, 'check-pass', { note: '核查通过' });
    const closed = await act(boss, id, 'close');
    await new Promise((ok) => setTimeout(ok, 20));
    const r = await new Client(own.base).post(`/api/v1/public/cases/${caseNo}/rating`, { code, rating: 'unsatisfied', comment: '没有清理干净' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.data.state, 'closed');
    assert.equal(r.data.rating.value, 'unsatisfied');
    assert.notEqual(r.data.timeline.at(-1).action, 'reopen');
    const staff = (await boss.get(`/api/v1/cases/${id}`)).data;
    assert.equal(staff.state, 'closed');
    assert.equal(staff.counts.reopen, 0);
    assert.equal(staff.rating, 'unsatisfied');
    assert.equal(staff.version, closed.version, 'nothing but the rating was stored');
    const events = (await boss.get(`/api/v1/cases/${id}/events`)).data.items;
    assert.ok(!events.some((e) => e.action === 'reopen'), events.map((e) => e.action).join(' '));
  } finally {
    await own.stop();
  }
});

test('ten wrong codes from one address lock it out with 429 and Retry-After', async () => {
  // A fresh server, so the count starts at zero whatever ran before.
  const own = await startDemo();
  try {
    const c = new Client(own.base);
    const filed = await c.post('/api/v1/public/cases', { description: '占道经营', ...cell(7, 2) });
    assert.equal(filed.status, 201, filed.text);
    const { case_no: caseNo, query_code: code } = filed.data;
    assert.equal((await c.get(`/api/v1/public/cases/${caseNo}?code=${code}`)).status, 200);
    for (let i = 0; i < 9; i++) assertError(await c.get(`/api/v1/public/cases/${caseNo}?code=BAD${i}`), 404, 'not_found');
    // Right codes do not reset the count; unknown case numbers count too.
    assert.equal((await c.get(`/api/v1/public/cases/${caseNo}?code=${code}`)).status, 200);
    assertError(await c.get(`/api/v1/public/cases/20000101000001?code=${code}`), 404, 'not_found');
    const locked = await c.get(`/api/v1/public/cases/${caseNo}?code=${code}`);
    assertError(locked, 429, 'rate_limited');
    const wait = Number(locked.headers.get('retry-after'));
    assert.ok(wait > 0 && wait <= 600, `Retry-After ${wait}`);
    assertError(await c.post(`/api/v1/public/cases/${caseNo}/rating`, { code, rating: 'satisfied' }), 429, 'rate_limited');
    // Staff are not affected.
    const staff = await demoClient(own, 'supervisor');
    assert.equal((await staff.get('/api/v1/cases')).status, 200);
  } finally {
    await own.stop();
  }
});
