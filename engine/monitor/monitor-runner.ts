// One running monitor: its members spread evenly over the interval (member j at offset
// j·interval/n), probed by ONE long-lived engine job on that wall-clock grid (a ProbeSchedule:
// the workers keep the schedule and send what is due each turn in one batch), restarted
// only when the membership or the definition changes. Each outcome lands in the window its
// probe was planned in (known from its seq), so a window holds exactly the rounds planned in
// it, late replies and duplicates included.
//
// Per probe, nothing is allocated: the engine passes one reused ProbeResult, the job's row
// table maps its target index to the monitor's row, and the window's typed arrays take the
// sample.
import { isIP } from 'node:net';
import { build, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';
import { ErrorKindIndex } from '../stats/error-kinds.js';
import type { Engine, ProbeErrorKind, ProbeResult } from '../types.js';
import type { StoredMonitor } from './monitor-repo.js';
import type { Member } from './selection.js';
import { LiveState, type LossSums, type TargetState } from './live-state.js';
import { hasPhases, HTTP_PHASES, TARGET_STATUSES } from './types.js';
import { WindowTable, type OpenWindow } from './window-table.js';
import { seriesKey } from './series.js';
import { createSocketProber } from './socket-probers.js';
import { Flight, OUTCOME_ERROR, OUTCOME_OK, OUTCOME_TIMEOUT, SocketBudget, SocketJob } from './socket-job.js';
import { probeHost } from './target-host.js';
import { DEFAULT_CERT_EXPIRY_DAYS } from './monitor-options.js';

const ERROR_INDEX: Record<ProbeErrorKind, number> = {
  'unreachable': ErrorKindIndex.UNREACHABLE,
  'time-exceeded': ErrorKindIndex.TIME_EXCEEDED,
  'param-problem': ErrorKindIndex.PARAM_PROBLEM,
  'packet-too-big': ErrorKindIndex.PACKET_TOO_BIG,
  'send-failed': ErrorKindIndex.SEND_FAILED,
  'other': ErrorKindIndex.OTHER,
};

/** Sequence numbers travel as u32: a job is restarted on a new grid origin before its
 *  seq (round·count + k) gets near 2^32 (after ~25 days at 100 probes per 100 ms). */
const MAX_SEQ = 2 ** 31;
/** A failed job that never probed (e.g. no permission for raw sockets) is started again
 *  after this long; */
const RETRY_MS = 5000;
/** one that had been probing (e.g. its worker thread died and was replaced) after this. */
const RESUME_MS = 500;
/** Drift is read from every DRIFT_SAMPLE-th target's probes (reading a send time costs a bigint). */
const DRIFT_SAMPLE = 8;
/** A window is sealed this long after its last probe's timeout (the workers' 2 ms grace period
 *  and their 10 ms event batching, with room to spare). */
const SETTLE_MS = 60;

/** Window tables kept for reuse (a total and three phases, twice). */
const MAX_SPARE_TABLES = 8;

function certWarnMs(def: StoredMonitor): number {
  return def.probe === 'http' ? (def.http?.certExpiryDays ?? DEFAULT_CERT_EXPIRY_DAYS) * 86_400_000 : 0;
}

/** Why a member of a socket monitor cannot be probed (its planned probes fail), or null. */
function unprobeableReason(def: StoredMonitor, m: Member): string | null {
  if (def.probe === 'tcp' && (def.tcp?.port ?? m.port ?? null) === null) {
    return `target ${m.id} (${m.address}) has no port: give the monitor tcp.port, or select TCP targets`;
  }
  if (hasPhases(def.probe) && !URL.canParse(m.address)) return `target ${m.id} (${m.address}) is not an http(s) URL: fix its address`;
  return null;
}

/** What a member is probed as: a change of it restarts the job (a model target's kind,
 *  provider and model are in its requests' headers). */
function memberKey(m: Member): string {
  const model = m.kind === undefined ? '' : `#${m.kind}/${m.provider ?? ''}/${m.modelIdentifier ?? ''}`;
  return `${m.seq}@${m.probeAddress ?? m.address}${m.unresolvable === true ? '!' : ''}${model}`;
}

/** Wall-clock ms with sub-ms precision (the same clock as the engine's send times). */
export function wallNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A window whose probes have all concluded, for the window writer (window-writer.ts). */
export interface SealedWindow {
  monitorSeq: number;
  spanMs: number;
  table: WindowTable;
  /** Row r is target rowSeq[r]. */
  rowSeq: readonly number[];
  /** Called once the window is written (its table may be reused). */
  release(): void;
}

/** The grid of one running job. */
interface JobGrid {
  controller: AbortController;
  /** Job target index → monitor row. */
  rows: Int32Array;
  offsetsMs: Float64Array;
  originMs: number;
  periodMs: number;
  count: number;
  spacingMs: number;
  /** Highest seq seen per job target (skipped probes show as gaps). */
  lastSeq: Float64Array;
}

/** Members whose name does not resolve: each planned probe is counted as failed (error `other`). */
interface Unprobeable {
  rows: Int32Array;
  nextMs: Float64Array;
}

export class MonitorRunner {
  def: StoredMonitor;
  private memberKey = '';
  /** row → target seq; rows are never reused, so a row means the same target for life. */
  readonly rowSeq: number[] = [];
  private readonly rowBySeq = new Map<number, number>();
  private memberCount = 0;
  private readonly windows = new Map<number, OpenWindow>();
  /** Windows before this index have been sealed: outcomes still arriving for them go to the current one. */
  private sealedBefore = -Infinity;
  /** The window the last outcome went to (most outcomes go to the same one). */
  private lastIndex = NaN;
  private lastWindow: OpenWindow | null = null;
  readonly live = new LiveState();
  private memberRows: number[] = [];
  private memberIds: string[] = [];
  private memberAddresses: string[] = [];
  private probed: Member[] = [];
  private unprobeable: Unprobeable = { rows: new Int32Array(0), nextMs: new Float64Array(0) };
  /** Member addresses that are DNS names. */
  names: string[] = [];
  private readonly spare: WindowTable[] = [];
  private grid: JobGrid | null = null;
  /** Jobs aborted but not settled yet (their last outcomes may still arrive). */
  private readonly stopping = new Set<Promise<unknown>>();
  private restartAtMs = 0;
  private stopped = false;
  private readonly drift: Histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 2, autoResize: true });
  /** Engine jobs started (one per membership or definition change, and per retry). */
  batches = 0;
  /** Probes the workers skipped because they were more than an interval late. */
  skippedSlots = 0;
  failedBatches = 0;
  lastError: string | null = null;
  windowsWritten = 0;

  constructor(
    def: StoredMonitor,
    /** The ICMP engine (null: this runner probes tcp/dns/http only, e.g. a bench's). */
    private readonly engine: Engine | null, private readonly windowMs: number,
    /** In-flight socket probes, shared by the process's tcp/dns/http monitors. */
    private readonly sockets = new SocketBudget(),
  ) {
    this.def = def;
    this.live.certWarnMs = certWarnMs(def);
  }

  get targets(): number {
    return this.memberCount;
  }

  /** The current members: row (index into live/window arrays), target id and address, by position. */
  get members(): { rows: readonly number[]; ids: readonly string[]; addresses: readonly string[] } {
    return { rows: this.memberRows, ids: this.memberIds, addresses: this.memberAddresses };
  }

  /** Applies a new definition (interval, probes…): the job restarts on the new grid. */
  setDefinition(def: StoredMonitor, members: Member[]): void {
    this.def = def;
    this.live.certWarnMs = certWarnMs(def);
    this.setMembers(members, true);
  }

  /** Takes a new membership; the job restarts when it changed (or when forced). */
  setMembers(members: Member[], force = false): void {
    const key = members.map(memberKey).join(',');
    if (key === this.memberKey && !force) return;
    this.memberKey = key;
    for (const m of members) {
      if (!this.rowBySeq.has(m.seq)) {
        this.rowBySeq.set(m.seq, this.rowSeq.length);
        this.rowSeq.push(m.seq);
      }
    }
    this.memberCount = members.length;
    for (const w of this.windows.values()) {
      w.table.ensureRows(this.rowSeq.length);
      if (w.phases !== null) for (const p of w.phases) p.ensureRows(this.rowSeq.length);
    }
    this.live.ensureRows(this.rowSeq.length);
    this.memberRows = members.map((m) => this.rowBySeq.get(m.seq)!);
    this.memberIds = members.map((m) => m.id);
    this.memberAddresses = members.map((m) => m.address);
    this.names = members.map((m) => probeHost(this.def, m.address)).filter((host) => isIP(host) === 0);
    this.probed = members;
    this.restart(wallNowMs());
  }

  /** Stops the current job and starts one on the grid of the current members. */
  private restart(nowMs: number): void {
    this.abortJob();
    if (this.stopped) return;
    const members = this.probed;
    const n = members.length;
    const period = this.def.intervalMs;
    const targets: string[] = [];
    const probedMembers: Member[] = [];
    const rows: number[] = [];
    const offsets: number[] = [];
    const failRows: number[] = [];
    const failNext: number[] = [];
    // one round of the grid began at originMs; member j is planned at originMs + j·period/n
    const originMs = Math.floor(nowMs / period) * period;
    let problem: string | null = null;
    members.forEach((m, j) => {
      const offset = (j * period) / n;
      const address = m.probeAddress ?? probeHost(this.def, m.address);
      const unprobeable = this.def.probe === 'icmp' ? null : unprobeableReason(this.def, m);
      if (unprobeable !== null) problem ??= unprobeable;
      if (isIP(address) === 0 || unprobeable !== null) {
        // not resolved yet: not probed; failed to resolve (or cannot be probed): each planned probe fails
        if (m.unresolvable === true || unprobeable !== null) {
          failRows.push(this.rowBySeq.get(m.seq)!);
          failNext.push(originMs + offset + (originMs + offset < nowMs ? period : 0));
        }
        return;
      }
      targets.push(address);
      probedMembers.push(m);
      rows.push(this.rowBySeq.get(m.seq)!);
      offsets.push(offset);
    });
    if (problem !== null) this.lastError = problem;
    this.unprobeable = { rows: Int32Array.from(failRows), nextMs: Float64Array.from(failNext) };
    if (targets.length === 0) return;
    const count = this.def.probes;
    // A round's probes go out within the first half of the interval.
    const spacingMs = count > 1 ? Math.max(1, Math.min(1000, Math.floor(period / (2 * count)))) : period;
    const grid: JobGrid = {
      controller: new AbortController(),
      rows: Int32Array.from(rows),
      offsetsMs: Float64Array.from(offsets),
      originMs,
      periodMs: period,
      count,
      spacingMs,
      lastSeq: new Float64Array(targets.length).fill(-1),
    };
    this.grid = grid;
    this.batches++;
    const job = this.startJob(grid, targets, probedMembers).then(
      () => undefined,
      (error: unknown) => {
        this.failedBatches++;
        this.lastError = error instanceof Error ? error.message : String(error);
        if (this.grid === grid) {
          this.grid = null;
          this.restartAtMs = wallNowMs() + (grid.lastSeq.some((seq) => seq >= 0) ? RESUME_MS : RETRY_MS);
        }
      },
    );
    const tracked = job.finally(() => this.stopping.delete(tracked));
    grid.controller.signal.addEventListener('abort', () => this.stopping.add(tracked), { once: true });
  }

  /** ICMP: one engine job on the workers; tcp/dns/http/model: a socket job on this thread. */
  private startJob(grid: JobGrid, targets: string[], members: Member[]): Promise<unknown> {
    const def = this.def;
    const schedule = { originMs: grid.originMs, offsetsMs: grid.offsetsMs, spacingMs: grid.spacingMs };
    if (def.probe === 'icmp') {
      if (this.engine === null) return Promise.reject(new Error('an icmp monitor needs the ICMP engine'));
      return this.engine.ping({
        targets, count: grid.count, intervalMs: grid.periodMs, timeoutMs: def.timeoutMs, size: def.size,
        signal: grid.controller.signal, schedule,
      }, (p) => this.record(grid, p));
    }
    const prober = createSocketProber(def, targets, members);
    const job = new SocketJob(prober, {
      targets: targets.length, originMs: grid.originMs, periodMs: grid.periodMs, offsetsMs: grid.offsetsMs,
      count: grid.count, spacingMs: grid.spacingMs, timeoutMs: def.timeoutMs,
    }, this.sockets, (f) => this.recordFlight(grid, f));
    return job.run(grid.controller.signal);
  }

  private abortJob(): void {
    const grid = this.grid;
    this.grid = null;
    grid?.controller.abort();
  }

  /** One probe outcome of the running ICMP job. Per probe: no allocation. */
  private record(grid: JobGrid, p: ProbeResult): void {
    switch (p.status) {
      case 'ok': this.land(grid, p.targetIndex, p.seq, OUTCOME_OK, p.rttNs, 0, Number(p.sentAtNs) / 1e6); return;
      case 'timeout': this.land(grid, p.targetIndex, p.seq, OUTCOME_TIMEOUT, NaN, 0, Number(p.sentAtNs) / 1e6); return;
      case 'error': this.land(grid, p.targetIndex, p.seq, OUTCOME_ERROR, NaN, ERROR_INDEX[p.errorKind ?? 'other'], Number(p.sentAtNs) / 1e6); return;
      case 'duplicate': this.windowFor(this.plannedMs(grid, p.targetIndex, p.seq)).table.recordDuplicate(grid.rows[p.targetIndex]); return;
      case 'late': this.windowFor(this.plannedMs(grid, p.targetIndex, p.seq)).table.recordLate(grid.rows[p.targetIndex]); return;
    }
  }

  /** One probe outcome of the running socket job (tcp, dns, http, model). Per probe: no allocation. */
  private recordFlight(grid: JobGrid, f: Flight): void {
    const w = this.land(grid, f.targetIndex, f.seq, f.status, f.rttNs, f.errorIndex, f.startedMs);
    const row = grid.rows[f.targetIndex];
    const phases = w.phases;
    if (phases !== null && f.status === OUTCOME_OK) {
      // the phases of an answered probe; a phase that did not happen (a reused connection has
      // no connect or tls) is not sampled
      const buckets = this.live.phaseRtt;
      if (f.connectNs === f.connectNs) {
        phases[0].recordRtt(row, f.connectNs);
        buckets.connect.record(row, f.connectNs);
      }
      if (f.tlsNs === f.tlsNs) {
        phases[1].recordRtt(row, f.tlsNs);
        buckets.tls.record(row, f.tlsNs);
      }
      if (f.ttfbNs === f.ttfbNs) {
        phases[2].recordRtt(row, f.ttfbNs);
        buckets.ttfb.record(row, f.ttfbNs);
      }
    }
    if (f.certExpiresAtMs === f.certExpiresAtMs) this.live.certExpiresAtMs[row] = f.certExpiresAtMs;
  }

  private plannedMs(grid: JobGrid, t: number, seq: number): number {
    const round = grid.count === 1 ? seq : Math.floor(seq / grid.count);
    return grid.originMs + round * grid.periodMs + grid.offsetsMs[t] + (seq - round * grid.count) * grid.spacingMs;
  }

  /** Counts a concluded probe in its window and the live state; returns the window. */
  private land(grid: JobGrid, t: number, seq: number, status: number, rttNs: number, errorIndex: number, sentMs: number): OpenWindow {
    const row = grid.rows[t];
    const plannedMs = this.plannedMs(grid, t, seq);
    const w = this.windowFor(plannedMs);
    const live = this.live;
    if (status === OUTCOME_OK) {
      w.table.recordRtt(row, rttNs);
      live.ok(row, rttNs, plannedMs);
    } else {
      if (status === OUTCOME_TIMEOUT) w.table.recordTimeout(row);
      else w.table.recordError(row, errorIndex);
      live.failed(row, plannedMs);
    }
    const last = grid.lastSeq[t];
    if (seq > last) {
      if (last >= 0) this.skippedSlots += seq - last - 1;
      grid.lastSeq[t] = seq;
    }
    if (t % DRIFT_SAMPLE === 0 && sentMs > 0) this.drift.recordValue(Math.max(1, Math.round((sentMs - plannedMs) * 1000)));
    return w;
  }

  /** The open window of a planned time (outcomes for an already sealed one go to the current). */
  private windowFor(plannedMs: number): OpenWindow {
    const index = Math.floor(plannedMs / this.windowMs);
    if (index === this.lastIndex && this.lastWindow !== null) return this.lastWindow;
    const target = index < this.sealedBefore ? Math.floor(wallNowMs() / this.windowMs) : index;
    const w = this.openWindow(target);
    this.lastIndex = index;
    this.lastWindow = w;
    return w;
  }

  /** Per runtime tick: failed rounds of names that do not resolve, a retry of a failed job,
   *  a new grid origin when sequence numbers would grow too large. */
  tick(nowMs: number): void {
    if (this.stopped) return;
    const grid = this.grid;
    if (grid !== null && ((nowMs - grid.originMs) / grid.periodMs) * grid.count > MAX_SEQ) this.restart(nowMs);
    if (this.grid === null && this.restartAtMs > 0 && nowMs >= this.restartAtMs) {
      this.restartAtMs = 0;
      this.restart(nowMs);
    }
    const { rows, nextMs } = this.unprobeable;
    for (let i = 0; i < rows.length; i++) {
      while (nextMs[i] <= nowMs) {
        const table = this.windowFor(nextMs[i]).table;
        for (let k = 0; k < this.def.probes; k++) {
          table.recordError(rows[i], ErrorKindIndex.OTHER);
          this.live.failed(rows[i], nextMs[i]);
        }
        nextMs[i] += this.def.intervalMs;
      }
    }
  }

  private openWindow(index: number): OpenWindow {
    let w = this.windows.get(index);
    if (w === undefined) {
      const start = index * this.windowMs;
      // the samples a target gets in a window, and a round more (a restart may add one)
      const perRow = (Math.ceil(this.windowMs / this.def.intervalMs) + 1) * this.def.probes;
      const table = (): WindowTable => {
        const t = this.spare.pop();
        if (t !== undefined) t.reset(this.rowSeq.length, start, perRow);
        return t ?? new WindowTable(this.rowSeq.length, start, perRow);
      };
      w = { table: table(), phases: hasPhases(this.def.probe) ? HTTP_PHASES.map(table) : null };
      this.windows.set(index, w);
    }
    return w;
  }

  /** Windows whose every probe has concluded (all = every open window: shutting down). */
  takeFinished(nowMs: number, all = false): SealedWindow[] {
    // a job that is stopping may still deliver outcomes for any window
    if (!all && this.stopping.size > 0) return [];
    const settledBefore = Math.floor((nowMs - this.def.timeoutMs - SETTLE_MS) / this.windowMs);
    const out: SealedWindow[] = [];
    for (const [index, w] of this.windows) {
      if (!all && index >= settledBefore) continue;
      this.windows.delete(index);
      this.sealedBefore = Math.max(this.sealedBefore, index + 1);
      this.live.remember(index, w.table);
      const seal = (table: WindowTable, monitorSeq: number): void => {
        table.seal();
        out.push({
          monitorSeq,
          spanMs: this.windowMs,
          table,
          rowSeq: this.rowSeq,
          release: () => {
            if (table === w.table) this.windowsWritten++;
            if (this.spare.length < MAX_SPARE_TABLES) this.spare.push(table);
          },
        });
      };
      seal(w.table, seriesKey(this.def.seq, this.def.probe));
      if (w.phases !== null) w.phases.forEach((table, i) => seal(table, seriesKey(this.def.seq, this.def.probe, HTTP_PHASES[i])));
    }
    if (out.length > 0) {
      this.lastIndex = NaN;
      this.lastWindow = null;
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
    this.stopped = true;
    this.abortJob();
    while (this.stopping.size > 0) await Promise.allSettled([...this.stopping]);
  }

  /** The current state of every member target (see LiveState.summarize). */
  summarize(
    nowMs: number, lossWindows: number, only?: ReadonlySet<TargetState['status']>,
  ): { counts: Record<TargetState['status'], number>; targets: TargetState[] } {
    const current = Math.floor(nowMs / this.windowMs);
    return this.live.summarize(this.memberRows, this.memberIds, this.memberAddresses, current, lossWindows, this.windows.values(), only);
  }

  /** The current state of one member (null when it is not one): what summarize() says of it,
   *  without building the others'. */
  summarizeOne(nowMs: number, lossWindows: number, targetId: string): TargetState | null {
    const k = this.memberIds.indexOf(targetId);
    if (k < 0) return null;
    const out: TargetState[] = [];
    const counts = new Float64Array(TARGET_STATUSES.length);
    this.live.states(this.memberRows, this.memberIds, this.memberAddresses, this.lossSums(nowMs, lossWindows), k, k + 1, counts, TARGET_STATUSES.map(() => true), out);
    return out[0];
  }

  /** sent / received per row over the last lossWindows windows and the open ones. */
  lossSums(nowMs: number, lossWindows: number): LossSums {
    return this.live.lossSums(Math.floor(nowMs / this.windowMs), lossWindows, this.windows.values());
  }

  driftMs(percentile: number): number | null {
    return this.drift.totalCount === 0 ? null : this.drift.getValueAtPercentile(percentile) / 1000;
  }

  driftHistogram(): string | null {
    return this.drift.totalCount === 0 ? null : encodeIntoCompressedBase64(this.drift);
  }

  driftMaxMs(): number | null {
    return this.drift.totalCount === 0 ? null : this.drift.maxValue / 1000;
  }
}
