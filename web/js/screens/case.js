// SPDX-License-Identifier: MIT
// One case in full: state, light and countdown, facts, photos by stage, the
// timeline of events, possible duplicates, and one button per action the user
// may take now (case.actions), each opening the form that action needs.
import { h, clear, append } from '../dom.js';
import { t, has, localName, formatTime, formatDuration } from '../i18n.js';
import { get, post, errorText, ApiError, showFormError, clearFormErrors } from '../api.js';
import { stateBadge, lightBadge, countdownText, pendingBadge, supervisedBadge, field, formErrorSlot, statusLine } from '../widgets.js';
import { placeText } from '../caselist.js';
import { actionForm, actionClass } from '../actions.js';
import { publicCard } from './case-public.js';
import { createMap, drawCells, pickMarker, tip, DEFAULT_CENTER, L } from '../map.js';

// Roles that may put a case that came in outside every grid cell on the map.
const PLACERS = ['supervisor', 'operator'];

const PHOTO_STAGES = ['report', 'before', 'verify', 'arrive', 'progress', 'after', 'check'];

/** Renders the case whose id is ctx.args[0]; ?do=ACTION opens that action's form. */
export async function render(ctx) {
  const id = Number(ctx.args[0]);
  let current = await get(`/api/v1/cases/${id}`);
  let events = [];
  let duplicates = [];
  let openAction = ctx.query.get('do');
  let notice = null;
  let placing = false; // a spot has been picked on the placement map and not yet sent
  if (!ctx.isCurrent()) return;

  const root = h('div', { class: 'case-screen', dataset: { caseId: String(id) } });
  ctx.main.append(root);

  async function loadExtras() {
    const [ev, dup] = await Promise.all([
      get(`/api/v1/cases/${id}/events`).catch(() => ({ items: [] })),
      current.state === 'reported' || (current.actions || []).includes('merge')
        ? get(`/api/v1/cases/${id}/duplicates`).catch(() => ({ items: [] })) : Promise.resolve({ items: [] }),
    ]);
    events = ev.items || [];
    duplicates = dup.items || [];
  }

  async function reload() {
    current = await get(`/api/v1/cases/${id}`);
    await loadExtras();
  }

  async function draw() {
    clear(root);
    const c = current;
    root.append(h('div', { class: 'screen-head' },
      h('div', { class: 'case-head' },
        h('h1', {}, t('case.title', { no: c.case_no })), stateBadge(c.state), pendingBadge(c),
        c.urgent ? h('span', { class: 'badge urgent' }, t('case.urgent')) : null, supervisedBadge(c),
        lightBadge(c.clock), h('span', { class: 'countdown' }, countdownText(c.clock))),
      h('button', { type: 'button', class: 'btn btn-small', onclick: () => history.back() }, t('common.back'))));
    if (notice) root.append(h('div', { class: 'notice', role: 'status', dataset: { role: 'notice' } }, notice));
    const mayPlace = needsPlacing(c);
    placing = false;
    if (mayPlace) {
      root.append(h('div', { class: 'notice warn placement-notice', dataset: { role: 'placement-notice' } },
        h('strong', {}, t('case.placeNotice'))));
    }
    const left = h('div', {});
    const right = h('div', {});
    root.append(h('div', { class: 'grid-2' }, left, right));
    append(left, [actionsCard(c), factsCard(c), stagesCard(c), photosCard(c), publicCard(id, ctx.user, afterModeration)]);
    append(right, mayPlace ? [placementCard(c), timelineCard(), duplicatesCard()] : [timelineCard(), duplicatesCard(), mapCard(c)]);
    if (openAction && (c.actions || []).includes(openAction)) await showForm(openAction);
  }

  function actionsCard(c) {
    const list = c.actions || [];
    const card = h('section', { class: 'card', 'aria-labelledby': 'actions-h' }, h('h2', { id: 'actions-h' }, t('case.actions')));
    if (!list.length) card.append(h('p', { class: 'muted' }, t('case.noActions')));
    card.append(h('div', { class: 'action-buttons' }, list.map((a) => h('button', {
      type: 'button', class: actionClass(a), dataset: { action: a }, 'aria-expanded': String(openAction === a),
      onclick: () => { openAction = openAction === a ? null : a; notice = null; draw(); },
    }, t(`action.${a}`)))));
    card.append(h('div', { dataset: { role: 'action-slot' } }));
    if (c.pending && c.pending !== 'none') {
      card.append(h('p', { class: 'notice warn' }, t('case.pendingNote', {
        what: t(`pending.${c.pending}`), note: c.pending_note || '', amount: c.pending_amount || '',
      })));
    }
    return card;
  }

  async function showForm(action) {
    const slot = root.querySelector('[data-role=action-slot]');
    const form = await actionForm(action, current, {
      getCase: () => current,
      duplicates,
      onCancel: () => { openAction = null; draw(); },
      onStale: async () => { current = await get(`/api/v1/cases/${id}`); },
      onDone: async (updated) => {
        current = updated;
        openAction = null;
        notice = t('case.done', { action: t(`action.${action}`), state: t(`state.${updated.state}`) });
        history.replaceState(null, '', `#/case/${id}`);
        await loadExtras();
        await draw();
        const n = root.querySelector('[data-role=notice]');
        if (n) n.focus();
      },
    });
    clear(slot).append(form);
    const first = form.querySelector('select, textarea, input:not([type=hidden])');
    if (first && first.type !== 'file') first.focus();
  }

  // The running inspector's task: its kind, the level it was routed at and
  // the inspectors it was routed to (any inspector of the street may act).
  function taskText(task) {
    const names = (task.inspectors || []).map((i) => i.name || i.username).join('、') || '—';
    return h('span', { dataset: { role: 'task-route', level: task.level || '' } },
      `${t(`task.kind.${task.kind}`)} · ${t(task.level ? `task.level.${task.level}` : 'task.level.none')} · ${names}`,
      task.mine ? [' ', h('span', { class: 'badge task task-mine' }, t('task.mineShort'))] : null);
  }

  function factsCard(c) {
    const p = c.place || {};
    const rows = [
      ['case.category', c.category ? `${c.category.code} ${localName(c.category)}` : t('case.noCategory')],
      ['case.source', t(`source.${c.source}`) + (c.external_id ? ` · ${c.external_id}` : '')],
      ['case.description', c.description],
      ['case.place', placeText(c)],
      ['case.grid', p.grid || (p.needs_placement ? t('case.needsPlacement') : '—')],
      p.located_by === 'geocode' ? ['case.locatedBy', t('case.geocoded', { label: p.located_label })] : null,
      c.task ? ['case.task', taskText(c.task)] : null,
      ['case.department', c.department ? localName(c.department) : '—'],
      ['case.reporter', c.reporter || '—'],
      ['case.citizen', [c.citizen_name, c.citizen_phone].filter(Boolean).join(' · ') || '—'],
      ['case.deadline', c.clock && c.clock.deadline ? `${formatTime(c.clock.deadline)} (${t(`stage.${c.clock.stage}`)})` : '—'],
      ['case.created', formatTime(c.created_at)],
      ['case.updated', formatTime(c.updated_at)],
    ].filter(Boolean);
    if (c.closed_at) rows.push(['case.closedAt', formatTime(c.closed_at)]);
    if (c.rating) rows.push(['case.rating', t(`rating.${c.rating.value || c.rating}`)]);
    if (c.merged_into) rows.push(['case.mergedInto', String(c.merged_into.case_no || c.merged_into)]);
    const flags = [];
    if (c.verified) flags.push(t('case.verified'));
    if (c.self_handled) flags.push(t('case.selfHandled'));
    if (c.photo_reused) flags.push(t('case.photoReused'));
    for (const [k, n] of Object.entries(c.counts || {})) if (n) flags.push(t(`count.${k}`, { n }));
    if (flags.length) rows.push(['case.flags', flags.join(' · ')]);
    return h('section', { class: 'card', 'aria-labelledby': 'facts-h' }, h('h2', { id: 'facts-h' }, t('case.facts')),
      h('dl', { class: 'kv' }, rows.map(([k, v]) => [h('dt', {}, t(k)), h('dd', { class: k === 'case.description' ? 'pre' : null }, v)])));
  }

  function photosCard(c) {
    const photos = c.photos || [];
    const card = h('section', { class: 'card', 'aria-labelledby': 'photos-h' }, h('h2', { id: 'photos-h' }, t('case.photos')));
    if (!photos.length) {
      card.append(h('p', { class: 'muted' }, t('case.noPhotos')));
      return card;
    }
    for (const stage of PHOTO_STAGES) {
      const list = photos.filter((p) => p.stage === stage);
      if (!list.length) continue;
      card.append(h('h3', {}, t(`photoStage.${stage}`)), h('ul', { class: 'gallery', dataset: { stage } }, list.map((p, i) => h('li', {},
        h('figure', {}, h('a', { href: p.url, target: '_blank', rel: 'noopener' },
          h('img', { src: p.url, alt: t('case.photoAlt', { stage: t(`photoStage.${stage}`), n: i + 1 }), loading: 'lazy' })),
        h('figcaption', {}, formatTime(p.created_at)))))));
    }
    return card;
  }

  // Every stage the case passed through: due, taken, paused, on time or late.
  function stagesCard(c) {
    const stages = c.stages || [];
    if (!stages.length) return null;
    const name = (st) => (st.phase ? `${t('stage.phase')}: ${has(`phase.${st.phase}`) ? t(`phase.${st.phase}`) : st.phase}` : t(`stage.${st.stage}`)) +
      (st.round > 1 ? ` · ${t('case.round', { n: st.round })}` : '') + (st.attempt > 1 ? ` · ${t('case.attempt', { n: st.attempt })}` : '');
    const cols = ['case.stageName', 'case.stageStarted', 'case.stageDeadline', 'case.stageEnded', 'case.stageElapsed', 'case.stagePaused', 'case.stageVerdict', 'case.stageResponsible'];
    return h('section', { class: 'card', 'aria-labelledby': 'stages-h' }, h('h2', { id: 'stages-h' }, t('case.stages')),
      h('div', { class: 'table-wrap' }, h('table', { class: 'table stages', dataset: { role: 'stages' } },
        h('thead', {}, h('tr', {}, cols.map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, stages.map((st) => h('tr', { dataset: { stage: st.stage, verdict: st.verdict } },
          h('td', { 'data-label': t(cols[0]) }, name(st)),
          h('td', { 'data-label': t(cols[1]) }, formatTime(st.started_at)),
          h('td', { 'data-label': t(cols[2]) }, st.deadline ? formatTime(st.deadline) : '—'),
          h('td', { 'data-label': t(cols[3]) }, st.ended_at ? formatTime(st.ended_at) : '—'),
          h('td', { 'data-label': t(cols[4]) }, formatDuration(st.elapsed_ms)),
          h('td', { 'data-label': t(cols[5]) }, st.paused_ms ? formatDuration(st.paused_ms) : '—'),
          h('td', { 'data-label': t(cols[6]) }, t(st.overdue ? 'verdict.late' : `verdict.${st.verdict}`)),
          h('td', { 'data-label': t(cols[7]) }, st.responsible ? st.responsible.name : '—')))))));
  }

  function timelineCard() {
    return h('section', { class: 'card', 'aria-labelledby': 'tl-h' }, h('h2', { id: 'tl-h' }, t('case.timeline')),
      h('ol', { class: 'timeline' }, events.map((ev) => h('li', { dataset: { event: ev.action } },
        h('div', { class: 'tl-head' }, h('strong', {}, has(`action.${ev.action}`) ? t(`action.${ev.action}`) : ev.action),
          ev.to ? stateBadge(ev.to) : null, h('time', {}, formatTime(ev.created_at))),
        h('div', { class: 'tl-meta' }, [ev.actor && ev.actor.name, ev.actor && ev.actor.role ? t(`role.${ev.actor.role}`) : null].filter(Boolean).join(' · ')),
        ev.note ? h('p', { class: 'pre' }, ev.note) : null))));
  }

  function duplicatesCard() {
    if (!duplicates.length) return null;
    return h('section', { class: 'card', 'aria-labelledby': 'dup-h' }, h('h2', { id: 'dup-h' }, t('case.duplicates')),
      h('ul', { class: 'dup-list' }, duplicates.map((d) => h('li', {},
        h('span', {}, h('a', { href: `#/case/${d.id}`, class: 'mono' }, d.case_no), ' ', stateBadge(d.state), ' ', d.description),
        h('span', { class: 'muted' }, t('case.distance', { m: Math.round(d.distance_m || 0) }))))));
  }

  function mapCard(c) {
    const p = c.place || {};
    if (typeof p.lat !== 'number') return null;
    const box = h('div', { class: 'map-box' });
    const card = h('section', { class: 'card', 'aria-labelledby': 'map-h' }, h('h2', { id: 'map-h' }, t('case.map')), box);
    setTimeout(() => {
      if (!box.isConnected) return;
      const map = createMap(box, { center: [p.lat, p.lon], zoom: 17 });
      L.circleMarker([p.lat, p.lon], { radius: 9, color: '#0f172a', weight: 1, fillColor: '#dc2626', fillOpacity: 0.9 }).addTo(map);
      if (p.grid) {
        get(`/api/v1/grids?bbox=${p.lon - 0.003},${p.lat - 0.003},${p.lon + 0.003},${p.lat + 0.003}`).then((fc) => {
          if (!box.isConnected) return;
          L.geoJSON(fc, { style: (f) => ({ color: f.properties.code === p.grid ? '#1d4ed8' : '#94a3b8', weight: f.properties.code === p.grid ? 2 : 1, fillOpacity: f.properties.code === p.grid ? 0.2 : 0.05 }) }).addTo(map);
        }).catch(() => {});
      }
    }, 0);
    return card;
  }

  // A moderation is one more event on the timeline: read it back.
  async function afterModeration(message) {
    notice = message;
    await reload();
    if (ctx.isCurrent()) await draw();
  }

  function needsPlacing(c) {
    return Boolean(c.place && c.place.needs_placement) && PLACERS.includes(ctx.user && ctx.user.role);
  }

  // The map for placing an unplaced case: the grid cells, the reported point if
  // any, a draggable marker dropped by a click (or Enter), an optional address
  // and the button that moves the case there.
  function placementCard(c) {
    const p = c.place || {};
    const box = h('div', { class: 'map-box', tabindex: '0', 'aria-label': t('case.placeMapLabel') });
    const status = statusLine('place-status muted');
    status.textContent = t('case.placeHint');
    const address = h('input', { type: 'text', name: 'address', maxlength: 200, value: p.address || '', autocomplete: 'off' });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('case.placeSubmit'));
    const form = h('form', { class: 'placement-form', dataset: { role: 'placement-form' }, novalidate: true },
      field('case.placeAddress', address, { name: 'address' }),
      h('div', { class: 'actions-row' }, submit),
      formErrorSlot());
    const card = h('section', { class: 'card placement-card', 'aria-labelledby': 'place-h' },
      h('h2', { id: 'place-h' }, t('case.placeTitle')), box, status, form);
    let spot = null;
    let marker = null;
    let map = null;

    async function placeAt(latlng) {
      if (!map) return;
      if (!marker) marker = pickMarker(map, latlng, (ll) => placeAt(ll));
      else marker.setLatLng(latlng);
      spot = { lat: Number(latlng.lat.toFixed(6)), lon: Number(latlng.lng.toFixed(6)) };
      placing = true;
      clearFormErrors(form);
      status.textContent = t('report.placed', { lat: spot.lat, lon: spot.lon });
      const asked = spot;
      try {
        const cell = await get(`/api/v1/grids/locate?lat=${asked.lat}&lon=${asked.lon}`);
        if (asked === spot) status.textContent = t('report.inCell', { street: cell.street.name, community: cell.community.name, cell: cell.name });
      } catch (err) {
        if (asked === spot && err.status === 404) status.textContent = t('case.placeOutside');
      }
    }

    setTimeout(() => {
      if (!box.isConnected) return;
      map = createMap(box, { center: DEFAULT_CENTER, zoom: 16 });
      if (typeof p.lat === 'number') {
        L.circleMarker([p.lat, p.lon], { radius: 8, color: '#0f172a', weight: 1, fillColor: '#94a3b8', fillOpacity: 0.9 })
          .bindTooltip(tip(t('case.placeReported'))).addTo(map);
      }
      get('/api/v1/grids').then((fc) => {
        if (!box.isConnected) return;
        drawCells(map, fc, { onClick: (f, e) => placeAt(e.latlng) }).bringToBack();
      }).catch(() => {});
      map.on('click', (e) => placeAt(e.latlng));
    }, 0);
    box.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && e.target === box && map) { e.preventDefault(); placeAt(map.getCenter()); }
    });

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFormErrors(form);
      if (!spot) return showFormError(form, new ApiError(0, 'missing_field', '', { field: 'place' }));
      const body = { version: current.version, lat: spot.lat, lon: spot.lon };
      if (address.value.trim()) body.address = address.value.trim();
      submit.disabled = true;
      try {
        const updated = await post(`/api/v1/cases/${id}/place`, body);
        current = updated;
        notice = t('case.placed', { grid: (updated.place && updated.place.grid) || '—' });
        await loadExtras();
        await draw();
        const n = root.querySelector('[data-role=notice]');
        if (n) n.focus();
      } catch (err) {
        showFormError(form, err);
        if (err instanceof ApiError && err.code === 'stale_version') {
          const fresh = await get(`/api/v1/cases/${id}`).catch(() => null);
          if (fresh) current = fresh;
          if (fresh && !needsPlacing(fresh)) { placing = false; await draw(); }
        }
      } finally {
        submit.disabled = false;
      }
    });
    return card;
  }

  try {
    await loadExtras();
  } catch (err) {
    root.append(h('p', { class: 'form-error', role: 'alert' }, errorText(err)));
  }
  if (!ctx.isCurrent()) return;
  await draw();
  // Live refresh: redraw when someone else changed the case and no form is open.
  ctx.poll(async () => {
    if (openAction || placing) return;
    const fresh = await get(`/api/v1/cases/${id}`).catch(() => null);
    if (fresh && fresh.version !== current.version && ctx.isCurrent() && !openAction && !placing) {
      current = fresh;
      await loadExtras();
      await draw();
    }
  });
}
