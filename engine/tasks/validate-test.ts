// Checks a diagnostic test's fields before anything runs; errors name the field.

import { SondeError } from '../errors.js';
import type { DiagnosticTest } from './types.js';

function integerIn(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SondeError('invalid', `${field} must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`, field);
  }
  return value;
}

function name(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > 253 || /[\s/]/.test(value.trim())) {
    throw new SondeError('invalid', `${field} must be an IP address or a DNS name (got ${JSON.stringify(value)})`, field);
  }
  return value.trim();
}

export function validateTest(test: DiagnosticTest): DiagnosticTest {
  if (test === null || typeof test !== 'object') throw new SondeError('invalid', 'test must be an object', 'test');
  switch (test.kind) {
    case 'ping':
      return {
        kind: 'ping',
        destination: name('destination', test.destination),
        count: integerIn('count', test.count, 1, 1000),
        size: integerIn('size', test.size, 0, 65_500),
        intervalMs: integerIn('intervalMs', test.intervalMs, 0, 60_000),
        timeoutMs: integerIn('timeoutMs', test.timeoutMs, 1, 60_000),
      };
    case 'traceroute':
      return {
        kind: 'traceroute',
        destination: name('destination', test.destination),
        maxHops: integerIn('maxHops', test.maxHops, 1, 255),
        probesPerHop: integerIn('probesPerHop', test.probesPerHop, 1, 10),
        timeoutMs: integerIn('timeoutMs', test.timeoutMs, 1, 60_000),
      };
    case 'tcp':
      return { kind: 'tcp', host: name('host', test.host), port: integerIn('port', test.port, 1, 65_535), timeoutMs: integerIn('timeoutMs', test.timeoutMs, 1, 600_000) };
    case 'http': {
      let url: URL;
      try {
        url = new URL(test.url);
      } catch {
        throw new SondeError('invalid', `url must be an absolute http:// or https:// URL (got ${JSON.stringify(test.url)})`, 'url');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new SondeError('invalid', `url must use http: or https: (got ${url.protocol})`, 'url');
      }
      return { kind: 'http', url: url.href, timeoutMs: integerIn('timeoutMs', test.timeoutMs, 1, 600_000) };
    }
    case 'dns':
      return { kind: 'dns', host: name('host', test.host), timeoutMs: integerIn('timeoutMs', test.timeoutMs, 1, 600_000) };
    default:
      throw new SondeError('invalid', `test kind must be ping, traceroute, tcp, http or dns (got ${JSON.stringify((test as { kind?: unknown }).kind)})`, 'kind');
  }
}
