// The wire format of sealed windows on the bus: one JSON message holds up to
// MAX_WINDOWS_PER_MESSAGE windows of one agent and one monitor (batches cross the network,
// not single windows). Validated like HTTP input: TypeBox schema compiled once with Ajv;
// anything else — not JSON, oversized, unknown version, a field out of range — is rejected
// with a reason, never thrown past the caller.
import { Ajv, type ValidateFunction } from 'ajv';
import { Type, type Static } from '@sinclair/typebox';
import { ERROR_KIND_COUNT } from '../stats/error-kinds.js';
import { MONITOR_ERROR_KIND_COUNT } from '../monitor/error-kinds.js';

export const WIRE_VERSION = 1;
/** NATS's default max_payload is 1 MiB; a message above this is refused before parsing. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
export const MAX_WINDOWS_PER_MESSAGE = 1000;

const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Id = Type.String({ minLength: 1, maxLength: 200 });

const WireWindow = Type.Object({
  targetId: Id,
  address: Type.String({ minLength: 1, maxLength: 300 }),
  startMs: Count,
  sent: Count,
  received: Count,
  duplicates: Count,
  late: Count,
  // ICMP's kinds (agents before migration 10) or every monitor error kind
  errors: Type.Array(Count, { minItems: ERROR_KIND_COUNT, maxItems: MONITOR_ERROR_KIND_COUNT }),
  minNs: Type.Union([Count, Type.Null()]),
  maxNs: Type.Union([Count, Type.Null()]),
  sumNs: Count,
  /** The HDR histogram blob (engine/monitor/hdr-codec.ts), base64. */
  hist: Type.Union([Type.String({ maxLength: 64 * 1024, pattern: '^[A-Za-z0-9+/]*={0,2}$' }), Type.Null()]),
}, { additionalProperties: false });

const WindowBatch = Type.Object({
  v: Type.Literal(WIRE_VERSION),
  agent: Id,
  monitorId: Id,
  /** An http monitor's phase series (left out: the probe's total, the only series of the other kinds). */
  phase: Type.Optional(Type.Union([Type.Literal('connect'), Type.Literal('tls'), Type.Literal('ttfb')])),
  spanMs: Type.Integer({ minimum: 100, maximum: 86_400_000 }),
  /** When the agent sealed these windows (ms since the epoch), for the seal→stored latency. */
  sealedAt: Count,
  windows: Type.Array(WireWindow, { minItems: 1, maxItems: MAX_WINDOWS_PER_MESSAGE }),
}, { additionalProperties: false });

/** The schema of one message (the bus fuzz campaign generates messages from it). */
export const WindowBatchSchema = WindowBatch;

export type WireWindow = Static<typeof WireWindow>;
export type WindowBatch = Static<typeof WindowBatch>;

let validate: ValidateFunction | undefined;

export type DecodeResult = { ok: true; batch: WindowBatch } | { ok: false; reason: string };

export function decodeWindowBatch(data: Uint8Array): DecodeResult {
  if (data.length > MAX_MESSAGE_BYTES) return { ok: false, reason: `oversized: ${data.length} bytes > ${MAX_MESSAGE_BYTES}` };
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.length).toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` };
  }
  validate ??= new Ajv({ allErrors: false, strict: false }).compile(WindowBatch);
  if (!validate(value)) {
    const e = validate.errors?.[0];
    return { ok: false, reason: `invalid: ${e?.instancePath || '/'} ${e?.message ?? 'does not match the window batch schema'}` };
  }
  const batch = value as WindowBatch;
  return { ok: true, batch };
}

export function encodeWindowBatch(batch: WindowBatch): Uint8Array {
  return Buffer.from(JSON.stringify(batch), 'utf8');
}

/** The JetStream message id of a batch: the stream's duplicate window drops a republish. */
export function batchMessageId(batch: WindowBatch): string {
  const first = batch.windows[0];
  const last = batch.windows[batch.windows.length - 1];
  const id = `${batch.agent}|${batch.monitorId}|${batch.spanMs}|${first.startMs}|${first.targetId}|${last.targetId}|${batch.windows.length}`;
  // a phase's batch has the same windows' keys as the total's: without it, the stream's duplicate window would drop it
  return batch.phase === undefined ? id : `${id}|${batch.phase}`;
}
