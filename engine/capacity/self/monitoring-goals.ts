// The monitoring goals of issue 6, one definition for `sonde capacity self` and bench:monitor:
// N targets at 1 probe/s are monitored well when loss, schedule drift, CPU, memory and the
// summary's latency all stay within these bounds.
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';

export const MONITORING_GOALS = { lossPercent: 0.01, driftP99Ms: 5, cpuCores: 1.2, rssMB: 400, summaryP99Ms: 50 } as const;
export type MonitoringGoal = keyof typeof MONITORING_GOALS;

/** What one size measured, in the goals' units. */
export interface MonitoringFigures {
  lossPercent: number;
  driftP99Ms: number | null;
  cpuCores: number;
  rssPeakMB: number;
  /** GET /v1/monitors/{id}/summary to its last byte, a plain client (no gzip). */
  summaryP99Ms: number;
}

export function goalVerdicts(m: MonitoringFigures): Record<MonitoringGoal, boolean> {
  return {
    lossPercent: m.lossPercent <= MONITORING_GOALS.lossPercent,
    driftP99Ms: m.driftP99Ms !== null && m.driftP99Ms <= MONITORING_GOALS.driftP99Ms,
    cpuCores: m.cpuCores <= MONITORING_GOALS.cpuCores,
    rssMB: m.rssPeakMB <= MONITORING_GOALS.rssMB,
    summaryP99Ms: m.summaryP99Ms <= MONITORING_GOALS.summaryP99Ms,
  };
}

export const meetsGoals = (m: MonitoringFigures): boolean => Object.values(goalVerdicts(m)).every(Boolean);

/** Drift over a period from GET /v1/monitors/{id}/stats' cumulative `driftHistogram` (µs,
 *  HdrHistogram compressed base64) at its end minus the one at its start; null when either is
 *  missing, nothing was sampled, or the monitor restarted in between. */
export function driftBetween(start: string | null, end: string | null): { p50Ms: number; p99Ms: number; maxMs: number; samples: number } | null {
  if (start === null || end === null) return null;
  const a = decodeFromCompressedBase64(start);
  const b = decodeFromCompressedBase64(end);
  if (b.totalCount < a.totalCount) return null;
  b.subtract(a);
  if (b.totalCount === 0) return null;
  return { p50Ms: b.getValueAtPercentile(50) / 1000, p99Ms: b.getValueAtPercentile(99) / 1000, maxMs: b.getValueAtPercentile(100) / 1000, samples: b.totalCount };
}
