// The dashboard in the browser (issue 14's bench): how long the territory
// page of a département and an actor page take to become interactive in
// headless Chromium (Debian's chromium, driven by puppeteer-core), against a
// running maillage_server (scripts/dashboard-bench.sh starts one on a store
// of 1M imported actors and runs this).
//
//   node bench/dashboard/pages.mjs --base http://127.0.0.1:PORT --key SECRET \
//     [--departement 94] [--actor ID] [--reps 20] [--json out.json]
//
// Environment: MAILLAGE_WEB_MODULES (where npm ci put puppeteer-core, the
// build tree's build/web/npm), CHROMIUM (default /usr/bin/chromium).
//
// "Interactive" is the page's own marker: each page sets data-ready="true" on
// its view (the child of #contenu) once its data is drawn (web/src/pages/
// territory.js, actor.js). A MutationObserver installed before any script of
// the page records performance.now() when the marker appears (the clock's
// origin is the navigation's start) and the time of the next frame after it
// (the drawn page painted).
//
// Each repetition runs in a fresh incognito browser context (empty cache,
// empty storage):
//   1. sign in with the key through the sign-in form, as an animator does;
//   2. in-app: the hash set to the page (a click from the map), timed from
//      the hash change to the marker;
//   3. cold: the browser cache emptied (CDP Network.clearBrowserCache), the
//      page reloaded: timed from navigation start (the HTML, the
//      JavaScript, the CSS, the session and vocabulary calls, the page's
//      API calls);
//   4. warm: reloaded again with the cache as the cold load left it.
// for the territory page, then the same for the actor page. Prints p50 /
// p95 / max per page and kind of load, the JavaScript transferred on a cold
// load, and the API calls' median times (where the time goes).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const base = arg('base');
const key = arg('key');
const departement = arg('departement', '94');
const reps = Number(arg('reps', '20'));
const jsonOut = arg('json');
let actorId = arg('actor');
if (!base || !key) {
  console.error('usage: pages.mjs --base URL --key SECRET [--departement 94] [--actor ID] [--reps 20] [--json FILE]');
  process.exit(2);
}
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
const modules = process.env.MAILLAGE_WEB_MODULES;
if (!modules || !fs.existsSync(path.join(modules, 'node_modules/puppeteer-core'))) {
  console.error('MAILLAGE_WEB_MODULES must name the folder where npm ci put puppeteer-core (build/web/npm)');
  process.exit(2);
}
const require = createRequire(path.join(modules, 'package.json'));
const puppeteer = require('puppeteer-core');

async function api(url) {
  const response = await fetch(base + url, { headers: { Authorization: `Bearer ${key}` } });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${text}`);
  return JSON.parse(text);
}

if (!actorId) {
  // An imported actor of the département (not one of the demo's), else any.
  const list = await api(`/v1/actors?territory.level=TERRITORY_LEVEL_DEPARTEMENT&territory.code=${departement}&pageSize=500`);
  const actors = list.actors || [];
  if (actors.length === 0) throw new Error(`no actor in département ${departement}`);
  actorId = (actors.find((a) => !a.id.startsWith('ext:demo:')) || actors[0]).id;
}
const pages = [
  { name: 'territoire', hash: `#/territoire/departement/${departement}`, target: 1000 },
  { name: 'acteur', hash: `#/acteur/${encodeURIComponent(actorId)}`, target: 300 },
];

// Installed before the page's own scripts, in every document.
function watchReady() {
  window.__marks = [];
  const seen = new WeakSet();
  const observer = new MutationObserver((records) => {
    for (const r of records) {
      const el = r.target;
      if (seen.has(el) || el.dataset?.ready !== 'true' || el.parentElement?.id !== 'contenu') continue;
      seen.add(el);
      const mark = { hash: location.hash, ready: performance.now(), painted: null };
      window.__marks.push(mark);
      requestAnimationFrame(() => { mark.painted = performance.now(); });
    }
  });
  observer.observe(document, { subtree: true, attributes: true, attributeFilter: ['data-ready'] });
}

async function waitMark(page, hash, after) {
  await page.waitForFunction((h, t) => (window.__marks || []).some((m) => m.hash === h && m.ready >= t && m.painted !== null),
    { timeout: 60000, polling: 20 }, hash, after);
  return page.evaluate((h, t) => window.__marks.find((m) => m.hash === h && m.ready >= t), hash, after);
}

// What the document fetched: the JavaScript and the API calls.
const resources = (page) => page.evaluate(() => performance.getEntriesByType('resource').map((e) => ({
  name: new URL(e.name).pathname, type: e.initiatorType, start: e.startTime, duration: e.duration,
  wait: e.responseStart - e.requestStart, transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize,
})));

const samples = {}; // `${page} ${kind}` -> [{ready, painted}]
const apiTimes = {}; // `${page} ${api path}` -> [duration]
const jsCold = [];
const add = (k, v) => { (samples[k] ||= []).push(v); };

