// SPDX-License-Identifier: MIT
// The citizen portal's report screen (index.html): pick the spot on the map or
// use the phone's location, describe the problem with category suggestions, add
// photos, file it, then upload the photos with the query code and show a receipt;
// and the tabs (nearby reports, tracking, the red and black lists).
import { h, clear, debounce } from './dom.js';
import { t, applyI18n, bindLangButton, onLangChange, localName, getLang } from './i18n.js';
import { get, post, upload, ApiError, showFormError, clearFormErrors, errorText } from './api.js';
import { createMap, pickMarker, drawCells } from './map.js';
import { addressBox } from './addressbox.js';
import { photoPicker, stateBadge } from './widgets.js';
import { initTrack, showTrack, rememberCase } from './citizen-track.js';
import { showHonours } from './citizen-honours.js';
import { showNearby } from './citizen-nearby.js';

const form = document.getElementById('report-form');
const receipt = document.getElementById('receipt');
const placeStatus = document.getElementById('place-status');
const suggestions = document.getElementById('suggestions');
const description = document.getElementById('description');

let marker = null;
let map = null;
let located = null; // {lat, lon, cell} once a spot is picked
let cellLayer = null; // the grid cells in view, so people can see where they point

// Draws the grid cells of the visible area (public outlines and names only).
async function showCells() {
  const b = map.getBounds();
  if (b.getEast() - b.getWest() > 0.2 || b.getNorth() - b.getSouth() > 0.2) return;
  const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((x) => x.toFixed(5)).join(',');
  try {
    const cells = await get(`/api/v1/public/grids?bbox=${bbox}`);
    if (cellLayer) cellLayer.remove();
    cellLayer = drawCells(map, cells); // clicks on a cell still reach the map
  } catch {
    // The map still works without the outlines.
  }
}
let suggested = []; // last suggestion items
let categoryId = null;
let lastReceipt = null;

const photos = photoPicker({ labelKey: 'report.photos', max: 6 });
document.getElementById('photo-slot').append(photos.element);

const TABS = ['report', 'nearby', 'track', 'honours'];

function selectTab(name) {
  for (const tab of TABS) {
    const button = document.getElementById(`tab-${tab}`);
    const selected = tab === name;
    button.setAttribute('aria-selected', String(selected));
    button.tabIndex = selected ? 0 : -1;
    document.getElementById(`panel-${tab}`).hidden = !selected;
  }
  if (name === 'report' && map) setTimeout(() => map.invalidateSize(), 0);
  if (name === 'honours') showHonours();
  if (name === 'nearby') showNearby(reportHere);
}

// "Report a new problem here" from the nearby map: the report form, its marker
// at that spot.
function reportHere(latlng) {
  selectTab('report');
  map.setView([latlng.lat, latlng.lng], Math.max(map.getZoom(), 17));
  placeAt(latlng);
}

function initTabs() {
  const tabs = TABS.map((name) => document.getElementById(`tab-${name}`));
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => selectTab(TABS[i]));
    tab.addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
      const next = tabs[(i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
      next.focus();
      next.click();
    });
  });
}

// Puts the marker at latlng and asks which grid cell it is in.
async function placeAt(latlng) {
  if (!marker) marker = pickMarker(map, latlng, (ll) => placeAt(ll));
  else marker.setLatLng(latlng);
  located = { lat: Number(latlng.lat.toFixed(6)), lon: Number(latlng.lng.toFixed(6)), cell: null };
  renderPlace();
  try {
    located.cell = await get(`/api/v1/grids/locate?lat=${located.lat}&lon=${located.lon}`);
  } catch (err) {
    located.cell = err instanceof ApiError && err.status === 404 ? 'outside' : null;
  }
  renderPlace();
}

function placeText() {
  if (!located) return t('report.noPlace');
  if (located.cell === 'outside') return t('report.outside');
  if (!located.cell) return t('report.placed', { lat: located.lat, lon: located.lon });
  const c = located.cell;
  return t('report.inCell', { street: c.street.name, community: c.community.name, cell: c.name });
}

function renderPlace() {
  placeStatus.textContent = placeText();
  placeStatus.classList.toggle('warn', located && located.cell === 'outside');
}

function useLocation() {
  if (!navigator.geolocation) {
    placeStatus.textContent = t('report.noGeolocation');
    return;
  }
  placeStatus.textContent = t('report.locating');
  navigator.geolocation.getCurrentPosition(
    (pos) => {
      const ll = { lat: pos.coords.latitude, lng: pos.coords.longitude };
      map.setView([ll.lat, ll.lng], 17);
      placeAt(ll);
    },
    () => { placeStatus.textContent = t('report.geolocationFailed'); },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
  );
}

function renderSuggestions() {
  clear(suggestions);
  if (!suggested.length) {
    suggestions.append(h('span', { class: 'hint' }, t(description.value.trim().length < 2 ? 'report.suggestHint' : 'report.noSuggestion')));
    return;
  }
  for (const item of suggested) {
    const pressed = categoryId === item.id;
    suggestions.append(h('button', {
      type: 'button', class: 'chip', 'aria-pressed': String(pressed), dataset: { categoryId: String(item.id) },
      onclick: () => { categoryId = pressed ? null : item.id; renderSuggestions(); },
    }, localName(item)));
  }
  suggestions.append(h('span', { class: 'hint' }, t(categoryId ? 'report.categoryChosen' : 'report.categoryOptional')));
}

