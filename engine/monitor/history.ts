// History of one target: stored windows merged into buckets of `step` (counters summed,
// histograms merged bucket by bucket, percentiles as hdr-histogram-js reports them).
// Rollups serve the part of the range they cover when the step is a multiple of their span.
import { SondeError } from '../errors.js';
import { BucketAccumulator } from './hdr-codec.js';
import type { HistoryRow, WindowStore } from './window-store.js';
import { decodeSeries } from './series.js';
import type { HistoryPoint, HistoryQuery, MonitorPhase, MonitorProbe } from './types.js';

/** Which stored series a history merges: one monitor's or every one's (null), one probe kind
 *  or every kind (null), one phase. */
export interface SeriesFilter {
  monitorSeq: number | null;
  probe: MonitorProbe | null;
  phase: MonitorPhase;
}

export const MAX_HISTORY_POINTS = 10_000;
export const DEFAULT_PERCENTILES = [50, 90, 99];

function invalid(field: string, message: string): never {
  throw new SondeError('invalid', message, field);
}

export interface HistorySource {
  store: WindowStore;
  windowMs: number;
  rollupMs: number;
  /** Windows of the target measured by remote agents, by start (agent_windows): one agent's
   *  (q.agent; then the local windows are left out) or every agent's, merged with the local. */
  remote?: (fromMs: number, toMs: number, agent?: string) => HistoryRow[];
}

let sharedAcc: BucketAccumulator | undefined;

export function queryHistory(src: HistorySource, targetSeq: number, series: SeriesFilter, q: HistoryQuery): HistoryPoint[] {
  const { fromMs, toMs } = q;
  if (!Number.isSafeInteger(fromMs) || fromMs < 0) invalid('from', 'from must be a time in ms since the epoch');
  if (!Number.isSafeInteger(toMs) || toMs <= fromMs) invalid('to', 'to must be a time in ms after from');
  const step = q.stepMs ?? src.windowMs;
  if (!Number.isSafeInteger(step) || step < src.windowMs || step % src.windowMs !== 0) {
    invalid('step', `step must be a multiple of the window length (${src.windowMs} ms)`);
  }
  const points = Math.ceil((toMs - fromMs) / step);
  if (points > MAX_HISTORY_POINTS) invalid('step', `from..to / step gives ${points} points; at most ${MAX_HISTORY_POINTS}: use a larger step`);
  const percentiles = q.percentiles ?? DEFAULT_PERCENTILES;
  percentiles.forEach((p, i) => {
    if (typeof p !== 'number' || !(p >= 0 && p <= 100)) invalid(`percentiles[${i}]`, 'percentiles must be numbers in 0..100');
  });

  // Rollups where they exist and fit the step; raw windows for the rest.
  let rows: HistoryRow[] = [];
  let rawFrom = q.agent === undefined ? fromMs : toMs;
  const rolled = q.agent === undefined ? src.store.rolledUntil(src.windowMs, src.rollupMs) : null;
  if (rolled !== null && step % src.rollupMs === 0 && fromMs % src.rollupMs === 0 && rolled > fromMs) {
    const until = Math.min(rolled, toMs);
    rows = src.store.historyRows(targetSeq, src.rollupMs, fromMs, until);
    rawFrom = until;
  }
  if (rawFrom < toMs) {
    const raw = src.store.historyRows(targetSeq, src.windowMs, rawFrom, toMs);
    rows = rows.length === 0 ? raw : rows.concat(raw);
  }
  const remote = src.remote?.(fromMs, toMs, q.agent) ?? [];
  if (remote.length > 0) rows = rows.length === 0 ? remote : rows.concat(remote).sort((a, b) => a[0] - b[0]);

  // decoded once per distinct stored key (a handful), not per row
  const wanted = new Map<number, boolean>();
  const matches = (key: number): boolean => {
    let m = wanted.get(key);
    if (m === undefined) {
      const d = decodeSeries(key);
      m = d !== null && d.phase === series.phase && (series.probe === null || d.probe === series.probe)
        && (series.monitorSeq === null || d.monitorSeq === series.monitorSeq);
      wanted.set(key, m);
    }
    return m;
  };
  const out: HistoryPoint[] = [];
  // one accumulator for every query (768 KB of typed arrays: too much to allocate and zero per
  // query, bench/README.md#design-history-query); queries run synchronously, so it is never
  // shared by two at once
  const acc = (sharedAcc ??= new BucketAccumulator());
  acc.clear();
  let i = 0;
  const keys = percentiles.map((p) => `p${p}`);
  for (let t = fromMs; t < toMs; t += step) {
    acc.clear();
    let sent = 0;
    let received = 0;
    let min = Infinity;
    let max = -Infinity;
    for (; i < rows.length && rows[i][0] < t + step; i++) {
      const [, rowMonitor, rowSent, rowReceived, rowMin, rowMax, hist] = rows[i];
      if (!matches(rowMonitor)) continue;
      sent += rowSent;
      received += rowReceived;
      if (rowMin !== null && rowMin < min) min = rowMin;
      if (rowMax !== null && rowMax > max) max = rowMax;
      if (hist !== null) acc.addBlob(hist);
    }
    const values = acc.percentiles(percentiles);
    const pct: Record<string, number | null> = {};
    keys.forEach((k, j) => {
      pct[k] = Number.isNaN(values[j]) ? null : values[j] / 1e6;
    });
    out.push({
      t,
      sent,
      received,
      loss: sent === 0 ? null : (100 * (sent - received)) / sent,
      min: received === 0 ? null : min / 1e6,
      max: received === 0 ? null : max / 1e6,
      percentiles: pct,
    });
  }
  return out;
}
