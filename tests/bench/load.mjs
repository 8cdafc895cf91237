// SPDX-License-Identifier: MIT
// Write load for the crash and soak runs (tests/bench/crash.mjs, soak.mjs): a
// small HTTP client over node:http (binary bodies, a chosen source address),
// unique photos, the demo city's staff sessions, case lifecycles that file,
// move and photograph cases the way the city's people do, and the ledger of
// every acknowledged (2xx) write with the checks that find each one again.
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { BIN, PASSWORD, ROOT, machine, run, startServer } from './harness.mjs';

// A new directory under tests/.tmp/ (git-ignored) holding a data directory
// with the demo city seeded; or with a copy of database `db`; or with a city
// of `cases` cases over the last 90 days from the release build of the
// generator (`make .build/release/bench/gen`; its cities hold the demo city,
// accounts included). Returns { dir, dataDir, logFile }.
export function seededDirectory(prefix, { db = null, cases = 0 } = {}) {
  mkdirSync(join(ROOT, 'tests', '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'tests', '.tmp', prefix));
  const dataDir = join(dir, 'data');
  const file = join(dataDir, 'chengguan.db');
  if (db) {
    mkdirSync(dataDir);
    run('cp', ['--reflink=auto', db, file]);
    if (existsSync(`${db}-wal`)) run('cp', [`${db}-wal`, `${file}-wal`]);
  } else if (cases > 0) {
    mkdirSync(dataDir);
    run(join(ROOT, '.build', 'release', 'bench', 'gen'), ['--cases', String(cases), '--days', '90', '--out', file]);
  } else {
    run(BIN, ['seed-demo', '--history-days', '0', '--data-dir', dataDir, '--log-level', 'warn']);
  }
  return { dir, dataDir, logFile: join(dir, 'server.log') };
}

// Starts the release ./chengguan on `dataDir` (harness.startServer), with room
// for every load connection from one address.
export function serveRelease(dataDir, logFile) {
  return startServer(BIN, ['serve', '--port', '0', '--data-dir', dataDir, '--web-dir', join(ROOT, 'web'),
    '--per-ip-connections', '1024'], logFile);
}

// Runs `chengguan check` (integrity, tallies against a recount) and `chengguan
// audit verify` on `dataDir` while no server runs. Returns { failures: [text],
// events (the audit chain's length) }.
export function checkDataDir(dataDir) {
  const failures = [];
  let events = NaN;
  for (const command of [['check'], ['audit', 'verify']]) {
    const r = spawnSync(BIN, [...command, '--data-dir', dataDir, '--log-level', 'warn'], { encoding: 'utf8' });
    if (r.status !== 0) failures.push(`chengguan ${command.join(' ')} exited ${r.status}: ${r.stdout}${r.stderr}`);
    const m = /intact: (\d+) events/.exec(r.stdout);
    if (m) events = Number(m[1]);
  }
  return { failures, events };
}

// One line naming the machine, printed first, since the figures of a run
// mean little without it.
export function machineLine() {
  const m = machine();
  return `machine: ${m.cores} cores, ${m.cpu}, Linux ${m.kernel}, ${m.memory}, Node.js ${m.node}`;
}

// A network failure (refused, reset, cut short): the server is gone or going.
export class NetworkError extends Error {}

// A non-2xx answer where the lifecycle expected success.
export class UnexpectedStatus extends Error {
  constructor(method, path, res) {
    super(`${method} ${path}: ${res.status} ${res.body.toString('utf8').slice(0, 300)}`);
    this.status = res.status;
  }
}

// An HTTP/1.1 client with keep-alive connections to one server. Every answer
// is read to its end before the promise resolves, so a write counts as
// acknowledged only when its whole response arrived.
export class Http {
  constructor(base, { sockets = 64 } = {}) {
    const url = new URL(base);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  }

  // Closes every kept connection.
  close() { this.agent.destroy(); }

  // Sends one request. options: json (an object sent as JSON), body (a Buffer)
  // with type (its Content-Type), session ({cookie, csrf}), from (a local source
  // address; the request then gets a connection of its own), headers.
  // Resolves to {status, headers, body (Buffer), data (parsed JSON or null)};
  // rejects with NetworkError when no complete answer came.
  request(method, path, { json, body, type, session, from, headers = {}, timeoutMs = 60_000 } = {}) {
    const h = { ...headers };
    let payload = body;
    if (json !== undefined) {
      payload = Buffer.from(JSON.stringify(json));
      h['content-type'] = 'application/json';
    } else if (type) {
      h['content-type'] = type;
    }
    if (payload) h['content-length'] = payload.length;
    if (session) {
      h.cookie = session.cookie;
      if (method !== 'GET' && method !== 'HEAD') h['x-csrf-token'] = session.csrf;
    }
    const options = { host: this.host, port: this.port, method, path, headers: h, timeout: timeoutMs };
    if (from) Object.assign(options, { agent: false, localAddress: from });
    else options.agent = this.agent;
    return new Promise((resolve, reject) => {
      const fail = (e) => reject(new NetworkError(`${method} ${path}: ${e.message || e}`));
      const req = http.request(options, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', fail);
        res.on('aborted', () => fail(new Error('response aborted')));
        res.on('end', () => {
          if (!res.complete) return fail(new Error('response cut short'));
          const all = Buffer.concat(chunks);
          let data = null;
          if (/json/.test(res.headers['content-type'] || '')) {
            try { data = JSON.parse(all.toString('utf8')); } catch { data = null; }
          }
          resolve({ status: res.statusCode, headers: res.headers, body: all, data });
        });
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', fail);
      req.end(payload);
    });
  }
}

// A valid PNG of random pixels (16 to 48 pixels square, 1-7 KB), so every
// photo is new to the server and its bytes can be told apart.
export function makePhoto() {
  const side = randomInt(16, 49);
  const chunk = (type, data) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))));
    return Buffer.concat([head, data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < side; y++) rows.push(Buffer.from([0]), randomBytes(side * 3));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0)),
  ]);
}

