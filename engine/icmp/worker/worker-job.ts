// One job shard as a worker runs it: the targets, pacing, statistics and probe stream.
import type { MessagePort } from 'node:worker_threads';
import { ADDR_BYTES, PAYLOAD_HEADER } from '../../../native-bindings/layout.js';
import { TargetStatsTable } from '../../stats/target-stats.js';
import { ProbeEventWriter } from '../shared/probe-events.js';
import { ProbePacer, type Pacer } from './probe-pacer.js';
import { SchedulePacer } from './schedule-pacer.js';
import type { PingTask } from '../shared/task.js';

/**
 * How long a job stays open after its last probe concluded, at most (never longer than its
 * timeout): duplicates of the last replies, and replies that come just after a timeout,
 * are still counted in the job (as duplicate / late) instead of only in the worker's
 * counters. Real duplicates follow the original within a few ms; the price is this much
 * added to every job's duration (bench/README.md#design-job-grace).
 */
export const JOB_GRACE_MS = 2;

export class WorkerJob {
  readonly serial: number;
  readonly size: number;
  readonly addrWords: Uint32Array;
  readonly families: Uint8Array;
  readonly targetIndices: Uint32Array;
  readonly timeoutMs: number;
  readonly timeoutNs: number;
  readonly payloadSize: number;
  readonly ttl: number;
  readonly tos: number;
  readonly dontFragment: boolean;
  /** Payloads of ≥ 16 bytes carry the 64-bit token; smaller ones are matched by id/seq only. */
  readonly carriesToken: boolean;
  readonly pacer: Pacer;
  readonly stats: TargetStatsTable;
  readonly events: ProbeEventWriter | null;
  readonly port: MessagePort;
  /** min(timeout, JOB_GRACE_MS). */
  readonly graceMs: number;
  /** Probes PENDING or IN_FLIGHT. */
  outstanding = 0;
  /** When the job ends: set once every probe has concluded (complete), else Infinity. */
  endsAtMs = Infinity;
  cancelled = false;
  finished = false;

  constructor(serial: number, task: PingTask) {
    this.serial = serial;
    this.size = task.families.length;
    const words = new Uint32Array(this.size * (ADDR_BYTES / 4));
    new Uint8Array(words.buffer).set(task.addresses.subarray(0, this.size * ADDR_BYTES));
    this.addrWords = words;
    this.families = task.families;
    this.targetIndices = task.targetIndices;
    this.timeoutMs = task.timeoutMs;
    this.timeoutNs = task.timeoutMs * 1e6;
    this.graceMs = Math.min(task.timeoutMs, JOB_GRACE_MS);
    this.payloadSize = task.size;
    this.ttl = task.ttl;
    this.tos = task.tos;
    this.dontFragment = task.dontFragment;
    this.carriesToken = task.size >= PAYLOAD_HEADER;
    const schedule = task.schedule ?? null;
    this.pacer = schedule === null
      ? new ProbePacer(this.size, task.count, task.intervalMs, task.sendIntervalMs)
      : new SchedulePacer({
        // wall clock → this thread's performance.now() clock
        baseMs: schedule.originMs - performance.timeOrigin,
        periodMs: task.intervalMs,
        offsetsMs: schedule.offsetsMs,
        count: task.count,
        spacingMs: schedule.spacingMs,
      }, performance.now());
    // a continuous job keeps counters but no distribution: its caller streams the outcomes
    this.stats = schedule === null ? new TargetStatsTable(this.size, task.count) : new TargetStatsTable(this.size, 0, false);
    this.port = task.port;
    this.events = task.streamProbes ? new ProbeEventWriter(task.port) : null;
  }

  /** Nothing left to send and nothing outstanding (the grace period may still run). */
  get complete(): boolean {
    return this.pacer.done && this.outstanding === 0;
  }
}
