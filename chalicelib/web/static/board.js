// The supervisors' wall board (issue 15, point 6): laid out for a 1920×1080 screen in the supervisors'
// room, readable from across it, still usable at 1280 px and on a 360 px phone. One GET /board per
// refresh (every 15 s by default, as the API says; none while the tab is hidden). It shows:
// a seat map of every room and seat of the settings with who sits there this shift and their state
// (on a call, idle, on break, absent: each written out, never colour alone), today's figures, each
// active campaign's progress as charts, open escalations and pacing events, and the agents not at a
// seat in a compact list of 100 a page (`#/board/<cursor>` is the next page) — the states and figures
// count every agent, 1,000 or more.

import * as api from './api.js';
import { barChart } from './charts.js';
import * as i18n from './i18n.js';
import { button, h, heading, link, notice, replace } from './ui.js';

const t = i18n.t;
const MIN_EVERY_S = 5;
const STATES = ['on_call', 'idle', 'on_break', 'absent', 'off_shift'];

function every(serverSeconds) {
  const asked = Number(new URLSearchParams(location.search).get('every'));
  if (Number.isFinite(asked) && asked >= MIN_EVERY_S) return asked; // a demo or a test may ask for faster
  return Math.max(Number(serverSeconds) || 15, MIN_EVERY_S);
}

function shiftLine(shift) {
  if (!shift?.rostered) return t('board.no_roster');
  const w = shift.window;
  if (!w) return t('board.no_shift_now');
  return t('shift.window', { shift: t(`shift.name.${w.shift}`), start: i18n.time(w.start), end: i18n.time(w.end) });
}

function nameOf(a) {
  return i18n.pick(a, 'name') || a.username;
}

function tile(label, value, cls = '') {
  return h('div', { class: `wall-tile ${cls}` }, h('dt', {}, label), h('dd', {}, value));
}

// The five states, with how many agents are in each: the legend of the seat map as well.
function stateTiles(states) {
  return h('dl', { class: 'wall-states', 'aria-label': t('board.wall_states') },
    STATES.map((s) => tile(t(`board.state_${s}`), i18n.number(states[s]), `state state-${s}`)));
}

function figuresCard(data) {
  const tot = data.totals;
  return h('section', { class: 'card wall-figures', 'aria-labelledby': 'b-today' },
    h('h2', { id: 'b-today' }, t('board.wall_today')),
    h('dl', { class: 'wall-numbers' },
      tile(t('board.on_duty'), i18n.number(tot.on_duty)), tile(t('today.calls'), i18n.number(tot.calls)),
      tile(t('today.connects'), i18n.number(tot.connects)),
      tile(t('today.talk'), i18n.duration(tot.talk_s)),
      tile(t('board.callbacks_due'), i18n.number(tot.callbacks_due)),
      tile(t('board.callbacks_pending'), i18n.number(tot.callbacks_pending)),
      tile(t('board.late_today'), i18n.number(tot.late)),
      tile(t('board.flags_today'), tot.flags ? h('a', { href: `#/flags/${data.date}` }, i18n.number(tot.flags)) : i18n.number(tot.flags))));
}

/** Today's first activity, in words; "late by N min" written out when it came after the grace. */
function arrival(a, cls) {
  if (!a.first_at) return null;
  return h('span', { class: cls, 'data-late': a.late_min ? String(a.late_min) : null },
    t('board.first_at', { time: i18n.time(a.first_at) }),
    a.late_min ? h('span', { class: 'late' }, t('board.late_by', { min: i18n.number(a.late_min) })) : null);
}

function flagsLink(a, date) {
  if (!a.flags_n) return null;
  return h('a', { class: 'agent-flags', href: `#/flags/${date}?agent=${encodeURIComponent(a.username)}` },
    t('board.flags', { n: i18n.number(a.flags_n) }));
}

function seatTile(seat, date) {
  const a = seat.agent;
  if (!a) {
    return h('li', { class: 'seat seat-empty', 'data-seat': seat.seat },
      h('span', { class: 'seat-id' }, seat.seat), h('span', { class: 'seat-state' }, t('board.seat_empty')));
  }
  return h('li', { class: `seat state-${a.state}`, 'data-seat': seat.seat, 'data-agent': a.username, 'data-state': a.state },
    h('span', { class: 'seat-id' }, seat.seat),
    h('span', { class: 'seat-name' }, nameOf(a)),
    h('span', { class: 'seat-state' }, t(`board.state_${a.state}`)),
    h('span', { class: 'seat-figures' }, t('board.seat_figures', { calls: i18n.number(a.calls), connects: i18n.number(a.connects) })),
    arrival(a, 'seat-arrival'),
    a.flags_n ? h('span', { class: 'seat-flags' }, flagsLink(a, date)) : null);
}

