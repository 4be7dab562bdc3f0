// The deadline and cancellation wiring every one-shot operation needs (a probe, a command):
// a timer, an AbortSignal listener, and one place that removes both. Written once so that
// no caller can forget to clear the timer or to unhook the signal on one of its exits.

/** Removes the timer and the signal listener; safe to call more than once. */
export type Disarm = () => void;

/**
 * Calls `onTimeout` once `timeoutMs` have passed and `onAbort` when `signal` aborts, until the
 * returned function disarms both. Neither disarms the other: a caller that must stop at the
 * first of them uses settleFirst.
 */
export function armDeadline(timeoutMs: number, signal: AbortSignal | undefined, onTimeout: () => void, onAbort: () => void): Disarm {
  const timer = setTimeout(onTimeout, timeoutMs);
  signal?.addEventListener('abort', onAbort, { once: true });
  return () => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  };
}

export interface SettleFirstOptions<V, T> {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** The value to settle with when the deadline passes first. */
  onTimeout: () => V;
  /** The value to settle with when the signal aborts first. */
  onAbort: () => V;
  /** Turns the first value into the result; runs at once, before the resources are released, so
   *  an end instant taken here does not include the teardown. */
  conclude: (value: V) => T;
}

/**
 * Starts an operation and resolves with the first of its own end (`run` calls `settle`), its
 * deadline and its signal; later settles are ignored. `run` returns what releases the
 * operation's resources (destroy the socket, cancel the query), called once after the first
 * settle. A synchronous throw from `run` rejects, with nothing left armed.
 */
export function settleFirst<V, T>(options: SettleFirstOptions<V, T>, run: (settle: (value: V) => void) => () => void): Promise<T> {
  return new Promise<T>((resolve) => {
    let settled = false;
    // Filled once run has returned: a settle from inside run finds nothing to release yet.
    const armed: { release?: () => void; disarm?: Disarm } = {};
    const settle = (value: V): void => {
      if (settled) return;
      settled = true;
      const result = options.conclude(value);
      armed.disarm?.();
      armed.release?.();
      resolve(result);
    };
    const release = run(settle);
    if (settled) {
      release();
      return;
    }
    armed.release = release;
    armed.disarm = armDeadline(options.timeoutMs, options.signal, () => settle(options.onTimeout()), () => settle(options.onAbort()));
  });
}
