// SPDX-License-Identifier: MIT
// The case map: grid cells of the user's jurisdiction (an inspector's own cells
// emphasised) on a plain background or the configured tiles, open cases as dots
// coloured by their light, and a side panel for the cell or case clicked.
// Refreshes the cases every poll.
import { h, clear } from '../dom.js';
import { t, formatTime } from '../i18n.js';
import { get, errorText } from '../api.js';
import { createMap, drawCells, drawCases } from '../map.js';
import { stateBadge, lightBadge, countdownText } from '../widgets.js';

const OPEN = 'reported,verifying,accepted,dispatched,processing,suspended,handled,checked';

/** Renders the map screen. */
export async function render(ctx) {
  const box = h('div', { class: 'map map-tall', role: 'region', 'aria-label': t('map.label') });
  const side = h('aside', { class: 'card', 'aria-live': 'polite' }, h('p', { class: 'muted' }, t('map.pick')));
  const legend = h('div', { class: 'row' },
    ['green', 'yellow', 'red'].map((l) => lightBadge({ light: l })),
    ctx.user.role === 'inspector' ? h('span', { class: 'badge state-accepted' }, t('map.myCells')) : null);
  const status = h('span', { class: 'muted', role: 'status' });
  ctx.main.append(
    h('div', { class: 'screen-head' }, h('h1', {}, t(`nav.${ctx.name}`)), h('div', { class: 'row' }, legend, status)),
    h('div', { class: 'grid-2' }, h('div', {}, box), side));
  const map = createMap(box);
  let cells = null;
  let caseLayer = null;
  let cases = [];

  const showCell = (f) => {
    const p = f.properties;
    const here = cases.filter((c) => c.place && c.place.grid === p.code);
    clear(side).append(h('h2', {}, p.name),
      h('dl', { class: 'kv' },
        h('dt', {}, t('map.cellCode')), h('dd', { class: 'mono' }, p.code),
        h('dt', {}, t('map.community')), h('dd', {}, `${p.street_name} · ${p.community_name}`),
        p.patrol_zone ? [h('dt', {}, t('map.zone')), h('dd', {}, p.patrol_zone)] : null,
        h('dt', {}, t('map.inspectors')), h('dd', {}, (p.inspectors || []).map((i) => i.display_name).join('、') || '—'),
        p.area_m2 ? [h('dt', {}, t('map.area')), h('dd', {}, `${Math.round(p.area_m2)} m²`)] : null),
      h('h3', {}, t('map.casesHere', { n: here.length })), caseList(here));
  };
  const showCase = (c) => {
    clear(side).append(h('h2', {}, h('a', { href: `#/case/${c.id}`, class: 'mono' }, c.case_no)),
      h('div', { class: 'row' }, stateBadge(c.state), lightBadge(c.clock), h('span', { class: 'countdown' }, countdownText(c.clock))),
      h('p', { class: 'pre' }, c.description), h('p', { class: 'muted' }, formatTime(c.created_at)),
      h('a', { class: 'btn btn-primary', href: `#/case/${c.id}` }, t('common.open')));
  };

  async function loadCases() {
    try {
      const data = await get(`/api/v1/cases?status=${OPEN}&sort=deadline&limit=100`);
      if (!ctx.isCurrent()) return;
      cases = data.items || [];
      if (caseLayer) caseLayer.remove();
      caseLayer = drawCases(map, cases, showCase);
      status.textContent = t('map.shown', { n: cases.filter((c) => c.place && typeof c.place.lat === 'number').length, time: formatTime(Date.now()) });
    } catch (err) {
      status.textContent = errorText(err);
    }
  }

  try {
    const fc = await get('/api/v1/grids');
    if (!ctx.isCurrent()) return;
    const mine = new Set();
    if (ctx.user.role === 'inspector') {
      for (const f of fc.features || []) if ((f.properties.inspectors || []).some((i) => i.id === ctx.user.id)) mine.add(f.properties.code);
    }
    cells = drawCells(map, fc, { highlight: mine, onClick: showCell, fit: true });
    cells.bringToBack();
  } catch (err) {
    status.textContent = errorText(err);
  }
  await loadCases();
  ctx.poll(loadCases);
}

function caseList(cases) {
  if (!cases.length) return h('p', { class: 'muted' }, t('list.empty'));
  return h('ul', { class: 'dup-list' }, cases.map((c) => h('li', {},
    h('a', { href: `#/case/${c.id}`, class: 'mono' }, c.case_no), stateBadge(c.state), lightBadge(c.clock))));
}
