// The engine end to end on loopback: real worker threads (dist/engine/icmp/worker/entry.js), real raw
// ICMP sockets, real replies from the kernel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine, type EngineStats, type ProbeResult, type TargetSummary } from '../../engine/index.js';
import { waitFor } from '../wait-for.js';
import { builtWorker, canRaw4, canRaw6, loopbackTargets, NO_RAW, NOT_BUILT } from './helpers.js';

interface Copied {
  targetIndex: number;
  target: string;
  address: string;
  seq: number;
  status: string;
  rttNs: number;
  ttl: number;
  bytes: number;
  sentAtNs: bigint;
  receivedAtNs: bigint;
}

function collector(): { probes: Copied[]; onProbe: (p: ProbeResult) => void } {
  const probes: Copied[] = [];
  return {
    probes,
    onProbe: (p) => probes.push({
      targetIndex: p.targetIndex, target: p.target, address: p.address, seq: p.seq, status: p.status,
      rttNs: p.rttNs, ttl: p.ttl, bytes: p.bytes, sentAtNs: p.sentAtNs, receivedAtNs: p.receivedAtNs,
    }),
  };
}

function expectAllAnswered(s: TargetSummary, count: number): void {
  expect(s, s.target).toMatchObject({ sent: count, received: count, duplicates: 0, late: 0, errors: {}, lossPercent: 0 });
  expect(s.error).toBeUndefined();
  expect(s.minMs).toBeGreaterThan(0);
  expect(s.minMs).toBeLessThanOrEqual(s.avgMs);
  expect(s.avgMs).toBeLessThanOrEqual(s.maxMs);
  expect(s.p50Ms).toBeLessThanOrEqual(s.p99Ms);
  // HDR percentiles are bucket tops: within 1 % above the largest sample.
  expect(s.p99Ms).toBeLessThanOrEqual(s.maxMs * 1.01 + 1e-6);
  expect(s.stddevMs).toBeGreaterThanOrEqual(0);
}

function delta(after: EngineStats, before: EngineStats, key: keyof EngineStats): number {
  return (after[key] as number) - (before[key] as number);
}

