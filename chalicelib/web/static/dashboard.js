// The leaders' dashboard (state and central leaders; the office may read it too): what "reports come
// by email" used to say, in the browser and read-only. The deployment's campaigns, each with its people
// done, units reached per level, the answers per question (the campaign page's charts) and, for a
// programme relay, how far down the programme got (charts;
// each campaign opens the campaign page without its actions, to go down its tree); and the digest
// archive — each day's digest for the reader's audience as it was sent (#/dashboard/<day> opens one).
// Aggregates only: the API gives leaders no name and no phone number, and this screen asks for none.

import * as api from './api.js';
import * as i18n from './i18n.js';
import { barChart, trendChart } from './charts.js';
import { answerChart, pageHref } from './campaign_page.js';
import { kindLabel } from './campaigns.js';
import { button, h, heading, link, notice, replace } from './ui.js';

const t = i18n.t;
const CAMPAIGNS_SHOWN = 12; // campaigns read per page (each is one overview request)
const ARCHIVE_DAYS = 14;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function plural(level) {
  return {
    district: t('dashboard.pl.district'), assembly: t('dashboard.pl.assembly'), mandal: t('dashboard.pl.mandal'),
    shakti_kendra: t('dashboard.pl.shakti_kendra'), booth: t('dashboard.pl.booth'),
  }[level] || level;
}

function stat(label, value) {
  return h('div', {}, h('dt', {}, label), h('dd', {}, value));
}

// ---- campaigns ------------------------------------------------------------------------------------

function campaignCard(item, ov) {
  const p = ov.progress;
  const levels = p.coverage.filter((c) => c.targeted_units && c.level !== ov.unit.level);
  const lowest = levels[levels.length - 1];
  const relay = ov.relay;
  const relayLowest = relay?.completion[relay.completion.length - 1];
  const id = `db-c-${item.campaign_id}`;
  return h('li', { class: 'card db-campaign', 'data-campaign': item.campaign_id },
    h('h3', { id }, link(i18n.pick(item, 'title'), pageHref(item.campaign_id), 'cell-link')),
    h('p', { class: 'muted' }, `${kindLabel(item.kind)} · ${i18n.pick(ov.unit, 'name')} · `,
      t('campaigns.dates', { from: i18n.day(item.starts_on), to: i18n.day(item.ends_on) })),
    h('dl', { class: 'stats' },
      stat(t('dashboard.people_done'), t('dashboard.of', { value: i18n.number(p.completed), total: i18n.number(p.targets) })),
      stat(t('dashboard.attempts'), i18n.number(p.attempts)),
      stat(t('dashboard.connects'), i18n.number(p.connects))),
    h('div', { class: 'db-charts' },
      barChart({
        id: `${id}-reach`,
        title: lowest ? t('dashboard.reach_title', {
          reached: i18n.number(lowest.reached_units), targeted: i18n.number(lowest.targeted_units), where: plural(lowest.level),
        }) : t('dashboard.nothing_targeted'),
        rows: levels.map((c) => ({ id: c.level, label: plural(c.level), value: c.reached_units, total: c.targeted_units })),
        columns: [t('dashboard.level'), t('dashboard.reached_of_targeted')],
      }),
      relay ? barChart({
        id: `${id}-relay`, tone: 'blue',
        title: relayLowest ? t('dashboard.relay_title', {
          received: i18n.number(relayLowest.received_units), targeted: i18n.number(relayLowest.targeted_units),
          where: plural(relayLowest.level),
        }) : t('dashboard.nothing_targeted'),
        rows: relay.completion.map((c) => ({ id: c.level, label: plural(c.level), value: c.received_units, total: c.targeted_units })),
        columns: [t('dashboard.level'), t('dashboard.received_of_targeted')],
      }) : null,
      (ov.campaign.questions || []).map((q) => answerChart(ov, q, `${id}-ans`))),
    relay?.deadline_passed && relay.broken_links_on_page
      ? notice(t('dashboard.broken_links', { n: i18n.number(relay.broken_links_on_page) }), 'warn') : null,
    link(t('dashboard.go_down'), pageHref(item.campaign_id), 'btn btn-secondary'));
}

async function drawCampaigns(body, status) {
  replace(body, h('p', { class: 'muted' }, t('common.loading')));
  const page = await api.get(`/campaigns?status=${status}&limit=${CAMPAIGNS_SHOWN}`);
  const cards = await Promise.all(page.items.map(async (item) => {
    try {
      return campaignCard(item, await api.get(`/campaigns/${encodeURIComponent(item.campaign_id)}/overview`));
    } catch (err) {
      return h('li', { class: 'card' }, h('p', {}, i18n.pick(item, 'title')), notice(i18n.errorText(err), 'error'));
    }
  }));
  replace(body, cards.length ? h('ul', { class: 'list db-campaigns' }, cards) : h('p', {}, t('dashboard.no_campaigns')),
    page.next_cursor ? h('p', { class: 'muted' }, t('dashboard.more_campaigns', { n: i18n.number(cards.length) })) : null);
}

