// A Piscina worker: loaded by engine/icmp/main-thread/pool.ts from
// dist/engine/icmp/worker/entry.js. It owns its ICMP sockets and its block of echo identifiers
// (claimed from the pool's shared state) and runs any number of job shards at once through
// one Prober.
//
// The native addon is imported on the first task, not at module load: a load failure then
// rejects the task with the loader's message (how to build the addon) instead of failing
// the worker's bootstrap, which Piscina reports far less clearly.
import { threadId, workerData } from 'node:worker_threads';
import { failStartIfAsked, listenForInjectedFaults } from '../../fault-injection.js';
import { Prober } from './prober.js';
import { claimWorkerRow, idBlockOf, releaseWorkerRow, workerCounters, type SharedStateInit } from '../shared/shared-state.js';
import type { PingTask, PingTaskResult } from '../shared/task.js';

/** workerData of every pool worker (see ../main-thread/pool.ts). */
export interface WorkerInit {
  shared: SharedStateInit;
  netns?: string;
}

failStartIfAsked();
const init = workerData as WorkerInit;
const row = claimWorkerRow(init.shared, threadId);
process.on('exit', () => releaseWorkerRow(init.shared, row));
const block = idBlockOf(init.shared, row);
listenForInjectedFaults('probe-worker', row);

let prober: Promise<Prober> | null = null;

function getProber(): Promise<Prober> {
  // The priority is raised with the first task, like the addon's import: the less a worker
  // does while loading, the smaller Node 20's window for a fatal error when it is terminated
  // mid-load (test/engine/close-loop.test.ts).
  prober ??= import('../../thread-priority.js').then(({ setThreadNice, PROBE_THREAD_NICE }) => {
    setThreadNice(PROBE_THREAD_NICE);
    return import('../../../native-bindings/index.js');
  }).then(({ native }) => new Prober({
    idBase: block.base,
    idCount: block.count,
    counters: workerCounters(init.shared, row),
    openSocket: (options) => native.openIcmpSocket(options),
    ...(init.netns !== undefined ? { netns: init.netns } : {}),
  }));
  return prober;
}

export default async function runPingTask(task: PingTask): Promise<PingTaskResult> {
  return (await getProber()).run(task);
}
