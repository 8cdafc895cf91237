// SPDX-License-Identifier: MIT
// Benchmark (not a test): throughput of the real release binary on loopback,
// reported as ratios measured in one run, because the machines are shared and
// noisy. Baselines: the server's own GET /healthz for reads, and the same write
// with --no-fsync for durable writes (how close group commit gets to free fsync).
//   node tests/bench/api.mjs [seconds-per-phase, default 3] [concurrency, default 32]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'chengguan');
const SECONDS = Number(process.argv[2] || 3);
const CONCURRENCY = Number(process.argv[3] || 32);
const HONGQI = { lat: 21.6605, lon: 110.9205 };

async function start(extra = []) {
  const dir = mkdtempSync(join(tmpdir(), 'cg-bench-'));
  spawnSync(BIN, ['seed-demo', '--data-dir', dir], { stdio: 'ignore' });
  const child = spawn(BIN, ['serve', '--port', '0', '--data-dir', dir, '--log-level', 'info',
    '--per-ip-connections', '256', ...extra], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await new Promise((ok) => {
    let log = '';
    child.stderr.on('data', (d) => {
      log += d;
      const m = /listening on http:\/\/[\d.]+:(\d+)/.exec(log);
      if (m) ok(Number(m[1]));
    });
  });
  const base = `http://127.0.0.1:${port}`;
  const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'inspector', password: 'chengguan-demo-2026' }) });
  const cookie = /(cg_session=[^;]+)/.exec(login.headers.get('set-cookie'))[1];
  const { csrf_token: csrf } = await login.json();
  return { base, cookie, csrf, stop: async () => { child.kill('SIGTERM'); await new Promise((ok) => child.on('exit', ok)); rmSync(dir, { recursive: true, force: true }); } };
}

// Runs `make()` requests from CONCURRENCY workers for SECONDS; returns requests/s.
async function rate(make) {
  const until = Date.now() + SECONDS * 1000;
  let done = 0, failed = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < until) {
      const r = await make();
      await r.arrayBuffer();
      if (r.ok) done++; else failed++;
    }
  }));
  if (failed) console.error(`  (${failed} failed requests)`);
  return done / SECONDS;
}

function writeCase(s, i) {
  return fetch(`${s.base}/api/v1/cases`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: s.cookie, 'x-csrf-token': s.csrf },
    body: JSON.stringify({ description: `基准测试 ${i} 路面有垃圾`, ...HONGQI }),
  });
}

const durable = await start();
let n = 0;
const first = await (await writeCase(durable, n++)).json();
const auth = { headers: { cookie: durable.cookie } };
const healthz = await rate(() => fetch(`${durable.base}/healthz`));
const caseRead = await rate(() => fetch(`${durable.base}/api/v1/cases/${first.case.id}`, auth));
const caseList = await rate(() => fetch(`${durable.base}/api/v1/cases?limit=20`, auth));
const search = await rate(() => fetch(`${durable.base}/api/v1/cases?q=${encodeURIComponent('垃圾')}&limit=20`, auth));
const durableWrites = await rate(() => writeCase(durable, n++));
await durable.stop();
const fast = await start(['--no-fsync']);
const fastWrites = await rate(() => writeCase(fast, n++));
await fast.stop();

const row = (name, value, base) => console.log(`${name.padEnd(34)} ${value.toFixed(0).padStart(7)} req/s   ratio ${(value / base).toFixed(3)}`);
console.log(`${SECONDS} s per phase, ${CONCURRENCY} concurrent clients, release build`);
row('GET /healthz (baseline)', healthz, healthz);
row('GET /api/v1/cases/:id', caseRead, healthz);
row('GET /api/v1/cases?limit=20', caseList, healthz);
row('GET /api/v1/cases?q=垃圾', search, healthz);
row('POST /api/v1/cases --no-fsync (base)', fastWrites, fastWrites);
row('POST /api/v1/cases durable', durableWrites, fastWrites);
