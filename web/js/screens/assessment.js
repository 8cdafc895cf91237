// SPDX-License-Identifier: MIT
// The assessment (综合评价) for leaders, supervisors and admins: a period (a
// month with previous and next, or a date range), group tabs, the ranking by
// composite with grades, every rate and count of the group, each report count a
// link to exactly the cases behind it, and 30- or 90-day trends in ECharts for
// the jurisdiction or one unit. Everything is kept in the URL hash.
import * as echarts from '../../vendor/echarts/echarts.esm.min.mjs';
import { h, clear } from '../dom.js';
import { t, has } from '../i18n.js';
import { get, errorText } from '../api.js';
import { field } from '../widgets.js';

const GROUPS = ['department', 'street', 'community', 'grid', 'inspector', 'operator'];
// The groups a trend can be drawn for, one unit at a time.
const TREND_GROUPS = new Set(['department', 'street', 'community', 'grid']);
const ZONE_MS = 8 * 3600000; // the server's calendar: UTC+8
const TOOLTIP_MODE = 'richText'; // canvas tooltips: the CSP refuses ECharts' inline styles
const COLOURS = { reported: '#1d64c8', filed: '#0f9d8a', closed: '#15803d', rate: '#f59e0b' };

// The states behind each report count (the assessment's rule: merged
// duplicates are not counted; filed is anything past a decision but a rejection).
const FILED = 'accepted,dispatched,processing,suspended,handled,checked,closed';
const DECIDED = `${FILED},rejected`;
const REPORTED = `reported,verifying,${DECIDED}`;
const COUNT_STATES = {
  reported: REPORTED, decided: DECIDED, filed: FILED, closed: 'closed',
  reports: REPORTED, reports_decided: DECIDED, reports_filed: FILED,
};
// The case list filter of a row, for groups whose counts drill down.
const DRILL = {
  street: (row) => `street=${row.code}`,
  community: (row) => `community=${row.code}`,
  grid: (row) => `grid=${row.code}`,
  inspector: (row) => `reporter=${row.id}&source=patrol`,
};

const thisMonth = () => new Date(Date.now() + ZONE_MS).toISOString().slice(0, 7);

function shiftMonth(month, by) {
  const [y, m] = month.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 1 + by, 1));
  return d.toISOString().slice(0, 7);
}

const percent = (v) => `${Math.round(v * 1000) / 10}%`;

function label(kind, name) {
  const key = `assess.${kind}.${name}`;
  return has(key) ? t(key) : name;
}

// A rate or composite that may be null: "—" with the reason as a tooltip.
function valueCell(v, format) {
  if (v === null || v === undefined) {
    return h('span', { class: 'assess-null', title: t('assess.nullWhy'), 'aria-label': t('assess.nullWhy') }, '—');
  }
  return format(v);
}

function gradeBadge(grade) {
  if (!grade) return valueCell(null);
  return h('span', { class: `assess-grade assess-grade-${grade}`, dataset: { grade } }, grade);
}

