// The people of the call centre (issue 16, points 4-6): agents (list and search, create with the
// temporary password shown once, edit, deactivate behind a confirmation, leave on a calendar, a
// supervisor's duty override with its reason); rosters (a period's grid of rooms × seats × shifts with
// partners, standby and exceptions, generate or revise, what changed against the revision before,
// earlier revisions); settings (seats and rooms, shift windows, digest recipients, the agents'
// employers and the calling settings of issue 20, each refusal of the API shown beside its field).
// Every agent and supervisor has an employer (the outside firm, or the party's own staff): set when
// created, editable, shown and filtered on in the list. GOV.UK-style forms: labels above, an error summary linking to fields,
// what was typed kept, one Idempotency-Key per create form.

import * as api from './api.js';
import * as i18n from './i18n.js';
import { button, h, heading, link, notice, replace } from './ui.js';
import { clearErrors } from './forms.js';

const t = i18n.t;
const tk = (key, vars) => i18n.t(key, vars); // a key built from data (its values are listed in the catalogues)
const has = (key) => i18n.has(key);
const enc = encodeURIComponent;
const isAdmin = () => api.hasRole('admin');
const isOffice = () => api.hasRole('supervisor', 'admin');
const SHIFTS = ['morning', 'evening'];
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const AUDIENCES = ['district', 'state', 'central'];
const ANCHOR = Date.UTC(2024, 0, 1); // a Monday: rotation periods are aligned on it (shifts/rules.py)
const DAY_MS = 86400000;

// ---- small builders ------------------------------------------------------------------------

function idemKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function field(id, label, control, hint = null) {
  return h('div', { class: 'field', id: `w-${id}` },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    control);
}

function input(id, value = '', extra = {}) {
  return h('input', { type: 'text', id, name: id, value: value ?? '', autocomplete: 'off', ...extra });
}

function fieldset(legend, kids, extra = {}) {
  return h('fieldset', { class: 'fieldset', ...extra }, h('legend', {}, legend), kids);
}

function checkbox(id, name, value, label, checked) {
  return h('div', { class: 'choice' },
    h('input', { type: 'checkbox', id, name, value, checked }),
    h('label', { for: id }, label));
}

function radio(id, name, value, label, checked) {
  return h('div', { class: 'choice' },
    h('input', { type: 'radio', id, name, value, checked }),
    h('label', { for: id }, label));
}

function table(caption, columns, rows, cls = '') {
  return h('table', { class: `table staff-table ${cls}` },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell, i) => h('td', { 'data-label': columns[i] }, cell))))));
}

function facts(rows) {
  return h('dl', { class: 'staff-facts' }, rows.filter(Boolean).map(([label, value]) => h('div', { class: 'staff-fact' },
    h('dt', {}, label), h('dd', {}, value))));
}

/** GOV.UK's pattern: a summary under the form's heading linking to each field, the message beside it. */
function showErrors(form, errors) {
  clearErrors(form);
  const lines = [];
  for (const { id, message } of errors) {
    const el = form.querySelector(`#${id}`);
    if (!el) continue;
    const wrap = el.closest('.field') || el.closest('fieldset') || el.parentElement;
    wrap.classList.add('field-error');
    const msgId = `${id}-error`;
    const msg = h('p', { class: 'error-message', id: msgId }, h('span', { class: 'visually-hidden' }, t('staff.error_prefix')), message);
    (wrap.querySelector(':scope > .hint') || wrap.querySelector(':scope > label') || wrap.querySelector(':scope > legend')).after(msg);
    el.setAttribute('aria-invalid', 'true');
    el.setAttribute('aria-describedby', [el.getAttribute('aria-describedby'), msgId].filter(Boolean).join(' '));
    lines.push(h('li', {}, h('a', { href: `#${id}`, onclick: (e) => { e.preventDefault(); el.focus(); } }, message)));
  }
  const summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', 'aria-labelledby': `${form.id}-errors-h` },
    h('h2', { id: `${form.id}-errors-h` }, t('staff.errors_title')), h('ul', { class: 'error-list' }, lines));
  const title = form.querySelector(':scope > h2');
  if (title) title.after(summary);
  else form.prepend(summary);
  summary.focus();
}

/** The message for an API refusal: the catalogue's line for its code, else the general one. */
function apiMessage(err) {
  if (err?.code && has(`staff.err.${err.code}`)) return tk(`staff.err.${err.code}`);
  if (err?.field && (err.code === 'invalid' || err.code === 'required')) {
    const key = `staff.err.field.${err.field.replace(/\[(\d+)\]/g, '.$1').replace(/\.\d+\./g, '.')}`;
    if (has(key)) return tk(key);
  }
  return i18n.errorText(err);
}

function nameOf(a) {
  return i18n.pick(a, 'name') || a?.username || '';
}

function roleName(role) {
  return has(`staff.role.${role}`) ? tk(`staff.role.${role}`) : role;
}

function statusPill(a) {
  return a.active ? h('span', { class: 'pill pill-active' }, t('staff.active'))
    : h('span', { class: 'pill pill-closed' }, t('staff.inactive'));
}

function langs(list) {
  return (list || []).map((l) => (has(`staff.lang.${l}`) ? tk(`staff.lang.${l}`) : l)).join(', ');
}

function when(iso) {
  return iso ? `${i18n.dateTime(iso)} ${t('common.ist')}` : '';
}

/** The employers (the party's own staff first): GET /settings/employers. */
async function loadEmployers() {
  return (await api.get('/settings/employers')).employers || [];
}

function employerName(list, id) {
  const found = (list || []).find((e) => e.id === id);
  return found ? i18n.pick(found, 'name') || id : id || '';
}

/** GOV.UK's select: the employers by name, the current one chosen. */
function employerSelect(id, list, chosen) {
  return h('select', { id, name: 'employer', 'aria-describedby': `${id}-hint` },
    (list || []).map((e) => h('option', { value: e.id, selected: e.id === chosen }, i18n.pick(e, 'name') || e.id)));
}

async function allPages(path, maxPages = 20) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < maxPages; i += 1) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api.get(`${path}${sep}limit=100${cursor ? `&cursor=${enc(cursor)}` : ''}`);
    items.push(...page.items);
    if (!page.next_cursor) return { items, last: page };
    cursor = page.next_cursor;
  }
  return { items, last: null };
}

// ---- 4. agents: the list --------------------------------------------------------------------

