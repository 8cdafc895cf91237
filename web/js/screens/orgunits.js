// SPDX-License-Identifier: MIT
// Admin: the org units as a tree (city > district > street > community, each
// place's departments under it), creating a unit (its code checked as the API
// checks it, GB/T 2260 nesting), renaming, re-kinding and disabling one.
import { h, clear } from '../dom.js';
import { t, has, localName } from '../i18n.js';
import { get, post, patch, ApiError, showFormError, clearFormErrors, errorText } from '../api.js';
import { field, formErrorSlot } from '../widgets.js';
import { invalidate } from '../refdata.js';

// What may be created by an admin, and under what (a city is made on the server).
const PARENT_TYPES = {
  district: ['city'],
  street: ['district'],
  community: ['street'],
  department: ['city', 'district', 'street'],
};
const CHILD_TYPE = { city: 'district', district: 'street', street: 'community' };

/** A department kind's name in the user's language, or the kind itself. */
export function kindLabel(kind) {
  return has(`kind.${kind}`) ? t(`kind.${kind}`) : kind;
}

/**
 * Whether code fits a unit of type under parent, as the server's
 * store_org_unit_code_fits decides (less the province table). Returns null when
 * it fits, else the rule as a message in the user's language.
 */
export function codeProblem(type, code, parent) {
  if (!parent) return null;
  const p = parent.code;
  let fits;
  if (type === 'district') fits = /^\d{6}$/.test(code) && code.startsWith(p.slice(0, 4)) && !code.endsWith('00');
  else if (type === 'street' || type === 'community') fits = new RegExp(`^${p}\\d{3}$`).test(code) && !code.endsWith('000');
  else if (type === 'department') fits = code.startsWith(`${p}-D`) && /^[0-9A-Z]{1,4}$/.test(code.slice(p.length + 2));
  else return null;
  return fits ? null : t(`org.codeRule.${type}`, { parent: type === 'district' ? p.slice(0, 4) : p });
}

// The units as a forest: children lists by parent id, places before departments.
function buildTree(units) {
  const children = new Map();
  const ids = new Set(units.map((u) => u.id));
  const roots = [];
  for (const u of units) {
    if (u.parent_id && ids.has(u.parent_id)) {
      if (!children.has(u.parent_id)) children.set(u.parent_id, []);
      children.get(u.parent_id).push(u);
    } else {
      roots.push(u);
    }
  }
  const order = (a, b) => (a.type === 'department') - (b.type === 'department') || a.code.localeCompare(b.code);
  for (const list of children.values()) list.sort(order);
  return { roots: roots.sort(order), children };
}

