// Which span of history the target view asks for: SmokePing's ranges (last 3 h, 30 h, 10 d,
// 1 y) or an explicit from/to (a drag-to-zoom), and the step that gives a readable number of
// points. Pure: the view passes the clock and the daemon's window length.

export const RANGES = {
  '3h': 3 * 3_600_000,
  '30h': 30 * 3_600_000,
  '10d': 10 * 86_400_000,
  '1y': 365 * 86_400_000,
} as const;

export type RangeName = keyof typeof RANGES;
export const RANGE_NAMES = Object.keys(RANGES) as RangeName[];
export const DEFAULT_RANGE: RangeName = '3h';

/** About this many steps fill a chart: every step stays wider than a pixel pair on a laptop. */
export const MAX_POINTS = 400;

// Steps a person reads on an axis; the first that is a multiple of the window length and
// keeps the count under MAX_POINTS wins. Hour multiples let the daemon answer from rollups.
const LADDER_MS = [
  1_000, 2_000, 5_000, 10_000, 15_000, 30_000,
  60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000,
  3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000, 172_800_000, 604_800_000,
];

export function parseRange(raw: string | null): RangeName {
  return raw !== null && raw in RANGES ? (raw as RangeName) : DEFAULT_RANGE;
}

/** ms since the epoch from a query value: digits are ms, anything else an RFC 3339 time; null if neither. */
export function parseInstant(raw: string | null): number | null {
  if (raw === null || raw === '') return null;
  const ms = /^[0-9]+$/.test(raw) ? Number(raw) : Date.parse(raw);
  return Number.isSafeInteger(ms) && ms >= 0 ? ms : null;
}

export function chooseStep(spanMs: number, windowMs: number, maxPoints = MAX_POINTS): number {
  for (const step of LADDER_MS) {
    if (step % windowMs === 0 && spanMs / step <= maxPoints) return step;
  }
  return windowMs * Math.max(1, Math.ceil(spanMs / maxPoints / windowMs));
}

export interface HistoryWindow {
  fromMs: number;
  toMs: number;
  stepMs: number;
  /** A "last N" range: it follows the clock, so the live tail extends it. */
  live: boolean;
  range: RangeName | null;
}

/**
 * The span to ask for. An explicit from/to (both valid, from < to) wins over the range; from
 * is aligned down to the step so steps fall on the same instants on every reload (and on
 * rollup boundaries when the step is a multiple of an hour).
 */
export function historyWindow(query: URLSearchParams, nowMs: number, windowMs: number): HistoryWindow {
  const from = parseInstant(query.get('from'));
  const to = parseInstant(query.get('to'));
  if (from !== null && to !== null && to > from) {
    const stepMs = chooseStep(to - from, windowMs);
    return { fromMs: Math.floor(from / stepMs) * stepMs, toMs: to, stepMs, live: false, range: null };
  }
  const range = parseRange(query.get('range'));
  const span = RANGES[range];
  const stepMs = chooseStep(span, windowMs);
  return { fromMs: Math.floor((nowMs - span) / stepMs) * stepMs, toMs: nowMs, stepMs, live: true, range };
}
