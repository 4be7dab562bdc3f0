// The events view's state in the query string — ?monitor=&status=&q=&hours=&to= — and the
// filter it applies to the state changes read from every monitor's events route.
import type { StateChange, Status } from '../target/state-timeline.js';

export const STATUSES: readonly Status[] = ['up', 'degraded', 'down', 'unknown'];
export const HOURS = [1, 6, 24, 72, 168] as const;

export interface EventsFilter {
  /** Monitor id; null: every monitor. */
  monitor: string | null;
  /** Shown when the change went TO one of these; empty: all. */
  statuses: Status[];
  /** Matched against the address, the target's name and the reason, case-insensitively. */
  text: string;
  hours: number;
  /** End of the span (ms); null: now. */
  toMs: number | null;
}

export function readEventsFilter(q: URLSearchParams): EventsFilter {
  const hours = Number(q.get('hours'));
  const to = q.get('to');
  const toMs = to !== null && /^[0-9]+$/.test(to) ? Number(to) : null;
  return {
    monitor: q.get('monitor') || null,
    statuses: (q.get('status') ?? '').split(',').filter((s): s is Status => (STATUSES as readonly string[]).includes(s)),
    text: q.get('q') ?? '',
    hours: (HOURS as readonly number[]).includes(hours) ? hours : 24,
    toMs,
  };
}

export function filterEvents(changes: readonly StateChange[], f: EventsFilter, names: ReadonlyMap<string, string> = new Map()): StateChange[] {
  const text = f.text.trim().toLowerCase();
  return changes.filter((c) => {
    if (f.monitor !== null && c.monitorId !== f.monitor) return false;
    if (f.statuses.length > 0 && !f.statuses.includes(c.to)) return false;
    if (text !== '') {
      const hay = `${c.address} ${names.get(c.targetId) ?? ''} ${c.reason}`.toLowerCase();
      if (!hay.includes(text)) return false;
    }
    return true;
  }).sort((a, b) => b.atMs - a.atMs || b.id - a.id);
}
