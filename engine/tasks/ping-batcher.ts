// Coalesces ping tests into shared engine jobs. An engine job has a fixed cost (a worker
// task, a message channel, a stats table) that dwarfs one probe: one job per count-1 ping caps
// tests far below one job of many targets (bench/README.md#design-ping-coalescing). Tests
// with the same parameters that arrive within BATCH_WINDOW_MS therefore go out as one job
// with one target per test; per-probe events and per-target summaries are handed back to
// each test by target index.

import type { Engine, ProbeResult, TargetSummary } from '../types.js';
import type { PingTest } from './types.js';

export interface PingSink {
  /** Each probe event of this test (the object is reused by the engine: copy what you keep). */
  onProbe(probe: ProbeResult): void;
}

interface Entry {
  destination: string;
  sink: PingSink;
  resolve(summary: TargetSummary): void;
  reject(error: Error): void;
  /** Cancelled: its events and summary are dropped. */
  detached: boolean;
}

export interface BatchedPing {
  done: Promise<TargetSummary>;
  /** Drops this test from its batch (rejecting `done` with the reason); the batch's job stops when nobody is left. */
  cancel(reason: Error): void;
}

interface Batch {
  key: string;
  test: PingTest;
  entries: Entry[];
  controller: AbortController | null;
  live: number;
}

/** Targets per engine job; bigger batches are split. */
const MAX_BATCH = 2048;
/** How long a batch collects tests before its job starts (each job costs a worker round trip). */
const BATCH_WINDOW_MS = 1;

export class PingBatcher {
  private readonly open = new Map<string, Batch>();
  private scheduled = false;

  constructor(private readonly engine: Engine) {}

  /** `done` resolves with the test's summary; rejects when the engine fails or the test is cancelled. */
  run(test: PingTest, sink: PingSink): BatchedPing {
    let cancel: (reason: Error) => void = () => {};
    const done = new Promise<TargetSummary>((resolve, reject) => {
      const key = `${test.count}|${test.size}|${test.intervalMs}|${test.timeoutMs}`;
      let batch = this.open.get(key);
      if (batch === undefined || batch.entries.length >= MAX_BATCH) {
        if (batch !== undefined) this.dispatch(batch);
        batch = { key, test, entries: [], controller: null, live: 0 };
        this.open.set(key, batch);
      }
      const entry: Entry = { destination: test.destination, sink, resolve, reject, detached: false };
      const owner = batch;
      cancel = (reason) => this.detach(owner, entry, reason);
      batch.entries.push(entry);
      batch.live++;
      if (!this.scheduled) {
        this.scheduled = true;
        setTimeout(() => this.dispatchAll(), BATCH_WINDOW_MS);
      }
    });
    return { done, cancel: (reason) => cancel(reason) };
  }

  private dispatchAll(): void {
    this.scheduled = false;
    for (const batch of this.open.values()) this.dispatch(batch);
  }

  private dispatch(batch: Batch): void {
    if (this.open.get(batch.key) === batch) this.open.delete(batch.key);
    if (batch.live === 0) return;
    const controller = new AbortController();
    batch.controller = controller;
    const entries = batch.entries;
    const { count, size, intervalMs, timeoutMs } = batch.test;
    const targets = entries.map((e) => e.destination);
    const onProbe = (probe: ProbeResult): void => {
      const entry = entries[probe.targetIndex];
      if (!entry.detached) entry.sink.onProbe(probe);
    };
    this.engine.ping({ targets, count, size, intervalMs, timeoutMs, signal: controller.signal }, onProbe).then(
      (summary) => {
        for (let i = 0; i < entries.length; i++) {
          const entry = entries[i];
          if (entry.detached) continue;
          const target = summary.targets[i];
          // The engine names the target by its index in the shared job: name it by itself.
          if (target.error !== undefined) target.error = target.error.replace(/^targets\[\d+\]: /, '');
          target.target = entry.destination;
          entry.resolve(target);
        }
      },
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const entry of entries) {
          if (entry.detached) continue;
          entry.reject(failure);
        }
      },
    );
  }

  private detach(batch: Batch, entry: Entry, reason: Error): void {
    if (entry.detached) return;
    entry.detached = true;
    batch.live--;
    entry.reject(reason);
    // Nobody is waiting for this job any more: stop it.
    if (batch.live === 0 && batch.controller !== null) batch.controller.abort(reason);
  }
}
