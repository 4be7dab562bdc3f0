// `sonde capacity report ID --csv`: one row per step, the step table's columns (RFC 4180 quoting,
// numbers as stored, empty for none), then the step's RTT bucket counts as "bucketTopNs:count"
// pairs so the distribution itself is in the export.
import { bucketTopNs } from './histogram-stats.js';
import type { ReportRun } from './report-model.js';
import { STEP_COLUMNS, stepCells } from './step-table.js';

function cell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_HEADER = [...STEP_COLUMNS.map((c) => c.key), 'startMs', 'endMs', 'rttBuckets'];

export function reportCsv(run: ReportRun): string {
  const lines = [CSV_HEADER.join(',')];
  for (const step of run.steps) {
    const buckets = step.rtt.buckets.map((b, i) => `${bucketTopNs(b)}:${step.rtt.counts[i]}`).join(' ');
    lines.push([...stepCells(step), step.startMs, step.endMs, buckets].map(cell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
