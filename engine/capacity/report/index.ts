// The capacity report: HTML, CSV and JSON exports and the comparison of two runs, as pure
// functions of the stored runs.
export { renderReportHtml, renderCompareHtml, methodText, type RenderedReport } from './report-html.js';
export { compareRuns, DEFAULT_COMPARE_OPTIONS, type CompareOptions, type RunComparison, type StepComparison, type StepVerdict } from './compare-runs.js';
export { reportCsv, CSV_HEADER } from './report-csv.js';
export { STEP_COLUMNS, stepCells, type StepColumn } from './step-table.js';
export { reportData, type ReportData, type ChartSpec } from './chart-data.js';
export { summarize, type BucketCounts, type DistributionSummary } from './histogram-stats.js';
export type { ReportRun, ReportStep } from './report-model.js';
export { toReportRun, toReportStep, storedRunJson } from './from-stored-run.js';
export type { CampaignRun, CampaignStepResult } from '../types.js';
