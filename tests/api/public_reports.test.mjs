// SPDX-License-Identifier: MIT
// The public map of reports over HTTP: the open and recently closed cases of a
// box, a circle or a grid cell without any personal data, photos only once a
// supervisor made them public, "me too" counted once per client without a new
// case, moderation that hides the text and is logged, the jurisdiction of
// moderation, and clear errors for a bad place.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, demoClient, Client, assertError, dbQuery, uploadPhoto, HONGQI, HEXI } from './lib.mjs';

let server, supervisor, supervisorHq, supervisorHx, inspector, sanitation, sanitationId, garbage;
let hongqiCase, hexiCase;

const NAME = '王小明', PHONE = '13912345678';
const box = (p, d = 0.01) => `${(p.lon - d).toFixed(5)},${(p.lat - d).toFixed(5)},${(p.lon + d).toFixed(5)},${(p.lat + d).toFixed(5)}`;
const anon = () => new Client(server.base);
const list = (query) => anon().get(`/api/v1/public/reports?${query}`);
const numbers = (r) => r.data.items.map((i) => i.case_no);

async function file(point, description) {
  const r = await anon().post('/api/v1/public/cases', { ...point, description, name: NAME, phone: PHONE, address: '红旗北路8号三单元' });
  assert.equal(r.status, 201, r.text);
  const id = Number(dbQuery(server, `SELECT id FROM case_record WHERE case_no = '${r.data.case_no}'`));
  return { caseNo: r.data.case_no, id };
}

async function act(client, id, action, body = {}) {
  const current = await client.get(`/api/v1/cases/${id}`);
  const r = await client.post(`/api/v1/cases/${id}/${action}`, { version: current.data.version, ...body });
  assert.equal(r.status, 200, `${action}: ${r.text}`);
  return r.data;
}

async function close(id) {
  await act(supervisor, id, 'accept', { category_id: garbage, note: '内部备注' });
  await act(supervisor, id, 'dispatch', { department_id: sanitationId });
  await act(sanitation, id, 'sign');
  await uploadPhoto(sanitation, id, 'after', 4401);
  await act(sanitation, id, 'handle', { note: '已清理' });
  await uploadPhoto(inspector, id, 'check', 4402);
  await act(inspector, id, 'check-pass', { note: '核查通过' });
  return act(supervisor, id, 'close', { note: '结案' });
}

before(async () => {
  server = await startDemo();
  [supervisor, supervisorHq, supervisorHx, inspector, sanitation] = await Promise.all(
    ['supervisor', 'supervisor_hq', 'supervisor_hx', 'inspector', 'dept_sanitation'].map((u) => demoClient(server, u)));
  const units = await supervisor.get('/api/v1/org-units?type=department');
  sanitationId = Number(JSON.stringify(units.data).match(/"id":(\d+),"code":"440902-D02"/)[1]);
  const categories = await anon().get('/api/v1/categories');
  garbage = Number(JSON.stringify(categories.data).match(/"id":(\d+),"tree":"event","code":"0102"/)[1]);
  hongqiCase = await file(HONGQI, '路边垃圾堆积，联系我13912345678');
  hexiCase = await file(HEXI, '河西路灯不亮，电话１３９１２３４５６７８，门牌12号');
});

after(async () => { await server?.stop(); });

