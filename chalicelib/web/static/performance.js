// The office's view of the outside firm's work (issue 20, points 3-5), for supervisors and admins; the
// leaders see the firm's month as employers' totals only (the API gives them no names).
// * #/performance — per agent over a range of days (GET /reports/agents, a page at a time): a ranking of
//   connects per active hour with its caveats written out (too few calls or hours: listed, not ranked;
//   a high discrepancy rate marked; a ranking is not a verdict), calls per day for one agent, and a dense
//   table of attendance, activity, calls, callbacks, verification and quality figures.
// * #/flags/<day>?agent=<username> — the calls of a day that look made up, each with its reasons in
//   words and a "Re-call to verify" button (POST /reports/flags/{call_id}/recheck, after a confirmation).
// * #/vendor/<YYYY-MM> — the firm's month per employer (GET /reports/vendor): seat-days staffed against
//   rostered per shift, hours, calls, discrepancy, absences; the per-agent table for the office; the
//   month's CSV (export kind vendor_month) for admins.
// Filters are remembered for the tab. Every figure comes from the API; nothing here reads call logs.

import * as api from './api.js';
import { barChart, trendChart } from './charts.js';
import { clearErrors } from './forms.js';
import * as i18n from './i18n.js';
import { button, h, heading, link, notice, replace } from './ui.js';

const t = i18n.t;
const n = (value) => i18n.number(value);
const FILTER_KEY = 'sampark.performance.filter';
const PAGE = 50; // agents a page
const MIN_CALLS = 20; // fewer calls than this in the range: listed, not ranked
const MIN_ACTIVE_S = 3600; // less active time than this: listed, not ranked
const HIGH_DISCREPANCY = 0.2; // this share of verified reports found wrong on re-call, or more: marked
const MIN_VERIFIED = 3; // ... out of at least this many re-calls
const NAMES_SHOWN = 12; // names listed in a caveat; the rest counted
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MONTH = /^\d{4}-\d{2}$/;

const office = () => api.hasRole('supervisor', 'admin');
const enc = encodeURIComponent;
const nameOf = (a) => i18n.pick(a, 'name') || a.username || a.agent || '';

function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `pf-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Hours with one decimal ("6.5"), from seconds. */
function hours(seconds) {
  return n(Math.round((Number(seconds) || 0) / 360) / 10);
}

/** "20%" (a share 0..1), or a dash when there is nothing to share. */
function percent(share) {
  if (share === null || share === undefined || Number.isNaN(Number(share))) return '–';
  return t('perf.percent', { n: n(Math.round(100 * Number(share))) });
}

function addDays(ymd, days) {
  const d = new Date(`${ymd}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function daysBetween(from, to) {
  const out = [];
  for (let d = from; d <= to && out.length < 100; d = addDays(d, 1)) out.push(d);
  return out;
}

function monthName(ym) {
  return new Intl.DateTimeFormat(i18n.current() === 'hi' ? 'hi-IN' : 'en-IN', { timeZone: 'UTC', month: 'long', year: 'numeric' })
    .format(new Date(`${ym}-01T00:00:00Z`));
}

function tabLabel(name) {
  if (name === 'flags') return t('perf.tab_flags');
  if (name === 'vendor') return t('perf.tab_vendor');
  return t('perf.tab_performance');
}

function tabs(active) {
  const items = [['performance', '#/performance'], ['flags', '#/flags'], ['vendor', '#/vendor']];
  return h('nav', { class: 'perf-tabs', 'aria-label': t('perf.tabs') },
    items.filter(([name]) => office() || name === 'vendor').map(([name, href]) => h('a', {
      href, class: 'perf-tab', 'aria-current': name === active ? 'page' : null,
    }, tabLabel(name))));
}

function field(id, label, control, hint = null) {
  return h('div', { class: 'field', id: `w-${id}` },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    control);
}

function table(caption, columns, rows, cls = '') {
  return h('div', { class: 'perf-scroll', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', { class: `table perf-table ${cls}` },
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map(({ cells, attrs = {} }) => h('tr', attrs,
        cells.map((cell, i) => (i === 0 ? h('th', { scope: 'row', 'data-label': columns[i] }, cell)
          : h('td', { 'data-label': columns[i] }, cell))))))));
}

function stat(label, value, key = null) {
  return h('div', { 'data-key': key }, h('dt', {}, label), h('dd', {}, value));
}

