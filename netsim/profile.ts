// Host profiles: what a simulated host does with each echo request. Profiles are plain data
// (they cross to the simulator's worker thread by postMessage); compileProfile() validates one
// and turns it into the flat form the packet loop reads.
import { NetsimInputError, parseAddress, type Family } from './addresses.js';

/**
 * Which requests an effect applies to.
 * - a number or { percent }: that share of requests, chosen by the seeded random stream;
 * - { every, start? }: the every-th request to the host (1-based: every 5 → 5th, 10th, …),
 *   or start, start + every, … when start is given;
 * - { seqs }: requests with these ICMP sequence numbers;
 * - { ordinals }: the n-th requests to this host (1-based), whatever their sequence numbers.
 */
export type Selector =
  | number
  | { percent: number }
  | { every: number; start?: number }
  | { seqs: number[] }
  | { ordinals: number[] };

/** Reply delay: a number is a fixed delay in ms. */
export type Latency =
  | number
  | {
      ms: number;
      /** uniform: ms ± jitterMs; normal: standard deviation jitterMs (clamped at 0). */
      jitterMs?: number;
      distribution?: 'uniform' | 'normal';
    };

export interface HostProfile {
  latency?: Latency;
  /** Requests silently dropped. */
  loss?: Selector;
  /** Replies sent more than once. */
  duplicate?: Selector;
  /** Extra copies of a duplicated reply (default 1). */
  duplicateCopies?: number;
  /** Gap between the reply and each extra copy, ms (default 0). */
  duplicateGapMs?: number;
  /** Replies held back by reorderDelayMs so that later replies overtake them. */
  reorder?: Selector;
  /** Extra delay of a reordered reply, ms (default 100). */
  reorderDelayMs?: number;
  /** Replies sent with a wrong ICMP checksum. */
  corrupt?: Selector;
  /** Replies sent after lateDelayMs instead of the latency (meant to exceed the prober's timeout). */
  late?: Selector;
  lateDelayMs?: number;
  /** TTL / hop limit of the host's replies (default 64). */
  ttl?: number;
  /** Never answer. */
  blackhole?: boolean;
  /** Answer with destination unreachable (ICMP type 3 / ICMPv6 type 1) instead of an echo reply. */
  unreachable?: {
    code: number;
    /** Which requests (default: all). */
    when?: Selector;
    /** Source of the error (default: the host itself). */
    from?: string;
  };
  /**
   * The host sits fromHop hops away: a request whose TTL is below fromHop gets time exceeded
   * (ICMP 11/0, ICMPv6 3/0) from the router of hop TTL; the host answers when TTL ≥ fromHop.
   * Router h is routers[h - 1], by default 198.19.254.h / 2001:db8:fffe::h. Routers answer
   * with TTL 255 − (h − 1) after the host's latency.
   */
  timeExceeded?: { fromHop: number; routers?: string[] };
  /** Answer at most this many requests per second (token bucket refilled at that rate); the rest are dropped. */
  rateLimit?: number;
  /** Size of rateLimit's bucket, requests (default: rateLimit, one second's worth). A small
   *  bucket makes the limit bite at once above the rate instead of after the burst is spent. */
  rateLimitBurst?: number;
  /**
   * A link that forwards `pps` requests per second, first in first out: a request waits for the
   * ones ahead of it, so below the rate the delay stays at the latency and beyond it grows with
   * the queue; a request that would wait longer than `bufferMs` (default 1000) is dropped.
   */
  bottleneck?: { pps: number; bufferMs?: number };
}

export const SelectKind = { None: 0, Percent: 1, Every: 2, Seqs: 3, Ordinals: 4, All: 5 } as const;
export type SelectKind = (typeof SelectKind)[keyof typeof SelectKind];

export interface CompiledSelector {
  kind: SelectKind;
  /** Percent as a fraction 0..1. */
  fraction: number;
  every: number;
  /** 1-based ordinal of the first selected request (Every). */
  start: number;
  set: Set<number> | null;
}

