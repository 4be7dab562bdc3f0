// The schedule of one monitor: its targets spread evenly over the interval in S slots
// (S = interval / tick), slot s of round r planned at (r·S + s)·interval/S ms since the
// epoch; each tick hands every slot that has come due to the engine as ONE ping job (the
// batch), and the probe outcomes land in the window the batch was planned in.
//
// Per probe, nothing is allocated: the engine passes one reused ProbeResult, the batch's
// row table maps its target index to the monitor's row, and the window's typed arrays take
// the sample. Per batch there is one PingRequest, one closure and the engine's job.
import { setMaxListeners } from 'node:events';
import { isIP } from 'node:net';
import { build, type Histogram } from 'hdr-histogram-js';
import { ErrorKindIndex } from '../stats/error-kinds.js';
import type { Engine, ProbeErrorKind, ProbeResult } from '../types.js';
import type { StoredMonitor } from './monitor-repo.js';
import type { Member } from './selection.js';
import { LiveState, type StatusThresholds, type TargetState } from './live-state.js';
import { WindowTable } from './window-table.js';

const ERROR_INDEX: Record<ProbeErrorKind, number> = {
  'unreachable': ErrorKindIndex.UNREACHABLE,
  'time-exceeded': ErrorKindIndex.TIME_EXCEEDED,
  'param-problem': ErrorKindIndex.PARAM_PROBLEM,
  'packet-too-big': ErrorKindIndex.PACKET_TOO_BIG,
  'send-failed': ErrorKindIndex.SEND_FAILED,
  'other': ErrorKindIndex.OTHER,
};

/** Wall-clock ms with sub-ms precision (the same clock as the engine's send times). */
export function wallNowMs(): number {
  return performance.timeOrigin + performance.now();
}

export interface OpenWindow {
  table: WindowTable;
  /** Batches planned in this window that have not settled yet. */
  outstanding: number;
}

export interface SealedWindow {
  monitorSeq: number;
  spanMs: number;
  table: WindowTable;
  rowSeq: readonly number[];
  release(): void;
}

