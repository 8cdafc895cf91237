// SPDX-License-Identifier: MIT
// Admin: the outbox. Messages by state (dead letters first, then pending and
// delivered), newest first and paged by the API's cursor, each with its case,
// event, attempts and last error; a dead letter can be replayed. Below, the
// hotline tokens with their callback URLs, and the form that registers one
// (the new signing secret is shown once).
import { h, clear } from '../dom.js';
import { t, has, formatTime } from '../i18n.js';
import { get, post, put, errorText } from '../api.js';
import { field } from '../widgets.js';

const STATES = ['dead', 'pending', 'delivered'];
const PAGE = 50;

const eventLabel = (e) => (e && has(`outbox.event.${e}`) ? t(`outbox.event.${e}`) : e || '—');

/** Renders the outbox screen. */
export async function render(ctx) {
  const asked = ctx.query.get('state');
  let state = STATES.includes(asked) ? asked : 'dead';
  let cursor = null;
  const counts = h('p', { class: 'muted', dataset: { role: 'outbox-counts' } });
  const tabs = h('div', { class: 'toolbar', role: 'tablist' });
  const list = h('ol', { class: 'audit-list', dataset: { role: 'outbox' } });
  const more = h('button', { type: 'button', class: 'btn', hidden: true }, t('outbox.more'));
  const status = h('div', { role: 'status', 'aria-live': 'polite', class: 'muted' });

  function drawTabs() {
    clear(tabs).append(...STATES.map((s) => h('button', {
      type: 'button', role: 'tab', class: s === state ? 'btn btn-primary' : 'btn',
      'aria-selected': String(s === state), dataset: { state: s },
      onclick: () => { state = s; drawTabs(); load(true); },
    }, t(`outbox.state.${s}`))));
  }

  function entry(m) {
    const p = m.payload || {};
    const replay = m.state === 'dead' ? h('button', {
      type: 'button', class: 'btn btn-primary', dataset: { action: 'replay' },
      onclick: async (ev) => {
        ev.target.disabled = true;
        try {
          await post(`/api/v1/admin/outbox/${m.id}/replay`, {});
          status.textContent = t('outbox.replayed', { id: m.id });
          await load(true);
        } catch (err) {
          ev.target.disabled = false;
          status.textContent = errorText(err);
        }
      },
    }, t('outbox.replay')) : null;
    return h('li', { class: 'card audit-entry', dataset: { id: String(m.id), state: m.state } },
      h('div', { class: 'audit-head' },
        h('strong', {}, eventLabel(p.event)),
        h('span', { class: 'badge' }, t(`outbox.kind.${m.kind}`)),
        m.case ? h('a', { href: `#/case/${m.case.id}`, class: 'mono' }, m.case.case_no) : null,
        p.external_id ? h('span', { class: 'mono' }, p.external_id) : null,
        h('span', {}, t('outbox.attempts', { n: m.attempts })),
        h('time', { class: 'muted', datetime: new Date(m.created_at).toISOString() }, formatTime(m.created_at))),
      m.last_error ? h('p', { class: 'error-text', dataset: { role: 'last-error' } }, m.last_error) : null,
      m.state === 'pending' ? h('p', { class: 'muted' }, t('outbox.next', { at: formatTime(m.next_attempt_at) })) : null,
      m.state === 'delivered' && m.delivered_at ? h('p', { class: 'muted' }, t('outbox.deliveredAt', { at: formatTime(m.delivered_at) })) : null,
      h('p', { class: 'muted mono' }, m.idempotency_key),
      replay ? h('div', { class: 'actions-row' }, replay) : null);
  }

  async function load(reset) {
    if (reset) {
      cursor = null;
      clear(list);
    }
    status.textContent = t('common.loading');
    try {
      const q = new URLSearchParams({ state, limit: String(PAGE) });
      if (cursor) q.set('cursor', cursor);
      const page = await get(`/api/v1/admin/outbox?${q}`);
      if (!ctx.isCurrent()) return;
      list.append(...(page.items || []).map(entry));
      cursor = page.next_cursor || null;
      more.hidden = !cursor;
      if (page.counts) counts.textContent = t('outbox.counts', page.counts);
      status.textContent = list.children.length ? '' : t(`outbox.empty.${state}`);
    } catch (err) {
      status.textContent = errorText(err);
    }
  }

  // The hotline tokens and their callbacks.
  const tokens = h('tbody', { dataset: { role: 'tokens' } });
  const tokenSelect = h('select', { name: 'token' });
  const url = h('input', { name: 'url', type: 'url', required: true, maxlength: 512 });
  const secretBox = h('p', { class: 'notice', hidden: true, dataset: { role: 'secret' } });
  const callbackForm = h('form', { class: 'toolbar' },
    field('outbox.token', tokenSelect, { name: 'token' }), field('outbox.url', url, { name: 'url' }),
    h('div', { class: 'actions-row' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('outbox.setCallback'))));

  async function loadTokens() {
    try {
      const r = await get('/api/v1/admin/tokens');
      if (!ctx.isCurrent()) return;
      clear(tokens).append(...r.items.map((tk) => h('tr', { dataset: { id: String(tk.id) } },
        h('td', {}, tk.name), h('td', {}, tk.channel), h('td', {}, tk.username),
        h('td', { class: 'mono' }, tk.callback_url || '—'))));
      clear(tokenSelect).append(...r.items.map((tk) => h('option', { value: String(tk.id) }, tk.name)));
    } catch (err) {
      status.textContent = errorText(err);
    }
  }

  callbackForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await put(`/api/v1/admin/tokens/${tokenSelect.value}/callback`, { url: url.value });
      secretBox.hidden = false;
      clear(secretBox).append(t('outbox.secretOnce'), ' ', h('code', { class: 'mono' }, r.secret));
      await loadTokens();
    } catch (err) {
      secretBox.hidden = false;
      secretBox.textContent = errorText(err);
    }
  });

  more.addEventListener('click', () => load(false));
  drawTabs();
  ctx.main.append(h('div', { class: 'screen-head' }, h('h1', {}, t('nav.outbox'))),
    h('p', { class: 'muted' }, t('outbox.intro')), counts, tabs, status, list,
    h('div', { class: 'actions-row' }, more),
    h('section', { class: 'card' }, h('h2', {}, t('outbox.tokens')), h('p', { class: 'muted' }, t('outbox.tokensIntro')),
      h('table', { class: 'diff-table' },
        h('thead', {}, h('tr', {}, ['outbox.tokenName', 'outbox.channel', 'outbox.account', 'outbox.url'].map((k) => h('th', { scope: 'col' }, t(k))))),
        tokens),
      callbackForm, secretBox));
  await Promise.all([load(true), loadTokens()]);
}