/** GOV.UK's pattern: a summary above the form linking to each field, the message beside the field. */
function showErrors(root, form, errors) {
  clearErrors(root);
  const lines = [];
  for (const { id, message } of errors) {
    const el = root.querySelector(`#${id}`) || form.querySelector('input, select');
    const wrap = el.closest('.field') || el.parentElement;
    wrap.classList.add('field-error');
    const msgId = `${el.id}-error`;
    if (!root.querySelector(`#${msgId}`)) {
      const msg = h('p', { class: 'error-message', id: msgId },
        h('span', { class: 'visually-hidden' }, t('form.error_prefix')), message);
      (wrap.querySelector(':scope > .hint') || wrap.querySelector(':scope > label')).after(msg);
    }
    el.setAttribute('aria-invalid', 'true');
    el.setAttribute('aria-describedby', [el.getAttribute('aria-describedby'), msgId].filter(Boolean).join(' '));
    lines.push(h('li', {}, h('a', {
      href: `#${el.id}`,
      onclick: (e) => {
        e.preventDefault();
        el.focus();
      },
    }, message)));
  }
  const summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', 'aria-labelledby': 'error-summary-h' },
    h('h2', { id: 'error-summary-h' }, t('form.errors_title')), h('ul', { class: 'error-list' }, lines));
  form.before(summary);
  summary.focus();
}

/** An API refusal on a field goes beside that field; anything else above the form. */
function refused(root, form, err, fields) {
  const id = fields[err.field];
  if (id) showErrors(root, form, [{ id, message: i18n.errorText(err) }]);
  else showErrors(root, form, [{ id: Object.values(fields)[0], message: i18n.errorText(err) }]);
}

async function employers() {
  try {
    const data = await api.get('/settings/employers');
    return data.employers || data.items || [];
  } catch {
    return [];
  }
}

function employerName(list, id) {
  const found = list.find((e) => e.id === id);
  return found ? i18n.pick(found, 'name') : (id || '');
}

// ---- #/performance ----------------------------------------------------------------------------------

function keptFilter() {
  const today = i18n.istToday();
  const kept = JSON.parse(sessionStorage.getItem(FILTER_KEY) || 'null') || {};
  return {
    from: DAY.test(kept.from || '') ? kept.from : `${today.slice(0, 8)}01`,
    to: DAY.test(kept.to || '') ? kept.to : today,
    employer: kept.employer || '',
    agent: kept.agent || '',
  };
}

/** The totals of an agent, with the rates worked out when the API left them out. */
function totalsOf(item) {
  const tot = { ...(item.totals || {}) };
  const hoursActive = (tot.active_s || 0) / 3600;
  if (tot.connects_per_hour === undefined || tot.connects_per_hour === null) {
    tot.connects_per_hour = hoursActive > 0 ? (tot.connects || 0) / hoursActive : 0;
  }
  if (tot.discrepancy_rate === undefined) tot.discrepancy_rate = tot.verified ? (tot.discrepant || 0) / tot.verified : null;
  if (tot.completeness === undefined) tot.completeness = tot.ans_asked ? (tot.ans_given || 0) / tot.ans_asked : null;
  if (tot.aht_s === undefined) tot.aht_s = tot.connects ? (tot.talk_s || 0) / tot.connects : null;
  return tot;
}


/** "A, B, C" or "A, B, … and 5 more". */
function names(list) {
  if (list.length <= NAMES_SHOWN) return list.join(', ');
  return t('perf.names_more', { names: list.slice(0, NAMES_SHOWN).join(', '), n: n(list.length - NAMES_SHOWN) });
}

const rankable = (tot) => (tot.attempts || 0) >= MIN_CALLS && (tot.active_s || 0) >= MIN_ACTIVE_S;
const highDiscrepancy = (tot) => (tot.verified || 0) >= MIN_VERIFIED && (tot.discrepancy_rate || 0) >= HIGH_DISCREPANCY;

