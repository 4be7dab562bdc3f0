// The live tail of a smoke graph: the once-a-second frames of /v1/live for one target,
// gathered into the graph's steps until the history answers for them. The feed carries a
// per-second median, not a histogram, so a tail step's median is the median of its seconds'
// medians — an approximation the next history refresh replaces.
import type { TailPoint } from './smoke-series.js';

/** One target's entry of a live frame (README "Live feed"). */
export interface LiveEntry {
  t: number;
  targetId: string;
  monitorId: string;
  sent: number;
  received: number;
  rttP50Ms: number | null;
}

/** Seconds kept per step: beyond it a step's median comes from a uniform sample. */
const SAMPLES_PER_STEP = 3_600;

interface Step {
  sent: number;
  received: number;
  medians: number[];
  seen: number;
}

export class LiveTail {
  private readonly steps = new Map<number, Step>();

  constructor(
    private readonly targetId: string,
    private readonly stepMs: number,
    /** Step starts are aligned as the history's: fromMs + k·stepMs. */
    private readonly originMs: number,
    /** Only this monitor's entries (null: every monitor that probes the target). */
    private readonly monitorId: string | null,
  ) {}

  /** Takes the entries of one frame; returns whether any was this target's. */
  add(entries: readonly LiveEntry[]): boolean {
    let taken = false;
    for (const e of entries) {
      if (e.targetId !== this.targetId || (this.monitorId !== null && e.monitorId !== this.monitorId)) continue;
      if (!Number.isFinite(e.t)) continue;
      const start = this.originMs + Math.floor((e.t - this.originMs) / this.stepMs) * this.stepMs;
      let step = this.steps.get(start);
      if (step === undefined) {
        step = { sent: 0, received: 0, medians: [], seen: 0 };
        this.steps.set(start, step);
      }
      step.sent += e.sent;
      step.received += e.received;
      if (typeof e.rttP50Ms === 'number' && Number.isFinite(e.rttP50Ms)) {
        step.seen++;
        if (step.medians.length < SAMPLES_PER_STEP) step.medians.push(e.rttP50Ms);
        else {
          const j = Math.floor(Math.random() * step.seen);
          if (j < SAMPLES_PER_STEP) step.medians[j] = e.rttP50Ms;
        }
      }
      taken = true;
    }
    return taken;
  }

  /** Forgets steps before `ms` (the history now covers them). */
  dropBefore(ms: number): void {
    for (const t of this.steps.keys()) if (t + this.stepMs <= ms) this.steps.delete(t);
  }

  points(): TailPoint[] {
    return [...this.steps.entries()].sort((a, b) => a[0] - b[0]).map(([t, s]) => ({
      t, sent: s.sent, received: s.received, median: median(s.medians),
    }));
  }
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
