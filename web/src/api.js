// The HTTP/JSON face, as the pages call it. Credentials: an API key or a
// bearer token kept in sessionStorage (never in a URL), or the server's own
// session cookie after an OpenID Connect sign-in (then every call carries the
// session's CSRF token, which only a page of this origin can read).

const TOKEN_KEY = 'maillage.token';

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

let csrf = null; // set when signed in through the provider

export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}
export function clearCredentials() {
  sessionStorage.removeItem(TOKEN_KEY);
  csrf = null;
}
export function hasToken() {
  return !!sessionStorage.getItem(TOKEN_KEY);
}
export function setSessionCsrf(value) {
  csrf = value;
}

// The headers that authenticate a call.
export function authHeaders() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) return { Authorization: `Bearer ${token}` };
  if (csrf) return { 'X-Maillage-CSRF': csrf };
  return {};
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// One call; JSON in and out. Retries a 429 after its Retry-After (the rate
// limit is per principal: the map asks for many territories at once).
export async function call(method, path, body, { signal } = {}) {
  for (let attempt = 0; ; attempt++) {
    const headers = { Accept: 'application/json', ...authHeaders() };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
    if (response.status === 429 && attempt < 5) {
      const wait = Number(response.headers.get('Retry-After')) || 1;
      await sleep(wait * 1000);
      continue;
    }
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = null;
    }
    if (!response.ok) {
      const message = (json && json.message) || `HTTP ${response.status}`;
      throw new ApiError(response.status, message, json);
    }
    return json;
  }
}

export const get = (path, options) => call('GET', path, undefined, options);
export const post = (path, body, options) => call('POST', path, body ?? {}, options);

// Query string of a flat object; arrays repeat their key.
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) value.forEach((v) => search.append(key, v));
    else search.append(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export const LEVELS = {
  commune: 'TERRITORY_LEVEL_COMMUNE',
  epci: 'TERRITORY_LEVEL_EPCI',
  ept: 'TERRITORY_LEVEL_EPT',
  departement: 'TERRITORY_LEVEL_DEPARTEMENT',
  region: 'TERRITORY_LEVEL_REGION',
  custom: 'TERRITORY_LEVEL_CUSTOM',
};
export const levelSlug = (level) =>
  Object.keys(LEVELS).find((k) => LEVELS[k] === level) || 'departement';

// {level: 'TERRITORY_LEVEL_…', code} of 'departement', '94'.
export const ref = (slug, code) => ({ level: LEVELS[slug], code });
export const territoryPath = (slug, code) =>
  `/v1/territories/${LEVELS[slug]}/${encodeURIComponent(code)}`;

// Every page of a List call, up to `max` items.
export async function listAll(path, params, field, max = 2000) {
  const items = [];
  let pageToken;
  do {
    const page = await get(path + query({ ...params, pageSize: 500, pageToken }));
    items.push(...(page[field] || []));
    pageToken = page.nextPageToken;
  } while (pageToken && items.length < max);
  return items;
}

// Names of actors, by id, fetched in batches and remembered.
const names = new Map();
export async function actorNames(ids) {
  const missing = [...new Set(ids)].filter((id) => id && !names.has(id));
  for (let i = 0; i < missing.length; i += 100) {
    const batch = missing.slice(i, i + 100);
    try {
      const answer = await get('/v1/actors:batchGet' + query({ ids: batch }));
      for (const actor of answer.actors || []) names.set(actor.id, actor);
    } catch {
      // Out of scope or gone: shown by id.
    }
    for (const id of batch) if (!names.has(id)) names.set(id, { id, name: id });
  }
  return names;
}
export const actorOf = (id) => names.get(id) || { id, name: id };
