// SPDX-License-Identifier: MIT
// A month's assessment against the size of the history (issue 12): the same
// month scored over HTTP by the release ./chengguan on two generated cities in
// one run, side by side, as the district leader (the whole city): one of 100k
// cases over 2 years, one of 1M cases over 20 years. Both hold about the same
// cases per month, so the ratio shows what the history alone costs; the target
// is within 1.3x. A third city, 1M cases over 2 years (ten times the cases of
// each month), is given beside them with the cost per case of the month, to
// show the cost follows the month's facts.
//
// The same run times the escalation scheduler's scans on each city: its first
// scan catches a generated city up (a burst of notices), the scans after it
// are the steady state (chengguan_escalation_scan_seconds from /metrics).
//
//   make bench-assessment      # builds the missing databases (make bench-db)
//
// Options: --small DB, --large DB, --dense DB (omit with --dense ''),
// --period YYYY-MM (default: the month before the last generated one),
// --samples N (default 15), --scans N (steady-state scans to time, default 3).
import { parseArgs } from 'node:util';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, login, machine, medianLatencies, sleep, sql, startChengguan, workingCopy } from './harness.mjs';

const { values: args } = parseArgs({
  options: {
    small: { type: 'string', default: join(BENCH_DIR, 'cases-100000.db') },
    large: { type: 'string', default: join(BENCH_DIR, 'cases-1000000-y20.db') },
    dense: { type: 'string', default: join(BENCH_DIR, 'cases-1000000.db') },
    period: { type: 'string' },
    samples: { type: 'string', default: '15' },
    scans: { type: 'string', default: '3' },
  },
});
const GROUPS = ['department', 'street', 'community', 'grid', 'inspector', 'operator'];
const METRICS_TOKEN = 'bench-assessment-metrics-0001';
const TARGET = 1.3;
const SCAN_INTERVAL = 4; // seconds between escalation scans

const cities = [
  { name: '100k, 2 years', db: args.small },
  { name: '1M, 20 years', db: args.large },
  ...(args.dense ? [{ name: '1M, 2 years', db: args.dense }] : []),
];
for (const city of cities) {
  if (!existsSync(city.db)) {
    console.error(`assessment bench: no ${city.db}; make bench-db CASES=100000, CASES=1000000 YEARS=20 ` +
      'and CASES=1000000 make them (or pass --dense \'\')');
    process.exit(2);
  }
}

// UTC+8 month bounds in ms.
function monthBounds(period) {
  const [y, m] = period.split('-').map(Number);
  const start = Date.UTC(y, m - 1, 1) - 8 * 3600000;
  return [start, Date.UTC(y, m, 1) - 8 * 3600000];
}

// The month before the last case of the smallest city (a whole month of facts).
function defaultPeriod(db) {
  const [[last]] = sql(db, 'SELECT max(created_at) FROM case_record');
  const d = new Date(Number(last) + 8 * 3600000);
  const before = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1));
  return `${before.getUTCFullYear()}-${String(before.getUTCMonth() + 1).padStart(2, '0')}`;
}

const period = args.period ?? defaultPeriod(args.small);
const [from, to] = monthBounds(period);

