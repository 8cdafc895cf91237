// SPDX-License-Identifier: MIT
// Exports of a whole generated city (issue 12): the district supervisor's case
// list exported as CSV and as XLSX from the release ./chengguan, one after the
// other in one run, with rows/s side by side and the server's resident memory
// sampled every 50 ms during each (and its peak, VmHWM). Fails when the peak
// passes --max-rss-mb (150 by default): an export must take constant memory.
//
//   make bench-db CASES=100000 && node tests/bench/export.mjs --db .build/bench/cases-100000.db
//   make bench-export                        # the same, EXPORT_CASES=100000 by default
//
// Options: --db FILE (a generated city; the server migrates it, so give a copy
// you may change), --user NAME (default supervisor), --rounds N (default 1:
// CSV then XLSX, N times), --max-rss-mb N.
import { parseArgs } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, login, machine, startChengguan } from './harness.mjs';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: join(BENCH_DIR, 'cases-100000.db') },
    user: { type: 'string', default: 'supervisor' },
    rounds: { type: 'string', default: '1' },
    'max-rss-mb': { type: 'string', default: '150' },
  },
});
const ROUNDS = Number(args.rounds);
const MAX_RSS = Number(args['max-rss-mb']) * 1024 * 1024;
if (!existsSync(args.db)) {
  console.error(`export bench: no ${args.db}; make one with: make bench-db CASES=100000`);
  process.exit(2);
}

const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1);

// The data rows of a CSV stream: line feeds outside quoted fields, less the header.
function csvRowCounter() {
  let quoted = false, lines = 0;
  return {
    add(chunk) {
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (b === 0x22) quoted = !quoted;
        else if (b === 0x0a && !quoted) lines++;
      }
    },
    get rows() { return lines - 1; },
  };
}

// One export: its bytes, data rows (CSV only), seconds to the first byte and
// in all, and the largest RSS sampled meanwhile.
async function exportOnce(server, session, format) {
  let maxRss = server.memory().current;
  const timer = setInterval(() => { maxRss = Math.max(maxRss, server.memory().current); }, 50);
  const began = performance.now();
  let firstByte = 0, bytes = 0;
  const counter = csvRowCounter();
  try {
    const res = await fetch(`${server.base}/api/v1/cases?format=${format}`, { headers: { cookie: session.cookie } });
    if (res.status !== 200) throw new Error(`${format}: ${res.status} ${await res.text()}`);
    for await (const chunk of res.body) {
      if (!firstByte) firstByte = performance.now() - began;
      bytes += chunk.length;
      if (format === 'csv') counter.add(chunk);
    }
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - began) / 1000;
  maxRss = Math.max(maxRss, server.memory().current);
  return { format, bytes, rows: format === 'csv' ? counter.rows : null, seconds, firstByte: firstByte / 1000, maxRss };
}

const log = join(BENCH_DIR, 'export-server.log');
const server = await startChengguan(args.db, log);
let failed = false;
try {
  const session = await login(server.base, args.user);
  const before = server.memory();
  const m = machine();
  console.log(`export bench: ${args.db} as ${args.user}; ${m.cores} cores, ${m.cpu}, ${m.memory}`);
  console.log(`server RSS before: ${mib(before.current)} MiB (peak since start ${mib(before.peak)} MiB)`);
  for (let round = 0; round < ROUNDS; round++) {
    const csv = await exportOnce(server, session, 'csv');
    const xlsx = await exportOnce(server, session, 'xlsx');
    // The XLSX holds the same cases (the city does not change during the run).
    xlsx.rows = csv.rows;
    for (const r of [csv, xlsx]) {
      console.log(`${r.format.padEnd(4)}  ${String(r.rows).padStart(8)} rows  ${mib(r.bytes).padStart(7)} MiB  ` +
        `${r.seconds.toFixed(2).padStart(7)} s  ${Math.round(r.rows / r.seconds).toString().padStart(7)} rows/s  ` +
        `first byte ${r.firstByte.toFixed(2)} s  max RSS ${mib(r.maxRss)} MiB`);
    }
    console.log(`ratio: CSV ${(xlsx.seconds / csv.seconds).toFixed(2)}x the rows/s of XLSX`);
  }
  const peak = server.memory().peak;
  console.log(`server peak RSS (VmHWM) since its start: ${mib(peak)} MiB (limit ${mib(MAX_RSS)} MiB)`);
  if (peak > MAX_RSS) {
    console.error('FAIL: the export took more memory than the limit');
    failed = true;
  }
} finally {
  await server.stop();
}
if (failed) {
  console.error(readFileSync(log, 'utf8').split('\n').slice(-10).join('\n'));
  process.exit(1);
}
