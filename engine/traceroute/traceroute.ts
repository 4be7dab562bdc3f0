// Traceroute over the probe engine: ICMP echo requests with increasing TTL / hop limit. A
// router that drops a probe at TTL 0 answers ICMP time exceeded quoting our request's
// header; the engine matches that quote to the probe (identifier, sequence, token), so each
// answer belongs to exactly one hop even with several hops in flight. The destination
// answers with an echo reply, which ends the trace.
//
// Hops are probed a window at a time (parallelHops, like traceroute -N): a silent hop costs
// one timeout per window instead of one per hop.

import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { EngineInputError, type Engine, type ProbeResult } from '../types.js';
import type { TracerouteHopResult, TracerouteProbeResult, TracerouteRequest, TracerouteResult } from './types.js';

const DEFAULTS = { maxHops: 30, probesPerHop: 3, timeoutMs: 1000, size: 32, parallelHops: 8 } as const;
const INVALID_TLD = /(^|\.)invalid\.?$/i;

function integerIn(field: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new EngineInputError(field, `${field} must be an integer from ${min} to ${max} (got ${String(value)})`);
  }
  return v;
}

/** Resolves the destination once; rejects with a message that names it when it does not resolve. */
async function resolveDestination(destination: string, family: 4 | 6): Promise<{ address: string; family: 4 | 6 }> {
  const literal = net.isIP(destination);
  if (literal !== 0) return { address: destination, family: literal === 6 ? 6 : 4 };
  if (INVALID_TLD.test(destination)) {
    throw new Error(`traceroute: "${destination}" does not resolve (the .invalid TLD never does, RFC 6761): give an IP address or a resolvable name`);
  }
  let found: Array<{ address: string; family: number }>;
  try {
    found = await lookup(destination, { all: true, verbatim: true });
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error';
    throw new Error(`traceroute: "${destination}" did not resolve (${code}): check the name, or give an IP address`);
  }
  const pick = found.find((a) => a.family === family) ?? found[0];
  if (pick === undefined) throw new Error(`traceroute: "${destination}" resolved to no address`);
  return { address: pick.address, family: pick.family === 6 ? 6 : 4 };
}

function answerOf(probe: ProbeResult): TracerouteProbeResult | null {
  if (probe.status === 'ok') return { address: probe.address, answer: 'reply', rttNs: probe.rttNs };
  if (probe.status !== 'error' || probe.errorKind === 'send-failed') return null;
  const rttNs = probe.receivedAtNs > 0n ? Number(probe.receivedAtNs - probe.sentAtNs) : undefined;
  const answer = probe.errorKind === 'time-exceeded' ? 'time-exceeded' : probe.errorKind === 'unreachable' ? 'unreachable' : 'other-error';
  const result: TracerouteProbeResult = { address: probe.from ?? probe.address, answer };
  if (rttNs !== undefined && rttNs >= 0) result.rttNs = rttNs;
  if (probe.icmpType !== undefined) result.icmpType = probe.icmpType;
  if (probe.icmpCode !== undefined) result.icmpCode = probe.icmpCode;
  return result;
}

/** Ends the trace: the destination answered, or someone said it cannot be reached. */
const isFinal = (p: TracerouteProbeResult): boolean => p.answer === 'reply' || p.answer === 'unreachable';

/**
 * Runs a traceroute on the engine. `onProgress(fraction)` is called as hops complete.
 * Rejects for bad input (EngineInputError naming the field) or an unresolvable destination.
 */
export async function traceroute(
  engine: Engine,
  request: TracerouteRequest,
  onProgress?: (fraction: number) => void,
): Promise<TracerouteResult> {
  if (typeof request?.destination !== 'string' || request.destination.length === 0 || request.destination.length > 253) {
    throw new EngineInputError('destination', 'destination must be an IP address or a DNS name of at most 253 characters');
  }
  const maxHops = integerIn('maxHops', request.maxHops, DEFAULTS.maxHops, 1, 255);
  const probesPerHop = integerIn('probesPerHop', request.probesPerHop, DEFAULTS.probesPerHop, 1, 10);
  const timeoutMs = integerIn('timeoutMs', request.timeoutMs, DEFAULTS.timeoutMs, 1, 60_000);
  const size = integerIn('size', request.size, DEFAULTS.size, 0, 65_000);
  const window = integerIn('parallelHops', request.parallelHops, DEFAULTS.parallelHops, 1, 64);
  const { address, family } = await resolveDestination(request.destination, request.family ?? 4);

  const hops: TracerouteHopResult[] = [];
  let done = 0;
  let finalHop = 0;
  for (let first = 1; first <= maxHops && finalHop === 0; first += window) {
    if (request.signal?.aborted) throw new Error('traceroute cancelled');
    const last = Math.min(maxHops, first + window - 1);
    const runs: Promise<TracerouteHopResult>[] = [];
    for (let ttl = first; ttl <= last; ttl++) {
      runs.push(probeHop(engine, address, ttl, probesPerHop, timeoutMs, size, request.signal).then((hop) => {
        done++;
        onProgress?.(done / maxHops);
        return hop;
      }));
    }
    for (const hop of await Promise.all(runs)) {
      hops.push(hop);
      if (finalHop === 0 && hop.probes.some(isFinal)) finalHop = hop.ttl;
    }
  }
  if (request.signal?.aborted) throw new Error('traceroute cancelled');
  const trimmed = finalHop > 0 ? hops.slice(0, finalHop) : hops;
  const reached = trimmed.some((h) => h.probes.some((p) => p.answer === 'reply' || (p.answer === 'unreachable' && p.address === address)));
  onProgress?.(1);
  return {
    destination: request.destination,
    address,
    family,
    maxHops,
    probesPerHop,
    packetBytes: size + 8 + (family === 6 ? 40 : 20),
    hops: trimmed,
    reached,
  };
}

async function probeHop(
  engine: Engine, address: string, ttl: number, count: number, timeoutMs: number, size: number, signal: AbortSignal | undefined,
): Promise<TracerouteHopResult> {
  // The first conclusion per probe counts (an ICMP error for a probe that already timed out is ignored).
  const bySeq = new Map<number, TracerouteProbeResult | null>();
  await engine.ping({ targets: [address], count, intervalMs: 0, timeoutMs, size, ttl, ...(signal ? { signal } : {}) }, (probe) => {
    if (bySeq.has(probe.seq)) return;
    if (probe.status === 'timeout') bySeq.set(probe.seq, null);
    else {
      const answer = answerOf(probe);
      if (answer !== null) bySeq.set(probe.seq, answer);
    }
  });
  const probes: TracerouteProbeResult[] = [...bySeq.keys()].sort((a, b) => a - b).map((seq) => bySeq.get(seq) ?? {});
  while (probes.length < count) probes.push({});
  return { ttl, probes };
}
