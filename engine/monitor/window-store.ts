// Latency windows in SQLite (table latency_windows, migration 3): writes in batched
// transactions, hourly (configurable) rollups, retention purge in small steps, and the
// reads behind the history API. Writing, rollups and purging run on the window writer's
// thread (window-writer-thread.ts); every write transaction is bounded by a row or target
// count, because writes on the main thread's connections wait for it.
import type { Statement } from 'better-sqlite3';
import { MONITOR_ERROR_KINDS, MONITOR_ERROR_KIND_COUNT } from './error-kinds.js';
import type { Db } from '../store/database.js';
import { BucketAccumulator } from './hdr-codec.js';

export interface WindowRow {
  targetSeq: number;
  monitorSeq: number;
  spanMs: number;
  startMs: number;
  sent: number;
  received: number;
  duplicates: number;
  late: number;
  /** MONITOR_ERROR_KIND_COUNT counts in ERROR_KINDS order. */
  errors: number[];
  minNs: number | null;
  maxNs: number | null;
  sumNs: number;
  hist: Buffer | null;
}

interface DbRow {
  target_seq: number;
  monitor_seq: number;
  span_ms: number;
  start_at: number;
  sent: number;
  received: number;
  duplicates: number;
  late: number;
  err_unreachable: number;
  err_time_exceeded: number;
  err_param_problem: number;
  err_packet_too_big: number;
  err_send_failed: number;
  err_other: number;
  err_refused: number;
  err_reset: number;
  err_name_not_found: number;
  err_dns_failure: number;
  err_tls: number;
  err_http_status: number;
  err_body: number;
  err_protocol: number;
  err_wrong_answer: number;
  min_ns: number | null;
  max_ns: number | null;
  sum_ns: number;
  hist: Buffer | null;
}

/** [start_at, monitor_seq, sent, received, min_ns, max_ns, hist] (a raw row: no object per row). */
export type HistoryRow = [number, number, number, number, number | null, number | null, Buffer | null];

const ERROR_COLUMNS = [
  'err_unreachable', 'err_time_exceeded', 'err_param_problem', 'err_packet_too_big', 'err_send_failed', 'err_other',
  'err_refused', 'err_reset', 'err_name_not_found', 'err_dns_failure', 'err_tls', 'err_http_status', 'err_body', 'err_protocol', 'err_wrong_answer',
] as const;
const COLUMNS = `target_seq, monitor_seq, span_ms, start_at, sent, received, duplicates, late, ${ERROR_COLUMNS.join(', ')}, min_ns, max_ns, sum_ns, hist`;
const VALUES = COLUMNS.split(', ').map((c) => `@${c}`).join(', ');

if (ERROR_COLUMNS.some((c, i) => c !== `err_${MONITOR_ERROR_KINDS[i].replaceAll('-', '_')}`) || ERROR_COLUMNS.length !== MONITOR_ERROR_KIND_COUNT) {
  throw new Error('latency_windows error columns no longer follow ERROR_KINDS');
}

function errorColumns(errors: readonly number[]): Pick<DbRow, (typeof ERROR_COLUMNS)[number]> {
  const out = {} as Record<(typeof ERROR_COLUMNS)[number], number>;
  // rows from before migration 10 (and from old agents) carry the ICMP kinds only
  ERROR_COLUMNS.forEach((c, i) => { out[c] = errors[i] ?? 0; });
  return out;
}

function toDbRow(w: WindowRow): DbRow {
  return {
    target_seq: w.targetSeq,
    monitor_seq: w.monitorSeq,
    span_ms: w.spanMs,
    start_at: w.startMs,
    sent: w.sent,
    received: w.received,
    duplicates: w.duplicates,
    late: w.late,
    ...errorColumns(w.errors),
    min_ns: w.minNs === null ? null : Math.round(w.minNs),
    max_ns: w.maxNs === null ? null : Math.round(w.maxNs),
    sum_ns: Math.round(w.sumNs),
    hist: w.hist,
  };
}

