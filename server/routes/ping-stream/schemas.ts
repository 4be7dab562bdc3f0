// Request bodies of contract D (seed 002) and response schemas for /openapi.json.
import { Type } from '@sinclair/typebox';
import { TARGET_KINDS } from '../../../engine/index.js';
import { StringEnum } from '../../http/common-schemas.js';

const Int32 = (description: string) => Type.Integer({ minimum: 0, maximum: 2_147_483_647, description });

const PayloadFields = {
  payloadType: Type.Optional(StringEnum(['TEXT', 'JSON', 'BINARY'] as const, { description: 'Desired payload type (default TEXT)' })),
  payload: Type.Optional(Type.String({ maxLength: 1_048_576, description: 'Explicit UTF-8 payload sent with each probe (mutually exclusive with payloadSizeBytes)' })),
  payloadSizeBytes: Type.Optional(Int32('Synthetic payload size in bytes (mutually exclusive with payload)')),
};

const TargetFields = {
  targetId: Type.String({ format: 'uuid', description: 'Target resource ID (UUID), from /v1/targets' }),
  targetTypeHint: Type.Optional(StringEnum(TARGET_KINDS, { description: 'Optional hint for the target resource type; must match the target' })),
};

export const PingStreamBody = Type.Object({
  ...TargetFields,
  count: Type.Optional(Int32('Number of probes to run (0 uses the server default, 4)')),
  intervalMs: Type.Optional(Int32('Delay between probes in milliseconds (0 uses the server default, 1000)')),
  timeoutMs: Type.Optional(Int32('Per-probe timeout in milliseconds (0 uses the server default, 5000)')),
  ...PayloadFields,
  maxInFlight: Type.Optional(Int32('Maximum concurrent probes (0 uses the default, 1)')),
  jitter: Type.Optional(Type.Boolean({ description: 'Add jitter to probe scheduling' })),
  labels: Type.Optional(Type.Record(Type.String({ maxLength: 128 }), Type.String({ maxLength: 256 }), {
    maxProperties: 20, description: 'Optional labels to attach to the ping session (at most 20)',
  })),
}, { additionalProperties: false });

export const PingOnceBody = Type.Object({
  ...TargetFields,
  timeoutMs: Type.Optional(Int32('Probe timeout in milliseconds (0 uses the server default, 5000)')),
  ...PayloadFields,
}, { additionalProperties: false });

const Nanos = Type.String({ pattern: '^[0-9]{1,19}$', description: 'Unix-epoch nanoseconds as a decimal string (exact, no double rounding)' });

const Endpoint = Type.Object({
  targetType: StringEnum(TARGET_KINDS),
  targetId: Type.String({ format: 'uuid' }),
  resolvedEndpoint: Type.String(),
  provider: Type.Optional(Type.String()),
  modelIdentifier: Type.Optional(Type.String()),
});

export const PingResultSchema = Type.Object({
  endpoint: Endpoint,
  seq: Type.Integer({ minimum: 1 }),
  bytesSent: Type.Integer({ minimum: 0 }),
  bytesReceived: Type.Integer({ minimum: 0 }),
  ok: Type.Boolean(),
  httpStatus: Type.Optional(Type.Integer()),
  errorMessage: Type.Optional(Type.String({ description: 'e.g. "Probe exceeded timeout of 5000 ms"' })),
  rttMs: Type.Number(),
  timing: Type.Object({
    clientSendTimeUnixNanos: Nanos,
    serverReceivedTimeUnixNanos: Type.Optional(Nanos),
    serverSendTimeUnixNanos: Type.Optional(Nanos),
    clientReceiveTimeUnixNanos: Nanos,
  }),
  metadata: Type.Optional(Type.Record(Type.String(), Type.String())),
});
