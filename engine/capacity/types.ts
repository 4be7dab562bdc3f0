// Capacity-planning campaigns (issue 20): the spec a user writes (YAML/JSON, validated with
// TypeBox + Ajv like the daemon config) and the stored run and step records the report,
// the exports and `sonde capacity compare` read. docs/capacity.md describes the stored form.
import { Type, type Static } from '@sinclair/typebox';
import type { ProbeErrorKind } from '../types.js';
import { stepLabel } from './step-label.js';

/** Default safety cap on total probes (= packets) per second, any target. */
export const DEFAULT_MAX_TOTAL_PPS = 2_000;
/** Highest cap a spec may set for loopback-only targets without acknowledgement. */
export const LOOPBACK_MAX_TOTAL_PPS = 200_000;

const Seconds = (description: string) => Type.Number({ exclusiveMinimum: 0, maximum: 86_400, description });

/** What one step varies; absent fields take the spec's `defaults`. */
export const StepParamsSchema = Type.Object({
  rate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10_000_000, description: 'offered probes/s (see rateMode)' })),
  packetSize: Type.Optional(Type.Integer({ minimum: 0, maximum: 65_000, description: 'ICMP payload bytes' })),
  concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'probes in flight at most' })),
  targets: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'how many of the selected targets this step probes (the first N)' })),
  durationS: Type.Optional(Seconds('measured seconds of the step')),
  warmupS: Type.Optional(Type.Number({ minimum: 0, maximum: 3600, description: 'seconds probed first and not counted' })),
}, { additionalProperties: false });
export type StepParams = Static<typeof StepParamsSchema>;

export const RAMP_PARAMS = ['rate', 'packetSize', 'concurrency', 'targets'] as const;
export type RampParam = (typeof RAMP_PARAMS)[number];

/** A ramp: `param` goes from `from` to `to` in `steps` steps, linear or geometric. */
export const RampSchema = Type.Object({
  param: Type.Unsafe<RampParam>({ type: 'string', enum: [...RAMP_PARAMS], description: 'which step parameter ramps' }),
  from: Type.Number({ exclusiveMinimum: 0 }),
  to: Type.Number({ exclusiveMinimum: 0 }),
  steps: Type.Integer({ minimum: 1, maximum: 1000 }),
  scale: Type.Optional(Type.Unsafe<'linear' | 'geometric'>({ type: 'string', enum: ['linear', 'geometric'], description: 'default linear' })),
}, { additionalProperties: false });
export type Ramp = Static<typeof RampSchema>;

export const CampaignSpecSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  /** Exactly one of ids, selector, file, addresses. */
  targets: Type.Object({
    ids: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'stored target ids' })),
    selector: Type.Optional(Type.String({ minLength: 1, description: 'label selector, as GET /v1/targets?selector=' })),
    file: Type.Optional(Type.String({ minLength: 1, description: 'a targets file (one address a line, or CSV), read as `sonde targets import`' })),
    addresses: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'literal addresses' })),
  }, { additionalProperties: false }),
  probe: Type.Object({
    kind: Type.Literal('icmp'),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 60_000, description: 'a probe unanswered this long is lost; default 1000' })),
  }, { additionalProperties: false }),
  /** rate is per target (each target gets `rate` probes/s) or total (spread over the targets). */
  rateMode: Type.Optional(Type.Unsafe<'per-target' | 'total'>({ type: 'string', enum: ['per-target', 'total'], description: 'default total' })),
  defaults: Type.Optional(StepParamsSchema),
  /** Exactly one of steps and ramp. */
  steps: Type.Optional(Type.Array(StepParamsSchema, { minItems: 1, maxItems: 1000 })),
  ramp: Type.Optional(RampSchema),
  slo: Type.Optional(Type.Object({
    maxLossPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'default 0.1' })),
    maxP99Factor: Type.Optional(Type.Number({ minimum: 1, description: 'p99 ≤ this × the first step\'s p99; default 2' })),
    maxP99Ms: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'absolute p99 bound, ms' })),
  }, { additionalProperties: false })),
  safety: Type.Optional(Type.Object({
    maxTotalPps: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: `cap on total probes/s of any step; default ${DEFAULT_MAX_TOTAL_PPS}` })),
    iOwnTheseTargets: Type.Optional(Type.Boolean({ description: `required to set maxTotalPps above ${DEFAULT_MAX_TOTAL_PPS} when a target is not loopback` })),
  }, { additionalProperties: false })),
  /** Stop the ramp at the first step breaking the SLO by more than `margin` (relative: 0.5 =
   *  loss above 1.5× the SLO bound, or p99 above 1.5× its bound). Absent: run every step. */
  abort: Type.Optional(Type.Object({
    margin: Type.Number({ minimum: 0, maximum: 100 }),
  }, { additionalProperties: false })),
}, { additionalProperties: false });
export type CampaignSpec = Static<typeof CampaignSpecSchema>;

