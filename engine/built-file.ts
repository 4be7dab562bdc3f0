// Worker threads load JavaScript: a file of this tree as built into dist/ (the sibling .js
// when running from dist, else its build when running from the TypeScript sources, as
// vitest does after `npm run build`).
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const engineDir = dirname(fileURLToPath(import.meta.url));
const fromDist = fileURLToPath(import.meta.url).endsWith('.js');

/** `path`: relative to engine/, with a .js ending (e.g. 'monitor/window-writer-thread.js'). */
export function builtEngineFile(path: string): string {
  if (fromDist) return join(engineDir, path);
  const root = resolve(engineDir, '..');
  return join(root, 'dist', relative(root, engineDir), path);
}
