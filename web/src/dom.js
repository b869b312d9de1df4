// Small DOM helpers: elements are built with h(), never from HTML strings,
// so names coming from the data cannot inject markup.

// h('a', {href: '#/x', class: 'y'}, 'text', child…)
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (value === true) {
      element.setAttribute(name, '');
    } else {
      element.setAttribute(name, value);
    }
  }
  append(element, children);
  return element;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

const SVG = 'http://www.w3.org/2000/svg';
export function s(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value);
  }
  append(element, children);
  return element;
}

// Says `text` to screen readers (the page's polite live region).
export function announce(text) {
  const region = document.getElementById('annonces');
  region.textContent = '';
  setTimeout(() => { region.textContent = text; }, 50);
}

export function errorBox(error) {
  return h('p', { class: 'error', role: 'alert' }, messageOf(error));
}

export function messageOf(error) {
  if (error && error.status === 403) return `Accès refusé : ${error.message}`;
  if (error && error.status === 404) return `Introuvable ou hors de votre périmètre : ${error.message}`;
  if (error && error.status === 401) return 'Session expirée ou identifiants refusés : reconnectez-vous.';
  return `Erreur : ${error && error.message ? error.message : error}`;
}

// A table: headers, rows of cells (strings or nodes), and a caption.
export function table(caption, headers, rows, attributes = {}) {
  return h('div', { class: 'table-wrap' },
    h('table', attributes,
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, headers.map((text) => h('th', { scope: 'col' }, text)))),
      h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell) => h('td', {}, cell)))))));
}

export function meter(fraction, label) {
  const width = Math.max(0, Math.min(1, fraction || 0)) * 100;
  return h('div', { class: 'meter', role: 'img', 'aria-label': label },
    h('span', { style: `width:${width.toFixed(1)}%` }));
}

// Saves `text` as a file named `name` (no server round trip).
export function download(name, text, type = 'text/csv;charset=utf-8') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h('a', { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// One CSV field, quoted when needed (';' separated, as French spreadsheets
// expect).
export function csvField(value) {
  const text = String(value ?? '');
  return /[";\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
export const csvLine = (fields) => fields.map(csvField).join(';');
