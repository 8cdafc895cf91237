// SPDX-License-Identifier: MIT
// Helpers for the API tests: start the real sanitizer build of chengguan on a free
// port with a fresh database and data directory, talk HTTP to it (fetch, or raw
// bytes over a socket when a URL must reach the server unnormalised), and stop it
// checking that it exits 0 with no sanitizer report.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import net from 'node:net';
import assert from 'node:assert/strict';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = process.env.CHENGGUAN_BIN || join(ROOT, '.build', 'san', 'chengguan');

const SAN_ENV = {
  ASAN_OPTIONS: 'detect_leaks=1:halt_on_error=1',
  UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
};

export function tempDir(prefix = 'cg-') {
  const base = join(ROOT, 'tests', '.tmp');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, prefix));
}

// Runs a chengguan subcommand to completion. Returns {status, stdout, stderr}.
export function runCli(args, options = {}) {
  const result = spawnSync(BIN, args, {
    cwd: options.cwd || ROOT,
    env: { ...process.env, ...SAN_ENV, ...databaseEnv(args), ...(options.env || {}) },
    encoding: 'utf8',
    input: options.input,
    timeout: 120000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

// The engine the API tests run on: a SQLite file per server (the default), or
// PostgreSQL when CHENGGUAN_TEST_PG is the URL of a throwaway cluster's database
// (tests/run.sh's pg suite): each server then gets a database of its own, a copy
// of the migrated template cg_template, dropped when the server stops.
export const PG = process.env.CHENGGUAN_TEST_PG || '';
export const ENGINE = PG ? 'postgres' : 'sqlite';

// Runs SQL on the cluster's database (or the one url names); returns the
// unaligned, tuples-only output. Throws with psql's message on an error.
export function psql(sql, url = PG) {
  const r = spawnSync('psql', [url, '-X', '-v', 'ON_ERROR_STOP=1', '-tAq', '-c', sql], { encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0) throw new Error(`psql failed (${r.status}): ${r.stderr}`);
  return r.stdout.trim();
}

// The URL of database name on the cluster of url (query string kept).
export function databaseUrl(name, url = PG) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

let databaseSerial = 0;

// On PostgreSQL, the database of each data directory a server of this test
// file runs on, so that a CLI command or another server given only
// --data-dir (as on SQLite, where the file is in it) reaches the same one.
const databaseByDir = new Map();

// The CHENGGUAN_DB a command given args needs on PostgreSQL ({} on SQLite, or
// when args name a --db of their own).
function databaseEnv(args) {
  const at = args.indexOf('--data-dir');
  if (!PG || args.includes('--db') || at < 0) return {};
  const database = databaseByDir.get(resolve(args[at + 1]));
  return database ? { CHENGGUAN_DB: database.url } : {};
}

// A fresh database on the PostgreSQL cluster, copied from the migrated
// template: {name, url, drop()}.
export function freshDatabase() {
  const name = `cg_${process.pid}_${databaseSerial++}`;
  // Two copies of one template at the same instant can collide on its lock:
  // the loser retries.
  for (let attempt = 0; ; attempt++) {
    try {
      psql(`CREATE DATABASE ${name} TEMPLATE cg_template`);
      break;
    } catch (e) {
      if (attempt >= 20 || !/being accessed by other users/.test(e.message)) throw e;
      spawnSync('sleep', ['0.2']);
    }
  }
  return {
    name,
    url: databaseUrl(name),
    drop() { psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); },
  };
}

// Runs SQL on a server's database (its SQLite file, or its PostgreSQL database);
// returns the output, one row per line, columns separated by |.
export function dbQuery(server, query) {
  if (server.database) return psql(query, server.database.url);
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', join(server.dataDir, 'chengguan.db'), query], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

export const GEN = process.env.CHENGGUAN_GEN || join(ROOT, '.build', 'san', 'bench', 'gen');

// Runs the benchmark database generator (tests/bench/gen) to completion, e.g.
// runGen(['--cases', '300', '--days', '30', '--out', file]): a city whose cases
// were filed and moved at their own past moments. Returns {status, stdout, stderr}.
export function runGen(args) {
  const result = spawnSync(GEN, args, {
    cwd: ROOT, env: { ...process.env, ...SAN_ENV }, encoding: 'utf8', timeout: 600000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

// Starts a server. options: {args: [...], dataDir, webDir (null: no --web-dir,
// the server finds its own), env, bin (another chengguan binary, e.g. an
// installed one), cwd}. Resolves to an object with base URL, port, request
// helpers and stop().
export async function startServer(options = {}) {
  const dataDir = options.dataDir || tempDir('data-');
  // On PostgreSQL a server without a --db of its own gets a fresh database
  // (options.database: one the caller made and drops).
  // A second server on a data directory a running test made shares its database.
  const known = PG && databaseByDir.get(resolve(dataDir));
  const ownsDatabase = PG && !options.database && !known && !(options.args || []).includes('--db') &&
    !(options.env && options.env.CHENGGUAN_DB);
  const database = ownsDatabase ? freshDatabase() : options.database || known || undefined;
  if (database) databaseByDir.set(resolve(dataDir), database);
  const dbEnv = database ? { CHENGGUAN_DB: database.url } : {};
  const webDir = options.webDir === null ? [] : ['--web-dir', options.webDir || join(ROOT, 'web')];
  const args = ['serve', '--port', '0', '--data-dir', dataDir, ...webDir, ...(options.args || [])];
  const child = spawn(options.bin || BIN, args, {
    cwd: options.cwd || ROOT,
    env: { ...process.env, ...SAN_ENV, ...dbEnv, ...(options.env || {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stdout.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolveExit) => child.on('exit', (code, signal) => resolveExit({ code, signal })));
  const { host, port } = await new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 60000);
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = /listening on http:\/\/([\d.]+|\[[0-9a-f:.]+\]):(\d+)/.exec(stderr);
      if (m) { clearTimeout(timer); resolvePort({ host: m[1], port: Number(m[2]) }); }
    });
    exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${stderr}`)); });
  });
  // Tests listen on a loopback or wildcard address: reach it over the loopback.
  const base = `http://${host.startsWith('[') ? '[::1]' : '127.0.0.1'}:${port}`;
  const server = {
    base, port, dataDir, child, database,
    log: () => stderr,
    async stop({ signal = 'SIGTERM', expectCode = 0 } = {}) {
      if (child.exitCode === null) child.kill(signal);
      const { code } = await exited;
      assert.doesNotMatch(stderr, /AddressSanitizer|LeakSanitizer|runtime error:/, `sanitizer report:\n${stderr.slice(-4000)}`);
      assert.equal(code, expectCode, `server exit status; log tail:\n${stderr.slice(-2000)}`);
      if (!options.dataDir && !options.keepData) rmSync(dataDir, { recursive: true, force: true });
      if (ownsDatabase && !options.keepData) {
        database.drop();
        databaseByDir.delete(resolve(dataDir));
      }
      return code;
    },
  };
  return server;
}

// With CHENGGUAN_API_RECORD naming a directory, every exchange of a Client is
// appended to <dir>/<pid>.jsonl as one line, for the check of the responses
// against the OpenAPI document (tests/openapi). The body is left out of a raw
// exchange, whose reader is the test.
const RECORD_DIR = process.env.CHENGGUAN_API_RECORD;
const RECORDED_HEADERS = ['allow', 'cache-control', 'etag', 'retry-after', 'set-cookie'];

function record(method, url, headers, payload, res, text) {
  if (!RECORD_DIR) return;
  let json;
  try { json = typeof payload === 'string' ? JSON.parse(payload) : undefined; } catch { json = undefined; }
  let body;
  if (text !== undefined) {
    try { body = text ? JSON.parse(text) : null; } catch { body = text; }
  }
  const entry = {
    test: process.argv[1],
    method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    status: res.status,
    contentType: res.headers.get('content-type'),
    headers: Object.fromEntries(RECORDED_HEADERS.filter((h) => res.headers.has(h)).map((h) => [h, res.headers.get(h)])),
    body,
    request: {
      contentType: headers['content-type'] || null,
      json: (headers['content-type'] || '').startsWith('application/json') ? json : undefined,
      cookie: Boolean(headers.cookie),
      csrf: Boolean(headers['x-csrf-token']),
      bearer: /^bearer /i.test(headers.authorization || ''),
    },
  };
  appendFileSync(join(RECORD_DIR, `${process.pid}.jsonl`), JSON.stringify(entry) + '\n');
}

// A small client keeping a session cookie and CSRF token like a browser would.
export class Client {
  constructor(base) { this.base = base; this.cookie = null; this.csrf = null; }

  async request(method, path, { json, body, headers = {}, raw = false } = {}) {
    const h = { ...headers };
    if (this.cookie) h.cookie = this.cookie;
    if (this.csrf && method !== 'GET' && method !== 'HEAD' && !('x-csrf-token' in h)) h['x-csrf-token'] = this.csrf;
    let payload = body;
    if (json !== undefined) {
      payload = typeof json === 'string' ? json : JSON.stringify(json);
      if (!('content-type' in h)) h['content-type'] = 'application/json';
    }
    const res = await fetch(this.base + path, { method, headers: h, body: payload, redirect: 'manual' });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) {
      const m = /(cg_session=[^;]*)/.exec(setCookie);
      if (m) this.cookie = m[1].endsWith('=') ? null : m[1];
    }
    const url = new URL(this.base + path);
    if (raw) {
      record(method, url, h, payload, res, undefined);
      return res;
    }
    const text = await res.text();
    record(method, url, h, payload, res, text);
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = text; }
    return { status: res.status, headers: res.headers, data, text };
  }

  get(path, opts) { return this.request('GET', path, opts); }
  post(path, json, opts = {}) { return this.request('POST', path, { ...opts, json }); }
  patch(path, json, opts = {}) { return this.request('PATCH', path, { ...opts, json }); }

  async login(username, password) {
    const r = await this.post('/api/v1/auth/login', { username, password });
    if (r.status === 200) this.csrf = r.data.csrf_token;
    return r;
  }
}

// Sends raw bytes and resolves to {status, headers, body} of the first response,
// or {closed: true} if the server closed the connection without answering.
export function rawRequest(port, text, { timeoutMs = 10000 } = {}) {
  return new Promise((resolveRaw, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks = [];
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('raw request timed out')); }, timeoutMs);
    socket.on('connect', () => socket.write(text));
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks).toString('latin1');
      if (!all) return resolveRaw({ closed: true });
      const [head, ...rest] = all.split('\r\n\r\n');
      const lines = head.split('\r\n');
      const status = Number(lines[0].split(' ')[1]);
      const headers = {};
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolveRaw({ status, headers, body: Buffer.from(rest.join('\r\n\r\n'), 'latin1').toString('utf8') });
    });
  });
}

