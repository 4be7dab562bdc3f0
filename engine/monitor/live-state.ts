// What a running monitor knows about each target right now: the last RTT, when it was last
// probed, its current run of failures, and sent/received of the last windows (kept in
// memory, so a summary needs no query). Updated per probe without allocating.
import type { OpenWindow } from './monitor-runner.js';
import type { TargetStatus } from './types.js';
import type { WindowTable } from './window-table.js';
import { RttBuckets } from './rtt-buckets.js';

/** Recent windows kept per monitor (bounds "loss over the last N minutes"). */
export const RECENT_WINDOWS = 60;

export interface StatusThresholds {
  /** Consecutive failed probes (timeouts, errors) that make a target `down` (default 3). */
  downAfter: number;
  /** Loss % over the period above which a target is `degraded` (default 5). */
  degradedLossPercent: number;
}

/** One target's current state: the public TargetStatus of a monitor summary. */
export type TargetState = TargetStatus;

interface Recent {
  index: number;
  sent: Uint32Array;
  received: Uint32Array;
}

export class LiveState {
  lastRttNs = new Float64Array(0);
  lastAtMs = new Float64Array(0);
  failStreak = new Uint32Array(0);
  /** Consecutive answered probes (reset by a failure). */
  okStreak = new Uint32Array(0);
  /** Per-row RTT buckets of answered probes (the /metrics histogram; grows by itself). */
  readonly rtt = new RttBuckets();
  private readonly recent: Recent[] = [];

  ensureRows(n: number): void {
    if (n <= this.lastRttNs.length) return;
    const size = Math.max(n, Math.ceil(this.lastRttNs.length * 1.5), 16);
    const rtt = new Float64Array(size).fill(NaN);
    rtt.set(this.lastRttNs);
    const at = new Float64Array(size).fill(NaN);
    at.set(this.lastAtMs);
    const streak = new Uint32Array(size);
    streak.set(this.failStreak);
    const okStreak = new Uint32Array(size);
    okStreak.set(this.okStreak);
    this.lastRttNs = rtt;
    this.lastAtMs = at;
    this.failStreak = streak;
    this.okStreak = okStreak;
  }

  /** A probe of row answered in time (atMs: when it was planned). Called per probe. */
  ok(row: number, rttNs: number, atMs: number): void {
    this.lastRttNs[row] = rttNs;
    this.lastAtMs[row] = atMs;
    this.failStreak[row] = 0;
    this.okStreak[row]++;
    this.rtt.record(row, rttNs);
  }

  /** A probe of row timed out or failed. Called per probe. */
  failed(row: number, atMs: number): void {
    this.lastAtMs[row] = atMs;
    this.failStreak[row]++;
    this.okStreak[row] = 0;
  }

  /** Keeps a finished window's sent/received (before its table is reused). */
  remember(index: number, table: WindowTable): void {
    const entry = this.recent.length >= RECENT_WINDOWS ? this.recent.shift()! : { index, sent: new Uint32Array(0), received: new Uint32Array(0) };
    entry.index = index;
    if (entry.sent.length < table.rows) {
      entry.sent = new Uint32Array(table.rows);
      entry.received = new Uint32Array(table.rows);
    }
    entry.sent.fill(0);
    entry.received.fill(0);
    entry.sent.set(table.sent.subarray(0, table.rows));
    entry.received.set(table.received.subarray(0, table.rows));
    this.recent.push(entry);
  }

  summarize(
    rows: readonly number[], ids: readonly string[], addresses: readonly string[], currentWindow: number, lossWindows: number,
    open: Iterable<OpenWindow>, thresholds: StatusThresholds, only?: ReadonlySet<TargetState['status']>,
  ): { counts: Record<TargetState['status'], number>; targets: TargetState[] } {
    const first = currentWindow - lossWindows;
    const size = this.lastRttNs.length;
    const sentSum = new Float64Array(size);
    const receivedSum = new Float64Array(size);
    // window by window over contiguous typed arrays (not target by target over windows)
    const add = (sent: Uint32Array, received: Uint32Array, n: number): void => {
      const m = Math.min(n, size);
      for (let r = 0; r < m; r++) {
        sentSum[r] += sent[r];
        receivedSum[r] += received[r];
      }
    };
    for (const r of this.recent) if (r.index >= first) add(r.sent, r.received, r.sent.length);
    for (const w of open) add(w.table.sent, w.table.received, w.table.rows);
    const counts = { up: 0, degraded: 0, down: 0, unknown: 0 };
    const targets: TargetState[] = [];
    for (let k = 0; k < rows.length; k++) {
      const row = rows[k];
      const sent = sentSum[row];
      const received = receivedSum[row];
      const loss = sent === 0 ? null : (100 * (sent - received)) / sent;
      const streak = this.failStreak[row];
      const status: TargetState['status'] = sent === 0 && Number.isNaN(this.lastAtMs[row])
        ? 'unknown'
        : streak >= thresholds.downAfter ? 'down'
          : streak > 0 || (loss !== null && loss > thresholds.degradedLossPercent) ? 'degraded' : 'up';
      counts[status]++;
      // only the targets asked for become objects (a large fleet's "which are down?" is cheap)
      if (only !== undefined && !only.has(status)) continue;
      targets.push({
        targetId: ids[k],
        address: addresses[k],
        status,
        lastRttMs: Number.isNaN(this.lastRttNs[row]) ? null : this.lastRttNs[row] / 1e6,
        lastProbeAtMs: Number.isNaN(this.lastAtMs[row]) ? null : Math.round(this.lastAtMs[row]),
        failStreak: streak,
        sent,
        received,
        lossPercent: loss,
      });
    }
    return { counts, targets };
  }
}
