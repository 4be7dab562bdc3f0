// Campaigns against the network simulator, whose hosts break at a known load: four hosts that
// each answer at most R/4 requests/s (a token bucket with a small burst), four behind links
// forwarding R/4 requests/s each (a FIFO queue: beyond it the delay grows); the campaign's total
// rate is spread over the four, so the knee is at R in total. The SLO must find it within 10 %
// — judged on the rate the targets actually got (the step's achieved rate: a sender on a loaded
// machine may fall short of the offered one) — with no loss below it, and the abort rule must
// end the ramp there. Four targets rather than one keep a target's period (8 ms at R) above the
// sender's wake-up jitter. Then `compare` of a run against the same hosts made slower at high
// load says which steps got worse.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compareRuns, createEngine, openCampaignStore, runCampaign, toReportRun, validateCampaignSpec,
  type CampaignRun, type CampaignStepResult, type CampaignStore, type Engine,
} from '../../engine/index.js';
import { netsimAvailability, startNetsim, type Netsim } from '../../netsim/index.js';

const availability = netsimAvailability();
const title = (t: string) => (availability.ok ? t : `${t} — SKIPPED: ${availability.reason}`);

/** The known capacity of both hosts, requests/s. */
const R = 500;
const four = (net: string) => [1, 2, 3, 4].map((h) => `${net}.${h}`);
const LIMITED = four('198.18.41');
const QUEUED = four('198.18.42');
const SLOWED = four('198.18.43');
/** Offered total rates around R, a few % apart next to it. */
const RAMP = [0.5, 0.7, 0.85, 0.93, 0.97, 1.03, 1.07, 1.15, 1.3, 1.6].map((f) => ({ rate: f * R }));
/** The hosts' own latency behind the queue, and the p99 bound that marks its knee: 200 ms of
 *  room for scheduling noise on a busy machine (≤ 35 ms seen at load 10); beyond R the queue
 *  adds (load/R − 1) s per second (0.35 s by the end of a 7 s step at 1.05 R). */
const QUEUED_LATENCY_MS = 100;
const QUEUED_P99_MS = 300;
const SLOWED_LATENCY = { ms: 20, jitterMs: 10 };
/** Up to 10 steps of 6–7 s each (the abort rule ends the ramp sooner). */
const CAMPAIGN_TIMEOUT_MS = 150_000;

