// SPDX-License-Identifier: MIT
// Admin: a street's grid cells with their inspectors, patrol zone and grid
// leader (网格长), on a list and a small map; a cell's editor assigns the
// street's inspectors (checkboxes), sets the zone and picks the leader.
import { h, clear } from '../dom.js';
import { t, localName } from '../i18n.js';
import { get, put, patch, ApiError, showFormError, clearFormErrors } from '../api.js';
import { field, formErrorSlot } from '../widgets.js';
import { createMap, drawCells } from '../map.js';

// Whether a staff account's place holds the cell (as the server's jurisdiction
// decides: the cell's code starts with the place's; a city by its 4 digits).
function holds(user, cellCode) {
  const org = user.org_unit;
  if (!org || !org.code || org.type === 'department') return false;
  return cellCode.startsWith(org.type === 'city' ? org.code.slice(0, 4) : org.code);
}

const people = (list) => (list && list.length ? list.map((p) => p.display_name || p.username).join('、') : '—');

/** Renders the cell assignments screen. */
export async function render(ctx) {
  const [unitsData, usersData] = await Promise.all([get('/api/v1/org-units?type=street'), get('/api/v1/users')]);
  if (!ctx.isCurrent()) return;
  const streets = (unitsData.items || []).filter((s) => !s.disabled);
  const staff = (usersData.items || []).filter((u) => !u.disabled && u.role !== 'department');
  let cells = [];
  const street = h('select', { name: 'street' }, h('option', { value: '' }, t('assign.chooseStreet')),
    streets.map((s) => h('option', { value: s.code }, `${localName(s)} (${s.code})`)));
  const listBox = h('div', { dataset: { role: 'cells' } });
  const editSlot = h('div', {});
  const notice = h('div', { role: 'status', 'aria-live': 'polite' });
  const mapBox = h('div', { class: 'map map-small' });
  let layer = null;
  let selected = null;

  function drawList() {
    if (!street.value) return clear(listBox).append(h('p', { class: 'muted' }, t('assign.pickStreet')));
    if (!cells.length) return clear(listBox).append(h('p', { class: 'empty' }, t('assign.noCells')));
    clear(listBox).append(h('table', { class: 'case-table' },
      h('thead', {}, h('tr', {}, ['grids.code', 'assign.cell', 'assign.inspectors', 'assign.zone', 'assign.leader', 'users.actions'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, cells.map((f) => {
        const p = f.properties;
        return h('tr', { dataset: { cell: p.code }, class: p.code === selected ? 'row-selected' : null },
          h('td', { 'data-label': t('grids.code'), class: 'mono' }, p.code),
          h('td', { 'data-label': t('assign.cell') }, p.name, h('div', { class: 'muted' }, p.community_name)),
          h('td', { 'data-label': t('assign.inspectors') }, people(p.inspectors)),
          h('td', { 'data-label': t('assign.zone') }, p.patrol_zone || '—'),
          h('td', { 'data-label': t('assign.leader') }, p.leader ? people([p.leader]) : '—'),
          h('td', { 'data-label': t('users.actions') }, h('button', { type: 'button', class: 'btn btn-small',
            'aria-label': t('assign.editCell', { code: p.code }), onclick: () => edit(f) }, t('users.edit'))));
      }))));
  }

  function drawMap(fit) {
    if (layer) layer.remove();
    layer = drawCells(map, { type: 'FeatureCollection', features: cells }, {
      fit, highlight: new Set(selected ? [selected] : []), onClick: (f) => edit(f),
    });
  }

  async function load(fit = true) {
    const fc = street.value ? await get('/api/v1/grids') : { features: [] };
    if (!ctx.isCurrent()) return;
    cells = (fc.features || []).filter((f) => f.properties.street_code === street.value);
    drawList();
    drawMap(fit);
  }

  function edit(f) {
    const p = f.properties;
    selected = p.code;
    drawList();
    drawMap(false);
    const assigned = new Set((p.inspectors || []).map((u) => u.id));
    const candidates = staff.filter((u) => u.role === 'inspector' && holds(u, p.code));
    const boxes = candidates.map((u) => h('input', { type: 'checkbox', name: 'user_ids', value: String(u.id), checked: assigned.has(u.id) }));
    const zone = h('input', { name: 'patrol_zone', value: p.patrol_zone || '', maxlength: 63 });
    const leader = h('select', { name: 'leader_user_id' }, h('option', { value: '' }, t('assign.noLeader')),
      staff.filter((u) => holds(u, p.code)).map((u) => h('option', { value: String(u.id), selected: p.leader && p.leader.id === u.id },
        `${u.display_name} (${u.username}, ${t(`role.${u.role}`)})`)));
    const form = h('form', { class: 'action-panel', novalidate: true, dataset: { role: 'cell-editor' } },
      h('h2', {}, t('assign.editing', { code: p.code, name: p.name })),
      h('fieldset', { dataset: { field: 'user_ids' } }, h('legend', {}, t('assign.inspectors')),
        candidates.length ? boxes.map((box, i) => h('label', { class: 'check' }, box, ` ${candidates[i].display_name} (${candidates[i].username})`))
          : h('p', { class: 'muted' }, t('assign.noInspectors')),
        h('div', { class: 'field-error', role: 'alert', hidden: true })),
      h('div', { class: 'field-row' }, field('assign.zone', zone, { name: 'patrol_zone' }), field('assign.leader', leader, { name: 'leader_user_id' })),
      formErrorSlot(),
      h('div', { class: 'actions-row' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.save')),
        h('button', { type: 'button', class: 'btn', onclick: () => { clear(editSlot); selected = null; drawList(); drawMap(false); } }, t('common.cancel'))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFormErrors(form);
      const ids = boxes.filter((b) => b.checked).map((b) => Number(b.value));
      const leaderId = leader.value ? Number(leader.value) : null;
      const before = [...assigned].sort().join(',');
      try {
        if ([...ids].sort().join(',') !== before) await put(`/api/v1/admin/grids/${p.code}/inspectors`, { user_ids: ids });
        if (zone.value.trim() !== (p.patrol_zone || '') || leaderId !== (p.leader ? p.leader.id : null)) {
          await patch(`/api/v1/admin/grids/${p.code}`, { patrol_zone: zone.value.trim(), leader_user_id: leaderId });
        }
        clear(editSlot);
        notice.textContent = t('assign.saved', { code: p.code });
        await load(false);
      } catch (err) {
        // user_ids[i] is shown at the inspectors' list.
        const at = err instanceof ApiError && err.field && err.field.startsWith('user_ids') ? 'user_ids' : err.field;
        showFormError(form, err instanceof ApiError ? new ApiError(err.status, err.code, err.serverMessage, { field: at }) : err);
      }
    });
    clear(editSlot).append(form);
    (boxes[0] || zone).focus();
    editSlot.scrollIntoView({ block: 'nearest' });
  }

  street.addEventListener('change', () => { selected = null; clear(editSlot); load(true); });
  ctx.main.append(h('div', { class: 'screen-head' }, h('h1', {}, t('nav.assignments'))),
    h('p', { class: 'muted' }, t('assign.intro')), notice,
    h('div', { class: 'grid-2' },
      h('section', { class: 'card' }, h('form', { class: 'toolbar', onsubmit: (e) => e.preventDefault() }, field('assign.street', street, { name: 'street' })), editSlot, listBox),
      h('section', { class: 'card', 'aria-label': t('assign.map') }, mapBox)));
  const map = createMap(mapBox);
  if (streets.length === 1) street.value = streets[0].code;
  await load(true);
}
