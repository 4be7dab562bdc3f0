// A campaign against loopback: stored steps equal the probes' outcomes; the safety cap refuses
// a spec over it with a message naming the cap and how to raise it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CampaignSpecError, createEngine, decodeCampaignHistogram, openCampaignStore, parseCampaignSpec, runCampaign, type CampaignStore, type Engine,
} from '../../engine/index.js';

let engine: Engine;
let dir: string;
let store: CampaignStore;
let close: () => void;

beforeAll(() => {
  engine = createEngine({ threads: 1 });
  dir = mkdtempSync(join(tmpdir(), 'sonde-capacity-'));
  ({ store, close } = openCampaignStore(dir));
});
afterAll(async () => {
  await engine.close();
  close();
  rmSync(dir, { recursive: true, force: true });
});

describe('capacity campaign on loopback', () => {
  it('stores each measured step, warm-up excluded, with histograms equal to the outcomes', async () => {
    // ten targets: a target's period stays 10 ms at 1,000 probes/s, above the sender's wake-up
    // jitter on a busy machine (the pacer gives up a slot it is a whole period late for)
    const addresses = Array.from({ length: 10 }, (_, i) => `127.0.0.${i + 1}`);
    const spec = parseCampaignSpec(`
name: loopback
targets: { addresses: [${addresses.join(', ')}] }
probe: { kind: icmp, timeoutMs: 500 }
defaults: { durationS: 1, warmupS: 0.5 }
steps: [{ rate: 200 }, { rate: 1000 }]
`);
    let received = 0;
    const run = await runCampaign({ engine, store, spec, addresses, sondeVersion: 'test' });
    expect(run.status).toBe('done');
    const steps = store.getSteps(run.id);
    expect(steps.map((s) => s.offeredRate)).toEqual([200, 1000]);
    for (const s of steps) {
      // 10 targets × rate/10 × 1 s measured, the 0.5 s warm-up not counted
      expect(s.sent).toBe(s.offeredRate);
      expect(s.received + s.lost + Object.values(s.errors).reduce((a, b) => a + b, 0)).toBe(s.sent);
      received = 0;
      decodeCampaignHistogram(s.hdr, (_b, c) => { received += c; });
      expect(received).toBe(s.received);
      expect(s.lossPercent).toBe(0);
      // How close the achieved rate comes to the offered one is a figure of the machine and its
      // load (bench:capacity measures it); what must hold anywhere: the error is the one of the
      // stored rates, and the pacing never sends faster than offered.
      expect(s.rateError).toBeCloseTo((s.achievedRate - s.offeredRate) / s.offeredRate, 9);
      expect(s.achievedRate).toBeGreaterThan(0);
      expect(s.achievedRate).toBeLessThan(s.offeredRate * 1.05);
    }
    expect(run.host.cores).toBeGreaterThan(0);
    expect(store.listRuns().map((r) => r.id)).toContain(run.id);
  });

  it('refuses a spec over the safety cap without the acknowledgement, saying which cap and how to raise it', async () => {
    const spec = parseCampaignSpec(`
name: too fast
targets: { addresses: [198.18.0.10] }
probe: { kind: icmp }
safety: { maxTotalPps: 50000 }
steps: [{ rate: 10000 }]
`);
    const attempt = runCampaign({ engine, store, spec, addresses: ['198.18.0.10'], sondeVersion: 'test' });
    await expect(attempt).rejects.toThrow(CampaignSpecError);
    await expect(attempt).rejects.toThrow(/safety\.maxTotalPps = 50000 .*default cap of 2000.*iOwnTheseTargets: true/);
    const defaultCap = parseCampaignSpec('name: x\ntargets: { addresses: [198.18.0.10] }\nprobe: { kind: icmp }\nsteps: [{ rate: 5000 }]\n');
    await expect(runCampaign({ engine, store, spec: defaultCap, addresses: ['198.18.0.10'], sondeVersion: 'test' }))
      .rejects.toThrow(/step 0 offers 5000 probes\/s .*safety cap safety\.maxTotalPps = 2000 \(the default\): raise safety\.maxTotalPps/);
  });

  it('names the field of a bad spec', () => {
    expect(() => parseCampaignSpec('name: x\ntargets: { addresses: [a] }\nprobe: { kind: tcp }\nsteps: [{ rate: 1 }]')).toThrow(/probe\.kind/);
    expect(() => parseCampaignSpec('name: x\ntargets: { addresses: [a] }\nprobe: { kind: icmp }\nsteps: [{ rat: 1 }]')).toThrow(/steps\[0\]\.rat is not a known spec field/);
  });
});
