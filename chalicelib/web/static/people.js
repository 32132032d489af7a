// Finding a person and walking the units (issue 16, points 1-3), for supervisors and admins:
// search by a phone written any way or by the start of a name; a contact's page (masked phone with an
// audited reveal, call history, edit with the lost-race rule, opt-out, erasure behind a typed
// confirmation, the audit trail); the unit browser (children, who is in charge, contacts by role).

import * as api from './api.js';
import * as i18n from './i18n.js';
import { button, h, heading, link, notice, replace } from './ui.js';
import { clearErrors } from './forms.js';

const t = i18n.t;
const LEVELS = ['state', 'district', 'assembly', 'mandal', 'shakti_kendra', 'booth'];
const ROLE_LEVEL = {
  district_office_bearer: 'district', assembly_incharge: 'assembly', mandal_president: 'mandal',
  mandal_office_bearer: 'mandal', shakti_kendra_incharge: 'shakti_kendra', booth_president: 'booth',
  booth_committee_member: 'booth', panna_pramukh: 'booth',
};
const INCHARGE = {
  district: 'district_office_bearer', assembly: 'assembly_incharge', mandal: 'mandal_president',
  shakti_kendra: 'shakti_kendra_incharge', booth: 'booth_president',
};
const enc = encodeURIComponent;
const isAdmin = () => api.hasRole('admin');
const isOffice = () => api.hasRole('supervisor', 'admin');

// ---- small builders ------------------------------------------------------------------------

function tx(key, fallback) {
  return i18n.has(key) ? t(key) : fallback;
}

function roleName(role) {
  return tx(`role.${role}`, role);
}

function field(id, label, control, hint = null) {
  return h('div', { class: 'field', id: `w-${id}` },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    control);
}

function table(caption, columns, rows) {
  return h('table', { class: 'table people-table' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell, i) => h('td', { 'data-label': columns[i] }, cell))))));
}

function facts(rows) {
  return h('dl', { class: 'people-facts' }, rows.filter(Boolean).map(([label, value]) => h('div', { class: 'people-fact' },
    h('dt', {}, label), h('dd', {}, value))));
}

/** GOV.UK's pattern: a summary at the top of the form linking to each field, the message beside it. */
function showErrors(form, errors) {
  clearErrors(form);
  const lines = [];
  for (const { id, message } of errors) {
    const el = form.querySelector(`#${id}`);
    if (!el) continue;
    const wrap = el.closest('.field') || el.parentElement;
    wrap.classList.add('field-error');
    const msgId = `${id}-error`;
    const msg = h('p', { class: 'error-message', id: msgId }, h('span', { class: 'visually-hidden' }, t('people.error_prefix')), message);
    (wrap.querySelector(':scope > .hint') || wrap.querySelector(':scope > label')).after(msg);
    el.setAttribute('aria-invalid', 'true');
    el.setAttribute('aria-describedby', [el.getAttribute('aria-describedby'), msgId].filter(Boolean).join(' '));
    lines.push(h('li', {}, h('a', {
      href: `#${id}`,
      onclick: (e) => { e.preventDefault(); el.focus(); },
    }, message)));
  }
  const summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', 'aria-labelledby': `${form.id}-errors-h` },
    h('h2', { id: `${form.id}-errors-h` }, t('people.errors_title')), h('ul', { class: 'error-list' }, lines));
  const title = form.querySelector(':scope > h2');
  if (title) title.after(summary); // under the form's own heading, above its fields
  else form.prepend(summary);
  summary.focus();
}

/** The message for an API refusal of one field: the catalogue's own line for it, else the general one. */
function fieldMessage(err) {
  const key = `people.err.${err.field}`;
  if (err.code !== 'required' && i18n.has(key)) return t(key);
  if (i18n.has(`people.err.code_${err.code}`)) return tx(`people.err.code_${err.code}`, err.code);
  return i18n.errorText(err);
}

function contactName(c) {
  return i18n.pick(c, 'name') || t('people.no_name');
}

function optedOutPill(c) {
  return c.opted_out ? h('span', { class: 'pill pill-warn' }, t('people.opted_out')) : null;
}

async function unitChain(unit) {
  const ids = unit.path || [unit.unit_id];
  const found = await Promise.all(ids.map((id) => (id === unit.unit_id ? unit : api.get(`/units/${enc(id)}`).catch(() => null))));
  return found.filter(Boolean);
}

