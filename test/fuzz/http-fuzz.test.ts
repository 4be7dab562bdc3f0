// The seeded short run of the HTTP fuzz campaign (npm run fuzz is the long one): every
// operation of /openapi.json against a real `sonde serve` (dist/ build) on loopback.
// FUZZ_SEED and FUZZ_CASES replay or lengthen it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFuzzDaemon, type FuzzDaemon } from '../../bench/lib/fuzz/fuzz-daemon.js';
import { runHttpCampaign } from '../../bench/lib/fuzz/http-campaign.js';
import { closeAgent } from '../../bench/lib/fuzz/http-send.js';
import { openStoreDigest } from '../../bench/lib/fuzz/store-digest.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const CASES = Number(process.env.FUZZ_CASES ?? 5000);

describe('HTTP fuzz (seeded)', () => {
  let fd: FuzzDaemon;
  beforeAll(async () => { fd = await startFuzzDaemon(); });
  afterAll(async () => {
    closeAgent();
    await fd?.stop();
  });

  it('the store digest sees a stored change (so the all-4xx property can fail)', async () => {
    const store = openStoreDigest(fd.dataDir);
    try {
      const before = store.digest();
      const res = await fetch(`${fd.url}/v1/targets`, {
        method: 'POST', headers: { authorization: `Bearer ${fd.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'HOST', address: '127.0.0.1', labels: { digest: 'check' } }),
      });
      expect(res.status).toBe(201);
      expect(store.digest()).not.toBe(before);
    } finally {
      store.close();
    }
  });

  it(`${CASES} generated and mutated requests over every route: no 5xx, each answered within 5 s, healthy after each batch, nothing stored changes in an all-4xx batch (seed ${SEED})`, async () => {
    const stats = await runHttpCampaign(fd, { seed: SEED, cases: CASES });
    expect(stats.cases).toBeGreaterThanOrEqual(CASES);
    expect(stats.fiveXx).toBe(0);
    // every operation of the document was reached
    expect(stats.routes.size).toBe(stats.operations);
    // the digest property was exercised, not vacuous
    expect(stats.rejectedBatchesChecked).toBeGreaterThan(10);
    expect([...stats.statuses.keys()].some((s) => s.startsWith('2'))).toBe(true);
    expect(fd.alive()).toBe(true);
  }, 600_000);
});
