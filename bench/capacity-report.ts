// bench:capacity-report — the report of a 1 h campaign of 60 steps (issue 20: ≤ 2 s, HTML ≤ 2 MB).
// A synthetic run (bench/lib/synthetic-capacity-run.ts: 60 steps of 55 s + 5 s warm-up, 1,000 →
// 60,000 probes/s, log-normal RTTs binned into HDR buckets, a knee at step 43) is rendered
// --runs times: the HTML report, the CSV, and compare against a slower copy with its HTML.
// Reference in the same run: JSON.stringify of the same run (what `--json` costs).
import { describeMachine, printMachine } from './lib/machine.js';
import { saveResult } from './lib/results.js';
import { median } from './lib/stats.js';
import { syntheticRun } from './lib/synthetic-capacity-run.js';
import { compareRuns, renderCompareHtml, renderReportHtml, reportCsv } from '../engine/capacity/report/index.js';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] ?? 9) || 9;
const machine = describeMachine();
printMachine(machine);

const run = syntheticRun({ steps: 60 });
const slower = syntheticRun({ steps: 60, seed: 2, slowdown: 1.3, id: 'b', name: 'slower' });
const probes = run.steps.reduce((n, s) => n + s.sent, 0);
console.log(`run: ${run.steps.length} steps, ${((run.finishedAt! - run.startedAt) / 60_000).toFixed(0)} min, ${probes.toLocaleString('en-US')} probes, ${run.steps.reduce((n, s) => n + s.rtt.buckets.length, 0)} HDR buckets stored`);

function time(fn: () => unknown): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

const samples: Record<string, number[]> = { report: [], csv: [], compare: [], compareHtml: [], json: [] };
let htmlBytes = 0;
let compareBytes = 0;
renderReportHtml(run); // first call reads the page script from dist/
for (let i = 0; i < runs; i++) {
  samples.report.push(time(() => { htmlBytes = Buffer.byteLength(renderReportHtml(run).html); }));
  samples.csv.push(time(() => reportCsv(run)));
  let c: ReturnType<typeof compareRuns> | undefined;
  samples.compare.push(time(() => { c = compareRuns(run, slower); }));
  samples.compareHtml.push(time(() => { compareBytes = Buffer.byteLength(renderCompareHtml(run, slower, c!).html); }));
  samples.json.push(time(() => JSON.stringify(run)));
}
const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
console.log(`\nmedians of ${runs} runs:`);
console.log(`  HTML report            ${m.report.toFixed(1)} ms  (${(htmlBytes / 1024).toFixed(0)} KiB)   goal ≤ 2000 ms, ≤ 2048 KiB: ${m.report <= 2000 && htmlBytes <= 2 * 1024 * 1024 ? 'met' : 'NOT met'}`);
console.log(`  CSV                    ${m.csv.toFixed(1)} ms`);
console.log(`  compare (statistics)   ${m.compare.toFixed(1)} ms`);
console.log(`  compare HTML (2 runs)  ${m.compareHtml.toFixed(1)} ms  (${(compareBytes / 1024).toFixed(0)} KiB)`);
console.log(`  reference JSON.stringify of the run: ${m.json.toFixed(1)} ms; HTML report / JSON = ${(m.report / m.json).toFixed(1)}×`);
if (!args.includes('--no-save')) console.log(`saved ${saveResult('capacity-report', { machine, runs, medians: m, htmlBytes, compareBytes })}`);