function fromDbRow(r: DbRow): WindowRow {
  return {
    targetSeq: r.target_seq,
    monitorSeq: r.monitor_seq,
    spanMs: r.span_ms,
    startMs: r.start_at,
    sent: r.sent,
    received: r.received,
    duplicates: r.duplicates,
    late: r.late,
    errors: ERROR_COLUMNS.map((c) => r[c]),
    minNs: r.min_ns,
    maxNs: r.max_ns,
    sumNs: r.sum_ns,
    hist: r.hist,
  };
}

/** Adds b's counters and distribution into a (same target/monitor). */
function mergeInto(a: WindowRow, b: WindowRow, acc: BucketAccumulator): void {
  a.sent += b.sent;
  a.received += b.received;
  a.duplicates += b.duplicates;
  a.late += b.late;
  for (let k = 0; k < MONITOR_ERROR_KIND_COUNT; k++) a.errors[k] += b.errors[k];
  if (b.minNs !== null) a.minNs = a.minNs === null ? b.minNs : Math.min(a.minNs, b.minNs);
  if (b.maxNs !== null) a.maxNs = a.maxNs === null ? b.maxNs : Math.max(a.maxNs, b.maxNs);
  a.sumNs += b.sumNs;
  if (b.hist !== null) acc.addBlob(b.hist);
}

/** Merges rows (one target, one monitor) into one row of span `spanMs` starting at startMs. */
export function mergeRows(rows: readonly WindowRow[], spanMs: number, startMs: number, acc = new BucketAccumulator()): WindowRow {
  acc.clear();
  const out: WindowRow = {
    targetSeq: rows[0].targetSeq, monitorSeq: rows[0].monitorSeq, spanMs, startMs,
    sent: 0, received: 0, duplicates: 0, late: 0, errors: new Array<number>(MONITOR_ERROR_KIND_COUNT).fill(0),
    minNs: null, maxNs: null, sumNs: 0, hist: null,
  };
  for (const r of rows) mergeInto(out, r, acc);
  out.hist = acc.encode();
  return out;
}

export class WindowStore {
  private readonly insertNew: Statement;
  private readonly upsert: Statement;
  private readonly selectOne: Statement<[number, number, number, number], DbRow>;
  private readonly selectRange: Statement<[number, number, number, number], DbRow>;
  private readonly selectHistory: Statement<[number, number, number, number], HistoryRow>;
  private readonly selectHistoryBlobs: Statement<[number, number, number, number], Buffer | null>;
  private readonly readHistory: (targetSeq: number, spanMs: number, fromMs: number, toMs: number) => HistoryRow[];
  private readonly selectTargetsAfter: Statement<[number, number], number>;
  private readonly selectNextTarget: Statement<[number], number>;
  private readonly selectFirstStart: Statement<[number, number], number>;
  private readonly purgeTarget: Statement<[number, number, number]>;
  private readonly writeRollups: (rows: readonly WindowRow[]) => void;
  private readonly getCursor: Statement<[number, number], number>;
  private readonly setCursor: Statement<[number, number, number]>;
  private readonly acc = new BucketAccumulator();

