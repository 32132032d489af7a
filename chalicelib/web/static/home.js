// The agent's home: my shift today, my figures today, calls I hold, my callbacks, and the active
// campaigns I may work. Each panel loads on its own; offline, the last answers of this tab are shown.

import * as api from './api.js';
import * as i18n from './i18n.js';
import { heldCalls } from './call.js';
import { h, heading, link, notice, replace } from './ui.js';

const t = i18n.t;
const SHIFT_TIMES = new Set(['on_duty', 'upcoming', 'finished']);

function panel(id, title) {
  const body = h('div', { class: 'panel-body' }, h('p', { class: 'muted' }, t('common.loading')));
  const section = h('section', { class: 'card panel', 'aria-labelledby': id }, h('h2', { id }, title), body);
  return { section, body };
}

async function fill(ctx, body, path, draw, onMissing = null) {
  try {
    const { data, stale, at } = await api.getCached(path);
    if (!ctx.alive()) return;
    replace(body, stale ? notice(t('common.stale', { time: i18n.time(at) }), 'warn') : null, draw(data));
  } catch (err) {
    if (!ctx.alive()) return;
    if (onMissing && (err.status === 403 || err.status === 404)) replace(body, onMissing());
    else replace(body, notice(i18n.errorText(err), 'error'));
  }
}

function shiftWindow(w) {
  return t('shift.window', { shift: t(`shift.name.${w.shift}`), start: i18n.time(w.start), end: i18n.time(w.end) });
}

export function drawShift(data) {
  const today = data.today || {};
  const out = [];
  const rostered = data.periods?.current?.revision;
  if (hasTimes(today)) {
    out.push(h('p', { class: 'big' }, shiftWindow(today)), h('p', {}, t(`shift.state.${today.state}`)));
    const facts = h('dl', { class: 'facts' });
    if (today.seat) {
      const room = today.room ? ` · ${i18n.pick(today.room, 'name')}` : '';
      facts.append(h('dt', {}, t('shift.seat')), h('dd', {}, `${today.seat}${room}`));
    }
    if (today.partner) {
      const name = i18n.pick(today.partner, 'name') || today.partner.username;
      facts.append(h('dt', {}, t('shift.partner')), h('dd', {}, name));
    }
    if (facts.childElementCount) out.push(facts);
  } else if (!rostered && today.state === 'not_rostered') {
    out.push(h('p', {}, t('shift.no_roster')));
  } else {
    out.push(h('p', {}, t(`shift.state.${today.state || 'not_rostered'}`)));
  }
  if (data.next && data.next.start !== today.start) {
    out.push(h('p', { class: 'muted' }, t('shift.next', { day: i18n.day(data.next.date), window: shiftWindow(data.next) })));
  }
  return out;
}

function hasTimes(today) {
  return SHIFT_TIMES.has(today.state) && today.start && today.end;
}

function drawToday(data) {
  return h('dl', { class: 'stats' },
    h('div', {}, h('dt', {}, t('today.calls')), h('dd', {}, i18n.number(data.calls))),
    h('div', {}, h('dt', {}, t('today.connects')), h('dd', {}, i18n.number(data.connects))),
    h('div', {}, h('dt', {}, t('today.talk')), h('dd', {}, i18n.duration(data.talk_s))));
}

function drawCampaigns(data) {
  if (!data.items?.length) return h('p', {}, t('home.no_campaigns'));
  const today = i18n.istToday();
  return h('ul', { class: 'list' }, data.items.map((c) => h('li', { class: 'item' },
    h('p', { class: 'item-title' }, i18n.pick(c, 'title')),
    h('p', { class: 'muted' }, `${t(`kind.${c.kind}`)} · ${t('home.until', { day: i18n.day(c.ends_on) })}`),
    c.starts_on > today ? h('p', {}, t('home.starts', { day: i18n.day(c.starts_on) }))
      : link(t('home.start_calling'), `#/call/${encodeURIComponent(c.campaign_id)}`, 'btn btn-primary btn-block'))));
}

function drawCallbacks(data) {
  if (!data.items?.length) return h('p', {}, t('home.no_callbacks'));
  const now = new Date().toISOString();
  return h('ul', { class: 'list' }, data.items.map((cb) => {
    const due = cb.callback_at <= now;
    return h('li', { class: 'item' },
      h('p', { class: 'item-title' }, i18n.pick(cb, 'name'), due ? h('span', { class: 'pill pill-due' }, t('home.due')) : null),
      h('p', { class: 'muted' }, `${t(`role.${cb.role}`)} · ${i18n.dateTime(cb.callback_at)} ${t('common.ist')}`),
      due ? link(t('home.call_back_now'), `#/call/${encodeURIComponent(cb.campaign_id)}`, 'btn btn-secondary btn-block')
        : null);
  }));
}

function drawHeld() {
  const held = Object.values(heldCalls());
  if (!held.length) return null;
  return h('section', { class: 'card panel panel-held', 'aria-labelledby': 'held-h' },
    h('h2', { id: 'held-h' }, t('home.held')),
    h('ul', { class: 'list' }, held.map((entry) => h('li', { class: 'item' },
      link(t('home.resume', { name: entry.screen.contact.name }), `#/call/${encodeURIComponent(entry.screen.campaign.campaign_id)}`,
        'btn btn-primary btn-block')))));
}

export async function homeScreen(ctx) {
  if (!api.hasRole('agent')) {
    if (api.hasRole('supervisor', 'admin')) return ctx.app.go('#/board');
    replace(ctx.view, heading(t('home.title_other')), h('p', { class: 'lead' }, t('home.not_for_role')));
    return undefined;
  }
  const user = api.current();
  const shift = panel('shift-h', t('home.shift'));
  const today = panel('today-h', t('home.today'));
  const campaigns = panel('campaigns-h', t('home.campaigns'));
  const callbacks = panel('callbacks-h', t('home.callbacks'));
  replace(ctx.view, heading(t('home.hello', { name: user.username })), drawHeld(), shift.section, today.section,
    campaigns.section, callbacks.section,
    link(t('home.my_calls'), '#/calls', 'btn btn-secondary btn-block'));
  await Promise.all([
    fill(ctx, shift.body, '/me/shift', drawShift, () => h('p', {}, t('shift.no_roster'))),
    fill(ctx, today.body, '/me/today', drawToday),
    fill(ctx, campaigns.body, '/campaigns', drawCampaigns),
    fill(ctx, callbacks.body, '/me/callbacks', drawCallbacks),
  ]);
  return undefined;
}
