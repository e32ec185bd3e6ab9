// Builds the dashboard (web/) into web/dist/: one ES-module bundle with split chunks, hashed names (served
// with a year's cache), and an index.html that only links them (no inline script: the CSP forbids it).
// Runs at `npm install`/`npm ci` (the `prepare` script) and as `npm run build:dashboard`.
import { build, type Plugin } from 'esbuild';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip, gzipSync } from 'node:zlib';

const root = path.resolve(import.meta.dirname, '..');
const web = path.join(root, 'web');
const out = path.join(web, 'dist');
/** The issue's budget for the JavaScript a first visit loads (GraphiQL and charts come later). */
const INITIAL_JS_BUDGET = 250 * 1024;

/**
 * NOTE: our CSP has no 'unsafe-inline' for styles, so a dependency that appends a `<style>` element is
 * blocked (a console violation, its CSS lost). react-style-singleton (under GraphiQL's dialogs' scroll
 * lock) is resolved to our own module of the same API, which applies the CSS as a constructable
 * stylesheet instead (see web/screens/explorer/styleSingleton.ts); the check after the build stops any
 * other such injector from reaching the bundle unnoticed.
 */
const cspSafeStyles: Plugin = {
  name: 'csp-safe-styles',
  setup(b) {
    b.onResolve({ filter: /^react-style-singleton$/ }, () => ({ path: path.join(web, 'screens', 'explorer', 'styleSingleton.ts') }));
  },
};

const started = performance.now();
fs.rmSync(out, { recursive: true, force: true });
// GraphiQL's stylesheet (400 KB, mostly its fonts as data: URLs) is copied beside the chunks under a
// hashed name and linked by the API explorer when it opens, not linked from every page like the others.
const graphiqlCss = fs.readFileSync(path.join(root, 'node_modules', 'graphiql', 'dist', 'style.css'));
const graphiqlCssName = `graphiql-${createHash('sha256').update(graphiqlCss).digest('hex').slice(0, 8).toUpperCase()}.css`;
const result = await build({
  // NOTE: two entries: the app (main.tsx) and the boot script (boot.ts: the page's first requests,
  // in a chunk of their own without Preact, linked `async` before the app so they go out while the
  // app's code still loads). Shared modules (the API client, the registry) are one instance per page.
  entryPoints: [path.join(web, 'main.tsx'), path.join(web, 'boot.ts')],
  bundle: true,
  splitting: true,
  format: 'esm',
  target: 'es2022',
  outdir: path.join(out, 'assets'),
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  assetNames: '[name]-[hash]',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  sourcemap: false,
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [cspSafeStyles],
  // React (bundled for GraphiQL, in the explorer's chunks only) reads process.env.NODE_ENV.
  define: { 'process.env.NODE_ENV': '"production"', __GRAPHIQL_CSS__: JSON.stringify(`/assets/${graphiqlCssName}`) },
});
fs.writeFileSync(path.join(out, 'assets', graphiqlCssName), graphiqlCss);

const outputs = Object.entries(result.metafile.outputs);
const injectors = outputs.map(([f]) => f).filter((f) => f.endsWith('.js') && fs.readFileSync(path.join(root, f), 'utf8').includes('createElement("style")'));
if (injectors.length > 0) {
  console.error(`dashboard build: ${injectors.join(', ')} create <style> elements, which the CSP blocks (style-src 'self'); apply the CSS as a constructable stylesheet, as web/screens/explorer/styleSingleton.ts does`);
  process.exit(1);
}
const entry = outputs.find(([, o]) => o.entryPoint !== undefined && o.entryPoint.endsWith('main.tsx'));
if (entry === undefined) throw new Error('dashboard build: no entry output');
const boot = outputs.find(([, o]) => o.entryPoint !== undefined && o.entryPoint.endsWith('boot.ts'));
if (boot === undefined) throw new Error('dashboard build: no boot script output');
const asset = (file: string) => `/assets/${path.basename(file)}`;
const css = entry[1].cssBundle;
// esbuild writes the CSS a lazily loaded screen imports beside its chunk and links none of it: every
// stylesheet goes into one file linked from the page (they are small; one request, not one per screen,
// before the first paint), the entry's first.
const cssParts = [...(css === undefined ? [] : [css]), ...outputs.map(([f]) => f).filter((f) => f.endsWith('.css') && f !== css).sort()];
const cssText = Buffer.concat(cssParts.flatMap((f) => [fs.readFileSync(path.join(root, f)), Buffer.from('\n')]));
const stylesheet = path.join(out, 'assets', `style-${createHash('sha256').update(cssText).digest('hex').slice(0, 8).toUpperCase()}.css`);
fs.writeFileSync(stylesheet, cssText);
for (const f of cssParts) fs.rmSync(path.join(root, f));
const stylesheets = [stylesheet];
/** A file and the chunks it imports statically, all of them. */
const closure = (file: string, into = new Set<string>()): Set<string> => {
  if (into.has(file)) return into;
  into.add(file);
  for (const i of result.metafile.outputs[file]?.imports ?? []) if (i.kind === 'import-statement') closure(i.path, into);
  return into;
};
// The initial load: the entry, the boot script and the chunks they import statically.
const bootFiles = closure(boot[0]);
const initial = closure(entry[0], new Set(bootFiles));
const gz = (file: string) => gzipSync(fs.readFileSync(path.join(root, file))).length;
const initialBytes = [...initial].reduce((n, f) => n + gz(f), 0);

