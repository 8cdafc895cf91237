// SPDX-License-Identifier: MIT
// Open311 GeoReport v2 under /open311/v2/: every endpoint in JSON (checked
// against the JSON Schemas below, with Ajv) and in XML (parsed here and, when
// libxml2-utils is installed, by xmllint too); the specification's errors for a
// bad api_key, an unknown service, a missing location, bad dates and another
// jurisdiction; paging and the status filter; a request filed the way
// client libraries send it (a form) becomes a case the staff API shows,
// and no personal data ever leaves through Open311.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import Ajv2020 from 'ajv/dist/2020.js';
import { startDemo, demoClient, runCli, uploadPhoto, Client, HONGQI, HEXI } from './lib.mjs';

let server;
let anonymous;
let supervisor;
let apiKey;
const V2 = '/open311/v2';

before(async () => {
  server = await startDemo();
  anonymous = new Client(server.base);
  supervisor = await demoClient(server, 'supervisor');
  const issued = runCli(['token', 'add', 'open311-app', '--channel', '12345', '--user', 'operator', '--data-dir', server.dataDir]);
  assert.equal(issued.status, 0, issued.stderr);
  apiKey = issued.stdout.trim();
});
after(async () => { await server.stop(); });

// ---- JSON Schemas of the specification's answers ----

const dateTime = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\+08:00$' };
const nullable = (schema) => ({ anyOf: [schema, { type: 'null' }] });
const strict = (properties) => ({ type: 'object', additionalProperties: false, required: Object.keys(properties), properties });
const SCHEMAS = {
  errors: { type: 'array', minItems: 1, maxItems: 1, items: strict({ code: { type: 'integer' }, description: { type: 'string', minLength: 1 } }) },
  discovery: strict({
    changeset: { type: 'string' }, contact: { type: 'string' }, key_service: { type: 'string' },
    endpoints: { type: 'array', minItems: 1, items: strict({
      specification: { const: 'http://wiki.open311.org/GeoReport_v2' }, url: { type: 'string', pattern: '/open311/v2$' },
      changeset: { type: 'string' }, type: { enum: ['production', 'test'] },
      formats: { type: 'array', items: { enum: ['text/xml', 'application/json'] }, minItems: 2 },
    }) },
  }),
  services: { type: 'array', minItems: 50, items: strict({
    service_code: { type: 'string', pattern: '^(component|event)-\\d{4}$' }, service_name: { type: 'string', minLength: 1 },
    description: { type: 'string' }, metadata: { type: 'boolean' }, type: { enum: ['realtime', 'batch', 'blackbox'] },
    keywords: { type: 'string' }, group: { type: 'string', minLength: 1 },
  }) },
  definition: strict({ service_code: { type: 'string' }, attributes: { type: 'array' } }),
  requests: { type: 'array', items: strict({
    service_request_id: { type: 'string', pattern: '^\\d{14}$' }, status: { enum: ['open', 'closed'] },
    status_notes: { type: 'string' }, service_name: nullable({ type: 'string' }), service_code: nullable({ type: 'string' }),
    description: { type: 'string' }, agency_responsible: nullable({ type: 'string' }), service_notice: nullable({ type: 'string' }),
    requested_datetime: dateTime, updated_datetime: dateTime, expected_datetime: nullable(dateTime),
    address: { type: 'string' }, address_id: nullable({ type: 'string' }), zipcode: nullable({ type: 'string' }),
    lat: nullable({ type: 'number' }), long: nullable({ type: 'number' }), media_url: nullable({ type: 'string' }),
  }) },
  created: { type: 'array', minItems: 1, maxItems: 1, items: strict({
    service_request_id: { type: 'string', pattern: '^\\d{14}$' }, service_notice: { type: 'string' }, account_id: nullable({ type: 'string' }),
  }) },
  tokens: { type: 'array', minItems: 1, items: strict({ service_request_id: { type: 'string' }, token: { type: 'string' } }) },
};
const ajv = new Ajv2020({ allErrors: true, strict: true });
const validators = Object.fromEntries(Object.entries(SCHEMAS).map(([name, schema]) => [name, ajv.compile(schema)]));

function assertSchema(name, data) {
  const validate = validators[name];
  assert.ok(validate(data), `${name}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(data).slice(0, 400)}`);
}

test('the schema checks can fail', () => {
  assert.equal(validators.requests([{ service_request_id: '1', status: 'pending' }]), false);
  assert.equal(validators.errors({ error: { code: 'not_found' } }), false);
});

