// The monitor service: definitions (CRUD), selections, stored history, and, when given an
// engine, the runtime that probes. It works on its own connection to the data directory's
// database, so the runtime notices changes other connections commit (PRAGMA data_version).
import type { Statement } from 'better-sqlite3';
import { SondeError } from '../errors.js';
import { openDatabase, type Db } from '../store/database.js';
import type { Engine } from '../types.js';
import { queryHistory } from './history.js';
import { toV2Compressed } from './hdr-codec.js';
import { MonitorRepo, publicMonitor } from './monitor-repo.js';
import { MonitorRuntime, type RuntimeSettings } from './monitor-runtime.js';
import { SelectionEvaluator } from './selection.js';
import { WindowStore } from './window-store.js';
import type { HistoryPoint, HistoryQuery, LatencyWindow, Monitor, MonitorInput, MonitorRttView, MonitorRuntimeStats, MonitorService, MonitorSummary, MonitoringOptions, SummaryBytes, SummaryQuery, TargetStatus } from './types.js';
import type { LiveSecond, MonitoringLog, StateChange, StateChangeQuery, WebhookConfig, WindowWriterStats } from './types.js';
import { LivePublisher, statusSettingsFrom } from './live-publisher.js';
import { StateChangeStore } from './state-change-store.js';
import type { StatusSettings } from './status-tracker.js';
import { checkWebhooks, WebhookSender } from './webhooks.js';
import { RECENT_WINDOWS } from './live-state.js';
import { SNAPSHOT_MIN_TARGETS, SummarySnapshots } from './summary-snapshot.js';
import { hasPhases, TARGET_STATUSES } from './types.js';
import { MONITOR_ERROR_KINDS as ERROR_KINDS } from './error-kinds.js';
import { decodeSeries } from './series.js';
import { AgentWindowReads } from '../distributed/agent-window-reads.js';
import { VantageStatus } from '../distributed/vantage-status.js';
import type { VantageFigures } from './types.js';

const DAY_MS = 86_400_000;

function settingsFrom(o: MonitoringOptions): RuntimeSettings {
  const s: Omit<RuntimeSettings, 'sealDelayMs'> = {
    windowMs: o.windowMs ?? 60_000,
    rollupMs: o.rollupMs ?? 3_600_000,
    rawRetentionMs: o.rawRetentionMs ?? 14 * DAY_MS,
    rollupRetentionMs: o.rollupRetentionMs ?? 365 * DAY_MS,
    tickMs: o.tickMs ?? 100,
    reconcileMs: o.reconcileMs ?? 1000,
  };
  const positiveInt = (v: number, field: string): void => {
    if (!Number.isSafeInteger(v) || v <= 0) throw new SondeError('invalid', `monitoring.${field} must be a positive integer (ms)`, `monitoring.${field}`);
  };
  for (const [k, v] of Object.entries(s)) positiveInt(v, k);
  if (s.windowMs < 1000) throw new SondeError('invalid', 'monitoring.windowMs must be at least 1000', 'monitoring.windowMs');
  if (s.rollupMs % s.windowMs !== 0 || s.rollupMs <= s.windowMs) {
    throw new SondeError('invalid', 'monitoring.rollupMs must be a multiple of monitoring.windowMs, larger than it', 'monitoring.rollupMs');
  }
  if (s.rawRetentionMs <= s.rollupMs) throw new SondeError('invalid', 'monitoring.rawRetentionMs must be longer than monitoring.rollupMs (windows are rolled up before they are purged)', 'monitoring.rawRetentionMs');
  const sealDelayMs = o.sealDelayMs ?? 0;
  if (!Number.isSafeInteger(sealDelayMs) || sealDelayMs < 0 || sealDelayMs >= s.windowMs) {
    throw new SondeError('invalid', 'monitoring.sealDelayMs must be a whole number of ms, at least 0 and less than monitoring.windowMs', 'monitoring.sealDelayMs');
  }
  return { ...s, sealDelayMs };
}

export interface OpenMonitorsOptions extends MonitoringOptions {
  /** The data directory (the daemon's; its database is migrated by openSonde already). */
  dataDir: string;
  /** With an engine the service also probes (the daemon); without, it only manages and reads. */
  engine?: Engine | null;
}

export interface MonitorHandle {
  readonly service: MonitorService;
  /** Stops probing, writes every open window (partial), closes the connection. */
  close(): Promise<void>;
}

