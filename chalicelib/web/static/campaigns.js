// The office's campaigns (supervisors and admins): the list with its filters (kept for this tab) and
// programmes that arrived from the state or the centre listed apart. A campaign's own page (facts,
// activate and close, progress down its tree) is campaign_page.js.

import * as api from './api.js';
import * as i18n from './i18n.js';
import { button, h, heading, link, notice, replace } from './ui.js';

const t = i18n.t;
const STATUSES = ['draft', 'activating', 'active', 'closed'];
const KINDS = ['programme_relay', 'scheme', 'feedback'];
const FILTER_KEY = 'sampark.campaigns.filter';
const units = new Map();

export function isOffice() {
  return api.hasRole('supervisor', 'admin');
}

/** A unit's name (cached for this page), or its id when it cannot be read. */
export async function unitName(unitId) {
  if (!unitId) return '';
  if (!units.has(unitId)) units.set(unitId, api.get(`/units/${encodeURIComponent(unitId)}`).catch(() => null));
  const unit = await units.get(unitId);
  return unit ? `${i18n.pick(unit, 'name')} (${t(`level.${unit.level}`)})` : unitId;
}

function readFilter() {
  try {
    const kept = JSON.parse(sessionStorage.getItem(FILTER_KEY) || 'null') || {};
    return { status: STATUSES.includes(kept.status) ? kept.status : 'active', kind: KINDS.includes(kept.kind) ? kept.kind : '' };
  } catch {
    return { status: 'active', kind: '' };
  }
}

function dates(c) {
  return t('campaigns.dates', { from: i18n.day(c.starts_on), to: i18n.day(c.ends_on) });
}

/** A campaign's kind; verification campaigns (made by the follow-up of reported answers) included. */
export function kindLabel(kind) {
  return kind === 'verification' ? t('campaign_page.kind_verification') : t(`kind.${kind}`);
}

export function statusPill(status) {
  return h('span', { class: `pill pill-status pill-${status}` }, t(`status.${status}`));
}

function select(id, label, value, options, onchange) {
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('select', { id, name: id, onchange }, options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))));
}

async function progressCell(c) {
  if (c.status === 'draft') return h('span', { class: 'muted' }, t('campaigns.not_started'));
  if (c.status === 'activating') return h('span', {}, t('campaigns.preparing', { n: i18n.number(c.targets_created) }));
  try {
    const p = await api.get(`/campaigns/${encodeURIComponent(c.campaign_id)}/progress`);
    const label = t('campaigns.done_of', { completed: i18n.number(p.completed), targets: i18n.number(p.targets) });
    return h('span', { class: 'bar-line' },
      h('progress', { max: String(Math.max(p.targets, 1)), value: String(p.completed), 'aria-label': label }),
      h('span', { class: 'bar-text' }, label));
  } catch (err) {
    return h('span', { class: 'muted' }, i18n.errorText(err));
  }
}

async function row(c) {
  const [unit, progress] = await Promise.all([unitName(c.target_unit_id), progressCell(c)]);
  return h('tr', { 'data-campaign': c.campaign_id },
    h('td', { 'data-label': t('campaigns.col.title') },
      link(i18n.pick(c, 'title'), `#/campaign/${encodeURIComponent(c.campaign_id)}`, 'cell-link')),
    h('td', { 'data-label': t('campaigns.col.status') }, statusPill(c.status)),
    h('td', { 'data-label': t('campaigns.col.kind') }, kindLabel(c.kind)),
    h('td', { 'data-label': t('campaigns.col.target') }, unit),
    h('td', { 'data-label': t('campaigns.col.dates') }, dates(c)),
    h('td', { 'data-label': t('campaigns.col.progress'), class: 'cell-progress' }, progress));
}

async function table(items, caption) {
  const rows = await Promise.all(items.map(row));
  return h('table', { class: 'table' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, ['title', 'status', 'kind', 'target', 'dates', 'progress']
      .map((col) => h('th', { scope: 'col' }, t(`campaigns.col.${col}`))))),
    h('tbody', {}, rows));
}

/** Drafts of programmes published by the state (Bhopal) or the centre (Delhi), arrived by SNS. */
async function programmeDrafts() {
  const drafts = await api.get('/campaigns?status=draft&limit=100');
  const relays = drafts.items.filter((c) => c.kind === 'programme_relay');
  const full = await Promise.all(relays.map((c) => api.get(`/campaigns/${encodeURIComponent(c.campaign_id)}`)));
  return full.filter((c) => ['state', 'central'].includes(c.programme?.source));
}

