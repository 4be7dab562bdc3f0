// What the tooltip adds to the frame's figures: the exact loss % and when the status last
// changed, fetched for one target on hover (debounced by the caller) and kept for a few seconds.
import { api } from '../../api.js';

export interface TargetDetail {
  lossPercent: number | null;
  lossWindowMs: number | null;
  /** ms epoch of the last state change in the last 24 h, or null when there was none. */
  sinceMs: number | null;
}

interface SummaryAnswer {
  lossWindowMs: number;
  targets: { targetId: string; lossPercent: number | null }[];
}

interface EventsAnswer {
  items: { atMs: number; to: string }[];
}

const TTL_MS = 5000;
const cache = new Map<string, { at: number; detail: TargetDetail }>();

export async function fetchTargetDetail(monitorId: string, targetId: string, signal: AbortSignal): Promise<TargetDetail> {
  const key = `${monitorId}/${targetId}`;
  const hit = cache.get(key);
  if (hit !== undefined && performance.now() - hit.at < TTL_MS) return hit.detail;
  const base = `/v1/monitors/${encodeURIComponent(monitorId)}`;
  const summary = api.get<SummaryAnswer>(`${base}/summary`, { query: { targetId }, signal });
  const events = api.get<EventsAnswer>(`${base}/events`, { query: { targetId, from: Date.now() - 86_400_000, limit: 10_000 }, signal });
  const [s, ev] = await Promise.all([summary, events]);
  const entry = s.targets.find((t) => t.targetId === targetId);
  const last = ev.items.at(-1);
  const detail: TargetDetail = {
    lossPercent: entry?.lossPercent ?? null,
    lossWindowMs: s.lossWindowMs,
    sinceMs: last?.atMs ?? null,
  };
  cache.set(key, { at: performance.now(), detail });
  if (cache.size > 500) cache.delete(cache.keys().next().value!);
  return detail;
}