export const LatencyKind = { Fixed: 0, Uniform: 1, Normal: 2 } as const;
export type LatencyKind = (typeof LatencyKind)[keyof typeof LatencyKind];

export interface CompiledProfile {
  latencyKind: LatencyKind;
  latencyMs: number;
  jitterMs: number;
  loss: CompiledSelector;
  duplicate: CompiledSelector;
  duplicateCopies: number;
  duplicateGapMs: number;
  reorder: CompiledSelector;
  reorderDelayMs: number;
  corrupt: CompiledSelector;
  late: CompiledSelector;
  lateDelayMs: number;
  ttl: number;
  blackhole: boolean;
  unreachable: CompiledSelector;
  unreachableCode: number;
  /** 16-byte address of the unreachable sender, or null for the host itself. */
  unreachableFromV4: Uint8Array | null;
  unreachableFromV6: Uint8Array | null;
  timeExceededFromHop: number;
  /** Router for hop h at index h - 1 (16-byte slots); empty = default routers. */
  routersV4: Uint8Array[];
  routersV6: Uint8Array[];
  rateLimit: number;
  rateLimitBurst: number;
  /** Forwarding rate of the bottleneck (0 = none), and the longest wait it queues, ms. */
  bottleneckPps: number;
  bottleneckBufferMs: number;
}

