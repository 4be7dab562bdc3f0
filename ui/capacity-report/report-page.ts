// The capacity report's page script, inlined into the self-contained HTML file that
// `sonde capacity report --html` writes (built by scripts/build-ui.mjs into dist/capacity-report/).
// It reads the charts' data from the page's JSON block and draws each with uPlot; the box
// plots and the knee markers are painted in uPlot's draw hook. The uPlot instances are left on
// window.sondeReport so that a test (or a curious reader's console) can read back what was drawn.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './report.css';
import type { ChartSpec, ReportData } from './report-data.js';

declare global {
  interface Window {
    sondeReport?: { data: ReportData; charts: Record<string, uPlot> };
  }
}

const RUN_COLORS = ['#1f77b4', '#d62728'];
const KNEE = '#9467bd';

const fmt = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : Number(v.toPrecision(digits)).toString());

function kneePlugin(spec: ChartSpec): uPlot.Plugin {
  return {
    hooks: {
      draw: [(u) => {
        const ctx = u.ctx;
        for (const k of spec.knees) {
          const x = u.valToPos(k.x, 'x', true);
          if (!Number.isFinite(x)) continue;
          ctx.save();
          ctx.strokeStyle = KNEE;
          ctx.lineWidth = 2 * uPlot.pxRatio;
          ctx.setLineDash(k.run === 1 ? [3 * uPlot.pxRatio, 3 * uPlot.pxRatio] : [8 * uPlot.pxRatio, 4 * uPlot.pxRatio]);
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.setLineDash([]);
          ctx.fillStyle = KNEE;
          ctx.font = `${12 * uPlot.pxRatio}px system-ui, sans-serif`;
          ctx.fillText(spec.knees.length > 1 ? `knee ${k.run === 0 ? 'A' : 'B'}` : 'knee', x + 4 * uPlot.pxRatio, u.bbox.top + (12 + 14 * k.run) * uPlot.pxRatio);
          ctx.restore();
        }
      }],
    },
  };
}

/** Box plots: per step and run the five values of series (5r+1 … 5r+5), side by side when two runs. */
function boxPlugin(spec: ChartSpec): uPlot.Plugin {
  const runs = spec.series.length / 5;
  return {
    hooks: {
      draw: [(u) => {
        const ctx = u.ctx;
        const xs = u.data[0];
        const slot = xs.length > 1 ? Math.abs(u.valToPos(xs[1], 'x', true) - u.valToPos(xs[0], 'x', true)) : u.bbox.width / 4;
        const width = Math.max(2, Math.min(40 * uPlot.pxRatio, (slot * 0.7) / runs));
        for (let r = 0; r < runs; r++) {
          const col = (f: number) => u.data[1 + r * 5 + f] as (number | null)[];
          const [lo, q1, med, q3, hi] = [col(0), col(1), col(2), col(3), col(4)];
          ctx.save();
          ctx.strokeStyle = RUN_COLORS[r];
          ctx.fillStyle = r === 0 ? 'rgba(31, 119, 180, 0.25)' : 'rgba(214, 39, 40, 0.25)';
          ctx.lineWidth = 1.5 * uPlot.pxRatio;
          for (let i = 0; i < xs.length; i++) {
            if (q1[i] === null || q3[i] === null || med[i] === null || lo[i] === null || hi[i] === null) continue;
            const cx = u.valToPos(xs[i], 'x', true) + (runs > 1 ? (r - 0.5) * width * 1.1 : 0);
            const y = (v: number | null) => u.valToPos(v!, 'y', true);
            const left = cx - width / 2;
            ctx.fillRect(left, y(q3[i]), width, y(q1[i]) - y(q3[i]));
            ctx.strokeRect(left, y(q3[i]), width, y(q1[i]) - y(q3[i]));
            ctx.beginPath();
            ctx.moveTo(left, y(med[i]));
            ctx.lineTo(left + width, y(med[i]));
            ctx.moveTo(cx, y(q3[i]));
            ctx.lineTo(cx, y(hi[i]));
            ctx.moveTo(cx, y(q1[i]));
            ctx.lineTo(cx, y(lo[i]));
            ctx.moveTo(cx - width / 4, y(hi[i]));
            ctx.lineTo(cx + width / 4, y(hi[i]));
            ctx.moveTo(cx - width / 4, y(lo[i]));
            ctx.lineTo(cx + width / 4, y(lo[i]));
            ctx.stroke();
          }
          ctx.restore();
        }
      }],
    },
  };
}

