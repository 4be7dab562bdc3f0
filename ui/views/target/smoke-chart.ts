// The smoke graph on a uPlot canvas. uPlot gives the axes, scales, cursor and drag-select;
// the smoke and the median are painted in its draw hook the way SmokePing paints them: per
// step a block from the step's start to its end, the percentile bands under the median,
// and the median as a short bar coloured by the step's loss.
import uPlot from 'uplot';
import { lossBucket, lossColour } from './loss-scale.js';
import { seriesTop, type SmokeSeries } from './smoke-series.js';
import type { PaletteName } from '../fleet/palette.js';

// SmokePing shades its 20 sorted pings from light (outermost) to dark (innermost) on white:
// the faintest smoke is the rarest RTT. On the dashboard's dark background the same rule —
// faintest outside — makes the outermost band the darkest. One grey per SMOKE_PAIRS entry.
const SMOKE_GREYS = ['#30363c', '#464d54', '#5f666e', '#7b838b', '#9aa2aa'];
const AXIS = '#9aa5b1';
const GRID = '#2c343c';
/** 100 % loss has no median: SmokePing leaves a gap; a faint column makes the outage visible. */
const OUTAGE = 'rgba(255, 59, 48, 0.18)';
/** Marked once per chart, after its first paint: what bench:dashboard times a target view by. */
export const SMOKE_DRAWN_MARK = 'sonde:smoke-graph-drawn';

export interface ChartEvents {
  /** A drag selected [fromMs, toMs). */
  onZoom(fromMs: number, toMs: number): void;
  /** The cursor is over step i (null: left the plot). */
  onHover(i: number | null): void;
}

export class SmokeChart {
  private readonly plot: uPlot;
  private series: SmokeSeries;
  private palette: PaletteName;
  private fromMs: number;
  private toMs: number;
  private readonly resize: ResizeObserver;
  private drawn = false;

  constructor(host: HTMLElement, series: SmokeSeries, span: { fromMs: number; toMs: number }, palette: PaletteName, events: ChartEvents) {
    this.series = series;
    this.palette = palette;
    this.fromMs = span.fromMs;
    this.toMs = span.toMs;
    const invisible = { paths: () => null, points: { show: false } };
    const opts: uPlot.Options = {
      width: Math.max(320, host.clientWidth),
      height: chartHeight(host),
      legend: { show: false },
      cursor: {
        drag: { x: true, y: false, setScale: false, dist: 4 },
        points: { show: false },
        y: false,
      },
      scales: {
        x: { time: true, auto: false, range: () => [this.fromMs / 1000, this.toMs / 1000] },
        y: { range: () => [0, niceTop(seriesTop(this.series))] },
      },
      axes: [
        { stroke: AXIS, grid: { stroke: GRID, width: 1 }, ticks: { stroke: GRID, width: 1 } },
        { stroke: AXIS, grid: { stroke: GRID, width: 1 }, ticks: { stroke: GRID, width: 1 }, size: 70, values: (_u, vals) => vals.map(axisMs), label: 'RTT' },
      ],
      series: [
        {},
        { label: 'median', ...invisible },
        { label: `p${series.bands[0]?.pair[0] ?? 5}`, ...invisible },
        { label: `p${series.bands[0]?.pair[1] ?? 95}`, ...invisible },
      ],
      hooks: {
        draw: [(u) => this.paint(u)],
        setSelect: [(u) => {
          const { left, width } = u.select;
          if (width > 2) {
            const from = Math.round(u.posToVal(left, 'x') * 1000);
            const to = Math.round(u.posToVal(left + width, 'x') * 1000);
            if (to > from) events.onZoom(from, to);
          }
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
        }],
        setCursor: [(u) => {
          const i = u.cursor.idx;
          events.onHover(i === null || i === undefined || u.cursor.left === undefined || u.cursor.left < 0 ? null : i);
        }],
      },
    };
    this.plot = new uPlot(opts, this.data(), host);
    this.resize = new ResizeObserver(() => {
      const width = Math.max(320, host.clientWidth);
      if (width !== this.plot.width) this.plot.setSize({ width, height: chartHeight(host) });
    });
    this.resize.observe(host);
  }

