// SPDX-License-Identifier: MIT
// The true clock over HTTP: the stage records a case shows (urgent cases on the
// wall clock, rework keeping the round's deadline, multi-phase limits, the
// half-hour arrival, suspension's paused time), and the rule holes closed with
// them: dispatch only to a department serving the street, recall before signing,
// a reopened fix on the spot back to dispatch, a merged case linking the case it
// lives on in, and a hotline ticket reused with other content.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDemo, demoClient, Client, assertError, runCli, uploadPhoto, HONGQI, HEXI, fixPhotos,
} from './lib.mjs';

let server;
const users = {};
let departments;
const categories = {};
let seed = 50000;

before(async () => {
  server = await startDemo();
  for (const name of ['inspector', 'inspector_hx', 'operator', 'supervisor', 'supervisor_hq',
    'dept_municipal', 'dept_sanitation', 'dept_hongqi']) {
    users[name] = await demoClient(server, name);
  }
  const units = await users.supervisor.get('/api/v1/org-units?type=department');
  departments = Object.fromEntries(units.data.items.map((u) => [u.code, u.id]));
  const trees = (await new Client(server.base).get('/api/v1/categories')).data.trees;
  for (const t of trees) for (const m of t.majors) for (const s of m.subclasses) categories[`${t.tree}-${s.code}`] = s;
});
after(async () => { await server.stop(); });

async function act(client, c, action, extra = {}, status = 200) {
  const r = await client.post(`/api/v1/cases/${c.id}/${action}`, { version: c.version, ...extra });
  assert.equal(r.status, status, `${action}: ${r.text}`);
  return status === 200 ? r.data : r;
}

async function get(client, c) {
  const r = await client.get(`/api/v1/cases/${c.id}`);
  assert.equal(r.status, 200, r.text);
  return r.data;
}

// A case filed by the inspector and accepted under `code` ("event-0102").
async function accepted(code, where = HONGQI) {
  const inspector = where === HEXI ? users.inspector_hx : users.inspector;
  const r = await inspector.post('/api/v1/cases', { description: `阶段测试 ${code} ${seed}`, ...where });
  assert.equal(r.status, 201, r.text);
  return act(users.supervisor, r.data.case, 'accept', { category_id: categories[code].id });
}

const running = (c, stage, phase) => c.stages.filter((s) => s.stage === stage && s.ended_at === null && (!phase || s.phase === phase));
const ended = (c, stage) => c.stages.filter((s) => s.stage === stage && s.ended_at !== null);

test('an urgent case counts its hours on the wall clock, and must be reached in 30 minutes', async () => {
  // Road flooding: an urgent subclass, 4 hours to handle.
  let c = await accepted('event-0403');
  assert.equal(c.urgent, true);
  c = await act(users.supervisor, c, 'dispatch', { department_id: departments['440902-D01'] });
  const [handle] = running(c, 'handle');
  assert.equal(handle.unit, 'urgent_hours');
  assert.equal(handle.deadline - handle.started_at, 4 * 3600000, 'four wall-clock hours, whatever the office calendar');
  assert.equal(c.handling_deadline, handle.deadline);
  const [arrive] = running(c, 'arrive');
  assert.equal(arrive.deadline - arrive.started_at, 30 * 60000);
  assert.equal(arrive.responsible.id, departments['440902-D01']);
  const seen = await get(users.dept_municipal, c);
  assert.ok(seen.actions.includes('arrive'));
  assert.deepEqual(seen.action_needs.arrive, { needs: ['photo'], photo_stage: 'arrive' });
  // On site with a photo taken there.
  await act(users.dept_municipal, c, 'arrive', {}, 422);
  assert.equal((await uploadPhoto(users.dept_municipal, c.id, 'arrive', seed++)).status, 201);
  c = await act(users.dept_municipal, await get(users.dept_municipal, c), 'arrive');
  const [done] = ended(c, 'arrive');
  assert.equal(done.verdict, 'on_time');
  assert.ok(done.elapsed_ms < 30 * 60000);
  assert.equal(c.state, 'dispatched', 'arriving does not sign');
  await act(users.dept_municipal, c, 'arrive', {}, 409); // once per dispatch
  // An ordinary case has no arrival to report.
  let plain = await accepted('event-0102');
  plain = await act(users.supervisor, plain, 'dispatch', { department_id: departments['440902-D02'] });
  assert.equal(running(plain, 'arrive').length, 0);
  assert.equal(running(plain, 'handle')[0].unit, 'work_hours');
  assert.ok(!(await get(users.dept_sanitation, plain)).actions.includes('arrive'));
});

