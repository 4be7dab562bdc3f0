// What the main thread sends a worker for one job shard, and what comes back.
import type { MessagePort } from 'node:worker_threads';
import type { ProbeEventsMessage, RecycleMessage } from './probe-events.js';
import type { ProbeParameters } from './probe-parameters.js';

export interface PingTask extends ProbeParameters {
  /** 16-byte address slot per target of this shard (layout ADDR_BYTES). */
  addresses: Uint8Array;
  /** 4 or 6 per target. */
  families: Uint8Array;
  /** Index of each shard target in PingRequest.targets (probe events carry it). */
  targetIndices: Uint32Array;
  /** Main ↔ worker channel: 'cancel' and recycled buffers in, probe batches and 'done' out. */
  port: MessagePort;
  /** Stream per-probe events (only when the caller gave an onProbe). */
  streamProbes: boolean;
  /** A continuous job on a wall-clock grid (count = probes per round, intervalMs = the
   *  period); null for an ordinary job. */
  schedule?: TaskSchedule | null;
}

export interface TaskSchedule {
  /** Round 0, wall-clock ms since the epoch (converted to the worker's clock there). */
  originMs: number;
  /** Per shard target, ascending, in [0, intervalMs). */
  offsetsMs: Float64Array;
  spacingMs: number;
}

export interface PingTaskResult {
  /** Packed per-target summaries (SUMMARY_STRIDE values per shard target). */
  summaries: Float64Array;
  cancelled: boolean;
}

export interface CancelMessage {
  type: 'cancel';
}

/** Posted after the last probe batch of a shard: nothing more will come on the port. */
export interface DoneMessage {
  type: 'done';
}

export type ToWorkerMessage = CancelMessage | RecycleMessage;
export type FromWorkerMessage = ProbeEventsMessage | DoneMessage;
