import type { Sonde, SondeConfig } from './types.js';

/** Opens (or creates) the data directory and returns the wired daemon core. */
export async function openSonde(config: SondeConfig): Promise<Sonde> {
  throw new Error(`openSonde(${config.dataDir}): not implemented yet`);
}
