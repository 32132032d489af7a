// Finding a person and walking the units (issue 16, points 1-3), to be built.
import * as i18n from './i18n.js';
import { heading, replace } from './ui.js';

function pending(ctx) {
  replace(ctx.view, heading(i18n.t('nav.units')));
}
export const searchScreen = pending;
export const contactScreen = pending;
export const unitsScreen = pending;
