// The charts' data, prepared once on the server side: what the page (ui/capacity-report/)
// hands to uPlot as is. Every chart is aligned data (x first) and its series; a report of one
// run or of two runs overlaid (compare) has the same shape, B's series dashed.
import { boxPlot, bucketTopNs, summarize, totalCount, type BucketCounts } from './histogram-stats.js';
import { lossPercent, type ReportRun } from './report-model.js';

export type ChartKind = 'line' | 'stepped' | 'box' | 'points';

export interface SeriesSpec {
  label: string;
  /** 0 = run A, 1 = run B. */
  run: number;
  color: string;
  dash: boolean;
  /** The step index (CDF series). */
  step?: number;
}

export interface ChartSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  xLog: boolean;
  yLog: boolean;
  kind: ChartKind;
  /** uPlot's aligned data: data[0] is x, data[k] the values of series[k − 1]. */
  data: (number | null)[][];
  series: SeriesSpec[];
  /** x positions to mark as the knee (one per run that has one). */
  knees: { x: number; run: number }[];
  /** Shown under the title. */
  note: string;
  legend: boolean;
}

export interface ReportData {
  title: string;
  runs: { id: string; name: string; label: string }[];
  charts: ChartSpec[];
}

const RUN_COLORS = ['#1f77b4', '#d62728'];
const PERCENTILE_COLORS: Record<string, string> = { p50: '#2ca02c', p90: '#ff7f0e', p99: '#d62728' };
/** The CDF chart keeps at most this many x positions (each still the exact CDF there). */
export const CDF_MAX_POINTS = 400;

/** Blue (low offered load) → red (high), for step i of n. */
export function stepColor(i: number, n: number): string {
  const hue = n <= 1 ? 220 : 220 - (220 * i) / (n - 1);
  return `hsl(${hue.toFixed(0)}, 70%, 45%)`;
}

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;

function sortedUnion(values: Iterable<number>): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

/** The CDF of `h` at each of the ascending x (ns): one merge walk. */
export function cdfAtPoints(h: BucketCounts, xsNs: readonly number[]): number[] {
  const total = totalCount(h);
  const out = new Array<number>(xsNs.length);
  let i = 0;
  let seen = 0;
  for (let k = 0; k < xsNs.length; k++) {
    while (i < h.buckets.length && bucketTopNs(h.buckets[i]) <= xsNs[k]) seen += h.counts[i++];
    out[k] = total === 0 ? 0 : seen / total;
  }
  return out;
}

/** The x positions (ns) of the CDF chart: every bucket top any step uses, thinned evenly. */
export function cdfGrid(histograms: readonly BucketCounts[], maxPoints = CDF_MAX_POINTS): number[] {
  const all = sortedUnion(histograms.flatMap((h) => h.buckets.map(bucketTopNs)));
  if (all.length <= maxPoints) return all;
  const out: number[] = [];
  const stride = (all.length - 1) / (maxPoints - 1);
  for (let k = 0; k < maxPoints; k++) out.push(all[Math.round(k * stride)]);
  return sortedUnion(out);
}

function runLabel(run: ReportRun, i: number, two: boolean): string {
  return two ? `${i === 0 ? 'A' : 'B'}: ${run.name}` : run.name;
}

/** Aligns per-run (x, y) lists (each ascending in x) on the union of their x. `carry`: a run's
 *  value between two of its x is its last one (a step function), else null there. */
function alignByX(perRun: { x: number; ys: (number | null)[] }[][], width: number, carry = false): (number | null)[][] {
  const xs = sortedUnion(perRun.flatMap((rows) => rows.map((r) => r.x)));
  const data: (number | null)[][] = [xs];
  for (let r = 0; r < perRun.length; r++) {
    const rows = perRun[r];
    const columns = Array.from({ length: width }, () => new Array<number | null>(xs.length).fill(null));
    let j = -1;
    for (let k = 0; k < xs.length; k++) {
      while (j + 1 < rows.length && rows[j + 1].x <= xs[k]) j++;
      const row = j >= 0 && (carry ? j < rows.length - 1 || rows[j].x === xs[k] : rows[j].x === xs[k]) ? rows[j] : undefined;
      if (row !== undefined) for (let c = 0; c < width; c++) columns[c][k] = row.ys[c];
    }
    data.push(...columns);
  }
  return data;
}

function timeChart(runs: readonly ReportRun[]): ChartSpec {
  const two = runs.length > 1;
  const names = ['p50', 'p90', 'p99'] as const;
  const perRun = runs.map((run) => {
    const t0 = run.steps[0]?.startMs ?? run.startedAt;
    const rows: { x: number; ys: (number | null)[] }[] = [];
    for (const step of run.steps) {
      const s = summarize(step.rtt);
      const ys = names.map((n) => s[n]);
      // Each step drawn flat over its measured span; the warm-up between steps is a gap.
      rows.push({ x: (step.startMs - t0) / 1000, ys });
      rows.push({ x: (step.endMs - t0) / 1000, ys });
      rows.push({ x: (step.endMs - t0) / 1000 + 1e-3, ys: names.map(() => null) });
    }
    return rows;
  });
  const series: SeriesSpec[] = runs.flatMap((run, r) => names.map((n) => ({ label: `${two ? `${r === 0 ? 'A' : 'B'} ` : ''}${n}`, run: r, color: PERCENTILE_COLORS[n], dash: r === 1 })));
  const knees = runs.flatMap((run, r) => {
    const k = run.steps.find((s) => s.knee);
    const t0 = run.steps[0]?.startMs ?? run.startedAt;
    return k === undefined ? [] : [{ x: (k.startMs - t0) / 1000, run: r }];
  });
  return {
    id: 'rtt-over-time', title: 'RTT over time across the steps', xLabel: 'time since the first step (s)', yLabel: 'RTT (ms)',
    xLog: false, yLog: true, kind: 'line', data: alignByX(perRun, names.length, true), series, knees,
    note: 'p50, p90 and p99 of each step over its measured span (warm-ups left out)', legend: true,
  };
}