function breadcrumb(chain, label) {
  return h('nav', { class: 'people-crumbs', 'aria-label': label },
    h('ol', {}, h('li', {}, link(t('people.all_units'), '#/units', 'crumb')),
      chain.map((u) => h('li', {}, link(`${i18n.pick(u, 'name')} (${t(`level.${u.level}`)})`, `#/units/${enc(u.unit_id)}`, 'crumb')))));
}

function contactsTable(items, caption) {
  return table(caption, [t('people.col.name'), t('people.col.role'), t('people.col.unit'), t('people.col.phone')],
    items.map((c) => [
      h('span', {}, link(contactName(c), `#/contact/${enc(c.contact_id)}`, 'cell-link'), optedOutPill(c)),
      roleName(c.role),
      c.unit ? `${i18n.pick(c.unit, 'name')} (${t(`level.${c.unit.level}`)})` : c.unit_id,
      h('span', { class: 'phone-masked' }, c.phone_masked),
    ]));
}

/** A list with a "show more" button that follows the API's opaque cursor. */
function pagedList(fetchPage, render, emptyText) {
  const box = h('div', { class: 'people-list' }, h('p', { class: 'muted' }, t('common.loading')));
  const more = h('div', { class: 'actions' });
  const shown = [];
  const load = async (cursor) => {
    const page = await fetchPage(cursor);
    shown.push(...page.items);
    replace(box, shown.length ? render(shown) : h('p', { class: 'muted' }, emptyText));
    replace(more, page.next_cursor ? button(t('people.more'), () => load(page.next_cursor).catch((err) => {
      replace(more, notice(i18n.errorText(err), 'error'));
    }), 'btn btn-secondary') : null);
  };
  return { element: h('div', {}, box, more), ready: load(null) };
}

// ---- 1. search -----------------------------------------------------------------------------

export async function searchScreen(ctx) {
  if (!isOffice()) return ctx.app.go(ctx.app.home());
  const q = ctx.arg || '';
  const input = h('input', { type: 'search', id: 'people-q', name: 'q', value: q, class: 'people-q', autocomplete: 'off',
    'aria-describedby': 'people-q-hint', spellcheck: 'false' });
  const form = h('form', { id: 'people-search', class: 'people-search', novalidate: true },
    field('people-q', t('people.search_label'), input, t('people.search_hint')),
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('people.search_button')));
  const results = h('section', { class: 'people-results', 'aria-labelledby': 'people-results-h' });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const typed = input.value.trim();
    if (!typed) {
      showErrors(form, [{ id: 'people-q', message: t('people.err.q_empty') }]);
      return;
    }
    ctx.app.go(`#/search/${enc(typed)}`);
  });
  replace(ctx.view, heading(t('people.search_title')), form, results);
  if (!q) return undefined;
  try {
    const list = pagedList(
      (cursor) => api.get(`/contacts/search?q=${enc(q)}&limit=25${cursor ? `&cursor=${enc(cursor)}` : ''}`),
      (items) => contactsTable(items, t('people.results_for', { q })),
      t('people.nothing_found', { q }),
    );
    await list.ready;
    if (!ctx.alive()) return undefined;
    replace(results, h('h2', { id: 'people-results-h' }, t('people.results_for', { q })), list.element);
  } catch (err) {
    if (!ctx.alive()) return undefined;
    if (err.status === 400 && err.field === 'q') showErrors(form, [{ id: 'people-q', message: fieldMessage(err) }]);
    else replace(results, notice(i18n.errorText(err), 'error'));
  }
  return undefined;
}

// ---- 2. the contact's page -----------------------------------------------------------------