test('a burst main runs three phases, each with its own deadline and verdict', async () => {
  let c = await accepted('event-0401');
  c = await act(users.supervisor, c, 'dispatch', { department_id: departments['440902-D01'] });
  const phases = Object.fromEntries(running(c, 'phase').map((p) => [p.phase, p]));
  assert.deepEqual(Object.keys(phases).sort(), ['cordon', 'repair', 'restore']);
  assert.equal(phases.cordon.deadline - phases.cordon.started_at, 3 * 3600000);
  assert.equal(phases.repair.deadline - phases.repair.started_at, 8 * 3600000);
  assert.equal(phases.restore.unit, 'work_days', 'the road is restored within working days');
  assert.ok(phases.restore.deadline > phases.repair.deadline);
  assert.equal(running(c, 'handle')[0].deadline, phases.restore.deadline, 'handling ends with the last phase');
  c = await act(users.dept_municipal, c, 'sign');
  assert.deepEqual(c.action_needs.phase, { needs: ['photo', 'phase'], photo_stage: 'progress' });
  await act(users.dept_municipal, c, 'phase', { phase: 'cordon' }, 422); // a progress photo first
  assert.equal((await uploadPhoto(users.dept_municipal, c.id, 'progress', seed++)).status, 201);
  c = await get(users.dept_municipal, c);
  const unknown = await act(users.dept_municipal, c, 'phase', { phase: 'paint' }, 422);
  assert.equal(unknown.data.error.field, 'phase');
  c = await act(users.dept_municipal, c, 'phase', { phase: 'cordon' });
  const cordon = ended(c, 'phase').find((p) => p.phase === 'cordon');
  assert.equal(cordon.verdict, 'on_time');
  assert.equal(cordon.outcome, 'phase');
  assert.equal(running(c, 'phase').length, 2);
  // Reporting it fixed ends the phases still running.
  assert.equal((await uploadPhoto(users.dept_municipal, c.id, 'after', seed++)).status, 201);
  c = await act(users.dept_municipal, await get(users.dept_municipal, c), 'handle', { note: '已抢修并恢复路面' });
  assert.equal(running(c, 'phase').length, 0);
  assert.ok(c.stages.filter((s) => s.stage === 'phase').every((p) => p.verdict === 'on_time'));
  assert.equal(typeof c.handled_at, 'number');
});

test('a failed check keeps the handling deadline; a rework counts and signs again', async () => {
  let c = await accepted('event-0102');
  c = await act(users.supervisor, c, 'dispatch', { department_id: departments['440902-D02'] });
  const deadline = c.handling_deadline;
  c = await act(users.dept_sanitation, c, 'sign');
  assert.equal(ended(c, 'sign')[0].verdict, 'on_time');
  assert.equal((await uploadPhoto(users.dept_sanitation, c.id, 'after', seed++)).status, 201);
  c = await act(users.dept_sanitation, await get(users.dept_sanitation, c), 'handle', { note: '已清理' });
  assert.equal(ended(c, 'handle')[0].verdict, 'on_time');
  assert.equal((await uploadPhoto(users.inspector, c.id, 'check', seed++)).status, 201);
  c = await act(users.inspector, await get(users.inspector, c), 'check-fail', { note: '仍有垃圾' });
  assert.equal(c.state, 'dispatched');
  assert.equal(c.counts.rework, 1);
  const [again] = running(c, 'handle');
  assert.equal(again.attempt, 2);
  assert.equal(again.deadline, deadline, 'the rework keeps the original deadline');
  assert.equal(c.handling_deadline, deadline);
  assert.equal(c.clock.deadline, deadline);
  assert.equal(running(c, 'sign').length, 1);
  assert.equal(ended(c, 'check')[0].outcome, 'check-fail');
});

