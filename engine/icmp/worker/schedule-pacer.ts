// When a continuous job's next probe may go out: a fixed wall-clock grid instead of fping's
// rounds (see ProbeSchedule in engine/types.ts). Target i's probe k of round r is planned at
// base + r·period + offsets[i] + k·spacing, offsets ascending; the job never ends by itself.
//
// One cursor per probe of a round (k) walks the targets in offset order; due() picks the
// cursor planned earliest, so sends leave in planned order with O(count) work per probe
// (count is 1 for nearly every monitor) and nothing allocated. A probe planned more than a
// period ago is skipped (counted), never sent in a catch-up burst after a stall.
import type { Pacer } from './probe-pacer.js';

export interface ScheduleInit {
  /** Round 0, on this thread's performance.now() clock. */
  baseMs: number;
  periodMs: number;
  /** Per target, ascending, in [0, periodMs). */
  offsetsMs: Float64Array;
  /** Probes per target per round. */
  count: number;
  spacingMs: number;
}

export class SchedulePacer implements Pacer {
  /** Target of the next probe, and its sequence number r·count + k. */
  target = 0;
  round = 0;
  /** Probes skipped because they were more than a period late. */
  skipped = 0;
  private readonly base: number;
  private readonly period: number;
  private readonly offsets: Float64Array;
  private readonly count: number;
  private readonly spacing: number;
  private readonly n: number;
  /** Per cursor k: next target index and its round. */
  private readonly pos: Uint32Array;
  private readonly rounds: Float64Array;
  private chosen = 0;
  private stopped = false;

  constructor(init: ScheduleInit, nowMs: number) {
    this.base = init.baseMs;
    this.period = init.periodMs;
    this.offsets = init.offsetsMs;
    this.count = init.count;
    this.spacing = init.spacingMs;
    this.n = init.offsetsMs.length;
    this.pos = new Uint32Array(this.count);
    this.rounds = new Float64Array(this.count);
    if (this.n === 0) return;
    // Start each cursor at its first probe planned at or after now (nothing is sent for
    // the part of the grid that lies before the job started).
    const elapsed = nowMs - this.base;
    for (let k = 0; k < this.count; k++) {
      const phase = elapsed - k * this.spacing;
      let r = Math.floor(phase / this.period);
      const within = phase - r * this.period;
      let i = lowerBound(this.offsets, within);
      if (i === this.n) {
        i = 0;
        r++;
      }
      this.pos[k] = i;
      this.rounds[k] = r;
    }
  }

  get done(): boolean {
    return this.stopped || this.n === 0;
  }

  private planned(k: number): number {
    return this.base + this.rounds[k] * this.period + this.offsets[this.pos[k]] + k * this.spacing;
  }

  private earliest(): number {
    let best = 0;
    if (this.count > 1) {
      let at = this.planned(0);
      for (let k = 1; k < this.count; k++) {
        const p = this.planned(k);
        if (p < at) {
          at = p;
          best = k;
        }
      }
    }
    return best;
  }

  private advance(k: number): void {
    if (++this.pos[k] === this.n) {
      this.pos[k] = 0;
      this.rounds[k]++;
    }
  }

  due(nowMs: number): boolean {
    if (this.done) return false;
    let k = this.earliest();
    while (this.planned(k) < nowMs - this.period) {
      this.advance(k);
      this.skipped++;
      k = this.earliest();
    }
    if (this.planned(k) > nowMs) return false;
    this.chosen = k;
    this.target = this.pos[k];
    this.round = this.rounds[k] * this.count + k;
    return true;
  }

  take(_nowMs: number): void {
    this.advance(this.chosen);
  }

  stop(): void {
    this.stopped = true;
  }

  nextDueMs(): number {
    return this.done ? Infinity : this.planned(this.earliest());
  }
}

/** First index whose value is ≥ x (values ascending). */
function lowerBound(values: Float64Array, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
