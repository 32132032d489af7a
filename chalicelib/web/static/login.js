// Sign-in: username and password to the API's login route; a first sign-in with a temporary
// password sets a new one.

import * as api from './api.js';
import * as i18n from './i18n.js';
import * as outbox from './outbox.js';
import { h, heading, nextId, notice, replace } from './ui.js';

const t = i18n.t;

function field(label, input) {
  const id = nextId('f');
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input);
}

export async function loginScreen(ctx) {
  const said = ctx.app.notice();
  const status = h('div', { class: 'form-status', 'aria-live': 'assertive' });
  const username = h('input', {
    name: 'username', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true,
    maxlength: '128',
  });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true,
    maxlength: '256' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, t('login.submit'));
  const form = h('form', { class: 'card', novalidate: true },
    field(t('login.username'), username), field(t('login.password'), password), status, submit);
  replace(ctx.view, heading(t('login.title')), h('p', { class: 'lead' }, t('login.intro')),
    said ? notice(said, 'warn') : null, form);
  const { waiting } = await outbox.countAll();
  if (waiting && ctx.alive()) form.after(notice(t('login.waiting_on_phone', { count: i18n.number(waiting) }), 'warn'));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!username.value.trim() || !password.value) {
      replace(status, notice(t('login.missing'), 'error'));
      return;
    }
    submit.disabled = true;
    replace(status, h('p', { class: 'muted' }, t('login.signing_in')));
    try {
      await api.login(username.value.trim(), password.value);
      ctx.app.say(null);
      ctx.app.go(ctx.app.home());
    } catch (err) {
      submit.disabled = false;
      if (err.code === 'challenge_required') {
        newPasswordForm(ctx, username.value.trim(), err.details.session);
        return;
      }
      replace(status, notice(i18n.errorText(err), 'error'));
      password.select();
    }
  });
}

function newPasswordForm(ctx, username, challenge) {
  const status = h('div', { class: 'form-status', 'aria-live': 'assertive' });
  const first = h('input', { type: 'password', autocomplete: 'new-password', minlength: '10', required: true });
  const second = h('input', { type: 'password', autocomplete: 'new-password', minlength: '10', required: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, t('login.set_password'));
  const form = h('form', { class: 'card', novalidate: true },
    field(t('login.new_password'), first), field(t('login.repeat_password'), second), status, submit);
  replace(ctx.view, heading(t('login.new_password_title')), h('p', { class: 'lead' }, t('login.new_password_intro')),
    form);
  ctx.view.querySelector('h1').focus();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (first.value.length < 10) return replace(status, notice(t('login.password_short'), 'error'));
    if (first.value !== second.value) return replace(status, notice(t('login.password_mismatch'), 'error'));
    submit.disabled = true;
    try {
      await api.newPassword(username, challenge, first.value);
      ctx.app.say(null);
      ctx.app.go(ctx.app.home());
    } catch (err) {
      submit.disabled = false;
      replace(status, notice(i18n.errorText(err), 'error'));
    }
    return undefined;
  });
}
