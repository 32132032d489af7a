// The district's lists in the browser (issue 16, points 7-8), for admins.
// Imports: pick a CSV, check what can be checked here (extension, size, a workbook or an encoding the
// API refuses), POST /imports (one Idempotency-Key per form), PUT the file straight to the presigned
// URL with a progress bar, then follow GET /imports/{id} while it runs: rows done, created, updated,
// unchanged, rejected, the per-line report (read from its link) and its download.
// Exports: kind, unit subtree (cascading lists), campaign or days when the kind needs them, full phones
// (audited) on request; POST /exports, then GET /exports/{id} until its download link is there.
// Under each form, the earlier imports or exports (GET /imports, GET /exports), newest first, with who,
// when, status, counts and the error report's or the file's link while there is one.

import * as api from './api.js';
import * as i18n from './i18n.js';
import { button, h, heading, link, notice, replace } from './ui.js';
import { clearErrors } from './forms.js';

const t = i18n.t;
const IMPORT_KINDS = ['contacts', 'units', 'dnc'];
const EXPORT_KINDS = ['contacts', 'campaign_results', 'call_logs'];
const EXPORT_FORMATS = ['csv', 'xlsx'];
const MAX_BYTES = 20 * 1024 * 1024; // the API's default SAMPARK_IMPORT_MAX_BYTES; the API checks again
const WORKBOOK = /\.(xlsx|xlsm|xls|ods|numbers)$/i;
const TEXT_FILE = /\.(csv|txt|tsv)$/i;
const POLL_MS = 1000;
const REPORT_LINES = 200; // lines of the error report shown in the page; the download has them all

function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `dl-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function admin(ctx) {
  if (api.hasRole('admin')) return true;
  ctx.app.go(ctx.app.home());
  return false;
}

function tabs(active) {
  return h('nav', { class: 'data-tabs', 'aria-label': t('data.tabs') },
    ['imports', 'exports'].map((name) => h('a', {
      href: `#/${name}`, class: 'data-tab', 'aria-current': name === active ? 'page' : null,
    }, t(`data.tab_${name}`))));
}

// ---- form pieces (GOV.UK patterns: labels above, errors beside, a summary on top) -------------

function field(id, label, control, hint = null) {
  return h('div', { class: 'field', id: `w-${id}` },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    control);
}

function radios(id, legend, name, values, chosen, labelOf, onchange) {
  return h('fieldset', { class: 'field data-radios', id: `w-${id}` },
    h('legend', {}, legend),
    values.map((value, i) => h('div', { class: 'check' },
      h('input', { type: 'radio', id: i === 0 ? id : `${id}-${value}`, name, value, checked: value === chosen, onchange }),
      h('label', { for: i === 0 ? id : `${id}-${value}` }, labelOf(value)))));
}

/** errors: [{id, message}] — a summary above the form (each line a link to its field), each message
 * beside its field. */
