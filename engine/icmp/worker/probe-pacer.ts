// When a job's next probe may go out, with fping's semantics:
//  - round robin over the targets, `count` rounds;
//  - periodMs (fping -p): a target's probe r+1 is due periodMs after its probe r. The
//    schedule is ideal (no drift when the worker's tick is late); after a stall of more
//    than a period it restarts from now instead of bursting to catch up;
//  - gapMs (fping -i): time between any two sends of the job (0 = no limit). A gap of at
//    least GAP_STRICT_MS is a hard minimum between actual sends; a shorter gap, below the
//    worker's 1 ms tick, is held on average (a few sends per tick, ideal schedule).

export const GAP_STRICT_MS = 1;

/** What the prober asks of a job's pacing (fping rounds here, a wall-clock grid in schedule-pacer.ts). */
export interface Pacer {
  /** Target of the next probe and its probe number (valid after due() returned true). */
  readonly target: number;
  readonly round: number;
  readonly done: boolean;
  due(nowMs: number): boolean;
  take(nowMs: number): void;
  stop(): void;
  nextDueMs(): number;
}

export class ProbePacer implements Pacer {
  readonly targetCount: number;
  readonly count: number;
  readonly periodMs: number;
  readonly gapMs: number;
  /** Target of the next probe, and its probe number (round). */
  target = 0;
  round = 0;
  private readonly scheduled: Float64Array;
  /** Strict gap: when the last probe went. Sub-tick gap: when it was scheduled. */
  private lastSend = -Infinity;
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
    if (this.gapMs > 0 && nowMs < this.lastSend + this.gapMs) return false;
    if (this.round > 0 && nowMs < this.scheduled[this.target] + this.periodMs) return false;
    return true;
  }

  /** Records that the next probe was sent at nowMs and moves to the one after it. */
  take(nowMs: number): void {
    const t = this.target;
    if (this.round === 0) {
      this.scheduled[t] = nowMs;
    } else {
      const next = this.scheduled[t] + this.periodMs;
      this.scheduled[t] = nowMs - next > this.periodMs ? nowMs : next;
    }
    if (this.gapMs >= GAP_STRICT_MS) {
      this.lastSend = nowMs;
    } else if (this.gapMs > 0) {
      const next = this.lastSend + this.gapMs;
      this.lastSend = nowMs - next > GAP_STRICT_MS ? nowMs - GAP_STRICT_MS : next;
    }
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
    if (this.gapMs > 0) at = Math.max(at, this.lastSend + this.gapMs);
    return at;
  }
}