function cdfChart(runs: readonly ReportRun[]): ChartSpec {
  const two = runs.length > 1;
  const grid = cdfGrid(runs.flatMap((r) => r.steps.map((s) => s.rtt)));
  const data: (number | null)[][] = [grid.map((ns) => ns / 1e6)];
  const series: SeriesSpec[] = [];
  runs.forEach((run, r) => {
    for (const step of run.steps) {
      data.push(cdfAtPoints(step.rtt, grid).map(round6));
      series.push({ label: `${two ? `${r === 0 ? 'A' : 'B'} ` : ''}step ${step.index + 1} (${step.label})`, run: r, step: step.index, color: stepColor(step.index, run.steps.length), dash: r === 1 });
    }
  });
  return {
    id: 'rtt-cdf', title: 'RTT CDF per step', xLabel: 'RTT (ms)', yLabel: 'fraction of replies ≤ RTT', xLog: true, yLog: false,
    kind: 'stepped', data, series, knees: [], legend: false,
    note: `one curve per step, blue (first step) to red (last)${two ? '; run B dashed' : ''}; hover for the step`,
  };
}

function boxChart(runs: readonly ReportRun[]): ChartSpec {
  const n = Math.max(...runs.map((r) => r.steps.length), 0);
  const data: (number | null)[][] = [Array.from({ length: n }, (_, i) => i + 1)];
  const series: SeriesSpec[] = [];
  const fields = ['whiskerLow', 'q1', 'median', 'q3', 'whiskerHigh'] as const;
  runs.forEach((run, r) => {
    const boxes = Array.from({ length: n }, (_, i) => (run.steps[i] === undefined ? null : boxPlot(run.steps[i].rtt)));
    for (const f of fields) {
      data.push(boxes.map((b) => (b === null ? null : b[f])));
      series.push({ label: `${runLabel(run, r, runs.length > 1)} ${f}`, run: r, color: RUN_COLORS[r], dash: r === 1 });
    }
  });
  return {
    id: 'rtt-box', title: 'RTT box plots per step', xLabel: 'step', yLabel: 'RTT (ms)', xLog: false, yLog: true, kind: 'box', data, series,
    knees: kneesAt(runs, (_run, i) => i + 1), legend: false,
    note: 'box: quartiles, line: median, whiskers: the furthest RTT within 1.5 × IQR',
  };
}

function kneesAt(runs: readonly ReportRun[], x: (run: ReportRun, i: number) => number): { x: number; run: number }[] {
  return runs.flatMap((run, r) => {
    const i = run.steps.findIndex((s) => s.knee);
    return i < 0 ? [] : [{ x: x(run, i), run: r }];
  });
}

function byOfferedChart(runs: readonly ReportRun[], id: string, title: string, yLabel: string, note: string,
  values: (run: ReportRun) => { x: number; ys: (number | null)[] }[], names: string[], ideal: boolean): ChartSpec {
  const two = runs.length > 1;
  const data = alignByX(runs.map(values), names.length);
  const series: SeriesSpec[] = runs.flatMap((run, r) => names.map((n) => ({ label: `${two ? `${r === 0 ? 'A' : 'B'} ` : ''}${n}`, run: r, color: RUN_COLORS[r], dash: r === 1 })));
  if (ideal) {
    data.push(data[0].map((x) => x));
    series.push({ label: 'achieved = offered', run: -1, color: '#999999', dash: true });
  }
  return {
    id, title, xLabel: 'offered rate (probes/s)', yLabel, xLog: false, yLog: false, kind: 'points', data, series,
    knees: kneesAt(runs, (run, i) => run.steps[i].offeredRate), legend: true, note,
  };
}

export function reportData(runs: readonly ReportRun[]): ReportData {
  const two = runs.length > 1;
  const charts = [
    timeChart(runs),
    cdfChart(runs),
    boxChart(runs),
    byOfferedChart(runs, 'loss-vs-offered', 'Loss against offered load', 'loss (%)', 'lost = sent − received, per step',
      (run) => run.steps.map((s) => ({ x: s.offeredRate, ys: [lossPercent(s)] })), ['loss'], false),
    byOfferedChart(runs, 'rate-vs-offered', 'Achieved against offered rate', 'achieved rate (probes/s)', 'the dashed grey line is achieved = offered',
      (run) => run.steps.map((s) => ({ x: s.offeredRate, ys: [s.achievedRate] })), ['achieved'], true),
  ];
  return {
    title: two ? `sonde capacity: ${runs[0].name} vs ${runs[1].name}` : `sonde capacity: ${runs[0].name}`,
    runs: runs.map((r, i) => ({ id: r.id, name: r.name, label: runLabel(r, i, two) })),
    charts,
  };
}
