// The engine's accounting, proved against the simulator (issue 3): every loss, delay,
// duplicate, reordering, corruption, late reply and ICMP error the simulator decides must show
// up in the engine's per-probe results and summaries exactly — seq by seq where it matters.
//
// The engine runs in this process, its sockets created inside the simulator's namespace
// (createEngine({ netns: sim.netns })); see netsim.ts for why no child process is needed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine, type EngineStats, type TargetSummary } from '../../engine/index.js';
import { nthAddress } from '../../netsim/addresses.js';
import { describeSample, hostOf, ordinalToSeq, runJob, seqsOf } from './engine-harness.js';
import { netsimAvailability, startNetsim, type Netsim } from '../../netsim/netsim.js';
import type { HostProfile } from '../../netsim/profile.js';
import type { ReplyList } from '../../netsim/stats.js';
import { createRandom } from '../../netsim/prng.js';

/**
 * The applied delays count from the send time the engine wrote into each request; check that
 * this time is honest: typically the simulator read the request within 1 ms of it (a stamp
 * taken too early would show here, however busy the machine is in the tail).
 */
function expectHonestSendTimes(replies: ReplyList): void {
  const readAfterSend = replies.sinceSendMs.map((since, i) => since - replies.appliedMs[i]);
  for (const d of readAfterSend) expect(d).toBeGreaterThanOrEqual(-0.05);
  expect(describeSample(readAfterSend).p50).toBeLessThan(1);
}

/**
 * Where a probe's true round trip lies: the engine's send time is the kernel's transmit stamp,
 * taken after the payload's stamp (µs later, more when the sender is preempted between the two)
 * and before the simulator read the request. So each RTT lies between the delay counted from
 * the simulator's read (appliedMs) and the one counted from the payload (sinceSendMs), plus the
 * reply's way back; an order statistic or mean of such values lies between theirs.
 */
function expectWithinWireBounds(s: TargetSummary, replies: ReplyList): void {
  const low = describeSample(replies.appliedMs);
  const high = describeSample(replies.sinceSendMs);
  const got = { min: s.minMs, avg: s.avgMs, max: s.maxMs, p50: s.p50Ms, p99: s.p99Ms };
  for (const k of ['min', 'avg', 'max', 'p50', 'p99'] as const) {
    const what = `${k}: engine ${got[k]} ms, simulator applied ${low[k]}..${high[k]} ms`;
    expect(got[k], what).toBeGreaterThanOrEqual(low[k] - 0.05);
    expect(got[k], what).toBeLessThanOrEqual(high[k] + 1);
  }
}

const availability = netsimAvailability();
const title = (t: string) => (availability.ok ? t : `${t} — SKIPPED: ${availability.reason}`);

const LOSS = '198.18.0.1';
const JITTER = '198.18.0.2';
const DUP = '198.18.0.3';
const REORDER = '198.18.0.4';
const CORRUPT = '198.18.0.5';
const LATE = '198.18.0.6';
const UNREACH = '198.18.0.7';
const HOPS = '198.18.0.8';
const BLACKHOLE = '198.18.0.9';
const LOSS6 = '2001:db8:1::1';
const JITTER6 = '2001:db8:1::2';
const UNREACH6 = '2001:db8:1::3';
const MANY = '198.18.16.0/22';

/** Mixed profiles for the many-hosts job: each kind's totals are predictable from the
 *  simulator's counters (no host combines effects that would hide each other). */
