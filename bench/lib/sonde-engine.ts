// Loads sonde's engine from the build (dist/engine/index.js when run from dist/bench/).
// Loaded dynamically so the C and fping halves of a benchmark still run, and say why sonde
// was skipped, when the engine is not built.
import type { Engine, EngineOptions } from '../../engine/types.js';

export type CreateEngine = (options?: EngineOptions) => Engine | Promise<Engine>;

export async function loadCreateEngine(): Promise<CreateEngine | { missing: string }> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import('../../engine/index.js')) as Record<string, unknown>;
  } catch (err) {
    return { missing: `cannot load the engine (${(err as Error).message}); run \`npm run build\`` };
  }
  if (typeof mod.createEngine !== 'function') return { missing: 'engine/index.ts exports no createEngine yet' };
  return mod.createEngine as CreateEngine;
}

export async function openEngine(options: EngineOptions): Promise<Engine | { missing: string }> {
  const create = await loadCreateEngine();
  if (typeof create !== 'function') return create;
  return await create(options);
}
