// API keys: 32 random bytes shown once, stored as SHA-256.
//
// Why SHA-256 and not a slow KDF (bcrypt/scrypt/argon2): those exist to protect guessable,
// low-entropy passwords. A key of 256 random bits cannot be brute-forced from its hash, so a
// fast hash loses nothing, and it lets verify() find the key by hash in O(1) without a
// per-request KDF (which would cap the API at a few hundred requests/s). The hash itself
// (~1 µs) is skipped for a secret seen before: verify() keeps the last secrets it accepted,
// dropped on every revocation or reload, so a revoked key stops working at the same moment.

import { closeSync, fchmodSync, openSync, writeSync } from 'node:fs';
import { hash, randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Statement } from 'better-sqlite3';
import { SondeError } from '../errors.js';
import { SCOPES, type ApiKeyRecord, type KeyService, type Scope } from './types.js';
import type { Db } from '../store/database.js';

export const KEY_PREFIX = 'sonde_';
export const ADMIN_KEY_FILE = 'admin.key';
const SECRET_LENGTH = KEY_PREFIX.length + 43; // base64url of 32 bytes, no padding
const SHOWN_PREFIX = KEY_PREFIX.length + 6;
/** last_used_at is written at most this often per key (not once per request). */
const LAST_USED_FLUSH_MS = 10_000;
/** Secrets remembered by verify(); beyond this the memo starts over (it is only a shortcut). */
const MAX_REMEMBERED_SECRETS = 1024;

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  scopes: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

function toRecord(r: KeyRow): ApiKeyRecord {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scopes: JSON.parse(r.scopes) as Scope[],
    createdAtMs: r.created_at,
    lastUsedAtMs: r.last_used_at,
    revokedAtMs: r.revoked_at,
  };
}

export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'base64url');
}

export function parseScopes(raw: readonly unknown[]): Scope[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new SondeError('invalid', `scopes must be a non-empty array of: ${SCOPES.join(', ')}`, 'scopes');
  }
  const out = new Set<Scope>();
  for (const s of raw) {
    if (typeof s !== 'string' || !(SCOPES as readonly string[]).includes(s)) {
      throw new SondeError('invalid', `unknown scope ${JSON.stringify(s)}; allowed: ${SCOPES.join(', ')}`, 'scopes');
    }
    out.add(s as Scope);
  }
  return [...out];
}