// The demo accounts the lifecycles act as.
export const ROLES = ['inspector', 'operator', 'supervisor', 'dept_municipal', 'leader'];

// Signs `username` in (a write: the session row). Returns {name, cookie, csrf}.
export async function signIn(client, username) {
  const r = await client.request('POST', '/api/v1/auth/login', { json: { username, password: PASSWORD } });
  if (r.status !== 200) throw new UnexpectedStatus('POST', '/api/v1/auth/login', r);
  return { name: username, cookie: /(cg_session=[^;]+)/.exec(r.headers['set-cookie'].join(';'))[1], csrf: r.data.csrf_token };
}

// What the lifecycles need to know of the demo city: the ids of a category of
// each tree without urgency and of the municipal works department.
export async function cityFacts(client, supervisor) {
  const trees = (await client.request('GET', '/api/v1/categories')).data.trees;
  const sub = (tree, code) => trees.find((t) => t.tree === tree).majors
    .flatMap((m) => m.subclasses).find((s) => s.code === code);
  const units = (await client.request('GET', '/api/v1/org-units?type=department', { session: supervisor })).data.items;
  const component = sub('component', '0201'), event = sub('event', '0102');
  if (component.urgent || event.urgent) throw new Error('the demo categories changed: 0201 and 0102 should not be urgent');
  return {
    component: component.id, event: event.id,
    municipal: units.find((u) => u.code === '440902-D01').id,
  };
}

// A point in Hongqi street (the demo inspector's), moved a little each time.
function hongqi() {
  return { lat: 21.6605 + randomInt(-20, 21) * 0.00001, lon: 110.9205 + randomInt(-20, 21) * 0.00001 };
}

const runId = randomBytes(3).toString('hex');
let serial = 0;
const nextSerial = () => `${runId}-${++serial}`;

