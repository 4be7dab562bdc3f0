// The jobs table: every statement prepared once.

import type { Statement } from 'better-sqlite3';
import type { JobAgentResult, JobRecord, JobStatus, JsonValue } from './types.js';
import type { Db } from '../store/database.js';

export const INTERRUPTED = 'interrupted by restart';

/** A jobs row in COLUMNS order (statements return arrays: cheaper than named objects). */
type JobRow = [
  id: string,
  operation: string,
  params: string,
  selector: string | null,
  status: JobStatus,
  progress: number,
  results: string,
  error: string | null,
  key_id: string | null,
  created_at: number,
  started_at: number | null,
  finished_at: number | null,
];

const COLUMNS = 'id, operation, params, selector, status, progress, results, error, key_id, created_at, started_at, finished_at';

export function rowToRecord(r: JobRow): JobRecord {
  return {
    id: r[0],
    operation: r[1],
    params: JSON.parse(r[2]) as JsonValue,
    selector: r[3],
    status: r[4],
    progress: r[5],
    results: JSON.parse(r[6]) as JobAgentResult[],
    error: r[7],
    keyId: r[8],
    createdAtMs: r[9],
    startedAtMs: r[10],
    finishedAtMs: r[11],
  };
}

/**
 * The record as JSON text, built by SQLite in one column: exactly JSON.stringify(rowToRecord(r))
 * (json_quote escapes like JSON.stringify; params and results are stored JSON, spliced as is;
 * progress is 0..100 in steps of 0.1, so its REAL text never takes exponent form), without
 * creating twelve JS values per read and joining them. One format() call copies less than a
 * chain of ||; its %s prints nothing for NULL, so every nullable column is quoted or coalesced.
 */
const JSON_SELECT = `SELECT format(
  '{"id":%s,"operation":%s,"params":%s,"selector":%s,"status":%s,"progress":%s,"results":%s,"error":%s,"keyId":%s,"createdAtMs":%s,"startedAtMs":%s,"finishedAtMs":%s}',
  json_quote(id), json_quote(operation), params, json_quote(selector), json_quote(status),
  CASE WHEN progress = CAST(progress AS INTEGER) THEN CAST(progress AS INTEGER) ELSE progress END,
  results, json_quote(error), json_quote(key_id), created_at, coalesce(started_at, 'null'), coalesce(finished_at, 'null'))
  FROM jobs WHERE id = ?`;

/** True for the text JSON_SELECT renders for a job that has not finished (finishedAtMs is last). */
export function isUnfinishedJson(json: string): boolean {
  return json.endsWith('"finishedAtMs":null}');
}

export class JobStore {
  private readonly insertJob: Statement;
  private readonly startJob: Statement;
  private readonly saveProgressStmt: Statement;
  private readonly finishJob: Statement;
  private readonly selectById: Statement<[string], JobRow>;
  private readonly selectJsonById: Statement<[string], string>;
  private readonly failUnfinished: Statement;
  private readonly purgeFinished: Statement;
  private readonly lists = new Map<string, { items: Statement<unknown[], JobRow>; total: Statement<unknown[], { n: number }> }>();

  constructor(private readonly db: Db) {
    this.insertJob = db.prepare(
      `INSERT INTO jobs (id, operation, params, selector, status, progress, results, key_id, created_at)
       VALUES (?, ?, ?, ?, 'submitted', 0, '[]', ?, ?)`,
    );
    this.startJob = db.prepare(`UPDATE jobs SET status = 'processing', started_at = ? WHERE id = ?`);
    this.saveProgressStmt = db.prepare('UPDATE jobs SET progress = ?, results = ? WHERE id = ?');
    this.finishJob = db.prepare('UPDATE jobs SET status = ?, progress = ?, results = ?, error = ?, finished_at = ? WHERE id = ?');
    this.selectById = db.prepare<[string], JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE id = ?`).raw(true);
    this.selectJsonById = db.prepare<[string], string>(JSON_SELECT).pluck(true);
    this.failUnfinished = db.prepare(
      `UPDATE jobs SET status = 'failed', error = ?, finished_at = ? WHERE status IN ('submitted', 'processing')`,
    );
    this.purgeFinished = db.prepare(
      'DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ? ORDER BY finished_at LIMIT ?)',
    );
  }

  insert(j: JobRecord, paramsJson: string): void {
    this.insertJob.run(j.id, j.operation, paramsJson, j.selector, j.keyId, j.createdAtMs);
  }

  markStarted(id: string, atMs: number): void {
    this.startJob.run(atMs, id);
  }

  saveProgress(id: string, progress: number, resultsJson: string): void {
    this.saveProgressStmt.run(progress, resultsJson, id);
  }

  finish(id: string, status: JobStatus, progress: number, resultsJson: string, error: string | null, atMs: number): void {
    this.finishJob.run(status, progress, resultsJson, error, atMs, id);
  }

  get(id: string): JobRecord | null {
    const r = this.selectById.get(id);
    return r ? rowToRecord(r) : null;
  }

  getJson(id: string): string | null {
    return this.selectJsonById.get(id) ?? null;
  }

  list(filter: { status?: JobStatus; operation?: string }, limit: number, offset: number): { items: JobRecord[]; total: number } {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.status !== undefined) {
      where.push('status = ?');
      args.push(filter.status);
    }
    if (filter.operation !== undefined) {
      where.push('operation = ?');
      args.push(filter.operation);
    }
    const key = where.join(' AND ');
    let s = this.lists.get(key);
    if (!s) {
      const clause = where.length ? `WHERE ${key}` : '';
      s = {
        items: this.db.prepare<unknown[], JobRow>(`SELECT ${COLUMNS} FROM jobs ${clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`).raw(true),
        total: this.db.prepare(`SELECT count(*) AS n FROM jobs ${clause}`),
      };
      this.lists.set(key, s);
    }
    return { items: s.items.all(...args, limit, offset).map(rowToRecord), total: s.total.get(...args)!.n };
  }

  /** At start: jobs a previous run left unfinished fail with "interrupted by restart". */
  failInterrupted(atMs: number): number {
    return this.failUnfinished.run(INTERRUPTED, atMs).changes;
  }

  purge(cutoffMs: number, maxRows: number): number {
    return this.purgeFinished.run(cutoffMs, maxRows).changes;
  }
}
