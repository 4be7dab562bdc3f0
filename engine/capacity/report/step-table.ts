// The table of the steps: one row per step with the stored counters and the RTT summary. The
// same columns make the CSV export (report-csv.ts) and the HTML table (report-html.ts).
import { summarize } from './histogram-stats.js';
import { lossPercent, type ReportStep } from './report-model.js';

export interface StepColumn {
  key: string;
  title: string;
  /** Text-aligned (left) rather than a number. */
  text?: boolean;
  value(step: ReportStep, summary: ReturnType<typeof summarize>): string | number | null;
}

const errorsText = (errors: Readonly<Record<string, number>>): string =>
  Object.entries(errors).filter(([, n]) => n > 0).map(([k, n]) => `${k}=${n}`).join(' ');

export const STEP_COLUMNS: readonly StepColumn[] = [
  { key: 'step', title: '#', value: (s) => s.index + 1 },
  { key: 'label', title: 'step', text: true, value: (s) => s.label },
  { key: 'offeredRate', title: 'offered /s', value: (s) => s.offeredRate },
  { key: 'achievedRate', title: 'achieved /s', value: (s) => s.achievedRate },
  { key: 'packetSize', title: 'size B', value: (s) => s.packetSize },
  { key: 'concurrency', title: 'concurrency', value: (s) => s.concurrency },
  { key: 'targets', title: 'targets', value: (s) => s.targets },
  { key: 'sent', title: 'sent', value: (s) => s.sent },
  { key: 'received', title: 'received', value: (s) => s.received },
  { key: 'lossPercent', title: 'loss %', value: (s) => lossPercent(s) },
  { key: 'duplicates', title: 'dup', value: (s) => s.duplicates },
  { key: 'errors', title: 'errors', text: true, value: (s) => errorsText(s.errors) },
  { key: 'minMs', title: 'min ms', value: (_s, r) => r.min },
  { key: 'p50Ms', title: 'p50 ms', value: (_s, r) => r.p50 },
  { key: 'p90Ms', title: 'p90 ms', value: (_s, r) => r.p90 },
  { key: 'p99Ms', title: 'p99 ms', value: (_s, r) => r.p99 },
  { key: 'p999Ms', title: 'p99.9 ms', value: (_s, r) => r.p999 },
  { key: 'maxMs', title: 'max ms', value: (_s, r) => r.max },
  { key: 'cpuPercent', title: 'sonde CPU %', value: (s) => s.cpuPercent },
  { key: 'rssBytes', title: 'sonde RSS B', value: (s) => s.rssBytes },
  { key: 'driftP99Ms', title: 'drift p99 ms', value: (s) => s.driftP99Ms },
  { key: 'sloMet', title: 'SLO', text: true, value: (s) => (s.sloMet === null ? null : s.sloMet ? 'met' : 'broken') },
  { key: 'knee', title: 'knee', text: true, value: (s) => (s.knee ? 'knee' : '') },
];

/** One step's cells, in STEP_COLUMNS order. */
export function stepCells(step: ReportStep): (string | number | null)[] {
  const summary = summarize(step.rtt);
  return STEP_COLUMNS.map((c) => c.value(step, summary));
}
