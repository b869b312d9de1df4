// What the signed-in principal may open: its territories ("departement:94",
// "region:11", …) or all of them.

export function inScope(caller, slug, code, ancestors = []) {
  if (!caller) return false;
  if (caller.allTerritories) return true;
  const refs = new Set(caller.territories || []);
  if (refs.has(`${slug}:${code}`)) return true;
  return ancestors.some((a) => refs.has(a));
}

// The principal's own territories as [slug, code] pairs.
export function scopes(caller) {
  return (caller.territories || []).map((t) => {
    const i = t.indexOf(':');
    return [t.slice(0, i), t.slice(i + 1)];
  });
}

// The territory a page opens first: the first of the principal's scopes,
// or the Val-de-Marne (the demo) for one with every territory.
export function defaultTerritory(caller) {
  const own = scopes(caller);
  return own.length ? own[0] : ['departement', '94'];
}
