// SPDX-License-Identifier: MIT
// The citizen portal's tracking screen: look a case up by number and query code,
// show its state and public timeline, and take the one satisfaction rating once
// it is closed. Recent receipts on this device are kept for one-tap lookup.
import { h, clear } from './dom.js';
import { t, has, localName, formatTime, onLangChange } from './i18n.js';
import { get, post, ApiError, showFormError, clearFormErrors } from './api.js';
import { stateBadge, field, formErrorSlot } from './widgets.js';

const RECENT_KEY = 'chengguan.recentCases';
const RATINGS = ['satisfied', 'basically_satisfied', 'unsatisfied'];
const form = () => document.getElementById('track-form');
const result = () => document.getElementById('track-result');
let current = null; // {no, code, data}

/** Remembers a filed case (number and code) on this device, newest first, five at most. */
export function rememberCase(no, code) {
  try {
    const list = JSON.parse(localStorage.getItem(RECENT_KEY) || '[]').filter((c) => c.no !== no);
    list.unshift({ no, code });
    localStorage.setItem(RECENT_KEY, JSON.stringify(list.slice(0, 5)));
  } catch {
    // storage unavailable: nothing to remember
  }
  renderRecent();
}

function recent() {
  try {
    return JSON.parse(localStorage.getItem(RECENT_KEY) || '[]');
  } catch {
    return [];
  }
}

function renderRecent() {
  const box = document.getElementById('recent');
  clear(box);
  const list = recent();
  if (!list.length) return;
  box.append(h('h2', {}, t('track.recent')));
  box.append(h('ul', { class: 'recent-list' }, list.map((c) => h('li', {},
    h('button', { type: 'button', class: 'btn btn-link', onclick: () => showTrack(c.no, c.code) }, c.no)))));
}

/** Fills the form with no and code and shows that case. */
export async function showTrack(no, code, { stop = false } = {}) {
  const f = form();
  f.case_no.value = no;
  f.code.value = code;
  await lookup();
  if (stop && current) {
    current.stopAsked = true;
    renderResult();
  }
}

async function lookup() {
  const f = form();
  clearFormErrors(f);
  const no = f.case_no.value.trim();
  const code = f.code.value.trim().toUpperCase();
  if (!no) return showFormError(f, new ApiError(0, 'missing_field', '', { field: 'case_no' }));
  if (!code) return showFormError(f, new ApiError(0, 'missing_field', '', { field: 'code' }));
  try {
    const data = await get(`/api/v1/public/cases/${encodeURIComponent(no)}?code=${encodeURIComponent(code)}`);
    current = { no, code, data };
    renderResult();
    result().focus();
  } catch (err) {
    current = null;
    result().hidden = true;
    if (err.status === 404) err.code = 'track_not_found';
    showFormError(f, err);
  }
}

function renderRating(box) {
  const d = current.data;
  if (d.rating) {
    box.append(h('div', { class: 'rated' },
      h('h2', {}, t('rate.yours')),
      h('p', { class: 'rating-value' }, t(`rating.${d.rating.value}`)),
      d.rating.comment ? h('p', { class: 'muted' }, d.rating.comment) : null));
    return;
  }
  // A merged case is rated through the case it was merged into, once that closes.
  const rateable = d.state === 'closed' || (d.merged_into && d.merged_into.state === 'closed' && !d.merged_into.rated);
  if (!rateable) return;
  const legendId = 'rate-legend';
  const options = RATINGS.map((value) => {
    const id = `rate-${value}`;
    return h('div', { class: 'radio' },
      h('input', { type: 'radio', name: 'rating', id, value }),
      h('label', { for: id }, t(`rating.${value}`)));
  });
  const comment = h('textarea', { name: 'comment', rows: 3, maxlength: 500 });
  const rateForm = h('form', { class: 'rate-form', novalidate: true },
    h('h2', { id: legendId }, t('rate.heading')),
    h('div', { class: 'field', dataset: { field: 'rating' } },
      h('div', { class: 'radios', role: 'radiogroup', 'aria-labelledby': legendId }, options),
      h('div', { class: 'field-error', role: 'alert', hidden: true })),
    field('rate.comment', comment, { name: 'comment' }),
    formErrorSlot(),
    h('div', { class: 'actions-row' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('rate.submit'))));
  rateForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(rateForm);
    const chosen = rateForm.querySelector('input[name=rating]:checked');
    if (!chosen) return showFormError(rateForm, new ApiError(0, 'missing_field', '', { field: 'rating' }));
    const body = { code: current.code, rating: chosen.value };
    if (comment.value.trim()) body.comment = comment.value.trim();
    try {
      await post(`/api/v1/public/cases/${encodeURIComponent(current.no)}/rating`, body);
      await showTrack(current.no, current.code);
    } catch (err) {
      showFormError(rateForm, err);
    }
  });
  box.append(rateForm);
}

