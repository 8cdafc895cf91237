// SPDX-License-Identifier: MIT
// Prometheus metrics: the whole /metrics text is read by a strict parser of the
// text exposition format (HELP and TYPE lines, name and label grammar, label
// escapes, one group per family, histograms cumulative up to +Inf with _sum and
// _count); the counters move with the requests that were made; the cases by
// state equal the overview's; and /metrics is never public: absent on the main
// port unless a token is configured, and refused without that token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, startDemo, demoClient, runCli, tempDir, assertError, HONGQI } from './lib.mjs';

// ---- a strict parser of the text format (version 0.0.4) ----

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const FLOAT = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

const seriesKey = (name, labels) =>
  `${name}{${Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;

function parseFloatToken(token, where) {
  if (!FLOAT.test(token)) throw new Error(`${where}: not a float: ${token}`);
  if (/Inf$/.test(token)) return token.startsWith('-') ? -Infinity : Infinity;
  return Number(token);
}

// Reads {label="value",...} from line at i; returns [labels, next index].
function parseLabels(line, i, where) {
  const labels = {};
  i++; // '{'
  for (;;) {
    if (line[i] === '}') return [labels, i + 1];
    const name = LABEL_NAME.exec(line.slice(i));
    if (!name) throw new Error(`${where}: bad label name at ${i}`);
    if (name[0].startsWith('__')) throw new Error(`${where}: reserved label name ${name[0]}`);
    if (name[0] in labels) throw new Error(`${where}: label ${name[0]} twice`);
    i += name[0].length;
    if (line.slice(i, i + 2) !== '="') throw new Error(`${where}: expected =" after ${name[0]}`);
    i += 2;
    let value = '';
    for (;;) {
      const c = line[i];
      if (c === undefined) throw new Error(`${where}: unterminated label value`);
      if (c === '"') break;
      if (c === '\\') {
        const e = line[i + 1];
        if (e === '\\') value += '\\';
        else if (e === '"') value += '"';
        else if (e === 'n') value += '\n';
        else throw new Error(`${where}: bad escape \\${e} in a label value`);
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    labels[name[0]] = value;
    i++; // closing quote
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw new Error(`${where}: expected , or } after a label`);
  }
}

// The family a sample name belongs to: its own, or the histogram or summary
// whose _bucket, _sum or _count it is.
function familyOf(families, name) {
  if (families.has(name)) return name;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (m && families.has(m[1])) {
    const type = families.get(m[1]).type;
    if (type === 'histogram' || (type === 'summary' && m[2] !== 'bucket')) return m[1];
  }
  return name;
}

// Checks every series of a histogram family: buckets with increasing bounds
// ending at +Inf, cumulative counts, _count equal to the +Inf bucket, a _sum.
function checkHistogram(family) {
  const groups = new Map();
  const group = (labels) => {
    const { le, ...rest } = labels;
    const key = seriesKey('', rest);
    if (!groups.has(key)) groups.set(key, { buckets: [], sum: null, count: null });
    return groups.get(key);
  };
  for (const s of family.samples) {
    const g = group(s.labels);
    if (s.name === `${family.name}_bucket`) {
      if (!('le' in s.labels)) throw new Error(`${s.name}: a bucket without le`);
      g.buckets.push({ le: parseFloatToken(s.labels.le, s.name), count: s.value });
    } else if ('le' in s.labels) {
      throw new Error(`${s.name}: le outside a bucket`);
    } else if (s.name === `${family.name}_sum`) g.sum = s.value;
    else if (s.name === `${family.name}_count`) g.count = s.value;
    else throw new Error(`${s.name}: not a part of histogram ${family.name}`);
  }
  for (const [key, g] of groups) {
    const where = `${family.name}${key}`;
    if (g.buckets.length === 0) throw new Error(`${where}: no buckets`);
    for (let i = 1; i < g.buckets.length; i++) {
      if (!(g.buckets[i].le > g.buckets[i - 1].le)) throw new Error(`${where}: bucket bounds not increasing`);
      if (g.buckets[i].count < g.buckets[i - 1].count) throw new Error(`${where}: buckets not cumulative`);
    }
    const last = g.buckets[g.buckets.length - 1];
    if (last.le !== Infinity) throw new Error(`${where}: the last bucket is not +Inf`);
    if (g.sum === null) throw new Error(`${where}: no _sum`);
    if (g.count === null) throw new Error(`${where}: no _count`);
    if (g.count !== last.count) throw new Error(`${where}: _count ${g.count} differs from the +Inf bucket ${last.count}`);
  }
}

