// SPDX-License-Identifier: MIT
// The form each case action needs: which fields (note, category, department,
// target case, extension amount, phase) and which photo stage must be uploaded
// first, as the server lists them in case.action_needs.
// actionForm() builds the form, uploads the photos, posts the action with the
// case's current version and shows API errors next to the field at fault.
import { h } from './dom.js';
import { t, has, localName } from './i18n.js';
import { post, upload, ApiError, showFormError, clearFormErrors } from './api.js';
import { field, formErrorSlot, photoPicker } from './widgets.js';
import { categorySelect, departmentSelect, defaultDepartmentFor } from './refdata.js';

// How each action looks. What it requires (reason, photo and its stage, fields)
// comes from the server with the case (case.action_needs), never from here.
const ACTION_STYLE = {
  verify: 'primary', confirm: 'primary', deny: 'danger', accept: 'primary', reject: 'danger',
  dispatch: 'primary', sign: 'primary', approve: 'primary', refuse: 'danger', resume: 'primary',
  handle: 'primary', 'check-pass': 'primary', 'check-fail': 'danger', close: 'primary',
  reopen: 'danger', supervise: 'danger', arrive: 'primary', phase: 'primary', recall: 'danger',
};

/** The form spec of an action on case c, from the server's action_needs. */
export function actionSpec(action, c) {
  const entry = (c.action_needs && c.action_needs[action]) || { needs: [], photo_stage: null };
  const needs = (n) => entry.needs.includes(n);
  return {
    style: ACTION_STYLE[action],
    note: needs('reason') || needs('note') ? 'required' : 'optional',
    reason: needs('reason'),
    photo: needs('photo') ? entry.photo_stage : null,
    category: needs('category_id'),
    urgent: action === 'accept',
    department: needs('department_id'),
    target: needs('target_case_id'),
    amount: needs('amount'),
    phase: needs('phase'),
  };
}

/** The button class for an action. */
export function actionClass(action) {
  const style = ACTION_STYLE[action];
  return `btn${style === 'primary' ? ' btn-primary' : style === 'danger' ? ' btn-danger' : ''}`;
}

/**
 * Builds the form for action on case c. opts: getCase() (the latest case, for
 * its version), duplicates (for merge), onDone(updatedCase), onCancel(),
 * onStale() (reloads the case after a stale_version answer). Resolves to the form.
 */
