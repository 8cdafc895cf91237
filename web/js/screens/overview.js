// SPDX-License-Identifier: MIT
// The leader's overview of the jurisdiction: counts by state (an ECharts bar
// chart), the lights of the open cases (a pie), overdue cases with the
// supervise (督办) button, refreshed by polling.
import * as echarts from '../../vendor/echarts/echarts.esm.min.mjs';
import { h, clear } from '../dom.js';
import { t, formatTime } from '../i18n.js';
import { get, errorText } from '../api.js';
import { caseTable } from '../caselist.js';

const STATES = ['reported', 'verifying', 'accepted', 'dispatched', 'processing', 'suspended', 'handled', 'checked', 'closed', 'rejected', 'merged'];
const OPEN = STATES.slice(0, 8);
const MAX_PAGES = 10;

// Counts the cases matching query by walking the pages (at most MAX_PAGES of 100).
async function count(query) {
  let n = 0;
  let cursor = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const data = await get(`/api/v1/cases?${query}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    n += (data.items || []).length;
    cursor = data.next_cursor;
    if (!cursor) return { n, capped: false };
  }
  return { n, capped: true };
}

function tile(cls, value, key, role) {
  return h('div', { class: `tile ${cls}`, dataset: { tile: role } }, h('div', { class: 'n' }, value), h('div', { class: 'l' }, t(key)));
}

/** Renders the overview. */
export async function render(ctx) {
  const tiles = h('div', { class: 'tiles' });
  const barBox = h('div', { class: 'chart', role: 'img', 'aria-label': t('overview.byState') });
  const pieBox = h('div', { class: 'chart', role: 'img', 'aria-label': t('overview.lights') });
  const table = h('div', {});
  const stateTable = h('div', { class: 'sr-table' });
  const status = h('span', { class: 'muted', role: 'status' });
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  ctx.main.append(
    h('div', { class: 'screen-head' }, h('h1', {}, t('nav.overview')), status),
    error, tiles,
    h('div', { class: 'grid-2' },
      h('section', { class: 'card' }, h('h2', {}, t('overview.byState')), barBox, stateTable),
      h('section', { class: 'card' }, h('h2', {}, t('overview.lights')), pieBox)),
    h('section', { class: 'card' }, h('h2', {}, t('overview.overdue')), h('p', { class: 'muted' }, t('overview.overdueIntro')), table));
  const bar = echarts.init(barBox, null, { renderer: 'canvas' });
  const pie = echarts.init(pieBox, null, { renderer: 'canvas' });
  const resize = () => { bar.resize(); pie.resize(); };
  window.addEventListener('resize', resize);
  ctx.onCleanup(() => { window.removeEventListener('resize', resize); bar.dispose(); pie.dispose(); });

  async function load() {
    try {
      const counts = await Promise.all(STATES.map((s) => count(`status=${s}`)));
      const open = await get(`/api/v1/cases?status=${OPEN.join(',')}&sort=deadline&limit=100`);
      const overdue = await get(`/api/v1/cases?status=${OPEN.join(',')}&overdue=1&sort=deadline&limit=50`);
      if (!ctx.isCurrent()) return;
      const byState = Object.fromEntries(STATES.map((s, i) => [s, counts[i]]));
      const fmt = (c) => `${c.n}${c.capped ? '+' : ''}`;
      const openTotal = OPEN.reduce((sum, s) => sum + byState[s].n, 0);
      const lights = { green: 0, yellow: 0, red: 0 };
      for (const c of open.items || []) if (c.clock && lights[c.clock.light] !== undefined) lights[c.clock.light] += 1;
      clear(tiles).append(
        tile('', String(openTotal), 'overview.open', 'open'),
        tile('red', String((overdue.items || []).length) + (overdue.next_cursor ? '+' : ''), 'overview.overdueCount', 'overdue'),
        tile('yellow', String(byState.handled.n + byState.checked.n), 'overview.awaitingCheck', 'check'),
        tile('green', fmt(byState.closed), 'state.closed', 'closed'),
        tile('', fmt(byState.rejected), 'state.rejected', 'rejected'));
      bar.setOption({
        grid: { left: 40, right: 12, top: 16, bottom: 70 },
        tooltip: { trigger: 'axis' },
        xAxis: { type: 'category', data: STATES.map((s) => t(`state.${s}`)), axisLabel: { rotate: 35, interval: 0 } },
        yAxis: { type: 'value', minInterval: 1 },
        series: [{ type: 'bar', data: STATES.map((s) => byState[s].n), itemStyle: { color: '#1d64c8' }, label: { show: true, position: 'top' } }],
      }, true);
      pie.setOption({
        tooltip: { trigger: 'item' },
        legend: { bottom: 0 },
        series: [{ type: 'pie', radius: ['40%', '70%'], label: { formatter: '{b}: {c}' },
          data: [
            { name: t('light.green'), value: lights.green, itemStyle: { color: '#22c55e' } },
            { name: t('light.yellow'), value: lights.yellow, itemStyle: { color: '#facc15' } },
            { name: t('light.red'), value: lights.red, itemStyle: { color: '#ef4444' } },
          ] }],
      }, true);
      // The same numbers as text, for screen readers and tests.
      clear(stateTable).append(h('dl', { class: 'kv', dataset: { role: 'state-counts' } },
        STATES.map((s) => [h('dt', {}, t(`state.${s}`)), h('dd', { dataset: { state: s } }, fmt(byState[s]))])));
      clear(table).append(caseTable(overdue.items || [], { quick: ['supervise'], emptyKey: 'overview.noOverdue' }));
      status.textContent = t('common.updated', { time: formatTime(Date.now()) });
      error.hidden = true;
    } catch (err) {
      if (!ctx.isCurrent()) return;
      error.textContent = errorText(err);
      error.hidden = false;
    }
  }
  await load();
  ctx.poll(load, 30000);
}