// Parses a whole exposition. Returns {families: Map(name -> {name, type, help,
// samples}), get(name, labels)}; throws on the first violation of the format.
export function parseExposition(text) {
  if (!text.endsWith('\n')) throw new Error('the text must end with a line feed');
  if (text.includes('\r')) throw new Error('carriage return in the text');
  const families = new Map();
  const series = new Map();
  const finished = new Set();
  let current = null;
  const enter = (name, where) => {
    if (name === current) return;
    if (finished.has(name)) throw new Error(`${where}: ${name} appears in two places (lines of a family must be together)`);
    if (current !== null) finished.add(current);
    current = name;
    if (!families.has(name)) families.set(name, { name, type: null, help: null, samples: [] });
  };
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, n) => {
    const where = `line ${n + 1}`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const meta = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (!meta) return; // an ordinary comment
      const [, kind, name, rest = ''] = meta;
      if (METRIC_NAME.exec(name)?.[0] !== name) throw new Error(`${where}: bad metric name ${name}`);
      enter(name, where);
      const family = families.get(name);
      if (kind === 'HELP') {
        if (family.help !== null) throw new Error(`${where}: a second HELP for ${name}`);
        if (/\\(?![\\n])/.test(rest.replace(/\\\\/g, ''))) throw new Error(`${where}: bad escape in HELP`);
        family.help = rest;
      } else {
        if (family.type !== null) throw new Error(`${where}: a second TYPE for ${name}`);
        if (family.samples.length > 0) throw new Error(`${where}: TYPE after samples of ${name}`);
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type ${rest}`);
        family.type = rest;
      }
      return;
    }
    const nameMatch = METRIC_NAME.exec(line);
    if (!nameMatch) throw new Error(`${where}: bad metric name: ${line}`);
    const name = nameMatch[0];
    let i = name.length;
    let labels = {};
    if (line[i] === '{') [labels, i] = parseLabels(line, i, where);
    if (line[i] !== ' ') throw new Error(`${where}: expected a space before the value`);
    const tokens = line.slice(i + 1).split(' ');
    if (tokens.length > 2 || (tokens.length === 2 && !/^-?\d+$/.test(tokens[1]))) {
      throw new Error(`${where}: expected a value and at most a timestamp`);
    }
    const value = parseFloatToken(tokens[0], where);
    const familyName = familyOf(families, name);
    enter(familyName, where);
    const key = seriesKey(name, labels);
    if (series.has(key)) throw new Error(`${where}: ${key} twice`);
    series.set(key, value);
    families.get(familyName).samples.push({ name, labels, value });
  });
  for (const family of families.values()) {
    if (family.type === 'histogram') checkHistogram(family);
    if (family.type === 'counter') {
      for (const s of family.samples) if (!(s.value >= 0)) throw new Error(`${s.name}: a counter below zero`);
    }
  }
  return { families, get: (name, labels = {}) => series.get(seriesKey(name, labels)) };
}

test('the parser accepts the format and refuses what breaks it', () => {
  const good = '# HELP a_total Help with \\\\ and \\n.\n# TYPE a_total counter\n' +
    'a_total{path="x\\"y\\\\z\\nw",code="200"} 3\n\n' +
    '# TYPE h histogram\nh_bucket{le="0.5"} 1\nh_bucket{le="+Inf"} 2\nh_sum 0.7\nh_count 2\n';
  const p = parseExposition(good);
  assert.equal(p.get('a_total', { path: 'x"y\\z\nw', code: '200' }), 3);
  assert.equal(p.families.get('h').samples.length, 4);
  const bad = {
    'no final line feed': good.slice(0, -1),
    'buckets not cumulative': good.replace('h_bucket{le="0.5"} 1', 'h_bucket{le="0.5"} 5'),
    'no +Inf bucket': good.replace('h_bucket{le="+Inf"} 2\n', ''),
    'no _sum': good.replace('h_sum 0.7\n', ''),
    '_count off': good.replace('h_count 2', 'h_count 3'),
    'bad escape': good.replace('\\\\z', '\\tz'),
    'bad metric name': `${good}1abc 1\n`,
    'family split': `${good}a_total{code="500"} 1\n`,
    'TYPE after samples': good.replace('# TYPE a_total counter\na_total{path="x\\"y\\\\z\\nw",code="200"} 3', 'a_total 3\n# TYPE a_total counter'),
    'duplicate series': good.replace('h_sum 0.7\n', 'h_sum 0.7\nh_sum 0.8\n'),
    'bad value': good.replace('h_sum 0.7', 'h_sum seven'),
    'negative counter': good.replace('code="200"} 3', 'code="200"} -3'),
    'unterminated label': good.replace('code="200"}', 'code="200}'),
  };
  for (const [what, text] of Object.entries(bad)) {
    assert.throws(() => parseExposition(text), Error, what);
  }
});

// ---- the server's metrics ----

const FAMILIES = {
  chengguan_http_requests_total: 'counter',
  chengguan_http_request_duration_seconds: 'histogram',
  chengguan_http_requests_in_flight: 'gauge',
  chengguan_http_open_connections: 'gauge',
  chengguan_handler_queue_depth: 'gauge',
  chengguan_store_write_queue_depth: 'gauge',
  chengguan_store_batch_jobs: 'histogram',
  chengguan_store_batch_seconds: 'histogram',
  chengguan_store_commit_seconds: 'histogram',
  chengguan_store_fsync_seconds: 'histogram',
  chengguan_cases: 'gauge',
  chengguan_escalation_scan_seconds: 'histogram',
  chengguan_escalation_scan_failures_total: 'counter',
  chengguan_escalation_notices_total: 'counter',
  process_cpu_seconds_total: 'counter',
  process_resident_memory_bytes: 'gauge',
  process_virtual_memory_bytes: 'gauge',
  process_open_fds: 'gauge',
  process_max_fds: 'gauge',
  process_start_time_seconds: 'gauge',
  chengguan_build_info: 'gauge',
};

// The metrics listener's port, from the line the server logs at start.
function metricsPort(server) {
  const m = /metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(server.log());
  assert.ok(m, `the metrics address is logged:\n${server.log()}`);
  return Number(m[1]);
}

let server;
let scrapeUrl;
let admin;
before(async () => {
  server = await startDemo({ args: ['--metrics-listen', '127.0.0.1:0'] });
  scrapeUrl = `http://127.0.0.1:${metricsPort(server)}/metrics`;
  admin = await demoClient(server, 'admin');
});
after(async () => { await server.stop(); });

