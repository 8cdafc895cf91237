// SPDX-License-Identifier: MIT
// The operator's hotline intake: a keyboard-first form (channel, ticket, caller,
// address, description with category suggestions, urgency; Ctrl+Enter files it)
// with duplicate hints as the address and description are typed; the address
// autocompletes from the gazetteer, and a chosen one gives the case its point,
// so it lands in its grid cell. After filing the form clears for the next call
// and shows the new case with a link.
import { h, clear } from '../dom.js';
import { t } from '../i18n.js';
import { post, ApiError, showFormError, clearFormErrors } from '../api.js';
import { field, formErrorSlot } from '../widgets.js';
import { categorySelect } from '../refdata.js';
import { categorySuggester, duplicateHints } from '../suggest.js';
import { addressBox, placeLine } from '../addressbox.js';

const CHANNELS = ['12345', '110', '12319', 'video', 'leader', 'media'];

/** Renders the hotline intake form. */
export async function render(ctx) {
  const source = h('select', { name: 'source' }, CHANNELS.map((c) => h('option', { value: c }, t(`source.${c}`))));
  const ticket = h('input', { name: 'external_id', maxlength: 63, autocomplete: 'off' });
  const callerName = h('input', { name: 'caller_name', maxlength: 60, autocomplete: 'off' });
  const callerPhone = h('input', { name: 'caller_phone', type: 'tel', maxlength: 30, autocomplete: 'off' });
  const address = h('input', { name: 'address', maxlength: 200, autocomplete: 'off' });
  const description = h('textarea', { name: 'description', rows: 4, maxlength: 2000 });
  const category = await categorySelect({ emptyKey: 'category.optional' });
  const urgent = h('input', { type: 'checkbox', name: 'urgent' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('hotline.submit'));
  const result = h('div', { 'aria-live': 'polite', dataset: { role: 'result' } });
  const hints = duplicateHints([address, description]);
  const placed = h('div', { class: 'address-placed', role: 'status', dataset: { role: 'address-placed' } });
  // The field first, so its label and hint point at the input the box then wraps.
  const addressField = field('hotline.address', address, { name: 'address', required: true, hint: t('hotline.addressHint') });
  const box = addressBox(address, (r) => {
    placed.textContent = t('geocode.placed', { place: placeLine(r), cell: r.cell ? r.cell.name : '-' });
  });
  address.addEventListener('input', () => { if (!box.chosen()) placed.textContent = ''; });

  const form = h('form', { class: 'card', novalidate: true, dataset: { role: 'hotline-form' } },
    h('div', { class: 'field-row' },
      field('hotline.source', source, { name: 'source' }),
      field('hotline.ticket', ticket, { name: 'external_id' })),
    h('div', { class: 'field-row' },
      field('hotline.callerName', callerName, { name: 'caller_name' }),
      field('hotline.callerPhone', callerPhone, { name: 'caller_phone' })),
    addressField,
    placed,
    field('hotline.description', description, { name: 'description', required: true }),
    categorySuggester(description, category),
    h('div', { class: 'field-row' },
      field('hotline.category', category, { name: 'category_id' }),
      field('hotline.urgent', urgent, { name: 'urgent', inline: true })),
    formErrorSlot(),
    h('div', { class: 'actions-row' }, submit, h('span', { class: 'hint' }, t('hotline.keys'))));

  form.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    if (!address.value.trim()) return showFormError(form, new ApiError(0, 'missing_field', '', { field: 'address' }));
    if (!description.value.trim()) return showFormError(form, new ApiError(0, 'missing_field', '', { field: 'description' }));
    const body = { source: source.value, address: address.value.trim(), description: description.value.trim(), urgent: urgent.checked };
    if (ticket.value.trim()) body.external_id = ticket.value.trim();
    if (callerName.value.trim()) body.caller_name = callerName.value.trim();
    if (callerPhone.value.trim()) body.caller_phone = callerPhone.value.trim();
    if (category.value) body.category_id = Number(category.value);
    const point = box.chosen();
    if (point) { body.lat = point.lat; body.lon = point.lon; }
    submit.disabled = true;
    try {
      const data = await post('/api/v1/cases', body);
      const c = data.case;
      clear(result).append(h('div', { class: data.duplicate_ticket ? 'notice warn' : 'notice', role: 'status' },
        t(data.duplicate_ticket ? 'hotline.duplicateTicket' : 'hotline.filed', { no: c.case_no }), ' ',
        h('a', { href: `#/case/${c.id}` }, t('common.open')),
        (c.actions || []).includes('verify') ? [' · ', h('a', { href: `#/case/${c.id}?do=verify` }, t('action.verify'))] : null,
        data.duplicates && data.duplicates.length ? h('div', {}, t('hotline.possibleDuplicates', { list: data.duplicates.map((d) => d.case_no).join('、') })) : null));
      form.reset();
      box.reset();
      placed.textContent = '';
      description.dispatchEvent(new Event('input'));
      hints.clear();
      source.value = body.source;
      ticket.focus();
    } catch (err) {
      showFormError(form, err);
    } finally {
      submit.disabled = false;
    }
  });

  ctx.main.append(
    h('div', { class: 'screen-head' }, h('h1', {}, t('nav.hotline'))),
    h('p', { class: 'muted' }, t('hotline.intro')),
    result,
    h('div', { class: 'grid-2' }, form, hints.element));
  ticket.focus();
}
