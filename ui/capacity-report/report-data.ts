// The charts' data as the report page receives it: the shape engine/capacity/report/chart-data.ts
// writes into the page (ui/ imports nothing outside ui/, so it is restated here).
export type ChartKind = 'line' | 'stepped' | 'box' | 'points';

export interface SeriesSpec {
  label: string;
  run: number;
  color: string;
  dash: boolean;
  step?: number;
}

export interface ChartSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  xLog: boolean;
  yLog: boolean;
  kind: ChartKind;
  data: (number | null)[][];
  series: SeriesSpec[];
  knees: { x: number; run: number }[];
  note: string;
  legend: boolean;
}

export interface ReportData {
  title: string;
  runs: { id: string; name: string; label: string }[];
  charts: ChartSpec[];
}