function rankingSection(items, more) {
  const all = items.map((item) => ({ item, tot: totalsOf(item) }));
  const ranked = all.filter((x) => rankable(x.tot)).sort((a, b) => b.tot.connects_per_hour - a.tot.connects_per_hour);
  const worked = (tot) => (tot.attempts || 0) > 0 || (tot.active_s || 0) > 0;
  const unranked = all.filter((x) => !rankable(x.tot) && worked(x.tot));
  const idle = all.filter((x) => !worked(x.tot)).length;
  const marked = all.filter((x) => highDiscrepancy(x.tot));
  const top = ranked[0];
  const rate = (tot) => Math.round(10 * tot.connects_per_hour) / 10;
  return h('section', { class: 'card', 'aria-labelledby': 'pf-rank-h', id: 'pf-ranking' },
    h('h2', { id: 'pf-rank-h' }, t('perf.ranking')),
    h('p', { class: 'notice notice-warn perf-verdict', 'data-testid': 'perf-verdict' }, t('perf.not_a_verdict')),
    barChart({
      id: 'pf-rank-chart',
      title: top ? t('perf.rank_title', { name: nameOf(top.item), n: n(rate(top.tot)) }) : t('perf.rank_none'),
      rows: ranked.map(({ item, tot }) => ({
        id: item.username, value: rate(tot),
        label: highDiscrepancy(tot) ? `${nameOf(item)} · ${t('perf.marked_short')}` : nameOf(item),
      })),
      columns: [t('perf.col.agent'), t('perf.connects_per_hour')],
    }),
    h('ul', { class: 'perf-caveats' },
      h('li', { 'data-testid': 'perf-unranked' }, unranked.length
        ? t('perf.unranked', { names: names(unranked.map((x) => nameOf(x.item))), calls: n(MIN_CALLS), hours: n(MIN_ACTIVE_S / 3600) })
        : t('perf.all_ranked', { calls: n(MIN_CALLS), hours: n(MIN_ACTIVE_S / 3600) })),
      idle ? h('li', { 'data-testid': 'perf-idle' }, t('perf.no_activity', { n: n(idle) })) : null,
      marked.length ? h('li', { 'data-testid': 'perf-marked' }, t('perf.marked', {
        names: names(marked.map((x) => nameOf(x.item))), share: n(Math.round(100 * HIGH_DISCREPANCY)),
      })) : null,
      more ? h('li', {}, t('perf.page_only', { n: n(items.length) })) : null));
}

function trendSection(items, filter, onPick) {
  const chosen = items.find((i) => i.username === filter.agent) || items[0];
  const select = h('select', { id: 'pf-agent', name: 'agent', onchange: (e) => onPick(e.target.value) },
    items.map((i) => h('option', { value: i.username, selected: chosen && i.username === chosen.username }, nameOf(i))));
  let body = h('p', { class: 'muted' }, t('perf.no_agents'));
  if (chosen) {
    const perDay = Object.fromEntries((chosen.days || []).map((d) => [d.day, d.attempts || 0]));
    const days = daysBetween(filter.from, filter.to);
    const total = days.reduce((s, d) => s + (perDay[d] || 0), 0);
    body = trendChart({
      id: 'pf-trend',
      title: t('perf.trend_title', { name: nameOf(chosen), n: n(total), days: n(days.length) }),
      points: days.map((d) => ({ label: i18n.day(d), value: perDay[d] || 0 })),
    });
  }
  return h('section', { class: 'card', 'aria-labelledby': 'pf-trend-h' },
    h('h2', { id: 'pf-trend-h' }, t('perf.trend')),
    items.length ? field('pf-agent', t('perf.trend_agent'), select) : null,
    body);
}

function attendanceLabel(key, count) {
  const labels = {
    on_time: () => t('perf.att.on_time', { n: count }), late: () => t('perf.att.late', { n: count }),
    left_early: () => t('perf.att.left_early', { n: count }), absent: () => t('perf.att.absent', { n: count }),
    unrostered: () => t('perf.att.unrostered', { n: count }),
  };
  return labels[key]();
}

function attendanceCell(tot) {
  const parts = [['on_time', tot.on_time], ['late', tot.late], ['left_early', tot.left_early], ['absent', tot.absent],
    ['unrostered', tot.unrostered]].filter(([, v]) => v);
  if (!parts.length) return '–';
  return h('ul', { class: 'perf-cell-list' }, parts.map(([k, v]) => h('li', { 'data-status': k, class: `perf-st perf-st-${k}` },
    attendanceLabel(k, n(v)))));
}

function lastFlaggedDay(item) {
  return (item.days || []).filter((d) => d.flags_n).map((d) => d.day).sort().pop() || null;
}

