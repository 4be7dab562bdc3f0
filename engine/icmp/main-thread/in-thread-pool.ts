// The probe runtime on the calling thread instead of a worker pool, for short command-line
// runs (`sonde ping` with a few targets): a worker thread's start (its own Node bootstrap
// and module graph, ~100 ms on a 2-core VM) and its termination are most of such a run.
// The Prober and the native addon are imported with the first job, so an engine that
// never pings loads neither. RTTs do not depend on the thread: the send and receive times
// are the kernel's stamps (native-bindings/README.md); what this thread does besides only
// delays when replies are read.
import { threadId } from 'node:worker_threads';
import type { Prober } from '../worker/prober.js';
import { claimWorkerRow, createSharedState, idBlockOf, readEngineStats, releaseWorkerRow, workerCounters } from '../shared/shared-state.js';
import type { WorkerPool, WorkerPoolOptions } from './pool.js';

/** The row's claim: a worker's is its threadId (≥ 1); 0 marks a free row. */
const IN_THREAD_CLAIM = -1 - threadId;

export function createInThreadPool(options: Pick<WorkerPoolOptions, 'netns'> = {}): WorkerPool {
  const shared = createSharedState();
  const row = claimWorkerRow(shared, IN_THREAD_CLAIM);
  const block = idBlockOf(shared, row);
  let prober: Promise<Prober> | null = null;
  let destroyed = false;
  const getProber = (): Promise<Prober> => {
    prober ??= Promise.all([import('../worker/prober.js'), import('../../../native-bindings/index.js')]).then(([{ Prober }, { native }]) => new Prober({
      idBase: block.base,
      idCount: block.count,
      counters: workerCounters(shared, row),
      openSocket: (o) => native.openIcmpSocket(o),
      ...(options.netns !== undefined ? { netns: options.netns } : {}),
    }));
    return prober;
  };
  return {
    threads: 1,
    run: async (task) => {
      if (destroyed) throw new Error('sonde engine: cannot run the job: the engine is closed');
      return (await getProber()).run(task);
    },
    stats: () => ({ ...readEngineStats(shared), queueSize: 0 }),
    health: () => ({ state: 'ok', reason: null, threads: 1, running: 1, restarts: { uncaught_error: 0, exited: 0, start_failed: 0 }, lastFault: null }),
    onWorkerFault: () => () => undefined,
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      // A worker's sockets end with its thread; here they must be closed, or their polls
      // keep the process alive.
      (await prober?.catch(() => null))?.close();
      releaseWorkerRow(shared, row);
    },
  };
}