/** Renders the assessment screen. */
export async function render(ctx) {
  const q = ctx.query;
  const group = GROUPS.includes(q.get('group')) ? q.get('group') : 'street';
  const ranged = q.get('from') && q.get('to');
  const month = /^\d{4}-\d{2}$/.test(q.get('period') || '') ? q.get('period') : thisMonth();
  const days = q.get('days') === '90' ? 90 : 30;
  const unit = TREND_GROUPS.has(group) && /^\d+$/.test(q.get('unit') || '') ? q.get('unit') : '';

  // Moves to the same screen with some query values changed (a new render).
  const go = (changes) => {
    const next = new URLSearchParams(q);
    for (const [k, v] of Object.entries(changes)) if (v) next.set(k, v); else next.delete(k);
    ctx.navigate(`#/assessment?${next}`);
  };

  const status = h('span', { class: 'muted', role: 'status' });
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const monthInput = h('input', { type: 'month', name: 'period', value: ranged ? '' : month,
    onchange: (e) => e.target.value && go({ period: e.target.value, from: '', to: '' }) });
  const fromInput = h('input', { type: 'date', name: 'from', value: q.get('from') || '' });
  const toInput = h('input', { type: 'date', name: 'to', value: q.get('to') || '' });
  const base = ranged ? thisMonth() : month;
  const toolbar = h('form', { class: 'toolbar assess-period', 'aria-label': t('assess.period'),
    onsubmit: (e) => { e.preventDefault(); if (fromInput.value && toInput.value) go({ from: fromInput.value, to: toInput.value, period: '' }); } },
  h('button', { type: 'button', class: 'btn btn-small', dataset: { role: 'prev' }, onclick: () => go({ period: shiftMonth(base, -1), from: '', to: '' }) }, t('assess.prev')),
  field('assess.month', monthInput),
  h('button', { type: 'button', class: 'btn btn-small', dataset: { role: 'next' }, onclick: () => go({ period: shiftMonth(base, 1), from: '', to: '' }) }, t('assess.next')),
  field('assess.from', fromInput), field('assess.to', toInput),
  h('button', { type: 'submit', class: 'btn btn-small' }, t('assess.apply')));

  const tabs = h('div', { class: 'tabs assess-tabs', role: 'tablist', 'aria-label': t('assess.groups') },
    GROUPS.map((g) => h('button', { type: 'button', role: 'tab', 'aria-selected': g === group ? 'true' : 'false',
      dataset: { group: g }, onclick: () => go({ group: g, unit: '' }) }, t(`assess.group.${g}`))));

  const ranking = h('div', { class: 'assess-scroll' });
  const period = ranged ? `from=${q.get('from')}&to=${q.get('to')}` : `period=${month}`;
  // The table as a spreadsheet (the same query with format=), Chinese headers.
  const downloads = (path, name) => h('div', { class: 'row assess-downloads', dataset: { role: `download-${name}` } },
    ['csv', 'xlsx'].map((format) => h('a', { class: 'btn btn-small', href: `${path}&format=${format}`, download: '',
      dataset: { format } }, t(`assess.download.${format}`))));
  const pointsBox = h('section', { class: 'card', dataset: { role: 'points' }, hidden: group !== 'inspector' },
    h('div', { class: 'screen-head' }, h('h2', {}, t('assess.points')), downloads(`/api/v1/assessment/points?${period}`, 'points')));
  const chartBox = h('div', { class: 'chart', role: 'img', 'aria-label': t('assess.trend') });
  const trendText = h('div', {});
  const trendScope = h('span', { class: 'muted', dataset: { role: 'trend-scope' } });
  const dayButtons = [30, 90].map((n) => h('button', { type: 'button', class: 'btn btn-small', 'aria-pressed': n === days ? 'true' : 'false',
    dataset: { days: String(n) }, onclick: () => go({ days: String(n) }) }, t('assess.days', { n })));

  ctx.main.append(
    h('div', { class: 'screen-head' }, h('h1', {}, t('nav.assessment')), status),
    h('p', { class: 'muted' }, t('assess.intro')),
    toolbar, tabs, error,
    h('section', { class: 'card', dataset: { role: 'ranking' } },
      h('div', { class: 'screen-head' }, h('h2', {}, t('assess.ranking')),
        downloads(`/api/v1/assessment?group=${group}&${period}`, 'ranking')),
      ranking),
    pointsBox,
    h('section', { class: 'card', dataset: { role: 'trend' } },
      h('div', { class: 'screen-head' }, h('h2', {}, t('assess.trend')), h('div', { class: 'row' }, dayButtons)),
      trendScope, chartBox, trendText));

  const chart = echarts.init(chartBox, null, { renderer: 'canvas' });
  const resize = () => chart.resize();
  window.addEventListener('resize', resize);
  ctx.onCleanup(() => { window.removeEventListener('resize', resize); chart.dispose(); });

  let data;
  try {
    data = await get(`/api/v1/assessment?group=${group}&${period}`);
  } catch (err) {
    error.textContent = errorText(err);
    error.hidden = false;
    return;
  }
  if (!ctx.isCurrent()) return;
  status.textContent = t('assess.periodText', { from: data.period.from, to: data.period.to });
  ranking.append(rankingTable(data, group, unit, (id) => go({ unit: id })));
  if (group === 'inspector') {
    try {
      const points = await get(`/api/v1/assessment/points?${period}`);
      if (!ctx.isCurrent()) return;
      pointsBox.append(h('div', { class: 'assess-scroll' }, pointsTable(points)));
    } catch (err) {
      error.textContent = errorText(err);
      error.hidden = false;
    }
  }
  const unitRow = unit ? data.rows.find((r) => String(r.id) === unit) : null;
  trendScope.textContent = t('assess.trendScope', { name: unitRow ? unitRow.name : t('assess.wholeArea') });
  try {
    const trendQuery = `days=${days}${unitRow ? `&group=${group}&id=${unit}` : ''}`;
    drawTrend(chart, trendText, await get(`/api/v1/assessment/trend?${trendQuery}`));
  } catch (err) {
    error.textContent = errorText(err);
    error.hidden = false;
  }
}

