// Browser sessions of the dashboard on a real server (uWS on port 0, SQLite in a temp dir,
// real fetch and ws clients): sign-in with a good and a bad key, the cookie on REST routes
// and /v1/live, CSRF on cookie writes, scopes carried by the session, foreign-Origin
// WebSocket upgrades refused, sign-out, idle timeout and expiry, revocation with the key.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { openDaemon, type Daemon, type SessionOptions } from '../../engine/index.js';
import { startServer, type SondeServer } from '../../server/index.js';
import type { LiveOptions } from '../../server/live/live-feed.js';
import { localResolver } from '../setup/local-resolver.js';
import { call, errorOf, type Call } from './helpers.js';
import { waitFor } from '../wait-for.js';

interface Session {
  sessionId: string;
  csrfToken: string;
  keyId: string;
  keyName: string;
  scopes: string[];
  expiresAt: string;
  idleTimeoutSeconds: number;
}

interface Harness {
  daemon: Daemon<SondeServer>;
  url: string;
  dataDir: string;
  admin: string;
  close(): Promise<void>;
}

async function harness(sessions?: SessionOptions, live?: LiveOptions): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sonde-session-'));
  const daemon = await openDaemon({
    dataDir, engine: null, rateLimit: { perSecond: 10_000, burst: 10_000 }, sessions, agent: { resolver: localResolver },
    front: (services) => startServer({ daemon: services, logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0, live }),
  });
  const admin = daemon.keys.create('admin', ['admin']).secret;
  return {
    daemon, url: daemon.front.url, dataDir, admin,
    async close() {
      await daemon.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function signIn(url: string, key: string): Promise<{ res: Call; cookie: string; session: Session }> {
  const res = await call(`${url}/v1/session`, { body: { key } });
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { res, cookie: setCookie.split(';')[0], session: res.body as Session };
}

function upgrade(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace('http://', 'ws://') + '/v1/live', { headers });
    ws.once('open', () => {
      ws.close();
      resolve({ status: 101, body: '' });
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += String(d)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', (error) => {
      if (!String(error).includes('Unexpected server response')) reject(error);
    });
  });
}

