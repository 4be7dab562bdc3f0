// The only place that creates worker threads: one Piscina pool of long-lived workers
// (min = max threads, no idle timeout), each running many job shards at once.
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { Transferable } from 'node:worker_threads';
import { createSharedState, readEngineStats, type IdBlock, type SharedStateInit } from './icmp/shared-state.js';
import type { PingTask, PingTaskResult } from './icmp/task.js';
import type { EngineStats } from './types.js';
import type { WorkerInit } from './worker.js';

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

/** dist/engine/worker.js: the sibling file when running from dist, else the build of this tree. */
export function workerFilename(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(dirname(here), 'worker.js');
  return resolve(dirname(here), '..', 'dist', 'engine', 'worker.js');
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
