// SPDX-License-Identifier: MIT
// Helpers for the browser tests: launch Debian's chromium through
// playwright-core, open pages that record console errors, page errors and any
// request to a host other than the server's own, sign staff in, and write
// screenshots of a screen in both languages to tests/screenshots/.
import { chromium } from 'playwright-core';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { ROOT, DEMO_PASSWORD, makePng, tempDir } from '../api/lib.mjs';

export const SCREENSHOTS = join(ROOT, 'tests', 'screenshots');
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1440, height: 900 };

/** Launches headless chromium. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/**
 * Opens a page in a fresh context (no cookies, no storage) with the given
 * viewport. Returns {page, context, problems, allow(regexp)}: problems collects
 * console errors, page errors and foreign requests; allow() tolerates console
 * errors matching a pattern (for steps that provoke one on purpose).
 */
export async function openPage(browser, base, viewport = DESKTOP) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  const problems = [];
  const allowed = [];
  const origin = new URL(base).origin;
  page.on('console', (m) => {
    if (m.type() === 'error' && !allowed.some((re) => re.test(m.text()))) problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    const url = r.url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    if (new URL(url).origin !== origin) problems.push(`request to another host: ${url}`);
  });
  page.setDefaultTimeout(15000);
  return { page, context, problems, allow: (re) => allowed.push(re) };
}

/** Asserts that nothing went wrong on the page so far. */
export function assertClean(session) {
  assert.deepEqual(session.problems, [], 'console errors, page errors or foreign requests');
}

/** Signs a demo user in on staff.html and waits for the workspace. */
export async function signIn(page, base, username) {
  await page.goto(`${base}/staff.html`);
  await page.getByLabel(/用户名|User name/).fill(username);
  await page.getByLabel(/^(密码|Password)/).fill(DEMO_PASSWORD);
  await page.locator('form.signin button[type=submit]').click();
  await page.locator('#nav a').first().waitFor();
}

let scratch = null;
/** A temp directory for this test process, removed when it exits. */
export function scratchDir() {
  if (!scratch) {
    scratch = tempDir('e2e-');
    process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
  }
  return scratch;
}

/** Writes a PNG made by makePng(seed) to a temp file and returns its path. */
export function pngFile(seed) {
  const path = join(scratchDir(), `photo-${seed}.png`);
  writeFileSync(path, makePng(seed));
  return path;
}

/**
 * Screenshots the page as name-zh.png and name-en.png: switches to English with
 * the language button, waits for English text, and switches back to Chinese.
 * Assumes the page is in Chinese when called.
 */
export async function shootBoth(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-zh.png`), fullPage: true });
  await page.locator('#lang').click();
  await page.locator('html[lang=en]').waitFor({ state: 'attached' });
  await page.waitForTimeout(600);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-en.png`), fullPage: true });
  await page.locator('#lang').click();
  await page.locator('html[lang=zh-CN]').waitFor({ state: 'attached' });
  await page.waitForTimeout(400);
}

/** Screenshots the page as it is, in its current language, as name.png. */
export async function shootOne(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