// ---- a small XML reader: elements, text and the five entities ----

function parseXml(text) {
  let at = 0;
  const fail = (why) => { throw new Error(`XML: ${why} at ${at}: ${text.slice(at, at + 40)}`); };
  const decode = (s) => {
    if (/&(?!(amp|lt|gt|quot|apos);)/.test(s)) fail('a bare &');
    return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  };
  const declaration = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n?/.exec(text);
  if (!declaration) fail('no UTF-8 declaration');
  at = declaration[0].length;
  function element() {
    const open = /^<([A-Za-z_][\w.-]*)\s*(\/?)>/.exec(text.slice(at));
    if (!open) fail('an element expected');
    at += open[0].length;
    const node = { name: open[1], children: [], text: '' };
    if (open[2]) return node;
    for (;;) {
      if (text.startsWith('</', at)) {
        const close = new RegExp(`^</${open[1]}>`).exec(text.slice(at));
        if (!close) fail(`</${open[1]}> expected`);
        at += close[0].length;
        return node;
      }
      if (text[at] === '<') { node.children.push(element()); continue; }
      const end = text.indexOf('<', at);
      if (end < 0) fail('unclosed element');
      node.text += decode(text.slice(at, end));
      at = end;
    }
  }
  const root = element();
  if (text.slice(at).trim() !== '') fail('text after the root');
  return root;
}

// An element's children as {name: text}, for leaf children.
const leaves = (node) => Object.fromEntries(node.children.map((c) => [c.name, c.text]));

const haveXmllint = spawnSync('xmllint', ['--version']).status === 0;
function assertWellFormed(text) {
  if (!haveXmllint) return;
  const run = spawnSync('xmllint', ['--noout', '-'], { input: text });
  assert.equal(run.status, 0, `xmllint: ${run.stderr}`);
}

