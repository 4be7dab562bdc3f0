// model monitors against a real loopback HTTP server that answers like model endpoints
// (an embedder, a reranker, an LLM), one that answers 500 and one that never answers, behind a
// real daemon and uWS server: each probe is the ping stream's health request (a POST of the
// payload with the target's kind, provider and model as headers), windows hold exactly the
// planned probes by error kind, each phase has its own series, the failing targets change
// state, and the monitor shows in /v1/targets/{id}/history and /metrics.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, openDaemon, type Daemon, type Engine, type Target } from '../../engine/index.js';
import { SondeError } from '../../engine/errors.js';
import { startServer, type SondeServer } from '../../server/index.js';
import { builtWorker, NOT_BUILT } from '../engine/helpers.js';
import { call, errorOf } from '../server/helpers.js';
import { localResolver } from '../setup/local-resolver.js';
import { waitFor } from '../wait-for.js';

if (!builtWorker) console.warn(`model monitor suite skipped: ${NOT_BUILT}`);

// generous timeouts: the machine running the tests may be loaded (a 2-core box shared)
const WINDOW_MS = 3000;
const INTERVAL_MS = 750;
const TIMEOUT_MS = 700;
const PER_WINDOW = WINDOW_MS / INTERVAL_MS;
const PAYLOAD_BYTES = 64;

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Answers as the endpoints do once the request body is read; records every request. */
function modelEndpoints(seen: Seen[]): http.Server {
  return http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      const json = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      switch (req.url) {
        case '/v1/embeddings': json(200, { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, -0.2, 0.3] }] }); return;
        case '/v1/rerank': json(200, { results: [{ index: 0, relevance_score: 0.9 }] }); return;
        case '/v1/chat/completions': json(200, { choices: [{ index: 0, message: { role: 'assistant', content: 'pong' } }] }); return;
        case '/v1/broken': json(500, { error: { message: 'the model is not loaded' } }); return;
        case '/v1/hang': return; // never answers: each probe times out
        default: json(404, { error: 'no such endpoint' });
      }
    });
  });
}

