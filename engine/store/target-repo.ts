// Targets in SQLite. Labels are stored twice: as JSON on the row (returned as is) and one
// row each in target_labels (filtered through an index). Nothing is loaded at open.

import type { Statement } from 'better-sqlite3';
import { SondeError } from '../errors.js';
import type { BulkImportResult, Page, Target, TargetInput, TargetKind, TargetListQuery, TargetRepo } from './types.js';
import type { Db } from './database.js';
import { validateLabels } from './labels.js';
import { checkTarget, parseKind, parseTargetInput } from './target-input.js';
import { uuidv7 } from './uuid7.js';

interface TargetRow {
  seq?: number;
  id: string;
  service_id: number | null;
  kind: TargetKind;
  address: string;
  port: number | null;
  name: string | null;
  provider: string | null;
  model_identifier: string | null;
  labels: string;
  created_at: number;
  updated_at: number;
}

const COLUMNS = 'id, service_id, kind, address, port, name, provider, model_identifier, labels, created_at, updated_at';
const BATCH = 1000;
const MAX_LIMIT = 1000;

function toTarget(r: TargetRow): Target {
  return {
    id: r.id,
    kind: r.kind,
    address: r.address,
    port: r.port,
    name: r.name,
    serviceId: r.service_id,
    provider: r.provider,
    modelIdentifier: r.model_identifier,
    labels: JSON.parse(r.labels) as Record<string, string>,
    createdAtMs: r.created_at,
    updatedAtMs: r.updated_at,
  };
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function pageBounds(limit: unknown, offset: unknown): { limit: number; offset: number } {
  const l = limit === undefined ? 100 : limit;
  const o = offset === undefined ? 0 : offset;
  if (typeof l !== 'number' || !Number.isInteger(l) || l < 1 || l > MAX_LIMIT) {
    throw new SondeError('invalid', `limit must be an integer in 1..${MAX_LIMIT}`, 'limit');
  }
  if (typeof o !== 'number' || !Number.isInteger(o) || o < 0) {
    throw new SondeError('invalid', 'offset must be an integer ≥ 0', 'offset');
  }
  return { limit: l, offset: o };
}

export class SqliteTargetRepo implements TargetRepo {
  private readonly insertTarget: Statement;
  private readonly insertLabel: Statement;
  private readonly deleteLabels: Statement;
  private readonly selectById: Statement<[string], TargetRow>;
  private readonly selectSeq: Statement<[string], number>;
  private readonly selectByServiceId: Statement<[number], TargetRow>;
  private readonly updateRow: Statement;
  private readonly deleteRow: Statement;
  private readonly countAll: Statement<[], { n: number }>;
  private readonly selectHostJson: Statement<[], { id: string; json: string }>;
  private readonly listStatements = new Map<string, { items: Statement<unknown[], TargetRow>; total: Statement<unknown[], { n: number }> }>();

  constructor(private readonly db: Db) {
    this.insertTarget = db.prepare(
      `INSERT INTO targets (${COLUMNS}) VALUES (@id, @service_id, @kind, @address, @port, @name, @provider, @model_identifier, @labels, @created_at, @updated_at)`,
    );
    this.insertLabel = db.prepare('INSERT INTO target_labels (target_seq, key, value) VALUES (?, ?, ?)');
    this.deleteLabels = db.prepare('DELETE FROM target_labels WHERE target_seq = ?');
    this.selectSeq = db.prepare<[string], number>('SELECT seq FROM targets WHERE id = ?').pluck();
    this.selectById = db.prepare(`SELECT ${COLUMNS} FROM targets WHERE id = ?`);
    this.selectByServiceId = db.prepare(`SELECT ${COLUMNS} FROM targets WHERE service_id = ?`);
    this.updateRow = db.prepare(
      `UPDATE targets SET service_id = @service_id, kind = @kind, address = @address, port = @port, name = @name,
       provider = @provider, model_identifier = @model_identifier, labels = @labels, updated_at = @updated_at WHERE id = @id`,
    );
    this.deleteRow = db.prepare('DELETE FROM targets WHERE id = ?');
    this.countAll = db.prepare('SELECT count(*) AS n FROM targets');
    this.selectHostJson = db.prepare(
      "SELECT id, json_object('id', id, 'name', name, 'address', address, 'kind', kind, 'labels', json(labels)) AS json FROM targets WHERE kind = 'HOST'",
    );
  }

  forEachHostJson(visit: (id: string, json: string) => void): void {
    for (const r of this.selectHostJson.iterate()) visit(r.id, r.json);
  }

  create(input: TargetInput): Target {
    const t = this.normalize(input);
    const row = this.toRow(uuidv7(), t, Date.now());
    this.db.transaction(() => this.insert(row, t))();
    return toTarget(row);
  }

  bulkImport(inputs: readonly unknown[]): BulkImportResult {
    if (!Array.isArray(inputs)) throw new SondeError('invalid', 'bulk import expects an array of targets', 'body');
    const errors: BulkImportResult['errors'] = [];
    let created = 0;
    const now = Date.now();
    for (let start = 0; start < inputs.length; start += BATCH) {
      const end = Math.min(start + BATCH, inputs.length);
      this.db.transaction(() => {
        for (let i = start; i < end; i++) {
          let t: TargetInput;
          try {
            t = this.normalize(inputs[i]);
          } catch (err) {
            const e = err as SondeError;
            errors.push({ index: i, field: e.field, message: e.message });
            continue;
          }
          try {
            this.insert(this.toRow(uuidv7(), t, now), t);
            created++;
          } catch (err) {
            if (!(err instanceof SondeError)) throw err;
            errors.push({ index: i, field: err.field, message: err.message });
          }
        }
      })();
    }
    return { created, errors };
  }

  list(query: TargetListQuery = {}): Page<Target> {
    const { limit, offset } = pageBounds(query.limit, query.offset);
    const labels = validateLabels(query.labels, 'labels');
    const kind = query.kind === undefined ? undefined : parseKind(query.kind);
    const entries = Object.entries(labels);
    const stmts = this.listStatement(entries.length, kind !== undefined);
    const args: unknown[] = [];
    for (const [k, v] of entries) args.push(k, v, `${v}/`, v, `${v}.`);
    if (kind !== undefined) args.push(kind);
    const total = stmts.total.get(...args)!.n;
    const items = stmts.items.all(...args, limit, offset).map(toTarget);
    return { items, total, limit, offset };
  }

  get(id: string): Target | null {
    if (typeof id !== 'string') return null;
    const r = this.selectById.get(id);
    return r ? toTarget(r) : null;
  }

  getByServiceId(serviceId: number): Target | null {
    if (!Number.isSafeInteger(serviceId)) return null;
    const r = this.selectByServiceId.get(serviceId);
    return r ? toTarget(r) : null;
  }

  update(id: string, patch: Partial<TargetInput>): Target {
    const changes = parseTargetInput(patch, true);
    return this.db.transaction(() => {
      const current = this.get(id);
      if (!current) throw new SondeError('not_found', `target ${id} not found`, 'id');
      const merged: TargetInput = {
        kind: changes.kind ?? current.kind,
        address: changes.address ?? current.address,
        port: changes.port !== undefined ? changes.port : current.port,
        name: changes.name !== undefined ? changes.name : current.name,
        serviceId: changes.serviceId !== undefined ? changes.serviceId : current.serviceId,
        provider: changes.provider !== undefined ? changes.provider : current.provider,
        modelIdentifier: changes.modelIdentifier !== undefined ? changes.modelIdentifier : current.modelIdentifier,
        labels: changes.labels ?? current.labels,
      };
      checkTarget(merged);
      const row = this.toRow(id, merged, Date.now());
      row.created_at = current.createdAtMs;
      try {
        this.updateRow.run(row);
      } catch (err) {
        if (isUniqueViolation(err)) throw this.serviceIdConflict(merged.serviceId);
        throw err;
      }
      if (changes.labels !== undefined) {
        const seq = this.selectSeq.get(id)!;
        this.deleteLabels.run(seq);
        for (const [k, v] of Object.entries(merged.labels ?? {})) this.insertLabel.run(seq, k, v);
      }
      return toTarget(row);
    }).immediate(); // read-then-write: take the write lock first (another process may share the file)
  }

  delete(id: string): boolean {
    if (typeof id !== 'string') return false;
    return this.deleteRow.run(id).changes > 0;
  }

  count(): number {
    return this.countAll.get()!.n;
  }

  private normalize(raw: unknown): TargetInput {
    const t = parseTargetInput(raw, false) as TargetInput;
    checkTarget(t);
    return t;
  }

  private toRow(id: string, t: TargetInput, now: number): TargetRow {
    return {
      id,
      service_id: t.serviceId ?? null,
      kind: t.kind,
      address: t.address,
      port: t.port ?? null,
      name: t.name ?? null,
      provider: t.provider ?? null,
      model_identifier: t.modelIdentifier ?? null,
      labels: JSON.stringify(t.labels ?? {}),
      created_at: now,
      updated_at: now,
    };
  }

  private insert(row: TargetRow, t: TargetInput): void {
    let seq: number | bigint;
    try {
      seq = this.insertTarget.run(row).lastInsertRowid;
    } catch (err) {
      if (isUniqueViolation(err)) throw this.serviceIdConflict(t.serviceId);
      throw err;
    }
    for (const [k, v] of Object.entries(t.labels ?? {})) this.insertLabel.run(seq, k, v);
  }

  private serviceIdConflict(serviceId: number | null | undefined): SondeError {
    const owner = serviceId == null ? null : this.selectByServiceId.get(serviceId);
    return new SondeError(
      'conflict',
      `serviceId ${serviceId} is already bound to target ${owner?.id ?? '(unknown)'}; update or delete that target first`,
      'serviceId',
    );
  }

  private listStatement(labelCount: number, byKind: boolean) {
    const cacheKey = `${labelCount}:${byKind}`;
    let s = this.listStatements.get(cacheKey);
    if (!s) {
      // [v, v/) is an index range holding v, v-* and v.*; the residual keeps v and v.*
      // ('+' keeps the planner from turning the residual OR into more index scans).
      const labelMatch = 'key = ? AND value >= ? AND value < ? AND (+value = ? OR +value >= ?)';
      const where: string[] = [];
      for (let i = 0; i < labelCount; i++) where.push(`seq IN (SELECT target_seq FROM target_labels WHERE ${labelMatch})`);
      if (byKind) where.push('kind = ?');
      const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
      s = {
        items: this.db.prepare(`SELECT ${COLUMNS} FROM targets ${clause} ORDER BY seq LIMIT ? OFFSET ?`),
        total:
          labelCount === 1 && !byKind
            ? this.db.prepare(`SELECT count(*) AS n FROM target_labels WHERE ${labelMatch}`)
            : this.db.prepare(`SELECT count(*) AS n FROM targets ${clause}`),
      };
      this.listStatements.set(cacheKey, s);
    }
    return s;
  }
}