function seatMap(rooms, date) {
  return h('section', { class: 'card wall-seats', 'aria-labelledby': 'b-seats' },
    h('h2', { id: 'b-seats' }, t('board.seat_map')),
    rooms.map((room) => {
      const taken = room.seats.filter((s) => s.agent).length;
      const id = `b-room-${room.room_id}`;
      return h('section', { class: 'room', 'data-room': room.room_id, 'aria-labelledby': id },
        h('h3', { id }, `${i18n.pick(room, 'name')} · ${t('board.room_taken', { taken: i18n.number(taken), seats: i18n.number(room.seats.length) })}`),
        h('ul', { class: 'seats' }, room.seats.map((seat) => seatTile(seat, date))));
    }));
}

// Units nobody could reach, raised to the in-charge one level up: the campaign, the reason.
function escalationsCard(esc) {
  const items = esc?.items || [];
  return h('section', { class: 'card wall-escalations', 'aria-labelledby': 'b-esc' },
    h('h2', { id: 'b-esc' }, t('board.escalations', { n: i18n.number(items.length) + (esc?.more ? '+' : '') })),
    items.length ? h('ul', { class: 'list' }, items.map((e) => h('li', { class: 'escalation', 'data-unit': e.unit_id, 'data-campaign': e.campaign_id },
      h('p', { class: 'item-title' }, i18n.pick(e, 'title')),
      h('p', {}, i18n.pick(e, 'reason'),
        e.status === 'no_incharge' ? h('span', { class: 'pill pill-warn' }, t('board.no_incharge')) : null))))
      : h('p', { class: 'muted' }, t('board.no_escalations')),
    esc?.more ? h('p', { class: 'muted' }, t('board.escalations_more')) : null);
}

// Agents slowed down today for asking for new contacts faster than anyone can dial.
function pacingCard(pacing) {
  return h('section', { class: 'card pacing', 'aria-labelledby': 'b-pacing' },
    h('h2', { id: 'b-pacing' }, t('board.pacing')),
    pacing?.length ? [h('p', { class: 'muted' }, t('board.pacing_note')),
      h('ul', { class: 'list' }, pacing.map((p) => h('li', { class: 'item', 'data-pacing': p.username },
        h('p', { class: 'item-title' }, nameOf(p)),
        h('p', {}, t('board.pacing_line', { count: i18n.number(p.count), time: `${i18n.time(p.last_at)} ${t('common.ist')}` })))))]
      : h('p', { class: 'muted' }, t('board.no_pacing')));
}

/** Today's answers of one campaign, a short line per answered question: yes/no, the leading choice, the sum. */
function answersToday(c) {
  const n = i18n.number;
  const lines = (c.answers_today || []).filter((a) => a.answered).map((a) => {
    const q = i18n.pick(a, 'text');
    let said;
    if (a.kind === 'yes_no') said = t('board.ans_yes', { yes: n(a.yes), answered: n(a.answered) });
    else if (a.kind === 'choice') {
      const [value, count] = Object.entries(a.choices).sort((x, y) => y[1] - x[1])[0] || ['', 0];
      said = t('board.ans_choice', { choice: a.labels?.[value] ? i18n.pick(a.labels[value], 'label') : value, n: n(count), answered: n(a.answered) });
    } else if (a.kind === 'number') said = t('board.ans_sum', { sum: n(a.sum), answered: n(a.answered) });
    else said = t('board.ans_text', { answered: n(a.answered) });
    return h('li', { 'data-question': a.id }, h('span', { class: 'wall-ans-q' }, q), ' ', h('strong', {}, said));
  });
  return lines.length ? h('ul', { class: 'wall-answers', 'aria-label': t('board.answers_today') }, lines) : null;
}

function campaignsCard(campaigns) {
  const reached = campaigns.map((c) => ({ c, row: (c.coverage || []).filter((r) => r.targeted_units).pop() }))
    .filter((x) => x.row);
  return h('section', { class: 'card wall-campaigns', 'aria-labelledby': 'b-campaigns' },
    h('h2', { id: 'b-campaigns' }, t('board.campaigns')),
    campaigns.length ? [
      barChart({
        title: t('board.chart_completed', { n: i18n.number(campaigns.length) }), id: 'b-chart-completed',
        columns: [t('board.campaign'), t('board.completed_column')],
        rows: campaigns.map((c) => ({ label: i18n.pick(c, 'title'), value: c.completed, total: c.targets, id: c.campaign_id, href: `#/campaign/${c.campaign_id}` })),
      }),
      reached.length ? barChart({
        title: t('board.chart_reached'), id: 'b-chart-reached', tone: 'blue',
        columns: [t('board.campaign'), t('board.reached_column')],
        rows: reached.map(({ c, row }) => ({ label: `${i18n.pick(c, 'title')} · ${t(`level.${row.level}`)}`, value: row.reached_units, total: row.targeted_units, id: c.campaign_id })),
      }) : null,
      h('ul', { class: 'wall-campaign-list' }, campaigns.map((c) => h('li', { 'data-campaign': c.campaign_id },
        h('span', { class: 'item-title' }, i18n.pick(c, 'title')), ' ',
        h('span', { class: 'muted' }, t('board.campaign_figures', { attempts: i18n.number(c.attempts), connects: i18n.number(c.connects) })),
        c.open_escalations ? h('span', { class: 'pill pill-warn' }, t('board.open_escalations', { n: i18n.number(c.open_escalations) })) : null,
        answersToday(c)))),
    ] : h('p', { class: 'muted' }, t('home.no_campaigns')));
}

