// SPDX-License-Identifier: MIT
// Admin: the routing table (which department handles which category in which
// street) as an editable table: rows added, changed and removed locally, then
// saved all or nothing; the server's error is shown on the row it names.
import { h, clear } from '../dom.js';
import { t, localName } from '../i18n.js';
import { get, put, ApiError, errorText } from '../api.js';
import { subclasses } from '../refdata.js';

// The key of a row: street, tree and category (one department each).
const keyOf = (r) => `${r.street}|${r.tree}|${r.category}`;

/** Renders the routing screen. */
export async function render(ctx) {
  const [routing, unitsData, subs] = await Promise.all([get('/api/v1/admin/routing'), get('/api/v1/org-units'), subclasses()]);
  if (!ctx.isCurrent()) return;
  const units = unitsData.items || [];
  const streets = units.filter((u) => u.type === 'street' && !u.disabled);
  const departments = units.filter((u) => u.type === 'department' && !u.disabled);
  const byId = new Map(units.map((u) => [u.id, u]));
  let saved = routing.items || [];
  let rows = [];
  const body = h('tbody', {});
  const notice = h('div', { role: 'status', 'aria-live': 'polite' });
  const formError = h('div', { class: 'form-error', role: 'alert', hidden: true, dataset: { role: 'form-error' } });
  let nextId = 1;

  // A department serves a street when the place it belongs to holds the street.
  function serves(dep, streetCode) {
    const place = byId.get(dep.parent_id);
    if (!place) return false;
    return place.type === 'city' ? streetCode.startsWith(place.code.slice(0, 4)) : streetCode.startsWith(place.code);
  }

  function load(items) {
    saved = items;
    rows = items.map((r) => ({ uid: nextId++, street: r.street, tree: r.tree, category: r.category, department: r.department }));
    draw();
  }

  function select(name, label, options, value, onchange) {
    return h('select', { name, 'aria-label': label, onchange: (e) => onchange(e.target.value) },
      h('option', { value: '' }, t('routing.choose')),
      options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
  }

  function rowElement(r, index) {
    const deps = departments.filter((d) => !r.street || serves(d, r.street));
    const n = index + 1;
    const error = h('div', { class: 'field-error', role: 'alert', hidden: true });
    return h('tr', { dataset: { row: String(index) } },
      h('td', { 'data-label': t('routing.street') }, select('street', t('routing.streetOf', { n }),
        streets.map((s) => [s.code, `${localName(s)} (${s.code})`]), r.street, (v) => {
          r.street = v;
          const dep = departments.find((d) => d.code === r.department);
          if (dep && v && !serves(dep, v)) r.department = '';
          draw();
        })),
      h('td', { 'data-label': t('routing.category') }, select('category', t('routing.categoryOf', { n }),
        subs.map((s) => [`${s.tree}:${s.code}`, `${s.code} ${localName(s)} · ${localName(s.treeItem)}`]),
        r.category ? `${r.tree}:${r.category}` : '', (v) => { [r.tree, r.category] = v ? v.split(':') : ['', '']; })),
      h('td', { 'data-label': t('routing.department') }, select('department', t('routing.departmentOf', { n }),
        deps.map((d) => [d.code, `${localName(d)} (${d.code})`]), r.department, (v) => { r.department = v; }), error),
      h('td', { 'data-label': t('users.actions'), class: 'cell-actions' },
        h('button', { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': t('routing.removeRow', { n }),
          onclick: () => { rows = rows.filter((x) => x !== r); draw(); } }, t('routing.remove'))));
  }

  function draw() {
    clear(body).append(...rows.map(rowElement));
    if (!rows.length) body.append(h('tr', {}, h('td', { colspan: 4, class: 'empty' }, t('routing.empty'))));
  }

  // Shows message on row index (the element of the select named member), or above the table.
  function showRowError(index, member, message) {
    for (const slot of body.querySelectorAll('.field-error')) { slot.hidden = true; slot.textContent = ''; }
    for (const c of body.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
    formError.hidden = true;
    const tr = index === null ? null : body.querySelector(`tr[data-row="${index}"]`);
    if (!tr) {
      formError.textContent = message;
      formError.hidden = false;
      return;
    }
    tr.classList.add('row-error');
    const slot = tr.querySelector('.field-error');
    slot.textContent = message;
    slot.hidden = false;
    const control = tr.querySelector(`select[name=${member || 'department'}]`) || tr.querySelector('select');
    control.setAttribute('aria-invalid', 'true');
    control.focus();
  }

  async function save() {
    for (const tr of body.querySelectorAll('tr.row-error')) tr.classList.remove('row-error');
    const seen = new Map();
    for (const [i, r] of rows.entries()) {
      const member = !r.street ? 'street' : !r.category ? 'category' : !r.department ? 'department' : null;
      if (member) return showRowError(i, member, t('routing.incomplete'));
      if (seen.has(keyOf(r))) return showRowError(i, 'category', t('routing.duplicate', { n: seen.get(keyOf(r)) + 1 }));
      seen.set(keyOf(r), i);
    }
    const out = rows.map((r) => ({ street: r.street, tree: r.tree, category: r.category, department: r.department }));
    // Rows saved before and gone now are sent without a department: removed.
    for (const r of saved) if (!seen.has(keyOf(r))) out.push({ street: r.street, tree: r.tree, category: r.category });
    try {
      const result = await put('/api/v1/admin/routing', { rows: out });
      load(result.items || []);
      showRowError(null, null, '');
      formError.hidden = true;
      notice.textContent = t('routing.saved', { n: rows.length });
    } catch (err) {
      const m = err instanceof ApiError && err.field ? /^rows\[(\d+)\](?:\.(\w+))?/.exec(err.field) : null;
      const index = m && Number(m[1]) < rows.length ? Number(m[1]) : null;
      showRowError(index, m ? m[2] : null, index === null ? errorText(err) : `${t('routing.rowError', { n: index + 1 })} ${err.serverMessage || errorText(err)}`);
    }
  }

  const add = () => {
    rows.push({ uid: nextId++, street: '', tree: '', category: '', department: '' });
    draw();
    body.querySelector('tr:last-child select').focus();
  };
  ctx.main.append(h('div', { class: 'screen-head' }, h('h1', {}, t('nav.routing'))),
    h('p', { class: 'muted' }, t('routing.intro')), notice,
    h('section', { class: 'card' },
      h('table', { class: 'case-table routing-table', dataset: { role: 'routing' } },
        h('caption', { class: 'visually-hidden' }, t('nav.routing')),
        h('thead', {}, h('tr', {}, ['routing.street', 'routing.category', 'routing.department', 'users.actions'].map((k) => h('th', { scope: 'col' }, t(k))))),
        body),
      formError,
      h('div', { class: 'actions-row' },
        h('button', { type: 'button', class: 'btn', onclick: add }, t('routing.add')),
        h('button', { type: 'button', class: 'btn btn-primary', onclick: save, dataset: { role: 'save-routing' } }, t('routing.save')),
        h('button', { type: 'button', class: 'btn', onclick: () => { load(saved); notice.textContent = t('routing.reverted'); } }, t('routing.revert')))));
  load(saved);
}
