// End-to-end test of the dashboard in headless Chromium (Debian's chromium,
// driven by puppeteer-core) against the real server with the demo
// territory: the scenarios, an accessibility check (axe-core) on
// every page, and a screenshot of each page.
//
// Environment (set by ctest, tests/CMakeLists.txt):
//   MAILLAGE_SERVER_BIN      the server binary
//   MAILLAGE_WEB_DIR         the built dashboard (build/web/dist)
//   MAILLAGE_WEB_MODULES     where npm ci put puppeteer-core and axe-core
//   MAILLAGE_SCREENSHOTS_DIR where the screenshots go (scripts/screenshots.sh
//                            sets docs/screenshots; default a temp folder)
//   CHROMIUM                 the browser (default /usr/bin/chromium)
// Exits 77 (skipped) when the browser or the packages are missing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startProvider } from './fake_oidc_provider.mjs';
import { createKey, startServer, tempDir } from './server.mjs';

const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
const modules = process.env.MAILLAGE_WEB_MODULES;
if (!fs.existsSync(chromium) || !modules || !fs.existsSync(path.join(modules, 'node_modules/puppeteer-core'))) {
  console.log(`SKIP: needs ${chromium} and the dashboard's npm packages (scripts/install-deps.sh)`);
  process.exit(77);
}
const require = createRequire(path.join(modules, 'package.json'));
const puppeteer = require('puppeteer-core');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const work = tempDir('maillage-dashboard-');
const shots = process.env.MAILLAGE_SCREENSHOTS_DIR || path.join(work, 'screenshots');
const downloads = path.join(work, 'downloads');
fs.mkdirSync(shots, { recursive: true });
fs.mkdirSync(downloads, { recursive: true });

let server;
let provider;
let browser;
const keys = {};
const LAPTOP = { width: 1280, height: 900 };
const TABLET = { width: 768, height: 1024 };

