// The wire format of sealed windows on the bus: one JSON message holds up to
// MAX_WINDOWS_PER_MESSAGE windows of one agent and one monitor (batches cross the network,
// not single windows). Validated like HTTP input: TypeBox schema compiled once with Ajv;
// anything else — not JSON, oversized, unknown version, a field out of range — is rejected
// with a reason, never thrown past the caller. The histograms are checked (and decoded for
// the store) in one pass of their own rather than by the schema's pattern and length.
import { Ajv, type ValidateFunction } from 'ajv';
import { Type, type Static } from '@sinclair/typebox';
import { ERROR_KIND_COUNT } from '../stats/error-kinds.js';
import { HTTP_PHASES } from '../monitor/types.js';
import { MONITOR_ERROR_KIND_COUNT } from '../monitor/error-kinds.js';

export const WIRE_VERSION = 1;
/** NATS's default max_payload is 1 MiB; a message above this is refused before parsing. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
export const MAX_WINDOWS_PER_MESSAGE = 1000;

const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const HIST_MAX_CHARS = 64 * 1024;
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
  hist: Type.Union([Type.String({ maxLength: HIST_MAX_CHARS, pattern: '^[A-Za-z0-9+/]*={0,2}$' }), Type.Null()]),
}, { additionalProperties: false });

const WindowBatch = Type.Object({
  v: Type.Literal(WIRE_VERSION),
  agent: Id,
  monitorId: Id,
  /** An http monitor's phase series (left out: the probe's total, the only series of the other kinds). */
  phase: Type.Optional(Type.Union(HTTP_PHASES.map((p) => Type.Literal(p)))),
  spanMs: Type.Integer({ minimum: 100, maximum: 86_400_000 }),
  /** When the agent sealed these windows (ms since the epoch), for the seal→stored latency. */
  sealedAt: Count,
  windows: Type.Array(WireWindow, { minItems: 1, maxItems: MAX_WINDOWS_PER_MESSAGE }),
}, { additionalProperties: false });

/** The schema of one message (the bus fuzz campaign generates messages from it). */
export const WindowBatchSchema = WindowBatch;

export type WireWindow = Static<typeof WireWindow>;
export type WindowBatch = Static<typeof WindowBatch>;

// What the decoder compiles: the same schema with the histogram only typed, string or null.
// histogramBytes() checks what the pattern and maxLength say while it decodes the string:
// Ajv would count the code points of each histogram and run the regex on it, and the store
// then decoded the base64 a second time.
const DecodedWindow = Type.Object({ ...WireWindow.properties, hist: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: false });
const DecodedBatch = Type.Object(
  { ...WindowBatch.properties, windows: Type.Array(DecodedWindow, { minItems: 1, maxItems: MAX_WINDOWS_PER_MESSAGE }) },
  { additionalProperties: false },
);

let validate: ValidateFunction | undefined;

/** `hists[i]`: the bytes of `batch.windows[i].hist` (null for null), for the store. */
export type DecodeResult = { ok: true; batch: WindowBatch; hists: (Buffer | null)[] } | { ok: false; reason: string };

const BASE64_ALPHABET = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') BASE64_ALPHABET[c.charCodeAt(0)] = 1;

/** The bytes of a histogram string, or null when the schema's pattern or length refuse it
 *  (`^[A-Za-z0-9+/]*={0,2}$`, at most HIST_MAX_CHARS). */
function histogramBytes(s: string): Buffer | null {
  if (s.length > HIST_MAX_CHARS) return null;
  let end = s.length;
  if (end > 0 && s.charCodeAt(end - 1) === 61) end--; // '='
  if (end > 0 && s.charCodeAt(end - 1) === 61) end--;
  for (let i = 0; i < end; i++) if (BASE64_ALPHABET[s.charCodeAt(i)] !== 1) return null;
  return Buffer.from(s, 'base64');
}

export function decodeWindowBatch(data: Uint8Array): DecodeResult {
  if (data.length > MAX_MESSAGE_BYTES) return { ok: false, reason: `oversized: ${data.length} bytes > ${MAX_MESSAGE_BYTES}` };
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.length).toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` };
  }
  validate ??= new Ajv({ allErrors: false, strict: false }).compile(DecodedBatch);
  if (!validate(value)) {
    const e = validate.errors?.[0];
    return { ok: false, reason: `invalid: ${e?.instancePath || '/'} ${e?.message ?? 'does not match the window batch schema'}` };
  }
  const batch = value as WindowBatch;
  const hists = new Array<Buffer | null>(batch.windows.length);
  for (let i = 0; i < batch.windows.length; i++) {
    const hist = batch.windows[i].hist;
    if (hist === null) {
      hists[i] = null;
      continue;
    }
    const bytes = histogramBytes(hist);
    if (bytes === null) return { ok: false, reason: `invalid: /windows/${i}/hist is not base64 of at most ${HIST_MAX_CHARS} characters` };
    hists[i] = bytes;
  }
  return { ok: true, batch, hists };
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
