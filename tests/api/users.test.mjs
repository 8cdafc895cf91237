// SPDX-License-Identifier: MIT
// User administration over HTTP, case by case: the list and its cursor, the
// checks on a new account (username, role, unit, password), every member a PATCH
// may change and what it refuses (a weak password, an unknown role or a unit
// outside the admin's jurisdiction, an admin disabling or demoting themself), and
// an admin of one street who sees, creates and changes only that street's users.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, demoClient, Client, assertError } from './lib.mjs';

const PASSWORD = 'a long enough password';
let server, admin;
before(async () => {
  server = await startDemo();
  admin = await demoClient(server, 'admin');
});
after(async () => { await server.stop(); });

let serial = 0;
// Creates an account through the API and returns it.
async function create(client, body = {}) {
  serial++;
  const r = await client.post('/api/v1/users', {
    username: `user_${serial}`, display_name: `用户 ${serial}`, role: 'inspector',
    org_unit_code: '440902001', password: PASSWORD, ...body,
  });
  assert.equal(r.status, 201, r.text);
  return r.data;
}

test('the user list pages by id with a cursor, and refuses a bad one', async () => {
  const all = await admin.get('/api/v1/users');
  assert.equal(all.status, 200, all.text);
  assert.equal(all.data.next_cursor, null);
  const ids = all.data.items.map((u) => u.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
  const from = await admin.get(`/api/v1/users?cursor=${ids[2]}`);
  assert.equal(from.status, 200, from.text);
  assert.deepEqual(from.data.items.map((u) => u.id), ids.slice(3));
  assert.deepEqual((await admin.get(`/api/v1/users?cursor=${ids.at(-1)}`)).data.items, []);
  assert.deepEqual((await admin.get('/api/v1/users?cursor=0')).data.items.map((u) => u.id), ids);
  for (const bad of ['abc', '-1', '5x', '']) {
    assertError(await admin.get(`/api/v1/users?cursor=${bad}`), 400, 'invalid_query', 'cursor');
  }
});

test('a new account needs a proper username, a staff role, a unit inside and a strong password', async () => {
  const body = { username: 'fresh_one', display_name: '新用户', role: 'operator', org_unit_code: '440902', password: PASSWORD };
  for (const username of ['ab', 'has space', 'semi;colon', '中文名字']) {
    assertError(await admin.post('/api/v1/users', { ...body, username }), 422, 'invalid_field', 'username');
  }
  for (const role of ['system', 'none', 'citizen', 'Admin']) {
    assertError(await admin.post('/api/v1/users', { ...body, role }), 422, 'invalid_field', 'role');
  }
  assertError(await admin.post('/api/v1/users', { ...body, org_unit_code: '440999' }), 422, 'invalid_field', 'org_unit_code');
  assertError(await admin.post('/api/v1/users', { ...body, password: 'short' }), 422, 'invalid_field', 'password');
  const { username, ...noName } = body;
  assertError(await admin.post('/api/v1/users', noName), 400, 'missing_field', 'username');
  assertError(await admin.post('/api/v1/users', { ...body, phone: 13800000000 }), 400, 'invalid_field', 'phone');
  // Nothing of the refused attempts was stored; without a phone the phone is empty.
  const made = await admin.post('/api/v1/users', body);
  assert.equal(made.status, 201, made.text);
  assert.equal(made.data.username, username);
  assert.equal(made.data.phone, '');
  assert.equal(made.data.role, 'operator');
  assert.equal(made.data.org_unit.code, '440902');
  assert.equal((await admin.get('/api/v1/users')).data.items.filter((u) => u.username === username).length, 1);
});

test('a PATCH changes each member it names and leaves the others', async () => {
  const user = await create(admin, { phone: '13900000001' });
  const named = await admin.patch(`/api/v1/users/${user.id}`, { display_name: '改名了' });
  assert.equal(named.status, 200, named.text);
  assert.equal(named.data.display_name, '改名了');
  assert.equal(named.data.phone, '13900000001');
  const phoned = await admin.patch(`/api/v1/users/${user.id}`, { phone: '13900000002' });
  assert.equal(phoned.data.phone, '13900000002');
  assert.equal(phoned.data.display_name, '改名了');
  const moved = await admin.patch(`/api/v1/users/${user.id}`, { role: 'supervisor', org_unit_code: '440902002' });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.data.role, 'supervisor');
  assert.equal(moved.data.org_unit.code, '440902002');
  // The new password signs in; the old one no longer does.
  const signedIn = new Client(server.base);
  assert.equal((await signedIn.login(user.username, PASSWORD)).status, 200);
  const renewed = await admin.patch(`/api/v1/users/${user.id}`, { password: 'another long password' });
  assert.equal(renewed.status, 200, renewed.text);
  assertError(await signedIn.get('/api/v1/auth/me'), 401, 'unauthenticated');
  assertError(await new Client(server.base).login(user.username, PASSWORD), 401, 'invalid_credentials');
  assert.equal((await new Client(server.base).login(user.username, 'another long password')).status, 200);
  // Disabled, then enabled again.
  assert.equal((await admin.patch(`/api/v1/users/${user.id}`, { disabled: true })).data.disabled, true);
  assertError(await new Client(server.base).login(user.username, 'another long password'), 401, 'invalid_credentials');
  assert.equal((await admin.patch(`/api/v1/users/${user.id}`, { disabled: false })).data.disabled, false);
  assert.equal((await new Client(server.base).login(user.username, 'another long password')).status, 200);
  // An empty PATCH changes nothing.
  const same = await admin.patch(`/api/v1/users/${user.id}`, {});
  assert.equal(same.status, 200, same.text);
  assert.deepEqual({ ...same.data }, { ...(await admin.get('/api/v1/users')).data.items.find((u) => u.id === user.id) });
});

