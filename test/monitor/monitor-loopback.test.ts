// Monitors running on the real engine against loopback targets, with short windows:
// exactly the expected windows are written, stored histograms merge to the histogram of the
// raw samples, rollups equal the merge of their windows, history survives a reopen, and a
// label change moves targets in and out of a running monitor.
import { build } from 'hdr-histogram-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, openMonitors, type Engine, type LatencyWindow, type MonitorHandle, type ProbeResult } from '../../engine/index.js';
import { BucketAccumulator, decodeBuckets } from '../../engine/monitor/hdr-codec.js';
import { builtWorker, canNetns, canRaw4, createTestNetns, NO_RAW, NOT_BUILT } from '../engine/helpers.js';
import { waitFor } from '../wait-for.js';
import { createLoopbackTargets, monitorFixture, type MonitorFixture } from './helpers.js';

const PCTS = [0, 10, 50, 90, 99, 100];
const skip = !canRaw4 || !builtWorker;
if (skip) console.warn(`test/monitor loopback suites skipped: ${!canRaw4 ? NO_RAW : NOT_BUILT}`);

interface Raw {
  outcomes: number;
  rtts: number[];
}

/** The real engine, with every probe outcome also kept here (the raw samples). */
function teeEngine(engine: Engine, raw: Map<string, Raw>): Engine {
  return {
    ping(request, onProbe) {
      return engine.ping(request, (p: ProbeResult) => {
        let r = raw.get(p.target);
        if (r === undefined) raw.set(p.target, (r = { outcomes: 0, rtts: [] }));
        if (p.status === 'ok' || p.status === 'timeout' || p.status === 'error') r.outcomes++;
        if (p.status === 'ok') r.rtts.push(Math.round(p.rttNs));
        onProbe?.(p);
      });
    },
    stats: () => engine.stats(),
    health: () => engine.health(),
    onWorkerFault: (listener) => engine.onWorkerFault(listener),
    close: () => engine.close(),
  };
}

function accumulate(windows: readonly LatencyWindow[]): BucketAccumulator {
  const acc = new BucketAccumulator();
  for (const w of windows) if (w.histogram !== null) decodeBuckets(w.histogram, acc.add);
  return acc;
}

