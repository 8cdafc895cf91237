// SPDX-License-Identifier: MIT
// The benchmark's table: turns the measurements of tests/bench/scale.mjs into
// issue 9's figures (value, target, met or not, the numbers behind it) and
// renders them for the terminal and as markdown (tests/bench/results.md).
import { relative } from 'node:path';
import { ROOT, run } from './harness.mjs';

const P99_BOUND_MS = 20;
const RSS_BOUND = 150 * 2 ** 20;
const START_BOUND_MS = 1000;
const P50_GROWTH = 1.3;
const ERROR_SHARE = 0.01; // a phase with more failed requests than this is no measurement

export const sizeName = (n) => (n >= 1e6 && n % 1e5 === 0 ? `${n / 1e6}M` : n >= 1e3 && n % 100 === 0 ? `${n / 1e3}k` : String(n));
export const x = (v) => (Number.isFinite(v) ? `${v.toFixed(2)}x` : 'n/a');
export const ms = (v) => (Number.isFinite(v) ? `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms` : 'n/a');
export const rate = (r) => `${Math.round(r.rps).toLocaleString('en-US')}/s`;

// "invalid" when a wrk phase failed too often, else null.
export function broken(...phases) {
  const bad = phases.filter((p) => p.errors > p.requests * ERROR_SHARE);
  return bad.length ? `invalid (${bad.map((p) => `${p.errors} of ${p.requests} failed`).join(', ')})` : null;
}

const verdict = (ok) => (ok ? 'yes' : 'NO');

// The rows { figure, value, target, met, detail } of one run.
// `results` are per size, smallest first; the second is the large one.
export function figures(results, settings) {
  const [small, large, ...larger] = results;
  const S = sizeName(small.n), L = sizeName(large.n);
  const rows = [];
  const ratioRow = (figure, a, b, bound, detail) => {
    const v = a.rps / b.rps;
    rows.push({ figure, value: x(v), target: `>= ${bound}x`, met: broken(a, b) ?? verdict(v >= bound), detail });
  };
  ratioRow(`GET /cases/:id vs indexed-read floor, ${L}`, large.read, large.floorRead, 0.8,
    `${rate(large.read)} vs ${rate(large.floorRead)}`);
  ratioRow(`List page of 20 vs /healthz, ${L}`, large.list, large.healthz, 0.3,
    `${rate(large.list)} vs ${rate(large.healthz)}`);
  ratioRow(`Durable creation vs insert floor (NORMAL), ${L}`, large.create, large.floorInsert, 0.8,
    `${rate(large.create)} vs ${rate(large.floorInsert)}; create p99 ${ms(large.create.p99)}, rounds of ${large.create.roundSeconds} s`);
  rows.push({
    figure: `Durable creation vs the same with --no-fsync, ${L}`, value: x(large.create.rps / large.createFast.rps),
    target: '(info)', met: broken(large.create, large.createFast) ?? '-', detail: `${rate(large.create)} vs ${rate(large.createFast)}`,
  });
  const p99Row = (figure, phase, floor) => {
    const floorOk = floor.p99 < P99_BOUND_MS;
    rows.push({
      figure, value: ms(phase.p99), target: `< ${P99_BOUND_MS} ms`,
      met: broken(phase, floor) ?? (floorOk ? verdict(phase.p99 < P99_BOUND_MS) : 'n/a (floor over)'),
      detail: `floor p99 ${ms(floor.p99)}; p50 ${ms(phase.p50)}`,
    });
  };
  const c = settings.connections;
  p99Row(`p99 GET /cases/:id at ${c} connections, ${L}`, large.read, large.floorRead);
  p99Row(`p99 list page at ${c} connections, ${L}`, large.list, large.floorRead);
  rows.push({
    figure: `Peak RSS (VmHWM), ${L}`, value: `${(large.memory.peak / 2 ** 20).toFixed(0)} MB`, target: '< 150 MB',
    met: verdict(large.memory.peak < RSS_BOUND), detail: `RSS at the end ${(large.memory.current / 2 ** 20).toFixed(0)} MB`,
  });
  rows.push({
    figure: `Start to listening, ${L}`, value: `${(large.startMs / 1000).toFixed(2)} s`, target: '< 1 s',
    met: verdict(large.startMs < START_BOUND_MS),
    detail: `a restart; first start ${(large.firstStartMs / 1000).toFixed(2)} s; ${S}: ${(small.startMs / 1000).toFixed(2)} s`,
  });
  for (const [name, base] of Object.entries(small.screens)) {
    const other = large.screens[name];
    const v = other.p50 / base.p50;
    const failed = base.status !== 200 || other.status !== 200;
    rows.push({
      figure: `p50 ${name}, ${L} vs ${S}`, value: x(v), target: `<= ${P50_GROWTH}x`,
      met: failed ? `error (${base.status}/${other.status})` : verdict(v <= P50_GROWTH),
      detail: `${ms(other.p50)} vs ${ms(base.p50)}`,
    });
  }
  for (const big of larger) {
    const B = sizeName(big.n);
    for (const [name, base] of Object.entries(small.screens)) {
      const other = big.screens[name];
      const failed = base.status !== 200 || other.status !== 200;
      rows.push({
        figure: `p50 ${name}, ${B} vs ${S}`, value: x(other.p50 / base.p50), target: '(reported)',
        met: failed ? `error (${base.status}/${other.status})` : '-', detail: `${ms(other.p50)} vs ${ms(base.p50)}`,
      });
    }
    rows.push({
      figure: `Start to listening, ${B}`, value: `${(big.startMs / 1000).toFixed(2)} s`, target: '(reported)', met: '-', detail: '',
    });
  }
  return rows;
}

