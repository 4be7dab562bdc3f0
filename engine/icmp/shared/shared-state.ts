// State every worker of one pool shares with the main thread through a SharedArrayBuffer
// handed over in workerData: which worker rows (and so which echo-identifier blocks) are
// taken, and each worker's counters. The main thread sums the counters for Engine.stats()
// without sending a task to any worker.
import { randomInt } from 'node:crypto';
import type { EngineStats } from '../../types.js';

/** Workers one pool may ever start (rows of the claim table). */
export const MAX_WORKERS = 256;
/** Echo identifiers per worker: 64 × 65,536 = 4,194,304 in-flight slots each. */
export const IDS_PER_WORKER = 64;

export const Counter = {
  SENT: 0,
  RECEIVED: 1,
  TIMEOUTS: 2,
  DUPLICATES: 3,
  LATE: 4,
  ERRORS: 5,
  FOREIGN: 6,
  CORRUPTED: 7,
  IN_FLIGHT: 8,
  KERNEL_DROPS: 9,
} as const;
export const COUNTER_COUNT = 10;

const CLAIMS_BYTES = MAX_WORKERS * 4;

/** Cloned into every worker's workerData. */
export interface SharedStateInit {
  buffer: SharedArrayBuffer;
  /** First echo identifier of worker row 0 (randomised per pool so pingers rarely clash). */
  idBase: number;
  idsPerWorker: number;
}

export function createSharedState(): SharedStateInit {
  const buffer = new SharedArrayBuffer(CLAIMS_BYTES + MAX_WORKERS * COUNTER_COUNT * 8);
  const span = MAX_WORKERS * IDS_PER_WORKER;
  return { buffer, idBase: randomInt(1, 65536 - span), idsPerWorker: IDS_PER_WORKER };
}

/** Claims the lowest free worker row for a thread (its threadId, > 0, marks the claim);
 *  throws when all MAX_WORKERS rows are taken. */
export function claimWorkerRow(init: SharedStateInit, threadId: number): number {
  const claims = new Int32Array(init.buffer, 0, MAX_WORKERS);
  for (let row = 0; row < MAX_WORKERS; row++) {
    if (Atomics.compareExchange(claims, row, 0, threadId) === 0) return row;
  }
  throw new Error(`sonde engine: all ${MAX_WORKERS} worker rows are taken; no echo identifiers left for a new worker`);
}

export function releaseWorkerRow(init: SharedStateInit, row: number): void {
  const counters = workerCounters(init, row);
  counters[Counter.IN_FLIGHT] = 0;
  Atomics.store(new Int32Array(init.buffer, 0, MAX_WORKERS), row, 0);
}

/** Releases the row a thread that ended held, from the main thread: a terminated worker
 *  runs no exit hook of its own, and its row would otherwise stay taken for good. */
export function releaseRowOfThread(init: SharedStateInit, threadId: number): void {
  const claims = new Int32Array(init.buffer, 0, MAX_WORKERS);
  for (let row = 0; row < MAX_WORKERS; row++) {
    if (Atomics.load(claims, row) === threadId) releaseWorkerRow(init, row);
  }
}

/** The counters row of one worker (written only by that worker). */
export function workerCounters(init: SharedStateInit, row: number): Float64Array {
  return new Float64Array(init.buffer, CLAIMS_BYTES + row * COUNTER_COUNT * 8, COUNTER_COUNT);
}

export interface IdBlock {
  base: number;
  count: number;
}

export function idBlockOf(init: SharedStateInit, row: number): IdBlock {
  return { base: init.idBase + row * init.idsPerWorker, count: init.idsPerWorker };
}

/** Sums every row (rows of workers that ended keep their totals). */
export function readEngineStats(init: SharedStateInit): EngineStats & { kernelDrops: number; idBlocks: IdBlock[] } {
  const sum = new Float64Array(COUNTER_COUNT);
  const claims = new Int32Array(init.buffer, 0, MAX_WORKERS);
  const idBlocks: IdBlock[] = [];
  for (let row = 0; row < MAX_WORKERS; row++) {
    const c = workerCounters(init, row);
    for (let k = 0; k < COUNTER_COUNT; k++) sum[k] += c[k];
    if (Atomics.load(claims, row) !== 0) idBlocks.push(idBlockOf(init, row));
  }
  return {
    sent: sum[Counter.SENT],
    received: sum[Counter.RECEIVED],
    timeouts: sum[Counter.TIMEOUTS],
    duplicates: sum[Counter.DUPLICATES],
    late: sum[Counter.LATE],
    errors: sum[Counter.ERRORS],
    foreign: sum[Counter.FOREIGN],
    corrupted: sum[Counter.CORRUPTED],
    inFlight: sum[Counter.IN_FLIGHT],
    kernelDrops: sum[Counter.KERNEL_DROPS],
    idBlocks,
  };
}
