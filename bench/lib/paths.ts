// Where the benchmarks live on disk, whether they run from bench/*.ts or dist/bench/*.js.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(from: string): string {
  let dir = from;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'sonde') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`bench: no sonde package.json above ${from}; run the benchmarks from the sonde checkout`);
    dir = parent;
  }
}

export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
export const benchDir = join(repoRoot, 'bench');
/** Compiled helpers and generated target lists (gitignored). */
export const buildDir = join(benchDir, '.build');
/** Committed JSON results, one file per reported run. */
export const resultsDir = join(benchDir, 'results');

export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
