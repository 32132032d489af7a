// Every string a person reads comes from one catalogue per language (hi.json, en.json).
// Dates and times are always shown in IST (Asia/Kolkata), whatever the phone's own time zone.

export const LANGS = ['hi', 'en'];
export const IST = 'Asia/Kolkata';
const LANG_KEY = 'sampark.lang';
const catalogues = {};
let lang = LANGS.includes(localStorage.getItem(LANG_KEY)) ? localStorage.getItem(LANG_KEY) : 'hi';

export function current() {
  return lang;
}

export async function load(wanted = lang) {
  if (!catalogues[wanted]) {
    const response = await fetch(`/app/${wanted}.json`);
    if (!response.ok) throw new Error(`catalogue ${wanted}: ${response.status}`);
    catalogues[wanted] = await response.json();
  }
  lang = wanted;
  localStorage.setItem(LANG_KEY, wanted);
  document.documentElement.lang = wanted;
  return catalogues[wanted];
}

export function has(key) {
  return Boolean(catalogues[lang] && key in catalogues[lang]);
}

/** The string for `key`, with {name} placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const text = catalogues[lang]?.[key] ?? catalogues.hi?.[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in vars ? String(vars[name]) : match));
}

/** A value that comes in both languages from the API ({name_hi, name_en} or {title_hi, title_en}). */
export function pick(obj, base) {
  if (!obj) return '';
  return obj[`${base}_${lang}`] || obj[`${base}_hi`] || obj[`${base}_en`] || '';
}

const locale = () => (lang === 'hi' ? 'hi-IN' : 'en-IN');
const asDate = (value) => (value instanceof Date ? value : new Date(value));

export function time(value) {
  return new Intl.DateTimeFormat(locale(), { timeZone: IST, hour: 'numeric', minute: '2-digit' })
    .format(asDate(value));
}

export function dateTime(value) {
  return new Intl.DateTimeFormat(locale(), {
    timeZone: IST, day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit',
  }).format(asDate(value));
}

/** A calendar day 'YYYY-MM-DD' (no time), shown as e.g. "Mon, 3 Mar". */
export function day(ymd) {
  return new Intl.DateTimeFormat(locale(), { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short' })
    .format(new Date(`${ymd}T00:00:00Z`));
}

export function number(n) {
  return new Intl.NumberFormat(locale()).format(n || 0);
}

export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  const mm = String(Math.floor(s / 60)).padStart(2, '0');
  return `${mm}:${String(s % 60).padStart(2, '0')}`;
}

/** Today's date in IST, 'YYYY-MM-DD'. */
export function istToday(now = new Date()) {
  return istParts(now).date;
}

export function istParts(moment) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', {
    timeZone: IST, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(moment).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/** The moment a date and a time picked in IST stand for. */
export function fromIst(ymd, hhmm) {
  return new Date(`${ymd}T${hhmm}:00+05:30`);
}

/** The message for an API refusal or a network failure, from the catalogue. */
export function errorText(err) {
  const code = err?.code || 'generic';
  if (code === 'off_duty') return offDuty(err.details || {});
  let text = has(`error.${code}`) ? t(`error.${code}`) : t('error.generic', { status: err?.status ?? '' });
  const opensAt = err?.details?.opens_at;
  if (opensAt) text += ` ${t('error.opens_at', { when: dateTime(opensAt) })}`;
  const wait = Number(err?.details?.retry_after_s);
  if (code === 'too_fast' && wait > 0) text += ` ${t('error.wait_seconds', { seconds: number(wait) })}`;
  if (err?.field && (code === 'invalid' || code === 'required')) text += ` (${fieldName(err.field)})`;
  return text;
}

/** Not on duty: why (from the roster) and when the agent's next shift opens. */
function offDuty(details) {
  const reason = details.reason;
  let text = reason && has(`error.${reason}`) ? t(`error.${reason}`) : t('error.off_duty');
  const next = details.next_window;
  if (next?.start) text += ` ${t('error.next_window', { when: dateTime(next.start) })}`;
  return text;
}

function fieldName(field) {
  const base = field.split('.')[0];
  return has(`field.${base}`) ? t(`field.${base}`) : field;
}
