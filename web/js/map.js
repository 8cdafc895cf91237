// SPDX-License-Identifier: MIT
// Leaflet maps for every screen: a base map of the gazetteer's water, blocks,
// roads and landmarks drawn on a canvas from /api/v1/basemap, grid cells drawn
// from the API's GeoJSON, and the configured tile layer under them only when
// the server's /meta names one (never any other host).
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
  baseMap(map);
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

// ---- the base map (the gazetteer's vector layers) ----

// Boxes are snapped outward to this grid (degrees), so panning asks the same
// few URLs again and the browser's cache and the ETag answer them.
const BASEMAP_STEP = 0.02;
// The widest box the server serves; zoomed out further the base map rests.
const BASEMAP_SPAN = 0.2;
// Names are written from this zoom on.
const LABEL_ZOOM = 15;

const BASE_STYLE = {
  water: { stroke: false, fillColor: '#b9d7f0', fillOpacity: 1 },
  block: { color: '#e2e8f0', weight: 1, fillColor: '#f8fafc', fillOpacity: 1 },
  casing: '#cbd5e1',
  road: '#ffffff',
};
// The wall's dark map (web/css/app.css .wall-map-panel).
const DARK_STYLE = {
  water: { stroke: false, fillColor: '#12365e', fillOpacity: 1 },
  block: { color: '#1b2d45', weight: 1, fillColor: '#10233b', fillOpacity: 1 },
  casing: '#0a1a2f',
  road: '#2a4466',
};
const ROAD_WIDTH = { trunk: 9, primary: 8, secondary: 6, residential: 4 };

function snappedBox(bounds) {
  const down = (x) => (Math.floor(x / BASEMAP_STEP) * BASEMAP_STEP).toFixed(2);
  const up = (x) => (Math.ceil(x / BASEMAP_STEP) * BASEMAP_STEP).toFixed(2);
  return [down(bounds.getWest()), down(bounds.getSouth()), up(bounds.getEast()), up(bounds.getNorth())];
}

// Draws one base-map collection into group: areas, then road casings and
// roads, on the canvas.
function drawBase(group, collection, renderer, style) {
  group.clearLayers();
  const features = collection.features || [];
  const areas = features.filter((f) => f.properties.layer === 'water' || f.properties.layer === 'block');
  const roads = features.filter((f) => f.properties.layer === 'road');
  L.geoJSON({ type: 'FeatureCollection', features: areas }, {
    renderer, interactive: false, style: (f) => style[f.properties.layer],
  }).addTo(group);
  for (const [colour, extra] of [[style.casing, 2], [style.road, 0]]) {
    L.geoJSON({ type: 'FeatureCollection', features: roads }, {
      renderer, interactive: false,
      style: (f) => ({ color: colour, weight: (ROAD_WIDTH[f.properties.kind] || 5) + extra, lineCap: 'round', lineJoin: 'round' }),
    }).addTo(group);
  }
  for (const f of features.filter((x) => x.properties.layer === 'landmark')) {
    const [lon, lat] = f.geometry.coordinates;
    L.circleMarker([lat, lon], { renderer, radius: 3, weight: 1, color: '#9a3412', fillColor: '#fdba74', fillOpacity: 1, interactive: false }).addTo(group);
  }
}

// The vertex of a road, among all its parts, nearest the centre of the view
// and inside it (where its name is written), or null.
function labelPoint(parts, view) {
  const centre = view.getCenter();
  let best = null;
  let bestDistance = Infinity;
  for (const part of parts) {
    const pts = part.geometry.coordinates;
    for (let i = 0; i + 1 < pts.length; i++) {
      const at = L.latLng((pts[i][1] + pts[i + 1][1]) / 2, (pts[i][0] + pts[i + 1][0]) / 2);
      const d = at.distanceTo(centre);
      if (view.contains(at) && d < bestDistance) { best = at; bestDistance = d; }
    }
  }
  return best;
}

// Writes the names of the roads and landmarks in view (from LABEL_ZOOM on).
function drawLabels(map, group, collection) {
  group.clearLayers();
  if (map.getZoom() < LABEL_ZOOM) return;
  const view = map.getBounds().pad(-0.05);
  const roads = new Map();
  for (const f of collection.features || []) {
    if (f.properties.layer === 'road') roads.set(f.properties.name, [...(roads.get(f.properties.name) || []), f]);
  }
  for (const [name, parts] of roads) {
    const at = labelPoint(parts, view);
    if (at) L.tooltip({ permanent: true, direction: 'center', className: 'map-label', interactive: false }).setLatLng(at).setContent(tip(name)).addTo(group);
  }
  for (const f of (collection.features || []).filter((x) => x.properties.layer === 'landmark')) {
    const [lon, lat] = f.geometry.coordinates;
    if (!view.contains([lat, lon])) continue;
    L.tooltip({ permanent: true, direction: 'right', offset: [4, 0], className: 'map-label map-label-landmark', interactive: false })
      .setLatLng([lat, lon]).setContent(tip(f.properties.name)).addTo(group);
  }
}

// Keeps the base map of the view drawn under everything else on the map.
function baseMap(map) {
  map.createPane('basemap').style.zIndex = 250; // over tiles (200), under cells (400)
  const renderer = L.canvas({ pane: 'basemap', padding: 0.2 });
  const shapes = L.layerGroup([], { pane: 'basemap' }).addTo(map);
  const labels = L.layerGroup().addTo(map);
  const style = map.getContainer().closest('.wall-map-panel') ? DARK_STYLE : BASE_STYLE;
  let shown = null; // {bbox, data} drawn
  let asked = 0;
  const refresh = async () => {
    const box = snappedBox(map.getBounds());
    if (box[2] - box[0] > BASEMAP_SPAN || box[3] - box[1] > BASEMAP_SPAN) return;
    const bbox = box.join(',');
    const ticket = ++asked;
    try {
      if (!shown || shown.bbox !== bbox) {
        const data = await get(`/api/v1/basemap?bbox=${bbox}`);
        if (ticket !== asked) return;
        drawBase(shapes, data, renderer, style);
        shown = { bbox, data };
      }
      drawLabels(map, labels, shown.data);
      map.getContainer().dataset.basemap = 'drawn';
    } catch {
      // The map still works without its base layer.
    }
  };
  map.whenReady(refresh);
  map.on('moveend', refresh);
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