test('suspension stops the clock and the stage shows the paused time', async () => {
  let c = await accepted('event-0102');
  c = await act(users.supervisor, c, 'dispatch', { department_id: departments['440902-D02'] });
  c = await act(users.dept_sanitation, c, 'sign');
  c = await act(users.dept_sanitation, c, 'request-suspension', { note: '等待产权单位配合' });
  c = await act(users.supervisor, c, 'approve');
  assert.equal(c.state, 'suspended');
  assert.equal(running(c, 'handle')[0].paused, true);
  assert.equal(running(c, 'handle')[0].deadline, null);
  await new Promise((resolve) => setTimeout(resolve, 1200));
  c = await act(users.dept_sanitation, c, 'resume');
  const [handle] = running(c, 'handle');
  assert.equal(handle.paused, false);
  assert.ok(handle.paused_ms >= 1100 && handle.paused_ms < 60000, `paused ${handle.paused_ms} ms`);
  assert.ok(handle.deadline > 0);
  assert.equal(c.handling_deadline, handle.deadline);
});

test('dispatch goes only to a department serving the case\'s street or its whole district', async () => {
  // A Hexi case: the Hongqi street office may not take it.
  let c = await accepted('event-0102', HEXI);
  const wrong = await act(users.supervisor, c, 'dispatch', { department_id: departments['440902001-D01'] }, 422);
  assert.equal(wrong.data.error.code, 'invalid_field');
  assert.equal(wrong.data.error.field, 'department_id');
  assertError(await act(users.supervisor, c, 'dispatch', { department_id: 999999 }, 422), 422, 'invalid_field');
  assert.equal((await get(users.supervisor, c)).state, 'accepted', 'nothing changed');
  // Its own street's office and a district department may.
  c = await act(users.supervisor, c, 'dispatch', { department_id: departments['440902002-D01'] });
  assert.equal(c.department.id, departments['440902002-D01']);
  // A street supervisor dispatches only to departments their jurisdiction may use.
  let hq = await accepted('event-0102');
  hq = await get(users.supervisor_hq, hq);
  const other = await act(users.supervisor_hq, hq, 'dispatch', { department_id: departments['440902002-D01'] }, 422);
  assert.equal(other.data.error.field, 'department_id');
  hq = await act(users.supervisor_hq, hq, 'dispatch', { department_id: departments['440902001-D01'] });
  assert.equal(hq.state, 'dispatched');
});

test('the centre recalls a dispatch before the department signs', async () => {
  let c = await accepted('event-0102');
  c = await act(users.supervisor, c, 'dispatch', { department_id: departments['440902-D02'] });
  await act(users.dept_sanitation, c, 'recall', { note: 'x' }, 403);
  await act(users.supervisor, c, 'recall', {}, 422); // a reason
  c = await act(users.supervisor, c, 'recall', { note: '派错部门' });
  assert.equal(c.state, 'accepted');
  assert.equal(c.department, null);
  assert.equal(c.counts.return, 0, 'a recall is not the department\'s return');
  assert.ok(c.stages.filter((s) => ['sign', 'handle'].includes(s.stage)).every((s) => s.verdict === 'void' && s.outcome === 'recall'));
  assert.equal(running(c, 'dispatch').length, 1);
  assertError(await users.dept_sanitation.get(`/api/v1/cases/${c.id}`), 404, 'not_found');
  // Once signed, it is the department's to return, not the centre's to recall.
  c = await act(users.supervisor, c, 'dispatch', { department_id: departments['440902-D01'] });
  c = await act(users.dept_municipal, c, 'sign');
  await act(users.supervisor, c, 'recall', { note: '再派' }, 409);
});