// Every acknowledged write and where to find it again. Records:
//   cases:   id -> {id, caseNo, version, actions: [acknowledged transitions]}
//   photos:  hash -> {bytes, caseId (null while an upload waits for its case, or
//            for a citizen's photo), citizenCase (its case number), stage, owner}
//   citizen: [{caseNo, code}] (public intake; tracked with the code)
//   sessions: [{name, cookie, csrf}]
// `acked` counts acknowledged writes by kind; `touched` holds what changed
// since the last takeTouched(), so each crash cycle checks its own writes.
export class Ledger {
  constructor() {
    this.cases = new Map();
    this.photos = new Map();
    this.citizen = [];
    this.sessions = [];
    this.caseOrder = []; // ids and hashes in the order acknowledged (for random picks)
    this.photoOrder = [];
    this.acked = { cases: 0, transitions: 0, photos: 0, citizen: 0, sessions: 0 };
    this.resetTouched();
  }

  resetTouched() { this.touched = { cases: new Set(), photos: new Set(), citizen: [], sessions: [] }; }

  // Returns what changed since the last call and starts a new set.
  takeTouched() {
    const t = this.touched;
    this.resetTouched();
    return t;
  }

  get total() { return Object.values(this.acked).reduce((a, b) => a + b, 0); }

  session(s) { this.sessions.push(s); this.touched.sessions.push(s); this.acked.sessions++; }

  // A photo stored: {bytes, caseId, citizenCase, stage, owner} (see above).
  photo(hash, record) {
    this.photos.set(hash, { caseId: null, ...record });
    this.photoOrder.push(hash);
    this.acked.photos++;
    this.touched.photos.add(hash);
  }

  // Uploads attached to case `caseId` by an intake: [{hash, stage}].
  attachUploads(caseId, photos) {
    for (const { hash, stage } of photos) {
      Object.assign(this.photos.get(hash), { caseId, stage });
      this.touched.photos.add(hash);
    }
  }

  // A staff case filed; `photos` are uploads it attached. Returns its record.
  caseFiled(c, photos = []) {
    const rec = { id: c.id, caseNo: c.case_no, version: c.version, actions: [] };
    this.cases.set(c.id, rec);
    this.caseOrder.push(c.id);
    this.acked.cases++;
    this.attachUploads(c.id, photos);
    this.touched.cases.add(c.id);
    return rec;
  }

  transition(rec, action, version) {
    rec.actions.push(action);
    rec.version = version;
    this.acked.transitions++;
    this.touched.cases.add(rec.id);
  }

  citizenCase(caseNo, code) {
    const rec = { caseNo, code };
    this.citizen.push(rec);
    this.touched.citizen.push(rec);
    this.acked.citizen++;
    return rec;
  }
}

// The write steps the lifecycles are made of. `ctx` is {client, sessions (by
// role), city, ledger, beforeWrite (an async hook, e.g. reads in the soak)}.
class Actor {
  constructor(ctx) { Object.assign(this, ctx); }

  // Sends a write; resolves to the 2xx response, else throws UnexpectedStatus.
  async write(session, method, path, options = {}) {
    if (this.beforeWrite) await this.beforeWrite();
    const r = await this.client.request(method, path, { ...options, session });
    if (r.status < 200 || r.status > 299) throw new UnexpectedStatus(method, path, r);
    return r;
  }

  // A photo uploaded before its case exists; returns its hash.
  async upload(session) {
    const bytes = makePhoto();
    const r = await this.write(session, 'POST', '/api/v1/uploads', { body: bytes, type: 'image/png' });
    this.ledger.photo(r.data.hash, { bytes, stage: 'upload', owner: session.name });
    return r.data.hash;
  }

  // A photo of a case at a stage.
  async attach(session, rec, stage) {
    const bytes = makePhoto();
    const r = await this.write(session, 'POST', `/api/v1/cases/${rec.id}/attachments?stage=${stage}`,
      { body: bytes, type: 'image/png' });
    this.ledger.photo(r.data.hash, { bytes, caseId: rec.id, stage });
  }

  async file(session, body, photos = []) {
    const r = await this.write(session, 'POST', '/api/v1/cases', { json: { ...body, ...(photos.length ? { photos } : {}) } });
    return this.ledger.caseFiled(r.data.case, photos);
  }

