// 100,000 probes in flight at once across the pool, with no ceiling error (fping stops at
// 65,535 per 10 s). Inside a network namespace the test creates, the kernel's echo
// responder is switched off, so every probe to 127.0.0.0/8 there stays unanswered until it
// times out; nothing leaves the namespace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../engine/index.js';
import { builtWorker, canNetns, canRaw4, createTestNetns, loopbackTargets, NO_NETNS, NO_RAW, NOT_BUILT } from './helpers.js';

const reason = !builtWorker ? NOT_BUILT : !canRaw4 ? NO_RAW : NO_NETNS;

describe.skipIf(!builtWorker || !canRaw4 || !canNetns)(`probes in flight (${reason})`, () => {
  let netns: ReturnType<typeof createTestNetns>;
  let engine: Engine;
  beforeAll(() => {
    netns = createTestNetns('inflight', { silent: true });
    engine = createEngine({ threads: 2, netns: netns.path });
  });
  afterAll(async () => {
    await engine?.close();
    netns?.remove();
  });

  it('holds 100,000 unanswered probes in flight across the pool, then times them all out', async () => {
    const targets = loopbackTargets(1000);
    const before = await engine.stats();
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, (await engine.stats()).inFlight);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const summary = await engine.ping({ targets, count: 100, intervalMs: 0, timeoutMs: 3000 });
    sampling = false;
    await sampler;
    const after = await engine.stats();
    expect(peak).toBe(100_000);
    expect(after.idBlocks).toHaveLength(2);
    for (const s of summary.targets) {
      if (s.sent !== 100 || s.received !== 0 || s.lossPercent !== 100) {
        expect(s).toMatchObject({ sent: 100, received: 0, lossPercent: 100 });
      }
    }
    expect(after.sent - before.sent).toBe(100_000);
    expect(after.timeouts - before.timeouts).toBe(100_000);
    expect(after.errors - before.errors).toBe(0);
    expect(after.inFlight).toBe(0);
  });
});
