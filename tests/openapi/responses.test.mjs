// SPDX-License-Identifier: MIT
// The real responses of the API suite against the OpenAPI document: every
// exchange the API tests made through lib.mjs's Client must be described by
// src/api/openapi.json (path, method, status, body schema, required headers; for
// accepted requests also the body, query and credentials they sent), and every
// operation of the document must have been answered with a success at least
// once, so no schema goes unchecked. tests/run.sh records the API suite into
// CHENGGUAN_API_RECORD and runs this file after it; run alone, this file runs
// the API suite itself first, recording it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT, tempDir } from '../api/lib.mjs';
import { loadDocument, exchangeChecker } from '../api/openapi.mjs';

let dir = process.env.CHENGGUAN_API_RECORD;
const ownRecording = !dir;
let exchanges = [];

before(() => {
  if (ownRecording) {
    dir = tempDir('openapi-');
    const files = readdirSync(join(ROOT, 'tests', 'api')).filter((f) => f.endsWith('.test.mjs')).map((f) => join('tests', 'api', f));
    spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], {
      cwd: ROOT, env: { ...process.env, CHENGGUAN_API_RECORD: dir }, stdio: 'ignore',
    });
  }
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl'))) {
    const lines = readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean);
    exchanges.push(...lines.map((line) => JSON.parse(line)));
  }
});
after(() => { if (ownRecording) rmSync(dir, { recursive: true, force: true }); });

const doc = loadDocument();
const checker = exchangeChecker(doc);

test('the API suite was recorded', () => {
  assert.ok(exchanges.length > 1000, `only ${exchanges.length} exchanges were recorded in ${dir}`);
  const files = new Set(exchanges.map((x) => x.test));
  assert.ok(files.size >= 10, `exchanges of only ${files.size} test files`);
});

test('every recorded response is described by the OpenAPI document', () => {
  // The same problem from many exchanges is told once, with its count and a sample.
  const problems = new Map();
  for (const x of exchanges) {
    for (const problem of checker.check(x)) {
      const seen = problems.get(problem) || { count: 0, sample: x };
      seen.count++;
      problems.set(problem, seen);
    }
  }
  const report = [...problems].slice(0, 40).map(([problem, { count, sample }]) =>
    `${problem}\n    ${count}x, e.g. ${sample.method} ${sample.path} in ${relative(ROOT, sample.test || '?')}: ${JSON.stringify(sample.body).slice(0, 300)}`);
  assert.equal(problems.size, 0, `${problems.size} kinds of responses the document does not describe:\n${report.join('\n')}`);
});

test('every operation of the document was answered with a success', () => {
  const missing = checker.operations.filter((operation) => {
    const statuses = checker.covered.get(operation);
    return !statuses || ![...statuses].some((s) => s >= 200 && s < 300);
  });
  assert.deepEqual(missing, [], 'operations no API test called successfully: their schemas are unchecked');
});
