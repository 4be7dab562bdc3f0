// A plain HTTP client on its own thread for timing large answers (bench:monitor's summary):
// one request at a time, timed inside the thread from the request to the last body byte.
import { Worker } from 'node:worker_threads';

export interface PlainPollerInit {
  url: string;
  headers: Record<string, string>;
  /** Nice value of the polling thread (0: unchanged). */
  nice: number;
}

export interface PlainResult {
  status: number;
  error: string | null;
  ms: number;
  /** To the response headers. */
  ttfbMs: number;
  bytes: number;
}

export class PlainPoller {
  private readonly worker: Worker;
  private pending: ((r: PlainResult) => void) | null = null;

  constructor(init: PlainPollerInit) {
    this.worker = new Worker(new URL('./plain-poller-thread.js', import.meta.url), { workerData: init });
    this.worker.on('message', (r: PlainResult) => {
      const done = this.pending;
      this.pending = null;
      done?.(r);
    });
    this.worker.on('error', (e) => {
      const done = this.pending;
      this.pending = null;
      done?.({ status: 0, error: `the polling thread failed: ${e.message}`, ms: NaN, ttfbMs: NaN, bytes: 0 });
    });
  }

  get(path: string): Promise<PlainResult> {
    if (this.pending !== null) throw new Error('PlainPoller: one request at a time');
    return new Promise((resolve) => {
      this.pending = resolve;
      this.worker.postMessage(path);
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}