describe('dashboard sessions', () => {
  let h: Harness;
  beforeAll(async () => { h = await harness(); });
  afterAll(async () => { await h?.close(); });

  it('signs in with a good key: HttpOnly SameSite=Strict cookie (not Secure over HTTP), CSRF token, the key\'s scopes', async () => {
    const reader = h.daemon.keys.create('reader', ['targets:read']);
    const { res, session } = await signIn(h.url, reader.secret);
    expect(res.status).toBe(200);
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^sonde_session=[A-Za-z0-9_-]{43}; /);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).not.toContain('Secure');
    expect(session).toMatchObject({ keyId: reader.key.id, keyName: 'reader', scopes: ['targets:read'], idleTimeoutSeconds: 1800 });
    expect(session.csrfToken.length).toBeGreaterThanOrEqual(32);
    const expires = Date.parse(session.expiresAt) - Date.now();
    expect(expires).toBeGreaterThan(11.9 * 3_600_000);
    expect(expires).toBeLessThanOrEqual(12 * 3_600_000);
  });

  it('stores the token hashed: the cookie value is nowhere in the database', async () => {
    const { cookie, session } = await signIn(h.url, h.admin);
    const token = cookie.slice('sonde_session='.length);
    const db = new Database(join(h.dataDir, 'sonde.db'), { readonly: true });
    try {
      const row = db.prepare('SELECT * FROM browser_sessions WHERE id = ?').get(session.sessionId) as Record<string, unknown>;
      expect(row.token_hash).toBe(createHash('sha256').update(token).digest('base64url'));
      expect(JSON.stringify(db.prepare('SELECT * FROM browser_sessions').all())).not.toContain(token);
    } finally {
      db.close();
    }
  });

  it('refuses a bad key with 401 in the native envelope and sets no cookie', async () => {
    const res = await call(`${h.url}/v1/session`, { body: { key: 'sonde_not-a-real-key-at-all-000000000000000000000' } });
    expect(res.status).toBe(401);
    expect(errorOf(res)).toMatch(/unknown or revoked API key/);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect((await call(`${h.url}/v1/session`, { body: {} })).status).toBe(400);
  });

  it('the cookie authenticates REST routes; GET /v1/session reads the session back', async () => {
    const { cookie, session } = await signIn(h.url, h.admin);
    const list = await call(`${h.url}/v1/targets`, { headers: { cookie } });
    expect(list.status).toBe(200);
    const again = await call(`${h.url}/v1/session`, { headers: { cookie: `other=1; ${cookie}` } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ sessionId: session.sessionId, csrfToken: session.csrfToken });
    expect((await call(`${h.url}/v1/session`)).status).toBe(401);
    expect((await call(`${h.url}/v1/targets`, { headers: { cookie: 'sonde_session=forged' } })).status).toBe(401);
  });

  it('a cookie write needs X-CSRF-Token: without or wrong → 403 reason csrf, with → done', async () => {
    const { cookie, session } = await signIn(h.url, h.admin);
    const target = { kind: 'HOST', address: '127.0.0.1' };
    const without = await call(`${h.url}/v1/targets`, { body: target, headers: { cookie } });
    expect(without.status).toBe(403);
    expect(without.body).toMatchObject({ code: 403, reason: 'csrf' });
    expect(errorOf(without)).toMatch(/X-CSRF-Token/);
    const wrong = await call(`${h.url}/v1/targets`, { body: target, headers: { cookie, 'x-csrf-token': session.csrfToken.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) } });
    expect(wrong.status).toBe(403);
    const ok = await call(`${h.url}/v1/targets`, { body: target, headers: { cookie, 'x-csrf-token': session.csrfToken } });
    expect(ok.status).toBe(201);
    // a key header needs no CSRF token, as before
    expect((await call(`${h.url}/v1/targets`, { body: { kind: 'HOST', address: '127.0.0.2' }, key: h.admin })).status).toBe(201);
  });

  it('a read-only key\'s session cannot write, CSRF token or not', async () => {
    const reader = h.daemon.keys.create('ro', ['targets:read']).secret;
    const { cookie, session } = await signIn(h.url, reader);
    const res = await call(`${h.url}/v1/targets`, { body: { kind: 'HOST', address: '127.0.0.3' }, headers: { cookie, 'x-csrf-token': session.csrfToken } });
    expect(res.status).toBe(403);
    expect(errorOf(res)).toMatch(/lacks the scope "targets:write"/);
    expect((await call(`${h.url}/v1/targets`, { headers: { cookie } })).status).toBe(200);
  });

  it('/v1/live: the cookie opens it from the daemon\'s own origin; a foreign Origin is refused with 403', async () => {
    const { cookie } = await signIn(h.url, h.admin);
    const host = new URL(h.url).host;
    expect((await upgrade(h.url, { cookie, origin: `http://${host}` })).status).toBe(101);
    expect((await upgrade(h.url, { cookie })).status).toBe(101);
    const foreign = await upgrade(h.url, { cookie, origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body)).toMatchObject({ code: 403, error: expect.stringContaining('Origin http://evil.example') });
    // a foreign Origin is refused with a key header too, and without one nothing opens
    expect((await upgrade(h.url, { authorization: `Bearer ${h.admin}`, origin: 'https://evil.example' })).status).toBe(403);
    expect((await upgrade(h.url, {})).status).toBe(401);
    expect((await upgrade(h.url, { cookie: 'sonde_session=forged' })).status).toBe(401);
  });

  it('sign-out (with the CSRF token) ends the session and clears the cookie', async () => {
    const { cookie, session } = await signIn(h.url, h.admin);
    expect((await call(`${h.url}/v1/session`, { method: 'DELETE', headers: { cookie } })).status).toBe(403);
    const out = await call(`${h.url}/v1/session`, { method: 'DELETE', headers: { cookie, 'x-csrf-token': session.csrfToken } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^sonde_session=; .*Max-Age=0/);
    expect((await call(`${h.url}/v1/targets`, { headers: { cookie } })).status).toBe(401);
    expect((await call(`${h.url}/v1/session`, { headers: { cookie } })).status).toBe(401);
    expect((await upgrade(h.url, { cookie })).status).toBe(401);
  });

  it('lists a key\'s sessions for an admin, ends one, and revoking the key ends the rest', async () => {
    const k = h.daemon.keys.create('browser', ['targets:read']);
    const a = await signIn(h.url, k.secret);
    const b = await signIn(h.url, k.secret);
    const listed = await call(`${h.url}/v1/keys/${k.key.id}/sessions`, { key: h.admin });
    expect(listed.status).toBe(200);
    const items = (listed.body as { items: { id: string; keyId: string }[] }).items;
    expect(items.map((s) => s.id).sort()).toEqual([a.session.sessionId, b.session.sessionId].sort());
    expect(JSON.stringify(listed.body)).not.toContain(a.cookie.slice('sonde_session='.length));
    expect((await call(`${h.url}/v1/keys/${k.key.id}/sessions`, { headers: { cookie: a.cookie } })).status).toBe(403);
    expect((await call(`${h.url}/v1/keys/${k.key.id}/sessions/${a.session.sessionId}`, { method: 'DELETE', key: h.admin })).status).toBe(204);
    expect((await call(`${h.url}/v1/keys/${k.key.id}/sessions/${a.session.sessionId}`, { method: 'DELETE', key: h.admin })).status).toBe(404);
    expect((await call(`${h.url}/v1/targets`, { headers: { cookie: a.cookie } })).status).toBe(401);
    expect((await call(`${h.url}/v1/targets`, { headers: { cookie: b.cookie } })).status).toBe(200);
    expect((await call(`${h.url}/v1/keys/${k.key.id}`, { method: 'DELETE', key: h.admin })).status).toBe(200);
    expect((await call(`${h.url}/v1/targets`, { headers: { cookie: b.cookie } })).status).toBe(401);
    expect(((await call(`${h.url}/v1/keys/${k.key.id}/sessions`, { key: h.admin })).body as { items: unknown[] }).items).toEqual([]);
  });
});

