// SPDX-License-Identifier: MIT
// Admin: the user list, creating a user, and editing one (name, role, org unit,
// phone, new password, disabled).
import { h, clear } from '../dom.js';
import { t, localName, formatTime } from '../i18n.js';
import { get, post, patch, ApiError, showFormError, clearFormErrors, errorText } from '../api.js';
import { field, formErrorSlot } from '../widgets.js';

const ROLES = ['inspector', 'operator', 'supervisor', 'department', 'leader', 'admin'];

function orgSelect(units, selected) {
  return h('select', { name: 'org_unit_code' }, h('option', { value: '' }, t('users.chooseOrg')),
    units.map((u) => h('option', { value: u.code, selected: u.code === selected }, `${t(`orgType.${u.type}`)} · ${localName(u)} (${u.code})`)));
}

function roleSelect(selected) {
  return h('select', { name: 'role' }, ROLES.map((r) => h('option', { value: r, selected: r === selected }, t(`role.${r}`))));
}

/** Renders the users screen. */
export async function render(ctx) {
  const [usersData, unitsData] = await Promise.all([get('/api/v1/users'), get('/api/v1/org-units')]);
  if (!ctx.isCurrent()) return;
  const units = unitsData.items || [];
  let users = usersData.items || [];
  const listBox = h('div', {});
  const editSlot = h('div', {});
  const notice = h('div', { role: 'status', 'aria-live': 'polite' });

  function drawList() {
    clear(listBox).append(h('table', { class: 'case-table', dataset: { role: 'users' } },
      h('thead', {}, h('tr', {}, ['users.username', 'users.displayName', 'users.role', 'users.org', 'users.phone', 'users.status', 'users.created', 'users.actions'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, users.map((u) => h('tr', { dataset: { username: u.username } },
        h('td', { 'data-label': t('users.username'), class: 'mono' }, u.username),
        h('td', { 'data-label': t('users.displayName') }, u.display_name),
        h('td', { 'data-label': t('users.role') }, t(`role.${u.role}`)),
        h('td', { 'data-label': t('users.org') }, u.org_unit ? localName(u.org_unit) : '—'),
        h('td', { 'data-label': t('users.phone') }, u.phone || '—'),
        h('td', { 'data-label': t('users.status') }, h('span', { class: u.disabled ? 'badge state-rejected' : 'badge state-closed' }, t(u.disabled ? 'users.disabled' : 'users.active'))),
        h('td', { 'data-label': t('users.created') }, formatTime(u.created_at)),
        h('td', { 'data-label': t('users.actions'), class: 'cell-actions' },
          h('button', { type: 'button', class: 'btn btn-small', onclick: () => edit(u) }, t('users.edit')),
          u.id !== ctx.user.id ? h('button', { type: 'button', class: 'btn btn-small' + (u.disabled ? '' : ' btn-danger'), onclick: () => toggle(u) }, t(u.disabled ? 'users.enable' : 'users.disable')) : null))))));
  }

  async function refresh() {
    users = (await get('/api/v1/users')).items || [];
    drawList();
  }

  async function toggle(u) {
    try {
      await patch(`/api/v1/users/${u.id}`, { disabled: !u.disabled });
      notice.textContent = t(u.disabled ? 'users.enabledDone' : 'users.disabledDone', { name: u.username });
      await refresh();
    } catch (err) {
      notice.textContent = errorText(err);
    }
  }

  function edit(u) {
    const displayName = h('input', { name: 'display_name', value: u.display_name, maxlength: 63 });
    const role = roleSelect(u.role);
    const org = orgSelect(units, u.org_unit && u.org_unit.code);
    const phone = h('input', { name: 'phone', type: 'tel', value: u.phone || '', maxlength: 30 });
    const password = h('input', { name: 'password', type: 'password', autocomplete: 'new-password', minlength: 12 });
    const form = h('form', { class: 'action-panel', novalidate: true },
      h('h2', {}, t('users.editing', { name: u.username })),
      h('div', { class: 'field-row' }, field('users.displayName', displayName, { name: 'display_name' }), field('users.role', role, { name: 'role' })),
      h('div', { class: 'field-row' }, field('users.org', org, { name: 'org_unit_code' }), field('users.phone', phone, { name: 'phone' })),
      field('users.newPassword', password, { name: 'password', hint: t('users.passwordHint') }),
      formErrorSlot(),
      h('div', { class: 'actions-row' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.save')),
        h('button', { type: 'button', class: 'btn', onclick: () => clear(editSlot) }, t('common.cancel'))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFormErrors(form);
      const body = {};
      if (displayName.value.trim() !== u.display_name) body.display_name = displayName.value.trim();
      if (role.value !== u.role) body.role = role.value;
      if (org.value && org.value !== (u.org_unit && u.org_unit.code)) body.org_unit_code = org.value;
      if (phone.value.trim() !== (u.phone || '')) body.phone = phone.value.trim();
      if (password.value) {
        if (password.value.length < 12) return showFormError(form, new ApiError(0, 'invalid_field', '', { field: 'password' }));
        body.password = password.value;
      }
      try {
        if (Object.keys(body).length) await patch(`/api/v1/users/${u.id}`, body);
        clear(editSlot);
        notice.textContent = t('users.saved', { name: u.username });
        await refresh();
      } catch (err) {
        showFormError(form, err);
      }
    });
    clear(editSlot).append(form);
    displayName.focus();
  }

  const username = h('input', { name: 'username', maxlength: 63, autocomplete: 'off', autocapitalize: 'none' });
  const displayName = h('input', { name: 'display_name', maxlength: 63 });
  const role = roleSelect('inspector');
  const org = orgSelect(units, null);
  const phone = h('input', { name: 'phone', type: 'tel', maxlength: 30 });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'new-password' });
  const create = h('form', { class: 'card', novalidate: true, dataset: { role: 'create-user' } },
    h('h2', {}, t('users.create')),
    h('div', { class: 'field-row' }, field('users.username', username, { name: 'username', required: true, hint: t('users.usernameHint') }),
      field('users.displayName', displayName, { name: 'display_name', required: true })),
    h('div', { class: 'field-row' }, field('users.role', role, { name: 'role', required: true }), field('users.org', org, { name: 'org_unit_code', required: true })),
    h('div', { class: 'field-row' }, field('users.password', password, { name: 'password', required: true, hint: t('users.passwordHint') }),
      field('users.phone', phone, { name: 'phone' })),
    formErrorSlot(),
    h('div', { class: 'actions-row' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('users.createSubmit'))));
  create.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(create);
    const missing = (f) => showFormError(create, new ApiError(0, 'missing_field', '', { field: f }));
    if (!username.value.trim()) return missing('username');
    if (!displayName.value.trim()) return missing('display_name');
    if (!org.value) return missing('org_unit_code');
    if (password.value.length < 12) return showFormError(create, new ApiError(0, 'invalid_field', '', { field: 'password' }));
    const body = { username: username.value.trim(), display_name: displayName.value.trim(), role: role.value, org_unit_code: org.value, password: password.value };
    if (phone.value.trim()) body.phone = phone.value.trim();
    try {
      await post('/api/v1/users', body);
      notice.textContent = t('users.createdDone', { name: body.username });
      create.reset();
      await refresh();
    } catch (err) {
      showFormError(create, err);
    }
  });

  ctx.main.append(h('div', { class: 'screen-head' }, h('h1', {}, t('nav.users'))), notice, editSlot,
    h('section', { class: 'card' }, listBox), create);
  drawList();
}
