// tcp monitors against real loopback listeners: one that accepts, a closed port (refused) and
// one that never accepts (timeouts). Each window holds exactly its planned probes, counted by
// error kind; nothing is leaked when a target hangs; the socket job bounds what is in flight
// and times out at the deadline; the options are validated naming the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, openMonitors, type Engine, type MonitorHandle, type Target } from '../../engine/index.js';
import { SondeError } from '../../engine/errors.js';
import { Flight, OUTCOME_TIMEOUT, SocketBudget, SocketJob } from '../../engine/monitor/socket-job.js';
import { TcpProber } from '../../engine/monitor/tcp-prober.js';
import { builtWorker, NOT_BUILT } from '../engine/helpers.js';
import { waitFor } from '../wait-for.js';
import { monitorFixture, type MonitorFixture } from './helpers.js';
import { acceptingListener, closedPort, hasPython, neverAccepting, tcpHandles, type Blackhole, type Listener } from './socket-servers.js';

const skip = !hasPython || !builtWorker;
if (skip) console.warn(`tcp monitor suites skipped: ${!hasPython ? 'needs python3 for a never-accepting listener' : NOT_BUILT}`);

const WINDOW_MS = 1000;
const INTERVAL_MS = 250;

describe.skipIf(skip)('a tcp monitor over an accepting, a refusing and a hanging listener', () => {
  let fx: MonitorFixture;
  let engine: Engine;
  let handle: MonitorHandle;
  let listener: Listener;
  let blackhole: Blackhole;
  let accepting: Target;
  let refusing: Target;
  let hanging: Target;
  let portless: Target;
  let monitorId = '';
  let firstFull = 0;
  let handlesBefore = 0;

  beforeAll(async () => {
    fx = await monitorFixture();
    listener = await acceptingListener();
    blackhole = await neverAccepting();
    const refusedPort = await closedPort();
    accepting = fx.sonde.targets.create({ kind: 'TCP', address: '127.0.0.1', port: listener.port, labels: { grp: 'tcp' } });
    refusing = fx.sonde.targets.create({ kind: 'TCP', address: '127.0.0.1', port: refusedPort, labels: { grp: 'tcp' } });
    hanging = fx.sonde.targets.create({ kind: 'TCP', address: '127.0.0.1', port: blackhole.port, labels: { grp: 'tcp' } });
    portless = fx.sonde.targets.create({ kind: 'HOST', address: '127.0.0.2', labels: { grp: 'portless' } });
    engine = createEngine({ threads: 1 });
    handle = openMonitors({ dataDir: fx.dir, engine, windowMs: WINDOW_MS, rollupMs: 2 * WINDOW_MS, tickMs: 20, reconcileMs: 100 });
    handlesBefore = tcpHandles();
    const started = Date.now();
    monitorId = handle.service.create({ name: 'tcp', probe: 'tcp', selection: { labels: { grp: 'tcp' } }, intervalMs: INTERVAL_MS, timeoutMs: 200 }).id;
    handle.service.create({ name: 'portless', probe: 'tcp', selection: { labels: { grp: 'portless' } }, intervalMs: INTERVAL_MS, timeoutMs: 200 });
    firstFull = Math.ceil((started + 500) / WINDOW_MS) * WINDOW_MS;
    await waitFor(
      () => [accepting, refusing, hanging].every((t) => handle.service.windows(t.id, firstFull, firstFull + 3 * WINDOW_MS).length === 3),
      { timeoutMs: 15_000, intervalMs: 100, message: 'three whole windows of each tcp target' },
    );
  }, 20_000);

  afterAll(async () => {
    await handle?.close();
    await engine?.close();
    await listener?.close();
    blackhole?.close();
    await fx?.cleanup();
  });

  const perWindow = WINDOW_MS / INTERVAL_MS;

  it('counts every planned probe of a window: answered, refused, timed out', () => {
    const [stats] = handle.service.stats().filter((s) => s.monitorId === monitorId);
    expect(stats).toMatchObject({ targets: 3, skippedSlots: 0, failedBatches: 0 });
    for (const w of handle.service.windows(accepting.id, firstFull, firstFull + 3 * WINDOW_MS)) {
      expect(w).toMatchObject({ monitorId, probe: 'tcp', phase: 'total', sent: perWindow, received: perWindow, errors: {} });
      expect(w.minNs).toBeGreaterThan(0);
      expect(w.maxNs).toBeLessThan(200e6);
    }
    for (const w of handle.service.windows(refusing.id, firstFull, firstFull + 3 * WINDOW_MS)) {
      expect(w).toMatchObject({ sent: perWindow, received: 0, errors: { refused: perWindow }, histogram: null });
    }
    for (const w of handle.service.windows(hanging.id, firstFull, firstFull + 3 * WINDOW_MS)) {
      // a timeout is a probe sent and not answered, no error kind (as for ICMP)
      expect(w).toMatchObject({ sent: perWindow, received: 0, errors: {}, histogram: null });
    }
    expect(listener.accepted()).toBeGreaterThanOrEqual(3 * perWindow);
  });

  it('gives the targets statuses and history like an ICMP monitor', async () => {
    await waitFor(() => handle.service.summary(monitorId).counts.down === 2, { message: 'refusing and hanging targets down' });
    const summary = handle.service.summary(monitorId);
    expect(summary.targets.find((t) => t.targetId === accepting.id)).toMatchObject({ status: 'up' });
    const points = handle.service.history(accepting.id, { fromMs: firstFull, toMs: firstFull + 3 * WINDOW_MS, monitorId });
    expect(points.map((p) => p.sent)).toEqual([perWindow, perWindow, perWindow]);
    expect(points.every((p) => p.loss === 0 && p.percentiles.p50 !== null)).toBe(true);
    const refused = handle.service.history(refusing.id, { fromMs: firstFull, toMs: firstFull + WINDOW_MS, monitorId });
    expect(refused[0]).toMatchObject({ sent: perWindow, received: 0, loss: 100 });
  });

  it('counts each probe of a target without a port as failed and says why', async () => {
    await waitFor(() => handle.service.windows(portless.id, 0, Date.now()).some((w) => w.errors.other > 0), { message: 'a failed probe of the portless target' });
    const stats = handle.service.stats().find((s) => s.monitorId !== monitorId)!;
    expect(stats.lastError).toMatch(/has no port: give the monitor tcp\.port/);
  });

  it('leaves no socket open once stopped, though one target never accepted', async () => {
    await handle.close();
    await waitFor(() => tcpHandles() <= handlesBefore, { message: `TCP handles back to ${handlesBefore} (now ${tcpHandles()})` });
  });
});