async function scrape(url = scrapeUrl, headers = {}) {
  const r = await fetch(url, { headers });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(await r.text());
}

// A request is counted when the server has finished with it, which can be just
// after the client has its answer: scrapes again (for up to a second) until
// done(p) holds, and returns the last scrape (with its text) either way.
async function scrapeSettled(done) {
  let text = await (await fetch(scrapeUrl)).text();
  let p = parseExposition(text);
  for (let i = 0; i < 20 && !done(p); i++) {
    await new Promise((ok) => setTimeout(ok, 50));
    text = await (await fetch(scrapeUrl)).text();
    p = parseExposition(text);
  }
  return { p, text };
}

const requests = (p, route, status, method = 'GET') =>
  p.get('chengguan_http_requests_total', { method, route, status: String(status) }) ?? 0;
const histogramCount = (p, name, labels = {}) => p.get(`${name}_count`, labels) ?? 0;

test('every family is there with its HELP and TYPE, and every line parses', async () => {
  const p = await scrape();
  for (const [name, type] of Object.entries(FAMILIES)) {
    const family = p.families.get(name);
    assert.ok(family, `${name} is exported`);
    assert.equal(family.type, type, `${name} type`);
    assert.ok(family.help && family.help.length > 5, `${name} has help`);
  }
  for (const family of p.families.values()) {
    assert.ok(family.type, `${family.name} has a TYPE`);
    if (family.type === 'counter') assert.match(family.name, /_total$/);
  }
  const meta = await admin.get('/api/v1/meta');
  assert.equal(p.families.get('chengguan_build_info').samples[0].labels.version, meta.data.version);
  assert.equal(p.families.get('chengguan_build_info').samples[0].labels.schema, String(meta.data.schema_version));
  assert.ok(p.get('process_resident_memory_bytes') > 1e6);
  assert.ok(p.get('process_open_fds') > 3);
  assert.ok(p.get('process_open_fds') < p.get('process_max_fds'));
  assert.ok(Math.abs(Date.now() / 1000 - p.get('process_start_time_seconds')) < 600);
});