test('a PATCH refuses a weak password, an unknown role or unit, and bad ids, changing nothing', async () => {
  const user = await create(admin);
  assertError(await admin.patch(`/api/v1/users/${user.id}`, { password: 'short', display_name: 'x' }), 422, 'invalid_field', 'password');
  assertError(await admin.patch(`/api/v1/users/${user.id}`, { role: 'system' }), 422, 'invalid_field', 'role');
  assertError(await admin.patch(`/api/v1/users/${user.id}`, { org_unit_code: '999999999' }), 422, 'invalid_field', 'org_unit_code');
  assertError(await admin.patch(`/api/v1/users/${user.id}`, { disabled: 'yes' }), 400, 'invalid_field', 'disabled');
  const kept = (await admin.get('/api/v1/users')).data.items.find((u) => u.id === user.id);
  assert.deepEqual(kept, user);
  for (const id of ['abc', '0', '-3', '12x', '99999999']) {
    assertError(await admin.patch(`/api/v1/users/${id}`, { display_name: 'x' }), 404, 'not_found');
  }
});

test('an admin may not disable themself or drop their own admin role', async () => {
  const self = await create(admin, { role: 'admin', org_unit_code: '4409' });
  const c = new Client(server.base);
  assert.equal((await c.login(self.username, PASSWORD)).status, 200);
  assertError(await c.patch(`/api/v1/users/${self.id}`, { disabled: true }), 422, 'invalid_field', 'disabled');
  assertError(await c.patch(`/api/v1/users/${self.id}`, { role: 'leader' }), 422, 'invalid_field', 'role');
  // Everything else about themself they may change.
  const renamed = await c.patch(`/api/v1/users/${self.id}`, { display_name: '自己改名', disabled: false, role: 'admin' });
  assert.equal(renamed.status, 200, renamed.text);
  assert.equal(renamed.data.display_name, '自己改名');
  assert.equal(renamed.data.role, 'admin');
});

test('an admin of one street lists, creates and changes only that street\'s users', async () => {
  const streetAdmin = await create(admin, { role: 'admin', org_unit_code: '440902001' });
  const hexiUser = await create(admin, { org_unit_code: '440902002' });
  const c = new Client(server.base);
  assert.equal((await c.login(streetAdmin.username, PASSWORD)).status, 200);
  const list = await c.get('/api/v1/users');
  assert.equal(list.status, 200, list.text);
  assert.ok(list.data.items.length > 0);
  assert.ok(list.data.items.every((u) => u.org_unit.code.startsWith('440902001')), JSON.stringify(list.data.items.map((u) => u.org_unit.code)));
  assert.ok(!list.data.items.some((u) => u.id === hexiUser.id));
  assertError(await c.patch(`/api/v1/users/${hexiUser.id}`, { display_name: 'x' }), 404, 'not_found');
  assertError(await c.post('/api/v1/users', { username: 'hexi_new', display_name: 'x', role: 'inspector', org_unit_code: '440902002', password: PASSWORD }), 422, 'invalid_field', 'org_unit_code');
  const mine = await create(c, { org_unit_code: '440902001' });
  assertError(await c.patch(`/api/v1/users/${mine.id}`, { org_unit_code: '440902002' }), 422, 'invalid_field', 'org_unit_code');
  assert.equal((await c.patch(`/api/v1/users/${mine.id}`, { phone: '13700000000' })).data.phone, '13700000000');
});
