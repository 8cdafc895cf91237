// SPDX-License-Identifier: MIT
// The office calendar (read by staff, edited by admins, used at once for new
// deadlines) and the overview counts of a jurisdiction.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, demoClient, assertError, HONGQI, HEXI, fixPhotos } from './lib.mjs';

let server;
const users = {};
before(async () => {
  server = await startDemo();
  for (const name of ['admin', 'leader', 'supervisor', 'supervisor_hx', 'inspector', 'inspector_hx']) {
    users[name] = await demoClient(server, name);
  }
});
after(async () => { await server.stop(); });

// Local (UTC+8) date of an instant as YYYY-MM-DD.
const localDay = (ms) => new Date(ms + 8 * 3600000).toISOString().slice(0, 10);

test('staff read the working periods and the year\'s holidays and adjusted days', async () => {
  const r = await users.supervisor.get('/api/v1/calendar?year=2026');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.data.utc_offset_minutes, 480);
  assert.deepEqual(r.data.periods, [{ start: '08:30', end: '12:00' }, { start: '14:00', end: '17:30' }]);
  assert.deepEqual(r.data.weekdays, [1, 2, 3, 4, 5]);
  const days = Object.fromEntries(r.data.days.map((d) => [d.day, d]));
  assert.equal(days['2026-10-01'].kind, 'holiday');
  assert.equal(days['2026-10-01'].name, '国庆节');
  assert.equal(days['2026-10-10'].kind, 'workday');
  assert.equal(days['2026-09-20'].kind, 'workday');
  assert.ok(r.data.days.every((d) => d.day.startsWith('2026-')));
  assertError(await users.supervisor.get('/api/v1/calendar?year=nineteen'), 400, 'invalid_query', 'year');
  assert.equal((await users.supervisor.get('/api/v1/calendar?year=2027')).data.days.length, 0);
});

test('admins add and remove days; others may not; bad days are refused', async () => {
  const { admin, supervisor } = users;
  assertError(await supervisor.request('PUT', '/api/v1/admin/calendar/days/2026-12-25', { json: { kind: 'holiday' } }), 403, 'forbidden');
  assertError(await admin.request('PUT', '/api/v1/admin/calendar/days/2026-02-30', { json: { kind: 'holiday' } }), 400, 'invalid_field', 'day');
  assertError(await admin.request('PUT', '/api/v1/admin/calendar/days/2026-12-25', { json: { kind: 'party' } }), 422, 'invalid_field', 'kind');
  assertError(await admin.request('PUT', '/api/v1/admin/calendar/days/2026-12-25', { json: { kind: 'holiday', colour: 'red' } }), 400, 'unknown_field', 'colour');
  const put = await admin.request('PUT', '/api/v1/admin/calendar/days/2026-12-25', { json: { kind: 'holiday', name: '测试假日' } });
  assert.equal(put.status, 200, put.text);
  assert.deepEqual(put.data, { day: '2026-12-25', kind: 'holiday', name: '测试假日' });
  let days = (await supervisor.get('/api/v1/calendar?year=2026')).data.days;
  assert.ok(days.some((d) => d.day === '2026-12-25' && d.kind === 'holiday'));
  assert.equal((await admin.request('DELETE', '/api/v1/admin/calendar/days/2026-12-25')).status, 204);
  assertError(await admin.request('DELETE', '/api/v1/admin/calendar/days/2026-12-25'), 404, 'not_found');
  days = (await supervisor.get('/api/v1/calendar?year=2026')).data.days;
  assert.ok(!days.some((d) => d.day === '2026-12-25'));
});

test('a new holiday moves the deadlines of cases filed after it', async () => {
  const { admin, inspector } = users;
  const file = async () => (await inspector.post('/api/v1/cases', { description: '日历测试：路面不洁', ...HONGQI })).data.case;
  const first = await file();
  const day = localDay(first.clock.deadline);
  const put = await admin.request('PUT', `/api/v1/admin/calendar/days/${day}`, { json: { kind: 'holiday', name: '临时假日' } });
  assert.equal(put.status, 200, put.text);
  try {
    const second = await file();
    assert.ok(second.clock.deadline > first.clock.deadline, 'the deadline skips the new holiday');
    assert.notEqual(localDay(second.clock.deadline), day);
  } finally {
    await admin.request('DELETE', `/api/v1/admin/calendar/days/${day}`);
  }
  const third = await file();
  assert.equal(localDay(third.clock.deadline), day, 'removing the holiday restores it');
});

test('the overview counts the cases of the caller\'s jurisdiction', async () => {
  const { leader, supervisor_hx: hexi, inspector, inspector_hx: inspectorHx } = users;
  const before = (await leader.get('/api/v1/stats/overview')).data;
  await inspector.post('/api/v1/cases', { description: '统计：井盖缺失', ...HONGQI });
  await inspectorHx.post('/api/v1/cases', { description: '统计：垃圾堆放', ...HEXI });
  await inspector.post('/api/v1/cases', { description: '统计：当场清理小广告', ...HONGQI, self_handled: true, photos: await fixPhotos(inspector) });
  const r = await leader.get('/api/v1/stats/overview');
  assert.equal(r.status, 200, r.text);
  const o = r.data;
  assert.equal(o.by_state.reported, before.by_state.reported + 2);
  assert.equal(o.by_state.closed, before.by_state.closed + 1);
  assert.equal(o.self_handled, before.self_handled + 1);
  assert.equal(o.created_30d, before.created_30d + 3);
  assert.equal(o.open, Object.entries(o.by_state).filter(([s]) => !['closed', 'rejected', 'merged'].includes(s)).reduce((n, [, v]) => n + v, 0));
  assert.equal(o.by_source.patrol, (before.by_source.patrol || 0) + 3);
  const streets = Object.fromEntries(o.by_street.map((s) => [s.code, s]));
  assert.ok(streets['440902001'].open >= 1);
  assert.ok(streets['440902002'].open >= 1);
  assert.ok(o.by_category.length >= 1 && o.by_category.length <= 10);
  assert.deepEqual(Object.keys(o.satisfaction).sort(), ['basically_satisfied', 'satisfied', 'unsatisfied']);
  // Hexi's supervisor counts only Hexi.
  const hx = (await hexi.get('/api/v1/stats/overview')).data;
  assert.ok(hx.by_street.every((s) => s.code === '440902002'));
  assert.ok(hx.open < o.open);
  assertError(await inspector.get('/api/v1/stats/overview'), 403, 'forbidden');
});