export async function agentsScreen(ctx) {
  if (!isOffice()) return ctx.app.go(ctx.app.home());
  if (ctx.arg === 'new') return isAdmin() ? createAgent(ctx) : ctx.app.go('#/agents');
  const kept = JSON.parse(sessionStorage.getItem('sampark.staff.filter') || '{}');
  const q = input('a-q', kept.q || '', { type: 'search', spellcheck: 'false' });
  const role = h('select', { id: 'a-role', name: 'role' },
    h('option', { value: '' }, t('staff.all_roles')),
    ['agent', 'supervisor'].map((r) => h('option', { value: r, selected: kept.role === r }, roleName(r))));
  let employers = [];
  try {
    employers = await loadEmployers();
  } catch {
    employers = [];
  }
  if (!ctx.alive()) return undefined;
  const employer = h('select', { id: 'a-employer', name: 'employer' },
    h('option', { value: '' }, t('staff.all_employers')),
    employers.map((e) => h('option', { value: e.id, selected: kept.employer === e.id }, i18n.pick(e, 'name') || e.id)));
  const state = h('select', { id: 'a-state', name: 'state' },
    h('option', { value: '' }, t('staff.all_states')),
    h('option', { value: 'active', selected: kept.state === 'active' }, t('staff.active')),
    h('option', { value: 'inactive', selected: kept.state === 'inactive' }, t('staff.inactive')));
  const filters = h('form', { class: 'staff-filter', role: 'search', 'aria-label': t('staff.filter_label'), onsubmit: (e) => e.preventDefault() },
    field('a-q', t('staff.search_label'), q, t('staff.search_hint')),
    field('a-role', t('staff.col.role'), role),
    field('a-employer', t('staff.col.employer'), employer),
    field('a-state', t('staff.col.status'), state));
  const count = h('p', { class: 'staff-count', role: 'status', 'aria-live': 'polite' });
  const list = h('div', { class: 'staff-list' }, h('p', { class: 'muted' }, t('common.loading')));
  replace(ctx.view, h('div', { class: 'title-row' }, heading(t('staff.agents_title')),
    isAdmin() ? link(t('staff.add_agent'), '#/agents/new', 'btn btn-primary btn-add-agent') : null),
  filters, count, list);
  // The search, the role and the employer are asked of the API (GET /agents?q=&role=&employer=: login
  // name or name prefix, Hindi or English), a page of 100 at a time; active/inactive filters the rows fetched.
  let all = [];
  let next = null;
  let asked = 0;
  const more = h('div', { class: 'actions' });
  const draw = () => {
    sessionStorage.setItem('sampark.staff.filter', JSON.stringify({ q: q.value, role: role.value, employer: employer.value, state: state.value }));
    const shown = all.filter((a) => !state.value || (state.value === 'active') === a.active);
    replace(count, t('staff.count_found', { n: i18n.number(shown.length) + (next ? '+' : '') }));
    replace(list, shown.length ? table(t('staff.agents_title'),
      [t('staff.col.name'), t('staff.col.username'), t('staff.col.role'), t('staff.col.employer'), t('staff.col.status'),
        t('staff.col.override'), t('staff.col.languages'), t('staff.col.phone')],
      shown.map((a) => [
        link(nameOf(a), `#/agent/${enc(a.username)}`, 'cell-link'), a.username, roleName(a.role),
        h('span', { class: 'staff-employer', 'data-employer': a.employer }, employerName(employers, a.employer)), statusPill(a),
        a.override ? h('span', { class: 'staff-override-cell' }, t('staff.override_cell', { when: when(a.override.until), reason: a.override.reason })) : '–',
        langs(a.languages), h('span', { class: 'phone-masked' }, a.phone_masked || '–'),
      ]), 'staff-agents') : h('p', { class: 'muted' }, t('staff.none_found')), more);
    replace(more, next ? button(t('staff.more'), () => load(true), 'btn btn-secondary btn-more') : null);
  };
  const load = async (again = false) => {
    const mine = ++asked;
    const params = new URLSearchParams({ limit: '100' });
    if (q.value.trim()) params.set('q', q.value.trim());
    if (role.value) params.set('role', role.value);
    if (employer.value) params.set('employer', employer.value);
    if (again && next) params.set('cursor', next);
    try {
      const page = await api.get(`/agents?${params}`);
      if (mine !== asked || !ctx.alive()) return;
      all = again ? all.concat(page.items) : page.items;
      next = page.next_cursor;
      draw();
    } catch (err) {
      if (mine !== asked || !ctx.alive()) return;
      all = [];
      next = null;
      replace(count);
      replace(list, notice(apiMessage(err), 'error'));
    }
  };
  let typing = null;
  q.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => load(), 250);
  });
  role.addEventListener('input', () => load());
  employer.addEventListener('input', () => load());
  state.addEventListener('input', draw);
  await load();
  return undefined;
}

// ---- 4. agents: create ----------------------------------------------------------------------

const AGENT_FIELDS = { username: 'c-username', name_hi: 'c-name_hi', name_en: 'c-name_en', email: 'c-email', phone: 'c-phone',
  role: 'c-role-agent', languages: 'c-lang-hi', employer: 'c-employer', body: 'c-username' };

async function createAgent(ctx) {
  const key = idemKey();
  const employers = await loadEmployers();
  if (!ctx.alive()) return;
  const form = h('form', { id: 'agent-form', class: 'card staff-form', novalidate: true, 'aria-labelledby': 'agent-form-h' },
    h('h2', { id: 'agent-form-h', class: 'visually-hidden' }, t('staff.new_agent')),
    field('c-username', t('staff.col.username'), input('c-username', '', { autocapitalize: 'none', spellcheck: 'false', class: 'input-medium',
      'aria-describedby': 'c-username-hint' }), t('staff.username_hint')),
    h('div', { class: 'row row-2' },
      field('c-name_hi', t('staff.name_hi'), input('c-name_hi', '', { lang: 'hi' })),
      field('c-name_en', t('staff.name_en'), input('c-name_en', '', { lang: 'en' }))),
    h('div', { class: 'row row-2' },
      field('c-email', t('staff.col.email'), input('c-email', '', { type: 'email', spellcheck: 'false', 'aria-describedby': 'c-email-hint' }), t('staff.email_hint')),
      field('c-phone', t('staff.phone_optional'), input('c-phone', '', { type: 'tel', class: 'input-medium' }))),
    fieldset(t('staff.col.role'), ['agent', 'supervisor'].map((r) => radio(`c-role-${r}`, 'role', r, roleName(r), r === 'agent'))),
    field('c-employer', t('staff.col.employer'), employerSelect('c-employer', employers, 'party'), t('staff.employer_hint')),
    fieldset(t('staff.col.languages'), ['hi', 'en'].map((l) => checkbox(`c-lang-${l}`, 'languages', l, tk(`staff.lang.${l}`), l === 'hi'))),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn btn-primary btn-create' }, t('staff.create')),
      link(t('staff.cancel'), '#/agents', 'btn btn-secondary')));
  replace(ctx.view, link(t('staff.back_to_agents'), '#/agents', 'back-link'), heading(t('staff.new_agent')),
    h('p', { class: 'lead' }, t('staff.new_agent_intro')), form);
  let busy = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy) return;
    const val = (id) => form.querySelector(`#${id}`).value.trim();
    const body = {
      username: val('c-username').toLowerCase(), name_hi: val('c-name_hi'), name_en: val('c-name_en'), email: val('c-email'),
      phone: val('c-phone') || null, role: form.querySelector('input[name=role]:checked')?.value || 'agent',
      employer: form.querySelector('#c-employer').value,
      languages: [...form.querySelectorAll('input[name=languages]:checked')].map((x) => x.value),
    };
    const errors = [];
    if (!/^[a-z0-9][a-z0-9._-]{2,63}$/.test(body.username)) errors.push({ id: 'c-username', message: t('staff.err.username') });
    if (!body.name_hi && !body.name_en) errors.push({ id: 'c-name_hi', message: t('staff.err.name') });
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(body.email)) errors.push({ id: 'c-email', message: t('staff.err.email') });
    if (!body.languages.length) errors.push({ id: 'c-lang-hi', message: t('staff.err.languages') });
    if (errors.length) {
      showErrors(form, errors);
      return;
    }
    busy = true;
    form.querySelector('.btn-create').disabled = true;
    try {
      const made = await api.post('/agents', body, { 'Idempotency-Key': key });
      if (!ctx.alive()) return;
      created(ctx, made);
    } catch (err) {
      const id = AGENT_FIELDS[err.field] || (['agent_exists', 'username_taken'].includes(err.code) ? 'c-username' : null);
      if (id) showErrors(form, [{ id, message: apiMessage(err) }]);
      else showErrors(form, [{ id: 'c-username', message: apiMessage(err) }]);
    } finally {
      busy = false;
      const btn = form.querySelector('.btn-create');
      if (btn) btn.disabled = false;
    }
  });
  form.querySelector('#c-username').focus();
}

/** The confirmation page: the temporary password, shown this once (it is not kept by the client). */
function created(ctx, agent) {
  const pw = agent.temporary_password;
  replace(ctx.view, heading(t('staff.created_title')),
    h('div', { class: 'panel-ok', role: 'status' },
      h('p', {}, t('staff.created_for', { name: nameOf(agent), username: agent.username })),
      pw ? h('div', {},
        h('p', { class: 'staff-pw-label', id: 'pw-label' }, t('staff.temporary_password')),
        h('p', { class: 'staff-pw', id: 'temporary-password' }, pw)) : null),
    pw ? notice(t('staff.password_once'), 'warn') : notice(t('staff.password_exists'), 'info'),
    h('p', {}, t('staff.first_sign_in')),
    h('div', { class: 'actions' },
      link(t('staff.open_agent'), `#/agent/${enc(agent.username)}`, 'btn btn-primary'),
      link(t('staff.add_another'), '#/agents/new', 'btn btn-secondary'),
      link(t('staff.back_to_agents'), '#/agents', 'btn btn-secondary')));
}

// ---- 4. one agent ---------------------------------------------------------------------------