// One line on the machine (harness.mjs's machine()).
export const machineLine = (info) =>
  `${info.cpu}, ${info.cores} cores, Linux ${info.kernel}, ${info.memory}; SQLite ${info.sqlite}, ${info.wrk}, Node ${info.node}`;

// The commit measured: its short hash, "+changes" when the tree differs from it.
export function commitMeasured() {
  return run('git', ['rev-parse', '--short', 'HEAD']).trim() +
    (run('git', ['status', '--porcelain', '--untracked-files=no']).trim() ? '+changes' : '');
}

function header(info, results, settings, commit) {
  const stopgap = results.some((r) => r.kind === 'stopgap');
  return {
    machine: machineLine(info),
    run: `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${commit}; wrk ${settings.connections} connections on the same machine, ` +
      `each side ${settings.seconds} s (longer for slow requests) in ${settings.rounds} rounds alternating with what it is compared with, after ${settings.warmup} s warm-up; ` +
      'p50 from single requests in sequence (Node fetch), the sizes interleaved',
    databases: results.map((r) => `${sizeName(r.n)}: ${r.count.toLocaleString('en-US')} cases (${r.kind}, ${relative(ROOT, r.path)})`).join('; '),
    warning: stopgap
      ? 'STOPGAP databases (tests/bench/stopgap.mjs: filed over HTTP, all created now, nothing overdue, small): ' +
        'these figures show that the harness works, not whether the targets are met.'
      : null,
  };
}

// Display width of a string (CJK characters take two columns).
const width = (s) => [...s].reduce((w, ch) => w + (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1), 0);
const pad = (s, n) => s + ' '.repeat(Math.max(0, n - width(s)));

// `rows` (objects) as columns `cols` aligned for the terminal, under a header line.
export function textTable(rows, cols) {
  const w = cols.map((c) => Math.max(width(c), ...rows.map((r) => width(r[c]))));
  const line = (r) => cols.map((c, i) => pad(r[c], w[i])).join('  ').trimEnd();
  return [line(Object.fromEntries(cols.map((c) => [c, c]))), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)];
}

// The same as markdown lines; `align` is the markdown alignment row.
export function markdownTable(rows, cols, align) {
  const cell = (s) => s.replaceAll('|', '\\|');
  return [`| ${cols.join(' | ')} |`, align, ...rows.map((r) => `| ${cols.map((c) => cell(r[c])).join(' | ')} |`)];
}

const COLUMNS = ['figure', 'value', 'target', 'met', 'detail'];

// The table for the terminal, with the machine at the top.
export function formatTable(info, results, settings, commit) {
  const h = header(info, results, settings, commit);
  const out = [`machine:   ${h.machine}`, `run:       ${h.run}`, `databases: ${h.databases}`];
  if (h.warning) out.push(`WARNING:   ${h.warning}`);
  out.push('', ...textTable(figures(results, settings), COLUMNS));
  return out.join('\n');
}

// The same as markdown.
export function markdownReport(info, results, settings, commit) {
  const h = header(info, results, settings, commit);
  const out = ['# Benchmark results (tests/bench/scale.mjs)', '', `- Machine: ${h.machine}`, `- Run: ${h.run}`,
    `- Databases: ${h.databases}`, ''];
  if (h.warning) out.push(`> **${h.warning}**`, '');
  out.push(...markdownTable(figures(results, settings), COLUMNS, '|---|---:|---|---|---|'));
  return `${out.join('\n')}\n`;
}