function showErrors(root, form, errors) {
  clearErrors(root);
  const lines = [];
  for (const { id, message } of errors) {
    const el = root.querySelector(`#${id}`) || form.querySelector('input, select');
    const wrap = el.closest('.field') || el.parentElement;
    wrap.classList.add('field-error');
    const msgId = `${el.id}-error`;
    if (!root.querySelector(`#${msgId}`)) {
      const msg = h('p', { class: 'error-message', id: msgId },
        h('span', { class: 'visually-hidden' }, t('form.error_prefix')), message);
      const label = wrap.querySelector(':scope > .hint') || wrap.querySelector(':scope > label, :scope > legend');
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

/** The page's id for a field the API named. */
function fieldId(name, fallback) {
  const known = {
    kind: 'f-kind', filename: 'f-file', size: 'f-file', district_id: 'f-district', unit_id: 'f-unit-0',
    campaign_id: 'f-campaign', from: 'f-from', to: 'f-to', full_phones: 'f-full_phones', format: 'f-format',
  };
  return known[name] || fallback;
}

/** The catalogue's words for an API refusal, with the API's own detail when it adds something. */
function refusal(err, prefix) {
  const key = `${prefix}.${err.code}`;
  const base = i18n.has(key) ? t(key) : i18n.errorText(err);
  return err.message && err.message !== err.code ? `${base} (${err.message})` : base;
}

function sizeText(bytes) {
  if (bytes >= 1024 * 1024) return t('data.size_mb', { mb: i18n.number(Math.round((bytes / 1024 / 1024) * 10) / 10) });
  return t('data.size_kb', { kb: i18n.number(Math.max(1, Math.round(bytes / 1024))) });
}

function progressBar(id, label, done, total) {
  const attrs = { id, class: 'data-progress', max: String(Math.max(total, 1)), 'aria-labelledby': `${id}-label` };
  if (total > 0) attrs.value = String(Math.min(done, total));
  return h('div', { class: 'data-progress-wrap' },
    h('p', { id: `${id}-label`, class: 'data-progress-label' }, label),
    h('progress', attrs));
}

// ---- imports: what the browser can check before uploading ---------------------------------------

/** The reason to refuse this file before it is sent, or null. Reads at most its first 64 KB. */
export async function checkFile(file) {
  if (!file) return { code: 'no_file' };
  if (WORKBOOK.test(file.name)) return { code: 'workbook' };
  if (!TEXT_FILE.test(file.name)) return { code: 'not_csv_name' };
  if (file.size === 0) return { code: 'empty_file' };
  if (file.size > MAX_BYTES) return { code: 'too_large', vars: { size: sizeText(file.size), max: sizeText(MAX_BYTES) } };
  const head = new Uint8Array(await file.slice(0, 65536).arrayBuffer());
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return { code: 'workbook' };
  if (head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0) return { code: 'workbook' };
  if ((head[0] === 0xff && head[1] === 0xfe && head[2] === 0 && head[3] === 0)
      || (head[0] === 0 && head[1] === 0 && head[2] === 0xfe && head[3] === 0xff)) return { code: 'utf32' };
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return null; // UTF-16, BOM
  const zeros = head.reduce((n, b) => n + (b === 0 ? 1 : 0), 0);
  if (zeros > head.length / 4) return { code: 'utf16_no_bom' };
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: file.size > head.length });
  } catch {
    let bad = 0; // the first line that is not UTF-8, for the message
    const dec = new TextDecoder('utf-8', { fatal: true });
    let line = 1;
    let start = 0;
    for (let i = 0; i <= head.length; i += 1) {
      if (i === head.length || head[i] === 0x0a) {
        try {
          dec.decode(head.subarray(start, i));
        } catch {
          bad = line;
          break;
        }
        line += 1;
        start = i + 1;
      }
    }
    return { code: 'ansi', vars: { line: i18n.number(bad || 1) } };
  }
  return null;
}

function uploadFile(url, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) onProgress(e.loaded, e.total);
    });
    xhr.addEventListener('load', () => (xhr.status >= 200 && xhr.status < 300 ? resolve()
      : reject(new api.ApiError(xhr.status, 'upload_refused', `HTTP ${xhr.status}`))));
    xhr.addEventListener('error', () => reject(new api.ApiError(0, 'upload_failed', '')));
    xhr.addEventListener('abort', () => reject(new api.ApiError(0, 'upload_failed', '')));
    xhr.send(file);
  });
}

async function districts() {
  const top = (await api.get('/units?limit=100')).items || [];
  const found = top.filter((u) => u.level === 'district');
  for (const u of top.filter((x) => x.level === 'state')) {
    const kids = (await api.get(`/units/${encodeURIComponent(u.unit_id)}/children?limit=100`)).items || [];
    found.push(...kids.filter((k) => k.level === 'district'));
  }
  return found;
}

