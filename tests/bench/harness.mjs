// SPDX-License-Identifier: MIT
// The benchmark's tools (not tests): start and stop chengguan and the floor
// servers, sign in, drive wrk for throughput and tail latency, time single
// requests for p50, find the generated databases, the city's screens (the
// queries whose p50 is measured) and patrol reports to file, and describe the
// machine. Used by tests/bench/scale.mjs, engines.mjs and stopgap.mjs.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'chengguan');
export const FLOOR_READ = join(ROOT, '.build', 'release', 'bench', 'floor_read');
export const FLOOR_INSERT = join(ROOT, '.build', 'release', 'bench', 'floor_insert');
export const BENCH_DIR = join(ROOT, '.build', 'bench');
export const PASSWORD = 'chengguan-demo-2026';
const OPEN = 'reported,verifying,accepted,dispatched,processing,suspended,handled,checked';

export const log = (...m) => console.error(...m);

const START_TIMEOUT_MS = 1_800_000; // a first start may migrate 10M cases

// Servers still running: stopped when the harness exits early (an error).
const running = new Set();
process.on('exit', () => { for (const child of running) child.kill('SIGTERM'); });

// Runs a command to completion; throws with its output when it fails.
export function run(command, args, options = {}) {
  const r = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

// One query through the sqlite3 shell (read-only); returns the rows as arrays of strings.
export function sql(db, query) {
  const out = run('sqlite3', ['-readonly', '-separator', '\t', db, query]);
  return out.split('\n').filter((line) => line !== '').map((line) => line.split('\t'));
}

// Starts a server process whose standard error goes to `logFile` and waits for
// its "listening on http://ADDR:PORT" line. Returns { base, port, pid,
// startMs (spawn to listening), memory(), stop(), kill(signal) }.
export async function startServer(command, args, logFile) {
  mkdirSync(join(logFile, '..'), { recursive: true });
  const fd = openSync(logFile, 'w');
  const began = performance.now();
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'ignore', fd] });
  closeSync(fd);
  running.add(child);
  let exited = null;
  const gone = new Promise((ok) => child.on('exit', (code, signal) => {
    exited = { code, signal };
    running.delete(child);
    ok(exited);
  }));
  let port = 0;
  while (!port) {
    if (exited) throw new Error(`${command} exited (${exited.code ?? exited.signal}) before listening:\n${tail(logFile)}`);
    if (performance.now() - began > START_TIMEOUT_MS) {
      child.kill('SIGKILL');
      throw new Error(`${command} did not start within ${START_TIMEOUT_MS / 1000} s:\n${tail(logFile)}`);
    }
    const m = /listening on http:\/\/[\d.]+:(\d+)/.exec(readFileSync(logFile, 'utf8'));
    if (m) port = Number(m[1]);
    else await sleep(2);
  }
  const startMs = performance.now() - began;
  return {
    base: `http://127.0.0.1:${port}`, port, pid: child.pid, startMs,
    // Peak and current resident memory in bytes, from /proc/PID/status.
    memory() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
      return { peak: kb('VmHWM') * 1024, current: kb('VmRSS') * 1024 };
    },
    // Sends `signal` (kill -9 in the crash run); resolves to { code, signal }
    // once the process is gone.
    kill(signal) {
      if (!exited) child.kill(signal);
      return gone;
    },
    async stop() {
      if (!exited) {
        const done = new Promise((ok) => child.on('exit', ok));
        child.kill('SIGTERM');
        await done;
      }
      if (exited.code !== 0 && exited.signal !== 'SIGTERM') throw new Error(`${command} ended badly (${exited.code ?? exited.signal}):\n${tail(logFile)}`);
    },
  };
}

