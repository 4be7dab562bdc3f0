// Probe sessions over registry targets (see types.ts); re-exported by engine/index.ts.
import type { Engine } from '../types.js';
import { PingCoalescer } from '../icmp/main-thread/ping-coalescer.js';
import { runSession } from './run-session.js';
import { proberFor } from './target-prober.js';
import type { ProbeSession, ProbeSessionRequest, ProbeStreams } from './types.js';

export * from './types.js';

/** `engine` null: HOST targets are refused ('unavailable'); TCP and HTTP kinds still work. */
export function createProbeStreams(engine: Engine | null): ProbeStreams {
  const icmp = engine !== null ? new PingCoalescer(engine) : null;
  let active = 0;
  return {
    async open(request: ProbeSessionRequest): Promise<ProbeSession> {
      const prober = await proberFor(request.target, request.timeoutMs, request.payload ?? {}, icmp);
      return {
        resolvedEndpoint: prober.resolvedEndpoint,
        async run(hooks) {
          active++;
          try {
            return await runSession({
              count: request.count,
              intervalMs: request.intervalMs,
              maxInFlight: request.maxInFlight,
              jitter: request.jitter === true,
              ...(request.signal ? { signal: request.signal } : {}),
            }, prober.probe, hooks);
          } finally {
            active--;
          }
        },
      };
    },
    active: () => active,
  };
}