/** Renders the org units screen. */
export async function render(ctx) {
  let units = (await get('/api/v1/org-units')).items || [];
  if (!ctx.isCurrent()) return;
  const treeBox = h('div', { dataset: { role: 'org-tree' } });
  const search = h('input', { type: 'search', name: 'filter', autocomplete: 'off' });
  // Units whose children are folded away: at first every street's communities
  // when the city has many units.
  const collapsed = new Set(units.length > 40 ? units.filter((u) => u.type === 'street').map((u) => u.id) : []);
  const editSlot = h('div', {});
  const notice = h('div', { role: 'status', 'aria-live': 'polite' });

  async function refresh() {
    units = (await get('/api/v1/org-units')).items || [];
    invalidate('departments');
    invalidate('streets');
    drawTree();
    fillParents();
  }

  // A unit's row; open: whether its children show (null: it has none).
  function nodeRow(u, open) {
    const fold = open === null ? h('span', { class: 'org-toggle', 'aria-hidden': 'true' })
      : h('button', { type: 'button', class: 'org-toggle', 'aria-expanded': String(open),
        'aria-label': t(open ? 'org.collapse' : 'org.expand', { name: localName(u) }),
        onclick: () => { if (open) collapsed.add(u.id); else collapsed.delete(u.id); drawTree(); } }, open ? '▾' : '▸');
    const buttons = [];
    if (CHILD_TYPE[u.type] && !u.disabled) {
      buttons.push(h('button', { type: 'button', class: 'btn btn-small', onclick: () => startCreate(u, CHILD_TYPE[u.type]) },
        t(`org.add.${CHILD_TYPE[u.type]}`)));
    }
    if (PARENT_TYPES.department.includes(u.type) && !u.disabled) {
      buttons.push(h('button', { type: 'button', class: 'btn btn-small', onclick: () => startCreate(u, 'department') }, t('org.add.department')));
    }
    buttons.push(h('button', { type: 'button', class: 'btn btn-small', onclick: () => edit(u) }, t('org.rename')));
    if (u.type !== 'city') {
      buttons.push(h('button', { type: 'button', class: 'btn btn-small' + (u.disabled ? '' : ' btn-danger'), onclick: () => switchDisabled(u) },
        t(u.disabled ? 'users.enable' : 'users.disable')));
    }
    return h('div', { class: 'org-node' + (u.disabled ? ' org-disabled' : '') }, fold,
      h('span', { class: `badge org-type org-${u.type}` }, t(`orgType.${u.type}`)),
      h('span', { class: 'org-name' }, localName(u)),
      h('span', { class: 'mono muted' }, u.code),
      u.department_kind ? h('span', { class: 'badge' }, kindLabel(u.department_kind)) : null,
      u.disabled ? h('span', { class: 'badge state-rejected' }, t('users.disabled')) : null,
      h('span', { class: 'org-actions' }, buttons));
  }

  // Draws the tree; with a filter text, only the units whose name or code
  // holds it, and the units above them.
  function drawTree() {
    const { roots, children } = buildTree(units);
    const q = search.value.trim().toLowerCase();
    const hit = (u) => !q || `${u.code} ${u.name} ${u.name_en || ''}`.toLowerCase().includes(q);
    const shown = (u) => hit(u) || (children.get(u.id) || []).some(shown);
    const branch = (list, hidden = false) => h('ul', { class: 'org-tree', hidden }, list.filter(shown).map((u) => {
      const open = Boolean(q) || !collapsed.has(u.id);
      return h('li', { dataset: { code: u.code } }, nodeRow(u, children.has(u.id) ? open : null),
        children.has(u.id) ? branch(children.get(u.id), !open) : null);
    }));
    const tree = branch(roots);
    clear(treeBox).append(tree.children.length ? tree : h('p', { class: 'empty' }, t('admin.empty')));
  }

  async function switchDisabled(u) {
    try {
      await patch(`/api/v1/admin/org-units/${u.id}`, { disabled: !u.disabled });
      notice.textContent = t(u.disabled ? 'users.enabledDone' : 'users.disabledDone', { name: localName(u) });
      await refresh();
    } catch (err) {
      notice.textContent = errorText(err);
    }
  }

  function kindInput(value) {
    return h('input', { name: 'department_kind', value: value || '', maxlength: 31, list: 'org-kinds', autocapitalize: 'none', spellcheck: 'false' });
  }

  function edit(u) {
    const name = h('input', { name: 'name', value: u.name, maxlength: 127 });
    const nameEn = h('input', { name: 'name_en', value: u.name_en || '', maxlength: 127 });
    const kind = u.type === 'department' ? kindInput(u.department_kind) : null;
    const form = h('form', { class: 'action-panel', novalidate: true, dataset: { role: 'org-editor' } },
      h('h2', {}, t('org.editing', { name: localName(u), code: u.code })),
      h('div', { class: 'field-row' }, field('org.name', name, { name: 'name', required: true }), field('org.nameEn', nameEn, { name: 'name_en' })),
      kind ? field('org.kind', kind, { name: 'department_kind', hint: t('org.kindHint') }) : null,
      formErrorSlot(),
      h('div', { class: 'actions-row' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.save')),
        h('button', { type: 'button', class: 'btn', onclick: () => clear(editSlot) }, t('common.cancel'))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFormErrors(form);
      const body = {};
      if (!name.value.trim()) return showFormError(form, new ApiError(0, 'missing_field', '', { field: 'name' }));
      if (name.value.trim() !== u.name) body.name = name.value.trim();
      if (nameEn.value.trim() !== (u.name_en || '')) body.name_en = nameEn.value.trim();
      if (kind && kind.value.trim() !== u.department_kind) body.department_kind = kind.value.trim();
      try {
        if (Object.keys(body).length) await patch(`/api/v1/admin/org-units/${u.id}`, body);
        clear(editSlot);
        notice.textContent = t('org.saved', { name: body.name || localName(u) });
        await refresh();
      } catch (err) {
        showFormError(form, err);
      }
    });
    clear(editSlot).append(form);
    name.focus();
    editSlot.scrollIntoView({ block: 'nearest' });
  }

  // ---- the create form ----
  const type = h('select', { name: 'type' }, Object.keys(PARENT_TYPES).map((k) => h('option', { value: k }, t(`orgType.${k}`))));
  const parent = h('select', { name: 'parent_code' });
  const code = h('input', { name: 'code', maxlength: 24, autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', inputmode: 'text' });
  const name = h('input', { name: 'name', maxlength: 127 });
  const nameEn = h('input', { name: 'name_en', maxlength: 127 });
  const kind = kindInput('');
  const codeHint = h('div', { class: 'hint', id: 'org-code-hint' });
  code.setAttribute('aria-describedby', 'org-code-hint');
  const kinds = h('datalist', { id: 'org-kinds' });
  const kindField = field('org.kind', kind, { name: 'department_kind', required: true, hint: t('org.kindHint') });
  const codeField = field('org.code', code, { name: 'code', required: true });
  codeField.insertBefore(codeHint, codeField.querySelector('.field-error'));
  const create = h('form', { class: 'card', novalidate: true, dataset: { role: 'create-org' } },
    h('h2', {}, t('org.create')),
    h('div', { class: 'field-row' }, field('org.type', type, { name: 'type', required: true }), field('org.parent', parent, { name: 'parent_code', required: true })),
    codeField,
    h('div', { class: 'field-row' }, field('org.name', name, { name: 'name', required: true }), field('org.nameEn', nameEn, { name: 'name_en' })),
    kindField, kinds, formErrorSlot(),
    h('div', { class: 'actions-row' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('org.createSubmit'))));

  const unitByCode = (c) => units.find((u) => u.code === c) || null;

  function fillParents(selected = parent.value) {
    const allowed = PARENT_TYPES[type.value];
    const options = units.filter((u) => allowed.includes(u.type) && !u.disabled);
    parent.replaceChildren(h('option', { value: '' }, t('org.chooseParent')),
      ...options.map((u) => h('option', { value: u.code, selected: u.code === selected }, `${t(`orgType.${u.type}`)} · ${localName(u)} (${u.code})`)));
    kindField.hidden = type.value !== 'department';
    kinds.replaceChildren(...[...new Set(units.map((u) => u.department_kind).filter(Boolean))].sort()
      .map((k) => h('option', { value: k }, kindLabel(k))));
    describeCode();
  }

  function describeCode() {
    const p = unitByCode(parent.value);
    codeHint.textContent = p ? t(`org.codeHint.${type.value}`, { parent: type.value === 'district' ? p.code.slice(0, 4) : p.code }) : t('org.codeHintNoParent');
  }

  function startCreate(p, childType) {
    type.value = childType;
    fillParents(p.code);
    clearFormErrors(create);
    code.value = childType === 'department' ? `${p.code}-D` : (childType === 'district' ? p.code.slice(0, 4) : p.code);
    create.scrollIntoView({ block: 'nearest' });
    code.focus();
  }

  type.addEventListener('change', () => fillParents());
  parent.addEventListener('change', describeCode);
  create.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(create);
    const missing = (f) => showFormError(create, new ApiError(0, 'missing_field', '', { field: f }));
    const p = unitByCode(parent.value);
    const body = { type: type.value, parent_code: parent.value, code: code.value.trim(), name: name.value.trim() };
    if (!p) return missing('parent_code');
    if (!body.code) return missing('code');
    const problem = codeProblem(body.type, body.code, p);
    if (problem) return showFormError(create, new ApiError(0, 'org_code', problem, { field: 'code' }));
    if (!body.name) return missing('name');
    if (nameEn.value.trim()) body.name_en = nameEn.value.trim();
    if (body.type === 'department') {
      if (!kind.value.trim()) return missing('department_kind');
      body.department_kind = kind.value.trim();
    }
    try {
      const made = await post('/api/v1/admin/org-units', body);
      collapsed.delete(p.id);
      notice.textContent = t('org.created', { name: localName(made), code: made.code });
      code.value = '';
      name.value = '';
      nameEn.value = '';
      await refresh();
    } catch (err) {
      showFormError(create, err);
    }
  });

  ctx.main.append(h('div', { class: 'screen-head' }, h('h1', {}, t('nav.orgunits'))),
    h('p', { class: 'muted' }, t('org.intro')), notice, editSlot,
    h('div', { class: 'grid-2' }, h('section', { class: 'card', 'aria-label': t('org.tree') }, h('h2', {}, t('org.tree')),
      h('form', { class: 'toolbar', role: 'search', onsubmit: (e) => e.preventDefault() }, field('org.filter', search)), treeBox), create));
  search.addEventListener('input', drawTree);
  drawTree();
  fillParents();
}