export async function agentScreen(ctx) {
  if (!isOffice()) return ctx.app.go(ctx.app.home());
  const username = ctx.arg;
  const [first, employers] = await Promise.all([api.get(`/agents/${enc(username)}`), loadEmployers().catch(() => [])]);
  let a = first;
  if (!ctx.alive()) return undefined;
  const top = h('div', { class: 'staff-status', role: 'status', 'aria-live': 'polite' });
  const main = h('div', {});
  const duty = h('section', { class: 'card', 'aria-labelledby': 'duty-h' });
  const leaves = h('section', { class: 'card', 'aria-labelledby': 'leave-h' });
  let month = i18n.istToday().slice(0, 7);
  let leaveList = [];

  const draw = (banner = null) => {
    replace(ctx.view, link(t('staff.back_to_agents'), '#/agents', 'back-link'),
      h('div', { class: 'title-row' }, heading(nameOf(a)), statusPill(a)), banner, top, main, duty, leaves);
    drawMain();
  };

  function drawMain() {
    replace(main, h('section', { class: 'card', 'aria-labelledby': 'about-h' },
      h('h2', { id: 'about-h' }, t('staff.about')),
      facts([
        [t('staff.col.username'), a.username],
        [t('staff.col.role'), roleName(a.role)],
        [t('staff.col.employer'), employerName(employers, a.employer)],
        [t('staff.col.status'), a.active ? t('staff.active') : t('staff.inactive')],
        [t('staff.col.email'), a.email],
        [t('staff.col.phone'), h('span', { class: 'phone-masked' }, a.phone_masked || '–')],
        [t('staff.col.languages'), langs(a.languages)],
        [t('staff.col.updated'), `${when(a.updated_at)} · ${t('staff.version', { n: i18n.number(a.version) })}`],
      ]),
      isAdmin() ? h('div', { class: 'actions' },
        button(t('staff.edit'), () => drawEdit(), 'btn btn-secondary btn-edit'),
        a.active ? button(t('staff.reset_password'), askReset, 'btn btn-secondary btn-reset') : null,
        a.active ? button(t('staff.deactivate'), askDeactivate, 'btn btn-secondary btn-deactivate')
          : button(t('staff.reactivate'), () => setActive(true), 'btn btn-secondary btn-reactivate'))
        : h('p', { class: 'hint' }, t('staff.admin_only_edit'))));
  }

  // -- an admin's password reset: a confirmation first (it cannot be undone), then the temporary
  // password shown once; the agent's next sign-in goes through "choose a new password" (login.js)
  function askReset() {
    const box = h('div', { class: 'card confirm', role: 'group', 'aria-labelledby': 'reset-h' },
      h('h2', { id: 'reset-h', tabindex: '-1' }, t('staff.confirm_reset', { name: nameOf(a) })),
      h('p', {}, t('staff.confirm_reset_note')),
      h('div', { class: 'actions' },
        button(t('staff.yes_reset'), resetPassword, 'btn btn-primary btn-danger btn-confirm-reset'),
        button(t('staff.go_back'), () => drawMain(), 'btn btn-secondary')));
    replace(main, box);
    box.querySelector('h2').focus();
  }

  async function resetPassword() {
    for (const btn of main.querySelectorAll('button')) btn.disabled = true;
    let res;
    try {
      res = await api.post(`/agents/${enc(username)}/password-reset`, {});
    } catch (err) {
      draw(notice(apiMessage(err), 'error'));
      return;
    }
    if (!ctx.alive()) return;
    replace(ctx.view, link(t('staff.back_to_agents'), '#/agents', 'back-link'), heading(t('staff.reset_title')),
      h('div', { class: 'panel-ok', role: 'status' },
        h('p', {}, t('staff.reset_for', { name: nameOf(a), username: a.username })),
        h('p', { class: 'staff-pw-label', id: 'pw-label' }, t('staff.temporary_password')),
        h('p', { class: 'staff-pw', id: 'temporary-password', 'aria-labelledby': 'pw-label' }, res.temporary_password)),
      notice(t('staff.password_once'), 'warn'),
      h('p', {}, t('staff.reset_give')),
      h('div', { class: 'actions' },
        button(t('staff.open_agent'), () => draw(), 'btn btn-primary btn-open-agent'), // this page: no route change
        link(t('staff.back_to_agents'), '#/agents', 'btn btn-secondary')));
  }

  async function setActive(active) {
    try {
      a = await api.patch(`/agents/${enc(username)}`, { version: a.version, active });
      draw(notice(active ? t('staff.reactivated') : t('staff.deactivated'), 'ok'));
      loadDuty();
    } catch (err) {
      if (err.code === 'stale_version') a = await api.get(`/agents/${enc(username)}`);
      draw(notice(apiMessage(err), 'error'));
    }
  }

  function askDeactivate() {
    const box = h('div', { class: 'card confirm', role: 'group', 'aria-labelledby': 'deact-h' },
      h('h2', { id: 'deact-h', tabindex: '-1' }, t('staff.confirm_deactivate', { name: nameOf(a) })),
      h('p', {}, t('staff.confirm_deactivate_note')),
      h('div', { class: 'actions' },
        button(t('staff.yes_deactivate'), () => setActive(false), 'btn btn-primary btn-danger btn-confirm-deactivate'),
        button(t('staff.go_back'), () => drawMain(), 'btn btn-secondary')));
    replace(main, box);
    box.querySelector('h2').focus();
  }

  function drawEdit(values = null, banner = null) {
    const v = values || { name_hi: a.name_hi, name_en: a.name_en, email: a.email, phone: '', role: a.role, languages: a.languages,
      employer: a.employer };
    const form = h('form', { id: 'edit-form', class: 'card staff-form', novalidate: true, 'aria-labelledby': 'edit-h' },
      h('h2', { id: 'edit-h', tabindex: '-1' }, t('staff.edit_title')),
      banner,
      h('div', { class: 'row row-2' },
        field('e-name_hi', t('staff.name_hi'), input('e-name_hi', v.name_hi, { lang: 'hi' })),
        field('e-name_en', t('staff.name_en'), input('e-name_en', v.name_en, { lang: 'en' }))),
      h('div', { class: 'row row-2' },
        field('e-email', t('staff.col.email'), input('e-email', v.email, { type: 'email', spellcheck: 'false' })),
        field('e-phone', t('staff.new_phone'), input('e-phone', v.phone, { type: 'tel', class: 'input-medium', 'aria-describedby': 'e-phone-hint' }),
          t('staff.new_phone_hint'))),
      fieldset(t('staff.col.role'), ['agent', 'supervisor'].map((r) => radio(`e-role-${r}`, 'role', r, roleName(r), r === v.role))),
      field('e-employer', t('staff.col.employer'), employerSelect('e-employer', employers, v.employer), t('staff.employer_hint')),
      fieldset(t('staff.col.languages'), ['hi', 'en'].map((l) => checkbox(`e-lang-${l}`, 'languages', l, tk(`staff.lang.${l}`), (v.languages || []).includes(l)))),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'btn btn-primary btn-save' }, t('staff.save')),
        button(t('staff.cancel'), () => drawMain(), 'btn btn-secondary')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const val = (id) => form.querySelector(`#${id}`).value.trim();
      const typed = {
        name_hi: val('e-name_hi'), name_en: val('e-name_en'), email: val('e-email'), phone: val('e-phone'),
        role: form.querySelector('input[name=role]:checked')?.value, languages: [...form.querySelectorAll('input[name=languages]:checked')].map((x) => x.value),
        employer: form.querySelector('#e-employer').value,
      };
      if (!typed.name_hi && !typed.name_en) return showErrors(form, [{ id: 'e-name_hi', message: t('staff.err.name') }]);
      if (!typed.languages.length) return showErrors(form, [{ id: 'e-lang-hi', message: t('staff.err.languages') }]);
      const body = { version: a.version };
      for (const k of ['name_hi', 'name_en', 'email', 'role', 'employer']) if (typed[k] !== (a[k] || '')) body[k] = typed[k];
      if (typed.phone) body.phone = typed.phone;
      if (typed.languages.join() !== (a.languages || []).join()) body.languages = typed.languages;
      try {
        a = await api.patch(`/agents/${enc(username)}`, body);
        draw(notice(t('staff.saved'), 'ok'));
        loadDuty();
      } catch (err) {
        if (err.code === 'stale_version') {
          a = await api.get(`/agents/${enc(username)}`);
          draw();
          drawEdit(typed, notice(t('staff.conflict', { n: i18n.number(a.version) }), 'warn'));
          return undefined;
        }
        const ids = { name_hi: 'e-name_hi', name_en: 'e-name_en', email: 'e-email', phone: 'e-phone', role: 'e-role-agent', languages: 'e-lang-hi',
          employer: 'e-employer' };
        showErrors(form, [{ id: ids[err.field] || 'e-name_hi', message: apiMessage(err) }]);
      }
      return undefined;
    });
    replace(main, form);
    form.querySelector('h2').focus();
  }

  // -- duty: what the next call's gate says now, and the supervisor's override
  async function loadDuty(banner = null) {
    let d;
    try {
      d = await api.get(`/agents/${enc(username)}/duty`);
    } catch (err) {
      replace(duty, h('h2', { id: 'duty-h' }, t('staff.duty')), notice(i18n.errorText(err), 'error'));
      return;
    }
    if (!ctx.alive()) return;
    const reason = has(`staff.duty.${d.reason}`) ? tk(`staff.duty.${d.reason}`) : d.reason;
    const today = i18n.istToday();
    const form = h('form', { id: 'override-form', class: 'staff-override', novalidate: true, 'aria-labelledby': 'override-h' },
      h('h3', { id: 'override-h' }, t('staff.override_title')),
      h('p', { class: 'hint' }, t('staff.override_note')),
      h('div', { class: 'row row-2' },
        field('o-date', t('staff.override_until_date'), input('o-date', today, { type: 'date', min: today })),
        field('o-time', t('staff.override_until_time'), input('o-time', '21:00', { type: 'time' }))),
      field('o-reason', t('staff.override_reason'), h('textarea', { id: 'o-reason', name: 'reason', rows: '2', maxlength: '300',
        'aria-describedby': 'o-reason-hint' }), t('staff.override_reason_hint')),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary btn-override' }, t('staff.override_set'))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const dateV = form.querySelector('#o-date').value;
      const timeV = form.querySelector('#o-time').value;
      const reasonV = form.querySelector('#o-reason').value.trim();
      const errs = [];
      if (!/^\d{4}-\d{2}-\d{2}$/.test(dateV)) errs.push({ id: 'o-date', message: t('staff.err.date') });
      if (!/^\d{2}:\d{2}$/.test(timeV)) errs.push({ id: 'o-time', message: t('staff.err.time') });
      if (reasonV.length < 3) errs.push({ id: 'o-reason', message: t('staff.err.override_reason') });
      if (errs.length) return showErrors(form, errs);
      try {
        const res = await api.post(`/agents/${enc(username)}/duty-override`, { until: i18n.fromIst(dateV, timeV).toISOString(), reason: reasonV });
        loadDuty(notice(t('staff.override_done', { when: when(res.until), reason: res.reason }), 'ok'));
      } catch (err) {
        showErrors(form, [{ id: err.field === 'reason' ? 'o-reason' : 'o-date', message: apiMessage(err) }]);
      }
      return undefined;
    });
    replace(duty, h('h2', { id: 'duty-h' }, t('staff.duty')), banner,
      facts([
        [t('staff.duty_now'), h('span', {}, d.on_duty ? h('span', { class: 'pill pill-active' }, t('staff.on_duty')) : h('span', { class: 'pill' }, t('staff.off_duty')), ' ', reason)],
        d.shift ? [t('staff.col.shift'), tk(`staff.shift.${d.shift}`)] : null,
        d.seat ? [t('staff.col.seat'), d.seat] : null,
        d.partner ? [t('staff.col.partner'), d.partner] : null,
        d.next_window ? [t('staff.next_window'), when(d.next_window.start)] : null,
        d.override ? [t('staff.override_until'), when(d.override.until)] : null,
        d.override ? [t('staff.override_why'), h('span', { class: 'override-reason' }, d.override.reason)] : null,
        d.override ? [t('staff.override_set_by'), t('staff.override_by_at', { by: d.override.set_by, when: when(d.override.set_at) })] : null,
      ]),
      d.override ? h('div', { class: 'actions' }, button(t('staff.override_lift'), async () => {
        try {
          await api.request('DELETE', `/agents/${enc(username)}/duty-override`);
          loadDuty(notice(t('staff.override_lifted'), 'ok'));
        } catch (err) {
          loadDuty(notice(apiMessage(err), 'error'));
        }
      }, 'btn btn-secondary btn-lift')) : null,
      a.role === 'agent' || a.role === 'supervisor' ? form : null);
  }

  // -- leave: a month's calendar, the list, and (admin) a form to add one
  async function loadLeaves(banner = null) {
    try {
      leaveList = (await allPages(`/agents/${enc(username)}/leaves`, 5)).items;
    } catch (err) {
      replace(leaves, h('h2', { id: 'leave-h' }, t('staff.leave')), notice(i18n.errorText(err), 'error'));
      return;
    }
    if (ctx.alive()) drawLeaves(banner);
  }

  function drawLeaves(banner = null, typed = null) {
    const today = i18n.istToday();
    const key = idemKey();
    const form = isAdmin() ? h('form', { id: 'leave-form', class: 'staff-leave-form', novalidate: true, 'aria-labelledby': 'leave-add-h' },
      h('h3', { id: 'leave-add-h' }, t('staff.leave_add')),
      h('div', { class: 'row row-2' },
        field('l-from', t('staff.leave_from'), input('l-from', typed?.from || '', { type: 'date' })),
        field('l-to', t('staff.leave_to'), input('l-to', typed?.to || '', { type: 'date' }))),
      field('l-reason', t('staff.leave_reason'), input('l-reason', typed?.reason || '', { maxlength: '200' })),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary btn-leave' }, t('staff.leave_save')))) : null;
    form?.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = { from: form.querySelector('#l-from').value, to: form.querySelector('#l-to').value, reason: form.querySelector('#l-reason').value.trim() };
      const errs = [];
      if (!/^\d{4}-\d{2}-\d{2}$/.test(body.from)) errs.push({ id: 'l-from', message: t('staff.err.date') });
      if (!/^\d{4}-\d{2}-\d{2}$/.test(body.to)) errs.push({ id: 'l-to', message: t('staff.err.date') });
      else if (body.from && body.to < body.from) errs.push({ id: 'l-to', message: t('staff.err.to_before_from') });
      if (!body.reason) errs.push({ id: 'l-reason', message: t('staff.err.leave_reason') });
      if (errs.length) return showErrors(form, errs);
      try {
        await api.post(`/agents/${enc(username)}/leaves`, body, { 'Idempotency-Key': key });
        month = body.from.slice(0, 7);
        loadLeaves(notice(t('staff.leave_added', { from: i18n.day(body.from), to: i18n.day(body.to) }), 'ok'));
      } catch (err) {
        const ids = { from: 'l-from', to: 'l-to', reason: 'l-reason' };
        showErrors(form, [{ id: ids[err.field] || 'l-from', message: apiMessage(err) }]);
      }
      return undefined;
    });
    replace(leaves, h('h2', { id: 'leave-h' }, t('staff.leave')), banner,
      calendar(month, leaveList, today, (m) => { month = m; drawLeaves(); leaves.querySelector('.cal-nav button')?.focus(); }),
      leaveList.length ? table(t('staff.leave_list'), [t('staff.leave_from'), t('staff.leave_to'), t('staff.leave_reason'), t('staff.leave_by'), t('staff.col.action')],
        leaveList.map((lv) => [i18n.day(lv.from), i18n.day(lv.to), lv.reason, lv.created_by || '',
          isAdmin() && lv.from > today ? button(t('staff.leave_withdraw'), async () => {
            try {
              await api.request('DELETE', `/agents/${enc(username)}/leaves/${enc(lv.leave_id)}`);
              loadLeaves(notice(t('staff.leave_withdrawn'), 'ok'));
            } catch (err) {
              loadLeaves(notice(apiMessage(err), 'error'));
            }
          }, 'btn btn-small btn-secondary', { 'aria-label': t('staff.leave_withdraw_label', { from: i18n.day(lv.from) }) }) : '']), 'staff-leaves')
        : h('p', { class: 'muted' }, t('staff.no_leave')),
      form);
  }

  draw();
  replace(duty, h('h2', { id: 'duty-h' }, t('staff.duty')), h('p', { class: 'muted' }, t('common.loading')));
  replace(leaves, h('h2', { id: 'leave-h' }, t('staff.leave')), h('p', { class: 'muted' }, t('common.loading')));
  await Promise.all([loadDuty(), loadLeaves()]);
  return undefined;
}