function agentRows(items, employerList) {
  return items.map((item) => {
    const tot = totalsOf(item);
    const flagged = lastFlaggedDay(item);
    const high = highDiscrepancy(tot);
    return {
      attrs: { 'data-agent': item.username },
      cells: [
        h('span', {}, h('span', { class: 'perf-name' }, nameOf(item)), h('br'),
          h('span', { class: 'muted' }, `${item.username} · ${employerName(employerList, item.employer)}`)),
        h('span', { 'data-key': 'days' }, t('perf.of', { value: n(tot.days_present), total: n(tot.days_rostered) })),
        attendanceCell(tot),
        h('span', { 'data-key': 'hours' }, hours(tot.active_s)),
        h('span', { 'data-key': 'idle' }, tot.idle_n ? t('perf.idle_cell', { n: n(tot.idle_n), min: n(Math.round((tot.idle_s || 0) / 60)) }) : '0'),
        h('span', { 'data-key': 'calls' }, n(tot.attempts)),
        h('span', { 'data-key': 'connects' }, n(tot.connects)),
        h('span', { 'data-key': 'aht' }, tot.aht_s === null ? '–' : i18n.duration(tot.aht_s)),
        h('span', { 'data-key': 'callbacks' }, t('perf.of', { value: n(tot.callbacks_kept), total: n(tot.callbacks_made) })),
        h('span', { 'data-key': 'discrepancy' }, tot.verified
          ? t('perf.discrepancy_cell', { bad: n(tot.discrepant), verified: n(tot.verified), share: percent(tot.discrepancy_rate) }) : '–',
        high ? h('span', { class: 'pill pill-warn' }, t('perf.high_discrepancy_short')) : null),
        h('span', { 'data-key': 'completeness' }, tot.ans_asked ? percent(tot.completeness) : '–'),
        h('span', { 'data-key': 'paced' }, n(tot.paced)),
        h('span', { 'data-key': 'flags' }, tot.flags_n && flagged
          ? link(t('perf.flags_cell', { n: n(tot.flags_n) }), `#/flags/${flagged}?agent=${enc(item.username)}`, 'cell-link') : n(tot.flags_n)),
      ],
    };
  });
}

function agentsTable(items, employerList) {
  const columns = [t('perf.col.agent'), t('perf.col.days'), t('perf.col.attendance'), t('perf.col.hours'), t('perf.col.idle'),
    t('perf.col.calls'), t('perf.col.connects'), t('perf.col.aht'), t('perf.col.callbacks'), t('perf.col.discrepancy'),
    t('perf.col.completeness'), t('perf.col.paced'), t('perf.col.flags')];
  return table(t('perf.table'), columns, agentRows(items, employerList), 'perf-agents');
}

