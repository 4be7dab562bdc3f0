// Audit rows for authenticated requests, buffered in memory and written in one
// transaction per flush, so a busy API does one SQLite commit per ~100 ms, not per request.

import type { Statement } from 'better-sqlite3';
import type { AuditEntry, AuditLog } from '../daemon/types.js';
import type { Db } from '../store/database.js';

const FLUSH_AT = 2000;
/** Rows per multi-row INSERT: one statement step per 100 rows instead of per row. */
const CHUNK = 100;

interface AuditRow {
  at: number;
  key_id: string | null;
  method: string;
  path: string;
  status: number;
  duration_ms: number;
}

export class SqliteAuditLog implements AuditLog {
  private buffer: AuditRow[] = [];
  private readonly insert: Statement;
  private readonly insertChunk: Statement;
  private readonly selectRecent: Statement<[number], AuditRow>;
  private readonly purge: Statement;
  private readonly writeBatch: (rows: AuditRow[]) => void;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      'INSERT INTO audit (at, key_id, method, path, status, duration_ms) VALUES (@at, @key_id, @method, @path, @status, @duration_ms)',
    );
    this.insertChunk = db.prepare(
      `INSERT INTO audit (at, key_id, method, path, status, duration_ms) VALUES ${Array(CHUNK).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`,
    );
    this.selectRecent = db.prepare('SELECT at, key_id, method, path, status, duration_ms FROM audit ORDER BY id DESC LIMIT ?');
    this.purge = db.prepare('DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < ? ORDER BY at LIMIT ?)');
    const args: unknown[] = new Array(CHUNK * 6);
    this.writeBatch = db.transaction((rows: AuditRow[]) => {
      let i = 0;
      for (; i + CHUNK <= rows.length; i += CHUNK) {
        for (let j = 0; j < CHUNK; j++) {
          const r = rows[i + j];
          const o = j * 6;
          args[o] = r.at;
          args[o + 1] = r.key_id;
          args[o + 2] = r.method;
          args[o + 3] = r.path;
          args[o + 4] = r.status;
          args[o + 5] = r.duration_ms;
        }
        this.insertChunk.run(args);
      }
      for (; i < rows.length; i++) this.insert.run(rows[i]);
    });
  }

  record(e: AuditEntry): void {
    this.buffer.push({
      at: e.atMs ?? Date.now(),
      key_id: e.keyId,
      method: String(e.method).slice(0, 16),
      path: String(e.path).slice(0, 2048),
      status: e.status | 0,
      duration_ms: Number.isFinite(e.durationMs) ? e.durationMs : 0,
    });
    if (this.buffer.length >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    const rows = this.buffer;
    this.buffer = [];
    this.writeBatch(rows);
  }

  recent(limit = 100): (AuditEntry & { atMs: number })[] {
    this.flush();
    return this.selectRecent.all(Math.max(1, Math.min(10_000, limit | 0))).map((r) => ({
      atMs: r.at,
      keyId: r.key_id,
      method: r.method,
      path: r.path,
      status: r.status,
      durationMs: r.duration_ms,
    }));
  }

  purgeOlderThan(cutoffMs: number, maxRows: number): number {
    return this.purge.run(cutoffMs, maxRows).changes;
  }
}
