// Bulk import of a directory file (SIRENE, RNA, a lab's CSV with its column
// mapping, NDJSON): uploaded to the import route, which answers batch by
// batch as each becomes durable. A progress bar follows the upload, then the
// rows answered; rejected rows can be downloaded with their reasons.
import { authHeaders, query } from '../api.js';
import { csvLine, download, h } from '../dom.js';
import { fmt } from '../labels.js';

const FIELDS = ['', 'key', 'id', 'name', 'kind', 'home_commune', 'postal_code', 'commune_name', 'themes', 'needs',
  'offers', 'siret', 'siren', 'rna', 'naf_code', 'size_band', 'website', 'description', 'capacity',
  'location.latitude', 'location.longitude', 'contacts.name', 'contacts.email'];
// Guesses of a column's field from its name (the mapping stays editable).
const GUESSES = [
  [/^(cl[ée]|key|code|identifiant|id)$/i, 'key'], [/^(nom|name|raison sociale)$/i, 'name'],
  [/^(type|monde|kind)$/i, 'kind'], [/^(commune|insee|code insee|code_commune)$/i, 'home_commune'],
  [/^(code postal|cp|postal_code)$/i, 'postal_code'], [/^(th[èe]mes?|themes?)$/i, 'themes'],
  [/^(besoins?|needs)$/i, 'needs'], [/^(offres?|offers)$/i, 'offers'], [/^siret$/i, 'siret'],
  [/^(site|website)$/i, 'website'], [/^description$/i, 'description'],
];