export async function performanceScreen(ctx) {
  if (!office()) return ctx.app.go(ctx.app.home());
  const view = ctx.view;
  const filter = keptFilter();
  const employerList = await employers();
  if (!ctx.alive()) return undefined;
  const today = i18n.istToday();
  const from = h('input', { type: 'date', id: 'pf-from', name: 'from', value: filter.from, max: today, 'aria-describedby': 'pf-range-hint' });
  const to = h('input', { type: 'date', id: 'pf-to', name: 'to', value: filter.to, max: today, 'aria-describedby': 'pf-range-hint' });
  const employer = h('select', { id: 'pf-employer', name: 'employer' },
    h('option', { value: '' }, t('perf.all_employers')),
    employerList.map((e) => h('option', { value: e.id, selected: e.id === filter.employer }, i18n.pick(e, 'name'))));
  const form = h('form', { class: 'filters perf-filters', novalidate: true, 'aria-label': t('perf.filter_label') },
    field('pf-from', t('perf.from'), from),
    field('pf-to', t('perf.to'), to),
    field('pf-employer', t('perf.employer'), employer),
    h('div', { class: 'field perf-submit' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'pf-show' }, t('perf.show'))));
  const status = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
  const body = h('div', {});
  replace(view, heading(t('perf.title')), tabs('performance'), h('p', { class: 'lead' }, t('perf.intro')), form,
    h('p', { class: 'hint', id: 'pf-range-hint' }, t('perf.range_hint')), status, body);

  let items = [];
  let cursor = null;
  let asked = 0;
  const draw = () => {
    replace(status, t('perf.count', { n: n(items.length) + (cursor ? '+' : ''), from: i18n.day(filter.from), to: i18n.day(filter.to) }));
    replace(body,
      h('div', { class: 'perf-charts' },
        rankingSection(items, Boolean(cursor)),
        trendSection(items, filter, (username) => {
          filter.agent = username;
          sessionStorage.setItem(FILTER_KEY, JSON.stringify(filter));
          draw();
          view.querySelector('#pf-agent')?.focus();
        })),
      h('section', { class: 'card' }, // not a landmark of its own: the table's scrolling region is
        h('h2', { id: 'pf-table-h' }, t('perf.table')),
        items.length ? agentsTable(items, employerList) : h('p', { class: 'muted' }, t('perf.no_agents')),
        cursor ? h('div', { class: 'actions' }, button(t('perf.more'), () => load(true), 'btn btn-secondary', { id: 'pf-more' })) : null));
  };
  const load = async (again = false) => {
    const mine = ++asked;
    const params = new URLSearchParams({ from: filter.from, to: filter.to, limit: String(PAGE) });
    if (filter.employer) params.set('employer', filter.employer);
    if (again && cursor) params.set('cursor', cursor);
    if (!again) replace(body, h('p', { class: 'muted' }, t('common.loading')));
    try {
      const page = await api.get(`/reports/agents?${params}`);
      if (mine !== asked || !ctx.alive()) return;
      items = again ? items.concat(page.items || []) : (page.items || []);
      cursor = page.cursor || page.next_cursor || null;
      clearErrors(view);
      draw();
    } catch (err) {
      if (mine !== asked || !ctx.alive()) return;
      replace(body);
      refused(view, form, err, { from: 'pf-from', to: 'pf-to', employer: 'pf-employer' });
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(view);
    const errors = [];
    if (!from.value) errors.push({ id: 'pf-from', message: t('perf.err.from') });
    if (!to.value) errors.push({ id: 'pf-to', message: t('perf.err.to') });
    if (from.value && to.value && from.value > to.value) errors.push({ id: 'pf-to', message: t('perf.err.order') });
    if (errors.length) return showErrors(view, form, errors);
    Object.assign(filter, { from: from.value, to: to.value, employer: employer.value });
    sessionStorage.setItem(FILTER_KEY, JSON.stringify(filter));
    return load();
  });
  await load();
  return undefined;
}

// ---- #/flags/<day>?agent= ---------------------------------------------------------------------------

function parseFlagsArg(arg) {
  const [dayPart, query = ''] = (arg || '').split('?');
  const params = new URLSearchParams(query);
  return { day: DAY.test(dayPart) ? dayPart : i18n.istToday(), agent: params.get('agent') || '' };
}

function flagsHref(day, agent) {
  return `#/flags/${day}${agent ? `?agent=${enc(agent)}` : ''}`;
}

function reasonsText(reasons) {
  const words = { short: t('perf.reason.short'), rapid: t('perf.reason.rapid'), same_answers: t('perf.reason.same_answers') };
  return (reasons || []).map((r) => words[r] || r).join('; ');
}

function recheckCell(flag) {
  const box = h('div', { class: 'perf-recheck', 'data-call': flag.call_id });
  const key = newKey();
  const start = () => replace(box, button(t('perf.recheck'), confirm, 'btn btn-secondary btn-small', { 'data-action': 'recheck' }));
  function confirm() {
    replace(box, h('div', { class: 'perf-confirm', role: 'group', 'aria-label': t('perf.recheck') },
      h('p', {}, t('perf.recheck_confirm', { name: i18n.pick(flag, 'name') || t('perf.this_person') })),
      h('div', { class: 'actions' },
        button(t('perf.recheck_yes'), send, 'btn btn-primary btn-small', { 'data-action': 'recheck-yes' }),
        button(t('perf.cancel'), () => { start(); box.querySelector('button')?.focus(); }, 'btn btn-secondary btn-small'))));
    box.querySelector('button')?.focus();
  }
  async function send() {
    replace(box, h('p', { class: 'muted', role: 'status' }, t('perf.recheck_sending')));
    try {
      const res = await api.post(`/reports/flags/${enc(flag.call_id)}/recheck`, {}, { 'Idempotency-Key': key });
      const already = res?.status === 'already'; // else 'added'
      const where = res?.verification_campaign_id || res?.campaign_id;
      replace(box, h('p', { class: 'notice notice-ok perf-recheck-done', role: 'status', 'data-testid': 'recheck-result' },
        already ? t('perf.recheck_already') : t('perf.recheck_done'), ' ',
        where ? link(t('perf.recheck_open'), `#/campaign/${enc(where)}`, 'cell-link') : null));
    } catch (err) {
      replace(box, notice(i18n.errorText(err), 'error'),
        button(t('perf.recheck_again'), send, 'btn btn-secondary btn-small'));
    }
  }
  start();
  return box;
}

