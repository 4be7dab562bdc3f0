// A stored run for people: its step table (the report's columns, fewer of them) and one line
// of facts. `show` and the end of `run` print these.
import { STEP_COLUMNS, stepCells, toReportRun, type CampaignRun, type CampaignStepResult } from '../../engine/index.js';
import { createTable } from '../table.js';

const SHOWN = ['step', 'label', 'achievedRate', 'sent', 'received', 'lossPercent', 'errors', 'p50Ms', 'p99Ms', 'maxMs', 'cpuPercent', 'driftP99Ms', 'sloMet', 'knee'];
const COLUMNS = SHOWN.map((key) => STEP_COLUMNS.findIndex((c) => c.key === key));

function cellText(v: string | number | null): string {
  if (v === null) return '–';
  if (typeof v === 'string') return v;
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
}

export function stepTable(run: CampaignRun, steps: readonly CampaignStepResult[]): string {
  const table = createTable({ head: COLUMNS.map((i) => STEP_COLUMNS[i].title) });
  for (const step of toReportRun(run, steps).steps) {
    const cells = stepCells(step);
    table.push(COLUMNS.map((i) => cellText(cells[i])));
  }
  return table.toString();
}

export function runLine(run: CampaignRun, stored: number): string {
  const knee = run.kneeStep === null ? 'no knee (every step met the SLO)' : `knee at step ${run.kneeStep + 1}`;
  return `campaign run ${run.id} "${run.name}": ${run.status}${run.reason !== null ? ` (${run.reason})` : ''}; `
    + `${stored} of ${run.plan.length} step(s) stored; ${knee}`;
}
