// What a running monitor knows about each target right now: the last RTT, when it was last
// probed, its current runs of failures and successes, the current and last second
// (SecondStats), the status with hysteresis (evaluated once a second by status-tracker.ts),
// and sent/received of the last windows (kept in memory, so a summary needs no query).
// Updated per probe without allocating.
import { SecondStats } from './second-stats.js';
import { TARGET_STATUSES, type TargetStatus } from './types.js';
import type { OpenWindow, WindowTable } from './window-table.js';
import { RttBuckets } from './rtt-buckets.js';

const UNKNOWN = TARGET_STATUSES.indexOf('unknown');

/** Recent windows kept per monitor (bounds "loss over the last N minutes"). */
export const RECENT_WINDOWS = 60;

/** One target's current state: the public TargetStatus of a monitor summary. */
export type TargetState = TargetStatus;

/** sent / received per row over a summary's loss period. */
export interface LossSums {
  sent: Float64Array;
  received: Float64Array;
}

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
  /** http monitors: the phases' buckets (/metrics phase labels). */
  readonly phaseRtt = { connect: new RttBuckets(), tls: new RttBuckets(), ttfb: new RttBuckets() };
  /** https monitors: the server certificate's notAfter per row, ms since the epoch (NaN: unknown). */
  certExpiresAtMs = new Float64Array(0);
  /** A certificate expiring sooner than this from its last probe makes an up target degraded
   *  (http.certExpiryDays; 0: never). */
  certWarnMs = 0;
  /** Status code per row: the index into TARGET_STATUSES (set once a second by evaluateStatus). */
  status = new Uint8Array(0);
  /** The current and the last second per row (live feed, loss for the status). */
  readonly second = new SecondStats();
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
    const cert = new Float64Array(size).fill(NaN);
    cert.set(this.certExpiresAtMs);
    this.certExpiresAtMs = cert;
    this.lastRttNs = rtt;
    this.lastAtMs = at;
    this.failStreak = streak;
    this.okStreak = okStreak;
    const status = new Uint8Array(size).fill(UNKNOWN);
    status.set(this.status);
    this.status = status;
    this.second.ensureRows(size);
  }

  /** A probe of row answered in time (atMs: when it was planned). Called per probe. */
  ok(row: number, rttNs: number, atMs: number): void {
    this.lastRttNs[row] = rttNs;
    this.lastAtMs[row] = atMs;
    this.failStreak[row] = 0;
    this.okStreak[row]++;
    this.second.ok(row, rttNs);
    this.rtt.record(row, rttNs);
  }

  /** A probe of row timed out or failed. Called per probe. */
  failed(row: number, atMs: number): void {
    this.lastAtMs[row] = atMs;
    this.failStreak[row]++;
    this.okStreak[row] = 0;
    this.second.failed(row);
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

  /** The current state of rows[k] (ids[k], addresses[k]); loss over the open windows and the
   *  recent ones from currentWindow − lossWindows on; status: the hysteresis status. */
  summarize(
    rows: readonly number[], ids: readonly string[], addresses: readonly string[], currentWindow: number, lossWindows: number,
    open: Iterable<OpenWindow>, only?: ReadonlySet<TargetState['status']>,
  ): { counts: Record<TargetState['status'], number>; targets: TargetState[] } {
    const sums = this.lossSums(currentWindow, lossWindows, open);
    const counts = new Float64Array(TARGET_STATUSES.length);
    const wanted = TARGET_STATUSES.map((st) => only === undefined || only.has(st));
    const targets: TargetState[] = [];
    this.states(rows, ids, addresses, sums, 0, rows.length, counts, wanted, targets);
    return { counts: countsByName(counts), targets };
  }

  /** sent and received per row over the recent windows from currentWindow − lossWindows on
   *  and the open ones (window by window over contiguous typed arrays). */
  lossSums(currentWindow: number, lossWindows: number, open: Iterable<OpenWindow>): LossSums {
    const first = currentWindow - lossWindows;
    const size = this.lastRttNs.length;
    const sent = new Float64Array(size);
    const received = new Float64Array(size);
    const add = (s: Uint32Array, r: Uint32Array, n: number): void => {
      const m = Math.min(n, size);
      for (let k = 0; k < m; k++) {
        sent[k] += s[k];
        received[k] += r[k];
      }
    };
    for (const r of this.recent) if (r.index >= first) add(r.sent, r.received, r.sent.length);
    for (const w of open) add(w.table.sent, w.table.received, w.table.rows);
    return { sent, received };
  }

  /** Counts the status of rows[from, to) into counts (by TARGET_STATUSES index) and appends
   *  the states of those whose status is wanted to out (only they become objects). */
  states(
    rows: readonly number[], ids: readonly string[], addresses: readonly string[], sums: LossSums, from: number, to: number,
    counts: Float64Array, wanted: readonly boolean[], out: TargetState[],
  ): void {
    const status = this.status;
    for (let k = from; k < to; k++) {
      const row = rows[k];
      const code = status[row];
      counts[code]++;
      if (!wanted[code]) continue;
      const sent = sums.sent[row];
      const received = sums.received[row];
      const rtt = this.lastRttNs[row];
      const at = this.lastAtMs[row];
      out.push({
        targetId: ids[k],
        address: addresses[k],
        status: TARGET_STATUSES[code],
        lastRttMs: rtt === rtt ? rtt / 1e6 : null,
        lastProbeAtMs: at === at ? Math.round(at) : null,
        failStreak: this.failStreak[row],
        sent,
        received,
        lossPercent: sent === 0 ? null : (100 * (sent - received)) / sent,
      });
    }
  }
}

/** Per-status counts by name from counts indexed like TARGET_STATUSES. */
export function countsByName(counts: Float64Array): Record<TargetState['status'], number> {
  const byName = { up: 0, degraded: 0, down: 0, unknown: 0 };
  for (let c = 0; c < TARGET_STATUSES.length; c++) byName[TARGET_STATUSES[c]] = counts[c];
  return byName;
}

