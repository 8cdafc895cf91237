// SPDX-License-Identifier: MIT
// The citizen portal's red and black lists (红黑榜): the published month's best
// and worst units per group (departments, streets, communities), read from the
// public endpoint, which names units only. A corrected list says so and why.
import { h, clear } from './dom.js';
import { t, onLangChange } from './i18n.js';
import { get, ApiError, errorText } from './api.js';

const panel = () => document.getElementById('honours-body');
let data = null; // the last answer, re-rendered on a change of language
let failure = null; // the last error

function unitList(kind, units) {
  const title = h('h3', { class: `honours-title honours-${kind}` }, t(`honours.${kind}`));
  if (!units.length) return h('div', { class: `honours-list honours-list-${kind}` }, title, h('p', { class: 'hint' }, t('honours.noneRanked')));
  const items = units.map((u) => h('li', { class: 'honours-unit', 'data-code': u.code },
    h('span', { class: 'honours-rank' }, String(u.rank)),
    h('span', { class: 'honours-name' }, u.name),
    h('span', { class: 'honours-score' }, t('honours.score', { score: u.composite, grade: u.grade }))));
  return h('div', { class: `honours-list honours-list-${kind}` }, title, h('ol', {}, ...items));
}

function groupCard(list) {
  const card = h('section', { class: 'card honours-group', 'data-group': list.group },
    h('h2', {}, t(`honours.group.${list.group}`)));
  if (list.corrects) {
    card.append(h('p', { class: 'honours-correction', role: 'note' },
      t('honours.corrected', { revision: list.revision, reason: list.corrects.reason })));
  }
  card.append(h('div', { class: 'honours-pair' }, unitList('red', list.red), unitList('black', list.black)));
  return card;
}

function render() {
  const box = panel();
  clear(box);
  if (failure) {
    const none = failure instanceof ApiError && failure.status === 404;
    box.append(h('p', { class: 'card hint', role: 'status' }, none ? t('honours.none') : errorText(failure)));
    return;
  }
  if (!data) {
    box.append(h('p', { class: 'hint', role: 'status' }, t('honours.loading')));
    return;
  }
  box.append(h('p', { class: 'honours-period' }, t('honours.period', { period: data.period })));
  for (const list of data.lists) box.append(groupCard(list));
}

/** Loads the latest published lists (once per page) and shows them. */
export async function showHonours() {
  if (data || failure) return render();
  render();
  try {
    data = await get('/api/v1/public/honours');
  } catch (err) {
    failure = err;
  }
  render();
}

onLangChange(() => { if (data || failure) render(); });
