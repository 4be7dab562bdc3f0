// The state-change timeline under the smoke graph: from a target's stored transitions
// (GET /v1/monitors/{id}/events?targetId=, oldest first) the spans of each status over the
// shown range, one row per monitor.

export type Status = 'unknown' | 'up' | 'degraded' | 'down';

export interface StateChange {
  id: number;
  monitorId: string;
  targetId: string;
  address: string;
  from: Status;
  to: Status;
  atMs: number;
  reason: string;
}

export interface Span {
  fromMs: number;
  toMs: number;
  status: Status;
}

/**
 * Spans covering [fromMs, toMs) for one monitor's changes of one target. Before the first
 * change the status is that change's `from`; without any change it is `fallback` (the
 * target's current status, or unknown).
 */
export function statusSpans(changes: readonly StateChange[], fromMs: number, toMs: number, fallback: Status = 'unknown'): Span[] {
  const sorted = [...changes].sort((a, b) => a.atMs - b.atMs || a.id - b.id);
  const spans: Span[] = [];
  let status: Status = sorted.length > 0 ? sorted[0]!.from : fallback;
  let start = fromMs;
  for (const c of sorted) {
    if (c.atMs <= fromMs) {
      status = c.to;
      continue;
    }
    if (c.atMs >= toMs) break;
    if (c.atMs > start) spans.push({ fromMs: start, toMs: c.atMs, status });
    status = c.to;
    start = c.atMs;
  }
  if (start < toMs) spans.push({ fromMs: start, toMs, status });
  // neighbours with one status (a change to the same status) read as one span
  const merged: Span[] = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last !== undefined && last.status === s.status && last.toMs === s.fromMs) last.toMs = s.toMs;
    else merged.push({ ...s });
  }
  return merged;
}

/** Changes grouped by monitor, each group oldest first. */
export function byMonitor(changes: readonly StateChange[]): Map<string, StateChange[]> {
  const out = new Map<string, StateChange[]>();
  for (const c of changes) {
    let list = out.get(c.monitorId);
    if (list === undefined) out.set(c.monitorId, (list = []));
    list.push(c);
  }
  for (const list of out.values()) list.sort((a, b) => a.atMs - b.atMs || a.id - b.id);
  return out;
}
