// SPDX-License-Identifier: MIT
// The case table every queue uses: light and countdown, number, state, category,
// place, department, source and time, with buttons for the quick actions the
// user may take now (they open the case with that action's form). A table on
// wide screens, cards on phones.
import { h } from './dom.js';
import { t, localName, formatTime } from './i18n.js';
import { stateBadge, lightBadge, countdownText, pendingBadge, supervisedBadge } from './widgets.js';

/** The place of a case as one line: street · community, or the address. */
export function placeText(c) {
  const p = c.place || {};
  const area = [p.street, p.community].filter(Boolean).join(' · ');
  if (area && p.address) return `${area} · ${p.address}`;
  return area || p.address || t('case.noPlace');
}

/**
 * Renders cases as a table. opts.quick: action names offered as buttons when
 * in case.actions; opts.columns: subset of the default column names;
 * opts.taskMarks: mark the inspector's tasks as theirs or the street's. Returns
 * the element (an empty-state message when cases is empty).
 */
export function caseTable(cases, opts = {}) {
  if (!cases.length) return h('p', { class: 'empty' }, t(opts.emptyKey || 'list.empty'));
  const columns = opts.columns || ['light', 'no', 'state', 'category', 'description', 'place', 'department', 'source', 'created', 'actions'];
  const head = h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, t(`col.${c}`))));
  const rows = cases.map((c) => h('tr', { dataset: { caseId: String(c.id), caseNo: c.case_no } },
    columns.map((col) => h('td', { 'data-label': t(`col.${col}`), class: col === 'description' ? 'desc' : null }, cell(col, c, opts)))));
  return h('table', { class: 'case-table' }, h('thead', {}, head), h('tbody', {}, rows));
}

/** The inspector's task marker: routed to me, or my street's that I may take; with the level. */
export function taskBadge(task) {
  const level = task.level ? t(`task.level.${task.level}`) : '';
  return h('span', { class: `badge task ${task.mine ? 'task-mine' : 'task-other'}`, dataset: { role: 'task', mine: String(Boolean(task.mine)), level: task.level || '' } },
    t(task.mine ? 'task.mine' : 'task.other', { level }));
}

function cell(col, c, opts) {
  switch (col) {
    case 'light':
      return [lightBadge(c.clock), h('div', { class: 'countdown' }, countdownText(c.clock))];
    case 'no':
      return h('a', { href: `#/case/${c.id}`, class: 'mono' }, c.case_no);
    case 'state':
      return [stateBadge(c.state), ' ', pendingBadge(c), c.urgent ? [' ', h('span', { class: 'badge urgent' }, t('case.urgent'))] : null,
        c.supervised ? [' ', supervisedBadge(c)] : null,
        c.place && c.place.needs_placement ? [' ', h('span', { class: 'badge unplaced', dataset: { role: 'unplaced' } }, t('case.unplaced'))] : null,
        opts.taskMarks && c.task ? [' ', taskBadge(c.task)] : null];
    case 'category':
      return c.category ? localName(c.category) : h('span', { class: 'muted' }, t('case.noCategory'));
    case 'description':
      return h('span', { title: c.description }, c.description);
    case 'place':
      return placeText(c);
    case 'department':
      return c.department ? localName(c.department) : '—';
    case 'source':
      return t(`source.${c.source}`);
    case 'created':
      return formatTime(c.created_at);
    case 'updated':
      return formatTime(c.updated_at);
    case 'actions':
      return h('div', { class: 'cell-actions' },
        (opts.quick || []).filter((a) => (c.actions || []).includes(a)).map((a, i) =>
          h('a', { class: 'btn btn-small' + (i === 0 ? ' btn-primary' : ''), href: `#/case/${c.id}?do=${a}`, dataset: { action: a } }, t(`action.${a}`))),
        h('a', { class: 'btn btn-small', href: `#/case/${c.id}` }, t('common.open')));
    default:
      return '';
  }
}
