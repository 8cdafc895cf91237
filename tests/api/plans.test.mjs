// SPDX-License-Identifier: MIT
// The query plans that keep a city's years fast (issue 9): every list page,
// search and overview count walks an index. `chengguan explain` prints SQLite's
// plan of each; none may scan the case table or sort its rows in a temporary
// B-tree (the tallies the overview reads are a few rows per place, so grouping
// them is fine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, tempDir, NO_HISTORY } from './lib.mjs';

// The plan lines of each statement, by name.
function plans() {
  const dir = tempDir('plans-');
  assert.equal(runCli(['seed-demo', ...NO_HISTORY, '--data-dir', dir]).status, 0);
  const r = runCli(['explain', '--data-dir', dir]);
  assert.equal(r.status, 0, r.stderr);
  const out = new Map();
  let name = null;
  for (const line of r.stdout.split('\n')) {
    if (!line.trim()) continue;
    if (!line.startsWith('  ')) { name = line; out.set(name, []); } else out.get(name).push(line.trim());
  }
  return out;
}

const CASES = /\b(c|case_record)\b/;

test('every list, search and count statement walks an index, never the whole case table', () => {
  const all = plans();
  for (const expected of ['list: newest', 'list: open cases by deadline', 'list: search',
    'list: newest, one street', 'overview: by state', 'overview: overdue']) {
    assert.ok(all.has(expected), `${expected} is explained`);
  }
  assert.ok(all.size >= 15, `${all.size} statements`);
  for (const [name, lines] of all) {
    for (const line of lines) {
      assert.doesNotMatch(line, /^SCAN (c|case_record)\b(?! USING)/, `${name}: ${line}`);
      assert.doesNotMatch(line, /^SCAN (c|case_record) USING (COVERING )?INDEX case_(place|created)\b/,
        `${name} walks the whole of an index: ${line}`);
    }
    if (lines.some((l) => CASES.test(l) && /^(SEARCH|SCAN)/.test(l))) {
      assert.ok(!lines.some((l) => /USE TEMP B-TREE/.test(l)), `${name} sorts case rows: ${lines.join(' | ')}`);
    }
    if (name.startsWith('list: search')) {
      assert.match(lines[0], /^SCAN f VIRTUAL TABLE/, 'a search walks the search index first');
    }
    if (name.startsWith('overview')) {
      assert.ok(lines.every((l) => !/^SCAN (c|case_record)/.test(l)), `${name}: ${lines.join(' | ')}`);
    }
  }
});

test('the check command verifies the overview counts against a recount', () => {
  const dir = tempDir('check-');
  assert.equal(runCli(['seed-demo', ...NO_HISTORY, '--data-dir', dir]).status, 0);
  const r = runCli(['check', '--data-dir', dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /integrity ok/);
  assert.match(r.stdout, /overview counts match the cases/);
});