describe.skipIf(!availability.ok)(title('capacity campaigns find the knee of a simulated host'), () => {
  let sim: Netsim;
  let engine: Engine;
  let dir: string;
  let store: CampaignStore;
  let close: () => void;

  beforeAll(async () => {
    sim = await startNetsim({
      seed: 20,
      // the limiter and the queue judge requests by their send time (sonde's payload stamp),
      // so the simulator's own wake-up delays on a busy machine make no burst of them
      delayFrom: 'payload-timestamp',
      hosts: {
        '198.18.41.0/29': { rateLimit: R / 4, rateLimitBurst: 5 },
        '198.18.42.0/29': { latency: QUEUED_LATENCY_MS, bottleneck: { pps: R / 4, bufferMs: 2000 } },
        // a path with jitter (10–30 ms): the comparison must see the queue, not the few ms
        // by which a busy machine shifts every round trip from one run to the next
        '198.18.43.0/29': { latency: SLOWED_LATENCY },
      },
    });
    engine = createEngine({ threads: 1, netns: sim.netns });
    dir = mkdtempSync(join(tmpdir(), 'sonde-knee-'));
    ({ store, close } = openCampaignStore(dir));
  });
  afterAll(async () => {
    await engine?.close();
    close?.();
    await sim?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const campaign = async (name: string, addresses: string[], slo: Record<string, number>, steps: { rate: number }[], durationS = 4, warmupS = 2) => {
    const spec = validateCampaignSpec({
      name, targets: { addresses }, probe: { kind: 'icmp', timeoutMs: 3000 }, rateMode: 'total',
      defaults: { durationS, warmupS }, steps, slo, abort: { margin: 0.5 },
    });
    const run = await runCampaign({ engine, store, spec, addresses, sondeVersion: 'test' });
    return { run, steps: store.getSteps(run.id) };
  };

  const expectKneeAtR = (run: CampaignRun, steps: CampaignStepResult[], bounds: { lossPercent: number; p99Ns: number }) => {
    const table = steps.map((s) => `${s.offeredRate}→${s.achievedRate.toFixed(0)}/s loss ${s.lossPercent.toFixed(2)} % p99 ${((s.rttNs?.p99 ?? NaN) / 1e6).toFixed(1)} ms`).join('; ');
    expect(run.status, table).toBe('done');
    expect(run.kneeStep, table).not.toBeNull();
    const knee = steps[run.kneeStep!];
    expect(knee.knee).toBe(true);
    expect(Math.abs(knee.achievedRate - R) / R, `knee at ${knee.achievedRate.toFixed(0)}/s: ${table}`).toBeLessThanOrEqual(0.1);
    // below the knee: every probe answered; the ramp stopped at the knee (the abort rule)
    for (const s of steps.slice(0, run.kneeStep!)) {
      expect(s.breaksSlo, table).toBe(false);
      expect(s.lossPercent, table).toBe(0);
      expect(s.received, table).toBe(s.sent);
    }
    // the abort rule: the ramp ends at the first step breaking the SLO by more than the
    // margin (loss or p99 above 1.5 × its bound) — the knee or one after it
    const overMargin = (s: CampaignStepResult) => s.lossPercent > bounds.lossPercent * 1.5 || (s.rttNs?.p99 ?? Infinity) > bounds.p99Ns * 1.5;
    const last = steps.at(-1)!;
    expect(overMargin(last), table).toBe(true);
    for (const s of steps.slice(run.kneeStep!, -1)) {
      expect(s.breaksSlo, table).toBe(true);
      expect(overMargin(s), table).toBe(false);
    }
    expect(steps.length, table).toBeLessThan(RAMP.length);
    expect(run.reason).toBe(`aborted after step ${last.index + 1}: it broke the SLO by more than the abort margin 0.5`);
    return knee;
  };

  it(`hosts answering at most ${R} requests/s together: the knee is the first step above ${R}/s, by loss`, async () => {
    // p99 is not what these hosts vary: a loose factor keeps scheduling noise out of the SLO
    const { run, steps } = await campaign('rate limit', LIMITED, { maxLossPercent: 0.1, maxP99Factor: 1000 }, RAMP);
    const knee = expectKneeAtR(run, steps, { lossPercent: 0.1, p99Ns: Infinity });
    // the simulator's own account: it dropped at least what the steps lost (warm-ups aside)
    let dropped = 0;
    for (const a of LIMITED) dropped += (await sim.host(a))!.droppedBy.rateLimit;
    expect(knee.lost).toBeGreaterThan(0);
    expect(dropped).toBeGreaterThanOrEqual(steps.reduce((n, s) => n + s.lost, 0));
  }, CAMPAIGN_TIMEOUT_MS);

  it(`hosts behind links forwarding ${R} requests/s together: the knee is the first step above ${R}/s, by p99`, async () => {
    const { run, steps } = await campaign('queue', QUEUED, { maxLossPercent: 0.1, maxP99Factor: 1000, maxP99Ms: QUEUED_P99_MS }, RAMP, 5);
    const knee = expectKneeAtR(run, steps, { lossPercent: 0.1, p99Ns: QUEUED_P99_MS * 1e6 });
    expect(knee.rttNs!.p99).toBeGreaterThan(QUEUED_P99_MS * 1e6);
    // below R the queue stays empty: the hosts' own latency plus scheduling noise (a step just
    // above R may queue yet stay within the SLO's bound: the bound, not this check, decides)
    for (const s of steps.slice(0, run.kneeStep!).filter((x) => x.achievedRate <= R)) expect(s.rttNs!.p50).toBeLessThan((QUEUED_LATENCY_MS + 50) * 1e6);
  }, CAMPAIGN_TIMEOUT_MS);

  it('compare of a run against the same hosts made slower beyond 300 requests/s says which steps got worse', async () => {
    // 12.5, 25 and 100 probes/s per host against links forwarding 75/s each in the second run
    const steps = [{ rate: 50 }, { rate: 100 }, { rate: 400 }];
    const slo = { maxLossPercent: 0.1, maxP99Factor: 1000 };
    const before = await campaign('before', SLOWED, slo, steps, 2, 1);
    await sim.setProfile('198.18.43.0/29', { latency: SLOWED_LATENCY, bottleneck: { pps: 75, bufferMs: 2000 } });
    const after = await campaign('after', SLOWED, slo, steps, 2, 1);
    const a = toReportRun(before.run, before.steps);
    const b = toReportRun(after.run, after.steps);
    const result = compareRuns(a, b);
    const detail = JSON.stringify(result.steps.map((s) => [s.verdict, s.latency?.detail, s.loss?.detail]));
    expect(result.steps.map((s) => s.verdict), detail).toEqual(['no change', 'no change', 'worse']);
    expect(result.summary).toBe('worse at step 3');
    expect(result.steps[2].latency!.change).toBe('worse');
    expect(compareRuns(a, a).summary).toBe('no change');
  }, CAMPAIGN_TIMEOUT_MS);
});
