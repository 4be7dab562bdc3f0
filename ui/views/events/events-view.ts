// /ui/events?monitor=&status=&q=&hours=&to= — the state changes of every monitor's targets
// (GET /v1/monitors/{id}/events of each), newest first, filtered by monitor, new status and
// text. Re-read every 10 s while the span ends now (the live feed would carry every target's
// frame to get at the changes; a large monitor's frame is megabytes a second).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api.js';
import { html } from '../../html.js';
import { href, setQuery, type RouteProps } from '../../router.js';
import type { Monitor } from '../monitors/monitor-form.js';
import type { StateChange } from '../target/state-timeline.js';
import { filterEvents, HOURS, readEventsFilter, STATUSES } from './events-filter.js';

const REFRESH_MS = 10_000;

export function EventsView({ query }: RouteProps) {
  const f = readEventsFilter(query);
  const [monitors, setMonitors] = useState<Monitor[] | null>(null);
  const [changes, setChanges] = useState<StateChange[] | null>(null);
  const [truncated, setTruncated] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    api.get<{ items: Monitor[] }>('/v1/monitors').then((r) => setMonitors(r.items)).catch((e: Error) => setError(e.message));
  }, []);

  useEffect(() => {
    if (monitors === null) return;
    const ctl = new AbortController();
    const toMs = f.toMs ?? Date.now() + 1;
    const fromMs = toMs - f.hours * 3_600_000;
    const wanted = f.monitor === null ? monitors : monitors.filter((m) => m.id === f.monitor);
    Promise.all(wanted.map((m) => api.get<{ items: StateChange[]; truncated: boolean }>(`/v1/monitors/${encodeURIComponent(m.id)}/events`, {
      query: { from: fromMs, to: toMs, limit: 10_000 }, signal: ctl.signal,
    }).then((r) => ({ m, r })))).then((answers) => {
      setChanges(answers.flatMap((a) => a.r.items));
      setTruncated(answers.filter((a) => a.r.truncated).map((a) => a.m.name));
      setError(null);
    }).catch((e: Error) => { if (e.name !== 'AbortError') setError(e.message); });
    return () => ctl.abort();
  }, [monitors, f.monitor, f.hours, f.toMs, tick]);

  useEffect(() => {
    if (f.toMs !== null) return;
    const timer = window.setInterval(() => setTick((t) => t + 1), REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [f.toMs]);

  const names = new Map((monitors ?? []).map((m) => [m.id, m.name]));
  const shown = changes === null ? [] : filterEvents(changes, f);
  const toggleStatus = (s: string, on: boolean) => {
    const next = new Set(f.statuses as string[]);
    if (on) next.add(s);
    else next.delete(s);
    setQuery({ status: [...next].join(',') });
  };

  return html`
    <section class="view events">
      <h1>Events</h1>
      <form class="events-filters" onSubmit=${(e: Event) => e.preventDefault()}>
        <label>Monitor
          <select value=${f.monitor ?? ''} onChange=${(e: Event) => setQuery({ monitor: (e.target as HTMLSelectElement).value })}>
            <option value="">every monitor</option>
            ${(monitors ?? []).map((m) => html`<option value=${m.id}>${m.name}</option>`)}
          </select>
        </label>
        <label>Last
          <select value=${String(f.hours)} onChange=${(e: Event) => setQuery({ hours: (e.target as HTMLSelectElement).value === '24' ? null : (e.target as HTMLSelectElement).value })}>
            ${HOURS.map((h) => html`<option value=${String(h)}>${h < 24 ? `${h} h` : `${h / 24} d`}</option>`)}
          </select>
        </label>
        <label>Text
          <input type="search" value=${f.text} placeholder="address or reason" onInput=${(e: Event) => setQuery({ q: (e.target as HTMLInputElement).value })} />
        </label>
        <fieldset class="inline" aria-label="New status">
          ${STATUSES.map((s) => html`<label class="inline"><input type="checkbox" checked=${f.statuses.includes(s)}
            onChange=${(e: Event) => toggleStatus(s, (e.target as HTMLInputElement).checked)} /><span class=${`status-${s}`}>${s}</span></label>`)}
        </fieldset>
      </form>
      ${error !== null && html`<p class="error" role="alert">${error}</p>`}
      ${truncated.length > 0 && html`<p class="muted">More than 10,000 changes in this span for ${truncated.join(', ')}: the oldest 10,000 are shown; pick a shorter span.</p>`}
      ${changes === null && error === null && html`<p class="muted">Loading the state changes…</p>`}
      ${changes !== null && html`<p class="muted">${shown.length} of ${changes.length} changes${f.toMs === null ? ' · refreshed every 10 s' : ''}</p>`}
      ${shown.length > 0 && html`
        <table class="events-table">
          <thead><tr><th scope="col">when</th><th scope="col">monitor</th><th scope="col">target</th><th scope="col">change</th><th scope="col">reason</th></tr></thead>
          <tbody>
            ${shown.slice(0, 2000).map((c) => html`<tr key=${c.id}>
              <td>${new Date(c.atMs).toLocaleString()}</td>
              <td>${names.get(c.monitorId) ?? c.monitorId}</td>
              <td><a href=${href(`/ui/targets/${c.targetId}`, { monitor: c.monitorId, from: String(c.atMs - 1_800_000), to: String(c.atMs + 1_800_000) })}>${c.address}</a></td>
              <td><span class=${`status-${c.from}`}>${c.from}</span> → <span class=${`status-${c.to}`}>${c.to}</span></td>
              <td>${c.reason}</td></tr>`)}
          </tbody>
        </table>`}
    </section>`;
}
