// Seeded short run of the config campaign: generated and mutated config files and SONDE_*
// values through loadConfig, which must answer with a valid config or a ConfigError.
import { describe, expect, it } from 'vitest';
import { runConfigCampaign } from '../../bench/lib/fuzz/config-campaign.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const CASES = Number(process.env.FUZZ_CASES ?? 2000);

describe('config fuzz (seeded)', () => {
  it(`${CASES} config files and environments: a valid config or a ConfigError, nothing else (seed ${SEED})`, () => {
    const stats = runConfigCampaign({ seed: SEED, cases: CASES });
    expect(stats.cases).toBe(CASES);
    expect(stats.accepted).toBeGreaterThan(0);
    expect(stats.rejected).toBeGreaterThan(0);
  }, 300_000);
});
