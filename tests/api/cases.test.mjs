// SPDX-License-Identifier: MIT
// The case lifecycle over HTTP: every intake channel, every path of the state
// machine with its roles and refusals, versions and concurrent dispatch,
// deadlines, bad input that must leave nothing behind, and the audit chain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync, copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  startDemo, demoClient, Client, assertError, runCli, uploadPhoto, tempDir, HONGQI, HEXI, OUTSIDE,
  fixPhotos, uploadPending, ENGINE,
} from './lib.mjs';

let server;
const users = {};
let departments;
let manholeId, garbageId;

async function category(tree, code) {
  const r = await new Client(server.base).get('/api/v1/categories');
  for (const t of r.data.trees) {
    if (t.tree !== tree) continue;
    for (const major of t.majors) for (const sub of major.subclasses) if (sub.code === code) return sub.id;
  }
  throw new Error(`no category ${tree} ${code}`);
}

before(async () => {
  server = await startDemo();
  for (const name of ['inspector', 'inspector_hx', 'operator', 'supervisor', 'supervisor_hq',
    'supervisor_hx', 'dept_municipal', 'dept_sanitation', 'leader', 'admin']) {
    users[name] = await demoClient(server, name);
  }
  const units = await users.supervisor.get('/api/v1/org-units?type=department');
  assert.equal(units.status, 200, units.text);
  departments = Object.fromEntries(units.data.items.map((u) => [u.code, u.id]));
  manholeId = await category('component', '0101');
  garbageId = await category('event', '0102');
});
after(async () => { await server.stop(); });

// Runs an action and asserts its status; returns the case (or the response).
async function act(client, c, action, extra = {}, status = 200) {
  const r = await client.post(`/api/v1/cases/${c.id}/${action}`, { version: c.version, ...extra });
  assert.equal(r.status, status, `${action} by ${client.name || '?'}: ${r.text}`);
  return status === 200 ? r.data : r;
}

async function file(client, body) {
  const r = await client.post('/api/v1/cases', body);
  assert.equal(r.status, 201, r.text);
  return r.data.case;
}

test('inspector intake is located on the grid and starts the filing clock', async () => {
  const c = await file(users.inspector, { description: '人行道上的井盖缺失', ...HONGQI, category_id: manholeId });
  assert.match(c.case_no, /^\d{8}\d{6}$/);
  assert.equal(c.state, 'reported');
  assert.equal(c.source, 'patrol');
  assert.match(c.place.grid, /^440902001\d{6}$/);
  assert.equal(c.place.street, '红旗街道');
  assert.equal(c.clock.stage, 'file');
  assert.equal(c.clock.light, 'green');
  assert.ok(c.clock.deadline > c.created_at);
  assert.equal(c.category.code, '0101');
});

test('without a category the intake files the best guess from the text', async () => {
  const c = await file(users.inspector, { description: '人行道上的井盖缺失', ...HONGQI });
  assert.equal(c.category.tree, 'component');
  assert.match(c.category.code, /^01/);
  assert.match(c.category.name_zh, /井盖/);
  const nearby = await users.inspector.post('/api/v1/cases', { description: '井盖缺失，很危险', lat: HONGQI.lat + 0.0001, lon: HONGQI.lon });
  assert.equal(nearby.status, 201);
  assert.ok(nearby.data.duplicates.some((d) => d.id === c.id), 'the earlier case is hinted as a duplicate');
});

