// The supervisor's live shift board: one GET /board per refresh (every 30 s by default, as the API
// says; none while the tab is hidden). The board reads counters, not call logs.

import * as api from './api.js';
import * as i18n from './i18n.js';
import { button, h, heading, notice, replace } from './ui.js';

const t = i18n.t;
const MIN_EVERY_S = 5;

function every(serverSeconds) {
  const asked = Number(new URLSearchParams(location.search).get('every'));
  if (Number.isFinite(asked) && asked >= MIN_EVERY_S) return asked; // a demo or a test may ask for faster
  return Math.max(Number(serverSeconds) || 30, MIN_EVERY_S);
}

function stat(label, value) {
  return h('div', {}, h('dt', {}, label), h('dd', {}, value));
}

function shiftLine(shift) {
  if (!shift?.rostered) return t('board.no_roster');
  const w = shift.window;
  if (!w) return t('board.no_shift_now');
  return t('shift.window', { shift: t(`shift.name.${w.shift}`), start: i18n.time(w.start), end: i18n.time(w.end) });
}

function agentCard(a, now) {
  const name = i18n.pick(a, 'name');
  const flags = [];
  if (a.on_leave) flags.push(h('span', { class: 'pill pill-warn' }, t('board.on_leave')));
  if (!a.rostered) flags.push(h('span', { class: 'pill' }, t('board.off_roster')));
  const seat = a.seat ? t('board.seat', { seat: a.seat }) : t(a.role === 'supervisor' ? 'board.supervisor' : 'board.no_seat');
  const cb = a.callbacks || {};
  return h('li', { class: 'item agent', 'data-agent': a.username },
    h('p', { class: 'item-title' }, name ? `${name} (${a.username})` : a.username, flags),
    h('p', { class: 'muted' }, `${seat}${a.room ? ` · ${i18n.pick(a.room, 'name')}` : ''}`),
    h('p', { class: 'agent-figures' }, t('board.agent_figures', { calls: i18n.number(a.calls), connects: i18n.number(a.connects) })),
    a.leases.map((l) => h('p', { class: 'lease' }, t('board.holding', {
      name: i18n.pick(l, 'name'), held: i18n.duration((now - Date.parse(l.leased_at)) / 1000),
      until: i18n.time(l.until),
    }))),
    cb.pending ? h('p', { class: 'muted' }, t('board.callbacks', {
      pending: `${i18n.number(cb.pending)}${cb.more ? '+' : ''}`, due: i18n.number(cb.due),
    })) : null);
}

function campaignCard(c) {
  const id = `cp-${c.campaign_id}`;
  return h('li', { class: 'item campaign', 'data-campaign': c.campaign_id },
    h('p', { class: 'item-title', id }, i18n.pick(c, 'title')),
    h('progress', { max: String(Math.max(c.targets, 1)), value: String(c.completed), 'aria-labelledby': id }),
    h('p', {}, t('board.completed', { completed: i18n.number(c.completed), targets: i18n.number(c.targets) })),
    h('p', { class: 'muted' }, t('board.campaign_figures', { attempts: i18n.number(c.attempts), connects: i18n.number(c.connects) })),
    h('dl', { class: 'coverage' }, c.coverage.filter((row) => row.targeted_units).map((row) => h('div', {},
      h('dt', {}, t(`level.${row.level}`)),
      h('dd', {}, t('board.reached', {
        reached: i18n.number(row.reached_units), targeted: i18n.number(row.targeted_units),
        share: Math.round((row.share || 0) * 100),
      }))))),
    escalations(c.escalations));
}

// Units nobody could reach, raised to the in-charge one level up: the reason, and whether anyone can be called.
function escalations(esc) {
  if (!esc?.items?.length) return null;
  return h('div', { class: 'escalations' },
    h('p', { class: 'item-title' }, t('board.escalations', { n: i18n.number(esc.items.length) + (esc.more ? '+' : '') })),
    h('ul', { class: 'list' }, esc.items.map((e) => h('li', { class: 'escalation', 'data-unit': e.unit_id },
      h('p', {}, i18n.pick(e, 'reason'),
        e.status === 'no_incharge' ? h('span', { class: 'pill pill-warn' }, t('board.no_incharge')) : null)))),
    esc.more ? h('p', { class: 'muted' }, t('board.escalations_more')) : null);
}