export async function importsScreen(ctx) {
  if (!admin(ctx)) return undefined;
  if (ctx.arg) return importProgress(ctx, ctx.arg);
  const view = ctx.view;
  const state = { kind: 'contacts', key: newKey(), busy: false };
  const districtList = await districts().catch(() => []);
  if (!ctx.alive()) return undefined;
  const fileInput = h('input', {
    type: 'file', id: 'f-file', name: 'file', accept: '.csv,.txt,.tsv,text/csv,text/plain', 'aria-describedby': 'f-file-hint',
    onchange: () => { state.key = newKey(); }, // another file is another import
  });
  const districtBox = h('div', { class: 'data-district' });
  const drawDistrict = () => replace(districtBox, state.kind !== 'dnc' ? null
    : field('f-district', t('data.district'), h('select', { id: 'f-district', name: 'district_id' },
      h('option', { value: '' }, t('data.district_choose')),
      districtList.map((d) => h('option', { value: d.unit_id, selected: districtList.length === 1 }, i18n.pick(d, 'name')))),
    t('data.district_hint')));
  const progress = h('div', { class: 'data-upload', role: 'status', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'f-submit' }, t('data.upload'));
  const form = h('form', { class: 'data-form', novalidate: true },
    radios('f-kind', t('data.import_kind'), 'kind', IMPORT_KINDS, state.kind, (k) => t(`data.import_kind_${k}`), (e) => {
      state.kind = e.target.value;
      state.key = newKey();
      drawDistrict();
    }),
    districtBox,
    field('f-file', t('data.file'), fileInput, t('data.file_hint')),
    h('details', { class: 'data-help' }, h('summary', {}, t('data.help_title')),
      h('p', {}, t('data.help_columns')), h('p', {}, t('data.help_values')), h('p', {}, t('data.help_excel'))),
    submit, progress);
  drawDistrict();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (state.busy) return; // one import per click, whatever the double click
    clearErrors(view);
    const file = fileInput.files[0];
    const district = view.querySelector('#f-district')?.value || '';
    const errors = [];
    if (state.kind === 'dnc' && !district) errors.push({ id: 'f-district', message: t('data.err.district') });
    const problem = await checkFile(file);
    if (problem) errors.push({ id: 'f-file', message: t(`data.refuse.${problem.code}`, problem.vars || {}) });
    if (errors.length) return showErrors(view, form, errors);
    state.busy = true;
    submit.disabled = true;
    replace(progress, progressBar('upload-progress', t('data.uploading', { name: file.name }), 0, file.size));
    try {
      const body = { kind: state.kind, filename: file.name.slice(0, 200), size: file.size };
      if (state.kind === 'dnc') body.district_id = district;
      const job = await api.post('/imports', body, { 'Idempotency-Key': state.key });
      if (job.upload) {
        await uploadFile(job.upload.url, file, (loaded, total) => {
          const bar = progress.querySelector('progress');
          bar.max = String(total);
          bar.value = String(loaded);
          progress.querySelector('.data-progress-label').textContent = t('data.uploaded_of', {
            name: file.name, done: sizeText(loaded), total: sizeText(total),
          });
        });
      }
      if (ctx.alive()) ctx.app.go(`#/imports/${encodeURIComponent(job.import_id)}`);
    } catch (err) {
      replace(progress);
      state.busy = false;
      submit.disabled = false;
      if (!ctx.alive()) return undefined;
      const message = err.code === 'upload_failed' || err.code === 'upload_refused' ? t(`data.err.${err.code}`) : refusal(err, 'data.refuse');
      showErrors(view, form, [{ id: fieldId(err.field, 'f-file'), message }]);
    }
    return undefined;
  });
  replace(view, heading(t('data.imports_title')), tabs('imports'), h('p', { class: 'lead' }, t('data.imports_lead')), form,
    jobHistory('/imports', 'imports-history-h', t('data.history_imports'), t('data.history_none_imports'), importRows));
  return undefined;
}

// ---- imports: following one ---------------------------------------------------------------------

