// /ui/targets/<id>?range=3h|30h|10d|1y&from=&to=&monitor=&palette= — one target's smoke
// graph (history API percentiles, live tail from /v1/live), its legend, and the state-change
// timeline of the monitors that probe it. Everything the view shows is named by its URL.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../../api.js';
import { html } from '../../html.js';
import { openLive } from '../../live.js';
import { href, setQuery, type RouteProps } from '../../router.js';
import { LOSS_LABELS, STATUS_NAMES, paletteCss, type PaletteName } from '../fleet/palette.js';
import type { Monitor } from '../monitors/monitor-form.js';
import { fetchChanges, fetchHistory, historyRequest, holds, statusesAt, windowLength, type HistoryRequest, type Target } from './history-api.js';
import { formatLoss, formatMs, legendStats } from './legend-stats.js';
import { LiveTail, type LiveEntry } from './live-tail.js';
import { parsePalette } from './loss-scale.js';
import { SmokeChart } from './smoke-chart.js';
import { SMOKE_PAIRS, seriesFromHistory, withTail, type HistoryAnswer, type SmokeSeries, type TailPoint } from './smoke-series.js';
import { byMonitor, statusSpans, type StateChange, type Status } from './state-timeline.js';
import { historyWindow, RANGE_NAMES, type HistoryWindow } from './time-range.js';

interface Loaded {
  answer: HistoryAnswer;
  series: SmokeSeries;
  request: HistoryRequest;
  window: HistoryWindow;
}

/** What the browser test reads back: the request made, its answer, and the plot. */
interface SmokeProbe {
  request: HistoryRequest;
  answer: HistoryAnswer;
  plot: unknown;
}

