// A territory: its diagnosis (fragilities, assets, actors by kind and theme),
// the coalition builder (members, what each brings, needs left uncovered,
// alternatives, swapping a member), the dialogue-panel builder (CSV export)
// and the territory-wide fair matching with its exposure chart.
import { get, post, ref, territoryPath } from '../api.js';
import { barChart } from '../charts.js';
import { announce, csvLine, download, errorBox, h, meter, table } from '../dom.js';
import {
  BASIS, KINDS, KIND_COLOURS, fmt, pct, resourceLabel, themeLabel,
} from '../labels.js';

export async function render(main, [slug, code]) {
  const title = h('h1', {}, 'Territoire');
  main.append(title);
  let diagnosis;
  try {
    diagnosis = await get(`${territoryPath(slug, code)}/diagnosis`);
  } catch (error) {
    main.append(errorBox(error), h('p', {}, h('a', { href: '#/carte' }, 'Retour à la carte')));
    return;
  }
  const territory = diagnosis.territory || {};
  title.textContent = `${territory.name || code} (${code})`;
  const themes = (diagnosis.actorsByTheme || []).map((t) => t.theme);
  main.append(
    h('p', { class: 'muted' },
      `${fmt(Number(diagnosis.population || 0), 0)} habitants · ${fmt(diagnosis.actorCount || 0, 0)} acteurs · `,
      `${fmt((diagnosis.actorDensity || 0) / 10, 2)} pour 1 000 habitants · `,
      h('a', { href: `#/pipeline/${slug}/${code}` }, 'pipeline'), ' · ',
      h('a', { href: `#/reseau/${slug}/${code}` }, 'réseau des partenariats')),
    diagnosisSection(diagnosis),
    coalitionSection(slug, code, themes),
    panelSection(slug, code, themes, territory.name || code),
    fairSection(slug, code));
  main.dataset.ready = 'true';
}

function diagnosisSection(d) {
  const fragilities = (d.fragilities || []).slice().sort(
    (a, b) => (b.fragility?.severity ?? 0) - (a.fragility?.severity ?? 0));
  const kinds = d.actorsByKind || [];
  const topThemes = (d.actorsByTheme || []).slice().sort((a, b) => b.count - a.count).slice(0, 15);
  return h('section', { 'aria-labelledby': 'diag-titre' },
    h('h2', { id: 'diag-titre' }, 'Diagnostic'),
    h('h3', {}, 'Fragilités'),
    fragilities.length === 0 ? h('p', { class: 'muted' }, 'Aucune fragilité renseignée.')
      : table('Fragilités du territoire', ['Fragilité', 'Thème', 'Valeur (référence)', 'Sévérité', 'Acteurs sur le thème', 'Mondes absents'],
        fragilities.map((f) => {
          const x = f.fragility || {};
          return [x.title || x.indicator, themeLabel(x.theme),
            `${fmt(x.value)} ${x.unit || ''} (${fmt(x.referenceValue)})`,
            h('div', {}, meter(x.severity, `Sévérité ${pct(x.severity)}`), pct(x.severity)),
            String(f.actorsOnTheme || 0),
            (f.missingKinds || []).map((k) => KINDS[k] || k).join(', ') || '—'];
        }), { id: 'fragilites' }),
    h('h3', {}, 'Atouts'),
    (d.assets || []).length === 0 ? h('p', { class: 'muted' }, 'Aucun atout renseigné.')
      : h('ul', {}, d.assets.map((a) => h('li', {}, h('strong', {}, a.title || a.indicator), ` — ${themeLabel(a.theme)}`,
        a.description ? ` : ${a.description}` : ''))),
    h('div', { class: 'grid2' },
      barChart({ id: 'graph-mondes', title: 'Acteurs par monde', labels: kinds.map((k) => KINDS[k.kind] || k.kind),
        datasets: [{ label: 'Acteurs', data: kinds.map((k) => k.count), color: kinds.map((k) => KIND_COLOURS[k.kind]) }] }),
      barChart({ id: 'graph-themes', title: 'Acteurs par thème (15 premiers)', horizontal: true, height: 360,
        labels: topThemes.map((t) => themeLabel(t.theme)), datasets: [{ label: 'Acteurs', data: topThemes.map((t) => t.count) }] })));
}

