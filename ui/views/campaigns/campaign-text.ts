// The campaigns views' records (GET /v1/campaigns, GET /v1/campaigns/{id}, the /v1/live topic
// campaign:<id>) and how they read as text: state, steps done, knee, duration, progress.

export type CampaignStatus = 'running' | 'done' | 'stopped' | 'failed';

export interface CampaignSummary {
  id: string;
  kind: 'campaign' | 'self';
  name: string;
  probe: string;
  status: CampaignStatus;
  reason: string | null;
  startedAt: number;
  endedAt: number | null;
  steps: number;
  stepsDone: number;
  targets: number;
  kneeStep: number | null;
  kneeLabel: string | null;
  sondeVersion: string;
}

export interface PlannedStep {
  index: number;
  totalRate: number;
  packetSize: number;
  concurrency: number;
  targets: number;
  durationS: number;
  warmupS: number;
}

export interface CampaignRun {
  id: string;
  kind: 'campaign' | 'self';
  name: string;
  spec: { probe: { kind: string } };
  plan: PlannedStep[];
  sondeVersion: string;
  targets: string[];
  status: CampaignStatus;
  reason: string | null;
  startedAt: number;
  endedAt: number | null;
  kneeStep: number | null;
}

export interface CampaignProgress {
  runId: string;
  status: CampaignStatus;
  step: number;
  steps: number;
  phase: 'warmup' | 'measure' | 'between' | 'finished';
  elapsedMs: number;
  currentRate: number;
  lossPercent: number;
  p99Ms: number | null;
}

/** A stored step as the detail lists it (the histogram is left to the report). */
export interface CampaignStep {
  index: number;
  offeredRate: number;
  achievedRate: number;
  sent: number;
  lossPercent: number;
  knee: boolean;
}

export interface CampaignDetail {
  run: CampaignRun;
  summary: CampaignSummary;
  progress: CampaignProgress | null;
  steps: CampaignStep[];
}

/** "run" for a spec's campaign, "self" for `sonde capacity self`. */
export function kindText(kind: CampaignSummary['kind']): string {
  return kind === 'self' ? 'self' : 'run';
}

/** "2 of 3". */
export function stepsText(done: number, planned: number): string {
  return `${done} of ${planned}`;
}

/** "step 3 · 300 pps"; "none" once a finished run had none; "" while it may still come. */
export function kneeText(r: Pick<CampaignSummary, 'kneeStep' | 'kneeLabel' | 'status'>): string {
  if (r.kneeStep !== null) return `step ${r.kneeStep + 1}${r.kneeLabel === null ? '' : ` · ${r.kneeLabel}`}`;
  return r.status === 'running' ? '' : 'none';
}

/** "45 s", "3 min 04 s", "2 h 05 min". */
export function durationText(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** How long a run took, or has been running by `nowMs`. */
export function runDuration(r: Pick<CampaignSummary, 'startedAt' | 'endedAt'>, nowMs: number): number {
  return (r.endedAt ?? nowMs) - r.startedAt;
}

/** Seconds the plan takes, warm-ups included: the length of the progress bar. */
export function plannedSeconds(plan: readonly PlannedStep[]): number {
  return plan.reduce((sum, s) => sum + s.durationS + s.warmupS, 0);
}

const PHASES: Record<CampaignProgress['phase'], string> = { warmup: 'warming up', measure: 'measuring', between: 'between steps', finished: 'finished' };

/** "step 2 of 3, measuring: 98.7 probes/s, loss 0.00 %, p99 0.081 ms". */
export function progressText(p: CampaignProgress): string {
  if (p.phase === 'finished') return `finished (${p.status})`;
  const head = `step ${p.step + 1} of ${p.steps}, ${PHASES[p.phase]}`;
  if (p.phase !== 'measure') return head;
  const p99 = p.p99Ms === null ? '–' : `${Number(p.p99Ms.toPrecision(3))} ms`;
  return `${head}: ${Number(p.currentRate.toPrecision(4))} probes/s, loss ${p.lossPercent.toFixed(2)} %, p99 ${p99}`;
}
