// /v1/keys (admin): create returns the secret once, list never shows secrets, revoke.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, errorOf, startTestServer, type TestServer } from './helpers.js';

describe('/v1/keys', () => {
  let t: TestServer;
  beforeAll(async () => { t = await startTestServer(); });
  afterAll(async () => { await t.close(); });

  it('creates a key that works with exactly its scopes; lists without secrets; revokes', async () => {
    const created = await call(`${t.url}/v1/keys`, { key: t.adminKey, body: { name: 'grafana', scopes: ['targets:read', 'job:read'] } });
    expect(created.status).toBe(201);
    const { key, secret } = created.body as { key: { id: string; name: string; scopes: string[]; prefix: string }; secret: string };
    expect(key.name).toBe('grafana');
    expect(key.scopes.sort()).toEqual(['job:read', 'targets:read']);
    expect(secret.startsWith(key.prefix)).toBe(true);

    expect((await call(`${t.url}/v1/targets`, { key: secret })).status).toBe(200);
    expect((await call(`${t.url}/v1/keys`, { key: secret })).status).toBe(403);

    const list = await call(`${t.url}/v1/keys`, { key: t.adminKey });
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(secret);
    expect((list.body as { items: { id: string }[] }).items.some((k) => k.id === key.id)).toBe(true);

    const revoked = await call(`${t.url}/v1/keys/${key.id}/revoke`, { method: 'POST', key: t.adminKey });
    expect(revoked.status).toBe(200);
    expect((revoked.body as { revokedAtMs: number | null }).revokedAtMs).not.toBeNull();
    expect((await call(`${t.url}/v1/targets`, { key: secret })).status).toBe(401);
  });

  it('bad input → 400/404 naming the problem', async () => {
    const cases: [unknown, RegExp][] = [
      [{ name: 'x', scopes: ['root'] }, /scopes\[0\] must be one of/],
      [{ name: 'x', scopes: [] }, /scopes must NOT have fewer than 1 items/],
      [{ name: '', scopes: ['admin'] }, /name must NOT have fewer than 1 characters/],
      [{ scopes: ['admin'] }, /name is required/],
      [{ name: 'x', scopes: 'admin' }, /scopes must be array/],
    ];
    for (const [body, message] of cases) {
      const r = await call(`${t.url}/v1/keys`, { key: t.adminKey, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(r), JSON.stringify(body)).toMatch(message);
    }
    const unknown = await call(`${t.url}/v1/keys/nope`, { method: 'DELETE', key: t.adminKey });
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown)).toMatch(/nope not found/);
  });
});