// ---- the digest archive ---------------------------------------------------------------------------

/** A digest's answers: per campaign, its yes/no questions as yes of answered (so far), its choices and sums in words. */
function digestAnswers(d) {
  const n = i18n.number;
  return (d.answers || []).map((a, i) => {
    const yesNo = a.questions.filter((q) => q.kind === 'yes_no');
    const lines = a.questions.filter((q) => q.kind !== 'yes_no').map((q) => {
      const v = q.all_time;
      let said = t('dashboard.ans_answered', { n: n(v.answered) });
      if (q.kind === 'number') said = t('dashboard.ans_sum', { sum: n(v.sum), n: n(v.answered) });
      if (q.kind === 'choice') said = q.choices.map((c) => `${i18n.pick(c, 'label')} ${n(c.all_time)}`).join(' · ');
      return h('li', { 'data-question': q.id }, h('span', {}, i18n.pick(q, 'text')), ': ', h('strong', {}, said));
    });
    return h('div', { class: 'db-answers', 'data-campaign': a.campaign_id },
      yesNo.length ? barChart({
        id: `db-day-answers-${i}`,
        title: t('dashboard.answers_title', { title: i18n.pick(a, 'title') }),
        rows: yesNo.map((q) => ({ id: q.id, label: i18n.pick(q, 'text'), value: q.all_time.yes, total: q.all_time.answered })),
        columns: [t('dashboard.question'), t('dashboard.yes_of_answered')],
      }) : h('h4', {}, t('dashboard.answers_title', { title: i18n.pick(a, 'title') })),
      lines.length ? h('ul', { class: 'list db-answer-lines' }, lines) : null);
  });
}

function dayDigest(item, audience) {
  const d = item.digest;
  const hl = d.headline || {};
  const by = (d.by_disposition || []).filter((r) => r.count);
  const cover = (d.coverage || []).filter((r) => r.targeted);
  const lowest = cover[cover.length - 1];
  const textBox = h('pre', { class: 'db-email', tabindex: '0', role: 'region', 'aria-label': t('dashboard.email_as_sent') },
    t('common.loading')); // it scrolls: reachable by keyboard
  const details = h('details', { class: 'db-email-box' }, h('summary', {}, t('dashboard.email_as_sent')), textBox);
  details.addEventListener('toggle', async () => {
    if (!details.open || textBox.dataset.loaded) return;
    try {
      const text = await fetchText(`/digests/${item.date}?audience=${audience}&format=text`);
      textBox.textContent = text;
      textBox.dataset.loaded = '1';
    } catch (err) {
      textBox.textContent = i18n.errorText(err);
    }
  });
  return h('section', { class: 'card', 'aria-labelledby': 'db-day-h', 'data-testid': 'digest-day', 'data-date': item.date },
    h('h3', { id: 'db-day-h' }, t('dashboard.digest_of', { day: i18n.day(item.date) })),
    h('p', { class: 'muted' }, t('dashboard.sent_at', { when: `${i18n.dateTime(item.created_at)} ${t('common.ist')}` }),
      item.corrected ? h('span', { class: 'pill pill-warn' }, t('dashboard.corrected')) : null),
    h('dl', { class: 'stats' },
      stat(t('dashboard.attempts'), i18n.number(hl.attempts)), stat(t('dashboard.connects'), i18n.number(hl.connects)),
      stat(t('dashboard.opt_outs'), i18n.number(hl.opt_outs)), stat(t('dashboard.talk_min'), i18n.number(hl.talk_min)),
      stat(t('dashboard.people_done'), t('dashboard.of', { value: i18n.number(hl.completed), total: i18n.number(hl.targets) }))),
    h('div', { class: 'db-charts' },
      barChart({
        id: `db-day-outcomes`, tone: 'amber',
        title: t('dashboard.outcomes_title', { connected: i18n.number(hl.connects), attempts: i18n.number(hl.attempts) }),
        rows: by.map((r) => ({ id: r.disposition, label: t(`disposition.${r.disposition}`), value: r.count })),
        columns: [t('dashboard.outcome'), t('dashboard.calls')],
      }),
      barChart({
        id: `db-day-reach`,
        title: lowest ? t('dashboard.reach_title', {
          reached: i18n.number(lowest.reached), targeted: i18n.number(lowest.targeted), where: plural(lowest.level),
        }) : t('dashboard.nothing_targeted'),
        rows: cover.map((r) => ({ id: r.level, label: plural(r.level), value: r.reached, total: r.targeted })),
        columns: [t('dashboard.level'), t('dashboard.reached_of_targeted')],
      }),
      (d.relay || []).map((r, i) => barChart({
        id: `db-day-relay-${i}`, tone: 'blue',
        title: t('dashboard.relay_of', { title: i18n.pick(r, 'title'), broken: i18n.number(r.broken_links) }),
        rows: r.completion.map((c) => ({ id: c.level, label: plural(c.level), value: c.received_units, total: c.targeted_units })),
        columns: [t('dashboard.level'), t('dashboard.received_of_targeted')],
      })),
      digestAnswers(d)),
    (d.corrections || []).length ? notice(t('dashboard.has_corrections', { n: i18n.number(d.corrections.length) }), 'info') : null,
    details);
}

