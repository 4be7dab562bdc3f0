// Synthetic monitor windows for the storage benchmarks: a window of 60 probes around a base
// RTT, built through the engine's own WindowTable so its histogram blob is what the daemon
// writes. Seeded: every run fills the same rows.
import type { WindowRow } from '../../engine/monitor/window-store.js';
import type { WindowTable } from '../../engine/monitor/window-table.js';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

let seed = 12345;
/** A linear congruential generator in [0, 1): repeatable fills. */
export function rand(): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
}

/** One window of 60 probes around baseNs (log-normal-ish spread, a tail, ~1 % loss). */
export function windowRow(targetSeq: number, startMs: number, baseNs: number, table: WindowTable): WindowRow {
  table.reset(1, startMs);
  table.ensureRows(1);
  for (let k = 0; k < 60; k++) {
    const u = rand();
    if (u < 0.01) table.recordTimeout(0);
    else table.recordRtt(0, baseNs * Math.exp(0.15 * (rand() + rand() + rand() - 1.5)) * (u > 0.97 ? 1 + 8 * rand() : 1));
  }
  table.seal();
  return {
    targetSeq, monitorSeq: 1, spanMs: MINUTE, startMs, sent: table.sent[0], received: table.received[0], duplicates: 0, late: 0,
    errors: [0, 0, 0, 0, 0, 0], minNs: table.minNs[0], maxNs: table.maxNs[0], sumNs: table.sumNs[0], hist: table.encodeRow(0),
  };
}
