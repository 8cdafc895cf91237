// SPDX-License-Identifier: MIT
// What crosses the wire, as the browser sees it: an error appears next to the
// input the envelope's `field` names (not one guessed from the message).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, demoClient, HONGQI } from '../api/lib.mjs';
import { launch, openPage, assertClean, signIn, DESKTOP } from './browser.mjs';

let server;
let browser;

before(async () => {
  server = await startDemo();
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function waitText(locator, pattern, timeout = 10000) {
  await locator.filter({ hasText: pattern }).first().waitFor({ timeout });
}

test('an error appears next to the input the server names in `field`', async () => {
  // A ticket already on file: the server blames external_id, and its message
  // ("ticket ... is already case ...") never spells that name out.
  const operator = await demoClient(server, 'operator');
  const ticket = 'WIRE-0001';
  const body = { description: '井盖松动', address: '红旗路8号', source: '12345', external_id: ticket, ...HONGQI };
  assert.equal((await operator.post('/api/v1/cases', body)).status, 201);
  const again = await operator.post('/api/v1/cases', body);
  assert.equal(again.status, 409, again.text);
  assert.equal(again.data.error.field, 'external_id');
  assert.doesNotMatch(again.data.error.message, /external_id/);

  const s = await openPage(browser, server.base, DESKTOP);
  const { page } = s;
  s.allow(/status of 409/);
  await signIn(page, server.base, 'operator');
  await page.locator('#nav a[data-screen=hotline]').click();
  const form = page.locator('form[data-role=hotline-form]');
  await form.getByLabel('工单号').fill(ticket);
  await form.getByLabel(/^地址/).fill('红旗路8号');
  await form.getByLabel(/^诉求内容/).fill('井盖松动，再次来电');
  await form.getByRole('button', { name: '登记' }).click();
  await waitText(form.locator('[data-field=external_id] .field-error'), '该工单号已录入过，请勿重复录入。');
  assert.equal(await form.getByLabel('工单号').getAttribute('aria-invalid'), 'true');
  assert.equal(await form.locator('[data-role=form-error]').isHidden(), true, 'not shown as a form-level error');
  assertClean(s);
  await s.context.close();
});
