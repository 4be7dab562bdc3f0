// An agent registered through the same Agent interface the router uses (as the issue asks
// for routing tests). Its ping takes `delayMs` per probe and honours the abort signal, so
// tests can hold a job in `processing`.
import type { Agent, PingRequest, PingSummary } from '../../engine/index.js';

export function delayedAgent(hostname: string, delayMs: number, labels: Record<string, string> = {}): Agent {
  return {
    hostname,
    serial: `TEST-${hostname}`,
    labels,
    healthy: () => true,
    facts: () => ({ hostname }),
    resolveFact: async (key) => (key === 'hostname' ? hostname : undefined),
    ping: (request: PingRequest, signal: AbortSignal) =>
      new Promise<PingSummary>((resolve, reject) => {
        const started = Date.now();
        const count = request.count ?? 3;
        const timer = setTimeout(() => {
          resolve({
            targets: request.targets.map((target) => ({
              target, sent: count, received: 0, duplicates: 0, late: 0, errors: {}, lossPercent: 100,
              minMs: NaN, avgMs: NaN, maxMs: NaN, stddevMs: NaN, p50Ms: NaN, p90Ms: NaN, p99Ms: NaN,
            })),
            cancelled: false, startedAtMs: started, finishedAtMs: Date.now(),
          });
        }, delayMs * count);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new Error('cancelled'));
        }, { once: true });
      }),
  };
}