  constructor(private readonly db: Db) {
    this.insertNew = db.prepare(`INSERT INTO latency_windows (${COLUMNS}) VALUES (${VALUES}) ON CONFLICT DO NOTHING`);
    this.upsert = db.prepare(`INSERT OR REPLACE INTO latency_windows (${COLUMNS}) VALUES (${VALUES})`);
    this.selectOne = db.prepare(
      `SELECT ${COLUMNS} FROM latency_windows WHERE target_seq = ? AND span_ms = ? AND start_at = ? AND monitor_seq = ?`,
    );
    this.selectRange = db.prepare(
      `SELECT ${COLUMNS} FROM latency_windows WHERE target_seq = ? AND span_ms = ? AND start_at >= ? AND start_at < ? ORDER BY start_at, monitor_seq`,
    );
    // The history read is two statements in one read transaction: the rows with their blob's
    // length, and every blob of the range concatenated into one value. better-sqlite3 makes a
    // Buffer per blob value, so one value for the range costs less CPU
    // (bench/README.md#design-history-query), and each row's blob is a view into the one Buffer.
    this.selectHistory = db.prepare<[number, number, number, number], HistoryRow>(
      `SELECT start_at, monitor_seq, sent, received, min_ns, max_ns, length(hist) FROM latency_windows
       WHERE target_seq = ? AND span_ms = ? AND start_at >= ? AND start_at < ? ORDER BY start_at, monitor_seq`,
    ).raw();
    this.selectHistoryBlobs = db.prepare<[number, number, number, number], Buffer | null>(
      `SELECT CAST(group_concat(hist, '' ORDER BY start_at, monitor_seq) AS BLOB) FROM latency_windows
       WHERE target_seq = ? AND span_ms = ? AND start_at >= ? AND start_at < ?`,
    ).pluck();
    this.readHistory = db.transaction((targetSeq: number, spanMs: number, fromMs: number, toMs: number): HistoryRow[] => {
      const rows = this.selectHistory.all(targetSeq, spanMs, fromMs, toMs);
      const blobs = rows.length === 0 ? null : this.selectHistoryBlobs.get(targetSeq, spanMs, fromMs, toMs) ?? null;
      let at = 0;
      for (const row of rows) {
        const length = row[6] as unknown as number | null;
        if (length === null) continue;
        if (blobs === null || at + length > blobs.length) throw new Error(`latency_windows: the concatenated histograms of target ${targetSeq} are shorter than their rows say`);
        row[6] = blobs.subarray(at, at + length);
        at += length;
      }
      return rows;
    });
    this.selectTargetsAfter = db.prepare<[number, number], number>('SELECT seq FROM targets WHERE seq > ? ORDER BY seq LIMIT ?').pluck();
    // the targets that have rows, the deleted ones included (a seek each on the primary key)
    this.selectNextTarget = db.prepare<[number], number>('SELECT target_seq FROM latency_windows WHERE target_seq > ? ORDER BY target_seq LIMIT 1').pluck();
    this.selectFirstStart = db.prepare<[number, number], number>(
      'SELECT start_at FROM latency_windows WHERE target_seq = ? AND span_ms = ? ORDER BY start_at LIMIT 1',
    ).pluck();
    this.purgeTarget = db.prepare('DELETE FROM latency_windows WHERE target_seq = ? AND span_ms = ? AND start_at < ?');
    this.writeRollups = db.transaction((rows: readonly WindowRow[]) => {
      for (const r of rows) this.upsert.run(toDbRow(r));
    });
    this.getCursor = db.prepare<[number, number], number>('SELECT done_until FROM latency_rollup_cursor WHERE window_ms = ? AND rollup_ms = ?').pluck();
    this.setCursor = db.prepare('INSERT OR REPLACE INTO latency_rollup_cursor (window_ms, rollup_ms, done_until) VALUES (?, ?, ?)');
  }

  /**
   * Writes rows in one transaction. A row whose key already exists (the daemon restarted
   * within a window and wrote that window's first part before stopping) is merged with it.
   */
  write(rows: readonly WindowRow[]): void {
    this.db.transaction(() => {
      for (const w of rows) {
        if (this.insertNew.run(toDbRow(w)).changes > 0) continue;
        const existing = this.selectOne.get(w.targetSeq, w.spanMs, w.startMs, w.monitorSeq);
        if (existing === undefined) continue;
        this.upsert.run(toDbRow(mergeRows([fromDbRow(existing), w], w.spanMs, w.startMs, this.acc)));
      }
    })();
  }

  /** Rows of one target, one span, start in [fromMs, toMs), by start then monitor. */
  range(targetSeq: number, spanMs: number, fromMs: number, toMs: number): WindowRow[] {
    return this.selectRange.all(targetSeq, spanMs, fromMs, toMs).map(fromDbRow);
  }

  /** What the history API needs of rows of one target, one span, start in [fromMs, toMs). */
  historyRows(targetSeq: number, spanMs: number, fromMs: number, toMs: number): HistoryRow[] {
    return this.readHistory(targetSeq, spanMs, fromMs, toMs);
  }

  /** Everything before this is rolled up (null: nothing rolled up yet). */
  rolledUntil(windowMs: number, rollupMs: number): number | null {
    return this.getCursor.get(windowMs, rollupMs) ?? null;
  }

