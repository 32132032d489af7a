// Agents, rosters and settings in the browser (issue 16, points 4-6), to be built.
import * as i18n from './i18n.js';
import { heading, replace } from './ui.js';

function pending(ctx) {
  replace(ctx.view, heading(i18n.t('nav.agents')));
}
export const agentsScreen = pending;
export const agentScreen = pending;
export const rostersScreen = pending;
export const settingsScreen = pending;
