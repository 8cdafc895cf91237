// SPDX-License-Identifier: MIT
// Checks on the web pages' source that need no browser: both message
// catalogues have the same keys and every key the code names; no user text is
// written as markup (innerHTML, eval, inline scripts or handlers); no page
// names another host; the pinned libraries are where the pages load them from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../api/lib.mjs';

const WEB = join(ROOT, 'web');
const zh = (await import(join(WEB, 'i18n', 'zh.js'))).default;
const en = (await import(join(WEB, 'i18n', 'en.js'))).default;

function files(dir, ext) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !['vendor', 'node_modules'].includes(entry.name)) out.push(...files(path, ext));
    else if (entry.isFile() && entry.name.endsWith(ext)) out.push(path);
  }
  return out;
}

const scripts = files(join(WEB, 'js'), '.js');
const pages = files(WEB, '.html');

test('the catalogues have the same keys, none twice', () => {
  assert.deepEqual(Object.keys(zh).filter((k) => !(k in en)), [], 'keys only in zh.js');
  assert.deepEqual(Object.keys(en).filter((k) => !(k in zh)), [], 'keys only in en.js');
  for (const name of ['zh.js', 'en.js']) {
    const text = readFileSync(join(WEB, 'i18n', name), 'utf8');
    const keys = [...text.matchAll(/^\s*'([^']+)':/gm)].map((m) => m[1]);
    const twice = keys.filter((k, i) => keys.indexOf(k) !== i);
    assert.deepEqual(twice, [], `keys defined twice in ${name}`);
  }
});

test('every message key named in the code and pages exists', () => {
  const used = new Set();
  for (const file of scripts) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z0-9_.-]+)'/g)) used.add(m[1]);
    for (const m of text.matchAll(/\b(?:field|photoPicker|button)\(\s*'([a-zA-Z0-9_.-]+)'/g)) if (m[1]) used.add(m[1]);
    for (const m of text.matchAll(/\b(?:labelKey|emptyKey|reasonKey|i18n):\s*'([a-zA-Z0-9_.-]+)'/g)) used.add(m[1]);
  }
  for (const file of pages) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/data-i18n(?:-[a-z-]+)?="([^"]+)"/g)) used.add(m[1]);
  }
  const missing = [...used].filter((k) => !(k in zh));
  assert.deepEqual(missing, [], 'keys used but not in the catalogues');
  assert.ok(used.size > 100, `found ${used.size} keys`);
  // Keys built at run time from API values: every value the API can send.
  const families = {
    state: ['reported', 'verifying', 'accepted', 'dispatched', 'processing', 'suspended', 'handled', 'checked', 'closed', 'rejected', 'merged'],
    action: ['verify', 'confirm', 'deny', 'accept', 'reject', 'merge', 'dispatch', 'sign', 'request-return', 'request-extension',
      'request-suspension', 'approve', 'refuse', 'resume', 'handle', 'check-pass', 'check-fail', 'close', 'reopen', 'supervise',
      'arrive', 'phase', 'recall'],
    actionHelp: null,
    source: ['patrol', 'web', '12345', '110', '12319', 'video', 'leader', 'media'],
    role: ['inspector', 'operator', 'supervisor', 'department', 'leader', 'admin'],
    light: ['green', 'yellow', 'red'],
    pending: ['return', 'extension', 'suspension'],
    rating: ['satisfied', 'basically_satisfied', 'unsatisfied'],
    unit: ['work_hours', 'work_days', 'urgent_hours'],
    stage: ['file', 'verify', 'dispatch', 'sign', 'arrive', 'handle', 'phase', 'check', 'close'],
    photoStage: ['report', 'before', 'verify', 'after', 'check', 'arrive', 'progress'],
    verdict: ['running', 'on_time', 'late', 'void'],
    // The public timeline's codes (casework_public_code, casework_rating_code).
    public: ['reported', 'fixed_on_spot', 'verifying', 'verified', 'not_verified', 'filed', 'not_filed', 'merged',
      'dispatched', 'signed', 'redispatching', 'extended', 'suspended', 'resumed', 'arrived', 'phase_done', 'handled',
      'check_passed', 'rework', 'closed', 'reopened', 'rated_satisfied', 'rated_basically_satisfied', 'rated_unsatisfied'],
  };
  families.actionHelp = families.action;
  for (const [family, values] of Object.entries(families)) {
    for (const v of values) assert.ok(`${family}.${v}` in zh, `missing ${family}.${v}`);
  }
});

test('no markup strings, eval or inline script in the pages and modules', () => {
  for (const file of scripts) {
    const text = readFileSync(file, 'utf8');
    assert.doesNotMatch(text, /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(/, file);
    assert.doesNotMatch(text, /https?:\/\/(?!www\.w3\.org)/, `${file} names another host`);
  }
  for (const file of pages) {
    const text = readFileSync(file, 'utf8');
    assert.doesNotMatch(text, /<script(?![^>]*\bsrc=)[^>]*>/, `${file} has an inline script`);
    assert.doesNotMatch(text, /\son[a-z]+="/, `${file} has an inline event handler`);
    assert.doesNotMatch(text, /(src|href)="(https?:)?\/\//, `${file} loads from another host`);
    // Visible text comes from the catalogues: elements between tags hold none.
    const body = text.slice(text.indexOf('<body'));
    const stray = [...body.matchAll(/>([^<>]*[\p{L}\p{N}][^<>]*)</gu)].map((m) => m[1].trim()).filter(Boolean);
    assert.deepEqual(stray, [], `${file} has text outside the catalogues`);
  }
});

test('the pinned libraries are installed where the pages load them from', () => {
  const pkg = JSON.parse(readFileSync(join(WEB, 'package.json'), 'utf8'));
  for (const [name, version] of Object.entries(pkg.dependencies)) assert.match(version, /^\d+\.\d+\.\d+$/, `${name} is pinned exactly`);
  assert.ok(existsSync(join(WEB, 'package-lock.json')), 'web/package-lock.json is committed');
  for (const f of ['leaflet/leaflet-src.esm.js', 'leaflet/leaflet.css', 'echarts/echarts.esm.min.mjs']) {
    assert.ok(existsSync(join(WEB, 'vendor', f)), `web/vendor/${f} (run sh web/vendor.sh)`);
  }
});
