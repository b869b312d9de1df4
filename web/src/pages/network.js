// The partnerships of a territory as a graph: actors as nodes coloured by
// kind, partnerships as edges coloured by category, placed by a force layout
// (d3-force) computed once, so the picture is still and readable. The same
// partnerships are listed in a table.
import { forceCenter, forceCollide, forceLink, forceManyBody, forceSimulation } from 'd3-force';
import { actorNames, actorOf, listAll, ref } from '../api.js';
import { errorBox, h, s, table } from '../dom.js';
import { CATEGORIES, CATEGORY_COLOURS, KINDS, KIND_COLOURS } from '../labels.js';
import { defaultTerritory } from '../scope.js';

const WIDTH = 900;
const HEIGHT = 600;

export async function render(main, [slugParam, codeParam], context) {
  const [slug, code] = slugParam ? [slugParam, codeParam] : defaultTerritory(context.caller);
  main.append(h('h1', {}, `Réseau des partenariats — ${slug} ${code}`));
  let partnerships;
  try {
    const territory = ref(slug, code);
    partnerships = await listAll('/v1/partnerships', { 'territory.level': territory.level, 'territory.code': code }, 'partnerships', 3000);
    await actorNames(partnerships.flatMap((p) => p.participants || []));
  } catch (error) {
    main.append(errorBox(error));
    return;
  }
  if (partnerships.length === 0) {
    main.append(h('p', {}, 'Aucun partenariat enregistré sur ce territoire pour votre espace.'));
    main.dataset.ready = 'true';
    return;
  }
  const ids = [...new Set(partnerships.flatMap((p) => p.participants || []))];
  const nodes = ids.map((id) => ({ id, actor: actorOf(id) }));
  const links = partnerships.flatMap((p) => {
    const [first, ...others] = p.participants || [];
    return others.map((other) => ({ source: first, target: other, partnership: p }));
  });
  const simulation = forceSimulation(nodes)
    .force('link', forceLink(links).id((n) => n.id).distance(40))
    .force('charge', forceManyBody().strength(-60))
    .force('collide', forceCollide(9))
    .force('center', forceCenter(WIDTH / 2, HEIGHT / 2))
    .stop();
  for (let i = 0; i < 300; i++) simulation.tick();
  const clamp = (v, max) => Math.max(10, Math.min(max - 10, v));

  const svg = s('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'group', 'aria-label': `Graphe de ${nodes.length} acteurs et ${links.length} liens` },
    s('g', { 'aria-hidden': 'true' }, links.map((l) => s('line', {
      x1: clamp(l.source.x, WIDTH), y1: clamp(l.source.y, HEIGHT), x2: clamp(l.target.x, WIDTH), y2: clamp(l.target.y, HEIGHT),
      stroke: CATEGORY_COLOURS[l.partnership.category || 'PARTNERSHIP_CATEGORY_UNSPECIFIED'], 'stroke-width': 2,
    }))),
    s('g', {}, nodes.map((n) => s('a', { href: `#/acteur/${encodeURIComponent(n.id)}`, 'aria-label': `${n.actor.name} (${KINDS[n.actor.kind] || 'monde inconnu'})` },
      s('circle', { cx: clamp(n.x, WIDTH), cy: clamp(n.y, HEIGHT), r: 7, fill: KIND_COLOURS[n.actor.kind] || '#555', stroke: '#fff', 'stroke-width': 1.5 },
        s('title', {}, n.actor.name))))));
  main.append(
    h('div', { class: 'grid2' },
      h('div', {}, h('h2', {}, 'Mondes (nœuds)'), h('ul', { class: 'legend' },
        Object.entries(KINDS).map(([k, label]) => h('li', {}, h('span', { class: 'swatch', style: `background:${KIND_COLOURS[k]}` }), label)))),
      h('div', {}, h('h2', {}, 'Catégories (liens)'), h('ul', { class: 'legend' },
        Object.entries(CATEGORIES).map(([k, label]) => h('li', {}, h('span', { class: 'swatch', style: `background:${CATEGORY_COLOURS[k]}` }), label))))),
    h('div', { class: 'network', id: 'graphe' }, svg),
    h('h2', {}, 'Partenariats'),
    table('Partenariats du territoire', ['Participants', 'Catégorie', 'Thème', 'Actif'],
      partnerships.map((p) => [(p.participants || []).map((id) => actorOf(id).name).join(' ↔ '),
        CATEGORIES[p.category] || '—', p.theme || '—', p.active ? 'oui' : 'non']), { id: 'partenariats' }));
  main.dataset.ready = 'true';
}