/** A CSV's rows (quotes, doubled quotes, commas and line breaks in quotes). */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i += 1) {
    const c = src[i];
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') { cell += '"'; i += 1; } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i += 1;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

async function reportTable(url) {
  const response = await fetch(url, { credentials: 'omit', referrerPolicy: 'no-referrer' });
  if (!response.ok) throw new api.ApiError(response.status, 'report_unavailable', '');
  const rows = parseCsv(await response.text());
  const [, ...lines] = rows; // header: line, column, value, reason
  const shown = lines.slice(0, REPORT_LINES);
  return h('div', { class: 'data-report' },
    h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-labelledby': 'report-h' },
      h('table', { class: 'table data-report-table' },
        h('caption', { class: 'visually-hidden' }, t('data.report_title')),
        h('thead', {}, h('tr', {}, ['line', 'column', 'value', 'reason'].map((c) => h('th', { scope: 'col' }, t(`data.report_${c}`))))),
        h('tbody', {}, shown.map((r) => h('tr', {},
          h('td', { class: 'num', 'data-label': t('data.report_line') }, i18n.number(Number(r[0]) || 0)),
          h('td', { 'data-label': t('data.report_column') }, r[1] || ''),
          h('td', { class: 'data-value', 'data-label': t('data.report_value') }, (r[2] || '').replace(/^'(?=[=+\-@\t\r])/, '')),
          h('td', { 'data-label': t('data.report_reason') }, r[3] || '')))))),
    lines.length > shown.length ? h('p', { class: 'hint' }, t('data.report_more', {
      shown: i18n.number(shown.length), total: i18n.number(lines.length),
    })) : null);
}

const RUNNING = new Set(['awaiting_upload', 'processing']);
const JOB_REFUSALS = new Set(['no_file', 'empty_file', 'not_csv', 'unsupported_encoding', 'wrong_encoding', 'missing_columns',
  'no_header', 'payload_too_large']);

async function importProgress(ctx, importId) {
  const view = ctx.view;
  let timer = null;
  ctx.onLeave(() => clearTimeout(timer));
  const body = h('div', { class: 'data-job' });
  replace(view, heading(t('data.import_title')), tabs('imports'), body);
  let reportShown = false;
  const draw = async () => {
    let job;
    try {
      job = await api.get(`/imports/${encodeURIComponent(importId)}`);
    } catch (err) {
      if (!ctx.alive()) return;
      if (err.transient) {
        timer = setTimeout(draw, POLL_MS * 3);
        return;
      }
      replace(body, notice(refusal(err, 'data.refuse'), 'error'), link(t('data.another'), '#/imports', 'btn btn-secondary'));
      return;
    }
    if (!ctx.alive()) return;
    const c = job.counts || {};
    const total = job.rows_total || 0;
    const running = RUNNING.has(job.status);
    const figures = h('dl', { class: 'data-figures', id: 'import-figures' },
      [['rows_done', job.rows_done], ['rows_total', total], ['created', c.created], ['updated', c.updated],
        ['unchanged', c.unchanged], ['rejected', c.rejected]].map(([key, n]) => h('div', { class: `data-figure data-figure-${key}`, 'data-key': key, 'data-value': String(n ?? 0) },
        h('dt', {}, t(`data.count_${key}`)), h('dd', {}, i18n.number(n ?? 0)))));
    const parts = [
      h('p', { class: 'data-file' }, h('strong', {}, job.filename), ' · ', t(`data.import_kind_${job.kind}`),
        ' · ', t('data.started', { when: i18n.dateTime(job.created_at) })),
      h('p', { class: `data-status data-status-${job.status}`, id: 'import-status', role: 'status' }, t(`data.status_${job.status}`)),
    ];
    if (running) {
      parts.push(progressBar('rows-progress', t('data.rows_progress', { done: i18n.number(job.rows_done || 0), total: i18n.number(total) }),
        job.rows_done || 0, total));
    }
    if (job.error) {
      parts.push(h('div', { class: 'notice notice-error data-refused', role: 'alert' },
        h('p', {}, h('strong', {}, t('data.refused_title'))),
        h('p', {}, refusedText(job.error)),
        job.error.message ? h('p', { class: 'data-detail' }, job.error.message) : null));
    }
    if (job.status !== 'failed') parts.push(figures);
    if ((job.ignored_columns || []).length) {
      parts.push(h('p', { class: 'hint' }, t('data.ignored', { columns: job.ignored_columns.join(', ') })));
    }
    if (job.status === 'done' && job.encoding) parts.push(h('p', { class: 'hint' }, t('data.encoding', { encoding: job.encoding })));
    const reportBox = h('div', { id: 'import-report' });
    if (job.status === 'done') {
      if (job.report_url && c.rejected) {
        parts.push(h('h2', { id: 'report-h' }, t('data.report_title_n', { n: i18n.number(c.rejected) })),
          h('p', {}, h('a', { href: job.report_url, class: 'btn btn-secondary', id: 'report-download', rel: 'noopener' }, t('data.report_download'))),
          reportBox);
      } else parts.push(notice(t('data.no_rejects'), 'info'));
    }
    parts.push(h('p', {}, link(t('data.another'), '#/imports', 'btn btn-secondary')));
    replace(body, parts);
    if (job.status === 'done' && job.report_url && c.rejected && !reportShown) {
      reportShown = true;
      replace(reportBox, h('p', { class: 'muted' }, t('common.loading')));
      try {
        const table = await reportTable(job.report_url);
        if (ctx.alive()) replace(reportBox, table);
      } catch {
        if (ctx.alive()) replace(reportBox, notice(t('data.report_unavailable'), 'warn'));
      }
    }
    if (running) timer = setTimeout(draw, POLL_MS);
  };
  await draw();
  return undefined;
}

// ---- exports ------------------------------------------------------------------------------------

async function children(unitId) {
  const path = unitId ? `/units/${encodeURIComponent(unitId)}/children?limit=100` : '/units?limit=100';
  return (await api.get(path)).items || [];
}

/** Cascading lists, one per level; the deepest unit chosen is the subtree exported. */
function unitPicker() {
  const box = h('div', { class: 'unit-walk', id: 'f-unit' }, h('p', { class: 'muted' }, t('common.loading')));
  const chain = [];
  let drawing = 0;
  const draw = async () => {
    const mine = ++drawing;
    const lists = [];
    let parent = null;
    for (let depth = 0; depth <= chain.length; depth += 1) {
      let items = await children(parent);
      if (depth === 0 && items.length === 1 && items[0].level === 'state') {
        items = await children(items[0].unit_id); // one state: its districts are the first list
      }
      if (mine !== drawing) return;
      if (!items.length) break;
      const id = `f-unit-${depth}`;
      lists.push(field(id, t('data.unit_at', { level: t(`level.${items[0].level}`) }), h('select', {
        id, name: id,
        onchange: (e) => {
          chain.length = depth;
          if (e.target.value) chain.push(e.target.value);
          draw();
        },
      }, h('option', { value: '' }, depth === 0 ? t('data.unit_choose') : t('data.unit_whole')),
      items.map((u) => h('option', { value: u.unit_id, selected: u.unit_id === chain[depth] }, i18n.pick(u, 'name'))))));
      parent = chain[depth];
      if (!parent) break;
    }
    replace(box, lists);
  };
  return { element: box, unitId: () => chain.slice(-1)[0] || '', ready: draw() };
}

export async function exportsScreen(ctx) {
  if (!admin(ctx)) return undefined;
  if (ctx.arg) return exportProgress(ctx, ctx.arg);
  const view = ctx.view;
  const state = { kind: 'contacts', format: 'csv', key: newKey(), busy: false };
  const picker = unitPicker();
  const campaigns = await api.get('/campaigns?limit=100').then((r) => r.items || []).catch(() => []);
  if (!ctx.alive()) return undefined;
  const today = i18n.istToday();
  const extra = h('div', {});
  const drawExtra = () => {
    const parts = [];
    if (state.kind === 'campaign_results') {
      parts.push(field('f-campaign', t('data.campaign'), h('select', { id: 'f-campaign', name: 'campaign_id' },
        h('option', { value: '' }, t('data.campaign_choose')),
        campaigns.map((c) => h('option', { value: c.campaign_id }, i18n.pick(c, 'title'))))));
    }
    if (state.kind === 'call_logs') {
      parts.push(h('div', { class: 'data-days' },
        field('f-from', t('data.from'), h('input', { type: 'date', id: 'f-from', name: 'from', value: today, 'aria-describedby': 'f-from-hint' }), t('data.days_hint')),
        field('f-to', t('data.to'), h('input', { type: 'date', id: 'f-to', name: 'to', value: today }))));
    } else {
      parts.push(h('div', { class: 'field', id: 'w-f-full_phones' },
        h('div', { class: 'check' },
          h('input', { type: 'checkbox', id: 'f-full_phones', name: 'full_phones', 'aria-describedby': 'f-full_phones-hint' }),
          h('label', { for: 'f-full_phones' }, t('data.full_phones'))),
        h('p', { class: 'hint', id: 'f-full_phones-hint' }, t('data.full_phones_hint'))));
    }
    replace(extra, parts);
  };
  drawExtra();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'f-submit' }, t('data.export'));
  const form = h('form', { class: 'data-form', novalidate: true },
    radios('f-kind', t('data.export_kind'), 'kind', EXPORT_KINDS, state.kind, (k) => t(`data.export_kind_${k}`), (e) => {
      state.kind = e.target.value;
      drawExtra();
    }),
    h('fieldset', { class: 'field' }, h('legend', {}, t('data.unit')), h('p', { class: 'hint' }, t('data.unit_hint')), picker.element),
    extra,
    radios('f-format', t('data.format'), 'format', EXPORT_FORMATS, state.format, (f) => t(`data.format_${f}`), (e) => {
      state.format = e.target.value;
    }),
    h('p', { class: 'hint', id: 'f-format-hint' }, t('data.format_hint')),
    submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (state.busy) return undefined;
    clearErrors(view);
    // headings and answers in the language the page is read in
    const body = { kind: state.kind, unit_id: picker.unitId(), format: state.format, language: i18n.current() };
    const errors = [];
    if (!body.unit_id) errors.push({ id: 'f-unit-0', message: t('data.err.unit') });
    if (state.kind === 'campaign_results') {
      body.campaign_id = view.querySelector('#f-campaign').value;
      if (!body.campaign_id) errors.push({ id: 'f-campaign', message: t('data.err.campaign') });
    }
    if (state.kind === 'call_logs') {
      body.from = view.querySelector('#f-from').value;
      body.to = view.querySelector('#f-to').value;
      if (!body.from) errors.push({ id: 'f-from', message: t('data.err.from') });
      if (!body.to) errors.push({ id: 'f-to', message: t('data.err.to') });
    } else if (view.querySelector('#f-full_phones').checked) body.full_phones = true;
    if (errors.length) return showErrors(view, form, errors);
    state.busy = true;
    submit.disabled = true;
    try {
      const job = await api.post('/exports', body, { 'Idempotency-Key': state.key });
      if (ctx.alive()) ctx.app.go(`#/exports/${encodeURIComponent(job.export_id)}`);
    } catch (err) {
      state.busy = false;
      submit.disabled = false;
      if (err.code === 'idempotency_key_reused') state.key = newKey(); // the form changed since: a new export
      if (ctx.alive()) showErrors(view, form, [{ id: fieldId(err.field, 'f-unit-0'), message: refusal(err, 'data.export_refuse') }]);
    }
    return undefined;
  });
  replace(view, heading(t('data.exports_title')), tabs('exports'), h('p', { class: 'lead' }, t('data.exports_lead')), form,
    jobHistory('/exports', 'exports-history-h', t('data.history_exports'), t('data.history_none_exports'), exportRows));
  await picker.ready;
  return undefined;
}

