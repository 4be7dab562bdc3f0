// Synthetic CPU load on the calling thread: blocks its event loop in fixed slices, yielding
// to I/O (setImmediate) between slices, until stopped. Stands in for a daemon's main thread
// busy with requests, serialisation or GC while probes are in flight.
export interface BusyLoop {
  /** Stops the load; resolves once the current slice has ended. */
  stop(): Promise<void>;
  /** Milliseconds spent blocked so far. */
  blockedMs(): number;
}

export function startBusyLoop(sliceMs = 20): BusyLoop {
  let running = true;
  let blocked = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  const slice = (): void => {
    if (!running) return done();
    const t0 = performance.now();
    const end = t0 + sliceMs;
    let spin = 0;
    while (performance.now() < end) spin = (spin * 31 + 7) | 0;
    blocked += performance.now() - t0;
    if (spin === 42) blocked += 0; // keep the loop body observable to the optimiser
    setImmediate(slice);
  };
  setImmediate(slice);
  return {
    stop: () => {
      running = false;
      return finished;
    },
    blockedMs: () => blocked,
  };
}