function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isAbort(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

export function TargetView({ params, query }: RouteProps) {
  const id = params.id ?? '';
  const palette = parsePalette(query.get('palette'));
  const monitor = query.get('monitor') || null;
  const range = query.get('range');
  const from = query.get('from');
  const to = query.get('to');

  const [target, setTarget] = useState<Target | null>(null);
  const [monitors, setMonitors] = useState<Monitor[] | null>(null);
  const [windowMs, setWindowMs] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [loading, setLoading] = useState(false);
  const [tail, setTail] = useState<TailPoint[]>([]);
  const [changes, setChanges] = useState<StateChange[]>([]);
  const [liveStatus, setLiveStatus] = useState<Record<string, Status>>({});
  const [startStatus, setStartStatus] = useState<Record<string, Status>>({});
  const [refresh, setRefresh] = useState(0);

  // the target, the monitors, the window length: once per target
  useEffect(() => {
    let gone = false;
    setError(null);
    setTarget(null);
    Promise.all([
      api.get<Target>(`/v1/targets/${encodeURIComponent(id)}`),
      api.get<{ items: Monitor[] }>('/v1/monitors'),
      windowLength(id),
    ]).then(([t, m, w]) => {
      if (gone) return;
      setTarget(t);
      setMonitors(m.items);
      setWindowMs(w);
    }).catch((e: unknown) => { if (!gone) setError(describeError(e)); });
    return () => { gone = true; };
  }, [id]);

  const probing = useMemo(() => {
    if (target === null || monitors === null) return [];
    return monitors.filter((m) => holds(m, target));
  }, [target, monitors]);
  const shownMonitors = monitor === null ? probing : probing.filter((m) => m.id === monitor);

  // the history for the URL's range (again every step while following the clock)
  useEffect(() => {
    if (windowMs === null || target === null) return;
    const ctl = new AbortController();
    const w = historyWindow(query, Date.now(), windowMs);
    const request = historyRequest(w, monitor);
    setLoading(true);
    fetchHistory(id, request, ctl.signal).then((answer) => {
      const series = seriesFromHistory(answer);
      setLoaded({ answer, series, request, window: w });
      setError(null);
    }).catch((e: unknown) => {
      if (!isAbort(e)) setError(describeError(e));
    }).finally(() => {
      if (!ctl.signal.aborted) setLoading(false);
    });
    return () => ctl.abort();
  }, [id, windowMs, target, range, from, to, monitor, refresh]);

  // the state changes of the shown span
  useEffect(() => {
    if (loaded === null) return;
    const ctl = new AbortController();
    const ids = shownMonitors.map((m) => m.id);
    Promise.all([
      fetchChanges(ids, id, loaded.window.fromMs, loaded.window.toMs + 1, ctl.signal),
      statusesAt(ids, id, loaded.window.fromMs, ctl.signal),
    ]).then(([c, s]) => {
      setChanges(c);
      setStartStatus(s);
    }).catch((e: unknown) => { if (!isAbort(e)) setError(describeError(e)); });
    return () => ctl.abort();
  }, [loaded, probing, monitor]);

  const live = loaded?.window.live === true;
  const stepMs = loaded?.window.stepMs ?? null;

  // the live tail: frames of this target, gathered into the graph's steps
  useEffect(() => {
    if (!live || stepMs === null || windowMs === null) return;
    // step starts are multiples of the step (historyWindow aligns from so), hence origin 0
    const liveTail = new LiveTail(id, stepMs, 0, monitor);
    setTail([]);
    const close = openLive({ targets: [id] }, {
      onJson(msg) {
        if (msg.type === 'frame' && Array.isArray(msg.targets)) {
          const entries = msg.targets as (LiveEntry & { status?: Status })[];
          if (liveTail.add(entries)) setTail(liveTail.points());
          const statuses: Record<string, Status> = {};
          for (const e of entries) if (e.targetId === id && e.status !== undefined) statuses[e.monitorId] = e.status;
          if (Object.keys(statuses).length > 0) setLiveStatus((s) => ({ ...s, ...statuses }));
        } else if (msg.type === 'state' && Array.isArray(msg.changes)) {
          const mine = (msg.changes as StateChange[]).filter((c) => c.targetId === id && (monitor === null || c.monitorId === monitor));
          if (mine.length > 0) setChanges((c) => [...c, ...mine]);
        }
      },
      onBinary() {},
    });
    // the stored windows replace the tail's approximations as they are sealed
    const every = Math.max(windowMs, Math.min(stepMs, 300_000));
    const timer = window.setInterval(() => setRefresh((r) => r + 1), every);
    return () => {
      close();
      window.clearInterval(timer);
    };
  }, [id, live, stepMs, windowMs, monitor]);

  const shown = useMemo(() => (loaded === null ? null : withTail(loaded.series, live ? tail : [])), [loaded, tail, live]);

  const base = `/ui/targets/${encodeURIComponent(id)}`;
  const keep = { monitor, palette: palette === 'smokeping' ? null : palette };
  const title = target === null ? id : target.name ?? target.address;

  return html`
    <section class="view target">
      <header class="target-head">
        <h1>${title}</h1>
        ${target !== null && html`<p class="muted target-meta">
          ${target.kind} ${target.address}${target.port !== null ? `:${target.port}` : ''}
          ${Object.entries(target.labels).map(([k, v]) => html` <span class="label-chip">${k}=${v}</span>`)}
        </p>`}
      </header>
      ${error !== null && html`<p class="error" role="alert">${error}</p>`}
      <div class="target-bar">
        <nav aria-label="Range" class="ranges">
          ${RANGE_NAMES.map((r) => html`<a class="button" href=${href(base, { ...keep, range: r })}
            aria-current=${loaded?.window.range === r ? 'true' : undefined}>${rangeLabel(r)}</a>`)}
        </nav>
        ${loaded !== null && html`<${PanLinks} base=${base} keep=${keep} w=${loaded.window} />`}
        <label class="inline">Monitor
          <select value=${monitor ?? ''} onChange=${(e: Event) => setQuery({ monitor: (e.target as HTMLSelectElement).value || null })}>
            <option value="">every monitor</option>
            ${probing.map((m) => html`<option value=${m.id}>${m.name}</option>`)}
          </select>
        </label>
        <label class="inline">Palette
          <select value=${palette} onChange=${(e: Event) => setQuery({ palette: (e.target as HTMLSelectElement).value === 'cb' ? 'cb' : null })}>
            <option value="smokeping">SmokePing</option>
            <option value="cb">colour-blind safe</option>
          </select>
        </label>
      </div>
      ${loaded !== null && html`<p class="muted span-line">${spanLine(loaded.window, loading)}</p>`}
      ${shown === null
        ? html`<p class="muted">${error === null ? 'Loading the history…' : 'No graph: the history could not be read.'}</p>`
        : html`<${SmokeGraph} series=${shown} loaded=${loaded!} palette=${palette} />`}
      ${shown !== null && html`<${Legend} series=${shown} palette=${palette} />`}
      ${loaded !== null && html`<${Timeline} monitors=${shownMonitors} changes=${changes} w=${loaded.window} startStatus=${startStatus} liveStatus=${liveStatus} palette=${palette} />`}
    </section>`;
}

function rangeLabel(r: string): string {
  return r === '3h' ? 'Last 3 hours' : r === '30h' ? 'Last 30 hours' : r === '10d' ? 'Last 10 days' : 'Last year';
}

function fmtTime(ms: number, seconds = false): string {
  return new Date(ms).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: seconds ? '2-digit' : undefined });
}

