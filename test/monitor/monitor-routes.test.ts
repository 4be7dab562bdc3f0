// /v1/monitors and /v1/targets/{id}/history over a real uWS server, with the monitors
// probing loopback targets on the real engine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, openDaemon, type Engine, type Sonde } from '../../engine/index.js';
import { startServer, type SondeServer } from '../../server/index.js';
import { builtWorker, canRaw4, loopbackTargets } from '../engine/helpers.js';
import { call, errorOf } from '../server/helpers.js';
import { waitFor } from '../wait-for.js';
import { localResolver } from '../setup/local-resolver.js';

describe.skipIf(!canRaw4 || !builtWorker)('/v1/monitors and target history', () => {
  let dataDir: string;
  let engine: Engine;
  let sonde: Sonde;
  let server: SondeServer;
  let admin: string;
  let reader: string;
  const targetIds: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sonde-monitor-routes-'));
    engine = createEngine({ threads: 1 });
    const daemon = await openDaemon({
      dataDir, engine, rateLimit: { perSecond: 10_000, burst: 10_000 },
      monitoring: { windowMs: 1000, rollupMs: 10_000, tickMs: 20, reconcileMs: 100 },
      front: (services) => startServer({ daemon: services, logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0 }),
      agent: { resolver: localResolver },
    });
    sonde = daemon;
    server = daemon.front;
    admin = sonde.keys.create('admin', ['admin']).secret;
    reader = sonde.keys.create('reader', ['network:read']).secret;
    for (const address of loopbackTargets(5)) targetIds.push(sonde.targets.create({ kind: 'HOST', address, labels: { role: 'edge' } }).id);
  });

  afterAll(async () => {
    await sonde?.close();
    await engine?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates, lists, probes, reports history and stats, updates and deletes a monitor', async () => {
    const created = await call(`${server.url}/v1/monitors`, { key: admin, body: { name: 'edge', selection: { labels: { role: 'edge' } }, intervalMs: 200, timeoutMs: 150 } });
    expect(created.status).toBe(201);
    const m = created.body as { id: string; intervalMs: number; probe: string };
    expect(m).toMatchObject({ intervalMs: 200, probe: 'icmp' });
    expect((await call(`${server.url}/v1/monitors`, { key: reader })).body).toEqual({ items: [created.body] });
    const start = Date.now();
    const firstFull = Math.ceil((start + 500) / 1000) * 1000;
    const historyUrl = `${server.url}/v1/targets/${targetIds[2]}/history?from=${firstFull}&to=${firstFull + 2000}&step=1000&percentiles=50,99.9`;
    // until the two whole windows are stored (a window is written once, when it is sealed)
    const h = await waitFor(async () => {
      const answer = await call(historyUrl, { key: reader });
      const points = (answer.body as { points?: Array<{ sent?: number | null }> }).points ?? [];
      return answer.status !== 200 || points.filter((p) => (p.sent ?? 0) > 0).length >= 2 ? answer : null;
    }, { timeoutMs: 10_000, intervalMs: 100, message: 'two stored windows in the history' });
    expect(h.status).toBe(200);
    const body = h.body as { step: number; points: Array<Record<string, number | null>> };
    expect(body.step).toBe(1000);
    expect(body.points.map((p) => [p.t, p.sent, p.received, p.loss])).toEqual([[firstFull, 5, 5, 0], [firstFull + 1000, 5, 5, 0]]);
    for (const p of body.points) {
      expect(p.p50).toBeGreaterThan(0);
      expect(p['p99.9']).toBeGreaterThanOrEqual(p.p50!);
    }
    const iso = await call(`${server.url}/v1/targets/${targetIds[2]}/history?from=${new Date(firstFull).toISOString()}&to=${firstFull + 1000}`, { key: reader });
    expect((iso.body as { points: unknown[] }).points).toEqual([body.points[0]].map(({ ['p99.9']: _x, ...rest }) => ({ ...rest, p90: expect.any(Number), p99: expect.any(Number) })));

    const stats = await call(`${server.url}/v1/monitors/${m.id}/stats`, { key: reader });
    expect(stats.body).toMatchObject({ monitorId: m.id, running: true, targets: 5, failedBatches: 0, lastError: null });
    const { driftP99Ms, driftHistogram } = stats.body as { driftP99Ms: number; driftHistogram: string };
    expect(driftP99Ms).toBeGreaterThanOrEqual(0);
    // the drift samples themselves, in µs: the same p99 as the figure
    const drift = decodeFromCompressedBase64(driftHistogram);
    expect(drift.totalCount).toBeGreaterThan(0);
    expect(drift.getValueAtPercentile(99) / 1000).toBe(driftP99Ms);

    const summary = await call(`${server.url}/v1/monitors/${m.id}/summary?minutes=1`, { key: reader });
    expect(summary.status).toBe(200);
    const sb = summary.body as { running: boolean; counts: Record<string, number>; targets: Array<Record<string, unknown>> };
    expect(sb).toMatchObject({ running: true, counts: { up: 5, degraded: 0, down: 0, unknown: 0 } });
    expect(sb.targets.map((t) => t.targetId).sort()).toEqual([...targetIds].sort());
    for (const t of sb.targets) {
      expect(t).toMatchObject({ status: 'up', failStreak: 0, lossPercent: 0 });
      expect(t.lastRttMs).toBeGreaterThan(0);
      expect(t.sent).toBeGreaterThanOrEqual(10);
    }

    const onlyDown = await call(`${server.url}/v1/monitors/${m.id}/summary?status=down&status=degraded`, { key: reader });
    expect(onlyDown.body).toMatchObject({ counts: { up: 5, degraded: 0, down: 0, unknown: 0 }, targets: [] });
    const onlyUp = await call(`${server.url}/v1/monitors/${m.id}/summary?status=up`, { key: reader });
    expect((onlyUp.body as { targets: unknown[] }).targets).toHaveLength(5);

    const patched = await call(`${server.url}/v1/monitors/${m.id}`, { method: 'PATCH', key: admin, body: { enabled: false } });
    expect(patched.status).toBe(200);
    // one field changes; the others keep their values, not the create defaults (1000 ms, 1 probe)
    expect(patched.body).toMatchObject({ enabled: false, intervalMs: 200, timeoutMs: 150, probes: 1, size: 56 });
    const probes = await call(`${server.url}/v1/monitors/${m.id}`, { method: 'PATCH', key: admin, body: { probes: 3 } });
    expect(probes.body).toMatchObject({ enabled: false, intervalMs: 200, timeoutMs: 150, probes: 3 });
    const stopped = await waitFor(async () => {
      const answer = await call(`${server.url}/v1/monitors/${m.id}/stats`, { key: reader });
      return (answer.body as { running?: boolean }).running === false ? answer : null;
    }, { message: 'the disabled monitor stopped' });
    expect(stopped.body).toMatchObject({ running: false, targets: 5 });
    expect((await call(`${server.url}/v1/monitors/${m.id}`, { method: 'DELETE', key: admin })).status).toBe(204);
    expect((await call(`${server.url}/v1/monitors/${m.id}`, { key: reader })).status).toBe(404);
  }, 20_000);

  it('answers bad input with 4xx naming the field, never 5xx', async () => {
    const bad = async (path: string, init: Parameters<typeof call>[1], status: number, pattern: RegExp) => {
      const c = await call(`${server.url}${path}`, init);
      expect(c.status, c.text).toBe(status);
      expect(errorOf(c)).toMatch(pattern);
    };
    await bad('/v1/monitors', { key: admin, body: { name: 'x', selection: { labels: { a: 'b' } }, intervalMs: 50 } }, 400, /intervalMs/);
    await bad('/v1/monitors', { key: admin, body: { name: 'x', selection: {} } }, 400, /selection/);
    await bad('/v1/monitors', { key: admin, body: { name: 'x', selection: { labels: { a: 'b' } }, intervalMs: 200, timeoutMs: 500 } }, 400, /timeoutMs/);
    await bad('/v1/monitors', { key: reader, body: { name: 'x', selection: { labels: { a: 'b' } } } }, 403, /scope|network:write/);
    await bad(`/v1/monitors/${targetIds[0]}`, { key: reader }, 404, /not found/);
    await bad(`/v1/monitors/${targetIds[0]}/summary`, { key: reader }, 404, /not found/);
    await bad(`/v1/monitors/${targetIds[0]}/summary?downAfter=0`, { key: reader }, 400, /downAfter/);
    await bad(`/v1/monitors/${targetIds[0]}/summary?status=sideways`, { key: reader }, 400, /status/);
    await bad(`/v1/targets/${targetIds[0]}/history?from=yesterday`, { key: reader }, 400, /from/);
    await bad(`/v1/targets/${targetIds[0]}/history?from=1000&to=500`, { key: reader }, 400, /to/);
    await bad(`/v1/targets/${targetIds[0]}/history?from=0&to=100000000000&step=1000`, { key: reader }, 400, /step/);
    const recent = Date.now() - 60_000;
    await bad(`/v1/targets/${targetIds[0]}/history?from=${recent}&step=1500`, { key: reader }, 400, /step/);
    await bad(`/v1/targets/${targetIds[0]}/history?from=${recent}&percentiles=50,101`, { key: reader }, 400, /percentiles/);
    await bad('/v1/targets/0190c1a2-0000-7000-8000-000000000000/history?from=0', { key: reader }, 404, /target/);
  });
});