  /**
   * Rolls up the next period [done, done + rollupMs) if it ends at or before `readyUntil`
   * (every window before that is written), working through targets in seq order for at most
   * budgetMs. Returns true when there is more to do now. The windows are read and merged
   * outside any write transaction; each 64 targets' rollups are written in one short one.
   */
  rollupStep(windowMs: number, rollupMs: number, readyUntil: number, budgetMs: number): boolean {
    const deadline = performance.now() + budgetMs;
    let done = this.rolledUntil(windowMs, rollupMs);
    if (done === null) {
      const oldest = this.oldestStart(windowMs);
      if (oldest === null) return false;
      done = Math.floor(oldest / rollupMs) * rollupMs;
      this.setCursor.run(windowMs, rollupMs, done);
      this.rollupSeq = 0;
    }
    const end = done + rollupMs;
    if (end > readyUntil) return false;
    const merged: WindowRow[] = [];
    while (performance.now() < deadline) {
      const seqs = this.selectTargetsAfter.all(this.rollupSeq, 64);
      if (seqs.length === 0) {
        this.setCursor.run(windowMs, rollupMs, end);
        this.rollupSeq = 0;
        return end + rollupMs <= readyUntil;
      }
      merged.length = 0;
      for (const seq of seqs) this.rollupTarget(seq, windowMs, rollupMs, done, merged);
      this.writeRollups(merged);
      this.rollupSeq = seqs[seqs.length - 1];
    }
    return true;
  }

  /**
   * Deletes the rows of one span that start before cutoffMs, for the next maxTargets targets
   * of a pass over every target that has rows (a cursor per span, in memory). Returns true
   * while the pass goes on, false when it has just ended. Per target the delete is a range of
   * the primary key, so no index by age is needed (bench/README.md#design-window-retention). A
   * step deletes at most maxRowsPerTarget windows of a target (a backlog, e.g. after the
   * retention was shortened, takes more steps) and ends after budgetMs, so that writes on
   * other connections never wait long for its transaction.
   */
  purgeStep(spanMs: number, cutoffMs: number, maxTargets: number, maxRowsPerTarget = 500, budgetMs = 5): boolean {
    let seq = this.purgeCursor.get(spanMs) ?? 0;
    let more = true;
    const deadline = performance.now() + budgetMs;
    this.db.transaction(() => {
      for (let k = 0; k < maxTargets && performance.now() < deadline; k++) {
        const next = this.selectNextTarget.get(seq);
        if (next === undefined) {
          more = false;
          seq = 0;
          return;
        }
        const first = this.selectFirstStart.get(next, spanMs);
        if (first !== undefined && first < cutoffMs) {
          const upTo = Math.min(cutoffMs, first + spanMs * maxRowsPerTarget);
          this.purgeTarget.run(next, spanMs, upTo);
          if (upTo < cutoffMs) return; // this target again in the next step
        }
        seq = next;
      }
    })();
    this.purgeCursor.set(spanMs, seq);
    return more;
  }

  /** The start of the oldest row of a span: the oldest of each target's first row (a seek
   *  per target, not a scan of the table). */
  private oldestStart(spanMs: number): number | null {
    let oldest: number | null = null;
    for (let seq = this.selectNextTarget.get(0); seq !== undefined; seq = this.selectNextTarget.get(seq)) {
      const first = this.selectFirstStart.get(seq, spanMs);
      if (first !== undefined && (oldest === null || first < oldest)) oldest = first;
    }
    return oldest;
  }

  /** Where the rollup of the current period has got to (target seq), in memory only: a
   *  restart redoes the period, which INSERT OR REPLACE makes harmless. */
  private rollupSeq = 0;

  private readonly purgeCursor = new Map<number, number>();

  /** Appends the rollups of one target's period (one per monitor) to `out`. */
  private rollupTarget(seq: number, windowMs: number, rollupMs: number, start: number, out: WindowRow[]): void {
    const rows = this.range(seq, windowMs, start, start + rollupMs);
    rows.sort((a, b) => a.monitorSeq - b.monitorSeq || a.startMs - b.startMs);
    let from = 0;
    for (let i = 1; i <= rows.length; i++) {
      if (i === rows.length || rows[i].monitorSeq !== rows[from].monitorSeq) {
        out.push(mergeRows(rows.slice(from, i), rollupMs, start, this.acc));
        from = i;
      }
    }
  }
}
