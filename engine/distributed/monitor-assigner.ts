// The controller's side of monitors from vantage points: every monitor with `agents` is
// resolved against the registry's remote agents (healthy ones join; `_all`, a hostname or a
// label prefix as in node API routing) and written to the assignment bucket with its kind's
// options and its targets of the kinds its probe takes, each with its kind and port
// (assignment-wire.ts), where the agents that run it pick it up. Once a second; a
// monitor is rewritten only when its generation (definition, agents, targets) changed.
//
// An agent leaves a monitor when it deregisters (a clean stop) or has been unhealthy for
// leaveAfterMs: a bus restart or a controller restart makes every agent look unhealthy for a
// moment, and dropping them then would stop their probing and cost windows. The previous
// sets are read back from the bucket at start, so a restarted controller keeps them.
import type { KV } from '@nats-io/kv';
import type { Statement } from 'better-sqlite3';
import type { AgentInfo, AgentRegistry } from '../agents/types.js';
import { parseSelector } from '../agents/selector.js';
import { SelectionEvaluator } from '../monitor/selection.js';
import type { MonitorSelection } from '../monitor/types.js';
import type { Db } from '../store/database.js';
import { labelValueMatches } from '../store/labels.js';
import {
  ASSIGNMENT_WIRE_VERSION, MAX_CHUNKS, assignmentGen, chunkKey, chunkTargets, decodeAssignmentHeader, encodeAssignment, headerKey, parseAssignmentKey,
  type AssignedTarget, type AssignmentHeader,
} from './assignment-wire.js';

interface MonitorRow {
  id: string;
  agents: string;
  selection: string;
  probe: AssignmentHeader['monitor']['probe'];
  interval_ms: number;
  probes: number;
  timeout_ms: number;
  size: number;
  updated_at: number;
  /** The kind's options as monitor-repo.ts stores them: {"tcp": {...}} | {"dns": …} | {"http": …} | {}. */
  options: string;
}

interface Written {
  gen: string;
  chunks: number;
}

export interface MonitorAssignerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface MonitorAssignerOptions {
  intervalMs?: number;
  /** An unhealthy agent keeps its monitors this long (default 60 s). */
  leaveAfterMs?: number;
  /** Targets are re-read at most this often, or at once when the targets table changed (default 5 s). */
  membersEveryMs?: number;
}

/** Whether an agent matches a monitor's `agents` (already validated at create/patch). */
export function agentMatches(selector: string, agent: Pick<AgentInfo, 'hostname' | 'labels'>): boolean {
  const s = parseSelector(selector);
  switch (s.kind) {
    case 'all': return true;
    case 'any': return false;
    case 'hostname': return s.hostname.toLowerCase() === agent.hostname.toLowerCase();
    case 'label': {
      const v = agent.labels[s.key];
      return v !== undefined && labelValueMatches(v, s.value);
    }
  }
}

export class MonitorAssigner {
  private readonly monitors: Statement<[], MonitorRow>;
  private readonly selector: SelectionEvaluator;
  private readonly written = new Map<string, Written>();
  /** Per monitor: its agents, with when each was last seen healthy. */
  private readonly sets = new Map<string, Map<string, number>>();
  private readonly members = new Map<string, { key: string; at: number; targets: AssignedTarget[] }>();
  /** Per monitor: the generation last warned about (too large to send). */
  private readonly warned = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastFailLogAt = 0;
  private startedAt = Date.now();
  private readonly intervalMs: number;
  private readonly leaveAfterMs: number;
  private readonly membersEveryMs: number;

  constructor(
    private readonly kv: KV,
    db: Db,
    private readonly registry: Pick<AgentRegistry, 'list'>,
    private readonly log: MonitorAssignerLog,
    options: MonitorAssignerOptions = {},
  ) {
    this.monitors = db.prepare<[], MonitorRow>(
      'SELECT id, agents, selection, probe, interval_ms, probes, timeout_ms, size, updated_at, options FROM monitors WHERE agents IS NOT NULL AND enabled = 1 ORDER BY seq',
    );
    this.selector = new SelectionEvaluator(db);
    this.intervalMs = options.intervalMs ?? 1_000;
    this.leaveAfterMs = options.leaveAfterMs ?? 60_000;
    this.membersEveryMs = options.membersEveryMs ?? 5_000;
  }

