// SPDX-License-Identifier: MIT
// The command centre's wall screen (大屏), made for 1920x1080 with no scrollbars:
// today's numbers and this month's on-time closing rate (/stats/wall), the map
// with every grid cell and open case coloured by its time-limit light, the
// month's ranking rotating between departments and streets (paused while the
// pointer or focus is on it), and the latest cases. It refreshes itself on a
// timer (the API answers 304 when nothing changed, and the view then stays as
// it is), and says when it last refreshed and when the server is unreachable.
import { h, clear } from '../dom.js';
import { t, localName, formatTime } from '../i18n.js';
import { get } from '../api.js';
import { createMap, drawCells, drawCases, LIGHT_COLOURS } from '../map.js';
import { stateBadge, lightBadge, supervisedBadge } from '../widgets.js';

const OPEN = 'reported,verifying,accepted,dispatched,processing,suspended,handled,checked';
const REFRESH_S = 10;        // the numbers, the map and the latest cases
const RANKING_EVERY = 30;    // the ranking (not tagged: computed) every 30 refreshes
const ROTATE_MS = 15000;     // the ranking panel's turn
const RECENT = 12;
const RANKS = 8;
const LIGHT_ORDER = { green: 1, yellow: 2, red: 3 };
const PANELS = ['department', 'street'];
const NUMBERS = [
  // key in /stats/wall, label key, tile colour
  ['today.reported', 'wall.reported', ''],
  ['today.filed', 'wall.filed', ''],
  ['today.dispatched', 'wall.dispatched', ''],
  ['today.closed', 'wall.closed', 'green'],
  ['open', 'wall.open', 'yellow'],
  ['overdue', 'wall.overdue', 'red'],
];

// The refresh interval: ?refresh=N seconds (2-300) for a slower or faster wall.
function refreshSeconds(query) {
  const n = Number(query.get('refresh'));
  return Number.isInteger(n) && n >= 2 && n <= 300 ? n : REFRESH_S;
}

function pick(obj, path) {
  return path.split('.').reduce((o, k) => (o ? o[k] : undefined), obj);
}

function percent(rate) {
  return rate === null || rate === undefined ? '—' : `${Math.round(rate * 1000) / 10}%`;
}

