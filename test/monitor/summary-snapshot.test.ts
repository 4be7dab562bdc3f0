// Large monitors' unfiltered summaries come from a snapshot rebuilt once a second in slices
// (engine/monitor/summary-snapshot.ts): 5,000 loopback targets (the snapshot threshold), real
// engine. The snapshot holds every target with the same fields as summary(), is at most 3 s
// old, and a filtered query is still computed per request.
import { describe, expect, it } from 'vitest';
import { createEngine, openMonitors, type MonitorSummary } from '../../engine/index.js';
import { SNAPSHOT_MIN_TARGETS } from '../../engine/monitor/summary-snapshot.js';
import { loopbackTargets } from '../engine/helpers.js';
import { builtWorker, canRaw4 } from '../engine/helpers.js';
import { monitorFixture, sleep } from './helpers.js';

describe.skipIf(!canRaw4 || !builtWorker)('summary snapshots of large monitors', () => {
  it('serve every target from bytes at most 3 s old, rebuilt while polled', async () => {
    const fx = await monitorFixture();
    const engine = createEngine({ threads: 2 });
    const handle = openMonitors({ dataDir: fx.dir, engine, windowMs: 1000, rollupMs: 10_000, tickMs: 50, reconcileMs: 100 });
    try {
      const n = SNAPSHOT_MIN_TARGETS;
      fx.sonde.targets.bulkImport(loopbackTargets(n, 1).map((address) => ({ kind: 'HOST', address, labels: { snap: 'y' } })));
      const m = handle.service.create({ name: 'snap', selection: { labels: { snap: 'y' } }, intervalMs: 1000, timeoutMs: 500 });
      await sleep(2500);
      const first = JSON.parse(handle.service.summaryJson(m.id).toString()) as MonitorSummary;
      expect(first.targets).toHaveLength(n);
      await sleep(2200); // two refreshes
      const t0 = Date.now();
      const snap = JSON.parse(handle.service.summaryJson(m.id).toString()) as MonitorSummary;
      expect(snap.atMs).toBeGreaterThan(first.atMs);
      expect(t0 - snap.atMs).toBeLessThanOrEqual(3000);
      expect(snap.targets).toHaveLength(n);
      expect(snap.counts.up + snap.counts.degraded + snap.counts.down + snap.counts.unknown).toBe(n);
      expect(snap.counts.up).toBeGreaterThan(n * 0.9);
      const direct = handle.service.summary(m.id);
      expect(Object.keys(snap)).toEqual(Object.keys(direct));
      expect(Object.keys(snap.targets[0])).toEqual(Object.keys(direct.targets[0]));
      expect(new Set(snap.targets.map((t) => t.targetId))).toEqual(new Set(direct.targets.map((t) => t.targetId)));
      // a filtered query is computed now, not taken from the snapshot
      const down = JSON.parse(handle.service.summaryJson(m.id, { status: ['down'] }).toString()) as MonitorSummary;
      expect(down.atMs).toBeGreaterThanOrEqual(t0);
    } finally {
      await handle.close();
      await engine.close();
      await fx.cleanup();
    }
  }, 30_000);
});
