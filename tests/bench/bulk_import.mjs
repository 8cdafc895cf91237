// SPDX-License-Identifier: MIT
// Bulk import throughput (issue 13): the release ./chengguan's CLI imports,
// each into a fresh database holding only the city, a generated file of
// 50,000 org units (1 district, 50 streets, 49,949 communities, rows shuffled
// so parents come after children) as CSV and as XLSX, the same CSV with one
// bad row (everything checked, nothing stored), and 1,000 accounts with
// their passwords (Argon2id hashes, one thread per core; the cost grows
// linearly, --users 10000 takes ten times as long). Prints the wall time, the
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
  options: { units: { type: 'string', default: '50000' }, users: { type: 'string', default: '1000' } },
});
const UNITS = Number(args.units), USERS = Number(args.users);
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
  console.log(JSON.stringify(results));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