  /** Reads the sets in force from the bucket, then reconciles once a second. */
  async start(): Promise<void> {
    const now = Date.now();
    this.startedAt = now;
    for await (const key of await this.kv.keys('m.>')) {
      const parsed = parseAssignmentKey(key);
      if (parsed?.kind !== 'header') continue;
      const entry = await this.kv.get(key);
      if (entry === null || entry.operation !== 'PUT') continue;
      const h = decodeAssignmentHeader(entry.value);
      if (!h.ok) continue;
      this.written.set(parsed.monitorId, { gen: h.value.gen, chunks: h.value.chunks });
      this.sets.set(parsed.monitorId, new Map(h.value.agents.map((a) => [a, now])));
    }
    await this.reconcile();
    this.timer = setInterval(() => {
      this.running ??= this.reconcile().finally(() => { this.running = undefined; });
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass: every monitor with agents written as it should be, the others' entries gone. */
  async reconcile(now = Date.now()): Promise<void> {
    try {
      const remotes = this.registry.list().filter((a) => !a.local);
      const rows = this.monitors.all();
      const fingerprint = rows.length > 0 ? this.selector.fingerprint() : '';
      const seen = new Set<string>();
      for (const row of rows) {
        seen.add(row.id);
        await this.assign(row, remotes, fingerprint, now);
      }
      for (const id of [...this.written.keys()]) if (!seen.has(id)) await this.unassign(id);
    } catch (err) {
      // the bus is down or the bucket refused: the next pass tries again
      if (now - this.lastFailLogAt < 10_000) return;
      this.lastFailLogAt = now;
      this.log.warn({ err: (err as Error).message }, 'monitor definitions not written to the bus yet; retrying every second');
    }
  }

  private agentsOf(row: MonitorRow, remotes: readonly AgentInfo[], now: number): string[] {
    const previous = this.sets.get(row.id) ?? new Map<string, number>();
    const next = new Map<string, number>();
    const registered = new Set<string>();
    for (const a of remotes) {
      registered.add(a.hostname);
      if (!agentMatches(row.agents, a)) continue;
      const seenHealthy = a.healthy ? now : previous.get(a.hostname);
      if (seenHealthy !== undefined && now - seenHealthy < this.leaveAfterMs) next.set(a.hostname, seenHealthy);
    }
    // Right after a start the registry may not have read every record yet: an agent of the
    // sets read back from the bucket is kept until it shows up or leaveAfterMs has passed.
    // Later, an agent missing from the registry has deregistered: it leaves at once.
    if (now - this.startedAt < this.leaveAfterMs) {
      for (const [hostname, seen] of previous) if (!registered.has(hostname)) next.set(hostname, seen);
    }
    this.sets.set(row.id, next);
    return [...next.keys()].sort();
  }

  private targetsOf(row: MonitorRow, fingerprint: string, now: number): AssignedTarget[] {
    const key = `${fingerprint}|${row.probe}|${row.selection}`;
    const cached = this.members.get(row.id);
    if (cached !== undefined && cached.key === key && now - cached.at < this.membersEveryMs) return cached.targets;
    const targets = this.selector.evaluate(JSON.parse(row.selection) as MonitorSelection, row.probe)
      .map((m): AssignedTarget => [m.id, m.address, m.kind ?? 'HOST', m.port ?? null]);
    this.members.set(row.id, { key, at: now, targets });
    return targets;
  }

  private async assign(row: MonitorRow, remotes: readonly AgentInfo[], fingerprint: string, now: number): Promise<void> {
    const agents = this.agentsOf(row, remotes, now);
    const targets = this.targetsOf(row, fingerprint, now);
    const monitor: AssignmentHeader['monitor'] = {
      id: row.id, probe: row.probe, intervalMs: row.interval_ms, probes: row.probes, timeoutMs: row.timeout_ms, size: row.size, updatedAtMs: row.updated_at,
      ...(JSON.parse(row.options) as Pick<AssignmentHeader['monitor'], 'tcp' | 'dns' | 'http'>),
    };
    const gen = assignmentGen(monitor, agents, targets);
    const before = this.written.get(row.id);
    if (before?.gen === gen) return;
    const parts = chunkTargets(targets);
    const chunks = parts.length;
    if (chunks > MAX_CHUNKS) {
      this.warnOnce(row.id, gen, { monitorId: row.id, targets: targets.length, chunks, maxChunks: MAX_CHUNKS },
        'monitor definition too large for the bus (more chunks of targets than agents read): it is not sent; select fewer targets or split the monitor');
      return;
    }
    // chunks first, the header last: an agent runs a generation only once all of it is there
    for (let i = 0; i < chunks; i++) {
      await this.kv.put(chunkKey(row.id, i), encodeAssignment({ v: ASSIGNMENT_WIRE_VERSION, gen, targets: parts[i] }));
    }
    await this.kv.put(headerKey(row.id), encodeAssignment({ v: ASSIGNMENT_WIRE_VERSION, monitor, agents, gen, chunks }));
    for (let i = chunks; i < (before?.chunks ?? 0); i++) await this.kv.delete(chunkKey(row.id, i));
    this.written.set(row.id, { gen, chunks });
    this.log.info({ monitorId: row.id, agents, targets: targets.length }, 'monitor definition written for its agents');
  }

  /** Warns once per monitor and generation (the pass repeats every second). */
  private warnOnce(monitorId: string, gen: string, obj: object, msg: string): void {
    if (this.warned.get(monitorId) === gen) return;
    this.warned.set(monitorId, gen);
    this.log.warn(obj, msg);
  }

  private async unassign(id: string): Promise<void> {
    const before = this.written.get(id);
    await this.kv.delete(headerKey(id));
    for (let i = 0; i < (before?.chunks ?? 0); i++) await this.kv.delete(chunkKey(id, i));
    this.written.delete(id);
    this.sets.delete(id);
    this.members.delete(id);
    this.warned.delete(id);
    this.log.info({ monitorId: id }, 'monitor no longer runs on remote agents: its definition was withdrawn');
  }
}