function themeChecks(name, themes, checked) {
  return h('fieldset', {},
    h('legend', {}, 'Thèmes'),
    h('div', { class: 'checks' }, themes.map((t, i) => {
      const id = `${name}-${i}`;
      return h('label', { for: id }, h('input', { type: 'checkbox', id, name, value: t, checked: checked.includes(t) }), themeLabel(t));
    })));
}
const checkedValues = (form, name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);

// What a member offers of the challenge's needs: what it is the best
// provider of and what it reinforces.
const offered = (member) => new Set([...(member.brings || []), ...(member.reinforces || [])]);

// The weighted share of the needs some member offers (need_weights aligned
// with needed_resources): what a swap changes.
export function needsShare(members, needs, weights) {
  const covered = new Set(members.flatMap((m) => [...offered(m)]));
  let total = 0;
  let met = 0;
  needs.forEach((need, i) => {
    const w = weights[i] ?? 1;
    total += w;
    if (covered.has(need)) met += w;
  });
  return { share: total ? met / total : 0, covered, uncovered: needs.filter((n) => !covered.has(n)) };
}

function coalitionSection(slug, code, themes) {
  const result = h('div', { id: 'coalition-resultat', 'aria-live': 'polite' });
  const form = h('form', { id: 'coalition-form', onsubmit: submit },
    themeChecks('coalition-theme', themes, themes.slice(0, 1)),
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'coalition-taille' }, 'Taille maximale'),
        h('input', { id: 'coalition-taille', type: 'number', min: 2, max: 20, value: 6 })),
      h('div', { class: 'field' }, h('label', { for: 'coalition-pilote' }, 'Structure pilote (identifiant, facultatif)'),
        h('input', { id: 'coalition-pilote', type: 'text', placeholder: 'ext:demo:1000' })),
      h('button', { type: 'submit', id: 'coalition-composer' }, 'Composer la coalition')));
  async function submit(event) {
    event.preventDefault();
    const chosen = checkedValues(form, 'coalition-theme');
    if (chosen.length === 0) { result.replaceChildren(h('p', { class: 'error' }, 'Choisissez au moins un thème.')); return; }
    result.replaceChildren(h('p', { class: 'muted' }, 'Composition…'));
    try {
      const answer = await post('/v1/coalitions:suggest', {
        territory: ref(slug, code), themes: chosen, maxSize: Number(form.querySelector('#coalition-taille').value) || 6,
        anchorId: form.querySelector('#coalition-pilote').value.trim() || undefined, alternatives: 2,
      });
      result.replaceChildren(coalitionView(answer));
      announce(`Coalition de ${(answer.coalition?.members || []).length} membres composée`);
    } catch (error) {
      result.replaceChildren(errorBox(error));
    }
  }
  return h('section', { 'aria-labelledby': 'coalition-titre' },
    h('h2', { id: 'coalition-titre' }, 'Coalition pour un défi'), form, result);
}

