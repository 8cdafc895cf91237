// SPDX-License-Identifier: MIT
// Bulk import throughput (issue 13): the release ./chengguan's CLI imports,
// each into a fresh database holding only the city, a generated file of
// 50,000 org units (1 district, 50 streets, 49,949 communities, rows shuffled
// so parents come after children) as CSV and as XLSX, the same CSV with one
// bad row (everything checked, nothing stored), and 1,000 accounts with
// their passwords (Argon2id hashes, one thread per core; the cost grows
// linearly, --users 10000 takes ten times as long), then 50,000 grid
// assignments (cells imported from GeoJSON first). Prints the wall time, the
// CPU time (user + system, all threads: what a loaded machine does not
// inflate) and rows per second of each.
//
//   make -s chengguan && node tests/bench/bulk_import.mjs [--units N] [--users N]
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, log, machine, run } from './harness.mjs';
import { makeXlsx } from '../api/sheets.mjs';

const { values: args } = parseArgs({
  options: {
    units: { type: 'string', default: '50000' },
    users: { type: 'string', default: '1000' },
    cells: { type: 'string', default: '50000' },
  },
});
const UNITS = Number(args.units), USERS = Number(args.users), CELLS = Number(args.cells);
const PASSWORD = 'bulk-import-bench-2026';

// A deterministic shuffle (a linear congruential generator).
function shuffle(rows) {
  let seed = 12345;
  for (let i = rows.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const j = seed % (i + 1);
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  return rows;
}

function unitRows(count) {
  const rows = [['440802', 'district', '赤坎区', '440800']];
  for (let s = 1; s <= 50 && rows.length < count; s++) {
    const street = `440802${String(s).padStart(3, '0')}`;
    rows.push([street, 'street', `街道${s}`, '440802']);
  }
  for (let c = 0; rows.length < count; c++) {
    const street = `440802${String((c % 50) + 1).padStart(3, '0')}`;
    rows.push([`${street}${String(Math.floor(c / 50) + 1).padStart(3, '0')}`, 'community', `社区${c}`, street]);
  }
  return shuffle(rows);
}

const csv = (rows) => rows.map((r) => r.join(',')).join('\r\n') + '\r\n';

function freshDb(dir, name) {
  const data = join(dir, name);
  run(BIN, ['migrate', '--data-dir', data]);
  run(BIN, ['org-unit', 'add', '--code', '440800', '--type', 'city', '--name', '湛江市', '--data-dir', data]);
  return data;
}

// Runs one import under /usr/bin/time, returns {seconds, cpu, report}.
function timed(data, kind, file, expectStatus = 0) {
  const times = join(data, 'times.txt');
  const started = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', times, BIN, 'import', kind, file, '--data-dir', data],
    { encoding: 'utf8', maxBuffer: 256 << 20 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== expectStatus) throw new Error(`import ${kind}: status ${r.status}: ${r.stderr}`);
  const [user, system] = readFileSync(times, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { seconds, cpu: user + system, report: JSON.parse(r.stdout) };
}

const dir = mkdtempSync(join(tmpdir(), 'cg-bulk-'));
try {
  log(JSON.stringify(machine()), 'load', readFileSync('/proc/loadavg', 'utf8').trim());
  const units = unitRows(UNITS);
  const header = ['代码', '类型', '名称', '上级代码'];
  const csvFile = join(dir, 'units.csv'), xlsxFile = join(dir, 'units.xlsx'), badFile = join(dir, 'bad.csv');
  writeFileSync(csvFile, '\uFEFF' + csv([header, ...units]));
  writeFileSync(xlsxFile, makeXlsx([header, ...units]));
  writeFileSync(badFile, csv([header, ...units, ['440802999', 'street', '错', '440803']]));
  const results = [];
  const note = (what, rows, t) => {
    results.push({ what, rows, seconds: t.seconds, cpu: t.cpu });
    log(`${what}: ${rows} rows in ${t.seconds.toFixed(2)} s = ${Math.round(rows / t.seconds)} rows/s; ` +
      `CPU ${t.cpu.toFixed(2)} s = ${Math.round(rows / t.cpu)} rows/CPU-s`);
  };
  note('org units, CSV', UNITS, timed(freshDb(dir, 'a'), 'org-units', csvFile));
  note('org units, XLSX', UNITS, timed(freshDb(dir, 'b'), 'org-units', xlsxFile));
  const rejected = timed(freshDb(dir, 'c'), 'org-units', badFile, 1);
  if (rejected.report.bad !== 1 || rejected.report.imported !== 0) throw new Error('the bad row was not reported');
  note('org units, CSV, one bad row (checked, nothing stored)', UNITS + 1, rejected);

  const data = freshDb(dir, 'd');
  const streets = [['代码', '类型', '名称', '上级代码'], ['440802', 'district', '赤坎区', '440800'], ['440802001', 'street', '街道', '440802']];
  writeFileSync(join(dir, 'streets.csv'), csv(streets));
  timed(data, 'org-units', join(dir, 'streets.csv'));
  const users = [['用户名', '角色', '单位代码', '姓名', '初始密码']];
  for (let i = 0; i < USERS; i++) users.push([`insp${i}`, 'inspector', '440802001', `巡查员${i}`, PASSWORD]);
  writeFileSync(join(dir, 'users.csv'), csv(users));
  note('accounts, CSV (Argon2id per password)', USERS, timed(data, 'users', join(dir, 'users.csv')));

  // Assignments: communities of 200 cells each (CELLS in all), every cell two
  // inspectors, a patrol zone and a leader.
  const communities = [header];
  const features = [];
  for (let k = 1; k <= Math.ceil(CELLS / 200); k++) {
    const community = `440802001${String(k).padStart(3, '0')}`;
    communities.push([community, 'community', `社区${k}`, '440802001']);
    for (let j = 0; j < 200 && features.length < CELLS; j++) {
      const w = (1100000000 + j * 5000) / 1e7, e = (1100000000 + (j + 1) * 5000) / 1e7;
      const south = (210000000 + k * 5000) / 1e7, north = (210000000 + (k + 1) * 5000) / 1e7;
      features.push({ type: 'Feature', properties: { code: `${community}${String(j + 1).padStart(3, '0')}` },
        geometry: { type: 'Polygon', coordinates: [[[w, south], [e, south], [e, north], [w, north], [w, south]]] } });
    }
  }
  writeFileSync(join(dir, 'communities.csv'), csv(communities));
  timed(data, 'org-units', join(dir, 'communities.csv'));
  writeFileSync(join(dir, 'cells.geojson'), JSON.stringify({ type: 'FeatureCollection', features }));
  run(BIN, ['import', 'grids', join(dir, 'cells.geojson'), '--data-dir', data]);
  const assignments = [['网格', '巡查员', '片区', '网格长']];
  features.forEach((f, i) => assignments.push([f.properties.code, `insp${i % USERS};insp${(i + 1) % USERS}`,
    `Z${i % 20}`, `insp${(i + 2) % USERS}`]));
  writeFileSync(join(dir, 'assignments.csv'), csv(assignments));
  note('assignments, CSV (2 inspectors, zone, leader)', features.length,
    timed(data, 'assignments', join(dir, 'assignments.csv')));
  console.log(JSON.stringify(results));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
