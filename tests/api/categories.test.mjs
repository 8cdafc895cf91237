// SPDX-License-Identifier: MIT
// The category trees over HTTP: both trees with every major class and real
// subclasses (names, conditions, department kinds, per-stage limits), the limits
// of real bureaus (src/domain/README.md), suggestions from Chinese and English
// text, bad input, and the admin's edits and additions with their auth, CSRF and
// validation answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, Client, demoClient, assertError } from './lib.mjs';

const UNITS = ['work_hours', 'work_days', 'urgent_hours'];
const KINDS = ['municipal', 'sanitation', 'landscaping', 'water', 'gas', 'power', 'traffic_police',
  'market', 'urban_management', 'housing', 'environment', 'street_office', 'telecom'];
const MAJORS = {
  component: { '01': '公用设施', '02': '道路交通', '03': '市容环境', '04': '园林绿化', '05': '房屋土地', '06': '其他设施' },
  event: { '01': '市容环境', '02': '宣传广告', '03': '施工管理', '04': '突发事件', '05': '街面秩序', '06': '其他' },
};
const MANHOLES = ['0101', '0102', '0103', '0104', '0105', '0106'];

let server;
let anon;
before(async () => {
  server = await startDemo();
  anon = new Client(server.base);
});
after(async () => { await server.stop(); });

async function trees(client = anon, path = '/api/v1/categories') {
  const r = await client.get(path);
  assert.equal(r.status, 200, r.text);
  return r.data.trees;
}

function subclasses(treeList) {
  return treeList.flatMap((t) => t.majors.flatMap((m) => m.subclasses.map((s) => ({ ...s, treeName: t.tree, major: m.code }))));
}

async function subclass(tree, code, client = anon, path) {
  const found = subclasses(await trees(client, path)).find((s) => s.tree === tree && s.code === code);
  assert.ok(found, `${tree} ${code} listed`);
  return found;
}

async function suggest(text, extra = '') {
  const r = await anon.get(`/api/v1/categories/suggest?text=${encodeURIComponent(text)}${extra}`);
  assert.equal(r.status, 200, `${text}: ${r.text}`);
  return r.data.items;
}

test('both trees are listed publicly with every major class in order', async () => {
  const list = await trees();
  assert.deepEqual(list.map((t) => t.tree), ['component', 'event']);
  assert.equal(list[0].name_zh, '部件');
  assert.equal(list[1].name_zh, '事件');
  for (const t of list) {
    assert.ok(t.name_en.length > 0);
    assert.deepEqual(Object.fromEntries(t.majors.map((m) => [m.code, m.name_zh])), MAJORS[t.tree]);
    assert.deepEqual(t.majors.map((m) => m.code), ['01', '02', '03', '04', '05', '06']);
    for (const m of t.majors) assert.match(m.name_en, /^[A-Za-z][A-Za-z ,-]+$/);
  }
});