function coalitionView(answer) {
  const needs = answer.neededResources || [];
  const weights = answer.needWeights || needs.map(() => 1);
  const proposed = answer.coalition?.members || [];
  let team = proposed.slice();
  const alternatives = answer.alternatives || [];
  const inTeam = (id) => team.some((m) => m.actorId === id);
  const candidates = () => {
    const seen = new Map();
    for (const alt of alternatives) for (const m of alt.members || []) if (!inTeam(m.actorId)) seen.set(m.actorId, m);
    return [...seen.values()];
  };
  const view = h('div', {});
  const start = needsShare(proposed, needs, weights);

  function draw() {
    const now = needsShare(team, needs, weights);
    const changed = team.some((m, i) => m !== proposed[i]);
    view.replaceChildren(
      h('p', {}, answer.coalition?.summary || ''),
      h('div', { class: 'card', id: 'couverture' },
        h('p', {}, h('strong', {}, 'Couverture calculée par le serveur (qualité des offres) : '), pct(answer.coalition?.coverage)),
        h('p', {}, h('strong', {}, 'Besoins couverts (part pondérée) : '),
          h('span', { id: 'couverture-besoins' }, pct(now.share)),
          changed ? h('span', { id: 'couverture-delta' }, ` (proposée : ${pct(start.share)}, écart ${now.share >= start.share ? '+' : ''}${fmt(100 * (now.share - start.share))} points)`) : ''),
        meter(now.share, `Besoins couverts ${pct(now.share)}`),
        h('p', {}, 'Besoins : ', h('ul', { class: 'tags', 'aria-label': 'Besoins couverts' },
          [...now.covered].filter((n) => needs.includes(n)).map((n) => h('li', {}, `✓ ${resourceLabel(n)}`)))),
        h('p', {}, 'Non couverts : ', now.uncovered.length === 0 ? 'aucun'
          : h('ul', { class: 'tags', id: 'besoins-non-couverts' }, now.uncovered.map((n) => h('li', {}, resourceLabel(n)))))),
      table('Membres de la coalition', ['Membre', 'Monde', 'Rôle', 'Apporte', 'Pertinence', 'Distance', 'Pourquoi', 'Remplacer'],
        team.map((m, i) => [
          h('a', { href: `#/acteur/${encodeURIComponent(m.actorId)}` }, m.name || m.actorId),
          KINDS[m.kind] || m.kind,
          `${m.role || ''}${m.basis ? ` (${BASIS[m.basis] || m.basis})` : ''}`,
          [...offered(m)].map(resourceLabel).join(', ') || '—',
          fmt(m.relevance, 3),
          m.distanceKm !== undefined ? `${fmt(m.distanceKm)} km` : '—',
          m.reason || '',
          swapControl(m, i),
        ]), { id: 'membres' }),
      alternatives.length ? h('div', {}, h('h3', {}, 'Alternatives'),
        h('ol', {}, alternatives.map((alt) => h('li', {},
          `${(alt.members || []).map((m) => m.name).join(', ')} — couverture ${pct(alt.coverage)}`)))) : '');
  }

  function swapControl(member, index) {
    const options = candidates();
    if (options.length === 0) return '—';
    const id = `remplacer-${index}`;
    const select = h('select', { id, 'aria-label': `Remplacer ${member.name}` },
      h('option', { value: '' }, 'garder'),
      options.map((c) => h('option', { value: c.actorId }, `${c.name} (${[...offered(c)].map(resourceLabel).join(', ') || 'aucun besoin'})`)));
    select.addEventListener('change', () => {
      const replacement = options.find((c) => c.actorId === select.value);
      if (!replacement) return;
      team = team.map((m, i) => (i === index ? replacement : m));
      draw();
      announce(`${member.name} remplacé par ${replacement.name} : besoins couverts ${pct(needsShare(team, needs, weights).share)}`);
    });
    return select;
  }

  draw();
  return view;
}

function panelSection(slug, code, themes, name) {
  const result = h('div', { id: 'panel-resultat', 'aria-live': 'polite' });
  const form = h('form', { id: 'panel-form', onsubmit: submit },
    themeChecks('panel-theme', themes, themes.slice(0, 2)),
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'panel-taille' }, 'Invités'),
        h('input', { id: 'panel-taille', type: 'number', min: 3, max: 60, value: 12 })),
      h('button', { type: 'submit', id: 'panel-composer' }, 'Composer le panel')));
  async function submit(event) {
    event.preventDefault();
    const chosen = checkedValues(form, 'panel-theme');
    if (chosen.length === 0) { result.replaceChildren(h('p', { class: 'error' }, 'Choisissez au moins un thème.')); return; }
    result.replaceChildren(h('p', { class: 'muted' }, 'Composition…'));
    try {
      const panel = await post('/v1/dialoguePanels:suggest', {
        territory: ref(slug, code), themes: chosen, size: Number(form.querySelector('#panel-taille').value) || 12,
      });
      result.replaceChildren(panelView(panel, code));
      announce(`Panel de ${(panel.invitations || []).length} invitations composé`);
    } catch (error) {
      result.replaceChildren(errorBox(error));
    }
  }
  return h('section', { 'aria-labelledby': 'panel-titre' },
    h('h2', { id: 'panel-titre' }, `Dialogue territorial : panel d'invités (${name})`), form, result);
}

