// SPDX-License-Identifier: MIT
// The case page's public card: what the citizens' map shows of the case (its
// text or only its category, each photo or not) and how many said "me too";
// supervisors and admins change it with a reason, logged as a moderate event.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { get, patch, showFormError, clearFormErrors } from '../api.js';
import { field, formErrorSlot } from '../widgets.js';

const MODERATORS = ['supervisor', 'admin'];

/** The card for case id as seen by user; onSaved() after a change is stored. */
export function publicCard(id, user, onSaved) {
  const card = h('section', { class: 'card public-card', 'aria-labelledby': 'pub-h', dataset: { role: 'public-card' } },
    h('h2', { id: 'pub-h' }, t('public.title')), h('p', { class: 'hint' }, t('public.loading')));
  get(`/api/v1/cases/${id}/public`).then((settings) => {
    card.replaceChildren(h('h2', { id: 'pub-h' }, t('public.title')), ...body(settings));
  }).catch(() => card.lastChild.replaceWith(h('p', { class: 'hint' }, t('public.unavailable'))));

  function body(s) {
    const count = h('p', { dataset: { role: 'metoo-count' } }, t('public.metoo', { n: s.metoo_count }));
    const summary = h('p', { class: 'muted' }, t(s.text_hidden ? 'public.textHidden' : 'public.textShown'));
    if (!MODERATORS.includes(user && user.role)) return [count, summary];
    const hide = h('input', { type: 'checkbox', name: 'text_hidden', checked: s.text_hidden });
    const photos = s.photos.map((p) => ({ p, box: h('input', { type: 'checkbox', name: `photo-${p.id}`, checked: p.public }) }));
    const reason = h('input', { type: 'text', name: 'reason', maxlength: 500, autocomplete: 'off' });
    const form = h('form', { class: 'public-form', novalidate: true },
      field('public.hideText', hide, { inline: true, name: 'text_hidden' }),
      photos.length ? h('fieldset', { class: 'public-photos' }, h('legend', {}, t('public.photos')),
        photos.map(({ p, box }) => h('label', { class: 'public-photo' }, box,
          h('img', { src: `/api/v1/attachments/${p.hash}`, alt: t(`photoStage.${p.stage}`), loading: 'lazy' }),
          t('public.photoPublic')))) : h('p', { class: 'hint' }, t('public.noPhotos')),
      field('public.reason', reason, { name: 'reason', required: true }),
      h('div', { class: 'actions-row' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('public.save'))),
      formErrorSlot());
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFormErrors(form);
      const changed = photos.filter(({ p, box }) => box.checked !== p.public).map(({ p, box }) => ({ id: p.id, public: box.checked }));
      const request = { reason: reason.value.trim() };
      if (hide.checked !== s.text_hidden) request.text_hidden = hide.checked;
      if (changed.length) request.photos = changed;
      try {
        await patch(`/api/v1/cases/${id}/public`, request);
        onSaved(t('public.saved'));
      } catch (err) {
        showFormError(form, err);
      }
    });
    return [count, summary, form];
  }
  return card;
}