describe.skipIf(skip)('a monitor over 1,000 loopback targets, 1 s interval, 2 s windows', () => {
  let fx: MonitorFixture;
  let engine: Engine;
  let handle: MonitorHandle;
  const raw = new Map<string, Raw>();
  let targets: ReturnType<typeof createLoopbackTargets>;
  let firstFull = 0;
  let lastFullEnd = 0;
  let monitorId = '';

  beforeAll(async () => {
    fx = await monitorFixture();
    targets = createLoopbackTargets(fx.sonde, 1000, () => ({ grp: 'm' }));
    engine = createEngine({ threads: 1 });
    handle = openMonitors({ dataDir: fx.dir, engine: teeEngine(engine, raw), windowMs: 2000, rollupMs: 4000, tickMs: 20, reconcileMs: 100 });
    const started = Date.now();
    monitorId = handle.service.create({ name: 'loopback', selection: { labels: { grp: 'm' } }, intervalMs: 1000, timeoutMs: 500 }).id;
    // the first whole window starts after the monitor's first tick
    firstFull = Math.ceil((started + 500) / 2000) * 2000;
    lastFullEnd = firstFull + 3 * 2000;
    // run through three whole windows, their settling (timeout 500 ms) and a rollup step
    await waitFor(
      () => targets.every((t) => handle.service.windows(t.id, firstFull, lastFullEnd).length >= 3 && handle.service.windows(t.id, 0, Date.now(), 4000).length > 0),
      { timeoutMs: 25_000, intervalMs: 100, message: 'three whole windows and a rollup stored for each of the 1,000 targets' },
    );
    const stats = handle.service.stats();
    expect(stats).toHaveLength(1);
    expect(stats[0]).toMatchObject({ monitorId, targets: 1000 });
    expect(stats[0].batches).toBeGreaterThan(0);
    expect(stats[0].driftP99Ms).not.toBeNull();
    await handle.close();
  }, 30_000);

  afterAll(async () => {
    await handle?.close();
    await engine?.close();
    await fx?.cleanup();
  });

  it('writes exactly one window per target per 2 s, each with 2 probes sent and answered', () => {
    const reader = openMonitors({ dataDir: fx.dir, windowMs: 2000, rollupMs: 4000 });
    try {
      for (const t of targets) {
        const ws = reader.service.windows(t.id, firstFull, lastFullEnd);
        expect(ws.map((w) => w.startMs)).toEqual([firstFull, firstFull + 2000, firstFull + 4000]);
        for (const w of ws) {
          expect(w).toMatchObject({ monitorId, spanMs: 2000, sent: 2, received: 2, duplicates: 0, errors: {} });
          expect(w.minNs).toBeGreaterThan(0);
          expect(w.maxNs).toBeGreaterThanOrEqual(w.minNs!);
          expect(w.histogram).not.toBeNull();
        }
      }
    } finally {
      void reader.close();
    }
  });

  it('stores histograms whose merge equals the histogram of the raw samples', () => {
    const reader = openMonitors({ dataDir: fx.dir, windowMs: 2000, rollupMs: 4000 });
    try {
      for (const t of targets) {
        const all = reader.service.windows(t.id, 0, Date.now() + 60_000);
        const samples = raw.get(t.address)!;
        expect(all.reduce((n, w) => n + w.sent, 0)).toBe(samples.outcomes);
        expect(all.reduce((n, w) => n + w.received, 0)).toBe(samples.rtts.length);
        const ref = build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 2, autoResize: true, highestTrackableValue: 2, useWebAssembly: false });
        for (const v of samples.rtts) ref.recordValue(v);
        const acc = accumulate(all);
        expect(acc.total).toBe(samples.rtts.length);
        expect(acc.percentiles(PCTS)).toEqual(PCTS.map((p) => ref.getValueAtPercentile(p)));
        expect(Math.min(...all.filter((w) => w.minNs !== null).map((w) => w.minNs!))).toBe(Math.min(...samples.rtts));
      }
    } finally {
      void reader.close();
    }
  });

  it('writes rollups equal to the merge of their windows', () => {
    const reader = openMonitors({ dataDir: fx.dir, windowMs: 2000, rollupMs: 4000 });
    try {
      let rollups = 0;
      for (const t of targets) {
        for (const r of reader.service.windows(t.id, 0, Date.now(), 4000)) {
          rollups++;
          const parts = reader.service.windows(t.id, r.startMs, r.startMs + 4000, 2000);
          expect(parts.length).toBeGreaterThan(0);
          expect(r.sent).toBe(parts.reduce((n, w) => n + w.sent, 0));
          expect(r.received).toBe(parts.reduce((n, w) => n + w.received, 0));
          expect(r.minNs).toBe(Math.min(...parts.filter((w) => w.minNs !== null).map((w) => w.minNs!)));
          expect(r.maxNs).toBe(Math.max(...parts.filter((w) => w.maxNs !== null).map((w) => w.maxNs!)));
          const merged = accumulate(parts);
          const rolled = accumulate([r]);
          expect(rolled.total).toBe(merged.total);
          expect(rolled.percentiles(PCTS)).toEqual(merged.percentiles(PCTS));
        }
      }
      expect(rollups).toBeGreaterThanOrEqual(targets.length);
    } finally {
      void reader.close();
    }
  });

  it('answers the same history after the database is reopened', async () => {
    const query = { fromMs: firstFull, toMs: lastFullEnd, stepMs: 2000, percentiles: [50, 99] };
    const first = openMonitors({ dataDir: fx.dir, windowMs: 2000, rollupMs: 4000 });
    const before = first.service.history(targets[7].id, query);
    await first.close();
    const second = openMonitors({ dataDir: fx.dir, windowMs: 2000, rollupMs: 4000 });
    const after = second.service.history(targets[7].id, query);
    await second.close();
    expect(after).toEqual(before);
    expect(after.map((p) => [p.t, p.sent, p.received, p.loss])).toEqual([0, 1, 2].map((k) => [firstFull + k * 2000, 2, 2, 0]));
    for (const p of after) {
      expect(p.percentiles.p50).toBeGreaterThan(0);
      expect(p.percentiles.p99).toBeGreaterThanOrEqual(p.percentiles.p50!);
      expect(p.max).toBeGreaterThanOrEqual(p.min!);
    }
  });
});

