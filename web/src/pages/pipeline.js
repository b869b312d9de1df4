// The workspace's suggestions on a territory as a board by lifecycle state,
// filtered by category, kept current by the live event stream
// (WatchSuggestions over Server-Sent Events).
import { actorNames, actorOf, listAll, query, ref } from '../api.js';
import { announce, errorBox, h } from '../dom.js';
import { CATEGORIES, STATES, fmt } from '../labels.js';
import { watchEvents } from '../events.js';
import { defaultTerritory, scopes } from '../scope.js';

const COLUMNS = Object.keys(STATES);

export async function render(main, [slugParam, codeParam], context) {
  const [slug, code] = slugParam ? [slugParam, codeParam] : defaultTerritory(context.caller);
  const territory = ref(slug, code);
  const suggestions = new Map();
  let category = '';

  const own = scopes(context.caller);
  const picker = h('select', { id: 'pipeline-territoire', onchange: () => { location.hash = `#/pipeline/${picker.value}`; } },
    [...new Set([`${slug}/${code}`, ...own.map(([s, c]) => `${s}/${c}`)])].map((v) => h('option', { value: v, selected: v === `${slug}/${code}` }, v.replace('/', ' '))));
  const filter = h('select', { id: 'pipeline-categorie', onchange: () => { category = filter.value; draw(); } },
    h('option', { value: '' }, 'Toutes'), Object.entries(CATEGORIES).map(([k, label]) => h('option', { value: k }, label)));
  const live = h('p', { class: 'live muted', id: 'pipeline-direct', role: 'status' }, 'Connexion au flux…');
  const board = h('div', { class: 'board', id: 'tableau' });
  main.append(h('h1', {}, `Pipeline — ${slug} ${code}`),
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'pipeline-territoire' }, 'Territoire'), picker),
      h('div', { class: 'field' }, h('label', { for: 'pipeline-categorie' }, 'Catégorie'), filter)),
    live, board);

  try {
    const list = await listAll('/v1/suggestions', { 'territory.level': territory.level, 'territory.code': code }, 'suggestions', 2000);
    for (const s of list) suggestions.set(s.id, s);
    await actorNames(list.flatMap((s) => [s.actorId, s.partnerId]));
  } catch (error) {
    main.append(errorBox(error));
    return undefined;
  }
  draw();

  function draw(moved) {
    const shown = [...suggestions.values()].filter((s) => !category || s.category === category);
    board.replaceChildren(...COLUMNS.map((state) => {
      const cards = shown.filter((s) => s.state === state).sort((a, b) => (b.updateTime || '').localeCompare(a.updateTime || ''));
      const headingId = `col-${state}`;
      return h('section', { class: 'column', 'aria-labelledby': headingId, 'data-state': state },
        h('h2', { id: headingId }, `${STATES[state]} (${cards.length})`),
        h('ul', {}, cards.map((s) => h('li', { 'data-suggestion': s.id, class: s.id === moved ? 'moved' : '' },
          h('a', { href: `#/acteur/${encodeURIComponent(s.actorId)}` }, actorOf(s.actorId).name), ' ↔ ',
          h('a', { href: `#/acteur/${encodeURIComponent(s.partnerId)}` }, actorOf(s.partnerId).name),
          h('br'), h('span', { class: 'muted' }, `${CATEGORIES[s.category] || ''} · ${fmt(s.score, 2)}`)))));
    }));
    board.dataset.count = String(shown.length);
  }

  const stream = watchEvents('/v1/suggestions:watch' + query({ 'territory.level': territory.level, 'territory.code': code }), {
    onStatus: (status) => {
      live.textContent = { open: 'En direct', retrying: 'Flux interrompu, reconnexion…', closed: 'Flux fermé' }[status];
      live.dataset.status = status;
    },
    onEvent: async (event) => {
      const s = event.suggestion;
      if (!s) return;
      const before = suggestions.get(s.id);
      suggestions.set(s.id, s);
      await actorNames([s.actorId, s.partnerId]);
      draw(s.id);
      if (!before || before.state !== s.state) {
        announce(`${actorOf(s.actorId).name} ↔ ${actorOf(s.partnerId).name} : ${STATES[s.state]}`);
      }
    },
  });
  return () => stream.close();
}
