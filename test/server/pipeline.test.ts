// The request pipeline: per-route envelopes for every error class, a thrown handler error
// → 500 in the envelope, streamed (chunked) oversize bodies, clients that abort uploads.
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDaemon, type Sonde } from '../../engine/index.js';
import { defineRoute, registerEnvelope, startServer, type SondeServer } from '../../server/index.js';
import { call } from './helpers.js';
import { localResolver } from '../setup/local-resolver.js';

registerEnvelope({
  name: 'test-contract',
  render: ({ status, kind, message }) => ({ ok: false, errorCode: `TEST_${kind.toUpperCase()}`, message, status }),
});

describe('pipeline', () => {
  let sonde: Sonde;
  let server: SondeServer;
  let dataDir: string;
  let admin: string;
  const logged: unknown[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sonde-pipeline-test-'));
    const logger = pino({ level: 'error' }, { write: (line: string) => logged.push(JSON.parse(line)) });
    const daemon = await openDaemon({ dataDir, engine: null, rateLimit: { perSecond: 1000, burst: 1000 }, front: (services) => startServer({
      daemon: services, logger, host: '127.0.0.1', port: 0, bodyLimit: 1024,
      extraRoutes: () => [
        defineRoute({
          method: 'post', path: '/test/echo', operationId: 'testEcho', summary: 'echo', tags: ['test'],
          scope: 'network:write', envelope: 'test-contract', body: Type.Object({ n: Type.Integer({ maximum: 10 }) }),
          responses: { 200: { description: 'echo' } },
          handler: ({ body }) => ({ status: 200, body }),
        }),
        defineRoute({
          method: 'get', path: '/test/throws', operationId: 'testThrows', summary: 'throws', tags: ['test'],
          scope: 'network:read', envelope: 'test-contract',
          responses: { 200: { description: 'never' } },
          handler: () => { throw new Error('boom: secret internals'); },
        }),
        defineRoute({
          method: 'get', path: '/test/unserializable', operationId: 'testUnserializable', summary: 'bigint body', tags: ['test'],
          scope: 'network:read',
          responses: { 200: { description: 'never' } },
          handler: async () => ({ status: 200, body: { n: 1n } }),
        }),
        defineRoute({
          method: 'get', path: '/test/rejects', operationId: 'testRejects', summary: 'rejects', tags: ['test'],
          scope: 'network:read',
          responses: { 200: { description: 'never' } },
          handler: async () => { await new Promise((r) => setTimeout(r, 1)); throw new TypeError('async boom'); },
        }),
      ],
    }), agent: { resolver: localResolver } });
    sonde = daemon;
    server = daemon.front;
    admin = sonde.keys.create('admin', ['admin']).secret;
  });
  afterAll(async () => {
    await sonde.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a contract route renders 401, 400 and 413 in its own envelope', async () => {
    const noKey = await call(`${server.url}/test/echo`, { body: { n: 1 } });
    expect(noKey.status).toBe(401);
    expect(noKey.body).toMatchObject({ ok: false, errorCode: 'TEST_UNAUTHORIZED', status: 401 });
    const bad = await call(`${server.url}/test/echo`, { key: admin, body: { n: 11 } });
    expect(bad.body).toMatchObject({ errorCode: 'TEST_BAD_REQUEST', message: 'n must be <= 10' });
    const big = await call(`${server.url}/test/echo`, { key: admin, body: { n: 1, pad: 'x'.repeat(2000) } });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ errorCode: 'TEST_PAYLOAD_TOO_LARGE' });
    const ok = await call(`${server.url}/test/echo`, { key: admin, body: { n: 3 } });
    expect(ok).toMatchObject({ status: 200, body: { n: 3 } });
  });

  it('a handler that throws (sync or async) → 500 in the envelope, details logged, not leaked', async () => {
    const sync = await call(`${server.url}/test/throws`, { key: admin });
    expect(sync.status).toBe(500);
    expect(sync.body).toMatchObject({ errorCode: 'TEST_INTERNAL' });
    expect(sync.text).not.toContain('secret internals');
    const asyncFail = await call(`${server.url}/test/rejects`, { key: admin });
    expect(asyncFail.status).toBe(500);
    expect(asyncFail.body).toMatchObject({ code: 500 });
    expect(JSON.stringify(logged)).toContain('boom: secret internals');
    expect(JSON.stringify(logged)).toContain('async boom');
    const unserializable = await call(`${server.url}/test/unserializable`, { key: admin });
    expect(unserializable.status).toBe(500);
    expect(unserializable.body).toMatchObject({ code: 500 });
    expect(JSON.stringify(logged)).toContain('could not be serialized');
  });

  it('a chunked body (no Content-Length) over the limit → 413', async () => {
    const chunk = new TextEncoder().encode('{"n": 1, "pad": "' + 'x'.repeat(600));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(chunk);
        controller.enqueue(chunk);
        controller.enqueue(new TextEncoder().encode('"}'));
        controller.close();
      },
    });
    const res = await fetch(`${server.url}/test/echo`, {
      method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: stream, duplex: 'half',
    } as RequestInit & { duplex: 'half' });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ errorCode: 'TEST_PAYLOAD_TOO_LARGE' });
  });

  it('a client that disconnects mid-upload leaves the server healthy', async () => {
    const url = new URL(server.url);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(`POST /test/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"n": 1,`);
        setTimeout(() => { socket.destroy(); resolve(); }, 50);
      });
    });
    await new Promise((r) => setTimeout(r, 50));
    expect((await call(`${server.url}/healthz`)).status).toBe(200);
    const ok = await call(`${server.url}/test/echo`, { key: admin, body: { n: 2 } });
    expect(ok.status).toBe(200);
  });
});
