// A few DOM helpers: no framework; every text goes into the page as text, never as markup.

export function h(tag, props = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'value') el.value = value;
    else if (key === 'checked') el.checked = Boolean(value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, kids);
  return el;
}

export function append(el, kids) {
  for (const kid of [kids].flat(Infinity)) {
    if (kid === null || kid === undefined || kid === false) continue;
    el.append(kid instanceof Node ? kid : String(kid));
  }
  return el;
}

export function replace(el, ...kids) {
  el.replaceChildren();
  return append(el, kids);
}

/** A screen's heading: focused when the screen opens, so a screen reader announces it. */
export function heading(text, level = 1) {
  return h(`h${level}`, { tabindex: level === 1 ? '-1' : null, class: level === 1 ? 'screen-title' : null }, text);
}

export function button(label, onclick, cls = 'btn', extra = {}) {
  return h('button', { type: 'button', class: cls, onclick, ...extra }, label);
}

export function link(label, href, cls = 'btn') {
  return h('a', { href, class: cls }, label);
}

export function notice(text, kind = 'info') {
  return h('p', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

let uid = 0;
export function nextId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}
