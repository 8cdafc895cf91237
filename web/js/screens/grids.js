// SPDX-License-Identifier: MIT
// Admin: import grid cells from a GeoJSON FeatureCollection file (all or
// nothing, or skipping invalid cells), show the rejection report, and the
// cells now on file on a map.
import { h, clear } from '../dom.js';
import { t } from '../i18n.js';
import { get, api, showFormError, clearFormErrors, ApiError } from '../api.js';
import { field, formErrorSlot } from '../widgets.js';
import { createMap, drawCells } from '../map.js';
import { KINDS, reportSection } from './imports.js';

/** Renders the grid import screen. */
export async function render(ctx) {
  const file = h('input', { type: 'file', name: 'file', accept: '.geojson,.json,application/geo+json,application/json' });
  const skip = h('input', { type: 'checkbox', name: 'skip_invalid' });
  const report = h('div', { 'aria-live': 'polite', dataset: { role: 'import-report' } });
  const mapBox = h('div', { class: 'map' });
  const count = h('span', { class: 'muted', role: 'status' });
  const form = h('form', { class: 'card', novalidate: true },
    h('h2', {}, t('grids.import')), h('p', { class: 'hint' }, t('grids.intro')),
    field('grids.file', file, { name: 'file', required: true }),
    field('grids.skipInvalid', skip, { name: 'skip_invalid', inline: true }),
    formErrorSlot(),
    h('div', { class: 'actions-row' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('grids.submit'))));

  ctx.main.append(h('div', { class: 'screen-head' }, h('h1', {}, t('nav.grids'))),
    h('div', { class: 'grid-2' }, h('div', {}, form, report), h('section', { class: 'card' }, h('h2', {}, t('grids.current')), count, mapBox)));
  const map = createMap(mapBox);
  let layer = null;
  async function loadCells() {
    const fc = await get('/api/v1/grids');
    if (!ctx.isCurrent()) return;
    if (layer) layer.remove();
    layer = drawCells(map, fc, { fit: true });
    count.textContent = t('grids.count', { n: (fc.features || []).length });
  }

  function showReport(result) {
    clear(report).append(reportSection(KINDS[0], result));
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    const chosen = file.files[0];
    if (!chosen) return showFormError(form, new ApiError(0, 'missing_field', '', { field: 'file' }));
    const text = await chosen.text();
    try {
      const result = await api('POST', `/api/v1/admin/grids/import${skip.checked ? '?skip_invalid=1' : ''}`, { body: text, contentType: 'application/json' });
      showReport(result);
      await loadCells();
    } catch (err) {
      if (err.report) showReport(err.report);
      else clear(report);
      showFormError(form, err);
    }
  });
  await loadCells();
}
