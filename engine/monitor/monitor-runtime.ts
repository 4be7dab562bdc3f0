// Continuous monitoring in the daemon: one timer drives every monitor's schedule (one tick
// every tickMs), hands finished windows to the window writer's thread (which also rolls up
// and purges), and in the time left of a tick re-evaluates selections when targets or
// monitors changed. Each tick's work is bounded by a time budget so that the event loop is
// never held for long (the HTTP API runs on the same thread).
import type { Db } from '../store/database.js';
import type { Engine } from '../types.js';
import type { MonitorRepo, StoredMonitor } from './monitor-repo.js';
import { MonitorRunner, wallNowMs, type SealedWindow } from './monitor-runner.js';
import { isIP } from 'node:net';
import { NameCache } from './name-cache.js';
import { SocketBudget } from './socket-job.js';
import { probeHost } from './target-host.js';
import type { Member, SelectionEvaluator } from './selection.js';
import type { MonitoringLog, MonitorRttView, MonitorRuntimeStats, WindowWriterStats } from './types.js';
import { hasPhases } from './types.js';
import { WindowWriter } from './window-writer.js';

export interface RuntimeSettings {
  windowMs: number;
  rollupMs: number;
  rawRetentionMs: number;
  rollupRetentionMs: number;
  tickMs: number;
  reconcileMs: number;
  /** Extra wait after a window's probes settled before it is sealed (MonitoringOptions.sealDelayMs). */
  sealDelayMs: number;
}

/** Time a tick may spend on reconciling and housekeeping. */
const BACKGROUND_BUDGET_MS = 6;
const HOUSEKEEPING_EVERY_MS = 1000;

export class MonitorRuntime {
  private readonly runners = new Map<string, MonitorRunner>();
  private readonly stopping = new Set<Promise<void>>();
  private readonly writer: WindowWriter;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private dirty = true;
  private dataVersion = -1;
  private targetsFingerprint = '';
  private nextReconcile = 0;
  private nextHousekeeping = 0;
  private readonly tick = (): void => this.runTick();
  /** Names of monitored targets resolved in the background (a change re-spreads monitors). */
  private readonly names = new NameCache({ onChange: () => this.invalidate() });
  /** Socket probes in flight, bounded for every tcp/dns/http monitor of the process together. */
  readonly sockets = new SocketBudget();
  /** The last failure of a tick (kept for stats; the next tick retries). */
  lastError: string | null = null;
  /** Runs in every tick right after the due batches went out (LivePublisher: the
   *  once-a-second pass of the live feed and state changes); closed after the last windows. */
  hook: { tick(nowMs: number, runners: ReadonlyMap<string, MonitorRunner>): void; close(): void } | null = null;

  constructor(
    private readonly db: Db,
    private readonly repo: MonitorRepo,
    private readonly selector: SelectionEvaluator,
    private readonly engine: Engine,
    private readonly settings: RuntimeSettings,
    log: MonitoringLog | null = null,
    private readonly onSealed?: (window: SealedWindow) => void,
  ) {
    const { windowMs, rollupMs, rawRetentionMs, rollupRetentionMs } = settings;
    this.writer = new WindowWriter({ dbPath: db.name, settings: { windowMs, rollupMs, rawRetentionMs, rollupRetentionMs } }, { log });
  }

