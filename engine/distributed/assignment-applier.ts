// The agent's side of monitors from vantage points: it watches the assignment bucket and
// keeps, in its own database, each monitor the controller assigned to it — the monitor under
// the controller's id (named `controller:<id>`) selecting its targets by the controller's
// target ids (HOST targets labelled assigned=controller). The agent's monitor runtime then
// probes them on the agent's clock like any monitor it has, and its sealed windows reach the
// controller with the controller's ids (agent-windows.ts). The targets keep the controller's
// kind, address and port, and the monitor its kind's options, so the socket probers
// (engine/monitor/socket-probers.ts) probe a tcp, dns or http monitor here exactly as the
// controller's own agent would. A monitor whose header is deleted,
// or that no longer lists this agent, is deleted here, with the assigned targets no monitor
// selects any more. After a restart the agent keeps probing what it had until the watch has
// delivered the bucket's state, then drops what is no longer assigned. A header it rejects
// (another wire version, a malformed entry) is no withdrawal: what it had keeps running.
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/database.js';
import {
  ASSIGNMENT_BUCKET, decodeAssignmentChunk, decodeAssignmentHeader, parseAssignmentKey, type AssignedTarget, type AssignmentChunk, type AssignmentHeader,
} from './assignment-wire.js';

export const ASSIGNED_NAME_PREFIX = 'controller:';
const ASSIGNED_LABEL = { key: 'assigned', value: 'controller' } as const;
const RETRY_MS = 5_000;

export interface AssignmentApplierLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

interface Watch extends AsyncIterable<KvWatchEntry> {
  stop(): void;
}

export interface AssignmentBucketSource {
  /** The bucket (created when missing and allowed, else opened). */
  open(): Promise<KV>;
}

/** The options column as monitor-repo.ts writes it: {"<probe>": {...}} or {}. */
function kindOptions(m: AssignmentHeader['monitor']): Record<string, unknown> {
  const o = m.probe === 'tcp' || m.probe === 'dns' || m.probe === 'http' ? m[m.probe] : undefined;
  return o === undefined ? {} : { [m.probe]: o };
}

export class AssignmentApplier {
  readonly counters = { applied: 0, removed: 0, rejected: 0 };
  private readonly headers = new Map<string, AssignmentHeader>();
  private readonly chunks = new Map<string, Map<number, AssignmentChunk>>();
  private readonly applied = new Map<string, string>();
  /** Monitors whose last header entry was rejected (kept running as they were). */
  private readonly unreadable = new Set<string>();
  private initialized = false;
  private watch: Watch | undefined;
  private loop: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastRejectLogAt = 0;
  private readonly upsertTarget: Statement;
  private readonly labelTarget: Statement<[string]>;
  private readonly upsertMonitor: Statement;
  private readonly deleteMonitor: Statement<[string]>;
  private readonly assignedMonitors: Statement<[], { id: string; selection: string }>;
  private readonly assignedTargets: Statement<[], { seq: number; id: string }>;
  private readonly deleteTarget: Statement<[number]>;

