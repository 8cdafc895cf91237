// SPDX-License-Identifier: MIT
// Admin: the working-time calendar deadlines are counted in. A year of month
// grids marking weekends, public holidays (休, red) and adjusted working days
// (班, blue) with their names and a remove button for each; the working periods;
// and a form to add or change one day. The server uses a change at once.
import { h, clear } from '../dom.js';
import { t, getLang } from '../i18n.js';
import { get, put, del, ApiError, showFormError, clearFormErrors, errorText } from '../api.js';
import { field, formErrorSlot } from '../widgets.js';

const KINDS = ['holiday', 'workday'];
const MIN_YEAR = 2000;
const MAX_YEAR = 2100;
const NAME_MAX_BYTES = 60;
// A Sunday, for naming weekdays 0..6 with Intl.
const A_SUNDAY = Date.UTC(2023, 0, 1);
// Shown once on the next render (after saving a day of another year).
let carriedNotice = '';

// Dates are plain calendar days: all arithmetic in UTC so the browser's own
// time zone never moves a day.
const pad = (n) => String(n).padStart(2, '0');
const isoDay = (y, m, d) => `${y}-${pad(m)}-${pad(d)}`;
const weekdayOf = (y, m, d) => new Date(Date.UTC(y, m - 1, d)).getUTCDay();
const daysInMonth = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate();

function locale() {
  return getLang() === 'zh' ? 'zh-CN' : 'en-GB';
}

function formatUtc(ms, options) {
  return new Intl.DateTimeFormat(locale(), { timeZone: 'UTC', ...options }).format(ms);
}

function weekdayName(d, style) {
  return formatUtc(A_SUNDAY + d * 86400000, { weekday: style });
}

function monthName(m) {
  return formatUtc(Date.UTC(2023, m - 1, 1), { month: 'long' });
}

/** "10月1日 周四" / "Thu 1 October" for a YYYY-MM-DD day. */
function dayText(day) {
  const [y, m, d] = day.split('-').map(Number);
  return formatUtc(Date.UTC(y, m - 1, d), { month: 'long', day: 'numeric', weekday: 'short' });
}

// "周一至周五" for a run of days, else the days one by one.
function weekdaysText(weekdays) {
  const sorted = [...weekdays].sort((a, b) => a - b);
  const style = getLang() === 'zh' ? 'short' : 'long';
  const run = sorted.length >= 3 && sorted.every((d, i) => i === 0 || d === sorted[i - 1] + 1);
  if (run) return t('cal.range', { from: weekdayName(sorted[0], style), to: weekdayName(sorted.at(-1), style) });
  return sorted.map((d) => weekdayName(d, style)).join(t('cal.sep'));
}

function zoneText(minutes) {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `UTC${sign}${Math.floor(abs / 60)}${abs % 60 ? `:${pad(abs % 60)}` : ''}`;
}

// Today in the calendar's own zone, as YYYY-MM-DD.
function todayIn(offsetMinutes) {
  return new Date(Date.now() + offsetMinutes * 60000).toISOString().slice(0, 10);
}

function kindBadge(kind) {
  return h('span', { class: `badge cal-badge-${kind}` }, t(`cal.kind.${kind}`));
}

