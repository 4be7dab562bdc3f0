// Contract D backpressure: a client that stops reading pauses the probes (the producer), so the
// server holds at most a few events for it, and every event still arrives once it reads again.
// The events are made large (a 15 KB x-request-id in each result's metadata) so that the
// socket buffers between server and client (~4 MB on loopback) fill within a few seconds.
import http from 'node:http';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collect, ndjsonEvents, notices, post, results, schemaErrors, sleep, startModelEndpoint, startStreamServer, summaries,
  type ModelEndpoint, type StreamEvent, type StreamServer,
} from './ping-stream-helpers.js';

describe('ping stream backpressure', () => {
  let s: StreamServer;
  let model: ModelEndpoint;
  beforeAll(async () => {
    s = await startStreamServer();
    model = await startModelEndpoint();
  });
  afterAll(async () => {
    await model?.close();
    await s?.close();
  });

  it('a client that reads nothing pauses the probes; reading again resumes them and nothing is lost', async () => {
    const count = 500;
    const id = s.target({ kind: 'HTTP', address: `${model.url}/big-headers` });
    const hits = (): number => model.hits.get('/big-headers') ?? 0;
    const body = JSON.stringify({ targetId: id, count, intervalMs: 10, maxInFlight: 4 });
    const url = new URL(`${s.url}/v1/ping:stream`);
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: {
        authorization: `Bearer ${s.key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), accept: 'application/x-ndjson',
      } }, resolve);
      req.once('error', reject);
      req.end(body);
    });
    expect(response.statusCode).toBe(200);
    response.pause(); // node's client then stops reading the socket: the kernel buffers fill up

    // Wait until the endpoint stops seeing requests: the session is paused.
    let last = -1;
    let stableSince = performance.now();
    const deadline = performance.now() + 30_000;
    while (performance.now() < deadline) {
      await sleep(250);
      const now = hits();
      if (now !== last) {
        last = now;
        stableSince = performance.now();
      } else if (performance.now() - stableSince >= 1000) break;
    }
    const paused = hits();
    expect(paused).toBeGreaterThan(0);
    expect(paused).toBeLessThan(count); // stopped before the end: the producer is paused
    // Meanwhile another client's stream runs to the end: a stalled client holds up nothing else.
    const other = s.target({ kind: 'HTTP', address: `${model.url}/plain` });
    const otherEvents = await collect(ndjsonEvents(await post(s, '/v1/ping:stream', { targetId: other, count: 5, intervalMs: 10 })));
    expect(results(otherEvents).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(summaries(otherEvents)[0]).toMatchObject({ requests: 5, ok: 5 });
    await sleep(1000);
    expect(hits()).toBe(paused); // and stays paused while the client reads nothing

    response.resume();
    const events: StreamEvent[] = [];
    for await (const line of createInterface({ input: response, crlfDelay: Infinity })) {
      events.push({ type: 'item', data: JSON.parse(line) as Record<string, unknown>, raw: line });
      if ('summary' in events.at(-1)!.data) break;
    }
    response.destroy();
    expect(schemaErrors(events)).toEqual([]);
    expect(results(events).map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(summaries(events)[0]).toMatchObject({ requests: count, ok: count });
    const pausedNotices = notices(events).filter((n) => n.code === 'PAUSED');
    expect(pausedNotices.length).toBeGreaterThanOrEqual(1);
    expect(typeof pausedNotices[0].details?.pausedMs).toBe('number');
    expect(pausedNotices[0].details?.pausedMs as number).toBeGreaterThanOrEqual(1000);
    expect(hits()).toBe(count);
  });
});
