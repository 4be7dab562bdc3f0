// Checks a PingRequest before anything is resolved or sent. Every problem throws an
// EngineInputError naming the request field; defaults are filled in here, once.
import { EngineInputError, type PingRequest, type ProbeSchedule } from '../../types.js';
import { MAX_PAYLOAD } from '../../../native-bindings/layout.js';
import { parseIpLiteral, type ParsedAddress } from '../shared/address.js';
import type { ProbeParameters } from '../shared/probe-parameters.js';

export const PING_LIMITS = {
  MAX_TARGETS: 1_000_000,
  MAX_COUNT: 1_000_000,
  MAX_SIZE: MAX_PAYLOAD,
  MAX_TIMEOUT_MS: 3_600_000,
  MAX_INTERVAL_MS: 86_400_000,
} as const;

export const PING_DEFAULTS = {
  count: 3,
  intervalMs: 1000,
  sendIntervalMs: 0,
  timeoutMs: 1000,
  size: 56,
  family: 4,
} as const satisfies Partial<ProbeParameters> & { family: 4 | 6 };

export interface ValidPingRequest extends ProbeParameters {
  targets: string[];
  /** Per target: its address when it is an IP literal, null for a host name. */
  literals: Array<ParsedAddress | null>;
  family: 4 | 6;
  signal?: AbortSignal;
  schedule: ValidSchedule | null;
}

export interface ValidSchedule {
  originMs: number;
  offsetsMs: Float64Array;
  spacingMs: number;
}

export function validatePingRequest(request: PingRequest): ValidPingRequest {
  if (typeof request !== 'object' || request === null) {
    throw new EngineInputError('request', 'the ping request must be an object like { targets: ["127.0.0.1"] }');
  }
  const { targets, literals } = validateTargets(request.targets);
  const count = integerIn('count', request.count ?? PING_DEFAULTS.count, 1, PING_LIMITS.MAX_COUNT, 'probes per target');
  const intervalMs = msIn('intervalMs', request.intervalMs ?? PING_DEFAULTS.intervalMs, 0, PING_LIMITS.MAX_INTERVAL_MS);
  const sendIntervalMs = msIn('sendIntervalMs', request.sendIntervalMs ?? PING_DEFAULTS.sendIntervalMs, 0, PING_LIMITS.MAX_INTERVAL_MS);
  const timeoutMs = msIn('timeoutMs', request.timeoutMs ?? PING_DEFAULTS.timeoutMs, 0, PING_LIMITS.MAX_TIMEOUT_MS);
  if (timeoutMs === 0) throw new EngineInputError('timeoutMs', 'timeoutMs must be greater than 0 (got 0): no reply could ever be in time');
  const size = integerIn('size', request.size ?? PING_DEFAULTS.size, 0, PING_LIMITS.MAX_SIZE, 'ICMP payload bytes');
  const ttl = request.ttl === undefined ? 0 : integerIn('ttl', request.ttl, 1, 255, 'TTL / hop limit');
  const tos = request.tos === undefined ? -1 : integerIn('tos', request.tos, 0, 255, 'TOS / traffic class');
  const dontFragment = request.dontFragment ?? false;
  if (typeof dontFragment !== 'boolean') throw new EngineInputError('dontFragment', `dontFragment must be true or false (got ${JSON.stringify(dontFragment)})`);
  const family = request.family ?? PING_DEFAULTS.family;
  if (family !== 4 && family !== 6) throw new EngineInputError('family', `family must be 4 or 6 (got ${String(family)})`);
  const signal = request.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new EngineInputError('signal', 'signal must be an AbortSignal');
  }
  const schedule = request.schedule === undefined ? null : validateSchedule(request.schedule, targets.length, count, intervalMs);
  return { targets, literals, count, intervalMs, sendIntervalMs, timeoutMs, size, ttl, tos, dontFragment, family, ...(signal ? { signal } : {}), schedule };
}

