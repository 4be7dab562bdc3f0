// Bundles the test network guard as ONE CommonJS file for `node --require`: the vitest forks,
// every worker thread they start and every node process a test spawns preload it. As an ES
// module loaded through require(), a worker thread terminated while it was still loading
// the preload aborted the whole process (V8 FATAL "IsGraphAsync must be used on an
// instantiated module", Node 20); a CommonJS file has no module graph to instantiate.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

await build({
  absWorkingDir: root,
  entryPoints: ['test/setup/network-guard-preload.ts'],
  outfile: 'dist/test/setup/network-guard-preload.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // the guard's createRequire(import.meta.url), in CommonJS terms
  define: { 'import.meta.url': 'preloadFileUrl' },
  banner: { js: 'const preloadFileUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: 'warning',
});