// The escalation histogram's count and sum from /metrics.
async function scanMetrics(server) {
  const r = await fetch(`${server.base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  const text = await r.text();
  const value = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { count: value('chengguan_escalation_scan_seconds_count'), sum: value('chengguan_escalation_scan_seconds_sum') };
}

async function waitScans(server, count) {
  for (;;) {
    const m = await scanMetrics(server);
    if (m.count >= count) return m;
    await sleep(200);
  }
}

const m = machine();
console.log(`assessment bench: period ${period} (UTC+8); ${m.cores} cores, ${m.cpu}, ${m.memory}, SQLite ${m.sqlite}`);
const work = join(BENCH_DIR, 'assessment-work');
rmSync(work, { recursive: true, force: true });
const servers = [];
try {
  for (const [i, city] of cities.entries()) {
    const dir = join(work, String(i));
    console.log(`copying ${city.db} ...`);
    city.copy = workingCopy(city.db, dir);
    const [[cases, monthCases, facts]] = sql(city.copy,
      `SELECT (SELECT count(*) FROM case_record),
              (SELECT count(*) FROM case_record WHERE created_at >= ${from} AND created_at < ${to}),
              (SELECT count(*) FROM case_stage WHERE coalesce(deadline, ended_at) >= ${from} AND coalesce(deadline, ended_at) < ${to})`);
    Object.assign(city, { cases: Number(cases), monthCases: Number(monthCases), monthFacts: Number(facts) });
    const server = await startChengguan(city.copy, join(dir, 'server.log'),
      ['--metrics-token', METRICS_TOKEN, '--escalation-interval', String(SCAN_INTERVAL)]);
    servers.push(server);
    city.server = server;
    city.session = await login(server.base, 'leader');
    city.first = await waitScans(server, 1); // the scan at start; the next is SCAN_INTERVAL s later
  }
  for (const city of cities) {
    console.log(`${city.name.padEnd(14)} ${city.cases.toLocaleString('en')} cases; in ${period}: ` +
      `${city.monthCases.toLocaleString('en')} cases reported, ${city.monthFacts.toLocaleString('en')} stage records due`);
  }

  // The escalation scans: the first (catching up) and the steady state after it.
  console.log(`\nescalation scan (every ${SCAN_INTERVAL} s, /metrics):`);
  for (const city of cities) {
    const first = city.first;
    const steady = await waitScans(city.server, 1 + Number(args.scans));
    const after = (steady.sum - first.sum) / (steady.count - first.count);
    city.scan = after;
    console.log(`  ${city.name.padEnd(14)} first scan ${(first.sum * 1000).toFixed(0).padStart(7)} ms, ` +
      `then ${(after * 1000).toFixed(1).padStart(7)} ms per scan (${steady.count - first.count} scans)`);
  }
  // The scheduler keeps scanning in the background during the timings below,
  // on every city alike (a few ms every few seconds).

  console.log(`\nGET /api/v1/assessment?period=${period}&group=... as leader, median of up to ${args.samples} (ms):`);
  console.log(`  ${'group'.padEnd(11)} ${cities.map((c) => c.name.padStart(14)).join(' ')}   1M/100k   per case of the month (dense/sparse)`);
  let worst = 0;
  for (const group of GROUPS) {
    const path = `/api/v1/assessment?period=${period}&group=${group}`;
    const times = await medianLatencies(cities.map((c) => ({ base: c.server.base, path, session: c.session })),
      { samples: Number(args.samples), minimum: 5, budgetMs: 60_000 });
    for (const [i, t] of times.entries()) if (t.status !== 200) throw new Error(`${cities[i].name} ${path}: ${t.status}`);
    const ratio = times[1].p50 / times[0].p50;
    worst = Math.max(worst, ratio);
    const perCase = cities[2]
      ? ((times[2].p50 / cities[2].monthCases) / (times[0].p50 / cities[0].monthCases)).toFixed(2) + 'x'
      : '-';
    console.log(`  ${group.padEnd(11)} ${times.map((t) => t.p50.toFixed(1).padStart(14)).join(' ')}   ` +
      `${ratio.toFixed(2).padStart(6)}x   ${perCase}`);
  }
  console.log(`\nworst 1M-over-20-years / 100k ratio: ${worst.toFixed(2)}x (target within ${TARGET}x)`);
  console.log(`steady escalation scan 1M / 100k: ${(cities[1].scan / cities[0].scan).toFixed(2)}x`);
  if (worst > TARGET) {
    console.error(`FAIL: a month's assessment costs ${worst.toFixed(2)}x on the longer history`);
    process.exitCode = 1;
  }
} finally {
  for (const s of servers) await s.stop();
  rmSync(work, { recursive: true, force: true });
}
