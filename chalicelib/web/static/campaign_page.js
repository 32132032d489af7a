// The campaign page (supervisors and admins; leaders read it without its actions): the campaign's
// facts, activate and close behind confirmations, and its progress at one unit of its tree — a bar per
// child unit (go down a level), coverage per level, calls by outcome, attempts; for a programme relay
// the relay tree; the answers per question (a bar per choice, the yes share per child unit, sums per
// child unit); escalations with whom to call (the office only). The unit in view is in the hash
// (#/campaign/<id>@<unit>), so back and forward move between levels. While the campaign is activating
// or active the page reads GET /campaigns/{id}/overview again: one request per refresh (every 30 s, as
// the API says; `?every=N` asks for faster; none while the tab is hidden).

import * as api from './api.js';
import * as i18n from './i18n.js';
import { barChart } from './charts.js';
import { confirmBox, isOffice, kindLabel, statusPill } from './campaigns.js';
import { button, h, heading, link, notice, replace } from './ui.js';

const t = i18n.t;
const MIN_EVERY_S = 2;
const ACTIVATING_POLL_MS = 1000;
const enc = encodeURIComponent;

export const isLeader = () => api.hasRole('state_leader', 'central_leader');

/** The hash of a campaign at a unit (the campaign's own target when no unit is given). */
export function pageHref(campaignId, unitId = null) {
  return `#/campaign/${enc(campaignId)}${unitId ? `@${enc(unitId)}` : ''}`;
}

function every(serverSeconds) {
  const asked = Number(new URLSearchParams(location.search).get('every'));
  if (Number.isFinite(asked) && asked >= MIN_EVERY_S) return asked; // a demo or a test may ask for faster
  return Math.max(Number(serverSeconds) || 30, MIN_EVERY_S);
}

function plural(level) {
  return {
    district: t('campaign_page.pl.district'), assembly: t('campaign_page.pl.assembly'),
    mandal: t('campaign_page.pl.mandal'), shakti_kendra: t('campaign_page.pl.shakti_kendra'),
    booth: t('campaign_page.pl.booth'),
  }[level] || t('campaign_page.pl.unit');
}

function relayState(state) {
  return {
    not_targeted: t('campaign_page.relay_state.not_targeted'), not_reached: t('campaign_page.relay_state.not_reached'),
    received: t('campaign_page.relay_state.received'), passed_on: t('campaign_page.relay_state.passed_on'),
    confirmed_below: t('campaign_page.relay_state.confirmed_below'),
  }[state] || state;
}

function escalationStatus(status) {
  return {
    open: t('campaign_page.esc_status.open'), resolved: t('campaign_page.esc_status.resolved'),
    no_incharge: t('campaign_page.esc_status.no_incharge'),
  }[status] || status;
}

const unitLabel = (u) => `${i18n.pick(u, 'name')}${u.level ? ` (${t(`level.${u.level}`)})` : ''}`;
const when = (iso) => `${i18n.dateTime(iso)} ${t('common.ist')}`;

function stat(label, value, id) {
  return h('div', { 'data-stat': id }, h('dt', {}, label), h('dd', {}, value));
}

// ---- the campaign's facts, its activation, its actions -----------------------------------------

function facts(c, target) {
  const row = (label, value) => h('div', {}, h('dt', {}, label), h('dd', {}, value));
  return h('dl', { class: 'facts' },
    row(t('campaigns.col.status'), statusPill(c.status)),
    row(t('campaigns.col.kind'), kindLabel(c.kind)),
    row(t('campaigns.col.target'), target ? unitLabel(target) : c.target_unit_id),
    row(t('form.roles'), c.target_roles.map((r) => t(`role.${r}`)).join(', ')),
    row(t('campaigns.col.dates'), t('campaigns.dates', { from: i18n.day(c.starts_on), to: i18n.day(c.ends_on) })),
    row(t('form.hours'), `${c.calling_hours.start}–${c.calling_hours.end} ${t('common.ist')}`),
    c.source ? row(t('campaigns.source'), t(`source.${c.source}`)) : null,
    c.deadline ? row(t('campaign_page.deadline'), when(c.deadline)) : null);
}

function activationLine(c) {
  if (c.status === 'draft') return null;
  const n = i18n.number(c.targets_created);
  return h('p', { class: 'big', 'data-testid': 'activation' },
    c.status === 'activating' ? t('campaigns.activating_n', { n }) : t('campaigns.activated_n', { n }));
}

// ---- progress at the unit in view ---------------------------------------------------------------