before(async () => {
  provider = await startProvider({
    clientId: 'maillage-dashboard', clientSecret: 'test-secret',
    user: { sub: 'agent-42', email: 'camille.martin@exemple.fr', name: 'Camille Martin' },
  });
  server = await startServer({
    binary: process.env.MAILLAGE_SERVER_BIN, webDir: process.env.MAILLAGE_WEB_DIR, workDir: work,
    oidc: { ...provider, clientId: 'maillage-dashboard', clientSecret: 'test-secret' },
  });
  keys.animator = await createKey(server, { role: 'animator', territories: ['departement:94'], workspace: 'lab-94', label: 'Lab 94' });
  keys.importer = await createKey(server, { role: 'importer', territories: ['departement:94'], workspace: 'lab-94', label: 'Import 94' });
  keys.elsewhere = await createKey(server, { role: 'animator', territories: ['departement:79'], workspace: 'lab-79', label: 'Lab 79' });
  await seedPartnerships();
  browser = await puppeteer.launch({
    executablePath: chromium, headless: true,
    // Two pages are watched at once: neither is put to sleep in the background.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--lang=fr-FR',
      '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (provider) await provider.close();
  if (!process.env.MAILLAGE_KEEP) fs.rmSync(work, { recursive: true, force: true });
});

// A few partnerships between demo actors of the Val-de-Marne, in the
// animator's workspace, so the network page has a graph to draw.
async function seedPartnerships() {
  const list = await server.call('GET', '/v1/actors?territory.level=TERRITORY_LEVEL_DEPARTEMENT&territory.code=94&pageSize=40');
  const ids = list.actors.map((a) => a.id);
  const categories = ['PARTNERSHIP_CATEGORY_MECENAT', 'PARTNERSHIP_CATEGORY_RESPONSIBLE_PRACTICES',
    'PARTNERSHIP_CATEGORY_ECONOMIC_COOPERATION', 'PARTNERSHIP_CATEGORY_SOCIETAL_INNOVATION'];
  for (let i = 0; i < 24; i++) {
    const a = ids[i % ids.length];
    const b = ids[(i * 7 + 3) % ids.length];
    if (a === b) continue;
    await server.call('POST', '/v1/partnerships', {
      participants: [a, b], category: categories[i % 4], active: true,
      territory: { level: 'TERRITORY_LEVEL_DEPARTEMENT', code: '94' }, description: 'Partenariat de test (démo)',
    }, keys.animator);
  }
}

async function newPage({ viewport = LAPTOP, context } = {}) {
  const page = await (context || browser).newPage();
  await page.setViewport(viewport);
  await page.setBypassCSP(true); // lets axe-core's script in; the server's CSP is checked apart
  const cdp = await page.createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
  page.on('pageerror', (error) => { page.errors = [...(page.errors || []), error]; });
  return page;
}

async function signInWithKey(page, key) {
  await page.goto(server.base + '/', { waitUntil: 'networkidle0' });
  await page.waitForSelector('#cle');
  await page.type('#cle', key);
  await Promise.all([page.waitForSelector('#connecte'), page.click('#se-connecter-cle')]);
}

async function go(page, hash, ready) {
  await page.evaluate((h) => { window.location.hash = h; }, hash);
  if (ready) await page.waitForSelector(ready, { timeout: 30000 });
}

// axe-core on the page as it is: no serious or critical violation.
async function checkAccessibility(page, name) {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help,
      where: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious, [], `${name}: ${JSON.stringify(serious, null, 1)}`);
}

const screenshot = (page, name) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

async function waitForDownload(name) {
  const file = path.join(downloads, name);
  for (let i = 0; i < 100; i++) {
    if (fs.existsSync(file) && fs.statSync(file).size > 0) return fs.readFileSync(file, 'utf8');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no download ${name}`);
}

test('the server serves the dashboard with its headers', async () => {
  const index = await fetch(server.base + '/', { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /^text\/html/);
  assert.match(index.headers.get('content-security-policy'), /default-src 'self'/);
  assert.equal(index.headers.get('cache-control'), 'no-cache');
  const html = await index.text();
  const script = html.match(/src="(\/assets\/app-[^"]+\.js)"/)[1];
  const js = await fetch(server.base + script);
  assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
  const again = await fetch(server.base + script, { headers: { 'If-None-Match': js.headers.get('etag') } });
  assert.equal(again.status, 304);
  for (const bad of ['/../CMakeLists.txt', '/assets/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/licences/../../x']) {
    const r = await fetch(server.base + bad);
    assert.notEqual(r.status, 200, bad);
  }
});

test('sign in with a key; the map colours the départements in scope', async () => {
  const page = await newPage();
  await page.goto(server.base + '/', { waitUntil: 'networkidle0' });
  await page.waitForSelector('#cle');
  await checkAccessibility(page, 'connexion');
  await screenshot(page, '01-connexion');
  await signInWithKey(page, keys.animator);
  const who = await page.$eval('#connecte', (e) => e.textContent);
  assert.match(who, /Lab 94/);
  assert.match(who, /lab-94/);
  assert.match(who, /departement:94/);
  assert.equal(await page.evaluate(() => document.cookie.includes(sessionStorage.getItem('maillage.token'))), false);
  assert.ok(!page.url().includes('mlg_'), 'the key is never in the URL');
  await page.waitForSelector('.map[data-ready="true"]', { timeout: 60000 });
  const coloured = await page.$$eval('use.dep', (all) => all.map((u) => ({ code: u.dataset.code, fill: u.getAttribute('fill'), clickable: u.classList.contains('clickable') })));
  assert.equal(coloured.length, 96);
  const valDeMarne = coloured.find((d) => d.code === '94');
  assert.ok(valDeMarne.clickable);
  assert.notEqual(valDeMarne.fill, '#e6e6e6', 'the Val-de-Marne is coloured');
  assert.equal(coloured.filter((d) => d.clickable).length, 1, 'only the scope is clickable');
  await page.select('#mesure', 'densite');
  await page.waitForFunction(() => document.querySelector('#carte-etat').textContent.includes('périmètre.'));
  await checkAccessibility(page, 'carte');
  await screenshot(page, '02-carte');
  await page.close();
});

test('the Val-de-Marne: diagnosis, coalition with a swap, panel CSV, fair matching', async () => {
  const page = await newPage();
  await signInWithKey(page, keys.animator);
  await page.waitForSelector('use.dep.clickable[data-code="94"]', { timeout: 60000 });
  await page.click('use.dep.clickable[data-code="94"]');
  await page.waitForSelector('#contenu [data-ready="true"] #fragilites', { timeout: 30000 });
  assert.match(await page.$eval('h1', (e) => e.textContent), /Val-de-Marne/);

  await page.click('#coalition-composer');
  await page.waitForSelector('#membres tbody tr', { timeout: 30000 });
  const members = await page.$$eval('#membres tbody tr', (rows) => rows.length);
  assert.ok(members >= 2, `a coalition of ${members}`);
  const before = await page.$eval('#couverture-besoins', (e) => e.textContent);
  const swap = await page.$('#remplacer-0');
  if (swap) {
    const option = await page.$eval('#remplacer-0 option:nth-child(2)', (o) => o.value);
    await page.select('#remplacer-0', option);
    await page.waitForSelector('#couverture-delta');
    assert.match(await page.$eval('#couverture-delta', (e) => e.textContent), /proposée : /);
    assert.ok(before.length > 0);
  }
  await screenshot(page, '04-coalition');

  await page.click('#panel-composer');
  await page.waitForSelector('#invitations tbody tr', { timeout: 30000 });
  const invitations = await page.$$eval('#invitations tbody tr', (rows) => rows.length);
  await page.click('#panel-csv');
  const csv = await waitForDownload('panel-94.csv');
  const lines = csv.trim().split(/\r\n/);
  assert.match(lines[0], /identifiant;nom;monde/);
  assert.equal(lines.length - 1, invitations);

  await page.click('#equitable-lancer');
  await page.waitForSelector('#exposition', { timeout: 60000 });
  await checkAccessibility(page, 'territoire');
  await screenshot(page, '03-territoire');
  await page.setViewport(TABLET);
  await screenshot(page, '03b-territoire-tablette');
  await page.close();
});

test('an actor: keep, then contacted; a second page sees it move live', async () => {
  const board = await newPage();
  await signInWithKey(board, keys.animator);
  const actorPage = await newPage();
  await signInWithKey(actorPage, keys.animator);
  await go(actorPage, '#/acteur/ext:demo:1000', '#contenu [data-ready="true"] .suggestion');
  assert.ok(await actorPage.$('.factors .pos'), 'factor bars are drawn');
  assert.ok((await actorPage.$eval('.suggestion .sentence', (e) => e.textContent)).length > 10);
  const id = await actorPage.$eval('.suggestion', (e) => e.dataset.suggestion);

  await go(board, '#/pipeline/departement/94', '#pipeline-direct[data-status="open"]');
  await actorPage.bringToFront();
  await checkAccessibility(actorPage, 'acteur');
  await screenshot(actorPage, '05-acteur');

  const card = `.suggestion[data-suggestion="${id}"]`;
  await actorPage.click(`${card} button[data-to="SUGGESTION_STATE_KEPT"]`);
  await actorPage.waitForSelector(`${card} .state[data-state="SUGGESTION_STATE_KEPT"]`);
  await board.waitForSelector(`section[data-state="SUGGESTION_STATE_KEPT"] li[data-suggestion="${id}"]`, { timeout: 15000 });
  await actorPage.click(`${card} button[data-to="SUGGESTION_STATE_CONTACTED"]`);
  await actorPage.waitForSelector(`${card} .state[data-state="SUGGESTION_STATE_CONTACTED"]`);
  await board.waitForSelector(`section[data-state="SUGGESTION_STATE_CONTACTED"] li[data-suggestion="${id}"]`, { timeout: 15000 });
  assert.equal(await board.$(`section[data-state="SUGGESTION_STATE_KEPT"] li[data-suggestion="${id}"]`), null);
  await board.bringToFront(); // a background tab draws no frame to capture
  await checkAccessibility(board, 'pipeline');
  await screenshot(board, '06-pipeline');
  await board.close();
  await actorPage.close();
});

test('the network graph of the Val-de-Marne', async () => {
  const page = await newPage();
  await signInWithKey(page, keys.animator);
  await go(page, '#/reseau/departement/94', '#contenu [data-ready="true"] #graphe circle');
  assert.ok((await page.$$('#graphe circle')).length >= 10);
  assert.ok((await page.$$('#graphe line')).length >= 10);
  await checkAccessibility(page, 'reseau');
  await screenshot(page, '07-reseau');
  await page.close();
});

test('a CSV upload with one bad row reports it, downloadable', async () => {
  const page = await newPage();
  await signInWithKey(page, keys.importer);
  await go(page, '#/import', '#import-fichier');
  const file = path.join(work, 'annuaire.csv');
  fs.writeFileSync(file, 'Clé;Nom;Type;Commune;Thèmes\n'
    + 'b1;Atelier du Val;entreprise;94018;digital_inclusion\n'
    + 'b2;Atelier sans commune;association;99999;digital_inclusion\n'
    + 'b3;Café des aidants;association;94028;seniors_ageing\n');
  const input = await page.$('#import-fichier');
  await input.uploadFile(file);
  await page.waitForSelector('#colonne-0');
  await page.$eval('#import-source', (e) => { e.value = 'lab94'; });
  await page.click('#import-lancer');
  await page.waitForSelector('#import-erreurs li', { timeout: 30000 });
  const errors = await page.$$eval('#import-erreurs li', (items) => items.map((i) => i.textContent));
  assert.equal(errors.length, 1);
  assert.match(errors[0], /^Ligne 3/);
  assert.match(await page.$eval('#import-etat', (e) => e.textContent), /2 créées.*1 rejetées/);
  assert.equal(await page.$eval('#import-progression', (e) => e.value), 100);
  await page.click('#import-rejets');
  const rejects = await waitForDownload('lignes-rejetees.csv');
  assert.match(rejects, /^\ufeff?ligne;champ;raison;contenu/);
  assert.match(rejects, /\r\n3;.*Atelier sans commune/);
  await checkAccessibility(page, 'import');
  await screenshot(page, '08-import');
  await page.close();
});

test('a key scoped to another département sees the Val-de-Marne refused', async () => {
  const page = await newPage();
  await signInWithKey(page, keys.elsewhere);
  await page.waitForSelector('.map[data-ready="true"]', { timeout: 60000 });
  assert.equal(await page.$('use.dep.clickable[data-code="94"]'), null);
  assert.ok(await page.$('use.dep.clickable[data-code="79"]'));
  await go(page, '#/territoire/departement/94', 'main .error');
  assert.match(await page.$eval('main .error', (e) => e.textContent), /hors de votre périmètre|refusé/);
  await checkAccessibility(page, 'refus');
  await screenshot(page, '09-refus');
  await page.close();
});

test('sign in through the identity provider (code + PKCE); no token reaches the page', async () => {
  const context = await browser.createBrowserContext();
  const page = await newPage({ context });
  await page.goto(server.base + '/', { waitUntil: 'networkidle0' });
  await page.waitForSelector('#se-connecter-oidc');
  await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle0' }), page.click('#se-connecter-oidc')]);
  await page.waitForSelector('#connecte', { timeout: 30000 });
  assert.match(await page.$eval('#connecte', (e) => e.textContent), /camille\.martin@exemple\.fr|Camille/);
  assert.equal(provider.tokenRequests, 1);
  const stored = await page.evaluate(() => ({ cookie: document.cookie, session: JSON.stringify(sessionStorage), local: JSON.stringify(localStorage) }));
  for (const value of Object.values(stored)) assert.doesNotMatch(value, /eyJ/, 'no JWT visible to the page');
  await page.waitForSelector('.map[data-ready="true"]', { timeout: 60000 });
  assert.ok(await page.$('use.dep.clickable[data-code="94"]'));
  // The session cookie alone (no CSRF header) is not enough for the API.
  const cookies = await page.cookies();
  const session = cookies.find((c) => c.name === 'maillage_session');
  assert.ok(session && session.httpOnly);
  const forged = await fetch(server.base + '/v1/caller', { headers: { Cookie: `maillage_session=${session.value}` } });
  assert.equal(forged.status, 401);
  await page.click('.who button');
  await page.waitForSelector('#cle');
  await context.close();
});
