// SPDX-License-Identifier: MIT
// Bulk import of a city's set-up data from the files bureaus keep: a whole
// city (org units in any order, accounts, cells' assignments, routing) from
// CSV (UTF-8 with a BOM, and GBK as Excel on Chinese Windows saves it) and
// XLSX files made here; bad rows reported with the sheet's row number, column
// and code, and nothing half-imported; partial=1 imports the good rows; the
// audit log has an entry per row and one per import, and verifies; the
// command line gives the same report; templates to fill in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, Client, assertError, runCli, tempDir, freshDatabase, PG } from './lib.mjs';
import { XLSX_TYPE, makeXlsx, unzip, sheetRows } from './sheets.mjs';

const PASSWORD = 'bulk-import-password-2026';
const CITY = '440800', DISTRICT = '440802';
const STREET_A = '440802001', STREET_B = '440802002';
const COMMUNITY_A = '440802001001', COMMUNITY_B = '440802002001';
const lonAt = (column) => (1103600000 + column * 10000) / 1e7;

let server, dataDir, database, admin;
const env = () => (database ? { CHENGGUAN_DB: database.url } : {});
const cli = (args, input) => runCli([...args, '--data-dir', dataDir], { env: env(), input });

const csv = (rows) => rows.map((r) => r.map((v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',')).join('\r\n') + '\r\n';
const gbk = (text) => execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GBK'], { input: Buffer.from(text, 'utf8') });

function upload(kind, body, { partial = false, type } = {}) {
  const contentType = type || (Buffer.isBuffer(body) && body[0] === 0x50 ? XLSX_TYPE : 'text/csv');
  return admin.request('POST', `/api/v1/admin/import/${kind}${partial ? '?partial=1' : ''}`, {
    body, headers: { 'content-type': contentType },
  });
}

async function unitCodes() {
  const r = await admin.get('/api/v1/org-units');
  return r.data.items.map((u) => u.code).sort();
}

// The errors of a rejected import's report as "row:column:code".
const rowErrors = (report) => report.errors.map((e) => `${e.row}:${e.column}:${e.code}`);

function cell(code, column) {
  const w = lonAt(column), e = lonAt(column + 1), s = 21.27, n = 21.271;
  return { type: 'Feature', properties: { code }, geometry: { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] } };
}

before(async () => {
  dataDir = tempDir('bulk-');
  database = PG ? freshDatabase() : undefined;
  assert.equal(cli(['migrate']).status, 0);
  assert.equal(cli(['org-unit', 'add', '--code', CITY, '--type', 'city', '--name', '湛江市']).status, 0);
  const root = cli(['user', 'add', 'root', '--role', 'admin', '--org', CITY], `${PASSWORD}\n`);
  assert.equal(root.status, 0, root.stderr);
  server = await startServer({ dataDir, database });
  admin = new Client(server.base);
  assert.equal((await admin.login('root', PASSWORD)).status, 200);
});

after(async () => {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  if (database) database.drop();
});

test('templates: the header row in Chinese and an example row, as CSV and XLSX', async () => {
  const c = await admin.request('GET', '/api/v1/admin/import/org-units/template?format=csv', { raw: true });
  assert.equal(c.status, 200);
  assert.match(c.headers.get('content-type'), /^text\/csv/);
  assert.match(c.headers.get('content-disposition'), /org-units-template\.csv/);
  const text = Buffer.from(await c.arrayBuffer()).toString('utf8');
  assert.ok(text.startsWith('\uFEFF代码,类型,名称,英文名,上级代码,部门类别\r\n'), text);
  const x = await admin.request('GET', '/api/v1/admin/import/users/template?format=xlsx', { raw: true });
  assert.equal(x.status, 200);
  assert.equal(x.headers.get('content-type'), XLSX_TYPE);
  const files = unzip(Buffer.from(await x.arrayBuffer()));
  const rows = sheetRows(files['xl/worksheets/sheet1.xml']);
  assert.equal(rows.length, 2);
  assertError(await admin.get('/api/v1/admin/import/org-units/template?format=ods'), 400, 'invalid_query', 'format');
  assertError(await admin.get('/api/v1/admin/import/cats/template'), 404, 'not_found');
});