test('a reopened fix on the spot goes to the dispatch queue, not nowhere', async () => {
  const r = await users.inspector.post('/api/v1/cases', {
    description: '当场清理的小广告，又贴上了', ...HONGQI, self_handled: true, photos: await fixPhotos(users.inspector),
  });
  assert.equal(r.status, 201, r.text);
  let c = r.data.case;
  assert.equal(c.state, 'closed');
  c = await act(users.supervisor, c, 'reopen', { note: '市民反映又出现' });
  assert.equal(c.state, 'accepted', 'no department to send it back to');
  assert.equal(c.counts.reopen, 1);
  assert.equal(running(c, 'dispatch')[0].round, 2);
  assert.ok(c.actions.includes('dispatch'));
  const queue = await users.supervisor.get('/api/v1/cases?status=accepted&limit=100');
  assert.ok(queue.data.items.some((x) => x.id === c.id), 'in the dispatch queue');
});

test('a merged case links the case it lives on in, and its rating goes there', async () => {
  const citizen = new Client(server.base);
  const filed = await citizen.post('/api/v1/public/cases', { description: '同一处垃圾堆放', ...HONGQI });
  assert.equal(filed.status, 201, filed.text);
  const list = await users.supervisor.get('/api/v1/cases?limit=100');
  let dup = list.data.items.find((x) => x.case_no === filed.data.case_no);
  let main = await accepted('event-0102');
  dup = await act(users.supervisor, dup, 'merge', { target_case_id: main.id });
  assert.equal(dup.state, 'merged');
  const track = async () => (await citizen.get(`/api/v1/public/cases/${filed.data.case_no}?code=${filed.data.query_code}`)).data;
  let view = await track();
  assert.equal(view.state, 'merged');
  assert.deepEqual(view.merged_into, { case_no: main.case_no, state: 'accepted', rated: false });
  // Rating waits for the surviving case to close, then lands on it.
  assertError(await citizen.post(`/api/v1/public/cases/${filed.data.case_no}/rating`, { code: filed.data.query_code, rating: 'satisfied' }), 409, 'illegal_transition');
  main = await act(users.supervisor, main, 'dispatch', { department_id: departments['440902-D02'] });
  main = await act(users.dept_sanitation, main, 'sign');
  assert.equal((await uploadPhoto(users.dept_sanitation, main.id, 'after', seed++)).status, 201);
  main = await act(users.dept_sanitation, await get(users.dept_sanitation, main), 'handle', { note: '已清理' });
  assert.equal((await uploadPhoto(users.inspector, main.id, 'check', seed++)).status, 201);
  main = await act(users.inspector, await get(users.inspector, main), 'check-pass');
  main = await act(users.supervisor, main, 'close');
  view = await track();
  assert.deepEqual(view.merged_into, { case_no: main.case_no, state: 'closed', rated: false });
  const rated = await citizen.post(`/api/v1/public/cases/${filed.data.case_no}/rating`, { code: filed.data.query_code, rating: 'basically_satisfied' });
  assert.equal(rated.status, 200, rated.text);
  const survivor = await get(users.supervisor, main);
  assert.equal(survivor.rating, 'basically_satisfied');
  assert.equal(survivor.ratings.length, 1);
  assert.equal(survivor.ratings[0].round, 1);
  assert.equal((await track()).merged_into.rated, true);
});

