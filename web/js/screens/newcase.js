// SPDX-License-Identifier: MIT
// The inspector's new case: the spot on a map of their cells, description with
// category suggestions, urgency and photos; or, ticked "fixed on the spot", a
// case filed already closed with before and after photos (自行处置).
import { h, clear } from '../dom.js';
import { t } from '../i18n.js';
import { get, post, upload, ApiError, showFormError, clearFormErrors } from '../api.js';
import { field, formErrorSlot, photoPicker } from '../widgets.js';
import { categorySelect } from '../refdata.js';
import { categorySuggester } from '../suggest.js';
import { createMap, drawCells, pickMarker } from '../map.js';

/** Renders the new-case form. */
export async function render(ctx) {
  const mapBox = h('div', { class: 'map-box', tabindex: '0', 'aria-label': t('newcase.mapLabel') });
  const placeStatus = h('span', { class: 'place-status', role: 'status' }, t('report.noPlace'));
  const address = h('input', { name: 'address', maxlength: 200 });
  const description = h('textarea', { name: 'description', rows: 4, maxlength: 2000 });
  const category = await categorySelect({ emptyKey: 'category.optional' });
  const urgent = h('input', { type: 'checkbox', name: 'urgent' });
  const selfHandled = h('input', { type: 'checkbox', name: 'self_handled' });
  const reportPhotos = photoPicker({ labelKey: 'photoStage.report', name: 'photo' });
  const beforePhotos = photoPicker({ labelKey: 'photoStage.before', name: 'photo_before' });
  const afterPhotos = photoPicker({ labelKey: 'photoStage.after', name: 'photo_after' });
  const selfBox = h('div', { hidden: true }, h('p', { class: 'hint' }, t('newcase.selfHint')), beforePhotos.element, afterPhotos.element);
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('newcase.submit'));
  const result = h('div', { 'aria-live': 'polite', dataset: { role: 'result' } });
  let located = null;
  let marker = null;

  selfHandled.addEventListener('change', () => {
    selfBox.hidden = !selfHandled.checked;
    reportPhotos.element.hidden = selfHandled.checked;
    submit.textContent = t(selfHandled.checked ? 'newcase.submitSelf' : 'newcase.submit');
  });

  const form = h('form', { class: 'card', novalidate: true, dataset: { role: 'newcase-form' } },
    h('fieldset', {}, h('legend', {}, t('report.where')),
      h('p', { class: 'hint' }, t('newcase.mapHint')), mapBox,
      h('div', { class: 'row' }, h('button', { type: 'button', class: 'btn', onclick: () => useLocation() }, t('report.useLocation')), placeStatus),
      field('report.address', address, { name: 'address' })),
    h('fieldset', {}, h('legend', {}, t('report.what')),
      field('report.description', description, { name: 'description', required: true }),
      categorySuggester(description, category),
      h('div', { class: 'field-row' }, field('hotline.category', category, { name: 'category_id' }),
        field('hotline.urgent', urgent, { name: 'urgent', inline: true })),
      reportPhotos.element,
      field('newcase.selfHandled', selfHandled, { name: 'self_handled', inline: true }),
      selfBox),
    formErrorSlot(),
    h('div', { class: 'actions-row' }, submit));

  ctx.main.append(h('div', { class: 'screen-head' }, h('h1', {}, t('nav.newcase'))), result, form);
  const map = createMap(mapBox);
  get('/api/v1/grids').then((fc) => {
    if (!ctx.isCurrent()) return;
    const mine = new Set((fc.features || []).filter((f) => (f.properties.inspectors || []).some((i) => i.id === ctx.user.id)).map((f) => f.properties.code));
    drawCells(map, fc, { highlight: mine, fit: true, onClick: (f, e) => placeAt(e.latlng) }).bringToBack();
  }).catch(() => {});
  map.on('click', (e) => placeAt(e.latlng));
  mapBox.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target === mapBox) { e.preventDefault(); placeAt(map.getCenter()); }
  });

  async function placeAt(latlng) {
    if (!marker) marker = pickMarker(map, latlng, (ll) => placeAt(ll));
    else marker.setLatLng(latlng);
    located = { lat: Number(latlng.lat.toFixed(6)), lon: Number(latlng.lng.toFixed(6)) };
    placeStatus.textContent = t('report.placed', { lat: located.lat, lon: located.lon });
    try {
      const cell = await get(`/api/v1/grids/locate?lat=${located.lat}&lon=${located.lon}`);
      placeStatus.textContent = t('report.inCell', { street: cell.street.name, community: cell.community.name, cell: cell.name });
    } catch (err) {
      if (err.status === 404) placeStatus.textContent = t('report.outside');
    }
  }

  function useLocation() {
    if (!navigator.geolocation) { placeStatus.textContent = t('report.noGeolocation'); return; }
    placeStatus.textContent = t('report.locating');
    navigator.geolocation.getCurrentPosition((pos) => {
      map.setView([pos.coords.latitude, pos.coords.longitude], 17);
      placeAt({ lat: pos.coords.latitude, lng: pos.coords.longitude });
    }, () => { placeStatus.textContent = t('report.geolocationFailed'); }, { enableHighAccuracy: true, timeout: 15000 });
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    const missing = (f) => showFormError(form, new ApiError(0, 'missing_field', '', { field: f }));
    if (!description.value.trim()) return missing('description');
    if (!located && !address.value.trim()) return missing('address');
    const self = selfHandled.checked;
    if (self && !beforePhotos.files().length) return showFormError(form, new ApiError(0, 'missing_field', '', { field: 'photo_before' }));
    if (self && !afterPhotos.files().length) return showFormError(form, new ApiError(0, 'missing_field', '', { field: 'photo_after' }));
    const body = { description: description.value.trim(), urgent: urgent.checked, self_handled: self };
    if (located) { body.lat = located.lat; body.lon = located.lon; }
    if (address.value.trim()) body.address = address.value.trim();
    if (category.value) body.category_id = Number(category.value);
    submit.disabled = true;
    try {
      // The photos go up first and travel with the report, so the case is filed
      // with its evidence in one step (a fix on the spot needs before and after).
      const uploads = self
        ? [...beforePhotos.files().map((f) => ['before', f]), ...afterPhotos.files().map((f) => ['after', f])]
        : reportPhotos.files().map((f) => ['report', f]);
      const photos = [];
      for (const [stage, file] of uploads) photos.push({ hash: (await upload('/api/v1/uploads', file)).hash, stage });
      if (photos.length) body.photos = photos;
      const data = await post('/api/v1/cases', body);
      const c = data.case;
      clear(result).append(h('div', { class: 'notice', role: 'status' },
        t(self ? 'newcase.filedSelf' : 'newcase.filed', { no: c.case_no, state: t(`state.${c.state}`) }), ' ',
        h('a', { href: `#/case/${c.id}` }, t('common.open')),
        data.duplicates && data.duplicates.length ? h('div', {}, t('hotline.possibleDuplicates', { list: data.duplicates.map((d) => d.case_no).join('、') })) : null));
      form.reset();
      for (const p of [reportPhotos, beforePhotos, afterPhotos]) p.reset();
      selfHandled.dispatchEvent(new Event('change'));
      window.scrollTo(0, 0);
    } catch (err) {
      showFormError(form, err);
    } finally {
      submit.disabled = false;
    }
  });
}
