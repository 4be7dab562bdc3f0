// Continuous monitoring in the daemon: one timer drives every monitor's schedule (one tick
// every tickMs), hands finished windows to the writer, and in the time left of a tick runs
// the background work in small steps: re-evaluating selections when targets or monitors
// changed, rolling up, purging. Each tick's work is bounded by a time budget so that the
// event loop is never held for long (the HTTP API runs on the same thread).
import type { Db } from '../store/database.js';
import type { Engine } from '../types.js';
import type { MonitorRepo, StoredMonitor } from './monitor-repo.js';
import { MonitorRunner, wallNowMs, type SealedWindow } from './monitor-runner.js';
import { isIP } from 'node:net';
import { NameCache } from './name-cache.js';
import type { Member, SelectionEvaluator } from './selection.js';
import type { WindowRow, WindowStore } from './window-store.js';
import type { MonitorRttView, MonitorRuntimeStats } from './types.js';
import { ERROR_KIND_COUNT } from '../stats/error-kinds.js';

export interface RuntimeSettings {
  windowMs: number;
  rollupMs: number;
  rawRetentionMs: number;
  rollupRetentionMs: number;
  tickMs: number;
  reconcileMs: number;
}

/** Time a tick may spend on writing windows, rollups and purging. */
const BACKGROUND_BUDGET_MS = 6;
const WRITE_BATCH_ROWS = 100;
const PURGE_STEP_ROWS = 500;
const HOUSEKEEPING_EVERY_MS = 1000;

export class MonitorRuntime {
  private readonly runners = new Map<string, MonitorRunner>();
  private readonly stopping = new Set<Promise<void>>();
  private readonly queue: SealedWindow[] = [];
  private writeRow = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private dirty = true;
  private dataVersion = -1;
  private targetsFingerprint = '';
  private nextReconcile = 0;
  private nextHousekeeping = 0;
  private rollupBacklog = false;
  private purgeBacklog = false;
  private readonly tick = (): void => this.runTick();
  /** Names of monitored targets resolved in the background (a change re-spreads monitors). */
  private readonly names = new NameCache({ onChange: () => this.invalidate() });
  /** The last failure of a tick (kept for stats; the next tick retries). */
  lastError: string | null = null;
  /** Runs in every tick right after the due batches went out (LivePublisher: the
   *  once-a-second pass of the live feed and state changes); closed after the last windows. */
  hook: { tick(nowMs: number, runners: ReadonlyMap<string, MonitorRunner>): void; close(): void } | null = null;

  constructor(
    private readonly db: Db,
    private readonly repo: MonitorRepo,
    private readonly selector: SelectionEvaluator,
    private readonly store: WindowStore,
    private readonly engine: Engine,
    private readonly settings: RuntimeSettings,
  ) {}

  start(): void {
    this.reconcile();
    this.schedule();
  }

  /** Monitors changed through this process's own connection: reconcile at the next tick. */
  invalidate(): void {
    this.dirty = true;
  }

  stats(): MonitorRuntimeStats[] {
    return [...this.runners.values()].map((r) => ({
      monitorId: r.def.id,
      targets: r.targets,
      batches: r.batches,
      skippedSlots: r.skippedSlots,
      driftP50Ms: r.driftMs(50),
      driftP99Ms: r.driftMs(99),
      driftMaxMs: r.driftMaxMs(),
      windowsWritten: r.windowsWritten,
      failedBatches: r.failedBatches,
      lastError: r.lastError ?? this.lastError,
    }));
  }

  /** Per-target RTT buckets of every running monitor (read by /metrics). */
  rttViews(): MonitorRttView[] {
    return [...this.runners.values()].map((r) => ({ monitorId: r.def.id, ...r.members, buckets: r.live.rtt }));
  }

  /** The runner of a monitor probing in this process, if any. */
  runner(id: string): MonitorRunner | undefined {
    return this.runners.get(id);
  }

