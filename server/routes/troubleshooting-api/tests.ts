// Each troubleshooting test's request body → the engine's diagnostic test, with the
// contract's defaults and ranges (400s worded as the seed words them).
import type { DiagnosticTest } from '../../../engine/index.js';
import { badRequest } from '../../http/errors.js';
import type { TestName } from './schemas.js';

const PING_INTERVAL_MS = 1000;
const PROBE_TIMEOUT_MS = 1000;
const TCP_TIMEOUT_MS = 5000;
const HTTP_TIMEOUT_MS = 10_000;
const DNS_TIMEOUT_MS = 5000;

function between(field: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (v < min || v > max) throw badRequest(`${field} must be between ${min} and ${max}`);
  return v;
}

function urlFor(scheme: 'http' | 'https', raw: string): string {
  const text = raw.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(text) ? text : `${scheme}://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw badRequest(`url is not a valid URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== `${scheme}:`) {
    throw badRequest(`url must be an ${scheme}:// URL for the ${scheme} test (got ${url.protocol}//); use the ${url.protocol === 'https:' ? 'https' : 'http'} test for it`);
  }
  return url.href;
}

export interface TestBody {
  destination?: string;
  packetSize?: number;
  count?: number;
  includeRawOutput?: boolean;
  maxHops?: number;
  host?: string;
  port?: number;
  url?: string;
}

export function testFor(name: TestName, body: TestBody): { test: DiagnosticTest; includeRawOutput: boolean } {
  const includeRawOutput = body.includeRawOutput ?? true;
  switch (name) {
    case 'ping':
      return {
        test: {
          kind: 'ping', destination: body.destination!, size: between('packetSize', body.packetSize, 56, 10, 2000),
          count: between('count', body.count, 5, 1, 100), intervalMs: PING_INTERVAL_MS, timeoutMs: PROBE_TIMEOUT_MS,
        },
        includeRawOutput,
      };
    case 'traceroute':
      return {
        test: { kind: 'traceroute', destination: body.destination!, maxHops: between('maxHops', body.maxHops, 30, 1, 64), probesPerHop: 3, timeoutMs: PROBE_TIMEOUT_MS },
        includeRawOutput,
      };
    case 'tcp':
      return { test: { kind: 'tcp', host: body.host!, port: between('port', body.port, 0, 1, 65535), timeoutMs: TCP_TIMEOUT_MS }, includeRawOutput };
    case 'http':
    case 'https':
      return { test: { kind: 'http', url: urlFor(name, body.url!), timeoutMs: HTTP_TIMEOUT_MS }, includeRawOutput };
    case 'nslookup':
      return { test: { kind: 'dns', host: body.host!, timeoutMs: DNS_TIMEOUT_MS }, includeRawOutput };
  }
}