test('the request counter and latency histogram of a route move with its requests', async () => {
  const before = await scrape();
  for (let i = 0; i < 5; i++) assert.equal((await fetch(`${server.base}/healthz`)).status, 200);
  const { p: after } = await scrapeSettled((p) => requests(p, '/healthz', 200) - requests(before, '/healthz', 200) >= 5 &&
    p.get('chengguan_http_requests_in_flight') === 0);
  assert.equal(requests(after, '/healthz', 200) - requests(before, '/healthz', 200), 5);
  const labels = { method: 'GET', route: '/healthz' };
  const name = 'chengguan_http_request_duration_seconds';
  assert.equal(histogramCount(after, name, labels) - histogramCount(before, name, labels), 5);
  assert.ok(after.get(`${name}_sum`, labels) > (before.get(`${name}_sum`, labels) ?? 0));
  // Nothing is in flight or queued once the answers are in.
  assert.equal(after.get('chengguan_http_requests_in_flight'), 0);
  assert.equal(after.get('chengguan_handler_queue_depth'), 0);
  assert.equal(after.get('chengguan_store_write_queue_depth'), 0);
});

test('requests are labelled by the route pattern, never by the raw path', async () => {
  const before = await scrape();
  assertError(await admin.get('/api/v1/cases/987654321'), 404, 'not_found');
  assertError(await admin.get('/api/v1/no-such-thing-4711'), 404, 'not_found');
  const moved = (p, route, method) => requests(p, route, 404, method) - requests(before, route, 404, method);
  const { p: after, text } = await scrapeSettled((p) => moved(p, '/api/v1/cases/:id') >= 1 && moved(p, '(unmatched)', '') >= 1);
  assert.equal(requests(after, '/api/v1/cases/:id', 404) - requests(before, '/api/v1/cases/:id', 404), 1);
  assert.equal(requests(after, '(unmatched)', 404, '') - requests(before, '(unmatched)', 404, ''), 1);
  assert.doesNotMatch(text, /987654321|4711/);
});

test('a filed case moves the writer metrics, and the cases by state equal the overview', async () => {
  const before = await scrape();
  const inspector = await demoClient(server, 'inspector');
  const filed = await inspector.post('/api/v1/cases', { description: '指标测试：井盖缺失', ...HONGQI });
  assert.equal(filed.status, 201, filed.text);
  const filings = (p) => requests(p, '/api/v1/cases', 201, 'POST') - requests(before, '/api/v1/cases', 201, 'POST');
  const { p: after } = await scrapeSettled((p) => filings(p) >= 1);
  assert.equal(filings(after), 1);
  for (const name of ['chengguan_store_batch_jobs', 'chengguan_store_batch_seconds', 'chengguan_store_commit_seconds']) {
    assert.ok(histogramCount(after, name) > histogramCount(before, name), `${name} counted the commit`);
  }
  assert.ok(after.get('chengguan_store_batch_jobs_sum') > before.get('chengguan_store_batch_jobs_sum'));
  const fsyncs = (p) => histogramCount(p, 'chengguan_store_fsync_seconds', { file: 'wal' });
  assert.ok(fsyncs(after) > fsyncs(before), 'the commit was synced to disk');
  const state = (p, s) => p.get('chengguan_cases', { state: s });
  assert.equal(state(after, filed.data.case.state) - state(before, filed.data.case.state), 1);

  const overview = await admin.get('/api/v1/stats/overview');
  assert.equal(overview.status, 200, overview.text);
  const states = Object.keys(overview.data.by_state);
  assert.ok(states.length >= 10);
  for (const s of states) assert.equal(state(after, s), overview.data.by_state[s], `cases in state ${s}`);
  assert.equal(after.families.get('chengguan_cases').samples.length, states.length);
});

