// SPDX-License-Identifier: MIT
// The notices (消息) of the caller's unit from /inbox: the reminders (催办) the
// escalation scheduler sends when a stage turns yellow and the 督办 notices when
// it turns red (a leader also reads those for the unit's leaders), newest
// first, unread ones marked; each links to its case, and is marked read by its
// button or by opening the case. Polled, with the unread count on the tab.
import { h, clear } from '../dom.js';
import { t, formatTime } from '../i18n.js';
import { get, api, errorText } from '../api.js';
import { field } from '../widgets.js';
import { updateNavCounts } from '../navcounts.js';

const PAGE = 50;

function kindBadge(item) {
  return h('span', { class: `badge notice-${item.kind}`, dataset: { kind: item.kind } }, t(`notices.kind.${item.kind}`));
}

/** Renders the notices screen. */
export async function render(ctx) {
  const unreadOnly = h('input', { type: 'checkbox', name: 'unread', checked: ctx.query.get('unread') === '1' });
  const updated = h('span', { class: 'muted', role: 'status' });
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const list = h('ul', { class: 'notice-list', dataset: { role: 'notices' } });
  const foot = h('div', {});
  ctx.main.append(
    h('div', { class: 'screen-head' }, h('h1', {}, t('nav.notices')), h('div', { class: 'row' }, updated)),
    h('p', { class: 'muted' }, t(`notices.intro.${ctx.user.role}`)),
    h('form', { class: 'toolbar', onsubmit: (e) => e.preventDefault() }, field('notices.unreadOnly', unreadOnly, { inline: true })),
    error, h('div', { class: 'card' }, list, foot));
  let items = [];
  let cursor = null;

  const showError = (err) => {
    error.textContent = errorText(err);
    error.hidden = false;
  };

  async function markRead(item) {
    try {
      await api('POST', `/api/v1/inbox/${item.id}/read`);
      item.read_at = Date.now();
      if (unreadOnly.checked) items = items.filter((i) => i !== item);
      draw();
      updateNavCounts(document.getElementById('nav'), ctx.user.role);
    } catch (err) {
      showError(err);
    }
  }

  function row(item) {
    const stage = t(`stage.${item.stage}`);
    const text = t(`notices.text.${item.level}`, { stage });
    return h('li', { class: item.read_at ? 'read' : 'unread', dataset: { noticeId: String(item.id), caseNo: item.case_no } },
      h('div', { class: 'notice-main' },
        kindBadge(item),
        item.audience === 'leaders' ? h('span', { class: 'badge' }, t('notices.forLeaders')) : null,
        h('a', { class: 'mono', href: `#/case/${item.case_id}`, onclick: () => { if (!item.read_at) markRead(item); } }, item.case_no),
        h('span', {}, text)),
      h('div', { class: 'notice-meta' },
        h('time', {}, formatTime(item.created_at)),
        item.deadline ? h('span', { class: 'muted' }, t('notices.deadline', { time: formatTime(item.deadline) })) : null,
        item.read_at
          ? h('span', { class: 'muted', dataset: { role: 'read' } }, t('notices.readAt', { time: formatTime(item.read_at) }))
          : h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'read' }, onclick: () => markRead(item) }, t('notices.markRead'))));
  }

  function draw() {
    clear(list).append(...items.map(row));
    clear(foot);
    if (!items.length) foot.append(h('p', { class: 'empty' }, t(unreadOnly.checked ? 'notices.noneUnread' : 'notices.none')));
    if (cursor) foot.append(h('div', { class: 'list-foot' }, h('span', {}, t('list.shown', { n: items.length })),
      h('button', { type: 'button', class: 'btn btn-small', onclick: () => load(true) }, t('common.more'))));
  }

  async function load(more) {
    const q = new URLSearchParams({ limit: String(more ? PAGE : Math.max(PAGE, Math.min(200, items.length))) });
    if (unreadOnly.checked) q.set('unread', '1');
    if (more && cursor) q.set('cursor', cursor);
    try {
      const data = await get(`/api/v1/inbox?${q}`);
      if (!ctx.isCurrent()) return;
      items = more ? items.concat(data.items || []) : (data.items || []);
      cursor = data.next_cursor || null;
      error.hidden = true;
      updated.textContent = t('common.updated', { time: formatTime(Date.now()) });
      draw();
    } catch (err) {
      if (ctx.isCurrent()) showError(err);
    }
  }

  unreadOnly.addEventListener('change', () => {
    history.replaceState(null, '', `#/${ctx.name}${unreadOnly.checked ? '?unread=1' : ''}`);
    load(false);
  });
  await load(false);
  ctx.poll(() => load(false));
}
