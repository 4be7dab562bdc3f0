// The probe threads: one Piscina pool of long-lived workers (min = max threads, no idle
// timeout), each running many job shards at once. (The one other thread, the monitors'
// window writer, is started by engine/monitor/window-writer.ts.)
import { availableParallelism } from 'node:os';
import { builtEngineFile } from '../../built-file.js';
import { Piscina } from 'piscina';
import type { Transferable } from 'node:worker_threads';
import { createSharedState, readEngineStats, type IdBlock, type SharedStateInit } from '../shared/shared-state.js';
import type { PingTask, PingTaskResult } from '../shared/task.js';
import type { EngineStats } from '../../types.js';
import type { WorkerInit } from '../worker/entry.js';

export interface WorkerPoolOptions {
  threads?: number;
  netns?: string;
}

export interface WorkerPool {
  readonly threads: number;
  run(task: PingTask, transferList: Transferable[]): Promise<PingTaskResult>;
  stats(): EngineStats & { kernelDrops: number; idBlocks: IdBlock[] };
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
  // A worker that fails outside a task (e.g. the addon does not load) must not crash the
  // process through an unhandled 'error' event; later jobs are refused with its error.
  let workerError: Error | null = null;
  piscina.on('error', (error: unknown) => {
    workerError = error instanceof Error ? error : new Error(String(error));
  });
  return {
    threads,
    run: (task, transferList) => {
      if (workerError !== null) {
        return Promise.reject(new Error(`sonde engine: a worker thread failed: ${workerError.message}`, { cause: workerError }));
      }
      return piscina.run(task, { transferList });
    },
    stats: () => ({ ...readEngineStats(shared), queueSize: piscina.queueSize }),
    destroy: () => piscina.destroy(),
  };
}
