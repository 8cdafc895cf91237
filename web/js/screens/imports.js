// SPDX-License-Identifier: MIT
// Admin: one upload screen for every import. Each kind names its endpoint, the
// files it takes and its "skip the bad rows" switch; the report (GeoJSON
// imports: rejected features; CSV/XLSX imports: rejected rows and columns) is
// shown whether the import succeeded or was refused. A new import is a new
// entry in KINDS.
import { h, clear } from '../dom.js';
import { t } from '../i18n.js';
import { api, showFormError, clearFormErrors, ApiError } from '../api.js';
import { field, formErrorSlot } from '../widgets.js';
import { invalidate } from '../refdata.js';

const GEOJSON = '.geojson,.json,application/geo+json,application/json';
const TABLE = '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * The imports: kind (also the i18n suffix), path, accept, option (the query
 * switch a checkbox sets, with its label key), summary (the key of the
 * report's first line, when not the common one) and table (a CSV/XLSX import,
 * whose report lists rows).
 */
export const KINDS = [
  { kind: 'grids', path: '/api/v1/admin/grids/import', accept: GEOJSON, option: ['skip_invalid=1', 'grids.skipInvalid'], summary: 'grids.result' },
  { kind: 'gazetteer', path: '/api/v1/admin/gazetteer/import', accept: GEOJSON, option: ['replace=1', 'imports.replace'] },
  ...['org-units', 'users', 'routing', 'assignments'].map((kind) => ({
    kind, path: `/api/v1/admin/import/${kind}`, accept: TABLE, option: ['partial=1', 'imports.partial'], table: true,
  })),
];

// The content type to send a chosen file with.
function contentType(file, spec) {
  if (!spec.table) return 'application/json';
  if (/\.xlsx$/i.test(file.name) || file.type === XLSX) return XLSX;
  return 'text/csv';
}

// A GeoJSON report's imported counts as text: a number, or {roads: 3, ...}.
function importedText(imported) {
  if (imported && typeof imported === 'object') {
    return Object.entries(imported).map(([k, n]) => t('imports.countOf', { n, what: t(`imports.part.${k}`) })).join(', ');
  }
  return String(imported || 0);
}

// The passwords the server generated for accounts whose password cell was
// empty: shown this once (the server keeps only their hashes), or null.
function passwordsTable(passwords) {
  if (passwords.length === 0) return null;
  return h('div', { dataset: { role: 'import-passwords' } },
    h('p', { class: 'notice warn' }, t('imports.passwordsOnce')),
    h('table', { class: 'case-table' },
      h('thead', {}, h('tr', {}, ['imports.row', 'imports.username', 'imports.password'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, passwords.map((p) => h('tr', {},
        h('td', { 'data-label': t('imports.row') }, String(p.row)),
        h('td', { 'data-label': t('imports.username'), class: 'mono' }, p.username),
        h('td', { 'data-label': t('imports.password'), class: 'mono' }, p.password))))));
}

/** The report of an import (a success or a 422's report) as a section. */
export function reportSection(spec, report) {
  if (spec.table) {
    const errors = report.errors || [];
    return h('section', { class: 'card' },
      h('p', { class: errors.length ? 'notice warn' : 'notice' }, t('imports.tableResult', {
        rows: report.rows || 0, imported: report.imported || 0, skipped: report.skipped || 0, errors: errors.length })),
      errors.length ? h('table', { class: 'case-table' },
        h('thead', {}, h('tr', {}, ['imports.row', 'imports.column', 'imports.code', 'grids.reason'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, errors.map((e) => h('tr', {},
          h('td', { 'data-label': t('imports.row') }, String(e.row ?? '—')),
          h('td', { 'data-label': t('imports.column') }, e.column || '—'),
          h('td', { 'data-label': t('imports.code'), class: 'mono' }, e.code || '—'),
          h('td', { 'data-label': t('grids.reason') }, e.message || ''))))) : null,
      passwordsTable(report.passwords || []));
  }
  const rejected = report.rejected || [];
  return h('section', { class: 'card' },
    h('p', { class: rejected.length ? 'notice warn' : 'notice' }, t(spec.summary || 'imports.geoResult', { imported: importedText(report.imported), rejected: rejected.length })),
    rejected.length ? h('table', { class: 'case-table' },
      h('thead', {}, h('tr', {}, ['grids.index', 'grids.code', 'imports.code', 'grids.reason'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, rejected.map((r) => h('tr', {},
        h('td', { 'data-label': t('grids.index') }, String(r.index)),
        h('td', { 'data-label': t('grids.code'), class: 'mono' }, r.code || r.layer || '—'),
        h('td', { 'data-label': t('imports.code'), class: 'mono' }, r.error || '—'),
        h('td', { 'data-label': t('grids.reason') }, r.reason || ''))))) : null);
}

/** Renders the imports screen (#/imports/KIND opens that kind). */
export async function render(ctx) {
  const start = KINDS.find((k) => k.kind === ctx.args[0]) || KINDS[0];
  const kind = h('select', { name: 'kind' }, KINDS.map((k) => h('option', { value: k.kind, selected: k === start }, t(`imports.kind.${k.kind}`))));
  const file = h('input', { type: 'file', name: 'file' });
  const option = h('input', { type: 'checkbox', name: 'option' });
  const optionField = field('', option, { name: 'option', inline: true, label: ' ' });
  const about = h('p', { class: 'hint' });
  const report = h('div', { 'aria-live': 'polite', dataset: { role: 'import-report' } });
  const form = h('form', { class: 'card', novalidate: true, dataset: { role: 'import' } },
    field('imports.what', kind, { name: 'kind' }), about,
    field('imports.file', file, { name: 'file', required: true }), optionField,
    formErrorSlot(),
    h('div', { class: 'actions-row' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('grids.submit'))));
  const spec = () => KINDS.find((k) => k.kind === kind.value);

  function describe() {
    const s = spec();
    file.accept = s.accept;
    about.textContent = t(`imports.about.${s.kind}`);
    optionField.querySelector('label').textContent = t(s.option[1]);
    option.checked = false;
    clear(report);
    clearFormErrors(form);
  }

  kind.addEventListener('change', describe);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    const s = spec();
    const chosen = file.files[0];
    if (!chosen) return showFormError(form, new ApiError(0, 'missing_field', '', { field: 'file' }));
    const body = s.table ? chosen : await chosen.text();
    try {
      const result = await api('POST', `${s.path}${option.checked ? `?${s.option[0]}` : ''}`, { body, contentType: contentType(chosen, s) });
      clear(report).append(reportSection(s, result || {}));
      invalidate('departments');
      invalidate('streets');
    } catch (err) {
      if (err.report) clear(report).append(reportSection(s, err.report));
      else clear(report);
      showFormError(form, err);
    }
  });
  ctx.main.append(h('div', { class: 'screen-head' }, h('h1', {}, t('nav.imports'))),
    h('p', { class: 'muted' }, t('imports.intro')), form, report);
  describe();
}