  /** The uPlot instance (the browser test reads its data). */
  get uplot(): uPlot {
    return this.plot;
  }

  update(series: SmokeSeries, span: { fromMs: number; toMs: number }, palette: PaletteName): void {
    this.series = series;
    this.palette = palette;
    this.fromMs = span.fromMs;
    this.toMs = span.toMs;
    this.plot.batch(() => {
      this.plot.setData(this.data());
      // the span, not the data, bounds the x axis (steps without answers stay visible as gaps)
      this.plot.setScale('x', { min: this.fromMs / 1000, max: this.toMs / 1000 });
    });
  }

  destroy(): void {
    this.resize.disconnect();
    this.plot.destroy();
  }

  private data(): uPlot.AlignedData {
    const s = this.series;
    const outer = s.bands[0];
    return [
      s.t.map((t) => t / 1000),
      s.median,
      outer?.lo ?? s.median.map(() => null),
      outer?.hi ?? s.median.map(() => null),
    ];
  }

  private paint(u: uPlot): void {
    const s = this.series;
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    const x = (ms: number) => u.valToPos(ms / 1000, 'x', true);
    const y = (v: number) => u.valToPos(v, 'y', true);
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    const n = s.t.length;
    for (let i = 0; i < n; i++) {
      if (lossBucket(s.loss[i] ?? null) === 7) {
        ctx.fillStyle = OUTAGE;
        const x0 = x(s.t[i]!);
        ctx.fillRect(x0, top, Math.max(1, x(s.t[i]! + s.stepMs) - x0), height);
      }
    }
    s.bands.forEach((band, b) => {
      ctx.fillStyle = SMOKE_GREYS[b] ?? SMOKE_GREYS[SMOKE_GREYS.length - 1]!;
      for (let i = 0; i < n; i++) {
        const lo = band.lo[i];
        const hi = band.hi[i];
        if (lo === null || hi === null || lo === undefined || hi === undefined) continue;
        const x0 = x(s.t[i]!);
        const y0 = y(hi);
        ctx.fillRect(x0, y0, Math.max(1, x(s.t[i]! + s.stepMs) - x0), Math.max(1, y(lo) - y0));
      }
    });
    const bar = Math.max(2, Math.round(2 * devicePixelRatio));
    for (let i = 0; i < n; i++) {
      const m = s.median[i];
      if (m === null || m === undefined) continue;
      const x0 = x(s.t[i]!);
      const w = Math.max(1, x(s.t[i]! + s.stepMs) - x0);
      const ym = Math.round(y(m) - bar / 2);
      // a light edge keeps dark palette colours readable on the dark background
      ctx.fillStyle = 'rgba(230, 233, 236, 0.5)';
      ctx.fillRect(x0, ym - 1, w, bar + 2);
      ctx.fillStyle = lossColour(s.loss[i] ?? null, this.palette) ?? AXIS;
      ctx.fillRect(x0, ym, w, bar);
    }
    ctx.restore();
    if (!this.drawn) {
      this.drawn = true;
      performance.mark(SMOKE_DRAWN_MARK, { detail: { points: n } });
    }
  }
}

function chartHeight(host: HTMLElement): number {
  // taller on a wall screen, never a sliver on a laptop
  return Math.round(Math.min(Math.max(host.clientWidth * 0.32, 240), 560));
}

/** A y-axis top a little above the highest smoke. */
function niceTop(top: number | null): number {
  if (top === null || !(top > 0)) return 1;
  const raw = top * 1.1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

function axisMs(v: number): string {
  if (v === 0) return '0';
  if (v < 1) return `${+(v * 1000).toPrecision(3)} µs`;
  if (v >= 1000) return `${+(v / 1000).toPrecision(3)} s`;
  return `${+v.toPrecision(3)} ms`;
}