const campaignTitles = new Map(); // campaign_id -> the campaign (or null when it cannot be read), for this tab

/** The campaigns of the flagged calls, read once each (the flags carry their ids only). */
async function readCampaigns(items) {
  const wanted = [...new Set(items.map((f) => f.campaign_id))].filter((id) => id && !campaignTitles.has(id));
  await Promise.all(wanted.slice(0, 20).map((id) => api.get(`/campaigns/${enc(id)}`)
    .then((c) => campaignTitles.set(id, c)).catch(() => campaignTitles.set(id, null))));
}

function campaignCell(id) {
  const c = campaignTitles.get(id);
  return c ? link(i18n.pick(c, 'title') || id, `#/campaign/${enc(id)}`, 'cell-link') : id;
}

function flagRows(items) {
  return items.map((f) => ({
    attrs: { 'data-call': f.call_id, 'data-agent': f.agent },
    cells: [
      `${i18n.time(f.started_at)} ${t('common.ist')}`,
      h('span', {}, i18n.pick(f, 'agent_name') || f.agent),
      campaignCell(f.campaign_id),
      h('span', {}, i18n.pick(f, 'name') || '–', h('br'),
        h('span', { class: 'muted' }, f.phone_masked ? f.phone_masked : t('perf.no_phone'))),
      h('span', {}, f.disposition ? t(`disposition.${f.disposition}`) : '–', ' · ', i18n.duration(f.duration_s)),
      h('span', { class: 'perf-reasons', 'data-reasons': (f.reasons || []).join(' ') }, reasonsText(f.reasons)),
      recheckCell(f),
    ],
  }));
}

