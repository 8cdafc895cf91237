// SPDX-License-Identifier: MIT
// Exports of the case list (GET /api/v1/cases?...&format=csv|xlsx) in the demo
// city: the CSV's BOM, Chinese headers, RFC 4180 quoting, formula guard and
// UTC+8 times; every case the filters keep across more than one internal page
// and no other; jurisdiction as the list has it; the XLSX read back from its zip
// (bold frozen header, widths, real date cells, the same rows); bad formats.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDemo, demoClient, Client, assertError, dbQuery, ROOT, PG, HONGQI, HEXI } from './lib.mjs';
import { parseCsv, unzip, sheetRows, letter, XLSX_TYPE } from './sheets.mjs';

const HEADERS = ['案件编号', '来源', '状态', '类型', '类别编码', '类别', '紧急', '描述', '地址', '街道', '社区', '网格',
  '处置部门', '上报时间', '立案时间', '当前环节时限', '处置时限', '处置完成时间', '结案时间', '是否超期', '返工次数', '满意度'];
const col = (name) => HEADERS.indexOf(name);
const BULK = 130; // more Hongqi cases than one internal page (100) holds


// "2026-11-30 14:05:09": epoch ms as the wall clock in China.
const chinaTime = (ms) => new Date(Math.floor(ms / 1000) * 1000 + 8 * 3600000).toISOString().slice(0, 19).replace('T', ' ');
const chinaToday = () => new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10).replace(/-/g, '');

let server, inspector, inspectorHx, operator, supervisor, supervisorHq, supervisorHx, sanitation;
const filed = {}; // name -> case as filed

async function file(client, name, body) {
  const r = await client.post('/api/v1/cases', body);
  assert.equal(r.status, 201, `${name}: ${r.text}`);
  filed[name] = r.data.case;
  return r.data.case;
}