const NONE: CompiledSelector = { kind: SelectKind.None, fraction: 0, every: 0, start: 0, set: null };
const ALL: CompiledSelector = { kind: SelectKind.All, fraction: 1, every: 0, start: 0, set: null };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function finiteNumber(v: unknown, field: string, min: number, max: number, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new NetsimInputError(field, `${field} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function integerList(v: unknown, field: string, min: number, max: number): Set<number> {
  if (!Array.isArray(v)) throw new NetsimInputError(field, `${field} must be an array of integers`);
  return new Set(v.map((x, i) => finiteNumber(x, `${field}[${i}]`, min, max, true)));
}

export function compileSelector(v: Selector | undefined, field: string): CompiledSelector {
  if (v === undefined) return NONE;
  if (typeof v === 'number') v = { percent: v };
  if (!isRecord(v)) throw new NetsimInputError(field, `${field} must be a percent, { percent }, { every, start? }, { seqs } or { ordinals }`);
  const keys = Object.keys(v);
  if ('percent' in v) {
    const fraction = finiteNumber(v.percent, `${field}.percent`, 0, 100) / 100;
    if (keys.length !== 1) throw new NetsimInputError(field, `${field}: { percent } takes no other keys`);
    return fraction === 0 ? NONE : { ...NONE, kind: SelectKind.Percent, fraction };
  }
  if ('every' in v) {
    const every = finiteNumber(v.every, `${field}.every`, 1, 2 ** 31, true);
    const start = v.start === undefined ? every : finiteNumber(v.start, `${field}.start`, 1, 2 ** 31, true);
    if (keys.some((k) => k !== 'every' && k !== 'start')) throw new NetsimInputError(field, `${field}: { every, start? } takes no other keys`);
    return { ...NONE, kind: SelectKind.Every, every, start };
  }
  if ('seqs' in v) {
    if (keys.length !== 1) throw new NetsimInputError(field, `${field}: { seqs } takes no other keys`);
    return { ...NONE, kind: SelectKind.Seqs, set: integerList(v.seqs, `${field}.seqs`, 0, 65535) };
  }
  if ('ordinals' in v) {
    if (keys.length !== 1) throw new NetsimInputError(field, `${field}: { ordinals } takes no other keys`);
    return { ...NONE, kind: SelectKind.Ordinals, set: integerList(v.ordinals, `${field}.ordinals`, 1, 2 ** 53) };
  }
  throw new NetsimInputError(field, `${field} must be a percent, { percent }, { every, start? }, { seqs } or { ordinals }, got keys ${keys.join(', ') || '(none)'}`);
}

function compileLatency(v: Latency | undefined, field: string): Pick<CompiledProfile, 'latencyKind' | 'latencyMs' | 'jitterMs'> {
  if (v === undefined) return { latencyKind: LatencyKind.Fixed, latencyMs: 0, jitterMs: 0 };
  if (typeof v === 'number') return { latencyKind: LatencyKind.Fixed, latencyMs: finiteNumber(v, field, 0, 3_600_000), jitterMs: 0 };
  if (!isRecord(v)) throw new NetsimInputError(field, `${field} must be a number of ms or { ms, jitterMs?, distribution? }`);
  const latencyMs = finiteNumber(v.ms, `${field}.ms`, 0, 3_600_000);
  const jitterMs = v.jitterMs === undefined ? 0 : finiteNumber(v.jitterMs, `${field}.jitterMs`, 0, 3_600_000);
  const dist = v.distribution ?? 'uniform';
  if (dist !== 'uniform' && dist !== 'normal') throw new NetsimInputError(`${field}.distribution`, `${field}.distribution must be "uniform" or "normal", got ${JSON.stringify(dist)}`);
  if (jitterMs === 0) return { latencyKind: LatencyKind.Fixed, latencyMs, jitterMs };
  return { latencyKind: dist === 'uniform' ? LatencyKind.Uniform : LatencyKind.Normal, latencyMs, jitterMs };
}

const PROFILE_KEYS = new Set([
  'latency', 'loss', 'duplicate', 'duplicateCopies', 'duplicateGapMs', 'reorder', 'reorderDelayMs', 'corrupt',
  'late', 'lateDelayMs', 'ttl', 'blackhole', 'unreachable', 'timeExceeded', 'rateLimit', 'rateLimitBurst', 'bottleneck',
]);

function addressIn(family: Family, text: string, field: string): Uint8Array | null {
  const a = parseAddress(text, field);
  return a.family === family ? a.bytes : null;
}

/** Validates a profile (errors name the bad field, prefixed by `field`) and compiles it. */
export function compileProfile(p: HostProfile, field = 'profile'): CompiledProfile {
  if (!isRecord(p as unknown)) throw new NetsimInputError(field, `${field} must be an object`);
  for (const k of Object.keys(p)) {
    if (!PROFILE_KEYS.has(k)) throw new NetsimInputError(`${field}.${k}`, `${field}.${k} is not a profile setting; known: ${[...PROFILE_KEYS].join(', ')}`);
  }
  const late = compileSelector(p.late, `${field}.late`);
  if (late.kind !== SelectKind.None && p.lateDelayMs === undefined) {
    throw new NetsimInputError(`${field}.lateDelayMs`, `${field}.late needs ${field}.lateDelayMs (how long late replies are held, ms)`);
  }
  let unreachable = NONE;
  let unreachableCode = 0;
  let unreachableFromV4: Uint8Array | null = null;
  let unreachableFromV6: Uint8Array | null = null;
  if (p.unreachable !== undefined) {
    const u = p.unreachable;
    if (!isRecord(u as unknown)) throw new NetsimInputError(`${field}.unreachable`, `${field}.unreachable must be { code, when?, from? }`);
    unreachableCode = finiteNumber(u.code, `${field}.unreachable.code`, 0, 255, true);
    unreachable = u.when === undefined ? ALL : compileSelector(u.when, `${field}.unreachable.when`);
    if (u.from !== undefined) {
      unreachableFromV4 = addressIn(4, u.from, `${field}.unreachable.from`);
      unreachableFromV6 = addressIn(6, u.from, `${field}.unreachable.from`);
    }
  }
  let timeExceededFromHop = 0;
  const routersV4: Uint8Array[] = [];
  const routersV6: Uint8Array[] = [];
  if (p.timeExceeded !== undefined) {
    const t = p.timeExceeded;
    if (!isRecord(t as unknown)) throw new NetsimInputError(`${field}.timeExceeded`, `${field}.timeExceeded must be { fromHop, routers? }`);
    timeExceededFromHop = finiteNumber(t.fromHop, `${field}.timeExceeded.fromHop`, 1, 255, true);
    if (t.routers !== undefined) {
      if (!Array.isArray(t.routers)) throw new NetsimInputError(`${field}.timeExceeded.routers`, `${field}.timeExceeded.routers must be an array of addresses (router of hop h at index h - 1)`);
      t.routers.forEach((r, i) => {
        const a = parseAddress(r, `${field}.timeExceeded.routers[${i}]`);
        (a.family === 4 ? routersV4 : routersV6).push(a.bytes);
      });
    }
  }
  let bottleneckPps = 0;
  let bottleneckBufferMs = 0;
  if (p.bottleneck !== undefined) {
    const b = p.bottleneck;
    if (!isRecord(b as unknown)) throw new NetsimInputError(`${field}.bottleneck`, `${field}.bottleneck must be { pps, bufferMs? }`);
    for (const k of Object.keys(b)) {
      if (k !== 'pps' && k !== 'bufferMs') throw new NetsimInputError(`${field}.bottleneck.${k}`, `${field}.bottleneck.${k} is not a bottleneck setting; known: pps, bufferMs`);
    }
    bottleneckPps = finiteNumber(b.pps, `${field}.bottleneck.pps`, 1, 1e9);
    bottleneckBufferMs = b.bufferMs === undefined ? 1000 : finiteNumber(b.bufferMs, `${field}.bottleneck.bufferMs`, 0, 3_600_000);
  }
  const rateLimit = p.rateLimit === undefined ? 0 : finiteNumber(p.rateLimit, `${field}.rateLimit`, 1, 1e9);
  if (p.rateLimitBurst !== undefined && rateLimit === 0) throw new NetsimInputError(`${field}.rateLimitBurst`, `${field}.rateLimitBurst needs ${field}.rateLimit (the rate its bucket refills at)`);
  const rateLimitBurst = p.rateLimitBurst === undefined ? rateLimit : finiteNumber(p.rateLimitBurst, `${field}.rateLimitBurst`, 1, 1e9);
  if (p.blackhole !== undefined && typeof p.blackhole !== 'boolean') throw new NetsimInputError(`${field}.blackhole`, `${field}.blackhole must be true or false`);
  return {
    ...compileLatency(p.latency, `${field}.latency`),
    loss: compileSelector(p.loss, `${field}.loss`),
    duplicate: compileSelector(p.duplicate, `${field}.duplicate`),
    duplicateCopies: p.duplicateCopies === undefined ? 1 : finiteNumber(p.duplicateCopies, `${field}.duplicateCopies`, 1, 100, true),
    duplicateGapMs: p.duplicateGapMs === undefined ? 0 : finiteNumber(p.duplicateGapMs, `${field}.duplicateGapMs`, 0, 3_600_000),
    reorder: compileSelector(p.reorder, `${field}.reorder`),
    reorderDelayMs: p.reorderDelayMs === undefined ? 100 : finiteNumber(p.reorderDelayMs, `${field}.reorderDelayMs`, 0, 3_600_000),
    corrupt: compileSelector(p.corrupt, `${field}.corrupt`),
    late,
    lateDelayMs: p.lateDelayMs === undefined ? 0 : finiteNumber(p.lateDelayMs, `${field}.lateDelayMs`, 0, 3_600_000),
    ttl: p.ttl === undefined ? 64 : finiteNumber(p.ttl, `${field}.ttl`, 1, 255, true),
    blackhole: p.blackhole === true,
    unreachable,
    unreachableCode,
    unreachableFromV4,
    unreachableFromV6,
    timeExceededFromHop,
    routersV4,
    routersV6,
    rateLimit,
    rateLimitBurst,
    bottleneckPps,
    bottleneckBufferMs,
  };
}
