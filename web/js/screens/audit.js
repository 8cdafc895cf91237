// SPDX-License-Identifier: MIT
// Admin: the admin audit log, newest first: who changed what and when, the
// before and after as a table of the members that changed, filtered by
// subject (a kind, or kind and id) and by date, paged by the API's cursor.
import { h, clear } from '../dom.js';
import { t, has, formatTime } from '../i18n.js';
import { get, errorText } from '../api.js';
import { field } from '../widgets.js';

const KINDS = ['org_unit', 'user', 'street', 'grid_cell', 'category', 'calendar_day', 'assessment_snapshot',
  'frontage_criterion', 'frontage_period'];
const PAGE = 50; // entries a page (#/audit?limit=N: 1 to 500)

const label = (family, value) => (has(`${family}.${value}`) ? t(`${family}.${value}`) : value);

// Members whose values are codes with names in the catalogues.
const VALUE_FAMILY = { type: 'orgType', role: 'role', department_kind: 'kind' };

/** A value of before or after as short text (null: an em dash); member names its family. */
export function valueText(v, member) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string' && VALUE_FAMILY[member]) return label(VALUE_FAMILY[member], v);
  if (typeof v === 'boolean') return t(v ? 'audit.yes' : 'audit.no');
  if (Array.isArray(v)) return v.length ? v.map(valueText).join(', ') : '∅';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * The members of before and after as rows [name, before, after, changed], the
 * changed ones first; one side may be null (created or removed).
 */
export function diffRows(before, after) {
  const b = before && typeof before === 'object' ? before : {};
  const a = after && typeof after === 'object' ? after : {};
  const names = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  const rows = names.map((n) => [n, b[n], a[n], JSON.stringify(b[n]) !== JSON.stringify(a[n])]);
  return rows.filter((r) => r[3]).concat(rows.filter((r) => !r[3]));
}

function diffTable(data) {
  if (!data || typeof data !== 'object' || (!('before' in data) && !('after' in data))) {
    return h('pre', { class: 'audit-raw' }, JSON.stringify(data));
  }
  const rows = diffRows(data.before, data.after);
  const changed = rows.filter((r) => r[3]);
  const same = rows.filter((r) => !r[3]);
  const line = ([name, b, a, diff]) => h('tr', { class: diff ? 'diff-changed' : 'diff-same' },
    h('th', { scope: 'row' }, label('audit.field', name)),
    h('td', { class: diff && data.before ? 'diff-before' : null }, data.before ? valueText(b, name) : ''),
    h('td', { class: diff && data.after ? 'diff-after' : null }, data.after ? valueText(a, name) : ''));
  return h('div', { class: 'audit-diff' },
    h('table', { class: 'diff-table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('audit.member')), h('th', { scope: 'col' }, t('audit.before')), h('th', { scope: 'col' }, t('audit.after')))),
      h('tbody', {}, changed.map(line))),
    same.length ? h('details', {}, h('summary', {}, t('audit.unchanged', { n: same.length })),
      h('table', { class: 'diff-table' }, h('tbody', {}, same.map(line)))) : null);
}

// The code and name the entry's data gives its subject (after, else before), or null.
function subjectName(data) {
  const side = data && (data.after || data.before);
  if (!side || typeof side !== 'object') return null;
  const text = [side.code || side.username || side.street || side.day, side.name || side.display_name].filter(Boolean).join(' ');
  return text ? h('span', { class: 'mono' }, text) : null;
}

// Milliseconds of the local day's start (plus days) of a YYYY-MM-DD input.
function dayStart(value, plusDays = 0) {
  const [y, m, d] = value.split('-').map(Number);
  return new Date(y, m - 1, d + plusDays).getTime();
}

/** Renders the audit log screen. */
export async function render(ctx) {
  const kind = h('select', { name: 'subject_kind' }, h('option', { value: '' }, t('audit.allSubjects')),
    KINDS.map((k) => h('option', { value: k }, label('audit.kind', k))));
  const id = h('input', { name: 'subject_id', type: 'number', min: 1, step: 1, inputmode: 'numeric' });
  const from = h('input', { name: 'from', type: 'date' });
  const to = h('input', { name: 'to', type: 'date' });
  const list = h('ol', { class: 'audit-list', dataset: { role: 'audit' } });
  const more = h('button', { type: 'button', class: 'btn', hidden: true }, t('audit.more'));
  const status = h('div', { role: 'status', 'aria-live': 'polite', class: 'muted' });
  const filters = h('form', { class: 'toolbar audit-filters', role: 'search' },
    field('audit.subject', kind, { name: 'subject' }), field('audit.subjectId', id, { name: 'subject_id' }),
    field('audit.from', from, { name: 'from' }), field('audit.to', to, { name: 'to' }),
    h('div', { class: 'actions-row' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('audit.filter'))));
  let cursor = null;

  const asked = Number(ctx.query.get('limit'));
  const pageSize = Number.isInteger(asked) && asked >= 1 && asked <= 500 ? asked : PAGE;

  function query() {
    const q = new URLSearchParams({ limit: String(pageSize) });
    if (kind.value) q.set('subject', id.value ? `${kind.value}:${id.value}` : kind.value);
    if (from.value) q.set('from', String(dayStart(from.value)));
    if (to.value) q.set('to', String(dayStart(to.value, 1) - 1));
    if (cursor) q.set('cursor', cursor);
    return q;
  }

  function entry(e) {
    return h('li', { class: 'card audit-entry', dataset: { id: String(e.id), action: e.action, subject: `${e.subject.kind}:${e.subject.id}` } },
      h('div', { class: 'audit-head' },
        h('strong', {}, label('audit.action', e.action)),
        h('span', { class: 'badge' }, `${label('audit.kind', e.subject.kind)} #${e.subject.id}`),
        subjectName(e.data),
        h('span', {}, e.actor.name || t('audit.system'), e.actor.role ? ` · ${label('role', e.actor.role)}` : ''),
        h('time', { class: 'muted', datetime: new Date(e.at).toISOString() }, formatTime(e.at))),
      diffTable(e.data));
  }

  async function load(reset) {
    if (reset) {
      cursor = null;
      clear(list);
    }
    status.textContent = t('common.loading');
    try {
      const page = await get(`/api/v1/admin/audit?${query()}`);
      if (!ctx.isCurrent()) return;
      list.append(...(page.items || []).map(entry));
      cursor = page.next_cursor || null;
      more.hidden = !cursor;
      status.textContent = list.children.length ? t('audit.count', { n: list.children.length }) : t('audit.empty');
    } catch (err) {
      status.textContent = errorText(err);
    }
  }

  filters.addEventListener('submit', (e) => { e.preventDefault(); load(true); });
  more.addEventListener('click', () => load(false));
  if (ctx.query.get('subject')) {
    const [k, i] = ctx.query.get('subject').split(':');
    kind.value = k;
    id.value = i || '';
  }
  ctx.main.append(h('div', { class: 'screen-head' }, h('h1', {}, t('nav.audit'))),
    h('p', { class: 'muted' }, t('audit.intro')), h('section', { class: 'card' }, filters), status, list,
    h('div', { class: 'actions-row' }, more));
  await load(true);
}