test('the escalation scan at start is timed; the notices have a counter per level', async () => {
  // The scheduler scans once at start on its own thread: wait for it.
  let p = await scrape();
  for (let i = 0; i < 50 && histogramCount(p, 'chengguan_escalation_scan_seconds') === 0; i++) {
    await new Promise((ok) => setTimeout(ok, 100));
    p = await scrape();
  }
  assert.ok(histogramCount(p, 'chengguan_escalation_scan_seconds') >= 1, 'the scan at start is counted');
  assert.ok(p.get('chengguan_escalation_scan_seconds_sum') > 0);
  assert.equal(p.get('chengguan_escalation_scan_failures_total'), 0);
  assert.ok(p.get('chengguan_escalation_notices_total', { level: 'remind' }) >= 0);
  assert.ok(p.get('chengguan_escalation_notices_total', { level: 'supervise' }) >= 0);
});

test('open connections are counted on the main port', async () => {
  const sockets = await Promise.all([1, 2, 3].map(() => new Promise((resolve, reject) => {
    const s = net.connect(server.port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  })));
  try {
    await new Promise((r) => setTimeout(r, 200));
    const p = await scrape();
    assert.ok(p.get('chengguan_http_open_connections') >= 3, `${p.get('chengguan_http_open_connections')} connections`);
  } finally {
    for (const s of sockets) s.destroy();
  }
});

test('the metrics listener serves /metrics only, and the main port has none', async () => {
  const base = scrapeUrl.replace('/metrics', '');
  assert.equal((await fetch(`${base}/healthz`)).status, 404);
  const post = await fetch(scrapeUrl, { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
  // Without a token, /metrics is not on the public port at all.
  assert.equal((await fetch(`${server.base}/metrics`)).status, 404);
});

test('a metrics address already in use is refused at start', () => {
  const dir = tempDir('metrics-busy-');
  const r = runCli(['serve', '--port', '0', '--data-dir', dir, '--metrics-listen', scrapeUrl.slice(7, -8)]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /cannot listen for metrics on 127\.0\.0\.1:\d+/);
});

test('bad metrics options are refused with status 2', () => {
  const dir = tempDir('metrics-opts-');
  for (const args of [['--metrics-listen', 'localhost'], ['--metrics-listen', '127.0.0.1:99999'],
    ['--metrics-listen', '127.0.0.1'], ['--metrics-token', 'short']]) {
    const r = runCli(['serve', '--port', '0', '--data-dir', dir, ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /metrics/);
  }
});

test('with a token, /metrics is on the main port and refused without the token', async () => {
  const token = 'metrics-token-for-the-test-0123';
  const tokened = await startServer({ env: { CHENGGUAN_METRICS_TOKEN: token }, args: ['--metrics-listen', '127.0.0.1:0'] });
  try {
    const url = `${tokened.base}/metrics`;
    // Plain fetch, not a Client: /metrics is outside the OpenAPI document of the
    // JSON API, whose check reads every Client exchange.
    const get = async (headers = {}) => {
      const r = await fetch(url, { headers });
      const text = await r.text();
      return { status: r.status, headers: r.headers, text, data: JSON.parse(text) };
    };
    const none = await get();
    assertError(none, 401, 'unauthenticated');
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    assertError(await get({ authorization: `Bearer ${token}x` }), 401, 'unauthenticated');
    assertError(await get({ authorization: token }), 401, 'unauthenticated');
    const p = await scrape(url, { authorization: `Bearer ${token}` });
    assert.ok(p.families.has('chengguan_http_requests_total'));
    // The refused scrapes were counted under the /metrics route itself.
    assert.equal(requests(p, '/metrics', 401), 3);
    // The separate listener asks for the token too, once one is set.
    const listener = `http://127.0.0.1:${metricsPort(tokened)}/metrics`;
    assert.equal((await fetch(listener)).status, 401);
    await scrape(listener, { authorization: `Bearer ${token}` });
  } finally {
    await tokened.stop();
  }
});