async function exportProgress(ctx, exportId) {
  const view = ctx.view;
  let timer = null;
  ctx.onLeave(() => clearTimeout(timer));
  const body = h('div', { class: 'data-job' });
  replace(view, heading(t('data.export_title')), tabs('exports'), body);
  const draw = async () => {
    let job;
    try {
      job = await api.get(`/exports/${encodeURIComponent(exportId)}`);
    } catch (err) {
      if (!ctx.alive()) return;
      if (err.transient) {
        timer = setTimeout(draw, POLL_MS * 3);
        return;
      }
      replace(body, notice(refusal(err, 'data.export_refuse'), 'error'), link(t('data.another_export'), '#/exports', 'btn btn-secondary'));
      return;
    }
    if (!ctx.alive()) return;
    const parts = [
      h('p', { class: 'data-file' }, h('strong', {}, t(`data.export_kind_${job.kind}`)), ' · ', job.unit_id,
        job.from ? ` · ${i18n.day(job.from)} – ${i18n.day(job.to)}` : '',
        ' · ', t(job.full_phones ? 'data.phones_full' : 'data.phones_masked'),
        ' · ', t('data.started', { when: i18n.dateTime(job.created_at) })),
      h('p', { class: `data-status data-status-${job.status}`, id: 'export-status', role: 'status' }, t(`data.status_${job.status}`)),
      h('dl', { class: 'data-figures' }, h('div', { class: 'data-figure', 'data-key': 'rows', 'data-value': String(job.rows || 0) },
        h('dt', {}, t('data.count_rows')), h('dd', {}, i18n.number(job.rows || 0)))),
    ];
    if (job.status === 'processing') parts.push(h('progress', { class: 'data-progress', 'aria-label': t('data.status_processing') }));
    if (job.error) parts.push(notice(job.error, 'error'));
    if (job.download_url) {
      parts.push(h('p', {}, h('a', { href: job.download_url, class: 'btn btn-primary', id: 'export-download', rel: 'noopener' }, t('data.download'))),
        h('p', { class: 'hint' }, t('data.link_expires', { minutes: i18n.number(Math.round((job.expires_in || 900) / 60)) })));
    }
    parts.push(h('p', {}, link(t('data.another_export'), '#/exports', 'btn btn-secondary')));
    replace(body, parts);
    if (job.status === 'processing') timer = setTimeout(draw, POLL_MS);
  };
  await draw();
  return undefined;
}


