// SPDX-License-Identifier: MIT
// 门前三包 on patrol (inspectors): the responsible units of the inspector's
// cells (or streets), nearest first when the device tells where it is, each with its
// plate, duties and last check; a check marks each duty the unit carries as
// pass or fail, and a failure can open a case naming the unit in one step.
// Built for a phone (360 px): one column of cards.
import { h, clear } from '../dom.js';
import { t, formatTime } from '../i18n.js';
import { get, post, showFormError, clearFormErrors } from '../api.js';
import { field, formErrorSlot } from '../widgets.js';

export const DUTIES = ['appearance', 'sanitation', 'order'];

// Metres between two points (equirectangular: enough to sort a street's units).
function distance(a, b) {
  const k = Math.PI / 180;
  const x = (b.lon - a.lon) * k * Math.cos(((a.lat + b.lat) / 2) * k);
  const y = (b.lat - a.lat) * k;
  return Math.sqrt(x * x + y * y) * 6371000;
}

/** The last check of a unit as a short badge. */
export function lastCheckBadge(unit) {
  if (unit.last_check_at === null) return h('span', { class: 'badge' }, t('frontage.neverChecked'));
  return h('span', { class: `badge ${unit.last_check_passed ? 'light-green' : 'light-red'}` },
    t(unit.last_check_passed ? 'frontage.lastPassed' : 'frontage.lastFailed', { time: formatTime(unit.last_check_at) }));
}

function checkForm(unit, ctx, done) {
  const choices = {};
  const rows = DUTIES.filter((d) => unit.duties[d]).map((duty) => {
    const name = `duty-${unit.id}-${duty}`;
    const radio = (value) => h('label', { class: 'field-inline' },
      h('input', { type: 'radio', name, value, dataset: { duty, value }, onchange: () => { choices[duty] = value; toggle(); } }),
      t(`frontage.${value}`));
    return h('fieldset', { class: 'duty', dataset: { field: duty } },
      h('legend', {}, t(`frontage.duty.${duty}`)), radio('pass'), radio('fail'),
      h('div', { class: 'field-error', role: 'alert', hidden: true }));
  });
  const note = h('textarea', { name: 'note', rows: 2, maxlength: 1000 });
  const openCase = h('input', { type: 'checkbox', name: 'open_case', checked: true });
  const openRow = field('frontage.openCase', openCase, { name: 'open_case', inline: true });
  const form = h('form', { class: 'check-form', novalidate: true, dataset: { role: 'check-form' } },
    ...rows, field('frontage.note', note, { name: 'note' }), openRow, formErrorSlot(),
    h('div', { class: 'actions-row' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('frontage.submitCheck'))));
  function toggle() { openRow.hidden = !Object.values(choices).includes('fail'); }
  toggle();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    const body = { ...choices };
    if (note.value.trim()) body.note = note.value.trim();
    if (!openRow.hidden && openCase.checked) body.open_case = true;
    try {
      const result = await post(`/api/v1/frontage/units/${unit.id}/checks`, body);
      if (ctx.isCurrent()) done(result);
    } catch (err) {
      showFormError(form, err);
    }
  });
  return form;
}

/** Renders the inspector's 门前三包 screen. */
export async function render(ctx) {
  const search = h('input', { type: 'search', name: 'q', placeholder: t('frontage.search') });
  const mine = h('input', { type: 'checkbox', name: 'assigned', checked: true, onchange: () => load() });
  const status = h('div', { class: 'notice', role: 'status', hidden: true, dataset: { role: 'check-result' } });
  const list = h('ul', { class: 'unit-list', dataset: { role: 'units' } });
  ctx.main.append(h('div', { class: 'screen-head' }, h('h1', {}, t('nav.frontage'))),
    h('p', { class: 'muted' }, t('frontage.intro')),
    h('form', { class: 'toolbar', onsubmit: (e) => { e.preventDefault(); load(); } }, field('frontage.searchLabel', search, { name: 'q' }),
      field('frontage.assigned', mine, { name: 'assigned', inline: true })),
    status, list);
  let here = null;
  let units = [];

  function showResult(unit, result) {
    clear(status).append(t(result.passed ? 'frontage.checkPassed' : 'frontage.checkFailed', { name: unit.name }));
    if (result.case) status.append(' ', h('a', { href: `#/case/${result.case.id}`, dataset: { role: 'opened-case' } },
      t('frontage.caseOpened', { no: result.case.case_no })));
    status.hidden = false;
    load();
  }

  function card(unit) {
    const slot = h('div', {});
    const checkButton = h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'check' },
      onclick: () => { clear(slot).append(checkForm(unit, ctx, (r) => showResult(unit, r))); checkButton.hidden = true; } },
    t('frontage.check'));
    const duties = DUTIES.filter((d) => unit.duties[d]).map((d) => t(`frontage.duty.${d}`)).join(' · ');
    return h('li', { class: 'card unit-card', dataset: { unitId: String(unit.id), plate: unit.plate_no } },
      h('div', { class: 'row' }, h('strong', {}, unit.name), h('span', { class: 'mono' }, unit.plate_no)),
      h('div', { class: 'muted' }, unit.address, here ? ` · ${Math.round(distance(here, unit))} m` : ''),
      h('div', { class: 'muted' }, duties),
      h('div', { class: 'row' }, lastCheckBadge(unit),
        unit.violations ? h('span', { class: 'badge' }, t('frontage.violations', { n: unit.violations })) : null),
      checkButton, slot);
  }

  async function load() {
    const q = new URLSearchParams({ limit: '200' });
    if (search.value.trim()) q.set('q', search.value.trim());
    if (mine.checked) q.set('assigned', '1');
    const data = await get(`/api/v1/frontage/units?${q}`);
    if (!ctx.isCurrent()) return;
    units = (data.items || []).filter((u) => u.active);
    if (here) units.sort((a, b) => distance(here, a) - distance(here, b));
    clear(list).append(...units.map(card));
    if (!units.length) list.append(h('li', { class: 'empty' }, t('frontage.none')));
  }

  if (navigator.geolocation) {
    navigator.geolocation.getCurrentPosition((pos) => {
      here = { lat: pos.coords.latitude, lon: pos.coords.longitude };
      if (ctx.isCurrent()) load();
    }, () => {}, { timeout: 5000, maximumAge: 60000 });
  }
  await load();
}
