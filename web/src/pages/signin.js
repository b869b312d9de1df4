// Sign-in: an API key or a bearer token (kept in sessionStorage for this tab
// only), or the organisation's identity provider through the server.
import { clearCredentials, setToken } from '../api.js';
import { h } from '../dom.js';

export async function render(main, _params, context, { signedIn, go }) {
  const status = h('p', { id: 'connexion-etat', role: 'status' });
  const input = h('input', { id: 'cle', name: 'cle', type: 'password', autocomplete: 'off', required: true, size: 48 });
  const form = h('form', { class: 'card', onsubmit: submit },
    h('div', { class: 'field' },
      h('label', { for: 'cle' }, "Clé d'API ou jeton d'accès"),
      input,
      h('span', { class: 'muted' }, "Gardée pour cet onglet seulement (jamais dans l'adresse).")),
    h('button', { type: 'submit', id: 'se-connecter-cle' }, 'Se connecter avec la clé'));
  main.append(h('h1', {}, 'Connexion'), form);
  if (context.session && context.session.oidc) {
    const back = encodeURIComponent('/' + (location.hash || '#/carte'));
    main.append(h('div', { class: 'card' },
      h('p', {}, "Ou avec le compte de votre organisation :"),
      h('a', { class: 'button', id: 'se-connecter-oidc', href: `/auth/login?return=${back}` }, 'Se connecter')));
  }
  main.append(status);
  input.focus();

  async function submit(event) {
    event.preventDefault();
    setToken(input.value.trim());
    status.textContent = 'Vérification…';
    const caller = await signedIn();
    if (!caller) {
      clearCredentials();
      status.className = 'error';
      status.textContent = 'Clé refusée par le serveur.';
      return;
    }
    go();
  }
}
