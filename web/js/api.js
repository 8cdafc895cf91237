// SPDX-License-Identifier: MIT
// The one way the pages talk to the server: same-origin fetch with the CSRF
// token on writes, JSON in and out, errors turned into ApiError (code, the field
// the server blames, server message) and shown in the user's language next to
// the input that field names.
import { t, has } from './i18n.js';

let csrfToken = null;
let unauthenticatedHandler = null;

/** Remembers the CSRF token from login or /auth/me (null after sign-out). */
export function setCsrf(token) {
  csrfToken = token;
}

/** Sets fn() to run when a request answers 401 (the session was lost). */
export function onUnauthenticated(fn) {
  unauthenticatedHandler = fn;
}

// The one list of server fields that the forms show under another name: the
// server's field → the data-field of the input the error appears next to (a
// point's lat and lon are the spot picked on the map). Every other field
// appears next to the input of its own name.
const INPUT_FOR_FIELD = { lat: 'place', lon: 'place' };

/**
 * The data-field names an error about field may appear next to, best first: its
 * input (INPUT_FOR_FIELD), the field itself, then for a member inside an object
 * ("limits.handle.amount") the objects around it ("limits.handle", "limits").
 */
function inputsFor(field) {
  if (!field) return [];
  const names = INPUT_FOR_FIELD[field] ? [INPUT_FOR_FIELD[field]] : [];
  for (let name = field; name; name = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : '') names.push(name);
  return names;
}

/**
 * An error answer from the API (or one a form makes itself). extra.field: the
 * input to blame, as the envelope's "field" names it; null when none is.
 */
export class ApiError extends Error {
  constructor(status, code, message, extra = {}) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.serverMessage = message || '';
    this.report = extra.report;
    this.field = extra.field || null;
  }
}

/**
 * Sends one request. opts: json (object sent as JSON), body + contentType (raw
 * body, e.g. a File), auth401 (false: do not treat 401 as a lost session).
 * Resolves to the parsed JSON (null for 204); rejects with ApiError.
 */
export async function api(method, path, opts = {}) {
  const headers = { Accept: 'application/json' };
  let body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = opts.contentType || 'application/octet-stream';
    body = opts.body;
  }
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    // Reads revalidate: a list or a case polled with nothing changed comes back as
    // a 304 the browser answers from its copy (the server's ETag); answers without
    // an ETag say no-store and are never kept.
    res = await fetch(path, { method, headers, body, credentials: 'same-origin', cache: method === 'GET' ? 'no-cache' : 'no-store' });
  } catch (err) {
    throw new ApiError(0, 'network', String(err && err.message));
  }
  if (res.status === 204) return null;
  let data = null;
  const text = await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (res.ok) return data;
  const e = (data && data.error) || {};
  const field = typeof e.field === 'string' && e.field ? e.field : null;
  const error = new ApiError(res.status, e.code || `http_${res.status}`, e.message, { report: e.report, field });
  if (res.status === 401 && opts.auth401 !== false && unauthenticatedHandler) unauthenticatedHandler();
  throw error;
}

/** GET shorthand. */
export const get = (path, opts) => api('GET', path, opts);
/** POST JSON shorthand. */
export const post = (path, json, opts = {}) => api('POST', path, { ...opts, json });
/** PATCH JSON shorthand. */
export const patch = (path, json, opts = {}) => api('PATCH', path, { ...opts, json });
/** PUT JSON shorthand. */
export const put = (path, json, opts = {}) => api('PUT', path, { ...opts, json });
/** DELETE shorthand. */
export const del = (path, opts) => api('DELETE', path, opts);

/** Uploads a File/Blob as the raw body of a POST. */
export function upload(path, file) {
  return api('POST', path, { body: file, contentType: file.type || 'application/octet-stream' });
}

/** The error's text in the user's language: specific field message, code message, or the server's. */
export function errorText(err) {
  if (!(err instanceof ApiError)) return t('error.unexpected');
  const named = inputsFor(err.field).find((name) => has(`error.${err.code}.${name}`));
  if (named) return t(`error.${err.code}.${named}`);
  if (has(`error.${err.code}`)) {
    const generic = t(`error.${err.code}`);
    const specific = err.serverMessage && ['missing_field', 'invalid_field', 'invalid_query', 'illegal_transition', 'conflict', 'unprocessable'].includes(err.code);
    return specific ? `${generic} (${err.serverMessage})` : generic;
  }
  return err.serverMessage || t('error.unexpected');
}

/**
 * Shows err inside form: next to the control whose wrapper has the data-field
 * the error's field names (see INPUT_FOR_FIELD) when the form has one, else in
 * the form's [data-role=form-error].
 */
export function showFormError(form, err) {
  clearFormErrors(form);
  const text = errorText(err);
  const wrappers = [...form.querySelectorAll('[data-field]')];
  const names = inputsFor(err instanceof ApiError ? err.field : null);
  const field = names.map((name) => wrappers.find((w) => w.dataset.field === name)).find(Boolean) || null;
  const slot = field ? field.querySelector('.field-error') : form.querySelector('[data-role=form-error]');
  if (!slot) return;
  slot.textContent = text;
  slot.hidden = false;
  if (field) {
    const control = field.querySelector('input, select, textarea');
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      control.focus();
    }
  }
}

/** Removes the error texts shown by showFormError. */
export function clearFormErrors(form) {
  for (const slot of form.querySelectorAll('.field-error, [data-role=form-error]')) {
    slot.textContent = '';
    slot.hidden = true;
  }
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
}
