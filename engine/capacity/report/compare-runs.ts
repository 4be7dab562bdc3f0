// `sonde capacity compare A B`: step by step (paired by position), what got better or worse
// beyond noise. Three tests per step, each at a Bonferroni-corrected level (alpha divided by
// the number of tests made, so 60 steps × 3 tests do not raise false alarms) AND an effect
// size large enough to matter (a significant but tiny shift over 100,000 probes is not news):
// - distribution: Kolmogorov–Smirnov on the HDR buckets, D ≥ minKsD;
// - tail: two-proportion z-test of the share above the pooled p99, with p99 moved by ≥ minTailRatio;
// - loss: two-proportion z-test of lost/sent, moved by ≥ minLossPoints percentage points.
import { bucketTopNs, mergeCounts, totalCount, valueAtPercentileNs, type BucketCounts } from './histogram-stats.js';
import { lossPercent, type ReportRun, type ReportStep } from './report-model.js';
import { ksTest, twoProportionTest } from './two-sample-tests.js';

export interface CompareOptions {
  /** Family-wise significance level (default 0.01). */
  alpha: number;
  /** Smallest KS distance that counts (default 0.2). */
  minKsD: number;
  /** Smallest p99 ratio (or its inverse) that counts (default 1.25). */
  minTailRatio: number;
  /** Smallest loss difference that counts, in percentage points (default 0.1). */
  minLossPoints: number;
}

export const DEFAULT_COMPARE_OPTIONS: CompareOptions = { alpha: 0.01, minKsD: 0.2, minTailRatio: 1.25, minLossPoints: 0.1 };

export type Change = 'better' | 'worse' | 'none';
export type StepVerdict = 'better' | 'worse' | 'mixed' | 'no change' | 'not comparable';

export interface MetricChange {
  change: Change;
  /** The test's p-value (before the correction). */
  p: number;
  /** What the figure moved by, in words ("p50 0.041 → 0.120 ms, D = 0.93"). */
  detail: string;
}

export interface StepComparison {
  index: number;
  labelA: string;
  labelB: string | null;
  verdict: StepVerdict;
  latency: MetricChange | null;
  tail: MetricChange | null;
  loss: MetricChange | null;
  /** Set when the two steps were not run with the same parameters. */
  note: string | null;
}

export interface RunComparison {
  a: string;
  b: string;
  options: CompareOptions;
  /** alpha / tests made. */
  perTestAlpha: number;
  steps: StepComparison[];
  verdict: 'no change' | 'better' | 'worse' | 'mixed';
  /** One line: "no change" or "worse at steps 4, 5 (…); better at …". */
  summary: string;
}

const TESTS_PER_STEP = 3;
const fmtMs = (ns: number | null): string => (ns === null ? '–' : `${(ns / 1e6).toPrecision(3)} ms`);
const fmtPct = (v: number): string => `${(v * 100).toPrecision(3)} %`;

function latencyChange(a: BucketCounts, b: BucketCounts, alpha: number, o: CompareOptions): MetricChange | null {
  if (totalCount(a) === 0 || totalCount(b) === 0) return null;
  const ks = ksTest(a, b);
  const slower = ks.dSlower >= ks.dFaster;
  const change: Change = ks.p < alpha && ks.d >= o.minKsD ? (slower ? 'worse' : 'better') : 'none';
  return { change, p: ks.p, detail: `p50 ${fmtMs(valueAtPercentileNs(a, 50))} → ${fmtMs(valueAtPercentileNs(b, 50))}, KS D = ${ks.d.toFixed(3)}` };
}

function tailChange(a: BucketCounts, b: BucketCounts, alpha: number, o: CompareOptions): MetricChange | null {
  const n = totalCount(a);
  const m = totalCount(b);
  if (n === 0 || m === 0) return null;
  const pooled = mergeCounts([a, b]);
  const threshold = valueAtPercentileNs(pooled, 99)!;
  const above = (h: BucketCounts): number => {
    let x = 0;
    for (let i = h.buckets.length - 1; i >= 0 && bucketTopNs(h.buckets[i]) > threshold; i--) x += h.counts[i];
    return x;
  };
  const test = twoProportionTest(above(a), n, above(b), m);
  const p99a = valueAtPercentileNs(a, 99, n)!;
  const p99b = valueAtPercentileNs(b, 99, m)!;
  const ratio = p99b / p99a;
  let change: Change = 'none';
  if (test.p < alpha && ratio >= o.minTailRatio && test.pb > test.pa) change = 'worse';
  else if (test.p < alpha && ratio <= 1 / o.minTailRatio && test.pb < test.pa) change = 'better';
  return { change, p: test.p, detail: `p99 ${fmtMs(p99a)} → ${fmtMs(p99b)}, above ${fmtMs(threshold)}: ${fmtPct(test.pa)} → ${fmtPct(test.pb)}` };
}

