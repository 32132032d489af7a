// The call screen: one contact, one screen. Who they are, the script and questions in their language,
// one big Call button (a tel: link) with a timer from the tap to the return, the outcome, answers,
// notes and a callback time; then the call is saved on the phone, sent, and the next contact comes.
// The contact being called (and the form so far) is kept for this tab, so a reload or a language
// switch returns to the same person, offline too.

import * as api from './api.js';
import * as i18n from './i18n.js';
import * as outbox from './outbox.js';
import { button, h, heading, link, nextId, notice, replace } from './ui.js';

const t = i18n.t;
const HELD_KEY = 'sampark.held';
const DISPOSITIONS = ['connected', 'no_answer', 'busy', 'switched_off', 'callback_requested', 'wrong_number',
  'declined', 'do_not_call'];
const MAX_DURATION_S = 4 * 3600;
const CALLBACK_DAYS = 30;

export function heldCalls() {
  try {
    return JSON.parse(sessionStorage.getItem(HELD_KEY) || '{}');
  } catch {
    return {};
  }
}

function keepHeld(campaignId, entry) {
  sessionStorage.setItem(HELD_KEY, JSON.stringify({ ...heldCalls(), [campaignId]: entry }));
}

function dropHeld(campaignId) {
  const held = heldCalls();
  delete held[campaignId];
  sessionStorage.setItem(HELD_KEY, JSON.stringify(held));
}

function newCallId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export async function callScreen(ctx) {
  const campaignId = ctx.arg;
  let entry = heldCalls()[campaignId];
  if (!entry) {
    replace(ctx.view, heading(t('call.finding')), h('p', { class: 'muted' }, t('common.loading')));
    entry = await lease(ctx, campaignId, true);
    if (!entry || !ctx.alive()) return;
  }
  drawCall(ctx, campaignId, entry);
}

async function lease(ctx, campaignId, again) {
  let res;
  try {
    res = await nextCall(campaignId);
  } catch (err) {
    if (ctx.alive()) drawRefusal(ctx, err);
    return null;
  }
  if (!ctx.alive()) return null;
  if (res.status === 'nothing_due') {
    drawNothingDue(ctx, res);
    return null;
  }
  // Handed back a contact whose call is still in the outbox: send it first, then ask again.
  if (await outbox.waitingFor(api.current()?.username, campaignId, res.contact.contact_id)) {
    const sent = await ctx.app.flush();
    if (again && !sent.stopped) return lease(ctx, campaignId, false);
    if (ctx.alive()) drawRefusal(ctx, { code: 'still_sending' });
    return null;
  }
  const entry = { screen: res, leased_at: Date.now(), tapped_at: null, ended_at: null, away: false,
    draft: { disposition: null, answers: {}, notes: '', callback: null, relay: { received: null, passed_on: null } } };
  keepHeld(campaignId, entry);
  return entry;
}

/** POST /next; when every contact it tried was taken by colleagues at that instant (429 queue_busy) it is
 * asked again after the seconds the API names, a few times, before the agent is told — from where the queue
 * goes on when the answer says so (`resume`: the head of the queue was all contacts this agent may not call). */
async function nextCall(campaignId, tries = 3) {
  let resume = '';
  for (let i = 1; ; i += 1) {
    try {
      const at = resume ? `?resume=${encodeURIComponent(resume)}` : '';
      return await api.post(`/campaigns/${encodeURIComponent(campaignId)}/next${at}`);
    } catch (err) {
      if (err.code !== 'queue_busy' || i >= tries) throw err;
      resume = typeof err.details?.resume === 'string' ? err.details.resume : '';
      const wait = Math.min(Math.max(Number(err.details?.retry_after_s) || 1, 1), 5);
      await new Promise((resolve) => { setTimeout(resolve, wait * 1000); });
    }
  }
}

function actions(ctx) {
  return h('div', { class: 'actions' },
    button(t('call.try_again'), () => ctx.app.render(), 'btn btn-primary btn-block'),
    link(t('nav.home'), '#/home', 'btn btn-secondary btn-block'));
}

function drawRefusal(ctx, err) {
  replace(ctx.view, heading(t('call.cannot_title')), notice(i18n.errorText(err), 'error'), actions(ctx));
}

function drawNothingDue(ctx, res) {
  const wait = Math.min(Math.max(Number(res.retry_after_s) || 60, 15), 300);
  replace(ctx.view, heading(t('call.nothing_due_title')), notice(t('call.nothing_due', { seconds: wait }), 'info'),
    actions(ctx));
  const timer = setTimeout(() => ctx.alive() && ctx.app.render(), wait * 1000);
  ctx.onLeave(() => clearTimeout(timer));
}