describe.skipIf(skip)('a label change on a running monitor', () => {
  it('moves targets in and out without a restart', async () => {
    const fx = await monitorFixture();
    const engine = createEngine({ threads: 1 });
    const handle = openMonitors({ dataDir: fx.dir, engine, windowMs: 1000, rollupMs: 10_000, tickMs: 20, reconcileMs: 100 });
    try {
      const targets = createLoopbackTargets(fx.sonde, 20, (i) => ({ grp: i < 10 ? 'a' : 'b' }));
      const m = handle.service.create({ name: 'grp-a', selection: { labels: { grp: 'a' } }, intervalMs: 200, timeoutMs: 150 });
      // a window of the target that will leave is stored before the change
      await waitFor(() => handle.service.windows(targets[0].id, 0, Date.now() + 1000).length > 0, { message: 'a stored window of a member' });
      const changedAt = Date.now();
      // through the Sonde's own connection, as PATCH /v1/targets/{id} does
      fx.sonde.targets.update(targets[0].id, { labels: { grp: 'b' } });
      fx.sonde.targets.update(targets[15].id, { labels: { grp: 'a' } });
      const changeWindow = Math.floor(changedAt / 1000) * 1000;
      // the joined target's first window that starts wholly after the change is stored
      await waitFor(() => handle.service.windows(targets[15].id, changeWindow + 2000, changeWindow + 3000).length > 0, { message: 'the joined target\'s whole window' });
      const stoppedAt = Date.now();
      expect(handle.service.members(m.id)).toEqual([...targets.slice(1, 10), targets[15]].map((t) => t.id));
      await handle.close();
      const reader = openMonitors({ dataDir: fx.dir, windowMs: 1000, rollupMs: 10_000 });
      try {
        const starts = (id: string) => reader.service.windows(id, 0, stoppedAt + 1000).map((w) => w.startMs);
        // (the change is picked up within reconcileMs + a tick, which may cross into the next window)
        // the target that left: windows before the change, none from the second window after it
        const left = starts(targets[0].id);
        expect(left.length).toBeGreaterThan(0);
        expect(left.every((s) => s <= changeWindow + 1000)).toBe(true);
        // the target that joined: nothing before the change, whole windows after it
        const joined = starts(targets[15].id);
        expect(joined.every((s) => s >= changeWindow)).toBe(true);
        expect(joined).toContain(changeWindow + 2000);
        const full = reader.service.windows(targets[15].id, changeWindow + 2000, changeWindow + 3000)[0];
        expect(full).toMatchObject({ sent: 5, received: 5 });
        // a target that stayed out was never probed
        expect(starts(targets[16].id)).toEqual([]);
        expect(starts(targets[5].id).length).toBeGreaterThanOrEqual(3);
      } finally {
        await reader.close();
      }
    } finally {
      await handle.close();
      await engine.close();
      await fx.cleanup();
    }
  }, 20_000);
});

describe.skipIf(skip)('a HOST target whose name does not resolve', () => {
  it('counts each round as a failed probe (error other) and goes down', async () => {
    const fx = await monitorFixture();
    const engine = createEngine({ threads: 1 });
    const handle = openMonitors({ dataDir: fx.dir, engine, windowMs: 1000, rollupMs: 10_000, tickMs: 20, reconcileMs: 100});
    try {
      // .invalid never resolves (RFC 6761); no real name is looked up
      const bad = fx.sonde.targets.create({ kind: 'HOST', address: 'no-such-host.invalid', labels: { dns: 'x' } });
      const good = fx.sonde.targets.create({ kind: 'HOST', address: '127.0.0.1', labels: { dns: 'x' } });
      const m = handle.service.create({ name: 'dns', selection: { labels: { dns: 'x' } }, intervalMs: 200, timeoutMs: 150 });
      // settled: a failing target is degraded until its third failure, then down
      const settled = (): boolean => handle.service.summary(m.id).targets.every((t) => t.status === 'up' || t.status === 'down');
      await waitFor(settled, { message: 'both targets settled (up or down)' });
      const s = handle.service.summary(m.id);
      expect(s.targets.find((t) => t.targetId === bad.id)).toMatchObject({ status: 'down', received: 0, lossPercent: 100 });
      expect(s.targets.find((t) => t.targetId === good.id)).toMatchObject({ status: 'up' });
      await handle.close();
      const reader = openMonitors({ dataDir: fx.dir, windowMs: 1000, rollupMs: 10_000 });
      const ws = reader.service.windows(bad.id, 0, Date.now() + 1000);
      await reader.close();
      const other = ws.reduce((n, w) => n + (w.errors.other ?? 0), 0);
      expect(other).toBeGreaterThanOrEqual(3);
      expect(ws.reduce((n, w) => n + w.sent, 0)).toBe(other);
    } finally {
      await handle.close();
      await engine.close();
      await fx.cleanup();
    }
  }, 20_000);
});

