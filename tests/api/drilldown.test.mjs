// SPDX-License-Identifier: MIT
// Drill-down from the assessment to the case list: for a street, a community,
// a grid cell and an inspector, the cases GET /api/v1/cases lists with the
// period's created_from/created_to and the unit's filter are exactly the
// assessment's reported, filed and closed counts (merged duplicates left out,
// as the assessment leaves them out), and the new filters reject bad values.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, demoClient, assertError, HONGQI } from './lib.mjs';

let server;
const users = {};
let seed = 84000;
// The states behind each count (assessment_count_report).
const REPORTED = 'reported,verifying,accepted,dispatched,processing,suspended,handled,checked,closed,rejected';
const FILED = 'accepted,dispatched,processing,suspended,handled,checked,closed';
const DECIDED = `${FILED},rejected`;
const STATES = {
  reported: REPORTED, decided: DECIDED, filed: FILED, closed: 'closed',
  reports: REPORTED, reports_decided: DECIDED, reports_filed: FILED,
};

async function act(client, c, action, extra = {}) {
  const r = await client.post(`/api/v1/cases/${c.id}/${action}`, { version: c.version, ...extra });
  assert.equal(r.status, 200, `${action}: ${r.text}`);
  return r.data;
}

async function report(where, text) {
  const r = await users.inspector.post('/api/v1/cases', { description: `下钻 ${text} ${seed++}`, ...where });
  assert.equal(r.status, 201, r.text);
  return r.data.case;
}

// Every case of a filtered list, all pages.
async function listTotal(query) {
  let total = 0;
  let cursor = '';
  for (;;) {
    const r = await users.leader.get(`/api/v1/cases?${query}&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    total += r.data.items.length;
    if (!r.data.next_cursor) return total;
    cursor = r.data.next_cursor;
  }
}

before(async () => {
  server = await startDemo();
  for (const name of ['leader', 'supervisor', 'inspector']) users[name] = await demoClient(server, name);
  const trees = (await users.leader.get('/api/v1/categories')).data.trees;
  const garbage = trees.find((t) => t.tree === 'event').majors.flatMap((m) => m.subclasses).find((s) => s.code === '0102');
  // Hongqi: one filed, one rejected, one merged into the filed one, one waiting.
  const filed = await act(users.supervisor, await report(HONGQI, '立案'), 'accept', { category_id: garbage.id });
  await act(users.supervisor, await report(HONGQI, '不予立案'), 'reject', { note: '不属城管' });
  await act(users.supervisor, await report(HONGQI, '重复'), 'merge', { target_case_id: filed.id });
  await report(HONGQI, '待受理');
});
after(async () => { await server.stop(); });

// Checks each count of every row that has any against its drill-down list;
// returns how many numbers were checked.
async function checkGroup(group, filterOf) {
  const r = await users.leader.get(`/api/v1/assessment?group=${group}`);
  assert.equal(r.status, 200, r.text);
  const { from_ms: from, to_ms: to } = r.data.period;
  let checked = 0;
  for (const row of r.data.rows) {
    for (const [count, states] of Object.entries(STATES)) {
      if (!(count in row.counts) || row.counts[count] === 0) continue;
      const total = await listTotal(`${filterOf(row)}&status=${states}&created_from=${from}&created_to=${to}`);
      assert.equal(total, row.counts[count], `${group} ${row.code} ${count}`);
      checked++;
    }
  }
  return checked;
}

test('a street, a community and a grid cell: reported, filed and closed drill down to their cases', async () => {
  assert.ok(await checkGroup('street', (row) => `street=${row.code}`) >= 3);
  assert.ok(await checkGroup('community', (row) => `community=${row.code}`) >= 3);
  assert.ok(await checkGroup('grid', (row) => `grid=${row.code}`) >= 3);
});

test("an inspector's patrol reports drill down to their cases", async () => {
  assert.ok(await checkGroup('inspector', (row) => `reporter=${row.id}&source=patrol`) >= 3);
});

test('the period bounds the list: nothing reported before it', async () => {
  const to = Date.now() - 86400000 * 400;
  assert.equal(await listTotal(`created_from=1&created_to=${to}&street=440902001`), 0);
});

test('bad drill-down filters are 400s', async () => {
  assertError(await users.leader.get('/api/v1/cases?community=12'), 400, 'invalid_query', 'community');
  assertError(await users.leader.get('/api/v1/cases?reporter=abc'), 400, 'invalid_query', 'reporter');
  assertError(await users.leader.get('/api/v1/cases?created_from=-1'), 400, 'invalid_query', 'created_from');
  assertError(await users.leader.get('/api/v1/cases?created_to=x'), 400, 'invalid_query', 'created_to');
});
