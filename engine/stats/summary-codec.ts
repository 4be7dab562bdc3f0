// Packed per-target summaries (Float64Array, SUMMARY_STRIDE values per target) as they
// travel from a worker to the main thread, and their decoding into TargetSummary objects.
import type { ProbeErrorKind, TargetSummary } from '../types.js';
import { ERROR_KINDS, ERROR_KIND_COUNT } from './error-kinds.js';

export const Summary = {
  SENT: 0,
  RECEIVED: 1,
  DUPLICATES: 2,
  LATE: 3,
  /** ERROR_KIND_COUNT counters, in ERROR_KINDS order. */
  ERRORS: 4,
  MIN: 4 + ERROR_KIND_COUNT,
  AVG: 5 + ERROR_KIND_COUNT,
  MAX: 6 + ERROR_KIND_COUNT,
  STDDEV: 7 + ERROR_KIND_COUNT,
  P50: 8 + ERROR_KIND_COUNT,
  P90: 9 + ERROR_KIND_COUNT,
  P99: 10 + ERROR_KIND_COUNT,
} as const;
export const SUMMARY_STRIDE = 11 + ERROR_KIND_COUNT;

/** Decodes target `i` of `packed`. */
export function decodeTargetSummary(packed: Float64Array, i: number, target: string, address: string): TargetSummary {
  const o = i * SUMMARY_STRIDE;
  const sent = packed[o + Summary.SENT];
  const received = packed[o + Summary.RECEIVED];
  const errors: Partial<Record<ProbeErrorKind, number>> = {};
  for (let k = 0; k < ERROR_KIND_COUNT; k++) {
    const n = packed[o + Summary.ERRORS + k];
    if (n > 0) errors[ERROR_KINDS[k]] = n;
  }
  return {
    target,
    address,
    sent,
    received,
    duplicates: packed[o + Summary.DUPLICATES],
    late: packed[o + Summary.LATE],
    errors,
    lossPercent: lossPercent(sent, received),
    minMs: packed[o + Summary.MIN],
    avgMs: packed[o + Summary.AVG],
    maxMs: packed[o + Summary.MAX],
    stddevMs: packed[o + Summary.STDDEV],
    p50Ms: packed[o + Summary.P50],
    p90Ms: packed[o + Summary.P90],
    p99Ms: packed[o + Summary.P99],
  };
}

/** A target that was not probed: nothing sent (because of `error`, or the job was cancelled first). */
export function unprobedTargetSummary(target: string, address: string | undefined, error?: string): TargetSummary {
  return {
    target,
    ...(address !== undefined ? { address } : {}),
    ...(error !== undefined ? { error } : {}),
    sent: 0,
    received: 0,
    duplicates: 0,
    late: 0,
    errors: {},
    lossPercent: error === undefined ? 0 : 100,
    minMs: NaN,
    avgMs: NaN,
    maxMs: NaN,
    stddevMs: NaN,
    p50Ms: NaN,
    p90Ms: NaN,
    p99Ms: NaN,
  };
}

/** 0..100: probes without an in-time reply over probes sent (0 when nothing was sent). */
export function lossPercent(sent: number, received: number): number {
  return sent === 0 ? 0 : ((sent - received) / sent) * 100;
}