async function drawProgrammes(body) {
  const found = await programmeDrafts();
  if (!found.length) return replace(body, h('p', { class: 'muted' }, t('campaigns.no_programmes')));
  return replace(body, h('ul', { class: 'list' }, await Promise.all(found.map(async (c) => h('li', {
    class: 'item programme', 'data-campaign': c.campaign_id,
  },
  h('p', { class: 'item-title' }, i18n.pick(c, 'title'), h('span', { class: 'pill pill-source' }, t(`source.${c.programme.source}`))),
  h('p', { class: 'muted' }, `${await unitName(c.target.unit_id)} · ${dates(c)}`),
  c.programme.deadline ? h('p', {}, t('campaigns.deadline', { when: `${i18n.dateTime(c.programme.deadline)} ${t('common.ist')}` })) : null,
  link(t('campaigns.open_programme'), `#/campaign-edit/${encodeURIComponent(c.campaign_id)}`, 'btn btn-secondary'))))));
}

export async function campaignsScreen(ctx) {
  if (!isOffice()) return ctx.app.go(ctx.app.home());
  const filter = readFilter();
  const listBody = h('div', { class: 'list-body', 'aria-live': 'polite' }, h('p', { class: 'muted' }, t('common.loading')));
  const progBody = h('div', {}, h('p', { class: 'muted' }, t('common.loading')));
  const apply = () => {
    filter.status = ctx.view.querySelector('#f-status').value;
    filter.kind = ctx.view.querySelector('#f-kind').value;
    sessionStorage.setItem(FILTER_KEY, JSON.stringify(filter));
    load(); // eslint-disable-line no-use-before-define
  };
  let cursor = null;
  let shown = [];
  let loads = 0;
  const load = async (more = false) => {
    const mine = ++loads; // a newer filter wins over an answer still on its way
    let items = more ? shown : [];
    let next = more ? cursor : null;
    if (!more) replace(listBody, h('p', { class: 'muted' }, t('common.loading')));
    try {
      let page;
      do { // a kind filter is applied here: keep reading until something shows or the list ends
        const q = new URLSearchParams({ status: filter.status, limit: '50' });
        if (next) q.set('cursor', next);
        page = await api.get(`/campaigns?${q}`);
        if (mine !== loads) return;
        next = page.next_cursor;
        items = items.concat(page.items.filter((c) => !filter.kind || c.kind === filter.kind));
      } while (!items.length && next);
      const caption = t('campaigns.caption', { status: t(`status.${filter.status}`) });
      const drawn = items.length ? await table(items, caption) : h('p', {}, t('campaigns.none'));
      if (!ctx.alive() || mine !== loads) return;
      shown = items;
      cursor = next;
      replace(listBody,
        h('p', { class: 'muted', 'data-testid': 'count' }, t('campaigns.count', { n: i18n.number(shown.length) })),
        drawn,
        cursor ? button(t('campaigns.more'), () => load(true), 'btn btn-secondary') : null);
    } catch (err) {
      if (ctx.alive() && mine === loads) replace(listBody, notice(i18n.errorText(err), 'error'));
    }
  };
  replace(ctx.view,
    h('div', { class: 'title-row' }, heading(t('campaigns.title')),
      link(t('campaigns.new'), '#/campaign-new', 'btn btn-primary')),
    h('section', { class: 'card', 'aria-labelledby': 'prog-h' },
      h('h2', { id: 'prog-h' }, t('campaigns.programmes')), h('p', { class: 'muted' }, t('campaigns.programmes_note')), progBody),
    h('section', { class: 'card', 'aria-labelledby': 'list-h' },
      h('h2', { id: 'list-h' }, t('campaigns.all')),
      h('div', { class: 'filters' },
        select('f-status', t('campaigns.filter_status'), filter.status, STATUSES.map((s) => [s, t(`status.${s}`)]), apply),
        select('f-kind', t('campaigns.filter_kind'), filter.kind, [['', t('campaigns.any_kind')], ...KINDS.map((k) => [k, t(`kind.${k}`)])], apply)),
      listBody));
  await Promise.all([
    load(),
    drawProgrammes(progBody).catch((err) => { if (ctx.alive()) replace(progBody, notice(i18n.errorText(err), 'error')); }),
  ]);
  return undefined;
}

// ---- shared with the campaign page and the editor ------------------------------------------------

/** A confirmation for what cannot be undone: a question, a consequence, yes or go back. */
export function confirmBox(question, consequence, yesLabel, onYes, onNo) {
  const box = h('section', { class: 'card confirm', role: 'alertdialog', 'aria-labelledby': 'confirm-h', 'aria-describedby': 'confirm-p' },
    h('h2', { id: 'confirm-h', tabindex: '-1' }, question),
    h('p', { id: 'confirm-p' }, consequence),
    h('div', { class: 'actions' },
      button(yesLabel, onYes, 'btn btn-primary btn-confirm'),
      button(t('campaigns.go_back'), onNo, 'btn btn-secondary')));
  return box;
}
