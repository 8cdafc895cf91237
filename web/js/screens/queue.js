// SPDX-License-Identifier: MIT
// Every case queue: the supervisor's intake, dispatch board, approvals and
// closing queue; the department's inbox; the inspector's tasks; the leader's
// open cases; the operator's recent calls. One configuration per queue (states,
// sort, filters, quick actions), filters kept in the URL, live refresh by polling.
import { h, clear, debounce, append } from '../dom.js';
import { t, formatTime } from '../i18n.js';
import { get, errorText } from '../api.js';
import { caseTable } from '../caselist.js';
import { field } from '../widgets.js';
import { categorySelect, departmentSelect, streets } from '../refdata.js';

const OPEN = 'reported,verifying,accepted,dispatched,processing,suspended,handled,checked';
const SOURCES = ['patrol', 'web', '12345', '110', '12319', 'video', 'leader', 'media'];

// status: states listed; sort; quick: action buttons per row; filters: toolbar
// controls; keep(c): client-side filter; tiles: light counters above the table.
const QUEUES = {
  intake: { status: 'reported,verifying', sort: 'newest', quick: ['accept', 'verify', 'reject', 'merge'], filters: ['street', 'source', 'q'] },
  dispatch: { status: 'accepted,dispatched,processing,suspended,handled', sort: 'deadline', quick: ['dispatch'], filters: ['street', 'category', 'department', 'overdue', 'q'], tiles: true },
  approvals: { status: 'dispatched,processing,suspended', sort: 'deadline', limit: 100, quick: ['approve', 'refuse', 'resume'], keep: (c) => c.pending !== 'none' || c.state === 'suspended' },
  closing: { status: 'checked', sort: 'deadline', quick: ['close'], filters: ['street'] },
  inbox: { status: 'dispatched,processing,suspended', sort: 'deadline', quick: ['sign', 'handle'], tiles: true },
  done: { status: 'handled,checked,closed', sort: 'newest', filters: ['q'] },
  // The inspector's tasks: those routed to them first (mine=1), then the rest
  // of their street's that they may still take (mine=0), each marked.
  tasks: { status: 'verifying,handled', sort: 'deadline', quick: ['confirm', 'check-pass', 'deny', 'check-fail'], tiles: true, split: true, filters: ['mine'] },
  open: { status: OPEN, sort: 'deadline', quick: ['supervise'], filters: ['street', 'category', 'department', 'overdue', 'q'], tiles: true },
  mine: { status: '', sort: 'newest', filters: ['source', 'q'], quick: ['verify'] },
  // An assessment number's cases: every filter comes from the link.
  cases: { status: '', sort: 'newest', limit: 100, tiles: true, drill: true },
};
// The filters an assessment link sets (see screens/assessment.js).
const DRILL_KEYS = ['status', 'grid', 'community', 'reporter', 'created_from', 'created_to'];

function buildQuery(config, values, limit, cursor) {
  const p = new URLSearchParams();
  if (config.status) p.set('status', values.status || config.status);
  p.set('sort', config.sort);
  p.set('limit', String(limit));
  for (const key of ['street', 'category', 'department', 'source', 'q']) if (values[key]) p.set(key, values[key]);
  if (values.overdue === '1') p.set('overdue', '1');
  if (values.mine === '1' || values.mine === '0') p.set('mine', values.mine);
  if (config.drill) for (const key of DRILL_KEYS) if (values[key]) p.set(key, values[key]);
  if (cursor) p.set('cursor', cursor);
  return p.toString();
}

async function filterControls(config, values, onChange) {
  const controls = [];
  const change = (key) => (e) => onChange(key, e.target.type === 'checkbox' ? (e.target.checked ? '1' : '') : e.target.value);
  for (const f of config.filters || []) {
    if (f === 'street') {
      const list = await streets().catch(() => []);
      const select = h('select', { name: 'street', onchange: change('street') }, h('option', { value: '' }, t('common.all')),
        list.map((s) => h('option', { value: s.code, selected: values.street === s.code }, s.name)));
      controls.push(field('filter.street', select));
    } else if (f === 'category') {
      const select = await categorySelect({ selected: Number(values.category) || null, emptyKey: 'common.all', activeOnly: false });
      select.name = 'category';
      select.addEventListener('change', change('category'));
      controls.push(field('filter.category', select));
    } else if (f === 'department') {
      const select = await departmentSelect({ selected: Number(values.department) || null, emptyKey: 'common.all' }).catch(() => null);
      if (select) {
        select.name = 'department';
        select.addEventListener('change', change('department'));
        controls.push(field('filter.department', select));
      }
    } else if (f === 'source') {
      const select = h('select', { name: 'source', onchange: change('source') }, h('option', { value: '' }, t('common.all')),
        SOURCES.map((s) => h('option', { value: s, selected: values.source === s }, t(`source.${s}`))));
      controls.push(field('filter.source', select));
    } else if (f === 'mine') {
      const box = h('input', { type: 'checkbox', name: 'mine', checked: values.mine === '1', onchange: change('mine') });
      controls.push(field('filter.mine', box, { inline: true }));
    } else if (f === 'overdue') {
      const box = h('input', { type: 'checkbox', name: 'overdue', checked: values.overdue === '1', onchange: change('overdue') });
      controls.push(field('filter.overdue', box, { inline: true }));
    } else if (f === 'q') {
      const input = h('input', { type: 'search', name: 'q', value: values.q || '', maxlength: 100 });
      input.addEventListener('input', debounce(() => onChange('q', input.value.trim()), 400));
      controls.push(field('filter.q', input));
    }
  }
  return controls.length ? h('form', { class: 'toolbar', role: 'search', onsubmit: (e) => e.preventDefault() }, controls) : null;
}