/** A month as a table: weeks from Monday, days on leave marked (text and colour), today outlined. */
function calendar(month, leaveList, today, go) {
  const [y, m] = month.split('-').map(Number);
  const first = new Date(Date.UTC(y, m - 1, 1));
  const daysIn = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const lead = (first.getUTCDay() + 6) % 7;
  const ymd = (d) => `${month}-${String(d).padStart(2, '0')}`;
  const onLeave = (day) => leaveList.find((lv) => lv.from <= day && day <= lv.to);
  const title = new Intl.DateTimeFormat(i18n.current() === 'hi' ? 'hi-IN' : 'en-IN', { timeZone: 'UTC', month: 'long', year: 'numeric' }).format(first);
  const shiftMonth = (by) => {
    const d = new Date(Date.UTC(y, m - 1 + by, 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  };
  const cells = [];
  for (let i = 0; i < lead; i += 1) cells.push(h('td', { class: 'cal-empty' }));
  for (let d = 1; d <= daysIn; d += 1) {
    const day = ymd(d);
    const lv = onLeave(day);
    cells.push(h('td', { class: `cal-day${lv ? ' cal-leave' : ''}${day === today ? ' cal-today' : ''}`, 'data-day': day },
      h('span', { class: 'cal-num' }, i18n.number(d)),
      lv ? h('span', { class: 'cal-mark' }, t('staff.on_leave')) : null));
  }
  while (cells.length % 7) cells.push(h('td', { class: 'cal-empty' }));
  const rows = [];
  for (let i = 0; i < cells.length; i += 7) rows.push(h('tr', {}, cells.slice(i, i + 7)));
  return h('div', { class: 'cal' },
    h('div', { class: 'cal-nav' },
      button(t('staff.cal_prev'), () => go(shiftMonth(-1)), 'btn btn-small btn-secondary cal-prev'),
      h('p', { class: 'cal-title', 'aria-live': 'polite' }, title),
      button(t('staff.cal_next'), () => go(shiftMonth(1)), 'btn btn-small btn-secondary cal-next')),
    h('table', { class: 'cal-grid' },
      h('caption', { class: 'visually-hidden' }, t('staff.cal_caption', { month: title })),
      h('thead', {}, h('tr', {}, DAYS.map((d) => h('th', { scope: 'col', abbr: tk(`staff.day.${d}`) }, tk(`staff.dayshort.${d}`))))),
      h('tbody', {}, rows)));
}

// ---- 5. rosters -----------------------------------------------------------------------------

function periodStart(ymd, weeks) {
  const day = Date.parse(`${ymd}T00:00:00Z`);
  const span = 7 * weeks * DAY_MS;
  return new Date(ANCHOR + Math.floor((day - ANCHOR) / span) * span).toISOString().slice(0, 10);
}

function addDays(ymd, n) {
  return new Date(Date.parse(`${ymd}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

function placeText(line) {
  if (!line) return t('staff.not_on_roster');
  if (line.status === 'placed') {
    const where = line.seat ? t('staff.place_seat', { shift: tk(`staff.shift.${line.shift}`), seat: line.seat })
      : t('staff.place_shift', { shift: tk(`staff.shift.${line.shift}`) });
    return line.partner ? `${where} · ${t('staff.with_partner', { name: nameOf(line.partner) })}` : where;
  }
  return has(`staff.status.${line.status}`) ? tk(`staff.status.${line.status}`) : line.status;
}

function lineKey(line) {
  return line ? [line.status, line.shift || '', line.seat || '', line.partner?.username || '', line.reason || '', line.role].join('|') : '';
}

async function rosterLines(period, rev) {
  const { items, last } = await allPages(`/rosters/${enc(period)}${rev ? `?rev=${rev}` : ''}`, 50);
  return { items, head: last };
}

export async function rostersScreen(ctx) {
  if (!isOffice()) return ctx.app.go(ctx.app.home());
  const [shifts, seats] = await Promise.all([api.get('/settings/shifts'), api.get('/settings/seats')]);
  if (!ctx.alive()) return undefined;
  const weeks = shifts.period_weeks || 1;
  const today = i18n.istToday();
  const current = periodStart(today, weeks);
  const [periodArg, revArg] = (ctx.arg || '').split('@');
  const period = /^\d{4}-\d{2}-\d{2}$/.test(periodArg) ? periodStart(periodArg, weeks) : current;
  const rev = /^\d+$/.test(revArg || '') ? Number(revArg) : null;
  const choices = [];
  for (let i = -4; i <= 2; i += 1) choices.push(addDays(current, i * 7 * weeks));
  if (!choices.includes(period)) choices.push(period);
  choices.sort();
  const label = (p) => t('staff.period_label', { from: i18n.day(p), to: i18n.day(addDays(p, 7 * weeks - 1)) })
    + (p === current ? ` (${t('staff.period_current')})` : p === addDays(current, 7 * weeks) ? ` (${t('staff.period_next')})` : '');
  const pick = h('select', { id: 'r-period', name: 'period' }, choices.map((p) => h('option', { value: p, selected: p === period }, label(p))));
  const picker = h('form', { class: 'staff-filter', id: 'period-form', 'aria-label': t('staff.period_pick') },
    field('r-period', t('staff.period_pick'), pick),
    h('button', { type: 'submit', class: 'btn btn-secondary' }, t('staff.show')));
  picker.addEventListener('submit', (e) => { e.preventDefault(); ctx.app.go(`#/rosters/${pick.value}`); });
  const status = h('div', { class: 'staff-status', role: 'status', 'aria-live': 'polite' });
  const body = h('div', {}, h('p', { class: 'muted' }, t('common.loading')));
  replace(ctx.view, heading(t('staff.rosters_title')), picker, status, body);
  pick.addEventListener('change', () => ctx.app.go(`#/rosters/${pick.value}`));

  const generate = async (force = false) => {
    for (const btn of ctx.view.querySelectorAll('.btn-generate, .btn-force')) btn.disabled = true;
    replace(status, h('p', { class: 'muted' }, t('staff.generating')));
    try {
      const res = await api.post(`/rosters/${period}/generate`, force ? { force: true } : {});
      if (res.result === 'unchanged' || res.result === 'exists') {
        replace(status, notice(t('staff.roster_unchanged', { n: i18n.number(res.revision) }), 'info'));
        return;
      }
      sessionStorage.setItem('sampark.staff.generated', res.result);
      ctx.app.go(`#/rosters/${period}@${res.revision}`);
    } catch (err) {
      if (err.code === 'roster_in_force' && !force) {
        const n = err.details?.details?.would_change ?? err.details?.would_change;
        const box = h('div', { class: 'card confirm', role: 'group', 'aria-labelledby': 'force-h' },
          h('h2', { id: 'force-h', tabindex: '-1' }, t('staff.confirm_revise')),
          h('p', {}, t('staff.confirm_revise_note', { n: i18n.number(n ?? 0) })),
          h('div', { class: 'actions' },
            button(t('staff.yes_revise'), () => generate(true), 'btn btn-primary btn-danger btn-force'),
            button(t('staff.go_back'), () => replace(status), 'btn btn-secondary')));
        replace(status, box);
        box.querySelector('h2').focus();
        return;
      }
      replace(status, notice(apiMessage(err), 'error'));
    } finally {
      for (const btn of ctx.view.querySelectorAll('.btn-generate')) btn.disabled = false;
    }
  };
  const genButton = (exists) => (isAdmin() ? h('div', { class: 'actions' },
    button(exists ? t('staff.revise') : t('staff.generate'), () => generate(false), 'btn btn-primary btn-generate'),
    h('p', { class: 'hint' }, t('staff.generate_note'))) : null);

  let roster;
  try {
    roster = await rosterLines(period, rev);
  } catch (err) {
    if (!ctx.alive()) return undefined;
    if (err.status === 404) replace(body, notice(t('staff.no_roster', { period: label(period) }), 'info'), genButton(false));
    else replace(body, notice(apiMessage(err), 'error'));
    return undefined;
  }
  if (!ctx.alive()) return undefined;
  const head = roster.head || {};
  const shown = head.revision;
  const just = sessionStorage.getItem('sampark.staff.generated');
  sessionStorage.removeItem('sampark.staff.generated');
  if (just) replace(status, notice(just === 'created' ? t('staff.roster_created', { n: i18n.number(shown) }) : t('staff.roster_revised', { n: i18n.number(shown) }), 'ok'));

  let previous = null;
  if (shown > 1) {
    try {
      previous = (await rosterLines(period, shown - 1)).items;
    } catch {
      previous = null;
    }
  }
  if (!ctx.alive()) return undefined;
  replace(body,
    shown !== head.current_revision ? notice(t('staff.earlier_revision', { n: i18n.number(shown), current: i18n.number(head.current_revision) }), 'warn') : null,
    summaryOf(head, shown),
    genButton(true),
    grid(roster.items, seats, head, shown),
    supervisorsOf(roster.items),
    unplaced(roster.items),
    changes(previous, roster.items, shown),
    revisionsOf(head, period, shown));
  return undefined;
}

function summaryOf(head, shown) {
  const s = head.summary || {};
  const cell = (shift) => t('staff.summary_shift', { agents: i18n.number(s[shift]?.agent), supervisors: i18n.number(s[shift]?.supervisor) });
  return h('section', { class: 'card', 'aria-labelledby': 'sum-h' },
    h('h2', { id: 'sum-h' }, t('staff.roster_of', { from: i18n.day(head.first_day), to: i18n.day(head.last_day), n: i18n.number(shown) })),
    facts([
      [t('staff.shift.morning'), cell('morning')],
      [t('staff.shift.evening'), cell('evening')],
      [t('staff.standby'), i18n.number(s.standby)],
      [t('staff.on_leave'), i18n.number(s.on_leave)],
      [t('staff.exceptions'), i18n.number(s.exceptions)],
      [t('staff.seats'), i18n.number(s.seats)],
    ]),
    s.agent_gap > 1 ? notice(t('staff.agent_gap', { n: i18n.number(s.agent_gap) }), 'warn') : null);
}

/** Rooms × seats × shifts: a row per seat under its room's heading row, a column per shift. */
function grid(items, seats, head, shown) {
  const at = new Map();
  for (const line of items) if (line.status === 'placed' && line.seat) at.set(`${line.seat}|${line.shift}`, line);
  const total = (seats.rooms || []).reduce((n, r) => n + r.seats.length, 0);
  const person = (line) => (line ? h('div', { class: `seat-person${line.reason ? ' seat-exception' : ''}` },
    link(nameOf(line), `#/agent/${enc(line.username)}`, 'cell-link'),
    h('span', { class: 'seat-user' }, line.username),
    line.reason ? h('span', { class: 'pill pill-warn' }, has(`staff.reason.${line.reason}`) ? tk(`staff.reason.${line.reason}`) : line.reason) : null)
    : h('span', { class: 'muted' }, t('staff.seat_empty')));
  const caption = t('staff.grid_caption', { seats: i18n.number(total), shifts: i18n.number(SHIFTS.length), n: i18n.number(shown) });
  return h('section', { class: 'card', 'aria-labelledby': 'grid-h' },
    h('h2', { id: 'grid-h' }, t('staff.grid_title')),
    h('p', { class: 'hint', id: 'grid-hint' }, t('staff.grid_hint')),
    h('div', { class: 'grid-scroll', tabindex: '0', role: 'region', 'aria-labelledby': 'grid-caption' },
      h('table', { class: 'table roster-grid', 'aria-describedby': 'grid-hint' },
        h('caption', { id: 'grid-caption' }, caption),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('staff.col.seat')),
          SHIFTS.map((s) => h('th', { scope: 'col' }, tk(`staff.shift.${s}`))))),
        (seats.rooms || []).map((room) => h('tbody', { class: 'room', 'data-room': room.room_id },
          h('tr', { class: 'room-row' }, h('th', { scope: 'colgroup', colspan: String(SHIFTS.length + 1) },
            `${i18n.pick(room, 'name')} · ${t('staff.room_seats', { n: i18n.number(room.seats.length) })}`)),
          room.seats.map((seat) => h('tr', { class: 'seat-row', 'data-seat': seat },
            h('th', { scope: 'row' }, seat),
            SHIFTS.map((s) => h('td', { class: 'seat-cell', 'data-shift': s }, person(at.get(`${seat}|${s}`)))))))))));
}

function supervisorsOf(items) {
  const sups = items.filter((l) => l.role === 'supervisor' && l.status === 'placed');
  if (!sups.length) return null;
  return h('section', { class: 'card', 'aria-labelledby': 'sup-h' },
    h('h2', { id: 'sup-h' }, t('staff.supervisors')),
    table(t('staff.supervisors'), [t('staff.col.shift'), t('staff.col.name')],
      SHIFTS.map((s) => [tk(`staff.shift.${s}`), h('span', {}, sups.filter((l) => l.shift === s).map((l, i) => [i ? ', ' : '',
        link(nameOf(l), `#/agent/${enc(l.username)}`, 'cell-link'),
        l.reason ? h('span', { class: 'pill pill-warn' }, has(`staff.reason.${l.reason}`) ? tk(`staff.reason.${l.reason}`) : l.reason) : null]))])));
}

function unplaced(items) {
  const rest = items.filter((l) => l.status !== 'placed');
  return h('section', { class: 'card', 'aria-labelledby': 'standby-h' },
    h('h2', { id: 'standby-h' }, t('staff.unplaced', { n: i18n.number(rest.length) })),
    rest.length ? table(t('staff.unplaced', { n: i18n.number(rest.length) }), [t('staff.col.name'), t('staff.col.status'), t('staff.col.reason')],
      rest.map((l) => [link(nameOf(l), `#/agent/${enc(l.username)}`, 'cell-link'), placeText(l),
        l.reason && has(`staff.reason.${l.reason}`) ? tk(`staff.reason.${l.reason}`) : (l.reason || '')]), 'staff-unplaced')
      : h('p', { class: 'muted' }, t('staff.everyone_placed')));
}

/** What changed against the revision before, computed here from the two revisions' lines. */
function changes(previous, items, shown) {
  if (shown <= 1) return null;
  const section = h('section', { class: 'card', 'aria-labelledby': 'changes-h' },
    h('h2', { id: 'changes-h' }, t('staff.changes_title', { n: i18n.number(shown), before: i18n.number(shown - 1) })));
  if (!previous) {
    section.append(notice(t('staff.changes_unavailable'), 'warn'));
    return section;
  }
  const before = new Map(previous.map((l) => [l.username, l]));
  const after = new Map(items.map((l) => [l.username, l]));
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  const changed = names.filter((u) => lineKey(before.get(u)) !== lineKey(after.get(u)));
  section.append(changed.length ? table(t('staff.changes_title', { n: i18n.number(shown), before: i18n.number(shown - 1) }),
    [t('staff.col.name'), t('staff.col.before'), t('staff.col.after')],
    changed.map((u) => {
      const l = after.get(u) || before.get(u);
      return [link(nameOf(l), `#/agent/${enc(u)}`, 'cell-link'), placeText(before.get(u)), placeText(after.get(u))];
    }), 'staff-changes') : h('p', { class: 'muted' }, t('staff.no_changes')));
  return section;
}

function revisionsOf(head, period, shown) {
  const revs = [...(head.revisions || [])].sort((x, y) => y.revision - x.revision);
  return h('section', { class: 'card', 'aria-labelledby': 'revs-h' },
    h('h2', { id: 'revs-h' }, t('staff.revisions')),
    table(t('staff.revisions'), [t('staff.col.revision'), t('staff.col.made'), t('staff.col.by'), t('staff.col.changed')],
      revs.map((r) => [
        r.revision === shown ? h('span', { 'aria-current': 'page' }, t('staff.rev_shown', { n: i18n.number(r.revision) }))
          : link(t('staff.rev_n', { n: i18n.number(r.revision) }), `#/rosters/${period}@${r.revision}`, 'cell-link'),
        when(r.created_at), r.created_by || '', i18n.number(r.changed),
      ]), 'staff-revisions'));
}

// ---- 6. settings ----------------------------------------------------------------------------

/** An API field to the input it names: `rooms[2].seats` or `rooms.2.seats` → s-rooms-2-seats. */
function inputFor(prefix, apiField, fallback) {
  if (!apiField) return fallback;
  const id = `${prefix}-${apiField.replace(/\[(\d+)\]/g, '.$1').replace(/\./g, '-')}`;
  return id;
}

export async function settingsScreen(ctx) {
  if (!isAdmin()) return ctx.app.go(ctx.app.home());
  const [seats, shifts, digests, employers, calling] = await Promise.all([api.get('/settings/seats'), api.get('/settings/shifts'),
    api.get('/settings/digests'), api.get('/settings/employers'), api.get('/settings/calling')]);
  if (!ctx.alive()) return undefined;
  const seatBox = h('div', {});
  const shiftBox = h('div', {});
  const digestBox = h('div', {});
  const employerBox = h('div', {});
  const callingBox = h('div', {});
  replace(ctx.view, heading(t('staff.settings_title')), h('p', { class: 'lead' }, t('staff.settings_intro')),
    h('nav', { class: 'staff-toc', 'aria-label': t('staff.settings_sections') }, h('ul', {},
      h('li', {}, h('a', { href: '#seats-form' }, t('staff.seats_title'))),
      h('li', {}, h('a', { href: '#shifts-form' }, t('staff.shifts_title'))),
      h('li', {}, h('a', { href: '#digests-form' }, t('staff.digests_title'))),
      h('li', {}, h('a', { href: '#employers-form' }, t('staff.employers_title'))),
      h('li', {}, h('a', { href: '#calling-form' }, t('staff.calling_title'))))),
    seatBox, shiftBox, digestBox, employerBox, callingBox);
  for (const a of ctx.view.querySelectorAll('.staff-toc a')) {
    a.addEventListener('click', (e) => { e.preventDefault(); const target = ctx.view.querySelector(a.getAttribute('href')); target?.scrollIntoView(); target?.querySelector('h2')?.focus(); });
  }
  seatsForm(seatBox, seats);
  shiftsForm(shiftBox, shifts);
  digestsForm(digestBox, digests);
  employersForm(employerBox, employers);
  callingForm(callingBox, calling);
  return undefined;
}

function saved(form, text) {
  clearErrors(form);
  form.querySelector('.form-done')?.remove();
  const done = notice(text, 'ok');
  done.classList.add('form-done');
  form.querySelector(':scope > h2').after(done);
  done.setAttribute('tabindex', '-1');
  done.focus();
}

async function put(form, path, body, prefix, fallback, onSaved) {
  try {
    const res = await api.request('PUT', path, body);
    onSaved(res);
  } catch (err) {
    if (err.status === 409 || err.code === 'stale_version') {
      showErrors(form, [{ id: fallback, message: t('staff.settings_conflict') }]);
      return;
    }
    let id = inputFor(prefix, err.field, fallback);
    if (!form.querySelector(`#${id}`)) id = fallback;
    showErrors(form, [{ id, message: apiMessage(err) }]);
  }
}

function seatsForm(box, cfg) {
  let version = cfg.version;
  const rooms = (cfg.rooms || []).map((r) => ({ ...r, seats: r.seats.join(' ') }));
  const form = h('form', { id: 'seats-form', class: 'card staff-form', novalidate: true, 'aria-labelledby': 'seats-h' });
  const read = () => rooms.map((_, i) => ({
    room_id: form.querySelector(`#s-rooms-${i}-room_id`).value.trim(),
    name_hi: form.querySelector(`#s-rooms-${i}-name_hi`).value.trim(),
    name_en: form.querySelector(`#s-rooms-${i}-name_en`).value.trim(),
    seats: form.querySelector(`#s-rooms-${i}-seats`).value,
  }));
  const draw = () => {
    const count = rooms.reduce((n, r) => n + r.seats.split(/[\s,]+/).filter(Boolean).length, 0);
    replace(form, h('h2', { id: 'seats-h', tabindex: '-1' }, t('staff.seats_title')),
      h('p', { class: 'hint' }, t('staff.seats_note', { n: i18n.number(count), rooms: i18n.number(rooms.length) })),
      rooms.map((r, i) => fieldset(t('staff.room_n', { n: i18n.number(i + 1) }), [
        h('div', { class: 'row staff-room' },
          field(`s-rooms-${i}-room_id`, t('staff.room_id'), input(`s-rooms-${i}-room_id`, r.room_id, { spellcheck: 'false', class: 'input-short' })),
          field(`s-rooms-${i}-name_hi`, t('staff.name_hi'), input(`s-rooms-${i}-name_hi`, r.name_hi, { lang: 'hi' })),
          field(`s-rooms-${i}-name_en`, t('staff.name_en'), input(`s-rooms-${i}-name_en`, r.name_en, { lang: 'en' }))),
        field(`s-rooms-${i}-seats`, t('staff.room_seat_ids'), h('textarea', { id: `s-rooms-${i}-seats`, name: `seats-${i}`, rows: '2', spellcheck: 'false',
          'aria-describedby': `s-rooms-${i}-seats-hint` }, r.seats), t('staff.room_seat_ids_hint')),
        rooms.length > 1 ? button(t('staff.room_remove', { n: i18n.number(i + 1) }), () => { Object.assign(rooms, read()); rooms.splice(i, 1); draw(); }, 'btn btn-small btn-secondary') : null,
      ], { 'data-room': String(i) })),
      h('div', { class: 'actions' },
        button(t('staff.room_add'), () => { Object.assign(rooms, read()); rooms.push({ room_id: '', name_hi: '', name_en: '', seats: '' }); draw(); form.querySelector(`#s-rooms-${rooms.length - 1}-room_id`).focus(); }, 'btn btn-secondary btn-add-room'),
        h('button', { type: 'submit', class: 'btn btn-primary btn-save-seats' }, t('staff.save'))));
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const typed = read();
    Object.assign(rooms, typed);
    const body = { version, rooms: typed.map((r) => ({ ...r, seats: r.seats.split(/[\s,]+/).map((s) => s.trim().toUpperCase()).filter(Boolean) })) };
    put(form, '/settings/seats', body, 's', 's-rooms-0-seats', (res) => {
      version = res.version;
      rooms.splice(0, rooms.length, ...res.rooms.map((r) => ({ ...r, seats: r.seats.join(' ') })));
      draw();
      saved(form, t('staff.seats_saved', { n: i18n.number(res.seat_count), v: i18n.number(res.version) }));
    });
  });
  draw();
  replace(box, form);
}

