// The smoke graph's legend, as SmokePing prints it under its graphs: the median RTT's
// median, average, maximum, minimum, last value ("now") and standard deviation over the
// shown steps, and the loss's average (lost over sent in the whole span), maximum and now.
import { median } from './live-tail.js';
import type { SmokeSeries } from './smoke-series.js';

export interface LegendStats {
  /** ms; null when no step had an answer. */
  median: number | null;
  avg: number | null;
  max: number | null;
  min: number | null;
  now: number | null;
  sd: number | null;
  /** percent; null when nothing was sent. */
  lossAvg: number | null;
  lossMax: number | null;
  lossNow: number | null;
  /** Steps with a median (the sample the RTT figures are over). */
  steps: number;
}

export function legendStats(s: SmokeSeries): LegendStats {
  const rtts: number[] = [];
  let now: number | null = null;
  for (const v of s.median) {
    if (v === null) continue;
    rtts.push(v);
    now = v;
  }
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of rtts) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const avg = rtts.length === 0 ? null : sum / rtts.length;
  let sq = 0;
  if (avg !== null) for (const v of rtts) sq += (v - avg) * (v - avg);

  let sent = 0;
  let received = 0;
  let lossMax: number | null = null;
  let lossNow: number | null = null;
  s.sent.forEach((n, i) => {
    if (n === 0) return;
    sent += n;
    received += s.received[i]!;
    const loss = s.loss[i] ?? (100 * (n - s.received[i]!)) / n;
    if (lossMax === null || loss > lossMax) lossMax = loss;
    lossNow = loss;
  });

  return {
    median: median(rtts),
    avg,
    max: rtts.length === 0 ? null : max,
    min: rtts.length === 0 ? null : min,
    now,
    sd: avg === null ? null : Math.sqrt(sq / rtts.length),
    lossAvg: sent === 0 ? null : (100 * (sent - received)) / sent,
    lossMax,
    lossNow,
    steps: rtts.length,
  };
}

/** "1.23 ms", "850 µs", "12.3 s"; "—" for no value. */
export function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1) return `${(ms * 1000).toPrecision(3)} µs`;
  if (ms >= 1000) return `${(ms / 1000).toPrecision(3)} s`;
  return `${ms.toPrecision(3)} ms`;
}

export function formatLoss(percent: number | null): string {
  if (percent === null) return '—';
  if (percent === 0) return '0 %';
  return `${percent < 10 ? percent.toFixed(2) : percent.toFixed(1)} %`;
}
