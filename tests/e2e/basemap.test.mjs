// SPDX-License-Identifier: MIT
// The gazetteer in the browser: address autocomplete on the citizen form at
// 360 px (typed, chosen by keyboard, the marker and the cell follow), on the
// operator's hotline form (a chosen address files the case in its cell), and
// screenshots in Chinese of the maps with the base layer drawn from the
// gazetteer (citizen form, case map, wall): basemap-citizen-zh.png,
// basemap-casemap-zh.png, basemap-wall-zh.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, demoClient } from '../api/lib.mjs';
import { launch, openPage, assertClean, signIn, shootOne } from './browser.mjs';

const NARROW = { width: 360, height: 740 };
let server;
let browser;
let supervisor;

before(async () => {
  server = await startDemo();
  browser = await launch();
  supervisor = await demoClient(server, 'supervisor');
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

// Waits until the map in container has drawn its base layer.
async function baseDrawn(page, container = '.map') {
  await page.locator(`${container}[data-basemap=drawn]`).first().waitFor();
  await page.waitForTimeout(300);
}

test('the citizen form completes a typed address at 360 px and places the report in its cell', async () => {
  const session = await openPage(browser, server.base, NARROW);
  const { page } = session;
  await page.goto(`${server.base}/index.html`);
  await baseDrawn(page, '#report-map');
  const address = page.getByRole('combobox', { name: /详细地址/ });
  await address.fill('油城五路12');
  const options = page.getByRole('option');
  await options.first().waitFor();
  assert.equal(await address.getAttribute('aria-expanded'), 'true');
  assert.match(await options.first().textContent(), /油城五路12号/);
  // The list fits the narrow screen.
  const box = await page.locator('.combo-list').boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= NARROW.width, `list inside 360 px: ${JSON.stringify(box)}`);
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrollWidth <= NARROW.width, `no sideways scrolling: ${scrollWidth}`);
  await address.press('ArrowDown');
  assert.equal(await options.first().getAttribute('aria-selected'), 'true');
  await address.press('Enter');
  assert.equal(await address.inputValue(), '油城五路12号');
  assert.equal(await address.getAttribute('aria-expanded'), 'false');
  // The marker and the cell of the chosen number.
  await page.locator('#place-status').filter({ hasText: '河西街道' }).waitFor();
  assert.equal(await page.locator('#report-map .leaflet-marker-icon').count(), 1);
  await page.locator('#description').fill('门口的井盖缺失了');
  await shootOne(page, 'basemap-citizen-zh');
  await page.locator('#report-submit').click();
  await page.locator('#receipt').filter({ hasText: '河西街道' }).waitFor();
  assertClean(session);
  await session.context.close();
});

test('the hotline form places a case by its typed address', async () => {
  const session = await openPage(browser, server.base);
  const { page } = session;
  await signIn(page, server.base, 'operator');
  await page.goto(`${server.base}/staff.html#/hotline`);
  const address = page.getByRole('combobox', { name: /地址/ });
  await address.fill('红旗路31');
  await page.getByRole('option', { name: /红旗路31号/ }).click();
  await page.locator('[data-role=address-placed]').filter({ hasText: '红旗街道' }).waitFor();
  await page.locator('textarea[name=description]').fill('门口垃圾堆放多日');
  await page.locator('form[data-role=hotline-form] button[type=submit]').click();
  const link = page.locator('[data-role=result] a').first();
  await link.waitFor();
  const id = (await link.getAttribute('href')).match(/case\/(\d+)/)[1];
  const c = (await supervisor.get(`/api/v1/cases/${id}`)).data;
  assert.equal(c.place.address, '红旗路31号');
  assert.equal(c.place.street, '红旗街道');
  assert.match(c.place.grid, /^440902001/);
  assertClean(session);
  await session.context.close();
});

test('the case map and the wall draw the base layer under the cells', async () => {
  const session = await openPage(browser, server.base);
  const { page } = session;
  await signIn(page, server.base, 'supervisor');
  await page.goto(`${server.base}/staff.html#/map`);
  await baseDrawn(page);
  await page.locator('.leaflet-tooltip.map-label').filter({ hasText: '油城四路' }).first().waitFor();
  await shootOne(page, 'basemap-casemap-zh');
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto(`${server.base}/staff.html#/wall`);
  await baseDrawn(page);
  await shootOne(page, 'basemap-wall-zh');
  assertClean(session);
  await session.context.close();
});
