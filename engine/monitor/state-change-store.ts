// State changes in SQLite (table state_changes, migration 4): appended in batched
// transactions, read by monitor and time range, purged in small steps.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/database.js';
import type { StateChange, TargetStatus } from './types.js';

type Status = TargetStatus['status'];

interface Row {
  seq: number;
  monitor_id: string;
  target_id: string;
  address: string;
  from_status: Status;
  to_status: Status;
  at: number;
  reason: string;
}

export class StateChangeStore {
  private readonly insertStmt: Statement<[number, string, string, string, string, string, number, string]>;
  private readonly byMonitor: Statement<[string, number, number, number], Row>;
  private readonly byTarget: Statement<[string, string, number, number, number], Row>;
  private readonly purgeStmt: Statement<[number, number]>;
  private readonly maxSeq: Statement<[], number | null>;
  private readonly insertMany: (batch: readonly StateChange[]) => void;

  constructor(db: Db) {
    this.insertStmt = db.prepare('INSERT INTO state_changes (seq, monitor_id, target_id, address, from_status, to_status, at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.maxSeq = db.prepare<[], number | null>('SELECT max(seq) FROM state_changes').pluck();
    const select = 'SELECT seq, monitor_id, target_id, address, from_status, to_status, at, reason FROM state_changes';
    this.byMonitor = db.prepare(`${select} WHERE monitor_id = ? AND at >= ? AND at < ? ORDER BY at, seq LIMIT ?`);
    this.byTarget = db.prepare(`${select} WHERE monitor_id = ? AND target_id = ? AND at >= ? AND at < ? ORDER BY at, seq LIMIT ?`);
    this.purgeStmt = db.prepare('DELETE FROM state_changes WHERE seq IN (SELECT seq FROM state_changes WHERE at < ? ORDER BY at LIMIT ?)');
    this.insertMany = db.transaction((batch: readonly StateChange[]) => {
      for (const c of batch) this.insertStmt.run(c.id, c.monitorId, c.targetId, c.address, c.from, c.to, c.atMs, c.reason);
    });
  }

  /** The next free id (ids are handed out by the one probing process, before the write). */
  nextId(): number {
    return (this.maxSeq.get() ?? 0) + 1;
  }

  /** Appends changes that already have their ids, in one transaction. */
  insert(batch: readonly StateChange[]): void {
    if (batch.length > 0) this.insertMany(batch);
  }

  list(monitorId: string, fromMs: number, toMs: number, limit: number, targetId?: string): StateChange[] {
    const rows = targetId === undefined
      ? this.byMonitor.all(monitorId, fromMs, toMs, limit)
      : this.byTarget.all(monitorId, targetId, fromMs, toMs, limit);
    return rows.map((r) => ({
      id: r.seq, monitorId: r.monitor_id, targetId: r.target_id, address: r.address, from: r.from_status, to: r.to_status, atMs: r.at, reason: r.reason,
    }));
  }

  /** Deletes at most `limit` changes older than beforeMs; returns how many. */
  purge(beforeMs: number, limit: number): number {
    return this.purgeStmt.run(beforeMs, limit).changes;
  }
}
