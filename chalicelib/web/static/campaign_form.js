// Creating and editing a draft campaign (supervisors and admins), as a GOV.UK-style form: labels
// above fields, an error summary at the top linking to each field, the API's refusal beside its
// field, what was typed kept. One Idempotency-Key per form, so a double click makes one campaign;
// an edit that lost a race to someone else's shows their newer version instead of overwriting it.

import * as api from './api.js';
import * as i18n from './i18n.js';
import { confirmBox, isOffice } from './campaigns.js';
import { button, h, heading, link, notice, replace } from './ui.js';
import { clearErrors } from './forms.js';

const t = i18n.t;
const KINDS = ['programme_relay', 'scheme', 'feedback'];
const QUESTION_KINDS = ['yes_no', 'number', 'choice', 'text'];
const LEVELS = ['state', 'district', 'assembly', 'mandal', 'shakti_kendra', 'booth'];
const RELAY_LEVELS = ['assembly', 'mandal', 'shakti_kendra', 'booth'];
const ROLE_LEVEL = {
  district_office_bearer: 'district', assembly_incharge: 'assembly', mandal_president: 'mandal',
  mandal_office_bearer: 'mandal', shakti_kendra_incharge: 'shakti_kendra', booth_president: 'booth',
  booth_committee_member: 'booth', panna_pramukh: 'booth',
};
const REQUIRED = ['title_hi', 'title_en', 'script_hi', 'script_en', 'starts_on', 'ends_on'];

function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `cf-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function blankQuestion(n) {
  return { id: `q${n}`, kind: 'yes_no', text_hi: '', text_en: '', required: false, verifiable: false, choices: [] };
}

function blankChoice() {
  return { value: '', label_hi: '', label_en: '' };
}

// ---- small builders ------------------------------------------------------------------------

function field(id, label, control, hint = null) {
  return h('div', { class: 'field', id: `w-${id}` },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    control);
}

function input(id, value, extra = {}) {
  return h('input', { id, name: id, value: value ?? '', ...extra });
}

function textField(id, label, value, extra = {}, hint = null) {
  return field(id, label, input(id, value, { type: 'text', 'aria-describedby': hint ? `${id}-hint` : null, ...extra }), hint);
}

function numberField(id, label, value, hint = null, extra = {}) {
  return field(id, label, input(id, value, {
    type: 'number', inputmode: 'numeric', class: 'input-short', 'aria-describedby': hint ? `${id}-hint` : null, ...extra,
  }), hint);
}

function checkbox(id, label, checked, extra = {}) {
  return h('div', { class: 'check' }, h('input', { type: 'checkbox', id, name: id, checked, ...extra }), h('label', { for: id }, label));
}

function val(root, id) {
  const el = root.querySelector(`#${id}`);
  return el ? el.value.trim() : '';
}

