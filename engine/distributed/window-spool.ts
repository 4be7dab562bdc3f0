// The agent's on-disk spool of sealed windows: a small SQLite file in the agent's data dir
// (spool.db), one row per encoded window batch, kept until the stream acks it. It survives
// a restart of the agent, an outage of the bus and a restart of the controller.
//
// Bound and policy: at most maxBatches rows and maxBytes payload bytes. When a new batch
// would pass either bound it is refused (the spooled, older windows are kept: they are the
// ones already waiting longest, and the stream downstream also discards new), and
// `dropped` counts the refused windows; the caller logs and exports it.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';

export const SPOOL_FILE = 'spool.db';

export interface SpoolLimits {
  maxBatches: number;
  maxBytes: number;
}

export const DEFAULT_SPOOL_LIMITS: SpoolLimits = { maxBatches: 100_000, maxBytes: 512 * 1024 * 1024 };

export interface SpooledBatch {
  seq: number;
  subject: string;
  msgId: string;
  payload: Buffer;
  windows: number;
}

export class WindowSpool {
  private readonly db: Database.Database;
  private readonly insert: Statement<[string, string, Buffer, number]>;
  private readonly remove: Statement<[number]>;
  private readonly oldest: Statement<[number], SpooledBatch>;
  private batches: number;
  private bytes: number;
  /** Windows refused because the spool was full (since this process started). */
  dropped = 0;
  /** Batches refused because the spool was full. */
  droppedBatches = 0;

  constructor(dataDir: string, readonly limits: SpoolLimits = DEFAULT_SPOOL_LIMITS) {
    const dir = resolve(dataDir);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.db = new Database(join(dir, SPOOL_FILE));
    this.db.pragma('journal_mode = WAL');
    // a batch acknowledged by add() must be on disk: the window exists nowhere else
    this.db.pragma('synchronous = FULL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS spool (
      seq     INTEGER PRIMARY KEY AUTOINCREMENT,
      subject TEXT NOT NULL,
      msg_id  TEXT NOT NULL,
      payload BLOB NOT NULL,
      windows INTEGER NOT NULL
    )`);
    this.insert = this.db.prepare('INSERT INTO spool (subject, msg_id, payload, windows) VALUES (?, ?, ?, ?)');
    this.remove = this.db.prepare('DELETE FROM spool WHERE seq = ?');
    this.oldest = this.db.prepare<[number], SpooledBatch>(
      'SELECT seq, subject, msg_id AS msgId, payload, windows FROM spool ORDER BY seq LIMIT ?',
    );
    const totals = this.db.prepare('SELECT count(*) AS n, coalesce(sum(length(payload)), 0) AS b FROM spool').get() as { n: number; b: number };
    this.batches = totals.n;
    this.bytes = totals.b;
  }

  /** Spools one batch; false when the bound refused it (counted in dropped). */
  add(subject: string, msgId: string, payload: Uint8Array, windows: number): boolean {
    if (this.batches + 1 > this.limits.maxBatches || this.bytes + payload.length > this.limits.maxBytes) {
      this.dropped += windows;
      this.droppedBatches++;
      return false;
    }
    this.insert.run(subject, msgId, Buffer.from(payload.buffer, payload.byteOffset, payload.length), windows);
    this.batches++;
    this.bytes += payload.length;
    return true;
  }

  /**
   * Runs fn — the add() calls of one seal — in one transaction: the seal's batches are on
   * disk together, with one sync instead of one per batch. When it throws, none is spooled.
   */
  atomically<T>(fn: () => T): T {
    const before = { batches: this.batches, bytes: this.bytes, dropped: this.dropped, droppedBatches: this.droppedBatches };
    try {
      return this.db.transaction(fn)();
    } catch (err) {
      ({ batches: this.batches, bytes: this.bytes, dropped: this.dropped, droppedBatches: this.droppedBatches } = before);
      throw err;
    }
  }

  /** The oldest batches, in spool order. */
  peek(limit: number): SpooledBatch[] {
    return this.oldest.all(limit);
  }

  /** Removes a batch the stream acknowledged. */
  ack(batch: SpooledBatch): void {
    if (this.remove.run(batch.seq).changes === 0) return;
    this.batches--;
    this.bytes -= batch.payload.length;
  }

  get size(): { batches: number; bytes: number } {
    return { batches: this.batches, bytes: this.bytes };
  }

  close(): void {
    this.db.close();
  }
}
