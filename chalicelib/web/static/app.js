// Sampark's mobile client: the shell (header, outbox banner), the screens' router, and the jobs that
// run in the background (sending recorded calls, the offline copy of the app).

import * as api from './api.js';
import * as i18n from './i18n.js';
import * as outbox from './outbox.js';
import { callScreen } from './call.js';
import { homeScreen } from './home.js';
import { callsScreen, outboxScreen } from './lists.js';
import { loginScreen } from './login.js';
import { button, h, link, replace } from './ui.js';

const t = i18n.t;
// An agent's screens load with the page (a cheap phone on patchy 4G must have them offline and at once);
// the office's and the leaders' screens load when first opened: `[module, export]`.
const SCREENS = {
  login: loginScreen, home: homeScreen, call: callScreen, calls: callsScreen, outbox: outboxScreen,
  board: ['./board.js', 'boardScreen'],
  campaigns: ['./campaigns.js', 'campaignsScreen'],
  campaign: ['./campaign_page.js', 'campaignPageScreen'],
  'campaign-new': ['./campaign_form.js', 'campaignFormScreen'],
  'campaign-edit': ['./campaign_form.js', 'campaignFormScreen'],
  dashboard: ['./dashboard.js', 'dashboardScreen'],
  search: ['./people.js', 'searchScreen'],
  contact: ['./people.js', 'contactScreen'],
  units: ['./people.js', 'unitsScreen'],
  agents: ['./staff.js', 'agentsScreen'],
  agent: ['./staff.js', 'agentScreen'],
  rosters: ['./staff.js', 'rostersScreen'],
  settings: ['./staff.js', 'settingsScreen'],
  imports: ['./data.js', 'importsScreen'],
  exports: ['./data.js', 'exportsScreen'],
  performance: ['./performance.js', 'performanceScreen'],
  flags: ['./performance.js', 'flagsScreen'],
  vendor: ['./performance.js', 'vendorScreen'],
};
// Laid out for desktops (1280 px and up), and still usable on a phone.
const OFFICE = new Set(['board', 'campaigns', 'campaign', 'campaign-new', 'campaign-edit', 'dashboard', 'search', 'contact', 'units',
  'agents', 'agent', 'rosters', 'settings', 'imports', 'exports', 'performance', 'flags', 'vendor']);
const NAV = [ // the header's links, by role: [screen, label, screens it covers]
  { roles: ['supervisor', 'admin'], href: '#/board', label: 'nav.board', covers: ['board'] },
  { roles: ['supervisor', 'admin'], href: '#/campaigns', label: 'nav.campaigns', covers: ['campaigns', 'campaign', 'campaign-new', 'campaign-edit'] },
  { roles: ['supervisor', 'admin'], href: '#/units', label: 'nav.units', covers: ['units', 'contact', 'search'] },
  { roles: ['supervisor', 'admin'], href: '#/agents', label: 'nav.agents', covers: ['agents', 'agent'] },
  { roles: ['supervisor', 'admin'], href: '#/rosters', label: 'nav.rosters', covers: ['rosters'] },
  { roles: ['supervisor', 'admin'], href: '#/performance', label: 'nav.performance', covers: ['performance', 'flags', 'vendor'] },
  { roles: ['admin'], href: '#/imports', label: 'nav.data', covers: ['imports', 'exports'] },
  { roles: ['admin'], href: '#/settings', label: 'nav.settings', covers: ['settings'] },
  { roles: ['state_leader', 'central_leader'], href: '#/dashboard', label: 'nav.dashboard', covers: ['dashboard'] },
  { roles: ['state_leader', 'central_leader'], href: '#/vendor', label: 'nav.vendor', covers: ['vendor'] },
];

async function screenOf(name) {
  const entry = SCREENS[name];
  if (typeof entry === 'function') return entry;
  const module = await import(entry[0]);
  return module[entry[1]];
}
const FLUSH_EVERY_MS = 20000;
const els = {
  header: document.getElementById('top'),
  banner: document.getElementById('banner'),
  main: document.getElementById('main'),
};
let leaving = [];
let renders = 0;
let updateReady = false;
let notice = null;

export const app = {
  go(hash) {
    if (location.hash === hash) render();
    else location.hash = hash;
  },
  home() {
    if (api.hasRole('agent')) return '#/home';
    if (api.hasRole('supervisor', 'admin')) return '#/board';
    if (api.hasRole('state_leader', 'central_leader')) return '#/dashboard';
    return '#/home';
  },
  /** A message for the sign-in screen (why the session ended), kept until someone signs in. */
  say(text) {
    notice = text;
  },
  notice() {
    return notice;
  },
  refreshBanner,
  flush,
  render,
};