test('a case outside every cell is kept and flagged for placement', async () => {
  const c = await file(users.operator, { description: '城外有垃圾堆放', ...OUTSIDE, source: '12345', external_id: 'T-OUT-1' });
  assert.equal(c.place.grid, null);
  assert.equal(c.place.needs_placement, true);
  const seen = await users.supervisor.get(`/api/v1/cases/${c.id}`);
  assert.equal(seen.status, 200);
  // A citizen's report nobody can place still reaches the command centre.
  const citizen = await new Client(server.base).post('/api/v1/public/cases', { description: '不知道在哪个网格的井盖', ...OUTSIDE });
  assert.equal(citizen.status, 201, citizen.text);
  assert.equal(citizen.data.located, false);
  const list = await users.supervisor.get(`/api/v1/cases?q=${encodeURIComponent('网格的井盖')}`);
  const found = list.data.items.find((item) => item.case_no === citizen.data.case_no);
  assert.ok(found, 'the district supervisor sees the unplaced citizen case');
  assert.equal(found.place.needs_placement, true);
  // The supervisor places it; then it belongs to that street.
  assertError(await users.supervisor.post(`/api/v1/cases/${found.id}/place`, { version: found.version, ...OUTSIDE }), 422, 'invalid_field', 'lat');
  assertError(await users.inspector.post(`/api/v1/cases/${found.id}/place`, { version: found.version, ...HONGQI }), 403, 'forbidden');
  assertError(await users.supervisor.post(`/api/v1/cases/${found.id}/place`, { version: found.version - 1, ...HONGQI }), 409, 'stale_version', null);
  const placed = await users.supervisor.post(`/api/v1/cases/${found.id}/place`, { version: found.version, ...HONGQI, address: '红旗路口' });
  assert.equal(placed.status, 200, placed.text);
  assert.equal(placed.data.place.needs_placement, false);
  assert.match(placed.data.place.grid, /^440902001/);
  assert.equal(placed.data.version, found.version + 1);
  assert.equal((await users.supervisor_hq.get(`/api/v1/cases/${found.id}`)).status, 200);
  assertError(await users.supervisor_hx.get(`/api/v1/cases/${found.id}`), 404, 'not_found');
  const events = (await users.supervisor.get(`/api/v1/cases/${found.id}/events`)).data.items;
  assert.equal(events.at(-1).action, 'place');
});

test('operators enter 12345/110/12319 calls with caller and ticket; duplicates refused', async () => {
  for (const source of ['12345', '110', '12319']) {
    const c = await file(users.operator, { description: `${source} 来电：路面积水`, ...HONGQI, source, external_id: `OP-${source}`, caller_name: '张三', caller_phone: '13812345678' });
    assert.equal(c.source, source);
    assert.equal(c.external_id, `OP-${source}`);
    assert.equal(c.citizen_phone, '13812345678');
  }
  const again = await users.operator.post('/api/v1/cases', { description: 'again', ...HONGQI, source: '12345', external_id: 'OP-12345' });
  assertError(again, 409, 'conflict', 'external_id');
  assertError(await users.operator.post('/api/v1/cases', { description: 'x', ...HONGQI, source: 'patrol' }), 422, 'invalid_field', 'source');
  assertError(await users.inspector.post('/api/v1/cases', { description: 'x', ...HONGQI, source: '12345' }), 422, 'invalid_field', 'source');
  assertError(await users.dept_municipal.post('/api/v1/cases', { description: 'x', ...HONGQI }), 403, 'forbidden');
});

