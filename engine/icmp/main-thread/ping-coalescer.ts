// Coalesces pings to single destinations into shared engine jobs. An engine job has a fixed
// cost (a worker task, a message channel, shard planning, a stats table) that dwarfs one probe
// (bench/README.md#design-ping-coalescing), so pings with the same parameters asked for close
// together go out as one job with one target per ping; per-probe events and per-target
// summaries are handed back to each ping by target index. Diagnostic ping tasks (engine/tasks)
// and HOST probe sessions (engine/stream) both go through here.
import type { Engine, ProbeResult, TargetSummary } from '../../types.js';
import type { ProbeParameters } from '../shared/probe-parameters.js';

/** One ping to one destination; pings that share every parameter share a job. */
export interface CoalescedPingRequest extends Pick<ProbeParameters, 'count' | 'size' | 'intervalMs' | 'timeoutMs'> {
  /** IP address or DNS name. */
  destination: string;
}

/** Called from the engine's callbacks: none of these may throw. */
export interface PingSink {
  /** Each probe event of this ping (the object is reused by the engine: copy what you keep). */
  onProbe(probe: ProbeResult): void;
  /** Once, at the end of the shared job: this ping's summary, named by its destination. */
  onSummary(summary: TargetSummary): void;
  /** Once, instead of a summary: the engine failed, or the ping was cancelled (the reason). */
  onFailure(error: Error): void;
}

/** A ping in a batch. */
export interface PendingPing {
  /** Drops this ping from its batch (its sink gets onFailure(reason)): a ping not yet sent is
   *  not sent, and a running job stops once none of its pings is wanted. */
  cancel(reason: Error): void;
}

export interface CoalescedPing extends PendingPing {
  /** This ping's summary; rejects when the engine fails or the ping is cancelled. */
  done: Promise<TargetSummary>;
}

interface Batch {
  key: string;
  parameters: CoalescedPingRequest;
  entries: Entry[];
  controller: AbortController | null;
  live: number;
}

class Entry implements PendingPing {
  /** Its sink has heard the last of it: summary, failure or cancel. */
  finished = false;

  constructor(readonly destination: string, readonly sink: PingSink, private readonly batch: Batch) {}

  cancel(reason: Error): void {
    if (this.finished) return;
    this.finished = true;
    const batch = this.batch;
    batch.live--;
    this.sink.onFailure(reason);
    // Nobody is waiting for this job any more: stop it.
    if (batch.live === 0 && batch.controller !== null) batch.controller.abort(reason);
  }
}

/** Targets per engine job; a batch that fills up starts at once and the next one opens. */
const MAX_BATCH = 2048;
/** How long a batch collects pings before its job starts. */
const BATCH_WINDOW_MS = 1;

export class PingCoalescer {
  private readonly open = new Map<string, Batch>();
  private scheduled = false;

  constructor(private readonly engine: Engine) {}

  /** `sink` hears this ping's probes, then its summary or its failure; never synchronously. */
  add(request: CoalescedPingRequest, sink: PingSink): PendingPing {
    const { count, size, intervalMs, timeoutMs } = request;
    const key = `${count}|${size}|${intervalMs}|${timeoutMs}`;
    let batch = this.open.get(key);
    if (batch === undefined) {
      batch = { key, parameters: request, entries: [], controller: null, live: 0 };
      this.open.set(key, batch);
    }
    const entry = new Entry(request.destination, sink, batch);
    batch.entries.push(entry);
    batch.live++;
    if (batch.entries.length >= MAX_BATCH) this.dispatch(batch);
    else if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(() => this.dispatchAll(), BATCH_WINDOW_MS);
    }
    return entry;
  }

  /** add() with the outcome as a promise. */
  run(request: CoalescedPingRequest, sink: Pick<PingSink, 'onProbe'>): CoalescedPing {
    let resolve!: (summary: TargetSummary) => void;
    let reject!: (error: Error) => void;
    const done = new Promise<TargetSummary>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const pending = this.add(request, { onProbe: (probe) => sink.onProbe(probe), onSummary: resolve, onFailure: reject });
    return { done, cancel: (reason) => pending.cancel(reason) };
  }

  private dispatchAll(): void {
    this.scheduled = false;
    for (const batch of this.open.values()) this.dispatch(batch);
  }

  private dispatch(batch: Batch): void {
    if (this.open.get(batch.key) === batch) this.open.delete(batch.key);
    if (batch.live === 0) return;
    // Pings cancelled before their job starts are not sent.
    const entries = batch.live === batch.entries.length ? batch.entries : batch.entries.filter((e) => !e.finished);
    const controller = new AbortController();
    batch.controller = controller;
    const { count, size, intervalMs, timeoutMs } = batch.parameters;
    const targets = entries.map((e) => e.destination);
    const onProbe = (probe: ProbeResult): void => {
      const entry = entries[probe.targetIndex];
      if (!entry.finished) entry.sink.onProbe(probe);
    };
    this.engine.ping({ targets, count, size, intervalMs, timeoutMs, signal: controller.signal }, onProbe).then(
      (summary) => {
        for (let i = 0; i < entries.length; i++) {
          const entry = entries[i];
          if (entry.finished) continue;
          entry.finished = true;
          const target = summary.targets[i];
          // The engine names the target by its index in the shared job: name it by itself.
          if (target.error !== undefined) target.error = target.error.replace(/^targets\[\d+\]: /, '');
          target.target = entry.destination;
          entry.sink.onSummary(target);
        }
      },
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const entry of entries) {
          if (entry.finished) continue;
          entry.finished = true;
          entry.sink.onFailure(failure);
        }
      },
    );
  }
}