function tiles(items, withPending) {
  const count = (light) => items.filter((c) => c.clock && c.clock.light === light).length;
  const tile = (cls, n, key) => h('div', { class: `tile ${cls}` }, h('div', { class: 'n' }, String(n)), h('div', { class: 'l' }, t(key)));
  return h('div', { class: 'tiles', dataset: { role: 'tiles' } },
    tile('', items.length, 'tile.shown'), tile('green', count('green'), 'light.green'),
    tile('yellow', count('yellow'), 'light.yellow'), tile('red', count('red'), 'light.red'),
    withPending ? tile('', items.filter((c) => c.pending && c.pending !== 'none').length, 'tile.pending') : null);
}

/** Renders the queue named ctx.name. */
export async function render(ctx) {
  const config = QUEUES[ctx.name];
  const values = Object.fromEntries(ctx.query.entries());
  const headKey = ctx.name === 'mine' ? `queue.mine.${ctx.user.role}` : `queue.${ctx.name}`;
  const updated = h('span', { class: 'muted', role: 'status' });
  const refresh = h('button', { type: 'button', class: 'btn btn-small' }, t('common.refresh'));
  const body = h('div', { class: 'card', dataset: { queue: ctx.name } });
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  let items = [];
  let cursor = null;
  let pageLimit = config.limit || 50;

  const onChange = (key, value) => {
    const next = new URLSearchParams(ctx.query);
    if (value) next.set(key, value); else next.delete(key);
    const qs = next.toString();
    history.replaceState(null, '', `#/${ctx.name}${qs ? `?${qs}` : ''}`);
    ctx.query = next;
    values[key] = value;
    load(false);
  };

  const draw = () => {
    const shown = config.keep ? items.filter(config.keep) : items;
    clear(body);
    if (config.tiles) body.append(tiles(shown, ctx.user.role === 'supervisor' || ctx.user.role === 'leader'));
    body.append(caseTable(shown, { quick: config.quick, emptyKey: `queue.${ctx.name}.empty`, taskMarks: config.split }));
    if (cursor) {
      body.append(h('div', { class: 'list-foot' }, h('span', {}, t('list.shown', { n: shown.length })),
        h('button', { type: 'button', class: 'btn btn-small', onclick: () => load(true) }, t('common.more'))));
    }
  };

  // A split queue's first page: every task routed to me (up to 100), then a
  // page of the others; "more" pages through the others.
  async function fetchPage(more, limit) {
    if (!config.split || values.mine === '1') {
      return get(`/api/v1/cases?${buildQuery(config, values, limit, more ? cursor : null)}`);
    }
    const others = get(`/api/v1/cases?${buildQuery(config, { ...values, mine: '0' }, limit, more ? cursor : null)}`);
    if (more) return others;
    const mine = await get(`/api/v1/cases?${buildQuery(config, { ...values, mine: '1' }, 100, null)}`);
    const rest = await others;
    return { items: (mine.items || []).concat(rest.items || []), next_cursor: rest.next_cursor };
  }

  async function load(more) {
    try {
      const limit = more ? 50 : Math.min(100, Math.max(pageLimit, items.length || 0));
      const data = await fetchPage(more, limit);
      if (!ctx.isCurrent()) return;
      items = more ? items.concat(data.items || []) : (data.items || []);
      cursor = data.next_cursor || null;
      if (more) pageLimit = Math.min(100, items.length);
      error.hidden = true;
      updated.textContent = t('common.updated', { time: formatTime(Date.now()) });
      draw();
    } catch (err) {
      if (!ctx.isCurrent()) return;
      error.textContent = errorText(err);
      error.hidden = false;
    }
  }

  refresh.addEventListener('click', () => load(false));
  const toolbar = await filterControls(config, values, onChange);
  append(ctx.main, [
    h('div', { class: 'screen-head' }, h('h1', {}, t(headKey)), h('div', { class: 'row' }, updated, refresh)),
    h('p', { class: 'muted' }, t(`${headKey}.intro`)),
    toolbar, error, body]);
  await load(false);
  ctx.poll(() => load(false));
}
