// The district's lists in the browser: imports and exports (issue 16, points 7-8), to be built.
import * as i18n from './i18n.js';
import { heading, replace } from './ui.js';

function pending(ctx) {
  replace(ctx.view, heading(i18n.t('nav.data')));
}
export const importsScreen = pending;
export const exportsScreen = pending;
