// SPDX-License-Identifier: MIT
// 门前三包 for leaders, supervisors and admins: the registry of responsible
// units ranked by violations (a row opens its violations by month and its
// cases), registering a unit, and 示范街: the evaluation of a street for a
// period (a score per criterion), the ranking of the period with its reward
// list, and the publication that makes the period final.
import { h, clear } from '../dom.js';
import { t, formatTime, localName } from '../i18n.js';
import { get, post, put, showFormError, clearFormErrors } from '../api.js';
import { field, formErrorSlot } from '../widgets.js';
import { streets } from '../refdata.js';
import { addressBox } from '../addressbox.js';
import { lastCheckBadge } from './frontage.js';

const KINDS = ['shop', 'restaurant', 'market', 'institution', 'residential', 'enterprise', 'other'];

// Last month, as "YYYY-MM" in local time.
function lastMonth() {
  const d = new Date();
  d.setDate(1);
  d.setMonth(d.getMonth() - 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

function registry(ctx) {
  const search = h('input', { type: 'search', name: 'q' });
  const body = h('tbody', {});
  const detail = h('div', { dataset: { role: 'unit-detail' } });
  async function open(unit) {
    const u = await get(`/api/v1/frontage/units/${unit.id}`);
    clear(detail).append(h('section', { class: 'card' }, h('h3', {}, `${u.name} · ${u.plate_no}`),
      h('p', {}, `${u.address} · ${u.contact_name} ${u.contact_phone}`),
      h('p', {}, t('frontage.byMonth'), ' ', u.violations_by_month.map((m) => `${m.month}: ${m.count}`).join(' · ') || '—'),
      h('ul', {}, ...u.cases.map((c) => h('li', {}, h('a', { href: `#/case/${c.id}` }, c.case_no), ' ', c.description)))));
  }
  async function load() {
    const q = new URLSearchParams({ sort: 'violations', limit: '50' });
    if (search.value.trim()) q.set('q', search.value.trim());
    const data = await get(`/api/v1/frontage/units?${q}`);
    if (!ctx.isCurrent()) return;
    clear(body).append(...data.items.map((u, i) => h('tr', { dataset: { unitId: String(u.id) } },
      h('td', { class: 'num' }, String(i + 1)),
      h('th', {}, h('a', { href: '#', onclick: (e) => { e.preventDefault(); open(u); } }, u.name)),
      h('td', { class: 'mono' }, u.plate_no), h('td', {}, u.street),
      h('td', { class: 'num', dataset: { role: 'violations' } }, String(u.violations)), h('td', {}, lastCheckBadge(u)))));
  }
  const section = h('section', { class: 'card' }, h('h2', {}, t('frontage.registry')),
    h('form', { class: 'toolbar', onsubmit: (e) => { e.preventDefault(); load(); } }, field('frontage.searchLabel', search, { name: 'q' })),
    h('div', { class: 'table-wrap' }, h('table', { class: 'assess-table', dataset: { role: 'violation-ranking' } },
      h('thead', {}, h('tr', {}, ...['rank', 'name', 'plate', 'street', 'violationsCol', 'lastCheck'].map((k) => h('th', {}, t(`frontage.col.${k}`))))),
      body)), detail);
  return { section, load };
}

function unitForm(reload) {
  const inputs = {
    name: h('input', { name: 'name', maxlength: 127 }),
    kind: h('select', { name: 'kind' }, ...KINDS.map((k) => h('option', { value: k }, t(`frontage.kind.${k}`)))),
    address: h('input', { name: 'address', maxlength: 255 }),
    lat: h('input', { name: 'lat', type: 'number', step: 'any' }),
    lon: h('input', { name: 'lon', type: 'number', step: 'any' }),
    plate_no: h('input', { name: 'plate_no', maxlength: 31 }),
    contact_name: h('input', { name: 'contact_name', maxlength: 63 }),
    contact_phone: h('input', { name: 'contact_phone', maxlength: 31, inputmode: 'tel' }),
    frontage_m: h('input', { name: 'frontage_m', type: 'number', min: 0, step: 'any' }),
  };
  // The fields first, so the address box wraps an input that has its label.
  const fields = Object.entries(inputs).map(([name, input]) => field(`frontage.field.${name}`, input,
    { name, hint: name === 'address' ? t('frontage.addressHint') : undefined }));
  // A gazetteer address fills the point (the cell and street follow from it).
  addressBox(inputs.address, (r) => {
    inputs.lat.value = String(r.lat);
    inputs.lon.value = String(r.lon);
  });
  const form = h('form', { class: 'card', novalidate: true, dataset: { role: 'unit-form' } }, h('h2', {}, t('frontage.newUnit')),
    ...fields,
    formErrorSlot(), h('div', { class: 'actions-row' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('frontage.register'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    const body = {};
    for (const [name, input] of Object.entries(inputs)) {
      if (input.value.trim() === '') continue;
      body[name] = input.type === 'number' ? Number(input.value) : input.value.trim();
    }
    try {
      await post('/api/v1/frontage/units', body);
      form.reset();
      reload();
    } catch (err) {
      showFormError(form, err);
    }
  });
  return form;
}

function evaluation(ctx) {
  const period = h('input', { name: 'period', value: lastMonth(), pattern: '\\d{4}-(\\d{2}|Q[1-4])', size: 8 });
  const result = h('div', { dataset: { role: 'ranking' } });
  const entry = h('div', {});
  const canEvaluate = ['leader', 'supervisor'].includes(ctx.user.role);
  const canPublish = ['leader', 'admin'].includes(ctx.user.role);

  async function entryForm(published) {
    clear(entry);
    if (!canEvaluate || published) return;
    const [criteria, streetList] = await Promise.all([get('/api/v1/frontage/criteria'), streets()]);
    const street = h('select', { name: 'street_id' }, ...streetList.map((s) => h('option', { value: String(s.id) }, localName(s))));
    const segment = h('input', { name: 'segment', maxlength: 127 });
    const scores = criteria.items.filter((c) => c.active).map((c) => ({ c,
      input: h('input', { type: 'number', min: 0, max: c.max_score, step: 'any', name: `score-${c.id}`, dataset: { criterion: String(c.id) } }) }));
    const form = h('form', { class: 'card', novalidate: true, dataset: { role: 'evaluation-form' } }, h('h3', {}, t('frontage.evaluate')),
      field('frontage.street', street, { name: 'street_id' }), field('frontage.segment', segment, { name: 'segment' }),
      h('div', { dataset: { field: 'scores' } },
        ...scores.map(({ c, input }) => field('frontage.score', input, { label: t('frontage.scoreOf', { name: c.name, max: c.max_score, weight: c.weight }) })),
        h('div', { class: 'field-error', role: 'alert', hidden: true })),
      formErrorSlot(), h('div', { class: 'actions-row' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('frontage.saveEvaluation'))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFormErrors(form);
      try {
        await put('/api/v1/frontage/evaluations', {
          street_id: Number(street.value), period: period.value.trim(), segment: segment.value.trim(),
          scores: scores.map(({ c, input }) => ({ criterion_id: c.id, score: Number(input.value || 0) })),
        });
        load();
      } catch (err) {
        showFormError(form, err);
      }
    });
    entry.append(form);
  }

  async function load() {
    clear(result);
    let data;
    try {
      data = await get(`/api/v1/frontage/evaluations?period=${encodeURIComponent(period.value.trim())}`);
    } catch (err) {
      result.append(h('div', { class: 'form-error', role: 'alert' }, err.message));
      return;
    }
    if (!ctx.isCurrent()) return;
    const top = h('input', { type: 'number', name: 'reward_top', min: 0, max: 100, value: String(data.reward_top), size: 3 });
    result.append(
      h('p', { dataset: { role: 'period-state' } }, data.published
        ? t('frontage.published', { time: formatTime(data.published_at), n: data.reward_top })
        : t('frontage.draft')),
      h('table', { class: 'assess-table' },
        h('thead', {}, h('tr', {}, ...['rank', 'street', 'segment', 'total', 'reward'].map((k) => h('th', {}, t(`frontage.col.${k}`))))),
        h('tbody', {}, ...data.items.map((e) => h('tr', { dataset: { street: e.street } },
          h('td', { class: 'num' }, String(e.rank)), h('th', {}, e.street), h('td', {}, e.segment || '—'),
          h('td', { class: 'num' }, e.total.toFixed(2)),
          h('td', {}, e.rewarded ? h('span', { class: 'badge light-green' }, t('frontage.rewarded')) : ''))))),
      h('p', { dataset: { role: 'rewards' } }, t('frontage.rewardList'), ' ', data.rewards.join('、') || '—'));
    if (canPublish && !data.published && data.items.length) {
      result.append(h('form', { class: 'toolbar', onsubmit: async (e) => {
        e.preventDefault();
        await post(`/api/v1/frontage/periods/${encodeURIComponent(period.value.trim())}/publish`, { reward_top: Number(top.value) });
        load();
      } }, field('frontage.rewardTop', top, { name: 'reward_top' }),
      h('button', { type: 'submit', class: 'btn', dataset: { action: 'publish' } }, t('frontage.publish'))));
    }
    await entryForm(data.published);
  }
  const section = h('section', { class: 'card' }, h('h2', {}, t('frontage.demoStreet')),
    h('form', { class: 'toolbar', onsubmit: (e) => { e.preventDefault(); load(); } }, field('frontage.period', period, { name: 'period' }),
      h('button', { type: 'submit', class: 'btn btn-small' }, t('frontage.show'))),
    result, entry);
  return { section, load };
}

/** Renders the 门前三包 board. */
export async function render(ctx) {
  const reg = registry(ctx);
  const evals = evaluation(ctx);
  const canRegister = ['supervisor', 'admin'].includes(ctx.user.role);
  ctx.main.append(h('div', { class: 'screen-head' }, h('h1', {}, t('nav.frontageboard'))),
    h('p', { class: 'muted' }, t('frontage.boardIntro')),
    evals.section, reg.section);
  if (canRegister) ctx.main.append(unitForm(() => reg.load()));
  await Promise.all([reg.load(), evals.load()]);
}