const browser = await puppeteer.launch({
  executablePath: chromium, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--lang=fr-FR'],
});
const first = {};
const waterfall = {};
try {
  for (let rep = 0; rep < reps; rep++) {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    await page.evaluateOnNewDocument(watchReady);
    const cdp = await page.createCDPSession();
    await cdp.send('Network.enable');
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));

    await page.goto(base + '/', { waitUntil: 'networkidle0' });
    await page.waitForSelector('#cle');
    await page.type('#cle', key);
    await Promise.all([page.waitForSelector('#connecte'), page.click('#se-connecter-cle')]);
    await page.waitForSelector('#contenu .map[data-ready="true"]', { timeout: 60000 });

    for (const p of pages) {
      // In-app: the hash changed from the page shown.
      const t0 = await page.evaluate((h) => { const t = performance.now(); location.hash = h; return t; }, p.hash);
      const inApp = await waitMark(page, p.hash, t0);
      add(`${p.name} in-app`, { ready: inApp.ready - t0, painted: inApp.painted - t0 });
      // The first time the server computes this page's data since it started.
      if (rep === 0) first[p.name] = inApp.ready - t0;

      // Cold: the cache emptied, the document reloaded.
      await cdp.send('Network.clearBrowserCache');
      await page.reload({ waitUntil: 'domcontentloaded' });
      const cold = await waitMark(page, p.hash, 0);
      add(`${p.name} cold`, { ready: cold.ready, painted: cold.painted });
      // What was drawn: no error box, the data there (checked, not assumed).
      const drawn = await page.evaluate(() => ({
        errors: [...document.querySelectorAll('#contenu .error')].map((e) => e.textContent),
        summary: document.querySelector('#contenu p.muted')?.textContent || '',
        suggestions: document.querySelectorAll('#contenu .suggestion').length,
        fragilities: document.querySelectorAll('#fragilites tbody tr').length,
      }));
      if (drawn.errors.length) throw new Error(`${p.name}: the page shows an error: ${drawn.errors.join(' | ')}`);
      if (rep === 0) console.error(`${p.name} drawn: ${JSON.stringify(drawn)}`);
      const res = await resources(page);
      if (p.name === pages[0].name) {
        const js = res.filter((r) => r.name.endsWith('.js'));
        jsCold.push({ transfer: js.reduce((s, r) => s + r.transfer, 0), encoded: js.reduce((s, r) => s + r.encoded, 0),
          decoded: js.reduce((s, r) => s + r.decoded, 0), files: js.map((r) => r.name) });
      }
      for (const r of res.filter((x) => x.type === 'fetch' || x.type === 'xmlhttprequest')) {
        const pathKey = r.name.replace(/\/v1\/actors\/[^/:]+/, '/v1/actors/{id}');
        (apiTimes[`${p.name} ${pathKey}`] ||= []).push(r.duration);
      }
      // Where the time of the last cold load went: the document, then each
      // file and call (start and duration from navigation start).
      const nav = await page.evaluate(() => {
        const n = performance.getEntriesByType('navigation')[0];
        return { html: n.responseEnd, domContentLoaded: n.domContentLoadedEventEnd };
      });
      waterfall[p.name] = { ready: cold.ready, painted: cold.painted, ...nav,
        files: res.map((x) => ({ name: x.name, start: x.start, end: x.start + x.duration, wait: x.wait })) };

      // Warm: reloaded with the cache the cold load filled.
      await page.reload({ waitUntil: 'domcontentloaded' });
      const warm = await waitMark(page, p.hash, 0);
      add(`${p.name} warm`, { ready: warm.ready, painted: warm.painted });
    }
    await context.close();
    process.stderr.write(`repetition ${rep + 1}/${reps} done\n`);
  }
} finally {
  await browser.close();
}

const quantile = (xs, q) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};
const stats = (xs) => ({ n: xs.length, p50: quantile(xs, 0.5), p95: quantile(xs, 0.95), max: Math.max(...xs) });
const ms = (x) => `${x.toFixed(0)}`;

console.log(`dashboard pages in headless Chromium: ${base}, département ${departement}, actor ${actorId}, ${reps} repetitions`);
console.log(`${'page / load'.padEnd(22)} ${'ready p50'.padStart(9)} ${'p95'.padStart(6)} ${'max'.padStart(6)}  ${'painted p50'.padStart(11)} ${'p95'.padStart(6)} ${'max'.padStart(6)}  target`);
const result = { base, departement, actorId, reps, pages: {}, jsCold: null, api: {}, first, waterfall };
for (const p of pages) {
  for (const kind of ['cold', 'warm', 'in-app']) {
    const k = `${p.name} ${kind}`;
    const r = stats(samples[k].map((x) => x.ready));
    const d = stats(samples[k].map((x) => x.painted));
    result.pages[k] = { ready: r, painted: d, target: p.target };
    const met = d.p95 <= p.target ? 'met (p95)' : (d.p50 <= p.target ? 'p50 only' : 'NOT met');
    console.log(`${k.padEnd(22)} ${ms(r.p50).padStart(9)} ${ms(r.p95).padStart(6)} ${ms(r.max).padStart(6)}  ${ms(d.p50).padStart(11)} ${ms(d.p95).padStart(6)} ${ms(d.max).padStart(6)}  <= ${p.target} ms: ${met}`);
  }
}
const j = jsCold[0];
result.jsCold = j;
console.log(`JavaScript on a cold load: ${j.transfer} bytes transferred (${j.encoded} encoded body, ${j.decoded} decoded) in ${j.files.join(', ')}`);
console.log('API calls on cold loads (ms, p50 / max):');
for (const [k, xs] of Object.entries(apiTimes).sort()) {
  const s = stats(xs);
  result.api[k] = s;
  console.log(`  ${k.padEnd(60)} ${ms(s.p50).padStart(6)} ${ms(s.max).padStart(6)}  (${s.n})`);
}
console.log(`first load of each page after the server started (in-app, repetition 1): territory ${ms(first.territoire)} ms, actor ${ms(first.acteur)} ms`);
for (const [name, w] of Object.entries(waterfall)) {
  console.log(`last cold load of ${name} (ms from navigation start): HTML ${ms(w.html)}, DOMContentLoaded ${ms(w.domContentLoaded)}, ready ${ms(w.ready)}, painted ${ms(w.painted)}`);
  for (const f of w.files) console.log(`  ${ms(f.start).padStart(5)} -> ${ms(f.end).padStart(5)}  (server wait ${ms(f.wait).padStart(3)})  ${f.name}`);
}
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(result, null, 1));
