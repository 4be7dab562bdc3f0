// One measured run of one tool in a side-by-side benchmark.
export interface ToolRun {
  sent: number;
  received: number;
  duplicates: number;
  /** Seconds the tool took for the job (each tool's definition is in bench/README.md). */
  elapsedSec: number;
  roundTripsPerSec: number;
  /** Anything unusual the tool reported (stderr lines, errors). */
  note?: string;
}

/** Probes planned but not answered, as a percentage of those planned (unsent ones count). */
export function lossPercent(run: ToolRun, planned: number): number {
  return planned > 0 ? (100 * Math.max(0, planned - run.received)) / planned : NaN;
}