export async function actionForm(action, c, opts) {
  const spec = actionSpec(action, c);
  const form = h('form', { class: 'action-panel', novalidate: true, dataset: { actionForm: action } });
  form.append(h('h3', {}, t(`action.${action}`)), h('p', { class: 'hint' }, t(`actionHelp.${action}`)));
  const controls = {};

  if (spec.category) {
    controls.category = await categorySelect({ selected: c.category ? c.category.id : null });
    form.append(field('action.field.category', controls.category, { name: 'category_id', required: true }));
  }
  if (spec.urgent) {
    controls.urgent = h('input', { type: 'checkbox', name: 'urgent', checked: Boolean(c.urgent) });
    form.append(field('action.field.urgent', controls.urgent, { name: 'urgent', inline: true }));
  }
  if (spec.department) {
    // The server's suggestion (the routing table's, else the category's kind) first.
    const suggested = c.suggested_department
      || await defaultDepartmentFor(c.category && c.category.id).catch(() => null);
    controls.department = await departmentSelect({ selected: suggested ? suggested.id : null });
    form.append(field('action.field.department', controls.department, {
      name: 'department_id', required: true,
      hint: suggested ? t('action.suggestedDepartment', { name: localName(suggested) }) : null,
    }));
  }
  if (spec.target) {
    const dups = opts.duplicates || [];
    controls.target = h('select', { name: 'target_case_id' }, h('option', { value: '' }, t('action.chooseTarget')),
      dups.map((d) => h('option', { value: String(d.id) }, `${d.case_no} · ${t(`state.${d.state}`)} · ${d.description.slice(0, 40)}`)));
    controls.targetId = h('input', { name: 'target_id', inputmode: 'numeric', pattern: '[0-9]*', maxlength: 12 });
    form.append(field('action.field.target', controls.target, { name: 'target_case_id', required: true, hint: dups.length ? null : t('action.noDuplicates') }),
      field('action.field.targetId', controls.targetId, { name: 'target_id' }));
  }
  if (spec.amount) {
    controls.amount = h('input', { type: 'number', name: 'amount', min: 1, max: 240, step: 1, value: '' });
    const unit = c.clock && c.clock.unit ? t(`unit.${c.clock.unit}`) : '';
    form.append(field('action.field.amount', controls.amount, { name: 'amount', required: true, label: t('action.field.amount', { unit }) }));
  }
  if (spec.phase) {
    const open = (c.stages || []).filter((st) => st.stage === 'phase' && st.ended_at === null);
    controls.phase = h('select', { name: 'phase' }, open.map((st) => h('option', { value: st.phase }, phaseName(c, st.phase))));
    form.append(field('action.field.phase', controls.phase, { name: 'phase', required: true }));
  }
  let photos = null;
  if (spec.photo) {
    // Evidence counts for the stage it proves: photos from before this stage began do not.
    const since = stageStart(c, action);
    const existing = (c.photos || []).filter((p) => p.stage === spec.photo && p.created_at >= since).length;
    photos = photoPicker({ labelKey: `photoStage.${spec.photo}`, max: 6, name: 'photo', required: existing === 0 });
    if (existing) photos.element.append(h('div', { class: 'hint' }, t('action.photosAlready', { n: existing })));
    form.append(photos.element);
  }
  if (spec.note) {
    controls.note = h('textarea', { name: 'note', rows: 3, maxlength: 2000 });
    form.append(field(`action.note.${action}`, controls.note, { name: 'note', required: spec.note === 'required', label: t(noteLabelKey(action, spec)) }));
  }
  const submit = h('button', { type: 'submit', class: actionClass(action) }, t('action.submit', { action: t(`action.${action}`) }));
  form.append(formErrorSlot(), h('div', { class: 'actions-row' }, submit,
    h('button', { type: 'button', class: 'btn', onclick: () => opts.onCancel() }, t('common.cancel'))));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    const problem = check(spec, controls, photos, c, action);
    if (problem) return showFormError(form, problem);
    submit.disabled = true;
    try {
      const current = opts.getCase();
      if (photos) {
        for (const file of photos.files()) await upload(`/api/v1/cases/${current.id}/attachments?stage=${spec.photo}`, file);
        photos.reset();
      }
      const body = { version: current.version };
      if (controls.note && controls.note.value.trim()) body.note = controls.note.value.trim();
      if (controls.category && controls.category.value) body.category_id = Number(controls.category.value);
      if (controls.urgent) body.urgent = controls.urgent.checked;
      if (controls.department) body.department_id = Number(controls.department.value);
      if (controls.target) body.target_case_id = Number(controls.target.value || controls.targetId.value);
      if (controls.amount) body.amount = Number(controls.amount.value);
      if (controls.phase) body.phase = controls.phase.value;
      const updated = await post(`/api/v1/cases/${current.id}/${action}`, body);
      opts.onDone(updated);
    } catch (err) {
      if (err.code === 'stale_version' && opts.onStale) await opts.onStale();
      showFormError(form, err);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function noteLabelKey(action, spec) {
  if (spec.reason) return 'action.field.reason';
  if (action === 'handle') return 'action.field.result';
  if (action === 'supervise') return 'action.field.supervise';
  return spec.note === 'required' ? 'action.field.note' : 'action.field.noteOptional';
}

// When the stage an action's evidence proves began: its running record's start.
function stageStart(c, action) {
  const stage = { confirm: 'verify', handle: 'handle', 'check-pass': 'check', 'check-fail': 'check', arrive: 'arrive', phase: 'phase' }[action];
  const running = (c.stages || []).filter((st) => st.stage === stage && st.ended_at === null);
  if (running.length) return Math.min(...running.map((st) => st.started_at));
  return c.clock ? c.clock.started_at : 0;
}

// A phase's name: the catalogue's for the seeded phases, else its code.
function phaseName(c, code) {
  return has(`phase.${code}`) ? t(`phase.${code}`) : code;
}

// Client-side checks of what the server said the action needs, so the message
// appears at once; the server checks again.
function check(spec, controls, photos, c, action) {
  const missing = (f) => new ApiError(0, 'missing_field', '', { field: f });
  if (spec.category && !controls.category.value) return missing('category_id');
  if (spec.department && !controls.department.value) return missing('department_id');
  if (spec.target && !controls.target.value && !/^\d+$/.test(controls.targetId.value.trim())) return missing('target_case_id');
  if (spec.amount) {
    const n = Number(controls.amount.value);
    if (!Number.isInteger(n) || n < 1 || n > 240) return new ApiError(0, 'invalid_field', '', { field: 'amount' });
  }
  const since = stageStart(c, action);
  if (spec.photo && photos.files().length === 0 && !(c.photos || []).some((p) => p.stage === spec.photo && p.created_at >= since)) return missing('photo');
  if (spec.phase && !controls.phase.value) return missing('phase');
  if (spec.note === 'required' && !controls.note.value.trim()) return missing('note');
  return null;
}
