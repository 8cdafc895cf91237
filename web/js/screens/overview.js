// SPDX-License-Identifier: MIT
// The leader's overview of the jurisdiction from /stats/overview: headline
// tiles (open, overdue, pending approvals, filed and closed in 30 days,
// satisfaction), ECharts charts by state, by street and by source, the top
// categories, and the overdue cases with the supervise (督办) button; polled.
import * as echarts from '../../vendor/echarts/echarts.esm.min.mjs';
import { h, clear } from '../dom.js';
import { t, has, localName, formatTime } from '../i18n.js';
import { get, errorText } from '../api.js';
import { caseTable } from '../caselist.js';
import { streets } from '../refdata.js';

const STATES = ['reported', 'verifying', 'accepted', 'dispatched', 'processing', 'suspended', 'handled', 'checked', 'closed', 'rejected', 'merged'];
const OPEN = STATES.slice(0, 8);
const RATINGS = ['satisfied', 'basically_satisfied', 'unsatisfied'];
const BLUE = '#1d64c8';
const RED = '#c62828';
const NARROW_PX = 520;
const SOURCE_COLOURS = ['#1d64c8', '#0f9d8a', '#f59e0b', '#8b5cf6', '#ef4444', '#64748b', '#22c55e', '#db2777'];
// Tooltips drawn on the canvas: ECharts' HTML tooltips parse names (streets,
// sources) as markup and carry inline styles, which the page's CSP refuses.
const TOOLTIP_MODE = 'richText';

function tile(cls, value, key, role, opts = {}) {
  const body = [h('div', { class: 'n' }, value), h('div', { class: 'l' }, t(key)), opts.sub ? h('div', { class: 's' }, opts.sub) : null];
  return opts.href
    ? h('a', { class: `tile tile-link ${cls}`, href: opts.href, dataset: { tile: role } }, body)
    : h('div', { class: `tile ${cls}`, dataset: { tile: role } }, body);
}

// The share of ratings that are satisfied or basically satisfied, or null with none.
function satisfactionRate(s) {
  const rated = RATINGS.reduce((n, r) => n + (s[r] || 0), 0);
  return { rated, rate: rated ? Math.round(((s.satisfied || 0) + (s.basically_satisfied || 0)) * 100 / rated) : null };
}

function sourceName(key) {
  return has(`source.${key}`) ? t(`source.${key}`) : key;
}

// Chart options telling the reader there is nothing to show.
function emptyOption() {
  return { title: { text: t('overview.noData'), left: 'center', top: 'middle', textStyle: { color: '#5b6b80', fontSize: 14, fontWeight: 'normal' } } };
}

function countList(role, rows) {
  return h('dl', { class: 'kv kv-counts', dataset: { role } }, rows.map(([key, label, value]) => [
    h('dt', {}, label), h('dd', { dataset: { key } }, String(value))]));
}