describe.skipIf(!canRaw4 || !builtWorker)(`ping on loopback (${!builtWorker ? NOT_BUILT : NO_RAW})`, () => {
  let engine: Engine;
  beforeAll(() => {
    engine = createEngine({ threads: 2 });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it.skipIf(!canRaw6)('probes several 127.x addresses and ::1, streaming every probe with its seq', async () => {
    const targets = ['127.0.0.1', '127.0.0.2', '127.3.4.5', '::1', 'localhost'];
    const before = await engine.stats();
    const { probes, onProbe } = collector();
    const summary = await engine.ping({ targets, count: 4, intervalMs: 20, timeoutMs: 1000, size: 100 }, onProbe);
    expect(summary.cancelled).toBe(false);
    expect(summary.finishedAtMs).toBeGreaterThanOrEqual(summary.startedAtMs);
    expect(summary.targets.map((t) => t.target)).toEqual(targets);
    expect(summary.targets.map((t) => t.address)).toEqual(['127.0.0.1', '127.0.0.2', '127.3.4.5', '::1', '127.0.0.1']);
    for (const s of summary.targets) expectAllAnswered(s, 4);
    expect(probes).toHaveLength(targets.length * 4);
    for (let t = 0; t < targets.length; t++) {
      const mine = probes.filter((p) => p.targetIndex === t);
      expect(mine.map((p) => p.seq).sort()).toEqual([0, 1, 2, 3]);
      for (const p of mine) {
        expect(p).toMatchObject({ target: targets[t], address: summary.targets[t].address, status: 'ok', bytes: 100 });
        expect(p.ttl).toBeGreaterThan(0);
        expect(p.rttNs).toBeGreaterThan(0);
        expect(p.receivedAtNs - p.sentAtNs).toBe(BigInt(Math.round(p.rttNs)));
      }
      // avg of the streamed RTTs equals the summary's avg
      const avgMs = mine.reduce((a, p) => a + p.rttNs, 0) / mine.length / 1e6;
      expect(summary.targets[t].avgMs).toBeCloseTo(avgMs, 9);
    }
    const after = await engine.stats();
    expect(delta(after, before, 'sent')).toBe(20);
    expect(delta(after, before, 'received')).toBe(20);
    expect(after.inFlight).toBe(0);
  });

  it('completes a 10,000-target job with no loss, every probe seq once, right stats', async () => {
    const targets = loopbackTargets(10_000);
    const seen = new Uint8Array(targets.length * 2);
    let wrong = 0;
    const summary = await engine.ping({ targets, count: 2, intervalMs: 0, timeoutMs: 3000 }, (p) => {
      if (p.status !== 'ok' || p.seq > 1 || p.target !== targets[p.targetIndex]) wrong++;
      else seen[p.targetIndex * 2 + p.seq]++;
    });
    expect(wrong).toBe(0);
    expect(seen.every((n) => n === 1)).toBe(true);
    expect(summary.targets).toHaveLength(10_000);
    for (const s of summary.targets) {
      if (s.sent !== 2 || s.received !== 2) expectAllAnswered(s, 2);
    }
    expectAllAnswered(summary.targets[9_999], 2);
    expect(summary.targets[9_999].address).toBe(targets[9_999]);
  });

  it('sends count 1,000 at interval 0 to one target', async () => {
    const { probes, onProbe } = collector();
    const summary = await engine.ping({ targets: ['127.0.0.1'], count: 1000, intervalMs: 0, timeoutMs: 2000 }, onProbe);
    expectAllAnswered(summary.targets[0], 1000);
    expect(probes.map((p) => p.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(probes.every((p) => p.status === 'ok')).toBe(true);
  });

  it('keeps separate accounting for two concurrent jobs to the same target', async () => {
    const a = collector();
    const b = collector();
    const [ra, rb] = await Promise.all([
      engine.ping({ targets: ['127.0.0.1'], count: 30, intervalMs: 5 }, a.onProbe),
      engine.ping({ targets: ['127.0.0.1', '127.0.0.1'], count: 45, intervalMs: 3 }, b.onProbe),
    ]);
    expectAllAnswered(ra.targets[0], 30);
    expectAllAnswered(rb.targets[0], 45);
    expectAllAnswered(rb.targets[1], 45);
    expect(a.probes.map((p) => p.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(b.probes.filter((p) => p.targetIndex === 1).map((p) => p.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 45 }, (_, i) => i));
  });

  it('cancels mid-job: nothing more is sent, what was measured is reported', async () => {
    const controller = new AbortController();
    const { probes, onProbe } = collector();
    // 3 targets × 200 probes every 25 ms would take 5 s.
    const targets = ['127.0.0.1', '127.0.0.2', '::1'].slice(0, canRaw6 ? 3 : 2);
    const job = engine.ping({ targets, count: 200, intervalMs: 25, signal: controller.signal }, onProbe);
    // mid-job: every target has answered a few probes
    await waitFor(() => targets.every((_, i) => probes.filter((p) => p.targetIndex === i).length >= 3), { message: 'three replies from every target' });
    const answeredAtAbort = targets.map((_, i) => probes.filter((p) => p.targetIndex === i).length);
    controller.abort();
    const summary = await job;
    expect(summary.cancelled).toBe(true);
    summary.targets.forEach((s, i) => {
      expect(s.sent).toBeGreaterThan(0);
      // The job stopped at the abort (measured by what it sent, not by the test's clock): at
      // most the probe that was due or in flight at that moment came after the replies seen.
      expect(s.sent, `target ${i}`).toBeLessThanOrEqual(answeredAtAbort[i] + 1);
      // Probes still in flight at the abort are withdrawn, so nothing shows up as loss.
      expect(s.received).toBe(s.sent);
    });
    expect(probes.length).toBe(summary.targets.reduce((n, s) => n + s.received, 0));
    expect((await engine.stats()).inFlight).toBe(0);
  });

  it('rejects with the error an onProbe callback throws, cancels the job, and keeps working', async () => {
    let calls = 0;
    const failing = engine.ping({ targets: ['127.0.0.1'], count: 500, intervalMs: 2 }, () => {
      if (++calls === 3) throw new Error('consumer failed');
    });
    await expect(failing).rejects.toThrow('consumer failed');
    expect(calls).toBe(3);
    expect((await engine.stats()).inFlight).toBe(0);
    expectAllAnswered((await engine.ping({ targets: ['127.0.0.1'], count: 2, intervalMs: 0 })).targets[0], 2);
  });

  it('resolves at once with nothing sent when the signal is already aborted', async () => {
    const summary = await engine.ping({ targets: ['127.0.0.1'], signal: AbortSignal.abort() });
    expect(summary.cancelled).toBe(true);
    expect(summary.targets[0]).toMatchObject({ target: '127.0.0.1', sent: 0, received: 0 });
  });

  it('paces sends: the period per target (-p) and the minimum gap between any two sends (-i)', async () => {
    const { probes, onProbe } = collector();
    await engine.ping({ targets: ['127.0.0.1', '127.0.0.2'], count: 4, intervalMs: 40, sendIntervalMs: 15 }, onProbe);
    const sends = probes.map((p) => p.sentAtNs).sort((a, b) => (a < b ? -1 : 1));
    expect(sends).toHaveLength(8);
    for (let i = 1; i < sends.length; i++) expect(Number(sends[i] - sends[i - 1]) / 1e6).toBeGreaterThanOrEqual(14);
    // The period is an ideal schedule (no drift): probe r goes no earlier than r periods
    // after probe 0 (one late send does not push the later ones back).
    for (const t of [0, 1]) {
      const mine = probes.filter((p) => p.targetIndex === t).sort((a, b) => a.seq - b.seq);
      for (let r = 1; r < mine.length; r++) expect(Number(mine[r].sentAtNs - mine[0].sentAtNs) / 1e6).toBeGreaterThanOrEqual(40 * r - 1);
    }
  });

  it('applies the per-probe TTL and payload size', async () => {
    const { probes, onProbe } = collector();
    const summary = await engine.ping({ targets: ['127.0.0.1'], count: 2, intervalMs: 0, size: 1400, ttl: 7 }, onProbe);
    expectAllAnswered(summary.targets[0], 2);
    expect(probes.every((p) => p.bytes === 1400)).toBe(true);
    // The kernel answers with its own TTL: what comes back is not the 7 we sent, only proof that the reply parsed.
    expect(probes.every((p) => p.ttl > 0)).toBe(true);
  });

  it('matches replies without a token (payload < 16 bytes) by id and sequence', async () => {
    const summary = await engine.ping({ targets: ['127.0.0.1'], count: 5, intervalMs: 0, size: 0 });
    expectAllAnswered(summary.targets[0], 5);
  });
});