describe.skipIf(!builtWorker)('model monitors on loopback', () => {
  let dataDir: string;
  let engine: Engine;
  let daemon: Daemon<SondeServer>;
  let server: SondeServer;
  let endpoints: http.Server;
  let admin: string;
  const seen: Seen[] = [];
  const t: Record<'embedder' | 'reranker' | 'llm' | 'broken' | 'hang', Target> = {} as never;
  let plainHttp: Target;
  let monitorId = '';
  let firstFull = 0;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sonde-model-monitor-'));
    endpoints = modelEndpoints(seen);
    await new Promise<void>((resolve) => endpoints.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(endpoints.address() as AddressInfo).port}`;
    engine = createEngine({ threads: 1 });
    daemon = await openDaemon({
      dataDir, engine, rateLimit: { perSecond: 10_000, burst: 10_000 },
      monitoring: { windowMs: WINDOW_MS, rollupMs: 2 * WINDOW_MS, tickMs: 20, reconcileMs: 100 },
      front: (services) => startServer({ daemon: services, logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0 }),
      agent: { resolver: localResolver },
    });
    server = daemon.front;
    admin = daemon.keys.create('admin', ['admin']).secret;
    const labels = { tier: 'model' };
    t.embedder = daemon.targets.create({ kind: 'EMBEDDER', address: `${base}/v1/embeddings`, provider: 'OPENAI', modelIdentifier: 'text-embedding-3-small', labels });
    t.reranker = daemon.targets.create({ kind: 'RERANKER', address: `${base}/v1/rerank`, provider: 'COHERE', modelIdentifier: 'rerank-v3', labels });
    t.llm = daemon.targets.create({ kind: 'LLM', address: `${base}/v1/chat/completions`, provider: 'VLLM', modelIdentifier: 'llama-3-8b', labels });
    t.broken = daemon.targets.create({ kind: 'LLM', address: `${base}/v1/broken`, labels });
    t.hang = daemon.targets.create({ kind: 'EMBEDDER', address: `${base}/v1/hang`, labels });
    // an HTTP target under the same labels: http monitors' kind, not a model monitor's
    plainHttp = daemon.targets.create({ kind: 'HTTP', address: `${base}/v1/embeddings`, labels });
    const started = Date.now();
    const created = await call(`${server.url}/v1/monitors`, {
      key: admin,
      body: { name: 'models', probe: 'model', selection: { labels }, intervalMs: INTERVAL_MS, timeoutMs: TIMEOUT_MS, model: { payloadSizeBytes: PAYLOAD_BYTES, keepAlive: false } },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ probe: 'model', model: { payloadSizeBytes: PAYLOAD_BYTES, keepAlive: false } });
    monitorId = (created.body as { id: string }).id;
    firstFull = Math.ceil((started + 500) / WINDOW_MS) * WINDOW_MS;
    await waitFor(
      () => Object.values(t).every((target) => daemon.monitors.windows(target.id, firstFull, firstFull + 3 * WINDOW_MS).filter((w) => w.phase === 'total').length === 3),
      { timeoutMs: 40_000, intervalMs: 100, message: 'three whole windows of each model target' },
    );
  }, 45_000);

  afterAll(async () => {
    await daemon?.close();
    endpoints?.closeAllConnections();
    endpoints?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  const totals = (target: Target) => daemon.monitors.windows(target.id, firstFull, firstFull + 3 * WINDOW_MS).filter((w) => w.phase === 'total');

  it('selects the EMBEDDER, RERANKER and LLM targets only', () => {
    expect(new Set(daemon.monitors.members(monitorId))).toEqual(new Set(Object.values(t).map((x) => x.id)));
    expect(daemon.monitors.members(monitorId)).not.toContain(plainHttp.id);
  });

  it('sends the ping stream\'s health request: a POST of the payload with the target\'s kind, provider and model', () => {
    const of = (path: string) => seen.filter((s) => s.url === path);
    for (const [path, kind, provider, model] of [
      ['/v1/embeddings', 'EMBEDDER', 'OPENAI', 'text-embedding-3-small'],
      ['/v1/rerank', 'RERANKER', 'COHERE', 'rerank-v3'],
      ['/v1/chat/completions', 'LLM', 'VLLM', 'llama-3-8b'],
    ] as const) {
      const requests = of(path);
      expect(requests.length).toBeGreaterThanOrEqual(3 * PER_WINDOW);
      for (const r of requests) {
        expect(r.method).toBe('POST');
        expect(r.body.length).toBe(PAYLOAD_BYTES);
        expect(r.body.toString('latin1')).toBe('abcdefghijklmnopqrstuvwxyz'.repeat(3).slice(0, PAYLOAD_BYTES));
        expect(r.headers).toMatchObject({
          'content-type': 'text/plain; charset=utf-8', 'content-length': String(PAYLOAD_BYTES),
          'x-sonde-target-type': kind, 'x-sonde-provider': provider, 'x-sonde-model': model,
        });
      }
    }
    // a target without provider or model sends neither header
    const broken = of('/v1/broken')[0];
    expect(broken.headers['x-sonde-target-type']).toBe('LLM');
    expect(broken.headers['x-sonde-provider']).toBeUndefined();
  });

  it('counts answers, HTTP 500s and timeouts per window', () => {
    const stats = daemon.monitors.stats().find((s) => s.monitorId === monitorId)!;
    expect(stats).toMatchObject({ targets: 5, skippedSlots: 0, failedBatches: 0 });
    for (const target of [t.embedder, t.reranker, t.llm]) {
      for (const w of totals(target)) expect(w).toMatchObject({ monitorId, probe: 'model', sent: PER_WINDOW, received: PER_WINDOW, errors: {} });
    }
    for (const w of totals(t.broken)) expect(w).toMatchObject({ probe: 'model', sent: PER_WINDOW, received: 0, errors: { 'http-status': PER_WINDOW } });
    for (const w of totals(t.hang)) expect(w).toMatchObject({ probe: 'model', sent: PER_WINDOW, received: 0, errors: {} });
  });

  it('keeps the http phases: a fresh connection connects every probe, plain http has no tls, ttfb ≤ total', () => {
    const ws = daemon.monitors.windows(t.embedder.id, firstFull, firstFull + 3 * WINDOW_MS);
    for (const phase of ['connect', 'ttfb'] as const) {
      expect(ws.filter((w) => w.phase === phase).map((w) => [w.probe, w.received])).toEqual([['model', PER_WINDOW], ['model', PER_WINDOW], ['model', PER_WINDOW]]);
    }
    expect(ws.some((w) => w.phase === 'tls')).toBe(false);
    for (const total of ws.filter((w) => w.phase === 'total')) {
      const ttfb = ws.find((w) => w.phase === 'ttfb' && w.startMs === total.startMs)!;
      const connect = ws.find((w) => w.phase === 'connect' && w.startMs === total.startMs)!;
      expect(ttfb.minNs!).toBeLessThanOrEqual(total.minNs!);
      expect(ttfb.maxNs!).toBeLessThanOrEqual(total.maxNs!);
      expect(connect.minNs!).toBeLessThanOrEqual(ttfb.minNs!);
      expect(ttfb.sumNs).toBeLessThanOrEqual(total.sumNs);
    }
  });

  it('changes the state of the failing targets, not of the answering ones', async () => {
    const events = await waitFor(() => {
      const e = daemon.monitors.events(monitorId, { fromMs: 0 });
      return [t.broken.id, t.hang.id].every((id) => e.some((c) => c.targetId === id && c.to === 'down')) ? e : null;
    }, { timeoutMs: 10_000, intervalMs: 100, message: 'the broken and hanging targets down' });
    for (const target of [t.embedder, t.reranker, t.llm]) expect(events.filter((e) => e.targetId === target.id)).toEqual([]);
    const summary = daemon.monitors.summary(monitorId);
    expect(summary.targets.find((s) => s.targetId === t.llm.id)).toMatchObject({ status: 'up' });
    expect(summary.targets.find((s) => s.targetId === t.broken.id)).toMatchObject({ status: 'down' });
  });

  it('shows in /v1/targets/{id}/history, total and by phase', async () => {
    const history = async (phase: string) => {
      const url = `${server.url}/v1/targets/${t.embedder.id}/history?from=${firstFull}&to=${firstFull + 3 * WINDOW_MS}&step=${WINDOW_MS}&monitor=${monitorId}&phase=${phase}`;
      const answer = await call(url, { key: admin });
      expect(answer.status, answer.text).toBe(200);
      return (answer.body as { points: Array<{ sent: number; received: number; p50: number | null }> }).points;
    };
    for (const phase of ['total', 'connect', 'ttfb']) {
      const points = await history(phase);
      expect(points.map((p) => p.received)).toEqual([PER_WINDOW, PER_WINDOW, PER_WINDOW]);
      expect(points.every((p) => p.p50 !== null && p.p50 > 0)).toBe(true);
    }
    const broken = await call(`${server.url}/v1/targets/${t.broken.id}/history?from=${firstFull}&to=${firstFull + 3 * WINDOW_MS}&step=${WINDOW_MS}&monitor=${monitorId}`, { key: admin });
    expect((broken.body as { points: Array<{ sent: number; loss: number }> }).points.map((p) => [p.sent, p.loss])).toEqual([[PER_WINDOW, 100], [PER_WINDOW, 100], [PER_WINDOW, 100]]);
  });

  it('shows in /metrics with the phase families', async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(new RegExp(`sonde_monitor_rtt_seconds_count\\{monitor="${monitorId}"\\} [1-9]`));
    for (const phase of ['connect', 'ttfb', 'total']) {
      expect(text).toMatch(new RegExp(`sonde_monitor_http_duration_seconds_count\\{monitor="${monitorId}",phase="${phase}"\\} [1-9]`));
    }
    expect(text).toContain(`sonde_probe_rtt_seconds_bucket{monitor="${monitorId}",target="${t.embedder.id}"`);
  });

  it('validates the model options at create and patch, naming the field', async () => {
    const base = { name: 'bad', probe: 'model', selection: { labels: { tier: 'model' } } };
    const fieldOf = (input: unknown): string | undefined => {
      try {
        daemon.monitors.create(input as never);
      } catch (error) {
        if (error instanceof SondeError) return error.field;
        throw error;
      }
      return undefined;
    };
    expect(fieldOf({ ...base, model: { payload: 'x', payloadSizeBytes: 3 } })).toBe('model.payload');
    expect(fieldOf({ ...base, model: { payloadSizeBytes: 2_000_000 } })).toBe('model.payloadSizeBytes');
    expect(fieldOf({ ...base, model: { payloadType: 'JSON', payload: '{not json' } })).toBe('model.payload');
    expect(fieldOf({ ...base, model: { payloadType: 'XML' } })).toBe('model.payloadType');
    expect(fieldOf({ ...base, model: { keepAlive: 'yes' } })).toBe('model.keepAlive');
    expect(fieldOf({ ...base, model: { path: '/x' } })).toBe('model.path');
    expect(fieldOf({ ...base, probe: 'http', model: { payload: 'x' } })).toBe('model');
    expect(fieldOf({ ...base, http: { path: '/x' } })).toBe('http');
    expect(fieldOf({ ...base, agents: '_all' })).toBe('agents'); // remote agents get no model options yet
    const patchedToRemote = await call(`${server.url}/v1/monitors/${monitorId}`, { method: 'PATCH', key: admin, body: { agents: 'site:east' } });
    expect(patchedToRemote.status).toBe(400);
    expect(errorOf(patchedToRemote)).toMatch(/controller's own agent/);

    const viaApi = await call(`${server.url}/v1/monitors`, { key: admin, body: { ...base, model: { payloadSizeBytes: -1 } } });
    expect(viaApi.status).toBe(400);
    expect(errorOf(viaApi)).toMatch(/payloadSizeBytes/);
    const patched = await call(`${server.url}/v1/monitors/${monitorId}`, { method: 'PATCH', key: admin, body: { model: { payload: 'x', payloadSizeBytes: 1 } } });
    expect(patched.status).toBe(400);
    expect(errorOf(patched)).toMatch(/model\.payload/);
    expect(daemon.monitors.get(monitorId)).toMatchObject({ model: { payloadSizeBytes: PAYLOAD_BYTES, keepAlive: false } });
  });
});