export async function render(main) {
  const file = h('input', { id: 'import-fichier', type: 'file', accept: '.csv,.txt,.gz,.jsonl,.ndjson', required: true });
  const format = h('select', { id: 'import-format' },
    h('option', { value: 'csv' }, 'Tableau (CSV) avec correspondance des colonnes'),
    h('option', { value: 'sirene' }, 'SIRENE (StockEtablissement)'),
    h('option', { value: 'rna' }, 'RNA (rna_waldec)'),
    h('option', { value: 'jsonl' }, 'NDJSON (une fiche par ligne, export Maillage)'));
  const source = h('input', { id: 'import-source', type: 'text', value: 'lab', pattern: '[a-z0-9-]{1,32}' });
  const dryRun = h('input', { id: 'import-essai', type: 'checkbox' });
  const mapping = h('fieldset', { id: 'import-correspondance', hidden: true }, h('legend', {}, 'Correspondance des colonnes'));
  const bar = h('progress', { id: 'import-progression', max: 100, value: 0, 'aria-label': "Progression de l'import" });
  const status = h('p', { id: 'import-etat', role: 'status' });
  const report = h('div', { id: 'import-rapport' });
  const form = h('form', { class: 'card', onsubmit: submit },
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'import-fichier' }, 'Fichier'), file),
      h('div', { class: 'field' }, h('label', { for: 'import-format' }, 'Format'), format),
      h('div', { class: 'field' }, h('label', { for: 'import-source' }, 'Source (identifiants ext:source:clé)'), source)),
    mapping,
    h('p', {}, h('label', { for: 'import-essai' }, dryRun, ' Essai à blanc (rien n’est écrit)')),
    h('button', { type: 'submit', id: 'import-lancer' }, 'Importer'));
  main.append(h('h1', {}, 'Import d’annuaire'), form, bar, status, report);

  let text = '';
  let columns = [];
  const refresh = async () => {
    const chosen = file.files[0];
    mapping.hidden = format.value !== 'csv' || !chosen;
    if (!chosen) return;
    text = chosen.name.endsWith('.gz') ? '' : await chosen.text();
    if (format.value === 'csv' && text) {
      const header = text.split(/\r?\n/, 1)[0];
      const separator = (header.match(/;/g) || []).length >= (header.match(/,/g) || []).length ? ';' : ',';
      columns = header.split(separator).map((c) => c.replace(/^"|"$/g, '').trim());
      mapping.replaceChildren(h('legend', {}, 'Correspondance des colonnes'), h('div', { class: 'row' }, columns.map((column, i) => {
        const guess = (GUESSES.find(([re]) => re.test(column)) || [])[1] || '';
        return h('div', { class: 'field' }, h('label', { for: `colonne-${i}` }, `Colonne « ${column} »`),
          h('select', { id: `colonne-${i}`, 'data-column': column },
            FIELDS.map((f) => h('option', { value: f, selected: f === guess }, f || '(ignorée)'))));
      })));
    }
  };
  file.addEventListener('change', refresh);
  format.addEventListener('change', refresh);

  function submit(event) {
    event.preventDefault();
    const chosen = file.files[0];
    if (!chosen) return;
    const map = [...mapping.querySelectorAll('select')].filter((s) => s.value).map((s) => `${s.dataset.column}=${s.value}`);
    const params = { format: format.value, dryRun: dryRun.checked ? 'true' : undefined };
    if (format.value === 'csv') Object.assign(params, { map, source: source.value || 'lab' });
    const rows = text ? Math.max(1, text.split(/\r?\n/).filter((l) => l).length - (format.value === 'jsonl' ? 0 : 1)) : 0;
    upload(chosen, params, rows);
  }

  function upload(chosen, params, rows) {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/v1/actors:import' + query(params));
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader('Content-Type', params.format === 'jsonl' ? 'application/x-ndjson' : 'text/csv');
    const answers = [];
    let read = 0;
    const readLines = () => {
      const lines = xhr.responseText.slice(read).split('\n');
      const complete = lines.slice(0, -1);
      read += complete.reduce((n, l) => n + l.length + 1, 0);
      for (const line of complete) if (line.trim()) answers.push(JSON.parse(line));
      const last = answers[answers.length - 1];
      if (last && last.counts) {
        const c = last.counts;
        const done = Number(c.created || 0) + Number(c.updated || 0) + Number(c.unchanged || 0) + Number(c.rejected || 0);
        if (rows) bar.value = Math.min(100, 50 + (50 * done) / rows);
        status.textContent = `${fmt(done, 0)} lignes traitées${rows ? ` sur ${fmt(rows, 0)}` : ''}…`;
      }
    };
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) bar.value = (50 * e.loaded) / e.total;
      status.textContent = `Envoi : ${fmt((100 * e.loaded) / (e.total || 1), 0)} %`;
    };
    xhr.onprogress = readLines;
    xhr.onload = () => {
      if (xhr.status !== 200) {
        let message = `HTTP ${xhr.status}`;
        try { message = JSON.parse(xhr.responseText).message || message; } catch { /* not JSON */ }
        status.className = 'error';
        status.textContent = `Import refusé : ${message}`;
        return;
      }
      readLines();
      bar.value = 100;
      showReport(answers);
    };
    xhr.onerror = () => { status.className = 'error'; status.textContent = 'Connexion interrompue.'; };
    status.className = '';
    report.replaceChildren();
    bar.value = 0;
    xhr.send(chosen);
  }

  function showReport(answers) {
    const errors = answers.flatMap((a) => a.errors || []);
    const failure = answers.find((a) => a.error);
    const totals = (answers.filter((a) => a.counts).pop() || {}).counts || {};
    status.className = failure ? 'error' : 'ok';
    status.textContent = failure ? `Import interrompu : ${failure.error.message}`
      : `Import terminé : ${fmt(Number(totals.created || 0), 0)} créées, ${fmt(Number(totals.updated || 0), 0)} mises à jour, `
        + `${fmt(Number(totals.unchanged || 0), 0)} inchangées, ${fmt(Number(totals.rejected || 0), 0)} rejetées.`;
    if (errors.length === 0) return;
    const lines = text.split(/\r?\n/);
    report.replaceChildren(
      h('h2', {}, `Lignes rejetées (${errors.length})`),
      h('button', { type: 'button', id: 'import-rejets', onclick: () => download('lignes-rejetees.csv', rejectsCsv(errors, lines)) },
        'Télécharger les lignes rejetées (CSV)'),
      h('ul', { id: 'import-erreurs' }, errors.slice(0, 100).map((e) =>
        h('li', {}, `Ligne ${e.rowNumber} : ${e.field ? `${e.field} : ` : ''}${e.reason}`))));
  }
}

// The rejected rows: line number, field, reason, and the line as it was.
function rejectsCsv(errors, lines) {
  const out = [csvLine(['ligne', 'champ', 'raison', 'contenu'])];
  for (const e of errors) {
    const n = Number(e.rowNumber);
    out.push(csvLine([n, e.field || '', e.reason || '', lines[n - 1] ?? '']));
  }
  return '\ufeff' + out.join('\r\n') + '\r\n';
}
