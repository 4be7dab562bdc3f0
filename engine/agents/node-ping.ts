// A ping job for the node API (POST /node/{hostname}/network/ping): one address, pinged from
// every agent the selector picks, `@fact.` references resolved on each agent.

import type { Sonde } from '../daemon/sonde.js';
import { SondeError } from '../errors.js';
import type { JobRecord } from '../jobs/types.js';
import { targetProblem } from '../icmp/main-thread/validate-request.js';
import { FACT_PREFIX, factKeyOf, resolveOnAgent } from './fact-reference.js';

export const NODE_PING_OPERATION = 'network.ping.do';
const JOB_GRACE_MS = 5000;
/** The caller waits for the answer: keep it within what HTTP clients and proxies tolerate. */
const MAX_RUN_MS = 300_000;

export interface NodePingRequest {
  /** `{hostname}`: a hostname, `_any`, `_all` or `key:value`. */
  selector: string;
  /** IPv4, IPv6, a DNS name or `@fact.<key>`. */
  address: string;
  /** 1..100 (3). */
  count?: number;
  /** ms between probes, 1..60,000 (1000). */
  intervalMs?: number;
  /** ms per probe, 1..60,000 (1000). */
  timeoutMs?: number;
  /** Payload bytes 0..65,500 (56). */
  size?: number;
  keyId?: string | null;
}

/** What each agent's item of a node ping job holds (TargetSummary fields, JSON-safe). */
export type NodePingData = {
  address: string;
  sent: number;
  received: number;
  lossPercent: number;
  /** ms; null when nothing came back. */
  minMs: number | null;
  avgMs: number | null;
  maxMs: number | null;
};

function integer(value: number | undefined, fallback: number, min: number, max: number, field: string): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new SondeError('invalid', `${field} must be an integer in ${min}..${max} (got ${String(value)})`, field);
  }
  return v;
}

/** Why `text` is not a ping address (an IP, a host name, or @fact.<key>), or null. The
 *  host-name rules are the ping engine's own (an all-numeric last label, as in 999.1.1.1, is
 *  neither an IPv4 address nor a host name). */
export function pingAddressProblem(text: string): string | null {
  if (text.startsWith(FACT_PREFIX)) return factKeyOf(text) !== null ? null : `${JSON.stringify(text)} is not a valid @fact.<key> reference`;
  return targetProblem(text);
}

export function isPingAddress(text: string): boolean {
  return pingAddressProblem(text) === null;
}

const finiteOrNull = (ms: number): number | null => (Number.isFinite(ms) ? ms : null);

export function submitNodePing(sonde: Pick<Sonde, 'agents' | 'jobs'>, input: NodePingRequest): { job: JobRecord; done: Promise<JobRecord> } {
  const address = input.address;
  const problem = typeof address === 'string' ? pingAddressProblem(address) : 'must be a string';
  if (problem !== null) {
    throw new SondeError('invalid', `address: ${problem}; send an IPv4 or IPv6 address, a DNS name or an @fact.<key> reference`, 'address');
  }
  const count = integer(input.count, 3, 1, 100, 'count');
  const intervalMs = integer(input.intervalMs, 1000, 1, 60_000, 'interval_ms');
  const timeoutMs = integer(input.timeoutMs, 1000, 1, 60_000, 'timeout_ms');
  const size = integer(input.size, 56, 0, 65_500, 'size');
  const runMs = (count - 1) * intervalMs + timeoutMs;
  if (runMs > MAX_RUN_MS) {
    throw new SondeError(
      'invalid',
      `(count - 1) × interval_ms + timeout_ms is ${runMs} ms; a synchronous ping may take at most ${MAX_RUN_MS} ms: lower count or interval_ms, or start an asynchronous job (POST /v1/jobs)`,
      'count',
    );
  }
  return sonde.jobs.submit({
    operation: NODE_PING_OPERATION,
    params: { address, count, interval_ms: intervalMs, timeout_ms: timeoutMs, size },
    selector: input.selector,
    keyId: input.keyId ?? null,
    timeoutMs: runMs + JOB_GRACE_MS,
    run: async (agent, ctx) => {
      const resolved = await resolveOnAgent(agent, address);
      // A fact's value is checked here, so that the item names the contract's field.
      const resolvedProblem = targetProblem(resolved);
      if (resolvedProblem !== null) throw new Error(`address ${address} resolved to ${resolvedProblem}`);
      const summary = await agent.ping({ targets: [resolved], count, intervalMs, timeoutMs, size, signal: ctx.signal }, ctx.signal);
      const t = summary.targets[0];
      if (t === undefined) throw new Error(`agent ${agent.hostname} returned no result for ${resolved}`);
      if (t.error !== undefined) throw new Error(t.error);
      const data: NodePingData = {
        address: t.address ?? resolved,
        sent: t.sent,
        received: t.received,
        lossPercent: t.lossPercent,
        minMs: finiteOrNull(t.minMs),
        avgMs: finiteOrNull(t.avgMs),
        maxMs: finiteOrNull(t.maxMs),
      };
      return data;
    },
  });
}