// What each screen loads when opened: its chunk, the chunks it imports, and what its own modules load at
// once (the overview's chart library, asked by its first requests in the boot script's shared chunk).
// Compressed at brotli's best below, as the page's own files are. The screens' sources are read from
// their dynamic imports in the registry.
const registry = fs.readFileSync(path.join(web, 'screens', 'registry.ts'), 'utf8');
const screenSources = new Map([...registry.matchAll(/id: '([a-z]+)',[^}]*?load: \(\) => import\('\.\/([^']+)'\)/g)].map((m) => [m[1]!, `screens/${m[2]!}`]));
if (screenSources.size === 0) throw new Error('dashboard build: no screen found in web/screens/registry.ts');
const chunkOf = (source: string) => outputs.find(([, o]) => o.entryPoint !== undefined && o.entryPoint.endsWith(`web/${source}`))?.[0];
const screenFiles = (source: string): Set<string> => {
  const chunk = chunkOf(source);
  if (chunk === undefined) throw new Error(`dashboard build: no chunk for ${source}`);
  const files = closure(chunk, new Set(initial));
  const dir = `web/${path.dirname(source)}/`;
  const ownModules = (f: string) => f === chunk || Object.keys(result.metafile.outputs[f]?.inputs ?? {}).some((i) => i.startsWith(dir));
  for (const f of [...files]) if (ownModules(f)) for (const i of result.metafile.outputs[f]?.imports ?? []) if (i.kind === 'dynamic-import') closure(i.path, files);
  for (const f of initial) files.delete(f);
  return files;
};
const screens: Record<string, string[]> = {};
for (const [id, source] of screenSources) screens[id] = [...screenFiles(source)].map(asset);

// NOTE: one page for every path (src/dashboard/staticFiles.ts answers a screen's path with index.html):
// its one script is the boot script (web/boot.ts), its chunks preloaded, and the stylesheet. The boot
// script sends the session and the opened screen's first requests, then imports the app (main.tsx) and
// the screen's code. Over HTTP/1.1 a page has six connections to its origin: had the page named the
// app's and the screen's files too (modulepreload), those requests would wait behind them (40–60 ms on
// a busy machine, 2026-12-01); the app's code loads while the server counts instead.
const bootPreloads = [...bootFiles].filter((f) => f !== boot[0]);
const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Calypso</title>
<script type="module" async src="${asset(boot[0])}"></script>
${bootPreloads.map((f) => `<link rel="modulepreload" href="${asset(f)}">`).join('\n')}
${stylesheets.map((f) => `<link rel="stylesheet" href="${asset(f)}">`).join('\n')}
</head>
<body>
<div id="app"></div>
<noscript>Calypso's dashboard needs JavaScript. / Для панели Calypso нужен JavaScript.</noscript>
</body>
</html>
`;
fs.writeFileSync(path.join(out, 'index.html'), page);

// NOTE: served compressed as built: the service reads `<name>.br` and `<name>.gz` beside an asset
// instead of compressing it at its first request (src/dashboard/staticFiles.ts). What a page links or
// preloads is compressed at brotli's best (5 % smaller than at 9, and seconds for all of them); the
// chunks loaded later (the API explorer's editor, a megabyte) at 9. On the thread pool, in parallel.
const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);
const linked = new Set([...initial, ...stylesheets, ...Object.values(screens).flat()].map((f) => path.basename(f)));
const squeezed = await Promise.all(
  fs.readdirSync(path.join(out, 'assets')).map(async (name) => {
    const file = path.join(out, 'assets', name);
    const raw = fs.readFileSync(file);
    if (raw.length <= 512) return 0;
    const quality = linked.has(name) ? constants.BROTLI_MAX_QUALITY : 9;
    const [br, gz] = await Promise.all([brotliAsync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }), gzipAsync(raw, { level: 9 })]);
    fs.writeFileSync(`${file}.br`, br);
    fs.writeFileSync(`${file}.gz`, gz);
    return 1;
  }),
);
const compressed = squeezed.reduce<number>((n, x) => n + x, 0);
fs.writeFileSync(path.join(out, 'manifest.json'), `${JSON.stringify({ boot: asset(boot[0]), entry: asset(entry[0]), css: stylesheets.map(asset), screens, initialGzipBytes: initialBytes }, null, 2)}\n`);
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
console.log(`dashboard built in ${Math.round(performance.now() - started)} ms: ${fs.readdirSync(path.join(out, 'assets')).length - 2 * compressed} files (${compressed} precompressed), ${screenSources.size} screens, initial JavaScript ${kb(initialBytes)} gzipped (budget ${kb(INITIAL_JS_BUDGET)})`);
if (initialBytes > INITIAL_JS_BUDGET) {
  console.error(`dashboard build: the initial JavaScript is ${kb(initialBytes)} gzipped, over the ${kb(INITIAL_JS_BUDGET)} budget`);
  process.exit(1);
}
