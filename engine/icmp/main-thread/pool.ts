// The probe threads: one Piscina pool of long-lived workers (min = max threads, no idle
// timeout), each running many job shards at once. (The one other thread, the monitors'
// window writer, is started by engine/monitor/window-writer.ts.)
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { builtEngineFile } from '../../built-file.js';
import type { Piscina as PiscinaPool } from 'piscina';
import type { Transferable } from 'node:worker_threads';
import { createSharedState, readEngineStats, releaseRowOfThread, type IdBlock, type SharedStateInit } from '../shared/shared-state.js';
import type { PingTask, PingTaskResult } from '../shared/task.js';
import { DEFAULT_FAULT_REPORT_MS, WorkerWatch } from './worker-watch.js';
import type { EngineHealth, EngineStats, WorkerFault } from '../../types.js';
import type { WorkerInit } from '../worker/entry.js';

export interface WorkerPoolOptions {
  threads?: number;
  netns?: string;
  faultReportMs?: number;
}

export interface WorkerPool {
  readonly threads: number;
  run(task: PingTask, transferList: Transferable[]): Promise<PingTaskResult>;
  stats(): EngineStats & { kernelDrops: number; idBlocks: IdBlock[] };
  health(): EngineHealth;
  onWorkerFault(listener: (fault: WorkerFault) => void): () => void;
  destroy(): Promise<void>;
}

/** dist/engine/icmp/worker/entry.js (see built-file.ts). */
export function workerFilename(): string {
  return builtEngineFile('icmp/worker/entry.js');
}

export function createWorkerPool(options: WorkerPoolOptions = {}): WorkerPool {
  const threads = options.threads ?? availableParallelism();
  const shared: SharedStateInit = createSharedState();
  const workerData: WorkerInit = { shared, ...(options.netns !== undefined ? { netns: options.netns } : {}) };
  // Required when a pool is made, so that an engine without one (inThread) loads none of
  // Piscina (~20 ms of start-up).
  const { Piscina } = createRequire(import.meta.url)('piscina') as { Piscina: typeof PiscinaPool };
  const piscina = new Piscina<PingTask, PingTaskResult>({
    filename: workerFilename(),
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Infinity,
    // Jobs are asynchronous and mostly waiting; a worker runs many at once.
    concurrentTasksPerWorker: 1024,
    // Workers keep sockets and timers alive between tasks: they must never block in Atomics.wait.
    atomics: 'disabled',
    recordTiming: false,
    workerData,
  });
  // A worker fault costs only the tasks that worker held (Piscina fails them and starts a
  // replacement); the watch counts it, frees the worker's row and reports the pool's state.
  const watch = new WorkerWatch(piscina, threads, options.faultReportMs ?? DEFAULT_FAULT_REPORT_MS, (id) => releaseRowOfThread(shared, id));
  return {
    threads,
    run: (task, transferList) => {
      if (watch.empty) return Promise.reject(new Error(`sonde engine: cannot run the job: ${watch.health().reason ?? 'no worker thread'}`));
      return piscina.run(task, { transferList }).catch((error: unknown) => Promise.reject(watch.explain(error)));
    },
    stats: () => ({ ...readEngineStats(shared), queueSize: piscina.queueSize }),
    health: () => watch.health(),
    onWorkerFault: (listener) => watch.onFault(listener),
    destroy: () => {
      watch.stop();
      return piscina.destroy();
    },
  };
}