test('the XML reader can fail', () => {
  assert.throws(() => parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a><b></a>'));
  assert.throws(() => parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a>x & y</a>'));
  assert.throws(() => parseXml('<a/>'));
});

async function getXml(path, status = 200) {
  const r = await anonymous.get(path);
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type'), /^text\/xml; charset=utf-8/);
  assertWellFormed(r.text);
  return parseXml(r.text);
}

async function getJson(path, schema, status = 200) {
  const r = await anonymous.get(path);
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assertSchema(schema, r.data);
  return r.data;
}

// The specification's error, in JSON or XML, with its status.
async function assertSpecError(promise, status, format, pattern) {
  const r = await promise;
  assert.equal(r.status, status, r.text);
  if (format === 'json') {
    assertSchema('errors', r.data);
    assert.equal(r.data[0].code, status);
    if (pattern) assert.match(r.data[0].description, pattern);
  } else {
    assertWellFormed(r.text);
    const root = parseXml(r.text);
    assert.equal(root.name, 'errors');
    assert.equal(root.children.length, 1);
    assert.equal(root.children[0].name, 'error');
    const error = leaves(root.children[0]);
    assert.equal(error.code, String(status));
    if (pattern) assert.match(error.description, pattern);
  }
}

// POSTs a form the way Open311 client libraries send it.
function postForm(fields, format = 'json', path = `${V2}/requests.${format}`) {
  const body = new URLSearchParams(fields).toString();
  return anonymous.request('POST', path, { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
}

async function file(fields = {}) {
  const r = await postForm({ api_key: apiKey, service_code: 'event-0102', lat: HONGQI.lat, long: HONGQI.lon, description: '路边垃圾堆积', ...fields });
  assert.equal(r.status, 201, r.text);
  assertSchema('created', r.data);
  return r.data[0].service_request_id;
}

test('discovery names the GeoReport v2 endpoint and both formats', async () => {
  const json = await getJson(`${V2}/discovery.json`, 'discovery');
  assert.deepEqual(json.endpoints[0].formats.sort(), ['application/json', 'text/xml']);
  for (const path of [`${V2}/discovery.xml`, `${V2}/discovery`]) {
    const xml = await getXml(path);
    assert.equal(xml.name, 'discovery');
    const endpoint = xml.children.find((c) => c.name === 'endpoints').children[0];
    assert.equal(endpoint.name, 'endpoint');
    assert.equal(leaves(endpoint).specification, 'http://wiki.open311.org/GeoReport_v2');
    assert.deepEqual(endpoint.children.find((c) => c.name === 'formats').children.map((f) => f.name), ['format', 'format']);
  }
});

test('services are the category subclasses, named in zh by default and in en by locale', async () => {
  const zh = await getJson(`${V2}/services.json`, 'services');
  const garbage = zh.find((s) => s.service_code === 'event-0102');
  assert.equal(garbage.service_name, '暴露垃圾');
  assert.equal(garbage.type, 'realtime');
  assert.equal(garbage.metadata, false);
  assert.ok(garbage.keywords.split(',').includes('暴露垃圾') || garbage.keywords.length > 0, garbage.keywords);
  assert.ok(zh.some((s) => s.service_code === 'component-0101'), 'both trees are services');
  assert.equal(new Set(zh.map((s) => s.service_code)).size, zh.length, 'service codes are unique');
  const en = await getJson(`${V2}/services.json?locale=en`, 'services');
  assert.equal(en.find((s) => s.service_code === 'event-0102').service_name, 'Exposed garbage');
  assert.match(en.find((s) => s.service_code === 'event-0102').group, /^[\x20-\x7e]+$/);
  const xml = await getXml(`${V2}/services.xml`);
  assert.equal(xml.name, 'services');
  assert.equal(xml.children.length, zh.length);
  assert.ok(xml.children.every((c) => c.name === 'service'));
  const first = leaves(xml.children[0]);
  assert.deepEqual(Object.keys(first).sort(), ['description', 'group', 'keywords', 'metadata', 'service_code', 'service_name', 'type']);
  assert.equal(first.metadata, 'false');
  assert.equal((await getXml(`${V2}/services`)).children.length, zh.length, 'no suffix: XML');
});

test('a service definition has an empty attribute list; an unknown service is a 404 in the spec format', async () => {
  const json = await getJson(`${V2}/services/event-0102.json`, 'definition');
  assert.deepEqual(json, { service_code: 'event-0102', attributes: [] });
  const xml = await getXml(`${V2}/services/event-0102.xml`);
  assert.equal(xml.name, 'service_definition');
  assert.equal(leaves(xml).service_code, 'event-0102');
  assert.deepEqual(xml.children.find((c) => c.name === 'attributes').children, []);
  await assertSpecError(anonymous.get(`${V2}/services/event-9999.json`), 404, 'json', /service_code/);
  await assertSpecError(anonymous.get(`${V2}/services/event-9999.xml`), 404, 'xml', /service_code/);
  await assertSpecError(anonymous.get(`${V2}/services/0102.json`), 404, 'json');
  await assertSpecError(anonymous.get(`${V2}/services/event-0102.csv`), 404, 'xml', /json or \.xml/);
  // A path no route has is the API's 404, never a page of the front end.
  const missing = await anonymous.get(`${V2}/nothing.json`);
  assert.equal(missing.status, 404);
  assert.equal(missing.data.error.code, 'not_found');
});

test('a form-encoded request as client libraries send it becomes a case, seen through Open311 and the case API', async () => {
  const description = '垃圾 & 杂物 <堆在> "路口" 已三天';
  const r = await postForm({
    api_key: apiKey, jurisdiction_id: '4409', service_code: 'event-0102', lat: String(HONGQI.lat), long: String(HONGQI.lon),
    address_string: '站前路', email: 'citizen@example.com', device_id: 'dev-1', account_id: 'acct-7',
    first_name: '三', last_name: '张', phone: '13812345678', description, media_url: 'https://example.com/p.jpg',
    'attribute[size]': 'large',
  });
  assert.equal(r.status, 201, r.text);
  assertSchema('created', r.data);
  const id = r.data[0].service_request_id;
  assert.equal(r.data[0].account_id, 'acct-7');
  // Through Open311, in JSON and XML.
  const [one] = await getJson(`${V2}/requests/${id}.json`, 'requests');
  assert.equal(one.service_request_id, id);
  assert.equal(one.status, 'open');
  assert.equal(one.service_code, 'event-0102');
  assert.equal(one.service_name, '暴露垃圾');
  assert.equal(one.description, description);
  assert.equal(one.lat, HONGQI.lat);
  assert.equal(one.long, HONGQI.lon);
  assert.match(one.address_id, /^\d{15}$/, 'the grid cell');
  assert.ok(one.expected_datetime > one.requested_datetime, 'the deadline lies ahead');
  assert.equal(one.media_url, null, 'no photo is public');
  const xml = await getXml(`${V2}/requests/${id}.xml`);
  assert.equal(xml.name, 'service_requests');
  assert.equal(xml.children[0].name, 'request');
  const item = leaves(xml.children[0]);
  assert.equal(item.description, description, 'XML escapes & < > and reads back the same');
  assert.equal(item.service_request_id, id);
  assert.equal(item.media_url, '');
  assert.equal(item.lat, String(HONGQI.lat));
  // No personal data anywhere in the answers.
  for (const text of [JSON.stringify(one), (await anonymous.get(`${V2}/requests/${id}.xml`)).text,
    (await anonymous.get(`${V2}/requests.json`)).text]) {
    for (const secret of ['13812345678', '张', 'citizen@example.com', 'dev-1', 'operator'])
      assert.ok(!text.includes(secret), `${secret} leaked`);
  }
  // Through the case API: filed as the hotline intake files, on the token's channel.
  const list = await supervisor.get('/api/v1/cases?source=12345');
  assert.equal(list.status, 200, list.text);
  const row = list.data.items.find((c) => c.case_no === id);
  assert.ok(row, 'the staff list shows the case');
  const staff = await supervisor.get(`/api/v1/cases/${row.id}`);
  assert.equal(staff.data.source, '12345');
  assert.equal(staff.data.citizen_phone, '13812345678');
  assert.equal(staff.data.citizen_name, '三 张');
  assert.equal(staff.data.category.code, '0102');
  assert.equal(staff.data.description, description);
  // The token of the request is its id.
  const tokens = await getJson(`${V2}/tokens/${id}.json`, 'tokens');
  assert.deepEqual(tokens, [{ service_request_id: id, token: id }]);
  const tokenXml = await getXml(`${V2}/tokens/${id}.xml`);
  assert.deepEqual(leaves(tokenXml.children[0]), { service_request_id: id, token: id });
  await assertSpecError(anonymous.get(`${V2}/tokens/20000101000001.json`), 404, 'json', /token/);
  await assertSpecError(anonymous.get(`${V2}/requests/20000101000001.xml`), 404, 'xml', /service_request_id/);
});

test('a JSON body works too, the XML answer of a filing, and an address alone is geocoded', async () => {
  const r = await anonymous.request('POST', `${V2}/requests.json`, {
    json: { api_key: apiKey, service_code: 'event-0104', lat: HEXI.lat, long: HEXI.lon, description: '道路不洁' },
  });
  assert.equal(r.status, 201, r.text);
  assertSchema('created', r.data);
  const form = new URLSearchParams({ api_key: apiKey, service_code: 'event-0104', lat: HEXI.lat, long: HEXI.lon, locale: 'en' }).toString();
  const xmlPost = await anonymous.request('POST', `${V2}/requests.xml`, { body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(xmlPost.status, 201, xmlPost.text);
  assertWellFormed(xmlPost.text);
  const created = parseXml(xmlPost.text);
  assert.equal(created.name, 'service_requests');
  const answer = leaves(created.children[0]);
  assert.match(answer.service_request_id, /^\d{14}$/);
  assert.match(answer.service_notice, /^[\x20-\x7e]+$/, 'en notice');
  // Without a suffix both answer XML, the specification's required format.
  const bare = await postForm({ api_key: apiKey, service_code: 'event-0104', lat: HEXI.lat, long: HEXI.lon, description: '无后缀' }, 'xml', `${V2}/requests`);
  assert.equal(bare.status, 201, bare.text);
  assert.match(bare.headers.get('content-type'), /^text\/xml/);
  const bareId = leaves(parseXml(bare.text).children[0]).service_request_id;
  const bareList = await getXml(`${V2}/requests?service_code=event-0104`);
  assert.ok(bareList.children.some((c) => leaves(c).service_request_id === bareId));
  // No description: the service's name says what it is.
  const [blank] = await getJson(`${V2}/requests/${answer.service_request_id}.json`, 'requests');
  assert.equal(blank.description, '道路不洁');
  // An address alone is placed as every intake places it: an exact house
  // number is certain; a road alone is filed unplaced, by its words.
  const hit = await anonymous.get(`/api/v1/geocode?q=${encodeURIComponent('红旗路31号')}`);
  assert.equal(hit.status, 200, hit.text);
  assert.equal(hit.data.items[0].kind, 'address', 'the demo gazetteer knows the number');
  const id = await file({ lat: '', long: '', address_string: '红旗路31号' });
  const [placed] = await getJson(`${V2}/requests/${id}.json`, 'requests');
  assert.equal(placed.address, '红旗路31号');
  assert.equal(placed.lat, hit.data.items[0].lat);
  assert.equal(placed.long, hit.data.items[0].lon);
  assert.equal(placed.address_id, hit.data.items[0].cell.code, 'in the cell of that number');
  const roadOnly = await file({ lat: '', long: '', address_string: '站前路' });
  const [unplaced] = await getJson(`${V2}/requests/${roadOnly}.json`, 'requests');
  assert.equal(unplaced.address, '站前路');
  assert.equal(unplaced.lat, null, 'a road alone is not a place');
});

test('a phone or ID number written into the description is masked in every public answer', async () => {
  const id = await file({ description: '垃圾没人管，请回电 138 1234 5678 或 13900001111，门牌283号' });
  const [one] = await getJson(`${V2}/requests/${id}.json`, 'requests');
  assert.equal(one.description, '垃圾没人管，请回电 *** **** **** 或 ***********，门牌283号');
  const xml = await getXml(`${V2}/requests.xml?service_request_id=${id}`);
  assert.equal(leaves(xml.children[0]).description, one.description);
  const list = await supervisor.get('/api/v1/cases?source=12345');
  const row = list.data.items.find((c) => c.case_no === id);
  assert.match((await supervisor.get(`/api/v1/cases/${row.id}`)).data.description, /13900001111/, 'staff read it whole');
});

test('the specification errors: api_key, service_code, location, fields, jurisdiction', async () => {
  const base = { api_key: apiKey, service_code: 'event-0102', lat: HONGQI.lat, long: HONGQI.lon };
  for (const format of ['json', 'xml']) {
    await assertSpecError(postForm({ ...base, api_key: 'cgt_wrong' }, format), 403, format, /api_key/);
    const { api_key: _, ...noKey } = base;
    await assertSpecError(postForm(noKey, format), 403, format, /api_key/);
    await assertSpecError(postForm({ ...base, service_code: 'event-9999' }, format), 400, format, /service_code/);
    await assertSpecError(postForm({ ...base, service_code: '' }, format), 400, format, /service_code/);
    const { lat: _a, long: _b, ...nowhere } = base;
    await assertSpecError(postForm(nowhere, format), 400, format, /location/);
    await assertSpecError(postForm({ ...nowhere, address_id: 'A1' }, format), 400, format, /address_id/);
    await assertSpecError(postForm({ ...base, lat: '91' }, format), 400, format, /lat/);
    await assertSpecError(postForm({ ...base, long: undefined }, format), 400, format);
    await assertSpecError(postForm({ ...base, colour: 'red' }, format), 400, format, /unknown field colour/);
    await assertSpecError(postForm({ ...base, phone: 'call me' }, format), 400, format, /phone/);
    await assertSpecError(postForm({ ...base, jurisdiction_id: '110000' }, format), 404, format, /jurisdiction_id/);
    await assertSpecError(anonymous.get(`${V2}/requests.${format}?jurisdiction_id=110000`), 404, format, /4409/);
  }
  await assertSpecError(anonymous.request('POST', `${V2}/requests.json`, { body: 'a=%zz', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 400, 'json', /escape/);
  await assertSpecError(anonymous.request('POST', `${V2}/requests.json`, { body: '{"api_key":', headers: { 'content-type': 'application/json' } }), 400, 'json');
  await assertSpecError(anonymous.request('POST', `${V2}/requests.json`, { body: 'x', headers: { 'content-type': 'text/plain' } }), 400, 'json', /form/);
  // Nothing half-written: none of the refused filings is a case.
  const all = await getJson(`${V2}/requests.json?status=open,closed`, 'requests');
  assert.ok(!all.some((r) => r.lat === 91));
  const ok = await postForm({ ...base, jurisdiction_id: '4409' });
  assert.equal(ok.status, 201, ok.text);
});

test('dates: W3C in and out, the window, and bad ones refused', async () => {
  const id = await file();
  const [one] = await getJson(`${V2}/requests/${id}.json`, 'requests');
  const filed = Date.parse(one.requested_datetime);
  assert.ok(Math.abs(filed - Date.now()) < 60_000, `${one.requested_datetime} is now`);
  const iso = (ms) => new Date(ms).toISOString();
  const around = await getJson(`${V2}/requests.json?start_date=${iso(filed - 60_000)}&end_date=${encodeURIComponent(one.requested_datetime)}`, 'requests');
  assert.ok(around.some((r) => r.service_request_id === id), 'end_date is inclusive; Z and +08:00 both read');
  const before = await getJson(`${V2}/requests.json?end_date=${iso(filed - 3_600_000)}`, 'requests');
  assert.ok(!before.some((r) => r.service_request_id === id));
  const old = await getJson(`${V2}/requests.json?start_date=2020-01-01&end_date=2020-03-01`, 'requests');
  assert.deepEqual(old, []);
  // A "+" left unescaped in the query arrives as a space and is still read.
  const local = one.requested_datetime.replace('+', ' ');
  const spaced = await getJson(`${V2}/requests.json?start_date=${local}`, 'requests');
  assert.ok(spaced.some((r) => r.service_request_id === id));
  for (const format of ['json', 'xml']) {
    await assertSpecError(anonymous.get(`${V2}/requests.${format}?start_date=yesterday`), 400, format, /start_date/);
    await assertSpecError(anonymous.get(`${V2}/requests.${format}?end_date=2026-02-30T00:00:00Z`), 400, format, /end_date/);
    await assertSpecError(anonymous.get(`${V2}/requests.${format}?start_date=2026-01-01&end_date=2026-06-01`), 400, format, /90 days/);
    await assertSpecError(anonymous.get(`${V2}/requests.${format}?start_date=2026-03-01&end_date=2026-02-01`), 400, format, /before/);
  }
});

test('paging walks the requests newest first without overlap; page sizes past 1000 are refused', async () => {
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push(await file({ service_code: 'event-0109', description: `涂鸦 ${i}` }));
  const pages = [];
  for (let page = 1; page <= 3; page++)
    pages.push(await getJson(`${V2}/requests.json?service_code=event-0109&page_size=2&page=${page}`, 'requests'));
  assert.deepEqual(pages.map((p) => p.length), [2, 2, 1]);
  assert.deepEqual(pages.flat().map((r) => r.service_request_id), [...ids].reverse());
  const xmlPage = await getXml(`${V2}/requests.xml?service_code=event-0109&page_size=2&page=2`);
  assert.deepEqual(xmlPage.children.map((c) => leaves(c).service_request_id), pages[1].map((r) => r.service_request_id));
  const byIds = await getJson(`${V2}/requests.json?service_request_id=${ids[1]},20000101000001,${ids[3]}&status=closed`, 'requests');
  assert.deepEqual(byIds.map((r) => r.service_request_id), [ids[1], ids[3]], 'the id list, in order; other filters ignored');
  assert.deepEqual(await getJson(`${V2}/requests.json?service_code=event-0109&page=4&page_size=2`, 'requests'), []);
  for (const query of ['page_size=1001', 'page_size=0', 'page=x', 'page=11&page_size=1000', 'service_code=event-9999', 'status=pending'])
    await assertSpecError(anonymous.get(`${V2}/requests.json?${query}`), 400, 'json');
});

test('the status filter tells open from closed (a rejected case is closed, with its note)', async () => {
  const open = await file({ service_code: 'event-0201', description: '小广告' });
  const closed = await file({ service_code: 'event-0201', description: '不是城管的事' });
  const list = await supervisor.get('/api/v1/cases?source=12345');
  const row = list.data.items.find((c) => c.case_no === closed);
  const rejected = await supervisor.post(`/api/v1/cases/${row.id}/reject`, { version: row.version, note: '不属于城管职责', public_note: '已转交物业处理' });
  assert.equal(rejected.status, 200, rejected.text);
  const onlyOpen = await getJson(`${V2}/requests.json?service_code=event-0201&status=open`, 'requests');
  assert.deepEqual(onlyOpen.map((r) => r.service_request_id), [open]);
  const onlyClosed = await getJson(`${V2}/requests.json?service_code=event-0201&status=closed`, 'requests');
  assert.deepEqual(onlyClosed.map((r) => r.service_request_id), [closed]);
  assert.equal(onlyClosed[0].status, 'closed');
  assert.equal(onlyClosed[0].expected_datetime, null);
  assert.equal(onlyClosed[0].status_notes, '已转交物业处理', 'the public note, not the internal one');
  const both = await getJson(`${V2}/requests.json?service_code=event-0201`, 'requests');
  assert.equal(both.length, 2);
  const xml = await getXml(`${V2}/requests.xml?service_code=event-0201&status=closed&locale=en`);
  assert.equal(leaves(xml.children[0]).status, 'closed');
});

test('a client library flow in XML: discover, pick a service, read its definition, file, follow', async () => {
  const discovery = await getXml(`${V2}/discovery.xml`);
  const url = leaves(discovery.children.find((c) => c.name === 'endpoints').children[0]).url;
  assert.equal(new URL(url).pathname, V2);
  const services = await getXml(`${V2}/services.xml?locale=en`);
  const graffiti = services.children.map(leaves).find((s) => s.service_name === 'Graffiti');
  assert.ok(graffiti, 'the graffiti service is listed');
  const definition = await getXml(`${V2}/services/${graffiti.service_code}.xml`);
  assert.equal(leaves(definition).service_code, graffiti.service_code);
  // What python-open311 and the JS clients send: form fields, the key among them.
  const body = new URLSearchParams({ api_key: apiKey, jurisdiction_id: '4409', service_code: graffiti.service_code,
    lat: '21.6605', long: '110.9205', description: 'Graffiti on the wall', first_name: 'Ann', email: 'ann@example.com' });
  const posted = await anonymous.request('POST', `${V2}/requests.xml`, { body: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } });
  assert.equal(posted.status, 201, posted.text);
  const id = leaves(parseXml(posted.text).children[0]).service_request_id;
  const token = leaves((await getXml(`${V2}/tokens/${id}.xml`)).children[0]);
  assert.equal(token.service_request_id, id);
  const followed = leaves((await getXml(`${V2}/requests/${token.service_request_id}.xml?locale=en`)).children[0]);
  assert.equal(followed.status, 'open');
  assert.equal(followed.status_notes, 'reported');
  assert.equal(followed.service_name, 'Graffiti');
  assert.match(followed.requested_datetime, /\+08:00$/);
  assert.ok(!JSON.stringify(followed).includes('Ann') && !JSON.stringify(followed).includes('ann@'), 'nothing personal');
});

// Last: it spends the address's reads.
test('what a supervisor hides from the public map is hidden here too; a photo made public is the media_url', async () => {
  const id = await file({ description: '李先生家门口的垃圾，住3栋' });
  const row = (await supervisor.get('/api/v1/cases?source=12345')).data.items.find((c) => c.case_no === id);
  const up = await uploadPhoto(supervisor, row.id, 'report', 3110);
  assert.ok(up.status === 201 || up.status === 200, up.text);
  const before = (await getJson(`${V2}/requests/${id}.json`, 'requests'))[0];
  assert.equal(before.description, '李先生家门口的垃圾，住3栋');
  assert.equal(before.media_url, null, 'photos start private');
  const settings = (await supervisor.get(`/api/v1/cases/${row.id}/public`)).data;
  const moderated = await supervisor.patch(`/api/v1/cases/${row.id}/public`, {
    text_hidden: true, photos: [{ id: settings.photos[0].id, public: true }], reason: '描述含住址',
  });
  assert.equal(moderated.status, 200, moderated.text);
  const [after] = await getJson(`${V2}/requests/${id}.json`, 'requests');
  assert.equal(after.description, after.service_name, 'the hidden text reads as the service name');
  assert.equal(after.media_url, `/api/v1/public/photos/${settings.photos[0].hash}`);
  const xml = leaves((await getXml(`${V2}/requests/${id}.xml`)).children[0]);
  assert.equal(xml.description, after.service_name);
  assert.equal(xml.media_url, after.media_url);
  const listed = await getJson(`${V2}/requests.json?service_request_id=${id}`, 'requests');
  assert.ok(!JSON.stringify(listed).includes('李先生'), 'nor in the list');
  const photo = await anonymous.get(after.media_url);
  assert.equal(photo.status, 200, 'the link opens for anyone');
});

test('reads are counted per address: past the limit a 429 in the specification format', async () => {
  let last;
  for (let i = 0; i < 1300; i++) {
    last = await anonymous.request('GET', `${V2}/discovery.json`, { raw: true });
    await last.arrayBuffer();
    if (last.status === 429) break;
  }
  assert.equal(last.status, 429);
  assert.ok(Number(last.headers.get('retry-after')) > 0);
  await assertSpecError(anonymous.get(`${V2}/services.xml`), 429, 'xml', /too many/);
  await assertSpecError(anonymous.get(`${V2}/requests/20000101000001.json`), 429, 'json', /too many/);
});