  async act(session, rec, action, extra = {}) {
    const r = await this.write(session, 'POST', `/api/v1/cases/${rec.id}/${action}`, { json: { version: rec.version, ...extra } });
    this.ledger.transition(rec, action, r.data.version);
  }

  // Accept, dispatch to municipal works, sign: the case is being processed.
  async toProcessing(rec, categoryId) {
    const { supervisor, dept_municipal: dept } = this.sessions;
    await this.act(supervisor, rec, 'accept', { category_id: categoryId });
    await this.act(supervisor, rec, 'dispatch', { department_id: this.city.municipal });
    await this.act(dept, rec, 'sign');
  }

  // Handle with an after photo, check with a check photo, close.
  async toClosed(rec) {
    const { supervisor, inspector, dept_municipal: dept } = this.sessions;
    await this.attach(dept, rec, 'after');
    await this.act(dept, rec, 'handle', { note: '已处置完毕' });
    await this.attach(inspector, rec, 'check');
    await this.act(inspector, rec, 'check-pass');
    await this.act(supervisor, rec, 'close');
  }
}

// An inspector's patrol report with a photo, through to closing.
async function patrol(a) {
  const { inspector } = a.sessions;
  const hash = await a.upload(inspector);
  const rec = await a.file(inspector, { description: `巡查发现路灯不亮 ${nextSerial()}`, ...hongqi(), category_id: a.city.component },
    [{ hash, stage: 'report' }]);
  await a.toProcessing(rec, a.city.component);
  await a.toClosed(rec);
}

// A 12345 call: verified on site, then extension and suspension requests
// approved, resumed, handled, a failed check (rework), handled again.
async function hotlineCall(a) {
  const { operator, inspector, supervisor, dept_municipal: dept } = a.sessions;
  const ticket = nextSerial();
  const rec = await a.file(operator, {
    description: `市民来电：小区门口暴露垃圾 ${ticket}`, ...hongqi(), source: '12345', external_id: `CR-${ticket}`,
    caller_name: '张三', caller_phone: '13812345678',
  });
  await a.act(operator, rec, 'verify');
  await a.attach(inspector, rec, 'verify');
  await a.act(inspector, rec, 'confirm', { note: '现场属实' });
  await a.toProcessing(rec, a.city.event);
  await a.act(dept, rec, 'request-extension', { note: '需调配车辆', amount: 2 });
  await a.act(supervisor, rec, 'approve');
  await a.act(dept, rec, 'request-suspension', { note: '等待配合' });
  await a.act(supervisor, rec, 'approve');
  await a.act(dept, rec, 'resume');
  await a.attach(dept, rec, 'after');
  await a.act(dept, rec, 'handle', { note: '已清运' });
  await a.attach(inspector, rec, 'check');
  await a.act(inspector, rec, 'check-fail', { note: '仍有残留' });
  await a.act(dept, rec, 'sign');
  await a.toClosed(rec);
}

// Two reports of one problem: the second merged into the first, which is
// supervised by a leader and rejected; a third recalled after dispatch.
async function duplicates(a) {
  const { operator, supervisor, leader } = a.sessions;
  const where = hongqi();
  const first = await a.file(operator, { description: `井盖松动 ${nextSerial()}`, ...where, source: '110' });
  const second = await a.file(operator, { description: `井盖松动，有响声 ${nextSerial()}`, ...where, source: '12319' });
  await a.act(supervisor, second, 'merge', { target_case_id: first.id });
  await a.act(leader, first, 'supervise', { note: '请尽快核实' });
  await a.act(supervisor, first, 'reject', { note: '已由燃气公司处理' });
  const third = await a.file(operator, { description: `路面破损 ${nextSerial()}`, ...where, source: 'video' });
  await a.act(supervisor, third, 'accept', { category_id: a.city.component });
  await a.act(supervisor, third, 'dispatch', { department_id: a.city.municipal });
  await a.act(supervisor, third, 'recall', { note: '派错部门' });
}