function breadcrumb(ov) {
  const id = ov.campaign.campaign_id;
  const last = ov.breadcrumb.length - 1;
  return h('nav', { class: 'cp-crumbs', 'aria-label': t('campaign_page.levels_nav') },
    h('ol', {}, ov.breadcrumb.map((u, i) => h('li', {}, i === last
      ? h('span', { 'aria-current': 'page', class: 'cp-crumb-here' }, unitLabel(u))
      : link(unitLabel(u), pageHref(id, i === 0 ? null : u.unit_id), 'cp-crumb')))));
}

function figures(ov) {
  const p = ov.progress;
  return h('dl', { class: 'stats', 'data-testid': 'cp-figures' },
    stat(t('campaign_page.targets'), i18n.number(p.targets), 'targets'),
    stat(t('campaign_page.completed'), i18n.number(p.completed), 'completed'),
    stat(t('campaign_page.remaining'), i18n.number(p.remaining), 'remaining'),
    stat(t('campaign_page.attempts'), i18n.number(p.attempts), 'attempts'),
    stat(t('today.connects'), i18n.number(p.connects), 'connects'),
    stat(t('today.talk'), i18n.duration(p.talk_s), 'talk'),
    stat(t('campaign_page.today_attempts'), i18n.number(ov.today.attempts), 'today_attempts'),
    stat(t('campaign_page.today_connects'), i18n.number(ov.today.connects), 'today_connects'));
}

function childCharts(ov) {
  const kids = ov.children.items;
  if (!kids.length) return [];
  const id = ov.campaign.campaign_id;
  const where = plural(ov.children.level);
  const done = kids.reduce((s, k) => s + k.completed, 0);
  const targets = kids.reduce((s, k) => s + k.targets, 0);
  const attempts = kids.reduce((s, k) => s + k.attempts, 0);
  const rows = (value, total) => kids.map((k) => ({
    id: k.unit_id, label: i18n.pick(k, 'name'), value: value(k), total: total ? total(k) : undefined,
    href: pageHref(id, k.unit_id),
  }));
  return [
    barChart({
      id: 'cp-children', title: t('campaign_page.children_done', { done: i18n.number(done), targets: i18n.number(targets), where }),
      rows: rows((k) => k.completed, (k) => k.targets), columns: [t(`level.${ov.children.level}`), t('campaign_page.done_of_targets')],
    }),
    barChart({
      id: 'cp-attempts', tone: 'blue', title: t('campaign_page.children_attempts', { n: i18n.number(attempts), where }),
      rows: rows((k) => k.attempts), columns: [t(`level.${ov.children.level}`), t('campaign_page.attempts')],
    }),
    ov.children.next_cursor ? h('p', { class: 'muted' }, t('campaign_page.children_more', { n: i18n.number(kids.length) })) : null,
  ];
}

function coverageChart(ov) {
  const rows = ov.progress.coverage.filter((c) => c.targeted_units && c.level !== ov.unit.level);
  const lowest = rows[rows.length - 1];
  return barChart({
    id: 'cp-coverage',
    title: lowest ? t('campaign_page.coverage_title', {
      reached: i18n.number(lowest.reached_units), targeted: i18n.number(lowest.targeted_units), where: plural(lowest.level),
    }) : t('campaign_page.coverage_none'),
    rows: rows.map((c) => ({ id: c.level, label: plural(c.level), value: c.reached_units, total: c.targeted_units })),
    columns: [t('campaign_page.level'), t('campaign_page.reached_of_targeted')],
  });
}

function outcomesChart(ov) {
  const by = ov.progress.by_disposition;
  const rows = Object.keys(by).filter((d) => by[d]).sort((a, b) => by[b] - by[a])
    .map((d) => ({ id: d, label: t(`disposition.${d}`), value: by[d] }));
  const connected = by.connected || 0;
  return barChart({
    id: 'cp-outcomes', tone: 'amber',
    title: t('campaign_page.outcomes_title', { connected: i18n.number(connected), attempts: i18n.number(ov.progress.attempts) }),
    rows, columns: [t('campaign_page.outcome'), t('campaign_page.calls')],
  });
}

function progressSection(ov) {
  return h('section', { class: 'card', 'aria-labelledby': 'cp-progress-h' },
    h('h2', { id: 'cp-progress-h' }, t('campaign_page.progress_at', { unit: unitLabel(ov.unit) })),
    breadcrumb(ov),
    figures(ov),
    h('div', { class: 'cp-charts' }, childCharts(ov), ov.unit.level === 'booth' ? null : coverageChart(ov), outcomesChart(ov)));
}

// ---- answers: what the people called said, counted per question (the counters' tallies) -----------

function qText(q) {
  return i18n.pick(q, 'text');
}

