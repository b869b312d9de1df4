// The dashboard: sign-in, then one page per route (#/carte, #/territoire/…,
// #/acteur/…, #/pipeline, #/reseau/…, #/import). Each page module exports
// render(main, params, context) and may return a function that stops what
// it started (a live event stream).
import { ApiError, clearCredentials, get, hasToken, post, setSessionCsrf } from './api.js';
import { h } from './dom.js';
import { loadVocabularies } from './labels.js';
import * as signIn from './pages/signin.js';
import * as mapPage from './pages/map.js';
import * as territoryPage from './pages/territory.js';
import * as actorPage from './pages/actor.js';
import * as pipelinePage from './pages/pipeline.js';
import * as networkPage from './pages/network.js';
import * as importPage from './pages/import.js';

const routes = [
  { pattern: /^\/carte$/, page: mapPage, nav: '#/carte' },
  { pattern: /^\/territoire\/(\w+)\/([\w:.-]+)$/, page: territoryPage, nav: '#/carte' },
  { pattern: /^\/acteur\/(.+)$/, page: actorPage, nav: '#/carte' },
  { pattern: /^\/pipeline(?:\/(\w+)\/([\w:.-]+))?$/, page: pipelinePage, nav: '#/pipeline' },
  { pattern: /^\/reseau(?:\/(\w+)\/([\w:.-]+))?$/, page: networkPage, nav: '#/reseau' },
  { pattern: /^\/import$/, page: importPage, nav: '#/import' },
];

const context = { caller: null, session: null };
let stopPage = null;
let navigation = 0; // the latest route() call; older ones stop at their next await

// Who the credentials are: GetCaller; null when there are none or they are
// refused.
async function identify() {
  try {
    const session = await get('/auth/session');
    context.session = session;
    if (session.signedIn) setSessionCsrf(session.csrf);
  } catch {
    context.session = { oidc: false, signedIn: false };
  }
  if (!hasToken() && !(context.session && context.session.signedIn)) return null;
  try {
    return await get('/v1/caller');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) clearCredentials();
    return null;
  }
}

function showCaller() {
  const who = document.getElementById('who');
  const nav = document.getElementById('nav');
  who.replaceChildren();
  nav.hidden = !context.caller;
  if (!context.caller) return;
  const c = context.caller;
  const scope = c.allTerritories ? 'tous les territoires' : (c.territories || []).join(', ');
  who.append(
    h('span', { id: 'connecte' }, 'Connecté : ', h('strong', {}, c.displayName || c.id),
      ` (${c.role}) · espace « ${c.workspace || 'default'} » · ${scope}`),
    h('button', { type: 'button', class: 'secondary', onclick: signOut }, 'Se déconnecter'));
}

async function signOut() {
  if (context.session && context.session.signedIn) {
    try { await post('/auth/logout', {}); } catch { /* ended anyway */ }
  }
  clearCredentials();
  context.caller = null;
  context.session = null;
  location.hash = '#/connexion';
  await route();
}

export async function signedIn() {
  context.caller = await identify();
  showCaller();
  return context.caller;
}

// Shows the page of the location's hash. Each page draws into a view of its
// own: a page still loading when the animator moves on draws into a view no
// longer shown.
async function route() {
  const run = ++navigation;
  if (stopPage) { stopPage(); stopPage = null; }
  const main = document.getElementById('contenu');
  const path = location.hash.replace(/^#/, '') || '/carte';
  if (!context.caller) context.caller = await identify();
  if (run !== navigation) return;
  showCaller();
  if (!context.caller) {
    const view = h('div');
    main.replaceChildren(view);
    await signIn.render(view, [], context, { signedIn, go: () => { location.hash = '#/carte'; route(); } });
    return;
  }
  if (path === '/connexion') { location.hash = '#/carte'; return; }
  await loadVocabularies().catch(() => {});
  if (run !== navigation) return;
  const match = routes.map((r) => ({ r, m: path.match(r.pattern) })).find((x) => x.m);
  for (const link of document.querySelectorAll('#nav a')) {
    link.toggleAttribute('aria-current', false);
    if (match && link.getAttribute('href') === match.r.nav) link.setAttribute('aria-current', 'page');
  }
  const view = h('div');
  main.replaceChildren(view);
  if (!match) {
    view.append(h('h1', {}, 'Page introuvable'), h('p', {}, h('a', { href: '#/carte' }, 'Retour à la carte')));
    return;
  }
  const params = match.m.slice(1).map((p) => (p === undefined ? undefined : decodeURIComponent(p)));
  const stop = await match.r.page.render(view, params, context);
  if (run !== navigation) {
    if (typeof stop === 'function') stop();
    return;
  }
  if (typeof stop === 'function') stopPage = stop;
  document.title = `${view.querySelector('h1')?.textContent || 'Maillage'} — Maillage`;
  main.focus({ preventScroll: true });
}

window.addEventListener('hashchange', route);
route();
