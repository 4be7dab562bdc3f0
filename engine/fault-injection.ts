// Fault injection, for tests only. Under NODE_ENV=test a probe worker and the window writer
// thread listen on a BroadcastChannel, and on an order addressed to them throw an uncaught
// error from a timer: the fault the pool and the writer must heal from (test/engine/
// worker-faults.test.ts, test/monitor/window-writer.test.ts). In any other environment
// nothing listens. Not part of the engine's API.
import { BroadcastChannel } from 'node:worker_threads';

export const FAULT_CHANNEL = 'sonde:test:inject-fault';

export type FaultThread = 'probe-worker' | 'window-writer';

export interface FaultOrder {
  thread: FaultThread;
  /** A probe worker's row in the pool's shared state (0 … threads-1); any worker when absent. */
  row?: number;
}

/** Set (to '1') in the environment a pool is created in: its workers fail while starting. */
export const START_FAULT_ENV = 'SONDE_TEST_WORKER_START_FAULT';

/** Throws from a probe worker's module load when the test asked for it (START_FAULT_ENV). */
export function failStartIfAsked(): void {
  if (process.env.NODE_ENV === 'test' && process.env[START_FAULT_ENV] === '1') {
    throw new Error('injected fault: the probe worker failed while starting (test hook)');
  }
}

export function listenForInjectedFaults(thread: FaultThread, row?: number): void {
  if (process.env.NODE_ENV !== 'test') return;
  const channel = new BroadcastChannel(FAULT_CHANNEL);
  // the channel must not keep a thread alive that would otherwise end
  channel.unref();
  channel.onmessage = (event: unknown) => {
    const order = (event as { data: FaultOrder }).data;
    if (order.thread !== thread || (order.row !== undefined && order.row !== row)) return;
    setTimeout(() => {
      throw new Error(`injected fault: the ${thread} thread${row === undefined ? '' : ` of row ${row}`} threw (test hook)`);
    }, 0);
  };
}