/** One chart (or line) per question: a bar per choice, the yes share per child unit, sums per child
 * (the leaders' dashboard draws the same, with its own id prefix per campaign). */
export function answerChart(ov, q, prefix = 'cp-ans') {
  const a = ov.answers[q.id];
  if (!a) return null;
  const kids = ov.children.items;
  const where = plural(ov.children.level);
  const cid = ov.campaign.campaign_id;
  const perUnit = q.per === 'unit';
  const n = i18n.number;
  const id = `${prefix}-${q.id}`;
  const childRows = (value, total) => kids.map((k) => ({
    id: k.unit_id, label: i18n.pick(k, 'name'), value: value(k.answers[q.id] || {}), total: total ? total(k.answers[q.id] || {}) : undefined,
    href: pageHref(cid, k.unit_id),
  }));
  if (q.kind === 'yes_no') {
    const title = t(perUnit ? 'campaign_page.ans_yes_units' : 'campaign_page.ans_yes_people',
      { q: qText(q), yes: n(a.yes), answered: n(a.answered) });
    const rows = kids.length ? childRows((x) => x.yes || 0, (x) => x.answered || 0)
      : [{ id: 'yes', label: t('common.yes'), value: a.yes, total: a.answered }, { id: 'no', label: t('common.no'), value: a.no, total: a.answered }];
    return barChart({ id, title, rows, columns: [kids.length ? t(`level.${ov.children.level}`) : t('campaign_page.ans_answer'), t('campaign_page.ans_yes_of')] });
  }
  if (q.kind === 'choice') {
    const rows = (q.choices || []).map((c) => ({ id: c.value, label: i18n.pick(c, 'label'), value: a.choices[c.value] || 0, total: a.answered }));
    const top = [...rows].sort((x, y) => y.value - x.value)[0];
    const title = a.answered && top ? t('campaign_page.ans_choice_top', { q: qText(q), choice: top.label, n: n(top.value), answered: n(a.answered) })
      : t('campaign_page.ans_none', { q: qText(q) });
    return barChart({ id, title, rows, tone: 'blue', columns: [t('campaign_page.ans_answer'), t('campaign_page.ans_count')] });
  }
  if (q.kind === 'number') {
    const title = a.answered ? t('campaign_page.ans_sum', { q: qText(q), sum: n(a.sum), answered: n(a.answered) })
      : t('campaign_page.ans_none', { q: qText(q) });
    const range = a.answered && a.min !== null && a.min !== undefined
      ? h('p', { class: 'muted', 'data-testid': `${id}-range` }, t('campaign_page.ans_range', { min: n(a.min), max: n(a.max) })) : null;
    if (!kids.length) return h('div', { class: 'cp-ans-number', id }, h('p', { class: 'big' }, title), range);
    return h('div', { class: 'cp-ans-number' }, barChart({
      id, title, tone: 'amber', rows: childRows((x) => x.sum || 0),
      columns: [t(`level.${ov.children.level}`), t('campaign_page.ans_sum_col', { where })],
    }), range);
  }
  return h('p', { id, class: 'cp-ans-text' }, t('campaign_page.ans_text', { q: qText(q), n: n(a.answered) }));
}

function answersSection(ov) {
  const questions = ov.campaign.questions || [];
  if (!questions.length || !ov.answers) return null;
  return h('section', { class: 'card', 'aria-labelledby': 'cp-answers-h', 'data-testid': 'answers' },
    h('h2', { id: 'cp-answers-h' }, t('campaign_page.answers_at', { unit: unitLabel(ov.unit) })),
    h('p', { class: 'muted' }, t('campaign_page.answers_note')),
    h('div', { class: 'cp-charts' }, questions.map((q) => answerChart(ov, q))));
}

// ---- a programme relay's tree ---------------------------------------------------------------------

function yes(value) {
  return value ? t('common.yes') : t('common.no');
}

