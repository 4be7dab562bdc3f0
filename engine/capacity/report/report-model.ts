// What the report, the exports and `compare` read of a stored campaign run: the run's facts
// and, per step, its counters and RTT bucket counts. from-stored-run.ts builds it from the
// stored form (engine/capacity/types.ts); everything in this folder works on this shape only.
import type { BucketCounts } from './histogram-stats.js';

export interface ReportStep {
  /** 0-based position in the run. */
  index: number;
  /** e.g. "1000 pps × 64 B"; what the step table and the legends show. */
  label: string;
  /** ms since the epoch; the step's measured part (after its warm-up). */
  startMs: number;
  endMs: number;
  /** probes/s. */
  offeredRate: number;
  achievedRate: number;
  packetSize: number | null;
  concurrency: number | null;
  targets: number | null;
  sent: number;
  received: number;
  duplicates: number;
  errors: Readonly<Record<string, number>>;
  rtt: BucketCounts;
  /** sonde's own CPU (% of one core), RSS (bytes) and schedule drift p99 (ms) during the step. */
  cpuPercent: number | null;
  rssBytes: number | null;
  driftP99Ms: number | null;
  /** The first step that broke the SLO. */
  knee: boolean;
  sloMet: boolean | null;
}

export interface ReportRun {
  id: string;
  name: string;
  status: string;
  /** ms since the epoch. */
  startedAt: number;
  finishedAt: number | null;
  version: string;
  /** CPU model, cores, kernel, sysctls…: shown as a list. */
  host: Readonly<Record<string, string | number | null>>;
  /** The SLO as text, e.g. "loss ≤ 0.1 %, p99 ≤ 2 × step 1". */
  slo: string | null;
  steps: readonly ReportStep[];
}

export function lossPercent(step: Pick<ReportStep, 'sent' | 'received'>): number | null {
  if (step.sent === 0) return null;
  return (Math.max(0, step.sent - step.received) / step.sent) * 100;
}