function options(spec: ChartSpec, width: number): uPlot.Options {
  const stepped = uPlot.paths.stepped!({ align: 1 });
  const series: uPlot.Series[] = [
    { label: spec.xLabel, value: (_u, v) => fmt(v, 4) },
    ...spec.series.map((s): uPlot.Series => ({
      label: s.label,
      stroke: s.color,
      width: spec.kind === 'stepped' ? 1.2 : 2,
      dash: s.dash ? [6, 4] : undefined,
      spanGaps: spec.kind === 'points',
      paths: spec.kind === 'box' ? () => null : spec.kind === 'stepped' ? stepped : undefined,
      points: spec.kind === 'points' && s.run >= 0 ? { show: true, size: 7, fill: s.color } : { show: false },
      value: (_u, v) => fmt(v),
    })),
  ];
  const axis = { grid: { stroke: '#e4e4e4', width: 1 }, ticks: { stroke: '#cccccc', width: 1 } };
  return {
    width,
    height: 320,
    legend: { show: spec.legend },
    cursor: { points: { show: spec.kind !== 'box' } },
    scales: {
      // Box plots sit on whole steps: half a step of room at either end so the first and last box show whole.
      x: { time: false, distr: spec.xLog ? 3 : 1, ...(spec.kind === 'box' ? { range: (_u, lo, hi) => [lo - 0.5, hi + 0.5] as uPlot.Range.MinMax } : {}) },
      y: { distr: spec.yLog ? 3 : 1, ...(spec.kind === 'box' ? { range: boxRange(spec) } : {}) },
    },
    axes: [
      { ...axis, label: spec.xLabel, values: (_u, vals) => vals.map((v) => (v === null ? '' : fmt(v, 4))) },
      { ...axis, label: spec.yLabel, size: 64, values: (_u, vals) => vals.map((v) => (v === null ? '' : fmt(v, 4))) },
    ],
    series,
    plugins: [kneePlugin(spec), ...(spec.kind === 'box' ? [boxPlugin(spec)] : [])],
  };
}

/** Box plots are painted, not plotted: the y range must still cover every whisker (log scale). */
function boxRange(spec: ChartSpec): uPlot.Scale.Range {
  return () => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const col of spec.data.slice(1)) for (const v of col) if (v !== null && v > 0) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    if (!Number.isFinite(lo)) return [0.01, 1];
    // Whole decades, so the log axis is labelled 0.01, 0.1, 1 … rather than at odd values.
    return [10 ** Math.floor(Math.log10(lo)), 10 ** Math.ceil(Math.log10(hi))];
  };
}

function stepOfCursor(spec: ChartSpec, host: HTMLElement): uPlot.Plugin {
  // The CDF has one curve per step and no legend: name the curve under the cursor instead.
  const label = document.createElement('div');
  label.className = 'hover-step';
  host.append(label);
  return {
    hooks: {
      setCursor: [(u) => {
        const i = u.cursor.idx;
        const top = u.cursor.top;
        if (i === null || i === undefined || top === undefined || top < 0) { label.textContent = ''; return; }
        const yVal = u.posToVal(top, 'y');
        let best = -1;
        let gap = Infinity;
        for (let s = 1; s < u.data.length; s++) {
          const v = u.data[s][i];
          if (v !== null && v !== undefined && Math.abs(v - yVal) < gap) { gap = Math.abs(v - yVal); best = s; }
        }
        label.textContent = best < 0 ? '' : `${spec.series[best - 1].label}: ${fmt(u.data[best][i], 4)} ≤ ${fmt(u.data[0][i], 4)} ms`;
      }],
    },
  };
}

function draw(data: ReportData): void {
  const charts: Record<string, uPlot> = {};
  window.sondeReport = { data, charts };
  for (const spec of data.charts) {
    const figure = document.querySelector<HTMLElement>(`figure[data-chart-id="${spec.id}"]`);
    const host = figure?.querySelector<HTMLElement>('.plot');
    if (host === null || host === undefined) throw new Error(`report page: no placeholder for the chart ${spec.id}`);
    const opts = options(spec, Math.max(360, host.clientWidth));
    if (spec.kind === 'stepped') opts.plugins!.push(stepOfCursor(spec, host));
    charts[spec.id] = new uPlot(opts, spec.data as uPlot.AlignedData, host);
    host.dataset.series = String(spec.series.length);
    host.dataset.points = String(spec.data[0].length);
  }
  window.addEventListener('resize', () => {
    for (const spec of data.charts) {
      const host = document.querySelector<HTMLElement>(`figure[data-chart-id="${spec.id}"] .plot`)!;
      charts[spec.id].setSize({ width: Math.max(360, host.clientWidth), height: 320 });
    }
  });
  document.body.dataset.drawn = 'true';
}

const block = document.getElementById('sonde-report-data');
if (block === null) throw new Error('report page: the data block #sonde-report-data is missing');
draw(JSON.parse(block.textContent ?? '{}') as ReportData);