function relaySection(ov) {
  const r = ov.relay;
  if (!r) return null;
  const id = ov.campaign.campaign_id;
  const lowest = r.completion[r.completion.length - 1];
  const kids = ov.children.items;
  const table = kids.length ? h('table', { class: 'table cp-relay-tree', 'data-testid': 'relay-tree' },
    h('caption', {}, t('campaign_page.relay_tree_caption', { where: plural(ov.children.level) })),
    h('thead', {}, h('tr', {}, [t(`level.${ov.children.level}`), t('campaign_page.relay_col.state'), t('campaign_page.relay_col.received'),
      t('campaign_page.relay_col.passed_on'), t('campaign_page.relay_col.confirmed_below'), t('campaign_page.relay_col.broken')]
      .map((col) => h('th', { scope: 'col' }, col)))),
    h('tbody', {}, kids.map((k) => h('tr', { 'data-unit': k.unit_id },
      h('th', { scope: 'row', 'data-label': t(`level.${ov.children.level}`) }, link(i18n.pick(k, 'name'), pageHref(id, k.unit_id), 'cell-link')),
      h('td', { 'data-label': t('campaign_page.relay_col.state') }, relayState(k.relay.state)),
      h('td', { 'data-label': t('campaign_page.relay_col.received') }, i18n.number(k.relay.received)),
      h('td', { 'data-label': t('campaign_page.relay_col.passed_on') }, i18n.number(k.relay.passed_on)),
      h('td', { 'data-label': t('campaign_page.relay_col.confirmed_below') }, yes(k.relay.confirmed_below)),
      h('td', { 'data-label': t('campaign_page.relay_col.broken') }, k.relay.broken_link
        ? h('span', { class: 'pill pill-warn cp-broken' }, t('campaign_page.broken_link')) : t('common.no')))))) : null;
  return h('section', { class: 'card', 'aria-labelledby': 'cp-relay-h', 'data-testid': 'relay' },
    h('h2', { id: 'cp-relay-h' }, t('campaign_page.relay_title')),
    h('p', {}, t(r.deadline_passed ? 'campaign_page.deadline_passed' : 'campaign_page.deadline_ahead', { when: when(r.deadline) })),
    h('p', { class: 'big', 'data-testid': 'relay-here' }, t('campaign_page.relay_here', { unit: i18n.pick(ov.unit, 'name'), state: relayState(r.unit.state) }),
      r.unit.broken_link ? h('span', { class: 'pill pill-warn cp-broken' }, t('campaign_page.broken_link')) : null),
    r.broken_links_on_page ? notice(t('campaign_page.broken_links', { n: i18n.number(r.broken_links_on_page) }), 'warn') : null,
    barChart({
      id: 'cp-relay-levels', title: lowest ? t('campaign_page.relay_levels_title', {
        received: i18n.number(lowest.received_units), targeted: i18n.number(lowest.targeted_units), where: plural(lowest.level),
      }) : t('campaign_page.coverage_none'),
      rows: r.completion.map((c) => ({ id: c.level, label: plural(c.level), value: c.received_units, total: c.targeted_units })),
      columns: [t('campaign_page.level'), t('campaign_page.received_of_targeted')],
    }),
    table);
}

// ---- escalations ----------------------------------------------------------------------------------

function whomToCall(call) {
  if (!call) return h('p', { class: 'muted' }, t('campaign_page.nobody_to_call'));
  const last = call.last_disposition ? t(`disposition.${call.last_disposition}`) : t('campaign_page.not_called_yet');
  return h('p', { class: 'cp-call' }, t('campaign_page.call_whom'), ' ',
    link(i18n.pick(call, 'name'), `#/contact/${enc(call.contact_id)}`, 'cell-link'), ' ',
    t('campaign_page.call_detail', { role: t(`role.${call.role}`), last4: call.phone_last4, attempts: i18n.number(call.attempts), last }));
}

function escalationsSection(ov) {
  const esc = ov.escalations;
  const office = isOffice();
  return h('section', { class: 'card', 'aria-labelledby': 'cp-esc-h', 'data-testid': 'escalations' },
    h('h2', { id: 'cp-esc-h' }, t('campaign_page.escalations_title', { open: i18n.number(esc.open), resolved: i18n.number(esc.resolved) })),
    esc.items.length ? h('ul', { class: 'list' }, esc.items.map((e) => h('li', { class: 'item escalation', 'data-unit': e.unit_id, 'data-status': e.status },
      h('p', { class: 'item-title' }, i18n.pick(e, 'reason'),
        h('span', { class: `pill ${e.status === 'resolved' ? 'pill-active' : 'pill-warn'}` }, escalationStatus(e.status))),
      h('p', { class: 'muted' }, e.resolved_at
        ? t('campaign_page.raised_resolved', { raised: when(e.created_at), resolved: when(e.resolved_at) })
        : t('campaign_page.raised', { raised: when(e.created_at) })),
      office && e.status !== 'resolved' ? whomToCall(e.call) : null)))
      : h('p', { class: 'muted' }, t('campaign_page.no_escalations')),
    esc.more ? h('p', { class: 'muted' }, t('campaign_page.escalations_more')) : null);
}

// ---- the screen -----------------------------------------------------------------------------------