export async function contactScreen(ctx) {
  if (!isOffice()) return ctx.app.go(ctx.app.home());
  const id = ctx.arg;
  let c = await api.get(`/contacts/${enc(id)}`);
  if (!ctx.alive()) return undefined;
  const unit = await api.get(`/units/${enc(c.unit_id)}`);
  const chain = await unitChain(unit);
  if (!ctx.alive()) return undefined;
  const top = h('div', { class: 'people-status', role: 'status', 'aria-live': 'polite' });
  const main = h('div', {});
  const audit = h('section', { class: 'card', 'aria-labelledby': 'audit-h' });
  const enrolled = h('section', { class: 'card people-enrolled', 'aria-labelledby': 'enrolled-h' });
  const history = h('section', { class: 'card', 'aria-labelledby': 'history-h' });
  let revealed = null;

  const draw = (banner = null) => {
    replace(ctx.view, breadcrumb(chain, t('people.unit_path')),
      h('div', { class: 'title-row' }, heading(contactName(c)), optedOutPill(c)),
      banner, top, main, enrolled, history, audit);
    drawMain();
  };

  function drawMain() {
    const phone = h('span', { class: 'phone-masked', id: 'contact-phone' }, revealed || c.phone_masked);
    const reveal = revealed ? null : button(t('people.reveal'), doReveal, 'btn btn-small btn-secondary', { 'aria-describedby': 'reveal-note' });
    replace(main, h('section', { class: 'card', 'aria-labelledby': 'about-h' },
      h('h2', { id: 'about-h' }, t('people.about')),
      facts([
        [t('people.col.role'), roleName(c.role)],
        [t('people.col.unit'), chain.map((u) => i18n.pick(u, 'name')).join(' › ')],
        [t('people.col.phone'), h('span', {}, phone, ' ', reveal)],
        [t('people.col.language'), tx(`language.${c.language}`, c.language)],
        [t('people.col.consent'), `${tx(`people.consent.${c.consent.source}`, c.consent.source)} · ${c.consent.purpose} · ${i18n.dateTime(c.consent.at)}`],
        [t('people.col.calling'), c.opted_out ? t('people.opted_out_since', { when: i18n.dateTime(c.opted_out_at) }) : t('people.may_call')],
        c.wrong_number ? [t('people.col.wrong_number'), t('people.wrong_number')] : null,
        [t('people.col.updated'), `${i18n.dateTime(c.updated_at)} · ${t('people.version', { n: i18n.number(c.version) })}`],
      ]),
      h('p', { class: 'hint', id: 'reveal-note' }, t('people.reveal_note')),
      h('div', { class: 'actions people-actions' },
        isAdmin() ? button(t('people.edit'), () => drawEdit(), 'btn btn-secondary btn-edit') : null,
        c.opted_out ? null : button(t('people.opt_out'), askOptOut, 'btn btn-secondary btn-opt-out'),
        isAdmin() ? button(t('people.erase'), askErase, 'btn btn-secondary btn-erase') : null),
      isAdmin() ? null : h('p', { class: 'hint' }, t('people.admin_only_edit'))));
  }

  async function doReveal() {
    try {
      const full = await api.get(`/contacts/${enc(id)}?reveal=true`);
      revealed = full.phone;
      drawMain();
      main.querySelector('#contact-phone').setAttribute('tabindex', '-1');
      main.querySelector('#contact-phone').focus();
      replace(top, notice(t('people.revealed_recorded'), 'info'));
      loadAudit();
    } catch (err) {
      replace(top, notice(i18n.errorText(err), 'error'));
    }
  }

  function askOptOut() {
    const box = confirmBox('opt', t('people.confirm_opt_out'), t('people.confirm_opt_out_note'), t('people.yes_opt_out'), async () => {
      try {
        c = await api.post(`/contacts/${enc(id)}/opt-out`);
        draw(notice(t('people.opted_out_done'), 'ok'));
        loadAudit();
      } catch (err) {
        replace(top, notice(i18n.errorText(err), 'error'));
      }
    }, () => drawMain());
    replace(main, box);
    box.querySelector('h2').focus();
  }

  function askErase() {
    const last4 = c.phone_masked.slice(-4);
    const typed = h('input', { type: 'text', id: 'erase-confirm', name: 'erase-confirm', class: 'input-short', inputmode: 'numeric',
      autocomplete: 'off', 'aria-describedby': 'erase-confirm-hint' });
    const form = h('form', { id: 'erase-form', class: 'card confirm', novalidate: true, 'aria-labelledby': 'erase-h' },
      h('h2', { id: 'erase-h', tabindex: '-1' }, t('people.confirm_erase', { name: contactName(c) })),
      h('p', {}, t('people.confirm_erase_note')),
      field('erase-confirm', t('people.erase_type_label'), typed, t('people.erase_type_hint', { last4 })),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'btn btn-primary btn-danger btn-confirm-erase' }, t('people.yes_erase')),
        button(t('people.go_back'), () => drawMain(), 'btn btn-secondary')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (typed.value.trim().replace(/[\u0966-\u096f]/g, (d) => String(d.charCodeAt(0) - 0x0966)) !== last4) {
        showErrors(form, [{ id: 'erase-confirm', message: t('people.err.erase_confirm', { last4 }) }]);
        return;
      }
      try {
        await api.request('DELETE', `/contacts/${enc(id)}`);
        replace(ctx.view, heading(t('people.erased_title')), notice(t('people.erased_done'), 'ok'),
          link(t('people.back_to_unit'), `#/units/${enc(c.unit_id)}`, 'btn btn-secondary'));
      } catch (err) {
        showErrors(form, [{ id: 'erase-confirm', message: i18n.errorText(err) }]);
      }
    });
    replace(main, form);
    form.querySelector('h2').focus();
  }

  function drawEdit(values = null, banner = null) {
    const v = values || { name_hi: c.name_hi, name_en: c.name_en, role: c.role, language: c.language, phone: '' };
    const roles = Object.keys(ROLE_LEVEL).filter((r) => ROLE_LEVEL[r] === unit.level);
    const form = h('form', { id: 'edit-form', class: 'card people-edit', novalidate: true, 'aria-labelledby': 'edit-h' },
      h('h2', { id: 'edit-h', tabindex: '-1' }, t('people.edit_title')),
      banner,
      h('div', { class: 'row row-2' },
        field('e-name_hi', t('people.name_hi'), h('input', { type: 'text', id: 'e-name_hi', name: 'name_hi', lang: 'hi', value: v.name_hi })),
        field('e-name_en', t('people.name_en'), h('input', { type: 'text', id: 'e-name_en', name: 'name_en', lang: 'en', value: v.name_en }))),
      h('div', { class: 'row row-2' },
        field('e-role', t('people.col.role'), h('select', { id: 'e-role', name: 'role' },
          roles.map((r) => h('option', { value: r, selected: r === v.role }, roleName(r))))),
        field('e-language', t('people.col.language'), h('select', { id: 'e-language', name: 'language' },
          h('option', { value: 'hi', selected: v.language === 'hi', lang: 'hi' }, t('language.hi')),
          h('option', { value: 'en', selected: v.language === 'en', lang: 'en' }, t('language.en'))))),
      field('e-phone', t('people.new_phone'), h('input', { type: 'tel', id: 'e-phone', name: 'phone', class: 'input-medium', value: v.phone,
        autocomplete: 'off', 'aria-describedby': 'e-phone-hint' }), t('people.new_phone_hint')),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'btn btn-primary btn-save' }, t('people.save')),
        button(t('people.cancel'), () => drawMain(), 'btn btn-secondary')));
    const read = () => Object.fromEntries(['name_hi', 'name_en', 'role', 'language', 'phone'].map((k) => [k, form.querySelector(`#e-${k}`).value.trim()]));
    let busy = false;
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (busy) return;
      const typed = read();
      if (!typed.name_hi && !typed.name_en) {
        showErrors(form, [{ id: 'e-name_hi', message: t('people.err.name_hi') }]);
        return;
      }
      const body = { version: c.version };
      for (const k of ['name_hi', 'name_en', 'role', 'language']) if (typed[k] !== (c[k] || '')) body[k] = typed[k];
      if (typed.phone) body.phone = typed.phone;
      busy = true;
      try {
        c = await api.patch(`/contacts/${enc(id)}`, body);
        revealed = null;
        draw(notice(t('people.saved'), 'ok'));
        loadAudit();
      } catch (err) {
        if (err.code === 'stale_version') {
          c = await api.get(`/contacts/${enc(id)}`);
          draw();
          // their newer version fills the form; what was typed is listed, to be applied again if still right
          const mine = h('ul', {}, Object.entries(typed).filter(([k, val]) => val && val !== (c[k] || ''))
            .map(([k, val]) => h('li', {}, `${tx(`people.field.${k}`, k)}: ${val}`)));
          drawEdit(null, h('div', { class: 'notice notice-warn', role: 'alert', id: 'edit-conflict' },
            h('p', {}, t('people.conflict', { n: i18n.number(c.version) })), mine.children.length ? h('p', {}, t('people.conflict_yours')) : null, mine));
          return;
        }
        const fid = { name_hi: 'e-name_hi', name_en: 'e-name_en', role: 'e-role', language: 'e-language', phone: 'e-phone' }[err.field];
        if (err.status === 400 && fid) showErrors(form, [{ id: fid, message: fieldMessage(err) }]);
        else if (err.code === 'duplicate_phone') showErrors(form, [{ id: 'e-phone', message: t('people.err.duplicate_phone') }]);
        else showErrors(form, [{ id: 'e-name_hi', message: i18n.errorText(err) }]);
      } finally {
        busy = false;
      }
    });
    replace(main, form);
    form.querySelector('h2').focus();
  }

  async function loadHistory() {
    replace(history, h('h2', { id: 'history-h' }, t('people.history')), h('p', { class: 'muted' }, t('common.loading')));
    try {
      const page = await api.get(`/contacts/${enc(id)}/calls?limit=50`);
      const campaigns = [...new Set(page.items.map((x) => x.campaign_id).filter(Boolean))];
      const titles = await Promise.all(campaigns.map((cid) => api.get(`/campaigns/${enc(cid)}`).catch(() => null)));
      const titleOf = new Map(campaigns.map((cid, i) => [cid, titles[i] ? i18n.pick(titles[i], 'title') : cid]));
      replace(history, h('h2', { id: 'history-h' }, t('people.history')),
        page.items.length ? table(t('people.history'), [t('people.col.when'), t('people.col.campaign'), t('people.col.outcome'), t('people.col.agent'), t('people.col.notes')],
          page.items.map((x) => [
            x.started_at ? `${i18n.dateTime(x.started_at)} ${t('common.ist')}` : '',
            titleOf.get(x.campaign_id) || x.campaign_id || '',
            tx(`disposition.${x.disposition}`, x.disposition || ''),
            x.agent || '',
            h('div', {}, x.notes ? h('p', { class: 'people-notes' }, x.notes) : null, answersList(x.answers)),
          ])) : h('p', { class: 'muted' }, t('people.no_calls')));
    } catch (err) {
      replace(history, h('h2', { id: 'history-h' }, t('people.history')), notice(i18n.errorText(err), 'error'));
    }
  }

  function drawHistoryButton() {
    replace(history, h('h2', { id: 'history-h' }, t('people.history')),
      h('p', { class: 'hint', id: 'history-note' }, t('people.history_note')),
      button(t('people.show_history'), async () => { await loadHistory(); loadAudit(); }, 'btn btn-secondary btn-history', { 'aria-describedby': 'history-note' }));
  }

  /** The campaigns this person is in: where each call target stands, and who holds it now. */
  async function loadCampaigns() {
    replace(enrolled, h('h2', { id: 'enrolled-h' }, t('people.campaigns')), h('p', { class: 'muted' }, t('common.loading')));
    try {
      const list = pagedList(
        (cursor) => api.get(`/contacts/${enc(id)}/campaigns?limit=20${cursor ? `&cursor=${enc(cursor)}` : ''}`),
        (items) => campaignsTable(items),
        t('people.no_campaigns'),
      );
      await list.ready;
      if (!ctx.alive()) return;
      replace(enrolled, h('h2', { id: 'enrolled-h' }, t('people.campaigns')), list.element);
    } catch (err) {
      replace(enrolled, h('h2', { id: 'enrolled-h' }, t('people.campaigns')), notice(i18n.errorText(err), 'error'));
    }
  }

  async function loadAudit() {
    if (!isAdmin()) {
      replace(audit, h('h2', { id: 'audit-h' }, t('people.audit')), h('p', { class: 'muted' }, t('people.audit_admin_only')));
      return;
    }
    try {
      const page = await api.get(`/contacts/${enc(id)}/audit?limit=50`);
      replace(audit, h('h2', { id: 'audit-h' }, t('people.audit')),
        page.items.length ? table(t('people.audit'), [t('people.col.when'), t('people.col.who'), t('people.col.what')],
          page.items.map((a) => [`${i18n.dateTime(a.at)} ${t('common.ist')}`, a.actor, tx(`people.action.${a.action}`, a.action)]))
          : h('p', { class: 'muted' }, t('people.audit_empty')));
    } catch (err) {
      replace(audit, h('h2', { id: 'audit-h' }, t('people.audit')), notice(i18n.errorText(err), 'error'));
    }
  }

  draw();
  drawHistoryButton();
  await Promise.all([loadCampaigns(), loadAudit()]);
  return undefined;
}