export class MonitorRunner {
  def: StoredMonitor;
  private slots = 1;
  private slotAddresses: string[][] = [[]];
  private slotRows: Int32Array[] = [new Int32Array(0)];
  private memberKey = '';
  /** row → target seq; rows are never reused, so a row means the same target for life. */
  readonly rowSeq: number[] = [];
  private readonly rowBySeq = new Map<number, number>();
  private memberCount = 0;
  /** Global slot counter of the next batch: planned at next · interval / slots. */
  private next = -1;
  private lastNowMs = 0;
  private readonly windows = new Map<number, OpenWindow>();
  readonly live = new LiveState();
  private memberRows: number[] = [];
  private memberIds: string[] = [];
  private memberAddresses: string[] = [];
  /** Member addresses that are DNS names. */
  names: string[] = [];
  private readonly spare: WindowTable[] = [];
  private readonly controller = new AbortController();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly drift: Histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 2, autoResize: true });
  batches = 0;
  skippedSlots = 0;
  failedBatches = 0;
  lastError: string | null = null;
  windowsWritten = 0;

  constructor(def: StoredMonitor, private readonly engine: Engine, private readonly windowMs: number, private readonly tickMs: number) {
    this.def = def;
    // every batch in flight listens on the monitor's signal
    setMaxListeners(0, this.controller.signal);
  }

  get targets(): number {
    return this.memberCount;
  }

  /** The current members: row (index into live/window arrays), target id and address, by position. */
  get members(): { rows: readonly number[]; ids: readonly string[]; addresses: readonly string[] } {
    return { rows: this.memberRows, ids: this.memberIds, addresses: this.memberAddresses };
  }

  /** Applies a new definition (interval, probes…) from the next slot on. */
  setDefinition(def: StoredMonitor, members: Member[]): void {
    const rescheduled = def.intervalMs !== this.def.intervalMs;
    this.def = def;
    this.setMembers(members, rescheduled);
  }

  /** Re-spreads the targets over the slots when the membership changed. */
  setMembers(members: Member[], force = false): void {
    const key = members.map((m) => `${m.seq}@${m.probeAddress ?? m.address}`).join(',');
    if (key === this.memberKey && !force) return;
    this.memberKey = key;
    for (const m of members) {
      if (!this.rowBySeq.has(m.seq)) {
        this.rowBySeq.set(m.seq, this.rowSeq.length);
        this.rowSeq.push(m.seq);
      }
    }
    const slots = Math.max(1, Math.floor(this.def.intervalMs / this.tickMs));
    const addresses: string[][] = Array.from({ length: slots }, () => []);
    const rows: number[][] = Array.from({ length: slots }, () => []);
    const n = members.length;
    members.forEach((m, j) => {
      const s = Math.floor((j * slots) / n);
      addresses[s].push(m.probeAddress ?? m.address);
      rows[s].push(this.rowBySeq.get(m.seq)!);
    });
    if (slots !== this.slots || force) this.next = this.lastNowMs > 0 ? Math.floor((this.lastNowMs * slots) / this.def.intervalMs) + 1 : -1;
    this.slots = slots;
    this.slotAddresses = addresses;
    this.slotRows = rows.map((r) => Int32Array.from(r));
    this.memberCount = n;
    for (const w of this.windows.values()) w.table.ensureRows(this.rowSeq.length);
    this.live.ensureRows(this.rowSeq.length);
    this.memberRows = members.map((m) => this.rowBySeq.get(m.seq)!);
    this.memberIds = members.map((m) => m.id);
    this.memberAddresses = members.map((m) => m.address);
    this.names = members.filter((m) => isIP(m.address) === 0).map((m) => m.address);
  }

  private plannedMs(k: number): number {
    return (k * this.def.intervalMs) / this.slots;
  }

  /** When the next batch is planned (nowMs + interval when none is pending). */
  nextPlannedMs(nowMs: number): number {
    const next = this.next < 0 ? Math.ceil((nowMs * this.slots) / this.def.intervalMs) : this.next;
    return this.plannedMs(next);
  }

  /** Hands every slot due by nowMs to the engine (slots more than an interval late are skipped). */
  dispatchDue(nowMs: number): void {
    if (this.next < 0) this.next = Math.ceil((nowMs * this.slots) / this.def.intervalMs);
    this.lastNowMs = nowMs;
    for (;;) {
      const planned = this.plannedMs(this.next);
      if (planned > nowMs) return;
      const k = this.next++;
      if (nowMs - planned > this.def.intervalMs) {
        this.skippedSlots++;
        continue;
      }
      this.dispatch(k % this.slots, planned);
    }
  }

  private dispatch(slot: number, plannedMs: number): void {
    const targets = this.slotAddresses[slot];
    if (targets.length === 0) return;
    const rows = this.slotRows[slot];
    const window = this.openWindow(Math.floor(plannedMs / this.windowMs));
    const table = window.table;
    const drift = this.drift;
    const live = this.live;
    let driftPending = true;
    const onProbe = (p: ProbeResult): void => {
      const row = rows[p.targetIndex];
      switch (p.status) {
        case 'ok':
          table.recordRtt(row, p.rttNs);
          live.ok(row, p.rttNs, plannedMs);
          break;
        case 'timeout':
          table.recordTimeout(row);
          live.failed(row, plannedMs);
          break;
        case 'error':
          table.recordError(row, ERROR_INDEX[p.errorKind ?? 'other']);
          live.failed(row, plannedMs);
          break;
        case 'duplicate': table.recordDuplicate(row); return;
        case 'late': table.recordLate(row); return;
      }
      if (driftPending && p.targetIndex === 0 && p.seq === 0) {
        driftPending = false;
        const sentMs = Number(p.sentAtNs) / 1e6;
        if (sentMs > 0) drift.recordValue(Math.max(1, Math.round((sentMs - plannedMs) * 1000)));
      }
    };
    const def = this.def;
    window.outstanding++;
    this.batches++;
    const job = this.engine
      .ping({
        targets,
        count: def.probes,
        // A round's probes go out within the first half of the interval.
        intervalMs: def.probes > 1 ? Math.max(1, Math.min(1000, Math.floor(def.intervalMs / (2 * def.probes)))) : 1000,
        timeoutMs: def.timeoutMs,
        size: def.size,
        signal: this.controller.signal,
      }, onProbe)
      .then(
        (summary) => {
          // a name that did not resolve was not probed: it counts as a failed probe (other)
          const outcomes = summary.targets;
          for (let i = 0; i < outcomes.length; i++) {
            if (outcomes[i].error === undefined || summary.cancelled) continue;
            const row = rows[i];
            table.recordError(row, ErrorKindIndex.OTHER);
            live.failed(row, plannedMs);
          }
        },
        (error: unknown) => {
          this.failedBatches++;
          this.lastError = error instanceof Error ? error.message : String(error);
        },
      )
      .finally(() => {
        window.outstanding--;
        this.inflight.delete(job);
      });
    this.inflight.add(job);
  }

  private openWindow(index: number): OpenWindow {
    let w = this.windows.get(index);
    if (w === undefined) {
      const start = index * this.windowMs;
      const table = this.spare.pop();
      if (table !== undefined) table.reset(this.rowSeq.length, start);
      w = { table: table ?? new WindowTable(this.rowSeq.length, start), outstanding: 0 };
      this.windows.set(index, w);
    }
    return w;
  }

  /** Windows that have ended and settled (all = every open window: shutting down). */
  takeFinished(nowMs: number, all = false): SealedWindow[] {
    const current = Math.floor(nowMs / this.windowMs);
    const out: SealedWindow[] = [];
    for (const [index, w] of this.windows) {
      if (!all && (index >= current || w.outstanding > 0)) continue;
      this.windows.delete(index);
      this.live.remember(index, w.table);
      w.table.seal();
      out.push({
        monitorSeq: this.def.seq,
        spanMs: this.windowMs,
        table: w.table,
        rowSeq: this.rowSeq,
        release: () => {
          this.windowsWritten++;
          if (this.spare.length < 2) this.spare.push(w.table);
        },
      });
    }
    return out;
  }

  /** Start of the oldest window not yet handed over (windows before it are complete). */
  openFrom(nowMs: number): number {
    let oldest = Math.floor(nowMs / this.windowMs);
    for (const index of this.windows.keys()) oldest = Math.min(oldest, index);
    return oldest * this.windowMs;
  }

  /** Stops sending; probes in flight are withdrawn (not counted). Resolves when settled. */
  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.allSettled([...this.inflight]);
  }

  /** The current state of every member target (see LiveState.summarize). */
  summarize(
    nowMs: number, lossWindows: number, thresholds: StatusThresholds, only?: ReadonlySet<TargetState['status']>,
  ): { counts: Record<TargetState['status'], number>; targets: TargetState[] } {
    const current = Math.floor(nowMs / this.windowMs);
    return this.live.summarize(this.memberRows, this.memberIds, this.memberAddresses, current, lossWindows, this.windows.values(), thresholds, only);
  }

  driftMs(percentile: number): number | null {
    return this.drift.totalCount === 0 ? null : this.drift.getValueAtPercentile(percentile) / 1000;
  }

  driftMaxMs(): number | null {
    return this.drift.totalCount === 0 ? null : this.drift.maxValue / 1000;
  }
}
