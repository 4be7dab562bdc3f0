// The main thread's side of the window writer: hands sealed windows to the writer's thread
// (window-writer-thread.ts) by transferring their arrays (no copy), tells it how far the
// windows are complete (for rollups), and waits for it on flush and close. The thread starts
// with the first window or with start() (a daemon without monitors never starts it). A
// thread that dies is started again; windows it had not written are lost and reported in
// lastError.
import { Worker } from 'node:worker_threads';
import { builtEngineFile } from '../built-file.js';
import type { FromWriter, ToWriter, WriterInit, WriterSettings } from './window-writer-protocol.js';
import type { SealedWindow } from './monitor-runner.js';
import type { MonitoringLog } from './types.js';

/** A writer thread that ends sooner than this after it started is not started again. */
const MIN_LIFETIME_MS = 5000;
/** While the writer keeps failing with the same error, it is logged again this often. */
const RELOG_MS = 60_000;
/** Windows waiting to be written (e.g. the disk full for hours) beyond this many bytes are
 *  dropped, not queued: a long outage costs windows, never the daemon's memory. */
const MAX_QUEUED_BYTES = 256 * 1024 * 1024;

export interface WindowWriterOptions {
  /** Failures, drops and recovery are reported here (the daemon's logger). */
  log?: MonitoringLog | null;
  maxQueuedBytes?: number;
  /** See MIN_LIFETIME_MS (tests restart a thread they just started). */
  minLifetimeMs?: number;
}

export class WindowWriter {
  private worker: Worker | null = null;
  /** After the thread failed right after starting: windows are dropped (lastError says why). */
  private failed = false;
  private startedAt = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { release: () => void; bytes: number }>();
  private queuedBytes = 0;
  private readonly flushes = new Map<number, () => void>();
  private closed: Promise<void> | null = null;
  /** The writer's current failure (it retries; null again once it writes), or a restart after it died. */
  lastError: string | null = null;
  /** Failed write attempts since start (each retried). */
  failures = 0;
  /** Windows dropped since start because too many bytes waited to be written. */
  dropped = 0;
  /** Failures since the last window written, and when the last log line about them went out. */
  private failingSince = 0;
  private failing = 0;
  private loggedAt = 0;
  private dropLoggedAt = -Infinity;
  /** The current write failure (lastError may say more: a drop, a restart). */
  private lastFailure: string | null = null;
  private readonly log: MonitoringLog | null;
  private readonly maxQueuedBytes: number;
  private readonly minLifetimeMs: number;

  constructor(private readonly init: WriterInit, options: WindowWriterOptions = {}) {
    this.log = options.log ?? null;
    this.maxQueuedBytes = options.maxQueuedBytes ?? MAX_QUEUED_BYTES;
    this.minLifetimeMs = options.minLifetimeMs ?? MIN_LIFETIME_MS;
  }

  /** Starts the thread unless it runs (or failed): for rollups and purges of stored windows. */
  start(): void {
    if (this.worker === null && !this.failed && this.closed === null) this.worker = this.spawn();
  }

  /** Windows handed over and not written yet. */
  get queued(): number {
    return this.pending.size;
  }

  /** Hands a sealed window over; its release() is called once it is written. */
  write(w: SealedWindow): void {
    this.start();
    if (this.worker === null) return; // lost: lastError says why
    if (this.queuedBytes > this.maxQueuedBytes) return this.drop();
    const id = this.nextId++;
    const { columns, transfer } = w.table.takeColumns();
    const rowSeq = Float64Array.from(w.rowSeq.slice(0, columns.rows));
    const bytes = transfer.reduce((n, b) => n + b.byteLength, rowSeq.byteLength);
    this.queuedBytes += bytes;
    this.pending.set(id, { release: w.release, bytes });
    this.send({ type: 'window', id, monitorSeq: w.monitorSeq, spanMs: w.spanMs, rowSeq, columns }, [...transfer, rowSeq.buffer]);
  }