// Asserts the JSON error envelope with the given status and code. field, when
// given, is the input the envelope must blame: a name, or null for "no field".
export function assertError(res, status, code, field) {
  assert.equal(res.status, status, `status for ${code}: ${res.text}`);
  assert.equal(typeof res.data, 'object', `JSON body expected: ${res.text}`);
  assert.ok(res.data && res.data.error, `error envelope expected: ${res.text}`);
  if (code) assert.equal(res.data.error.code, code, res.text);
  assert.equal(typeof res.data.error.message, 'string');
  assert.ok(res.data.error.message.length > 0);
  if (field === null) assert.ok(!('field' in res.data.error), `no field expected: ${res.text}`);
  else if (field !== undefined) assert.equal(res.data.error.field, field, `field: ${res.text}`);
}

export const DEMO_PASSWORD = 'chengguan-demo-2026';

// The seed-demo arguments of an empty demo city (no history of cases): most
// tests count, list and number the cases they make themselves.
export const NO_HISTORY = ['--history-days', '0'];

// Seeds the demo city into a fresh data directory and starts a server on it:
// an empty city, or with historyDays: N the demo's N days of cases up to now.
export async function startDemo(options = {}) {
  const { historyDays = 0, ...serverOptions } = options;
  const dataDir = tempDir('demo-');
  const database = PG ? freshDatabase() : undefined;
  const seeded = runCli(['seed-demo', '--data-dir', dataDir, '--history-days', String(historyDays)],
    { env: database ? { CHENGGUAN_DB: database.url } : {} });
  assert.equal(seeded.status, 0, `seed-demo failed: ${seeded.stderr}`);
  const server = await startServer({ ...serverOptions, dataDir, database });
  const stop = server.stop.bind(server);
  server.stop = async (opts) => {
    const code = await stop(opts);
    rmSync(dataDir, { recursive: true, force: true });
    if (database) database.drop();
    return code;
  };
  return server;
}

