// `sonde capacity compare A B`: step by step (paired by position), what got better or worse
// beyond noise (engine/capacity/report/compare-runs.ts: KS on the RTT histograms, z-tests of
// the tail and of the loss, Bonferroni-corrected, each with an effect size that matters).
// --html writes the report with both runs overlaid; --json prints the comparison.
import type { Command } from 'commander';
import { compareRuns, methodText, renderCompareHtml, toReportRun, type StepComparison } from '../../engine/index.js';
import { addDataOptions, loadRun, withCampaignStore, writeOut, type DataFlags } from './stored-runs.js';

function stepLine(s: StepComparison): string {
  const what = [s.latency, s.tail, s.loss].filter((m) => m !== null && m.change !== 'none').map((m) => `${m!.change}: ${m!.detail}`);
  const label = s.labelB === null || s.labelB === s.labelA ? s.labelA : `${s.labelA} vs ${s.labelB}`;
  return `step ${s.index + 1} (${label}): ${s.verdict}${what.length > 0 ? ` — ${what.join('; ')}` : ''}${s.note !== null ? ` [${s.note}]` : ''}`;
}

export function registerCompare(command: Command): void {
  addDataOptions(command)
    .argument('<a>', 'the earlier (reference) run id or unique prefix')
    .argument('<b>', 'the run compared with it')
    .option('--html <file>', 'also write the HTML report with both runs overlaid (- for stdout)')
    .option('--json', 'print the comparison as JSON instead of text')
    .action((a: string, b: string, flags: DataFlags & { html?: string; json?: boolean }) => withCampaignStore(flags, (store) => {
      const ra = loadRun(store, a);
      const rb = loadRun(store, b);
      const runA = toReportRun(ra.run, ra.steps);
      const runB = toReportRun(rb.run, rb.steps);
      const comparison = compareRuns(runA, runB);
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify(comparison)}\n`);
      } else if (flags.html !== '-') {
        const lines = [`${ra.run.id} → ${rb.run.id}: ${comparison.summary}`, ...comparison.steps.map(stepLine), methodText(comparison)];
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      if (flags.html !== undefined) writeOut(flags.html, renderCompareHtml(runA, runB, comparison).html, 'comparison report');
    }));
}
