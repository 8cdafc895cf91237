// SPDX-License-Identifier: MIT
// Case photos over HTTP: real JPEG, PNG and WebP files stored content-addressed
// and served only to staff who may see a case holding them; bad files refused
// with nothing left behind; idempotent re-uploads, the per-case caps, reuse of one
// photo on two cases flagged, and citizens' uploads with their query code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { startDemo, demoClient, Client, assertError, dbQuery, HONGQI, HEXI, fixPhotos } from './lib.mjs';

let server;
const users = {};

before(async () => {
  server = await startDemo();
  for (const name of ['inspector', 'inspector_hx', 'operator', 'supervisor', 'supervisor_hq',
    'supervisor_hx', 'leader', 'dept_sanitation']) {
    users[name] = await demoClient(server, name);
  }
});
after(async () => { await server.stop(); });

// ---- images made here

function crc32(bytes) {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

// A 1x1 16-bit grey PNG; the grey level (seed, 0..65535) makes each photo different.
function png(seed = 0) {
  const chunk = (type, data) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13); // compression, filter and interlace methods 0
  ihdr.writeUInt32BE(1, 0); // width
  ihdr.writeUInt32BE(1, 4); // height
  ihdr[8] = 16; // bit depth
  ihdr[9] = 0; // colour type: grey
  const scanline = Buffer.from([0, (seed >> 8) & 0xff, seed & 0xff]); // filter 0, one pixel
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(scanline)), chunk('IEND', Buffer.alloc(0)),
  ]);
}

// An 8x8 grey baseline JPEG assembled by hand: SOI, a flat quantisation table,
// SOF0, one-code DC and AC Huffman tables, SOS, one byte of scan data (DC
// difference 0, end of block), EOI.
function jpeg() {
  const dht = (tableClass) => [0xff, 0xc4, 0x00, 0x14, tableClass, 1, ...new Array(15).fill(0), 0x00];
  return Buffer.from([
    0xff, 0xd8,
    0xff, 0xdb, 0x00, 0x43, 0x00, ...new Array(64).fill(1),
    0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00,
    ...dht(0x00), ...dht(0x10),
    0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00,
    0x3f,
    0xff, 0xd9,
  ]);
}

