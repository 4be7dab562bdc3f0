// The access step every authenticated request goes through, an HTTP route (pipeline.ts) or
// the /v1/live WebSocket upgrade: authenticate → rate limit → scope, then one audit row once
// answered. One copy, so both refuse the same requests with the same answers and audit alike.
import type { Logger } from 'pino';
import type { ApiKeyRecord, AuditLog, KeyService, RateLimitDecision, RateLimiter, Scope } from '../../engine/index.js';
import { authenticate, checkRateLimit, requireScope } from './auth.js';

/** What the access step needs from the daemon. */
export interface AccessServices {
  keys: KeyService;
  rateLimiter: RateLimiter;
  audit: AuditLog;
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
export function admit(services: AccessServices, authorization: string, xApiKey: string, scope: Scope, into: Admission): ApiKeyRecord {
  const key = authenticate(services.keys, authorization, xApiKey);
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