// A fix on the spot: before and after photos uploaded first, filed closed.
async function fixOnSpot(a) {
  const { inspector } = a.sessions;
  const before = await a.upload(inspector);
  const after = await a.upload(inspector);
  await a.file(inspector, { description: `现场清理小广告 ${nextSerial()}`, ...hongqi(), self_handled: true, category_id: a.city.event },
    [{ hash: before, stage: 'before' }, { hash: after, stage: 'after' }]);
}

// A citizen's web report from an address of its own (the intake's per-address
// limit is the citizens', not the load's), with a photo sent with the code.
async function citizen(a) {
  const from = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
  if (a.beforeWrite) await a.beforeWrite();
  const r = await a.client.request('POST', '/api/v1/public/cases',
    { json: { description: `路边垃圾堆积很多天了 ${nextSerial()}`, ...hongqi(), phone: '13700002222' }, from });
  if (r.status !== 201) throw new UnexpectedStatus('POST', '/api/v1/public/cases', r);
  const rec = a.ledger.citizenCase(r.data.case_no, r.data.query_code);
  const bytes = makePhoto();
  if (a.beforeWrite) await a.beforeWrite();
  const path = `/api/v1/public/cases/${rec.caseNo}/attachments?code=${rec.code}`;
  const p = await a.client.request('POST', path, { body: bytes, type: 'image/png', from });
  if (p.status !== 201) throw new UnexpectedStatus('POST', path, p);
  a.ledger.photo(p.data.hash, { bytes, citizenCase: rec.caseNo, stage: 'report' });
}

// The lifecycles with their weights (a patrol report is the common case).
const LIFECYCLES = [[patrol, 4], [hotlineCall, 2], [duplicates, 1], [fixOnSpot, 2], [citizen, 2]];

// Runs one lifecycle picked by weight. Resolves when it ends; rejects with
// NetworkError or UnexpectedStatus at the first write that did not succeed.
export function runLifecycle(ctx) {
  const total = LIFECYCLES.reduce((sum, [, w]) => sum + w, 0);
  let pick = randomInt(total);
  for (const [lifecycle, weight] of LIFECYCLES) {
    if (pick < weight) return lifecycle(new Actor(ctx));
    pick -= weight;
  }
  throw new Error('unreachable');
}

// The transitions the lifecycles take, to pick them out of a case's events.
const TRANSITIONS = new Set(['accept', 'dispatch', 'sign', 'handle', 'check-pass', 'check-fail', 'close', 'verify',
  'confirm', 'request-extension', 'request-suspension', 'approve', 'resume', 'merge', 'supervise', 'reject', 'recall']);

// Runs `jobs` (async functions) at most `width` at a time.
export async function inParallel(width, jobs) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, async () => {
    while (next < jobs.length) await jobs[next++]();
  }));
}