/** Renders the calendar screen for the year in the hash (?year=), default this year. */
export async function render(ctx) {
  const asked = Number(ctx.query.get('year'));
  const wanted = Number.isInteger(asked) && asked >= MIN_YEAR && asked <= MAX_YEAR ? asked : null;
  let cal = await get(`/api/v1/calendar${wanted ? `?year=${wanted}` : ''}`);
  if (!ctx.isCurrent()) return;
  const year = cal.year;
  const notice = h('div', { class: 'notice cal-notice', role: 'status', 'aria-live': 'polite', dataset: { role: 'notice' } });
  const hoursBox = h('div', {});
  const summary = h('p', { class: 'muted', dataset: { role: 'summary' } });
  const yearBox = h('div', { class: 'cal-year', dataset: { role: 'calendar', year: String(year) } });

  const dayInput = h('input', { type: 'date', name: 'day', min: `${MIN_YEAR}-01-01`, max: `${MAX_YEAR}-12-31` });
  const kindSelect = h('select', { name: 'kind' }, KINDS.map((k) => h('option', { value: k }, t(`cal.kindLong.${k}`))));
  const nameInput = h('input', { name: 'name', maxlength: NAME_MAX_BYTES, autocomplete: 'off' });
  const form = h('form', { class: 'card', novalidate: true, dataset: { role: 'day-form' } },
    h('h2', {}, t('cal.formTitle')),
    h('p', { class: 'hint' }, t('cal.formIntro')),
    h('div', { class: 'field-row' },
      field('cal.day', dayInput, { name: 'day', required: true }),
      field('cal.kind', kindSelect, { name: 'kind', required: true })),
    field('cal.name', nameInput, { name: 'name', hint: t('cal.nameHint') }),
    formErrorSlot(),
    h('div', { class: 'actions-row' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.save')),
      h('button', { type: 'button', class: 'btn', onclick: () => { form.reset(); clearFormErrors(form); } }, t('cal.clear'))));

  function drawHours() {
    const periods = (cal.periods || []).map((p) => `${p.start}–${p.end}`).join(t('cal.sep'));
    clear(hoursBox).append(h('dl', { class: 'kv', dataset: { role: 'working-time' } },
      h('dt', {}, t('cal.periods')), h('dd', {}, periods || '—'),
      h('dt', {}, t('cal.weekdays')), h('dd', {}, weekdaysText(cal.weekdays || [])),
      h('dt', {}, t('cal.zone')), h('dd', {}, zoneText(cal.utc_offset_minutes || 0))),
    h('ul', { class: 'cal-legend', 'aria-label': t('cal.legend') },
      h('li', {}, h('span', { class: 'swatch cal-weekend', 'aria-hidden': 'true' }), t('cal.weekend')),
      h('li', {}, h('span', { class: 'swatch cal-holiday', 'aria-hidden': 'true' }, t('cal.mark.holiday')), t('cal.kind.holiday')),
      h('li', {}, h('span', { class: 'swatch cal-workday', 'aria-hidden': 'true' }, t('cal.mark.workday')), t('cal.kind.workday')),
      h('li', {}, h('span', { class: 'swatch cal-today', 'aria-hidden': 'true' }), t('cal.today'))));
  }

  function monthCard(m, byDay, today) {
    const working = new Set(cal.weekdays || []);
    const firstColumn = (weekdayOf(year, m, 1) + 6) % 7; // weeks start on Monday
    const cells = [];
    for (let i = 0; i < firstColumn; i++) cells.push(h('td', { class: 'cal-pad' }));
    const listed = [];
    let workdays = 0;
    for (let d = 1; d <= daysInMonth(year, m); d++) {
      const day = isoDay(year, m, d);
      const special = byDay.get(day);
      const weekday = weekdayOf(year, m, d);
      const works = special ? special.kind === 'workday' : working.has(weekday);
      if (works) workdays += 1;
      const cls = ['cal-day', special ? `cal-${special.kind}` : (working.has(weekday) ? '' : 'cal-weekend'), day === today ? 'cal-today' : '']
        .filter(Boolean).join(' ');
      const title = special ? `${t(`cal.kind.${special.kind}`)}${special.name ? ` · ${special.name}` : ''}` : null;
      cells.push(h('td', { class: cls, title, dataset: { day, kind: special ? special.kind : (works ? 'work' : 'rest') } },
        h('span', { class: 'cal-n' }, String(d)),
        special ? h('span', { class: 'cal-mark' }, t(`cal.mark.${special.kind}`)) : null));
      if (special) listed.push(special);
    }
    while (cells.length % 7) cells.push(h('td', { class: 'cal-pad' }));
    const rows = [];
    for (let i = 0; i < cells.length; i += 7) rows.push(h('tr', {}, cells.slice(i, i + 7)));
    const order = [1, 2, 3, 4, 5, 6, 0];
    return h('section', { class: 'card cal-month', dataset: { month: String(m) } },
      h('h3', {}, monthName(m), h('span', { class: 'muted' }, t('cal.monthWorkdays', { n: workdays }))),
      h('table', { class: 'cal-grid' },
        h('caption', { class: 'visually-hidden' }, t('cal.monthCaption', { year, month: monthName(m) })),
        h('thead', {}, h('tr', {}, order.map((d) => h('th', { scope: 'col', abbr: weekdayName(d, 'long'), class: working.has(d) ? null : 'cal-weekend' },
          weekdayName(d, getLang() === 'zh' ? 'narrow' : 'short'))))),
        h('tbody', {}, rows)),
      listed.length ? h('ul', { class: 'cal-days' }, listed.map((s) => h('li', { dataset: { day: s.day, kind: s.kind } },
        h('time', { datetime: s.day }, dayText(s.day)), kindBadge(s.kind),
        h('span', { class: 'cal-name' }, s.name || '—'),
        h('span', { class: 'cal-actions' },
          h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'edit' }, 'aria-label': t('cal.editDay', { day: dayText(s.day) }), onclick: () => edit(s) }, t('users.edit')),
          h('button', { type: 'button', class: 'btn btn-small btn-danger', dataset: { action: 'remove' }, 'aria-label': t('cal.removeDay', { day: dayText(s.day) }), onclick: () => remove(s) }, t('cal.remove'))))))
        : null);
  }

  function drawYear() {
    const days = cal.days || [];
    const byDay = new Map(days.map((d) => [d.day, d]));
    const today = todayIn(cal.utc_offset_minutes || 0);
    summary.textContent = t('cal.summary', {
      year, holidays: days.filter((d) => d.kind === 'holiday').length, workdays: days.filter((d) => d.kind === 'workday').length,
    });
    clear(yearBox);
    for (let m = 1; m <= 12; m++) yearBox.append(monthCard(m, byDay, today));
  }

  async function reload() {
    cal = await get(`/api/v1/calendar?year=${year}`);
    if (!ctx.isCurrent()) return;
    drawYear();
  }

  function announce(text, undo) {
    clear(notice).append(h('span', {}, text));
    if (undo) notice.append(' ', h('button', { type: 'button', class: 'btn-link', onclick: undo }, t('cal.undo')));
  }

  function edit(s) {
    clearFormErrors(form);
    dayInput.value = s.day;
    kindSelect.value = s.kind;
    nameInput.value = s.name || '';
    form.scrollIntoView({ block: 'start' });
    nameInput.focus();
  }

  async function save(day, kind, name) {
    const body = { kind };
    if (name) body.name = name;
    return put(`/api/v1/admin/calendar/days/${encodeURIComponent(day)}`, body);
  }

  async function remove(s) {
    try {
      await del(`/api/v1/admin/calendar/days/${encodeURIComponent(s.day)}`);
      announce(t('cal.removed', { day: dayText(s.day), name: s.name || t(`cal.kind.${s.kind}`) }), async () => {
        try {
          await save(s.day, s.kind, s.name);
          announce(t('cal.restored', { day: dayText(s.day) }));
          await reload();
        } catch (err) {
          announce(errorText(err));
        }
      });
      await reload();
    } catch (err) {
      announce(errorText(err));
      await reload().catch(() => {});
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    const day = dayInput.value;
    const name = nameInput.value.trim();
    if (!day) return showFormError(form, new ApiError(0, 'missing_field', '', { field: 'day' }));
    if (new TextEncoder().encode(name).length > NAME_MAX_BYTES) return showFormError(form, new ApiError(0, 'invalid_field', '', { field: 'name' }));
    try {
      const saved = await save(day, kindSelect.value, name);
      const text = t('cal.saved', { day: dayText(saved.day), kind: t(`cal.kind.${saved.kind}`), name: saved.name || '' }).trim();
      form.reset();
      const savedYear = Number(saved.day.slice(0, 4));
      if (savedYear !== year) {
        carriedNotice = text;
        ctx.navigate(`#/calendar?year=${savedYear}`);
        return;
      }
      announce(text);
      await reload();
    } catch (err) {
      showFormError(form, err);
    }
  });

  const prev = year > MIN_YEAR ? h('a', { class: 'btn', href: `#/calendar?year=${year - 1}`, 'aria-label': t('cal.prevYear') }, `‹ ${year - 1}`) : null;
  const next = year < MAX_YEAR ? h('a', { class: 'btn', href: `#/calendar?year=${year + 1}`, 'aria-label': t('cal.nextYear') }, `${year + 1} ›`) : null;
  ctx.main.append(
    h('div', { class: 'screen-head' }, h('h1', {}, t('cal.title')),
      h('nav', { class: 'row cal-nav', 'aria-label': t('cal.yearNav') }, prev, h('strong', { class: 'big' }, t('cal.year', { year })), next)),
    h('p', { class: 'muted' }, t('cal.intro')),
    notice,
    h('div', { class: 'grid-2 cal-top' }, form, h('section', { class: 'card' }, h('h2', {}, t('cal.workingTime')), hoursBox)),
    summary,
    yearBox);
  if (carriedNotice) {
    announce(carriedNotice);
    carriedNotice = '';
  }
  drawHours();
  drawYear();
}
