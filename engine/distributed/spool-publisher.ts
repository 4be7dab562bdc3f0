// Drains the window spool into the stream: up to IN_FLIGHT publishes at a time, each removed
// from the spool only when the stream acks it (a PubAck, possibly `duplicate` when an earlier
// publish landed but its ack was lost). On any failure — bus down, no stream, stream full —
// the batch stays spooled and the publisher backs off and retries; nothing is dropped here.
import type { JetStreamClient } from '@nats-io/jetstream';
import type { WindowSpool, SpooledBatch } from './window-spool.js';
import { isStreamFull } from './window-stream.js';

const IN_FLIGHT = 16;
const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;

export interface SpoolPublisherCounters {
  published: number;
  duplicates: number;
  failures: number;
  /** Publishes the stream refused because a limit was reached (discard new). */
  streamFull: number;
}

export interface SpoolPublisherLog {
  warn(obj: object, msg: string): void;
}

export class SpoolPublisher {
  readonly counters: SpoolPublisherCounters = { published: 0, duplicates: 0, failures: 0, streamFull: 0 };
  private running = false;
  private stopped = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private lastWarnAt = 0;

  constructor(
    private readonly spool: WindowSpool,
    private readonly js: JetStreamClient,
    private readonly log: SpoolPublisherLog,
    private readonly publishTimeoutMs = 5_000,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Call after spooling: the publisher sleeps while the spool is empty. */
  notify(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let backoff = MIN_BACKOFF_MS;
    while (!this.stopped) {
      const batches = this.spool.peek(IN_FLIGHT);
      if (batches.length === 0) {
        await this.sleep(60_000);
        continue;
      }
      const results = await Promise.allSettled(batches.map((b) => this.publish(b)));
      let failed: unknown;
      for (let i = 0; i < results.length; i++) {
        const r = results[i];
        if (r.status === 'fulfilled') this.spool.ack(batches[i]);
        else failed ??= r.reason;
      }
      if (failed === undefined) {
        backoff = MIN_BACKOFF_MS;
        continue;
      }
      this.counters.failures++;
      const full = isStreamFull(failed);
      if (full) this.counters.streamFull++;
      this.warn(full, failed);
      await this.sleep(backoff);
      backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
    }
  }

  private async publish(batch: SpooledBatch): Promise<void> {
    const ack = await this.js.publish(batch.subject, batch.payload, { msgID: batch.msgId, timeout: this.publishTimeoutMs });
    if (ack.duplicate) this.counters.duplicates++;
    else this.counters.published++;
  }

  // at most one line a second while the bus stays unreachable
  private warn(full: boolean, err: unknown): void {
    const now = Date.now();
    if (now - this.lastWarnAt < 1_000) return;
    this.lastWarnAt = now;
    const spooled = this.spool.size;
    this.log.warn(
      { err: (err as Error).message, spooledBatches: spooled.batches, spooledBytes: spooled.bytes, streamFull: this.counters.streamFull },
      full
        ? 'window stream is full (discard new): windows stay spooled on this agent; raise the stream limits or let the controller catch up'
        : 'cannot publish sealed windows to the bus: they stay spooled on this agent and are retried',
    );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}