test('hotline platforms are idempotent on the ticket number', async () => {
  const issued = runCli(['token', 'add', 'platform-12345', '--channel', '12345', '--user', 'operator', '--data-dir', server.dataDir]);
  assert.equal(issued.status, 0, issued.stderr);
  const token = issued.stdout.trim();
  const send = (body) => fetch(`${server.base}/api/v1/intake/hotline`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, data: await r.json() }));
  const body = { external_id: 'GD-2026-0001', description: '市民来电：小区门口垃圾无人清运', address: '红旗北路1号', ...HONGQI, caller_name: '李四', caller_phone: '13900001111' };
  const [a, b] = await Promise.all([send(body), send(body)]);
  const statuses = [a.status, b.status].sort();
  assert.deepEqual(statuses, [200, 201]);
  assert.equal(a.data.case.id, b.data.case.id);
  assert.equal(a.data.case.source, '12345');
  const third = await send(body);
  assert.equal(third.status, 200);
  assert.equal(third.data.duplicate_ticket, true);
  assert.equal(third.data.case.case_no, a.data.case.case_no);
  const bad = await fetch(`${server.base}/api/v1/intake/hotline`, { method: 'POST', headers: { authorization: 'Bearer cgt_wrong', 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(bad.status, 401);
});

test('citizens file without an account and get a case number and query code', async () => {
  const r = await new Client(server.base).post('/api/v1/public/cases', { description: '路边垃圾堆积很多天了', ...HONGQI, name: '王五', phone: '13700002222' });
  assert.equal(r.status, 201, r.text);
  assert.match(r.data.case_no, /^\d{14}$/);
  assert.match(r.data.query_code, /^[2-9A-Z]{10}$/);
  assert.equal(r.data.located, true);
  assertError(await new Client(server.base).post('/api/v1/public/cases', { description: 'spam', ...HONGQI, website: 'http://spam' }), 400, 'invalid_field', null);
});

test('the full lifecycle, with every refusal along the way', async () => {
  const { inspector, supervisor, dept_municipal: dept, dept_sanitation: otherDept, operator, leader } = users;
  // No keyword of any category in the text: the case comes in without one.
  let c = await file(operator, { description: '市民来电反映 XYZ 情况，请核实', ...HONGQI, source: '12345', external_id: 'LIFE-1' });
  assert.equal(c.category, null);
  // verify -> confirm (with a photo)
  await act(inspector, c, 'verify', {}, 403);
  c = await act(operator, c, 'verify');
  assert.equal(c.state, 'verifying');
  assertError(await act(inspector, c, 'confirm', {}, 422), 422, 'missing_field', 'photo'); // no verify photo yet
  assert.equal((await uploadPhoto(inspector, c.id, 'verify', 1)).status, 201);
  c = await act(inspector, c, 'confirm', { note: '现场属实' });
  assert.equal(c.state, 'reported');
  assert.equal(c.verified, true);
  // accept needs a category
  assertError(await act(supervisor, c, 'accept', {}, 422), 422, 'missing_field', 'category_id');
  await act(operator, c, 'accept', { category_id: manholeId }, 403);
  c = await act(supervisor, c, 'accept', { category_id: manholeId });
  assert.equal(c.state, 'accepted');
  assert.equal(c.clock.stage, 'dispatch');
  // dispatch needs a department
  assertError(await act(supervisor, c, 'dispatch', {}, 422), 422, 'missing_field', 'department_id');
  await act(supervisor, c, 'dispatch', { department_id: 999999 }, 422);
  c = await act(supervisor, c, 'dispatch', { department_id: departments['440902-D01'] });
  assert.equal(c.state, 'dispatched');
  assert.equal(c.clock.stage, 'handle');
  const handleDeadline = c.clock.deadline;
  // the other department cannot even see it
  assertError(await otherDept.get(`/api/v1/cases/${c.id}`), 404, 'not_found');
  await act(supervisor, c, 'sign', {}, 403);
  c = await act(dept, c, 'sign');
  assert.equal(c.state, 'processing');
  // extension requested and approved moves the deadline
  assertError(await act(dept, c, 'request-extension', { note: '需采购井盖' }, 422), 422, 'missing_field', 'amount');
  c = await act(dept, c, 'request-extension', { note: '需采购井盖', amount: 4 });
  assert.equal(c.pending, 'extension');
  await act(dept, c, 'request-suspension', { note: 'x' }, 409); // one request at a time
  await act(dept, c, 'handle', { note: 'x' }, 409);
  await act(dept, c, 'approve', {}, 403);
  c = await act(supervisor, c, 'approve');
  assert.equal(c.pending, 'none');
  assert.equal(c.counts.extension, 1);
  assert.ok(c.clock.deadline > handleDeadline, 'extension moved the deadline');
  // suspension approved stops the clock; resume restarts it
  c = await act(dept, c, 'request-suspension', { note: '等待燃气公司配合' });
  c = await act(supervisor, c, 'approve');
  assert.equal(c.state, 'suspended');
  assert.equal(c.clock.paused, true);
  assert.equal(c.clock.deadline, null);
  const left = c.clock.remaining_ms;
  assert.ok(left > 0);
  c = await act(dept, c, 'resume');
  assert.equal(c.state, 'processing');
  assert.equal(c.clock.paused, false);
  assert.ok(Math.abs(c.clock.remaining_ms - left) <= 120000, `remaining ${c.clock.remaining_ms} vs ${left}`);
  // a refused request leaves the case as it was
  c = await act(dept, c, 'request-return', { note: '不归我们管' });
  assertError(await act(supervisor, c, 'refuse', {}, 422), 422, 'missing_field', 'note'); // reason needed
  c = await act(supervisor, c, 'refuse', { note: '属于市政职责' });
  assert.equal(c.state, 'processing');
  assert.equal(c.pending, 'none');
  // return approved goes back to accepted; re-dispatch
  c = await act(dept, c, 'request-return', { note: '应由街道处理' });
  c = await act(supervisor, c, 'approve');
  assert.equal(c.state, 'accepted');
  assert.equal(c.department, null);
  assert.equal(c.counts.return, 1);
  c = await act(supervisor, c, 'dispatch', { department_id: departments['440902-D01'] });
  c = await act(dept, c, 'sign');
  // handle needs a note and an after photo
  assertError(await act(dept, c, 'handle', { note: '已更换井盖' }, 422), 422, 'missing_field', 'photo');
  assert.equal((await uploadPhoto(dept, c.id, 'after', 2)).status, 201);
  assertError(await act(dept, c, 'handle', {}, 422), 422, 'missing_field', 'note');
  c = await act(dept, c, 'handle', { note: '已更换井盖' });
  assert.equal(c.state, 'handled');
  assert.equal(c.clock.stage, 'check');
  // the department never checks its own work
  await act(dept, c, 'check-pass', {}, 403);
  await act(inspector, c, 'check-fail', { note: '井盖仍松动' }, 422); // a check photo first
  assert.equal((await uploadPhoto(inspector, c.id, 'check', 3)).status, 201);
  c = await act(inspector, c, 'check-fail', { note: '井盖仍松动' });
  assert.equal(c.state, 'dispatched');
  assert.equal(c.counts.rework, 1);
  c = await act(dept, c, 'sign');
  // evidence is per round: the first after photo does not prove the rework
  await act(dept, c, 'handle', { note: '已加固' }, 422);
  assert.equal((await uploadPhoto(dept, c.id, 'after', 4)).status, 201);
  c = await act(dept, c, 'handle', { note: '已加固' });
  assertError(await act(inspector, c, 'check-pass', {}, 422), 422, 'missing_field', 'photo'); // a check photo of this check first
  assert.equal((await uploadPhoto(inspector, c.id, 'check', 5)).status, 201);
  c = await act(inspector, c, 'check-pass', { note: '已修复' });
  assert.equal(c.state, 'checked');
  await act(inspector, c, 'close', {}, 403);
  // leaders may supervise any open case
  c = await act(leader, c, 'supervise', { note: '请尽快结案' });
  assert.equal(c.counts.supervise, 1);
  c = await act(supervisor, c, 'close');
  assert.equal(c.state, 'closed');
  assert.equal(c.clock.deadline, null);
  await act(leader, c, 'supervise', { note: 'x' }, 409);
  await act(supervisor, c, 'reopen', {}, 422);
  c = await act(supervisor, c, 'reopen', { note: '市民回访不满意' });
  assert.equal(c.state, 'dispatched');
  assert.equal(c.counts.reopen, 1);
  c = await act(dept, c, 'sign');
  assert.equal((await uploadPhoto(dept, c.id, 'after', 6)).status, 201);
  c = await act(dept, c, 'handle', { note: '再次处理' });
  assert.equal((await uploadPhoto(inspector, c.id, 'check', 7)).status, 201);
  c = await act(inspector, c, 'check-pass', { note: 'ok' });
  c = await act(supervisor, c, 'close');
  assert.equal(c.state, 'closed');
  // the audit trail has every step, in order
  const events = await supervisor.get(`/api/v1/cases/${c.id}/events`);
  assert.equal(events.status, 200, events.text);
  const actions = events.data.items.map((e) => e.action);
  assert.equal(actions[0], 'report');
  assert.equal(actions.at(-1), 'close');
  assert.equal(actions.filter((a) => a === 'close').length, 2);
});

test('reject needs a reason; merge links two cases and refuses bad targets', async () => {
  const { supervisor, inspector } = users;
  let a = await file(inspector, { description: '垃圾桶满溢', ...HONGQI, category_id: garbageId });
  assertError(await act(supervisor, a, 'reject', {}, 422), 422, 'missing_field', 'note');
  a = await act(supervisor, a, 'reject', { note: '不属于城管职责' });
  assert.equal(a.state, 'rejected');
  await act(supervisor, a, 'accept', { category_id: garbageId }, 409);
  let b = await file(inspector, { description: '垃圾桶满溢，气味难闻', ...HONGQI, category_id: garbageId });
  let target = await file(inspector, { description: '垃圾桶满溢了', ...HONGQI, category_id: garbageId });
  assertError(await act(supervisor, b, 'merge', {}, 422), 422, 'missing_field', 'target_case_id');
  await act(supervisor, b, 'merge', { target_case_id: b.id }, 422);
  await act(supervisor, b, 'merge', { target_case_id: a.id }, 422); // rejected is final
  b = await act(supervisor, b, 'merge', { target_case_id: target.id });
  assert.equal(b.state, 'merged');
  assert.equal(b.merged_into, target.id);
  await act(supervisor, b, 'accept', {}, 409);
});

test('a merge target outside the caller\'s jurisdiction is refused and left as it was', async () => {
  const { supervisor_hq: hongqi, supervisor_hx: hexi, inspector, inspector_hx } = users;
  const mine = await file(inspector, { description: '红旗街道垃圾桶满溢', ...HONGQI, category_id: garbageId });
  const theirs = await file(inspector_hx, { description: '河西街道垃圾桶满溢', ...HEXI, category_id: garbageId });
  assertError(await hongqi.get(`/api/v1/cases/${theirs.id}`), 404, 'not_found');
  const refused = await act(hongqi, mine, 'merge', { target_case_id: theirs.id }, 422);
  assertError(refused, 422, 'invalid_field', 'target_case_id');
  // Neither case moved, and the other street's case gained no link.
  const kept = (await hongqi.get(`/api/v1/cases/${mine.id}`)).data;
  assert.equal(kept.state, 'reported');
  assert.equal(kept.version, mine.version);
  const other = (await hexi.get(`/api/v1/cases/${theirs.id}`)).data;
  assert.equal(other.version, theirs.version);
  assert.deepEqual((await hexi.get(`/api/v1/cases/${theirs.id}/events`)).data.items.map((e) => e.action), ['report']);
  // The district supervisor sees both streets, so for them the same merge goes through.
  const merged = await act(users.supervisor, mine, 'merge', { target_case_id: theirs.id });
  assert.equal(merged.state, 'merged');
  assert.equal(merged.merged_into, theirs.id);
});

test('jurisdiction: another street sees nothing, not even by id', async () => {
  const c = await file(users.inspector, { description: '红旗街道的井盖', ...HONGQI });
  assertError(await users.supervisor_hx.get(`/api/v1/cases/${c.id}`), 404, 'not_found');
  assertError(await users.supervisor_hx.post(`/api/v1/cases/${c.id}/accept`, { version: c.version, category_id: manholeId }), 404, 'not_found');
  assertError(await users.inspector_hx.post(`/api/v1/cases/${c.id}/verify`, { version: 1 }), 404, 'not_found');
  assert.equal((await users.supervisor_hq.get(`/api/v1/cases/${c.id}`)).status, 200);
  assert.equal((await users.leader.get(`/api/v1/cases/${c.id}`)).status, 200);
});

test('a stale version is 409 and two concurrent dispatches let exactly one through', async () => {
  const { supervisor, supervisor_hq, inspector } = users;
  let c = await file(inspector, { description: '并发派遣测试', ...HONGQI, category_id: manholeId });
  c = await act(supervisor, c, 'accept', { category_id: manholeId });
  const stale = await supervisor.post(`/api/v1/cases/${c.id}/dispatch`, { version: c.version - 1, department_id: departments['440902-D01'] });
  assertError(stale, 409, 'stale_version');
  const results = await Promise.all([
    supervisor.post(`/api/v1/cases/${c.id}/dispatch`, { version: c.version, department_id: departments['440902-D01'] }),
    supervisor_hq.post(`/api/v1/cases/${c.id}/dispatch`, { version: c.version, department_id: departments['440902-D02'] }),
  ]);
  const statuses = results.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 409], results.map((r) => r.text).join('\n'));
  // The loser either raced the winner in the store (stale_version) or loaded the
  // case after the winner's commit, when dispatch is no longer allowed at all.
  const loser = results.find((r) => r.status === 409);
  assert.ok(['stale_version', 'illegal_transition'].includes(loser.data.error.code), loser.text);
  assert.equal(loser.data.error.field, undefined);
  const winner = results.find((r) => r.status === 200);
  const after = await supervisor.get(`/api/v1/cases/${c.id}`);
  assert.equal(after.data.version, c.version + 1);
  assert.equal(after.data.department.id, winner.data.department.id, 'the stored department is the winner\'s');
  const events = await supervisor.get(`/api/v1/cases/${c.id}/events`);
  assert.equal(events.status, 200, events.text);
  assert.equal(events.data.items.filter((e) => e.action === 'dispatch').length, 1);
});

