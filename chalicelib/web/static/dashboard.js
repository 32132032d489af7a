// The leaders' dashboard (issue 15, point 7), to be built: until then, where their reports are.
import * as i18n from './i18n.js';
import { barChart } from './charts.js';
import { h, heading, replace } from './ui.js';

export async function dashboardScreen(ctx) {
  replace(ctx.view, heading(i18n.t('nav.dashboard')), h('p', {}, i18n.t('home.not_for_role')), barChart({ title: '', rows: [] }));
}
