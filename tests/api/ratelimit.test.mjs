// SPDX-License-Identifier: MIT
// Rate limits over HTTP, where concurrency matters: attempts are counted before
// the slow work, so 40 wrong passwords sent at once for one account get exactly 5
// answers of 401; account names are case-folded; a correct sign-in clears the
// account's count. Citizens' query codes are checked in one place: a lower-case
// code works for photo uploads, and wrong codes on uploads and on tracking count
// toward the same per-address lockout; concurrent reports stop at 20 an address.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, Client, assertError, DEMO_PASSWORD, HONGQI, makePng } from './lib.mjs';

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
const count = (responses, status) => responses.filter((r) => r.status === status).length;

// Every limit counts per address and all requests here come from 127.0.0.1, so
// each test gets a server of its own and starts from zero, whatever ran before.
let server;
beforeEach(async () => { server = await startDemo(); });
afterEach(async () => { await server?.stop(); server = null; });

test('40 concurrent wrong passwords for one account: exactly 5 answers of 401, the rest 429', async () => {
  const login = (password) => new Client(server.base).login('inspector_hd', password);
  const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => login(`wrong password ${i}`)));
  assert.equal(count(answers, 401), 5, answers.map((r) => r.status).join(' '));
  assert.equal(count(answers, 429), 35);
  for (const r of answers) {
    if (r.status === 401) assertError(r, 401, 'invalid_credentials');
    else assertError(r, 429, 'rate_limited');
  }
  for (const r of answers.filter((x) => x.status === 429)) {
    assert.ok(Number(r.headers.get('retry-after')) >= 1, r.headers.get('retry-after'));
  }
  // The right password waits too, until the delay after the last failure passes.
  const early = await login(DEMO_PASSWORD);
  assertError(early, 429, 'rate_limited');
  const wait = Number(early.headers.get('retry-after'));
  assert.ok(wait >= 1 && wait <= 2, `Retry-After ${wait}`);
  await sleep(wait * 1000 + 200);
  assert.equal((await login(DEMO_PASSWORD)).status, 200);
  // The correct sign-in cleared the account's count: a slip is a plain 401 again.
  assertError(await login('wrong password again'), 401, 'invalid_credentials');
  assert.equal((await login(DEMO_PASSWORD)).status, 200);
});

test('the account count ignores the case of the name, as sign-in does', async () => {
  const names = ['DEPT_MUNICIPAL', 'Dept_Municipal', 'dept_MUNICIPAL', 'DePt_MuNiCiPaL', 'dept_municipal'];
  for (const name of names) {
    assertError(await new Client(server.base).login(name, 'not the password'), 401, 'invalid_credentials');
  }
  assertError(await new Client(server.base).login('Dept_Municipal', DEMO_PASSWORD), 429, 'rate_limited');
  // Other accounts are untouched.
  assert.equal((await new Client(server.base).login('dept_sanitation', DEMO_PASSWORD)).status, 200);
});

async function fileReport(description) {
  const r = await new Client(server.base).post('/api/v1/public/cases', { description, ...HONGQI });
  assert.equal(r.status, 201, r.text);
  return r.data;
}

let photoSeed = 7000;
function upload(caseNo, code) {
  return new Client(server.base).request('POST',
    `/api/v1/public/cases/${caseNo}/attachments?code=${encodeURIComponent(code)}`,
    { body: makePng(photoSeed++), headers: { 'content-type': 'image/png' } });
}
const track = (caseNo, code) =>
  new Client(server.base).get(`/api/v1/public/cases/${caseNo}?code=${encodeURIComponent(code)}`);

test('a photo upload takes the query code in lower case, like tracking', async () => {
  const filed = await fileReport('路边垃圾桶满了没人清运');
  const lower = filed.query_code.toLowerCase();
  assert.notEqual(lower, filed.query_code);
  const r = await upload(filed.case_no, lower);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.data.stage, 'report');
  assert.equal((await track(filed.case_no, lower)).status, 200);
});

test('wrong codes on uploads and on tracking count toward one lockout per address', async () => {
  const filed = await fileReport('人行道地砖破损');
  const { case_no: caseNo, query_code: code } = filed;
  const wrong = (i) => `WRONG${i}`;
  for (let i = 0; i < 5; i++) {
    const r = await upload(caseNo, wrong(i));
    assertError(r, 404, 'not_found');
    assert.equal(r.data.error.message, 'no case with this number and query code');
  }
  assertError(await upload('20000101000001', code), 404, 'not_found');
  // Right codes are free: they do not count.
  assert.equal((await track(caseNo, code)).status, 200);
  // 6 misses so far; of 20 wrong lookups sent at once, exactly 4 are looked at.
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => track(caseNo, wrong(10 + i))));
  assert.equal(count(answers, 404), 4, answers.map((r) => r.status).join(' '));
  assert.equal(count(answers, 429), 16);
  for (const r of answers) {
    if (r.status === 404) assertError(r, 404, 'not_found');
    else assertError(r, 429, 'rate_limited');
  }
  // Locked out everywhere now, even with the right code.
  for (const r of [await track(caseNo, code), await upload(caseNo, code),
    await new Client(server.base).post(`/api/v1/public/cases/${caseNo}/rating`, { code, rating: 'satisfied' })]) {
    assertError(r, 429, 'rate_limited');
    const wait = Number(r.headers.get('retry-after'));
    assert.ok(wait > 0 && wait <= 600, `Retry-After ${wait}`);
  }
});

test('reports sent at once stop at 20 an address', async () => {
  const answers = await Promise.all(Array.from({ length: 25 }, (_, i) =>
    new Client(server.base).post('/api/v1/public/cases', { description: `井盖松动 ${i}`, ...HONGQI })));
  assert.equal(count(answers, 201), 20, answers.map((r) => r.status).join(' '));
  assert.equal(count(answers, 429), 5);
  for (const r of answers.filter((x) => x.status === 429)) assertError(r, 429, 'rate_limited');
});