test('two concurrent notices on one version: one is stored, the other is a stale_version', async () => {
  const { leader, inspector } = users;
  const c = await file(inspector, { description: '并发督办测试', ...HONGQI, category_id: manholeId });
  // Supervising leaves the state as it was, so the loser is refused only for its version.
  const results = await Promise.all([1, 2].map((n) =>
    leader.post(`/api/v1/cases/${c.id}/supervise`, { version: c.version, note: `督办 ${n}` })));
  assert.deepEqual(results.map((r) => r.status).sort(), [200, 409], results.map((r) => r.text).join('\n'));
  assertError(results.find((r) => r.status === 409), 409, 'stale_version', null);
  const after = (await leader.get(`/api/v1/cases/${c.id}`)).data;
  assert.equal(after.version, c.version + 1);
  assert.equal(after.counts.supervise, 1);
});

test('unknown actions and ids are 404', async () => {
  const c = await file(users.inspector, { description: '测试', ...HONGQI });
  assertError(await users.supervisor.post(`/api/v1/cases/${c.id}/explode`, { version: 1 }), 404, 'not_found');
  assertError(await users.supervisor.get('/api/v1/cases/999999'), 404, 'not_found');
  assertError(await users.supervisor.get('/api/v1/cases/abc'), 404, 'not_found');
  assertError(await users.supervisor.post(`/api/v1/cases/${c.id}/accept`, { note: 'no version' }), 400, 'missing_field', 'version');
});

