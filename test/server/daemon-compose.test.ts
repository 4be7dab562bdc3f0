// The composition root (engine/daemon/open-daemon.ts) with real parts: SQLite in a temp
// dir, the real engine on loopback, the real uWS server on an ephemeral port. close() runs
// its steps in order (open windows written, a running job recorded as interrupted, the
// database closed last); the HTTP-less and engine-less compositions open and close cleanly;
// a daemon that fails to open closes what it had opened.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createEngine, INTERRUPTED, openDaemon, openMonitors, openSonde, SHUTDOWN_STEPS,
  type Daemon, type DaemonServices, type ShutdownStep,
} from '../../engine/index.js';
import { startServer, type SondeServer } from '../../server/index.js';
import { builtWorker, canRaw4 } from '../engine/helpers.js';
import { call } from './helpers.js';
import { localResolver } from '../setup/local-resolver.js';

const logger = pino({ level: 'silent' });
const front = (daemon: DaemonServices) => startServer({ daemon, logger, host: '127.0.0.1', port: 0 });
/** Long windows: none is sealed while a test runs, so what is stored was written by close(). */
const monitoring = { windowMs: 600_000, rollupMs: 3_600_000, tickMs: 20, reconcileMs: 100 };

async function until(what: string, done: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** True when every connection to the database was closed (SQLite removes the WAL with the last one). */
const walRemoved = (dataDir: string): boolean => !existsSync(join(dataDir, 'sonde.db-wal'));

describe('openDaemon: the composition root', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'sonde-compose-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!canRaw4 || !builtWorker)('close() runs every step in order: windows written, running job interrupted, database last', async () => {
    const dataDir = tempDir();
    const engine = createEngine({ threads: 1 });
    const steps: ShutdownStep[] = [];
    /** What the daemon's own services show after each step. */
    const seen = new Map<ShutdownStep, { jobStatus: string | undefined; databaseOpen: boolean }>();
    let jobId = '';
    const daemon: Daemon<SondeServer> = await openDaemon({
      dataDir, engine, agent: { resolver: localResolver, hostname: 'localhost' }, monitoring, shutdownGraceMs: 100,
      rateLimit: { perSecond: 10_000, burst: 10_000 },
      front,
      onShutdownStep: (step) => {
        steps.push(step);
        let databaseOpen = true;
        let jobStatus: string | undefined;
        try {
          jobStatus = daemon.jobs.get(jobId)?.status;
          daemon.targets.count();
        } catch {
          databaseOpen = false;
        }
        seen.set(step, { jobStatus, databaseOpen });
      },
    });
    const url = daemon.front.url;
    const admin = daemon.keys.create('admin', ['admin']).secret;
    const target = daemon.targets.create({ kind: 'HOST', address: '127.0.0.1', labels: { role: 'compose' } });
    const monitor = daemon.monitors.create({ name: 'compose', selection: { labels: { role: 'compose' } }, intervalMs: 100, timeoutMs: 90 });
    let sentLive = 0;
    await until('the monitor probes', () => (sentLive = daemon.monitors.summary(monitor.id).targets[0]?.sent ?? 0) >= 3);
    const job = await call(`${url}/v1/jobs`, { key: admin, body: { operation: 'ping', targets: ['127.0.0.1'], count: 100, intervalMs: 100, timeoutMs: 500 } });
    expect(job.status).toBe(202);
    jobId = (job.body as { id: string }).id;
    await until('the job runs', () => daemon.jobs.get(jobId)?.status === 'processing');
    expect(daemon.monitors.stats()[0].windowsWritten).toBe(0);

    await daemon.close();

    expect(steps).toEqual([...SHUTDOWN_STEPS]);
    // the job outlived the grace period: failed by the jobs step, while the database was open
    expect(seen.get('stop-accepting')).toEqual({ jobStatus: 'processing', databaseOpen: true });
    expect(seen.get('jobs')).toEqual({ jobStatus: 'failed', databaseOpen: true });
    expect(seen.get('engine')?.databaseOpen).toBe(true);
    expect(seen.get('database')?.databaseOpen).toBe(false);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    await expect(engine.ping({ targets: ['127.0.0.1'], count: 1 })).rejects.toThrow(/after close/);
    expect(walRemoved(dataDir)).toBe(true);

    const core = await openSonde({ dataDir, mode: 'tool', agent: { resolver: localResolver } });
    const reader = openMonitors({ dataDir, ...monitoring });
    try {
      expect(core.jobs.get(jobId)).toMatchObject({ status: 'failed', error: INTERRUPTED });
      const windows = reader.service.windows(target.id, 0, Date.now() + 3_600_000);
      expect(windows.length).toBeGreaterThanOrEqual(1);
      expect(windows.reduce((n, w) => n + w.sent, 0)).toBeGreaterThanOrEqual(sentLive);
    } finally {
      await reader.close();
      await core.close();
    }
  }, 30_000);

  it.skipIf(!canRaw4 || !builtWorker)('without a front (an agent process): probes on its engine, opens no port, closes cleanly', async () => {
    const dataDir = tempDir();
    const steps: ShutdownStep[] = [];
    const daemon = await openDaemon({ dataDir, engine: createEngine({ threads: 1 }), agent: { resolver: localResolver, hostname: 'localhost' }, monitoring, onShutdownStep: (s) => steps.push(s) });
    expect(daemon.front).toBeNull();
    const summary = await daemon.agents.local.ping({ targets: ['127.0.0.1'], count: 2, intervalMs: 10, timeoutMs: 500 }, new AbortController().signal);
    expect(summary.targets[0]).toMatchObject({ address: '127.0.0.1', sent: 2, received: 2 });
    const target = daemon.targets.create({ kind: 'HOST', address: '127.0.0.1', labels: { role: 'agent' } });
    const monitor = daemon.monitors.create({ name: 'agent', selection: { ids: [target.id] }, intervalMs: 100, timeoutMs: 90 });
    await until('the monitor probes', () => (daemon.monitors.summary(monitor.id).targets[0]?.received ?? 0) >= 1);
    await daemon.close();
    expect(steps).toEqual([...SHUTDOWN_STEPS]);
    expect(walRemoved(dataDir)).toBe(true);
  }, 30_000);

  it('without an engine (a controller): serves HTTP, pings fail saying why, monitors are served, not probed; closes cleanly', async () => {
    const dataDir = tempDir();
    const daemon = await openDaemon({ dataDir, engine: null, agent: { resolver: localResolver, hostname: 'localhost' }, monitoring, front });
    const url = daemon.front.url;
    const admin = daemon.keys.create('admin', ['admin']).secret;
    expect((await call(`${url}/healthz`)).status).toBe(200);
    const created = await call(`${url}/v1/monitors`, { key: admin, body: { name: 'remote', selection: { labels: { site: 'x' } }, intervalMs: 1000, timeoutMs: 500 } });
    expect(created.status).toBe(201);
    expect(daemon.monitors.stats()).toEqual([]);
    const job = await call(`${url}/v1/jobs`, { key: admin, body: { operation: 'ping', targets: ['127.0.0.1'], count: 1, intervalMs: 10, timeoutMs: 200 } });
    expect(job.status).toBe(202);
    const id = (job.body as { id: string }).id;
    await until('the job ends', () => daemon.jobs.get(id)?.status === 'failed');
    expect(JSON.stringify(daemon.jobs.get(id)?.results)).toMatch(/has no probe engine/);
    await daemon.close();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    expect(walRemoved(dataDir)).toBe(true);
  });

  it.skipIf(!builtWorker)('a daemon that fails to open closes what it had opened, and says what failed', async () => {
    const dataDir = tempDir();
    const engine = createEngine({ threads: 1 });
    await expect(openDaemon({ dataDir, engine, monitoring: { windowMs: 500 }, agent: { resolver: localResolver } })).rejects.toThrow(/monitoring\.windowMs must be at least 1000/);
    // it owned the engine: stopped
    await expect(engine.ping({ targets: ['127.0.0.1'], count: 1 })).rejects.toThrow(/after close/);
    expect(walRemoved(dataDir)).toBe(true);

    await expect(openDaemon({ dataDir, engine: null, front: async () => { throw new Error('port 8080 is taken'); }, agent: { resolver: localResolver } })).rejects.toThrow('port 8080 is taken');
    expect(walRemoved(dataDir)).toBe(true);
    // nothing was left half-open: the data directory opens again as a daemon
    const again = await openDaemon({ dataDir, engine: null, agent: { resolver: localResolver } });
    await again.close();
    expect(walRemoved(dataDir)).toBe(true);
  });
});
