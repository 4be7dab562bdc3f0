// Watches the pool's worker threads: counts each one that ends while the pool runs (by
// cause), releases the shared-state row it held, tells the listeners, and says what state
// the pool is in. Piscina replaces a failed worker and fails only the tasks that worker
// held; what it does not do is report any of it, and it stops replacing workers once one
// fails before it was ready (a failure at start-up would only repeat).
import type { Worker } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import type { EngineHealth, WorkerFault, WorkerFaultCause } from '../../types.js';

export const DEFAULT_FAULT_REPORT_MS = 60_000;

export class WorkerWatch {
  private readonly seen = new WeakSet<Worker>();
  /** Threads Piscina reported ready and has not removed. */
  private readonly ready = new Set<number>();
  private readonly everReady = new Set<number>();
  /** Uncaught errors by thread, until that thread's exit. */
  private readonly errors = new Map<number, Error>();
  /** The errors Piscina rejected a dead worker's tasks with. */
  private readonly faultErrors = new WeakSet<object>();
  private readonly listeners = new Set<(fault: WorkerFault) => void>();
  private readonly restarts: Record<WorkerFaultCause, number> = { uncaught_error: 0, exited: 0, start_failed: 0 };
  private lastFault: WorkerFault | null = null;
  private stopping = false;

  constructor(
    private readonly piscina: Piscina,
    private readonly threads: number,
    private readonly faultReportMs: number,
    private readonly releaseThread: (threadId: number) => void,
  ) {
    piscina.on('workerCreate', (w: { id: number }) => {
      this.ready.add(w.id);
      this.everReady.add(w.id);
    });
    piscina.on('workerDestroy', (w: { id: number }) => this.ready.delete(w.id));
    // An idle worker's error: counted on its exit below. Without a listener Piscina's
    // 'error' event would crash the process.
    piscina.on('error', () => undefined);
    this.adopt();
  }

  onFault(listener: (fault: WorkerFault) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** From now on a worker that ends is the pool closing, not a fault. */
  stop(): void {
    this.stopping = true;
  }

  /** True when no worker runs or starts: a task would wait for ever. */
  get empty(): boolean {
    return this.piscina.threads.length === 0;
  }

  /** A task's rejection, said in words when it is the death of the worker it ran on. */
  explain(error: unknown): unknown {
    const fault = this.faultErrors.has(error as object) || (error instanceof Error && /^worker exited with code/.test(error.message));
    if (!fault) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new Error(`sonde engine: the probe worker thread running this job failed (${message}); its probes are lost, `
      + 'the pool replaced the thread: run the job again', { cause: error });
  }

  health(nowMs = Date.now()): EngineHealth {
    const running = this.ready.size;
    const base = { threads: this.threads, running, restarts: { ...this.restarts }, lastFault: this.lastFault };
    const last = this.lastFault === null ? '' : `; the last fault: ${describe(this.lastFault, nowMs)}`;
    if (this.empty) {
      return { ...base, state: 'down', reason: `no probe worker thread is left (a replacement failed to start)${last}; restart the daemon` };
    }
    if (running < this.threads) {
      return { ...base, state: 'degraded', reason: `${running} of ${this.threads} probe worker threads running${last}` };
    }
    if (this.lastFault !== null && nowMs - this.lastFault.atMs < this.faultReportMs) {
      return { ...base, state: 'degraded', reason: `a probe worker thread was replaced after a fault: ${describe(this.lastFault, nowMs)}` };
    }
    return { ...base, state: 'ok', reason: null };
  }

  /** Listens to every worker Piscina has, including replacements still starting. */
  private adopt(): void {
    for (const worker of this.piscina.threads) {
      if (this.seen.has(worker)) continue;
      this.seen.add(worker);
      const threadId = worker.threadId; // -1 once the thread has ended
      worker.on('error', (error: unknown) => {
        const e = error instanceof Error ? error : new Error(String(error));
        if (typeof error === 'object' && error !== null) this.faultErrors.add(error);
        this.errors.set(threadId, e);
      });
      worker.on('exit', (code: number) => this.exited(threadId, code));
    }
  }

  private exited(threadId: number, code: number): void {
    this.releaseThread(threadId);
    const error = this.errors.get(threadId);
    this.errors.delete(threadId);
    const wasReady = this.everReady.delete(threadId);
    this.ready.delete(threadId);
    if (this.stopping) return;
    const cause: WorkerFaultCause = !wasReady ? 'start_failed' : error !== undefined ? 'uncaught_error' : 'exited';
    const fault: WorkerFault = { cause, threadId, message: error?.message ?? `exited with code ${code}`, atMs: Date.now() };
    this.restarts[cause]++;
    this.lastFault = fault;
    // Piscina has added the replacement by now (in its own handler of this event)
    this.adopt();
    for (const listener of this.listeners) {
      try {
        listener(fault);
      } catch {
        // a listener's failure must not stop the others nor the pool's bookkeeping
      }
    }
  }
}

function describe(f: WorkerFault, nowMs: number): string {
  return `thread ${f.threadId}, ${f.cause.replace('_', ' ')}: ${f.message} (${Math.round((nowMs - f.atMs) / 1000)} s ago)`;
}