test('fix on the spot is filed closed with its before and after photos, and counted apart', async () => {
  const { inspector } = users;
  const body = { description: '清理了路边小广告', ...HONGQI, self_handled: true };
  // Without a before and an after photo it is refused, and nothing is stored.
  assertError(await inspector.post('/api/v1/cases', body), 422, 'missing_field');
  const only = [{ hash: await uploadPending(inspector, 7001), stage: 'after' }];
  const r = await inspector.post('/api/v1/cases', { ...body, photos: only });
  assertError(r, 422, 'missing_field');
  assert.equal(r.data.error.field, 'photos');
  // Someone else's upload, or a hash never uploaded, is not evidence.
  const foreign = await uploadPending(users.operator, 7002);
  assertError(await inspector.post('/api/v1/cases', { ...body, photos: [...only, { hash: foreign, stage: 'before' }] }), 422, 'invalid_field');
  assertError(await inspector.post('/api/v1/cases', { ...body, photos: [...only, { hash: 'ab'.repeat(32), stage: 'before' }] }), 422, 'invalid_field');
  const photos = await fixPhotos(inspector);
  const c = await file(inspector, { ...body, photos });
  assert.equal(c.state, 'closed');
  assert.equal(c.self_handled, true);
  assert.ok(c.closed_at);
  assert.deepEqual(c.photos.map((p) => [p.hash, p.stage]).sort(), photos.map((p) => [p.hash, p.stage]).sort());
  // An upload is attached once: the same list again is refused.
  assertError(await inspector.post('/api/v1/cases', { ...body, photos }), 422, 'invalid_field', 'photos');
  assertError(await users.operator.post('/api/v1/cases', { description: 'x', ...HONGQI, self_handled: true, source: '12345' }), 422, 'invalid_field', 'self_handled');
});

