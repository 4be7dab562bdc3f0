// Per-host counters as fping keeps them: totals, the -Q split (reset at each report) and,
// for -C, every probe's RTT. Filled from the engine's per-probe stream.

/** Sent (concluded: answered or timed out) and received, with min/sum/max RTT in ns. */
export class Counts {
  sent = 0;
  received = 0;
  minNs = 0;
  maxNs = 0;
  sumNs = 0;

  addLost(): void {
    this.sent++;
  }

  addReply(rttNs: number): void {
    this.sent++;
    this.received++;
    if (this.received === 1 || rttNs < this.minNs) this.minNs = rttNs;
    if (rttNs > this.maxNs) this.maxNs = rttNs;
    this.sumNs += rttNs;
  }

  reset(): void {
    this.sent = this.received = this.minNs = this.maxNs = this.sumNs = 0;
  }
}

/** ICMP errors come within a few timeouts of their probe; a window of timed-out seqs per host. */
const RECENT_TIMEOUTS = 32;

export class HostTally {
  readonly total = new Counts();
  readonly split = new Counts();
  /** Replies including duplicates (fping's num_recv_total). */
  receivedTotal = 0;
  /** -C: RTT of probe k in ns, -1 for a lost one; null when not kept. */
  readonly rttsNs: Float64Array | null;

  constructor(keepRtts: number) {
    this.rttsNs = keepRtts > 0 ? new Float64Array(keepRtts).fill(-1) : null;
  }

  get sent(): number {
    return this.total.sent;
  }

  get received(): number {
    return this.total.received;
  }

  get rttSumNs(): number {
    return this.total.sumNs;
  }

  reply(seq: number, rttNs: number): void {
    this.total.addReply(rttNs);
    this.split.addReply(rttNs);
    this.receivedTotal++;
    if (this.rttsNs !== null && seq < this.rttsNs.length) this.rttsNs[seq] = rttNs;
  }

  lost(): void {
    this.total.addLost();
    this.split.addLost();
  }

  /** The engine streams an ICMP error for a probe that already timed out as a second event
   *  for that seq: remember the last few timed-out seqs to tell such an error apart. */
  private readonly recentTimeouts = new Float64Array(RECENT_TIMEOUTS).fill(-1);
  private recentNext = 0;

  timedOut(seq: number): void {
    this.lost();
    this.recentTimeouts[this.recentNext] = seq;
    this.recentNext = (this.recentNext + 1) % RECENT_TIMEOUTS;
  }

  /** Whether `seq` timed out recently (and forgets it). */
  takeTimedOut(seq: number): boolean {
    const k = this.recentTimeouts.indexOf(seq);
    if (k < 0) return false;
    this.recentTimeouts[k] = -1;
    return true;
  }
}