/** A text answer (the digest's plain-text email): api.js speaks JSON, so this one asks itself; a
 * refused token is refreshed once through api.js (GET /me) and the text asked again. */
async function fetchText(path, again = true) {
  const session = api.current();
  const response = await fetch(path, { headers: { Authorization: `Bearer ${session?.id_token}`, Accept: 'text/plain' }, cache: 'no-store' });
  if (response.status === 401 && again) {
    await api.get('/me');
    return fetchText(path, false);
  }
  if (!response.ok) throw new api.ApiError(response.status, `http_${response.status}`, '');
  return response.text();
}

function archiveSection(data, chosen) {
  const stored = data.items.filter((i) => i.stored);
  const oldestFirst = [...stored].reverse();
  const open = stored.find((i) => i.date === chosen) || stored[0];
  const total = stored.reduce((s, i) => s + (i.digest.headline?.attempts || 0), 0);
  return [
    trendChart({
      id: 'db-trend', title: t('dashboard.trend_title', { n: i18n.number(total), days: i18n.number(stored.length) }),
      points: oldestFirst.map((i) => ({ label: i18n.day(i.date), value: i.digest.headline?.attempts || 0 })),
    }),
    h('nav', { 'aria-label': t('dashboard.days_nav') }, h('ul', { class: 'db-days' }, data.items.map((i) => h('li', {},
      i.stored
        ? h('a', { href: `#/dashboard/${i.date}`, class: 'db-day', 'aria-current': open && i.date === open.date ? 'true' : null }, i18n.day(i.date))
        : h('span', { class: 'db-day db-day-none' }, t('dashboard.no_digest', { day: i18n.day(i.date) })))))),
    data.previous_until ? link(t('dashboard.earlier'), `#/dashboard/${data.previous_until}`, 'btn btn-secondary') : null,
    open ? dayDigest(open, data.audience) : h('p', {}, t('dashboard.no_digests')),
  ];
}

export async function dashboardScreen(ctx) {
  if (!api.hasRole('state_leader', 'central_leader', 'supervisor', 'admin')) return ctx.app.go(ctx.app.home());
  const chosen = DAY.test(ctx.arg) ? ctx.arg : null;
  const campaignsBody = h('div', { 'aria-live': 'polite' });
  const archiveBody = h('div', {}, h('p', { class: 'muted' }, t('common.loading')));
  const statusSelect = h('select', { id: 'db-status', name: 'status' },
    ['active', 'closed'].map((s) => h('option', { value: s }, t(`status.${s}`))));
  const reload = () => drawCampaigns(campaignsBody, statusSelect.value)
    .catch((err) => { if (ctx.alive()) replace(campaignsBody, notice(i18n.errorText(err), 'error')); });
  statusSelect.addEventListener('change', reload);
  replace(ctx.view,
    heading(t('dashboard.title')),
    h('p', { class: 'lead' }, t('dashboard.intro')),
    h('section', { class: 'card', 'aria-labelledby': 'db-campaigns-h' },
      h('div', { class: 'title-row' }, h('h2', { id: 'db-campaigns-h' }, t('dashboard.campaigns')),
        h('div', { class: 'field' }, h('label', { for: 'db-status' }, t('dashboard.show')), statusSelect),
        button(t('dashboard.refresh'), reload, 'btn btn-secondary')),
      campaignsBody),
    h('section', { class: 'card', 'aria-labelledby': 'db-archive-h', id: 'archive' },
      h('h2', { id: 'db-archive-h' }, t('dashboard.archive')),
      h('p', { class: 'muted' }, t('dashboard.archive_note')), archiveBody));
  const query = new URLSearchParams({ days: String(ARCHIVE_DAYS) });
  if (chosen) query.set('until', chosen);
  await Promise.all([
    reload(),
    api.get(`/digests?${query}`).then((data) => {
      if (ctx.alive()) replace(archiveBody, archiveSection(data, chosen));
    }).catch((err) => { if (ctx.alive()) replace(archiveBody, notice(i18n.errorText(err), 'error')); }),
  ]);
  if (chosen && ctx.alive()) ctx.view.querySelector('#archive')?.scrollIntoView();
  return undefined;
}