// ---- earlier imports and exports ------------------------------------------------------------------

function historyTable(caption, columns, rows) {
  return h('table', { class: 'table data-history-table' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell, i) => h('td', { 'data-label': columns[i] }, cell))))));
}

function statusPill(status) {
  return h('span', { class: `data-pill data-status-${status}` }, t(`data.status_${status}`));
}

function when(at) {
  return at ? `${i18n.dateTime(at)} ${t('common.ist')}` : '';
}

/** A download link whose name says which file (the same words on every row would not). */
function fileLink(url, label, name) {
  return h('a', { href: url, class: 'cell-link data-history-download', rel: 'noopener' }, label,
    h('span', { class: 'visually-hidden' }, ` (${name})`));
}

/** Why a job was refused whole, in the reader's language (the API's message is English). */
function refusedText(error) {
  return t(JOB_REFUSALS.has(error.code) ? `data.refuse.${error.code === 'no_file' ? 'no_file_stored' : error.code}` : 'data.refuse.generic');
}

function importRows(items, caption) {
  return historyTable(caption, [t('data.col.when'), t('data.col.who'), t('data.col.kind'), t('data.col.file'), t('data.col.status'),
    t('data.count_rows_done'), t('data.col.result'), t('data.col.report')],
  items.map((job) => {
    const c = job.counts || {};
    const result = ['created', 'updated', 'unchanged', 'rejected'].map((k) => `${t(`data.count_${k}`)} ${i18n.number(c[k] || 0)}`).join(' · ');
    return [
      when(job.created_at), job.created_by, t(`data.import_kind_${job.kind}`),
      job.status === 'withdrawn' ? job.filename : link(job.filename, `#/imports/${encodeURIComponent(job.import_id)}`, 'cell-link'),
      statusPill(job.status),
      `${i18n.number(job.rows_done || 0)} / ${i18n.number(job.rows_total || 0)}`,
      job.status === 'failed' && job.error ? refusedText(job.error) : result,
      job.report_url && c.rejected ? fileLink(job.report_url, t('data.history_report'), job.filename) : t('data.history_no_file'),
    ];
  }));
}