/** Renders the overview. */
export async function render(ctx) {
  const tiles = h('div', { class: 'tiles', dataset: { role: 'tiles' } });
  const stateBox = h('div', { class: 'chart', role: 'img', 'aria-label': t('overview.byState') });
  const streetBox = h('div', { class: 'chart', role: 'img', 'aria-label': t('overview.byStreet') });
  const sourceBox = h('div', { class: 'chart chart-short', role: 'img', 'aria-label': t('overview.bySource') });
  const stateText = h('div', {});
  const streetText = h('div', {});
  const sourceText = h('div', {});
  const categoryBox = h('div', {});
  const table = h('div', {});
  const status = h('span', { class: 'muted', role: 'status' });
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  ctx.main.append(
    h('div', { class: 'screen-head' }, h('h1', {}, t('nav.overview')), status),
    error, tiles,
    h('div', { class: 'grid-2' },
      h('section', { class: 'card' }, h('h2', {}, t('overview.byState')), stateBox, stateText),
      h('section', { class: 'card' }, h('h2', {}, t('overview.byStreet')), streetBox, streetText)),
    h('div', { class: 'grid-2' },
      h('section', { class: 'card' }, h('h2', {}, t('overview.topCategories')), categoryBox),
      h('section', { class: 'card' }, h('h2', {}, t('overview.bySource')), sourceBox, sourceText)),
    h('section', { class: 'card' }, h('h2', {}, t('overview.overdue')), h('p', { class: 'muted' }, t('overview.overdueIntro')), table));
  const charts = [stateBox, streetBox, sourceBox].map((box) => echarts.init(box, null, { renderer: 'canvas' }));
  const [stateChart, streetChart, sourceChart] = charts;
  let last = null;
  let wasNarrow = stateBox.clientWidth < NARROW_PX;
  const resize = () => {
    charts.forEach((c) => c.resize());
    const narrow = stateBox.clientWidth < NARROW_PX;
    if (last && narrow !== wasNarrow) draw(last);
    wasNarrow = narrow;
  };
  window.addEventListener('resize', resize);
  ctx.onCleanup(() => { window.removeEventListener('resize', resize); charts.forEach((c) => c.dispose()); });
  const streetNames = new Map((await streets().catch(() => [])).map((s) => [s.code, localName(s)]));

  function drawTiles(o) {
    const { rated, rate } = satisfactionRate(o.satisfaction || {});
    clear(tiles).append(
      tile('', String(o.open), 'overview.open', 'open', { href: '#/open' }),
      tile('red', String(o.overdue), 'overview.overdueCount', 'overdue', { href: '#/open?overdue=1' }),
      tile('yellow', String(o.pending_requests), 'overview.pending', 'pending'),
      tile('', String(o.created_30d), 'overview.created30', 'created30'),
      tile('green', String(o.closed_30d), 'overview.closed30', 'closed30'),
      tile('', rate === null ? '—' : `${rate}%`, 'overview.satisfaction', 'satisfaction', { sub: t('overview.rated', { n: rated }) }));
  }

  function drawStates(o) {
    const byState = o.by_state || {};
    const names = STATES.map((s) => t(`state.${s}`));
    const values = STATES.map((s) => byState[s] || 0);
    // Phones get horizontal bars so that every state's name stays legible.
    const narrow = stateBox.clientWidth < NARROW_PX;
    const category = { type: 'category', data: names, axisLabel: narrow ? { interval: 0 } : { rotate: 35, interval: 0 } };
    const value = { type: 'value', minInterval: 1 };
    stateChart.setOption({
      grid: narrow ? { left: 8, right: 28, top: 8, bottom: 24, containLabel: true } : { left: 40, right: 12, top: 20, bottom: 70 },
      tooltip: { trigger: 'axis', renderMode: TOOLTIP_MODE },
      xAxis: narrow ? value : category,
      yAxis: narrow ? { ...category, inverse: true } : value,
      series: [{ type: 'bar', data: values, barMaxWidth: 56, itemStyle: { color: BLUE }, label: { show: true, position: narrow ? 'right' : 'top' } }],
    }, true);
    // The same numbers as text, for screen readers and tests.
    clear(stateText).append(h('dl', { class: 'kv kv-counts', dataset: { role: 'state-counts' } },
      STATES.map((s) => [h('dt', {}, t(`state.${s}`)), h('dd', { dataset: { state: s } }, String(byState[s] || 0))])));
  }

  function drawStreets(o) {
    const rows = o.by_street || [];
    const names = rows.map((r) => streetNames.get(r.code) || r.name);
    streetChart.setOption(rows.length ? {
      grid: { left: 40, right: 12, top: 36, bottom: 40 },
      tooltip: { trigger: 'axis', renderMode: TOOLTIP_MODE },
      legend: { top: 0 },
      xAxis: { type: 'category', data: names, axisLabel: { interval: 0 } },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        { name: t('overview.open'), type: 'bar', data: rows.map((r) => r.open), barMaxWidth: 56, itemStyle: { color: BLUE }, label: { show: true, position: 'top' } },
        { name: t('overview.overdueCount'), type: 'bar', data: rows.map((r) => r.overdue), barMaxWidth: 56, itemStyle: { color: RED }, label: { show: true, position: 'top' } },
      ],
    } : emptyOption(), true);
    clear(streetText).append(rows.length ? h('table', { class: 'case-table stat-table', dataset: { role: 'street-counts' } },
      h('thead', {}, h('tr', {}, ['overview.street', 'overview.open', 'overview.overdueCount', 'state.closed'].map((k, i) => h('th', { scope: 'col', class: i ? 'num' : null }, t(k))))),
      h('tbody', {}, rows.map((r, i) => h('tr', { dataset: { street: r.code } },
        h('th', { scope: 'row' }, names[i]),
        h('td', { 'data-label': t('overview.open'), class: 'num' }, String(r.open)),
        h('td', { 'data-label': t('overview.overdueCount'), class: 'num' + (r.overdue ? ' warn' : '') }, String(r.overdue)),
        h('td', { 'data-label': t('state.closed'), class: 'num' }, String(r.closed)))))) : null);
  }

  function drawCategories(o) {
    const rows = o.by_category || [];
    const top = Math.max(1, ...rows.map((r) => r.count));
    clear(categoryBox).append(rows.length ? h('ol', { class: 'bar-list', dataset: { role: 'top-categories' } },
      rows.map((r) => h('li', { dataset: { categoryId: String(r.id) } },
        h('span', { class: 'bar-label' }, h('span', { class: 'mono' }, r.code), ' ', localName(r),
          h('span', { class: 'muted' }, ` · ${t(r.tree === 'component' ? 'overview.tree.component' : 'overview.tree.event')}`)),
        h('span', { class: 'bar-track', 'aria-hidden': 'true' }, h('span', { class: 'bar-fill', style: { width: `${Math.round(r.count * 100 / top)}%` } })),
        h('span', { class: 'bar-value' }, String(r.count)))))
      : h('p', { class: 'empty' }, t('overview.noData')));
  }

  function drawSources(o) {
    const entries = Object.entries(o.by_source || {}).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
    // On phones the names go to the legend only: outside labels would be cut.
    const narrow = sourceBox.clientWidth < NARROW_PX;
    sourceChart.setOption(entries.length ? {
      tooltip: { trigger: 'item', renderMode: TOOLTIP_MODE, formatter: '{b}: {c} ({d}%)' },
      legend: { bottom: 0 },
      color: SOURCE_COLOURS,
      series: [{ type: 'pie', radius: narrow ? ['34%', '62%'] : ['38%', '66%'], center: ['50%', narrow ? '40%' : '45%'],
        label: narrow ? { position: 'inside', formatter: '{c}', color: '#fff', fontWeight: 'bold' } : { formatter: '{b}: {c}' },
        data: entries.map(([key, n]) => ({ name: sourceName(key), value: n })) }],
    } : emptyOption(), true);
    const s = o.satisfaction || {};
    clear(sourceText).append(
      countList('source-counts', entries.map(([key, n]) => [key, sourceName(key), n])),
      h('p', { class: 'muted', dataset: { role: 'self-handled' } }, t('overview.selfHandled', { n: o.self_handled || 0 })),
      h('h3', {}, t('overview.ratings')),
      countList('rating-counts', RATINGS.map((r) => [r, t(`rating.${r}`), s[r] || 0])),
      h('p', { class: 'hint' }, t('overview.rateHint')));
  }

  function draw(o) {
    drawTiles(o);
    drawStates(o);
    drawStreets(o);
    drawCategories(o);
    drawSources(o);
  }

  async function load() {
    try {
      const [o, overdue] = await Promise.all([
        get('/api/v1/stats/overview'),
        get(`/api/v1/cases?status=${OPEN.join(',')}&overdue=1&sort=deadline&limit=50`),
      ]);
      if (!ctx.isCurrent()) return;
      last = o;
      draw(o);
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