describe('dashboard session lifetime', () => {
  it('ends a session idle longer than dashboard.idleMinutes, while use keeps another alive', async () => {
    const h = await harness({ idleMs: 1500 });
    try {
      const idle = await signIn(h.url, h.admin);
      const used = await signIn(h.url, h.admin);
      expect(idle.session.idleTimeoutSeconds).toBe(2);
      // any request with the idle cookie would count as use: only the other one is used
      // until the idle timeout has passed since sign-in
      const signedIn = Date.now();
      await waitFor(async () => {
        expect((await call(`${h.url}/v1/targets`, { headers: { cookie: used.cookie } })).status).toBe(200);
        return Date.now() - signedIn > 2000;
      }, { message: 'the idle timeout passed while the other session was used' });
      expect((await call(`${h.url}/v1/session`, { headers: { cookie: idle.cookie } })).status).toBe(401);
      expect((await call(`${h.url}/v1/targets`, { headers: { cookie: used.cookie } })).status).toBe(200);
    } finally {
      await h.close();
    }
  }, 20_000);

  it('ends a session at its absolute expiry, however much it is used', async () => {
    const h = await harness({ maxAgeMs: 1000 });
    try {
      const s = await signIn(h.url, h.admin);
      expect(Date.parse(s.session.expiresAt) - Date.now()).toBeLessThanOrEqual(1000);
      await waitFor(async () => (await call(`${h.url}/v1/targets`, { headers: { cookie: s.cookie } })).status === 401, { message: 'the session expired' });
      expect(errorOf(await call(`${h.url}/v1/targets`, { headers: { cookie: s.cookie } }))).toMatch(/session has ended/);
    } finally {
      await h.close();
    }
  }, 20_000);

  it('an open /v1/live feed keeps its session from idling out, and closes (4001) when the session ends', async () => {
    const h = await harness({ idleMs: 1500 }, { sessionCheckMs: 100 });
    try {
      const s = await signIn(h.url, h.admin);
      const ws = new WebSocket(h.url.replace('http://', 'ws://') + '/v1/live', { headers: { cookie: s.cookie, origin: h.url } });
      await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
      const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
      // longer than the idle timeout without a REST request: the open feed counts as use
      const opened = Date.now();
      await waitFor(() => Date.now() - opened > 2500, { message: 'the idle timeout passed' });
      expect((await call(`${h.url}/v1/targets`, { headers: { cookie: s.cookie } })).status).toBe(200);
      expect((await call(`${h.url}/v1/session`, { method: 'DELETE', headers: { cookie: s.cookie, 'x-csrf-token': s.session.csrfToken } })).status).toBe(204);
      const end = await closed;
      expect(end.code).toBe(4001);
      expect(end.reason).toMatch(/session has ended/);
    } finally {
      await h.close();
    }
  }, 20_000);
});