test('at least 40 real subclasses, each complete in both languages with valid limits', async () => {
  const all = subclasses(await trees());
  assert.ok(all.length >= 40, `only ${all.length} subclasses`);
  assert.ok(all.filter((s) => s.tree === 'component').length >= 20);
  assert.ok(all.filter((s) => s.tree === 'event').length >= 20);
  assert.equal(new Set(all.map((s) => s.id)).size, all.length, 'ids are unique');
  assert.equal(new Set(all.map((s) => s.full_code)).size, all.length, 'codes are unique');
  for (const s of all) {
    const where = `${s.tree} ${s.code}`;
    assert.equal(s.tree, s.treeName, where);
    assert.match(s.code, /^\d{4}$/, where);
    assert.equal(s.code.slice(0, 2), s.major, where);
    assert.equal(s.major_code, s.major, where);
    assert.equal(s.full_code, `${s.tree}-${s.code}`, where);
    assert.ok(Number.isInteger(s.id) && s.id > 0, where);
    assert.match(s.name_zh, /[\u4e00-\u9fff]/, where);
    assert.match(s.name_en, /^[A-Za-z][A-Za-z ,/'-]+$/, where);
    assert.match(s.filing_condition, /[\u4e00-\u9fff]{4}/, where);
    assert.match(s.closing_condition, /[\u4e00-\u9fff]{4}/, where);
    assert.ok(KINDS.includes(s.default_department_kind), `${where}: ${s.default_department_kind}`);
    assert.equal(typeof s.urgent, 'boolean', where);
    assert.equal(s.active, true, where);
    assert.equal(s.keywords, undefined, 'the public list carries no keywords');
    for (const stage of ['file', 'verify', 'dispatch', 'sign', 'handle', 'check']) {
      const limit = s.limits[stage];
      assert.ok(limit, `${where} has a ${stage} limit`);
      assert.ok(UNITS.includes(limit.unit), `${where} ${stage} unit ${limit.unit}`);
      assert.ok(Number.isInteger(limit.amount) && limit.amount >= 1 && limit.amount <= 10000, where);
    }
    for (const stage of Object.keys(s.limits))
      assert.ok(['file', 'verify', 'dispatch', 'sign', 'handle', 'check', 'close'].includes(stage), stage);
    if (s.urgent) assert.equal(s.limits.file.unit, 'urgent_hours', `${where}: urgent cases are accepted on the wall clock`);
  }
});

test('?tree= narrows the list to one tree; anything else is 400', async () => {
  const events = await trees(anon, '/api/v1/categories?tree=event');
  assert.deepEqual(events.map((t) => t.tree), ['event']);
  assert.ok(subclasses(events).every((s) => s.tree === 'event'));
  const components = await trees(anon, '/api/v1/categories?tree=component');
  assert.deepEqual(components.map((t) => t.tree), ['component']);
  for (const bad of ['events', 'Component', '', 'component,event'])
    assertError(await anon.get(`/api/v1/categories?tree=${encodeURIComponent(bad)}`), 400, 'invalid_query', 'tree');
});

test('the limits of real bureaus (src/domain/README.md) are the seeded ones', async () => {
  const all = subclasses(await trees());
  const get = (tree, code) => all.find((s) => s.tree === tree && s.code === code);
  const handle = (tree, code) => get(tree, code).limits.handle;
  assert.deepEqual(handle('event', '0102'), { unit: 'work_hours', amount: 4 }, 'exposed garbage');
  assert.equal(get('event', '0102').name_zh, '暴露垃圾');
  assert.deepEqual(handle('event', '0104'), { unit: 'work_hours', amount: 2 }, 'dirty road');
  assert.equal(get('event', '0104').name_zh, '道路不洁');
  assert.deepEqual(handle('event', '0403'), { unit: 'work_hours', amount: 4 }, 'road flooding');
  assert.equal(get('event', '0403').name_zh, '道路积水');
  assert.deepEqual(handle('event', '0106'), { unit: 'work_days', amount: 5 }, 'green space upkeep');
  // Illegal structure: stopped within 4 working hours, removed within 20 working days.
  assert.deepEqual(handle('event', '0101'), { unit: 'work_days', amount: 20 }, 'illegal structure: removed');
  assert.deepEqual(get('event', '0101').phases.map((p) => [p.code, p.unit, p.amount]),
    [['stop', 'work_hours', 4], ['demolish', 'work_days', 20]]);
  assert.match(get('event', '0101').closing_condition, /20个工作日/);
  assert.deepEqual(handle('event', '0506'), { unit: 'urgent_hours', amount: 3 }, 'illegal parking');
  assert.equal(get('event', '0506').name_zh, '违章停车');
  const burst = get('event', '0401');
  // Burst main: cordoned within 3 hours, repaired within 8, road restored within 5 working days.
  assert.deepEqual(burst.limits.handle, { unit: 'work_days', amount: 5 }, 'burst water main');
  assert.deepEqual(burst.phases.map((p) => [p.code, p.unit, p.amount]),
    [['cordon', 'urgent_hours', 3], ['repair', 'urgent_hours', 8], ['restore', 'work_days', 5]]);
  assert.equal(burst.urgent, true);
  assert.equal(burst.default_department_kind, 'water');
  assert.match(burst.filing_condition, /3个紧急工作时/);
  assert.match(burst.closing_condition, /5个工作日/);
  for (const code of MANHOLES) {
    const cover = get('component', code);
    assert.match(cover.name_zh, /井盖$/);
    assert.equal(cover.urgent, true, code);
    assert.deepEqual(cover.limits.handle, { unit: 'urgent_hours', amount: 4 }, code);
  }
  assert.equal(get('component', '0102').default_department_kind, 'municipal');
  assert.equal(get('component', '0106').default_department_kind, 'gas');
  const garbage = get('event', '0102');
  assert.deepEqual(garbage.limits.file, { unit: 'work_hours', amount: 1 });
  assert.deepEqual(garbage.limits.dispatch, { unit: 'work_hours', amount: 1 });
  assert.deepEqual(garbage.limits.check, { unit: 'work_hours', amount: 4 });
  assert.deepEqual(garbage.limits.verify, { unit: 'work_hours', amount: 2 });
});

test('suggestions rank the expected subclass first for Chinese and English text', async () => {
  const cases = [
    ['井盖', 'component', MANHOLES],
    ['人行道上的井盖缺失', 'component', MANHOLES],
    ['manhole cover missing', 'component', MANHOLES],
    ['MANHOLE Cover Missing', 'component', MANHOLES],
    ['污水井盖被压坏了', 'component', ['0102']],
    ['燃气井盖松动', 'component', ['0106']],
    ['占道经营', 'event', ['0502']],
    ['路边有人摆摊', 'event', ['0502']],
    ['garbage piled on the street', 'event', ['0102']],
    ['小广告', 'event', ['0201']],
    ['墙上贴满了牛皮癣', 'event', ['0201']],
    ['水管爆了', 'event', ['0401']],
    ['burst pipe flooding the pavement', 'event', ['0401']],
    ['道路积水', 'event', ['0403']],
    ['路灯不亮', 'component', ['0110']],
    ['street light broken', 'component', ['0110']],
    ['门口有车违停', 'event', ['0506']],
    ['illegal parking outside the school', 'event', ['0506']],
    ['工地夜间施工噪音很大', 'event', ['0301']],
    ['垃圾桶满了', 'component', ['0304']],
    ['大树倒了挡住路', 'event', ['0406']],
  ];
  for (const [text, tree, codes] of cases) {
    const items = await suggest(text);
    assert.ok(items.length > 0, `${text}: no suggestion`);
    const best = items[0];
    assert.equal(best.tree, tree, `${text}: ${JSON.stringify(items.slice(0, 3))}`);
    assert.ok(codes.includes(best.code), `${text}: got ${best.code} ${best.name_zh}`);
    assert.ok(best.name_zh && best.name_en && best.id > 0 && best.score > 0, text);
    for (let i = 1; i < items.length; i++) assert.ok(items[i - 1].score >= items[i].score, `${text}: ordered`);
  }
});

test('a specific keyword outranks the shared one, and Latin keywords start at a word', async () => {
  const covers = await suggest('污水井盖');
  assert.equal(covers[0].code, '0102');
  assert.ok(covers[0].score > covers[1].score, 'the sewage cover wins clearly');
  // "street" must not count as "tree": no street tree for this text.
  const street = await suggest('garbage piled on the street', '&limit=20');
  assert.ok(!street.some((s) => s.tree === 'component' && s.code === '0403'), JSON.stringify(street));
});

test('suggest honours limit, and answers an empty list when nothing matches', async () => {
  assert.ok((await suggest('井盖')).length === 5, 'default limit 5');
  assert.equal((await suggest('井盖', '&limit=2')).length, 2);
  assert.equal((await suggest('井盖', '&limit=20')).length, 6, 'all six manhole covers and nothing else');
  assert.deepEqual(await suggest('今天天气很好'), []);
  assert.deepEqual(await suggest('xyzzy qwerty'), []);
  assert.equal((await suggest('井盖'.repeat(333) + 'ab')).length, 5, '2000 bytes is still accepted');
});

test('suggest refuses missing, empty, oversized, non-UTF-8 text and bad limits', async () => {
  assertError(await anon.get('/api/v1/categories/suggest'), 400, 'invalid_query', 'text');
  assertError(await anon.get('/api/v1/categories/suggest?text='), 400, 'invalid_query', 'text');
  assertError(await anon.get(`/api/v1/categories/suggest?text=${'a'.repeat(2001)}`), 400, 'invalid_query', 'text');
  assertError(await anon.get(`/api/v1/categories/suggest?text=${encodeURIComponent('井'.repeat(667))}`), 400, 'invalid_query', 'text');
  assertError(await anon.get('/api/v1/categories/suggest?text=%FF%FE'), 400, 'invalid_utf8', 'text');
  assertError(await anon.get('/api/v1/categories/suggest?text=%E4%BA'), 400, 'invalid_utf8', 'text');
  for (const limit of ['0', '21', 'abc', '-1', '5x', '1000'])
    assertError(await anon.get(`/api/v1/categories/suggest?text=a&limit=${limit}`), 400, 'invalid_query', 'limit');
  assertError(await anon.post('/api/v1/categories/suggest', {}), 405, 'method_not_allowed');
});

// ---- admin ----

async function findId(tree, code) {
  return (await subclass(tree, code)).id;
}

test('admin endpoints need a session (401), the admin role (403) and the CSRF header (403)', async () => {
  const id = await findId('component', '0406');
  assertError(await anon.patch(`/api/v1/admin/categories/${id}`, { name_en: 'x' }), 401, 'unauthenticated');
  assertError(await anon.post('/api/v1/admin/categories', { tree: 'event', code: '0690', name_zh: '测试', name_en: 'Test' }), 401, 'unauthenticated');
  assertError(await anon.get('/api/v1/admin/categories'), 401, 'unauthenticated');
  const supervisor = await demoClient(server, 'supervisor');
  assertError(await supervisor.patch(`/api/v1/admin/categories/${id}`, { name_en: 'x' }), 403, 'forbidden');
  assertError(await supervisor.post('/api/v1/admin/categories', { tree: 'event', code: '0690', name_zh: '测试', name_en: 'Test' }), 403, 'forbidden');
  assertError(await supervisor.get('/api/v1/admin/categories'), 403, 'forbidden');
  const admin = await demoClient(server, 'admin');
  const noCsrf = new Client(server.base);
  noCsrf.cookie = admin.cookie;
  assertError(await noCsrf.patch(`/api/v1/admin/categories/${id}`, { name_en: 'x' }), 403, 'csrf_token_invalid');
  assertError(await noCsrf.post('/api/v1/admin/categories', { tree: 'event', code: '0690', name_zh: '测试', name_en: 'Test' }), 403, 'csrf_token_invalid');
  assertError(await admin.patch(`/api/v1/admin/categories/${id}`, { name_en: 'x' }, { headers: { 'x-csrf-token': 'wrong' } }), 403, 'csrf_token_invalid');
  const after = await subclass('component', '0406');
  assert.equal(after.name_en, 'Sculpture', 'nothing changed');
});

test('admin PATCH edits one subclass, answers it with keywords, and the public views follow', async () => {
  const admin = await demoClient(server, 'admin');
  const before = await subclass('component', '0406');
  const r = await admin.patch(`/api/v1/admin/categories/${before.id}`, {
    name_en: 'City sculpture',
    filing_condition: '雕塑破损、污损、倾斜或存在坠落隐患',
    urgent: false,
    limits: { handle: { unit: 'work_days', amount: 7 }, check: { unit: 'urgent_hours', amount: 3 } },
    keywords: [{ keyword: '雕塑', weight: 20 }, { keyword: 'Statue', weight: 18 }, { keyword: '铜像' }],
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.data.id, before.id);
  assert.equal(r.data.name_en, 'City sculpture');
  assert.equal(r.data.name_zh, before.name_zh, 'untouched fields stay');
  assert.equal(r.data.closing_condition, before.closing_condition);
  assert.equal(r.data.filing_condition, '雕塑破损、污损、倾斜或存在坠落隐患');
  assert.deepEqual(r.data.limits.handle, { unit: 'work_days', amount: 7 });
  assert.deepEqual(r.data.limits.check, { unit: 'urgent_hours', amount: 3 });
  assert.deepEqual(r.data.limits.file, before.limits.file);
  assert.deepEqual(r.data.keywords, [
    { keyword: '雕塑', weight: 20 }, { keyword: 'statue', weight: 18 }, { keyword: '铜像', weight: 10 }]);
  const listed = await subclass('component', '0406');
  assert.equal(listed.name_en, 'City sculpture');
  assert.deepEqual(listed.limits.handle, { unit: 'work_days', amount: 7 });
  const got = await admin.get(`/api/v1/admin/categories/${before.id}`);
  assert.equal(got.status, 200);
  assert.equal(got.data.keywords.length, 3);
  assert.equal((await suggest('广场上的铜像被涂花了'))[0].id, before.id, 'the new keyword is used');
  assert.ok(!(await suggest('monument')).some((s) => s.id === before.id), 'replaced keywords are gone');
  const empty = await admin.patch(`/api/v1/admin/categories/${before.id}`, {});
  assert.equal(empty.status, 200);
  assert.equal(empty.data.name_en, 'City sculpture');
});

test('admin PATCH can deactivate a subclass: hidden from the public, still in the admin list', async () => {
  const admin = await demoClient(server, 'admin');
  const id = await findId('event', '0604');
  const off = await admin.patch(`/api/v1/admin/categories/${id}`, { active: false });
  assert.equal(off.status, 200, off.text);
  assert.equal(off.data.active, false);
  assert.ok(!subclasses(await trees()).some((s) => s.id === id));
  assert.ok(!(await suggest('僵尸车')).some((s) => s.id === id));
  const adminList = subclasses(await trees(admin, '/api/v1/admin/categories'));
  assert.equal(adminList.find((s) => s.id === id).active, false);
  const on = await admin.patch(`/api/v1/admin/categories/${id}`, { active: true });
  assert.equal(on.data.active, true);
  assert.equal((await suggest('僵尸车'))[0].id, id);
});

test('admin PATCH refuses bad stages and units (400), bad amounts (422), unknown ids (404), all or nothing', async () => {
  const admin = await demoClient(server, 'admin');
  const target = await subclass('event', '0604');
  const id = target.id;
  const patch = (body) => admin.patch(`/api/v1/admin/categories/${id}`, body);
  assertError(await patch({ limits: { repair: { unit: 'work_hours', amount: 1 } } }), 400, 'invalid_field', 'limits');
  assertError(await patch({ limits: { handle: { unit: 'hours', amount: 1 } } }), 400, 'invalid_field', 'limits.handle.unit');
  assertError(await patch({ limits: { handle: { unit: 'work_hours' } } }), 400, 'missing_field', 'limits.handle.amount');
  assertError(await patch({ limits: { handle: { unit: 'work_hours', amount: 1, extra: 1 } } }), 400, 'unknown_field', 'limits.handle.extra');
  assertError(await patch({ limits: { handle: { unit: 'work_hours', amount: 1.5 } } }), 400, 'invalid_field', 'limits.handle.amount');
  assertError(await patch({ limits: { handle: { unit: 'work_hours', amount: '2' } } }), 400, 'invalid_field', 'limits.handle.amount');
  assertError(await patch({ limits: { handle: 4 } }), 400, 'invalid_field', 'limits.handle');
  assertError(await patch({ limits: [] }), 400, 'invalid_field', 'limits');
  for (const amount of [0, -1, 10001])
    assertError(await patch({ limits: { handle: { unit: 'work_hours', amount } } }), 422, 'unprocessable', 'limits.handle.amount');
  assertError(await patch({ name_en: 'X', limits: { handle: { unit: 'work_hours', amount: 0 } } }), 422, 'unprocessable', 'limits.handle.amount');
  assertError(await patch({ colour: 'red' }), 400, 'unknown_field', 'colour');
  assertError(await patch({ urgent: 'yes' }), 400, 'invalid_field', 'urgent');
  assertError(await patch({ name_zh: '' }), 400, 'invalid_field', 'name_zh');
  assertError(await patch({ name_zh: '长'.repeat(30) }), 400, 'invalid_field', 'name_zh');
  assertError(await patch({ default_department_kind: 'fire_brigade' }), 400, 'invalid_field', 'default_department_kind');
  assertError(await patch({ keywords: ['僵尸车'] }), 400, 'invalid_field', 'keywords');
  assertError(await patch({ keywords: [{ keyword: '' }] }), 400, 'invalid_field', 'keywords.keyword');
  assertError(await patch({ keywords: [{ keyword: 'x', weight: 0 }] }), 422, 'unprocessable', 'keywords.weight');
  assertError(await admin.request('PATCH', `/api/v1/admin/categories/${id}`, { json: '{"name_en":"a","name_en":"b"}' }), 400, 'invalid_json', 'name_en');
  assertError(await admin.patch('/api/v1/admin/categories/999999', { name_en: 'x' }), 404, 'not_found');
  assertError(await admin.patch('/api/v1/admin/categories/abc', { name_en: 'x' }), 404, 'not_found');
  const major = (await trees()).find((t) => t.tree === 'event').majors[0];
  assertError(await admin.patch(`/api/v1/admin/categories/${major.id}`, { name_en: 'x' }), 404, 'not_found');
  const unchanged = await subclass('event', '0604');
  assert.deepEqual(unchanged, target, 'no failed PATCH changed anything');
});

test('admin POST adds a subclass with default limits; duplicates are 409, bad codes 400/422', async () => {
  const admin = await demoClient(server, 'admin');
  const body = {
    tree: 'event', code: '0605', name_zh: '犬只扰民', name_en: 'Dog nuisance',
    default_department_kind: 'street_office', filing_condition: '犬只无人牵引、吠叫扰民或随地便溺',
    closing_condition: '犬主已整改，现场已清理', keywords: [{ keyword: '遛狗不牵绳', weight: 20 }, { keyword: 'dog', weight: 12 }],
  };
  const r = await admin.post('/api/v1/admin/categories', body);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.data.tree, 'event');
  assert.equal(r.data.code, '0605');
  assert.equal(r.data.full_code, 'event-0605');
  assert.equal(r.data.major_code, '06');
  assert.equal(r.data.urgent, false);
  assert.equal(r.data.active, true);
  assert.deepEqual(Object.keys(r.data.limits).sort(), ['check', 'close', 'dispatch', 'file', 'handle', 'sign', 'verify']);
  assert.ok(Object.values(r.data.limits).every((l) => l.unit === 'work_hours'));
  const listed = await subclass('event', '0605');
  assert.equal(listed.id, r.data.id);
  assert.equal(listed.name_zh, '犬只扰民');
  assert.equal((await suggest('小区里有人遛狗不牵绳'))[0].id, r.data.id);
  assert.equal((await suggest('A DOG barking all night'))[0].id, r.data.id);

  const urgent = await admin.post('/api/v1/admin/categories', {
    tree: 'component', code: '0604', name_zh: '防汛设施', name_en: 'Flood defences', urgent: true,
    limits: { handle: { unit: 'urgent_hours', amount: 6 } },
  });
  assert.equal(urgent.status, 201, urgent.text);
  assert.deepEqual(urgent.data.limits.handle, { unit: 'urgent_hours', amount: 6 });
  assert.equal(urgent.data.limits.file.unit, 'urgent_hours');

  assertError(await admin.post('/api/v1/admin/categories', body), 409, 'conflict', 'code');
  assertError(await admin.post('/api/v1/admin/categories', { ...body, code: '0701' }), 422, 'unprocessable', 'code');
  for (const code of ['065', '06050', '06a5', '0600', '００１'])
    assertError(await admin.post('/api/v1/admin/categories', { ...body, code }), 400, 'invalid_field', 'code');
  assertError(await admin.post('/api/v1/admin/categories', { ...body, code: '0606', tree: 'asset' }), 400, 'invalid_field', 'tree');
  const { name_en, ...noName } = body;
  assert.ok(name_en);
  assertError(await admin.post('/api/v1/admin/categories', { ...noName, code: '0606' }), 400, 'missing_field', 'name_en');
  assertError(await admin.post('/api/v1/admin/categories', { ...body, code: '0606', limits: { handle: { unit: 'work_weeks', amount: 1 } } }), 400, 'invalid_field', 'limits.handle.unit');
  assertError(await admin.post('/api/v1/admin/categories', { ...body, code: '0606', limits: { handle: { unit: 'work_days', amount: 20000 } } }), 422, 'unprocessable', 'limits.handle.amount');
  assert.ok(!subclasses(await trees()).some((s) => s.tree === 'event' && s.code === '0606'), 'no failed POST stored anything');
});
