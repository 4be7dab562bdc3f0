// Audit rows for authenticated requests. Entries are buffered and written in one
// transaction per flush (~100 ms), and identical requests within one flush window (same
// key, method, path and status — a client polling a job) become one row with a `count`
// and the mean duration: every distinct request stays visible, while a client doing
// 50,000 requests/s does not add 50,000 rows/s. A repeated request allocates nothing: rows
// are found by path, then along a short chain by key, method and status.

import type { Statement } from 'better-sqlite3';
import type { AuditEntry, AuditLog } from './types.js';
import type { Db } from '../store/database.js';

/** Distinct entries buffered before a flush is forced. */
const FLUSH_AT = 2000;
/** Rows per multi-row INSERT: one statement step per 100 rows instead of per row. */
const CHUNK = 100;
const FIELDS = 7;

interface AuditRow {
  at: number;
  key_id: string | null;
  method: string;
  path: string;
  status: number;
  duration_ms: number;
  count: number;
  /** The next buffered row with the same path (another key, method or status). */
  next: AuditRow | null;
}

type StoredAuditRow = Omit<AuditRow, 'next'>;

export type AuditRecord = AuditEntry & { atMs: number; count: number };

export class SqliteAuditLog implements AuditLog {
  /** Buffered rows by path; `rows` counts them all (chains included). */
  private buffer = new Map<string, AuditRow>();
  private rows = 0;
  /** The row the last request went to: a client repeating itself skips even the Map lookup. */
  private lastRow: AuditRow | null = null;
  private readonly insert: Statement;
  private readonly insertChunk: Statement;
  private readonly selectRecent: Statement<[number], StoredAuditRow>;
  private readonly purge: Statement;
  private readonly writeBatch: (rows: AuditRow[]) => void;

  constructor(db: Db) {
    const columns = '(at, key_id, method, path, status, duration_ms, count)';
    this.insert = db.prepare(`INSERT INTO audit ${columns} VALUES (?, ?, ?, ?, ?, ?, ?)`);
    this.insertChunk = db.prepare(`INSERT INTO audit ${columns} VALUES ${Array(CHUNK).fill('(?, ?, ?, ?, ?, ?, ?)').join(', ')}`);
    this.selectRecent = db.prepare('SELECT at, key_id, method, path, status, duration_ms, count FROM audit ORDER BY id DESC LIMIT ?');
    this.purge = db.prepare('DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < ? ORDER BY at LIMIT ?)');
    const args: unknown[] = new Array(CHUNK * FIELDS);
    this.writeBatch = db.transaction((rows: AuditRow[]) => {
      let i = 0;
      for (; i + CHUNK <= rows.length; i += CHUNK) {
        for (let j = 0; j < CHUNK; j++) {
          const r = rows[i + j];
          const o = j * FIELDS;
          args[o] = r.at;
          args[o + 1] = r.key_id;
          args[o + 2] = r.method;
          args[o + 3] = r.path;
          args[o + 4] = r.status;
          args[o + 5] = r.duration_ms;
          args[o + 6] = r.count;
        }
        this.insertChunk.run(args);
      }
      for (; i < rows.length; i++) {
        const r = rows[i];
        this.insert.run(r.at, r.key_id, r.method, r.path, r.status, r.duration_ms, r.count);
      }
    });
  }

  record(e: AuditEntry): void {
    const method = String(e.method).slice(0, 16);
    const path = String(e.path).slice(0, 2048);
    const status = e.status | 0;
    const duration = Number.isFinite(e.durationMs) ? e.durationMs : 0;
    const keyId = e.keyId ?? null;
    const last = this.lastRow;
    if (last !== null && last.path === path && last.key_id === keyId && last.status === status && last.method === method) {
      last.count++;
      last.duration_ms += (duration - last.duration_ms) / last.count; // running mean
      return;
    }
    const first = this.buffer.get(path) ?? null;
    for (let row = first; row !== null; row = row.next) {
      if (row.key_id === keyId && row.status === status && row.method === method) {
        row.count++;
        row.duration_ms += (duration - row.duration_ms) / row.count;
        this.lastRow = row;
        return;
      }
    }
    const row: AuditRow = { at: e.atMs ?? Date.now(), key_id: keyId, method, path, status, duration_ms: duration, count: 1, next: first };
    this.buffer.set(path, row);
    this.lastRow = row;
    if (++this.rows >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.rows === 0) return;
    const rows: AuditRow[] = [];
    for (const newest of this.buffer.values()) {
      // A chain is newest first; rows are written in the order they arrived.
      const start = rows.length;
      for (let r: AuditRow | null = newest; r !== null; r = r.next) rows.push(r);
      for (let a = start, b = rows.length - 1; a < b; a++, b--) [rows[a], rows[b]] = [rows[b], rows[a]];
    }
    this.buffer = new Map();
    this.rows = 0;
    this.lastRow = null;
    this.writeBatch(rows);
  }

  recent(limit = 100): AuditRecord[] {
    this.flush();
    return this.selectRecent.all(Math.max(1, Math.min(10_000, limit | 0))).map((r) => ({
      atMs: r.at,
      keyId: r.key_id,
      method: r.method,
      path: r.path,
      status: r.status,
      durationMs: r.duration_ms,
      count: r.count,
    }));
  }

  purgeOlderThan(cutoffMs: number, maxRows: number): number {
    return this.purge.run(cutoffMs, maxRows).changes;
  }
}
