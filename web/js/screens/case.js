// SPDX-License-Identifier: MIT
// One case in full: state, light and countdown, facts, photos by stage, the
// timeline of events, possible duplicates, and one button per action the user
// may take now (case.actions), each opening the form that action needs.
import { h, clear, append } from '../dom.js';
import { t, has, localName, formatTime } from '../i18n.js';
import { get, errorText } from '../api.js';
import { stateBadge, lightBadge, countdownText, pendingBadge } from '../widgets.js';
import { placeText } from '../caselist.js';
import { actionForm, actionClass } from '../actions.js';
import { createMap, L } from '../map.js';

const PHOTO_STAGES = ['report', 'before', 'verify', 'after', 'check'];

/** Renders the case whose id is ctx.args[0]; ?do=ACTION opens that action's form. */
export async function render(ctx) {
  const id = Number(ctx.args[0]);
  let current = await get(`/api/v1/cases/${id}`);
  let events = [];
  let duplicates = [];
  let openAction = ctx.query.get('do');
  let notice = null;
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
        c.urgent ? h('span', { class: 'badge urgent' }, t('case.urgent')) : null,
        lightBadge(c.clock), h('span', { class: 'countdown' }, countdownText(c.clock))),
      h('button', { type: 'button', class: 'btn btn-small', onclick: () => history.back() }, t('common.back'))));
    if (notice) root.append(h('div', { class: 'notice', role: 'status', dataset: { role: 'notice' } }, notice));
    const left = h('div', {});
    const right = h('div', {});
    root.append(h('div', { class: 'grid-2' }, left, right));
    append(left, [actionsCard(c), factsCard(c), photosCard(c)]);
    append(right, [timelineCard(), duplicatesCard(), mapCard(c)]);
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

  function factsCard(c) {
    const p = c.place || {};
    const rows = [
      ['case.category', c.category ? `${c.category.code} ${localName(c.category)}` : t('case.noCategory')],
      ['case.source', t(`source.${c.source}`) + (c.external_id ? ` · ${c.external_id}` : '')],
      ['case.description', c.description],
      ['case.place', placeText(c)],
      ['case.grid', p.grid || (p.needs_placement ? t('case.needsPlacement') : '—')],
      ['case.department', c.department ? localName(c.department) : '—'],
      ['case.reporter', c.reporter || '—'],
      ['case.citizen', [c.citizen_name, c.citizen_phone].filter(Boolean).join(' · ') || '—'],
      ['case.deadline', c.clock && c.clock.deadline ? `${formatTime(c.clock.deadline)} (${t(`stage.${c.clock.stage}`)})` : '—'],
      ['case.created', formatTime(c.created_at)],
      ['case.updated', formatTime(c.updated_at)],
    ];
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

  try {
    await loadExtras();
  } catch (err) {
    root.append(h('p', { class: 'form-error', role: 'alert' }, errorText(err)));
  }
  if (!ctx.isCurrent()) return;
  await draw();
  // Live refresh: redraw when someone else changed the case and no form is open.
  ctx.poll(async () => {
    if (openAction) return;
    const fresh = await get(`/api/v1/cases/${id}`).catch(() => null);
    if (fresh && fresh.version !== current.version && ctx.isCurrent() && !openAction) {
      current = fresh;
      await loadExtras();
      await draw();
    }
  });
}