function campaignsTable(items) {
  const when = (at) => (at ? `${i18n.dateTime(at)} ${t('common.ist')}` : '');
  return table(t('people.campaigns'), [t('people.col.campaign'), t('people.col.kind'), t('people.col.campaign_status'),
    t('people.col.target_status'), t('people.col.attempts'), t('people.col.last_call'), t('people.col.callback'), t('people.col.held_by')],
  items.map((x) => [
    link(i18n.pick(x, 'title') || x.campaign_id, `#/campaign/${enc(x.campaign_id)}`, 'cell-link'),
    x.kind ? tx(`kind.${x.kind}`, x.kind) : '',
    x.campaign_status ? h('span', { class: `pill pill-status pill-${x.campaign_status}` }, tx(`status.${x.campaign_status}`, x.campaign_status)) : '',
    x.outcome ? `${tx(`people.target.${x.status}`, x.status)} · ${tx(`people.outcome.${x.outcome}`, tx(`disposition.${x.outcome}`, x.outcome))}` : tx(`people.target.${x.status}`, x.status),
    i18n.number(x.attempts),
    x.last_disposition ? `${tx(`disposition.${x.last_disposition}`, x.last_disposition)} · ${when(x.last_call_at)}` : t('people.not_called'),
    when(x.callback_at),
    x.held_by ? t('people.held_until', { who: x.held_by, until: i18n.time(x.lease_until) }) : '',
  ]));
}

