// `sonde capacity self`: how many targets can this host monitor at 1 s? Each size N of the ramp
// is measured by measure-size.ts (a real `sonde serve` monitoring N loopback targets); the answer
// is the largest N meeting every monitoring goal (monitoring-goals.ts). The ramp stops at the
// first size that misses a goal (a larger N costs more of every figure), so it takes minutes,
// not the 24 of bench:monitor. The run is stored in the campaign store as kind 'self', one step
// per size, so `sonde capacity list|show|report` read it as they read a campaign.
import { hostInfo } from '../host-info.js';
import type { CampaignStore } from '../campaign-store.js';
import type { CampaignRun, CampaignSpec, CampaignStepResult, ResolvedStep } from '../types.js';
import { uuidv7 } from '../../store/uuid7.js';
import { MONITORING_GOALS, type MonitoringGoal } from './monitoring-goals.js';
import { measureSize, type SizeResult } from './measure-size.js';

export const DEFAULT_SELF_SIZES: readonly number[] = [1000, 2000, 5000, 10_000, 20_000, 35_000, 50_000, 70_000, 100_000];

export interface SelfRampOptions {
  /** The CLI script that runs `sonde serve` (the caller's process.argv[1]). */
  entry: string;
  sizes: readonly number[];
  warmupS: number;
  measureS: number;
  windowS: number;
  /** Measure every size even after one missed a goal. */
  all?: boolean;
  store?: CampaignStore;
  sondeVersion: string;
  onSize?: (result: SizeResult, index: number) => void;
  onLine?: (line: string) => void;
  signal?: AbortSignal;
}

export interface SelfRampResult {
  run: CampaignRun | null;
  sizes: SizeResult[];
  /** Largest N meeting every goal, below the first that missed one; null if the first missed. */
  largest: number | null;
  durationMs: number;
  status: CampaignRun['status'];
  reason: string | null;
}

const GOAL_TEXT: Record<MonitoringGoal, string> = {
  lossPercent: `loss ≤ ${MONITORING_GOALS.lossPercent} %`, driftP99Ms: `drift p99 ≤ ${MONITORING_GOALS.driftP99Ms} ms`,
  cpuCores: `CPU ≤ ${MONITORING_GOALS.cpuCores} cores`, rssMB: `RSS ≤ ${MONITORING_GOALS.rssMB} MB`, summaryP99Ms: `summary p99 ≤ ${MONITORING_GOALS.summaryP99Ms} ms`,
};

/** The goals a size missed, in words ("CPU ≤ 1.2 cores, drift p99 ≤ 5 ms"). */
export function missedGoals(r: SizeResult): string {
  return (Object.keys(r.verdicts) as MonitoringGoal[]).filter((g) => !r.verdicts[g]).map((g) => GOAL_TEXT[g]).join(', ');
}

function planOf(sizes: readonly number[], o: SelfRampOptions): ResolvedStep[] {
  return sizes.map((n, index) => ({ index, totalRate: n, perTargetRate: 1, packetSize: 56, concurrency: n, targets: n, durationS: o.measureS, warmupS: o.warmupS }));
}

/** The spec a campaign would need for the same ramp (stored for the record; not run as one). */
function specOf(sizes: readonly number[], o: SelfRampOptions): CampaignSpec {
  return {
    name: 'capacity self', targets: { addresses: ['127.1.0.0'] }, probe: { kind: 'icmp', timeoutMs: 1000 }, rateMode: 'per-target',
    defaults: { rate: 1, durationS: o.measureS, warmupS: o.warmupS }, steps: sizes.map((targets) => ({ targets })),
    slo: { maxLossPercent: MONITORING_GOALS.lossPercent },
  };
}

function stepOf(runId: string, step: ResolvedStep, r: SizeResult, knee: boolean): CampaignStepResult {
  const errors = Object.values(r.errors).reduce((a, b) => a + (b ?? 0), 0);
  return {
    runId, index: step.index, params: step, startedAt: r.startedAt, endedAt: r.endedAt,
    offeredRate: step.totalRate, achievedRate: r.achievedRate, rateError: (r.achievedRate - step.totalRate) / step.totalRate,
    sent: r.sent, received: r.received, duplicates: r.duplicates, lost: Math.max(0, r.sent - r.received - errors), errors: r.errors,
    lossPercent: Number.isNaN(r.lossPercent) ? 100 : r.lossPercent, hdr: r.hdr, rttNs: r.rttNs,
    self: { cpuPercent: r.cpuCores * 100, rssBytes: r.rssPeakMB * 1048576, driftP99Ms: r.driftP99Ms ?? 0, driftMaxMs: r.driftMaxMs ?? 0, summaryP99Ms: r.summaryP99Ms },
    breaksSlo: !r.meetsGoals, knee,
  };
}

export async function runSelfRamp(o: SelfRampOptions): Promise<SelfRampResult> {
  const started = Date.now();
  const plan = planOf(o.sizes, o);
  const run: CampaignRun | null = o.store === undefined ? null : {
    id: uuidv7(), kind: 'self', name: `capacity self: ${o.sizes.length} sizes, ${o.sizes[0]} → ${o.sizes.at(-1)} targets at 1 s`,
    spec: specOf(o.sizes, o), plan, sondeVersion: o.sondeVersion, host: hostInfo(), targets: [],
    status: 'running', reason: null, startedAt: started, endedAt: null, kneeStep: null, baseP99Ns: null,
  };
  if (run !== null) o.store!.insertRun(run);
  const sizes: SizeResult[] = [];
  let largest: number | null = null;
  let knee: number | null = null;
  let status: CampaignRun['status'] = 'done';
  let reason: string | null = null;
  try {
    for (const step of plan) {
      if (o.signal?.aborted === true) {
        status = 'stopped';
        reason = `stopped before ${step.targets} targets`;
        break;
      }
      const r = await measureSize(step.targets, { entry: o.entry, warmupS: o.warmupS, measureS: o.measureS, windowS: o.windowS, onLine: o.onLine, signal: o.signal });
      sizes.push(r);
      const isKnee = !r.meetsGoals && knee === null && !r.stopped;
      if (isKnee) knee = step.index;
      if (r.meetsGoals && knee === null && !r.stopped) largest = step.targets;
      if (run !== null && r.sent > 0) {
        o.store!.insertStep(stepOf(run.id, step, r, isKnee));
        o.store!.updateRun(run.id, { status: 'running', reason: null, endedAt: null, kneeStep: knee, baseP99Ns: null });
      }
      o.onSize?.(r, step.index);
      if (r.stopped) {
        status = 'stopped';
        reason = `stopped while measuring ${step.targets} targets; that size is not counted`;
        break;
      }
      if (isKnee && o.all !== true) {
        reason = `stopped after ${step.targets} targets: it missed ${missedGoals(r)}`;
        break;
      }
    }
  } catch (error) {
    status = 'failed';
    reason = (error as Error).message;
  }
  if (run !== null) o.store!.updateRun(run.id, { status, reason, endedAt: Date.now(), kneeStep: knee, baseP99Ns: null });
  return { run: run === null ? null : o.store!.getRun(run.id), sizes, largest, durationMs: Date.now() - started, status, reason };
}