test('a hotline ticket filed again with other content is a conflict; the same content returns the original', async () => {
  const issued = runCli(['token', 'add', 'platform-stages', '--channel', '12345', '--user', 'operator', '--data-dir', server.dataDir]);
  assert.equal(issued.status, 0, issued.stderr);
  const send = (body) => fetch(`${server.base}/api/v1/intake/hotline`, {
    method: 'POST', headers: { authorization: `Bearer ${issued.stdout.trim()}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, data: await r.json() }));
  const body = { external_id: 'GD-STAGES-1', description: '来电：路灯不亮', address: '红旗中路8号', ...HONGQI, caller_phone: '13900002222' };
  const first = await send(body);
  assert.equal(first.status, 201);
  const same = await send(body);
  assert.equal(same.status, 200);
  assert.equal(same.data.case.id, first.data.case.id);
  for (const changed of [{ description: '来电：井盖丢失' }, { address: '红旗中路9号' }, { caller_phone: '13900003333' }, { lat: HONGQI.lat + 0.001 }]) {
    const r = await send({ ...body, ...changed });
    assert.equal(r.status, 409, JSON.stringify(changed));
    assert.equal(r.data.error.code, 'ticket_conflict');
    assert.equal(r.data.error.field, 'external_id');
    assert.match(r.data.error.message, new RegExp(first.data.case.case_no));
  }
});

test('every rating is kept, one per closure, and the overview counts each', async () => {
  const citizen = new Client(server.base);
  const counted = async () => (await users.supervisor.get('/api/v1/stats/overview')).data.satisfaction;
  const before = await counted();
  const filed = await citizen.post('/api/v1/public/cases', { description: '路边垃圾桶满溢', ...HONGQI });
  const list = await users.supervisor.get('/api/v1/cases?limit=100');
  let c = list.data.items.find((x) => x.case_no === filed.data.case_no);
  c = await act(users.supervisor, c, 'accept', { category_id: categories['event-0102'].id });
  c = await act(users.supervisor, c, 'dispatch', { department_id: departments['440902-D02'] });
  const close = async () => {
    c = await act(users.dept_sanitation, await get(users.dept_sanitation, c), 'sign');
    assert.equal((await uploadPhoto(users.dept_sanitation, c.id, 'after', seed++)).status, 201);
    c = await act(users.dept_sanitation, await get(users.dept_sanitation, c), 'handle', { note: '已清理' });
    assert.equal((await uploadPhoto(users.inspector, c.id, 'check', seed++)).status, 201);
    c = await act(users.inspector, await get(users.inspector, c), 'check-pass');
    c = await act(users.supervisor, c, 'close');
  };
  await close();
  const rate = (rating) => citizen.post(`/api/v1/public/cases/${filed.data.case_no}/rating`, { code: filed.data.query_code, rating });
  assert.equal((await rate('unsatisfied')).status, 200);
  c = await get(users.supervisor, c);
  assert.equal(c.state, 'dispatched', 'reopened by the rating');
  await close();
  assert.equal((await rate('satisfied')).status, 200);
  c = await get(users.supervisor, c);
  assert.deepEqual(c.ratings.map((r) => [r.round, r.rating]), [[1, 'unsatisfied'], [2, 'satisfied']]);
  assert.equal(c.rating, 'satisfied');
  const now = await counted();
  assert.equal(now.unsatisfied, before.unsatisfied + 1, 'the first closure\'s rating still counts');
  assert.equal(now.satisfied, before.satisfied + 1);
});

test('a polled list, case or overview with nothing changed costs a 304', async () => {
  const sup = users.supervisor;
  for (const path of ['/api/v1/cases?status=accepted&sort=deadline', '/api/v1/stats/overview']) {
    const first = await sup.get(path);
    assert.equal(first.status, 200, first.text);
    const etag = first.headers.get('etag');
    assert.match(etag, /^W\/"/);
    assert.equal(first.headers.get('cache-control'), 'private, no-cache');
    const same = await sup.get(path, { headers: { 'if-none-match': etag } });
    assert.equal(same.status, 304, path);
    assert.equal(same.text, '');
    // Another user asks another question, even with the same words.
    const other = await users.supervisor_hq.get(path, { headers: { 'if-none-match': etag } });
    assert.equal(other.status, 200);
    assert.notEqual(other.headers.get('etag'), etag);
  }
  let c = await accepted('event-0102');
  const path = `/api/v1/cases/${c.id}`;
  const before = await sup.get(path);
  const etag = before.headers.get('etag');
  assert.equal((await sup.get(path, { headers: { 'if-none-match': etag } })).status, 304);
  // A write anywhere changes the answer.
  c = await act(sup, before.data, 'dispatch', { department_id: departments['440902-D02'] });
  const after = await sup.get(path, { headers: { 'if-none-match': etag } });
  assert.equal(after.status, 200);
  assert.equal(after.data.state, 'dispatched');
  // The ETag still needs a session: no 304 for a stranger.
  const anon = await new Client(server.base).get(path, { headers: { 'if-none-match': after.headers.get('etag') } });
  assert.equal(anon.status, 401);
});
