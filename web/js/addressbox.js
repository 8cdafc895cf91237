// SPDX-License-Identifier: MIT
// Address autocomplete on a text input, as an ARIA 1.2 combobox: typing asks
// /api/v1/geocode (debounced), the list shows house numbers, roads and
// landmarks with their street and community; arrows move, Enter or a click
// chooses, Escape closes. Choosing puts the label in the input and hands the
// result (label, lat, lon, cell) to onChoose.
import { h, clear, debounce, uid } from './dom.js';
import { get } from './api.js';
import { t } from './i18n.js';

/** The place line of a result: street and community, or that it is outside the cells. */
export function placeLine(result) {
  const c = result.cell;
  return c ? `${c.street.name} · ${c.community.name}` : t('geocode.outside');
}

/**
 * Turns input into an address combobox. onChoose(result) after a choice.
 * Returns {element: the wrapper to put where the input was, chosen(): the
 * last result still matching the input's text, or null}.
 */
export function addressBox(input, onChoose) {
  const listId = uid('addr-list');
  const list = h('ul', { id: listId, role: 'listbox', class: 'combo-list', hidden: true, 'aria-label': t('geocode.suggestions') });
  const status = h('div', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  const wrapper = h('div', { class: 'combo' });
  input.parentNode?.replaceChild(wrapper, input);
  wrapper.append(input, list, status);
  Object.entries({ role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': listId })
    .forEach(([k, v]) => input.setAttribute(k, v));
  input.autocomplete = 'off';
  let results = [];
  let active = -1;
  let chosen = null;
  let asked = 0;

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function highlight(index) {
    active = index;
    [...list.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === index)));
    if (index >= 0) {
      input.setAttribute('aria-activedescendant', list.children[index].id);
      list.children[index].scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
  }

  function choose(index) {
    const result = results[index];
    if (!result) return;
    input.value = result.label;
    chosen = result;
    close();
    onChoose(result);
  }

  function show(items) {
    results = items;
    clear(list);
    items.forEach((r, i) => {
      const li = h('li', { id: `${listId}-${i}`, role: 'option', 'aria-selected': 'false', class: 'combo-option', dataset: { kind: r.kind } },
        h('span', { class: 'combo-label' }, r.label),
        h('span', { class: 'combo-place' }, `${t(`geocode.kind.${r.kind}`)} · ${placeLine(r)}`));
      // mousedown, not click: the input keeps its focus.
      li.addEventListener('mousedown', (e) => { e.preventDefault(); choose(i); });
      list.append(li);
    });
    list.hidden = items.length === 0;
    input.setAttribute('aria-expanded', String(items.length > 0));
    status.textContent = t('geocode.count', { n: items.length });
    active = -1;
  }

  const lookup = debounce(async () => {
    const q = input.value.trim();
    const ticket = ++asked;
    if (!q) return show([]);
    try {
      const data = await get(`/api/v1/geocode?q=${encodeURIComponent(q)}&limit=6`);
      if (ticket === asked) show(data.items || []);
    } catch {
      if (ticket === asked) show([]); // the form still takes a typed address
    }
  }, 200);

  input.addEventListener('input', () => {
    if (chosen && input.value !== chosen.label) chosen = null;
    lookup();
  });
  input.addEventListener('keydown', (e) => {
    const open = !list.hidden;
    if (e.key === 'ArrowDown' && open) { e.preventDefault(); highlight((active + 1) % results.length); }
    else if (e.key === 'ArrowUp' && open) { e.preventDefault(); highlight(active <= 0 ? results.length - 1 : active - 1); }
    else if (e.key === 'Enter' && open && active >= 0) { e.preventDefault(); choose(active); }
    else if (e.key === 'Escape' && open) { e.preventDefault(); close(); }
  });
  input.addEventListener('blur', () => setTimeout(close, 0));
  return {
    element: wrapper,
    chosen: () => (chosen && input.value.trim() === chosen.label ? chosen : null),
    reset: () => { chosen = null; show([]); close(); },
  };
}