function photoCount() {
  const dir = join(server.dataDir, 'photos');
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const sub of readdirSync(dir)) n += readdirSync(join(dir, sub)).length;
  return n;
}

async function caseCount() {
  const r = await users.supervisor.get('/api/v1/cases?limit=100');
  assert.equal(r.status, 200, r.text);
  let n = r.data.items.length;
  let cursor = r.data.next_cursor;
  while (cursor) {
    const page = await users.supervisor.get(`/api/v1/cases?limit=100&cursor=${encodeURIComponent(cursor)}`);
    assert.equal(page.status, 200, page.text);
    n += page.data.items.length;
    cursor = page.data.next_cursor;
  }
  return n;
}

test('bad input gets a clear 4xx and leaves nothing behind', async () => {
  const { inspector } = users;
  const beforeCases = await caseCount();
  const beforePhotos = photoCount();
  const send = (body, headers) => inspector.request('POST', '/api/v1/cases', { body, headers: { 'content-type': 'application/json', ...headers } });
  const table = [
    ['malformed JSON', () => send('{"description": "x", '), 400, 'invalid_json', null],
    ['not an object', () => send('["x"]'), 400, 'invalid_json', null],
    ['wrong type', () => inspector.post('/api/v1/cases', { description: 5, ...HONGQI }), 400, 'invalid_field', 'description'],
    ['unknown field', () => inspector.post('/api/v1/cases', { description: 'x', ...HONGQI, colour: 'red' }), 400, 'unknown_field', 'colour'],
    ['empty description', () => inspector.post('/api/v1/cases', { description: '', ...HONGQI }), 400, 'missing_field', 'description'],
    ['blank description', () => inspector.post('/api/v1/cases', { description: '   ', ...HONGQI }), 400, 'missing_field', 'description'],
    ['100 KB description', () => inspector.post('/api/v1/cases', { description: '井'.repeat(34000), ...HONGQI }), 400, 'invalid_field', 'description'],
    ['invalid UTF-8', () => send(Buffer.concat([Buffer.from('{"description":"'), Buffer.from([0xc3, 0x28]), Buffer.from(`","lat":21.66,"lon":110.92}`)])), 400, 'invalid_utf8', null],
    ['NUL escape', () => send('{"description":"a\\u0000b","lat":21.66,"lon":110.92}'), 400, 'invalid_json', null],
    ['lat out of range', () => inspector.post('/api/v1/cases', { description: 'x', lat: 91, lon: 110.92 }), 400, 'invalid_field', 'lat'],
    ['lon out of range', () => inspector.post('/api/v1/cases', { description: 'x', lat: 21.6, lon: -181 }), 400, 'invalid_field', 'lon'],
    ['lat without lon', () => inspector.post('/api/v1/cases', { description: 'x', lat: 21.6 }), 400, 'invalid_field', 'lon'],
    ['no place at all', () => inspector.post('/api/v1/cases', { description: 'x' }), 400, 'missing_field', 'address'],
    ['unknown category', () => inspector.post('/api/v1/cases', { description: 'x', ...HONGQI, category_id: 987654 }), 422, 'invalid_field', 'category_id'],
    ['text/plain body', () => inspector.request('POST', '/api/v1/cases', { body: 'description=x', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type', null],
    ['20 MiB body', () => send(JSON.stringify({ description: 'x'.repeat(20 * 1024 * 1024) })), 413, 'payload_too_large', null],
  ];
  for (const [name, run, status, code, field] of table) {
    const r = await run();
    assert.equal(r.status, status, `${name}: ${r.text?.slice(0, 200)}`);
    assert.equal(r.data.error.code, code, name);
    assert.equal(r.data.error.field, field ?? undefined, `${name}: the field to blame`);
  }
  // Photos: a text file, a truncated image, a wrong type.
  const c = await file(inspector, { description: '照片测试', ...HONGQI });
  const afterCreate = await caseCount();
  const upload = (body, type) => inspector.request('POST', `/api/v1/cases/${c.id}/attachments?stage=report`, { body, headers: { 'content-type': type } });
  const textAsJpeg = await upload(Buffer.from('just some text, not a photo'), 'image/jpeg');
  assert.ok([415, 422].includes(textAsJpeg.status), textAsJpeg.text);
  const truncated = await upload(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]), 'image/jpeg');
  assert.ok([415, 422].includes(truncated.status), truncated.text);
  assert.equal((await upload(Buffer.from('GIF89a'), 'image/gif')).status, 415);
  assert.equal(photoCount(), beforePhotos, 'no photo file was left behind');
  assert.equal(afterCreate, beforeCases + 1, 'only the valid case was stored');
  // SQL and HTML are stored and returned as plain text.
  const tricky = "'); DROP TABLE case_record; -- <script>alert(1)</script>";
  const t = await file(inspector, { description: tricky, address: '<b>红旗路</b>', ...HONGQI });
  const back = await inspector.get(`/api/v1/cases/${t.id}`);
  assert.equal(back.data.description, tricky);
  assert.equal(back.data.place.address, '<b>红旗路</b>');
});

// The number of events `audit verify` reports intact in a database.
function intactEvents(args) {
  const audit = runCli(['audit', 'verify', ...args]);
  assert.equal(audit.status, 0, audit.stdout + audit.stderr);
  return Number(/intact: (\d+) events/.exec(audit.stdout)[1]);
}

// SQLite's own backup and file surgery: PostgreSQL is backed up with its own tools.
const SQLITE_FILE = { skip: ENGINE !== 'sqlite' && 'backs up and edits a SQLite file' };

test('backup writes a consistent copy while the server runs', SQLITE_FILE, async () => {
  await file(users.inspector, { description: '备份前的案件', ...HONGQI });
  const live = intactEvents(['--data-dir', server.dataDir]);
  const target = join(tempDir('backup-'), 'copy.db');
  const made = runCli(['backup', target, '--data-dir', server.dataDir]);
  assert.equal(made.status, 0, made.stderr);
  const check = runCli(['check', '--db', target, '--data-dir', server.dataDir]);
  assert.equal(check.status, 0, check.stderr);
  assert.match(check.stdout, /integrity ok/);
  assert.equal(intactEvents(['--db', target, '--data-dir', server.dataDir]), live, 'every event is in the copy');
  const again = runCli(['backup', target, '--data-dir', server.dataDir]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /exists already/);
});

const sqlite = (db, sql) => spawnSync('sqlite3', ['-json', db, sql], { encoding: 'utf8' });

test('audit verify passes, then names the event whose stored fields were changed, for every field', SQLITE_FILE, async () => {
  // A case of this test's own, on a copy of the database, so no other test sees the damage.
  let c = await file(users.inspector, { description: '审计链测试：井盖缺失', ...HONGQI, category_id: manholeId });
  c = await act(users.supervisor, c, 'accept', { category_id: manholeId, note: '立案（内部）' });
  c = await act(users.supervisor, c, 'dispatch', { department_id: departments['440902-D01'], note: '请处理' });
  const dir = tempDir('audit-');
  const clean = join(dir, 'clean.db');
  assert.equal(runCli(['backup', clean, '--data-dir', server.dataDir]).status, 0);
  const total = intactEvents(['--db', clean]);
  const events = JSON.parse(sqlite(clean, `SELECT id, action FROM case_event WHERE case_id = ${c.id} ORDER BY id`).stdout);
  const accept = events.find((e) => e.action === 'accept').id;
  const next = events.find((e) => e.id > accept).id;
  // The append-only trigger refuses the change in place.
  const blocked = sqlite(clean, `UPDATE case_event SET note = 'x' WHERE id = ${accept}`);
  assert.match(blocked.stderr, /append-only/, 'the trigger refuses updates');
  // Every stored column of the event, each changed alone on a fresh copy: the
  // fields are hashed, so verify names this event; its id is the chain's order,
  // so moving it shows at the event that follows.
  const columns = JSON.parse(sqlite(clean, 'PRAGMA table_info(case_event)').stdout);
  assert.ok(columns.length >= 14, columns.map((col) => col.name).join(', '));
  for (const { name, type } of columns) {
    const copy = join(dir, `${name}.db`);
    copyFileSync(clean, copy);
    const change = name === 'id' ? 'id + 1000000'
      : type === 'INTEGER' ? `COALESCE(${name}, 0) + 1` : `${name} || 'x'`;
    const tamper = sqlite(copy, `DROP TRIGGER case_event_no_update; UPDATE case_event SET ${name} = ${change} WHERE id = ${accept};`);
    assert.equal(tamper.status, 0, `${name}: ${tamper.stderr}`);
    const broken = runCli(['audit', 'verify', '--db', copy]);
    assert.equal(broken.status, 1, `changing ${name} goes unnoticed: ${broken.stdout}`);
    const at = name === 'id' ? next : accept;
    assert.match(broken.stdout, new RegExp(`BROKEN at event ${at}\\b`), `${name}: ${broken.stdout}`);
  }
  // A removed event shows at the one after it.
  const gap = join(dir, 'gap.db');
  copyFileSync(clean, gap);
  assert.equal(sqlite(gap, `DROP TRIGGER case_event_no_delete; DELETE FROM case_event WHERE id = ${accept};`).status, 0);
  const cut = runCli(['audit', 'verify', '--db', gap]);
  assert.equal(cut.status, 1);
  assert.match(cut.stdout, new RegExp(`BROKEN at event ${next}\\b`));
  // The untouched copy is still whole.
  assert.equal(intactEvents(['--db', clean]), total);
  rmSync(dir, { recursive: true, force: true });
});

test('a closed case can be reopened only inside the configured window', async () => {
  const strict = await startDemo({ args: ['--reopen-days', '0'] });
  try {
    const inspector = await demoClient(strict, 'inspector');
    const supervisor = await demoClient(strict, 'supervisor');
    const r = await inspector.post('/api/v1/cases', { description: '当场清理了垃圾', ...HONGQI, self_handled: true, photos: await fixPhotos(inspector) });
    assert.equal(r.status, 201, r.text);
    await new Promise((ok) => setTimeout(ok, 20));
    const late = await supervisor.post(`/api/v1/cases/${r.data.case.id}/reopen`, { version: r.data.case.version, note: '复查' });
    assertError(late, 409, 'illegal_transition');
    assert.match(late.data.error.message, /0 days/);
  } finally {
    await strict.stop();
  }
});

test('anonymous intake is rate-limited per address', async () => {
  const citizen = new Client(server.base);
  let limited = null;
  for (let i = 0; i < 25 && !limited; i++) {
    const r = await citizen.post('/api/v1/public/cases', { description: `第${i}次反映：路灯不亮`, ...HONGQI });
    if (r.status === 429) limited = r;
    else assert.equal(r.status, 201, r.text);
  }
  assert.ok(limited, 'the limit was reached within 25 reports');
  assertError(limited, 429, 'rate_limited');
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
});
