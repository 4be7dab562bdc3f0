// The report of a synthetic 1 h campaign of 60 steps, timed (bench:capacity-report and the
// report part of bench:capacity): HTML report, CSV, compare against a slower copy and its HTML,
// and JSON.stringify of the run as the reference of the same run.
import { compareRuns, renderCompareHtml, renderReportHtml, reportCsv } from '../../engine/capacity/report/index.js';
import { median } from './stats.js';
import { syntheticRun } from './synthetic-capacity-run.js';

export interface ReportTiming {
  runs: number;
  steps: number;
  minutes: number;
  probes: number;
  buckets: number;
  /** Medians, ms. */
  medians: { report: number; csv: number; compare: number; compareHtml: number; json: number };
  htmlBytes: number;
  compareBytes: number;
}

function time(fn: () => unknown): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

export function timeReportGeneration(runs: number): ReportTiming {
  const run = syntheticRun({ steps: 60 });
  const slower = syntheticRun({ steps: 60, seed: 2, slowdown: 1.3, id: 'b', name: 'slower' });
  const samples = { report: [] as number[], csv: [] as number[], compare: [] as number[], compareHtml: [] as number[], json: [] as number[] };
  let htmlBytes = 0;
  let compareBytes = 0;
  renderReportHtml(run); // the first call reads the page script from dist/
  for (let i = 0; i < runs; i++) {
    samples.report.push(time(() => { htmlBytes = Buffer.byteLength(renderReportHtml(run).html); }));
    samples.csv.push(time(() => reportCsv(run)));
    let c: ReturnType<typeof compareRuns> | undefined;
    samples.compare.push(time(() => { c = compareRuns(run, slower); }));
    samples.compareHtml.push(time(() => { compareBytes = Buffer.byteLength(renderCompareHtml(run, slower, c!).html); }));
    samples.json.push(time(() => JSON.stringify(run)));
  }
  return {
    runs, steps: run.steps.length, minutes: (run.finishedAt! - run.startedAt) / 60_000,
    probes: run.steps.reduce((n, s) => n + s.sent, 0), buckets: run.steps.reduce((n, s) => n + s.rtt.buckets.length, 0),
    medians: { report: median(samples.report), csv: median(samples.csv), compare: median(samples.compare), compareHtml: median(samples.compareHtml), json: median(samples.json) },
    htmlBytes, compareBytes,
  };
}

export const REPORT_GOAL = { ms: 2000, bytes: 2 * 1024 * 1024 };
export const reportGoalMet = (t: ReportTiming): boolean => t.medians.report <= REPORT_GOAL.ms && t.htmlBytes <= REPORT_GOAL.bytes;