// The ranking: rank, name, grade, composite, the group's rates, its counts.
function rankingTable(data, group, unit, showTrend) {
  const rows = data.rows || [];
  if (!rows.length) return h('p', { class: 'empty' }, t('assess.empty'));
  const rates = Object.keys(rows[0].rates);
  const counts = Object.keys(rows[0].counts);
  const drill = DRILL[group];
  const head = h('tr', {},
    h('th', { scope: 'col' }, t('assess.rank')), h('th', { scope: 'col' }, t('assess.name')),
    h('th', { scope: 'col' }, t('assess.grade')), h('th', { scope: 'col', class: 'num' }, t('assess.composite')),
    rates.map((r) => h('th', { scope: 'col', class: 'num', title: data.weights[r] ? t('assess.weight', { n: data.weights[r] }) : null }, label('rate', r))),
    counts.map((c) => h('th', { scope: 'col', class: 'num' }, label('count', c))));
  const body = rows.map((row) => h('tr', { dataset: { id: String(row.id), code: row.code }, class: String(row.id) === unit ? 'assess-current' : null },
    h('td', { class: 'num' }, row.rank === null ? '—' : String(row.rank)),
    h('th', { scope: 'row' }, row.name,
      TREND_GROUPS.has(group) ? h('button', { type: 'button', class: 'btn btn-small assess-trend-btn', dataset: { role: 'trend-unit' },
        'aria-label': t('assess.showTrendOf', { name: row.name }), onclick: () => showTrend(String(row.id)) }, t('assess.showTrend')) : null),
    h('td', {}, gradeBadge(row.grade)),
    h('td', { class: 'num' }, valueCell(row.composite, (v) => v.toFixed(1))),
    rates.map((r) => h('td', { class: 'num', dataset: { rate: r } }, valueCell(row.rates[r], percent))),
    counts.map((c) => h('td', { class: 'num', dataset: { count: c } }, countCell(data, row, c, drill)))));
  return h('table', { class: 'assess-table' },
    h('caption', { class: 'visually-hidden' }, t('assess.caption', { group: t(`assess.group.${group}`) })),
    h('thead', {}, head), h('tbody', {}, body));
}

// The inspectors' points (积分): rank, name, org unit, each item's points, total.
function pointsTable(data) {
  const rows = data.rows || [];
  if (!rows.length) return h('p', { class: 'empty' }, t('assess.empty'));
  const items = Object.keys(data.points);
  return h('table', { class: 'assess-table', dataset: { role: 'points-table' } },
    h('caption', { class: 'visually-hidden' }, t('assess.points')),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('assess.rank')), h('th', { scope: 'col' }, t('assess.name')),
      h('th', { scope: 'col' }, t('assess.orgUnit')),
      items.map((i) => h('th', { scope: 'col', class: 'num', title: t('assess.pointsEach', { n: data.points[i] }) }, label('point', i))),
      h('th', { scope: 'col', class: 'num' }, t('assess.total')))),
    h('tbody', {}, rows.map((row) => h('tr', { dataset: { id: String(row.id) } },
      h('td', { class: 'num' }, String(row.rank)),
      h('th', { scope: 'row' }, row.name),
      h('td', {}, row.org_unit),
      items.map((i) => h('td', { class: 'num', dataset: { item: i }, title: t('assess.pointsCount', { n: row.counts[i] }) }, String(row.points[i]))),
      h('td', { class: 'num', dataset: { role: 'total' } }, String(row.total))))));
}

// A count: a link to the case list of exactly its cases where the list can
// filter them, else the number.
function countCell(data, row, name, drill) {
  const n = row.counts[name];
  if (!drill || !COUNT_STATES[name] || n === 0) return String(n);
  const query = `${drill(row)}&status=${COUNT_STATES[name]}&created_from=${data.period.from_ms}&created_to=${data.period.to_ms}`;
  return h('a', { href: `#/cases?${query}`, title: t('assess.drill'), dataset: { drill: name } }, String(n));
}

function sum(list) {
  return list.reduce((a, b) => a + b, 0);
}

function drawTrend(chart, text, trend) {
  const s = trend.series;
  const due = sum(s.handle_due);
  const overall = due ? sum(s.handle_on_time) / due : null;
  chart.setOption({
    color: [COLOURS.reported, COLOURS.filed, COLOURS.closed, COLOURS.rate],
    tooltip: { trigger: 'axis', renderMode: TOOLTIP_MODE },
    legend: { top: 0, type: 'scroll' },
    grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: trend.dates.map((d) => d.slice(5)) },
    yAxis: [{ type: 'value', minInterval: 1 }, { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' }, splitLine: { show: false } }],
    series: [
      { name: t('assess.series.reported'), type: 'line', data: s.reported, showSymbol: false },
      { name: t('assess.series.filed'), type: 'line', data: s.filed, showSymbol: false },
      { name: t('assess.series.closed'), type: 'bar', data: s.closed, barMaxWidth: 12 },
      { name: t('assess.series.rate'), type: 'line', yAxisIndex: 1, connectNulls: true, showSymbol: false,
        data: s.on_time_closing_rate.map((v) => (v === null ? null : Math.round(v * 1000) / 10)) },
    ],
  }, true);
  // The totals as text, for screen readers and tests.
  const rows = [['reported', sum(s.reported)], ['filed', sum(s.filed)], ['closed', sum(s.closed)]];
  clear(text).append(h('dl', { class: 'kv kv-counts', dataset: { role: 'trend-totals', days: String(trend.days) } },
    rows.map(([k, v]) => [h('dt', {}, t(`assess.series.${k}`)), h('dd', { dataset: { key: k } }, String(v))]),
    h('dt', {}, t('assess.series.rate')), h('dd', { dataset: { key: 'rate' } }, valueCell(overall, percent))));
}