function shiftsForm(box, cfg) {
  let version = cfg.version;
  const form = h('form', { id: 'shifts-form', class: 'card staff-form', novalidate: true, 'aria-labelledby': 'shifts-h' });
  const draw = (v) => {
    replace(form, h('h2', { id: 'shifts-h', tabindex: '-1' }, t('staff.shifts_title')),
      h('p', { class: 'hint' }, t('staff.shifts_note')),
      SHIFTS.map((s) => fieldset(tk(`staff.shift.${s}`), h('div', { class: 'row row-2' },
        field(`h-shifts-${s}-start`, t('staff.starts'), input(`h-shifts-${s}-start`, v.shifts[s].start, { inputmode: 'numeric', class: 'input-short', 'aria-describedby': `h-shifts-${s}-start-hint` }), t('staff.time_hint')),
        field(`h-shifts-${s}-end`, t('staff.ends'), input(`h-shifts-${s}-end`, v.shifts[s].end, { inputmode: 'numeric', class: 'input-short', 'aria-describedby': `h-shifts-${s}-end-hint` }), t('staff.time_hint'))))),
      field('h-period_weeks', t('staff.period_weeks'), h('select', { id: 'h-period_weeks', name: 'period_weeks' },
        [1, 2, 4].map((n) => h('option', { value: String(n), selected: Number(v.period_weeks) === n }, t('staff.weeks', { n: i18n.number(n) }))))),
      fieldset(t('staff.working_days'), h('div', { class: 'staff-days' }, DAYS.map((d, i) => checkbox(i ? `h-day-${d}` : 'h-working_days', 'working_days', d, tk(`staff.day.${d}`), v.working_days.includes(d))))),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary btn-save-shifts' }, t('staff.save'))));
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const typed = {
      shifts: Object.fromEntries(SHIFTS.map((s) => [s, { start: form.querySelector(`#h-shifts-${s}-start`).value.trim(), end: form.querySelector(`#h-shifts-${s}-end`).value.trim() }])),
      period_weeks: Number(form.querySelector('#h-period_weeks').value),
      working_days: [...form.querySelectorAll('input[name=working_days]:checked')].map((x) => x.value),
    };
    put(form, '/settings/shifts', { version, ...typed }, 'h', 'h-shifts-morning-start', (res) => {
      version = res.version;
      draw(res);
      saved(form, t('staff.shifts_saved', { v: i18n.number(res.version) }));
    });
  });
  draw(cfg);
  replace(box, form);
}

