// An actor: its profile, the partners suggested with their explanation
// (each factor's contribution as a bar, the French sentence), and the
// lifecycle actions of each suggestion.
import { get, listAll, post } from '../api.js';
import { announce, errorBox, h } from '../dom.js';
import {
  CATEGORIES, FACTORS, KINDS, MODALITIES, OUTCOMES, STATES, fmt, resourceLabel, themeLabel,
} from '../labels.js';

export async function render(main, [id]) {
  const title = h('h1', {}, id);
  main.append(title);
  let actor;
  try {
    actor = await get(`/v1/actors/${encodeURIComponent(id)}`);
  } catch (error) {
    main.append(errorBox(error));
    return;
  }
  title.textContent = actor.name || id;
  main.append(profile(actor));
  const list = h('div', { id: 'suggestions', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Recherche de partenaires…'));
  main.append(h('h2', {}, 'Partenaires suggérés'), list);
  try {
    const [answer, recorded] = await Promise.all([
      post(`/v1/actors/${encodeURIComponent(id)}:suggestPartners`, { limit: 8, view: 'SUGGESTION_VIEW_FULL' }),
      listAll('/v1/suggestions', { actorId: id }, 'suggestions', 500).catch(() => []),
    ]);
    const byId = new Map(recorded.map((s) => [s.id, s]));
    list.replaceChildren(...(answer.suggestions || []).map((s) => suggestionCard(s, byId.get(s.suggestionId))));
    if ((answer.suggestions || []).length === 0) list.replaceChildren(h('p', {}, 'Aucun partenaire à proposer.'));
  } catch (error) {
    list.replaceChildren(errorBox(error));
  }
  main.dataset.ready = 'true';
}

function exchanges(list) {
  return (list || []).map((e) => `${resourceLabel(e.resource)}${e.theme ? ` (${themeLabel(e.theme)})` : ''}`).join(', ') || '—';
}

function profile(a) {
  return h('section', { class: 'card', 'aria-label': 'Profil' },
    h('dl', {},
      h('dt', {}, 'Monde'), h('dd', {}, KINDS[a.kind] || a.kind),
      h('dt', {}, 'Commune'), h('dd', {}, a.homeCommune || '—'),
      h('dt', {}, 'Thèmes'), h('dd', {}, (a.themes || []).map(themeLabel).join(', ') || '—'),
      h('dt', {}, 'Besoins'), h('dd', {}, exchanges(a.needs)),
      h('dt', {}, 'Offres'), h('dd', {}, exchanges(a.offers)),
      h('dt', {}, 'Capacité'), h('dd', {}, a.capacity !== undefined ? String(a.capacity) : 'non précisée'),
      a.description ? [h('dt', {}, 'Présentation'), h('dd', {}, a.description)] : null));
}

// Each factor's contribution as a bar from a zero line: what adds (right,
// green) and what distance or silence take away (left, red).
function factorBars(factors, score) {
  const scale = Math.max(score || 0, ...factors.map((f) => Math.abs(f.contribution || 0)), 0.01);
  return h('div', { class: 'factors', role: 'list', 'aria-label': 'Contribution de chaque facteur au score' },
    factors.map((f) => {
      const c = f.contribution || 0;
      const width = (Math.abs(c) / scale) * (c >= 0 ? 70 : 30);
      const name = FACTORS[f.code] || f.code;
      return h('div', { role: 'listitem', style: 'display:contents' },
        h('span', { title: f.detail || '' }, name),
        h('div', { class: 'factor-bar', 'aria-hidden': 'true' },
          h('span', { class: 'zero' }),
          h('span', { class: c >= 0 ? 'pos' : 'neg', style: `width:${width.toFixed(1)}%` })),
        h('span', {}, `${c >= 0 ? '+' : '−'}${fmt(Math.abs(c), 3)}`));
    }));
}

// The moves a suggestion in `state` can make (the server refuses others).
const MOVES = {
  SUGGESTION_STATE_PROPOSED: [['SUGGESTION_STATE_KEPT', 'Garder'], ['SUGGESTION_STATE_DISMISSED', 'Écarter…']],
  SUGGESTION_STATE_KEPT: [['SUGGESTION_STATE_CONTACTED', 'Marquer contacté']],
  SUGGESTION_STATE_CONTACTED: [['SUGGESTION_STATE_MEETING_HELD', 'Rencontre tenue'], ['SUGGESTION_STATE_NO_ANSWER', 'Sans réponse']],
  SUGGESTION_STATE_MEETING_HELD: [['SUGGESTION_STATE_OUTCOME_RECORDED', 'Noter le résultat…']],
  SUGGESTION_STATE_OUTCOME_RECORDED: [['SUGGESTION_STATE_PARTNERSHIP_FORMED', 'Partenariat formé'], ['SUGGESTION_STATE_NOT_FORMED', 'Non formé']],
};

function suggestionCard(s, record) {
  let current = record || { id: s.suggestionId, state: 'SUGGESTION_STATE_PROPOSED' };
  const stateText = h('span', { class: 'state', 'data-state': current.state });
  const actions = h('div', { class: 'actions' });
  const message = h('p', { role: 'status' });
  const card = h('article', { class: 'card suggestion', 'data-suggestion': s.suggestionId, 'data-partner': s.partnerId },
    h('h3', {}, h('a', { href: `#/acteur/${encodeURIComponent(s.partnerId)}` }, s.partnerName || s.partnerId),
      ` — score ${fmt(s.score, 2)}`),
    h('p', { class: 'muted' }, `${KINDS[s.partnerKind] || ''} · ${CATEGORIES[s.category] || ''}`,
      s.modality ? ` (${MODALITIES[s.modality] || s.modality})` : '',
      s.distanceKm !== undefined ? ` · ${fmt(s.distanceKm)} km` : ''),
    h('p', { class: 'sentence' }, s.explanation || ''),
    factorBars(s.factors || [], s.score),
    h('p', {}, 'État : ', stateText),
    actions, message);

  function draw() {
    stateText.textContent = STATES[current.state] || current.state;
    stateText.dataset.state = current.state;
    actions.replaceChildren(...(MOVES[current.state] || []).map(([to, label]) =>
      h('button', { type: 'button', class: to === 'SUGGESTION_STATE_DISMISSED' || to === 'SUGGESTION_STATE_NOT_FORMED' || to === 'SUGGESTION_STATE_NO_ANSWER' ? 'secondary' : '',
        'data-to': to, onclick: () => ask(to) }, label)));
  }

  // Dismissing asks for a reason, an outcome for its rating.
  function ask(to) {
    if (to === 'SUGGESTION_STATE_DISMISSED') {
      const input = h('input', { id: `raison-${s.suggestionId}`, type: 'text', required: true });
      actions.replaceChildren(h('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); move(to, { reason: input.value }); } },
        h('div', { class: 'field' }, h('label', { for: input.id }, "Raison de l'écart"), input),
        h('button', { type: 'submit' }, 'Écarter'), h('button', { type: 'button', class: 'secondary', onclick: draw }, 'Annuler')));
      input.focus();
      return;
    }
    if (to === 'SUGGESTION_STATE_OUTCOME_RECORDED') {
      const select = h('select', { id: `resultat-${s.suggestionId}` },
        Object.entries(OUTCOMES).map(([k, label]) => h('option', { value: k }, label)));
      actions.replaceChildren(h('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); move(to, { outcome: select.value }); } },
        h('div', { class: 'field' }, h('label', { for: select.id }, 'Résultat de la rencontre'), select),
        h('button', { type: 'submit' }, 'Enregistrer'), h('button', { type: 'button', class: 'secondary', onclick: draw }, 'Annuler')));
      select.focus();
      return;
    }
    move(to, {});
  }

  async function move(to, extra) {
    message.textContent = '';
    try {
      current = await post(`/v1/suggestions/${encodeURIComponent(current.id)}:transition`, { state: to, ...extra });
      draw();
      announce(`Suggestion ${s.partnerName} : ${STATES[current.state]}`);
      actions.querySelector('button')?.focus();
    } catch (error) {
      message.replaceChildren(errorBox(error));
    }
  }

  draw();
  return card;
}
