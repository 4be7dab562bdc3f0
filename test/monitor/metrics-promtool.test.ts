// GET /metrics passes Prometheus's own linter: a real daemon with a monitor probing loopback
// targets on the real engine, one scrape over a real uWS server once a window is written (so
// the RTT histograms, the monitor figures and the drift gauges are all in it), and the text
// piped to `promtool check metrics` (Debian's prometheus package; scripts/install-test-deps.sh).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, openDaemon, type Daemon, type Engine } from '../../engine/index.js';
import { startServer, type SondeServer } from '../../server/index.js';
import { builtWorker, canRaw4, loopbackTargets } from '../engine/helpers.js';
import { waitFor } from '../wait-for.js';
import { localResolver } from '../setup/local-resolver.js';

const PROMTOOL = process.env.SONDE_TEST_PROMTOOL ?? '/usr/bin/promtool';
const havePromtool = existsSync(PROMTOOL);
const inCi = process.env.CI === 'true' || process.env.CI === '1';
const NO_PROMTOOL = `needs promtool at ${PROMTOOL}: run scripts/install-test-deps.sh (apt-get install --no-install-recommends prometheus)`;

/** Runs `promtool check metrics` over text on its stdin. */
function promtoolCheck(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => { output += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { output += b.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

if (!havePromtool && inCi) {
  describe('GET /metrics and promtool check metrics', () => {
    it('finds promtool', () => {
      throw new Error(`${NO_PROMTOOL} (CI=true: a missing promtool fails the suite instead of skipping it)`);
    });
  });
} else if (!havePromtool) {
  describe.skip(`GET /metrics and promtool check metrics (skipped: ${NO_PROMTOOL})`, () => {
    it('passes promtool check metrics', () => undefined);
  });
} else {
  describe.skipIf(!canRaw4 || !builtWorker)('GET /metrics and promtool check metrics', () => {
    let dataDir: string;
    let engine: Engine;
    let sonde: Daemon;
    let server: SondeServer;
    let monitorId: string;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'sonde-promtool-'));
      engine = createEngine({ threads: 1 });
      sonde = await openDaemon({ dataDir, engine, monitoring: { windowMs: 1000, rollupMs: 10_000, tickMs: 20, reconcileMs: 100 }, agent: { resolver: localResolver } });
      server = await startServer({ daemon: sonde, logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0 });
      for (const address of loopbackTargets(3)) sonde.targets.create({ kind: 'HOST', address, labels: { role: 'promtool' } });
      monitorId = sonde.monitors.create({ name: 'promtool', selection: { labels: { role: 'promtool' } }, intervalMs: 100, timeoutMs: 90 }).id;
    });

    afterAll(async () => {
      await server?.close(500);
      await sonde?.close();
      await engine?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('passes promtool check metrics with a monitor running: exit 0, no lint output', async () => {
      const text = await waitFor(async () => {
        const res = await fetch(`${server.url}/metrics`);
        expect(res.status).toBe(200);
        const body = await res.text();
        // a window written and the drift figures there: every family of a busy daemon is in it
        return new RegExp(`^sonde_monitor_windows_written_total\\{monitor="${monitorId}"\\} [1-9]`, 'm').test(body)
          && body.includes(`sonde_monitor_schedule_drift_p99_seconds{monitor="${monitorId}"}`)
          && body.includes('sonde_probe_rtt_seconds_bucket')
          && body;
      }, { timeoutMs: 15_000, intervalMs: 250, message: 'a scrape with a written window, drift figures and per-target RTT histograms' });
      const { code, output } = await promtoolCheck(text);
      expect(output).toBe('');
      expect(code).toBe(0);
    });
  });
}