function renderResult() {
  const box = result();
  clear(box);
  box.hidden = false;
  const d = current.data;
  box.append(
    h('div', { class: 'result-head' },
      h('h2', {}, t('track.caseTitle', { no: d.case_no })),
      stateBadge(d.state)),
    // (Node.append writes a null as the text "null": spread nothing instead.)
    ...(d.merged_into ? [h('p', { class: 'notice', dataset: { role: 'merged-into' } }, t('track.mergedInto', { no: d.merged_into.case_no }))] : []),
    h('dl', { class: 'kv' },
      h('dt', {}, t('track.category')), h('dd', {}, d.category ? localName(d.category) : t('common.none')),
      h('dt', {}, t('track.description')), h('dd', { class: 'pre' }, d.description),
      d.address ? [h('dt', {}, t('track.address')), h('dd', {}, d.address)] : null,
      h('dt', {}, t('track.filed')), h('dd', {}, formatTime(d.created_at)),
      d.closed_at ? [h('dt', {}, t('track.closed')), h('dd', {}, formatTime(d.closed_at))] : null,
      d.citizen && (d.citizen.name || d.citizen.phone)
        ? [h('dt', {}, t('track.contact')), h('dd', {}, [d.citizen.name, d.citizen.phone].filter(Boolean).join(' · '))] : null),
    h('h2', {}, t('track.timeline')),
    h('ol', { class: 'timeline' }, (d.timeline || []).map((ev) => h('li', {},
      h('div', { class: 'tl-head' }, stateBadge(ev.to), h('time', {}, formatTime(ev.created_at))),
      ev.code && has(`public.${ev.code}`) ? h('p', {}, t(`public.${ev.code}`)) : null,
      // Words staff wrote for the citizen (or an old event's note), as written.
      ev.public_note ? h('p', { class: 'pre' }, ev.public_note) : null))));
  renderRating(box);
  renderStopSms(box);
}

// The case's phone gets SMS (when the city sends them): a button stops them for
// that phone. Shown first when the SMS's stop link (#...&stop=1) led here.
function renderStopSms(box) {
  const d = current.data;
  if (!d.citizen || !d.citizen.phone) return;
  if (!d.citizen.sms) {
    // Stopped before (or never sent): the stop link says so rather than nothing.
    if (current.stopAsked) box.prepend(h('p', { class: 'notice', role: 'status' }, t('track.smsStopped')));
    return;
  }
  const status = h('p', { class: 'muted', role: 'status' });
  const button = h('button', { type: 'button', class: 'btn', dataset: { role: 'stop-sms' } }, t('track.stopSms'));
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await post(`/api/v1/public/cases/${encodeURIComponent(current.no)}/optout`, { code: current.code });
      status.textContent = t('track.smsStopped');
      button.hidden = true;
    } catch (err) {
      button.disabled = false;
      status.textContent = err.message || t('track.stopFailed');
    }
  });
  const section = h('div', { class: 'stop-sms' }, h('h2', {}, t('track.smsHeading')),
    h('p', {}, t('track.stopSmsHint')), button, status);
  if (current.stopAsked) box.prepend(section);
  else box.append(section);
}

/** Wires the tracking form. */
export function initTrack() {
  form().addEventListener('submit', (e) => { e.preventDefault(); lookup(); });
  renderRecent();
  onLangChange(() => {
    renderRecent();
    if (current) renderResult();
  });
}
