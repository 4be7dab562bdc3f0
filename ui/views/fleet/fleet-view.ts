// The landing page: every target of one monitor as a cell of a canvas grid, live from
// /v1/live's fleet frames, with counts per status, filters and sort in the query string.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, can } from '../../api.js';
import { html } from '../../html.js';
import { notify } from '../../notices.js';
import { href, navigate, setQuery, type RouteProps } from '../../router.js';
import { FleetController } from './fleet-controller.js';
import { fetchTargetDetail, type TargetDetail } from './fleet-detail.js';
import { readFleetQuery, toFilter, type FleetQuery } from './fleet-query.js';
import type { FleetState } from './fleet-state.js';
import { LOSS_LABELS, STATUS_NAMES, paletteCss } from './palette.js';

interface MonitorItem {
  id: string;
  name: string;
  enabled: boolean;
}

export function FleetView({ query }: RouteProps) {
  const fq = readFleetQuery(query);
  const [monitors, setMonitors] = useState<MonitorItem[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  useEffect(() => {
    api.get<{ items: MonitorItem[] }>('/v1/monitors').then(
      (r) => setMonitors([...r.items].sort((a, b) => a.name.localeCompare(b.name))),
      (e: Error) => setLoadError(e.message),
    );
  }, []);

  const monitorId = fq.monitor ?? monitors?.[0]?.id ?? null;
  useEffect(() => {
    if (fq.monitor === null && monitorId !== null) setQuery({ monitor: monitorId });
  }, [fq.monitor, monitorId]);

  if (loadError !== null) return html`<section class="view fleet"><h1>Fleet</h1><p class="error" role="alert">${loadError}</p></section>`;
  if (monitors === null) return html`<section class="view fleet"><h1>Fleet</h1><p class="muted" aria-busy="true">Loading monitors…</p></section>`;
  if (monitors.length === 0) {
    return html`<section class="view fleet"><h1>Fleet</h1>
      <p>No monitors yet: a monitor picks the targets to probe once a second, and the fleet view shows them.</p>
      ${can('network:write') && html`<p><a class="button" data-edit href="/ui/monitors/new">Create a monitor</a></p>`}
    </section>`;
  }
  const known = monitors.some((m) => m.id === monitorId);
  return html`
    <section class="view fleet">
      <div class="fleet-head">
        <h1>Fleet</h1>
        <label class="inline">Monitor
          <select value=${monitorId ?? ''} onChange=${(e: Event) => setQuery({ monitor: (e.target as HTMLSelectElement).value }, { replace: false })}>
            ${!known && html`<option value=${monitorId ?? ''}>${monitorId} (unknown)</option>`}
            ${monitors.map((m) => html`<option value=${m.id}>${m.name}${m.enabled ? '' : ' (disabled)'}</option>`)}
          </select>
        </label>
        ${can('network:write') && monitorId !== null && html`
          <a class="button" data-edit href=${`/ui/monitors/${encodeURIComponent(monitorId)}`}>Edit monitor</a>
          <a class="button" data-edit href="/ui/monitors/new">New monitor</a>`}
      </div>
      ${!known && html`<p class="error" role="alert">No monitor ${monitorId}: pick one from the list.</p>`}
      ${known && monitorId !== null && html`<${FleetPanel} key=${monitorId} monitorId=${monitorId} fq=${fq} />`}
    </section>`;
}

interface Counts {
  counts: number[];
  total: number;
  shown: number;
  framed: boolean;
  kinds: string[];
}

function FleetPanel({ monitorId, fq }: { monitorId: string; fq: FleetQuery }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const hostRef = useRef<HTMLDivElement>(null);
  const ctl = useRef<FleetController | null>(null);
  const [counts, setCounts] = useState<Counts>({ counts: [0, 0, 0, 0], total: 0, shown: 0, framed: false, kinds: [] });
  const [hover, setHover] = useState<number>(-1);
  const filter = useMemo(() => toFilter(fq), [fq.text, fq.label, fq.kind, fq.statuses.join(','), fq.sort]);

  useEffect(() => {
    const c = new FleetController(canvasRef.current!, hostRef.current!, filter, fq.palette, fq.colourBy, {
      onIndex: (s: FleetState) => setCounts((prev) => ({ ...prev, kinds: s.kinds })),
      onFrame: (s, order) => setCounts((prev) => ({ counts: Array.from(s.counts), total: s.n, shown: order.length, framed: s.framed, kinds: prev.kinds })),
      onError: (m) => notify(m),
    });
    ctl.current = c;
    c.start(monitorId);
    return () => { c.stop(); ctl.current = null; };
  }, [monitorId]);

  useEffect(() => { ctl.current?.setFilter(filter); }, [filter]);
  useEffect(() => { ctl.current?.setColours(fq.palette, fq.colourBy); }, [fq.palette, fq.colourBy]);

  const toggleStatus = (name: string) => {
    const set = new Set(fq.statuses);
    if (set.has(name)) set.delete(name);
    else set.add(name);
    setQuery({ status: [...set].join(',') });
  };

  const open = (index: number) => {
    const t = ctl.current?.state.targets[index];
    if (t !== undefined) navigate(href(`/ui/targets/${encodeURIComponent(t.id)}`, { monitor: monitorId }));
  };

  const fromEvent = (e: MouseEvent) => {
    const r = canvasRef.current!.getBoundingClientRect();
    return ctl.current?.indexAt(e.clientX - r.left, e.clientY - r.top) ?? -1;
  };

  const onKey = (e: KeyboardEvent) => {
    const c = ctl.current;
    if (c === null || c.order.length === 0) return;
    const cell = hover >= 0 ? c.order.cellOf[hover]! : -1;
    const cols = c.columns;
    let next = cell;
    switch (e.key) {
      case 'ArrowRight': next = cell + 1; break;
      case 'ArrowLeft': next = cell - 1; break;
      case 'ArrowDown': next = cell < 0 ? 0 : cell + cols; break;
      case 'ArrowUp': next = cell - cols; break;
      case 'Home': next = 0; break;
      case 'End': next = c.order.length - 1; break;
      case 'Enter': if (hover >= 0) open(hover); return;
      case 'Escape': setHover(-1); return;
      default: return;
    }
    e.preventDefault();
    next = Math.max(0, Math.min(c.order.length - 1, next));
    setHover(c.order.order[next]!);
  };

  const pal = paletteCss(fq.palette);
  return html`
    <div class="fleet-bar">
      <ul class="counts" aria-label="Targets per status (press to filter)">
        ${(['up', 'degraded', 'down', 'unknown'] as const).map((name) => {
          const n = counts.counts[STATUS_NAMES.indexOf(name)] ?? 0;
          return html`<li>
            <button type="button" class=${`count count-${name}`} data-status-count=${name} data-count=${n}
              aria-pressed=${fq.statuses.includes(name)} onClick=${() => toggleStatus(name)}>
              <span class="swatch" style=${{ background: pal.status[STATUS_NAMES.indexOf(name)] }}></span>
              ${name} <b>${n.toLocaleString()}</b>
            </button></li>`;
        })}
      </ul>
      <p class="shown" data-fleet-shown=${counts.shown} data-fleet-total=${counts.total} data-fleet-live=${counts.framed ? 'yes' : 'no'}>
        ${counts.framed ? `${counts.shown.toLocaleString()} of ${counts.total.toLocaleString()} targets` : counts.total > 0 ? `${counts.total.toLocaleString()} targets, waiting for the first frame…` : 'connecting…'}
      </p>
    </div>
    <${FleetFilters} fq=${fq} kinds=${counts.kinds} />
    <${Legend} fq=${fq} />
    <div class="fleet-grid" ref=${hostRef}>
      <canvas ref=${canvasRef} tabindex="0" role="img" class="fleet-canvas"
        aria-label=${`Fleet grid: ${counts.shown} targets. Arrow keys move between targets, Enter opens one.`}
        aria-describedby=${hover >= 0 ? 'fleet-tip' : undefined}
        onMouseMove=${(e: MouseEvent) => { const i = fromEvent(e); if (i !== hover) setHover(i); }}
        onMouseLeave=${() => setHover(-1)}
        onClick=${(e: MouseEvent) => { const i = fromEvent(e); if (i >= 0) open(i); }}
        onKeyDown=${onKey}
        onBlur=${() => setHover(-1)}></canvas>
      ${hover >= 0 && ctl.current !== null && html`<${Tooltip} ctl=${ctl.current} index=${hover} monitorId=${monitorId} />`}
    </div>`;
}

function FleetFilters({ fq, kinds }: { fq: FleetQuery; kinds: string[] }) {
  const value = (e: Event) => (e.target as HTMLInputElement | HTMLSelectElement).value;
  return html`
    <form class="fleet-filters" role="search" aria-label="Filter the fleet" onSubmit=${(e: Event) => e.preventDefault()}>
      <label>Name or address <input type="search" name="q" value=${fq.text} placeholder="e.g. core or 10.1." onInput=${(e: Event) => setQuery({ q: value(e) })} /></label>
      <label>Labels <input type="search" name="label" value=${fq.label} placeholder="site:eu role:core" onInput=${(e: Event) => setQuery({ label: value(e) })} /></label>
      <label>Kind <select name="kind" value=${fq.kind} onChange=${(e: Event) => setQuery({ kind: value(e) })}>
        <option value="">any</option>
        ${[...new Set([...kinds, ...(fq.kind === '' ? [] : [fq.kind])])].map((k) => html`<option value=${k}>${k}</option>`)}
      </select></label>
      <label>Sort <select name="sort" value=${fq.sort} onChange=${(e: Event) => setQuery({ sort: value(e) === 'name' ? null : value(e) })}>
        <option value="name">name</option><option value="loss">loss (worst first)</option><option value="rtt">RTT (slowest first)</option>
      </select></label>
      <label>Colour by <select name="color" value=${fq.colourBy} onChange=${(e: Event) => setQuery({ color: value(e) === 'status' ? null : value(e) })}>
        <option value="status">status</option><option value="loss">loss</option>
      </select></label>
      <label>Palette <select name="palette" value=${fq.palette} onChange=${(e: Event) => setQuery({ palette: value(e) === 'smokeping' ? null : value(e) })}>
        <option value="smokeping">SmokePing</option><option value="cb">colour-blind safe</option>
      </select></label>
    </form>`;
}

function Legend({ fq }: { fq: FleetQuery }) {
  const pal = paletteCss(fq.palette);
  const items = fq.colourBy === 'loss'
    ? LOSS_LABELS.map((label, i) => ({ label, colour: pal.loss[i]! }))
    : STATUS_NAMES.map((label, i) => ({ label, colour: pal.status[i]! }));
  return html`<ul class="legend" aria-label=${fq.colourBy === 'loss' ? 'Loss over the last 5 minutes' : 'Status'}>
    ${fq.colourBy === 'loss' && html`<li class="muted">loss (5 min):</li>`}
    ${items.map((it) => html`<li><span class="swatch" style=${{ background: it.colour }}></span>${it.label}</li>`)}
  </ul>`;
}

function Tooltip({ ctl, index, monitorId }: { ctl: FleetController; index: number; monitorId: string }) {
  const t = ctl.state.targets[index];
  const box = ctl.boxOf(index);
  const [detail, setDetail] = useState<TargetDetail | null>(null);
  const [, tick] = useState(0);
  useEffect(() => {
    setDetail(null);
    if (t === undefined) return;
    const ac = new AbortController();
    // Debounced: moving the mouse across a thousand cells asks for none of them.
    const timer = window.setTimeout(() => {
      fetchTargetDetail(monitorId, t.id, ac.signal).then(setDetail, (e: Error) => { if (e.name !== 'AbortError') setDetail(null); });
    }, 200);
    const live = window.setInterval(() => tick((n) => n + 1), 1000);
    return () => { ac.abort(); window.clearTimeout(timer); window.clearInterval(live); };
  }, [t?.id, monitorId]);
  if (t === undefined || box === null) return null;
  const s = ctl.state;
  const rtt = s.rtt[index]!;
  const status = STATUS_NAMES[s.status[index]!]!;
  const left = box.x + box.size + 8;
  const flip = left + 300 > ctl.width;
  return html`
    <div id="fleet-tip" class=${`tooltip${flip ? ' flip' : ''}`} role="tooltip"
      style=${{ left: `${flip ? Math.max(0, box.x - 8) : left}px`, top: `${box.y}px` }}>
      <strong>${t.name}</strong>
      <dl>
        <dt>address</dt><dd>${t.address}</dd>
        <dt>status</dt><dd class=${`status-${status}`}>${status}</dd>
        <dt>last RTT</dt><dd>${Number.isNaN(rtt) ? 'no answer' : status === 'down' ? `no answer now (last ${fmtMs(rtt)})` : fmtMs(rtt)}</dd>
        <dt>loss</dt><dd>${detail?.lossPercent != null ? `${detail.lossPercent.toFixed(1)} % (${Math.round((detail.lossWindowMs ?? 300_000) / 60_000)} min)` : `${LOSS_LABELS[s.loss[index]!]} (5 min)`}</dd>
        <dt>status since</dt><dd>${detail === null ? '…' : detail.sinceMs === null ? 'no change in 24 h' : `${new Date(detail.sinceMs).toLocaleString()} (${ago(detail.sinceMs)})`}</dd>
      </dl>
    </div>
    <div class="cell-focus" style=${{ left: `${box.x - 2}px`, top: `${box.y - 2}px`, width: `${box.size + 4}px`, height: `${box.size + 4}px` }}></div>`;
}

function fmtMs(ms: number): string {
  return `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`;
}

/** '42 s ago', '5 min ago', '3 h ago'. */
function ago(atMs: number): string {
  const s = Math.max(0, Math.round((Date.now() - atMs) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}