/** One step with every parameter resolved (what the runner executes and stores). */
export interface ResolvedStep {
  index: number;
  /** Offered total probes/s over all targets of the step. */
  totalRate: number;
  /** Offered probes/s per target. */
  perTargetRate: number;
  packetSize: number;
  concurrency: number;
  targets: number;
  durationS: number;
  warmupS: number;
}

export type CampaignStatus = 'running' | 'done' | 'stopped' | 'failed';

export interface HostInfo {
  hostname: string;
  cpuModel: string;
  cores: number;
  kernel: string;
  /** /proc/sys values read at start; null when unreadable. */
  sysctls: { 'net.core.rmem_max': string | null; 'net.ipv4.ping_group_range': string | null };
  node: string;
}

/** 'campaign': a spec's steps against targets; 'self': `sonde capacity self` (one step per
 *  number of loopback targets this host monitored at 1 probe/s). */
export type CampaignKind = 'campaign' | 'self';

/** The stored run (table capacity_runs). */
export interface CampaignRun {
  id: string;
  kind: CampaignKind;
  name: string;
  spec: CampaignSpec;
  /** The steps the spec resolves to, in order. */
  plan: ResolvedStep[];
  sondeVersion: string;
  host: HostInfo;
  /** The resolved target addresses (index = position in the step's first-N selection). */
  targets: string[];
  status: CampaignStatus;
  /** Why the run is failed/stopped, or where it aborted; null otherwise. */
  reason: string | null;
  startedAt: number; // epoch ms
  endedAt: number | null;
  /** Index of the knee step (first step breaking the SLO), null if none did. */
  kneeStep: number | null;
  /** First step's p99 (ns), the base of slo.maxP99Factor; null before it is measured. */
  baseP99Ns: number | null;
}

/** The stored result of one measured step (table capacity_steps), warm-up excluded. */
export interface CampaignStepResult {
  runId: string;
  index: number;
  params: ResolvedStep;
  startedAt: number; // epoch ms, end of warm-up
  endedAt: number;
  offeredRate: number; // probes/s configured
  achievedRate: number; // sent / measured seconds
  /** (achieved − offered) / offered. */
  rateError: number;
  sent: number;
  received: number;
  duplicates: number;
  /** Probes that got neither a reply nor an error before the timeout. */
  lost: number;
  errors: Partial<Record<ProbeErrorKind, number>>;
  lossPercent: number;
  /** RTT histogram of the received replies: a counts blob of engine/monitor/hdr-codec.ts
   *  (encodeBuckets/decodeBuckets; values in ns, the bucketing of engine/stats/sparse-hdr.ts).
   *  Over the API it is base64. */
  hdr: Uint8Array;
  rttNs: { min: number; p50: number; p90: number; p99: number; max: number; mean: number } | null;
  /** sonde's own process during the step (kind 'self': the monitoring daemon's, with the
   *  p99 of GET /v1/monitors/{id}/summary). */
  self: { cpuPercent: number; rssBytes: number; driftP99Ms: number; driftMaxMs: number; summaryP99Ms?: number };
  /** This step breaks the SLO (the first such step is the knee). */
  breaksSlo: boolean;
  knee: boolean;
}

/** A run in a list (GET /v1/campaigns, sonde capacity list --json): no spec, plan or addresses. */
export interface CampaignSummary {
  id: string;
  kind: CampaignKind;
  name: string;
  /** The spec's probe kind ('icmp'). */
  probe: string;
  status: CampaignStatus;
  reason: string | null;
  startedAt: number;
  endedAt: number | null;
  /** Steps planned. */
  steps: number;
  /** Steps measured and stored so far. */
  stepsDone: number;
  /** Addresses probed. */
  targets: number;
  kneeStep: number | null;
  /** The knee step as the report names it ("400 pps, 1000 B"); null without a knee. */
  kneeLabel: string | null;
  sondeVersion: string;
}

export function campaignSummary(r: CampaignRun, stepsDone: number): CampaignSummary {
  const knee = r.kneeStep === null ? undefined : r.plan[r.kneeStep];
  return {
    id: r.id, kind: r.kind, name: r.name, probe: r.spec.probe.kind, status: r.status, reason: r.reason, startedAt: r.startedAt, endedAt: r.endedAt,
    steps: r.plan.length, stepsDone, targets: r.targets.length, kneeStep: r.kneeStep,
    kneeLabel: knee === undefined ? null : stepLabel(knee.totalRate, knee, r.plan), sondeVersion: r.sondeVersion,
  };
}

/** Progress of a running campaign (GET /v1/campaigns/{id}, live topic `campaign`). */
export interface CampaignProgress {
  runId: string;
  status: CampaignStatus;
  step: number; // 0-based index of the current step
  steps: number;
  phase: 'warmup' | 'measure' | 'between' | 'finished';
  elapsedMs: number;
  currentRate: number; // achieved probes/s in the current step so far
  lossPercent: number;
  p99Ms: number | null;
}