function drawRejected(ctx, item) {
  replace(ctx.view, heading(t('call.rejected_title')),
    notice(t('call.rejected', { name: item.label?.name || '' }), 'error'),
    notice(i18n.errorText(item.error), 'error'),
    h('div', { class: 'actions' },
      button(t('call.next'), () => ctx.app.render(), 'btn btn-primary btn-block'),
      link(t('nav.home'), '#/home', 'btn btn-secondary btn-block')));
}

function radio(name, value, label, checked, onchange) {
  const id = nextId(name);
  return h('div', { class: 'choice' },
    h('input', { type: 'radio', id, name, value, checked, onchange }),
    h('label', { for: id }, label));
}

function questionField(q, draft, persist, uiLang) {
  const mark = q.required ? ' *' : '';
  const set = (value) => {
    if (value === undefined) delete draft.answers[q.id];
    else draft.answers[q.id] = value;
    persist();
  };
  const current = draft.answers[q.id];
  if (q.kind === 'yes_no' || q.kind === 'choice') {
    const options = q.kind === 'yes_no'
      ? [[true, t('common.yes'), uiLang], [false, t('common.no'), uiLang]]
      : q.choices.map((c) => [c.value, c.label, null]);
    const name = nextId(`q-${q.id}`);
    return h('fieldset', { class: 'question' }, h('legend', {}, q.text + mark),
      h('div', { class: 'choices' }, options.map(([value, label, lang]) => {
        const el = radio(name, String(value), label, current === value, () => set(value));
        if (lang) el.setAttribute('lang', lang);
        return el;
      })));
  }
  const id = nextId(`q-${q.id}`);
  const props = { id, name: q.id, value: current ?? '', required: q.required };
  const input = q.kind === 'number'
    ? h('input', { ...props, type: 'number', inputmode: 'decimal', step: 'any', min: q.min ?? null, max: q.max ?? null })
    : h('input', { ...props, type: 'text', maxlength: '300' });
  input.addEventListener('input', () => {
    const raw = input.value.trim();
    set(raw === '' ? undefined : q.kind === 'number' ? Number(raw) : raw);
  });
  return h('div', { class: 'field question' }, h('label', { for: id }, q.text + mark), input);
}

function callbackField(draft, persist) {
  const now = new Date();
  const soon = i18n.istParts(new Date(now.getTime() + 60 * 60 * 1000));
  draft.callback = draft.callback || { date: soon.date, time: soon.time };
  const dateId = nextId('cb-date');
  const timeId = nextId('cb-time');
  const dateInput = h('input', { id: dateId, type: 'date', value: draft.callback.date, min: i18n.istToday(),
    max: i18n.istParts(new Date(now.getTime() + CALLBACK_DAYS * 86400000)).date, required: true });
  const timeInput = h('input', { id: timeId, type: 'time', value: draft.callback.time, required: true });
  const summary = h('p', { class: 'muted', 'aria-live': 'polite' });
  const show = () => {
    draft.callback = { date: dateInput.value, time: timeInput.value };
    persist();
    const at = callbackMoment(draft);
    summary.textContent = at ? t('call.callback_summary', { when: `${i18n.dateTime(at)} ${t('common.ist')}` }) : '';
  };
  const quick = (label, moment) => button(label, () => {
    const p = i18n.istParts(moment());
    dateInput.value = p.date;
    timeInput.value = p.time;
    show();
  }, 'btn btn-secondary');
  const tomorrow = () => i18n.fromIst(i18n.istParts(new Date(Date.now() + 86400000)).date, '10:00');
  dateInput.addEventListener('change', show);
  timeInput.addEventListener('change', show);
  show();
  return h('fieldset', { class: 'card callback' }, h('legend', {}, t('call.callback_when')),
    h('div', { class: 'quick' },
      quick(t('call.in_one_hour'), () => new Date(Date.now() + 3600000)),
      quick(t('call.in_three_hours'), () => new Date(Date.now() + 3 * 3600000)),
      quick(t('call.tomorrow_10'), tomorrow)),
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: dateId }, t('call.callback_date')), dateInput),
      h('div', { class: 'field' }, h('label', { for: timeId }, t('call.callback_time')), timeInput)),
    summary);
}

function callbackMoment(draft) {
  const cb = draft.callback;
  if (!cb?.date || !cb?.time) return null;
  const at = i18n.fromIst(cb.date, cb.time);
  return Number.isNaN(at.getTime()) ? null : at;
}

