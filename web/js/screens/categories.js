// SPDX-License-Identifier: MIT
// Admin: the category trees with their default department and time limits,
// searchable, and an editor for one subclass (names, conditions, department
// kind, urgency, active, and the limit of every stage with its unit).
import { h, clear } from '../dom.js';
import { t, localName } from '../i18n.js';
import { get, patch, showFormError, clearFormErrors, ApiError } from '../api.js';
import { field, formErrorSlot } from '../widgets.js';
import { departments, invalidate } from '../refdata.js';

const STAGES = ['file', 'verify', 'dispatch', 'sign', 'handle', 'check', 'close'];
const UNITS = ['work_hours', 'work_days', 'urgent_hours'];

function limitText(limit) {
  return limit ? `${limit.amount} ${t(`unit.${limit.unit}`)}` : '—';
}

/** Renders the categories screen. */
export async function render(ctx) {
  let trees = (await get('/api/v1/admin/categories')).trees || [];
  const kinds = [...new Set((await departments().catch(() => [])).map((d) => d.department_kind).filter(Boolean))];
  if (!ctx.isCurrent()) return;
  const search = h('input', { type: 'search', name: 'filter' });
  const listBox = h('div', {});
  const editSlot = h('div', {});
  const notice = h('div', { role: 'status', 'aria-live': 'polite' });

  function drawList() {
    const q = search.value.trim().toLowerCase();
    clear(listBox);
    for (const tree of trees) {
      const rows = [];
      for (const major of tree.majors || []) {
        for (const sub of major.subclasses || []) {
          const hay = `${sub.code} ${sub.name_zh} ${sub.name_en} ${major.name_zh} ${major.name_en}`.toLowerCase();
          if (q && !hay.includes(q)) continue;
          rows.push(h('tr', { dataset: { categoryId: String(sub.id) } },
            h('td', { 'data-label': t('cat.code'), class: 'mono' }, sub.code),
            h('td', { 'data-label': t('cat.name') }, localName(sub), h('div', { class: 'muted' }, localName(major))),
            h('td', { 'data-label': t('cat.department') }, sub.default_department_kind ? t(`kind.${sub.default_department_kind}`) : '—'),
            h('td', { 'data-label': t('cat.handleLimit') }, limitText(sub.limits && sub.limits.handle)),
            h('td', { 'data-label': t('cat.flags') }, sub.urgent ? h('span', { class: 'badge urgent' }, t('case.urgent')) : null, ' ',
              h('span', { class: sub.active ? 'badge state-closed' : 'badge state-rejected' }, t(sub.active ? 'cat.active' : 'cat.inactive'))),
            h('td', { 'data-label': t('users.actions') }, h('button', { type: 'button', class: 'btn btn-small', onclick: () => edit(sub) }, t('users.edit')))));
        }
      }
      if (!rows.length) continue;
      listBox.append(h('h2', {}, localName(tree)), h('table', { class: 'case-table' },
        h('thead', {}, h('tr', {}, ['cat.code', 'cat.name', 'cat.department', 'cat.handleLimit', 'cat.flags', 'users.actions'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, rows)));
    }
    if (!listBox.children.length) listBox.append(h('p', { class: 'empty' }, t('list.empty')));
  }

  function edit(sub) {
    const nameZh = h('input', { name: 'name_zh', value: sub.name_zh, maxlength: 60 });
    const nameEn = h('input', { name: 'name_en', value: sub.name_en || '', maxlength: 100 });
    const kind = h('select', { name: 'default_department_kind' }, h('option', { value: '' }, t('common.none')),
      [...new Set([...kinds, sub.default_department_kind].filter(Boolean))].map((k) => h('option', { value: k, selected: k === sub.default_department_kind }, t(`kind.${k}`))));
    const filing = h('textarea', { name: 'filing_condition', rows: 2, value: sub.filing_condition || '' });
    const closing = h('textarea', { name: 'closing_condition', rows: 2, value: sub.closing_condition || '' });
    const urgent = h('input', { type: 'checkbox', name: 'urgent', checked: sub.urgent });
    const active = h('input', { type: 'checkbox', name: 'active', checked: sub.active });
    const limitControls = {};
    const limitRows = STAGES.map((stage) => {
      const cur = (sub.limits || {})[stage] || { unit: 'work_hours', amount: 1 };
      const amount = h('input', { type: 'number', name: `limit-${stage}`, min: 1, max: 9999, step: 1, value: String(cur.amount) });
      const unit = h('select', { name: `unit-${stage}` }, UNITS.map((u) => h('option', { value: u, selected: u === cur.unit }, t(`unit.${u}`))));
      limitControls[stage] = { amount, unit };
      return h('div', { class: 'field-row', dataset: { field: `limits.${stage}` } },
        field('', amount, { name: `limits.${stage}.amount`, label: t('cat.limitAmount', { stage: t(`stage.${stage}`) }) }),
        field('', unit, { name: `limits.${stage}.unit`, label: t('cat.limitUnit', { stage: t(`stage.${stage}`) }) }));
    });
    const form = h('form', { class: 'action-panel', novalidate: true, dataset: { role: 'category-editor' } },
      h('h2', {}, t('cat.editing', { code: sub.code, name: localName(sub) })),
      h('div', { class: 'field-row' }, field('cat.nameZh', nameZh, { name: 'name_zh', required: true }), field('cat.nameEn', nameEn, { name: 'name_en' })),
      field('cat.department', kind, { name: 'default_department_kind' }),
      field('cat.filing', filing, { name: 'filing_condition' }),
      field('cat.closing', closing, { name: 'closing_condition' }),
      h('div', { class: 'row' }, field('case.urgent', urgent, { name: 'urgent', inline: true }), field('cat.active', active, { name: 'active', inline: true })),
      h('fieldset', {}, h('legend', {}, t('cat.limits')), limitRows),
      formErrorSlot(),
      h('div', { class: 'actions-row' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.save')),
        h('button', { type: 'button', class: 'btn', onclick: () => clear(editSlot) }, t('common.cancel'))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFormErrors(form);
      if (!nameZh.value.trim()) return showFormError(form, new ApiError(0, 'missing_field', '', { field: 'name_zh' }));
      const limits = {};
      for (const stage of STAGES) {
        const n = Number(limitControls[stage].amount.value);
        if (!Number.isInteger(n) || n < 1) return showFormError(form, new ApiError(0, 'invalid_field', t('cat.badLimit', { stage: t(`stage.${stage}`) })));
        limits[stage] = { unit: limitControls[stage].unit.value, amount: n };
      }
      const body = {
        name_zh: nameZh.value.trim(), name_en: nameEn.value.trim(), filing_condition: filing.value.trim(),
        closing_condition: closing.value.trim(), urgent: urgent.checked, active: active.checked, limits,
      };
      if (kind.value) body.default_department_kind = kind.value;
      try {
        await patch(`/api/v1/admin/categories/${sub.id}`, body);
        invalidate('categories');
        trees = (await get('/api/v1/admin/categories')).trees || [];
        clear(editSlot);
        notice.textContent = t('cat.saved', { code: sub.code });
        drawList();
      } catch (err) {
        showFormError(form, err);
      }
    });
    clear(editSlot).append(form);
    nameZh.focus();
    editSlot.scrollIntoView({ block: 'start' });
  }

  search.addEventListener('input', drawList);
  ctx.main.append(h('div', { class: 'screen-head' }, h('h1', {}, t('nav.categories'))),
    h('p', { class: 'muted' }, t('cat.intro')), notice, editSlot,
    h('section', { class: 'card' }, h('form', { class: 'toolbar', role: 'search', onsubmit: (e) => e.preventDefault() }, field('cat.search', search)), listBox));
  drawList();
}