function agentRow(a, now, date) {
  const lease = a.lease;
  const where = a.seat ? t('board.seat', { seat: a.seat }) : t(a.role === 'supervisor' ? 'board.supervisor' : a.on_shift ? 'board.no_seat' : 'board.off_roster');
  const cb = a.callbacks || {};
  return h('li', { class: `agent state-${a.state}`, 'data-agent': a.username, 'data-state': a.state },
    h('span', { class: 'agent-name' }, nameOf(a)),
    h('span', { class: 'agent-state' }, t(`board.state_${a.state}`)),
    h('span', { class: 'muted' }, where),
    h('span', { class: 'agent-figures' }, t('board.agent_figures', { calls: i18n.number(a.calls), connects: i18n.number(a.connects) })),
    arrival(a, 'agent-arrival'),
    a.first_at ? h('span', { class: 'agent-active' }, t('board.active', {
      hours: i18n.number(Math.round((a.active_s || 0) / 360) / 10), gaps: i18n.number(a.idle_n || 0),
    })) : null,
    flagsLink(a, date),
    lease ? h('span', { class: 'lease' }, t('board.on_call_for', { held: i18n.duration((now - Date.parse(lease.leased_at)) / 1000) })) : null,
    cb.pending ? h('span', { class: 'muted' }, t('board.callbacks', { pending: `${i18n.number(cb.pending)}${cb.more ? '+' : ''}`, due: i18n.number(cb.due) })) : null);
}

// Agents not at a seat of this shift (supervisors, overrides, the other shift): compact, 100 a page.
function othersCard(data, cursor) {
  const now = Date.parse(data.at);
  const others = data.agents.filter((a) => !a.seat);
  return h('section', { class: 'card wall-others', 'aria-labelledby': 'b-agents' },
    h('h2', { id: 'b-agents' }, t('board.not_seated', { n: i18n.number(data.totals.agents) })),
    others.length ? h('ul', { class: 'agents' }, others.map((a) => agentRow(a, now, data.date)))
      : h('p', { class: 'muted' }, data.totals.agents ? t('board.all_seated') : t('board.no_agents')),
    h('p', { class: 'wall-pages' },
      cursor ? link(t('board.first_page'), '#/board', 'btn btn-secondary') : null,
      data.agents_cursor ? link(t('board.next_page'), `#/board/${encodeURIComponent(data.agents_cursor)}`, 'btn btn-secondary') : null));
}

function draw(body, data, cursor) {
  replace(body,
    h('p', { class: 'wall-shift' }, shiftLine(data.shift)),
    stateTiles(data.states),
    h('div', { class: 'wall-grid' },
      h('div', { class: 'wall-main' }, seatMap(data.rooms, data.date)),
      h('div', { class: 'wall-side' }, figuresCard(data), campaignsCard(data.campaigns),
        escalationsCard(data.escalations), pacingCard(data.pacing), othersCard(data, cursor))));
}

export async function boardScreen(ctx) {
  const cursor = ctx.arg || '';
  const updated = h('p', { class: 'muted wall-updated', 'data-testid': 'board-updated' });
  const body = h('div', { class: 'wall' }, h('p', { class: 'muted' }, t('common.loading')));
  const status = h('div', {});
  let timer = null;
  let last = 0;
  let seconds = every(15);
  replace(ctx.view, h('div', { class: 'wall-head' }, heading(t('board.title')), updated,
    button(t('board.refresh'), () => load(), 'btn btn-secondary')), status, body);

  async function load() {
    clearTimeout(timer);
    try {
      const data = await api.get(`/board${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
      if (!ctx.alive()) return;
      seconds = every(data.refresh_s);
      last = Date.now();
      draw(body, data, cursor);
      replace(status);
      updated.textContent = t('board.updated', { time: `${i18n.time(data.at)} ${t('common.ist')}`, seconds: i18n.number(seconds) });
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