function digestsForm(box, cfg) {
  let version = cfg.version;
  const form = h('form', { id: 'digests-form', class: 'card staff-form', novalidate: true, 'aria-labelledby': 'digests-h' });
  const draw = (v) => {
    replace(form, h('h2', { id: 'digests-h', tabindex: '-1' }, t('staff.digests_title')),
      h('p', { class: 'hint' }, t('staff.digests_note')),
      AUDIENCES.map((aud) => field(`d-audiences-${aud}-recipients`, tk(`staff.audience.${aud}`),
        h('textarea', { id: `d-audiences-${aud}-recipients`, name: aud, rows: '3', spellcheck: 'false', 'aria-describedby': `d-audiences-${aud}-recipients-hint` },
          (v.audiences?.[aud]?.recipients || []).join('\n')), t('staff.recipients_hint'))),
      field('d-silent_days', t('staff.silent_days'), input('d-silent_days', String(v.silent_days ?? 3), { inputmode: 'numeric', class: 'input-short', 'aria-describedby': 'd-silent_days-hint' }), t('staff.silent_days_hint')),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary btn-save-digests' }, t('staff.save'))));
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const audiences = Object.fromEntries(AUDIENCES.map((aud) => [aud, {
      recipients: form.querySelector(`#d-audiences-${aud}-recipients`).value.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean) }]));
    const raw = form.querySelector('#d-silent_days').value.trim();
    const silent = /^\d+$/.test(raw) ? Number(raw) : raw;
    put(form, '/settings/digests', { version, audiences, silent_days: silent }, 'd', 'd-audiences-district-recipients', (res) => {
      version = res.version;
      draw(res);
      saved(form, t('staff.digests_saved', { v: i18n.number(res.version) }));
    });
  });
  draw(cfg);
  replace(box, form);
}

