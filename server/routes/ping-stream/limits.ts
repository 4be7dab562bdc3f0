// Contract D's defaults ("0 uses server default") and the server's limits. A request over a
// limit is clamped, never silently: each clamp becomes a `notice` event before the first
// result and an `appliedLimits` entry in the summary.

export interface StreamLimits {
  maxCount: number;
  minIntervalMs: number;
  maxInFlight: number;
  maxTimeoutMs: number;
}

export const DEFAULT_LIMITS: StreamLimits = { maxCount: 10_000, minIntervalMs: 10, maxInFlight: 16, maxTimeoutMs: 60_000 };

/** Seed 002's server defaults for a field that is absent or 0. */
export const STREAM_DEFAULTS = { count: 4, intervalMs: 1000, timeoutMs: 5000, maxInFlight: 1 } as const;

export interface LimitNotice {
  code: 'LIMIT_APPLIED';
  message: string;
  /** Integers as numbers, names as strings. */
  details: { field: string; requested: number; applied: number; limit: string };
}

export interface EffectivePlan {
  count: number;
  intervalMs: number;
  timeoutMs: number;
  maxInFlight: number;
  notices: LimitNotice[];
  /** field → the value used, for each field that was clamped. */
  appliedLimits: Record<string, number>;
}

export interface PlanRequest {
  count?: number;
  intervalMs?: number;
  timeoutMs?: number;
  maxInFlight?: number;
}

export function applyLimits(request: PlanRequest, limits: StreamLimits = DEFAULT_LIMITS): EffectivePlan {
  const notices: LimitNotice[] = [];
  const appliedLimits: Record<string, number> = {};
  const clamp = (field: string, requested: number, applied: number, limitName: string, why: string): number => {
    if (applied === requested) return requested;
    notices.push({
      code: 'LIMIT_APPLIED',
      message: `${field} ${requested} ${why}; the stream uses ${applied}`,
      details: { field, requested, applied, limit: limitName },
    });
    appliedLimits[field] = applied;
    return applied;
  };
  const or = (value: number | undefined, fallback: number): number => (value === undefined || value === 0 ? fallback : value);

  const count = or(request.count, STREAM_DEFAULTS.count);
  const intervalMs = or(request.intervalMs, STREAM_DEFAULTS.intervalMs);
  const timeoutMs = or(request.timeoutMs, STREAM_DEFAULTS.timeoutMs);
  const maxInFlight = or(request.maxInFlight, STREAM_DEFAULTS.maxInFlight);
  return {
    count: clamp('count', count, Math.min(count, limits.maxCount), 'maxCount', `is above the server maximum of ${limits.maxCount} probes per stream`),
    intervalMs: clamp('intervalMs', intervalMs, Math.max(intervalMs, limits.minIntervalMs), 'minIntervalMs', `is below the server minimum interval of ${limits.minIntervalMs} ms`),
    timeoutMs: clamp('timeoutMs', timeoutMs, Math.min(timeoutMs, limits.maxTimeoutMs), 'maxTimeoutMs', `is above the server maximum timeout of ${limits.maxTimeoutMs} ms`),
    maxInFlight: clamp('maxInFlight', maxInFlight, Math.min(maxInFlight, limits.maxInFlight), 'maxInFlight', `is above the server maximum of ${limits.maxInFlight} probes in flight`),
    notices,
    appliedLimits,
  };
}
