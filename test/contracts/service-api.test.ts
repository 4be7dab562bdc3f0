// Contract B, the service ping API (seed 001), on a real server and the real probe engine.
// The engine runs inside a netsim namespace so that a service can be stable (loopback and an
// answering simulated host), intermittent (every second request lost) or without internet
// (a black hole); every body is checked against test/contracts/schemas/service-api.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../engine/index.js';
import { startNetsim, netsimAvailability, type Netsim } from '../../netsim/netsim.js';
import { call } from '../server/helpers.js';
import { conformant, pollUntil, startDiagnosticServer, type DiagnosticServer } from './troubleshooting-harness.js';

interface Envelope { ok: boolean; type: string; action: string; data: Record<string, unknown> | null; message: string | null; meta: null }

const availability = netsimAvailability();

describe.skipIf(!availability.ok)('service ping API: POST /api/v1/{service_id}/ping/, GET /api/v1/ping/{task_id}/', () => {
  let sim: Netsim;
  let engine: Engine;
  let t: DiagnosticServer;
  let writer: string;

  const create = (serviceId: number | string, body: unknown, key = writer) => call(`${t.url}/api/v1/${serviceId}/ping/`, { key, body });
  const result = (taskId: string, key = writer) => call(`${t.url}/api/v1/ping/${taskId}/`, { key });
  const finished = (b: Envelope) => b.action !== 'ping_pending';
  async function run(serviceId: number, pings: number): Promise<{ last: Envelope; seen: Envelope[] }> {
    const c = await create(serviceId, { pings });
    expect(c.status, c.text).toBe(200);
    const created = conformant<Envelope>('B.create.200', c);
    const taskId = (created.data as { task_id: string }).task_id;
    const polled = await pollUntil<Envelope>(`${t.url}/api/v1/ping/${taskId}/`, writer, finished);
    for (const body of polled.seen) expect(conformant('B.result.200', { status: 200, body, text: JSON.stringify(body), headers: new Headers() })).toBe(body);
    return polled;
  }

  beforeAll(async () => {
    sim = await startNetsim({
      seed: 5,
      hosts: {
        '198.18.5.1': {},
        '198.18.5.2': { loss: { every: 2 } },
        '198.18.5.3': { blackhole: true },
      },
    });
    engine = createEngine({ threads: 1, netns: sim.netns });
    t = await startDiagnosticServer({ engine });
    writer = t.key(['network:write', 'job:read']);
    const targets: Array<[number, string]> = [[101, '127.0.0.1'], [102, '198.18.5.1'], [103, '198.18.5.2'], [104, '198.18.5.3'], [105, 'nothing-here.invalid'], [106, 'http://127.0.0.1:8080/health']];
    for (const [serviceId, address] of targets) {
      t.sonde.targets.create({ kind: address.startsWith('http') ? 'HTTP' : 'HOST', address, serviceId });
    }
  });
  afterAll(async () => {
    await t?.close();
    await engine?.close();
    await sim?.stop();
  });

  it('creates a task (200, seed-001 body) and reports stable_connection when every probe came back', async () => {
    const { last } = await run(101, 2);
    expect(last).toMatchObject({ ok: true, type: 'success', action: 'stable_connection', message: null, meta: null });
    expect(last.data).toMatchObject({ status: 'stable', sent: 2, received: 2, packet_loss: 0 });
    const d = last.data as { rtt_min_ms: number; rtt_avg_ms: number; rtt_max_ms: number };
    expect(d.rtt_min_ms).toBeGreaterThan(0);
    expect(d.rtt_min_ms).toBeLessThanOrEqual(d.rtt_avg_ms);
    expect(d.rtt_avg_ms).toBeLessThanOrEqual(d.rtt_max_ms);
  });

  it('answers ping_pending with progress while the probes are still going out, then the outcome', async () => {
    const { seen, last } = await run(102, 3);
    const pending = seen.filter((b) => b.action === 'ping_pending');
    expect(pending.length).toBeGreaterThan(0);
    for (const b of pending) {
      expect(b).toMatchObject({ ok: true, type: 'info', action: 'ping_pending' });
      expect(b.data!.status).toBe('pending');
      expect(typeof b.data!.progress).toBe('number');
      // The RTTs of the replies so far: null only while none has come back; loss null while nothing was sent.
      const d = b.data as { received: number; sent: number; packet_loss: number | null; rtt_min_ms: number | null; rtt_avg_ms: number | null; rtt_max_ms: number | null };
      if (d.received === 0) expect(d.rtt_min_ms).toBeNull();
      else {
        expect(d.rtt_min_ms).toBeGreaterThan(0);
        expect(d.rtt_min_ms!).toBeLessThanOrEqual(d.rtt_avg_ms!);
        expect(d.rtt_avg_ms!).toBeLessThanOrEqual(d.rtt_max_ms!);
      }
      if (d.sent === 0) expect(d.packet_loss).toBeNull();
    }
    expect(pending.some((b) => (b.data!.received as number) > 0 && b.data!.rtt_min_ms !== null)).toBe(true);
    const progress = pending.map((b) => b.data!.progress as number);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]);
    expect(progress.some((p) => p > 0 && p < 100)).toBe(true);
    expect(last.data).toMatchObject({ status: 'stable', sent: 3, received: 3 });
  });

  it('intermittent_connection when 0 < received/sent < 0.8 (the simulator drops every second request)', async () => {
    const { last } = await run(103, 2);
    expect(last).toMatchObject({ ok: true, type: 'info', action: 'intermittent_connection' });
    expect(last.data).toMatchObject({ status: 'intermittent', sent: 2, received: 1, packet_loss: 50 });
  });

  it('no_internet when nothing came back', async () => {
    const { last } = await run(104, 1);
    expect(last).toMatchObject({ ok: true, type: 'info', action: 'no_internet' });
    expect(last.data).toMatchObject({ status: 'no_internet', sent: 1, received: 0, packet_loss: 100, rtt_min_ms: null, rtt_avg_ms: null, rtt_max_ms: null });
  });

  it('ping_failed, with the reason, when the task could not run (the device name does not resolve)', async () => {
    const { last } = await run(105, 1);
    expect(last).toMatchObject({ ok: false, type: 'error', action: 'ping_failed' });
    expect(last.message).toMatch(/nothing-here\.invalid.*did not resolve/);
    // nothing was sent: no loss figure (0 % would claim a measurement)
    expect(last.data).toMatchObject({ status: 'error', sent: 0, received: 0, packet_loss: null, rtt_min_ms: null });
  });

  it('pings the host of a URL target', async () => {
    const { last } = await run(106, 1);
    expect(last.action).toBe('stable_connection');
    expect(last.data).toMatchObject({ address: '127.0.0.1' });
  });

  it('also answers without the trailing slashes', async () => {
    const c = await call(`${t.url}/api/v1/101/ping`, { key: writer, body: { pings: 1 } });
    expect(c.status).toBe(200);
    const id = conformant<{ data: { task_id: string } }>('B.create.200', c).data.task_id;
    const r = await call(`${t.url}/api/v1/ping/${id}`, { key: writer });
    expect(r.status).toBe(200);
    conformant('B.result.200', r);
  });

  describe('errors, every one in the { ok:false, type:"error", action, data:null, message, meta:null } envelope (a create\'s action ping_failed)', () => {
    const expectError = (c: Awaited<ReturnType<typeof call>>, status: number, message: RegExp, schema = 'B.error') => {
      expect(c.status, c.text).toBe(status);
      const body = conformant<Envelope>(schema, c);
      expect(body.message).toMatch(message);
    };
    const expectCreateError = (c: Awaited<ReturnType<typeof call>>, status: number, message: RegExp) => expectError(c, status, message, 'B.create.error');

    it('404 for a service id no target is bound to, and for an unknown task', async () => {
      expectCreateError(await create(999, { pings: 1 }), 404, /service 999 not found/);
      expectError(await result('0190f2a4-0000-7000-8000-000000000000'), 404, /task 0190f2a4-0000-7000-8000-000000000000 not found/);
      expectError(await result('not-a-task'), 404, /task not-a-task not found/);
    });

    it('404 for a troubleshooting task id read through the service API', async () => {
      const c = await call(`${t.url}/network-troubleshooting/v1alpha1/aps/SONDE-TEST-0001/ping`, { key: writer, body: { destination: '127.0.0.1', count: 1 } });
      expect(c.status).toBe(202);
      const id = (c.body as { location: string }).location.split('/').pop()!;
      expectError(await result(id), 404, /not found/);
    });

    it('400 for pings outside 1..100, of the wrong type or missing, a bad service id and malformed JSON', async () => {
      expectCreateError(await create(101, { pings: 0 }), 400, /pings/);
      expectCreateError(await create(101, { pings: 101 }), 400, /pings/);
      expectCreateError(await create(101, { pings: '3' }), 400, /pings must be integer/);
      expectCreateError(await create(101, {}), 400, /pings is required/);
      expectCreateError(await create('abc', { pings: 1 }), 400, /service_id/);
      expectCreateError(await call(`${t.url}/api/v1/101/ping/`, { key: writer, rawBody: '{"pings": ' }), 400, /malformed JSON/);
    });

    it('401 without a key or with an unknown one, 403 without the route\'s scope', async () => {
      expectCreateError(await call(`${t.url}/api/v1/101/ping/`, { body: { pings: 1 } }), 401, /missing API key/);
      expectCreateError(await create(101, { pings: 1 }, 'sonde_nope'), 401, /unknown or revoked API key/);
      const reader = t.key(['job:read']);
      expectCreateError(await create(101, { pings: 1 }, reader), 403, /lacks the scope "network:write"/);
      const writeOnly = t.key(['network:write']);
      expectError(await result('0190f2a4-0000-7000-8000-000000000000', writeOnly), 403, /lacks the scope "job:read"/);
      // X-API-Key works as well as Bearer.
      const c = await call(`${t.url}/api/v1/101/ping/`, { headers: { 'x-api-key': writer }, body: { pings: 1 } });
      expect(c.status).toBe(200);
    });

    it('413 for a body over the limit', async () => {
      expectCreateError(await call(`${t.url}/api/v1/101/ping/`, { key: writer, rawBody: JSON.stringify({ pings: 1, pad: 'x'.repeat(70_000) }) }), 413, /too large/);
    });
  });
});