const fetchSuggestions = debounce(async () => {
  const text = description.value.trim();
  if (text.length < 2) {
    suggested = [];
    categoryId = null;
    renderSuggestions();
    return;
  }
  try {
    const data = await get(`/api/v1/categories/suggest?text=${encodeURIComponent(text.slice(0, 200))}&limit=5`);
    suggested = data.items || [];
    if (categoryId && !suggested.some((s) => s.id === categoryId)) categoryId = null;
  } catch {
    suggested = [];
  }
  renderSuggestions();
}, 300);

async function uploadPhotos(caseNo, code, files) {
  let done = 0;
  const failures = [];
  for (const file of files) {
    try {
      await upload(`/api/v1/public/cases/${encodeURIComponent(caseNo)}/attachments?code=${encodeURIComponent(code)}`, file);
      done += 1;
    } catch (err) {
      failures.push(`${file.name}: ${errorText(err)}`);
    }
  }
  return { done, failures };
}

function renderReceipt() {
  const r = lastReceipt;
  document.getElementById('receipt-no').textContent = r.case_no;
  document.getElementById('receipt-code').textContent = r.query_code;
  const state = document.getElementById('receipt-state');
  clear(state).append(stateBadge(r.state));
  document.getElementById('receipt-place').textContent = r.placeText;
  const p = document.getElementById('receipt-photos');
  p.textContent = r.photoTotal ? t('receipt.photos', { done: r.photos.done, total: r.photoTotal }) : t('receipt.noPhotos');
  if (r.photos.failures.length) p.append(h('br'), r.photos.failures.join('; '));
  p.classList.toggle('warn', r.photos.failures.length > 0);
}

async function submit(e) {
  e.preventDefault();
  clearFormErrors(form);
  const text = description.value.trim();
  if (!text) {
    showFormError(form, new ApiError(0, 'missing_field', '', { field: 'description' }));
    return;
  }
  const body = { description: text, website: form.website.value };
  const address = form.address.value.trim();
  if (address) body.address = address;
  if (located) { body.lat = located.lat; body.lon = located.lon; }
  if (categoryId) body.category_id = categoryId;
  if (form.name.value.trim()) body.name = form.name.value.trim();
  if (form.phone.value.trim()) {
    body.phone = form.phone.value.trim();
    body.lang = getLang() === 'en' ? 'en' : 'zh'; // the language of its SMS
  }
  const submitButton = document.getElementById('report-submit');
  submitButton.disabled = true;
  submitButton.textContent = t('report.sending');
  try {
    const created = await post('/api/v1/public/cases', body);
    const files = photos.files();
    const photoResult = files.length ? await uploadPhotos(created.case_no, created.query_code, files) : { done: 0, failures: [] };
    lastReceipt = { ...created, photos: photoResult, photoTotal: files.length, placeText: located ? placeText() : (address || t('report.noPlace')) };
    rememberCase(created.case_no, created.query_code);
    renderReceipt();
    form.hidden = true;
    receipt.hidden = false;
    receipt.focus();
    window.scrollTo(0, 0);
  } catch (err) {
    showFormError(form, err);
  } finally {
    submitButton.disabled = false;
    submitButton.textContent = t('report.submit');
  }
}

function resetForm() {
  form.reset();
  photos.reset();
  suggested = [];
  categoryId = null;
  located = null;
  if (marker) { marker.remove(); marker = null; }
  renderPlace();
  renderSuggestions();
  receipt.hidden = true;
  form.hidden = false;
  map.invalidateSize();
  description.focus();
}

function init() {
  applyI18n(document);
  bindLangButton(document.getElementById('lang'));
  initTabs();
  map = createMap(document.getElementById('report-map'));
  map.on('click', (e) => placeAt(e.latlng));
  map.on('moveend', debounce(showCells, 300));
  showCells();
  // Keyboard: Enter on the focused map drops the marker at the centre.
  document.getElementById('report-map').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target.id === 'report-map') { e.preventDefault(); placeAt(map.getCenter()); }
  });
  document.getElementById('use-location').addEventListener('click', useLocation);
  // A chosen address puts the marker on its point (and asks for its cell).
  addressBox(form.address, (r) => {
    map.setView([r.lat, r.lon], Math.max(map.getZoom(), 17));
    placeAt({ lat: r.lat, lng: r.lon });
  });
  description.addEventListener('input', fetchSuggestions);
  form.addEventListener('submit', submit);
  document.getElementById('receipt-new').addEventListener('click', resetForm);
  document.getElementById('receipt-track').addEventListener('click', () => {
    selectTab('track');
    showTrack(lastReceipt.case_no, lastReceipt.query_code);
  });
  renderPlace();
  renderSuggestions();
  initTrack();
  onLangChange(() => {
    renderPlace();
    renderSuggestions();
    if (lastReceipt) renderReceipt();
    document.getElementById('report-submit').textContent = t('report.submit');
  });
  const params = new URLSearchParams(location.hash.slice(1));
  if (params.has('honours')) selectTab('honours');
  if (params.has('nearby')) selectTab('nearby');
  if (params.get('no') && params.get('code')) {
    selectTab('track');
    showTrack(params.get('no'), params.get('code'), { stop: params.get('stop') === '1' });
  }
}

init();
