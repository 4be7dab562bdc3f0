// Browser sessions of the dashboard: an API key signed in once, then carried by an HttpOnly
// cookie. The cookie's token is 32 random bytes and only its SHA-256 is stored (the same
// reasoning as for API keys, key-service.ts: a 256-bit secret needs no slow KDF). A session
// carries its key's scopes by reading the key on every use, so a key revoked anywhere (the
// CLI included) ends its sessions at once; revoke() and revokeForKey() end them explicitly.
//
// Expiry is absolute (maxAgeMs from sign-in) and idle (idleMs without a request). The last
// use is kept in memory and written at most every few seconds per session, so a request
// does not cost a write; a restart loses at most that much of the idle clock.
import { hash, randomBytes, randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { SondeError } from '../errors.js';
import type { Db } from '../store/database.js';
import type { ApiKeyRecord, KeyService } from './types.js';

export const DEFAULT_SESSION_MAX_AGE_MS = 12 * 3_600_000;
export const DEFAULT_SESSION_IDLE_MS = 30 * 60_000;
/** The last use of a session is written at most this often (or a quarter of its idle time). */
const LAST_SEEN_WRITE_MS = 60_000;
const TOKEN_LENGTH = 43; // base64url of 32 bytes

export interface SessionOptions {
  /** Absolute lifetime from sign-in (default 12 h). */
  maxAgeMs?: number;
  /** Ends after this long without a request (default 30 min). */
  idleMs?: number;
}

/** A session as the API shows it (never its token). */
export interface SessionRecord {
  id: string;
  keyId: string;
  createdAtMs: number;
  expiresAtMs: number;
  lastSeenAtMs: number;
  idleTimeoutMs: number;
  revokedAtMs: number | null;
}

export interface ActiveSession {
  session: SessionRecord;
  key: ApiKeyRecord;
  csrfToken: string;
}

export interface SessionService {
  /** Signs a key in: the token goes in the cookie and is returned only here. */
  create(key: ApiKeyRecord, nowMs?: number): ActiveSession & { token: string };
  /** The live session of a cookie token (and counts the use), or null when unknown, expired,
   *  idle too long, revoked, or its key is revoked. */
  verify(token: string, nowMs?: number): ActiveSession | null;
  /** Ends one session (of `keyId` when given); false when there is none. */
  revoke(id: string, keyId?: string, nowMs?: number): boolean;
  /** Ends every session of a key (its revocation). Returns how many. */
  revokeForKey(keyId: string, nowMs?: number): number;
  /** The sessions of a key still live, newest first. */
  listForKey(keyId: string, nowMs?: number): SessionRecord[];
  /** Writes pending last-use times and deletes sessions ended more than a day ago. */
  maintain(nowMs?: number): void;
}

interface SessionRow {
  id: string;
  key_id: string;
  token_hash: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
  idle_ms: number;
  last_seen_at: number;
  revoked_at: number | null;
}

interface Cached {
  row: SessionRow;
  /** last_seen_at as stored. */
  writtenSeenAt: number;
}

function toRecord(r: SessionRow): SessionRecord {
  return {
    id: r.id, keyId: r.key_id, createdAtMs: r.created_at, expiresAtMs: r.expires_at, lastSeenAtMs: r.last_seen_at,
    idleTimeoutMs: r.idle_ms, revokedAtMs: r.revoked_at,
  };
}

const isLive = (r: SessionRow, nowMs: number): boolean =>
  r.revoked_at === null && nowMs < r.expires_at && nowMs - r.last_seen_at < r.idle_ms;

function checkedMs(value: number | undefined, fallback: number, field: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 100) throw new SondeError('invalid', `${field} must be a number of ms, at least 100 (got ${String(value)})`, field);
  return Math.round(v);
}

export class SqliteSessionService implements SessionService {
  readonly maxAgeMs: number;
  readonly idleMs: number;
  /** Sessions seen since start, by token hash (the rows are few: one per signed-in browser). */
  private readonly byHash = new Map<string, Cached>();
  private readonly insert: Statement;
  private readonly selectByHash: Statement<[string], SessionRow>;
  private readonly selectByKey: Statement<[string], SessionRow>;
  private readonly revokeOne: Statement;
  private readonly revokeOfKey: Statement;
  private readonly touch: Statement;
  private readonly purge: Statement;