describe.skipIf(!availability.ok)('service ping API: rate limit and restart', () => {
  let engine: Engine;
  beforeAll(() => {
    engine = createEngine({ threads: 1 });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('429 in the envelope with Retry-After and the X-RateLimit headers', async () => {
    const t = await startDiagnosticServer({ engine, rateLimit: { perSecond: 1, burst: 2 } });
    try {
      t.sonde.targets.create({ kind: 'HOST', address: '127.0.0.1', serviceId: 7 });
      const key = t.key(['network:write', 'job:read']);
      const statuses: number[] = [];
      let limited: Awaited<ReturnType<typeof call>> | undefined;
      for (let i = 0; i < 4; i++) {
        const c = await call(`${t.url}/api/v1/7/ping/`, { key, body: { pings: 1 } });
        statuses.push(c.status);
        if (c.status === 429) limited = c;
      }
      expect(statuses.slice(0, 2)).toEqual([200, 200]);
      expect(limited).toBeDefined();
      const body = conformant<Envelope>('B.create.error', limited!);
      expect(body.message).toMatch(/rate limit exceeded/);
      expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(limited!.headers.get('x-ratelimit-limit-second')).toBe('2');
      expect(limited!.headers.get('x-ratelimit-remaining-second')).toBe('0');
    } finally {
      await t.close();
    }
  });

  it('a task running when the daemon stops answers ping_failed "interrupted by restart" after the restart', async () => {
    const t = await startDiagnosticServer({ engine });
    t.sonde.targets.create({ kind: 'HOST', address: '127.0.0.1', serviceId: 8 });
    const key = t.key(['network:write', 'job:read']);
    const c = await call(`${t.url}/api/v1/8/ping/`, { key, body: { pings: 30 } });
    const id = conformant<{ data: { task_id: string } }>('B.create.200', c).data.task_id;
    await pollUntil<Envelope>(`${t.url}/api/v1/ping/${id}/`, key, (b) => b.action === 'ping_pending' && (b.data!.sent as number) >= 1);
    await t.close({ removeData: false });

    const again = await startDiagnosticServer({ engine, dataDir: t.dataDir });
    try {
      const key2 = again.key(['job:read']);
      const r = await call(`${again.url}/api/v1/ping/${id}/`, { key: key2 });
      expect(r.status).toBe(200);
      const body = conformant<Envelope>('B.result.200', r);
      expect(body).toMatchObject({ ok: false, type: 'error', action: 'ping_failed', message: 'interrupted by restart' });
      // What was measured before the stop is kept.
      expect(body.data).toMatchObject({ status: 'error', address: '127.0.0.1' });
      expect(body.data!.sent as number).toBeGreaterThanOrEqual(1);
      expect(body.data!.rtt_min_ms as number).toBeGreaterThan(0);
    } finally {
      await again.close();
    }
  });
});