  /** Every window before untilMs has been handed over. */
  ready(untilMs: number): void {
    this.send({ type: 'ready', untilMs });
  }

  /** Resolves once every window handed over so far is written. */
  flush(): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      if (this.worker === null) return resolve();
      this.flushes.set(id, resolve);
      this.send({ type: 'flush', id });
    });
  }

  /** Writes what is queued, then ends the thread. */
  close(): Promise<void> {
    this.closed ??= new Promise((resolve) => {
      if (this.worker === null) return resolve();
      this.worker.once('exit', () => resolve());
      this.send({ type: 'close' });
    });
    return this.closed;
  }

  private send(m: ToWriter, transfer: ArrayBuffer[] = []): void {
    this.worker?.postMessage(m, transfer);
  }

  private spawn(): Worker {
    this.startedAt = performance.now();
    const worker = new Worker(builtEngineFile('monitor/window-writer-thread.js'), { workerData: this.init });
    worker.on('message', (m: FromWriter) => this.received(m));
    worker.on('error', (error: unknown) => {
      // an error thrown in the thread arrives as a clone: a SqliteError as a plain object
      const message = typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
      this.lastError ??= `window writer failed: ${message}`;
    });
    worker.on('exit', () => {
      if (this.closed !== null) return;
      const lost = this.pending.size;
      this.pending.clear();
      this.queuedBytes = 0;
      for (const resolve of this.flushes.values()) resolve();
      this.flushes.clear();
      const again = performance.now() - this.startedAt >= this.minLifetimeMs;
      this.lastError = `window writer ended unexpectedly (${this.lastError ?? 'no error given'}); ${lost} window(s) not written; `
        + (again ? 'started again' : 'not started again: it failed right after starting; restart the daemon once the cause is fixed');
      this.log?.error(this.lastError);
      this.failed = !again;
      this.worker = again ? this.spawn() : null;
    });
    return worker;
  }

  private received(m: FromWriter): void {
    if (m.type === 'written') {
      const p = this.pending.get(m.id);
      if (p !== undefined) {
        this.pending.delete(m.id);
        this.queuedBytes -= p.bytes;
        p.release();
      }
      if (this.failing > 0) this.recovered();
    } else if (m.type === 'flushed') {
      this.flushes.get(m.id)?.();
      this.flushes.delete(m.id);
    } else {
      this.attemptFailed(m.message);
    }
  }

  /** A failed attempt (the thread retries): counted, logged at the first one, when the
   *  reason changes, and every RELOG_MS while it lasts. */
  private attemptFailed(message: string): void {
    this.failures++;
    const now = performance.now();
    if (this.failing++ === 0) this.failingSince = now;
    if (this.failing === 1 || message !== this.lastFailure || now - this.loggedAt >= RELOG_MS) {
      this.loggedAt = now;
      this.log?.error(`window writer: ${message} (${this.failing} failed attempt(s) so far)`);
    }
    this.lastFailure = message;
    this.lastError = message;
  }

  /** A window not handed over: the queue is full (logged at the first drop and every RELOG_MS). */
  private drop(): void {
    this.dropped++;
    const now = performance.now();
    if (now - this.dropLoggedAt < RELOG_MS) return;
    this.dropLoggedAt = now;
    const mib = (n: number): string => `${Math.round(n / 1048576)} MiB`;
    this.lastError = `window writer: windows dropped (${this.dropped} so far): ${mib(this.queuedBytes)} of windows wait to be written, `
      + `more than the ${mib(this.maxQueuedBytes)} kept; the writer's last failure: ${this.lastFailure ?? 'none, it is only slow'}`;
    this.log?.error(this.lastError);
  }

  private recovered(): void {
    const seconds = Math.round((performance.now() - this.failingSince) / 1000);
    this.log?.info(`window writer: windows are written again, after ${this.failing} failed attempt(s) over ${seconds} s`);
    this.failing = 0;
    this.lastFailure = null;
    this.lastError = null;
  }
}

export type { WriterSettings };
