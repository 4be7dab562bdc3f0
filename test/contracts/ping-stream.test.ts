// Contract D (seed 002, docs/contracts.md#ping-stream-api): POST /v1/ping:stream and POST
// /v1/ping:once on a real server, real engine (raw ICMP on loopback), real TCP and HTTP
// peers on 127.0.0.1.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtWorker, canRaw4, NO_RAW, NOT_BUILT } from '../engine/helpers.js';
import {
  collect, ndjsonEvents, notices, post, results, schemaErrors, sseEvents, sleep, startModelEndpoint, startStreamServer, summaries,
  type ModelEndpoint, type StreamServer,
} from './ping-stream-helpers.js';
import { call, errorOf, startTestServer, type TestServer } from '../server/helpers.js';
import { contractErrors } from './schemas/index.js';

const canIcmp = canRaw4 && builtWorker;
const why = !builtWorker ? NOT_BUILT : NO_RAW;

describe('ping stream API (contract D)', () => {
  let s: StreamServer;
  let model: ModelEndpoint;
  let host: string;
  beforeAll(async () => {
    s = await startStreamServer();
    model = await startModelEndpoint();
    host = s.target({ kind: 'HOST', address: '127.0.0.1' });
  });
  afterAll(async () => {
    await model?.close();
    await s?.close();
  });

  describe.skipIf(!canIcmp)(`HOST targets through the ICMP engine (${why})`, () => {
    it('SSE: event: item frames with results and a summary, then event: close, read by eventsource-parser', async () => {
      const before = (await s.engine.stats()).sent;
      const r = await post(s, '/v1/ping:stream', { targetId: host, count: 3, intervalMs: 20, timeoutMs: 1000, payloadSizeBytes: 32 }, { accept: 'text/event-stream' });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const events = await collect(sseEvents(r));
      expect(schemaErrors(events)).toEqual([]);
      expect(events.map((e) => e.type)).toEqual(['item', 'item', 'item', 'item', 'close']);
      expect(events.at(-1)!.data).toEqual({ type: 'completed' });
      const rs = results(events);
      expect(rs.map((x) => x.seq)).toEqual([1, 2, 3]);
      for (const x of rs) {
        expect(x.ok).toBe(true);
        expect(x.endpoint).toEqual({ targetType: 'HOST', targetId: host, resolvedEndpoint: '127.0.0.1' });
        expect(x.bytesSent).toBe(32);
        expect(x.bytesReceived).toBe(32);
        // Kernel timestamps, as exact decimal strings; receive after send, rtt consistent with them.
        const sent = BigInt(x.timing.clientSendTimeUnixNanos as string);
        const got = BigInt(x.timing.clientReceiveTimeUnixNanos as string);
        expect(got > sent).toBe(true);
        expect(Math.abs(Number(got - sent) / 1e6 - (x.rttMs as number))).toBeLessThan(0.002);
      }
      for (const e of events.filter((e) => 'result' in e.data)) expect(e.raw).toMatch(/"clientSendTimeUnixNanos":"\d{19}"/);
      const [summary] = summaries(events);
      expect(summary).toMatchObject({ requests: 3, responses: 3, ok: 3, timeouts: 0, errors: 0 });
      expect(summary.appliedLimits).toBeUndefined();
      const rtts = rs.map((x) => x.rttMs as number);
      expect(summary.rttMinMs).toBeCloseTo(Math.min(...rtts), 2);
      expect(summary.rttMaxMs).toBeCloseTo(Math.max(...rtts), 2);
      expect((await s.engine.stats()).sent - before).toBe(3);
    });

    it('NDJSON when Accept names it, and by default when Accept names neither', async () => {
      for (const accept of ['application/x-ndjson', '*/*', undefined]) {
        const r = await post(s, '/v1/ping:stream', { targetId: host, count: 2, intervalMs: 10 }, accept ? { accept } : {});
        expect(r.status).toBe(200);
        expect(r.headers.get('content-type')).toBe('application/x-ndjson');
        const events = await collect(ndjsonEvents(r));
        expect(schemaErrors(events)).toEqual([]);
        expect(results(events).map((x) => x.seq)).toEqual([1, 2]);
        expect(Object.keys(events.at(-1)!.data)).toEqual(['summary']);
      }
    });

    it('0 means the server default (count 4); the seed\'s defaults need no notice', async () => {
      const r = await post(s, '/v1/ping:stream', { targetId: host, count: 0, intervalMs: 10, timeoutMs: 0, maxInFlight: 0 });
      const events = await collect(ndjsonEvents(r));
      expect(results(events)).toHaveLength(4);
      expect(notices(events)).toEqual([]);
    });

    it('server limits are applied with a notice each, before any result, and listed in appliedLimits', async () => {
      const r = await post(s, '/v1/ping:stream', { targetId: host, count: 3, intervalMs: 1, timeoutMs: 100_000, maxInFlight: 1000 }, { accept: 'text/event-stream' });
      const events = await collect(sseEvents(r));
      expect(schemaErrors(events)).toEqual([]);
      const ns = notices(events);
      expect(ns.map((n) => n.details?.field).sort()).toEqual(['intervalMs', 'maxInFlight', 'timeoutMs']);
      for (const n of ns) {
        expect(n.code).toBe('LIMIT_APPLIED');
        expect(n.message).toMatch(/the stream uses \d+/);
      }
      const firstResult = events.findIndex((e) => 'result' in e.data);
      expect(events.findLastIndex((e) => 'notice' in e.data)).toBeLessThan(firstResult);
      expect(summaries(events)[0].appliedLimits).toEqual({ intervalMs: 10, timeoutMs: 60000, maxInFlight: 16 });
    });

    it('a count over the maximum is clamped with a notice', async () => {
      const abort = new AbortController();
      const r = await post(s, '/v1/ping:stream', { targetId: host, count: 50_000, intervalMs: 10 }, {}, abort.signal);
      const it = ndjsonEvents(r);
      const first = (await it.next()).value!;
      abort.abort();
      expect(first.data).toEqual({ notice: { code: 'LIMIT_APPLIED', message: expect.stringMatching(/^count 50000 is above the server maximum of 10000/), details: { field: 'count', requested: 50000, applied: 10000, limit: 'maxCount' } } });
    });

    it('a client that disconnects mid-stream stops its probes at once (engine send counter)', async () => {
      const abort = new AbortController();
      const start = (await s.engine.stats()).sent;
      const r = await post(s, '/v1/ping:stream', { targetId: host, count: 1000, intervalMs: 10 }, {}, abort.signal);
      const it = ndjsonEvents(r);
      for (let got = 0; got < 5;) if ('result' in (await it.next()).value!.data) got++;
      abort.abort();
      await sleep(250); // the server sees the close (a loaded machine may take a while)
      const after = (await s.engine.stats()).sent;
      await sleep(600); // 60 more periods: an uncancelled session would send ~60 more probes
      const later = (await s.engine.stats()).sent;
      expect(later).toBe(after);
      expect(after - start).toBeGreaterThanOrEqual(5);
      expect(after - start).toBeLessThan(50);
    });

    it('100 concurrent streams all complete with every event', async () => {
      const runs = await Promise.all(Array.from({ length: 100 }, async (_, i) => {
        const sse = i % 2 === 0;
        const r = await post(s, '/v1/ping:stream', { targetId: host, count: 5, intervalMs: 20 }, sse ? { accept: 'text/event-stream' } : {});
        return collect(sse ? sseEvents(r) : ndjsonEvents(r));
      }));
      for (const events of runs) {
        expect(schemaErrors(events)).toEqual([]);
        expect(results(events).map((x) => x.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
        expect(summaries(events)[0]).toMatchObject({ requests: 5 });
      }
    });

    it('a HOST name is resolved once per stream; a name that does not resolve fails each probe, sending nothing', async () => {
      const named = s.target({ kind: 'HOST', address: 'localhost' });
      const ok = await collect(ndjsonEvents(await post(s, '/v1/ping:stream', { targetId: named, count: 2, intervalMs: 10 })));
      expect(schemaErrors(ok)).toEqual([]);
      for (const x of results(ok)) {
        expect(['127.0.0.1', '::1']).toContain((x.endpoint as { resolvedEndpoint: string }).resolvedEndpoint);
        expect(x.ok).toBe(true);
      }
      const before = (await s.engine.stats()).sent;
      const bad = s.target({ kind: 'HOST', address: 'no-such-host.invalid' });
      const failed = await collect(ndjsonEvents(await post(s, '/v1/ping:stream', { targetId: bad, count: 2, intervalMs: 10 })));
      expect(schemaErrors(failed)).toEqual([]);
      for (const x of results(failed)) expect(x).toMatchObject({ ok: false, bytesSent: 0, errorMessage: expect.stringMatching(/^name no-such-host\.invalid did not resolve/) });
      expect(summaries(failed)[0]).toMatchObject({ requests: 2, ok: 0, errors: 2 });
      expect((await s.engine.stats()).sent).toBe(before);
    });

    it('POST /v1/ping:once answers one result object', async () => {
      const r = await post(s, '/v1/ping:once', { targetId: host, payloadSizeBytes: 100 });
      expect(r.status).toBe(200);
      const body = await r.json() as Record<string, unknown>;
      expect(contractErrors('D.once.200', body)).toEqual([]);
      expect(body).toMatchObject({ seq: 1, ok: true, bytesSent: 100, bytesReceived: 100, endpoint: { targetType: 'HOST', targetId: host } });
    });
  });

  describe('TCP targets', () => {
    it('a listening port answers with the handshake time; a closed port is refused', async () => {
      const listener = net.createServer((c) => c.destroy());
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      const open = (listener.address() as net.AddressInfo).port;
      const closedServer = net.createServer();
      await new Promise<void>((resolve) => closedServer.listen(0, '127.0.0.1', resolve));
      const closed = (closedServer.address() as net.AddressInfo).port;
      await new Promise<void>((resolve) => closedServer.close(() => resolve()));
      try {
        const up = s.target({ kind: 'TCP', address: '127.0.0.1', port: open });
        const down = s.target({ kind: 'TCP', address: '127.0.0.1', port: closed });
        const ok = await collect(ndjsonEvents(await post(s, '/v1/ping:stream', { targetId: up, count: 2, intervalMs: 10 })));
        expect(schemaErrors(ok)).toEqual([]);
        for (const x of results(ok)) {
          expect(x).toMatchObject({ ok: true, bytesSent: 0, endpoint: { targetType: 'TCP', resolvedEndpoint: `127.0.0.1:${open}` } });
          expect(x.rttMs as number).toBeGreaterThan(0);
        }
        const refused = await collect(ndjsonEvents(await post(s, '/v1/ping:stream', { targetId: down, count: 2, intervalMs: 10 })));
        expect(schemaErrors(refused)).toEqual([]);
        for (const x of results(refused)) expect(x).toMatchObject({ ok: false, errorMessage: expect.stringMatching(/refused/) });
        expect(summaries(refused)[0]).toMatchObject({ requests: 2, responses: 0, ok: 0, errors: 2 });
        // no answered probe: no RTT statistics (0 would be a measurement)
        expect(summaries(refused)[0]).toMatchObject({ rttMinMs: null, rttAvgMs: null, rttP50Ms: null, rttP90Ms: null, rttP99Ms: null, rttMaxMs: null });
      } finally {
        await new Promise<void>((resolve) => listener.close(() => resolve()));
      }
    });
  });

  describe('Accept negotiation (q-values)', () => {
    it('the framing with the higher q wins, q=0 is refused, and nothing acceptable is a 406 before any probe', async () => {
      const listener = net.createServer((c) => c.destroy());
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      let connections = 0;
      listener.on('connection', () => { connections++; });
      try {
        const id = s.target({ kind: 'TCP', address: '127.0.0.1', port: (listener.address() as net.AddressInfo).port });
        for (const [accept, type] of [
          ['application/x-ndjson;q=0.5, text/event-stream', 'text/event-stream'],
          ['text/event-stream;q=0.1, application/x-ndjson', 'application/x-ndjson'],
          ['text/event-stream;q=0, application/x-ndjson', 'application/x-ndjson'],
          ['application/x-ndjson;q=0, */*;q=0.2', 'text/event-stream'],
        ] as const) {
          const r = await post(s, '/v1/ping:stream', { targetId: id, count: 1 }, { accept });
          expect(r.status, accept).toBe(200);
          expect(r.headers.get('content-type'), accept).toMatch(new RegExp(`^${type.replace('/', '\\/')}`));
          await r.text();
        }
        const before = connections;
        for (const accept of ['application/json', 'text/event-stream;q=0, application/x-ndjson;q=0', 'text/html']) {
          const r = await post(s, '/v1/ping:stream', { targetId: id, count: 1 }, { accept });
          expect(r.status, accept).toBe(406);
          const body = await r.json() as Record<string, unknown>;
          expect(contractErrors('D.error', body)).toEqual([]);
          expect(body).toMatchObject({ code: 406, error: expect.stringMatching(/neither framing/) });
        }
        expect(connections).toBe(before);
      } finally {
        await new Promise<void>((resolve) => listener.close(() => resolve()));
      }
    });

    it('a targetTypeHint that does not match is a hint: the target is probed as its real type, with a notice first', async () => {
      const listener = net.createServer((c) => c.destroy());
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      try {
        const id = s.target({ kind: 'TCP', address: '127.0.0.1', port: (listener.address() as net.AddressInfo).port });
        const r = await post(s, '/v1/ping:stream', { targetId: id, targetTypeHint: 'EMBEDDER', count: 1 });
        expect(r.status).toBe(200);
        const events = await collect(ndjsonEvents(r));
        expect(schemaErrors(events)).toEqual([]);
        expect(events[0].data).toEqual({ notice: {
          code: 'TARGET_TYPE_HINT_IGNORED', message: expect.stringMatching(/targetTypeHint EMBEDDER does not match .* TCP target; it is probed as TCP/),
          details: { field: 'targetTypeHint', hint: 'EMBEDDER', targetType: 'TCP' },
        } });
        expect(results(events)).toHaveLength(1);
        expect(results(events)[0]).toMatchObject({ ok: true, endpoint: { targetType: 'TCP', targetId: id } });
        const once = await post(s, '/v1/ping:once', { targetId: id, targetTypeHint: 'HOST' });
        expect(once.status).toBe(200);
        expect(await once.json()).toMatchObject({ ok: true, endpoint: { targetType: 'TCP' } });
        // a matching hint adds nothing
        const same = await collect(ndjsonEvents(await post(s, '/v1/ping:stream', { targetId: id, targetTypeHint: 'TCP', count: 1 })));
        expect(notices(same)).toEqual([]);
      } finally {
        await new Promise<void>((resolve) => listener.close(() => resolve()));
      }
    });
  });

  describe('HTTP model endpoints', () => {
    /** rttMs and the client times come from one measurement: rttMs is clientReceive − clientSend (to the µs rounding). */
    const expectOneMeasurement = (x: Record<string, unknown>): void => {
      const t = x.timing as Record<string, string>;
      const span = Number(BigInt(t.clientReceiveTimeUnixNanos) - BigInt(t.clientSendTimeUnixNanos)) / 1e6;
      expect(Math.abs(span - (x.rttMs as number))).toBeLessThanOrEqual(0.0006);
    };
    it('EMBEDDER: POSTs the payload with provider/model metadata; server times from Server-Timing', async () => {
      const id = s.target({ kind: 'EMBEDDER', address: `${model.url}/embeddings`, provider: 'OPENAI', modelIdentifier: 'text-embedding-3-small' });
      const events = await collect(sseEvents(await post(s, '/v1/ping:stream', {
        targetId: id, targetTypeHint: 'EMBEDDER', count: 2, intervalMs: 10, payloadType: 'TEXT', payloadSizeBytes: 64, labels: { origin: 'console' },
      }, { accept: 'text/event-stream' })));
      expect(schemaErrors(events)).toEqual([]);
      expect(model.last?.method).toBe('POST');
      expect(model.last?.body.length).toBe(64);
      expect(model.last?.headers['x-sonde-provider']).toBe('OPENAI');
      expect(model.last?.headers['x-sonde-model']).toBe('text-embedding-3-small');
      for (const x of results(events)) {
        expect(x).toMatchObject({
          ok: true, httpStatus: 200, bytesSent: 64,
          endpoint: { targetType: 'EMBEDDER', targetId: id, resolvedEndpoint: `${model.url}/embeddings`, provider: 'OPENAI', modelIdentifier: 'text-embedding-3-small' },
          metadata: { 'x-request-id': 'req-123' },
        });
        const t = x.timing as Record<string, string>;
        const [send, recv, srvIn, srvOut] = [t.clientSendTimeUnixNanos, t.clientReceiveTimeUnixNanos, t.serverReceivedTimeUnixNanos, t.serverSendTimeUnixNanos].map(BigInt);
        expect(send <= srvIn && srvIn <= srvOut && srvOut <= recv).toBe(true);
        expectOneMeasurement(x);
        expect(BigInt((x.metadata as Record<string, string>).requestSentUnixNanos) >= send).toBe(true);
      }
      expect(summaries(events)[0]).toMatchObject({ requests: 2, responses: 2, ok: 2 });
    });

    it('without Server-Timing there are no server times', async () => {
      const id = s.target({ kind: 'LLM', address: `${model.url}/plain`, provider: 'LOCAL', modelIdentifier: 'tiny' });
      const events = await collect(ndjsonEvents(await post(s, '/v1/ping:stream', { targetId: id, count: 1, payloadType: 'JSON', payload: '{"prompt":"ping"}' })));
      expect(schemaErrors(events)).toEqual([]);
      const [x] = results(events);
      expect(x.ok).toBe(true);
      expectOneMeasurement(x);
      expect(x.timing.serverReceivedTimeUnixNanos).toBeUndefined();
      expect(x.timing.serverSendTimeUnixNanos).toBeUndefined();
      expect(model.last?.headers['content-type']).toBe('application/json');
      expect(model.last?.body.toString()).toBe('{"prompt":"ping"}');
    });

    it('a slow answer is a timeout result with the contract\'s message', async () => {
      const id = s.target({ kind: 'RERANKER', address: `${model.url}/slow` });
      const events = await collect(ndjsonEvents(await post(s, '/v1/ping:stream', { targetId: id, count: 1, timeoutMs: 300 })));
      expect(schemaErrors(events)).toEqual([]);
      expect(results(events)[0]).toMatchObject({ ok: false, errorMessage: 'Probe exceeded timeout of 300 ms' });
      expectOneMeasurement(results(events)[0]);
      expect(summaries(events)[0]).toMatchObject({ requests: 1, timeouts: 1, ok: 0, responses: 0 });
    });

    it('a 500 is a failed result with its status', async () => {
      const id = s.target({ kind: 'HTTP', address: `${model.url}/fail` });
      const r = await post(s, '/v1/ping:once', { targetId: id });
      expect(r.status).toBe(200);
      const body = await r.json() as Record<string, unknown>;
      expect(contractErrors('D.once.200', body)).toEqual([]);
      expect(body).toMatchObject({ ok: false, httpStatus: 500, errorMessage: expect.stringMatching(/HTTP 500/) });
      expectOneMeasurement(body);
    });

    it('a disconnect stops HTTP probes too (the endpoint sees no more requests)', async () => {
      const id = s.target({ kind: 'HTTP', address: `${model.url}/plain?disconnect` });
      const before = model.hits.get('/plain') ?? 0;
      const abort = new AbortController();
      const it = ndjsonEvents(await post(s, '/v1/ping:stream', { targetId: id, count: 1000, intervalMs: 10 }, {}, abort.signal));
      for (let got = 0; got < 3;) if ('result' in (await it.next()).value!.data) got++;
      abort.abort();
      await sleep(250);
      const after = model.hits.get('/plain') ?? 0;
      await sleep(500);
      expect(model.hits.get('/plain') ?? 0).toBe(after);
      expect(after - before).toBeLessThan(40);
    });
  });

  describe('errors in the native envelope', () => {
    const expectError = async (r: Response, status: number, pattern: RegExp): Promise<void> => {
      expect(r.status).toBe(status);
      const body = await r.json() as { error: string; code: number };
      expect(contractErrors('D.error', body)).toEqual([]);
      expect(body.code).toBe(status);
      expect(body.error).toMatch(pattern);
    };

    it('payload together with payloadSizeBytes → 400 (stream and once)', async () => {
      const id = s.target({ kind: 'HTTP', address: `${model.url}/plain` });
      for (const path of ['/v1/ping:stream', '/v1/ping:once']) {
        await expectError(await post(s, path, { targetId: id, payload: 'ping', payloadSizeBytes: 64 }), 400, /mutually exclusive/);
      }
    });

    it('unknown target → 404; malformed id, unknown field, too many labels → 400', async () => {
      await expectError(await post(s, '/v1/ping:stream', { targetId: '550e8400-e29b-41d4-a716-446655440000' }), 404, /target 550e8400-e29b-41d4-a716-446655440000 not found/);
      await expectError(await post(s, '/v1/ping:once', { targetId: '550e8400-e29b-41d4-a716-446655440000' }), 404, /not found/);
      await expectError(await post(s, '/v1/ping:stream', { targetId: 'not-a-uuid' }), 400, /targetId/);
      await expectError(await post(s, '/v1/ping:stream', { targetId: host, colour: 'red' }), 400, /colour/);
      const labels = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']));
      await expectError(await post(s, '/v1/ping:stream', { targetId: host, labels }), 400, /labels/);
    });

    it('401 without a key, 403 without network:write', async () => {
      const body = JSON.stringify({ targetId: host });
      await expectError(await fetch(`${s.url}/v1/ping:stream`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }), 401, /API key/);
      const reader = s.sonde.keys.create('reader', ['network:read']).secret;
      await expectError(await fetch(`${s.url}/v1/ping:stream`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${reader}` }, body }), 403, /network:write/);
    });
  });
});

describe('ping stream API without the ICMP engine', () => {
  let t: TestServer;
  beforeAll(async () => { t = await startTestServer(); }); // a daemon opened with no probe engine
  afterAll(async () => { await t?.close(); });

  it('HOST targets → 503 saying why; TCP targets still stream', async () => {
    const host = t.sonde.targets.create({ kind: 'HOST', address: '127.0.0.1' }).id;
    const r = await call(`${t.url}/v1/ping:stream`, { key: t.adminKey, body: { targetId: host } });
    expect(r.status).toBe(503);
    expect(contractErrors('D.error', r.body)).toEqual([]);
    expect(errorOf(r)).toMatch(/needs the ICMP probe engine/);
    const listener = net.createServer((c) => c.destroy());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    try {
      const tcp = t.sonde.targets.create({ kind: 'TCP', address: '127.0.0.1', port: (listener.address() as net.AddressInfo).port }).id;
      const once = await call(`${t.url}/v1/ping:once`, { key: t.adminKey, body: { targetId: tcp } });
      expect(once.status).toBe(200);
      expect(once.body).toMatchObject({ ok: true, seq: 1, endpoint: { targetType: 'TCP' } });
    } finally {
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });
});

describe('ping stream API rate limit', () => {
  let s: StreamServer;
  beforeAll(async () => { s = await startStreamServer({ rateLimit: { perSecond: 1, burst: 1 } }); });
  afterAll(async () => { await s?.close(); });

  it('429 in the native envelope once the key\'s bucket is empty', async () => {
    const body = { targetId: '550e8400-e29b-41d4-a716-446655440000' };
    expect((await post(s, '/v1/ping:once', body)).status).toBe(404);
    const r = await post(s, '/v1/ping:stream', body);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
    const envelope = await r.json();
    expect(contractErrors('D.error', envelope)).toEqual([]);
  });
});