test('org units in GBK CSV, children before parents: all or nothing, then partial', async () => {
  const before = await unitCodes();
  // Bad rows: a code that does not nest, an unknown parent, a duplicate in
  // the file, one already stored (the city), and a child of a rejected row.
  const bad = csv([
    ['代码', '类型', '名称', '上级代码', '部门类别'],
    [STREET_A, '街道', '中华街道', DISTRICT, ''],
    [DISTRICT, '区', '赤坎区', CITY, ''],
    ['440803001', 'street', '错码', DISTRICT, ''],
    ['440802009', 'street', '无上级', '440899', ''],
    [STREET_A, 'street', '重复', DISTRICT, ''],
    [CITY, 'city', '湛江市', '', ''],
    ['440802009001', 'community', '孤儿', '440802009', ''],
    ['440802003', 'street', '长'.repeat(43), DISTRICT, ''],
  ]);
  const rejected = await upload('org-units', gbk(bad));
  assertError(rejected, 422, 'unprocessable');
  const report = rejected.data.error.report;
  assert.equal(report.bad, 6, JSON.stringify(report.errors));
  assert.equal(report.encoding, 'gb18030');
  assert.deepEqual([report.rows, report.imported, report.skipped, report.bad], [8, 0, 8, 6]);
  assert.deepEqual(rowErrors(report), ['4:A:bad_code', '5:D:unknown_parent', '6:A:duplicate', '7:A:duplicate', '8:D:unknown_parent', '9:C:invalid_field']);
  assert.match(report.errors[2].message, /also in row 2/);
  assert.equal(report.errors[0].header, '代码');
  assert.deepEqual(await unitCodes(), before, 'nothing half-imported');

  const partial = await upload('org-units', gbk(bad), { partial: true });
  assert.equal(partial.status, 200, partial.text);
  assert.deepEqual([partial.data.imported, partial.data.skipped], [2, 6]);
  assert.deepEqual(await unitCodes(), [...before, DISTRICT, STREET_A].sort());

  // The rest of the city, UTF-8 with a BOM, a quoted name with a comma, any order.
  const rest = '\uFEFF' + csv([
    ['code', 'type', 'name', 'name_en', 'parent_code', 'department_kind'],
    [COMMUNITY_B, 'community', '寸金社区', '', STREET_B, ''],
    [STREET_B, 'street', '寸金街道', 'Cunjin, Street', DISTRICT, ''],
    [COMMUNITY_A, 'community', '中华社区', '', STREET_A, ''],
    [`${DISTRICT}-D01`, 'department', '赤坎区环卫所', '', DISTRICT, 'sanitation'],
    [`${STREET_A}-D01`, 'department', '中华街道办', '', STREET_A, 'street_office'],
  ]);
  const ok = await upload('org-units', rest);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.data.imported, 5);
  const units = (await admin.get('/api/v1/org-units')).data.items;
  const byCode = Object.fromEntries(units.map((u) => [u.code, u]));
  assert.equal(byCode[COMMUNITY_B].parent_id, byCode[STREET_B].id);
  assert.equal(byCode[STREET_B].name_en, 'Cunjin, Street');
  assert.equal(byCode[`${DISTRICT}-D01`].department_kind, 'sanitation');
});

