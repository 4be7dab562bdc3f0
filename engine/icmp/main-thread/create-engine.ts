// createEngine(): the probe engine behind engine/index.ts — one worker pool, ping jobs on it.
import { createInThreadPool } from './in-thread-pool.js';
import { createWorkerPool } from './pool.js';
import { MAX_WORKERS } from '../shared/shared-state.js';
import { EngineInputError, type Engine, type EngineOptions, type EngineStats } from '../../types.js';
import { runPing } from './run-ping.js';

export function createEngine(options: EngineOptions = {}): Engine {
  const threads = options.threads;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > MAX_WORKERS)) {
    throw new EngineInputError('threads', `threads must be an integer from 1 to ${MAX_WORKERS} (got ${String(threads)})`);
  }
  if (options.netns !== undefined && (typeof options.netns !== 'string' || options.netns.length === 0)) {
    throw new EngineInputError('netns', 'netns must be the path of a network namespace, e.g. /run/netns/NAME');
  }
  if (options.faultReportMs !== undefined && !(Number.isFinite(options.faultReportMs) && options.faultReportMs >= 0)) {
    throw new EngineInputError('faultReportMs', 'faultReportMs must be a number of milliseconds >= 0');
  }
  if (options.inThread === true && threads !== undefined && threads !== 1) {
    throw new EngineInputError('threads', `inThread probes on the calling thread alone: threads must be unset or 1 (got ${threads})`);
  }
  const pool = options.inThread === true ? createInThreadPool(options) : createWorkerPool(options);
  let closing: Promise<void> | null = null;
  return {
    ping(request, onProbe) {
      if (closing !== null) return Promise.reject(new Error('sonde engine: ping() after close(); create a new engine'));
      return runPing(pool, request, onProbe).catch((error: unknown) => {
        if (closing !== null) throw new Error('sonde engine: closed while this ping job was running', { cause: error });
        throw error;
      });
    },
    async stats(): Promise<EngineStats> {
      return pool.stats();
    },
    health: () => pool.health(),
    onWorkerFault: (listener) => pool.onWorkerFault(listener),
    close() {
      closing ??= pool.destroy();
      return closing;
    },
  };
}
