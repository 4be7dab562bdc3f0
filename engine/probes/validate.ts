// Request checks shared by the probes: a bad field rejects with EngineInputError naming it.

import { EngineInputError } from '../types.js';

export const MAX_PROBE_TIMEOUT_MS = 600_000;

export function checkTimeout(timeoutMs: unknown): number {
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_PROBE_TIMEOUT_MS) {
    throw new EngineInputError('timeoutMs', `timeoutMs must be a number of milliseconds from 1 to ${MAX_PROBE_TIMEOUT_MS} (got ${String(timeoutMs)})`);
  }
  return timeoutMs;
}

export function checkHost(host: unknown, field = 'host'): string {
  if (typeof host !== 'string' || host.length === 0 || host.length > 253 || /[\s/\\@]/.test(host)) {
    throw new EngineInputError(field, `${field} must be an IP address or a DNS name (got ${JSON.stringify(host)})`);
  }
  // "[::1]" → "::1": the bracketed form is for URLs, not for connect().
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

export function checkPort(port: unknown): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new EngineInputError('port', `port must be an integer from 1 to 65535 (got ${String(port)})`);
  }
  return port;
}

export function checkFamily(family: unknown): 0 | 4 | 6 {
  if (family === undefined || family === 0 || family === 4 || family === 6) return family ?? 0;
  throw new EngineInputError('family', `family must be 4, 6 or 0 for either (got ${String(family)})`);
}
