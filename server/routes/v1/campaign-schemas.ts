// The /v1/campaigns bodies for the OpenAPI document: the stored run and step records of
// engine/capacity/types.ts (docs/capacity.md), a step's histogram base64, and the progress.
import { Type } from '@sinclair/typebox';
import { CampaignSpecSchema } from '../../../engine/index.js';
import { StringEnum, Uuid } from '../../http/common-schemas.js';

const Status = StringEnum(['running', 'done', 'stopped', 'failed'] as const);
const Kind = StringEnum(['campaign', 'self'] as const, { description: 'campaign: a spec\'s steps against targets; self: `sonde capacity self`, one step per number of loopback targets monitored' });
const NullableNumber = (description?: string) => Type.Union([Type.Number(), Type.Null()], description !== undefined ? { description } : {});

const ResolvedStep = Type.Object({
  index: Type.Integer(),
  totalRate: Type.Number({ description: 'offered probes/s over all targets of the step' }),
  perTargetRate: Type.Number(),
  packetSize: Type.Integer(),
  concurrency: Type.Integer(),
  targets: Type.Integer(),
  durationS: Type.Number(),
  warmupS: Type.Number(),
});

export const CampaignRunSchema = Type.Object({
  id: Uuid,
  kind: Kind,
  name: Type.String(),
  spec: CampaignSpecSchema,
  plan: Type.Array(ResolvedStep, { description: 'every step with all parameters resolved' }),
  sondeVersion: Type.String(),
  host: Type.Object({
    hostname: Type.String(), cpuModel: Type.String(), cores: Type.Integer(), kernel: Type.String(), node: Type.String(),
    sysctls: Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()])),
  }),
  targets: Type.Array(Type.String(), { description: 'the resolved addresses' }),
  status: Status,
  reason: Type.Union([Type.String(), Type.Null()], { description: 'why it stopped, failed or aborted' }),
  startedAt: Type.Integer({ description: 'ms since the epoch' }),
  endedAt: Type.Union([Type.Integer(), Type.Null()]),
  kneeStep: Type.Union([Type.Integer(), Type.Null()], { description: 'index of the first step breaking the SLO' }),
  baseP99Ns: NullableNumber('the first step\'s p99, base of slo.maxP99Factor'),
});

/** A run in a list: its facts without the spec, the plan and the addresses (a run may have a million). */
export const CampaignSummarySchema = Type.Object({
  id: Uuid,
  kind: Kind,
  name: Type.String(),
  probe: Type.String({ description: 'the spec\'s probe kind (icmp)' }),
  status: Status,
  reason: Type.Union([Type.String(), Type.Null()]),
  startedAt: Type.Integer(),
  endedAt: Type.Union([Type.Integer(), Type.Null()]),
  steps: Type.Integer({ description: 'steps planned' }),
  stepsDone: Type.Integer({ description: 'steps measured and stored so far' }),
  targets: Type.Integer({ description: 'addresses probed' }),
  kneeStep: Type.Union([Type.Integer(), Type.Null()]),
  kneeLabel: Type.Union([Type.String(), Type.Null()], { description: 'the knee step as the report names it, e.g. "400 pps" or "400 pps, 1000 B"' }),
  sondeVersion: Type.String(),
});

const Rtt = Type.Object({ min: Type.Number(), p50: Type.Number(), p90: Type.Number(), p99: Type.Number(), max: Type.Number(), mean: Type.Number() });

export const CampaignStepSchema = Type.Object({
  runId: Uuid,
  index: Type.Integer(),
  params: ResolvedStep,
  startedAt: Type.Integer(), endedAt: Type.Integer(),
  offeredRate: Type.Number(), achievedRate: Type.Number(), rateError: Type.Number({ description: '(achieved − offered) / offered' }),
  sent: Type.Integer(), received: Type.Integer(), duplicates: Type.Integer(), lost: Type.Integer(),
  errors: Type.Record(Type.String(), Type.Integer(), { description: 'probe error kind → count' }),
  lossPercent: Type.Number(),
  hdr: Type.String({ description: 'the RTT histogram (ns) of the received replies: a counts blob of engine/monitor/hdr-codec.ts, base64' }),
  rttNs: Type.Union([Rtt, Type.Null()]),
  self: Type.Object({ cpuPercent: Type.Number(), rssBytes: Type.Number(), driftP99Ms: Type.Number(), driftMaxMs: Type.Number() }, { description: 'sonde\'s own process during the step' }),
  breaksSlo: Type.Boolean(),
  knee: Type.Boolean(),
});

export const CampaignProgressSchema = Type.Object({
  runId: Uuid,
  status: Status,
  step: Type.Integer({ description: '0-based index of the current step' }),
  steps: Type.Integer(),
  phase: StringEnum(['warmup', 'measure', 'between', 'finished'] as const),
  elapsedMs: Type.Integer(),
  currentRate: Type.Number({ description: 'achieved probes/s in the current step so far' }),
  lossPercent: Type.Number(),
  p99Ms: NullableNumber(),
});

export const CampaignDetailSchema = Type.Object({
  run: CampaignRunSchema,
  /** the run as GET /v1/campaigns lists it (steps stored so far, the knee named) */
  summary: CampaignSummarySchema,
  progress: Type.Union([CampaignProgressSchema, Type.Null()], { description: 'while the campaign runs in this daemon; null otherwise' }),
  steps: Type.Array(CampaignStepSchema, { description: 'the steps measured so far' }),
});