function spanLine(w: HistoryWindow, loading: boolean): string {
  // seconds matter once a step is shorter than a minute
  const sec = w.stepMs < 60_000;
  const parts = [`${fmtTime(w.fromMs, sec)} – ${w.live ? 'now' : fmtTime(w.toMs, sec)}`, `step ${fmtStep(w.stepMs)}`];
  if (w.live) parts.push('live');
  if (loading) parts.push('loading…');
  parts.push('drag across the graph to zoom');
  return parts.join(' · ');
}

function fmtStep(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

type Keep = Record<string, string | null>;

/** Earlier / later / zoom out as links: the keyboard's way to move the span. */
function PanLinks({ base, keep, w }: { base: string; keep: Keep; w: HistoryWindow }) {
  const span = w.toMs - w.fromMs;
  const at = (fromMs: number, toMs: number) => {
    const now = Date.now();
    if (toMs >= now) return href(base, { ...keep, from: String(Math.round(now - (toMs - fromMs))), to: String(now) });
    return href(base, { ...keep, from: String(Math.round(fromMs)), to: String(Math.round(toMs)) });
  };
  return html`
    <nav aria-label="Move the span" class="pan">
      <a class="button" href=${at(w.fromMs - span / 2, w.toMs - span / 2)}>← Earlier</a>
      ${!w.live && html`<a class="button" href=${at(w.fromMs + span / 2, w.toMs + span / 2)}>Later →</a>`}
      <a class="button" href=${at(w.fromMs - span / 2, w.toMs + span / 2)}>Zoom out</a>
      ${!w.live && html`<a class="button" href=${href(base, { ...keep, range: '3h' })}>Back to live</a>`}
    </nav>`;
}

function SmokeGraph({ series, loaded, palette }: { series: SmokeSeries; loaded: Loaded; palette: PaletteName }) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<SmokeChart | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  const span = { fromMs: loaded.window.fromMs, toMs: loaded.window.toMs };
  const events = useRef({
    onZoom: (fromMs: number, toMs: number) => setQuery({ from: String(fromMs), to: String(toMs), range: null }, { replace: false }),
    onHover: (i: number | null) => setHover(i),
  });

  useEffect(() => {
    chart.current = new SmokeChart(host.current!, series, span, palette, {
      onZoom: (a, b) => events.current.onZoom(a, b),
      onHover: (i) => events.current.onHover(i),
    });
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.update(series, span, palette);
    const probe: SmokeProbe = { request: loaded.request, answer: loaded.answer, plot: chart.current?.uplot };
    (window as unknown as { __sondeSmoke?: SmokeProbe }).__sondeSmoke = probe;
    host.current?.setAttribute('data-points', String(loaded.answer.points.length));
  }, [series, span.fromMs, span.toMs, palette, loaded]);

  return html`
    <figure class="smoke">
      <div class="smoke-plot" ref=${host} role="img"
        aria-label=${`Smoke graph: median RTT per ${fmtStep(series.stepMs)} coloured by loss, percentile bands ${SMOKE_PAIRS.map(([a, b]) => `p${a}–p${b}`).join(', ')}`}></div>
      <figcaption class="hover-line" aria-live="off">${hover === null ? html`<span class="muted">Point at a step for its figures.</span>` : stepLine(series, hover)}</figcaption>
    </figure>`;
}

function stepLine(s: SmokeSeries, i: number) {
  const t = s.t[i];
  if (t === undefined) return null;
  const outer = s.bands[0];
  const smoke = `p${outer?.pair[0]}–p${outer?.pair[1]} ${formatMs(outer?.lo[i] ?? null)} – ${formatMs(outer?.hi[i] ?? null)}`;
  return html`<span>${fmtTime(t, s.stepMs < 60_000)}</span>${' · median '}<b>${formatMs(s.median[i] ?? null)}</b>${` · ${smoke} · loss `}<b>${formatLoss(s.loss[i] ?? null)}</b>${` (${s.received[i]} of ${s.sent[i]} answered)`}`;
}

