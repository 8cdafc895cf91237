// SPDX-License-Identifier: MIT
// The demo city's history (`seed-demo`, 120 days by default): sound as the
// store's own work (the audit chain intact, the kept counts equal a recount),
// and a present worth showing: cases in every state, stages late and nearly
// late now, supervision, ratings and reopens, and last month's assessment with
// graded departments and streets. `--history-days 0` seeds an empty city.
// Seeded and served at a fixed moment (the test build's clock file), so the
// same cases are open whenever the test runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, runCli, startServer, demoClient, NO_HISTORY } from './lib.mjs';

// Wednesday 18 November 2026, 10:30 in Maoming (UTC+8).
const NOW = Date.UTC(2026, 10, 18, 2, 30);

const STATES = ['reported', 'verifying', 'accepted', 'dispatched', 'processing', 'suspended',
  'handled', 'checked', 'closed', 'rejected', 'merged'];
const OPEN = ['reported', 'verifying', 'accepted', 'dispatched', 'processing', 'suspended', 'handled', 'checked'];

// The month before NOW's.
const PREVIOUS_MONTH = '2026-10';

// Every row of a case list, page after page.
async function allRows(client, query) {
  const rows = [];
  let cursor = null;
  do {
    const r = await client.get(`/api/v1/cases?${query}&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    rows.push(...r.data.items);
    cursor = r.data.next_cursor;
  } while (cursor);
  return rows;
}

test('seed-demo adds 120 days of sound history with something on every screen', async () => {
  const dir = tempDir('history-');
  const clockFile = join(dir, 'clock');
  writeFileSync(clockFile, String(NOW - Date.now()));
  const env = { CHENGGUAN_TEST_CLOCK_FILE: clockFile };
  try {
    const seeded = runCli(['seed-demo', '--data-dir', dir], { env });
    assert.equal(seeded.status, 0, seeded.stderr);
    const summary = JSON.parse(seeded.stdout);
    assert.equal(summary.history.days, 120);
    assert.ok(summary.history.cases >= 120 * 20 && summary.history.cases <= 120 * 40,
      `20 to 40 cases a day: ${summary.history.cases}`);
    assert.ok(summary.history.reopened > 0, `an unsatisfied rating reopened some: ${seeded.stdout}`);

    const audit = runCli(['audit', 'verify', '--data-dir', dir]);
    assert.equal(audit.status, 0, audit.stdout + audit.stderr);
    const check = runCli(['check', '--data-dir', dir]);
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /overview counts match the cases/);

    const server = await startServer({ dataDir: dir, keepData: true, env });
    try {
      const leader = await demoClient(server, 'leader');
      const overview = await leader.get('/api/v1/stats/overview');
      assert.equal(overview.status, 200, overview.text);
      const states = overview.data.by_state;
      for (const s of STATES) assert.ok(states[s] > 0, `cases ${s}: ${JSON.stringify(states)}`);
      assert.equal(Object.values(states).reduce((a, b) => a + b, 0), summary.history.cases);
      assert.deepEqual(states, summary.history.states, 'the summary tells the stored states');
      assert.ok(states.closed > summary.history.cases * 0.7, `most cases closed: ${JSON.stringify(states)}`);

      const open = await allRows(leader, `status=${OPEN.join(',')}`);
      assert.equal(open.length, OPEN.reduce((n, s) => n + states[s], 0));
      const lights = open.map((c) => c.clock.light);
      assert.ok(lights.includes('red'), `a stage past its limit now: ${lights.join(' ')}`);
      assert.ok(lights.includes('yellow'), `a stage near its limit now: ${lights.join(' ')}`);
      assert.ok(open.some((c) => c.supervised), 'the leader supervised some late cases');

      const month = PREVIOUS_MONTH;
      for (const group of ['department', 'street']) {
        const a = await leader.get(`/api/v1/assessment?group=${group}&period=${month}`);
        assert.equal(a.status, 200, a.text);
        const graded = a.data.rows.filter((r) => r.grade !== null);
        assert.ok(graded.length >= 3, `${group}s graded for ${month}: ${a.text}`);
      }

      // Each demo login has its part: the inspector's street, the department's work.
      const inspector = await demoClient(server, 'inspector');
      assert.ok((await allRows(inspector, 'status=closed')).length > 0, 'the inspector sees closed cases');
      const sanitation = await demoClient(server, 'dept_sanitation');
      const mine = await sanitation.get('/api/v1/cases?limit=5');
      assert.equal(mine.status, 200, mine.text);
      assert.ok(mine.data.items.length > 0, 'the sanitation office has cases');
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--history-days 0 seeds the empty city; a bad count is refused', () => {
  const dir = tempDir('nohistory-');
  try {
    const seeded = runCli(['seed-demo', ...NO_HISTORY, '--data-dir', dir]);
    assert.equal(seeded.status, 0, seeded.stderr);
    assert.equal(JSON.parse(seeded.stdout).history, undefined);
    const bad = runCli(['seed-demo', '--history-days', '-1', '--data-dir', dir]);
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /--history-days/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
