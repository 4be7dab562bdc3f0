// The access step every authenticated request goes through, an HTTP route (pipeline.ts) or
// the /v1/live WebSocket upgrade: authenticate → rate limit → scope, then one audit row once
// answered. One copy, so both refuse the same requests with the same answers and audit alike.
// A request authenticates with an API key header or, when it sends none, with the
// dashboard's session cookie (session-cookie.ts); a cookie-authenticated write must also
// carry the session's CSRF token. Either way the key's scopes and rate limit apply.
import type { Logger } from 'pino';
import type { ApiKeyRecord, AuditLog, KeyService, RateLimitDecision, RateLimiter, Scope, SessionService } from '../../engine/index.js';
import { authenticate, checkRateLimit, requireScope } from './auth.js';
import { HttpError } from './errors.js';
import { csrfMatches, sessionTokenFrom } from './session-cookie.js';

/** What the access step needs from the daemon. */
export interface AccessServices {
  keys: KeyService;
  sessions: SessionService;
  rateLimiter: RateLimiter;
  audit: AuditLog;
}

/** What a request sent to prove who it is, read from its headers before any await. */
export interface Credentials {
  authorization: string;
  xApiKey: string;
  /** The Cookie header, read only when neither key header was sent ('' otherwise). */
  cookie: string;
  /** X-CSRF-Token, read only with a cookie on a method other than GET/HEAD. */
  csrfToken: string;
  /** The method changes state (not GET/HEAD): a cookie then needs the CSRF token. */
  write: boolean;
}

/** The session cookie's key, or throws 401 (ended session) / 403 (CSRF). */
function sessionKey(sessions: SessionService, credentials: Credentials): ApiKeyRecord | null {
  const token = sessionTokenFrom(credentials.cookie);
  if (token === '') return null;
  const active = sessions.verify(token);
  if (active === null) {
    throw new HttpError(401, 'the dashboard session has ended (signed out, expired, idle too long, or its API key was revoked)',
      'sign in again: POST /v1/session with {"key": "<api key>"}');
  }
  if (credentials.write && !csrfMatches(credentials.csrfToken, active.csrfToken)) {
    throw new HttpError(403, 'a request with the session cookie that changes state needs the session\'s CSRF token in X-CSRF-Token',
      'read csrfToken from POST or GET /v1/session and send it as X-CSRF-Token', undefined, 'csrf');
  }
  return active.key;
}

/** The key a request authenticates as: its key header, else its session cookie; 401 when neither. */
export function identify(services: AccessServices, credentials: Credentials): ApiKeyRecord {
  if (credentials.xApiKey === '' && credentials.authorization === '') {
    const key = sessionKey(services.sessions, credentials);
    if (key !== null) return key;
  }
  return authenticate(services.keys, credentials.authorization, credentials.xApiKey);
}

/** Filled in as the step goes: a request refused after authentication is still audited
 *  against its key, and a rate-limited one still carries its decision. */
export interface Admission {
  key: ApiKeyRecord | null;
  rate: RateLimitDecision | null;
}

/**
 * Admits a request for `scope` and returns its key, or throws the HttpError to answer with
 * (401, 429, 403). Also writes into `into`, so the per-request state holds the key without
 * an allocation and keeps it when a later check throws.
 */
export function admit(services: AccessServices, credentials: Credentials, scope: Scope, into: Admission): ApiKeyRecord {
  const key = identify(services, credentials);
  into.key = key;
  into.rate = checkRateLimit(services.rateLimiter, key);
  requireScope(services.keys, key, scope);
  return key;
}

/** Records the answered request against its key; a failing audit log is logged, never thrown. */
export function auditAnswer(
  services: AccessServices, logger: Logger, key: ApiKeyRecord | null, method: string, path: string, status: number, durationMs: number,
): void {
  if (key === null) return;
  try {
    services.audit.record({ keyId: key.id, method, path, status, durationMs });
  } catch (error) {
    logger.error({ err: error }, 'audit row could not be recorded');
  }
}
