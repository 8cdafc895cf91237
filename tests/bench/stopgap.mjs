// SPDX-License-Identifier: MIT
// A stopgap benchmark database, built over HTTP until the generator of issue 9
// (`make bench-db CASES=N`) lands: the demo city, then N cases filed through
// POST /api/v1/cases by the supervisor (hotline channels) and the three street
// inspectors (patrol), spread over every grid cell, category and a vocabulary of
// complaints; then 60% accepted and 40% of all dispatched to a district
// department. Every case is created "now", so nothing is overdue and the time
// spread of a real city is missing: figures on these databases show the shape
// of the run, not the targets. A few hundred cases a second: use it for small N.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, BIN, call, login, run, sql, startChengguan } from './harness.mjs';

const CONCURRENCY = 32;
const INSPECTORS = { '440902001': 'inspector', '440902002': 'inspector_hx', '440902003': 'inspector_hd' };
const OPERATOR_SOURCES = ['12345', '12345', '12345', '110', '12319', 'video'];
const COMPLAINTS = [
  '井盖缺失', '井盖破损有安全隐患', '路边暴露垃圾无人清理', '暴露垃圾堆积多日', '人行道破损',
  '路灯不亮', '占道经营', '店外经营', '乱张贴小广告', '绿地被踩踏', '树木倒伏', '违章搭建',
  '机动车乱停放', '共享单车乱停', '施工噪音扰民', '污水外溢', '垃圾桶满溢', '道路积水',
  '广告牌破损', '渣土车撒漏',
];

// The path of the stopgap database of `n` cases (built when missing).
export function stopgapPath(n) {
  return join(BENCH_DIR, `stopgap-${n}.db`);
}

// Builds stopgapPath(n) unless it exists; returns its path.
export async function buildStopgap(n, log = console.error) {
  const out = stopgapPath(n);
  if (existsSync(out)) return out;
  const dir = join(BENCH_DIR, `stopgap-${n}.tmp`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const db = join(dir, 'chengguan.db');
  run(BIN, ['seed-demo', '--history-days', '0', '--db', db, '--data-dir', dir, '--log-level', 'warn']);
  const server = await startChengguan(db, join(dir, 'server.log'), ['--no-fsync']);
  try {
    log(`stopgap: filing ${n} cases over HTTP into ${out}`);
    const supervisor = await login(server.base, 'supervisor');
    const places = await placesOf(server.base, supervisor);
    const inspectors = {};
    for (const [street, name] of Object.entries(INSPECTORS)) inspectors[street] = await login(server.base, name);
    const categories = (await call(server.base, '/api/v1/categories')).data.trees
      .flatMap((t) => t.majors.flatMap((m) => m.subclasses)).filter((c) => c.active).map((c) => c.id);
    let next = 0;
    const began = Date.now();
    await parallel(CONCURRENCY, async () => {
      while (next < n) {
        const i = next++;
        const cell = places.cells[i % places.cells.length];
        const patrol = i % 5 < 2 && inspectors[cell.street];
        const body = {
          description: `${COMPLAINTS[(i * 7) % COMPLAINTS.length]}，第${i}号`,
          lat: cell.lat + (((i * 13) % 7) - 3) * 0.0001, lon: cell.lon + (((i * 17) % 7) - 3) * 0.0001,
          category_id: categories[(i * 31) % categories.length],
        };
        if (!patrol) body.source = OPERATOR_SOURCES[i % OPERATOR_SOURCES.length];
        const r = await call(server.base, '/api/v1/cases', { session: patrol || supervisor, method: 'POST', body });
        if (r.status !== 201) throw new Error(`stopgap intake: ${r.status} ${JSON.stringify(r.data)}`);
        if ((i + 1) % 5000 === 0) log(`stopgap: ${i + 1} cases, ${((i + 1) / ((Date.now() - began) / 1000)).toFixed(0)}/s`);
      }
    });
    // Move a share along: accept 60% (a category is set), dispatch 40% of all.
    const [[low, high]] = sql(db, 'SELECT min(id), max(id) FROM case_record').map((r) => r.map(Number));
    let id = low;
    await parallel(CONCURRENCY, async () => {
      while (id <= high) {
        const c = id++;
        if (c % 10 >= 6) continue;
        const post = (action, body) => call(server.base, `/api/v1/cases/${c}/${action}`, { session: supervisor, method: 'POST', body });
        let r = await post('accept', { version: 1 });
        if (r.status === 200 && c % 10 < 4) {
          const department = places.departments[c % places.departments.length];
          r = await post('dispatch', { version: r.data.version, department_id: department });
        }
        if (r.status !== 200) throw new Error(`stopgap transition of case ${c}: ${r.status} ${JSON.stringify(r.data)}`);
      }
    });
  } finally {
    await server.stop();
  }
  renameSync(db, out);
  rmSync(dir, { recursive: true, force: true });
  log(`stopgap: ${out} ready`);
  return out;
}

// The demo city's cells (centre, street) and the district's departments.
async function placesOf(base, session) {
  const grids = (await call(base, '/api/v1/grids', { session })).data.features;
  const cells = grids.map((f) => {
    const ring = f.geometry.coordinates[0].slice(0, -1);
    return {
      code: f.properties.code, street: f.properties.street_code,
      lon: ring.reduce((s, p) => s + p[0], 0) / ring.length,
      lat: ring.reduce((s, p) => s + p[1], 0) / ring.length,
    };
  });
  const district = session.user.org_unit.id;
  const departments = (await call(base, '/api/v1/org-units?type=department', { session })).data.items
    .filter((d) => d.parent_id === district).map((d) => d.id);
  return { cells, departments };
}

// Runs `worker` `count` times concurrently; rejects with the first failure.
async function parallel(count, worker) {
  await Promise.all(Array.from({ length: count }, worker));
}