function lossChange(a: ReportStep, b: ReportStep, alpha: number, o: CompareOptions): MetricChange | null {
  if (a.sent === 0 || b.sent === 0) return null;
  const lostA = Math.max(0, a.sent - a.received);
  const lostB = Math.max(0, b.sent - b.received);
  const test = twoProportionTest(lostA, a.sent, lostB, b.sent);
  const delta = (test.pb - test.pa) * 100;
  const change: Change = test.p < alpha && Math.abs(delta) >= o.minLossPoints ? (delta > 0 ? 'worse' : 'better') : 'none';
  return { change, p: test.p, detail: `loss ${lossPercent(a)!.toPrecision(3)} % → ${lossPercent(b)!.toPrecision(3)} %` };
}

function sameParameters(a: ReportStep, b: ReportStep): string | null {
  const diffs: string[] = [];
  if (a.offeredRate !== b.offeredRate) diffs.push(`rate ${a.offeredRate} vs ${b.offeredRate} pps`);
  if (a.packetSize !== b.packetSize) diffs.push(`size ${a.packetSize} vs ${b.packetSize} B`);
  if (a.concurrency !== b.concurrency) diffs.push(`concurrency ${a.concurrency} vs ${b.concurrency}`);
  if (a.targets !== b.targets) diffs.push(`targets ${a.targets} vs ${b.targets}`);
  return diffs.length === 0 ? null : `steps differ: ${diffs.join(', ')}`;
}

function verdictOf(changes: (MetricChange | null)[]): StepVerdict {
  const worse = changes.some((c) => c?.change === 'worse');
  const better = changes.some((c) => c?.change === 'better');
  if (worse && better) return 'mixed';
  if (worse) return 'worse';
  if (better) return 'better';
  return 'no change';
}

function listSteps(steps: StepComparison[]): string {
  return steps.map((s) => s.index + 1).join(', ');
}

export function compareRuns(a: ReportRun, b: ReportRun, options: Partial<CompareOptions> = {}): RunComparison {
  const o = { ...DEFAULT_COMPARE_OPTIONS, ...options };
  const paired = Math.min(a.steps.length, b.steps.length);
  const perTestAlpha = o.alpha / Math.max(1, paired * TESTS_PER_STEP);
  const steps: StepComparison[] = a.steps.map((sa, i) => {
    const sb = b.steps[i];
    if (sb === undefined) return { index: i, labelA: sa.label, labelB: null, verdict: 'not comparable', latency: null, tail: null, loss: null, note: `run ${b.id} has no step ${i + 1}` };
    const latency = latencyChange(sa.rtt, sb.rtt, perTestAlpha, o);
    const tail = tailChange(sa.rtt, sb.rtt, perTestAlpha, o);
    const loss = lossChange(sa, sb, perTestAlpha, o);
    return { index: i, labelA: sa.label, labelB: sb.label, verdict: verdictOf([latency, tail, loss]), latency, tail, loss, note: sameParameters(sa, sb) };
  });
  const worse = steps.filter((s) => s.verdict === 'worse' || s.verdict === 'mixed');
  const better = steps.filter((s) => s.verdict === 'better' || s.verdict === 'mixed');
  const verdict = worse.length > 0 && better.length > 0 ? 'mixed' : worse.length > 0 ? 'worse' : better.length > 0 ? 'better' : 'no change';
  const parts: string[] = [];
  if (worse.length > 0) parts.push(`worse at step${worse.length > 1 ? 's' : ''} ${listSteps(worse)}`);
  if (better.length > 0) parts.push(`better at step${better.length > 1 ? 's' : ''} ${listSteps(better)}`);
  const extra = b.steps.length > a.steps.length ? ` (run ${b.id} has ${b.steps.length - a.steps.length} more step(s), not compared)` : '';
  return { a: a.id, b: b.id, options: o, perTestAlpha, steps, verdict, summary: `${parts.length === 0 ? 'no change' : parts.join('; ')}${extra}` };
}