  /** Stops probing, writes every window (the current ones partial), stops the timer. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    const runners = [...this.runners.values()];
    this.runners.clear();
    await Promise.all([...runners.map((r) => r.stop()), ...this.stopping]);
    for (const r of runners) this.queue.push(...r.takeFinished(wallNowMs(), true));
    this.writeQueued(Infinity);
    this.hook?.close();
  }

  /** The next turn, one tick from now (the workers keep the probe schedule; the turns
   *  write windows, reconcile and keep house). */
  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(this.tick, this.settings.tickMs);
    this.timer.unref();
  }

  private runTick(): void {
    const now = wallNowMs();
    try {
      for (const r of this.runners.values()) r.tick(now);
      for (const r of this.runners.values()) this.queue.push(...r.takeFinished(now));
      this.hook?.tick(now, this.runners);
      const deadline = performance.now() + BACKGROUND_BUDGET_MS;
      this.writeQueued(deadline);
      if (performance.now() < deadline && (this.dirty || now >= this.nextReconcile)) {
        this.nextReconcile = now + this.settings.reconcileMs;
        this.reconcile();
      }
      if (performance.now() < deadline && (this.rollupBacklog || this.purgeBacklog || now >= this.nextHousekeeping)) {
        this.nextHousekeeping = now + HOUSEKEEPING_EVERY_MS;
        this.housekeeping(now, deadline);
      }
    } catch (error) {
      // SQLITE_BUSY from another process and the like: the next tick retries
      this.lastError = error instanceof Error ? error.message : String(error);
    }
    this.schedule();
  }

  /** Writes queued windows in transactions of WRITE_BATCH_ROWS rows until the deadline. */
  private writeQueued(deadline: number): void {
    const batch: WindowRow[] = [];
    while (this.queue.length > 0) {
      const w = this.queue[0];
      const t = w.table;
      while (this.writeRow < t.rows && batch.length < WRITE_BATCH_ROWS) {
        // encoding a row takes ~50 µs: look at the clock every 16 rows
        if ((batch.length & 15) === 15 && performance.now() >= deadline) break;
        const r = this.writeRow++;
        if (!t.active(r)) continue;
        const errors = new Array<number>(ERROR_KIND_COUNT);
        for (let k = 0; k < ERROR_KIND_COUNT; k++) errors[k] = t.errors[r * ERROR_KIND_COUNT + k];
        const hasRtt = t.received[r] > 0;
        batch.push({
          targetSeq: w.rowSeq[r], monitorSeq: w.monitorSeq, spanMs: w.spanMs, startMs: t.startMs,
          sent: t.sent[r], received: t.received[r], duplicates: t.duplicates[r], late: t.late[r], errors,
          minNs: hasRtt ? t.minNs[r] : null, maxNs: hasRtt ? t.maxNs[r] : null, sumNs: t.sumNs[r],
          hist: t.encodeRow(r),
        });
      }
      if (batch.length > 0) {
        this.store.write(batch);
        batch.length = 0;
      }
      if (this.writeRow >= t.rows) {
        this.queue.shift();
        this.writeRow = 0;
        w.release();
      }
      if (performance.now() >= deadline) return;
    }
  }

  /** Re-reads monitors and re-evaluates selections when anything they depend on changed. */
  private reconcile(): void {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (!this.dirty && version === this.dataVersion) return;
    this.dataVersion = version;
    const wanted = new Map<string, StoredMonitor>();
    for (const m of this.repo.list()) if (m.enabled) wanted.set(m.id, m);
    // the targets fingerprint scans the targets table: only worth it with monitors to run
    const fingerprint = wanted.size > 0 ? this.selector.fingerprint() : '';
    const targetsChanged = fingerprint !== this.targetsFingerprint;
    this.targetsFingerprint = fingerprint;
    const names = new Set<string>();
    for (const [id, runner] of this.runners) {
      if (wanted.has(id)) continue;
      this.runners.delete(id);
      // a removed or disabled monitor: its last windows are written once its batches settle
      const stopping = runner.stop().then(() => {
        this.stopping.delete(stopping);
        this.queue.push(...runner.takeFinished(wallNowMs(), true));
      });
      this.stopping.add(stopping);
    }
    for (const m of wanted.values()) {
      const runner = this.runners.get(m.id);
      if (runner === undefined) {
        const created = new MonitorRunner(m, this.engine, this.settings.windowMs);
        created.setMembers(this.members(m, names));
        this.runners.set(m.id, created);
      } else if (runner.def.updatedAtMs !== m.updatedAtMs) {
        runner.setDefinition(m, this.members(m, names));
      } else if (targetsChanged || this.dirty) {
        runner.setMembers(this.members(m, names));
      } else {
        for (const name of runner.names) names.add(name);
      }
    }
    this.names.retain(names);
    this.dirty = false;
  }

  /** A monitor's members now, names given their cached addresses (names collected). */
  private members(m: StoredMonitor, names: Set<string>): Member[] {
    const members = this.selector.evaluate(m.selection);
    for (const member of members) {
      const probe = this.names.addressOf(member.address);
      if (probe !== member.address || isIP(member.address) === 0) names.add(member.address);
      if (probe !== member.address) member.probeAddress = probe;
      else if (this.names.failed(member.address)) member.unresolvable = true;
    }
    return members;
  }

  /** Everything before this has been written for every running monitor. */
  private writtenUntil(now: number): number {
    let until = Math.floor(now / this.settings.windowMs) * this.settings.windowMs;
    for (const r of this.runners.values()) until = Math.min(until, r.openFrom(now));
    for (const w of this.queue) until = Math.min(until, w.table.startMs);
    return until;
  }

  private housekeeping(now: number, deadline: number): void {
    const s = this.settings;
    const left = (): number => deadline - performance.now();
    this.names.refreshExpired();
    if (left() > 0) this.rollupBacklog = this.store.rollupStep(s.windowMs, s.rollupMs, this.writtenUntil(now), left());
    if (left() > 0) {
      const purged = this.store.purge(s.windowMs, now - s.rawRetentionMs, PURGE_STEP_ROWS)
        + this.store.purge(s.rollupMs, now - s.rollupRetentionMs, PURGE_STEP_ROWS);
      this.purgeBacklog = purged > 0;
    }
  }
}
