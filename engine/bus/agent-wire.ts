// What agents and the controller say to each other on the bus: the agent's registry record
// and heartbeat (KV values), work for an agent and its result (stream messages). Validated
// like HTTP input: TypeBox schemas compiled once with Ajv; anything else — not JSON,
// oversized, unknown version, a field out of range — is rejected with a reason, never thrown.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { decodeMessage, type Decoded } from './decode-message.js';

export const AGENT_WIRE_VERSION = 1;
/** NATS's default max_payload is 1 MiB; a message above this is refused before parsing. */
export const MAX_BUS_MESSAGE_BYTES = 1024 * 1024;

const Text = (max: number) => Type.String({ maxLength: max });
const Name = Type.String({ minLength: 1, maxLength: 253 });
const Ms = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const StringMap = Type.Record(Type.String({ maxLength: 256 }), Text(4096));

/** Written on start and whenever it changes; deleted on a clean stop. */
export const AgentRecordSchema = Type.Object({
  v: Type.Literal(AGENT_WIRE_VERSION),
  hostname: Name,
  serial: Type.String({ minLength: 1, maxLength: 128 }),
  labels: StringMap,
  facts: StringMap,
  version: Text(64),
  /** The executables this agent runs (its exec allowlist), so the controller refuses the same way. */
  execAllow: Type.Array(Text(4096), { maxItems: 1000 }),
  /** Probe worker threads of its engine; 0 without an engine. */
  engineThreads: Type.Integer({ minimum: 0, maximum: 4096 }),
  startedAt: Ms,
}, { additionalProperties: false });

/** Small and frequent: what changes. The heartbeat bucket's max_age is its TTL. */
export const HeartbeatSchema = Type.Object({
  v: Type.Literal(AGENT_WIRE_VERSION),
  hostname: Name,
  /** ok: takes work; degraded: takes work, the engine healed a fault; down: no engine or stopping. */
  health: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')]),
  reason: Type.Union([Text(1000), Type.Null()]),
  /** 1-minute load average of the host. */
  load: Type.Number({ minimum: 0, maximum: 1e6 }),
  /** Operations running on the agent now. */
  running: Type.Integer({ minimum: 0, maximum: 1e9 }),
  sentAt: Ms,
}, { additionalProperties: false });

const PingWork = Type.Object({
  targets: Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { minItems: 1, maxItems: 1 }),
  count: Type.Integer({ minimum: 1, maximum: 100 }),
  intervalMs: Type.Integer({ minimum: 1, maximum: 60_000 }),
  timeoutMs: Type.Integer({ minimum: 1, maximum: 60_000 }),
  size: Type.Integer({ minimum: 0, maximum: 65_500 }),
}, { additionalProperties: false });

const ExecWork = Type.Object({
  command: Type.String({ minLength: 1, maxLength: 4096 }),
  args: Type.Array(Text(65_536), { maxItems: 1000 }),
  cwd: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
  timeoutS: Type.Integer({ minimum: 1, maximum: 300 }),
}, { additionalProperties: false });

/** A diagnostic test (engine/tasks/types.ts): its fields checked here by shape, and by
 *  validateTest on the agent before it runs, as the HTTP routes check them. */
const TestWork = Type.Object({
  kind: Type.Union([Type.Literal('ping'), Type.Literal('traceroute'), Type.Literal('tcp'), Type.Literal('http'), Type.Literal('dns')]),
}, { additionalProperties: Type.Union([Type.String({ maxLength: 2048 }), Type.Number()]), maxProperties: 8 });

const Call = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

/** One operation for one agent. `call` is unique per job and agent: the agent runs it once. */
export const WorkSchema = Type.Object({
  v: Type.Literal(AGENT_WIRE_VERSION),
  call: Call,
  /** The hostname the work is for (checked against the subject and the agent). */
  agent: Name,
  /** How long after it was queued the work is worth running; older work is dropped unrun. */
  deadlineMs: Type.Integer({ minimum: 1, maximum: 900_000 }),
  op: Type.Union([
    Type.Object({ kind: Type.Literal('ping'), request: PingWork }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal('exec'), request: ExecWork }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal('test'), test: TestWork }, { additionalProperties: false }),
  ]),
}, { additionalProperties: false });

const Num = Type.Union([Type.Number(), Type.Null()]);
const TargetSummaryWire = Type.Object({
  target: Text(300),
  address: Type.Optional(Text(300)),
  error: Type.Optional(Text(2000)),
  sent: Ms, received: Ms, duplicates: Ms, late: Ms,
  errors: Type.Record(Type.String({ maxLength: 64 }), Ms),
  lossPercent: Type.Number({ minimum: 0, maximum: 100 }),
  minMs: Num, avgMs: Num, maxMs: Num, stddevMs: Num, p50Ms: Num, p90Ms: Num, p99Ms: Num,
}, { additionalProperties: false });

const PingSummaryWire = Type.Object({
  targets: Type.Array(TargetSummaryWire, { maxItems: 1 }),
  cancelled: Type.Boolean(),
  startedAtMs: Ms,
  finishedAtMs: Ms,
}, { additionalProperties: false });

const ExecResultWire = Type.Object({
  stdout: Type.String(), stderr: Type.String(),
  exitCode: Type.Integer({ minimum: -1, maximum: 255 }),
  durationMs: Type.Number({ minimum: 0 }),
  truncated: Type.Boolean(),
  timedOut: Type.Boolean(),
  error: Type.Optional(Text(2000)),
}, { additionalProperties: false });

/** What an agent answers to one call: the operation's value, or why it failed. */
export const ResultSchema = Type.Object({
  v: Type.Literal(AGENT_WIRE_VERSION),
  call: Call,
  agent: Name,
  outcome: Type.Union([
    Type.Object({ ok: Type.Literal(true), kind: Type.Literal('ping'), value: PingSummaryWire }, { additionalProperties: false }),
    Type.Object({ ok: Type.Literal(true), kind: Type.Literal('exec'), value: ExecResultWire }, { additionalProperties: false }),
    // A test's stored outcome (plain JSON, as the local task service stores it).
    Type.Object({ ok: Type.Literal(true), kind: Type.Literal('test'), value: Type.Unknown() }, { additionalProperties: false }),
    Type.Object({ ok: Type.Literal(false), error: Text(4000) }, { additionalProperties: false }),
  ]),
}, { additionalProperties: false });

export type AgentRecord = Static<typeof AgentRecordSchema>;
export type Heartbeat = Static<typeof HeartbeatSchema>;
export type Work = Static<typeof WorkSchema>;
export type WorkOp = Work['op'];
export type Result = Static<typeof ResultSchema>;
export type PingSummaryWire = Static<typeof PingSummaryWire>;
export type ExecResultWire = Static<typeof ExecResultWire>;

export type { Decoded };

const decode = <T>(schema: TSchema, data: Uint8Array): Decoded<T> => decodeMessage<T>(schema, data, MAX_BUS_MESSAGE_BYTES);

export const decodeAgentRecord = (data: Uint8Array): Decoded<AgentRecord> => decode(AgentRecordSchema, data);
export const decodeHeartbeat = (data: Uint8Array): Decoded<Heartbeat> => decode(HeartbeatSchema, data);
export const decodeWork = (data: Uint8Array): Decoded<Work> => decode(WorkSchema, data);
export const decodeResult = (data: Uint8Array): Decoded<Result> => decode(ResultSchema, data);

/** JSON bytes; NaN and ±Infinity (RTTs when nothing came back) become null. */
export function encodeBusMessage(value: AgentRecord | Heartbeat | Work | Result): Uint8Array {
  return Buffer.from(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)), 'utf8');
}
