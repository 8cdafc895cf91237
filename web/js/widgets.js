// SPDX-License-Identifier: MIT
// Small pieces every screen uses: a labelled form field with its error slot, a
// photo picker with previews, the state, light, pending and 督办 badges, a countdown,
// and a status line for messages.
import { h, uid } from './dom.js';
import { t, formatDuration } from './i18n.js';

const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

/**
 * A labelled control: <div class=field data-field=name><label/>control<hint/><error/></div>.
 * control gets an id when it has none. opts: name (API field, for errors),
 * hint (text), required, label (text instead of a key).
 */
export function field(labelKey, control, opts = {}) {
  if (!control.id) control.id = uid('in');
  if (opts.required) control.required = true;
  const label = h('label', { for: control.id, class: opts.required ? 'required' : null,
    dataset: opts.label ? {} : { i18n: labelKey } }, opts.label || t(labelKey));
  const hint = opts.hint ? h('div', { class: 'hint', id: uid('hint') }, opts.hint) : null;
  if (hint) control.setAttribute('aria-describedby', hint.id);
  const error = h('div', { class: 'field-error', role: 'alert', hidden: true });
  return h('div', { class: 'field' + (opts.inline ? ' field-inline' : ''), dataset: opts.name ? { field: opts.name } : {} },
    opts.inline ? [control, label] : [label, control], hint, error);
}

/** The form-level error slot used by showFormError. */
export function formErrorSlot() {
  return h('div', { class: 'form-error', role: 'alert', hidden: true, dataset: { role: 'form-error' } });
}

/** A polite live region for status messages; set .textContent to announce. */
export function statusLine(cls = 'status') {
  return h('div', { class: cls, role: 'status', 'aria-live': 'polite' });
}

/**
 * A photo picker: a labelled file input (several images, camera on phones) and a
 * row of previews with remove buttons. Returns {element, files(), reset(), error}.
 * max caps the number kept; unsupported types are refused with a message.
 */
export function photoPicker({ labelKey = 'photo.label', max = 6, name = 'photo', required = false } = {}) {
  let chosen = [];
  const input = h('input', { type: 'file', accept: PHOTO_TYPES.join(','), multiple: true, class: 'file-input' });
  const previews = h('ul', { class: 'previews', 'aria-label': t('photo.previews'), dataset: { i18nAriaLabel: 'photo.previews' } });
  const note = h('div', { class: 'hint', dataset: { i18n: 'photo.hint', i18nArgs: JSON.stringify({ max }) } }, t('photo.hint', { max }));
  const wrapper = field(labelKey, input, { name, required });
  // The native control's own text cannot be translated: it is hidden (still
  // focusable) behind a second label styled as a button.
  const pick = h('label', { for: input.id, class: 'btn file-button', 'aria-hidden': 'true', dataset: { i18n: 'photo.add' } }, t('photo.add'));
  input.after(pick);
  wrapper.insertBefore(note, wrapper.querySelector('.field-error'));
  wrapper.append(previews);
  const errorSlot = wrapper.querySelector('.field-error');

  const render = () => {
    for (const img of previews.querySelectorAll('img')) URL.revokeObjectURL(img.src);
    previews.replaceChildren(...chosen.map((file, i) => {
      const url = URL.createObjectURL(file);
      return h('li', { class: 'preview' },
        h('img', { src: url, alt: t('photo.previewAlt', { n: i + 1, name: file.name }) }),
        h('button', { type: 'button', class: 'btn-icon', 'aria-label': t('photo.remove', { n: i + 1 }),
          onclick: () => { chosen.splice(i, 1); render(); } }, '×'));
    }));
  };
  input.addEventListener('change', () => {
    errorSlot.hidden = true;
    const refused = [];
    for (const file of input.files) {
      if (!PHOTO_TYPES.includes(file.type)) refused.push(file.name);
      else if (chosen.length < max) chosen.push(file);
      else refused.push(file.name);
    }
    if (refused.length) {
      errorSlot.textContent = t('photo.refused', { names: refused.join(', '), max });
      errorSlot.hidden = false;
    }
    input.value = '';
    render();
  });
  return {
    element: wrapper,
    input,
    files: () => chosen.slice(),
    reset: () => { chosen = []; render(); },
  };
}

/** A badge with the case state in the user's language. */
export function stateBadge(state) {
  return h('span', { class: `badge state state-${state}` }, t(`state.${state}`));
}

/** A traffic-light badge (green/yellow/red) with its meaning as text; null light: nothing. */
export function lightBadge(clock) {
  if (!clock || !clock.light) return null;
  return h('span', { class: `light light-${clock.light}`, title: t(`light.${clock.light}`) },
    h('span', { class: 'dot', 'aria-hidden': 'true' }), t(`light.${clock.light}`));
}

/** Text for a case clock: time left, overdue by, or paused. */
export function countdownText(clock) {
  if (!clock || clock.remaining_ms === null || clock.remaining_ms === undefined) return '';
  if (clock.paused) return t('clock.paused', { left: formatDuration(clock.remaining_ms) });
  if (clock.overdue || clock.remaining_ms < 0) return t('clock.overdue', { by: formatDuration(clock.remaining_ms) });
  return t('clock.left', { left: formatDuration(clock.remaining_ms) });
}

/** A badge for a pending request (return/extension/suspension); none: null. */
export function pendingBadge(c) {
  if (!c.pending || c.pending === 'none') return null;
  return h('span', { class: 'badge pending' }, t(`pending.${c.pending}`));
}

/** The 督办 badge of a case a leader supervises (supervised: true); otherwise null. */
export function supervisedBadge(c) {
  if (!c || !c.supervised) return null;
  return h('span', { class: 'badge supervised', title: t('case.supervisedHint'), dataset: { role: 'supervised' } }, t('case.supervised'));
}

/** A button with text from a key. */
export function button(key, onclick, cls = 'btn', attrs = {}) {
  return h('button', { type: 'button', class: cls, onclick, ...attrs }, t(key));
}