/** Renders the wall screen. */
export async function render(ctx) {
  document.body.classList.add('wall-mode');
  ctx.onCleanup(() => document.body.classList.remove('wall-mode'));
  const clock = h('span', { class: 'wall-clock', dataset: { role: 'clock' } });
  const live = h('span', { class: 'wall-live', role: 'status', dataset: { role: 'live' } });
  const numbers = h('div', { class: 'wall-numbers', dataset: { role: 'numbers' } });
  const mapBox = h('div', { class: 'wall-map', role: 'region', 'aria-label': t('wall.map') });
  const rankTabs = h('div', { class: 'wall-tabs', role: 'tablist' });
  const rankBody = h('div', { class: 'wall-rank', dataset: { role: 'ranking' } });
  const rankPanel = h('section', { class: 'wall-panel', tabindex: '0', dataset: { role: 'rank-panel' } }, rankTabs, rankBody);
  const recent = h('ol', { class: 'wall-recent', dataset: { role: 'recent' }, 'aria-live': 'polite' });
  ctx.main.append(h('div', { class: 'wall' },
    h('header', { class: 'wall-head' },
      h('h1', {}, t('wall.title')),
      h('div', { class: 'wall-status' }, clock, live,
        // The top bar is hidden: this passes clicks on to its language button.
        h('button', { type: 'button', class: 'wall-lang', onclick: () => document.getElementById('lang').click() }, t('lang.switch')),
        h('a', { class: 'wall-exit', href: '#/' }, t('wall.exit')))),
    numbers,
    h('div', { class: 'wall-body' },
      rankPanel,
      h('section', { class: 'wall-panel wall-map-panel' },
        h('div', { class: 'wall-panel-head' }, h('h2', {}, t('wall.map')),
          h('div', { class: 'wall-legend' }, ['green', 'yellow', 'red'].map((l) => lightBadge({ light: l })))),
        mapBox),
      h('section', { class: 'wall-panel' }, h('h2', {}, t('wall.recent')), recent))));

  const tick = () => { clock.textContent = formatTime(Date.now()); };
  tick();
  const clockTimer = setInterval(tick, 1000);
  ctx.onCleanup(() => clearInterval(clockTimer));

  // ---- numbers ----
  let lastNumbers = '';
  function drawNumbers(w) {
    const text = JSON.stringify(w);
    if (text === lastNumbers) return; // a 304: the view stays
    lastNumbers = text;
    const m = w.month || {};
    clear(numbers).append(
      ...NUMBERS.map(([key, label, cls]) => h('div', { class: `wall-tile ${cls}`, dataset: { number: key } },
        h('div', { class: 'n' }, String(pick(w, key) ?? '—')), h('div', { class: 'l' }, t(label)))),
      h('div', { class: 'wall-tile green', dataset: { number: 'month.on_time_closing_rate' } },
        h('div', { class: 'n' }, percent(m.on_time_closing_rate)), h('div', { class: 'l' }, t('wall.onTime')),
        h('div', { class: 's' }, t('wall.onTimeSub', { on_time: m.on_time ?? 0, due: m.due ?? 0 }))));
  }

  // ---- the map ----
  const map = createMap(mapBox, { zoom: 15 });
  let grids = null;
  let cellLayer = null;
  let caseLayer = null;
  let lastCases = '';
  function drawMap(cases) {
    const text = JSON.stringify(cases.map((c) => [c.id, c.clock && c.clock.light]));
    if (text === lastCases) return;
    lastCases = text;
    // Each cell takes the worst light of its open cases.
    const worst = new Map();
    for (const c of cases) {
      const light = c.clock && c.clock.light;
      const cell = c.place && c.place.grid;
      if (cell && light && (LIGHT_ORDER[light] || 0) > (LIGHT_ORDER[worst.get(cell)] || 0)) worst.set(cell, light);
    }
    if (cellLayer) cellLayer.remove();
    if (grids) {
      cellLayer = drawCells(map, grids, {
        fit: !caseLayer,
        style: (f) => {
          const light = worst.get(f.properties.code);
          return light
            ? { color: LIGHT_COLOURS[light], weight: 1.5, fillColor: LIGHT_COLOURS[light], fillOpacity: 0.35, className: `cell-light cell-${light}` }
            : { color: '#3b5b82', weight: 1, fillColor: '#1e3a5f', fillOpacity: 0.25 };
        },
      });
      cellLayer.bringToBack();
    }
    if (caseLayer) caseLayer.remove();
    caseLayer = drawCases(map, cases, (c) => ctx.navigate(`#/case/${c.id}`));
  }

  // ---- latest cases ----
  const seen = new Set();
  let lastRecent = '';
  function drawRecent(items) {
    const text = JSON.stringify(items.map((c) => [c.id, c.state, c.supervised, c.clock && c.clock.light]));
    if (text === lastRecent) return;
    const first = lastRecent === '';
    lastRecent = text;
    clear(recent).append(...items.map((c) => {
      const fresh = !first && !seen.has(c.id);
      seen.add(c.id);
      return h('li', { class: fresh ? 'fresh' : null, dataset: { caseId: String(c.id), caseNo: c.case_no } },
        h('div', { class: 'wall-recent-head' },
          h('a', { class: 'mono', href: `#/case/${c.id}` }, c.case_no), stateBadge(c.state), lightBadge(c.clock), supervisedBadge(c),
          h('time', {}, formatTime(c.created_at))),
        h('div', { class: 'wall-recent-text' }, [c.category ? localName(c.category) : null, c.place && c.place.street, c.description].filter(Boolean).join(' · ')));
    }));
  }

  // ---- the rotating ranking ----
  const rankings = { department: null, street: null };
  let panel = 0;
  let paused = false;
  function drawRanking() {
    const group = PANELS[panel];
    clear(rankTabs).append(...PANELS.map((g, i) => h('button', {
      type: 'button', role: 'tab', 'aria-selected': String(i === panel), dataset: { group: g },
      onclick: () => { panel = i; drawRanking(); },
    }, t(`wall.rank.${g}`))));
    rankBody.dataset.group = group;
    const data = rankings[group];
    const rows = data ? (data.rows || []).filter((r) => r.composite !== null).slice(0, RANKS) : [];
    clear(rankBody).append(rows.length
      ? h('ol', { class: 'wall-rank-list' }, rows.map((r) => h('li', { dataset: { code: r.code } },
        h('span', { class: 'rank' }, String(r.rank)), h('span', { class: 'name' }, r.name),
        h('span', { class: 'bar', 'aria-hidden': 'true' }, h('span', { style: { width: `${Math.max(2, Math.round(r.composite))}%` } })),
        h('span', { class: 'score' }, r.composite.toFixed(1)), h('span', { class: `grade grade-${r.grade}` }, r.grade))))
      : h('p', { class: 'empty' }, t(data ? 'wall.noRank' : 'common.loading')));
  }
  rankPanel.addEventListener('mouseenter', () => { paused = true; rankPanel.classList.add('paused'); });
  rankPanel.addEventListener('mouseleave', () => { paused = false; rankPanel.classList.remove('paused'); });
  rankPanel.addEventListener('focusin', () => { paused = true; });
  rankPanel.addEventListener('focusout', () => { paused = rankPanel.matches(':hover'); });
  const rotateTimer = setInterval(() => {
    if (paused || document.hidden) return;
    panel = (panel + 1) % PANELS.length;
    drawRanking();
  }, ROTATE_MS);
  ctx.onCleanup(() => clearInterval(rotateTimer));
  drawRanking();

  async function loadRankings() {
    await Promise.all(PANELS.map(async (g) => {
      try {
        rankings[g] = await get(`/api/v1/assessment?group=${g}`);
      } catch { /* the last ranking stays */ }
    }));
    if (ctx.isCurrent()) drawRanking();
  }

  // ---- refreshing ----
  let lastGood = null;
  let refreshes = 0;
  async function load() {
    try {
      const [w, open, latest] = await Promise.all([
        get('/api/v1/stats/wall'),
        get(`/api/v1/cases?status=${OPEN}&sort=deadline&limit=100`),
        get(`/api/v1/cases?sort=newest&limit=${RECENT}`),
      ]);
      if (!ctx.isCurrent()) return;
      drawNumbers(w);
      drawMap(open.items || []);
      drawRecent(latest.items || []);
      lastGood = Date.now();
      live.className = 'wall-live ok';
      live.textContent = t('wall.updated', { time: formatTime(lastGood) });
    } catch (err) {
      if (!ctx.isCurrent() || err.status === 401) return;
      live.className = 'wall-live down';
      live.textContent = lastGood ? t('wall.offline', { time: formatTime(lastGood) }) : t('wall.offlineNever');
    }
    if (refreshes++ % RANKING_EVERY === 0) loadRankings();
  }

  grids = await get('/api/v1/grids').catch(() => null);
  if (!ctx.isCurrent()) return;
  await load();
  // The numbers' row found its height only now: fit the map to the room left.
  map.invalidateSize();
  if (cellLayer && cellLayer.getLayers().length) map.fitBounds(cellLayer.getBounds(), { padding: [12, 12] });
  ctx.poll(load, refreshSeconds(ctx.query) * 1000);
}
