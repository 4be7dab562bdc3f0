// Agents seal on phases of their own (engine/distributed/seal-phase.ts): each hostname's
// phase is fixed, bounded, and hostnames spread over the span; a monitor runtime given a
// seal delay hands a window over no earlier than its probes settled plus that delay, with
// its start still on the common grid.
import { describe, expect, it } from 'vitest';
import { createEngine, openMonitors, type Engine, type MonitorHandle } from '../../engine/index.js';
import { MAX_SEAL_PHASE_MS, agentSealPhaseMs } from '../../engine/distributed/seal-phase.js';
import { wallNowMs } from '../../engine/monitor/monitor-runner.js';
import { builtWorker, canRaw4 } from '../engine/helpers.js';
import { waitFor } from '../wait-for.js';
import { createLoopbackTargets, monitorFixture } from '../monitor/helpers.js';

describe('agentSealPhaseMs', () => {
  it('is fixed per hostname, within [0, min(2 s, a quarter of the window)), and spreads hostnames over it', () => {
    const names = Array.from({ length: 400 }, (_, i) => `agent-${i}.example`);
    for (const windowMs of [1_000, 10_000, 60_000]) {
      const span = Math.min(MAX_SEAL_PHASE_MS, windowMs / 4);
      const phases = names.map((n) => agentSealPhaseMs(n, windowMs));
      expect(names.map((n) => agentSealPhaseMs(n, windowMs))).toEqual(phases);
      for (const p of phases) {
        expect(Number.isInteger(p)).toBe(true);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThan(span);
      }
      // every tenth of the span gets some of the 400 hostnames (a constant phase would fill one)
      const tenths = new Set(phases.map((p) => Math.floor((p / span) * 10)));
      expect(tenths.size).toBe(10);
    }
    // names one character apart get phases apart
    expect(agentSealPhaseMs('web-01', 10_000)).not.toBe(agentSealPhaseMs('web-02', 10_000));
  });
});

describe('monitoring.sealDelayMs', () => {
  it('is refused when negative, fractional or not shorter than the window', async () => {
    const fx = await monitorFixture();
    try {
      for (const sealDelayMs of [-1, 2.5, 2000, 5000]) {
        expect(() => openMonitors({ dataDir: fx.dir, windowMs: 2000, rollupMs: 4000, sealDelayMs })).toThrow(/monitoring\.sealDelayMs/);
      }
    } finally {
      await fx.cleanup();
    }
  });

  const skip = !canRaw4 || !builtWorker;
  it.skipIf(skip)('seals each window no earlier than its end + timeout + the delay; starts stay on the window grid', async () => {
    const fx = await monitorFixture();
    let engine: Engine | undefined;
    let handle: MonitorHandle | undefined;
    const WINDOW_MS = 1000;
    const TIMEOUT_MS = 200;
    const DELAY_MS = 600;
    const seals: { startMs: number; atMs: number }[] = [];
    try {
      createLoopbackTargets(fx.sonde, 3, () => ({ grp: 'phase' }));
      engine = createEngine({ threads: 1 });
      handle = openMonitors({
        dataDir: fx.dir, engine, windowMs: WINDOW_MS, rollupMs: 2 * WINDOW_MS, tickMs: 20, reconcileMs: 100, sealDelayMs: DELAY_MS,
        onSealed: (w) => seals.push({ startMs: w.table.startMs, atMs: wallNowMs() }),
      });
      handle.service.create({ name: 'phase', selection: { labels: { grp: 'phase' } }, intervalMs: 200, timeoutMs: TIMEOUT_MS });
      await waitFor(() => seals.length >= 3, { timeoutMs: 20_000, message: 'three windows sealed' });
      for (const s of seals) {
        expect(s.startMs % WINDOW_MS).toBe(0);
        // the runner seals once its probes settled (timeout + 60 ms); the delay comes on top
        expect(s.atMs).toBeGreaterThanOrEqual(s.startMs + WINDOW_MS + TIMEOUT_MS + DELAY_MS);
      }
    } finally {
      await handle?.close();
      await engine?.close();
      await fx.cleanup();
    }
  }, 30_000);
});