function validateSchedule(schedule: ProbeSchedule, targetCount: number, count: number, intervalMs: number): ValidSchedule {
  if (typeof schedule !== 'object' || schedule === null) {
    throw new EngineInputError('schedule', 'schedule must be an object like { originMs, offsetsMs }');
  }
  if (intervalMs <= 0) throw new EngineInputError('intervalMs', 'a scheduled job needs intervalMs > 0 (the period of its grid)');
  const originMs = msIn('schedule.originMs', schedule.originMs, 0, Number.MAX_SAFE_INTEGER);
  if (originMs > Date.now() + 1000) throw new EngineInputError('schedule.originMs', `schedule.originMs must not be in the future (got ${originMs}, now ${Date.now()})`);
  const given = schedule.offsetsMs as unknown;
  if (given === null || typeof given !== 'object' || typeof (given as { length?: unknown }).length !== 'number') {
    throw new EngineInputError('schedule.offsetsMs', 'schedule.offsetsMs must be an array with one offset per target');
  }
  const source = given as ArrayLike<number>;
  if (source.length !== targetCount) {
    throw new EngineInputError('schedule.offsetsMs', `schedule.offsetsMs has ${source.length} entries for ${targetCount} targets`);
  }
  const offsetsMs = Float64Array.from(source);
  for (let i = 0; i < offsetsMs.length; i++) {
    const o = offsetsMs[i];
    if (!(o >= 0 && o < intervalMs) || (i > 0 && o < offsetsMs[i - 1])) {
      throw new EngineInputError('schedule.offsetsMs', `schedule.offsetsMs[${i}] = ${o}: offsets must ascend, each in [0, intervalMs = ${intervalMs})`);
    }
  }
  const spacingMs = schedule.spacingMs === undefined ? intervalMs / (2 * count) : msIn('schedule.spacingMs', schedule.spacingMs, 0, intervalMs);
  return { originMs, offsetsMs, spacingMs };
}

function validateTargets(targets: unknown): { targets: string[]; literals: Array<ParsedAddress | null> } {
  if (!Array.isArray(targets) || targets.length === 0) {
    throw new EngineInputError('targets', 'targets must be a non-empty array of IP addresses or host names');
  }
  if (targets.length > PING_LIMITS.MAX_TARGETS) {
    throw new EngineInputError('targets', `targets has ${targets.length} entries; at most ${PING_LIMITS.MAX_TARGETS} per job`);
  }
  const literals = new Array<ParsedAddress | null>(targets.length);
  for (let i = 0; i < targets.length; i++) {
    const target: unknown = targets[i];
    const literal = typeof target === 'string' ? parseIpLiteral(target) : null;
    literals[i] = literal;
    if (literal !== null) continue;
    const problem = targetProblem(target);
    if (problem !== null) throw new EngineInputError('targets', `targets[${i}]: ${problem}`);
  }
  return { targets: targets as string[], literals };
}

/** Why `target` is neither an IP literal nor a syntactically valid host name, or null. */
export function targetProblem(target: unknown): string | null {
  if (typeof target !== 'string') return `must be a string (got ${typeof target})`;
  const shown = JSON.stringify(target);
  if (target.length === 0) return 'is empty';
  if (parseIpLiteral(target) !== null) return null;
  if (target.includes(':')) return `${shown} is not a valid IPv6 address${target.includes('%') ? ' (zone ids are not supported)' : ''}`;
  if (/^[0-9.]+$/.test(target)) return `${shown} is not a valid IPv4 address (use four decimal parts, e.g. 127.0.0.1)`;
  const name = target.endsWith('.') ? target.slice(0, -1) : target;
  if (name.length > 253) return `${shown} is longer than 253 characters, too long for a host name`;
  const labels = name.split('.');
  for (const label of labels) {
    if (!/^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(label)) {
      return `${shown} is not an IP address or a valid host name (bad label ${JSON.stringify(label)})`;
    }
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1])) return `${shown} is not a valid IPv4 address or host name`;
  return null;
}

function integerIn(field: string, value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new EngineInputError(field, `${field} (${what}) must be an integer from ${min} to ${max} (got ${describe(value)})`);
  }
  return value;
}

function msIn(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const sign = typeof value === 'number' && value < 0 ? ', it must not be negative' : '';
    throw new EngineInputError(field, `${field} must be a number of milliseconds from ${min} to ${max} (got ${describe(value)}${sign})`);
  }
  return value;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
