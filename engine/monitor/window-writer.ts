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

/** A writer thread that ends sooner than this after it started is not started again. */
const MIN_LIFETIME_MS = 5000;

export class WindowWriter {
  private worker: Worker | null = null;
  /** After the thread failed right after starting: windows are dropped (lastError says why). */
  private failed = false;
  private startedAt = 0;
  private nextId = 1;
  private readonly pending = new Map<number, () => void>();
  private readonly flushes = new Map<number, () => void>();
  private closed: Promise<void> | null = null;
  /** The writer's last failure (it retries), or a restart after it died. */
  lastError: string | null = null;

  /** `minLifetimeMs`: see MIN_LIFETIME_MS (tests restart a thread they just started). */
  constructor(private readonly init: WriterInit, private readonly minLifetimeMs = MIN_LIFETIME_MS) {}

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
    const id = this.nextId++;
    const { columns, transfer } = w.table.takeColumns();
    const rowSeq = Float64Array.from(w.rowSeq.slice(0, columns.rows));
    this.pending.set(id, w.release);
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
      for (const resolve of this.flushes.values()) resolve();
      this.flushes.clear();
      const again = performance.now() - this.startedAt >= this.minLifetimeMs;
      this.lastError = `window writer ended unexpectedly (${this.lastError ?? 'no error given'}); ${lost} window(s) not written; `
        + (again ? 'started again' : 'not started again: it failed right after starting; restart the daemon once the cause is fixed');
      this.failed = !again;
      this.worker = again ? this.spawn() : null;
    });
    return worker;
  }

  private received(m: FromWriter): void {
    if (m.type === 'written') {
      this.pending.get(m.id)?.();
      this.pending.delete(m.id);
    } else if (m.type === 'flushed') {
      this.flushes.get(m.id)?.();
      this.flushes.delete(m.id);
    } else {
      this.lastError = m.message;
    }
  }
}

export type { WriterSettings };
