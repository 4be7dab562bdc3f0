// The smoke graph's series from GET /v1/targets/{id}/history: per step the median and the
// symmetric percentile pairs the daemon computes from the stored HDR histograms, with the
// step's loss. SmokePing draws 20 sorted pings as smoke; five pairs of percentiles of every
// RTT in the step are the same picture drawn from the whole distribution.

/** Outermost first: drawn in this order, each inner band over the outer one. */
export const SMOKE_PAIRS = [[5, 95], [10, 90], [20, 80], [30, 70], [40, 60]] as const;
export const SMOKE_PERCENTILES: readonly number[] = [...new Set([...SMOKE_PAIRS.flat(), 50])].sort((a, b) => a - b);
/** The `percentiles` query value that asks for every percentile above. */
export const PERCENTILES_PARAM = SMOKE_PERCENTILES.join(',');

/** One point of the history answer: counters and `p<N>` keys (ms, null without answers). */
export type HistoryPoint = {
  t: number;
  sent: number;
  received: number;
  loss: number | null;
  min: number | null;
  max: number | null;
} & Record<string, number | null>;

export interface HistoryAnswer {
  targetId: string;
  step: number;
  points: HistoryPoint[];
}

export type Values = (number | null)[];

export interface SmokeSeries {
  stepMs: number;
  /** Step starts, ms since the epoch. */
  t: number[];
  median: Values;
  loss: Values;
  sent: number[];
  received: number[];
  min: Values;
  max: Values;
  /** One per SMOKE_PAIRS entry, same order: the low and high percentile per step. */
  bands: { lo: Values; hi: Values; pair: readonly [number, number] }[];
}

function value(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function emptySeries(stepMs: number): SmokeSeries {
  return { stepMs, t: [], median: [], loss: [], sent: [], received: [], min: [], max: [], bands: SMOKE_PAIRS.map((pair) => ({ lo: [], hi: [], pair })) };
}

export function seriesFromHistory(answer: HistoryAnswer): SmokeSeries {
  const s = emptySeries(answer.step);
  for (const p of answer.points) {
    s.t.push(p.t);
    s.median.push(value(p.p50));
    s.loss.push(value(p.loss));
    s.sent.push(p.sent);
    s.received.push(p.received);
    s.min.push(value(p.min));
    s.max.push(value(p.max));
    SMOKE_PAIRS.forEach(([lo, hi], i) => {
      s.bands[i]!.lo.push(value(p[`p${lo}`]));
      s.bands[i]!.hi.push(value(p[`p${hi}`]));
    });
  }
  return s;
}

/** The step a live tail fills in: median and loss only (the live feed carries no histogram). */
export interface TailPoint {
  t: number;
  sent: number;
  received: number;
  median: number | null;
}

/**
 * History with the live tail after it. A tail step the history holds replaces it only when
 * the history saw nothing there yet (its windows not sealed); a later one is appended.
 */
export function withTail(history: SmokeSeries, tail: readonly TailPoint[]): SmokeSeries {
  if (tail.length === 0) return history;
  const s: SmokeSeries = {
    stepMs: history.stepMs,
    t: history.t.slice(), median: history.median.slice(), loss: history.loss.slice(),
    sent: history.sent.slice(), received: history.received.slice(), min: history.min.slice(), max: history.max.slice(),
    bands: history.bands.map((b) => ({ lo: b.lo.slice(), hi: b.hi.slice(), pair: b.pair })),
  };
  const index = new Map<number, number>();
  s.t.forEach((t, i) => index.set(t, i));
  for (const p of tail) {
    const loss = p.sent === 0 ? null : (100 * (p.sent - p.received)) / p.sent;
    const i = index.get(p.t);
    if (i !== undefined) {
      if (s.sent[i]! > 0) continue;
      s.median[i] = p.median;
      s.loss[i] = loss;
      s.sent[i] = p.sent;
      s.received[i] = p.received;
    } else if (s.t.length === 0 || p.t > s.t[s.t.length - 1]!) {
      s.t.push(p.t);
      s.median.push(p.median);
      s.loss.push(loss);
      s.sent.push(p.sent);
      s.received.push(p.received);
      s.min.push(null);
      s.max.push(null);
      for (const b of s.bands) {
        b.lo.push(null);
        b.hi.push(null);
      }
    }
  }
  return s;
}

/** The largest value any band or the median reaches (the y axis' top), null when empty. */
export function seriesTop(s: SmokeSeries): number | null {
  let top: number | null = null;
  const consider = (v: number | null) => { if (v !== null && (top === null || v > top)) top = v; };
  s.median.forEach(consider);
  s.bands[0]?.hi.forEach(consider);
  return top;
}
