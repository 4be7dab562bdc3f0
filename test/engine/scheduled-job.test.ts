// A continuous job on a wall-clock grid (PingRequest.schedule, what monitors run) end to end
// on loopback: real workers, raw sockets, kernel replies. Each outcome's seq tells when it was
// planned; the kernel's send time is at or after that; the job runs until its signal aborts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, EngineInputError, type Engine } from '../../engine/index.js';
import { waitFor } from '../wait-for.js';
import { builtWorker, canRaw4, loopbackTargets, NO_RAW, NOT_BUILT } from './helpers.js';

describe.skipIf(!canRaw4 || !builtWorker)(`scheduled (continuous) jobs (${!canRaw4 ? NO_RAW : NOT_BUILT})`, () => {
  let engine: Engine;
  beforeAll(() => {
    engine = createEngine({ threads: 2 });
  });
  afterAll(async () => {
    await engine.close();
  });

  it('sends each target once per round at its planned time, across workers, until aborted', async () => {
    const targets = loopbackTargets(300); // > 128 per worker: two shards
    const period = 200;
    const offsetsMs = targets.map((_, i) => (i * period) / targets.length);
    const originMs = Math.floor(Date.now() / period) * period;
    const controller = new AbortController();
    const seen: Array<{ t: number; seq: number; plannedMs: number; sentMs: number; status: string }> = [];
    const job = engine.ping({ targets, count: 1, intervalMs: period, timeoutMs: 100, signal: controller.signal, schedule: { originMs, offsetsMs } }, (p) => {
      seen.push({ t: p.targetIndex, seq: p.seq, plannedMs: originMs + p.seq * period + offsetsMs[p.targetIndex], sentMs: Number(p.sentAtNs) / 1e6, status: p.status });
    });
    // until every target has been through four rounds
    const rounds = new Array<number>(targets.length).fill(0);
    let counted = 0;
    await waitFor(() => {
      for (; counted < seen.length; counted++) rounds[seen[counted].t]++;
      return rounds.every((n) => n >= 4);
    }, { timeoutMs: 15_000, message: 'four rounds of every target' });
    controller.abort();
    const summary = await job;
    expect(summary.cancelled).toBe(true);
    expect(seen.every((s) => s.status === 'ok')).toBe(true);
    // every target, and no (target, seq) twice
    expect(new Set(seen.map((s) => s.t)).size).toBe(targets.length);
    expect(new Set(seen.map((s) => `${s.t}:${s.seq}`)).size).toBe(seen.length);
    // four rounds or more of 300; each target's seqs consecutive
    expect(seen.length).toBeGreaterThanOrEqual(4 * targets.length);
    const byTarget = new Map<number, number[]>();
    for (const s of seen) byTarget.set(s.t, [...(byTarget.get(s.t) ?? []), s.seq]);
    for (const seqs of byTarget.values()) {
      seqs.sort((a, b) => a - b);
      expect(seqs.at(-1)! - seqs[0]).toBe(seqs.length - 1);
    }
    // never sent before it was planned (1 ms for clock reading granularity)
    for (const s of seen) expect(s.sentMs).toBeGreaterThanOrEqual(s.plannedMs - 1);
    const sentTotal = summary.targets.reduce((n, t) => n + t.sent, 0);
    expect(sentTotal).toBe(seen.length);
  });

  it('refuses a grid that does not fit, naming the field', async () => {
    const base = { targets: ['127.0.0.1', '127.0.0.2'], intervalMs: 100 };
    await expect(engine.ping({ ...base, schedule: { originMs: 0, offsetsMs: [0] } })).rejects.toThrow(EngineInputError);
    await expect(engine.ping({ ...base, schedule: { originMs: 0, offsetsMs: [50, 10] } })).rejects.toThrow(/offsetsMs\[1\].*ascend/);
    await expect(engine.ping({ ...base, schedule: { originMs: 0, offsetsMs: [0, 100] } })).rejects.toThrow(/offsetsMs\[1\]/);
    await expect(engine.ping({ ...base, schedule: { originMs: Date.now() + 60_000, offsetsMs: [0, 1] } })).rejects.toThrow(/originMs/);
  });
});
