// The report as one self-contained HTML file: the step table, the run's facts and the charts'
// placeholders as plain HTML, the charts' data as a JSON block, and the page script (uPlot
// included) and styles inlined — nothing is fetched, so the file opens from a disk or a mail.
// A pure function of the run(s): the daemon serves the same text (with `csp`, which admits the
// inline script and style by their hashes).
import { createHash } from 'node:crypto';
import { reportData, type ReportData } from './chart-data.js';
import type { RunComparison, StepComparison } from './compare-runs.js';
import { escapeHtml, jsonForScript, scriptText } from './html-text.js';
import { reportAssets, type ReportAssets } from './report-assets.js';
import type { ReportRun } from './report-model.js';
import { STEP_COLUMNS, stepCells } from './step-table.js';

export interface RenderedReport {
  html: string;
  /** A Content-Security-Policy under which the page works (its inline script and style by hash). */
  csp: string;
  data: ReportData;
}

const time = (ms: number | null): string => (ms === null ? '–' : new Date(ms).toISOString().replace('.000Z', 'Z'));

function number(v: string | number | null): string {
  if (v === null) return '–';
  if (typeof v === 'string') return escapeHtml(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return Number(v.toPrecision(4)).toString();
}

function stepTable(run: ReportRun): string {
  const head = STEP_COLUMNS.map((c) => `<th${c.text ? ' class="text"' : ''}>${escapeHtml(c.title)}</th>`).join('');
  const rows = run.steps.map((s) => {
    const cells = stepCells(s).map((v, i) => `<td${STEP_COLUMNS[i].text ? ' class="text"' : ''}>${number(v)}</td>`).join('');
    return `<tr${s.knee ? ' class="knee"' : ''} data-step="${s.index}">${cells}</tr>`;
  }).join('\n');
  return `<div class="table-wrap"><table class="steps" data-run="${escapeHtml(run.id)}"><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table></div>`;
}

function facts(run: ReportRun, prefix = ''): string {
  const knee = run.steps.find((s) => s.knee);
  const parts = [
    ...(prefix === '' ? [] : [`<strong>${prefix}</strong>`]),
    `run <code>${escapeHtml(run.id)}</code>`,
    `status ${escapeHtml(run.status)}`,
    `started ${time(run.startedAt)}`,
    `finished ${time(run.finishedAt)}`,
    `sonde ${escapeHtml(run.version)}`,
    `${run.steps.length} steps`,
    knee === undefined ? 'no knee: every step met the SLO' : `knee at step ${knee.index + 1} (${escapeHtml(knee.label)})`,
  ];
  if (run.slo !== null) parts.push(`SLO ${escapeHtml(run.slo)}`);
  return `<p class="facts">${parts.map((p) => `<span>${p}</span>`).join('')}</p>`;
}

function hostList(run: ReportRun): string {
  const items = Object.entries(run.host).map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v === null ? '–' : String(v))}</dd>`).join('');
  return `<dl class="host">${items}</dl>`;
}

function figures(data: ReportData): string {
  return data.charts.map((c) => `<figure data-chart-id="${c.id}"><figcaption>${escapeHtml(c.title)}<small>${escapeHtml(c.note)}</small></figcaption><div class="plot"></div></figure>`).join('\n');
}

function metricCell(m: StepComparison['latency']): string {
  if (m === null) return '<td class="text">–</td>';
  return `<td class="text${m.change === 'none' ? '' : ` verdict-${m.change}`}">${escapeHtml(m.detail)}</td>`;
}

function compareSection(c: RunComparison): string {
  const rows = c.steps.map((s) => `<tr class="${s.verdict === 'worse' || s.verdict === 'mixed' ? 'worse' : s.verdict === 'better' ? 'better' : ''}" data-step="${s.index}"><td>${s.index + 1}</td><td class="text">${escapeHtml(s.labelA)}</td><td class="text verdict">${s.verdict}</td>${metricCell(s.latency)}${metricCell(s.tail)}${metricCell(s.loss)}<td class="text">${escapeHtml(s.note ?? '')}</td></tr>`).join('\n');
  const verdictClass = c.verdict === 'worse' || c.verdict === 'mixed' ? 'verdict-worse' : c.verdict === 'better' ? 'verdict-better' : '';
  return `<h2>What changed from A to B</h2>
<p class="verdict-line ${verdictClass}" data-verdict="${c.verdict}">${escapeHtml(c.summary)}</p>
<p class="method">${escapeHtml(methodText(c))}</p>
<div class="table-wrap"><table class="compare"><thead><tr><th>#</th><th class="text">step</th><th class="text">verdict</th><th class="text">RTT distribution</th><th class="text">RTT tail</th><th class="text">loss</th><th class="text">note</th></tr></thead><tbody>
${rows}
</tbody></table></div>`;
}

/** How `compare` decides, in words (the CLI prints the same text). */
export function methodText(c: RunComparison): string {
  const o = c.options;
  return `Steps are paired by position. A step is worse or better only beyond noise: its test must be significant at α = ${o.alpha} ` +
    `(Bonferroni-corrected over the ${Math.round(o.alpha / c.perTestAlpha)} tests: p < ${c.perTestAlpha.toPrecision(3)}) and the effect large enough. ` +
    `RTT distribution: two-sample Kolmogorov–Smirnov test on the HDR histograms' buckets, D ≥ ${o.minKsD}. ` +
    `RTT tail: two-proportion z-test of the share of replies above the pooled p99, with p99 moved by a factor ≥ ${o.minTailRatio}. ` +
    `Loss: two-proportion z-test of lost/sent, moved by ≥ ${o.minLossPoints} percentage points.`;
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

function page(title: string, body: string, data: ReportData, assets: ReportAssets): RenderedReport {
  const script = scriptText(assets.script);
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="sonde capacity report">
<title>${escapeHtml(title)}</title>
<style>${assets.style}</style>
</head>
<body>
${body}
<script type="application/json" id="sonde-report-data">${jsonForScript(data)}</script>
<script>${script}</script>
</body>
</html>
`;
  const csp = `default-src 'none'; script-src ${sha256(script)}; style-src ${sha256(assets.style)}; img-src data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'`;
  return { html, csp, data };
}

/** The report of one run. */
export function renderReportHtml(run: ReportRun, assets: ReportAssets = reportAssets()): RenderedReport {
  const data = reportData([run]);
  const body = `<header><h1>${escapeHtml(data.title)}</h1>${facts(run)}</header>
<main class="charts">
${figures(data)}
</main>
<h2>Steps</h2>
${stepTable(run)}
<h2>Host</h2>
${hostList(run)}`;
  return page(data.title, body, data, assets);
}

/** Two runs overlaid (A solid, B dashed) with compare's verdicts on top. */
export function renderCompareHtml(a: ReportRun, b: ReportRun, comparison: RunComparison, assets: ReportAssets = reportAssets()): RenderedReport {
  const data = reportData([a, b]);
  const body = `<header><h1>${escapeHtml(data.title)}</h1>${facts(a, `A: ${escapeHtml(a.name)}`)}${facts(b, `B: ${escapeHtml(b.name)}`)}</header>
${compareSection(comparison)}
<h2>Charts</h2>
<main class="charts">
${figures(data)}
</main>
<h2>Steps of A: ${escapeHtml(a.name)}</h2>
${stepTable(a)}
<h2>Steps of B: ${escapeHtml(b.name)}</h2>
${stepTable(b)}
<h2>Host of A</h2>
${hostList(a)}
<h2>Host of B</h2>
${hostList(b)}`;
  return page(data.title, body, data, assets);
}