function exportRows(items, caption) {
  return historyTable(caption, [t('data.col.when'), t('data.col.who'), t('data.col.kind'), t('data.unit'), t('data.col.phones'),
    t('data.col.status'), t('data.count_rows'), t('data.col.file')],
  items.map((job) => [
    when(job.created_at), job.created_by,
    job.status === 'withdrawn' ? t(`data.export_kind_${job.kind}`) : link(t(`data.export_kind_${job.kind}`), `#/exports/${encodeURIComponent(job.export_id)}`, 'cell-link'),
    job.from ? `${job.unit_id} · ${i18n.day(job.from)} – ${i18n.day(job.to)}` : job.unit_id,
    t(job.full_phones ? 'data.phones_full' : 'data.phones_masked'),
    statusPill(job.status), i18n.number(job.rows || 0),
    job.download_url ? fileLink(job.download_url, t('data.history_download'), `${job.kind}-${job.unit_id}.csv`) : t('data.history_no_file'),
  ]));
}

/** Earlier jobs, newest first, 20 at a time behind the API's cursor. */
function jobHistory(path, headingId, title, emptyText, render) {
  const section = h('section', { class: 'data-history', 'aria-labelledby': headingId });
  const titleEl = () => h('h2', { id: headingId }, title);
  const more = h('div', { class: 'actions' });
  const shown = [];
  const load = async (cursor) => {
    const page = await api.get(`${path}?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    shown.push(...page.items);
    replace(section, titleEl(), shown.length ? render(shown, title) : h('p', { class: 'muted' }, emptyText), more);
    replace(more, page.next_cursor ? button(t('data.history_more'), () => load(page.next_cursor).catch((err) => {
      replace(more, notice(i18n.errorText(err), 'error'));
    }), 'btn btn-secondary data-history-more') : null);
  };
  replace(section, titleEl(), h('p', { class: 'muted' }, t('common.loading')));
  load(null).catch((err) => replace(section, titleEl(), notice(i18n.errorText(err), 'error')));
  return section;
}