export function panelCsv(panel) {
  const lines = [csvLine(['identifiant', 'nom', 'monde', 'commune', 'distance_km', 'thèmes', 'pertinence', 'raison'])];
  for (const i of panel.invitations || []) {
    lines.push(csvLine([i.actorId, i.name, KINDS[i.kind] || i.kind, i.homeCommuneName || i.homeCommune || '',
      i.distanceKm !== undefined ? i.distanceKm.toFixed(1) : '', (i.themes || []).map(themeLabel).join(', '),
      (i.relevance ?? 0).toFixed(3), i.reason || '']));
  }
  return '\ufeff' + lines.join('\r\n') + '\r\n'; // BOM: spreadsheets read UTF-8
}

function panelView(panel, code) {
  return h('div', {},
    h('p', {}, panel.summary || ''),
    h('p', {}, 'Thèmes non couverts : ', (panel.uncoveredThemes || []).map(themeLabel).join(', ') || 'aucun'),
    h('button', { type: 'button', id: 'panel-csv', onclick: () => download(`panel-${code}.csv`, panelCsv(panel)) },
      'Télécharger la liste (CSV)'),
    table("Invitations", ['Invité', 'Monde', 'Commune', 'Thèmes', 'Pertinence', 'Raison'],
      (panel.invitations || []).map((i) => [
        h('a', { href: `#/acteur/${encodeURIComponent(i.actorId)}` }, i.name || i.actorId),
        KINDS[i.kind] || i.kind, i.homeCommuneName || i.homeCommune || '', (i.themes || []).map(themeLabel).join(', '),
        fmt(i.relevance, 3), i.reason || '']), { id: 'invitations' }));
}

function fairSection(slug, code) {
  const result = h('div', { id: 'equitable-resultat', 'aria-live': 'polite' });
  const button = h('button', { type: 'button', id: 'equitable-lancer', onclick: run }, 'Répartir les suggestions sur tout le territoire');
  async function run() {
    button.disabled = true;
    result.replaceChildren(h('p', { class: 'muted' }, 'Calcul pour chaque association…'));
    try {
      const answer = await post(`${territoryPath(slug, code)}:suggestPartners`, { perActor: 3 });
      result.replaceChildren(fairView(answer));
    } catch (error) {
      result.replaceChildren(errorBox(error));
    } finally {
      button.disabled = false;
    }
  }
  return h('section', { 'aria-labelledby': 'equitable-titre' },
    h('h2', { id: 'equitable-titre' }, 'Répartition équitable sur le territoire'),
    h('p', { class: 'muted' }, "Chaque association reçoit des partenaires sans que les mêmes soient proposés à tous (capacité de chacun)."),
    button, result);
}

function fairView(answer) {
  // How many associations each partner is proposed to: the exposure.
  const exposure = new Map();
  for (const a of answer.assignments || []) for (const p of a.partners || []) {
    exposure.set(p.partnerId, (exposure.get(p.partnerId) || 0) + 1);
  }
  const histogram = new Map();
  for (const n of exposure.values()) histogram.set(n, (histogram.get(n) || 0) + 1);
  const counts = [...histogram.keys()].sort((a, b) => a - b);
  const fair = answer.fair || {};
  const independent = answer.independent || {};
  return h('div', {},
    h('p', {}, `${answer.actors || 0} associations, ${answer.actorsWithoutPartner || 0} sans partenaire.`),
    table('Exposition des partenaires', ['', 'Répartition équitable', 'Chacun pour soi'], [
      ['Indice de Gini de l’exposition', fmt(fair.gini, 3), fmt(independent.gini, 3)],
      ['Exposition maximale', String(fair.maxExposure || 0), String(independent.maxExposure || 0)],
      ['Partenaires proposés', String(fair.partnersUsed || 0), String(independent.partnersUsed || 0)],
      ['Score total', fmt(fair.totalScore, 2), fmt(independent.totalScore, 2)],
    ], { id: 'exposition' }),
    barChart({ id: 'graph-exposition', title: 'Nombre de partenaires selon le nombre d’associations à qui ils sont proposés',
      labels: counts.map((n) => `${n} association${n > 1 ? 's' : ''}`),
      datasets: [{ label: 'Partenaires', data: counts.map((n) => histogram.get(n)) }] }));
}