export async function flagsScreen(ctx) {
  if (!office()) return ctx.app.go(ctx.app.home());
  const view = ctx.view;
  const { day, agent } = parseFlagsArg(ctx.arg);
  const today = i18n.istToday();
  const dayInput = h('input', { type: 'date', id: 'fl-day', name: 'day', value: day, max: today });
  const agentInput = h('input', { type: 'text', id: 'fl-agent', name: 'agent', value: agent, autocomplete: 'off', spellcheck: 'false',
    class: 'input-short', 'aria-describedby': 'fl-agent-hint' });
  const form = h('form', { class: 'filters perf-filters', novalidate: true, 'aria-label': t('perf.filter_label') },
    field('fl-day', t('perf.day'), dayInput),
    field('fl-agent', t('perf.agent_login'), agentInput, t('perf.agent_login_hint')),
    h('div', { class: 'field perf-submit' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'fl-show' }, t('perf.show'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(view);
    if (!dayInput.value) return showErrors(view, form, [{ id: 'fl-day', message: t('perf.err.day') }]);
    ctx.app.go(flagsHref(dayInput.value, agentInput.value.trim()));
    return undefined;
  });
  const body = h('div', {});
  const dayNav = h('p', { class: 'actions' },
    link(t('perf.day_before'), flagsHref(addDays(day, -1), agent), 'btn btn-secondary'),
    day < today ? link(t('perf.day_after'), flagsHref(addDays(day, 1), agent), 'btn btn-secondary') : null);
  replace(view, heading(t('perf.flags_title')), tabs('flags'),
    h('p', { class: 'lead' }, t('perf.flags_intro')), form,
    h('h2', { id: 'fl-h' }, agent ? t('perf.flags_of_agent', { day: i18n.day(day), agent }) : t('perf.flags_of_day', { day: i18n.day(day) })),
    dayNav, body);
  let items = [];
  let cursor = null;
  const load = async (again = false) => {
    const params = new URLSearchParams({ day });
    if (agent) params.set('agent', agent);
    if (again && cursor) params.set('cursor', cursor);
    try {
      const page = await api.get(`/reports/flags?${params}`);
      await readCampaigns(page.items || []);
      if (!ctx.alive()) return;
      items = again ? items.concat(page.items || []) : (page.items || []);
      cursor = page.cursor || page.next_cursor || null;
      const columns = [t('perf.col.time'), t('perf.col.agent'), t('perf.col.campaign'), t('perf.col.person'),
        t('perf.col.outcome'), t('perf.col.reasons'), t('perf.col.action')];
      replace(body,
        h('p', { class: 'muted', role: 'status' }, t('perf.flags_count', { n: n(items.length) + (cursor ? '+' : '') })),
        items.length ? table(t('perf.flags_title'), columns, flagRows(items), 'perf-flags') : h('p', {}, t('perf.no_flags')),
        h('p', { class: 'hint' }, t('perf.flags_note')),
        cursor ? h('div', { class: 'actions' }, button(t('perf.more'), () => load(true), 'btn btn-secondary', { id: 'fl-more' })) : null);
    } catch (err) {
      if (!ctx.alive()) return;
      if (err.field === 'day' || err.field === 'agent') refused(view, form, err, { day: 'fl-day', agent: 'fl-agent' });
      else replace(body, notice(i18n.errorText(err), 'error'));
    }
  };
  await load();
  return undefined;
}

// ---- #/vendor/<YYYY-MM> -------------------------------------------------------------------------------

const SHIFTS = ['morning', 'evening'];

function employerCard(e, i) {
  const shifts = e.shifts || {};
  const rows = SHIFTS.filter((s) => shifts[s]).map((s) => ({
    id: s, label: t(`shift.name.${s}`), value: shifts[s].seat_days_staffed || 0, total: shifts[s].seat_days_rostered || 0,
  }));
  const staffed = rows.reduce((s, r) => s + r.value, 0);
  const rostered = rows.reduce((s, r) => s + r.total, 0);
  const id = `vd-e-${i}`;
  return h('section', { class: 'card perf-employer', 'aria-labelledby': id, 'data-employer': e.employer },
    h('h2', { id }, i18n.pick(e, 'name') || e.employer),
    h('dl', { class: 'stats' },
      stat(t('perf.v.agents'), n(e.agents), 'agents'),
      stat(t('perf.v.hours'), hours((e.hours_active || 0) * 3600), 'hours'),
      stat(t('perf.col.calls'), n(e.attempts), 'calls'),
      stat(t('perf.col.connects'), n(e.connects), 'connects'),
      stat(t('perf.col.discrepancy'), e.verified ? t('perf.discrepancy_cell', {
        bad: n(e.discrepant), verified: n(e.verified), share: percent(e.discrepancy_rate ?? (e.discrepant / e.verified)),
      }) : '–', 'discrepancy'),
      stat(t('perf.v.absences'), n(e.absences), 'absences'),
      stat(t('perf.v.late'), n(e.late), 'late'),
      stat(t('perf.v.left_early'), n(e.left_early), 'left_early'),
      stat(t('perf.v.unrostered'), n(e.unrostered_days), 'unrostered')),
    barChart({
      id: `${id}-seats`,
      title: rows.length === 1
        ? t('perf.v.seats_title_one', { staffed: n(staffed), rostered: n(rostered), shift: rows[0].label })
        : t('perf.v.seats_title', { staffed: n(staffed), rostered: n(rostered) }),
      rows, columns: [t('perf.v.shift'), t('perf.v.staffed_of_rostered')],
    }));
}

function vendorAgents(data, employersOf) {
  const agents = data.agents || (data.employers || []).flatMap((e) => e.agent_rows || e.per_agent || []);
  if (!agents.length) return null;
  const columns = [t('perf.col.agent'), t('perf.employer'), t('perf.col.days'), t('perf.col.attendance'), t('perf.col.hours'),
    t('perf.col.calls'), t('perf.col.connects'), t('perf.col.discrepancy')];
  const rows = agents.map((a) => {
    const tot = totalsOf(a.totals ? a : { totals: a });
    return {
      attrs: { 'data-agent': a.username },
      cells: [h('span', {}, nameOf(a), h('br'), h('span', { class: 'muted' }, a.username || '')),
        employersOf(a.employer), t('perf.of', { value: n(tot.days_present), total: n(tot.days_rostered) }),
        attendanceCell(tot), hours(tot.active_s), n(tot.attempts), n(tot.connects),
        tot.verified ? t('perf.discrepancy_cell', { bad: n(tot.discrepant), verified: n(tot.verified), share: percent(tot.discrepancy_rate) }) : '–'],
    };
  });
  return h('section', { class: 'card' }, // not a landmark of its own: the table's scrolling region is
    h('details', { class: 'perf-details', id: 'vd-agents' },
      h('summary', {}, h('h2', { id: 'vd-agents-h' }, t('perf.v.per_agent_n', { n: n(rows.length) }))),
      table(t('perf.v.per_agent'), columns, rows, 'perf-vendor-agents')));
}

/** The district the month's CSV is made for (an export names its unit: the office's one district). */
async function districtId() {
  let units = (await api.get('/units?limit=100')).items || [];
  if (units.length && units[0].level === 'state') {
    units = (await api.get(`/units/${enc(units[0].unit_id)}/children?limit=100`)).items || [];
  }
  return units.find((u) => u.level === 'district')?.unit_id || '';
}

function exportBox(month) {
  if (!api.hasRole('admin')) return null;
  const key = newKey();
  const out = h('div', { role: 'status' });
  const ask = async (e) => {
    e.target.disabled = true;
    try {
      const body = { kind: 'vendor_month', unit_id: await districtId(), month, format: 'csv', language: i18n.current() };
      const job = await api.post('/exports', body, { 'Idempotency-Key': key });
      location.hash = `#/exports/${enc(job.export_id)}`;
    } catch (err) {
      e.target.disabled = false;
      replace(out, notice(i18n.errorText(err), 'error'));
    }
  };
  return h('section', { class: 'card', 'aria-labelledby': 'vd-export-h' },
    h('h2', { id: 'vd-export-h' }, t('perf.v.export')),
    h('p', { class: 'hint' }, t('perf.v.export_hint')),
    button(t('perf.v.export_button', { month: monthName(month) }), ask, 'btn btn-secondary', { id: 'vd-export' }), out);
}

export async function vendorScreen(ctx) {
  if (!api.hasRole('supervisor', 'admin', 'state_leader', 'central_leader')) return ctx.app.go(ctx.app.home());
  const view = ctx.view;
  const thisMonth = i18n.istToday().slice(0, 7);
  const month = MONTH.test(ctx.arg || '') ? ctx.arg : thisMonth;
  const monthInput = h('input', { type: 'month', id: 'vd-month', name: 'month', value: month, max: thisMonth, 'aria-describedby': 'vd-month-hint' });
  const form = h('form', { class: 'filters perf-filters', novalidate: true, 'aria-label': t('perf.filter_label') },
    field('vd-month', t('perf.v.month'), monthInput, t('perf.v.month_hint')),
    h('div', { class: 'field perf-submit' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'vd-show' }, t('perf.show'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(view);
    if (!MONTH.test(monthInput.value)) return showErrors(view, form, [{ id: 'vd-month', message: t('perf.err.month') }]);
    ctx.app.go(`#/vendor/${monthInput.value}`);
    return undefined;
  });
  const body = h('div', {}, h('p', { class: 'muted' }, t('common.loading')));
  replace(view, heading(t('perf.v.title', { month: monthName(month) })), tabs('vendor'),
    h('p', { class: 'lead' }, office() ? t('perf.v.intro') : t('perf.v.intro_leader')), form, body);
  const [data, employerList] = await Promise.all([
    api.get(`/reports/vendor?month=${month}`).catch((err) => ({ error: err })),
    office() ? employers() : Promise.resolve([]),
  ]);
  if (!ctx.alive()) return undefined;
  if (data.error) {
    replace(body);
    if (data.error.field === 'month') showErrors(view, form, [{ id: 'vd-month', message: i18n.errorText(data.error) }]);
    else replace(body, notice(i18n.errorText(data.error), 'error'));
    return undefined;
  }
  const list = data.employers || data.items || [];
  const names = (id) => {
    const e = list.find((x) => x.employer === id);
    return e ? (i18n.pick(e, 'name') || id) : employerName(employerList, id);
  };
  replace(body,
    list.length ? list.map(employerCard) : h('p', {}, t('perf.v.none')),
    office() ? vendorAgents(data, names) : h('p', { class: 'hint' }, t('perf.v.leader_note')),
    exportBox(month));
  return undefined;
}

