// A synthetic campaign run for the report's bench and tests: `steps` steps of `stepSeconds`
// each, the offered rate ramping linearly, RTTs log-normal around `baseMs` until the knee,
// then stretching and losing packets beyond it — bucket counts drawn per HDR bucket from the
// distribution (a seeded generator: the same arguments give the same run).
import { hdrBucketIndex } from '../../engine/stats/sparse-hdr.js';
import type { ReportRun, ReportStep } from '../../engine/capacity/report/index.js';

export interface SyntheticRunOptions {
  id?: string;
  name?: string;
  steps?: number;
  stepSeconds?: number;
  warmupSeconds?: number;
  startRate?: number;
  rateStep?: number;
  /** The step (0-based) from which latency stretches and packets are lost. */
  kneeStep?: number;
  baseMs?: number;
  /** Every RTT multiplied by this (a slower path). */
  slowdown?: number;
  seed?: number;
  startedAt?: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Samples of a log-normal (median `medianNs`, shape `sigma`) binned into HDR buckets. */
function lognormalBuckets(n: number, medianNs: number, sigma: number, random: () => number): { buckets: number[]; counts: number[] } {
  const byBucket = new Map<number, number>();
  // Up to 20,000 draws, each weighing about n / draws (the weights sum to n exactly).
  const draws = Math.min(n, 20_000);
  for (let k = 0; k < draws; k++) {
    const weight = Math.floor(((k + 1) * n) / draws) - Math.floor((k * n) / draws);
    const u1 = Math.max(random(), 1e-12);
    const u2 = random();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    const v = Math.max(1, Math.round(medianNs * Math.exp(sigma * z)));
    const b = hdrBucketIndex(v);
    byBucket.set(b, (byBucket.get(b) ?? 0) + weight);
  }
  const buckets = [...byBucket.keys()].sort((a, b) => a - b);
  return { buckets, counts: buckets.map((b) => byBucket.get(b)!) };
}

export function syntheticRun(o: SyntheticRunOptions = {}): ReportRun {
  const steps = o.steps ?? 60;
  const stepSeconds = o.stepSeconds ?? 55;
  const warmup = o.warmupSeconds ?? 5;
  const startRate = o.startRate ?? 1000;
  const rateStep = o.rateStep ?? 1000;
  const kneeStep = o.kneeStep ?? Math.floor(steps * 0.7);
  const baseNs = (o.baseMs ?? 0.05) * 1e6 * (o.slowdown ?? 1);
  const random = mulberry32(o.seed ?? 1);
  const startedAt = o.startedAt ?? Date.UTC(2026, 11, 1, 10, 0, 0);
  const out: ReportStep[] = [];
  let t = startedAt;
  for (let i = 0; i < steps; i++) {
    const offered = startRate + i * rateStep;
    const over = Math.max(0, i - kneeStep + 1);
    const sent = Math.round(offered * stepSeconds);
    const lossFraction = over === 0 ? 0 : Math.min(0.5, 0.002 * over * over);
    const received = Math.round(sent * (1 - lossFraction));
    const startMs = t + warmup * 1000;
    const endMs = startMs + stepSeconds * 1000;
    t = endMs;
    out.push({
      index: i, label: `${offered} pps`, startMs, endMs,
      offeredRate: offered, achievedRate: Math.round(offered * (1 - lossFraction / 4) * 10) / 10,
      packetSize: 64, concurrency: null, targets: 1,
      sent, received, duplicates: 0, errors: over > 0 ? { unreachable: over } : {},
      rtt: lognormalBuckets(received, baseNs * (1 + 0.5 * over * over), 0.25 + 0.05 * over, random),
      cpuPercent: Math.round((5 + offered / 2000) * 10) / 10, rssBytes: 90_000_000 + i * 100_000, driftP99Ms: 0.2 + i * 0.01,
      knee: i === kneeStep, sloMet: i < kneeStep,
    });
  }
  return {
    id: o.id ?? '0193a1b2-0000-7000-8000-000000000001', name: o.name ?? 'synthetic ramp', status: 'completed',
    startedAt, finishedAt: t, version: '0.1.0',
    host: { cpuModel: 'synthetic CPU', cores: 2, kernel: '6.1.0', 'net.core.rmem_max': 212992, 'net.ipv4.ping_group_range': '0 2147483647' },
    slo: 'loss ≤ 0.1 %, p99 ≤ 2 × step 1', steps: out,
  };
}
