// The deadline and cancel rule every probe kind shares: the first of the probe's own end, its
// timeoutMs and its AbortSignal decides the outcome (engine/deadline.ts), with the contract's
// failures for the last two (failure.ts) and the end instant taken before any teardown.

import { settleFirst } from '../deadline.js';
import { monotonicNs } from './clock.js';
import { abortedFailure, timeoutFailure } from './failure.js';
import type { ProbeFailure } from './types.js';

/**
 * Runs a probe: `run` starts it, calls settle(value) when it ends and returns what releases
 * its resources; `conclude(value, endNs)` builds the outcome of the first settle. A timeout or
 * an abort settles with timeoutFailure / abortedFailure(peer).
 */
export function settleProbe<V, T>(
  timeoutMs: number,
  signal: AbortSignal | undefined,
  peer: string,
  conclude: (value: V | ProbeFailure, endNs: bigint) => T,
  run: (settle: (value: V | ProbeFailure) => void) => () => void,
): Promise<T> {
  return settleFirst<V | ProbeFailure, T>(
    {
      timeoutMs,
      signal,
      onTimeout: () => timeoutFailure(timeoutMs),
      onAbort: () => abortedFailure(peer),
      conclude: (value) => conclude(value, monotonicNs()),
    },
    run,
  );
}
