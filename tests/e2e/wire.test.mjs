// SPDX-License-Identifier: MIT
// What crosses the wire, as the browser sees it: an error appears next to the
// input the envelope's `field` names (not one guessed from the message), a grid
// cell named like markup is shown as text in its map tooltip and runs nothing,
// and the maps and charts draw under a CSP without 'unsafe-inline' styles.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDemo, demoClient, HONGQI } from '../api/lib.mjs';
import { launch, openPage, assertClean, signIn, scratchDir, DESKTOP } from './browser.mjs';

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
  await form.getByRole('combobox', { name: /^地址/ }).fill('红旗路8号');
  await form.getByLabel(/^诉求内容/).fill('井盖松动，再次来电');
  await form.getByRole('button', { name: '登记' }).click();
  await waitText(form.locator('[data-field=external_id] .field-error'), '该工单号已录入过，请勿重复录入。');
  assert.equal(await form.getByLabel('工单号').getAttribute('aria-invalid'), 'true');
  assert.equal(await form.locator('[data-role=form-error]').isHidden(), true, 'not shown as a form-level error');
  assertClean(s);
  await s.context.close();
});

// A cell north of the demo city, wider than the city, named like markup.
const MARKUP = '<img src=x onerror="window.__xss=1">';
const lonAt = (i) => (1109113000 + i * 9700) / 1e7;
const latAt = (j) => (216636000 - j * 9000) / 1e7;

function markupCellFile() {
  const [w, e, s, n] = [lonAt(0), lonAt(18), latAt(-1.2), latAt(-3)];
  const path = join(scratchDir(), 'markup-cell.geojson');
  writeFileSync(path, JSON.stringify({ type: 'FeatureCollection', features: [{
    type: 'Feature',
    properties: { code: '440902001001050', name: MARKUP },
    geometry: { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] },
  }] }));
  return path;
}

test('a grid cell named like markup shows as text in its tooltip and runs nothing', async () => {
  const s = await openPage(browser, server.base, DESKTOP);
  const { page } = s;
  await signIn(page, server.base, 'admin');
  await page.locator('#nav a[data-screen=grids]').click();
  const map = page.locator('.map').first();
  const paths = map.locator('path.leaflet-interactive');
  // The shapes' boxes, once two looks 300 ms apart agree (no zoom or pan running:
  // Leaflet drops a new fit asked for while one is still animating).
  const settledBoxes = async () => {
    for (let look = 0; look < 50; look++) {
      const first = await paths.evaluateAll((els) => els.map((el) => el.getBoundingClientRect().toJSON()));
      await page.waitForTimeout(300);
      const then = await paths.evaluateAll((els) => els.map((el) => el.getBoundingClientRect().toJSON()));
      if (first.length && JSON.stringify(first) === JSON.stringify(then)) return then;
    }
    throw new Error('the grid map never settled');
  };
  const before = (await settledBoxes()).length;
  const form = page.locator('form').filter({ has: page.locator('input[type=file]') });
  await form.locator('input[type=file]').setInputFiles(markupCellFile());
  await form.getByRole('button', { name: '导入' }).click();
  await waitText(page.locator('[data-role=import-report]'), '已导入 1 个网格，拒绝 0 个。');

  // The map is redrawn to fit every cell; the imported one is the northernmost shape.
  await page.waitForFunction((n) => document.querySelectorAll('.map path.leaflet-interactive').length === n, before + 1);
  const view = await map.boundingBox();
  let top = (await settledBoxes()).reduce((a, b) => (b.top < a.top ? b : a));
  for (let i = 0; i < 3 && top.top < view.y; i++) { // not in view: zoom out around the centre
    await map.locator('.leaflet-control-zoom-out').click();
    top = (await settledBoxes()).reduce((a, b) => (b.top < a.top ? b : a));
  }
  const x = top.left + top.width / 2;
  const y = Math.max(top.top, view.y) + (Math.min(top.bottom, view.y + view.height) - Math.max(top.top, view.y)) / 2;
  await page.mouse.move(x, y + 1);
  await page.mouse.move(x, y, { steps: 3 });
  const tooltip = page.locator('.leaflet-tooltip:not(.map-label)');
  await tooltip.waitFor();
  const lines = await tooltip.locator('.map-tip > div').allTextContents();
  assert.equal(lines[0], MARKUP, 'the name is shown literally');
  assert.match(lines[1], /红旗/, 'then its community and street');
  assert.equal(await tooltip.locator('img').count(), 0, 'no element was made from the name');
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'no script ran');
  assertClean(s); // also: no request for "x" and no CSP report
  await s.context.close();
});

test('maps and charts draw under a CSP without inline styles', async () => {
  const s = await openPage(browser, server.base, DESKTOP);
  const { page } = s;
  const response = await page.goto(`${server.base}/staff.html`);
  const csp = response.headers()['content-security-policy'];
  assert.match(csp, /style-src 'self';/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  await signIn(page, server.base, 'leader');
  await page.getByRole('heading', { name: '总览' }).waitFor();
  // Hovering a chart shows its tooltip (drawn on the canvas, not as styled markup).
  const chart = page.locator('section.card').filter({ hasText: '各状态案件数' }).locator('canvas').first();
  await chart.waitFor();
  const box = await chart.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.move(box.x + box.width / 2 + 8, box.y + box.height / 2);
  await page.waitForTimeout(600);
  // Leaflet's style sheet is a file from web/vendor and applies under the CSP.
  await page.locator('#nav a[data-screen=map]').click();
  await page.locator('.leaflet-pane').first().waitFor({ state: 'attached' });
  assert.equal(await page.locator('.leaflet-pane').first().evaluate((el) => getComputedStyle(el).position), 'absolute');
  assert.equal(await page.locator('.leaflet-container').first().evaluate((el) => getComputedStyle(el).overflow), 'hidden');
  const sheets = await page.evaluate(() => [...document.styleSheets].map((sheet) => sheet.href));
  assert.ok(sheets.some((href) => /\/vendor\/leaflet\/leaflet\.css$/.test(href || '')), sheets.join(', '));
  assert.ok(sheets.every(Boolean), 'no inline <style> sheets');
  assertClean(s);
  await s.context.close();
});