// Agents slowed down today for asking for new contacts faster than anyone can dial.
function pacingCard(pacing) {
  if (!pacing?.length) return null;
  return h('section', { class: 'card pacing', 'aria-labelledby': 'b-pacing' },
    h('h2', { id: 'b-pacing' }, t('board.pacing')),
    h('p', { class: 'muted' }, t('board.pacing_note')),
    h('ul', { class: 'list' }, pacing.map((p) => {
      const name = i18n.pick(p, 'name');
      return h('li', { class: 'item', 'data-pacing': p.username },
        h('p', { class: 'item-title' }, name ? `${name} (${p.username})` : p.username),
        h('p', {}, t('board.pacing_line', { count: i18n.number(p.count), time: `${i18n.time(p.last_at)} ${t('common.ist')}` })));
    })));
}

function draw(body, data) {
  const now = Date.parse(data.at);
  const tot = data.totals;
  replace(body,
    h('section', { class: 'card', 'aria-labelledby': 'b-shift' }, h('h2', { id: 'b-shift' }, t('board.shift')),
      h('p', { class: 'big' }, shiftLine(data.shift)),
      h('dl', { class: 'stats' },
        stat(t('board.on_duty'), i18n.number(tot.on_duty)), stat(t('today.calls'), i18n.number(tot.calls)),
        stat(t('today.connects'), i18n.number(tot.connects)), stat(t('board.leases'), i18n.number(tot.leases)),
        stat(t('board.callbacks_pending'), i18n.number(tot.callbacks_pending)),
        stat(t('board.callbacks_due'), i18n.number(tot.callbacks_due)))),
    pacingCard(data.pacing),
    h('section', { class: 'card', 'aria-labelledby': 'b-agents' }, h('h2', { id: 'b-agents' }, t('board.agents')),
      data.agents.length ? h('ul', { class: 'list' }, data.agents.map((a) => agentCard(a, now)))
        : h('p', {}, t('board.no_agents'))),
    h('section', { class: 'card', 'aria-labelledby': 'b-campaigns' }, h('h2', { id: 'b-campaigns' }, t('board.campaigns')),
      data.campaigns.length ? h('ul', { class: 'list' }, data.campaigns.map(campaignCard))
        : h('p', {}, t('home.no_campaigns'))));
}

export async function boardScreen(ctx) {
  const updated = h('p', { class: 'muted', 'data-testid': 'board-updated' });
  const body = h('div', {}, h('p', { class: 'muted' }, t('common.loading')));
  const status = h('div', {});
  let timer = null;
  let last = 0;
  let seconds = every(30);
  replace(ctx.view, heading(t('board.title')), updated,
    button(t('board.refresh'), () => load(), 'btn btn-secondary btn-block'), status, body);

  async function load() {
    clearTimeout(timer);
    try {
      const data = await api.get('/board');
      if (!ctx.alive()) return;
      seconds = every(data.refresh_s);
      last = Date.now();
      draw(body, data);
      replace(status);
      updated.textContent = t('board.updated', { time: `${i18n.time(data.at)} ${t('common.ist')}`, seconds });
      ctx.view.dataset.loads = String(Number(ctx.view.dataset.loads || 0) + 1);
    } catch (err) {
      if (!ctx.alive()) return;
      replace(status, notice(i18n.errorText(err), 'error'));
    }
    schedule(seconds * 1000);
  }

  function schedule(ms) {
    clearTimeout(timer);
    if (!document.hidden && ctx.alive()) timer = setTimeout(load, ms);
  }

  const onVisibility = () => {
    if (document.hidden) clearTimeout(timer);
    else schedule(Math.max(0, last + seconds * 1000 - Date.now()));
  };
  document.addEventListener('visibilitychange', onVisibility);
  ctx.onLeave(() => {
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisibility);
  });
  await load();
}