function Legend({ series, palette }: { series: SmokeSeries; palette: PaletteName }) {
  const l = legendStats(series);
  const colours = paletteCss(palette).loss;
  return html`
    <div class="smoke-legend">
      <table>
        <thead><tr><th scope="col"></th><th scope="col">median</th><th scope="col">avg</th><th scope="col">max</th><th scope="col">min</th><th scope="col">now</th><th scope="col">sd</th></tr></thead>
        <tbody>
          <tr><th scope="row">median RTT</th><td>${formatMs(l.median)}</td><td>${formatMs(l.avg)}</td><td>${formatMs(l.max)}</td><td>${formatMs(l.min)}</td><td>${formatMs(l.now)}</td><td>${formatMs(l.sd)}</td></tr>
          <tr><th scope="row">packet loss</th><td></td><td>${formatLoss(l.lossAvg)}</td><td>${formatLoss(l.lossMax)}</td><td></td><td>${formatLoss(l.lossNow)}</td><td></td></tr>
        </tbody>
      </table>
      <ul class="loss-key" aria-label="Median colour by loss">
        ${LOSS_LABELS.map((label, i) => html`<li><span class="swatch" style=${{ background: colours[i] }}></span>${label}</li>`)}
      </ul>
      <p class="muted smoke-key">Smoke: ${SMOKE_PAIRS.map(([a, b]) => `p${a}–p${b}`).join(', ')} of every RTT in the step (outermost faintest), from the stored histograms.</p>
    </div>`;
}

function Timeline({ monitors, changes, w, startStatus, liveStatus, palette }: { monitors: Monitor[]; changes: StateChange[]; w: HistoryWindow; startStatus: Record<string, Status>; liveStatus: Record<string, Status>; palette: PaletteName }) {
  const groups = byMonitor(changes);
  const toMs = w.live ? Math.max(w.toMs, Date.now()) : w.toMs;
  const span = toMs - w.fromMs;
  const recent = [...changes].sort((a, b) => b.atMs - a.atMs).slice(0, 50);
  const names = new Map(monitors.map((m) => [m.id, m.name]));
  // the fleet view's status colours, so the colour-blind-safe palette covers the strip too
  const statusColours = paletteCss(palette).status;
  if (monitors.length === 0) return html`<section class="timeline"><h2>State changes</h2><p class="muted">No monitor probes this target.</p></section>`;
  return html`
    <section class="timeline">
      <h2>State changes</h2>
      ${monitors.map((m) => {
        const list = groups.get(m.id) ?? [];
        // nothing to show before the monitor existed
        const start = Math.min(toMs, Math.max(w.fromMs, m.createdAtMs));
        const spans = statusSpans(list, start, toMs, startStatus[m.id] ?? liveStatus[m.id] ?? 'unknown');
        return html`
          <div class="timeline-row">
            <span class="timeline-name">${m.name}</span>
            <div class="timeline-strip" role="img" aria-label=${`${m.name}: ${list.length} state changes in this span`}>
              ${spans.map((s) => html`<span class=${`timeline-span bg-${s.status}`} title=${`${s.status} ${fmtTime(s.fromMs)} – ${fmtTime(s.toMs)}`}
                style=${{ left: `${(100 * (s.fromMs - w.fromMs)) / span}%`, width: `${(100 * (s.toMs - s.fromMs)) / span}%`, background: statusColours[STATUS_NAMES.indexOf(s.status)] }}></span>`)}
            </div>
          </div>`;
      })}
      ${recent.length === 0
        ? html`<p class="muted">No state change in this span: the strip shows the status the span began with.</p>`
        : html`<table class="events-table">
            <thead><tr><th scope="col">when</th><th scope="col">monitor</th><th scope="col">change</th><th scope="col">reason</th></tr></thead>
            <tbody>${recent.map((c) => html`<tr key=${c.id}>
              <td>${fmtTime(c.atMs)}</td><td>${names.get(c.monitorId) ?? c.monitorId}</td>
              <td><span class=${`status-${c.from}`}>${c.from}</span> → <span class=${`status-${c.to}`}>${c.to}</span></td><td>${c.reason}</td></tr>`)}
            </tbody></table>`}
    </section>`;
}
