// What the target view reads from the daemon: the window length (the unit every history
// step is a multiple of), the history itself, the target and the monitors that hold it,
// and their state changes.
import { api } from '../../api.js';
import { PERCENTILES_PARAM, type HistoryAnswer } from './smoke-series.js';
import type { StateChange } from './state-timeline.js';
import type { HistoryWindow } from './time-range.js';
import type { Monitor } from '../monitors/monitor-form.js';

export interface Target {
  id: string;
  kind: string;
  address: string;
  port: number | null;
  name: string | null;
  labels: Record<string, string>;
}

let windowMs: Promise<number> | null = null;

/**
 * The daemon's window length (monitoring.windowSeconds): a history query without `step`
 * answers with step = the window, and a 1 ms span costs one empty point. Asked once a page.
 */
export function windowLength(targetId: string): Promise<number> {
  if (windowMs === null) {
    const now = Date.now();
    windowMs = api.get<HistoryAnswer>(`/v1/targets/${encodeURIComponent(targetId)}/history`, { query: { from: now - 1, to: now, percentiles: '50' } })
      .then((a) => a.step)
      .catch((e: unknown) => {
        windowMs = null;
        throw e;
      });
  }
  return windowMs;
}

export interface HistoryRequest {
  from: number;
  to: number;
  step: number;
  percentiles: string;
  monitor?: string;
}

export function historyRequest(w: HistoryWindow, monitor: string | null): HistoryRequest {
  const q: HistoryRequest = { from: w.fromMs, to: w.toMs, step: w.stepMs, percentiles: PERCENTILES_PARAM };
  if (monitor !== null) q.monitor = monitor;
  return q;
}

export function fetchHistory(targetId: string, q: HistoryRequest, signal?: AbortSignal): Promise<HistoryAnswer> {
  return api.get<HistoryAnswer>(`/v1/targets/${encodeURIComponent(targetId)}/history`, { query: { ...q }, signal });
}

/** Whether a monitor's selection holds the target (label values match by dot-segment prefix, as the daemon does). */
export function holds(m: Monitor, t: Target): boolean {
  if ('ids' in m.selection) return m.selection.ids.includes(t.id);
  if (t.kind !== 'HOST') return false;
  return Object.entries(m.selection.labels).every(([k, v]) => {
    const have = t.labels[k];
    return have !== undefined && (have === v || have.startsWith(`${v}.`));
  });
}

export async function fetchChanges(monitorIds: readonly string[], targetId: string, fromMs: number, toMs: number, signal?: AbortSignal): Promise<StateChange[]> {
  const lists = await Promise.all(monitorIds.map((id) => api.get<{ items: StateChange[] }>(`/v1/monitors/${encodeURIComponent(id)}/events`, {
    query: { targetId, from: fromMs, to: toMs, limit: 1000 }, signal,
  })));
  return lists.flatMap((l) => l.items);
}

/** How far back the status at the start of a span is looked for. */
const PRIOR_MS = 7 * 86_400_000;

/**
 * Each monitor's status at `fromMs`: the last change in the week before it. None found
 * means up — the daemon records a target's first status only when it is not up — unless
 * the week held more changes than one answer carries (then unknown).
 */
export async function statusesAt(monitorIds: readonly string[], targetId: string, fromMs: number, signal?: AbortSignal): Promise<Record<string, StateChange['to']>> {
  const out: Record<string, StateChange['to']> = {};
  await Promise.all(monitorIds.map(async (id) => {
    const r = await api.get<{ items: StateChange[]; truncated: boolean }>(`/v1/monitors/${encodeURIComponent(id)}/events`, {
      query: { targetId, from: Math.max(0, fromMs - PRIOR_MS), to: fromMs, limit: 10_000 }, signal,
    });
    out[id] = r.truncated ? 'unknown' : r.items[r.items.length - 1]?.to ?? 'up';
  }));
  return out;
}