function intOrUndefined(text) {
  if (text === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : text; // the API says what is wrong with what was typed
}

// ---- the question builder ------------------------------------------------------------------

function questionBlock(q, i, count, onChange) {
  const p = `q-${i}`;
  const move = (delta) => onChange((qs) => {
    const [item] = qs.splice(i, 1);
    qs.splice(i + delta, 0, item);
  });
  const kids = [
    h('legend', {}, t('form.question_n', { n: i18n.number(i + 1) })),
    h('div', { class: 'row' },
      field(`${p}-kind`, t('form.question_kind'), h('select', {
        id: `${p}-kind`, name: `${p}-kind`, onchange: () => onChange(() => {}),
      }, QUESTION_KINDS.map((k) => h('option', { value: k, selected: k === q.kind }, t(`qkind.${k}`))))),
      textField(`${p}-id`, t('form.question_id'), q.id, { class: 'input-short', autocomplete: 'off' }, t('form.question_id_hint'))),
    textField(`${p}-text_hi`, t('form.question_text_hi'), q.text_hi, { lang: 'hi' }),
    textField(`${p}-text_en`, t('form.question_text_en'), q.text_en, { lang: 'en' }),
    h('div', { class: 'checks' },
      checkbox(`${p}-required`, t('form.question_required'), q.required),
      checkbox(`${p}-verifiable`, t('form.question_verifiable'), q.verifiable)),
  ];
  if (q.kind === 'number') {
    kids.push(h('div', { class: 'row' },
      numberField(`${p}-min`, t('form.question_min'), q.min ?? ''),
      numberField(`${p}-max`, t('form.question_max'), q.max ?? '')));
  }
  if (q.kind === 'choice') {
    const choices = q.choices.length ? q.choices : [blankChoice(), blankChoice()];
    kids.push(h('div', { class: 'choices-edit', id: `${p}-choices` }, choices.map((c, j) => h('div', { class: 'row choice-row' },
      textField(`${p}-c${j}-value`, t('form.choice_value', { n: i18n.number(j + 1) }), c.value, { class: 'input-short', autocomplete: 'off' }),
      textField(`${p}-c${j}-label_hi`, t('form.choice_label_hi', { n: i18n.number(j + 1) }), c.label_hi, { lang: 'hi' }),
      textField(`${p}-c${j}-label_en`, t('form.choice_label_en', { n: i18n.number(j + 1) }), c.label_en, { lang: 'en' }),
      choices.length > 2 ? button(t('form.choice_remove', { n: i18n.number(j + 1) }), () => onChange((qs) => {
        qs[i].choices.splice(j, 1);
      }), 'btn btn-small btn-secondary') : null))),
    button(t('form.choice_add'), () => onChange((qs) => {
      if (!qs[i].choices.length) qs[i].choices.push(blankChoice(), blankChoice());
      qs[i].choices.push(blankChoice());
    }), 'btn btn-small btn-secondary'));
  }
  kids.push(h('div', { class: 'actions' },
    i > 0 ? button(t('form.question_up', { n: i18n.number(i + 1) }), () => move(-1), 'btn btn-small btn-secondary') : null,
    i < count - 1 ? button(t('form.question_down', { n: i18n.number(i + 1) }), () => move(1), 'btn btn-small btn-secondary') : null,
    button(t('form.question_remove', { n: i18n.number(i + 1) }), () => onChange((qs) => qs.splice(i, 1)), 'btn btn-small btn-secondary')));
  return h('fieldset', { class: 'card question-edit', id: `${p}` }, kids);
}

/** The questions as typed, read back from the page. */
function readQuestions(root, count) {
  const out = [];
  for (let i = 0; i < count; i += 1) {
    const p = `q-${i}`;
    const kind = val(root, `${p}-kind`) || 'yes_no';
    const q = {
      id: val(root, `${p}-id`), kind, text_hi: val(root, `${p}-text_hi`), text_en: val(root, `${p}-text_en`),
      required: Boolean(root.querySelector(`#${p}-required`)?.checked),
      verifiable: Boolean(root.querySelector(`#${p}-verifiable`)?.checked), choices: [],
    };
    if (root.querySelector(`#${p}-min`)) {
      q.min = intOrUndefined(val(root, `${p}-min`)) ?? null;
      q.max = intOrUndefined(val(root, `${p}-max`)) ?? null;
    }
    for (let j = 0; root.querySelector(`#${p}-c${j}-value`); j += 1) {
      q.choices.push({ value: val(root, `${p}-c${j}-value`), label_hi: val(root, `${p}-c${j}-label_hi`), label_en: val(root, `${p}-c${j}-label_en`) });
    }
    out.push(q);
  }
  return out;
}

function questionsBody(questions) {
  return questions.map((q) => {
    const body = { id: q.id, kind: q.kind, text_hi: q.text_hi, text_en: q.text_en, required: q.required };
    if (q.verifiable) body.verifiable = true;
    if (q.kind === 'choice') body.choices = q.choices;
    if (q.kind === 'number') {
      body.min = q.min ?? null;
      body.max = q.max ?? null;
    }
    return body;
  });
}

// ---- the target: walking the hierarchy ------------------------------------------------------

async function children(unitId) {
  const path = unitId ? `/units/${encodeURIComponent(unitId)}/children?limit=100` : '/units?limit=100';
  const page = await api.get(path);
  return page.items || [];
}

/** Cascading lists, one per level: the deepest unit chosen is the target; the roles that can be
 * called are those at its level or below. */
function targetPicker(initial) {
  const box = h('div', { class: 'unit-walk', id: 'f-unit', tabindex: '-1' }, h('p', { class: 'muted' }, t('common.loading')));
  const rolesBox = h('div', {});
  // how many people the chosen unit and roles match, before saving (GET /units/{id}/contacts/count)
  const matchBox = h('p', { class: 'match-count', id: 'f-match', role: 'status', 'aria-live': 'polite' });
  rolesBox.addEventListener('change', () => countMatches()); // eslint-disable-line no-use-before-define
  const chain = [...initial.chain]; // unit ids, top first
  let checked = new Set(initial.roles);
  const levelOf = new Map();
  const picker = {
    element: h('div', {}, box, rolesBox, matchBox),
    // until the lists are drawn, what was saved stands (a save meanwhile must not drop the target)
    unitId: () => (drawn ? chain.filter(Boolean).slice(-1)[0] || '' : initial.chain.slice(-1)[0] || ''),
    roles: () => (drawn ? [...rolesBox.querySelectorAll('input[type=checkbox]:checked')].map((el) => el.value) : [...initial.roles]),
  };
  let drawn = false;
  const drawRoles = () => {
    const unitId = picker.unitId();
    if (rolesBox.querySelector('input')) checked = new Set(picker.roles());
    const level = levelOf.get(unitId);
    const depth = level ? LEVELS.indexOf(level) : LEVELS.length;
    const roles = Object.keys(ROLE_LEVEL).filter((r) => LEVELS.indexOf(ROLE_LEVEL[r]) >= depth);
    replace(rolesBox, h('fieldset', { class: 'field roles', id: 'w-f-roles', 'data-unit': unitId },
      h('legend', {}, t('form.roles')),
      roles.length ? h('div', { class: 'checks' }, roles.map((r, i) => checkbox(i === 0 ? 'f-roles' : `f-role-${r}`, t(`role.${r}`), checked.has(r), { value: r })))
        : h('p', { class: 'muted', id: 'f-roles', tabindex: '-1' }, t('form.roles_pick_unit'))));
    countMatches(); // eslint-disable-line no-use-before-define
  };
  let counting = 0;
  const countMatches = async () => {
    const mine = ++counting; // the last choice's answer wins
    const unitId = picker.unitId();
    const roles = picker.roles();
    delete matchBox.dataset.count;
    if (!unitId || !roles.length) {
      replace(matchBox, t('people.match_pick'));
      return;
    }
    replace(matchBox, t('people.match_counting'));
    try {
      const r = await api.get(`/units/${encodeURIComponent(unitId)}/contacts/count?roles=${roles.map(encodeURIComponent).join(',')}`);
      if (mine !== counting) return;
      matchBox.dataset.count = String(r.count);
      replace(matchBox, t(r.exact ? 'people.match_count' : 'people.match_at_least', { count: i18n.number(r.count) }));
    } catch (err) {
      if (mine === counting) replace(matchBox, i18n.errorText(err));
    }
  };
  let drawing = 0;
  const draw = async () => {
    const mine = ++drawing; // a later choice wins over a slower earlier one
    const lists = [];
    let parent = null;
    for (let depth = 0; depth <= chain.length; depth += 1) {
      const items = await children(parent);
      if (mine !== drawing) return;
      if (!items.length) break;
      for (const u of items) levelOf.set(u.unit_id, u.level);
      const id = `f-unit-${depth}`;
      const level = items[0].level;
      lists.push(field(id, t('form.unit_at', { level: t(`level.${level}`) }), h('select', {
        id, name: id,
        onchange: (e) => {
          chain.length = depth;
          if (e.target.value) chain.push(e.target.value);
          draw();
        },
      }, h('option', { value: '' }, depth === 0 ? t('form.unit_choose') : t('form.unit_whole')),
      items.map((u) => h('option', { value: u.unit_id, selected: u.unit_id === chain[depth] }, i18n.pick(u, 'name'))))));
      parent = chain[depth];
      if (!parent) break;
    }
    replace(box, lists);
    drawn = true;
    drawRoles();
  };
  picker.ready = draw();
  return picker;
}

async function initialChain(unitId) {
  if (!unitId) return [];
  const unit = await api.get(`/units/${encodeURIComponent(unitId)}`);
  const path = [...(unit.path || [])];
  if (path[path.length - 1] !== unitId) path.push(unitId);
  return path;
}

// ---- errors --------------------------------------------------------------------------------

/** The id of the page's element for a field the API named ("questions[0].choices[1].label_en"). */
export function fieldElementId(name) {
  const parts = String(name || '').replace(/\[(\d+)\]/g, '.$1').split('.');
  const [head] = parts;
  if (head === 'questions') {
    if (parts.length === 1) return 'f-add-question';
    const [, i, sub, j, leaf] = parts;
    if (sub === 'choices') return j === undefined ? `q-${i}-c0-value` : `q-${i}-c${j}-${leaf || 'value'}`;
    return `q-${i}-${sub || 'text_hi'}`;
  }
  if (head === 'target') return parts[1] === 'roles' ? 'f-roles' : 'f-unit-0';
  if (head === 'calling_hours') return parts[1] === 'end' ? 'f-hours_end' : 'f-hours_start';
  if (head === 'verification') return parts[1] === 'seed' ? 'f-ver_seed' : 'f-ver_rate';
  if (head === 'programme') return parts[1] === 'levels' ? 'f-levels' : 'f-deadline_date';
  if (head === 'kind') return 'f-kind';
  return `f-${head}`;
}

function messageFor(err) {
  const key = err.field ? `form.err.${String(err.field).replace(/\[\d+\]/g, '').replace(/\./g, '_')}` : '';
  if (key && i18n.has(key) && err.code !== 'required') return t(key);
  if (i18n.has(`form.err.code_${err.code}`)) return t(`form.err.code_${err.code}`);
  return i18n.errorText(err);
}

/** An error summary at the top (each line a link to its field) and each message beside its field. */
function showErrors(root, form, errors) {
  clearErrors(root);
  const lines = [];
  for (const { id, message } of errors) {
    const el = root.querySelector(`#${id}`) || root.querySelector(id.startsWith('f-unit') ? '#f-unit' : '#f-title_hi');
    const wrap = el.closest('.field, fieldset') || el.parentElement;
    wrap.classList.add('field-error');
    const msgId = `${el.id}-error`;
    if (!root.querySelector(`#${msgId}`)) {
      const msg = h('p', { class: 'error-message', id: msgId }, h('span', { class: 'visually-hidden' }, t('form.error_prefix')), message);
      const label = wrap.querySelector(':scope > label, :scope > legend, :scope > .hint:last-of-type');
      if (label) label.after(msg);
      else wrap.prepend(msg);
    }
    el.setAttribute('aria-invalid', 'true');
    el.setAttribute('aria-describedby', [el.getAttribute('aria-describedby'), msgId].filter(Boolean).join(' '));
    lines.push(h('li', {}, h('a', {
      href: `#${el.id}`,
      onclick: (e) => {
        e.preventDefault();
        el.focus();
        el.scrollIntoView({ block: 'center' });
      },
    }, message)));
  }
  const summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', 'aria-labelledby': 'error-summary-h' },
    h('h2', { id: 'error-summary-h' }, t('form.errors_title')), h('ul', { class: 'error-list' }, lines));
  form.before(summary);
  summary.focus();
}