function tail(file) {
  try { return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n'); } catch { return ''; }
}

export const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

// chengguan serve on `db` (a file, or a postgres:// URL with its `dataDir`
// for photos) with the benchmark's settings (more connections per address
// than the default 64, since every client is on loopback).
export function startChengguan(db, logFile, extra = [], dataDir = join(db, '..')) {
  return startServer(BIN, ['serve', '--port', '0', '--db', db, '--data-dir', dataDir,
    '--log-level', 'info', '--per-ip-connections', '1024', ...extra], logFile);
}

// Signs in; returns { cookie, csrf, user } for request headers.
export async function login(base, username) {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  const body = await r.json();
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${JSON.stringify(body)}`);
  return { cookie: /(cg_session=[^;]+)/.exec(r.headers.get('set-cookie'))[1], csrf: body.csrf_token, user: body.user };
}

// A JSON request with an optional session; returns { status, data }.
export async function call(base, path, { session, method = 'GET', body } = {}) {
  const headers = {};
  if (session) headers.cookie = session.cookie;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    if (session) headers['x-csrf-token'] = session.csrf;
  }
  const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let data = null;
  try { data = JSON.parse(text); } catch { data = text; }
  return { status: r.status, data };
}

// Times single requests one after another (Node's fetch, keep-alive) to each
// of `targets` ({ base, path, session? }) in turn, so that the machine's
// drifting load falls on all of them alike: one warm-up each, then rounds of
// one request per target, up to `samples` rounds, fewer once `budgetMs` is
// spent (at least `minimum`). Returns per target { p50 (ms), samples, status },
// status being the first non-200 status seen (that target is then left out).
export async function medianLatencies(targets, { samples = 21, minimum = 5, budgetMs = 10_000 } = {}) {
  const once = async ({ base, path, session }) => {
    const began = performance.now();
    const r = await fetch(base + path, { headers: session ? { cookie: session.cookie } : {} });
    await r.arrayBuffer();
    return { ms: performance.now() - began, status: r.status };
  };
  const state = targets.map(() => ({ times: [], status: 200 }));
  for (let i = 0; i < targets.length; i++) state[i].status = (await once(targets[i])).status;
  const began = performance.now();
  for (let round = 0; round < samples && (round < minimum || performance.now() - began < budgetMs); round++) {
    for (let i = 0; i < targets.length; i++) {
      if (state[i].status !== 200) continue;
      const t = await once(targets[i]);
      if (t.status !== 200) state[i].status = t.status;
      else state[i].times.push(t.ms);
    }
  }
  return state.map(({ times, status }) => {
    times.sort((a, b) => a - b);
    return { p50: status === 200 ? times[(times.length - 1) >> 1] : NaN, samples: times.length, status };
  });
}

// The Lua that makes wrk print one machine-readable line at the end.
const WRK_DONE = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`;

// A Lua string literal of `text` (any bytes).
export const lua = (text) => `"${[...Buffer.from(String(text))].map((b) => `\\${b}`).join('')}"`;

// Lua that sets a request method, headers and body.
export function luaRequestSetup({ method = 'GET', headers = {}, body } = {}) {
  let out = `wrk.method = ${lua(method)}\n`;
  for (const [k, v] of Object.entries(headers)) out += `wrk.headers[${lua(k)}] = ${lua(v)}\n`;
  if (body !== undefined) out += `wrk.body = ${lua(body)}\n`;
  return out;
}

// Lua whose request() picks a random path `prefix .. ids[i]` per request.
export function luaRandomPaths(prefix, ids) {
  return `local ids = {${ids.join(',')}}
local counter = 0
setup = function(thread) counter = counter + 1; thread:set("seed", counter) end
init = function(args) math.randomseed(seed * 7919) end
request = function() return wrk.format(nil, ${lua(prefix)} .. ids[math.random(#ids)]) end
`;
}

// Runs wrk once against base + path for `seconds` with `connections`
// connections; `script` is extra Lua (request setup, request() and so on).
// Returns wrk's summary (requests, duration_us, error counts, p50_us, p99_us).
function wrkOnce(base, path, { seconds, connections, threads = 2, script = '' }) {
  const dir = join(BENCH_DIR, 'run');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `wrk-${process.pid}.lua`);
  writeFileSync(file, script + WRK_DONE);
  try {
    const out = run('wrk', ['-t', String(Math.min(threads, connections)), '-c', String(connections),
      '-d', `${seconds}s`, '--timeout', '10s', '-s', file, base + path]);
    const m = /^WRKJSON (.*)$/m.exec(out);
    if (!m) throw new Error(`wrk printed no summary:\n${out}`);
    return JSON.parse(m[1]);
  } finally {
    rmSync(file, { force: true });
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[(values.length - 1) >> 1];

// Measures the sides ({ base, path, script }) with wrk, alternating: after
// `warmup` unmeasured seconds each, `rounds` rounds of seconds / rounds each,
// so that a change in the machine's load falls on every side alike. wrk counts
// only what completes within a round, and a round starts with an idle server,
// so a side is given rounds of at least 20 times its warm-up p50 (at most 60
// s); after each run the harness waits for the stragglers (wrk's slowest
// request, at most 5 s) before the other side starts. Returns per side { rps
// (all requests over all measured time), requests, errors (failed or
// non-2xx/3xx), p50, p99 (medians of the rounds, ms), roundSeconds }.
export async function wrkAlternating(sides, { seconds, rounds = 3, warmup = 1, connections, threads = 2 }) {
  const once = async (side, duration) => {
    const r = wrkOnce(side.base, side.path, { connections, threads, script: side.script, seconds: duration });
    await sleep(Math.min(5000, r.max_us / 1000));
    return r;
  };
  const slices = [];
  for (const side of sides) {
    const warm = await once(side, Math.max(1, warmup));
    slices.push(Math.min(60, Math.max(1, Math.round(seconds / rounds), Math.ceil((20 * warm.p50_us) / 1e6))));
  }
  const runs = sides.map(() => []);
  for (let round = 0; round < rounds; round++)
    for (let i = 0; i < sides.length; i++) runs[i].push(await once(sides[i], slices[i]));
  return runs.map((list, i) => {
    const sum = (f) => list.reduce((total, r) => total + f(r), 0);
    return {
      rps: sum((r) => r.requests) / (sum((r) => r.duration_us) / 1e6), requests: sum((r) => r.requests),
      errors: sum((r) => r.connect + r.read + r.write + r.status + r.timeout),
      p50: median(list.map((r) => r.p50_us)) / 1000, p99: median(list.map((r) => r.p99_us)) / 1000,
      roundSeconds: slices[i],
    };
  });
}

// Does the Makefile have the generator's target (make bench-db)?
export function generatorAvailable() {
  try {
    run('make', ['-n', '-s', 'bench-db', 'CASES=1']);
    return true;
  } catch {
    return false;
  }
}

// The generator's database of `n` cases (`make bench-db CASES=n`: made once
// into .build/bench, reused afterwards); returns its path.
export function generatedDatabase(n) {
  log(`make bench-db CASES=${n}`);
  run('make', ['-s', 'bench-db', `CASES=${n}`], { stdio: 'inherit' });
  const path = join(BENCH_DIR, `cases-${n}.db`);
  if (!existsSync(path)) throw new Error(`make bench-db CASES=${n} made no ${path}`);
  return path;
}

// A working copy of `db` (with its WAL, if any) as DIR/chengguan.db; returns its path.
export function workingCopy(db, dir) {
  mkdirSync(dir, { recursive: true });
  const copy = join(dir, 'chengguan.db');
  run('cp', ['--reflink=auto', db, copy]);
  if (existsSync(`${db}-wal`)) copyFileSync(`${db}-wal`, `${copy}-wal`);
  return copy;
}

// The filter values every size uses (the demo city is the same in each).
export async function discover(base, supervisor) {
  const subclasses = (await call(base, '/api/v1/categories')).data.trees
    .flatMap((t) => t.majors.flatMap((m) => m.subclasses));
  const category = (subclasses.find((c) => c.name_zh === '暴露垃圾') ?? subclasses[0]).id;
  const streets = (await call(base, '/api/v1/org-units?type=street', { session: supervisor })).data.items
    .sort((a, b) => a.code.localeCompare(b.code));
  const departments = (await call(base, '/api/v1/org-units?type=department', { session: supervisor })).data.items;
  const department = (departments.find((d) => d.department_kind === 'sanitation') ?? departments[0]).id;
  const grids = (await call(base, '/api/v1/grids', { session: supervisor })).data.features;
  const cells = grids.filter((f) => f.properties.street_code === streets[0].code).map((f) => {
    const ring = f.geometry.coordinates[0].slice(0, -1);
    return {
      code: f.properties.code,
      lat: ring.reduce((s, p) => s + p[1], 0) / ring.length,
      lon: ring.reduce((s, p) => s + p[0], 0) / ring.length,
    };
  }).sort((a, b) => a.code.localeCompare(b.code));
  // A case page: the newest closed case, with its whole history (events,
  // stages, photos, a rating) to render.
  const closed = (await call(base, '/api/v1/cases?status=closed&limit=1', { session: supervisor })).data.items[0];
  return { category, department, street: streets[0].code, grid: cells[0].code, cells, caseId: closed?.id };
}

// Every screen's query, as [name, path, session?]; the keyset page is built apart.
function screens(ctx, tracking) {
  const q = (t) => encodeURIComponent(t);
  return [
    ['dispatch board', '/api/v1/cases?status=accepted,dispatched,processing,suspended,handled&sort=deadline&limit=50'],
    ['overdue list', `/api/v1/cases?status=${OPEN}&overdue=1&sort=deadline&limit=50`],
    ['filter status=accepted', '/api/v1/cases?status=accepted&limit=20'],
    ['filter category', `/api/v1/cases?category=${ctx.category}&limit=20`],
    ['filter grid', `/api/v1/cases?grid=${ctx.grid}&limit=20`],
    ['filter street', `/api/v1/cases?street=${ctx.street}&limit=20`],
    ['filter department', `/api/v1/cases?department=${ctx.department}&limit=20`],
    ['filter source=12345', '/api/v1/cases?source=12345&limit=20'],
    ['keyset page 50', null],
    ['search 井盖 (2 chars)', `/api/v1/cases?q=${q('井盖')}&limit=20`],
    ['search 暴露垃圾 (4 chars)', `/api/v1/cases?q=${q('暴露垃圾')}&limit=20`],
    ['stats overview', '/api/v1/stats/overview'],
    ['case page (a closed case)', ctx.caseId ? `/api/v1/cases/${ctx.caseId}` : { error: 'no closed case' }],
    ['citizen tracking page', `/api/v1/public/cases/${tracking.case_no}?code=${tracking.query_code}`, 'public'],
  ];
}

// The path of page 50 of the newest-first list of 20: follows the cursor 49 times.
async function page50Path(base, session) {
  let path = '/api/v1/cases?limit=20';
  for (let page = 1; page < 50; page++) {
    const r = await call(base, path, { session });
    if (r.status !== 200 || !r.data.next_cursor) return { error: r.status !== 200 ? r.status : `only ${page} pages` };
    path = `/api/v1/cases?limit=20&cursor=${encodeURIComponent(r.data.next_cursor)}`;
  }
  return { path };
}

// Prepares one server for the screens: files the citizen's case, finds page
// 50. Returns [name, path or { error }, session or null] for every screen.
export async function screenTargets(base, supervisor, ctx) {
  const cell = ctx.cells[0];
  const filed = await call(base, '/api/v1/public/cases', {
    method: 'POST', body: { description: '小区门口暴露垃圾没人清运', lat: cell.lat, lon: cell.lon },
  });
  if (filed.status !== 201) throw new Error(`public case: ${filed.status} ${JSON.stringify(filed.data)}`);
  const out = [];
  for (const [name, path, who] of screens(ctx, filed.data)) {
    const target = path ?? await page50Path(base, supervisor);
    out.push([name, typeof target === 'string' ? target : target.path ?? target, who === 'public' ? null : supervisor]);
  }
  return out;
}

// p50 of every screen's query on every server, the servers interleaved
// request by request. Sets `screens` on each entry of `sizes` ({ label,
// server, targets }).
export async function screenLatencies(sizes) {
  for (const size of sizes) size.screens = {};
  for (let s = 0; s < sizes[0].targets.length; s++) {
    const name = sizes[0].targets[s][0];
    const live = sizes.filter((size) => typeof size.targets[s][1] === 'string');
    for (const size of sizes) {
      const error = size.targets[s][1].error;
      if (error !== undefined) size.screens[name] = { p50: NaN, samples: 0, status: error };
    }
    const measured = await medianLatencies(live.map((size) => ({
      base: size.server.base, path: size.targets[s][1], session: size.targets[s][2],
    })));
    live.forEach((size, i) => { size.screens[name] = measured[i]; });
    log(`  ${name}: ${sizes.map((size) => `${size.label}: ${size.screens[name].p50.toFixed(2)} ms`).join(', ')}`);
  }
}

// Lua whose request() sends a patrol report from a random cell of `cells`.
export function luaCreate(cells) {
  const list = cells.map((c) => `{${c.lat.toFixed(6)},${c.lon.toFixed(6)}}`).join(',');
  return `local cells = {${list}}
local counter = 0
setup = function(thread) counter = counter + 1; thread:set("seed", counter) end
init = function(args) math.randomseed(seed * 7919); sent = 0 end
request = function()
  sent = sent + 1
  local c = cells[math.random(#cells)]
  local body = ${lua('{"description":"巡查发现井盖破损，基准测试 ')} .. seed .. "-" .. sent ..
    string.format('","lat":%.6f,"lon":%.6f}', c[1] + (math.random() - 0.5) * 0.0004, c[2] + (math.random() - 0.5) * 0.0004)
  return wrk.format(nil, nil, nil, body)
end
`;
}

// CPU model, core count, kernel, memory, SQLite and wrk versions.
export function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  const version = (cmd, args) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return r.status === 0 || r.stdout ? (r.stdout || r.stderr).split('\n')[0].trim() : 'missing';
  };
  return {
    cpu: model, cores: cpus().length, kernel: release(),
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    sqlite: version('sqlite3', ['--version']).split(' ')[0],
    wrk: version('wrk', ['--version']).replace(/ \[.*$/, '').replace(/ Copyright.*$/, ''),
    node: process.version,
  };
}
