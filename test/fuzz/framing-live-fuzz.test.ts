// Seeded short runs of the raw-socket framing and /v1/live WebSocket campaigns against a real
// `sonde serve` (dist/ build) on loopback. FUZZ_SEED / FUZZ_CASES replay or lengthen them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFuzzDaemon, type FuzzDaemon } from '../../bench/lib/fuzz/fuzz-daemon.js';
import { runLiveCampaign } from '../../bench/lib/fuzz/live-campaign.js';
import { runRawCampaign } from '../../bench/lib/fuzz/raw-campaign.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const CASES = Number(process.env.FUZZ_CASES ?? 2000);

describe('framing and live fuzz (seeded)', () => {
  let fd: FuzzDaemon;
  beforeAll(async () => { fd = await startFuzzDaemon(); });
  afterAll(async () => { await fd?.stop(); });

  it(`raw sockets: ${Math.round(CASES / 5)} badly framed requests, no 5xx, complete ones answered within 5 s, healthy after each batch (seed ${SEED})`, async () => {
    const stats = await runRawCampaign(fd, { seed: SEED, cases: Math.round(CASES / 5) });
    expect(stats.fiveXx).toBe(0);
    expect([...stats.statuses.keys()].some((s) => s.startsWith('4'))).toBe(true);
    expect(fd.alive()).toBe(true);
  }, 600_000);

  it(`/v1/live: ${Math.round(CASES / 20)} connections with mutated messages, each answered within 5 s, no unexpected error or close (seed ${SEED})`, async () => {
    const stats = await runLiveCampaign(fd, { seed: SEED, connections: Math.round(CASES / 20) });
    expect(stats.messages).toBeGreaterThan(stats.connections);
    expect(stats.replies.get('error') ?? 0).toBeGreaterThan(0);
    expect(stats.replies.get('subscribed') ?? 0).toBeGreaterThan(0);
    expect(fd.alive()).toBe(true);
  }, 600_000);
});
