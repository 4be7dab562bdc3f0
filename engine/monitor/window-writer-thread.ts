// The window writer's thread: encodes sealed windows (one counts blob per row, hdr-codec.ts)
// and writes them, rolls up and purges — all on its own connection, so that none of it
// (nor the WAL checkpoints its commits trigger, with their fsync) runs on the event loop that
// serves the API. Transactions stay short (ROWS_PER_TRANSACTION rows, encoded before the
// transaction begins), because a write on the main thread's connections waits for them.
import { parentPort, workerData } from 'node:worker_threads';
import { listenForInjectedFaults } from '../fault-injection.js';
import { openConnection, type Db } from '../store/database.js';
import { isStorageFull, storageFullMessage } from '../store/storage-full.js';
import { setThreadNice, WRITER_THREAD_NICE } from '../thread-priority.js';
import { WindowStore, type WindowRow } from './window-store.js';
import { WindowTable } from './window-table.js';
import type { FromWriter, ToWriter, WriterInit } from './window-writer-protocol.js';

const ROWS_PER_TRANSACTION = 250;
const HOUSEKEEPING_EVERY_MS = 1000;
/** Time a housekeeping turn may spend rolling up (its reads and merges hold no lock). */
const ROLLUP_BUDGET_MS = 20;
/** Targets whose old rows one purge step deletes (one short transaction). */
const PURGE_TARGETS_PER_STEP = 200;
/** A purge pass walks every target; one starts this long after the last one ended (or a
 *  tenth of the raw retention if that is shorter). */
const PURGE_PASS_EVERY_MS = 600_000;
/** After a failed write (e.g. the database locked by another process for > 5 s, the disk full). */
const RETRY_MS = 1000;
/** Failed attempts after close() before the queued windows are given up (shutdown must end). */
const CLOSE_ATTEMPTS = 5;

interface Queued {
  id: number;
  monitorSeq: number;
  spanMs: number;
  rowSeq: Float64Array;
  table: WindowTable;
  next: number;
  /** flush requests that came after this window */
  flushes: number[];
}

const port = parentPort;
if (port === null) throw new Error('window-writer-thread.js runs as a worker thread (engine/monitor/window-writer.ts starts it)');
const { dbPath, settings } = workerData as WriterInit;
const post = (m: FromWriter): void => port.postMessage(m);
// bulk work with a minute to spare: it runs on what the API and the probes leave over (after
// a window boundary it is seconds of a core's work: bench/README.md#design-window-writer)
setThreadNice(WRITER_THREAD_NICE);
let opened: { db: Db; store: WindowStore };
try {
  const db = openConnection(dbPath, 8);
  opened = { db, store: new WindowStore(db) };
} catch (error) {
  // said here in words: an error thrown from a worker's top level reaches the main thread
  // as a clone that loses its message
  post({ type: 'error', message: `cannot open ${dbPath} for writing windows: ${error instanceof Error ? error.message : String(error)}` });
  throw error;
}
const { db, store } = opened;
listenForInjectedFaults('window-writer');
const queue: Queued[] = [];
const batch: WindowRow[] = [];
let readyUntil = -Infinity;
let closing = false;
let closed = false;
let turnQueued = false;
let timer: NodeJS.Timeout | null = null;
let nextHousekeeping = 0;
let backlog = false;
let nextPurgePass = 0;
let purging = false;
let closeFailures = 0;

port.on('message', (m: ToWriter) => {
  switch (m.type) {
    case 'window':
      queue.push({ id: m.id, monitorSeq: m.monitorSeq, spanMs: m.spanMs, rowSeq: m.rowSeq, table: WindowTable.fromColumns(m.columns), next: 0, flushes: [] });
      break;
    case 'ready':
      readyUntil = m.untilMs;
      break;
    case 'flush':
      if (queue.length === 0) post({ type: 'flushed', id: m.id });
      else queue[queue.length - 1].flushes.push(m.id);
      break;
    case 'close':
      closing = true;
      break;
  }
  soon();
});

function soon(): void {
  if (turnQueued) return;
  turnQueued = true;
  if (timer !== null) clearTimeout(timer);
  timer = null;
  setImmediate(turn);
}

function later(ms: number): void {
  if (turnQueued || timer !== null) return;
  timer = setTimeout(() => {
    timer = null;
    soon();
  }, ms);
}

function turn(): void {
  turnQueued = false;
  if (closed) return;
  try {
    if (queue.length > 0) {
      writeSome(queue[0]);
      soon();
      return;
    }
    if (closing) {
      // nothing may run after this: a pending housekeeping timer would keep the thread alive
      if (timer !== null) clearTimeout(timer);
      timer = null;
      closed = true;
      db.close();
      port!.close();
      return;
    }
    const now = Date.now();
    if (backlog || now >= nextHousekeeping) {
      nextHousekeeping = now + HOUSEKEEPING_EVERY_MS;
      backlog = housekeeping(now);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (closing && ++closeFailures >= CLOSE_ATTEMPTS) {
      post({ type: 'error', message: `${giveUp()} window(s) given up at shutdown after ${CLOSE_ATTEMPTS} failed attempts: ${describe(error, message)}` });
      soon();
      return;
    }
    post({ type: 'error', message: describe(error, message) });
    later(RETRY_MS);
    return;
  }
  if (backlog) soon();
  else later(Math.max(1, nextHousekeeping - Date.now()));
}

/** The failure in words, retried in RETRY_MS (a disk-full one says where and what to do). */
function describe(error: unknown, message: string): string {
  const retry = `windows not written yet, retrying every ${RETRY_MS / 1000} s`;
  return isStorageFull(error) ? storageFullMessage(dbPath, retry) : `${retry}: ${message}`;
}

/** Drops the queued windows (their flushes answered), returns how many there were. */
function giveUp(): number {
  const n = queue.length;
  for (const w of queue.splice(0)) for (const id of w.flushes) post({ type: 'flushed', id });
  return n;
}

/** Encodes the next rows of w, then writes them in one transaction. */
function writeSome(w: Queued): void {
  const t = w.table;
  let r = w.next;
  batch.length = 0;
  for (; r < t.rows && batch.length < ROWS_PER_TRANSACTION; r++) {
    if (t.active(r)) batch.push(t.rowAt(r, w.rowSeq[r], w.monitorSeq, w.spanMs));
  }
  if (batch.length > 0) store.write(batch);
  batch.length = 0;
  w.next = r;
  if (r < t.rows) return;
  queue.shift();
  post({ type: 'written', id: w.id });
  for (const id of w.flushes) post({ type: 'flushed', id });
}

/** Rollups and retention; true when there is more to do right away. */
function housekeeping(now: number): boolean {
  const s = settings;
  const until = queue.length > 0 ? Math.min(readyUntil, queue[0].table.startMs) : readyUntil;
  const rollups = Number.isFinite(until) && store.rollupStep(s.windowMs, s.rollupMs, until, ROLLUP_BUDGET_MS);
  if (purging || now >= nextPurgePass) {
    const raw = store.purgeStep(s.windowMs, now - s.rawRetentionMs, PURGE_TARGETS_PER_STEP);
    const rolled = store.purgeStep(s.rollupMs, now - s.rollupRetentionMs, PURGE_TARGETS_PER_STEP);
    purging = raw || rolled;
    if (!purging) nextPurgePass = now + Math.min(PURGE_PASS_EVERY_MS, s.rawRetentionMs / 10);
  }
  return rollups || purging;
}
