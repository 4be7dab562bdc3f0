// A Piscina worker: loaded by engine/pool.ts from dist/engine/worker.js. It owns its ICMP
// sockets and its block of echo identifiers (claimed from the pool's shared state) and runs
// any number of job shards at once through one Prober.
import { workerData } from 'node:worker_threads';
import { native } from '../native-bindings/index.js';
import { Prober } from './icmp/prober.js';
import { claimWorkerRow, idBlockOf, releaseWorkerRow, workerCounters, type SharedStateInit } from './icmp/shared-state.js';
import type { PingTask, PingTaskResult } from './icmp/task.js';

/** workerData of every pool worker (see pool.ts). */
export interface WorkerInit {
  shared: SharedStateInit;
  netns?: string;
}

const init = workerData as WorkerInit;
const row = claimWorkerRow(init.shared);
process.on('exit', () => releaseWorkerRow(init.shared, row));
const block = idBlockOf(init.shared, row);

const prober = new Prober({
  idBase: block.base,
  idCount: block.count,
  counters: workerCounters(init.shared, row),
  openSocket: (options) => native.openIcmpSocket(options),
  ...(init.netns !== undefined ? { netns: init.netns } : {}),
});

export default function runPingTask(task: PingTask): Promise<PingTaskResult> {
  return prober.run(task);
}