// ---- issue 20: who employs the agents, and the calling settings --------------------------------

/** The employers: the party's own staff (built in, not removable) and the firms an admin adds, renames
 * or removes. A firm that still has agents or supervisors comes back with the API's refusal beside it. */
function employersForm(box, cfg) {
  let version = cfg.version;
  let stored = (cfg.employers || []).filter((e) => !e.built_in);
  const builtIn = (cfg.employers || []).filter((e) => e.built_in);
  let rows = stored.map((e) => ({ ...e, old: true }));
  const form = h('form', { id: 'employers-form', class: 'card staff-form', novalidate: true, 'aria-labelledby': 'employers-h' });
  const read = () => rows.map((r, i) => ({
    ...r,
    id: form.querySelector(`#m-employers-${i}-id`).value.trim().toLowerCase(),
    name_hi: form.querySelector(`#m-employers-${i}-name_hi`).value.trim(),
    name_en: form.querySelector(`#m-employers-${i}-name_en`).value.trim(),
  }));
  const draw = () => {
    replace(form, h('h2', { id: 'employers-h', tabindex: '-1' }, t('staff.employers_title')),
      h('p', { class: 'hint' }, t('staff.employers_note')),
      builtIn.map((e) => h('div', { class: 'staff-builtin', 'data-employer': e.id },
        h('p', {}, h('strong', {}, i18n.pick(e, 'name')), ' ', h('span', { class: 'pill pill-active' }, t('staff.employer_built_in'))),
        h('p', { class: 'hint' }, t('staff.employer_built_in_note')))),
      rows.map((r, i) => fieldset(r.old ? employerName([r], r.id) : t('staff.employer_new'), [
        h('div', { class: 'row staff-employer-row' },
          field(`m-employers-${i}-id`, t('staff.employer_id'), input(`m-employers-${i}-id`, r.id, {
            spellcheck: 'false', class: 'input-medium', readonly: r.old || null, 'aria-describedby': `m-employers-${i}-id-hint` }),
          r.old ? t('staff.employer_id_fixed') : t('staff.employer_id_hint')),
          field(`m-employers-${i}-name_hi`, t('staff.name_hi'), input(`m-employers-${i}-name_hi`, r.name_hi, { lang: 'hi', maxlength: '80' })),
          field(`m-employers-${i}-name_en`, t('staff.name_en'), input(`m-employers-${i}-name_en`, r.name_en, { lang: 'en', maxlength: '80' }))),
        button(t('staff.employer_remove', { name: r.old ? employerName([r], r.id) : t('staff.employer_new') }),
          () => { rows = read(); rows.splice(i, 1); draw(); form.querySelector('.btn-add-employer').focus(); }, 'btn btn-small btn-secondary btn-remove-employer'),
      ], { 'data-employer': r.id || '' })),
      h('div', { class: 'actions' },
        button(t('staff.employer_add'), () => { rows = read(); rows.push({ id: '', name_hi: '', name_en: '', old: false }); draw(); form.querySelector(`#m-employers-${rows.length - 1}-id`).focus(); }, 'btn btn-secondary btn-add-employer'),
        h('button', { type: 'submit', class: 'btn btn-primary btn-save-employers' }, t('staff.save'))));
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    rows = read();
    const body = { version, employers: rows.map(({ id, name_hi, name_en }) => ({ id, name_hi, name_en })) };
    try {
      const res = await api.request('PUT', '/settings/employers', body);
      version = res.version;
      stored = res.employers.filter((x) => !x.built_in);
      rows = stored.map((x) => ({ ...x, old: true }));
      draw();
      saved(form, t('staff.employers_saved', { n: i18n.number(stored.length), v: i18n.number(res.version) }));
    } catch (err) {
      if (err.code === 'employer_in_use') {
        // the firm still has people: it comes back, with the refusal beside its name
        const gone = stored.find((x) => x.id === err.details?.employer);
        if (gone && !rows.some((r) => r.id === gone.id)) rows.push({ ...gone, old: true });
        draw();
        const at = rows.findIndex((r) => r.id === err.details?.employer);
        showErrors(form, [{ id: at >= 0 ? `m-employers-${at}-name_hi` : 'employers-h', message: t('staff.err.employer_in_use', { name: employerName(stored, err.details?.employer) }) }]);
        return;
      }
      if (err.code === 'stale_version') {
        showErrors(form, [{ id: rows.length ? 'm-employers-0-name_hi' : 'employers-h', message: t('staff.settings_conflict') }]);
        return;
      }
      let id = inputFor('m', err.field, rows.length ? 'm-employers-0-id' : 'employers-h');
      if (!form.querySelector(`#${id}`)) id = rows.length ? 'm-employers-0-id' : 'employers-h';
      showErrors(form, [{ id, message: apiMessage(err) }]);
    }
  });
  draw();
  replace(box, form);
}