export function openMonitors(options: OpenMonitorsOptions): MonitorHandle {
  const settings = settingsFrom(options);
  const status = statusSettingsFrom(options);
  const webhooks = options.webhooks ?? [];
  checkWebhooks(webhooks);
  const { db } = openDatabase(options.dataDir, 16);
  try {
    return new SqliteMonitorService(db, settings, options.engine ?? null, status, webhooks, options.log ?? null, options.onSealed);
  } catch (error) {
    db.close();
    throw error;
  }
}

class SqliteMonitorService implements MonitorService, MonitorHandle {
  readonly windowMs: number;
  readonly rollupMs: number;
  private readonly repo: MonitorRepo;
  private readonly selector: SelectionEvaluator;
  private readonly store: WindowStore;
  private readonly runtime: MonitorRuntime | null;
  /** Unfiltered summaries of large monitors, kept as JSON bytes while polled. */
  private readonly snapshots = new SummarySnapshots((id) => this.runtime?.runner(id));
  private readonly changes: StateChangeStore;
  private readonly publisher: LivePublisher | null;
  private readonly targetSeq: Statement<[string], number>;
  private readonly targetIdBySeq: Statement<[number], string>;
  private readonly monitorIds: Statement<[], { seq: number; id: string }>;
  /** Remote agents' windows (agent_windows): vantage points. */
  private readonly remote: AgentWindowReads;
  private readonly status: StatusSettings;
  private readonly remoteChanges: VantageStatus;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly db: Db, settings: RuntimeSettings, engine: Engine | null, status: StatusSettings, webhooks: readonly WebhookConfig[], log: MonitoringLog | null,
    onSealed?: MonitoringOptions['onSealed'],
  ) {
    this.windowMs = settings.windowMs;
    this.rollupMs = settings.rollupMs;
    this.repo = new MonitorRepo(db);
    this.selector = new SelectionEvaluator(db);
    this.store = new WindowStore(db);
    this.targetSeq = db.prepare<[string], number>('SELECT seq FROM targets WHERE id = ?').pluck();
    this.targetIdBySeq = db.prepare<[number], string>('SELECT id FROM targets WHERE seq = ?').pluck();
    this.monitorIds = db.prepare<[], { seq: number; id: string }>('SELECT seq, id FROM monitors');
    this.remote = new AgentWindowReads(db);
    this.remoteChanges = new VantageStatus(db, status);
    this.status = status;
    this.runtime = engine === null ? null : new MonitorRuntime(db, this.repo, this.selector, engine, settings, log, onSealed);
    this.changes = new StateChangeStore(db);
    // state changes are kept as long as the rollups
    this.publisher = this.runtime === null ? null : new LivePublisher(this.changes, new WebhookSender(webhooks), status, settings.rollupRetentionMs);
    if (this.runtime !== null) this.runtime.hook = this.publisher;
    this.runtime?.start();
  }

  get service(): MonitorService {
    return this;
  }

  create(input: MonitorInput): Monitor {
    const m = publicMonitor(this.repo.create(input));
    this.runtime?.invalidate();
    return m;
  }

  list(): Monitor[] {
    return this.repo.list().map(publicMonitor);
  }

  get(id: string): Monitor | null {
    const m = this.repo.get(id);
    return m === null ? null : publicMonitor(m);
  }

  update(id: string, patch: Partial<MonitorInput>): Monitor {
    const m = publicMonitor(this.repo.update(id, patch));
    this.runtime?.invalidate();
    return m;
  }

  delete(id: string): boolean {
    const deleted = this.repo.delete(id);
    if (deleted) this.runtime?.invalidate();
    return deleted;
  }

  members(id: string): string[] {
    const m = this.repo.get(id);
    if (m === null) throw new SondeError('not_found', `monitor ${id} not found`, 'id');
    return this.selector.evaluate(m.selection, m.probe).map((t) => t.id);
  }

  history(targetId: string, query: HistoryQuery): HistoryPoint[] {
    const seq = this.seqOf(targetId);
    let monitorSeq: number | null = null;
    let probe = query.probe ?? null;
    if (query.monitorId !== undefined) {
      const m = this.repo.get(query.monitorId);
      if (m === null) throw new SondeError('not_found', `monitor ${query.monitorId} not found`, 'monitor');
      monitorSeq = m.seq;
      probe ??= m.probe;
    }
    const phase = query.phase ?? 'total';
    if (phase !== 'total' && probe !== null && !hasPhases(probe)) {
      throw new SondeError('invalid', `phase ${phase} exists for http and model monitors only (this history is of ${probe} probes): use phase=total`, 'phase');
    }
    const series = { monitorSeq, probe, phase };
    const remote = (fromMs: number, toMs: number, agent?: string) => this.remote.historyRows(targetId, fromMs, toMs, agent);
    return queryHistory({ store: this.store, windowMs: this.windowMs, rollupMs: this.rollupMs, remote }, seq, series, query);
  }

  windows(targetId: string, fromMs: number, toMs: number, spanMs = this.windowMs): LatencyWindow[] {
    const seq = this.seqOf(targetId);
    const monitorIds = new Map(this.monitorIds.all().map((m) => [m.seq, m.id]));
    return this.store.range(seq, spanMs, fromMs, toMs).map((r) => {
      const series = decodeSeries(r.monitorSeq) ?? { monitorSeq: r.monitorSeq, probe: 'icmp' as const, phase: 'total' as const };
      return {
      targetId: this.targetIdBySeq.get(r.targetSeq) ?? targetId,
      monitorId: monitorIds.get(series.monitorSeq) ?? `deleted:${series.monitorSeq}`,
      probe: series.probe,
      phase: series.phase,
      startMs: r.startMs,
      spanMs: r.spanMs,
      sent: r.sent,
      received: r.received,
      duplicates: r.duplicates,
      late: r.late,
      errors: Object.fromEntries(ERROR_KINDS.map((k, i) => [k, r.errors[i]]).filter(([, n]) => (n as number) > 0)),
      minNs: r.minNs,
      maxNs: r.maxNs,
      sumNs: r.sumNs,
      histogram: r.hist === null ? null : toV2Compressed(r.hist),
      };
    });
  }

  summaryJson(id: string, query: SummaryQuery = {}, options: { gzip?: boolean } = {}): SummaryBytes {
    const runner = this.runtime?.runner(id);
    if (query.status !== undefined || query.targetId !== undefined || query.agent !== undefined || runner === undefined || runner.targets < SNAPSHOT_MIN_TARGETS) {
      return { bytes: Buffer.from(JSON.stringify(this.summary(id, query))), gzip: false };
    }
    const lossWindows = this.lossWindowsOf(query);
    const now = Date.now();
    const fresh = this.snapshots.get(id, lossWindows, (lossWindows + 1) * this.windowMs, now, options.gzip === true);
    if (fresh !== null) return fresh;
    const built = Buffer.from(JSON.stringify(this.summary(id, query)));
    this.snapshots.put(id, lossWindows, built, now);
    return { bytes: built, gzip: false };
  }

  private lossWindowsOf(query: SummaryQuery): number {
    const minutes = query.minutes ?? 5;
    if (!(minutes > 0 && minutes <= 1440)) throw new SondeError('invalid', 'minutes must be in (0, 1440]', 'minutes');
    return Math.min(RECENT_WINDOWS, Math.max(0, Math.ceil((minutes * 60_000) / this.windowMs) - 1));
  }

  summary(id: string, query: SummaryQuery = {}): MonitorSummary {
    const m = this.repo.get(id);
    if (m === null) throw new SondeError('not_found', `monitor ${id} not found`, 'id');
    const lossWindows = this.lossWindowsOf(query);
    const now = Date.now();
    const runner = this.runtime?.runner(id);
    const only = query.status === undefined ? undefined : new Set(query.status);
    if (only !== undefined) {
      for (const [i, st] of query.status!.entries()) {
        if (!TARGET_STATUSES.includes(st)) throw new SondeError('invalid', `status[${i}] must be one of ${TARGET_STATUSES.join(', ')}`, 'status');
      }
    }
    let counts = { up: 0, degraded: 0, down: 0, unknown: 0 };
    let targets: TargetStatus[];
    if (m.agents !== undefined || query.agent !== undefined) return this.vantageSummary(m.id, m.selection, m.probe, query, lossWindows, now, only);
    if (runner !== undefined && query.targetId !== undefined) {
      // one target (the dashboard's hover): counts of all, no object for the others
      counts = runner.summarize(now, lossWindows, new Set()).counts;
      const one = runner.summarizeOne(now, lossWindows, query.targetId);
      targets = one !== null && (only === undefined || only.has(one.status)) ? [one] : [];
    } else if (runner !== undefined) {
      ({ counts, targets } = runner.summarize(now, lossWindows, only));
    } else {
      const members = this.selector.evaluate(m.selection, m.probe);
      counts.unknown = members.length;
      const listed = query.targetId === undefined ? members : members.filter((t) => t.id === query.targetId);
      targets = only !== undefined && !only.has('unknown') ? [] : listed.map((t) => ({
        targetId: t.id, address: t.address, status: 'unknown', lastRttMs: null, lastProbeAtMs: null, failStreak: 0, sent: 0, received: 0, lossPercent: null,
      }));
    }
    return { monitorId: id, running: runner !== undefined, atMs: now, lossWindowMs: (lossWindows + 1) * this.windowMs, counts, targets };
  }

  /** A summary from remote agents' windows: one agent's (query.agent) or all merged. */
  private vantageSummary(
    id: string, selection: Monitor['selection'], probe: Monitor['probe'], query: SummaryQuery, lossWindows: number, now: number, only: Set<TargetStatus['status']> | undefined,
  ): MonitorSummary {
    const lossWindowMs = (lossWindows + 1) * this.windowMs;
    const fromMs = Math.floor(now / this.windowMs) * this.windowMs - lossWindows * this.windowMs;
    // the targets of the kinds its probe takes (an http monitor's are HTTP targets)
    const members = this.selector.evaluate(selection, probe);
    const { counts, targets } = this.remote.summary(id, members, fromMs, this.status, query.agent);
    const listed = targets.filter((t) => (query.targetId === undefined || t.targetId === query.targetId) && (only === undefined || only.has(t.status)));
    const where = query.agent !== undefined ? { agent: query.agent } : { agents: this.remote.agents(id, fromMs) };
    return { monitorId: id, running: counts.unknown < members.length, atMs: now, lossWindowMs, counts, targets: listed, ...where };
  }

  vantageFigures(): VantageFigures[] {
    return this.remote.countsByAgent(Date.now() - 5 * 60_000, this.status);
  }

  stats(): MonitorRuntimeStats[] {
    return this.runtime?.stats() ?? [];
  }

  events(monitorId: string, query: StateChangeQuery = {}): StateChange[] {
    const m = this.repo.get(monitorId);
    if (m === null) throw new SondeError('not_found', `monitor ${monitorId} not found`, 'id');
    const toMs = query.toMs ?? Date.now() + 1000;
    const fromMs = query.fromMs ?? toMs - DAY_MS;
    const limit = query.limit ?? 1000;
    if (!Number.isSafeInteger(fromMs) || !Number.isSafeInteger(toMs) || fromMs >= toMs) throw new SondeError('invalid', 'from must be before to (ms since the epoch)', 'from');
    // 10,001: the events route asks one more than its maximum of 10,000 to tell whether there are more
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_001) throw new SondeError('invalid', 'limit must be an integer in 1..10000', 'limit');
    if (m.agents !== undefined || query.agent !== undefined) return this.remoteChanges.list(monitorId, fromMs, toMs, limit, query.agent, query.targetId);
    return this.changes.list(monitorId, fromMs, toMs, limit, query.targetId);
  }

  onSecond(listener: (second: LiveSecond) => void): () => void {
    return this.publisher?.onSecond(listener) ?? (() => undefined);
  }

  onStateChanges(listener: (changes: readonly StateChange[]) => void): () => void {
    return this.publisher?.onStateChanges(listener) ?? (() => undefined);
  }

  targetsMatching(labels: Record<string, string>): string[] {
    return this.selector.evaluate({ labels }).map((m) => m.id);
  }

  rttViews(): MonitorRttView[] {
    return this.runtime?.rttViews() ?? [];
  }

  writerStats(): WindowWriterStats | null {
    return this.runtime?.writerStats() ?? null;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.snapshots.close();
      try {
        await this.runtime?.close();
      } finally {
        this.db.close();
      }
    })();
    return this.closing;
  }

  private seqOf(targetId: string): number {
    const seq = typeof targetId === 'string' ? this.targetSeq.get(targetId) : undefined;
    if (seq === undefined) throw new SondeError('not_found', `target ${targetId} not found`, 'id');
    return seq;
  }
}