function answersList(answers) {
  if (!answers || typeof answers !== 'object') return null;
  const entries = Object.entries(answers);
  if (!entries.length) return null;
  return h('dl', { class: 'people-answers' }, entries.map(([q, a]) => h('div', {}, h('dt', {}, q), h('dd', {}, typeof a === 'number' ? i18n.number(a) : String(a)))));
}

function confirmBox(idp, question, consequence, yesLabel, onYes, onNo) {
  return h('section', { class: 'card confirm', role: 'alertdialog', 'aria-labelledby': `${idp}-h`, 'aria-describedby': `${idp}-p` },
    h('h2', { id: `${idp}-h`, tabindex: '-1' }, question),
    h('p', { id: `${idp}-p` }, consequence),
    h('div', { class: 'actions' },
      button(yesLabel, onYes, 'btn btn-primary btn-confirm'),
      button(t('people.go_back'), onNo, 'btn btn-secondary')));
}

// ---- 3. the unit browser -------------------------------------------------------------------

export async function unitsScreen(ctx) {
  if (!isOffice()) return ctx.app.go(ctx.app.home());
  const unitId = ctx.arg || '';
  if (!unitId) {
    const top = await api.get('/units?limit=100');
    if (!ctx.alive()) return undefined;
    replace(ctx.view, heading(t('people.units_title')), h('p', { class: 'lead' }, t('people.units_lead')),
      unitsTable(top.items, t('people.units_title')));
    return undefined;
  }
  let unit = await api.get(`/units/${enc(unitId)}`);
  const chain = await unitChain(unit);
  if (!ctx.alive()) return undefined;
  const kept = sessionStorage.getItem('sampark.people.role') || '';
  const kids = pagedList((cursor) => api.get(`/units/${enc(unitId)}/children?limit=50${cursor ? `&cursor=${enc(cursor)}` : ''}`),
    (items) => unitsTable(items, t('people.children')), t('people.no_children'));
  const incharge = INCHARGE[unit.level];
  const inchargeBox = h('div', {}, h('p', { class: 'muted' }, t('common.loading')));
  const contactsBox = h('div', {}, h('p', { class: 'muted' }, t('common.loading')));
  const editBox = h('div', {});
  const rolesHere = Object.keys(ROLE_LEVEL).filter((r) => LEVELS.indexOf(ROLE_LEVEL[r]) >= LEVELS.indexOf(unit.level));
  const role = rolesHere.includes(kept) ? kept : ''; // the filter kept in the tab, where it applies
  const filter = h('form', { id: 'role-filter', class: 'filters people-filter', novalidate: true },
    field('f-role', t('people.role_filter'), h('select', { id: 'f-role', name: 'role' },
      h('option', { value: '' }, t('people.all_roles')),
      rolesHere.map((r) => h('option', { value: r, selected: r === role }, roleName(r))))),
    h('button', { type: 'submit', class: 'btn btn-secondary' }, t('people.apply')));
  const drawContacts = async (chosen) => {
    const list = pagedList(
      (cursor) => api.get(`/units/${enc(unitId)}/contacts?limit=50${chosen ? `&role=${enc(chosen)}` : ''}${cursor ? `&cursor=${enc(cursor)}` : ''}`),
      (items) => contactsTable(items, t('people.contacts')), t('people.no_contacts'));
    await list.ready;
    replace(contactsBox, list.element);
  };
  filter.addEventListener('submit', async (e) => {
    e.preventDefault();
    const chosen = filter.querySelector('#f-role').value;
    sessionStorage.setItem('sampark.people.role', chosen);
    await drawContacts(chosen);
    contactsBox.setAttribute('tabindex', '-1');
    contactsBox.focus();
  });
  const draw = () => {
    replace(ctx.view, breadcrumb(chain.slice(0, -1), t('people.unit_path')),
      heading(`${i18n.pick(unit, 'name')} (${t(`level.${unit.level}`)})`),
      editBox,
      h('section', { class: 'card', 'aria-labelledby': 'incharge-h' }, h('h2', { id: 'incharge-h' }, t('people.in_charge')), inchargeBox),
      h('section', { class: 'card', 'aria-labelledby': 'children-h' }, h('h2', { id: 'children-h' }, t('people.children')), kids.element),
      h('section', { class: 'card', 'aria-labelledby': 'contacts-h' }, h('h2', { id: 'contacts-h' }, t('people.contacts')),
        unit.district_id ? filter : null, unit.district_id ? contactsBox : h('p', { class: 'muted' }, t('people.contacts_by_district'))));
    drawEditButton();
  };
  function drawEditButton(banner = null) {
    replace(editBox, banner, isAdmin() ? button(t('people.edit_unit'), drawUnitEdit, 'btn btn-secondary btn-edit-unit') : null);
  }
  function drawUnitEdit() {
    const form = h('form', { id: 'unit-form', class: 'card', novalidate: true, 'aria-labelledby': 'unit-edit-h' },
      h('h2', { id: 'unit-edit-h', tabindex: '-1' }, t('people.edit_unit')),
      h('p', { class: 'hint' }, t('people.edit_unit_hint')),
      h('div', { class: 'row row-2' },
        field('u-name_hi', t('people.name_hi'), h('input', { type: 'text', id: 'u-name_hi', name: 'name_hi', lang: 'hi', value: unit.name_hi })),
        field('u-name_en', t('people.name_en'), h('input', { type: 'text', id: 'u-name_en', name: 'name_en', lang: 'en', value: unit.name_en }))),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'btn btn-primary' }, t('people.save')),
        button(t('people.cancel'), () => drawEditButton(), 'btn btn-secondary')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const names = { name_hi: form.querySelector('#u-name_hi').value.trim(), name_en: form.querySelector('#u-name_en').value.trim() };
      const missing = Object.entries(names).filter(([, val]) => !val).map(([k]) => ({ id: `u-${k}`, message: tx(`people.err.unit_${k}`, k) }));
      if (missing.length) {
        showErrors(form, missing);
        return;
      }
      try {
        const saved = await api.request('PUT', `/units/${enc(unitId)}`, { level: unit.level, parent_id: unit.parent_id, ...names });
        unit = saved;
        chain[chain.length - 1] = saved;
        draw();
        drawEditButton(notice(t('people.unit_saved'), 'ok'));
      } catch (err) {
        const fid = err.field === 'name_en' ? 'u-name_en' : 'u-name_hi';
        showErrors(form, [{ id: fid, message: err.status === 400 ? fieldMessage(err) : i18n.errorText(err) }]);
      }
    });
    replace(editBox, form);
    form.querySelector('h2').focus();
  }
  draw();
  const tasks = [kids.ready];
  if (unit.district_id) tasks.push(drawContacts(role));
  if (incharge && unit.district_id) {
    tasks.push(api.get(`/units/${enc(unitId)}/contacts?role=${incharge}&limit=10`).then((page) => {
      const here = page.items.filter((x) => x.unit_id === unitId);
      replace(inchargeBox, here.length ? contactsTable(here, t('people.in_charge'))
        : h('p', { class: 'muted' }, t('people.no_incharge', { role: roleName(incharge) })));
    }));
  } else {
    replace(inchargeBox, h('p', { class: 'muted' }, t('people.no_incharge_level')));
  }
  await Promise.all(tasks);
  return undefined;
}

function unitsTable(items, caption) {
  return table(caption, [t('people.col.unit'), t('people.col.level')],
    items.map((u) => [link(i18n.pick(u, 'name'), `#/units/${enc(u.unit_id)}`, 'cell-link'), t(`level.${u.level}`)]));
}
