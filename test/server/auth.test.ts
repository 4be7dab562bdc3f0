// Auth, scopes, rate limit and audit on a real server with real keys in SQLite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, errorOf, startTestServer, type TestServer } from './helpers.js';

describe('auth', () => {
  let t: TestServer;
  beforeAll(async () => { t = await startTestServer(); });
  afterAll(async () => { await t.close(); });

  it('no key → 401 in the native envelope, saying how to send one', async () => {
    const r = await call(`${t.url}/v1/targets`);
    expect(r.status).toBe(401);
    expect(errorOf(r)).toMatch(/missing API key/);
    expect((r.body as { details: string }).details).toMatch(/Authorization: Bearer/);
  });

  it('a non-Bearer Authorization header → 401 that says the expected form', async () => {
    const r = await call(`${t.url}/v1/targets`, { headers: { authorization: `Basic ${t.adminKey}` } });
    expect(r.status).toBe(401);
    expect(errorOf(r)).toMatch(/Bearer/);
  });

  it('unknown key → 401', async () => {
    const r = await call(`${t.url}/v1/targets`, { key: 'sonde_not-a-real-key-at-all' });
    expect(r.status).toBe(401);
    expect(errorOf(r)).toMatch(/unknown or revoked API key/);
  });

  it('accepts the key as Bearer and as X-API-Key', async () => {
    expect((await call(`${t.url}/v1/targets`, { key: t.adminKey })).status).toBe(200);
    expect((await call(`${t.url}/v1/targets`, { headers: { 'x-api-key': t.adminKey } })).status).toBe(200);
  });

  it('revoked key → 401 at once', async () => {
    const secret = t.key(['targets:read'], 'to-revoke');
    expect((await call(`${t.url}/v1/targets`, { key: secret })).status).toBe(200);
    const id = t.sonde.keys.list().find((k) => k.name === 'to-revoke')!.id;
    const revoked = await call(`${t.url}/v1/keys/${id}`, { method: 'DELETE', key: t.adminKey });
    expect(revoked.status).toBe(200);
    const r = await call(`${t.url}/v1/targets`, { key: secret });
    expect(r.status).toBe(401);
    expect(errorOf(r)).toMatch(/revoked/);
  });

  it('missing scope → 403 naming the scope', async () => {
    const reader = t.key(['targets:read']);
    const r = await call(`${t.url}/v1/targets`, { key: reader, body: { kind: 'HOST', address: '127.0.0.1' } });
    expect(r.status).toBe(403);
    expect(errorOf(r)).toMatch(/targets:write/);
    const keys = await call(`${t.url}/v1/keys`, { key: reader });
    expect(keys.status).toBe(403);
    expect(errorOf(keys)).toMatch(/"admin"/);
  });

  it('healthz and openapi.json need no key', async () => {
    expect((await call(`${t.url}/healthz`)).status).toBe(200);
    expect((await call(`${t.url}/openapi.json`)).status).toBe(200);
  });

  it('authenticated responses carry the rate limit headers; audit rows are written', async () => {
    const r = await call(`${t.url}/v1/agents`, { key: t.adminKey });
    expect(r.status).toBe(200);
    expect(Number(r.headers.get('x-ratelimit-limit-second'))).toBe(10_000);
    expect(Number(r.headers.get('x-ratelimit-remaining-second'))).toBeGreaterThanOrEqual(0);
    expect(Number(r.headers.get('x-ratelimit-remaining-second'))).toBeLessThanOrEqual(10_000);
    await call(`${t.url}/v1/jobs/00000000-0000-4000-8000-000000000000`, { key: t.adminKey });
    t.sonde.audit.flush();
    const recent = t.sonde.audit.recent(50);
    expect(recent.some((a) => a.method === 'GET' && a.path === '/v1/agents' && a.status === 200 && a.keyId !== null)).toBe(true);
    expect(recent.some((a) => a.path === '/v1/jobs/00000000-0000-4000-8000-000000000000' && a.status === 404)).toBe(true);
  });
});

describe('rate limit', () => {
  let t: TestServer;
  beforeAll(async () => { t = await startTestServer({ rateLimit: { perSecond: 1, burst: 3 } }); });
  afterAll(async () => { await t.close(); });

  it('429 with Retry-After and X-RateLimit headers once the bucket is empty; other keys unaffected', async () => {
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof call>> | undefined;
    let first: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 6; i++) {
      const r = await call(`${t.url}/v1/agents`, { key: t.adminKey });
      statuses.push(r.status);
      first ??= r;
      if (r.status === 429) limited ??= r;
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(first!.headers.get('x-ratelimit-limit-second')).toBe('3'); // the burst: what remaining counts down from
    expect(first!.headers.get('x-ratelimit-remaining-second')).toBe('2');
    expect(first!.headers.get('ratelimit-policy')).toBe('"per-key";q=1;w=1;burst=3');
    expect(limited).toBeDefined();
    expect(errorOf(limited!)).toMatch(/rate limit exceeded/);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited!.headers.get('x-ratelimit-limit-second')).toBe('3');
    expect(limited!.headers.get('x-ratelimit-remaining-second')).toBe('0');
    expect(limited!.headers.get('ratelimit-policy')).toBe('"per-key";q=1;w=1;burst=3');
    const other = t.key(['network:read']);
    expect((await call(`${t.url}/v1/agents`, { key: other })).status).toBe(200);
  });
});