// A 1x1 lossless WebP: RIFF, WEBP, one VP8L chunk (13 bytes, padded to 14)
// whose prefix codes each hold one symbol, so the pixel is grey and opaque.
function webp() {
  const vp8l = Buffer.from([0x2f, 0x00, 0x00, 0x00, 0x10, 0x28, 0x60, 0x01, 0x0b, 0xd8, 0xff, 0x00]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(vp8l.length);
  const chunk = Buffer.concat([Buffer.from('VP8L'), size, vp8l]);
  const riff = Buffer.alloc(4);
  riff.writeUInt32LE(4 + chunk.length);
  return Buffer.concat([Buffer.from('RIFF'), riff, Buffer.from('WEBP'), chunk]);
}

// ---- helpers

let seeds = 100;
const nextSeed = () => seeds++;

function photoFiles() {
  const dir = join(server.dataDir, 'photos');
  if (!existsSync(dir)) return [];
  const out = [];
  for (const sub of readdirSync(dir)) for (const f of readdirSync(join(dir, sub))) out.push(`${sub}/${f}`);
  return out.sort();
}

const sql = (query) => dbQuery(server, query);

async function fileCase(client, body = {}) {
  const r = await client.post('/api/v1/cases', { description: '照片测试：路边堆放垃圾', ...HONGQI, ...body });
  assert.equal(r.status, 201, r.text);
  return r.data.case;
}

function upload(client, caseId, stage, body, type = 'image/png') {
  const query = stage === undefined ? '' : `?stage=${stage}`;
  return client.request('POST', `/api/v1/cases/${caseId}/attachments${query}`, { body, headers: { 'content-type': type } });
}

function publicUpload(caseNo, code, body, type = 'image/png', extra = '') {
  return new Client(server.base).request('POST',
    `/api/v1/public/cases/${caseNo}/attachments?code=${encodeURIComponent(code)}${extra}`,
    { body, headers: { 'content-type': type } });
}

async function fetchPhoto(client, url, headers = {}) {
  const res = await client.request('GET', url, { raw: true, headers });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

// ---- tests

test('a photo is stored by its content hash and served to staff who see the case', async () => {
  const c = await fileCase(users.inspector);
  const bytes = png(nextSeed());
  const r = await upload(users.inspector, c.id, 'report', bytes);
  assert.equal(r.status, 201, r.text);
  assert.match(r.data.hash, /^[0-9a-f]{64}$/);
  assert.equal(r.data.mime, 'image/png');
  assert.equal(r.data.size, bytes.length);
  assert.equal(r.data.stage, 'report');
  assert.equal(r.data.url, `/api/v1/attachments/${r.data.hash}`);
  assert.deepEqual(r.data.reused_on, []);
  assert.equal(r.data.created, true);
  // The file is named by its hash, two levels deep, with exactly the bytes sent.
  const path = join(server.dataDir, 'photos', r.data.hash.slice(0, 2), r.data.hash);
  assert.deepEqual(readFileSync(path), bytes);
  assert.ok(!photoFiles().some((f) => f.includes('.tmp-')), 'no temporary file is left');

  for (const name of ['inspector', 'supervisor', 'supervisor_hq', 'leader']) {
    const got = await fetchPhoto(users[name], r.data.url);
    assert.equal(got.status, 200, name);
    assert.equal(got.headers.get('content-type'), 'image/png');
    assert.deepEqual(got.bytes, bytes, name);
    assert.equal(got.headers.get('cache-control'), 'private, no-cache');
    assert.doesNotMatch(got.headers.get('cache-control'), /no-store/);
    assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(got.headers.get('content-security-policy'));
  }
  // Revalidation by the content hash.
  const etag = (await fetchPhoto(users.inspector, r.data.url)).headers.get('etag');
  assert.equal(etag, `"${r.data.hash}"`);
  assert.equal((await fetchPhoto(users.inspector, r.data.url, { 'if-none-match': etag })).status, 304);

  const list = await users.supervisor.get(`/api/v1/cases/${c.id}/attachments`);
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.data.items.map((p) => [p.hash, p.stage, p.mime, p.size, p.url]),
    [[r.data.hash, 'report', 'image/png', bytes.length, r.data.url]]);
});

test('a photo is a 404 for staff outside the jurisdiction, and for bad or unknown hashes', async () => {
  const c = await fileCase(users.inspector);
  const r = await upload(users.inspector, c.id, 'report', png(nextSeed()));
  assert.equal(r.status, 201, r.text);
  assertError(await users.supervisor_hx.get(r.data.url), 404, 'not_found');
  assertError(await users.inspector_hx.get(r.data.url), 404, 'not_found');
  assertError(await users.supervisor_hx.get(`/api/v1/cases/${c.id}/attachments`), 404, 'not_found');
  assertError(await upload(users.inspector_hx, c.id, 'report', png(nextSeed())), 404, 'not_found');
  assertError(await new Client(server.base).get(r.data.url), 401, 'unauthenticated');
  for (const bad of [r.data.hash.toUpperCase(), r.data.hash.slice(1), `${r.data.hash}0`, '0'.repeat(64), 'x'.repeat(64)]) {
    assertError(await users.supervisor.get(`/api/v1/attachments/${bad}`), 404, 'not_found');
  }
});

test('JPEG and WebP photos are accepted and served with their type', async () => {
  const c = await fileCase(users.inspector);
  for (const [bytes, type] of [[jpeg(), 'image/jpeg'], [webp(), 'image/webp']]) {
    const r = await upload(users.inspector, c.id, 'before', bytes, type);
    assert.equal(r.status, 201, `${type}: ${r.text}`);
    assert.equal(r.data.mime, type);
    const got = await fetchPhoto(users.supervisor, r.data.url);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), type);
    assert.deepEqual(got.bytes, bytes);
  }
});

