// SPDX-License-Identifier: MIT
// The staff sign-in form. A lost session shows why the user is back here.
import { h, clear } from '../dom.js';
import { t } from '../i18n.js';
import { post, ApiError, showFormError, clearFormErrors } from '../api.js';
import { field, formErrorSlot } from '../widgets.js';

/**
 * Renders the sign-in form into main. opts.reasonKey: a message to show above
 * it; opts.onSignedIn(loginAnswer) after a successful login.
 */
export function renderSignin(main, { reasonKey, onSignedIn }) {
  clear(main);
  const username = h('input', { name: 'username', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-wide' }, t('signin.submit'));
  const form = h('form', { class: 'card signin', novalidate: true },
    h('h1', {}, t('signin.heading')),
    reasonKey ? h('p', { class: 'notice warn', role: 'status' }, t(reasonKey)) : null,
    field('signin.username', username, { name: 'username', required: true }),
    field('signin.password', password, { name: 'password', required: true }),
    formErrorSlot(),
    h('div', { class: 'actions-row' }, submit),
    h('p', { class: 'hint' }, h('a', { href: 'index.html' }, t('signin.citizenLink'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    if (!username.value.trim()) return showFormError(form, new ApiError(0, 'missing_field', '', { field: 'username' }));
    if (!password.value) return showFormError(form, new ApiError(0, 'missing_field', '', { field: 'password' }));
    submit.disabled = true;
    try {
      const data = await post('/api/v1/auth/login', { username: username.value.trim(), password: password.value }, { auth401: false });
      onSignedIn(data);
    } catch (err) {
      showFormError(form, err);
      password.value = '';
    } finally {
      submit.disabled = false;
    }
  });
  main.append(form);
  username.focus();
}