export class SqliteKeyService implements KeyService {
  /** Active keys by hash: verify() never touches SQLite for a known key. */
  private readonly byHash = new Map<string, ApiKeyRecord>();
  /** Secrets verify() accepted → their key; emptied whenever a key may have been revoked. */
  private readonly bySecret = new Map<string, ApiKeyRecord>();
  /** The last secret accepted: comparing to it costs less than a Map lookup of a fresh string. */
  private lastSecret = '';
  private lastKey: ApiKeyRecord | null = null;
  private readonly dirtyLastUsed = new Set<ApiKeyRecord>();
  private readonly insertKey: Statement;
  private readonly selectAll: Statement<[], KeyRow>;
  private readonly selectActive: Statement<[], KeyRow>;
  private readonly selectById: Statement<[string], KeyRow>;
  private readonly selectByHash: Statement<[string], KeyRow>;
  private readonly revokeKey: Statement;
  private readonly touchKey: Statement;
  private readonly countKeys: Statement<[], { n: number }>;
  private readonly dataVersion: Statement<[], { data_version: number }>;
  private lastDataVersion = -1;
  private lastFlushMs = Date.now();

  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
  ) {
    this.insertKey = db.prepare(
      'INSERT INTO api_keys (id, name, prefix, hash, scopes, created_at) VALUES (@id, @name, @prefix, @hash, @scopes, @created_at)',
    );
    this.selectAll = db.prepare('SELECT * FROM api_keys ORDER BY created_at, id');
    this.selectActive = db.prepare('SELECT * FROM api_keys WHERE revoked_at IS NULL');
    this.selectById = db.prepare('SELECT * FROM api_keys WHERE id = ?');
    this.selectByHash = db.prepare('SELECT * FROM api_keys WHERE hash = ? AND revoked_at IS NULL');
    this.revokeKey = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
    this.touchKey = db.prepare('UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?');
    this.countKeys = db.prepare('SELECT count(*) AS n FROM api_keys');
    this.dataVersion = db.prepare('PRAGMA data_version');
    this.reload();
  }

  create(name: string, scopes: readonly string[]): { key: ApiKeyRecord; secret: string } {
    if (typeof name !== 'string' || name.trim() === '' || name.length > 100) {
      throw new SondeError('invalid', 'name must be a non-empty string of at most 100 characters', 'name');
    }
    const parsed = parseScopes(scopes);
    const secret = KEY_PREFIX + randomBytes(32).toString('base64url');
    const row: KeyRow = {
      id: randomUUID(),
      name: name.trim(),
      prefix: secret.slice(0, SHOWN_PREFIX),
      hash: hashSecret(secret),
      scopes: JSON.stringify(parsed),
      created_at: Date.now(),
      last_used_at: null,
      revoked_at: null,
    };
    this.insertKey.run(row);
    const key = toRecord(row);
    this.byHash.set(row.hash, key);
    return { key: { ...key }, secret };
  }

  list(): ApiKeyRecord[] {
    this.flushBeforeRead();
    return this.selectAll.all().map(toRecord);
  }

  get(id: string): ApiKeyRecord | null {
    if (typeof id !== 'string') return null;
    this.flushBeforeRead();
    const r = this.selectById.get(id);
    return r ? toRecord(r) : null;
  }

  revoke(id: string): ApiKeyRecord {
    const r = typeof id === 'string' ? this.selectById.get(id) : undefined;
    if (!r) throw new SondeError('not_found', `API key ${id} not found`, 'id');
    this.revokeKey.run(Date.now(), id);
    this.byHash.delete(r.hash);
    this.forgetSecrets();
    return toRecord(this.selectById.get(id)!);
  }

  verify(secret: string): ApiKeyRecord | null {
    if (typeof secret !== 'string' || secret.length !== SECRET_LENGTH || !secret.startsWith(KEY_PREFIX)) return null;
    let key = secret === this.lastSecret ? this.lastKey ?? undefined : this.bySecret.get(secret);
    if (key === undefined) {
      key = this.lookUp(secret);
      if (key === undefined) return null;
      if (this.bySecret.size >= MAX_REMEMBERED_SECRETS) this.bySecret.clear();
      this.bySecret.set(secret, key);
    }
    this.lastSecret = secret;
    this.lastKey = key;
    key.lastUsedAtMs = Date.now();
    this.dirtyLastUsed.add(key);
    return key;
  }

  private forgetSecrets(): void {
    this.bySecret.clear();
    this.lastSecret = '';
    this.lastKey = null;
  }

  private lookUp(secret: string): ApiKeyRecord | undefined {
    const digest = hashSecret(secret);
    let key = this.byHash.get(digest);
    if (key === undefined) {
      // Created by another process (e.g. `sonde keys create` while the daemon runs).
      const r = this.selectByHash.get(digest);
      if (!r) return undefined;
      key = toRecord(r);
      this.byHash.set(digest, key);
    }
    return key;
  }

  hasScope(key: ApiKeyRecord, scope: Scope): boolean {
    return key.scopes.includes('admin') || key.scopes.includes(scope);
  }

  ensureAdminKey(): string | null {
    if (this.countKeys.get()!.n > 0) return null;
    const { secret } = this.create('admin', ['admin']);
    const path = join(this.dataDir, ADMIN_KEY_FILE);
    const fd = openSync(path, 'w', 0o600);
    try {
      fchmodSync(fd, 0o600); // the file may have existed with wider permissions
      writeSync(fd, `${secret}\n`);
    } finally {
      closeSync(fd);
    }
    return path;
  }

  /**
   * Called on a timer: writes last-used times (throttled) and, when another connection
   * changed the database, reloads the active keys so a revocation made by the CLI takes
   * effect here too.
   */
  maintain(nowMs = Date.now()): void {
    if (nowMs - this.lastFlushMs >= LAST_USED_FLUSH_MS) this.flushLastUsed();
    const version = this.dataVersion.get()!.data_version;
    if (version !== this.lastDataVersion) this.reload();
  }

  flushLastUsed(): void {
    this.lastFlushMs = Date.now();
    if (this.dirtyLastUsed.size === 0) return;
    const keys = [...this.dirtyLastUsed];
    this.dirtyLastUsed.clear();
    try {
      this.db.transaction(() => {
        for (const k of keys) this.touchKey.run(k.lastUsedAtMs, k.id);
      })();
    } catch (error) {
      // rolled back (e.g. the disk full): the next flush writes them
      for (const k of keys) this.dirtyLastUsed.add(k);
      throw error;
    }
  }

  /** Before a read: fresh last-used times if they can be written, the stored ones if not. */
  private flushBeforeRead(): void {
    try {
      this.flushLastUsed();
    } catch {
      // kept for the next flush; the read goes on
    }
  }

  private reload(): void {
    // data_version only changes for commits of other connections; read it before loading.
    this.lastDataVersion = this.dataVersion.get()!.data_version;
    const active = new Map<string, KeyRow>();
    for (const r of this.selectActive.all()) active.set(r.hash, r);
    for (const digest of [...this.byHash.keys()]) if (!active.has(digest)) this.byHash.delete(digest);
    this.forgetSecrets(); // a key revoked elsewhere must not stay reachable by its secret
    for (const [digest, r] of active) {
      const cached = this.byHash.get(digest);
      if (!cached) this.byHash.set(digest, toRecord(r));
      else cached.scopes = JSON.parse(r.scopes) as Scope[];
    }
  }
}