describe.skipIf(skip)('the socket job', () => {
  let blackhole: Blackhole;
  beforeAll(async () => {
    blackhole = await neverAccepting();
  });
  afterAll(() => blackhole?.close());

  it('keeps at most its budget in flight, skips what is an interval late, times out at the deadline', async () => {
    const n = 12;
    const budget = new SocketBudget(4);
    const prober = new TcpProber(new Array<string>(n).fill('127.0.0.1'), new Int32Array(n).fill(blackhole.port));
    let maxInFlight = 0;
    const outcomes: { status: number; seq: number; heldMs: number }[] = [];
    const job = new SocketJob(prober, {
      targets: n, originMs: Math.floor(Date.now() / 1000) * 1000, periodMs: 400, offsetsMs: Float64Array.from({ length: n }, (_, j) => (j * 400) / n),
      count: 1, spacingMs: 400, timeoutMs: 300,
    }, budget, (f: Flight) => {
      maxInFlight = Math.max(maxInFlight, budget.inFlight);
      outcomes.push({ status: f.status, seq: f.seq, heldMs: performance.now() - f.startPerf });
    });
    const controller = new AbortController();
    const running = job.run(controller.signal);
    await waitFor(() => outcomes.length >= 3 * n, { timeoutMs: 15_000, message: `${3 * n} outcomes` });
    controller.abort();
    await running;
    expect(budget.inFlight).toBe(0);
    expect(maxInFlight).toBeLessThanOrEqual(4);
    expect(outcomes.every((o) => o.status === OUTCOME_TIMEOUT)).toBe(true);
    expect(Math.min(...outcomes.map((o) => o.heldMs))).toBeGreaterThanOrEqual(300);
    // 12 targets every 400 ms with 300 ms timeouts need 9 in flight; with 4, probes wait and
    // those an interval late are skipped: the seqs of a target have gaps
    const seqs = new Set(outcomes.map((o) => o.seq));
    expect(Math.max(...seqs)).toBeGreaterThan(seqs.size / n);
  }, 20_000);
});

describe('tcp monitor options', () => {
  let fx: MonitorFixture;
  let handle: MonitorHandle;
  beforeAll(async () => {
    fx = await monitorFixture();
    handle = openMonitors({ dataDir: fx.dir });
  });
  afterAll(async () => {
    await handle?.close();
    await fx?.cleanup();
  });

  const fieldOf = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (error) {
      expect(error).toBeInstanceOf(SondeError);
      return (error as SondeError).field;
    }
    throw new Error('expected a SondeError');
  };

  it('rejects bad options naming the field, and options of another kind', () => {
    const selection = { labels: { a: 'b' } };
    expect(fieldOf(() => handle.service.create({ name: 'a', selection, probe: 'tcp', tcp: { port: 70_000 } }))).toBe('tcp.port');
    expect(fieldOf(() => handle.service.create({ name: 'a', selection, probe: 'tcp', tcp: { prot: 80 } as never }))).toBe('tcp.prot');
    expect(fieldOf(() => handle.service.create({ name: 'a', selection, tcp: { port: 80 } }))).toBe('tcp');
    const m = handle.service.create({ name: 'a', selection, probe: 'tcp', tcp: { port: 443 } });
    expect(m).toMatchObject({ probe: 'tcp', tcp: { port: 443 } });
    expect(fieldOf(() => handle.service.update(m.id, { tcp: { port: -1 } }))).toBe('tcp.port');
    expect(handle.service.update(m.id, { tcp: { port: 8443 } })).toMatchObject({ tcp: { port: 8443 } });
    // another kind leaves the old kind's options behind
    const icmp = handle.service.update(m.id, { probe: 'icmp' });
    expect(icmp.probe).toBe('icmp');
    expect(icmp.tcp).toBeUndefined();
  });
});
