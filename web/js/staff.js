// SPDX-License-Identifier: MIT
// The staff workspace shell (staff.html): sign-in, the top bar with the user's
// role, one set of screens per role, a hash router (#/screen/arg?query) loading
// one module per screen, polling for live refresh, and the lost-session path
// (401 sends the user to sign-in and then back where they were).
import { h, clear } from './dom.js';
import { t, applyI18n, bindLangButton, onLangChange } from './i18n.js';
import { get, post, setCsrf, onUnauthenticated } from './api.js';
import { renderSignin } from './screens/signin.js';
import { updateNavCounts } from './navcounts.js';

const RETURN_KEY = 'chengguan.returnTo';
// Set while this browser has a session, so a signed-out visit shows the sign-in
// form without first asking /auth/me (which would answer 401).
const SESSION_HINT = 'chengguan.signedIn';
const POLL_MS = 10000;

// Screens per role: hash name, nav label key, module. The first is the home.
const SCREENS = {
  queue: './screens/queue.js',
  case: './screens/case.js',
  map: './screens/casemap.js',
  newcase: './screens/newcase.js',
  hotline: './screens/hotline.js',
  overview: './screens/overview.js',
  users: './screens/users.js',
  grids: './screens/grids.js',
  orgunits: './screens/orgunits.js',
  routing: './screens/routing.js',
  assignments: './screens/assignments.js',
  imports: './screens/imports.js',
  audit: './screens/audit.js',
  categories: './screens/categories.js',
  calendar: './screens/calendar.js',
  assessment: './screens/assessment.js',
  wall: './screens/wall.js',
  notices: './screens/notices.js',
  frontage: './screens/frontage.js',
  frontageboard: './screens/frontage_board.js',
};
const NAV = {
  supervisor: [['intake', 'queue'], ['dispatch', 'queue'], ['approvals', 'queue'], ['closing', 'queue'], ['map', 'map'], ['wall', 'wall']],
  operator: [['hotline', 'hotline'], ['intake', 'queue'], ['mine', 'queue']],
  inspector: [['tasks', 'queue'], ['newcase', 'newcase'], ['frontage', 'frontage'], ['map', 'map'], ['mine', 'queue']],
  department: [['inbox', 'queue'], ['done', 'queue'], ['notices', 'notices']],
  leader: [['overview', 'overview'], ['open', 'queue'], ['map', 'map'], ['notices', 'notices'], ['wall', 'wall']],
  admin: [['users', 'users'], ['orgunits', 'orgunits'], ['routing', 'routing'], ['assignments', 'assignments'], ['imports', 'imports'],
    ['grids', 'grids'], ['categories', 'categories'], ['calendar', 'calendar'], ['audit', 'audit'], ['wall', 'wall']],
};

// The assessment (考核评价) for those who may read it.
for (const role of ['leader', 'supervisor', 'admin']) NAV[role].push(['assessment', 'assessment']);
// 门前三包: the registry ranked by violations and 示范街 evaluations.
for (const role of ['leader', 'supervisor', 'admin']) NAV[role].push(['frontageboard', 'frontageboard']);

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const signout = document.getElementById('signout');
let user = null;
let cleanups = [];
let renderSeq = 0;

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { name: parts[0] || '', args: parts.slice(1), query: new URLSearchParams(query) };
}

function homeName() {
  return NAV[user.role] ? NAV[user.role][0][0] : 'case';
}

function moduleFor(name) {
  if (name === 'case') return SCREENS.case;
  // The case list an assessment number drills down to (filters in the hash).
  if (name === 'cases') return SCREENS.queue;
  const entry = (NAV[user.role] || []).find(([n]) => n === name);
  return entry ? SCREENS[entry[1]] : null;
}

function runCleanups() {
  for (const fn of cleanups) {
    try { fn(); } catch { /* a screen's cleanup failing must not block the next */ }
  }
  cleanups = [];
}

