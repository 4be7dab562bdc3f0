// A probe worker thread that throws (from a timer, outside any task) must cost only the work
// it held: the real pool, real worker threads, the test's fault hook (engine/fault-injection.ts,
// live under NODE_ENV=test only). Before, an idle worker's error was kept by the pool and every
// later job was refused ("a worker thread failed: …") until the daemon restarted, while
// /healthz still said "ok".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_CHANNEL, START_FAULT_ENV, type FaultOrder } from '../../engine/fault-injection.js';
import { createEngine, openDaemon, type Daemon, type Engine, type WorkerFault } from '../../engine/index.js';
import { startServer, type SondeServer } from '../../server/index.js';
import { localResolver } from '../setup/local-resolver.js';
import { builtWorker, canRaw4, NO_RAW, NOT_BUILT } from './helpers.js';

function injectFault(order: FaultOrder): void {
  const channel = new BroadcastChannel(FAULT_CHANNEL);
  channel.postMessage(order);
  channel.close();
}

/** Resolves once `check` returns something other than undefined/false; fails after `ms`. */
async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The engine's next worker fault; rejects if none comes within `ms`. */
function nextFault(engine: Engine, ms = 10_000): Promise<WorkerFault> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no worker fault within ${ms} ms`));
    }, ms);
    const off = engine.onWorkerFault((fault) => {
      clearTimeout(timer);
      off();
      resolve(fault);
    });
  });
}

async function pingOk(engine: Engine, targets: string[]): Promise<number> {
  const summary = await engine.ping({ targets, count: 2, intervalMs: 10, timeoutMs: 1000 });
  return summary.targets.reduce((n, t) => n + t.received, 0);
}

const skip = !canRaw4 || !builtWorker;
const why = !canRaw4 ? NO_RAW : NOT_BUILT;

describe.skipIf(skip)(`a probe worker that throws (${skip ? why : 'real pool'})`, () => {
  it('idle: the pool replaces it, counts it, and every later job succeeds', async () => {
    expect(process.env.NODE_ENV).toBe('test');
    const engine = createEngine({ threads: 2, faultReportMs: 60_000 });
    try {
      expect(await pingOk(engine, ['127.0.0.1', '127.0.0.2'])).toBe(4);
      // both workers have loaded worker.js (each claims its row, then listens for the hook)
      await until('both workers loaded', async () => engine.health().running === 2 && (await engine.stats()).idBlocks?.length === 2);
      expect(engine.health()).toMatchObject({ state: 'ok', reason: null, threads: 2, running: 2 });

      const fault = nextFault(engine);
      injectFault({ thread: 'probe-worker', row: 1 });
      const f = await fault;
      expect(f.cause).toBe('uncaught_error');
      expect(f.message).toMatch(/injected fault: the probe-worker thread of row 1 threw/);

      const h = engine.health();
      expect(h.state).toBe('degraded');
      expect(h.reason).toMatch(/replaced after a fault|of 2 probe worker threads running/);
      expect(h.restarts).toEqual({ uncaught_error: 1, exited: 0, start_failed: 0 });
      // every job after the fault runs (before the fix: all were refused)
      for (let i = 0; i < 4; i++) expect(await pingOk(engine, ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'])).toBe(8);
      await until('the replacement ready', () => engine.health().running === 2);
      // the dead worker's row (its echo-identifier block) was freed and taken by the replacement
      expect((await engine.stats()).idBlocks).toHaveLength(2);
    } finally {
      await engine.close();
    }
  });

  it('busy: only its job fails, with the reason; the next job runs on the replacement', async () => {
    const engine = createEngine({ threads: 1, faultReportMs: 60_000 });
    try {
      let probes = 0;
      const job = engine.ping({ targets: ['127.0.0.1'], count: 100_000, intervalMs: 10, timeoutMs: 1000 }, () => { probes++; });
      const settled = job.then(() => null, (error: unknown) => error as Error);
      await until('the long job probing', () => probes >= 3);
      const fault = nextFault(engine);
      injectFault({ thread: 'probe-worker', row: 0 });
      const error = await settled;
      expect(error).toBeInstanceOf(Error);
      expect(error!.message).toMatch(/the probe worker thread running this job failed \(injected fault: .*\); its probes are lost, the pool replaced the thread: run the job again/);
      // counted when the thread has ended (its job was failed a moment before)
      expect((await fault).cause).toBe('uncaught_error');
      expect(engine.health().restarts).toEqual({ uncaught_error: 1, exited: 0, start_failed: 0 });
      expect(await pingOk(engine, ['127.0.0.1'])).toBe(2);
      await until('the replacement ready', () => engine.health().running === 1);
    } finally {
      await engine.close();
    }
  });
});

describe.skipIf(skip)(`a worker fault seen from the daemon (${skip ? why : 'real pool, real uWS'})`, () => {
  let dataDir: string;
  let engine: Engine;
  let sonde: Daemon;
  let server: SondeServer;
  let monitorId: string;
  const logged: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sonde-worker-faults-'));
    engine = createEngine({ threads: 1, faultReportMs: 2000 });
    sonde = await openDaemon({ dataDir, engine, agent: { resolver: localResolver }, monitoring: { windowMs: 1000, rollupMs: 10_000, tickMs: 20, reconcileMs: 100 } });
    const logger = pino({ level: 'error' }, { write: (line: string) => { logged.push(line); } });
    server = await startServer({ daemon: sonde, logger, host: '127.0.0.1', port: 0 });
    for (const address of ['127.0.0.1', '127.0.0.2']) sonde.targets.create({ kind: 'HOST', address, labels: { role: 'faults' } });
    monitorId = sonde.monitors.create({ name: 'faults', selection: { labels: { role: 'faults' } }, intervalMs: 100, timeoutMs: 90 }).id;
  });

  afterAll(async () => {
    await server?.close(500);
    await sonde?.close();
    await engine?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const monitorStats = () => sonde.monitors.stats().find((m) => m.monitorId === monitorId);
  const healthz = async () => {
    const res = await fetch(`${server.url}/healthz`);
    return { status: res.status, body: await res.json() as { status: string; reason?: string; workers?: { restarts: Record<string, number> } } };
  };
  const restartsMetric = async (): Promise<number | undefined> => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const m = /^sonde_worker_restarts_total\{cause="uncaught_error"\} (\d+)$/m.exec(text);
    return m === null ? undefined : Number(m[1]);
  };

  it('the monitor resumes on the replacement, /metrics counts the restart, /healthz says degraded then ok, the log says why', async () => {
    await until('the monitor probing', async () => monitorStats()?.batches === 1 && (await engine.stats()).received > 0);
    expect((await healthz()).body.status).toBe('ok');
    expect(await restartsMetric()).toBe(0);

    injectFault({ thread: 'probe-worker', row: 0 });
    // its job failed with the reason, and a new one started within the resume delay
    await until('the monitor job failed', () => monitorStats()!.failedBatches === 1);
    expect(monitorStats()!.lastError).toMatch(/probe worker thread running this job failed/);
    await until('the monitor job restarted', () => monitorStats()!.batches === 2, 4000);
    const received = (await engine.stats()).received;
    await until('the monitor probing again', async () => (await engine.stats()).received > received + 10);

    const degraded = await healthz();
    expect(degraded.status).toBe(200);
    expect(degraded.body.status).toBe('degraded');
    expect(degraded.body.reason).toMatch(/uncaught error: injected fault/);
    expect(degraded.body.workers?.restarts.uncaught_error).toBe(1);
    expect(await restartsMetric()).toBe(1);
    expect(logged.some((line) => /probe worker thread \d+ ended \(uncaught_error: injected fault/.test(line))).toBe(true);

    // faultReportMs (2 s) after the fault, at full strength: ok again
    await until('/healthz ok again', async () => (await healthz()).body.status === 'ok');
    expect((await healthz()).status).toBe(200);
  });
});

describe.skipIf(!builtWorker)(`a pool whose workers fail while starting (${!builtWorker ? NOT_BUILT : 'real pool, real uWS'})`, () => {
  it('is "down": jobs are refused at once with the reason, /healthz answers 503', async () => {
    // read by every worker the pool starts, replacements included (they inherit the environment)
    process.env[START_FAULT_ENV] = '1';
    const engine = createEngine({ threads: 1 });
    const dataDir = mkdtempSync(join(tmpdir(), 'sonde-worker-down-'));
    const sonde = await openDaemon({ dataDir, engine, agent: { resolver: localResolver } });
    const server = await startServer({ daemon: sonde, logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0 });
    try {
      // the first worker fails and is replaced; its replacement fails before it was ready,
      // and Piscina starts no more (a failure at start-up would only repeat)
      const health = await until('the pool down', () => { const h = engine.health(); return h.state === 'down' && h.restarts.start_failed > 0 ? h : undefined; });
      delete process.env[START_FAULT_ENV];
      expect(health.running).toBe(0);
      expect(health.restarts.start_failed).toBeGreaterThanOrEqual(1);
      expect(health.reason).toMatch(/no probe worker thread is left .*injected fault: the probe worker failed while starting.*restart the daemon/);
      await expect(engine.ping({ targets: ['127.0.0.1'], count: 1 })).rejects.toThrow(/cannot run the job: no probe worker thread is left/);
      const res = await fetch(`${server.url}/healthz`);
      expect(res.status).toBe(503);
      const body = await res.json() as { status: string; reason: string; workers: { running: number } };
      expect(body.status).toBe('down');
      expect(body.reason).toMatch(/^no probe worker thread is left .*start failed: injected fault/);
      expect(body.workers.running).toBe(0);
    } finally {
      delete process.env[START_FAULT_ENV];
      await server.close(500);
      await sonde.close();
      await engine.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
