// SPDX-License-Identifier: MIT
// Message catalogues and the language switch: Chinese by default, English when
// chosen (remembered in localStorage). t() looks a key up with {name} parameters;
// applyI18n() fills elements marked with data-i18n* attributes.
import zh from '../i18n/zh.js';
import en from '../i18n/en.js';

const CATALOGUES = { zh, en };
const STORAGE_KEY = 'chengguan.lang';
const listeners = new Set();

function storedLang() {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v && CATALOGUES[v] ? v : 'zh';
  } catch {
    return 'zh';
  }
}

let lang = storedLang();

/** The current language code: "zh" or "en". */
export function getLang() {
  return lang;
}

/** The message for key in the given language, without parameters (undefined when missing). */
export function messageIn(language, key) {
  return CATALOGUES[language] ? CATALOGUES[language][key] : undefined;
}

/** Whether the catalogue of the current language has key. */
export function has(key) {
  return Object.prototype.hasOwnProperty.call(CATALOGUES[lang], key);
}

/**
 * The message for key in the current language (falling back to Chinese, then to
 * the key itself) with {name} placeholders replaced from params.
 */
export function t(key, params) {
  let text = CATALOGUES[lang][key];
  if (text === undefined) text = CATALOGUES.zh[key];
  if (text === undefined) return key;
  if (params) text = text.replace(/\{(\w+)\}/g, (m, name) => (params[name] === undefined ? m : String(params[name])));
  return text;
}

/** Fills data-i18n (text), data-i18n-placeholder, -aria-label, -title and -alt under root. */
export function applyI18n(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n, el.dataset.i18nArgs ? JSON.parse(el.dataset.i18nArgs) : undefined);
  }
  for (const attr of ['placeholder', 'aria-label', 'title', 'alt']) {
    const data = 'i18n' + attr.split('-').map((p) => p[0].toUpperCase() + p.slice(1)).join('');
    for (const el of root.querySelectorAll(`[data-i18n-${attr}]`)) el.setAttribute(attr, t(el.dataset[data]));
  }
  if (root === document) {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    const title = document.querySelector('title[data-i18n]');
    if (title) document.title = t(title.dataset.i18n);
  }
}

/** Switches the language, remembers it, refills the page and tells listeners. */
export function setLang(next) {
  if (!CATALOGUES[next] || next === lang) return;
  lang = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // private mode: the choice lasts for this page only
  }
  applyI18n(document);
  for (const fn of listeners) fn(lang);
}

/** Calls fn(lang) after every language change. Returns a function removing it. */
export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The localized name of a record with name_zh/name_en (or name/name_en). */
export function localName(item) {
  if (!item) return '';
  if (lang === 'en' && item.name_en) return item.name_en;
  return item.name_zh || item.name || item.name_en || '';
}

/** Formats a millisecond timestamp as local date and time. */
export function formatTime(ms) {
  if (ms === null || ms === undefined) return '';
  const d = new Date(ms);
  return d.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
  });
}

/** Formats a duration in ms as "2h 05m" style text in the current language. */
export function formatDuration(ms) {
  const total = Math.max(0, Math.round(Math.abs(ms) / 60000));
  const days = Math.floor(total / 1440);
  const hours = Math.floor((total % 1440) / 60);
  const minutes = total % 60;
  if (days > 0) return t('duration.dh', { d: days, h: hours });
  if (hours > 0) return t('duration.hm', { h: hours, m: String(minutes).padStart(2, '0') });
  return t('duration.m', { m: minutes });
}

/** Wires a language toggle button: shows the other language's name, switches on click. */
export function bindLangButton(button) {
  const show = () => {
    button.textContent = t('lang.switch');
    button.setAttribute('aria-label', t('lang.switchLabel'));
  };
  button.addEventListener('click', () => setLang(lang === 'zh' ? 'en' : 'zh'));
  onLangChange(show);
  show();
}
