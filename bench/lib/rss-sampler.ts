// Samples the process's resident set (all threads: the main thread and every worker) on a timer.
export interface RssSampler {
  /** Highest RSS seen since start (or the last reset), in bytes. */
  peak(): number;
  reset(): void;
  stop(): void;
}

export function startRssSampler(everyMs = 25): RssSampler {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > peak) peak = rss;
  }, everyMs);
  return {
    peak: () => Math.max(peak, process.memoryUsage.rss()),
    reset: () => {
      peak = process.memoryUsage.rss();
    },
    stop: () => clearInterval(timer),
  };
}

export const MB = 1024 * 1024;

export function fmtMB(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}

/** Runs a full GC when node was started with --expose-gc; returns whether it could. */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return false;
  gc();
  gc();
  return true;
}