export async function campaignPageScreen(ctx) {
  const office = isOffice();
  if (!office && !isLeader()) return ctx.app.go(ctx.app.home());
  const [id, unit = ''] = ctx.arg.split('@');
  const path = `/campaigns/${enc(id)}`;
  const overviewPath = `${path}/overview${unit ? `?unit=${enc(unit)}` : ''}`;
  let ov = await api.get(overviewPath);
  if (!ctx.alive()) return undefined;
  const c = ov.campaign;
  const target = ov.breadcrumb[0];
  const status = h('div', { role: 'status', 'aria-live': 'polite', class: 'activation' });
  const actions = h('div', { class: 'actions' });
  const factsBox = h('div', {});
  const updated = h('p', { class: 'muted', 'data-testid': 'cp-updated' });
  const problem = h('div', {});
  const live = h('div', {});
  let timer = null;
  let last = Date.now();
  let seconds = every(ov.refresh_s);

  function schedule() {
    clearTimeout(timer);
    if (!ctx.alive() || document.hidden) return;
    if (c.status === 'activating') timer = setTimeout(load, ACTIVATING_POLL_MS); // eslint-disable-line no-use-before-define
    else if (ov.refresh_s) timer = setTimeout(load, seconds * 1000); // eslint-disable-line no-use-before-define
  }

  function drawTop() {
    replace(factsBox, facts(c, target));
    replace(status, activationLine(c));
    if (!office) return;
    const items = [];
    if (c.status === 'draft') {
      items.push(link(t('campaigns.edit'), `#/campaign-edit/${enc(id)}`, 'btn btn-secondary'),
        button(t('campaigns.activate'), () => ask('activate'), 'btn btn-primary btn-activate')); // eslint-disable-line no-use-before-define
    }
    if (c.status === 'active' || c.status === 'activating') {
      items.push(button(t('campaigns.close'), () => ask('close'), 'btn btn-secondary btn-close')); // eslint-disable-line no-use-before-define
    }
    replace(actions, items);
  }

  function drawLive() {
    seconds = every(ov.refresh_s);
    updated.textContent = ov.refresh_s
      ? t('campaign_page.updated_live', { time: `${i18n.time(ov.at)} ${t('common.ist')}`, seconds: i18n.number(seconds) })
      : t('campaign_page.updated', { time: `${i18n.time(ov.at)} ${t('common.ist')}` });
    if (c.status === 'draft') {
      replace(live, h('p', { class: 'muted' }, t('campaign_page.draft_note')));
      return;
    }
    replace(live, progressSection(ov), answersSection(ov), relaySection(ov), escalationsSection(ov));
    ctx.view.dataset.loads = String(Number(ctx.view.dataset.loads || 0) + 1);
  }

  async function load() {
    clearTimeout(timer);
    try {
      const fresh = await api.get(overviewPath);
      if (!ctx.alive()) return;
      ov = fresh;
      last = Date.now();
      const changed = ov.campaign.status !== c.status || ov.campaign.targets_created !== c.targets_created;
      Object.assign(c, ov.campaign);
      if (changed) drawTop();
      drawLive();
      replace(problem);
    } catch (err) {
      if (!ctx.alive()) return;
      replace(problem, notice(i18n.errorText(err), 'error'));
    }
    schedule();
  }

  async function act(what) {
    replace(actions, h('p', { class: 'muted' }, t('common.loading')));
    try {
      const done = await api.post(`${path}/${what}`);
      c.status = done.status;
      c.targets_created = done.activation?.targets_created ?? c.targets_created;
    } catch (err) {
      replace(problem, notice(i18n.errorText(err), 'error'));
    }
    if (!ctx.alive()) return;
    drawTop();
    status.focus?.();
    await load();
  }

  function ask(what) {
    replace(actions, confirmBox(t(`campaigns.confirm_${what}`), t(`campaigns.confirm_${what}_note`),
      t(`campaigns.yes_${what}`), () => act(what), () => drawTop()));
    actions.querySelector('h2').focus();
  }

  const onVisibility = () => {
    if (document.hidden) clearTimeout(timer);
    else if (Date.now() - last >= seconds * 1000) load();
    else schedule();
  };
  document.addEventListener('visibilitychange', onVisibility);
  ctx.onLeave(() => {
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisibility);
  });

  replace(ctx.view,
    office ? link(t('campaigns.back'), '#/campaigns', 'back-link') : link(t('campaign_page.back_dashboard'), '#/dashboard', 'back-link'),
    heading(i18n.pick(c, 'title')),
    office ? null : h('p', { class: 'muted' }, t('campaign_page.read_only')),
    status, factsBox, actions, problem, updated, live);
  drawTop();
  drawLive();
  schedule();
  return undefined;
}