function mixedProfiles(n: number, seed: number): Record<string, HostProfile> {
  const rnd = createRandom(seed);
  const kinds: Array<() => HostProfile> = [
    () => ({ latency: 1 + Math.floor(rnd() * 10) }),
    () => ({ loss: 30, latency: 2 }),
    () => ({ latency: { ms: 20, jitterMs: 8, distribution: 'normal' } }),
    () => ({ duplicate: 25, duplicateGapMs: 1 }),
    () => ({ unreachable: { code: Math.floor(rnd() * 16), when: 50 } }),
    () => ({ blackhole: true }),
    () => ({ corrupt: 20 }),
    () => ({ loss: { every: 3 }, latency: 5 }),
    () => ({ rateLimit: 2 }), // 10 probes in ~1 s always exceed 2/s (5/s did not when a loaded machine stretched the job)
    () => ({ late: { ordinals: [1, 2] }, lateDelayMs: 1300 }),
  ];
  const hosts: Record<string, HostProfile> = {};
  for (let i = 0; i < n; i++) hosts[nthAddress(MANY, i + 1)] = kinds[Math.floor(rnd() * kinds.length)]();
  return hosts;
}

describe.skipIf(!availability.ok)(title('engine accounting under the network simulator'), () => {
  let sim: Netsim;
  let engine: Engine;

  beforeAll(async () => {
    sim = await startNetsim({
      seed: 2024,
      // Delays count from the send time in sonde's payload: on a busy machine the simulator may
      // read a request late, and that must not blur a comparison meant to be exact to 1 ms.
      delayFrom: 'payload-timestamp',
      hosts: {
        [LOSS]: { loss: 20, latency: 1 },
        [JITTER]: { latency: { ms: 50, jitterMs: 5 } },
        // Every 10th reply is sent twice: the job's last one too.
        [DUP]: { duplicate: { every: 10 }, latency: 2 },
        [REORDER]: { latency: 1, reorder: { every: 4 }, reorderDelayMs: 25 },
        [CORRUPT]: { corrupt: { every: 5 }, latency: 1 },
        [LATE]: { latency: 2, late: { ordinals: [5, 10, 20] }, lateDelayMs: 800 },
        [UNREACH]: { latency: 1, unreachable: { code: 13, when: { every: 3 } } },
        [HOPS]: { latency: 1, timeExceeded: { fromHop: 5 } },
        [BLACKHOLE]: { blackhole: true },
        [LOSS6]: { loss: 20, latency: 1 },
        [JITTER6]: { latency: { ms: 20, jitterMs: 3 } },
        [UNREACH6]: { latency: 1, unreachable: { code: 4, when: { every: 5 } } },
        ...mixedProfiles(1000, 77),
      },
    });
    engine = createEngine({ threads: 2, netns: sim.netns });
  });

  afterAll(async () => {
    await engine?.close();
    await sim?.stop();
  });

  const noKernelDrops = async () => expect((await sim.stats()).kernel).toEqual({ tunTxDropped: 0, qdiscDropped: 0 });

  it('seeded 20% loss over 1,000 probes: the engine loses exactly the probes the simulator dropped', async () => {
    const count = 1000;
    const { summary, byTarget } = await runJob(engine, { targets: [LOSS], count, intervalMs: 2, timeoutMs: 1000 });
    const host = hostOf(await sim.stats(), LOSS);
    const probes = byTarget.get(LOSS)!;
    const toSeq = ordinalToSeq(probes, count);
    expect(host.received).toBe(count);
    expect(host.dropped.count).toBeGreaterThan(150); // the seed gives a real 20%-ish loss
    expect(host.dropped.count).toBeLessThan(250);
    expect(probes.seqsWith('timeout')).toEqual(seqsOf(host.dropped, toSeq));
    const s = summary.targets[0];
    expect([s.sent, s.received, s.duplicates, s.late]).toEqual([count, count - host.dropped.count, 0, 0]);
    expect(s.lossPercent).toBeCloseTo((host.dropped.count / count) * 100, 9);
    await noKernelDrops();
  });

  it('50 ms ± 5 ms jitter: min/avg/max/p50/p99 lie within the delays the simulator applied (from its read and from the send stamp)', async () => {
    const count = 400;
    const { summary } = await runJob(engine, { targets: [JITTER], count, intervalMs: 5, timeoutMs: 500 });
    const host = hostOf(await sim.stats(), JITTER);
    expect(host.replies.count).toBe(count);
    for (const d of host.replies.scheduledMs) expect(d >= 45 && d <= 55).toBe(true);
    expectHonestSendTimes(host.replies);
    const s = summary.targets[0];
    expect(s.received).toBe(count);
    expectWithinWireBounds(s, host.replies);
  });

  it('duplicates are counted as duplicates, not as replies, and do not lower loss', async () => {
    const count = 300;
    const { summary, byTarget } = await runJob(engine, { targets: [DUP], count, intervalMs: 3, timeoutMs: 1000 });
    const host = hostOf(await sim.stats(), DUP);
    const probes = byTarget.get(DUP)!;
    const toSeq = ordinalToSeq(probes, count);
    expect(host.duplicated.count).toBe(count / 10);
    // The job's last probe is among them: its copy comes after the probe concluded, within
    // the job's grace period (engine/icmp/worker/worker-job.ts), and is counted in the job too.
    const simDups = seqsOf(host.duplicated, toSeq);
    expect(simDups).toContain(toSeq(count));
    const engineDups = probes.seqsWith('duplicate');
    expect(engineDups).toEqual(simDups);
    const s = summary.targets[0];
    expect([s.sent, s.received, s.duplicates, s.lossPercent]).toEqual([count, count, engineDups.length, 0]);
  });

  it('reordered replies are matched to the right probes', async () => {
    const count = 40;
    const { summary, byTarget } = await runJob(engine, { targets: [REORDER], count, intervalMs: 10, timeoutMs: 1000 });
    const host = hostOf(await sim.stats(), REORDER);
    const probes = byTarget.get(REORDER)!;
    const toSeq = ordinalToSeq(probes, count);
    const reordered = seqsOf(host.reordered, toSeq);
    expect(reordered).toHaveLength(10);
    expect(summary.targets[0]).toMatchObject({ sent: count, received: count, lossPercent: 0, duplicates: 0 });
    // Each probe got its own reply's RTT: within the bounds of the delay the simulator applied to
    // that very reply (a neighbour's would be ~25 ms off; see expectWithinWireBounds). 2 ms on
    // the high side leaves room for a busy machine.
    host.replies.ordinals.forEach((ordinal, i) => {
      const r = probes.outcome.get(toSeq(ordinal))!;
      expect(r.rttMs, `seq ${r.seq}`).toBeGreaterThanOrEqual(host.replies.appliedMs[i] - 0.05);
      expect(r.rttMs, `seq ${r.seq}`).toBeLessThan(host.replies.sinceSendMs[i] + 2);
    });
    for (const seq of reordered) expect(probes.outcome.get(seq)!.rttMs).toBeGreaterThan(20);
    // And the replies really came back out of order.
    const arrival = probes.events.filter((e) => e.status === 'ok').map((e) => e.seq);
    const overtaken = reordered.filter((seq) => arrival.indexOf(seq) > arrival.indexOf(seq + 1));
    expect(overtaken.length).toBeGreaterThan(0);
  });

  it('corrupted replies are rejected and counted', async () => {
    const count = 50;
    const before: EngineStats = await engine.stats();
    const { summary, byTarget } = await runJob(engine, { targets: [CORRUPT], count, intervalMs: 5, timeoutMs: 500 });
    const after = await engine.stats();
    const host = hostOf(await sim.stats(), CORRUPT);
    const probes = byTarget.get(CORRUPT)!;
    const toSeq = ordinalToSeq(probes, count);
    expect(host.corrupted.count).toBe(10);
    expect(after.corrupted - before.corrupted).toBe(10);
    expect(probes.seqsWith('timeout')).toEqual(seqsOf(host.corrupted, toSeq));
    expect(summary.targets[0]).toMatchObject({ sent: count, received: 40, lossPercent: 20 });
  });

  it('late replies (after the timeout) are counted as late and the probe stays lost', async () => {
    // The last late reply (probe 20, sent at 380 ms) comes back at 1,180 ms, well before the job
    // ends (last probe at 1,180 ms + 400 ms timeout).
    const count = 60;
    const { summary, byTarget } = await runJob(engine, { targets: [LATE], count, intervalMs: 20, timeoutMs: 400 });
    const host = hostOf(await sim.stats(), LATE);
    const probes = byTarget.get(LATE)!;
    const toSeq = ordinalToSeq(probes, count);
    const late = seqsOf(host.late, toSeq);
    expect(late).toHaveLength(3);
    expect(probes.seqsWith('timeout')).toEqual(late);
    expect(probes.seqsWith('late')).toEqual(late);
    // 800 ms from the payload's stamp; the kernel's transmit stamp the RTT counts from is later
    for (const e of probes.events.filter((x) => x.status === 'late')) expect(e.rttMs).toBeGreaterThan(790);
    expect(summary.targets[0]).toMatchObject({ sent: count, received: count - 3, late: 3, lossPercent: 5 });
  });

  it('destination unreachable and time exceeded are errors with type and code, matched to the right probe', async () => {
    const count = 30;
    const { summary, byTarget } = await runJob(engine, { targets: [UNREACH, HOPS], count, intervalMs: 10, timeoutMs: 1000, ttl: 3 });
    const stats = await sim.stats();
    const u = byTarget.get(UNREACH)!;
    const uHost = hostOf(stats, UNREACH);
    const uSeqs = seqsOf(uHost.unreachable, ordinalToSeq(u, count));
    expect(uSeqs).toHaveLength(10);
    expect(u.seqsWith('error')).toEqual(uSeqs);
    for (const seq of uSeqs) expect(u.outcome.get(seq)).toMatchObject({ status: 'error', errorKind: 'unreachable', icmpType: 3, icmpCode: 13, from: UNREACH });
    expect(u.seqsWith('ok')).toHaveLength(20);

    const h = byTarget.get(HOPS)!;
    ordinalToSeq(h, count);
    expect(hostOf(stats, HOPS).timeExceeded.count).toBe(count);
    for (const r of h.outcome.values()) expect(r).toMatchObject({ status: 'error', errorKind: 'time-exceeded', icmpType: 11, icmpCode: 0, from: '198.19.254.3' });
    const [su, sh] = summary.targets;
    expect(su).toMatchObject({ sent: count, received: 20, errors: { unreachable: 10 } });
    expect(sh).toMatchObject({ sent: count, received: 0, errors: { 'time-exceeded': count }, lossPercent: 100 });

    // From the hop where the host sits, it answers.
    const direct = await runJob(engine, { targets: [HOPS], count: 5, intervalMs: 10, timeoutMs: 1000, ttl: 5 });
    expect(direct.summary.targets[0]).toMatchObject({ sent: 5, received: 5, errors: {} });
  });

  it('blackhole: 100% loss, and the job ends no earlier than the last probe\'s timeout', async () => {
    const count = 10;
    const intervalMs = 50;
    const timeoutMs = 300;
    const { summary, byTarget } = await runJob(engine, { targets: [BLACKHOLE], count, intervalMs, timeoutMs });
    const took = summary.finishedAtMs - summary.startedAtMs;
    expect(summary.targets[0]).toMatchObject({ sent: count, received: 0, lossPercent: 100 });
    expect(byTarget.get(BLACKHOLE)!.seqsWith('timeout')).toHaveLength(count);
    expect(hostOf(await sim.stats(), BLACKHOLE).droppedBy.blackhole).toBe(count);
    // The last probe leaves at (count - 1) × interval and times out timeoutMs later.
    // (the engine's own accounting; that it ends at all is shown by every probe timing out above)
    expect(took).toBeGreaterThanOrEqual((count - 1) * intervalMs + timeoutMs - 5);
  });

  it('1,000 hosts with mixed profiles in one job: every total matches the simulator', async () => {
    const count = 10;
    const targets = Array.from({ length: 1000 }, (_, i) => nthAddress(MANY, i + 1));
    const before = await engine.stats();
    const { summary } = await runJob(engine, { targets, count, intervalMs: 100, timeoutMs: 1000 });
    const profiles = mixedProfiles(1000, 77);
    const after = await engine.stats();
    const stats = await sim.stats();
    let corrupted = 0;
    const mismatches: string[] = [];
    summary.targets.forEach((s: TargetSummary) => {
      const h = hostOf(stats, s.target);
      corrupted += h.corrupted.count;
      // IPv4 unreachable code 4 (fragmentation needed) is the engine's 'packet-too-big'.
      const code = profiles[s.target].unreachable?.code;
      const errors = h.unreachable.count === 0 ? {} : { [code === 4 ? 'packet-too-big' : 'unreachable']: h.unreachable.count };
      const expected = {
        sent: h.received,
        received: h.echoReplies - h.corrupted.count - h.late.count,
        duplicates: h.duplicatesSent,
        late: h.late.count,
        errors,
      };
      const got = { sent: s.sent, received: s.received, duplicates: s.duplicates, late: s.late, errors: s.errors };
      if (JSON.stringify(got) !== JSON.stringify(expected)) mismatches.push(`${s.target} (${h.rule}): engine ${JSON.stringify(got)} simulator ${JSON.stringify(expected)}`);
      expect(s.lossPercent).toBeCloseTo(((count - s.received) / count) * 100, 9);
    });
    expect(mismatches).toEqual([]);
    expect(summary.targets.reduce((n, s) => n + s.sent, 0)).toBe(count * 1000);
    expect(after.corrupted - before.corrupted).toBe(corrupted);
    // Every kind of effect really happened in this job.
    const many = Object.values(stats.hosts).filter((h) => h.address.startsWith('198.18.1') && h.address !== '198.18.0.1');
    for (const k of ['dropped', 'duplicated', 'corrupted', 'late', 'unreachable'] as const) {
      expect(many.reduce((n, h) => n + h[k].count, 0), k).toBeGreaterThan(0);
    }
    expect(many.reduce((n, h) => n + h.droppedBy.rateLimit, 0)).toBeGreaterThan(0);
    await noKernelDrops();
  });

  it('IPv6: loss, latency and unreachable', async () => {
    const count = 300;
    const { summary, byTarget } = await runJob(engine, { targets: [LOSS6, JITTER6, UNREACH6], count, intervalMs: 5, timeoutMs: 1000 });
    const stats = await sim.stats();
    const [sl, sj, su] = summary.targets;

    const loss = hostOf(stats, LOSS6);
    const lp = byTarget.get(LOSS6)!;
    expect(loss.dropped.count).toBeGreaterThan(30);
    expect(lp.seqsWith('timeout')).toEqual(seqsOf(loss.dropped, ordinalToSeq(lp, count)));
    expect(sl).toMatchObject({ sent: count, received: count - loss.dropped.count });

    const jitter = hostOf(stats, JITTER6);
    expectHonestSendTimes(jitter.replies);
    expect(sj.received).toBe(count);
    expectWithinWireBounds(sj, jitter.replies);

    const un = hostOf(stats, UNREACH6);
    const up = byTarget.get(UNREACH6)!;
    const useqs = seqsOf(un.unreachable, ordinalToSeq(up, count));
    expect(useqs).toHaveLength(60);
    expect(up.seqsWith('error')).toEqual(useqs);
    for (const seq of useqs) expect(up.outcome.get(seq)).toMatchObject({ errorKind: 'unreachable', icmpType: 1, icmpCode: 4, from: UNREACH6 });
    expect(su).toMatchObject({ sent: count, received: count - 60, errors: { unreachable: 60 } });
  });
});
