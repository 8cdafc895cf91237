// SPDX-License-Identifier: MIT
// Geocoding latency on the demo gazetteer and on a city-sized one (issue 13):
// the release ./chengguan on a demo city, timed over HTTP (median of single
// requests, one after another) for an exact typed address, a 2-character
// prefix, a 2-character term inside names, a single character, reverse
// geocoding and a base-map box; then a generated gazetteer of 5,000 roads and
// 200,000 house numbers (plus 2,000 landmarks) is imported with the CLI and the
// same requests are timed again. The target is under 20 ms.
//
//   make -s chengguan && node tests/bench/gazetteer.mjs [--roads N] [--numbers-per-road N]
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, log, machine, medianLatencies, run, startServer } from './harness.mjs';

const { values: args } = parseArgs({
  options: {
    roads: { type: 'string', default: '5000' },
    'numbers-per-road': { type: 'string', default: '40' },
    landmarks: { type: 'string', default: '2000' },
    samples: { type: 'string', default: '41' },
  },
});
const TARGET_MS = 20;
// Distinct characters (a road name must not repeat: its numbers would clash).
const CHARS = [...new Set('油城人民光华红旗新文明官渡站前双山环市迎宾健康和平解放建设东西南北中河江湖岭田园桥港金银龙凤')];
const SUFFIX = ['路', '街', '大道', '巷'];

// Road i's name: two characters of CHARS, a sequence number where needed, a suffix.
function roadName(i) {
  const n = CHARS.length;
  const a = CHARS[i % n];
  const b = CHARS[Math.floor(i / n) % n];
  const round = Math.floor(i / (n * n));
  return `${a}${b}${round ? `${round + 1}` : ''}${SUFFIX[i % SUFFIX.length]}`;
}

// A city of roads on a 0.18-degree square around the demo city: each road a
// slightly bent line of 12 vertices, numbers every few metres along it.
function generate(roads, perRoad, landmarks) {
  const features = [];
  let seed = 42;
  const random = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  for (let i = 0; i < roads; i++) {
    const eastWest = i % 2 === 0;
    const at = eastWest ? 21.57 + random() * 0.18 : 110.83 + random() * 0.18;
    const from = (eastWest ? 110.83 : 21.57) + random() * 0.12;
    const step = 0.0005 + random() * 0.0005;
    const line = [];
    for (let k = 0; k < 12; k++) {
      const along = from + k * step;
      const bend = (random() - 0.5) * 0.0001;
      line.push(eastWest ? [along, at + bend] : [at + bend, along]);
    }
    const name = roadName(i);
    features.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: line }, properties: { layer: 'road', name, kind: 'residential' } });
    for (let n = 1; n <= perRoad; n++) {
      const along = from + (n / (perRoad + 1)) * 11 * step;
      const side = (n % 2 ? 1 : -1) * 0.0001;
      const point = eastWest ? [along, at + side] : [at + side, along];
      features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: point }, properties: { layer: 'address', road: name, number: String(n) } });
    }
  }
  for (let i = 0; i < landmarks; i++) {
    features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [110.83 + random() * 0.18, 21.57 + random() * 0.18] },
      properties: { layer: 'landmark', name: `${roadName(i * 7)}${['小学', '市场', '公园', '医院'][i % 4]}`, kind: 'poi' } });
  }
  return { type: 'FeatureCollection', features };
}

const TARGETS = [
  ['typed address 油城五路12号', `/api/v1/geocode?q=${encodeURIComponent('油城五路12号')}`],
  ['prefix 油城', `/api/v1/geocode?q=${encodeURIComponent('油城')}`],
  ['term inside 五路', `/api/v1/geocode?q=${encodeURIComponent('五路')}`],
  ['one character 路', `/api/v1/geocode?q=${encodeURIComponent('路')}`],
  ['reverse', '/api/v1/geocode/reverse?lat=21.6602&lon=110.9155'],
  ['base map 0.02 deg box', '/api/v1/basemap?bbox=110.90,21.64,110.92,21.66'],
  ['base map 0.1 deg box', '/api/v1/basemap?bbox=110.86,21.60,110.96,21.70'],
];

async function measure(dir, label) {
  const server = await startServer(BIN, ['serve', '--port', '0', '--data-dir', dir, '--log-level', 'info'], join(dir, `${label}.log`));
  try {
    const results = await medianLatencies(TARGETS.map(([, path]) => ({ base: server.base, path })), { samples: Number(args.samples), budgetMs: 20_000 });
    return TARGETS.map(([name], i) => ({ name, ...results[i] }));
  } finally {
    await server.stop();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'cg-gazetteer-'));
try {
  run(BIN, ['seed-demo', '--data-dir', dir]);
  const demo = await measure(dir, 'demo');
  const collection = generate(Number(args.roads), Number(args['numbers-per-road']), Number(args.landmarks));
  const file = join(dir, 'city.geojson');
  writeFileSync(file, JSON.stringify(collection));
  const began = performance.now();
  const report = JSON.parse(run(BIN, ['import', 'gazetteer', file, '--data-dir', dir]));
  const importSeconds = (performance.now() - began) / 1000;
  const city = await measure(dir, 'city');
  const rows = demo.map((d, i) => ({ request: d.name, demo_p50_ms: +d.p50.toFixed(2), city_p50_ms: +city[i].p50.toFixed(2), samples: city[i].samples }));
  console.log(JSON.stringify({ machine: machine(), imported: report.imported, import_seconds: +importSeconds.toFixed(1), target_ms: TARGET_MS, rows }, null, 2));
  const slow = rows.filter((r) => !(r.city_p50_ms < TARGET_MS));
  if (slow.length) log(`over ${TARGET_MS} ms: ${slow.map((r) => r.request).join(', ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
