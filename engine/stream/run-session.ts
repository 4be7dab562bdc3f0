// The probe session scheduler: starts probe k at start + (k−1)·interval (plus jitter), never
// more than maxInFlight at once, and never while the consumer signals backpressure — the
// producer pauses instead of piling results up. After a pause the schedule restarts from
// now rather than bursting to catch up. Aborting the signal stops it at once: no probe
// starts afterwards and probes in flight get the abort.
import { SessionStats } from './session-stats.js';
import type { ProbeFn } from './target-prober.js';
import type { ProbeSessionHooks, ProbeSessionTotals } from './types.js';

export interface SessionPlan {
  count: number;
  intervalMs: number;
  maxInFlight: number;
  jitter: boolean;
  signal?: AbortSignal;
}

export async function runSession(plan: SessionPlan, probe: ProbeFn, hooks: ProbeSessionHooks): Promise<ProbeSessionTotals> {
  const { count, intervalMs, maxInFlight, jitter, signal } = plan;
  const stats = new SessionStats(count);
  const started = performance.now();
  let pausedMs = 0;
  let inFlight = 0;
  let failure: unknown;
  // One waiter at a time: the loop below is the only thing that waits.
  let wake: (() => void) | null = null;
  const wakeUp = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  // The abort state is kept in a local: AbortSignal's `aborted` getter costs a brand check per read.
  let aborted = signal?.aborted === true;
  const onAbort = (): void => {
    aborted = true;
    wakeUp();
  };
  signal?.addEventListener('abort', onAbort);
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => {
    const timer = setTimeout(() => {
      wake = null;
      resolve();
    }, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  const untilWoken = (): Promise<void> => new Promise((resolve) => { wake = resolve; });
  const stopped = (): boolean => aborted || failure !== undefined;

  try {
    let due = started;
    for (let seq = 1; seq <= count && !stopped(); seq++) {
      // Each wait re-checks its condition: a probe completing also wakes the loop.
      const at = due + (jitter ? Math.random() * intervalMs * 0.5 : 0);
      for (let wait = at - performance.now(); wait >= 1 && !stopped(); wait = at - performance.now()) await sleep(wait);
      while (inFlight >= maxInFlight && !stopped()) await untilWoken();
      for (let pending = hooks.backpressure?.() ?? null; pending !== null && !stopped(); pending = hooks.backpressure?.() ?? null) {
        const pausedAt = performance.now();
        await Promise.race([pending, untilWoken()]);
        wake = null;
        pausedMs += performance.now() - pausedAt;
      }
      if (stopped()) break;
      inFlight++;
      probe(seq, signal).then((outcome) => {
        inFlight--;
        if (aborted) return wakeUp(); // the consumer is gone: nothing more to hand over
        stats.add(outcome);
        try {
          hooks.onProbe(outcome);
        } catch (error) {
          failure ??= error;
        }
        wakeUp();
      }, (error: unknown) => {
        inFlight--;
        failure ??= error;
        wakeUp();
      });
      const now = performance.now();
      // Fell more than a period behind (a pause, a slow slot): restart the schedule from now.
      due = now - due > intervalMs ? now + intervalMs : due + intervalMs;
    }
    while (inFlight > 0) await untilWoken();
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (failure !== undefined) throw failure;
  return stats.totals(performance.now() - started, pausedMs, aborted);
}