// A programme relay's two facts (received, passed on to the level below): asked on a connected call only;
// left unanswered, the call carries none (the server counts only what was said).
function relayField(draft, persist, uiLang) {
  const relay = draft.relay || (draft.relay = { received: null, passed_on: null });
  const slot = h('div', {});
  const group = (key, label, onset) => {
    const name = nextId(`relay-${key}`);
    return h('fieldset', { class: 'question' }, h('legend', {}, label),
      h('div', { class: 'choices', lang: uiLang }, [[true, t('common.yes')], [false, t('common.no')]].map(([value, text]) =>
        radio(name, String(value), text, relay[key] === value, () => { relay[key] = value; onset(); persist(); }))));
  };
  const draw = () => replace(slot, relay.received === true ? group('passed_on', t('call.relay_passed_on'), () => {}) : null);
  const box = h('fieldset', { class: 'card relay' }, h('legend', {}, t('call.relay')),
    group('received', t('call.relay_received'), () => {
      if (relay.received !== true) relay.passed_on = null;
      draw();
    }), slot);
  draw();
  return box;
}

function problems(screen, draft) {
  if (!draft.disposition) return t('call.choose_outcome');
  if (draft.disposition === 'connected') {
    for (const q of screen.questions || []) {
      const value = draft.answers[q.id];
      if (q.required && (value === undefined || value === '')) return t('call.answer_required', { question: q.text });
      if (q.kind === 'number' && value !== undefined) {
        if (!Number.isFinite(value)) return t('call.answer_number', { question: q.text });
        if ((q.min !== null && q.min !== undefined && value < q.min) || (q.max !== null && q.max !== undefined && value > q.max)) {
          return t('call.answer_range', { question: q.text, min: q.min ?? '', max: q.max ?? '' });
        }
      }
    }
  }
  if (draft.disposition === 'callback_requested') {
    const at = callbackMoment(draft);
    if (!at) return t('call.callback_missing');
    if (at.getTime() <= Date.now() + 60000) return t('call.callback_past');
    if (at.getTime() > Date.now() + CALLBACK_DAYS * 86400000) return t('call.callback_far');
  }
  return null;
}

