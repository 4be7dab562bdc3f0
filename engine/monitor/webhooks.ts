// State changes POSTed as JSON to configured URLs, off the event loop's critical path:
// one queue per URL (bounded: MAX_QUEUED changes; on overflow the oldest are dropped and
// the next POST says how many in `dropped`), one request in flight per URL, batches of at
// most MAX_BATCH changes, a timeout per attempt, and retries with exponential backoff
// (1 s, 2 s, 4 s … capped at 30 s) on network errors, timeouts, 408, 429 and 5xx. Another
// 4xx is not retried. A batch that fails every attempt is counted and dropped; nothing a
// receiver does can throw into the daemon.
//
// Body: {"source":"sonde","dropped":0,"events":[StateChange…]}.
import { SondeError } from '../errors.js';
import type { StateChange, WebhookConfig } from './types.js';

export const MAX_QUEUED = 10_000;
const MAX_BATCH = 500;
const BACKOFF_BASE_MS = 1000;
const BACKOFF_MAX_MS = 30_000;

export interface WebhookStats {
  url: string;
  queued: number;
  /** Changes delivered (2xx), dropped from a full queue, and given up after every retry. */
  delivered: number;
  dropped: number;
  failed: number;
  lastError: string | null;
}

/** Checks webhook settings; throws SondeError invalid naming the field. */
export function checkWebhooks(hooks: readonly WebhookConfig[]): void {
  hooks.forEach((h, i) => {
    const field = `monitoring.webhooks[${i}]`;
    let url: URL;
    try {
      url = new URL(h.url);
    } catch {
      throw new SondeError('invalid', `${field}.url is not a URL: "${h.url}"`, `${field}.url`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new SondeError('invalid', `${field}.url must be http:// or https://, not ${url.protocol}`, `${field}.url`);
    }
    if (h.timeoutMs !== undefined && !(Number.isInteger(h.timeoutMs) && h.timeoutMs >= 100 && h.timeoutMs <= 60_000)) {
      throw new SondeError('invalid', `${field}.timeoutMs must be an integer in 100..60000`, `${field}.timeoutMs`);
    }
    if (h.retries !== undefined && !(Number.isInteger(h.retries) && h.retries >= 0 && h.retries <= 10)) {
      throw new SondeError('invalid', `${field}.retries must be an integer in 0..10`, `${field}.retries`);
    }
  });
}

class Hook {
  private readonly queue: StateChange[] = [];
  private dropped = 0;
  private busy = false;
  private timer: NodeJS.Timeout | null = null;
  private controller: AbortController | null = null;
  private closed = false;
  readonly stats: WebhookStats;

  constructor(private readonly url: string, private readonly timeoutMs: number, private readonly retries: number) {
    this.stats = { url, queued: 0, delivered: 0, dropped: 0, failed: 0, lastError: null };
  }

  enqueue(changes: readonly StateChange[]): void {
    if (this.closed) return;
    for (const c of changes) this.queue.push(c);
    const over = this.queue.length - MAX_QUEUED;
    if (over > 0) {
      this.queue.splice(0, over);
      this.dropped += over;
      this.stats.dropped += over;
    }
    this.stats.queued = this.queue.length;
    if (!this.busy) void this.run();
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.controller?.abort();
  }

  private async run(): Promise<void> {
    this.busy = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        const dropped = this.dropped;
        this.dropped = 0;
        this.stats.queued = this.queue.length;
        const body = JSON.stringify({ source: 'sonde', dropped, events: batch });
        let delivered = false;
        for (let attempt = 0; attempt <= this.retries && !this.closed; attempt++) {
          if (attempt > 0) await this.sleep(Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1)));
          if (this.closed) break;
          const outcome = await this.post(body);
          if (outcome === 'ok') {
            delivered = true;
            break;
          }
          if (outcome === 'final') break;
        }
        if (delivered) this.stats.delivered += batch.length;
        else this.stats.failed += batch.length;
      }
    } finally {
      this.busy = false;
    }
  }

  /** One attempt: ok, retry (may succeed later) or final (a 4xx other than 408/429). */
  private async post(body: string): Promise<'ok' | 'retry' | 'final'> {
    const controller = new AbortController();
    this.controller = controller;
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    timer.unref();
    try {
      const res = await fetch(this.url, {
        method: 'POST', body, signal: controller.signal,
        headers: { 'content-type': 'application/json', 'user-agent': 'sonde-webhook' },
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return 'ok';
      this.stats.lastError = `POST ${this.url} answered ${res.status}`;
      return res.status === 408 || res.status === 429 || res.status >= 500 ? 'retry' : 'final';
    } catch (error) {
      const timedOut = controller.signal.aborted && !this.closed;
      this.stats.lastError = timedOut
        ? `POST ${this.url} timed out after ${this.timeoutMs} ms`
        : `POST ${this.url} failed: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`;
      return 'retry';
    } finally {
      clearTimeout(timer);
      this.controller = null;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.timer = setTimeout(() => {
        this.timer = null;
        resolve();
      }, ms);
      this.timer.unref();
    });
  }
}

export class WebhookSender {
  private readonly hooks: Hook[];

  constructor(configs: readonly WebhookConfig[]) {
    checkWebhooks(configs);
    this.hooks = configs.map((c) => new Hook(c.url, c.timeoutMs ?? 5000, c.retries ?? 3));
  }

  get size(): number {
    return this.hooks.length;
  }

  send(changes: readonly StateChange[]): void {
    if (changes.length === 0) return;
    for (const h of this.hooks) h.enqueue(changes);
  }

  stats(): WebhookStats[] {
    return this.hooks.map((h) => ({ ...h.stats }));
  }

  /** Stops retries and aborts requests in flight (changes not yet delivered stay in SQLite only). */
  close(): void {
    for (const h of this.hooks) h.close();
  }
}
