// My calls today (from the API, plus what still waits on the phone), and the outbox: what waits to
// be sent, and what the server refused and why.

import * as api from './api.js';
import * as i18n from './i18n.js';
import * as outbox from './outbox.js';
import { button, h, heading, link, notice, replace } from './ui.js';

const t = i18n.t;

function callItem(call, extra = null) {
  const late = call.late ? h('span', { class: 'pill pill-warn', title: t('calls.late_note') }, t('calls.late')) : null;
  return h('li', { class: 'item', 'data-call': call.call_id },
    h('p', { class: 'item-title' }, call.contact_name || call.label?.name || '', extra, late),
    h('p', { class: 'muted' }, [
      `${i18n.time(call.started_at || call.body?.started_at)} ${t('common.ist')}`,
      t(`disposition.${call.disposition || call.body?.disposition}`),
      i18n.duration(call.duration_s ?? call.body?.duration_s),
    ].join(' · ')),
    (call.notes || call.body?.notes) ? h('p', { class: 'quote' }, call.notes || call.body.notes) : null);
}

export async function callsScreen(ctx) {
  const user = api.current().username;
  const list = h('div', {}, h('p', { class: 'muted' }, t('common.loading')));
  const waiting = (await outbox.items(user)).filter((i) => i.state === 'waiting');
  replace(ctx.view, heading(t('calls.title')),
    waiting.length ? h('section', { class: 'card', 'aria-labelledby': 'wait-h' },
      h('h2', { id: 'wait-h' }, t('calls.waiting')),
      h('ul', { class: 'list' }, waiting.map((i) => callItem(i, h('span', { class: 'pill pill-waiting' }, t('calls.not_sent')))))) : null,
    h('section', { class: 'card', 'aria-labelledby': 'sent-h' }, h('h2', { id: 'sent-h' }, t('calls.today', { day: i18n.day(i18n.istToday()) })), list),
    link(t('nav.home'), '#/home', 'btn btn-secondary btn-block'));
  let cursor = null;
  const ul = h('ul', { class: 'list', 'data-testid': 'my-calls' });
  const more = button(t('calls.more'), () => page(), 'btn btn-secondary btn-block');
  async function page() {
    try {
      const path = `/me/calls?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const data = await api.get(path);
      if (!ctx.alive()) return;
      ul.append(...data.items.map((c) => callItem(c)));
      cursor = data.next_cursor || null;
      replace(list, ul.childElementCount ? ul : h('p', {}, t('calls.none')), cursor ? more : null);
    } catch (err) {
      if (ctx.alive()) replace(list, notice(i18n.errorText(err), 'error'));
    }
  }
  await page();
}

export async function outboxScreen(ctx) {
  const user = api.current().username;
  const all = await outbox.items(user);
  const waiting = all.filter((i) => i.state === 'waiting');
  const failed = all.filter((i) => i.state === 'failed');
  replace(ctx.view, heading(t('outbox.title')),
    h('section', { class: 'card', 'aria-labelledby': 'ow-h' }, h('h2', { id: 'ow-h' }, t('outbox.waiting_title')),
      waiting.length ? h('ul', { class: 'list' }, waiting.map((i) => callItem(i))) : h('p', {}, t('outbox.nothing_waiting')),
      waiting.length ? button(t('outbox.send_now'), async () => { await ctx.app.flush(); ctx.app.render(); },
        'btn btn-primary btn-block') : null),
    h('section', { class: 'card', 'aria-labelledby': 'of-h' }, h('h2', { id: 'of-h' }, t('outbox.failed_title')),
      failed.length ? h('ul', { class: 'list' }, failed.map((i) => callItem(i).appendChild(h('div', {},
        notice(i18n.errorText(i.error), 'error'),
        button(t('outbox.dismiss'), async () => { await outbox.remove(i.call_id); ctx.app.render(); },
          'btn btn-secondary btn-block'))).parentNode)) : h('p', {}, t('outbox.nothing_failed'))),
    link(t('nav.home'), ctx.app.home(), 'btn btn-secondary btn-block'));
}
