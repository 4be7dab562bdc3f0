// Per-second figures of every row of a monitor, for the live feed and the state machine:
// probes concluded and answered in the current second, the RTT maximum, and up to
// SECOND_SAMPLES RTT samples per row (a uniform reservoir beyond that) for the median.
// ok()/failed() run per probe and allocate nothing; rotate() runs once a second and turns
// the current second into `last*` (p50 computed in place on the row's samples).
//
// A second counts the probes whose outcome became known in it (a timeout counts when it
// expires, not when its probe was sent).
//
// It also keeps sent/received per row in minute buckets over the last LOSS_MINUTES (plus
// the current minute), with running sums: the loss a status evaluation looks at is one
// division per row, whatever the period.

/** RTT samples kept per row per second (the median is exact up to this many answers). */
export const SECOND_SAMPLES = 16;
/** Whole minutes of loss history behind the current minute. */
export const LOSS_MINUTES = 5;
const BUCKETS = LOSS_MINUTES + 1;

export class SecondStats {
  private rows = 0;
  /** The current second. */
  private sent = new Uint32Array(0);
  private received = new Uint32Array(0);
  private maxNs = new Float64Array(0);
  private samples = new Float32Array(0);
  /** The last completed second (valid after the first rotate). */
  lastSent = new Uint32Array(0);
  lastReceived = new Uint32Array(0);
  /** ns; NaN when nothing was answered. */
  lastP50Ns = new Float64Array(0);
  lastMaxNs = new Float64Array(0);
  /** Start of the last completed second, ms since the epoch (NaN before the first rotate). */
  lastStartMs = NaN;
  private readonly bucketSent: Uint32Array[] = [];
  private readonly bucketReceived: Uint32Array[] = [];
  /** Sums over the buckets. */
  lossSent = new Uint32Array(0);
  lossReceived = new Uint32Array(0);
  private bucket = 0;
  private minute = -1;

  ensureRows(n: number): void {
    if (n <= this.rows) return;
    const grow32 = (a: Uint32Array): Uint32Array<ArrayBuffer> => {
      const b = new Uint32Array(n);
      b.set(a);
      return b;
    };
    const grow64 = (a: Float64Array, fill: number): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(n).fill(fill);
      b.set(a);
      return b;
    };
    this.sent = grow32(this.sent);
    this.received = grow32(this.received);
    this.maxNs = grow64(this.maxNs, 0);
    const samples = new Float32Array(n * SECOND_SAMPLES);
    samples.set(this.samples);
    this.samples = samples;
    this.lastSent = grow32(this.lastSent);
    this.lastReceived = grow32(this.lastReceived);
    this.lastP50Ns = grow64(this.lastP50Ns, NaN);
    this.lastMaxNs = grow64(this.lastMaxNs, NaN);
    for (let b = 0; b < BUCKETS; b++) {
      this.bucketSent[b] = grow32(this.bucketSent[b] ?? new Uint32Array(0));
      this.bucketReceived[b] = grow32(this.bucketReceived[b] ?? new Uint32Array(0));
    }
    this.lossSent = grow32(this.lossSent);
    this.lossReceived = grow32(this.lossReceived);
    this.rows = n;
  }

  /** An answered probe (per probe; no allocation). */
  ok(row: number, rttNs: number): void {
    this.sent[row]++;
    const n = ++this.received[row];
    if (rttNs > this.maxNs[row]) this.maxNs[row] = rttNs;
    if (n <= SECOND_SAMPLES) {
      this.samples[row * SECOND_SAMPLES + n - 1] = rttNs;
    } else {
      // reservoir sampling: every answer of the second has the same chance to be kept
      const j = Math.floor(Math.random() * n);
      if (j < SECOND_SAMPLES) this.samples[row * SECOND_SAMPLES + j] = rttNs;
    }
  }

  /** A probe that timed out or failed (per probe). */
  failed(row: number): void {
    this.sent[row]++;
  }

  /** Ends the current second (it started at startMs): it becomes `last*`, a new one begins. */
  rotate(startMs: number): void {
    const n = this.rows;
    let t32 = this.lastSent;
    this.lastSent = this.sent;
    this.sent = t32;
    t32 = this.lastReceived;
    this.lastReceived = this.received;
    this.received = t32;
    const t64 = this.lastMaxNs;
    this.lastMaxNs = this.maxNs;
    this.maxNs = t64;
    this.sent.fill(0);
    this.received.fill(0);
    this.maxNs.fill(0);
    this.lastStartMs = startMs;
    const received = this.lastReceived;
    const p50 = this.lastP50Ns;
    const max = this.lastMaxNs;
    const samples = this.samples;
    for (let r = 0; r < n; r++) {
      const k = received[r];
      if (k === 0) {
        p50[r] = NaN;
        max[r] = NaN;
      } else {
        p50[r] = median(samples, r * SECOND_SAMPLES, k < SECOND_SAMPLES ? k : SECOND_SAMPLES);
      }
    }
    this.addToLoss(startMs);
  }

  /** Forgets a row's loss history (a target back from down starts a clean period). */
  clearLoss(row: number): void {
    for (let b = 0; b < BUCKETS; b++) {
      this.bucketSent[b][row] = 0;
      this.bucketReceived[b][row] = 0;
    }
    this.lossSent[row] = 0;
    this.lossReceived[row] = 0;
  }

  private addToLoss(startMs: number): void {
    const minute = Math.floor(startMs / 60_000);
    if (this.minute < 0) this.minute = minute;
    // a new minute: the oldest bucket leaves the sums and is reused (several when time jumped)
    for (let step = 0; step < Math.min(BUCKETS, minute - this.minute); step++) {
      this.bucket = (this.bucket + 1) % BUCKETS;
      const bs = this.bucketSent[this.bucket];
      const br = this.bucketReceived[this.bucket];
      const ls = this.lossSent;
      const lr = this.lossReceived;
      for (let r = 0; r < this.rows; r++) {
        ls[r] -= bs[r];
        lr[r] -= br[r];
      }
      bs.fill(0);
      br.fill(0);
    }
    if (minute > this.minute) this.minute = minute;
    const bs = this.bucketSent[this.bucket];
    const br = this.bucketReceived[this.bucket];
    const ls = this.lossSent;
    const lr = this.lossReceived;
    const sent = this.lastSent;
    const received = this.lastReceived;
    for (let r = 0; r < this.rows; r++) {
      const s = sent[r];
      if (s === 0) continue;
      bs[r] += s;
      br[r] += received[r];
      ls[r] += s;
      lr[r] += received[r];
    }
  }
}

/** Nearest-rank median of a[from .. from+n) (sorts that range in place: insertion sort, n ≤ 16). */
function median(a: Float32Array, from: number, n: number): number {
  const end = from + n;
  for (let i = from + 1; i < end; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= from && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
  return a[from + Math.ceil(n / 2) - 1];
}