test('accounts from XLSX: given and generated passwords, bad rows named, nothing half-made', async () => {
  const header = ['用户名', '角色', '单位代码', '姓名', '电话', '初始密码'];
  const bad = makeXlsx([
    header,
    ['insp_a', 'inspector', STREET_A, '李娜', 13800000001, PASSWORD],
    ['insp_a', 'inspector', STREET_A, '重名', null, PASSWORD],
    ['root', 'admin', CITY, '已有', null, PASSWORD],
    { row: 6, cells: ['nobody', 'inspector', '440899001', '无单位', null, PASSWORD] },
    ['weak', 'operator', DISTRICT, '弱密码', null, 'short'],
    ['x!', 'boss', DISTRICT, '坏名', null, null],
  ]);
  const rejected = await upload('users', bad);
  assertError(rejected, 422, 'unprocessable');
  assert.deepEqual(rowErrors(rejected.data.error.report),
    ['3:A:duplicate', '4:A:duplicate', '6:C:unknown_org_unit', '7:F:invalid_field', '8:A:invalid_field']);
  const list = await admin.get('/api/v1/users');
  assert.equal(list.data.items.length, 1, 'only root');

  const good = makeXlsx([
    header,
    ['insp_a', 'inspector', STREET_A, '李娜', 13800000001, PASSWORD],
    ['insp_a2', 'inspector', Number(STREET_A), '王芳', null, null],
    ['insp_b', 'inspector', { inline: STREET_B }, '赵强', null, null],
    ['leader_a', 'supervisor', STREET_A, '周敏', null, PASSWORD],
    ['office_a', 'department', `${STREET_A}-D01`, '街道办', null, PASSWORD],
  ]);
  const ok = await upload('users', good);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.data.imported, 5);
  assert.equal(ok.data.format, 'xlsx');
  assert.deepEqual(ok.data.passwords.map((p) => [p.row, p.username]), [[3, 'insp_a2'], [4, 'insp_b']]);
  const insp = new Client(server.base);
  assert.equal((await insp.login('insp_a2', ok.data.passwords[0].password)).status, 200, 'a generated password signs in');
  const me = await insp.get('/api/v1/auth/me');
  assert.equal((me.data.user || me.data).org_unit.code, STREET_A, me.text);
  assert.equal((await new Client(server.base).login('insp_a', PASSWORD)).status, 200);
});

test('assignments from XLSX and routing from CSV; an unknown user stores nothing', async () => {
  const features = [cell(`${COMMUNITY_A}001`, 0), cell(`${COMMUNITY_A}002`, 1), cell(`${COMMUNITY_B}001`, 2)];
  assert.equal((await admin.post('/api/v1/admin/grids/import', { type: 'FeatureCollection', features })).status, 200);
  const header = ['网格', '巡查员', '片区', '网格长'];
  const bad = makeXlsx([
    header,
    [Number(`${COMMUNITY_A}001`), 'insp_a;insp_a2', 'A', 'leader_a'],
    [`${COMMUNITY_A}002`, 'insp_a、ghost', 'A', null],
    [`${COMMUNITY_B}001`, 'insp_a', null, null],
    [`${COMMUNITY_A}001`, null, 'B', null],
    ['440802001001099', 'insp_a', null, null],
  ]);
  const rejected = await upload('assignments', bad);
  assertError(rejected, 422, 'unprocessable');
  assert.deepEqual(rowErrors(rejected.data.error.report),
    ['3:B:unknown_user', '4:B:invalid_field', '5:A:duplicate', '6:A:unknown_grid']);
  const audit = await admin.get('/api/v1/admin/audit?subject=grid_cell');
  assert.equal(audit.status, 200, audit.text);
  assert.equal(audit.data.items.filter((e) => e.action.startsWith('grid.')).length, 0, 'nothing assigned');

  const ok = await upload('assignments', makeXlsx([
    header,
    [Number(`${COMMUNITY_A}001`), 'insp_a; insp_a2', 'A', 'leader_a'],
    [`${COMMUNITY_A}002`, 'insp_a、insp_a2', 'A', null],
    [`${COMMUNITY_B}001`, 'insp_b', 'B', null],
  ]));
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.data.imported, 3);
  const log = (await admin.get('/api/v1/admin/audit?subject=grid_cell&limit=200')).data.items;
  const latest = (code, action) => log.find((e) => e.action === action && e.data.after.code === code).data.after;
  assert.deepEqual(latest(`${COMMUNITY_A}001`, 'grid.inspectors').inspectors, ['insp_a', 'insp_a2']);
  assert.deepEqual(latest(`${COMMUNITY_A}002`, 'grid.inspectors').inspectors, ['insp_a', 'insp_a2'], 'split at 、');
  assert.equal(latest(`${COMMUNITY_A}001`, 'grid.update').leader, 'leader_a');
  assert.equal(latest(`${COMMUNITY_B}001`, 'grid.update').patrol_zone, 'B');
  assert.equal(log.filter((e) => e.action === 'grid.inspectors').length, 3);

  const categories = (await admin.get('/api/v1/categories')).data.trees.find((t) => t.tree === 'event');
  const sub = categories.majors[0].subclasses[0].code;
  const routing = csv([
    ['街道', '类别', '部门', '分类树'],
    [STREET_A, sub, `${STREET_A}-D01`, 'event'],
    [STREET_B, sub, `${DISTRICT}-D01`, 'event'],
  ]);
  const wrong = csv([['街道', '类别', '部门', 'tree'], [STREET_B, sub, `${STREET_A}-D01`, 'event'], ['440802009', sub, `${DISTRICT}-D01`, 'event']]);
  const refused = await upload('routing', wrong);
  assertError(refused, 422, 'unprocessable');
  assert.deepEqual(rowErrors(refused.data.error.report), ['2:C:invalid_field', '3:A:unknown_street']);
  const routed = await upload('routing', routing);
  assert.equal(routed.status, 200, routed.text);
  const table = await admin.get('/api/v1/admin/routing');
  assert.deepEqual(table.data.items.map((r) => [r.street, r.department]),
    [[STREET_A, `${STREET_A}-D01`], [STREET_B, `${DISTRICT}-D01`]]);
});

