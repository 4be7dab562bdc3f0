// API keys and scopes, the per-key rate limit, and the audit log.

export const SCOPES = [
  'network:read',
  'network:write',
  'command:execute',
  'job:read',
  'targets:read',
  'targets:write',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKeyRecord {
  id: string;
  name: string;
  /** The first characters of the key (e.g. 'sonde_AbC1'), safe to show. */
  prefix: string;
  scopes: Scope[];
  createdAtMs: number;
  lastUsedAtMs: number | null;
  revokedAtMs: number | null;
}

export interface KeyService {
  /** The secret is returned here only; the store keeps its SHA-256. */
  create(name: string, scopes: readonly string[]): { key: ApiKeyRecord; secret: string };
  list(): ApiKeyRecord[];
  get(id: string): ApiKeyRecord | null;
  /** not_found if unknown; revoking twice is fine. Effective at once (cache invalidated). */
  revoke(id: string): ApiKeyRecord;
  /** The active key for a raw secret, or null (unknown, malformed or revoked). Few µs. */
  verify(secret: string): ApiKeyRecord | null;
  /** admin implies every scope. */
  hasScope(key: ApiKeyRecord, scope: Scope): boolean;
  /**
   * With no keys at all: creates an admin key, writes it to <dataDir>/admin.key (0600) and
   * returns that path. Otherwise null.
   */
  ensureAdminKey(): string | null;
}

export interface RateLimitDecision {
  ok: boolean;
  /** The bucket's capacity, the burst: the most `remaining` can be (X-RateLimit-Limit-second). */
  limit: number;
  /** Whole tokens left, 0..limit (X-RateLimit-Remaining-second). */
  remaining: number;
  /**
   * The whole policy as a RateLimit-Policy field (IETF httpapi-ratelimit-headers): `q` tokens
   * per `w` = 1 second sustained, `burst` the capacity. One string per limiter, not per request.
   */
  policy: string;
  /** When !ok: seconds until one token is available (Retry-After), ≥ 1. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  take(keyId: string, nowMs?: number): RateLimitDecision;
}

export interface AuditEntry {
  keyId: string | null;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  /** Default: now. */
  atMs?: number;
}

export interface AuditLog {
  /**
   * Buffered; written in batched transactions (at most ~100 ms later). Identical requests
   * (key, method, path, status) within one flush window share a row with a count.
   */
  record(entry: AuditEntry): void;
  flush(): void;
  /** Newest first. */
  recent(limit?: number): (AuditEntry & { atMs: number; count: number })[];
}
