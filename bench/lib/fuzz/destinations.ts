// The network rule for fuzzed input: whatever a request asks the daemon to probe, resolve or
// fetch is on loopback. Generators give destination fields loopback values only, and every
// request body is checked again as the daemon would read it (UTF-8 with replacement, then
// JSON or CSV) just before it is sent: `unsafeReason` names the field that could send a packet
// or a DNS query elsewhere, and the campaign sends a safe body instead. Probe counts and
// intervals are capped the same way, so a valid request cannot keep the daemon busy past the
// answer bound.
import fc from 'fast-check';
import { parseTargetCsv } from '../../../engine/index.js';
import type { JsonSchema, Override } from './schema-arbitrary.js';

/** Keys whose values the daemon may probe, resolve or connect to (any nesting). */
const DESTINATION_KEY = /addr|url|uri|host|server|target|dest|^ip|fqdn|domain|resolver|endpoint|webhook/i;
/** Keys that name stored things rather than destinations. */
const NOT_DESTINATION = new Set(['targetId', 'targetTypeHint']);
/** Numeric fields that set how much a request probes or how long it runs, and their caps. */
const COST_CAPS: Record<string, number> = {
  count: 3, pings: 2, probes: 2, maxHops: 3, maxInFlight: 4,
  intervalMs: 200, interval_ms: 200, timeoutMs: 1000, timeout_ms: 1000, timeout: 2,
  size: 1500, packetSize: 1500, payloadSizeBytes: 4096,
};
/** Above this a count or size is rejected by every route's schema or handler (int32 max). */
const BEYOND_EVERY_MAXIMUM = 2 ** 31 - 1;

export function isDestinationKey(key: string): boolean {
  return !NOT_DESTINATION.has(key) && DESTINATION_KEY.test(key);
}

const LOOPBACK_V4 = /^127\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Ports that answer on loopback: the daemon's own, and one nothing listens on. */
let safePorts = [1];
export function setSafePorts(ports: number[]): void {
  safePorts = ports;
}

/** A destination string the daemon may use: loopback IPs, localhost, http(s) URLs to them. */
export function isSafeDestination(s: string): boolean {
  if (LOOPBACK_V4.test(s) || s === '::1' || s === '[::1]' || s === 'localhost') return true;
  const m = /^https?:\/\/(127\.[0-9.]+|\[::1\]|localhost)(?::(\d{1,5}))?(\/[A-Za-z0-9/_.?=&-]*)?$/.exec(s);
  if (m === null) return false;
  if (m[1].startsWith('127.') && !LOOPBACK_V4.test(m[1])) return false;
  return m[2] === undefined ? false : safePorts.includes(Number(m[2]));
}

export const loopbackV4 = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 254 }))
  .map(([a, b, c]) => `127.${a}.${b}.${c}`);

/** Destination strings: valid loopback ones, and invalid ones that still only name loopback. */
export function destinationArbitrary(key: string): fc.Arbitrary<string> {
  const urlish = /url|uri|endpoint|webhook/i.test(key);
  const url = fc.tuple(fc.constantFrom('http', 'https'), fc.constantFrom('127.0.0.1', '[::1]', 'localhost'), fc.constantFrom(...safePorts), fc.constantFrom('/', '/healthz', '/x?y=1', '/nope'))
    .map(([scheme, host, port, path]) => `${scheme}://${host}:${port}${path}`);
  const plain = fc.oneof(loopbackV4, fc.constantFrom('127.0.0.1', '::1', 'localhost'));
  return urlish ? fc.oneof({ weight: 4, arbitrary: url }, { weight: 1, arbitrary: plain }) : fc.oneof({ weight: 4, arbitrary: plain }, { weight: 1, arbitrary: url });
}

/** The generator hook: loopback destinations, capped probe counts. */
export const constrainedFields: Override = (key: string, schema: JsonSchema) => {
  if (isDestinationKey(key)) {
    const dest = destinationArbitrary(key);
    return schema.type === 'array' ? fc.array(dest, { minLength: 1, maxLength: 3 }) : dest;
  }
  const cap = COST_CAPS[key];
  if (cap !== undefined) {
    const min = typeof schema.minimum === 'number' ? schema.minimum : 1;
    if (min > cap) return fc.constant(min);
    return fc.integer({ min, max: cap });
  }
  return undefined;
};

function unsafeLeaf(value: unknown, key: string, destination: boolean): string | null {
  if (typeof value === 'string') return destination && !isSafeDestination(value) ? `${key}: ${JSON.stringify(value.slice(0, 80))} is not a loopback destination` : null;
  if (typeof value === 'number') {
    if (destination) return `${key}: a number where a destination goes`;
    const cap = COST_CAPS[key];
    if (cap !== undefined && Number.isFinite(value) && value > cap && value <= BEYOND_EVERY_MAXIMUM) return `${key}: ${value} is above the fuzz cap ${cap}`;
  }
  return null;
}

/** Why this JSON value could make the daemon send outside loopback or run too long, or null. */
export function unsafeJsonReason(root: unknown): string | null {
  // iterative: fuzzed documents nest deeper than the call stack goes
  const stack: { value: unknown; key: string; destination: boolean }[] = [{ value: root, key: '', destination: false }];
  while (stack.length > 0) {
    const { value, key, destination } = stack.pop()!;
    if (Array.isArray(value)) {
      for (const item of value) stack.push({ value: item, key, destination });
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) stack.push({ value: v, key: k, destination: destination || isDestinationKey(k) });
    } else {
      const r = unsafeLeaf(value, key, destination);
      if (r !== null) return r;
    }
  }
  return null;
}

/**
 * The check on the bytes as sent. Bodies that are not JSON are harmless except where the
 * daemon reads CSV (bulk import with a text/csv content type; any header that mentions csv is
 * checked as CSV): those are read with the daemon's own CSV parser and each row checked.
 */
export function unsafeBodyReason(body: Buffer, contentType: string | undefined): string | null {
  const text = body.toString('utf8');
  if (contentType !== undefined && /csv/i.test(contentType)) {
    let rows: Record<string, unknown>[] = [];
    try {
      rows = parseTargetCsv(text);
    } catch {
      // rejected by the daemon as well
    }
    const r = unsafeJsonReason(rows.map((row) => ({ ...row, address: row.address })));
    if (r !== null) return `CSV: ${r}`;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  return unsafeJsonReason(parsed);
}