const CALLING = ['daily_call_cap', 'idle_limit_minutes', 'late_grace_minutes', 'short_connect_s', 'rapid_calls_per_minute', 'same_answers_run'];

/** The six calling settings, each with its hint (what it does, its unit and range). */
function callingForm(box, cfg) {
  let version = cfg.version;
  const form = h('form', { id: 'calling-form', class: 'card staff-form', novalidate: true, 'aria-labelledby': 'calling-h' });
  const draw = (v) => {
    replace(form, h('h2', { id: 'calling-h', tabindex: '-1' }, t('staff.calling_title')),
      h('p', { class: 'hint' }, t('staff.calling_note')),
      h('div', { class: 'staff-calling' }, CALLING.map((name) => field(`k-${name}`, tk(`staff.calling.${name}`),
        input(`k-${name}`, String(v[name] ?? ''), { inputmode: 'numeric', class: 'input-short', 'aria-describedby': `k-${name}-hint` }),
        tk(`staff.calling.${name}_hint`)))),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary btn-save-calling' }, t('staff.save'))));
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = { version };
    for (const name of CALLING) {
      const raw = form.querySelector(`#k-${name}`).value.trim();
      body[name] = /^\d+$/.test(raw) ? Number(raw) : raw;
    }
    put(form, '/settings/calling', body, 'k', 'k-daily_call_cap', (res) => {
      version = res.version;
      draw(res);
      saved(form, t('staff.calling_saved', { v: i18n.number(res.version) }));
    });
  });
  draw(cfg);
  replace(box, form);
}