test('the header must fit, the file must be CSV or XLSX, and only admins import', async () => {
  const unknown = await upload('users', csv([['用户名', '角色', '单位', '姓名']]));
  assertError(unknown, 422, 'unprocessable');
  assert.equal(unknown.data.error.report.error.code, 'invalid_header');
  assert.deepEqual(rowErrors(unknown.data.error.report), ['1:C:unknown_column', '1:null:missing_column']);
  const damaged = await upload('users', Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100)]));
  assertError(damaged, 422, 'unprocessable');
  assert.equal(damaged.data.error.report.error.code, 'invalid_file');
  assertError(await upload('users', 'a', { type: 'application/json' }), 415, 'unsupported_media_type');
  assertError(await upload('cats', 'a'), 404, 'not_found');
  const supervisor = new Client(server.base);
  assert.equal((await supervisor.login('leader_a', PASSWORD)).status, 200);
  const r = await supervisor.request('POST', '/api/v1/admin/import/users', { body: 'a', headers: { 'content-type': 'text/csv' } });
  assertError(r, 403, 'forbidden');
});

test('the audit log has each row and each import, and verifies', async () => {
  const imports = await admin.get('/api/v1/admin/audit?subject=import');
  assert.equal(imports.status, 200, imports.text);
  const kinds = imports.data.items.map((e) => `${e.data.after.kind}:${e.data.after.imported}/${e.data.after.rows}`);
  assert.deepEqual(kinds.sort(), ['assignments:3/3', 'org_units:2/8', 'org_units:5/5', 'routing:2/2', 'users:5/5']);
  assert.match(imports.data.items[0].data.after.file_sha256, /^[0-9a-f]{64}$/);
  const units = await admin.get('/api/v1/admin/audit?subject=org_unit&limit=200');
  assert.equal(units.data.items.filter((e) => e.action === 'org_unit.create' && e.actor.role === 'admin').length, 7);
  const users = await admin.get('/api/v1/admin/audit?subject=user&limit=200');
  assert.equal(users.data.items.filter((e) => e.action === 'user.create' && e.actor.role === 'admin').length, 5);
  const verify = cli(['audit', 'verify']);
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
});

test('the command line: the same report, exit status 1 when rejected, --partial', () => {
  const file = join(dataDir, 'more-users.csv');
  writeFileSync(file, csv([
    ['username', 'role', 'org', 'name', 'password'],
    ['op_zj', 'operator', DISTRICT, '坐席', PASSWORD],
    ['insp_a', 'inspector', STREET_A, '重名', PASSWORD],
  ]));
  const rejected = cli(['import', 'users', file]);
  assert.equal(rejected.status, 1, rejected.stderr);
  const report = JSON.parse(rejected.stdout);
  assert.deepEqual(rowErrors(report), ['3:A:duplicate']);
  assert.equal(report.imported, 0);
  const partial = cli(['import', 'users', file, '--partial']);
  assert.equal(partial.status, 0, partial.stderr);
  assert.equal(JSON.parse(partial.stdout).imported, 1);
  assert.equal(cli(['import', 'users']).status, 2);
  assert.equal(cli(['audit', 'verify']).status, 0);
});
