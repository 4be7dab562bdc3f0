// Probe timestamps: the monotonic clock (process.hrtime.bigint) anchored once to the
// realtime clock, so that intervals are immune to clock steps and absolute times are
// Unix-epoch nanoseconds comparable with the ICMP engine's CLOCK_REALTIME stamps.
//
// performance.timeOrigin is the realtime clock at process start (µs resolution) and
// performance.now() counts from the same moment on the monotonic clock hrtime uses.
// The anchor is taken once: an NTP step after start shifts absolute times by the step
// (intervals stay exact).

import { performance } from 'node:perf_hooks';

const anchorNs: bigint = (() => {
  const hr = process.hrtime.bigint();
  const realtimeMs = performance.timeOrigin + performance.now();
  return BigInt(Math.round(realtimeMs * 1e6)) - hr;
})();

/** Monotonic nanoseconds (process.hrtime.bigint()). */
export function monotonicNs(): bigint {
  return process.hrtime.bigint();
}

/** Unix-epoch nanoseconds of a monotonicNs() reading. */
export function toUnixNs(monotonic: bigint): bigint {
  return anchorNs + monotonic;
}

/** Unix-epoch nanoseconds now. */
export function unixNowNs(): bigint {
  return anchorNs + process.hrtime.bigint();
}

/** Milliseconds (fractional) between two monotonicNs() readings. */
export function elapsedMs(from: bigint, to: bigint): number {
  return Number(to - from) / 1e6;
}