function renderTopbar() {
  clear(who);
  if (!user) {
    who.hidden = true;
    signout.hidden = true;
    nav.hidden = true;
    return;
  }
  who.hidden = false;
  signout.hidden = false;
  who.append(h('span', { class: 'role' }, t(`role.${user.role}`)),
    h('span', {}, `${user.display_name} · ${user.org_unit ? user.org_unit.name : ''}`));
  const current = parseHash().name;
  nav.hidden = false;
  clear(nav).append(...(NAV[user.role] || []).map(([name]) => h('a', {
    href: `#/${name}`, 'aria-current': name === current ? 'page' : null, dataset: { screen: name },
  }, t(`nav.${name}`))));
}

async function route() {
  if (!user) return;
  const seq = ++renderSeq;
  runCleanups();
  const where = parseHash();
  if (!where.name) {
    location.replace(`#/${homeName()}`);
    return;
  }
  renderTopbar();
  updateNavCounts(nav, user.role);
  const modulePath = moduleFor(where.name);
  clear(main);
  if (!modulePath) {
    main.append(h('div', { class: 'card' }, h('h1', {}, t('staff.notFound')), h('a', { href: `#/${homeName()}` }, t('staff.home'))));
    return;
  }
  main.append(h('p', { class: 'muted' }, t('common.loading')));
  const screen = await import(modulePath);
  if (seq !== renderSeq) return;
  clear(main);
  const ctx = {
    main,
    user,
    name: where.name,
    args: where.args,
    query: where.query,
    isCurrent: () => seq === renderSeq,
    onCleanup: (fn) => cleanups.push(fn),
    // Calls fn every POLL_MS while this screen is shown and the page visible.
    poll: (fn, ms = POLL_MS) => {
      const timer = setInterval(() => {
        if (document.hidden || seq !== renderSeq) return;
        fn();
        updateNavCounts(nav, user.role);
      }, ms);
      cleanups.push(() => clearInterval(timer));
    },
    navigate: (hash) => { location.hash = hash; },
    rerender: () => route(),
  };
  try {
    await screen.render(ctx);
  } catch (err) {
    if (seq !== renderSeq || err.status === 401) return;
    main.append(h('div', { class: 'form-error', role: 'alert' }, t('staff.loadFailed')));
    console.warn(err);
  }
}

function showSignin(reasonKey) {
  runCleanups();
  renderSeq += 1;
  user = null;
  renderTopbar();
  renderSignin(main, {
    reasonKey,
    onSignedIn: (data) => {
      user = data.user;
      setCsrf(data.csrf_token);
      hint(true);
      const back = sessionStorage.getItem(RETURN_KEY);
      sessionStorage.removeItem(RETURN_KEY);
      if (back && back !== location.hash) location.hash = back;
      else route();
    },
  });
}

async function boot() {
  applyI18n(document);
  bindLangButton(document.getElementById('lang'));
  onUnauthenticated(() => {
    if (!user) return;
    if (location.hash) sessionStorage.setItem(RETURN_KEY, location.hash);
    setCsrf(null);
    hint(false);
    showSignin('signin.expired');
  });
  signout.addEventListener('click', async () => {
    try { await post('/api/v1/auth/logout', {}); } catch { /* signed out either way */ }
    setCsrf(null);
    hint(false);
    sessionStorage.removeItem(RETURN_KEY);
    history.replaceState(null, '', location.pathname);
    showSignin(null);
  });
  window.addEventListener('hashchange', () => route());
  onLangChange(() => { if (user) route(); else showSignin(null); });
  if (!hint()) {
    showSignin(null);
    return;
  }
  try {
    const me = await get('/api/v1/auth/me', { auth401: false });
    user = me.user;
    setCsrf(me.csrf_token);
    route();
  } catch {
    hint(false);
    showSignin(null);
  }
}

// Reads the session hint, or sets it when on is given.
function hint(on) {
  try {
    if (on === undefined) return localStorage.getItem(SESSION_HINT) === '1';
    if (on) localStorage.setItem(SESSION_HINT, '1');
    else localStorage.removeItem(SESSION_HINT);
  } catch {
    return true;
  }
  return on;
}

boot();
