// Several processes opening the same fresh data directory at once (a daemon starting while
// the CLI imports targets): every one must find the schema migrated exactly once.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openSonde } from '../../engine/index.js';
import { SCHEMA_VERSION } from '../../engine/store/migrations.js';
import { tempDataDir } from './helpers.js';
import { localResolver } from '../setup/local-resolver.js';

const engineIndex = fileURLToPath(new URL('../../dist/engine/index.js', import.meta.url));
const localResolverModule = fileURLToPath(new URL('../../dist/test/setup/local-resolver.js', import.meta.url));

function openInChild(dir: string, i: number): Promise<{ code: number | null; out: string }> {
  const script = `const { openSonde } = await import(${JSON.stringify(engineIndex)});
    const { localResolver: resolver } = await import(${JSON.stringify(localResolverModule)});
    const s = await openSonde({ dataDir: ${JSON.stringify(dir)}, mode: 'tool', agent: { hostname: 'h${i}', resolver } });
    s.targets.create({ kind: 'HOST', address: '127.0.0.${i + 1}' });
    console.log(s.schemaVersion); await s.close();`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('concurrent open', () => {
  it('four processes migrate the same new database without tripping over each other', async () => {
    expect(existsSync(engineIndex), `${engineIndex} is missing: run \`npm run build\` first (npm test does)`).toBe(true);
    const { dir, cleanup } = tempDataDir();
    try {
      const results = await Promise.all([0, 1, 2, 3].map((i) => openInChild(dir, i)));
      for (const r of results) expect(r, r.out).toMatchObject({ code: 0, out: `${SCHEMA_VERSION}\n` });
      const sonde = await openSonde({ dataDir: dir, mode: 'tool', agent: { resolver: localResolver } });
      expect(sonde.targets.count()).toBe(4);
      await sonde.close();
    } finally {
      cleanup();
    }
  });
});
