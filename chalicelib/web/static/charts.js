// Charts drawn by the app as inline SVG: nothing from a CDN, no library. Each chart says one thing in
// its title, labels its bars directly (the figure is written beside each bar, so colour is never the
// only cue), and keeps its numbers in a table a screen reader (or anyone) can open.
// The SVG uses presentation attributes only, so the page's CSP (no inline styles) holds.

import * as i18n from './i18n.js';
import { h, nextId } from './ui.js';

const SVG = 'http://www.w3.org/2000/svg';
const ROW_H = 28; // px per bar, label above it
const BAR_H = 14;

function svg(tag, attrs = {}, ...kids) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== null && value !== undefined) el.setAttribute(key, String(value));
  for (const kid of kids.flat()) if (kid) el.append(kid);
  return el;
}

/** "312 / 400 (78%)" or "312" when a row has no total. */
export function figure(value, total) {
  if (total === undefined || total === null) return i18n.number(value);
  const share = total > 0 ? Math.round((100 * value) / total) : 0;
  return i18n.t('chart.of_total', { value: i18n.number(value), total: i18n.number(total), share: i18n.number(share) });
}

/**
 * A horizontal bar chart: one bar per row.
 *   title    what the chart says ("312 of 400 booths reached")
 *   rows     [{ label, value, total?, href?, id? }]: a bar is value/total when total is given (coverage),
 *            else value/max(values) (counts); a row with href makes its label a link (go down a level)
 *   columns  the table's headers: [label column, value column] (defaults: "", "Number")
 *   tone     'green' (default), 'blue', 'amber': the bar's fill (≥ 3:1 against the page, AA for graphics)
 * Returns a <figure class="chart"> with a <figcaption>, the SVG (aria-hidden: the table says it all)
 * and a <details> holding the table.
 */
export function barChart({ title, rows, columns = null, tone = 'green', id = null }) {
  const figId = id || nextId('chart');
  const scale = Math.max(1, ...rows.map((r) => (r.total === undefined || r.total === null ? r.value : r.total)));
  const width = 100; // per cent of the figure's width: the SVG scales with its box
  const bars = rows.map((r, i) => {
    const whole = r.total === undefined || r.total === null ? scale : Math.max(r.total, 1);
    const share = Math.max(0, Math.min(1, (r.value || 0) / whole));
    const y = i * ROW_H;
    return svg('g', { 'data-row': r.id ?? i },
      svg('rect', { x: '0', y: y + 8, width: `${width}%`, height: BAR_H, class: 'chart-track', rx: 3 }),
      svg('rect', { x: '0', y: y + 8, width: `${(share * width).toFixed(2)}%`, height: BAR_H, class: `chart-bar chart-${tone}`, rx: 3 }));
  });
  const chart = svg('svg', {
    class: 'chart-bars', 'aria-hidden': 'true', focusable: 'false', width: '100%', height: rows.length * ROW_H,
    preserveAspectRatio: 'none',
  }, bars);
  const labels = h('ol', { class: 'chart-labels' }, rows.map((r) => h('li', { class: 'chart-row', 'data-row': r.id ?? null },
    h('span', { class: 'chart-label' }, r.href ? h('a', { href: r.href }, r.label) : r.label),
    h('span', { class: 'chart-value' }, figure(r.value, r.total)))));
  const [labelHead, valueHead] = columns || ['', i18n.t('chart.number')];
  const table = h('table', { class: 'chart-table' },
    h('caption', { class: 'visually-hidden' }, title),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, labelHead), h('th', { scope: 'col' }, valueHead))),
    h('tbody', {}, rows.map((r) => h('tr', {},
      h('th', { scope: 'row' }, r.label),
      h('td', {}, figure(r.value, r.total))))));
  return h('figure', { class: 'chart', id: figId, 'aria-labelledby': `${figId}-t` },
    h('figcaption', { id: `${figId}-t`, class: 'chart-title' }, title),
    rows.length ? h('div', { class: 'chart-body' }, labels, chart) : h('p', { class: 'muted' }, i18n.t('chart.empty')),
    rows.length ? h('details', { class: 'chart-numbers' }, h('summary', {}, i18n.t('chart.show_numbers')), table) : null);
}

/**
 * A small trend line (e.g. calls per day): points [{ label, value }], drawn as a polyline with its last
 * value written beside it; the table holds every point.
 */
export function trendChart({ title, points, id = null }) {
  const figId = id || nextId('trend');
  const w = 240;
  const hgt = 48;
  const top = Math.max(1, ...points.map((p) => p.value || 0));
  const step = points.length > 1 ? w / (points.length - 1) : 0;
  const coords = points.map((p, i) => `${(i * step).toFixed(1)},${(hgt - ((p.value || 0) / top) * (hgt - 4) - 2).toFixed(1)}`);
  const line = svg('svg', { class: 'chart-trend', 'aria-hidden': 'true', focusable: 'false', viewBox: `0 0 ${w} ${hgt}`,
    width: w, height: hgt }, svg('polyline', { points: coords.join(' '), fill: 'none', class: 'chart-line', 'stroke-width': 2 }));
  const last = points.length ? points[points.length - 1] : null;
  const table = h('table', { class: 'chart-table' },
    h('caption', { class: 'visually-hidden' }, title),
    h('tbody', {}, points.map((p) => h('tr', {}, h('th', { scope: 'row' }, p.label), h('td', {}, i18n.number(p.value))))));
  return h('figure', { class: 'chart', id: figId, 'aria-labelledby': `${figId}-t` },
    h('figcaption', { id: `${figId}-t`, class: 'chart-title' }, title),
    points.length ? h('div', { class: 'chart-body chart-body-trend' }, line,
      h('span', { class: 'chart-value' }, last ? `${last.label}: ${i18n.number(last.value)}` : '')) : h('p', { class: 'muted' }, i18n.t('chart.empty')),
    points.length ? h('details', { class: 'chart-numbers' }, h('summary', {}, i18n.t('chart.show_numbers')), table) : null);
}
