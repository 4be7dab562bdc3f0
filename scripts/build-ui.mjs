// Builds the browser dashboard (ui/) into dist/ui/: one esbuild bundle per entry with hashed
// names under assets/, index.html referencing them (no inline script: the daemon's CSP is
// default-src 'self'), .gz and .br siblings of every file, and manifest.json listing them
// (docs: /work/wt/DASHBOARD-INTERFACE.md "Static UI"; the daemon serves what the manifest lists).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'ui');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: { app: 'ui/main.ts' },
  bundle: true,
  format: 'esm',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  outdir: out,
  entryNames: 'assets/[name]-[hash]',
  assetNames: 'assets/[name]-[hash]',
  publicPath: '/ui/',
  metafile: true,
  logLevel: 'warning',
});

let js = null;
let css = null;
for (const [file, meta] of Object.entries(result.metafile.outputs)) {
  if (meta.entryPoint === 'ui/main.ts') js = file;
  if (file.endsWith('.css') && meta.entryPoint === undefined) css = file;
  if (file.endsWith('.css') && meta.entryPoint === 'ui/main.ts') css = file;
}
if (js === null) throw new Error('build-ui: esbuild wrote no bundle for ui/main.ts');
// esbuild names the CSS of an entry after the entry; fall back to any CSS output.
css ??= Object.keys(result.metafile.outputs).find((f) => f.endsWith('.css')) ?? null;

const url = (file) => `/ui/${relative(out, join(root, file)).split('\\').join('/')}`;
const template = readFileSync(join(root, 'ui', 'index.html'), 'utf8');
const html = template
  .replace('<!--STYLES-->', css === null ? '' : `<link rel="stylesheet" href="${url(css)}">`)
  .replace('<!--SCRIPTS-->', `<script type="module" src="${url(js)}"></script>`);
writeFileSync(join(out, 'index.html'), html);

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2' };
const files = {};
for (const path of walk(out)) {
  const body = readFileSync(path);
  const ext = path.slice(path.lastIndexOf('.'));
  const gz = gzipSync(body, { level: 9 });
  const br = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } });
  writeFileSync(`${path}.gz`, gz);
  writeFileSync(`${path}.br`, br);
  const name = `/ui/${relative(out, path).split('\\').join('/')}`;
  files[name] = {
    contentType: TYPES[ext] ?? 'application/octet-stream',
    bytes: body.length,
    gzipBytes: gz.length,
    brBytes: br.length,
    sha256: createHash('sha256').update(body).digest('base64'),
    immutable: name.startsWith('/ui/assets/'),
  };
}
writeFileSync(join(out, 'manifest.json'), `${JSON.stringify({ files }, null, 2)}\n`);
const total = Object.values(files).reduce((s, f) => s + f.brBytes, 0);
console.log(`build-ui: ${Object.keys(files).length} files in dist/ui (${(total / 1024).toFixed(1)} KiB brotli)`);

// The capacity report's page script and styles (ui/capacity-report/), one IIFE and one CSS
// file in dist/capacity-report/: `sonde capacity report --html` inlines both into a
// self-contained HTML file (engine/capacity/report/report-assets.ts reads them).
const reportOut = join(root, 'dist', 'capacity-report');
rmSync(reportOut, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { report: 'ui/capacity-report/report-page.ts' },
  bundle: true,
  format: 'iife',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  outdir: reportOut,
  logLevel: 'warning',
});
console.log(`build-ui: capacity report page in dist/capacity-report (${readdirSync(reportOut).map((f) => `${f} ${(statSync(join(reportOut, f)).size / 1024).toFixed(1)} KiB`).join(', ')})`);

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (!name.endsWith('.gz') && !name.endsWith('.br') && name !== 'manifest.json') yield path;
  }
}