async function render() {
  const mine = ++renders;
  for (const fn of leaving) fn();
  leaving = [];
  const [name = '', arg = ''] = location.hash.replace(/^#\/?/, '').split('/');
  const user = api.current();
  renderHeader(name);
  refreshBanner();
  if (!user && name !== 'login') return app.go('#/login');
  if (user && (name === 'login' || !SCREENS[name])) return app.go(app.home());
  if (updateReady && (name === 'home' || name === 'board')) {
    location.reload();
    return undefined;
  }
  els.main.classList.toggle('main-wide', OFFICE.has(name));
  const view = h('div', { class: `screen screen-${name}` });
  replace(els.main, view);
  const ctx = {
    view, arg: decodeURIComponent(arg), app,
    alive: () => mine === renders,
    onLeave: (fn) => leaving.push(fn),
  };
  try {
    await (await screenOf(name))(ctx);
  } catch (err) {
    if (!ctx.alive()) return undefined;
    replace(view, h('h1', { class: 'screen-title', tabindex: '-1' }, t('error.title')),
      h('p', { role: 'alert', class: 'notice notice-error' }, i18n.errorText(err)),
      link(t('nav.home'), app.home(), 'btn btn-secondary'));
  }
  if (ctx.alive()) {
    const title = view.querySelector('.screen-title');
    document.title = `${title ? `${title.textContent} · ` : ''}${t('app.name')}`;
    if (title && document.activeElement === document.body) title.focus({ preventScroll: true });
  }
  return undefined;
}

/** The office and the leaders move between their screens from the header; the office finds a person
 * from any screen (a phone written any way, or a name). */
function officeNav(name) {
  if (!api.current()) return null;
  const links = NAV.filter((item) => api.hasRole(...item.roles));
  if (!links.length) return null;
  return h('nav', { class: 'nav', 'aria-label': t('nav.office') },
    links.map((item) => h('a', { href: item.href, class: 'nav-link', 'aria-current': item.covers.includes(name) ? 'page' : null },
      t(item.label))));
}

function searchBox() {
  if (!api.current() || !api.hasRole('supervisor', 'admin')) return null;
  const input = h('input', { type: 'search', id: 'find', name: 'q', class: 'search-input', autocomplete: 'off',
    placeholder: t('search.placeholder') });
  return h('form', {
    class: 'search', role: 'search',
    onsubmit: (event) => {
      event.preventDefault();
      const q = input.value.trim();
      if (q) app.go(`#/search/${encodeURIComponent(q)}`);
    },
  }, h('label', { for: 'find', class: 'visually-hidden' }, t('search.label')), input);
}

function renderHeader(name = '') {
  const user = api.current();
  const other = i18n.current() === 'hi' ? 'en' : 'hi';
  replace(els.header,
    h('a', { href: user ? app.home() : '#/login', class: 'brand' },
      h('img', { src: '/app/icon.svg', alt: '', width: '32', height: '32' }), h('span', {}, t('app.name'))),
    officeNav(name),
    h('span', { class: 'spacer' }),
    searchBox(),
    button(t('lang.switch'), switchLanguage, 'btn btn-header', { lang: other }),
    user ? button(t('nav.signout'), signOut, 'btn btn-header') : null);
}

async function switchLanguage() {
  await i18n.load(i18n.current() === 'hi' ? 'en' : 'hi');
  await render();
  els.header.querySelector('button')?.focus();
}

async function signOut() {
  const user = api.current();
  const { waiting } = await outbox.counts(user?.username);
  api.signOut();
  if (waiting) app.say(t('login.kept_on_phone', { count: waiting }));
  app.go('#/login');
}

async function refreshBanner() {
  const user = api.current();
  const { waiting, failed } = await outbox.counts(user?.username);
  const parts = [];
  if (!navigator.onLine) parts.push(h('p', { class: 'banner-text' }, h('span', { class: 'pill pill-offline' }, t('net.offline'))));
  if (waiting) {
    parts.push(h('p', { class: 'banner-text' }, t('outbox.waiting', { count: i18n.number(waiting) })),
      button(t('outbox.send_now'), () => flush(), 'btn btn-banner'));
  }
  if (failed) {
    parts.push(h('p', { class: 'banner-text' }, t('outbox.failed', { count: i18n.number(failed) })),
      link(t('outbox.see_why'), '#/outbox', 'btn btn-banner'));
  }
  els.banner.hidden = parts.length === 0;
  els.banner.dataset.waiting = String(waiting);
  replace(els.banner, parts);
}

/** Send what waits in the outbox; resolves with what happened. */
function flush() {
  const user = api.current();
  return outbox.flush(user?.username).finally(refreshBanner);
}

function onNetwork() {
  refreshBanner();
  if (navigator.onLine) flush();
}

function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  const updating = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    document.documentElement.dataset.offline = 'ready';
    if (updating) updateReady = true; // a new version: taken at the next home screen, never mid-call
  });
  navigator.serviceWorker.register('/sw.js', { scope: '/' })
    .then(() => navigator.serviceWorker.ready)
    .then(() => {
      if (navigator.serviceWorker.controller) document.documentElement.dataset.offline = 'ready';
    })
    .catch(() => {});
}

async function boot() {
  await i18n.load();
  api.onSessionEnd(() => {
    app.say(t('error.session_expired'));
    app.go('#/login');
  });
  window.addEventListener('hashchange', render);
  window.addEventListener('online', onNetwork);
  window.addEventListener('offline', onNetwork);
  outbox.onChange(refreshBanner);
  setInterval(() => {
    if (api.current()) flush();
  }, FLUSH_EVERY_MS);
  await render();
  if (api.current()) flush();
  registerWorker();
}

boot();
