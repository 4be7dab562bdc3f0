// Runs an engine ping job against a simulator and lines both sides' accounts up per target:
// the engine's per-probe outcomes by probe seq, and the simulator's events translated from
// request ordinals (the n-th request a host received) to the engine's probe seqs.
import { expect } from 'vitest';
import type { Engine, PingRequest, PingSummary, ProbeErrorKind, ProbeStatus } from '../../engine/index.js';
import type { EventList, HostStats, NetsimStats } from '../../netsim/stats.js';

export interface ProbeRecord {
  seq: number;
  status: ProbeStatus;
  rttMs: number;
  errorKind?: ProbeErrorKind;
  icmpType?: number;
  icmpCode?: number;
  from?: string;
  ttl: number;
}

export interface TargetProbes {
  /** Every event for the target, in arrival order. */
  events: ProbeRecord[];
  /** The one concluding event (ok / timeout / error) per probe seq. */
  outcome: Map<number, ProbeRecord>;
  /** ICMP errors that arrived after their probe had timed out. */
  lateErrors: ProbeRecord[];
  seqsWith(status: ProbeStatus): number[];
}

export interface JobResult {
  summary: PingSummary;
  byTarget: Map<string, TargetProbes>;
}

export async function runJob(engine: Engine, request: PingRequest): Promise<JobResult> {
  const byTarget = new Map<string, TargetProbes>();
  for (const t of request.targets) {
    const events: ProbeRecord[] = [];
    byTarget.set(t, {
      events,
      outcome: new Map(),
      lateErrors: [],
      seqsWith: (status) => events.filter((e) => e.status === status).map((e) => e.seq).sort((a, b) => a - b),
    });
  }
  const summary = await engine.ping(request, (p) => {
    // The engine reuses the object it passes: copy what we keep.
    const rec: ProbeRecord = {
      seq: p.seq, status: p.status, rttMs: p.rttNs / 1e6, errorKind: p.errorKind, icmpType: p.icmpType, icmpCode: p.icmpCode, from: p.from, ttl: p.ttl,
    };
    const t = byTarget.get(p.target)!;
    t.events.push(rec);
    if (p.status === 'ok' || p.status === 'timeout' || p.status === 'error') {
      const first = t.outcome.get(p.seq);
      // An ICMP error for a probe that already timed out is streamed as a second 'error'
      // event (the engine counts it; the probe stays lost). Anything else concludes once.
      if (first?.status === 'timeout' && p.status === 'error') {
        t.lateErrors.push(rec);
        return;
      }
      expect(first, `${p.target} seq ${p.seq} concluded twice: ${JSON.stringify(first)} then ${JSON.stringify(rec)}`).toBeUndefined();
      t.outcome.set(p.seq, rec);
    }
  });
  return { summary, byTarget };
}

/**
 * The simulator's ordinal n (1-based) is the engine's n-th probe to that host: one socket
 * sends a target's probes in seq order and the TUN device keeps that order. Asserts the
 * engine concluded exactly `count` probes with seqs first..first+count-1 and returns the map.
 */
export function ordinalToSeq(target: TargetProbes, count: number): (ordinal: number) => number {
  const seqs = [...target.outcome.keys()].sort((a, b) => a - b);
  expect(seqs.length).toBe(count);
  expect(seqs[count - 1] - seqs[0]).toBe(count - 1);
  return (ordinal) => seqs[0] + ordinal - 1;
}

export function seqsOf(list: EventList, toSeq: (ordinal: number) => number): number[] {
  expect(list.truncated).toBe(false);
  return list.ordinals.map(toSeq).sort((a, b) => a - b);
}

export function hostOf(stats: NetsimStats, address: string): HostStats {
  const h = stats.hosts[address];
  expect(h, `the simulator saw no request to ${address}`).toBeDefined();
  return h;
}

/** min/avg/max and nearest-rank percentiles of a sample, ms. */
export function describeSample(values: number[]): { min: number; avg: number; max: number; p50: number; p99: number } {
  const v = [...values].sort((a, b) => a - b);
  const rank = (p: number) => v[Math.max(0, Math.ceil((p / 100) * v.length) - 1)];
  return { min: v[0], avg: v.reduce((s, x) => s + x, 0) / v.length, max: v[v.length - 1], p50: rank(50), p99: rank(99) };
}
