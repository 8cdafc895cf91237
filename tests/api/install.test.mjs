// SPDX-License-Identifier: MIT
// `make install` into a DESTDIR: the binary, the front end without its npm
// files, the hardened systemd unit with its paths filled in (and accepted by
// systemd-analyze verify where that is installed), the settings file kept
// across installs; the installed binary serves the installed front end; and
// `make uninstall` removes what install put there but the settings. The
// sanitizer build is installed (SAN=1), so the test builds nothing new.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startServer, tempDir } from './lib.mjs';

function make(args) {
  const r = spawnSync('make', ['-s', '--no-print-directory', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300000 });
  assert.equal(r.status, 0, `make ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

// Every file below dir, as paths relative to it.
function files(dir) {
  return readdirSync(dir, { recursive: true })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

// A unit file as {Section: {Key: [values...]}} (a key may repeat).
function parseUnit(text) {
  const unit = {};
  let section = null;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) { section = header[1]; unit[section] = {}; continue; }
    const i = line.indexOf('=');
    assert.ok(section && i > 0, `a unit line: ${line}`);
    (unit[section][line.slice(0, i)] ??= []).push(line.slice(i + 1));
  }
  return unit;
}

const NOT_INSTALLED = /^(node_modules\/|package\.json$|package-lock\.json$|vendor\.sh$)/;
let dest;
let unitText;
const UNIT = 'usr/local/lib/systemd/system/chengguan.service';
const WEB = 'usr/local/share/chengguan/web';
before(() => {
  dest = tempDir('install-');
  make(['install', `DESTDIR=${dest}`, 'PREFIX=/usr/local', 'SAN=1']);
  unitText = readFileSync(join(dest, UNIT), 'utf8');
});
after(() => { rmSync(dest, { recursive: true, force: true }); });

test('install puts the binary, the front end and the docs under the prefix', () => {
  const bin = statSync(join(dest, 'usr/local/bin/chengguan'));
  assert.equal(bin.mode & 0o777, 0o755);
  const web = join(ROOT, 'web');
  const expected = files(web).filter((f) => !NOT_INSTALLED.test(f));
  assert.ok(expected.includes('index.html') && expected.includes('vendor/leaflet/leaflet.css'));
  assert.deepEqual(files(join(dest, WEB)), expected, 'the front end, without its npm files');
  for (const f of expected) {
    assert.ok(readFileSync(join(dest, WEB, f)).equals(readFileSync(join(web, f))), f);
    assert.equal(statSync(join(dest, WEB, f)).mode & 0o777, 0o644, f);
  }
  for (const f of ['README.md', 'LICENSE']) assert.ok(existsSync(join(dest, 'usr/local/share/doc/chengguan', f)), f);
  // The migrations are in the binary: nothing of migrations/ is installed.
  assert.ok(!files(dest).some((f) => f.endsWith('.sql')));
});

test('the unit runs the installed binary on the installed front end, hardened', () => {
  assert.doesNotMatch(unitText, /@[A-Z]+@/, 'every placeholder filled in');
  const unit = parseUnit(unitText);
  const service = unit.Service;
  const one = (key) => { assert.equal(service[key]?.length, 1, key); return service[key][0]; };
  assert.equal(one('ExecStart'), '/usr/local/bin/chengguan serve');
  assert.ok(service.Environment.includes(`CHENGGUAN_WEB_DIR=/${WEB}`));
  assert.ok(service.Environment.includes('CHENGGUAN_DATA_DIR=/var/lib/chengguan'));
  assert.equal(one('EnvironmentFile'), '-/etc/chengguan/chengguan.env');
  assert.equal(one('User'), 'chengguan');
  assert.equal(one('StateDirectory'), 'chengguan');
  assert.equal(one('ReadWritePaths'), '/var/lib/chengguan');
  for (const [key, value] of Object.entries({
    ProtectSystem: 'strict', ProtectHome: 'yes', PrivateTmp: 'yes', NoNewPrivileges: 'yes',
    CapabilityBoundingSet: '', Restart: 'on-failure',
  })) assert.equal(one(key), value, key);
  assert.deepEqual(one('RestrictAddressFamilies').split(' ').sort(), ['AF_INET', 'AF_INET6']);
  assert.ok(service.SystemCallFilter.includes('@system-service'));
  // systemd waits longer than the server drains before it kills.
  const grace = /\.shutdown_grace_s = (\d+),/.exec(readFileSync(join(ROOT, 'src/core/server.c'), 'utf8'));
  assert.ok(grace, 'the drain limit is found in server.c');
  const stop = Number(one('TimeoutStopSec'));
  assert.ok(stop > Number(grace[1]) && stop <= 3 * Number(grace[1]), `TimeoutStopSec=${stop}, drain ${grace[1]} s`);
  assert.deepEqual(unit.Install.WantedBy, ['multi-user.target']);
});

const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
test('systemd-analyze verify accepts the unit', {
  skip: analyze.status !== 0 && 'systemd-analyze is not installed (apt-get install systemd); the unit was not verified',
}, () => {
  // verify checks that ExecStart exists: point it at the binary in DESTDIR.
  const dir = tempDir('unit-');
  const unit = join(dir, 'chengguan.service');
  writeFileSync(unit, unitText.replace('ExecStart=/usr/local/bin/', `ExecStart=${dest}/usr/local/bin/`));
  const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
  assert.equal(r.status, 0, `systemd-analyze verify:\n${r.stdout}${r.stderr}`);
  assert.doesNotMatch(r.stderr, /chengguan\.service/, r.stderr);
  // The hardening as systemd rates it: 0 is locked down, 10 is unprotected
  // (a unit with no hardening rates 9.6); README says 1.2.
  const security = spawnSync('systemd-analyze', ['security', '--offline=true', unit], { encoding: 'utf8' });
  assert.equal(security.status, 0, `systemd-analyze security:\n${security.stdout}${security.stderr}`);
  const level = /Overall exposure level for chengguan\.service: ([\d.]+)/.exec(security.stdout);
  assert.ok(level, security.stdout.slice(-500));
  assert.ok(Number(level[1]) <= 2, `exposure ${level[1]}`);
  rmSync(dir, { recursive: true, force: true });
});

test('the installed binary finds and serves the installed front end', async () => {
  // No --web-dir and no ./web: the binary looks beside itself, in ../share/chengguan/web.
  const webDir = join(dest, WEB);
  const elsewhere = tempDir('cwd-');
  const server = await startServer({ bin: join(dest, 'usr/local/bin/chengguan'), webDir: null, cwd: elsewhere,
    env: { CHENGGUAN_WEB_DIR: '' } });
  try {
    const page = await fetch(`${server.base}/`);
    assert.equal(page.status, 200);
    assert.equal(await page.text(), readFileSync(join(webDir, 'index.html'), 'utf8'));
    assert.equal((await fetch(`${server.base}/vendor/leaflet/leaflet.css`)).status, 200);
    assert.equal((await fetch(`${server.base}/package.json`)).status, 404);
  } finally {
    await server.stop();
    rmSync(elsewhere, { recursive: true, force: true });
  }
});

test('a second install keeps the settings; another prefix puts the unit in /etc', () => {
  const env = join(dest, 'etc/chengguan/chengguan.env');
  assert.equal(statSync(env).mode & 0o777, 0o600, 'the settings may hold the metrics token');
  writeFileSync(env, 'CHENGGUAN_PORT=9090\n');
  make(['install', `DESTDIR=${dest}`, 'PREFIX=/usr/local', 'SAN=1']);
  assert.equal(readFileSync(env, 'utf8'), 'CHENGGUAN_PORT=9090\n');

  const other = tempDir('install-opt-');
  make(['install', `DESTDIR=${other}`, 'PREFIX=/opt/chengguan', 'SAN=1']);
  const unit = parseUnit(readFileSync(join(other, 'etc/systemd/system/chengguan.service'), 'utf8'));
  assert.deepEqual(unit.Service.ExecStart, ['/opt/chengguan/bin/chengguan serve']);
  assert.ok(unit.Service.Environment.includes('CHENGGUAN_WEB_DIR=/opt/chengguan/share/chengguan/web'));
  assert.ok(existsSync(join(other, 'opt/chengguan/share/chengguan/web/index.html')));
  rmSync(other, { recursive: true, force: true });
});

test('uninstall removes what install put there and keeps the settings', () => {
  const again = tempDir('uninstall-');
  make(['install', `DESTDIR=${again}`, 'PREFIX=/usr/local', 'SAN=1']);
  make(['uninstall', `DESTDIR=${again}`, 'PREFIX=/usr/local']);
  assert.deepEqual(files(again), ['etc/chengguan/chengguan.env']);
  rmSync(again, { recursive: true, force: true });
});
