// SPDX-License-Identifier: MIT
// Leaflet maps for every screen: a plain background with grid cells drawn from
// the API's GeoJSON, and the configured tile layer as a base map only when the
// server's /meta names one (never any other host).
import * as L from '../vendor/leaflet/leaflet-src.esm.js';
import { get } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

/** Where maps open before anything is drawn: the demo city's centre. */
export const DEFAULT_CENTER = [21.6605, 110.9205];

let metaPromise = null;

/** The server's /meta, fetched once per page. */
export function meta() {
  if (!metaPromise) metaPromise = get('/api/v1/meta').catch(() => ({ tile_url: null }));
  return metaPromise;
}

/**
 * Makes a map in el (which must have a height). Adds the tile layer when /meta
 * has tile_url; otherwise the map keeps its plain background. Returns the map.
 */
export function createMap(el, { center = DEFAULT_CENTER, zoom = 16 } = {}) {
  el.classList.add('map');
  const map = L.map(el, { center, zoom, zoomSnap: 0.25, zoomControl: true, attributionControl: true });
  map.attributionControl.setPrefix(false);
  meta().then((m) => {
    if (m && m.tile_url && typeof m.tile_url === 'string' && sameOrigin(m.tile_url)) {
      L.tileLayer(m.tile_url, { maxZoom: 19 }).addTo(map);
      el.classList.add('map-tiles');
    }
  });
  return map;
}

// Only relative tile URLs or ones on this server: the pages never reach another host.
function sameOrigin(url) {
  if (url.startsWith('/') && !url.startsWith('//')) return true;
  try {
    return new URL(url.replace(/\{[a-z]\}/g, '0')).origin === location.origin;
  } catch {
    return false;
  }
}

/**
 * The content of a tooltip: one line per non-empty text, set as text. Leaflet
 * parses a string as HTML, so tooltips always get this element, never a string.
 */
export function tip(...lines) {
  return h('div', { class: 'map-tip' }, lines.filter((line) => line).map((line) => h('div', {}, line)));
}

/**
 * Draws the cells of a GeoJSON FeatureCollection. opts.highlight: a Set of cell
 * codes to emphasise; opts.style(feature): Leaflet path options instead of the
 * default look; opts.onClick(feature). Returns the layer (fits the map to it
 * when opts.fit).
 */
export function drawCells(map, collection, opts = {}) {
  const highlight = opts.highlight || new Set();
  const layer = L.geoJSON(collection, {
    style: opts.style || ((f) => (highlight.has(f.properties.code)
      ? { color: '#1d4ed8', weight: 2, fillColor: '#3b82f6', fillOpacity: 0.25 }
      : { color: '#64748b', weight: 1, fillColor: '#cbd5e1', fillOpacity: 0.18 })),
    onEachFeature: (f, l) => {
      const p = f.properties || {};
      l.bindTooltip(tip(p.name || p.code, [p.community_name, p.street_name].filter(Boolean).join(' ')), { sticky: true });
      if (opts.onClick) l.on('click', (e) => opts.onClick(f, e));
    },
  }).addTo(map);
  if (opts.fit && layer.getLayers().length) map.fitBounds(layer.getBounds(), { padding: [12, 12] });
  return layer;
}

/** The fill of each traffic light on maps. */
export const LIGHT_COLOURS = { green: '#16a34a', yellow: '#ca8a04', red: '#dc2626' };

/**
 * Draws cases (with place.lat/lon) as circle markers coloured by their light;
 * onClick(c) when one is clicked. Returns the layer group.
 */
export function drawCases(map, cases, onClick) {
  const group = L.layerGroup().addTo(map);
  for (const c of cases) {
    if (!c.place || typeof c.place.lat !== 'number') continue;
    const colour = LIGHT_COLOURS[c.clock && c.clock.light] || '#475569';
    const marker = L.circleMarker([c.place.lat, c.place.lon], {
      radius: 8, color: '#0f172a', weight: 1, fillColor: colour, fillOpacity: 0.9,
    }).addTo(group);
    marker.bindTooltip(tip(`${c.case_no} · ${t(`state.${c.state}`)}`));
    if (onClick) marker.on('click', () => onClick(c));
  }
  return group;
}

/** A draggable marker for picking a spot; onMove(latlng) after each move. */
export function pickMarker(map, latlng, onMove) {
  const marker = L.marker(latlng, { draggable: true, keyboard: true, title: t('map.marker') }).addTo(map);
  marker.on('dragend', () => onMove(marker.getLatLng()));
  return marker;
}

export { L };
