// API key authentication, scope check and the per-key rate limit, shared by every route.
import type { ApiKeyRecord, KeyService, RateLimitDecision, RateLimiter, Scope } from '../../engine/index.js';
import { HttpError } from './errors.js';

/** The secret from `Authorization: Bearer <key>` or `X-API-Key: <key>`; '' when neither. */
export function secretFrom(authorization: string, xApiKey: string): string {
  if (xApiKey !== '') return xApiKey.trim();
  if (authorization === '') return '';
  const space = authorization.indexOf(' ');
  // The scheme is case-insensitive; "Bearer" as written by nearly every client needs no lower-casing.
  const bearer = space === 6 && (authorization.startsWith('Bearer') || authorization.slice(0, 6).toLowerCase() === 'bearer');
  return bearer ? authorization.slice(7).trim() : '';
}

export function authenticate(keys: KeyService, authorization: string, xApiKey: string): ApiKeyRecord {
  const secret = secretFrom(authorization, xApiKey);
  if (secret === '') {
    const hint = authorization !== '' ? ' (the Authorization header must be "Bearer <key>")' : '';
    throw new HttpError(401, `missing API key${hint}`, 'send Authorization: Bearer <key> or X-API-Key: <key>; the first admin key is in <data>/admin.key');
  }
  const key = keys.verify(secret);
  if (key === null) throw new HttpError(401, 'unknown or revoked API key', 'check the key, or create one with `sonde keys create`');
  return key;
}

export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  return {
    'X-RateLimit-Limit-second': String(decision.limit),
    'X-RateLimit-Remaining-second': String(decision.remaining),
    'RateLimit-Policy': decision.policy,
  };
}

export function checkRateLimit(limiter: RateLimiter, key: ApiKeyRecord): RateLimitDecision {
  const decision = limiter.take(key.id);
  if (!decision.ok) {
    throw new HttpError(429, `rate limit exceeded for API key "${key.name}" (RateLimit-Policy ${decision.policy})`,
      `retry after ${decision.retryAfterSeconds} s`,
      { ...rateLimitHeaders(decision), 'Retry-After': String(decision.retryAfterSeconds) });
  }
  return decision;
}

export function requireScope(keys: KeyService, key: ApiKeyRecord, scope: Scope): void {
  if (!keys.hasScope(key, scope)) {
    throw new HttpError(403, `API key "${key.name}" lacks the scope "${scope}" this route needs`,
      `its scopes: ${key.scopes.join(', ') || 'none'}; create a key with --scopes ${scope}`);
  }
}
