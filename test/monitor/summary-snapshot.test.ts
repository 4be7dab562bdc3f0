// Large monitors' unfiltered summaries come from a snapshot rebuilt once a second in slices
// (engine/monitor/summary-snapshot.ts): 5,000 loopback targets (the snapshot threshold), real
// engine. The snapshot holds every target with the same fields as summary(), is rebuilt again
// and again while polled, and a filtered query is still computed per request. Over a real uWS server and a plain
// node:http client, a client that accepts gzip gets it compressed (from its second request on).
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createEngine, openDaemon, openMonitors, type MonitorSummary } from '../../engine/index.js';
import { startServer } from '../../server/index.js';
import { SNAPSHOT_MIN_TARGETS } from '../../engine/monitor/summary-snapshot.js';
import { loopbackTargets } from '../engine/helpers.js';
import { builtWorker, canRaw4 } from '../engine/helpers.js';
import { waitFor } from '../wait-for.js';
import { monitorFixture } from './helpers.js';
import { localResolver } from '../setup/local-resolver.js';

/** A GET with node:http, which leaves the body as sent (fetch would inflate it). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

describe.skipIf(!canRaw4 || !builtWorker)('summary snapshots of large monitors', () => {
  it('serve every target from bytes rebuilt again and again while polled', async () => {
    const fx = await monitorFixture();
    const engine = createEngine({ threads: 2 });
    const handle = openMonitors({ dataDir: fx.dir, engine, windowMs: 1000, rollupMs: 10_000, tickMs: 50, reconcileMs: 100 });
    try {
      const n = SNAPSHOT_MIN_TARGETS;
      fx.sonde.targets.bulkImport(loopbackTargets(n, 1).map((address) => ({ kind: 'HOST', address, labels: { snap: 'y' } })));
      const m = handle.service.create({ name: 'snap', selection: { labels: { snap: 'y' } }, intervalMs: 1000, timeoutMs: 500 });
      await waitFor(() => handle.service.summary(m.id).counts.up > n * 0.9, { timeoutMs: 15_000, intervalMs: 250, message: 'nine in ten targets up' });
      const first = JSON.parse(handle.service.summaryJson(m.id).bytes.toString()) as MonitorSummary;
      expect(first.targets).toHaveLength(n);
      // polled until a rebuild replaced the first snapshot, then until another replaced that:
      // the snapshot keeps being rebuilt (its freshness is the rebuilds, not the test's clock)
      let t0 = 0;
      const newerThan = (atMs: number, message: string) => waitFor(() => {
        t0 = Date.now();
        const next = JSON.parse(handle.service.summaryJson(m.id).bytes.toString()) as MonitorSummary;
        return next.atMs > atMs && next;
      }, { timeoutMs: 10_000, intervalMs: 250, message });
      const second = await newerThan(first.atMs, 'a newer snapshot');
      const snap = await newerThan(second.atMs, 'a snapshot newer than the second');
      expect(snap.atMs).toBeGreaterThan(second.atMs);
      expect(second.targets).toHaveLength(n);
      expect(snap.targets).toHaveLength(n);
      expect(snap.counts.up + snap.counts.degraded + snap.counts.down + snap.counts.unknown).toBe(n);
      expect(snap.counts.up).toBeGreaterThan(n * 0.9);
      const direct = handle.service.summary(m.id);
      expect(Object.keys(snap)).toEqual(Object.keys(direct));
      expect(Object.keys(snap.targets[0])).toEqual(Object.keys(direct.targets[0]));
      expect(new Set(snap.targets.map((t) => t.targetId))).toEqual(new Set(direct.targets.map((t) => t.targetId)));
      // a filtered query is computed now, not taken from the snapshot
      const down = JSON.parse(handle.service.summaryJson(m.id, { status: ['down'] }).bytes.toString()) as MonitorSummary;
      expect(down.atMs).toBeGreaterThanOrEqual(t0);
    } finally {
      await handle.close();
      await engine.close();
      await fx.cleanup();
    }
  }, 30_000);

  it('are sent gzip-compressed to clients that accept it, over HTTP', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sonde-summary-gzip-'));
    const engine = createEngine({ threads: 2 });
    const sonde = await openDaemon({
      dataDir, engine, monitoring: { windowMs: 1000, rollupMs: 10_000, tickMs: 50, reconcileMs: 100 },
      front: (daemon) => startServer({ daemon, logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0 }),
      agent: { resolver: localResolver },
    });
    const server = sonde.front;
    try {
      const key = sonde.keys.create('reader', ['network:read']).secret;
      const n = SNAPSHOT_MIN_TARGETS;
      sonde.targets.bulkImport(loopbackTargets(n, 1).map((address) => ({ kind: 'HOST', address, labels: { gz: 'y' } })));
      const m = sonde.monitors.create({ name: 'gz', selection: { labels: { gz: 'y' } }, intervalMs: 1000, timeoutMs: 500 });
      await waitFor(() => sonde.monitors.summary(m.id).targets.length === n, { timeoutMs: 15_000, intervalMs: 250, message: 'every target in the monitor' });
      const url = `${server.url}/v1/monitors/${m.id}/summary`;
      const plain = await rawGet(url, { authorization: `Bearer ${key}` });
      expect(plain.status).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers.vary).toBe('Accept-Encoding');
      const plainSummary = JSON.parse(plain.body.toString()) as MonitorSummary;
      expect(plainSummary.targets).toHaveLength(n);
      // the first request that asks for gzip has the next rebuild compressed
      const gzipHeaders = { authorization: `Bearer ${key}`, 'accept-encoding': 'br;q=1, gzip;q=0.8' };
      await rawGet(url, gzipHeaders);
      const gz = await waitFor(async () => {
        const r = await rawGet(url, gzipHeaders);
        return (r.status !== 200 || r.headers['content-encoding'] !== undefined) && r;
      }, { timeoutMs: 10_000, intervalMs: 250, message: 'a rebuilt, compressed snapshot' });
      expect(gz.status).toBe(200);
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gz.headers.vary).toBe('Accept-Encoding');
      const summary = JSON.parse(gunzipSync(gz.body).toString()) as MonitorSummary;
      expect(summary.targets).toHaveLength(n);
      // a rebuild made after the plain answer, not a stale copy
      expect(summary.atMs).toBeGreaterThan(plainSummary.atMs);
      expect(gz.body.length).toBeLessThan(plain.body.length / 3);
      // gzip refused (q=0) or not offered: identity
      for (const refusing of ['gzip;q=0, identity', 'deflate']) {
        const r = await rawGet(url, { authorization: `Bearer ${key}`, 'accept-encoding': refusing });
        expect(r.headers['content-encoding']).toBeUndefined();
        expect((JSON.parse(r.body.toString()) as MonitorSummary).targets).toHaveLength(n);
      }
    } finally {
      await sonde.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});