test('a box lists its public cases newest first, without personal data', async () => {
  const r = await list(`bbox=${box(HONGQI)}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(numbers(r).slice(0, 2), [hexiCase.caseNo, hongqiCase.caseNo], 'newest first');
  const item = r.data.items.find((i) => i.case_no === hongqiCase.caseNo);
  assert.equal(item.state, 'received');
  assert.equal(item.description, '路边垃圾堆积，联系我***********', 'a phone number typed in the text is starred');
  assert.equal(r.data.items.find((i) => i.case_no === hexiCase.caseNo).description,
    '河西路灯不亮，电话***********，门牌12号', 'full-width digits too; short numbers stay');
  assert.equal(item.text_hidden, false);
  assert.equal(item.metoo_count, 0);
  assert.equal(item.metoo_open, true);
  assert.deepEqual(item.photos, []);
  assert.equal(item.closed_at, null);
  assert.equal(typeof item.reported_at, 'number');
  assert.equal(typeof item.updated_at, 'number');
  assert.ok(Math.abs(item.point.lat - HONGQI.lat) < 0.0001 && Math.abs(item.point.lon - HONGQI.lon) < 0.0001);
  assert.equal(item.point.lat, Number(item.point.lat.toFixed(4)), 'points rounded to 4 decimals');
  assert.match(item.grid.code, /^\d+/);
  assert.equal(item.street.name, '红旗街道');
  assert.equal(r.data.closed_days, 30);
  // Nothing that names a person, anywhere in the answer.
  for (const secret of [NAME, PHONE, '13912345678', '红旗北路8号', 'supervisor', '值班长'])
    assert.ok(!r.text.includes(secret), `no ${secret} in the public list`);
  const keys = new Set();
  const walk = (v) => { if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { keys.add(k); walk(x); } };
  walk(r.data);
  for (const k of ['phone', 'citizen', 'citizen_name', 'citizen_phone', 'reporter', 'address', 'note', 'id', 'actor_name'])
    assert.ok(!keys.has(k), `no "${k}" field`);
  assert.match(r.headers.get('cache-control'), /public, max-age=30/);
  const again = await anon().get(`/api/v1/public/reports?bbox=${box(HONGQI)}`, { headers: { 'if-none-match': r.headers.get('etag') } });
  assert.equal(again.status, 304);
});

test('a circle and a grid cell narrow the list; paging walks it', async () => {
  const near = await list(`lat=${HONGQI.lat}&lon=${HONGQI.lon}&radius=200`);
  assert.equal(near.status, 200, near.text);
  assert.ok(numbers(near).includes(hongqiCase.caseNo));
  assert.ok(!numbers(near).includes(hexiCase.caseNo), 'the Hexi case lies about 700 m away');
  const wide = await list(`lat=${HONGQI.lat}&lon=${HONGQI.lon}&radius=2000`);
  assert.ok(numbers(wide).includes(hexiCase.caseNo));
  const cell = (await list(`bbox=${box(HONGQI)}`)).data.items.find((i) => i.case_no === hongqiCase.caseNo).grid.code;
  const inCell = await list(`grid=${cell}`);
  assert.equal(inCell.status, 200, inCell.text);
  assert.ok(numbers(inCell).includes(hongqiCase.caseNo) && !numbers(inCell).includes(hexiCase.caseNo));
  assertError(await list('grid=999999999999999'), 404, 'not_found', 'grid');
  const first = await list(`bbox=${box(HONGQI)}&limit=1`);
  assert.equal(first.data.items.length, 1);
  assert.match(first.data.next_cursor, /^\d+\.\d+$/);
  const second = await list(`bbox=${box(HONGQI)}&limit=1&cursor=${first.data.next_cursor}`);
  assert.equal(second.data.items.length, 1);
  assert.notEqual(second.data.items[0].case_no, first.data.items[0].case_no);
});

test('bad places are clear errors', async () => {
  for (const [query, field] of [
    ['', 'bbox'], ['bbox=1,2,3', 'bbox'], ['bbox=110.9,21.6,110.8,21.7', 'bbox'],
    ['bbox=110.5,21.5,110.9,21.7', 'bbox'], ['bbox=a,b,c,d', 'bbox'],
    [`bbox=${box(HONGQI)}&grid=1`, 'bbox'], ['lat=21.66', 'lon'], ['lat=91&lon=110', 'lat'],
    [`lat=${HONGQI.lat}&lon=${HONGQI.lon}&radius=5000`, 'radius'],
    [`lat=${HONGQI.lat}&lon=${HONGQI.lon}&radius=-1`, 'radius'],
    [`bbox=${box(HONGQI)}&limit=1000`, 'limit'], [`bbox=${box(HONGQI)}&cursor=x`, 'cursor'],
  ]) assertError(await list(query), 400, 'invalid_query', field);
});

test('me too counts once per client and files no case', async () => {
  const cases = dbQuery(server, 'SELECT count(*) FROM case_record');
  const url = `/api/v1/public/reports/${hongqiCase.caseNo}/metoo`;
  const first = await anon().request('POST', url);
  assert.equal(first.status, 200, first.text);
  assert.deepEqual(first.data, { case_no: hongqiCase.caseNo, metoo_count: 1, counted: true });
  const cookie = /cg_client=[0-9a-f]{32}/.exec(first.headers.get('set-cookie'))?.[0];
  assert.ok(cookie, 'a client cookie is set');
  assert.match(first.headers.get('set-cookie'), /HttpOnly/);
  const again = await anon().request('POST', url, { headers: { cookie } });
  assert.deepEqual(again.data, { case_no: hongqiCase.caseNo, metoo_count: 1, counted: false });
  assert.equal(again.headers.get('set-cookie'), null, 'a known client keeps its cookie');
  const other = await anon().request('POST', url);
  assert.equal(other.data.metoo_count, 2);
  assert.equal(dbQuery(server, 'SELECT count(*) FROM case_record'), cases, 'no new case');
  const listed = (await list(`bbox=${box(HONGQI)}`)).data.items.find((i) => i.case_no === hongqiCase.caseNo);
  assert.equal(listed.metoo_count, 2);
  const staff = await supervisorHq.get(`/api/v1/cases/${hongqiCase.id}/public`);
  assert.equal(staff.status, 200, staff.text);
  assert.equal(staff.data.metoo_count, 2, 'staff see the count');
  assertError(await anon().request('POST', '/api/v1/public/reports/20990101000001/metoo'), 404, 'not_found');
  assertError(await anon().request('POST', '/api/v1/public/reports/abc/metoo'), 404, 'not_found');
});

test('photos are public only when a supervisor says so', async () => {
  const up = await uploadPhoto(supervisorHq, hongqiCase.id, 'report', 4403);
  assert.ok(up.status === 201 || up.status === 200, up.text);
  const settings = await supervisorHq.get(`/api/v1/cases/${hongqiCase.id}/public`);
  assert.equal(settings.data.photos.length, 1);
  const photo = settings.data.photos[0];
  assert.equal(photo.public, false, 'photos start private');
  const item = async () => (await list(`grid=${(await list(`bbox=${box(HONGQI)}`)).data.items.find((i) => i.case_no === hongqiCase.caseNo).grid.code}`))
    .data.items.find((i) => i.case_no === hongqiCase.caseNo);
  assert.deepEqual((await item()).photos, []);
  assertError(await anon().get(`/api/v1/public/photos/${photo.hash}`), 404, 'not_found');
  const shown = await supervisorHq.patch(`/api/v1/cases/${hongqiCase.id}/public`, { photos: [{ id: photo.id, public: true }], reason: '照片无个人信息' });
  assert.equal(shown.status, 200, shown.text);
  assert.equal(shown.data.photos[0].public, true);
  assert.deepEqual((await item()).photos, [`/api/v1/public/photos/${photo.hash}`]);
  const bytes = await anon().request('GET', `/api/v1/public/photos/${photo.hash}`, { raw: true });
  assert.equal(bytes.status, 200);
  assert.equal(bytes.headers.get('content-type'), 'image/png');
  await supervisorHq.patch(`/api/v1/cases/${hongqiCase.id}/public`, { photos: [{ id: photo.id, public: false }], reason: '撤回' });
  assertError(await anon().get(`/api/v1/public/photos/${photo.hash}`), 404, 'not_found');
  // A photo id of another case changes nothing.
  const other = await supervisorHq.patch(`/api/v1/cases/${hongqiCase.id}/public`, { text_hidden: true, photos: [{ id: photo.id + 1000, public: true }], reason: 'x' });
  assertError(other, 422, 'invalid_field', 'photos');
  assert.equal((await item()).text_hidden, false, 'nothing half-written');
});

test('moderation hides the text, is logged, and stays inside the jurisdiction', async () => {
  const hidden = await supervisorHq.patch(`/api/v1/cases/${hongqiCase.id}/public`, { text_hidden: true, reason: '描述含有住址' });
  assert.equal(hidden.status, 200, hidden.text);
  assert.equal(hidden.data.text_hidden, true);
  const item = (await list(`bbox=${box(HONGQI)}`)).data.items.find((i) => i.case_no === hongqiCase.caseNo);
  assert.equal(item.description, null);
  assert.equal(item.text_hidden, true);
  assert.ok(item.category === null || item.category.name_zh, 'the category names the report instead');
  const events = await supervisorHq.get(`/api/v1/cases/${hongqiCase.id}/events`);
  const logged = events.data.items.filter((e) => e.action === 'moderate');
  assert.ok(logged.length >= 1, 'a moderate event');
  const last = JSON.stringify(logged.at(-1));
  assert.ok(last.includes('描述含有住址') && last.includes('红旗街道值班长'), `who and why: ${last}`);
  assert.equal(dbQuery(server, `SELECT count(*) FROM case_event WHERE case_id = ${hongqiCase.id} AND action = 'moderate'`), String(logged.length));
  // Another street's supervisor sees no such case; an inspector may not moderate.
  assertError(await supervisorHx.patch(`/api/v1/cases/${hongqiCase.id}/public`, { text_hidden: false, reason: 'x' }), 404, 'not_found');
  assertError(await inspector.patch(`/api/v1/cases/${hongqiCase.id}/public`, { text_hidden: false, reason: 'x' }), 403);
  assertError(await supervisorHq.patch(`/api/v1/cases/${hongqiCase.id}/public`, { text_hidden: false }), 400, 'missing_field', 'reason');
  assertError(await supervisorHq.patch(`/api/v1/cases/${hongqiCase.id}/public`, { reason: 'nothing' }), 422, 'invalid_field');
  assertError(await supervisorHq.patch(`/api/v1/cases/${hongqiCase.id}/public`, { text_hidden: 1, reason: 'x' }), 400, undefined, 'text_hidden');
  assert.equal((await supervisorHq.patch(`/api/v1/cases/${hongqiCase.id}/public`, { text_hidden: false, reason: '已核实' })).data.text_hidden, false);
});

test('closed cases stay listed for the configured window, and take no me too', async () => {
  const c = await file(HONGQI, '垃圾桶满了');
  const closed = await close(c.id);
  assert.equal(closed.state, 'closed');
  const item = (await list(`bbox=${box(HONGQI)}`)).data.items.find((i) => i.case_no === c.caseNo);
  assert.ok(item, 'a recently closed case is listed');
  assert.equal(item.state, 'closed');
  assert.equal(typeof item.closed_at, 'number');
  assert.equal(item.metoo_open, false);
  assert.equal(item.category.name_en.length > 0, true);
  assertError(await anon().request('POST', `/api/v1/public/reports/${c.caseNo}/metoo`), 409, 'conflict');
  dbQuery(server, `UPDATE case_record SET closed_at = closed_at - ${31 * 86400000} WHERE id = ${c.id}`);
  assert.ok(!numbers(await list(`bbox=${box(HONGQI)}`)).includes(c.caseNo), 'closed 31 days ago: gone');
  assertError(await anon().request('POST', `/api/v1/public/reports/${c.caseNo}/metoo`), 404, 'not_found');
});