describe.skipIf(skip || !canNetns)('targets that never answer', () => {
  it('are down after downAfter failed probes, with 100 % loss stored', async () => {
    const fx = await monitorFixture();
    const ns = createTestNetns('mon', { silent: true });
    const engine = createEngine({ threads: 1, netns: ns.path });
    const handle = openMonitors({ dataDir: fx.dir, engine, windowMs: 1000, rollupMs: 10_000, tickMs: 20, reconcileMs: 100 });
    try {
      const targets = createLoopbackTargets(fx.sonde, 3, () => ({ dark: 'yes' }));
      const m = handle.service.create({ name: 'dark', selection: { labels: { dark: 'yes' } }, intervalMs: 200, timeoutMs: 100 });
      // 3 failures (the default monitoring.downAfter) by ~0.8 s, evaluated at the next whole second
      // settled: a failing target is degraded until its third failure, then down
      await waitFor(() => {
        const { counts } = handle.service.summary(m.id);
        return counts.unknown === 0 && counts.degraded === 0;
      }, { message: 'the three targets settled (up or down)' });
      const s = handle.service.summary(m.id);
      expect(s.counts).toEqual({ up: 0, degraded: 0, down: 3, unknown: 0 });
      expect(handle.service.summary(m.id, { status: ['up', 'degraded'] })).toMatchObject({ counts: { down: 3 }, targets: [] });
      for (const t of s.targets) {
        expect(t).toMatchObject({ status: 'down', lastRttMs: null, received: 0, lossPercent: 100 });
        expect(t.failStreak).toBeGreaterThanOrEqual(3);
      }
      await handle.close();
      const reader = openMonitors({ dataDir: fx.dir, windowMs: 1000, rollupMs: 10_000 });
      const ws = reader.service.windows(targets[1].id, 0, Date.now() + 1000);
      await reader.close();
      expect(ws.length).toBeGreaterThan(0);
      for (const w of ws) expect(w).toMatchObject({ received: 0, histogram: null, minNs: null });
      expect(ws.reduce((n, w) => n + w.sent, 0)).toBeGreaterThanOrEqual(3);
    } finally {
      await handle.close();
      await engine.close();
      ns.remove();
      await fx.cleanup();
    }
  }, 20_000);
});

describe.skipIf(skip)('retention on a running monitor', () => {
  it('purges raw windows past their retention and keeps their rollups', async () => {
    const fx = await monitorFixture();
    const engine = createEngine({ threads: 1 });
    const handle = openMonitors({ dataDir: fx.dir, engine, windowMs: 1000, rollupMs: 2000, rawRetentionMs: 3000, tickMs: 20, reconcileMs: 100 });
    try {
      const [t] = createLoopbackTargets(fx.sonde, 1, () => ({ keep: 'short' }));
      handle.service.create({ name: 'short', selection: { labels: { keep: 'short' } }, intervalMs: 200, timeoutMs: 150 });
      const started = Date.now();
      // until housekeeping has purged the first raw windows and two rollups are written
      const firstWindow = Math.floor(started / 1000) * 1000;
      const { now, raw, rolled } = await waitFor(() => {
        const at = Date.now();
        const r = handle.service.windows(t.id, 0, at + 1000, 1000);
        const rolledUp = handle.service.windows(t.id, 0, at + 1000, 2000);
        const purged = r.length > 0 && Math.min(...r.map((w) => w.startMs)) > firstWindow + 1000;
        return purged && rolledUp.length >= 2 && { now: at, raw: r, rolled: rolledUp };
      }, { timeoutMs: 15_000, intervalMs: 100, message: 'raw windows past their retention purged, two rollups written' });
      // housekeeping runs once a second: nothing older than retention + 1 s is left
      expect(raw.length).toBeGreaterThan(0);
      expect(Math.min(...raw.map((w) => w.startMs))).toBeGreaterThanOrEqual(now - 3000 - 2000);
      // the rollups cover what was purged, from the first window on
      expect(rolled.length).toBeGreaterThanOrEqual(2);
      expect(Math.min(...rolled.map((w) => w.startMs))).toBeLessThanOrEqual(Math.floor(started / 2000) * 2000 + 2000);
      expect(Math.min(...rolled.map((w) => w.startMs))).toBeLessThan(Math.min(...raw.map((w) => w.startMs)));
    } finally {
      await handle.close();
      await engine.close();
      await fx.cleanup();
    }
  }, 20_000);
});
