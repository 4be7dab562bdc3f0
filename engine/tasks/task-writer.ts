// Group commit for diagnostic tasks. Each task is a row of the jobs table (the same rows as
// engine/jobs, written through its JobStore), but instead of one SQLite commit per state
// change — four per task, ~85 µs each on this machine, which caps tasks near 2,500/s — the
// changes of a few milliseconds go out in one transaction. A task that starts and ends
// within that window costs one INSERT of its final state inside a shared commit.

import type { JobRecord } from '../daemon/types.js';
import type { JobStore } from '../jobs/job-store.js';
import type { Db } from '../store/database.js';
import type { Statement } from 'better-sqlite3';

/** What the writer needs to know about a task's row. */
export interface TaskRow {
  readonly id: string;
  readonly operation: string;
  readonly selector: string;
  readonly keyId: string | null;
  readonly createdAtMs: number;
  readonly paramsJson: string;
  /** Set by the task when it starts / ends. */
  startedAtMs: number | null;
  /** Write the 'processing' state (set for tasks that run long enough to be worth it). */
  markStarted: boolean;
  finished: { status: 'completed' | 'failed'; resultsJson: string; error: string | null; atMs: number } | null;
  /** What the writer has committed so far. */
  written: { inserted: boolean; started: boolean; finished: boolean };
}

const RETRY_MS = 100;
/**
 * How long changes wait for company before they are committed. Long enough that a count-1
 * ping to a near host ends inside the window (its row is then one INSERT of the final
 * state), short enough not to matter to a client waiting for its task id.
 */
const COMMIT_WINDOW_MS = 8;

export class TaskWriter {
  private dirty = new Set<TaskRow>();
  private waiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private scheduled = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly commit: (rows: Iterable<TaskRow>) => void;
  /** One statement for a task that ended before its first commit (most count-1 pings). */
  private readonly insertFinished: Statement;

  constructor(
    db: Db,
    private readonly store: JobStore,
    /** Rows whose state is fully committed (e.g. to move finished tasks out of memory). */
    private readonly onCommitted: (row: TaskRow) => void,
  ) {
    // The jobs table of engine/store/migrations.ts (version 1), as JobStore writes it.
    this.insertFinished = db.prepare(
      `INSERT INTO jobs (id, operation, params, selector, status, progress, results, error, key_id, created_at, started_at, finished_at)
       VALUES (?, ?, ?, ?, ?, 100, ?, ?, ?, ?, ?, ?)`,
    );
    this.commit = db.transaction((rows: Iterable<TaskRow>) => {
      for (const row of rows) this.writeRow(row);
    });
  }

  /** Queues the row's current state for the next commit. */
  touch(row: TaskRow): void {
    this.dirty.add(row);
    this.schedule();
  }

  /** Resolves after the next commit (rejects if it fails). */
  committed(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.schedule();
    });
  }

  /** Commits everything queued now (synchronous; also used at exit). Throws if SQLite does. */
  flush(): void {
    this.scheduled = false;
    const rows = this.dirty;
    const waiters = this.waiters;
    this.waiters = [];
    if (rows.size === 0) {
      for (const w of waiters) w.resolve();
      return;
    }
    this.dirty = new Set();
    try {
      this.commit(rows);
    } catch (error) {
      // Nothing of this transaction was written: keep the rows for the next try.
      for (const row of rows) this.dirty.add(row);
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const w of waiters) w.reject(failure);
      this.retryLater();
      throw failure;
    }
    for (const row of rows) {
      row.written.inserted = true;
      if (row.markStarted) row.written.started = true;
      if (row.finished !== null) row.written.finished = true;
    }
    for (const w of waiters) w.resolve();
    for (const row of rows) if (row.written.finished) this.onCommitted(row);
  }

  pending(): number {
    return this.dirty.size;
  }

  close(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private writeRow(row: TaskRow): void {
    const w = row.written;
    const f = row.finished;
    if (!w.inserted && f !== null) {
      this.insertFinished.run(row.id, row.operation, row.paramsJson, row.selector, f.status, f.resultsJson, f.error, row.keyId, row.createdAtMs, row.startedAtMs, f.atMs);
      return;
    }
    if (!w.inserted) {
      const record = { id: row.id, operation: row.operation, selector: row.selector, keyId: row.keyId, createdAtMs: row.createdAtMs } as JobRecord;
      this.store.insert(record, row.paramsJson);
    }
    // A task that already ended needs no 'processing' row state on the way.
    if (!w.started && row.markStarted && row.startedAtMs !== null && f === null) this.store.markStarted(row.id, row.startedAtMs);
    if (!w.finished && f !== null) this.store.finish(row.id, f.status, 100, f.resultsJson, f.error, f.atMs);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      try {
        this.flush();
      } catch {
        // waiters were rejected; the rows retry in RETRY_MS
      }
    }, COMMIT_WINDOW_MS);
  }

  private retryLater(): void {
    if (this.retryTimer !== null) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.schedule();
    }, RETRY_MS);
    this.retryTimer.unref();
  }
}
