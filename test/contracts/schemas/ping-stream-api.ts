// Contract D, the ping stream API (GoodMem pingStream / pingOnce): seed 002 and
// docs/contracts.md#ping-stream-api, with field types from GoodMem's published SDK models.

import { Type } from '@sinclair/typebox';
import { Count, StringMap, Uuid } from './common.js';

export const TARGET_TYPES = ['HOST', 'TCP', 'HTTP', 'EMBEDDER', 'RERANKER', 'LLM'] as const;

export const PingEndpoint = Type.Object(
  {
    targetType: Type.Union(TARGET_TYPES.map((t) => Type.Literal(t))),
    targetId: Uuid(),
    resolvedEndpoint: Type.String({ minLength: 1 }),
    provider: Type.Optional(Type.String()),
    modelIdentifier: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/**
 * Unix-epoch nanoseconds: a JSON string of digits, or a JSON integer, exact, never a rounded
 * double (docs/contracts.md#ping-stream-result). A schema sees parsed values, so it cannot
 * tell an exact integer from a rounded double: the contract tests must check the raw text. Seed 002's example 1712082300123456800 is itself a double's text: the
 * double nearest 1712082300123456789 is exactly …456768, which JavaScript prints as …456800.
 */
export const UnixNanos = () =>
  Type.Union([Type.String({ pattern: '^[0-9]{1,19}$' }), Type.Integer({ minimum: 0 })]);

export const PingTiming = Type.Object(
  {
    clientSendTimeUnixNanos: UnixNanos(),
    serverReceivedTimeUnixNanos: Type.Optional(UnixNanos()),
    serverSendTimeUnixNanos: Type.Optional(UnixNanos()),
    clientReceiveTimeUnixNanos: UnixNanos(),
  },
  {
    additionalProperties: false,
    $comment: 'GoodMem\'s SDK models type all four as required int64; docs/contracts.md#ping-stream-differences makes the two server times optional (only when the endpoint tells them). docs/contracts.md wins.',
  },
);

/** One probe's result: the `result` of a stream event, and the whole body of POST /v1/ping:once. */
export const PingResult = Type.Object(
  {
    endpoint: PingEndpoint,
    seq: Type.Integer({ minimum: 1, $comment: '1-based (GoodMem SDK: "Sequential probe number (1-based)").' }),
    bytesSent: Count(),
    bytesReceived: Count(),
    ok: Type.Boolean(),
    httpStatus: Type.Optional(
      Type.Integer({
        minimum: 100,
        maximum: 599,
        $comment: 'GoodMem\'s SDK models make httpStatus required; docs/contracts.md#ping-stream-differences makes it optional (no HTTP status for HOST and TCP targets). docs/contracts.md wins.',
      }),
    ),
    errorMessage: Type.Optional(
      Type.String({
        minLength: 1,
        $comment:
          'Seed 002\'s example pairs ok:true with errorMessage "Probe exceeded timeout of 5000 ms"; docs/contracts.md#ping-stream-differences: a timeout is ok:false with that message. docs/contracts.md wins (the ok:false → errorMessage rule is enforced below).',
      }),
    ),
    rttMs: Type.Number({ minimum: 0 }),
    timing: PingTiming,
    metadata: Type.Optional(StringMap()),
  },
  {
    additionalProperties: false,
    if: { properties: { ok: { const: false } } },
    then: { properties: { errorMessage: { type: 'string' } }, required: ['errorMessage'] },
  },
);

/** Notice details: integers are JSON numbers, names strings. */
const DetailMap = () => Type.Record(Type.String(), Type.Union([Type.String(), Type.Integer()]));

export const PingNotice = Type.Object(
  {
    code: Type.String({ minLength: 1 }),
    message: Type.String({ minLength: 1 }),
    details: Type.Optional(DetailMap()),
  },
  { additionalProperties: false },
);

const Ms = () => Type.Number({ minimum: 0 });
/** An RTT statistic: null when no probe was answered (0 would be a measurement). */
const RttMs = () => Type.Union([Ms(), Type.Null()]);

export const PingSummary = Type.Object(
  {
    endpoint: PingEndpoint,
    requests: Count(),
    responses: Count(),
    ok: Count(),
    timeouts: Count(),
    errors: Count(),
    rttMinMs: RttMs(),
    rttAvgMs: RttMs(),
    rttP50Ms: RttMs(),
    rttP90Ms: RttMs(),
    rttP99Ms: RttMs(),
    rttMaxMs: RttMs(),
    requestsPerSecond: Ms(),
    bytesPerSecond: Ms(),
    appliedLimits: Type.Optional(Type.Record(Type.String(), Type.Integer())),
  },
  { additionalProperties: false },
);

/**
 * One event of POST /v1/ping:stream: an NDJSON line, or the `data:` of an SSE
 * `event: item` frame — exactly one of result, notice, summary.
 */
export const PingStreamEvent = Type.Union([
  Type.Object({ result: PingResult }, { additionalProperties: false }),
  Type.Object({ notice: PingNotice }, { additionalProperties: false }),
  Type.Object({ summary: PingSummary }, { additionalProperties: false }),
]);

/** The `data:` of the final SSE `event: close` frame. */
export const PingStreamClose = Type.Object({ type: Type.Literal('completed') }, { additionalProperties: false });

/** Every error of contract D (400, 401, 403, 404, 413, 429, 500). */
export const PingStreamApiError = Type.Object(
  {
    error: Type.String({ minLength: 1 }),
    details: Type.Optional(Type.String()),
    code: Type.Integer({ minimum: 400, maximum: 599 }),
  },
  { additionalProperties: false },
);