// Signs in a demo user and returns the client.
export async function demoClient(server, username) {
  const client = new Client(server.base);
  const r = await client.login(username, DEMO_PASSWORD);
  assert.equal(r.status, 200, `login ${username}: ${r.text}`);
  return client;
}

// Points inside the demo city's streets (cells of about 100 m from 110.9113 E,
// 21.6636 N: Hexi, then Hongqi, then Hedong, west to east).
export const HONGQI = { lat: 21.6605, lon: 110.9205 };
export const HEXI = { lat: 21.6620, lon: 110.9140 };
export const OUTSIDE = { lat: 21.7000, lon: 110.9000 };

import { deflateSync } from 'node:zlib';

function crc32(buf) {
  let c, crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

// A valid 2x2 RGB PNG whose pixels depend on seed, so different seeds give
// different photos (and different content hashes).
export function makePng(seed = 0) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2, 0); ihdr.writeUInt32BE(2, 4);
  ihdr[8] = 8; ihdr[9] = 2; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  const raw = Buffer.alloc(2 * (1 + 6));
  for (let i = 0; i < raw.length; i++) raw[i] = i % 7 === 0 ? 0 : (seed * 31 + i * 17) & 0xff;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0)),
  ]);
}

// Uploads a photo to a case as a staff client.
export async function uploadPhoto(client, caseId, stage, seed) {
  return client.request('POST', `/api/v1/cases/${caseId}/attachments?stage=${stage}`, {
    body: makePng(seed), headers: { 'content-type': 'image/png' },
  });
}

// Uploads a photo before its case exists (POST /api/v1/uploads) and returns its hash.
export async function uploadPending(client, seed) {
  const r = await client.request('POST', '/api/v1/uploads', {
    body: makePng(seed), headers: { 'content-type': 'image/png' },
  });
  assert.equal(r.status, 201, `upload: ${r.text}`);
  return r.data.hash;
}

let fixSeed = 900000;
// The photos a fix on the spot is filed with: a fresh before and after photo
// uploaded by client, as the intake's "photos" list.
export async function fixPhotos(client) {
  return [
    { hash: await uploadPending(client, fixSeed++), stage: 'before' },
    { hash: await uploadPending(client, fixSeed++), stage: 'after' },
  ];
}