test('bad photos are refused and leave no file and no row behind', async () => {
  const c = await fileCase(users.inspector);
  const filesBefore = photoFiles();
  const rowsBefore = sql('SELECT count(*) FROM attachment');
  const cases = [
    ['text as image/jpeg', Buffer.from('just some text, not a photo\n'), 'image/jpeg', 422, 'unprocessable', /not a JPEG, PNG or WebP/],
    ['truncated JPEG', jpeg().subarray(0, 120), 'image/jpeg', 422, 'unprocessable', /truncated/],
    ['JPEG without its end marker', jpeg().subarray(0, jpeg().length - 2), 'image/jpeg', 422, 'unprocessable', /truncated/],
    ['PNG declared as JPEG', png(nextSeed()), 'image/jpeg', 422, 'unprocessable', /does not match/],
    ['PNG with a bad CRC', Buffer.from(png(nextSeed())).fill(0x41, 41, 42), 'image/png', 422, 'unprocessable', /CRC/],
    ['WebP padded past its RIFF size', Buffer.concat([webp(), Buffer.from([0, 0])]), 'image/webp', 422, 'unprocessable', /RIFF size/],
    ['empty body', Buffer.alloc(0), 'image/png', 422, 'unprocessable', /not a JPEG/],
    ['GIF', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;'), 'image/gif', 415, 'unsupported_media_type', /image\/jpeg/],
    ['no content type', png(nextSeed()), 'application/octet-stream', 415, 'unsupported_media_type', /image/],
    ['20 MiB body', Buffer.alloc(20 * 1024 * 1024, 0xff), 'image/jpeg', 413, 'payload_too_large', /larger/],
  ];
  for (const [name, body, type, status, code, message] of cases) {
    const r = await upload(users.inspector, c.id, 'report', body, type);
    assertError(r, status, code);
    assert.match(r.data.error.message, message, name);
  }
  assert.deepEqual(photoFiles(), filesBefore, 'no file was written');
  assert.equal(sql('SELECT count(*) FROM attachment'), rowsBefore, 'no attachment row');
  assert.equal(sql(`SELECT count(*) FROM case_attachment WHERE case_id = ${c.id}`), '0');
  assert.deepEqual((await users.inspector.get(`/api/v1/cases/${c.id}/attachments`)).data.items, []);
});

test('stage, role, CSRF and the case state decide who may add which photo', async () => {
  const c = await fileCase(users.inspector);
  const bytes = png(nextSeed());
  assertError(await upload(users.inspector, c.id, undefined, bytes), 400, 'invalid_query', 'stage');
  assertError(await upload(users.inspector, c.id, 'later', bytes), 400, 'invalid_query', 'stage');
  assertError(await upload(users.inspector, c.id, 'Report', bytes), 400, 'invalid_query', 'stage');
  // An operator sends in a caller's photo, but never checks a fix.
  assertError(await upload(users.operator, c.id, 'check', bytes), 403, 'forbidden');
  assert.equal((await upload(users.operator, c.id, 'report', bytes)).status, 201);
  assertError(await upload(users.leader, c.id, 'report', png(nextSeed())), 403, 'forbidden');
  const noCsrf = await users.inspector.request('POST', `/api/v1/cases/${c.id}/attachments?stage=report`,
    { body: png(nextSeed()), headers: { 'content-type': 'image/png', 'x-csrf-token': '' } });
  assertError(noCsrf, 403, 'csrf_token_invalid');
  assertError(await upload(users.inspector, 999999, 'report', png(nextSeed())), 404, 'not_found');

  // A rejected case takes no more photos.
  const rejected = await users.supervisor.post(`/api/v1/cases/${c.id}/reject`, { version: c.version, note: '不属于城管职责' });
  assert.equal(rejected.status, 200, rejected.text);
  assert.equal(rejected.data.state, 'rejected');
  assertError(await upload(users.inspector, c.id, 'report', png(nextSeed())), 409, 'illegal_transition');

  // A problem fixed on the spot is filed closed; its before/after photos follow.
  const fixed = await fileCase(users.inspector, { self_handled: true, photos: await fixPhotos(users.inspector) });
  assert.equal(fixed.state, 'closed');
  assert.equal((await upload(users.inspector, fixed.id, 'before', png(nextSeed()))).status, 201);
  assert.equal((await upload(users.inspector, fixed.id, 'after', png(nextSeed()))).status, 201);
  assertError(await upload(users.inspector, fixed.id, 'check', png(nextSeed())), 409, 'illegal_transition');
});

test('the same photo twice on one case and stage is stored once', async () => {
  const c = await fileCase(users.inspector);
  const bytes = png(nextSeed());
  const first = await upload(users.inspector, c.id, 'report', bytes);
  assert.equal(first.status, 201, first.text);
  const files = photoFiles();
  const again = await upload(users.inspector, c.id, 'report', bytes);
  assert.equal(again.status, 200, again.text);
  assert.equal(again.data.created, false);
  assert.equal(again.data.hash, first.data.hash);
  assert.deepEqual(photoFiles(), files);
  assert.equal(sql(`SELECT count(*) FROM case_attachment WHERE case_id = ${c.id}`), '1');
  // The same photo at another stage of the same case is a second row, not reuse.
  const other = await upload(users.inspector, c.id, 'before', bytes);
  assert.equal(other.status, 201, other.text);
  assert.deepEqual(other.data.reused_on, []);
  assert.equal((await users.inspector.get(`/api/v1/cases/${c.id}`)).data.photo_reused, false);
  assert.equal(sql(`SELECT count(*) FROM case_attachment WHERE case_id = ${c.id}`), '2');
  assert.equal(sql(`SELECT count(*) FROM attachment WHERE hash = '${first.data.hash}'`), '1');
  // But evidence taken on site (verify, check) must be new: a photo already on
  // the case handed in again is refused, and the case is flagged.
  const again2 = await upload(users.inspector, c.id, 'verify', bytes);
  assertError(again2, 422, 'photo_reused');
  assert.equal(again2.data.error.field, 'photo');
  assert.equal(sql(`SELECT count(*) FROM case_attachment WHERE case_id = ${c.id}`), '2');
  const seen = (await users.inspector.get(`/api/v1/cases/${c.id}`)).data;
  assert.equal(seen.photo_reused, true);
  const events = (await users.supervisor.get(`/api/v1/cases/${c.id}/events`)).data.items;
  assert.equal(events.at(-1).action, 'flag-photo-reuse');
});

test('a check photo that is the department\'s own after photo is refused and flagged', async () => {
  const { inspector, supervisor, dept_sanitation: dept } = users;
  const c = await fileCase(inspector);
  const units = await supervisor.get('/api/v1/org-units?type=department');
  const sanitation = units.data.items.find((u) => u.code === '440902-D02');
  const categories = await supervisor.get('/api/v1/categories');
  const garbage = JSON.stringify(categories.data).match(/"id":(\d+),"tree":"event","code":"0102"/)[1];
  const act = async (client, action, body = {}) => {
    const now = (await client.get(`/api/v1/cases/${c.id}`)).data;
    const r = await client.post(`/api/v1/cases/${c.id}/${action}`, { version: now.version, ...body });
    assert.equal(r.status, 200, `${action}: ${r.text}`);
    return r.data;
  };
  await act(supervisor, 'accept', { category_id: Number(garbage) });
  await act(supervisor, 'dispatch', { department_id: sanitation.id });
  await act(dept, 'sign');
  const bytes = png(nextSeed());
  assert.equal((await upload(dept, c.id, 'after', bytes)).status, 201);
  await act(dept, 'handle', { note: '已清理' });
  assertError(await upload(inspector, c.id, 'check', bytes), 422, 'photo_reused');
  const after = (await supervisor.get(`/api/v1/cases/${c.id}`)).data;
  assert.equal(after.photo_reused, true);
  assert.equal(after.photos.filter((p) => p.stage === 'check').length, 0, 'nothing attached');
  // The check cannot pass on it; a photo of its own can.
  assertError(await inspector.post(`/api/v1/cases/${c.id}/check-pass`, { version: after.version }), 422, 'missing_field');
  assert.equal((await upload(inspector, c.id, 'check', png(nextSeed()))).status, 201);
  await act(inspector, 'check-pass');
});

test('one photo as evidence on two cases flags both as reused', async () => {
  const a = await fileCase(users.inspector);
  const b = await fileCase(users.inspector);
  const bystander = await fileCase(users.inspector);
  const bytes = png(nextSeed());
  const onA = await upload(users.inspector, a.id, 'before', bytes);
  assert.equal(onA.status, 201, onA.text);
  assert.deepEqual(onA.data.reused_on, []);
  assert.equal(onA.data.photo_reused, false);
  assert.equal((await upload(users.inspector, bystander.id, 'before', png(nextSeed()))).status, 201);
  const onB = await upload(users.inspector, b.id, 'verify', bytes);
  assert.equal(onB.status, 201, onB.text);
  assert.deepEqual(onB.data.reused_on, [a.case_no]);
  assert.equal(onB.data.photo_reused, true);
  for (const [x, flagged] of [[a, true], [b, true], [bystander, false]]) {
    const seen = await users.supervisor.get(`/api/v1/cases/${x.id}`);
    assert.equal(seen.status, 200, seen.text);
    assert.equal(seen.data.photo_reused, flagged, x.case_no);
  }
  // A case outside the uploader's jurisdiction is flagged but not named.
  const hexi = await fileCase(users.inspector_hx, HEXI);
  const onHexi = await upload(users.inspector_hx, hexi.id, 'after', bytes);
  assert.equal(onHexi.status, 201, onHexi.text);
  assert.deepEqual(onHexi.data.reused_on, []);
  assert.equal(onHexi.data.photo_reused, true);
  assert.equal((await users.supervisor.get(`/api/v1/cases/${hexi.id}`)).data.photo_reused, true);
});

test('two report photos of one problem on two cases are duplicates, not reuse', async () => {
  const a = await fileCase(users.inspector);
  const b = await fileCase(users.inspector);
  const bytes = png(nextSeed());
  assert.equal((await upload(users.inspector, a.id, 'report', bytes)).status, 201);
  const onB = await upload(users.inspector, b.id, 'report', bytes);
  assert.equal(onB.status, 201, onB.text);
  assert.deepEqual(onB.data.reused_on, []);
  assert.equal(onB.data.photo_reused, false);
  assert.equal((await users.supervisor.get(`/api/v1/cases/${a.id}`)).data.photo_reused, false);
  // The same picture then offered as proof of a fix on a third case is reuse.
  const c = await fileCase(users.inspector);
  const asCheck = await upload(users.inspector, c.id, 'check', bytes);
  assert.equal(asCheck.status, 201, asCheck.text);
  assert.deepEqual(asCheck.data.reused_on, [a.case_no, b.case_no]);
  assert.equal((await users.supervisor.get(`/api/v1/cases/${a.id}`)).data.photo_reused, true);
});

test('a case holds at most 20 photos', async () => {
  const c = await fileCase(users.inspector);
  const first = png(nextSeed());
  for (let i = 0; i < 20; i++) {
    const r = await upload(users.inspector, c.id, i % 2 ? 'before' : 'report', i === 0 ? first : png(nextSeed()));
    assert.equal(r.status, 201, `photo ${i + 1}: ${r.text}`);
  }
  const files = photoFiles();
  const extra = await upload(users.inspector, c.id, 'after', png(nextSeed()));
  assertError(extra, 422, 'unprocessable');
  assert.match(extra.data.error.message, /20/);
  assert.deepEqual(photoFiles(), files, 'the refused photo was not written');
  // Sending one it already holds is still fine.
  assert.equal((await upload(users.inspector, c.id, 'report', first)).status, 200);
  assert.equal(sql(`SELECT count(*) FROM case_attachment WHERE case_id = ${c.id}`), '20');
});

test('citizens add up to 6 report photos with their query code, within an hour', async () => {
  const filed = await new Client(server.base).post('/api/v1/public/cases', { description: '小区门口垃圾没人清运', ...HONGQI });
  assert.equal(filed.status, 201, filed.text);
  const { case_no: caseNo, query_code: code } = filed.data;
  const wrong = code.startsWith('A') ? `B${code.slice(1)}` : `A${code.slice(1)}`;
  assertError(await publicUpload(caseNo, wrong, png(nextSeed())), 404, 'not_found');
  assertError(await publicUpload('20990101000001', code, png(nextSeed())), 404, 'not_found');
  assertError(await publicUpload(caseNo, '', png(nextSeed())), 400, 'invalid_query', 'code');
  assertError(await publicUpload(caseNo, code, png(nextSeed()), 'image/png', '&stage=after'), 400, 'invalid_query', 'stage');
  assertError(await publicUpload(caseNo, code, Buffer.from('GIF89a'), 'image/gif'), 415, 'unsupported_media_type');
  assertError(await publicUpload(caseNo, code, Buffer.from('hello'), 'image/png'), 422, 'unprocessable');
  const hashes = [];
  for (let i = 0; i < 6; i++) {
    const r = await publicUpload(caseNo, code, i === 1 ? jpeg() : png(nextSeed()), i === 1 ? 'image/jpeg' : 'image/png');
    assert.equal(r.status, 201, `photo ${i + 1}: ${r.text}`);
    assert.equal(r.data.stage, 'report');
    assert.equal(r.data.url, undefined, 'citizens get no staff URL');
    assert.equal(r.data.reused_on, undefined);
    hashes.push(r.data.hash);
  }
  const seventh = await publicUpload(caseNo, code, png(nextSeed()));
  assertError(seventh, 422, 'unprocessable');
  assert.match(seventh.data.error.message, /6/);
  // Staff who see the case see the photos.
  const id = Number(sql(`SELECT id FROM case_record WHERE case_no = '${caseNo}'`));
  const list = await users.supervisor_hq.get(`/api/v1/cases/${id}/attachments`);
  assert.deepEqual(list.data.items.map((p) => p.hash), hashes);
  assert.equal((await fetchPhoto(users.supervisor_hq, `/api/v1/attachments/${hashes[1]}`)).headers.get('content-type'), 'image/jpeg');
  // An hour after filing the door closes.
  const late = await new Client(server.base).post('/api/v1/public/cases', { description: '路灯不亮已经一周', ...HONGQI });
  assert.equal(late.status, 201, late.text);
  sql(`UPDATE case_record SET created_at = created_at - 3601000 WHERE case_no = '${late.data.case_no}'`);
  const tooLate = await publicUpload(late.data.case_no, late.data.query_code, png(nextSeed()));
  assertError(tooLate, 409, 'conflict');
  assert.match(tooLate.data.error.message, /one hour/);
});
