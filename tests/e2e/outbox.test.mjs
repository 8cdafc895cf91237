// SPDX-License-Identifier: MIT
// The admin's outbox screen in a real browser: a hotline callback whose
// receiver (a server this test starts on the loopback) keeps failing becomes a
// dead letter; the admin finds it on the screen with its case and last error,
// replays it once the receiver is fixed, and it is delivered (checked at the
// receiver and through the API). The screen in Chinese and English; console
// errors and foreign requests fail the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startDemo, demoClient, runCli, Client, HONGQI } from '../api/lib.mjs';
import { launch, openPage, assertClean, signIn, shootBoth, DESKTOP } from './browser.mjs';

let server;
let browser;
let receiver;
let failing = true;
const received = [];

before(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      received.push({ key: req.headers['idempotency-key'], ok: !failing, body });
      res.writeHead(failing ? 502 : 200);
      res.end();
    });
  });
  await new Promise((ok) => receiver.listen(0, '127.0.0.1', ok));
  server = await startDemo({
    args: ['--outbox-poll', '50', '--outbox-retry-base', '100', '--outbox-retry-max', '200', '--outbox-attempts', '2'],
  });
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (receiver) await new Promise((ok) => { receiver.closeAllConnections(); receiver.close(ok); });
});

test('an admin replays a dead letter from the outbox screen', async () => {
  const admin = await demoClient(server, 'admin');
  const supervisor = await demoClient(server, 'supervisor');
  const issued = runCli(['token', 'add', 'hotline-e2e', '--channel', '12345', '--user', 'operator', '--data-dir', server.dataDir]);
  assert.equal(issued.status, 0, issued.stderr);
  const token = issued.stdout.trim();
  const id = (await admin.get('/api/v1/admin/tokens')).data.items.find((t) => t.name === 'hotline-e2e').id;
  const url = `http://127.0.0.1:${receiver.address().port}/cb`;
  assert.equal((await admin.request('PUT', `/api/v1/admin/tokens/${id}/callback`, { json: { url } })).status, 200);
  const filed = await new Client(server.base).request('POST', '/api/v1/intake/hotline', {
    json: { external_id: 'E2E-OUTBOX-1', description: '来电：路灯不亮', ...HONGQI }, headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(filed.status, 201, filed.text);
  const c = filed.data.case;
  const trees = (await supervisor.get('/api/v1/categories')).data.trees;
  const category = trees.find((t) => t.tree === 'event').majors.flatMap((m) => m.subclasses)[0].id;
  const accepted = await supervisor.post(`/api/v1/cases/${c.id}/accept`, { version: c.version, category_id: category });
  assert.equal(accepted.status, 200, accepted.text);
  // Two failed attempts: a dead letter.
  let dead;
  for (let i = 0; i < 200 && !dead; i++) {
    dead = (await admin.get('/api/v1/admin/outbox?state=dead')).data.items.find((m) => m.case && m.case.id === c.id);
    if (!dead) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(dead, 'the message became a dead letter');
  assert.equal(received.length, 2);

  const session = await openPage(browser, server.base, DESKTOP);
  const { page } = session;
  await signIn(page, server.base, 'admin');
  await page.locator('#nav a[data-screen=outbox]').click();
  await page.locator('main h1').waitFor();
  assert.equal(await page.locator('main h1').textContent(), '消息外发');
  const row = page.locator(`[data-role=outbox] li[data-id="${dead.id}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), new RegExp(c.case_no));
  assert.match(await row.textContent(), /已立案/);
  assert.match(await row.locator('[data-role=last-error]').textContent(), /HTTP 502/);
  assert.match(await page.locator('[data-role=tokens]').textContent(), /hotline-e2e/);
  await shootBoth(page, 'outbox-dead');
  await page.locator('#lang').click();
  await page.locator('html[lang=en]').waitFor({ state: 'attached' });
  await page.getByRole('heading', { name: 'Outbox' }).waitFor();
  await page.locator('#lang').click();
  await page.locator('html[lang=zh-CN]').waitFor({ state: 'attached' });

  failing = false;
  await page.locator(`[data-role=outbox] li[data-id="${dead.id}"] button[data-action=replay]`).click();
  await page.locator(`[data-role=outbox] li[data-id="${dead.id}"]`).waitFor({ state: 'detached' });
  for (let i = 0; i < 200 && !received.some((r) => r.ok); i++) await new Promise((r) => setTimeout(r, 50));
  const delivered = received.find((r) => r.ok);
  assert.ok(delivered, 'the replayed message reached the receiver');
  assert.equal(delivered.key, dead.idempotency_key);
  for (let i = 0; i < 200; i++) {
    const list = (await admin.get('/api/v1/admin/outbox?state=delivered')).data.items;
    if (list.some((m) => m.id === dead.id)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await page.getByRole('tab', { name: '已送达' }).click();
  await page.locator(`[data-role=outbox] li[data-id="${dead.id}"][data-state=delivered]`).waitFor();
  const audit = await admin.get(`/api/v1/admin/audit?subject=outbox_message:${dead.id}`);
  assert.equal(audit.data.items[0].action, 'outbox.replay');
  assertClean(session);
});