  start(): void {
    // stored windows still need rollups and retention when no monitor runs now
    if (this.db.prepare('SELECT 1 FROM latency_windows LIMIT 1').get() !== undefined) this.writer.start();
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
      driftHistogram: r.driftHistogram(),
      windowsWritten: r.windowsWritten,
      failedBatches: r.failedBatches,
      lastError: r.lastError ?? this.lastError ?? this.writer.lastError,
    }));
  }

  /** Per-target RTT buckets of every running monitor (read by /metrics). */
  rttViews(): MonitorRttView[] {
    return [...this.runners.values()].map((r) => {
      const view: MonitorRttView = { monitorId: r.def.id, ...r.members, buckets: r.live.rtt, probe: r.def.probe };
      if (hasPhases(r.def.probe)) {
        view.phases = r.live.phaseRtt;
        view.certExpiresAtMs = r.live.certExpiresAtMs;
      }
      return view;
    });
  }

  writerStats(): WindowWriterStats {
    return { failures: this.writer.failures, dropped: this.writer.dropped, queued: this.writer.queued };
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
    for (const r of runners) this.handOver(r.takeFinished(wallNowMs(), true));
    await this.writer.close();
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
      for (const r of this.runners.values()) this.handOver(r.takeFinished(now - this.settings.sealDelayMs));
      this.hook?.tick(now, this.runners);
      const deadline = performance.now() + BACKGROUND_BUDGET_MS;
      if (performance.now() < deadline && (this.dirty || now >= this.nextReconcile)) {
        this.nextReconcile = now + this.settings.reconcileMs;
        this.reconcile();
      }
      if (now >= this.nextHousekeeping) {
        this.nextHousekeeping = now + HOUSEKEEPING_EVERY_MS;
        this.names.refreshExpired();
        this.writer.ready(this.completeUntil(now));
      }
    } catch (error) {
      // SQLITE_BUSY from another process and the like: the next tick retries
      this.lastError = error instanceof Error ? error.message : String(error);
    }
    this.schedule();
  }

  private handOver(windows: SealedWindow[]): void {
    for (const w of windows) {
      if (this.onSealed !== undefined) {
        try {
          this.onSealed(w);
        } catch (error) {
          // the tee (an agent's spool) failing must not cost the local write
          this.lastError = error instanceof Error ? error.message : String(error);
        }
      }
      this.writer.write(w);
    }
  }

  /** Re-reads monitors and re-evaluates selections when anything they depend on changed. */
  private reconcile(): void {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (!this.dirty && version === this.dataVersion) return;
    this.dataVersion = version;
    const wanted = new Map<string, StoredMonitor>();
    // a monitor with `agents` runs on remote agents (engine/distributed/monitor-assigner.ts)
    for (const m of this.repo.list()) if (m.enabled && m.agents === undefined) wanted.set(m.id, m);
    // the targets fingerprint scans the targets table: only worth it with monitors to run
    const fingerprint = wanted.size > 0 ? this.selector.fingerprint() : '';
    const targetsChanged = fingerprint !== this.targetsFingerprint;
    this.targetsFingerprint = fingerprint;
    const names = new Set<string>();
    for (const [id, runner] of this.runners) {
      const next = wanted.get(id);
      // another probe kind is another series: a new runner, its windows and states its own
      if (next !== undefined && next.probe === runner.def.probe) continue;
      this.runners.delete(id);
      // a removed or disabled monitor: its last windows are written once its batches settle
      const stopping = runner.stop().then(() => {
        this.stopping.delete(stopping);
        this.handOver(runner.takeFinished(wallNowMs(), true));
      });
      this.stopping.add(stopping);
    }
    for (const m of wanted.values()) {
      const runner = this.runners.get(m.id);
      if (runner === undefined) {
        const created = new MonitorRunner(m, this.engine, this.settings.windowMs, this.sockets);
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
    const members = this.selector.evaluate(m.selection, m.probe);
    for (const member of members) {
      const host = probeHost(m, member.address);
      const probe = this.names.addressOf(host);
      if (probe !== host || isIP(host) === 0) names.add(host);
      if (probe !== host) member.probeAddress = probe;
      else if (this.names.failed(host)) member.unresolvable = true;
    }
    return members;
  }

  /** Every window before this has been handed over, for every running monitor. */
  private completeUntil(now: number): number {
    let until = Math.floor(now / this.settings.windowMs) * this.settings.windowMs;
    for (const r of this.runners.values()) until = Math.min(until, r.openFrom(now));
    return until;
  }
}
