// When a job's next probe may go out, with fping's semantics:
//  - round robin over the targets, `count` rounds;
//  - periodMs (fping -p): a target's probe r+1 is due periodMs after its probe r;
//  - gapMs (fping -i): minimum time between any two sends of the job (0 = no limit).
// Times are scheduled ideally (drift-free); a pacer that falls behind catches up by at most
// CATCH_UP_MS, so a gap shorter than the worker's tick is honoured on average (a few probes
// per tick) rather than as a hard per-packet gap.

const CATCH_UP_MS = 1;

export class ProbePacer {
  readonly targetCount: number;
  readonly count: number;
  readonly periodMs: number;
  readonly gapMs: number;
  /** Target of the next probe, and its probe number (round). */
  target = 0;
  round = 0;
  private readonly scheduled: Float64Array;
  private lastScheduled = -Infinity;
  private stopped = false;

  constructor(targetCount: number, count: number, periodMs: number, gapMs: number) {
    this.targetCount = targetCount;
    this.count = count;
    this.periodMs = periodMs;
    this.gapMs = gapMs;
    this.scheduled = new Float64Array(targetCount);
  }

  get done(): boolean {
    return this.stopped || this.round >= this.count || this.targetCount === 0;
  }

  /** True when the next probe (this.target, this.round) may be sent at nowMs. */
  due(nowMs: number): boolean {
    if (this.done) return false;
    if (this.gapMs > 0 && nowMs < this.lastScheduled + this.gapMs) return false;
    if (this.round > 0 && nowMs < this.scheduled[this.target] + this.periodMs) return false;
    return true;
  }

  /** Records that the next probe was sent at nowMs and moves to the one after it. */
  take(nowMs: number): void {
    const t = this.target;
    this.scheduled[t] = this.round === 0 ? nowMs : Math.max(this.scheduled[t] + this.periodMs, nowMs - CATCH_UP_MS);
    if (this.gapMs > 0) this.lastScheduled = Math.max(this.lastScheduled + this.gapMs, nowMs - CATCH_UP_MS);
    if (++this.target === this.targetCount) {
      this.target = 0;
      this.round++;
    }
  }

  /** No more probes (the job was cancelled). */
  stop(): void {
    this.stopped = true;
  }

  /** Earliest time the next probe may go, or Infinity when done. */
  nextDueMs(): number {
    if (this.done) return Infinity;
    let at = this.round > 0 ? this.scheduled[this.target] + this.periodMs : -Infinity;
    if (this.gapMs > 0) at = Math.max(at, this.lastScheduled + this.gapMs);
    return at;
  }
}