  constructor(
    private readonly source: AssignmentBucketSource,
    private readonly db: Db,
    private readonly hostname: string,
    private readonly log: AssignmentApplierLog,
    /** Told after every change of the assigned monitors or targets (ids a seq maps to may change). */
    private readonly onChange: () => void = () => undefined,
  ) {
    this.upsertTarget = db.prepare(`INSERT INTO targets (id, kind, address, port, labels, created_at, updated_at)
      VALUES (@id, @kind, @address, @port, @labels, @now, @now)
      ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, address = excluded.address, port = excluded.port, updated_at = excluded.updated_at
      WHERE targets.kind <> excluded.kind OR targets.address <> excluded.address OR targets.port IS NOT excluded.port`);
    this.labelTarget = db.prepare(`INSERT OR IGNORE INTO target_labels (target_seq, key, value)
      SELECT seq, '${ASSIGNED_LABEL.key}', '${ASSIGNED_LABEL.value}' FROM targets WHERE id = ?`);
    // updated_at moves only when something differs: the runtime restarts a monitor on it
    this.upsertMonitor = db.prepare(`INSERT INTO monitors (id, name, probe, selection, interval_ms, probes, timeout_ms, size, enabled, agents, created_at, updated_at, options)
      VALUES (@id, @name, @probe, @selection, @interval_ms, @probes, @timeout_ms, @size, 1, NULL, @now, @now, @options)
      ON CONFLICT(id) DO UPDATE SET probe = excluded.probe, selection = excluded.selection, interval_ms = excluded.interval_ms,
        probes = excluded.probes, timeout_ms = excluded.timeout_ms, size = excluded.size, enabled = 1, options = excluded.options,
        updated_at = max(excluded.updated_at, monitors.updated_at + 1)
      WHERE monitors.probe <> excluded.probe OR monitors.selection <> excluded.selection OR monitors.interval_ms <> excluded.interval_ms
        OR monitors.probes <> excluded.probes OR monitors.timeout_ms <> excluded.timeout_ms OR monitors.size <> excluded.size OR monitors.enabled <> 1
        OR monitors.options <> excluded.options`);
    this.deleteMonitor = db.prepare('DELETE FROM monitors WHERE id = ?');
    this.assignedMonitors = db.prepare(`SELECT id, selection FROM monitors WHERE name LIKE '${ASSIGNED_NAME_PREFIX}%'`);
    this.assignedTargets = db.prepare(`SELECT t.seq, t.id FROM targets t JOIN target_labels l ON l.target_seq = t.seq
      WHERE l.key = '${ASSIGNED_LABEL.key}' AND l.value = '${ASSIGNED_LABEL.value}'`);
    this.deleteTarget = db.prepare('DELETE FROM targets WHERE seq = ?');
  }

