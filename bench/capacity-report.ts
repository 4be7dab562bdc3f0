// bench:capacity-report — the report of a 1 h campaign of 60 steps (issue 20: ≤ 2 s, HTML ≤ 2 MB).
// A synthetic run (bench/lib/synthetic-capacity-run.ts: 60 steps of 55 s + 5 s warm-up, 1,000 →
// 60,000 probes/s, log-normal RTTs binned into HDR buckets, a knee at step 43) is rendered
// --runs times: the HTML report, the CSV, and compare against a slower copy with its HTML
// (lib/capacity-report-timing.ts). Reference in the same run: JSON.stringify of the same run
// (what `--json` costs).
import { timeReportGeneration, reportGoalMet } from './lib/capacity-report-timing.js';
import { describeMachine, printMachine } from './lib/machine.js';
import { saveResult } from './lib/results.js';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] ?? 9) || 9;
const machine = describeMachine();
printMachine(machine);

const t = timeReportGeneration(runs);
console.log(`run: ${t.steps} steps, ${t.minutes.toFixed(0)} min, ${t.probes.toLocaleString('en-US')} probes, ${t.buckets} HDR buckets stored`);
const m = t.medians;
console.log(`\nmedians of ${runs} runs:`);
console.log(`  HTML report            ${m.report.toFixed(1)} ms  (${(t.htmlBytes / 1024).toFixed(0)} KiB)   goal ≤ 2000 ms, ≤ 2048 KiB: ${reportGoalMet(t) ? 'met' : 'NOT met'}`);
console.log(`  CSV                    ${m.csv.toFixed(1)} ms`);
console.log(`  compare (statistics)   ${m.compare.toFixed(1)} ms`);
console.log(`  compare HTML (2 runs)  ${m.compareHtml.toFixed(1)} ms  (${(t.compareBytes / 1024).toFixed(0)} KiB)`);
console.log(`  reference JSON.stringify of the run: ${m.json.toFixed(1)} ms; HTML report / JSON = ${(m.report / m.json).toFixed(1)}×`);
if (!args.includes('--no-save')) console.log(`saved ${saveResult('capacity-report', { machine, runs, medians: m, htmlBytes: t.htmlBytes, compareBytes: t.compareBytes })}`);