// ---- the screen ----------------------------------------------------------------------------

export async function campaignFormScreen(ctx) {
  if (!isOffice()) return ctx.app.go(ctx.app.home());
  const id = ctx.arg || null;
  let c = id ? await api.get(`/campaigns/${encodeURIComponent(id)}`) : null;
  if (!ctx.alive()) return undefined;
  if (c && c.status !== 'draft') return ctx.app.go(`#/campaign/${encodeURIComponent(id)}`);
  const key = newKey(); // one per form: a repeated submit names the same campaign
  await render(ctx, c, key, null);
  return undefined;

  async function render(ctx2, campaign, idemKey, banner) {
    c = campaign;
    const today = i18n.istToday();
    const v = c || {
      kind: 'feedback', title_hi: '', title_en: '', script_hi: '', script_en: '', questions: [],
      target: { unit_id: '', roles: [] }, starts_on: today, ends_on: today,
      calling_hours: { start: '09:00', end: '21:00' }, max_attempts: 3, retry_delay_minutes: 120, lease_minutes: 10,
      escalate_after_days: '', verification: null, programme: null,
    };
    let questions = v.questions.map((q) => ({ ...blankQuestion(0), ...q, choices: q.choices || [] }));
    const picker = targetPicker({ chain: await initialChain(v.target.unit_id), roles: v.target.roles });
    const deadline = v.programme?.deadline ? i18n.istParts(new Date(v.programme.deadline)) : { date: '', time: '' };
    const qBox = h('div', { class: 'questions-edit' });
    const status = h('div', { role: 'status', 'aria-live': 'polite', class: 'form-status' });
    const onChange = (mutate) => {
      questions = readQuestions(ctx2.view, questions.length);
      mutate(questions);
      drawQuestions();
    };
    function drawQuestions() {
      replace(qBox, questions.length ? questions.map((q, i) => questionBlock(q, i, questions.length, onChange))
        : h('p', { class: 'muted' }, t('form.no_questions')));
    }
    const programmeBox = h('fieldset', { class: 'card', id: 'programme-box' },
      h('legend', {}, t('form.programme')),
      v.programme?.source ? h('p', {}, t('campaigns.source_line', { source: t(`source.${v.programme.source}`) })) : null,
      h('div', { class: 'row' },
        field('f-deadline_date', t('form.deadline_date'), input('f-deadline_date', deadline.date, { type: 'date' })),
        field('f-deadline_time', t('form.deadline_time'), input('f-deadline_time', deadline.time, { type: 'time' }))),
      h('fieldset', { class: 'field', id: 'w-f-levels' }, h('legend', {}, t('form.levels')),
        h('div', { class: 'checks' }, RELAY_LEVELS.map((lv, i) => checkbox(i === 0 ? 'f-levels' : `f-level-${lv}`, t(`level.${lv}`),
          (v.programme?.levels || []).includes(lv), { value: lv })))));
    const kindChanged = () => {
      programmeBox.hidden = ctx2.view.querySelector('input[name=kind]:checked')?.value !== 'programme_relay';
    };
    const form = h('form', { class: 'campaign-form', novalidate: true },
      h('fieldset', { class: 'card', id: 'w-f-kind' }, h('legend', {}, t('form.kind')),
        h('div', { class: 'checks' }, KINDS.map((k, i) => h('div', { class: 'check' },
          h('input', { type: 'radio', name: 'kind', id: i === 0 ? 'f-kind' : `f-kind-${k}`, value: k, checked: v.kind === k, onchange: kindChanged }),
          h('label', { for: i === 0 ? 'f-kind' : `f-kind-${k}` }, t(`kind.${k}`)))))),
      h('fieldset', { class: 'card' }, h('legend', {}, t('form.words')),
        h('div', { class: 'row row-2' },
          textField('f-title_hi', t('form.title_hi'), v.title_hi, { lang: 'hi' }),
          textField('f-title_en', t('form.title_en'), v.title_en, { lang: 'en' })),
        h('div', { class: 'row row-2' },
          field('f-script_hi', t('form.script_hi'), h('textarea', { id: 'f-script_hi', name: 'f-script_hi', lang: 'hi', rows: '6' }, v.script_hi)),
          field('f-script_en', t('form.script_en'), h('textarea', { id: 'f-script_en', name: 'f-script_en', lang: 'en', rows: '6' }, v.script_en)))),
      h('fieldset', { class: 'card' }, h('legend', {}, t('form.questions')), qBox,
        button(t('form.add_question'), () => onChange((qs) => qs.push(blankQuestion(qs.length + 1))), 'btn btn-secondary', { id: 'f-add-question' })),
      h('fieldset', { class: 'card' }, h('legend', {}, t('form.target')), h('p', { class: 'hint' }, t('form.target_hint')), picker.element),
      h('fieldset', { class: 'card' }, h('legend', {}, t('form.when')),
        h('div', { class: 'row' },
          field('f-starts_on', t('form.starts_on'), input('f-starts_on', v.starts_on, { type: 'date' })),
          field('f-ends_on', t('form.ends_on'), input('f-ends_on', v.ends_on, { type: 'date' })),
          textField('f-hours_start', t('form.hours_start'), v.calling_hours.start, { class: 'input-short', inputmode: 'numeric' }, t('form.hours_hint')),
          textField('f-hours_end', t('form.hours_end'), v.calling_hours.end, { class: 'input-short', inputmode: 'numeric' }, t('form.hours_hint')))),
      h('fieldset', { class: 'card' }, h('legend', {}, t('form.calling')),
        h('div', { class: 'row' },
          numberField('f-max_attempts', t('form.max_attempts'), v.max_attempts, t('form.max_attempts_hint')),
          numberField('f-retry_delay_minutes', t('form.retry_delay_minutes'), v.retry_delay_minutes, t('form.minutes_hint')),
          numberField('f-lease_minutes', t('form.lease_minutes'), v.lease_minutes, t('form.lease_hint')))),
      h('fieldset', { class: 'card' }, h('legend', {}, t('form.followup')),
        h('div', { class: 'row' },
          numberField('f-escalate_after_days', t('form.escalate_after_days'), v.escalate_after_days, t('form.escalate_hint')),
          numberField('f-ver_rate', t('form.ver_rate'), v.verification ? Math.round(v.verification.rate * 100) : '', t('form.ver_rate_hint'), { step: 'any' }),
          textField('f-ver_seed', t('form.ver_seed'), v.verification?.seed || '', { autocomplete: 'off' }, t('form.ver_seed_hint')))),
      programmeBox,
      status,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'btn btn-primary btn-save' }, c ? t('form.save_changes') : t('form.create')),
        c ? button(t('campaigns.activate'), () => askActivate(), 'btn btn-secondary btn-activate') : null,
        link(t('form.cancel'), c ? `#/campaign/${encodeURIComponent(c.campaign_id)}` : '#/campaigns', 'btn btn-secondary')));
    replace(ctx2.view, link(t('campaigns.back'), '#/campaigns', 'back-link'),
      heading(c ? t('form.edit_title', { title: i18n.pick(c, 'title') }) : t('form.new_title')),
      banner, form);
    drawQuestions();
    kindChanged();
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      saveAndGo(); // eslint-disable-line no-use-before-define
    });

    function body() {
      const root = ctx2.view;
      const kind = root.querySelector('input[name=kind]:checked')?.value;
      const out = {
        kind, title_hi: val(root, 'f-title_hi'), title_en: val(root, 'f-title_en'),
        script_hi: val(root, 'f-script_hi'), script_en: val(root, 'f-script_en'),
        questions: questionsBody(readQuestions(root, questions.length)),
        target: { unit_id: picker.unitId(), roles: picker.roles() },
        starts_on: val(root, 'f-starts_on'), ends_on: val(root, 'f-ends_on'),
        calling_hours: { start: val(root, 'f-hours_start'), end: val(root, 'f-hours_end') },
      };
      for (const name of ['max_attempts', 'retry_delay_minutes', 'lease_minutes', 'escalate_after_days']) {
        const n = intOrUndefined(val(root, `f-${name}`));
        if (n !== undefined) out[name] = n;
      }
      const rate = intOrUndefined(val(root, 'f-ver_rate'));
      if (rate !== undefined) out.verification = { rate: typeof rate === 'number' ? rate / 100 : rate, seed: val(root, 'f-ver_seed') };
      if (kind === 'programme_relay' && (val(root, 'f-deadline_date') || c?.programme)) {
        const date = val(root, 'f-deadline_date');
        const programme = { ...(c?.programme || {}) };
        programme.deadline = date ? i18n.fromIst(date, val(root, 'f-deadline_time') || '23:59').toISOString() : '';
        programme.levels = [...root.querySelectorAll('#w-f-levels input:checked')].map((el) => el.value);
        for (const k of Object.keys(programme)) if (programme[k] === null || programme[k] === undefined) delete programme[k];
        out.programme = programme;
      }
      return out;
    }

    function localErrors(b) {
      const errors = [];
      if (!b.kind) errors.push({ id: 'f-kind', message: t('form.err.kind') });
      for (const name of REQUIRED) {
        if (!b[name]) errors.push({ id: `f-${name}`, message: t(`form.err.missing_${name}`) });
      }
      if (!b.target.unit_id) errors.push({ id: 'f-unit-0', message: t('form.err.target_unit_id') });
      else if (!b.target.roles.length) errors.push({ id: 'f-roles', message: t('form.err.target_roles') });
      return errors;
    }

    let busy = false;
    async function save() {
      if (busy) return null;
      const b = body();
      const errors = localErrors(b);
      if (errors.length) {
        showErrors(ctx2.view, form, errors);
        return null;
      }
      busy = true;
      for (const btn of form.querySelectorAll('button')) btn.disabled = true;
      replace(status, notice(t('form.saving'), 'info'));
      try {
        const saved = c
          ? await api.patch(`/campaigns/${encodeURIComponent(c.campaign_id)}`, { ...b, version: c.version })
          : await api.post('/campaigns', b, { 'Idempotency-Key': idemKey });
        if (!ctx2.alive()) return null;
        c = saved;
        return saved;
      } catch (err) {
        if (!ctx2.alive()) return null;
        if (err.code === 'stale_version') {
          const latest = await api.get(`/campaigns/${encodeURIComponent(c.campaign_id)}`);
          await render(ctx2, latest, idemKey, notice(t('form.conflict', { who: latest.created_by }), 'warn'));
          ctx2.view.querySelector('.notice-warn')?.setAttribute('tabindex', '-1');
          ctx2.view.querySelector('.notice-warn')?.focus();
          return null;
        }
        replace(status);
        if (err.field && err.status === 400) showErrors(ctx2.view, form, [{ id: fieldElementId(err.field), message: messageFor(err) }]);
        else showErrors(ctx2.view, form, [{ id: 'f-title_hi', message: messageFor(err) }]);
        return null;
      } finally {
        busy = false;
        for (const btn of form.querySelectorAll('button')) btn.disabled = false;
      }
    }

    async function saveAndGo() {
      const saved = await save();
      if (saved) ctx2.app.go(`#/campaign/${encodeURIComponent(saved.campaign_id)}`);
    }

    function askActivate() {
      const box = confirmBox(t('campaigns.confirm_activate'), t('form.confirm_activate_note'), t('campaigns.yes_activate'),
        async () => {
          box.remove();
          const saved = await save();
          if (!saved) return;
          try {
            await api.post(`/campaigns/${encodeURIComponent(saved.campaign_id)}/activate`);
            ctx2.app.go(`#/campaign/${encodeURIComponent(saved.campaign_id)}`);
          } catch (err) {
            replace(status, notice(i18n.errorText(err), 'error'));
          }
        },
        () => { box.remove(); form.querySelector('.btn-activate').focus(); });
      form.querySelector('.actions').after(box);
      box.querySelector('h2').focus();
    }
    await picker.ready;
  }
}
