import Database from 'better-sqlite3';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_KEY_FILE, KEY_PREFIX, openSonde, SCOPES, type Sonde } from '../../engine/index.js';
import { SqliteKeyService } from '../../engine/auth/key-service.js';
import { TokenBucketLimiter } from '../../engine/auth/token-bucket.js';
import { tempDataDir } from './helpers.js';
import { localResolver } from '../setup/local-resolver.js';

let sonde: Sonde;
let dir: string;
let cleanup: () => void;
beforeEach(async () => {
  const t = tempDataDir();
  dir = t.dir;
  cleanup = t.cleanup;
  sonde = await openSonde({ dataDir: dir, agent: { resolver: localResolver } });
});
afterEach(async () => {
  await sonde.close();
  cleanup();
});

describe('API keys', () => {
  it('creates a key shown once, stores only its hash, and verifies it', () => {
    const { key, secret } = sonde.keys.create('ci', ['job:read', 'network:write', 'job:read']);
    expect(secret).toMatch(new RegExp(`^${KEY_PREFIX}[A-Za-z0-9_-]{43}$`));
    expect(key).toMatchObject({ name: 'ci', scopes: ['job:read', 'network:write'], revokedAtMs: null, lastUsedAtMs: null });
    expect(secret.startsWith(key.prefix)).toBe(true);
    const db = new Database(sonde.dbPath, { readonly: true });
    const dump = JSON.stringify(db.prepare('SELECT * FROM api_keys').all());
    db.close();
    expect(dump).not.toContain(secret.slice(KEY_PREFIX.length));
    expect(sonde.keys.verify(secret)?.id).toBe(key.id);
    expect(sonde.keys.verify(`${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
    expect(sonde.keys.verify('')).toBeNull();
    expect(sonde.keys.verify('Bearer nonsense')).toBeNull();
    expect(sonde.keys.verify(undefined as never)).toBeNull();
  });

  it('checks scopes, admin implying all of them', () => {
    const reader = sonde.keys.create('reader', ['job:read']).key;
    const admin = sonde.keys.create('root', ['admin']).key;
    expect(sonde.keys.hasScope(reader, 'job:read')).toBe(true);
    expect(sonde.keys.hasScope(reader, 'network:write')).toBe(false);
    for (const s of SCOPES) expect(sonde.keys.hasScope(admin, s)).toBe(true);
    expect(() => sonde.keys.create('x', ['job:write'])).toThrow(/unknown scope "job:write"/);
    expect(() => sonde.keys.create('x', [])).toThrow(/scopes must be a non-empty array/);
    expect(() => sonde.keys.create('', ['admin'])).toThrow(/name must be/);
  });

  it('revokes at once; revoked keys stay listed; unknown ids are not_found', () => {
    const { key, secret } = sonde.keys.create('temp', ['job:read']);
    expect(sonde.keys.verify(secret)).not.toBeNull();
    const revoked = sonde.keys.revoke(key.id);
    expect(revoked.revokedAtMs).toEqual(expect.any(Number));
    expect(sonde.keys.verify(secret)).toBeNull();
    expect(sonde.keys.revoke(key.id).revokedAtMs).toBe(revoked.revokedAtMs);
    expect(sonde.keys.list().map((k) => k.id)).toEqual([key.id]);
    expect(() => sonde.keys.revoke('nope')).toThrow(/API key nope not found/);
  });

  it('sees keys created and revoked by another process (the CLI) on the same database', async () => {
    const cli = await openSonde({ dataDir: dir, mode: 'tool', agent: { resolver: localResolver } });
    const { key, secret } = cli.keys.create('from-cli', ['targets:read']);
    expect(sonde.keys.verify(secret)?.name).toBe('from-cli'); // cache miss → looked up by hash
    cli.keys.revoke(key.id);
    await cli.close();
    (sonde.keys as SqliteKeyService).maintain(); // what the daemon's 1 s timer runs
    expect(sonde.keys.verify(secret)).toBeNull();
  });

  it('records last use without a write per request, and flushes it', () => {
    const { key, secret } = sonde.keys.create('busy', ['job:read']);
    const keys = sonde.keys as SqliteKeyService;
    for (let i = 0; i < 1000; i++) keys.verify(secret);
    const db = new Database(sonde.dbPath, { readonly: true });
    const read = () => (db.prepare('SELECT last_used_at FROM api_keys WHERE id = ?').get(key.id) as { last_used_at: number | null }).last_used_at;
    expect(read()).toBeNull();
    keys.flushLastUsed();
    expect(read()).toEqual(expect.any(Number));
    db.close();
    expect(sonde.keys.get(key.id)?.lastUsedAtMs).toEqual(expect.any(Number));
  });

  it('ensureAdminKey writes an admin key to <data>/admin.key with mode 0600, once', () => {
    const path = join(dir, ADMIN_KEY_FILE);
    writeFileSync(path, 'stale', { mode: 0o644 });
    expect(sonde.keys.ensureAdminKey()).toBe(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const secret = readFileSync(path, 'utf8').trim();
    const key = sonde.keys.verify(secret);
    expect(key?.scopes).toEqual(['admin']);
    expect(sonde.keys.ensureAdminKey()).toBeNull();
    sonde.keys.revoke(key!.id);
    expect(sonde.keys.ensureAdminKey()).toBeNull(); // keys exist (revoked): not recreated silently
  });
});

describe('token bucket', () => {
  it('allows a burst, then refuses with Retry-After and refills at the rate', () => {
    const rl = new TokenBucketLimiter({ perSecond: 2, burst: 3 });
    const t0 = 1_000_000;
    expect([0, 1, 2].map(() => rl.take('k', t0))).toEqual([
      { ok: true, limit: 3, remaining: 2, retryAfterSeconds: 0, policy: '"per-key";q=2;w=1;burst=3' },
      { ok: true, limit: 3, remaining: 1, retryAfterSeconds: 0, policy: '"per-key";q=2;w=1;burst=3' },
      { ok: true, limit: 3, remaining: 0, retryAfterSeconds: 0, policy: '"per-key";q=2;w=1;burst=3' },
    ]);
    expect(rl.take('k', t0)).toEqual({ ok: false, limit: 3, remaining: 0, retryAfterSeconds: 1, policy: '"per-key";q=2;w=1;burst=3' });
    expect(rl.take('other', t0).ok).toBe(true); // buckets are per key
    expect(rl.take('k', t0 + 250).ok).toBe(false); // half a token
    expect(rl.take('k', t0 + 500).ok).toBe(true); // one token after 0.5 s at 2/s
    expect(rl.take('k', t0 + 100_000).remaining).toBe(2); // capped at the burst
  });

  it('gives a Retry-After of whole seconds for slow rates', () => {
    const rl = new TokenBucketLimiter({ perSecond: 0.2, burst: 1 });
    expect(rl.take('k', 0).ok).toBe(true);
    expect(rl.take('k', 0)).toMatchObject({ ok: false, retryAfterSeconds: 5 });
  });

  it('is wired into Sonde from config', async () => {
    const t = tempDataDir();
    const s = await openSonde({ dataDir: t.dir, mode: 'tool', rateLimit: { perSecond: 1, burst: 1 }, agent: { resolver: localResolver } });
    expect(s.rateLimiter.take('a', 0).ok).toBe(true);
    expect(s.rateLimiter.take('a', 0)).toMatchObject({ ok: false, limit: 1, retryAfterSeconds: 1 });
    await s.close();
    t.cleanup();
  });
});

describe('audit log', () => {
  it('buffers entries and writes them in batches', () => {
    for (let i = 0; i < 5; i++) sonde.audit.record({ keyId: 'k', method: 'GET', path: `/v1/jobs/${i}`, status: 200, durationMs: 0.2, atMs: 1000 + i });
    const db = new Database(sonde.dbPath, { readonly: true });
    const count = () => (db.prepare('SELECT count(*) AS n FROM audit').get() as { n: number }).n;
    expect(count()).toBe(0);
    sonde.audit.flush();
    expect(count()).toBe(5);
    db.close();
    expect(sonde.audit.recent(2).map((e) => e.path)).toEqual(['/v1/jobs/4', '/v1/jobs/3']);
  });

  it('writes large batches (multi-row inserts plus a remainder) without losing or reordering rows', () => {
    for (let i = 0; i < 257; i++) sonde.audit.record({ keyId: i % 2 ? 'a' : null, method: 'POST', path: `/p/${i}`, status: 200 + (i % 3), durationMs: i / 10 });
    const rows = sonde.audit.recent(1000).reverse();
    expect(rows).toHaveLength(257);
    rows.forEach((r, i) => expect(r).toMatchObject({ keyId: i % 2 ? 'a' : null, path: `/p/${i}`, status: 200 + (i % 3), durationMs: i / 10, count: 1 }));
  });

  it('folds identical requests of one flush window into one row with a count and the mean duration', () => {
    for (let i = 0; i < 1000; i++) sonde.audit.record({ keyId: 'k', method: 'GET', path: '/v1/jobs/j1', status: 200, durationMs: i % 2 ? 0.3 : 0.1 });
    sonde.audit.record({ keyId: 'k', method: 'GET', path: '/v1/jobs/j1', status: 404, durationMs: 1 });
    sonde.audit.record({ keyId: 'other', method: 'GET', path: '/v1/jobs/j1', status: 200, durationMs: 1 });
    const rows = sonde.audit.recent(10);
    expect(rows).toHaveLength(3);
    const polled = rows.find((r) => r.keyId === 'k' && r.status === 200)!;
    expect(polled.count).toBe(1000);
    expect(polled.durationMs).toBeCloseTo(0.2, 6);
    sonde.audit.record({ keyId: 'k', method: 'GET', path: '/v1/jobs/j1', status: 200, durationMs: 0.1 });
    expect(sonde.audit.recent(10)).toHaveLength(4); // a new window starts a new row
  });
});