function drawCall(ctx, campaignId, entry) {
  const s = entry.screen;
  const c = s.contact;
  const draft = entry.draft;
  const uiLang = i18n.current();
  const user = api.current()?.username;
  const persist = () => keepHeld(campaignId, entry);
  const elapsed = () => (entry.tapped_at
    ? Math.min(Math.round(((entry.ended_at || Date.now()) - entry.tapped_at) / 1000), MAX_DURATION_S) : 0);

  const timerValue = h('output', { class: 'timer-value' }, i18n.duration(elapsed()));
  const leaseLine = h('p', { class: 'lease' });
  const tick = () => {
    timerValue.value = i18n.duration(elapsed());
    const until = s.lease?.until;
    const expired = until && Date.parse(until) <= Date.now();
    leaseLine.textContent = until ? (expired ? t('call.lease_expired') : t('call.held_until', { time: i18n.time(until) })) : '';
    leaseLine.classList.toggle('lease-expired', Boolean(expired));
  };
  const interval = setInterval(tick, 1000);
  ctx.onLeave(() => clearInterval(interval));
  const onVisibility = () => {
    if (!entry.tapped_at || entry.ended_at) return;
    if (document.hidden) entry.away = true;
    else if (entry.away) entry.ended_at = Date.now(); // back from the dialler: the call is over
    persist();
    tick();
  };
  document.addEventListener('visibilitychange', onVisibility);
  ctx.onLeave(() => document.removeEventListener('visibilitychange', onVisibility));

  const dial = h('a', { href: `tel:${c.phone}`, class: 'btn btn-call btn-block' },
    h('img', { src: '/app/phone.svg', alt: '', width: '28', height: '28' }), t('call.dial', { phone: c.phone }));
  dial.addEventListener('click', () => {
    if (!entry.tapped_at) entry.tapped_at = Date.now();
    entry.ended_at = null;
    entry.away = false;
    persist();
    tick();
  });

  const answers = (s.questions || []).length
    ? h('fieldset', { class: 'card questions', lang: c.language }, h('legend', { lang: uiLang }, t('call.answers')),
      h('p', { class: 'muted', lang: uiLang }, t('call.required_note')),
      s.questions.map((q) => questionField(q, draft, persist, uiLang)))
    : null;
  const relay = s.campaign.kind === 'programme_relay' ? relayField(draft, persist, uiLang) : null;
  const callbackSlot = h('div', {});
  const showParts = () => {
    if (answers) answers.hidden = draft.disposition !== 'connected';
    if (relay) relay.hidden = draft.disposition !== 'connected';
    replace(callbackSlot, draft.disposition === 'callback_requested' ? callbackField(draft, persist) : null);
  };
  const outcome = h('fieldset', { class: 'card outcome' }, h('legend', {}, t('call.outcome')),
    h('div', { class: 'choices choices-grid' }, DISPOSITIONS.map((d) => radio('disposition', d, t(`disposition.${d}`),
      draft.disposition === d, () => {
        draft.disposition = d;
        persist();
        showParts();
      }))));
  const notesId = nextId('notes');
  const notes = h('textarea', { id: notesId, rows: '3', maxlength: '2000', value: draft.notes });
  notes.addEventListener('input', () => {
    draft.notes = notes.value;
    persist();
  });
  const status = h('div', { class: 'form-status', 'aria-live': 'assertive' });
  const save = button(t('call.save_next'), () => onSave(), 'btn btn-primary btn-block btn-save');

  async function onSave() {
    const problem = problems(s, draft);
    if (problem) {
      replace(status, notice(problem, 'error'));
      return;
    }
    save.disabled = true;
    if (entry.tapped_at && !entry.ended_at) entry.ended_at = Date.now();
    const body = {
      call_id: newCallId(), campaign_id: campaignId, contact_id: c.contact_id, disposition: draft.disposition,
      started_at: new Date(entry.tapped_at || entry.leased_at).toISOString(), duration_s: elapsed(),
      notes: draft.notes.trim() || null,
    };
    if (draft.disposition === 'connected' && Object.keys(draft.answers).length) body.answers = { ...draft.answers };
    if (draft.disposition === 'connected' && relay && typeof draft.relay.received === 'boolean') {
      body.relay = { received: draft.relay.received, passed_on: draft.relay.received && draft.relay.passed_on === true };
    }
    if (draft.disposition === 'callback_requested') body.callback_at = callbackMoment(draft).toISOString();
    await outbox.save(user, body, { name: c.name, campaign: s.campaign.title, disposition: draft.disposition });
    dropHeld(campaignId);
    replace(status, notice(t('call.saved'), 'ok'));
    await ctx.app.flush();
    if (!ctx.alive()) return;
    const item = (await outbox.items(user)).find((i) => i.call_id === body.call_id);
    if (item?.state === 'failed') drawRejected(ctx, item);
    else ctx.app.render(); // straight to the next contact
  }

  const previous = s.previous_call;
  replace(ctx.view,
    h('p', { class: 'eyebrow' }, s.campaign.title),
    heading(c.name),
    h('p', { class: 'who' }, `${t(`role.${c.role}`)} · ${t(`language.${c.language}`)}`),
    h('p', { class: 'muted' }, (c.unit_path || []).map((u) => i18n.pick(u, 'name')).join(' → ')),
    h('p', { class: 'muted' }, t('call.attempt', { n: (s.attempts || 0) + 1, max: s.max_attempts })),
    s.escalation_reason ? h('section', { class: 'card', 'aria-labelledby': 'esc-h' },
      h('h2', { id: 'esc-h' }, t('call.escalation')),
      h('p', {}, s.escalation_reason[uiLang] || s.escalation_reason.hi)) : null,
    previous ? h('section', { class: 'card', 'aria-labelledby': 'prev-h' }, h('h2', { id: 'prev-h' }, t('call.previous')),
      h('p', {}, `${t(`disposition.${previous.disposition}`)} · ${i18n.dateTime(previous.at)} ${t('common.ist')}`),
      previous.notes ? h('p', { class: 'quote' }, previous.notes) : null) : null,
    h('div', { class: 'card dial' }, dial,
      h('p', { class: 'timer' }, h('span', {}, t('call.timer')), ' ', timerValue), leaseLine),
    h('section', { class: 'card', lang: c.language, 'aria-labelledby': 'script-h' },
      h('h2', { id: 'script-h', lang: uiLang }, t('call.script')), h('p', { class: 'script' }, s.script)),
    outcome, answers, relay, callbackSlot,
    h('div', { class: 'card field' }, h('label', { for: notesId }, t('call.notes')), notes),
    status, save,
    link(t('call.leave'), '#/home', 'btn btn-secondary btn-block'));
  showParts();
  tick();
}