  constructor(db: Db, private readonly keys: KeyService, options: SessionOptions = {}) {
    this.maxAgeMs = checkedMs(options.maxAgeMs, DEFAULT_SESSION_MAX_AGE_MS, 'dashboard.sessionHours');
    this.idleMs = checkedMs(options.idleMs, DEFAULT_SESSION_IDLE_MS, 'dashboard.idleMinutes');
    this.insert = db.prepare(
      'INSERT INTO browser_sessions (id, key_id, token_hash, csrf_token, created_at, expires_at, idle_ms, last_seen_at) '
      + 'VALUES (@id, @key_id, @token_hash, @csrf_token, @created_at, @expires_at, @idle_ms, @last_seen_at)',
    );
    this.selectByHash = db.prepare('SELECT * FROM browser_sessions WHERE token_hash = ?');
    this.selectByKey = db.prepare('SELECT * FROM browser_sessions WHERE key_id = ? AND revoked_at IS NULL ORDER BY created_at DESC, id');
    this.revokeOne = db.prepare('UPDATE browser_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
    this.revokeOfKey = db.prepare('UPDATE browser_sessions SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL');
    this.touch = db.prepare('UPDATE browser_sessions SET last_seen_at = max(last_seen_at, ?) WHERE id = ?');
    this.purge = db.prepare('DELETE FROM browser_sessions WHERE coalesce(revoked_at, expires_at) < ?');
  }

  create(key: ApiKeyRecord, nowMs = Date.now()): ActiveSession & { token: string } {
    const token = randomBytes(32).toString('base64url');
    const row: SessionRow = {
      id: randomUUID(), key_id: key.id, token_hash: hash('sha256', token, 'base64url'), csrf_token: randomBytes(24).toString('base64url'),
      created_at: nowMs, expires_at: nowMs + this.maxAgeMs, idle_ms: this.idleMs, last_seen_at: nowMs, revoked_at: null,
    };
    this.insert.run(row);
    this.byHash.set(row.token_hash, { row, writtenSeenAt: nowMs });
    return { session: toRecord(row), key, csrfToken: row.csrf_token, token };
  }

  verify(token: string, nowMs = Date.now()): ActiveSession | null {
    if (typeof token !== 'string' || token.length !== TOKEN_LENGTH) return null;
    const digest = hash('sha256', token, 'base64url');
    let cached = this.byHash.get(digest);
    if (cached === undefined) {
      const row = this.selectByHash.get(digest);
      if (row === undefined) return null;
      cached = { row, writtenSeenAt: row.last_seen_at };
      this.byHash.set(digest, cached);
    }
    const { row } = cached;
    if (!isLive(row, nowMs)) {
      this.byHash.delete(digest);
      return null;
    }
    const key = this.keys.get(row.key_id);
    if (key === null || key.revokedAtMs !== null) return null;
    row.last_seen_at = nowMs;
    if (nowMs - cached.writtenSeenAt >= Math.min(LAST_SEEN_WRITE_MS, row.idle_ms / 4)) {
      cached.writtenSeenAt = nowMs;
      this.touch.run(nowMs, row.id);
    }
    return { session: toRecord(row), key, csrfToken: row.csrf_token };
  }

  revoke(id: string, keyId?: string, nowMs = Date.now()): boolean {
    if (keyId !== undefined && !this.selectByKey.all(keyId).some((r) => r.id === id)) return false;
    const ended = this.revokeOne.run(nowMs, id).changes > 0;
    for (const c of this.byHash.values()) if (c.row.id === id) c.row.revoked_at = nowMs;
    return ended;
  }

  revokeForKey(keyId: string, nowMs = Date.now()): number {
    const n = this.revokeOfKey.run(nowMs, keyId).changes;
    for (const c of this.byHash.values()) if (c.row.key_id === keyId && c.row.revoked_at === null) c.row.revoked_at = nowMs;
    return n;
  }

  listForKey(keyId: string, nowMs = Date.now()): SessionRecord[] {
    return this.selectByKey.all(keyId).map((r) => {
      const cached = this.byHash.get(r.token_hash);
      return cached !== undefined ? cached.row : r;
    }).filter((r) => isLive(r, nowMs)).map(toRecord);
  }

  maintain(nowMs = Date.now()): void {
    for (const [digest, c] of this.byHash) {
      if (c.row.last_seen_at > c.writtenSeenAt) {
        c.writtenSeenAt = c.row.last_seen_at;
        this.touch.run(c.row.last_seen_at, c.row.id);
      }
      if (!isLive(c.row, nowMs)) this.byHash.delete(digest);
    }
    this.purge.run(nowMs - 86_400_000);
  }
}
