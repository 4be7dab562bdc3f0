// Each contract keeps its own error envelope on every status it can return, also where no
// route matches (404 under its prefix, 405 on its paths) and on seed 001's literal empty-id
// path. Real server on an ephemeral port, real fetch.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestServer, type TestServer } from '../server/helpers.js';
import { contractErrors } from './schemas/index.js';

describe('every contract answers unmatched paths and wrong methods in its own envelope', () => {
  let t: TestServer;
  beforeAll(async () => { t = await startTestServer(); });
  afterAll(async () => { await t?.close(); });

  const expectIn = (schema: string, c: Awaited<ReturnType<typeof call>>, status: number) => {
    expect(c.status, c.text).toBe(status);
    expect(c.headers.get('content-type')).toBe('application/json');
    expect(contractErrors(schema, c.body), c.text).toEqual([]);
    return c.body as Record<string, unknown>;
  };

  it('troubleshooting API (C): 404 and 405 as { errorCode, message }', async () => {
    const missing = expectIn('C.error', await call(`${t.url}/network-troubleshooting/v1alpha1/nope`, { key: t.adminKey }), 404);
    expect(missing).toEqual({ errorCode: 'HPE_GRAVITY_NOT_FOUND', message: expect.stringMatching(/no route for GET \/network-troubleshooting\/v1alpha1\/nope/) });
    const wrong = await call(`${t.url}/network-troubleshooting/v1alpha1/aps/SN1/ping`, { method: 'DELETE', key: t.adminKey });
    expect(expectIn('C.error', wrong, 405)).toEqual({ errorCode: 'HPE_GRAVITY_METHOD_NOT_ALLOWED', message: expect.stringMatching(/method DELETE is not allowed/) });
    expect(wrong.headers.get('allow')).toBe('POST');
  });

  it('service API (B): 404 and 405 in { ok, type, action, data, message, meta }', async () => {
    expectIn('B.error', await call(`${t.url}/api/v2/whatever`, { key: t.adminKey }), 404);
    const wrong = expectIn('B.create.error', await call(`${t.url}/api/v1/12/ping/`, { method: 'PUT', key: t.adminKey, body: { pings: 1 } }), 405);
    expect(wrong.message).toMatch(/method PUT is not allowed .* allowed: POST/);
  });

  it("service API (B): the seed's literal POST /api/v1//ping/ (empty service id) is a failed create, 400", async () => {
    for (const path of ['/api/v1//ping/', '/api/v1//ping']) {
      const body = expectIn('B.create.error', await call(`${t.url}${path}`, { key: t.adminKey, body: { pings: 1 } }), 400);
      expect(body).toMatchObject({ ok: false, action: 'ping_failed', message: expect.stringMatching(/service_id is empty/) });
    }
    expectIn('B.create.error', await call(`${t.url}/api/v1//ping/`, { body: { pings: 1 } }), 401);
  });

  it('node API (A): 404 and 405 carry details, as the seed\'s error schema has it', async () => {
    const missing = expectIn('A.error', await call(`${t.url}/node/h1/network/traceroute`, { method: 'POST', key: t.adminKey, body: {} }), 404);
    expect(missing).toMatchObject({ code: 404, error: expect.stringMatching(/no route/), details: expect.any(String) });
    const wrong = expectIn('A.error', await call(`${t.url}/job/00000000-0000-4000-8000-000000000000`, { method: 'DELETE', key: t.adminKey }), 405);
    expect(wrong).toMatchObject({ code: 405, details: expect.any(String) });
    expectIn('A.error', await call(`${t.url}/job/x/y`, { key: t.adminKey }), 404);
  });

  it('a path spelled with percent escapes is decoded as path parameters are: /v1/ping%3Aonce is /v1/ping:once', async () => {
    const listener = net.createServer((c) => c.destroy());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    try {
      const targetId = t.sonde.targets.create({ kind: 'TCP', address: '127.0.0.1', port: (listener.address() as net.AddressInfo).port }).id;
      const once = await call(`${t.url}/v1/ping%3Aonce`, { key: t.adminKey, body: { targetId } });
      expect(once.status, once.text).toBe(200);
      expect(once.body).toMatchObject({ ok: true, seq: 1, endpoint: { targetType: 'TCP', targetId } });
      const stream = await fetch(`${t.url}/v1/ping%3Astream`, {
        method: 'POST', headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ targetId, count: 1 }),
      });
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toBe('application/x-ndjson');
      expect((await stream.text()).trim().split('\n').map((line) => Object.keys(JSON.parse(line) as object)[0])).toEqual(['result', 'summary']);
      // the decoded path decides 405 vs 404 too; an escaped slash is data, not a separator
      expect((await call(`${t.url}/v1/ping%3Astream`, { key: t.adminKey })).status).toBe(405);
      expect((await call(`${t.url}/v1%2Fping:once`, { key: t.adminKey, body: { targetId } })).status).toBe(404);
      expect((await call(`${t.url}/v1/ping%zzonce`, { key: t.adminKey, body: { targetId } })).status).toBe(404);
    } finally {
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });

  it('native paths keep the native envelope', async () => {
    const c = await call(`${t.url}/v1/nope`, { key: t.adminKey });
    expect(c.status).toBe(404);
    expect(c.body).toMatchObject({ code: 404, error: expect.stringMatching(/no route for GET \/v1\/nope/) });
  });
});
