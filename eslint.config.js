// Lint: the layer boundaries (which folder may import which) and typescript-eslint's
// recommended rules. Run by `npm run lint`, and so by `npm test`.
//
// The layers, bottom up (see README "Project layout"):
//   native-bindings/  imports nothing of ours
//   engine/           native-bindings/ and itself
//   netsim/           native-bindings/ and itself (the simulator is shipped: `sonde netsim`)
//   server/           engine/index.ts (the facade) and itself
//   cli/              the facades only: engine/index.ts, server/index.ts, netsim/index.ts, and
//                     engine/ping.ts (the ping path's small facade, so `sonde ping` loads no
//                     store, monitors or HTTP side)
//   bench/            any shipped file (a benchmark may measure an internal part directly),
//                     never cli/ (it runs the CLI as a process) nor test/
//   ui/               itself only (browser code, bundled by scripts/build-ui.mjs); nothing imports ui/
//   test/             anything; nothing outside test/ imports test/
import { defineConfig } from 'eslint/config';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Every top-level folder of ours: a zone lists the ones a layer may NOT import. */
const LAYERS = ['native-bindings', 'engine', 'netsim', 'server', 'cli', 'bench', 'ui', 'test'];

/** Forbids `target` to import any layer but `allowed`, and from `facades` only their index.ts
 *  (and the files `extraFacades` lists for that folder, e.g. { engine: ['./ping.ts'] }). */
function layer(target, allowed, facades = [], extraFacades = {}) {
  const banned = LAYERS.filter((l) => l !== target && !allowed.includes(l) && !facades.includes(l));
  const zones = [];
  if (banned.length > 0) {
    zones.push({
      target: `./${target}`,
      from: banned.map((l) => `./${l}`),
      message: `${target}/ may import only ${[...allowed, ...facades.map((f) => `${f}/index.ts`)].join(', ') || 'itself'} (eslint.config.js lists the layers).`,
    });
  }
  for (const facade of facades) {
    zones.push({
      target: `./${target}`,
      from: `./${facade}`,
      except: ['./index.ts', ...(extraFacades[facade] ?? [])],
      message: `${target}/ imports ${facade}/ through its facade, ${[`${facade}/index.ts`, ...(extraFacades[facade] ?? []).map((f) => `${facade}/${f.slice(2)}`)].join(' or ')}: export what is needed there.`,
    });
  }
  return zones;
}

export default defineConfig(
  {
    ignores: ['dist/**', 'node_modules/**', 'native-bindings/build/**', 'bench/results/**'],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // Sources import './x.js' for './x.ts' (NodeNext): resolve as tsc does.
      'import-x/resolver-next': [
        importX.createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'] } }),
      ],
    },
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            ...layer('native-bindings', []),
            ...layer('engine', ['native-bindings']),
            ...layer('netsim', ['native-bindings']),
            ...layer('server', [], ['engine']),
            ...layer('cli', [], ['engine', 'server', 'netsim'], { engine: ['./ping.ts'] }),
            ...layer('bench', ['native-bindings', 'engine', 'netsim', 'server']),
            ...layer('ui', []),
          ],
        },
      ],
      // The boundary rule skips an import it cannot resolve, so every relative import must resolve.
      'import-x/no-unresolved': ['error', { ignore: ['^[^.]'] }],
      // A leading underscore marks a name kept unused on purpose (a rest-destructuring that
      // drops a field, a parameter an interface requires).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
);