  /** Starts watching; while the bucket cannot be opened (no controller yet), retries every 5 s. */
  start(): void {
    void this.open();
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    try {
      const kv = await this.source.open();
      const empty = (await kv.status()).values === 0;
      const watch = (await kv.watch({ key: '>' })) as unknown as Watch;
      if (this.stopped) {
        watch.stop();
        return;
      }
      this.watch = watch;
      if (empty) this.initialize();
      this.loop = (async () => {
        for await (const e of watch) this.onEntry(e);
      })();
    } catch (err) {
      this.log.warn({ err: (err as Error).message, bucket: ASSIGNMENT_BUCKET, retryMs: RETRY_MS }, 'cannot watch the monitor definitions on the bus yet; retrying');
      this.retry = setTimeout(() => void this.open(), RETRY_MS);
      this.retry.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    this.watch?.stop();
    await this.loop?.catch(() => undefined);
  }

  private onEntry(e: KvWatchEntry): void {
    const where = parseAssignmentKey(e.key);
    if (where === null) return this.reject(e.key, 'not a key sonde writes');
    const deleted = e.operation !== 'PUT';
    if (where.kind === 'header') {
      this.unreadable.delete(where.monitorId);
      if (deleted) this.headers.delete(where.monitorId);
      else {
        const h = decodeAssignmentHeader(e.value);
        if (!h.ok || h.value.monitor.id !== where.monitorId) {
          this.unreadable.add(where.monitorId);
          this.reject(e.key, h.ok ? `the header of monitor ${h.value.monitor.id}` : h.reason);
        } else this.headers.set(where.monitorId, h.value);
      }
    } else {
      let of = this.chunks.get(where.monitorId);
      if (deleted) of?.delete(where.index);
      else {
        const c = decodeAssignmentChunk(e.value);
        if (!c.ok) this.reject(e.key, c.reason);
        else {
          if (of === undefined) this.chunks.set(where.monitorId, (of = new Map()));
          of.set(where.index, c.value);
        }
      }
    }
    if (this.initialized) this.settle(where.monitorId);
    else if (e.delta === 0) this.initialize();
  }

  /** The bucket's state is all here: apply it, and drop what it no longer assigns. */
  private initialize(): void {
    this.initialized = true;
    const ids = new Set([...this.headers.keys(), ...this.assignedMonitors.all().map((m) => m.id)]);
    for (const id of ids) this.settle(id);
  }

  private settle(monitorId: string): void {
    const header = this.headers.get(monitorId);
    const mine = header !== undefined && header.agents.some((a) => a.toLowerCase() === this.hostname.toLowerCase());
    try {
      if (!mine) {
        // a header it cannot read (another wire version, a bad entry) withdraws nothing: what
        // was applied, before or since a restart, keeps running until a readable one or a delete
        if (header === undefined && this.unreadable.has(monitorId)) return;
        if (this.applied.delete(monitorId) || this.isAssignedHere(monitorId)) this.remove(monitorId);
        return;
      }
      const targets = this.complete(header);
      if (targets === null || this.applied.get(monitorId) === header.gen) return;
      this.apply(header, targets);
      this.applied.set(monitorId, header.gen);
    } catch (err) {
      // e.g. the disk full: the next entry or the next start tries again
      this.log.warn({ err: (err as Error).message, monitorId }, 'monitor definition from the controller not applied');
    }
  }

  /** The header's targets when every chunk of its generation is here. */
  private complete(header: AssignmentHeader): AssignedTarget[] | null {
    const of = this.chunks.get(header.monitor.id);
    const targets: AssignedTarget[] = [];
    for (let i = 0; i < header.chunks; i++) {
      const c = of?.get(i);
      if (c === undefined || c.gen !== header.gen) return null;
      for (const t of c.targets) targets.push(t);
    }
    return targets;
  }

  private isAssignedHere(monitorId: string): boolean {
    return this.assignedMonitors.all().some((m) => m.id === monitorId);
  }

  private apply(header: AssignmentHeader, targets: readonly AssignedTarget[]): void {
    const m = header.monitor;
    const now = Date.now();
    const labels = JSON.stringify({ [ASSIGNED_LABEL.key]: ASSIGNED_LABEL.value });
    this.db.transaction(() => {
      for (const [id, address, kind, port] of targets) {
        this.upsertTarget.run({ id, kind, address, port, labels, now });
        this.labelTarget.run(id);
      }
      this.upsertMonitor.run({
        id: m.id, name: `${ASSIGNED_NAME_PREFIX}${m.id}`, probe: m.probe, selection: JSON.stringify({ ids: targets.map(([id]) => id) }),
        interval_ms: m.intervalMs, probes: m.probes, timeout_ms: m.timeoutMs, size: m.size, now, options: JSON.stringify(kindOptions(m)),
      });
      this.dropUnselectedTargets();
    }).immediate();
    this.counters.applied++;
    this.onChange();
    this.log.info({ monitorId: m.id, targets: targets.length }, 'monitor from the controller runs on this agent');
  }

  private remove(monitorId: string): void {
    this.db.transaction(() => {
      this.deleteMonitor.run(monitorId);
      this.dropUnselectedTargets();
    }).immediate();
    this.counters.removed++;
    this.onChange();
    this.log.info({ monitorId }, 'monitor from the controller no longer runs on this agent');
  }

  private dropUnselectedTargets(): void {
    const selected = new Set<string>();
    for (const row of this.assignedMonitors.all()) {
      const s = JSON.parse(row.selection) as { ids?: string[] };
      for (const id of s.ids ?? []) selected.add(id);
    }
    for (const t of this.assignedTargets.all()) if (!selected.has(t.id)) this.deleteTarget.run(t.seq);
  }

  private reject(key: string, reason: string): void {
    this.counters.rejected++;
    const now = Date.now();
    if (now - this.lastRejectLogAt < 1_000) return;
    this.lastRejectLogAt = now;
    this.log.warn({ key, reason, rejected: this.counters.rejected }, 'rejected a monitor definition entry from the bus');
  }
}
