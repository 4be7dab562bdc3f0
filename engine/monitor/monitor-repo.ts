// Monitor definitions in SQLite (table monitors, migration 3).
import type { Statement } from 'better-sqlite3';
import { SondeError } from '../errors.js';
import type { Db } from '../store/database.js';
import { uuidv7 } from '../store/uuid7.js';
import { checkMonitor, parseMonitorInput, type MonitorWithDefaults } from './monitor-input.js';
import type { Monitor, MonitorInput, MonitorProbe } from './types.js';

interface MonitorRow {
  seq: number;
  id: string;
  name: string;
  probe: MonitorProbe;
  selection: string;
  interval_ms: number;
  probes: number;
  timeout_ms: number;
  size: number;
  enabled: number;
  agents: string | null;
  created_at: number;
  updated_at: number;
  /** {"tcp": {...}} | {"dns": {...}} | {"http": {...}} | {"model": {...}} | {} (migration 10). */
  options: string;
}

/** A monitor with its internal integer key (the windows table refers to it). */
export interface StoredMonitor extends Monitor {
  seq: number;
}

const COLUMNS = 'seq, id, name, probe, selection, interval_ms, probes, timeout_ms, size, enabled, agents, created_at, updated_at, options';

function toMonitor(r: MonitorRow): StoredMonitor {
  const options = JSON.parse(r.options) as Pick<Monitor, 'tcp' | 'dns' | 'http' | 'model'>;
  return {
    seq: r.seq,
    id: r.id,
    name: r.name,
    selection: JSON.parse(r.selection) as Monitor['selection'],
    probe: r.probe,
    intervalMs: r.interval_ms,
    probes: r.probes,
    timeoutMs: r.timeout_ms,
    size: r.size,
    ...options,
    enabled: r.enabled === 1,
    ...(r.agents !== null ? { agents: r.agents } : {}),
    createdAtMs: r.created_at,
    updatedAtMs: r.updated_at,
  };
}

export function publicMonitor(m: StoredMonitor): Monitor {
  const { seq: _seq, ...rest } = m;
  return rest;
}

function withDefaults(input: Partial<MonitorInput>): MonitorWithDefaults {
  // agents: null (the controller's own agent) unless given
  const intervalMs = input.intervalMs ?? 1000;
  const out: MonitorWithDefaults = {
    name: input.name!,
    selection: input.selection!,
    probe: input.probe ?? 'icmp',
    intervalMs,
    probes: input.probes ?? 1,
    timeoutMs: input.timeoutMs ?? Math.min(1000, intervalMs),
    size: input.size ?? 56,
    enabled: input.enabled ?? true,
    agents: input.agents ?? null,
  };
  if (input.tcp !== undefined) out.tcp = input.tcp;
  if (input.dns !== undefined) out.dns = input.dns;
  if (input.http !== undefined) out.http = input.http;
  if (input.model !== undefined) out.model = input.model;
  return out;
}

export class MonitorRepo {
  private readonly insertRow: Statement;
  private readonly updateRow: Statement;
  private readonly deleteRow: Statement<[string]>;
  private readonly selectAll: Statement<[], MonitorRow>;
  private readonly selectById: Statement<[string], MonitorRow>;
  private readonly selectByName: Statement<[string], MonitorRow>;

  constructor(private readonly db: Db) {
    this.insertRow = db.prepare(
      `INSERT INTO monitors (id, name, probe, selection, interval_ms, probes, timeout_ms, size, enabled, agents, created_at, updated_at, options)
       VALUES (@id, @name, @probe, @selection, @interval_ms, @probes, @timeout_ms, @size, @enabled, @agents, @created_at, @updated_at, @options)`,
    );
    this.updateRow = db.prepare(
      `UPDATE monitors SET name = @name, probe = @probe, selection = @selection, interval_ms = @interval_ms, probes = @probes,
       timeout_ms = @timeout_ms, size = @size, enabled = @enabled, agents = @agents, updated_at = @updated_at, options = @options WHERE id = @id`,
    );
    this.deleteRow = db.prepare('DELETE FROM monitors WHERE id = ?');
    this.selectAll = db.prepare(`SELECT ${COLUMNS} FROM monitors ORDER BY seq`);
    this.selectById = db.prepare(`SELECT ${COLUMNS} FROM monitors WHERE id = ?`);
    this.selectByName = db.prepare(`SELECT ${COLUMNS} FROM monitors WHERE name = ?`);
  }

  create(raw: unknown): StoredMonitor {
    const m = withDefaults(parseMonitorInput(raw, false));
    checkMonitor(m);
    const now = Date.now();
    const id = uuidv7(now);
    try {
      this.insertRow.run(this.toRow(id, m, now, now));
    } catch (err) {
      throw this.mapConflict(err, m.name);
    }
    return this.get(id)!;
  }

  list(): StoredMonitor[] {
    return this.selectAll.all().map(toMonitor);
  }

  get(id: string): StoredMonitor | null {
    if (typeof id !== 'string') return null;
    const r = this.selectById.get(id);
    return r ? toMonitor(r) : null;
  }

  update(id: string, raw: unknown): StoredMonitor {
    const patch = parseMonitorInput(raw, true);
    return this.db.transaction(() => {
      const current = this.get(id);
      if (!current) throw new SondeError('not_found', `monitor ${id} not found`, 'id');
      const kept: Partial<MonitorInput> = publicMonitor(current);
      // a monitor given another probe kind leaves the options of the old kind behind
      if (patch.probe !== undefined && patch.probe !== current.probe) delete kept[current.probe as 'tcp' | 'dns' | 'http' | 'model'];
      const merged = withDefaults({ ...kept, ...patch });
      checkMonitor(merged);
      try {
        this.updateRow.run(this.toRow(id, merged, current.createdAtMs, Math.max(Date.now(), current.updatedAtMs + 1)));
      } catch (err) {
        throw this.mapConflict(err, merged.name);
      }
      return this.get(id)!;
    }).immediate(); // read-then-write: take the write lock first
  }

  delete(id: string): boolean {
    if (typeof id !== 'string') return false;
    return this.deleteRow.run(id).changes > 0;
  }

  private toRow(id: string, m: MonitorWithDefaults, createdAt: number, updatedAt: number) {
    const options = m.probe === 'icmp' || m[m.probe] === undefined ? {} : { [m.probe]: m[m.probe] };
    return {
      id,
      name: m.name,
      probe: m.probe,
      selection: JSON.stringify(m.selection),
      interval_ms: m.intervalMs,
      probes: m.probes,
      timeout_ms: m.timeoutMs,
      size: m.size,
      enabled: m.enabled ? 1 : 0,
      agents: m.agents,
      created_at: createdAt,
      updated_at: updatedAt,
      options: JSON.stringify(options),
    };
  }

  private mapConflict(err: unknown, name: string): unknown {
    if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
      const owner = this.selectByName.get(name);
      return new SondeError('conflict', `a monitor named "${name}" already exists (${owner?.id ?? 'unknown id'}); choose another name`, 'name');
    }
    return err;
  }
}
