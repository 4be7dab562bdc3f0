// Group commit for diagnostic tasks. Each task is a row of the jobs table (the same rows as
// engine/jobs, written through its JobStore), but instead of one SQLite commit per state
// change — four per task, and the commits would cap the task rate
// (bench/README.md#design-task-group-commit) — the rows that are due go out together, one
// transaction every TICK_MS at most.
//
// A new row is due COMMIT_WINDOW_MS after it was created, or as soon as its task ended: a
// count-1 ping to a near host ends inside the window (an engine job takes a few ms), and
// its row is then one INSERT of the final state. Its creator waits for that commit (the task
// id it hands out must survive a crash), so the window is also the most a create waits.

import type { Statement } from 'better-sqlite3';
import type { JobRecord } from '../jobs/types.js';
import type { JobStore } from '../jobs/job-store.js';
import type { Db } from '../store/database.js';

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
  /** Writer state: when the row's pending change is due (performance.now() ms). */
  dueAt: number;
  /** Writer state: who waits for the row's next commit. */
  waiters: Array<{ resolve: () => void; reject: (error: Error) => void }> | null;
}

const RETRY_MS = 100;
const TICK_MS = 5;
const COMMIT_WINDOW_MS = 20;

export class TaskWriter {
  private dirty = new Set<TaskRow>();
  private scheduled = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly commit: (rows: readonly TaskRow[]) => void;
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
    this.commit = db.transaction((rows: readonly TaskRow[]) => {
      for (const row of rows) this.writeRow(row);
    });
  }

  /** Queues the row's current state: a new row within the window, a change to a stored or ended one at the next tick. */
  touch(row: TaskRow): void {
    const urgent = row.written.inserted || row.finished !== null;
    if (!this.dirty.has(row)) {
      row.dueAt = urgent ? 0 : performance.now() + COMMIT_WINDOW_MS;
      this.dirty.add(row);
    } else if (urgent) {
      row.dueAt = 0;
    }
    this.schedule();
  }

  /** Resolves once the row's queued state is committed (rejects if that commit fails). */
  committed(row: TaskRow): Promise<void> {
    if (!this.dirty.has(row)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      (row.waiters ??= []).push({ resolve, reject });
    });
  }

  /**
   * Commits the rows that are due — every queued row with `all` (shutdown, exit) —
   * synchronously. Throws if SQLite does (the rows stay queued and retry).
   */
  flush(all = false): void {
    this.scheduled = false;
    const now = performance.now();
    const due: TaskRow[] = [];
    for (const row of this.dirty) if (all || row.dueAt <= now) due.push(row);
    if (due.length > 0) {
      try {
        this.commit(due);
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const row of due) this.settle(row, failure);
        this.retryLater();
        throw failure;
      }
      for (const row of due) {
        this.dirty.delete(row);
        row.written.inserted = true;
        if (row.markStarted) row.written.started = true;
        if (row.finished !== null) row.written.finished = true;
        this.settle(row, null);
        if (row.written.finished) this.onCommitted(row);
      }
    }
    if (this.dirty.size > 0) this.schedule();
  }

  pending(): number {
    return this.dirty.size;
  }

  close(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private settle(row: TaskRow, failure: Error | null): void {
    const waiters = row.waiters;
    if (waiters === null) return;
    row.waiters = null;
    for (const w of waiters) {
      if (failure === null) w.resolve();
      else w.reject(failure);
    }
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
    if (this.scheduled || this.retryTimer !== null) return;
    this.scheduled = true;
    setTimeout(() => {
      try {
        this.flush();
      } catch {
        // the rows' waiters were rejected; the rows retry in RETRY_MS
      }
    }, TICK_MS);
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