// Every case of a JSON list query, walking its pages.
async function listAll(client, query) {
  const items = [];
  let cursor = '';
  for (;;) {
    const r = await client.get(`/api/v1/cases?limit=100&${query}${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    items.push(...r.data.items);
    if (r.data.next_cursor === null) return items;
    cursor = encodeURIComponent(r.data.next_cursor);
  }
}

// The CSV export of a query: {headers, rows} after checking the BOM and the answer.
async function csv(client, query) {
  const res = await client.request('GET', `/api/v1/cases?${query}${query ? '&' : ''}format=csv`, { raw: true });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a UTF-8 BOM first');
  const [headers, ...rows] = parseCsv(bytes.subarray(3).toString('utf8'));
  assert.deepEqual(headers, HEADERS);
  for (const row of rows) assert.equal(row.length, HEADERS.length, `a full row: ${row}`);
  return { res, rows };
}
const caseNos = (rows) => rows.map((r) => r[col('案件编号')]).sort();
const listedNos = (items) => items.map((c) => c.case_no).sort();

before(async () => {
  server = await startDemo();
  [inspector, inspectorHx, operator, supervisor, supervisorHq, supervisorHx, sanitation] = await Promise.all(
    ['inspector', 'inspector_hx', 'operator', 'supervisor', 'supervisor_hq', 'supervisor_hx', 'dept_sanitation']
      .map((u) => demoClient(server, u)));
  await file(inspector, 'quoted', { description: '他说"井盖"坏了, 要修\n第二行：还有积水', address: '红旗路,12号', ...HONGQI });
  await file(inspector, 'formula', { description: '=HYPERLINK("http://example.invalid","点我")', ...HONGQI });
  await file(inspector, 'minus', { description: '-1+2 路灯不亮', ...HONGQI });
  await file(inspector, 'at', { description: '@SUM(1,2) 占道', ...HONGQI });
  await file(inspectorHx, 'hexi', { description: '河西街道的破损护栏', ...HEXI });
  await file(operator, 'hotline', { description: '市民来电反映噪音扰民', ...HONGQI, source: '12345', external_id: 'EXP-1' });
  for (let i = 0; i < BULK; i += 10)
    await Promise.all(Array.from({ length: Math.min(10, BULK - i) }, (_, k) =>
      file(inspector, `bulk${i + k}`, { description: `批量案件 第${i + k}号 路面破损`, ...HONGQI })));
  // The hotline case goes to the sanitation department.
  const units = await supervisor.get('/api/v1/org-units?type=department');
  const unit = JSON.stringify(units.data).match(/"id":(\d+),"code":"440902-D02"/);
  assert.ok(unit, units.text.slice(0, 300));
  let c = (await supervisor.get(`/api/v1/cases/${filed.hotline.id}`)).data;
  let r = await supervisor.post(`/api/v1/cases/${c.id}/accept`, { version: c.version, note: '立案' });
  assert.equal(r.status, 200, r.text);
  assert.equal(typeof r.data.filed_at, 'number', 'the filing time is on the case');
  assert.equal(c.filed_at, null, 'not before');
  r = await supervisor.post(`/api/v1/cases/${c.id}/dispatch`, { version: r.data.version, department_id: Number(unit[1]), note: '派遣' });
  assert.equal(r.status, 200, r.text);
  filed.hotline = r.data;
});

after(async () => { await server?.stop(); });

test('the CSV holds every case of the list, beyond one page, with its attachment name', async () => {
  const all = await listAll(supervisor, '');
  assert.ok(all.length > BULK + 5, `${all.length} cases`);
  const { res, rows } = await csv(supervisor, '');
  assert.deepEqual(caseNos(rows), listedNos(all));
  assert.equal(new Set(caseNos(rows)).size, rows.length, 'no case twice');
  const name = `cases-${chinaToday()}.csv`;
  assert.equal(res.headers.get('content-disposition'), `attachment; filename="${name}"; filename*=UTF-8''${name}`);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  // Newest first, as the list.
  assert.deepEqual(rows.map((r) => r[0]), all.map((c) => c.case_no));
});

test('CSV fields are quoted as RFC 4180 has it, formulas are defused, times are China time', async () => {
  const { rows } = await csv(supervisor, '');
  const row = (name) => rows.find((r) => r[0] === filed[name].case_no);
  assert.equal(row('quoted')[col('描述')], '他说"井盖"坏了, 要修\n第二行：还有积水');
  assert.equal(row('quoted')[col('地址')], '红旗路,12号');
  assert.equal(row('formula')[col('描述')], `'=HYPERLINK("http://example.invalid","点我")`);
  assert.equal(row('minus')[col('描述')], "'-1+2 路灯不亮");
  assert.equal(row('at')[col('描述')], "'@SUM(1,2) 占道");
  const hotline = row('hotline');
  assert.equal(hotline[col('来源')], '12345热线');
  assert.equal(hotline[col('状态')], '已派遣');
  assert.equal(hotline[col('处置部门')], '茂南区环境卫生管理所');
  assert.equal(hotline[col('上报时间')], chinaTime(filed.hotline.created_at));
  assert.equal(hotline[col('立案时间')], chinaTime(filed.hotline.filed_at), 'filed when accepted');
  assert.ok(filed.hotline.filed_at >= filed.hotline.created_at);
  assert.equal(row('quoted')[col('立案时间')], '', 'not filed yet: empty');
  assert.match(hotline[col('处置时限')], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  assert.equal(hotline[col('结案时间')], '');
  assert.equal(hotline[col('是否超期')], '否');
  assert.equal(hotline[col('返工次数')], '0');
  assert.equal(hotline[col('满意度')], '', 'an empty text is empty, not a guard');
  assert.equal(row('quoted')[col('街道')], '红旗街道');
  assert.equal(row('quoted')[col('状态')], '待受理');
  assert.match(row('quoted')[col('网格')], /^\d{15}$/);
});

test('the filters and the jurisdiction of the list decide the rows', async () => {
  const hotline = await csv(supervisor, 'source=12345');
  assert.deepEqual(caseNos(hotline.rows), [filed.hotline.case_no]);
  const search = await csv(supervisor, `q=${encodeURIComponent('井盖')}`);
  assert.deepEqual(caseNos(search.rows), [filed.quoted.case_no]);
  const dispatched = await csv(supervisor, 'status=dispatched');
  assert.deepEqual(caseNos(dispatched.rows), [filed.hotline.case_no]);
  // A street supervisor exports its own street only; a department what was sent to it.
  const hexi = await csv(supervisorHx, '');
  assert.deepEqual(caseNos(hexi.rows), [filed.hexi.case_no]);
  const hongqi = await csv(supervisorHq, '');
  assert.deepEqual(caseNos(hongqi.rows), listedNos(await listAll(supervisorHq, '')));
  assert.ok(!caseNos(hongqi.rows).includes(filed.hexi.case_no));
  assert.equal(hongqi.rows.length, BULK + 5);
  const department = await csv(sanitation, '');
  assert.deepEqual(caseNos(department.rows), [filed.hotline.case_no]);
});

test('the XLSX has a bold frozen header, widths, real dates and the same rows as the CSV', async () => {
  const res = await supervisor.request('GET', '/api/v1/cases?format=xlsx', { raw: true });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), XLSX_TYPE);
  const name = `cases-${chinaToday()}.xlsx`;
  assert.equal(res.headers.get('content-disposition'), `attachment; filename="${name}"; filename*=UTF-8''${name}`);
  const files = unzip(Buffer.from(await res.arrayBuffer()));
  assert.match(files['xl/workbook.xml'], /<sheet name="案件"/);
  const sheet = files['xl/worksheets/sheet1.xml'];
  assert.match(sheet, /<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"\/>/);
  assert.match(sheet, /<col min="8" max="8" width="50[.\d]*" customWidth="1"\/>/, 'the description column is wide');
  const [header, ...rows] = sheetRows(sheet);
  assert.deepEqual(HEADERS.map((_, i) => header[letter(i)].text), HEADERS);
  // The header's style has a bold font; a time cell's has the date format.
  const styles = files['xl/styles.xml'];
  const fonts = [...styles.match(/<fonts[^>]*>(.*?)<\/fonts>/s)[1].matchAll(/<font>(.*?)<\/font>/gs)].map((m) => m[1]);
  const xfs = [...styles.match(/<cellXfs[^>]*>(.*?)<\/cellXfs>/s)[1].matchAll(/<xf ([^>]*?)\/?>/g)].map((m) => m[1]);
  const fontOf = (style) => fonts[Number(/fontId="(\d+)"/.exec(xfs[style])[1])];
  assert.match(fontOf(header.A.style), /<b\/>/);
  const { rows: csvRows } = await csv(supervisor, '');
  assert.equal(rows.length, csvRows.length);
  assert.deepEqual(rows.map((r) => r.A.text), csvRows.map((r) => r[0]));
  const quoted = rows.find((r) => r.A.text === filed.quoted.case_no);
  assert.equal(quoted[letter(col('描述'))].text, '他说"井盖"坏了, 要修\n第二行：还有积水');
  // A typed string is never a formula: no guard in the sheet.
  const formula = rows.find((r) => r.A.text === filed.formula.case_no);
  assert.equal(formula[letter(col('描述'))].text, '=HYPERLINK("http://example.invalid","点我")');
  assert.ok(!/<f>/.test(sheet), 'no formula cells');
  const hotline = rows.find((r) => r.A.text === filed.hotline.case_no);
  const reported = hotline[letter(col('上报时间'))];
  const serial = (Math.floor(filed.hotline.created_at / 1000) + 8 * 3600) / 86400 + 25569;
  assert.ok(Math.abs(reported.number - serial) < 0.5 / 86400, `${reported.number} is ${serial} (China time)`);
  const numFmtId = Number(/numFmtId="(\d+)"/.exec(xfs[reported.style])[1]);
  assert.match(styles, new RegExp(`<numFmt numFmtId="${numFmtId}" formatCode="yyyy-mm-dd hh:mm:ss"/>`));
  assert.equal(hotline[letter(col('返工次数'))].number, 0);
  assert.equal(hotline[letter(col('结案时间'))], undefined, 'no close time: an empty cell');
});

test('the XLSX of a jurisdiction holds that jurisdiction only', async () => {
  const res = await supervisorHx.request('GET', '/api/v1/cases?format=xlsx', { raw: true });
  assert.equal(res.status, 200);
  const [, ...rows] = sheetRows(unzip(Buffer.from(await res.arrayBuffer()))['xl/worksheets/sheet1.xml']);
  assert.deepEqual(rows.map((r) => r.A.text), [filed.hexi.case_no]);
});

test('a bad format or filter is a 400 JSON error; no session is a 401', async () => {
  assertError(await supervisor.get('/api/v1/cases?format=pdf'), 400, 'invalid_query', 'format');
  assertError(await supervisor.get('/api/v1/cases?format=CSV'), 400, 'invalid_query', 'format');
  assertError(await supervisor.get('/api/v1/cases?format=csv&status=lost'), 400, 'invalid_query', 'status');
  assertError(await supervisor.get('/api/v1/cases?format=xlsx&source=fax'), 400, 'invalid_query', 'source');
  assertError(await new Client(server.base).get('/api/v1/cases?format=csv'), 401, 'unauthenticated');
  // An empty format is no format: the JSON page.
  const page = await supervisor.get('/api/v1/cases?format=&limit=1');
  assert.equal(page.status, 200);
  assert.equal(page.data.items.length, 1);
});

// The server's descriptors of files in its data directory other than the
// database's own (an export's file, deleted or not).
function exportFilesOpen() {
  const open = [];
  for (const fd of readdirSync(`/proc/${server.child.pid}/fd`)) {
    let target;
    try { target = readlinkSync(`/proc/${server.child.pid}/fd/${fd}`); } catch { continue; }
    if (target.startsWith(server.dataDir) && !/\/chengguan\.db(-wal|-shm)?$/.test(target)) open.push(target);
  }
  return open;
}

test('exports leave no file or descriptor behind, also when the client goes away', async () => {
  const names = () => readdirSync(server.dataDir).filter((n) => !/^chengguan\.db/.test(n)).sort();
  const before = names();
  for (let i = 0; i < 3; i++) {
    const full = await supervisor.request('GET', '/api/v1/cases?format=xlsx', { raw: true });
    assert.equal(full.status, 200);
    await full.arrayBuffer();
    // Clients that leave after the first bytes, or before reading anything.
    for (const format of ['csv', 'xlsx']) {
      const abort = new AbortController();
      const res = await fetch(`${server.base}/api/v1/cases?format=${format}`, { headers: { cookie: supervisor.cookie }, signal: abort.signal });
      assert.equal(res.status, 200);
      if (format === 'csv') await res.body.getReader().read();
      abort.abort();
    }
  }
  for (let i = 0; i < 50 && exportFilesOpen().length > 0; i++) await sleep(100);
  assert.deepEqual(exportFilesOpen(), []);
  assert.deepEqual(names(), before, 'no file left in the data directory');
  // The server still answers, and in full.
  const { rows } = await csv(supervisor, 'source=12345');
  assert.equal(rows.length, 1);
});

test('cases filed before migration 0016 get their filing time from their stage records', async () => {
  const before = dbQuery(server, 'SELECT id, filed_at FROM case_record WHERE filed_at IS NOT NULL ORDER BY id');
  assert.ok(before.split('\n').length >= 1 && before !== '', 'the hotline case is filed');
  const text = readFileSync(join(ROOT, 'migrations', ...(PG ? ['postgres'] : []), '0016_filing_time.sql'), 'utf8');
  // The migration's backfill, run again over rows whose filing time is gone.
  const backfill = text.replace(/--[^\n]*\n/g, '').split(';').map((q) => q.trim()).filter((q) => q.startsWith('UPDATE'));
  assert.equal(backfill.length, 2);
  dbQuery(server, `UPDATE case_record SET filed_at = NULL; ${backfill.join('; ')}`);
  assert.equal(dbQuery(server, 'SELECT id, filed_at FROM case_record WHERE filed_at IS NOT NULL ORDER BY id'), before);
});
