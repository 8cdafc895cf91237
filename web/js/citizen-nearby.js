// SPDX-License-Identifier: MIT
// The citizen portal's nearby reports (FixMyStreet's "reports near you"): the
// open and recently closed cases of the map's view as markers and a list under
// the map, newest first, each with its "me too" button (the count, disabled
// once pressed on this device), and a way to report a new problem at the spot.
import { h, clear, debounce } from './dom.js';
import { t, onLangChange, localName, formatTime } from './i18n.js';
import { get, post, errorText } from './api.js';
import { createMap, tip, L } from './map.js';

const PRESSED_KEY = 'cg-metoo';
const STATE_COLOURS = { received: '#2563eb', in_progress: '#ca8a04', fixed: '#0d9488', closed: '#64748b' };

let map = null;
let markers = null;
let reports = [];
let failure = null;
let onReportHere = null;

const list = () => document.getElementById('nearby-list');
const statusLine = () => document.getElementById('nearby-status');

function pressed() {
  try {
    return new Set(JSON.parse(localStorage.getItem(PRESSED_KEY) || '[]'));
  } catch {
    return new Set();
  }
}

function remember(caseNo) {
  const set = pressed();
  set.add(caseNo);
  try {
    localStorage.setItem(PRESSED_KEY, JSON.stringify([...set].slice(-500)));
  } catch {
    // Private mode: the server still counts this client once.
  }
}

function title(r) {
  return r.category ? localName(r.category) : t('nearby.noCategory');
}

async function metoo(r, buttonEl) {
  buttonEl.disabled = true;
  try {
    const answer = await post(`/api/v1/public/reports/${encodeURIComponent(r.case_no)}/metoo`);
    r.metoo_count = answer.metoo_count;
    remember(r.case_no);
    statusLine().textContent = t(answer.counted ? 'nearby.metooThanks' : 'nearby.metooAlready');
  } catch (err) {
    buttonEl.disabled = false;
    statusLine().textContent = errorText(err);
    return;
  }
  render();
}

function metooButton(r) {
  const done = pressed().has(r.case_no);
  const el = h('button', {
    type: 'button', class: 'btn metoo', 'aria-pressed': String(done), dataset: { caseNo: r.case_no },
    'aria-label': t('nearby.metooLabel', { count: r.metoo_count }),
  }, t('nearby.metoo'), ' ', h('span', { class: 'metoo-count' }, String(r.metoo_count)));
  el.disabled = done || !r.metoo_open;
  el.addEventListener('click', () => metoo(r, el));
  return el;
}

function item(r) {
  return h('li', { class: 'nearby-item', dataset: { caseNo: r.case_no }, tabindex: '-1' },
    h('div', { class: 'nearby-head' },
      h('strong', {}, title(r)),
      h('span', { class: `badge pub-state pub-${r.state}` }, t(`nearby.state.${r.state}`))),
    h('p', { class: r.text_hidden ? 'hint' : 'nearby-text' }, r.text_hidden ? t('nearby.hidden') : r.description),
    r.photos.length ? h('div', { class: 'nearby-photos' }, r.photos.map((url) =>
      h('img', { src: url, alt: t('nearby.photo'), loading: 'lazy' }))) : null,
    h('div', { class: 'nearby-meta' },
      [r.street && (localName({ name: r.street.name, name_en: r.street.name_en })), r.grid && r.grid.name,
        t('nearby.reported', { at: formatTime(r.reported_at) }),
        r.closed_at ? t('nearby.closed', { at: formatTime(r.closed_at) }) : null].filter(Boolean).join(' · ')),
    h('div', { class: 'nearby-actions' }, metooButton(r), h('span', { class: 'muted mono' }, r.case_no)));
}

function focusItem(caseNo) {
  const el = list().querySelector(`[data-case-no="${caseNo}"]`);
  if (!el) return;
  el.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  el.focus({ preventScroll: true });
}

function drawMarkers() {
  if (markers) markers.remove();
  markers = L.layerGroup().addTo(map);
  for (const r of reports) {
    const marker = L.circleMarker([r.point.lat, r.point.lon], {
      radius: 9, color: '#0f172a', weight: 1, fillColor: STATE_COLOURS[r.state] || '#475569', fillOpacity: 0.9,
    }).addTo(markers);
    marker.bindTooltip(tip(title(r), t(`nearby.state.${r.state}`)));
    marker.on('click', () => focusItem(r.case_no));
  }
}

function render() {
  const ul = clear(list());
  if (failure) {
    statusLine().textContent = failure;
  } else {
    statusLine().textContent = reports.length ? t('nearby.count', { n: reports.length }) : t('nearby.none');
    ul.append(...reports.map(item));
  }
  if (map) drawMarkers();
}

async function load() {
  const b = map.getBounds();
  const c = map.getCenter();
  // Past the widest box the server serves, the view's centre with the widest circle.
  const wide = b.getEast() - b.getWest() > 0.2 || b.getNorth() - b.getSouth() > 0.2;
  const query = wide ? `lat=${c.lat.toFixed(5)}&lon=${c.lng.toFixed(5)}&radius=2000`
    : `bbox=${[b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((x) => x.toFixed(5)).join(',')}`;
  try {
    const page = await get(`/api/v1/public/reports?${query}&limit=100`);
    reports = page.items;
    failure = null;
  } catch (err) {
    failure = errorText(err);
  }
  render();
}

function useLocation() {
  if (!navigator.geolocation) return;
  navigator.geolocation.getCurrentPosition((pos) => map.setView([pos.coords.latitude, pos.coords.longitude], 17),
    () => { statusLine().textContent = t('report.geolocationFailed'); }, { timeout: 15000, maximumAge: 60000 });
}

/** Shows the nearby reports (the map is made on first show); reportHere(latlng)
 * opens the report form at the map's centre. */
export function showNearby(reportHere) {
  onReportHere = reportHere;
  if (map) {
    setTimeout(() => { map.invalidateSize(); load(); }, 0);
    return;
  }
  map = createMap(document.getElementById('nearby-map'));
  map.on('moveend', debounce(load, 300));
  document.getElementById('nearby-locate').addEventListener('click', useLocation);
  document.getElementById('nearby-report').addEventListener('click', () => onReportHere(map.getCenter()));
  onLangChange(render);
  load();
}
