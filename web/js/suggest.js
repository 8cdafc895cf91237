// SPDX-License-Identifier: MIT
// Category suggestions as the description is typed (the public suggest endpoint),
// shown as buttons that set the category <select>; and duplicate hints, open
// cases matching the address or description typed.
import { h, clear, debounce, uid } from './dom.js';
import { t, localName } from './i18n.js';
import { get } from './api.js';
import { stateBadge } from './widgets.js';

/**
 * Watches textarea and offers up to five categories; clicking one selects it in
 * select. Returns the chips' field element (labelled, live).
 */
export function categorySuggester(textarea, select) {
  const labelId = uid('sg');
  const chips = h('div', { class: 'chips', role: 'group', 'aria-labelledby': labelId, 'aria-live': 'polite', dataset: { role: 'suggestions' } },
    h('span', { class: 'hint' }, t('report.suggestHint')));
  const update = debounce(async () => {
    const text = textarea.value.trim();
    if (text.length < 2) {
      clear(chips).append(h('span', { class: 'hint' }, t('report.suggestHint')));
      return;
    }
    let items = [];
    try {
      items = (await get(`/api/v1/categories/suggest?text=${encodeURIComponent(text.slice(0, 200))}&limit=5`)).items || [];
    } catch {
      items = [];
    }
    clear(chips);
    if (!items.length) chips.append(h('span', { class: 'hint' }, t('report.noSuggestion')));
    for (const item of items) {
      chips.append(h('button', {
        type: 'button', class: 'chip', 'aria-pressed': String(select.value === String(item.id)), dataset: { categoryId: String(item.id) },
        onclick: (e) => {
          select.value = String(item.id);
          select.dispatchEvent(new Event('change'));
          for (const c of chips.querySelectorAll('.chip')) c.setAttribute('aria-pressed', String(c === e.currentTarget));
        },
      }, `${item.code} ${localName(item)}`));
    }
    if (!select.value && items.length) {
      select.value = String(items[0].id);
      chips.querySelector('.chip').setAttribute('aria-pressed', 'true');
    }
  }, 300);
  textarea.addEventListener('input', update);
  return h('div', { class: 'field' }, h('span', { class: 'label', id: labelId }, t('suggest.label')), chips);
}

const OPEN = 'reported,verifying,accepted,dispatched,processing,suspended,handled,checked';

/**
 * Watches the inputs and lists open cases whose text matches what is typed
 * (address and description searched separately, merged). Returns {element, clear()}.
 */
export function duplicateHints(inputs) {
  const list = h('ul', { class: 'dup-list' });
  const status = h('p', { class: 'muted', role: 'status' }, t('dup.idle'));
  const element = h('section', { class: 'card', 'aria-labelledby': 'dup-hints-h', dataset: { role: 'duplicate-hints' } },
    h('h2', { id: 'dup-hints-h' }, t('dup.heading')), status, list);
  const search = debounce(async () => {
    const texts = inputs.map((i) => i.value.trim().slice(0, 60)).filter((v) => v.length >= 2);
    if (!texts.length) {
      clear(list);
      status.textContent = t('dup.idle');
      return;
    }
    const found = new Map();
    for (const text of texts) {
      try {
        const data = await get(`/api/v1/cases?q=${encodeURIComponent(text)}&status=${OPEN}&sort=newest&limit=5`);
        for (const c of data.items || []) found.set(c.id, c);
      } catch {
        // text with nothing searchable: no hints for it
      }
    }
    clear(list);
    status.textContent = found.size ? t('dup.found', { n: found.size }) : t('dup.none');
    for (const c of found.values()) {
      list.append(h('li', {},
        h('span', {}, h('a', { href: `#/case/${c.id}`, class: 'mono', target: '_blank' }, c.case_no), ' ', stateBadge(c.state)),
        h('span', {}, `${(c.place && c.place.address) || ''} ${c.description.slice(0, 60)}`)));
    }
  }, 400);
  for (const input of inputs) input.addEventListener('input', search);
  return { element, clear: () => { clear(list); status.textContent = t('dup.idle'); } };
}