// Looks for every write of the ledger's records (all of them, or `touched` from
// takeTouched()) through the API, as the district supervisor and the uploaders:
// each case with its acknowledged transitions in order and its version, each
// photo with its exact bytes, each citizen's case by its query code, each
// session still signed in. Uploads still waiting for their case are attached to
// a new case by their uploader, which proves they were kept. Returns
// {checked, lost: [text per lost write]}.
export async function verifyLedger(client, sessions, ledger, touched = null) {
  const lost = [];
  let checked = 0;
  const cases = touched ? [...touched.cases].map((id) => ledger.cases.get(id)) : [...ledger.cases.values()];
  const hashes = touched ? [...touched.photos] : [...ledger.photos.keys()];
  const citizens = touched ? touched.citizen : ledger.citizen;
  const signedIn = touched ? touched.sessions : ledger.sessions;
  const { supervisor } = sessions;
  const get = (path, session = supervisor) => client.request('GET', path, { session });
  const jobs = [];
  for (const rec of cases) {
    jobs.push(async () => {
      checked += 1 + rec.actions.length;
      const c = await get(`/api/v1/cases/${rec.id}`);
      if (c.status !== 200) {
        lost.push(`case ${rec.id} (${rec.caseNo}): ${c.status}, with ${rec.actions.length} transitions`);
        return;
      }
      const events = await get(`/api/v1/cases/${rec.id}/events`);
      const done = events.data.items.map((e) => e.action).filter((name) => TRANSITIONS.has(name));
      const missing = rec.actions.findIndex((name, i) => done[i] !== name);
      if (missing >= 0) {
        lost.push(`case ${rec.id}: transitions ${rec.actions.slice(missing).join(',')} acknowledged, events hold ${done.join(',')}`);
      } else if (c.data.version < rec.version) {
        lost.push(`case ${rec.id}: version ${c.data.version}, acknowledged ${rec.version}`);
      }
    });
  }
  const waiting = new Map(); // uploader -> hashes of uploads still waiting
  for (const hash of hashes) {
    const photo = ledger.photos.get(hash);
    if (photo.caseId === null && photo.citizenCase === undefined) {
      if (!waiting.has(photo.owner)) waiting.set(photo.owner, []);
      waiting.get(photo.owner).push(hash);
      continue;
    }
    jobs.push(async () => { checked++; await checkPhoto(get, hash, photo, lost); });
  }
  for (const rec of citizens) {
    jobs.push(async () => {
      checked++;
      const r = await client.request('GET', `/api/v1/public/cases/${rec.caseNo}?code=${rec.code}`);
      if (r.status !== 200) lost.push(`citizen case ${rec.caseNo}: ${r.status}`);
    });
  }
  for (const s of signedIn) {
    jobs.push(async () => {
      checked++;
      const r = await get('/api/v1/auth/me', s);
      if (r.status !== 200) lost.push(`session of ${s.name}: ${r.status}`);
    });
  }
  await inParallel(8, jobs);
  for (const [owner, list] of waiting) await claimUploads(client, sessions[owner], ledger, list, lost, () => checked++);
  return { checked, lost };
}

async function checkPhoto(get, hash, photo, lost) {
  const r = await get(`/api/v1/attachments/${hash}`);
  if (r.status !== 200) lost.push(`photo ${hash.slice(0, 12)} (${photo.stage}): ${r.status}`);
  else if (!r.body.equals(photo.bytes)) lost.push(`photo ${hash.slice(0, 12)}: ${r.body.length} bytes differ from the ${photo.bytes.length} uploaded`);
}

// Finds waiting uploads again. One the server already shows was attached by
// an intake that committed but whose answer the kill cut off; the others are
// attached to new cases (up to 12 each, the intake's most) filed by their
// uploader, which the server refuses for an upload it does not hold, and read
// back. Those become photos of the new case in the ledger; a refused one is lost.
async function claimUploads(client, session, ledger, hashes, lost, count) {
  const get = (path) => client.request('GET', path, { session });
  const unclaimed = [];
  for (const hash of hashes) {
    const r = await get(`/api/v1/attachments/${hash}`);
    if (r.status === 200 && r.body.equals(ledger.photos.get(hash).bytes)) {
      count();
      ledger.attachUploads(0, [{ hash, stage: 'report' }]);
    } else {
      unclaimed.push(hash);
    }
  }
  for (let i = 0; i < unclaimed.length; i += 12) {
    const group = unclaimed.slice(i, i + 12).map((hash) => ({ hash, stage: 'report' }));
    const body = { description: `核对上传照片 ${nextSerial()}`, ...hongqi() };
    const r = await client.request('POST', '/api/v1/cases', { json: { ...body, photos: group }, session });
    for (const photo of group) {
      let caseId = r.status === 201 ? r.data.case.id : null;
      if (caseId === null) { // find which ones the intake refuses, one case each
        const one = await client.request('POST', '/api/v1/cases', { json: { ...body, photos: [photo] }, session });
        if (one.status === 201) caseId = one.data.case.id;
        else lost.push(`upload ${photo.hash.slice(0, 12)} of ${session.name}: intake answered ${one.status}`);
      }
      count();
      if (caseId === null) continue;
      ledger.attachUploads(caseId, [photo]);
      await checkPhoto(get, photo.hash, ledger.photos.get(photo.hash), lost);
    }
  }
}
