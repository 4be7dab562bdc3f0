// Contract C, the troubleshooting API (HPE Aruba Central network-troubleshooting/v1alpha1):
// seed 004 and docs/contracts.md#troubleshooting-api. The ping result is exactly the seed's;
// the other tests' `output` shapes are not in any seed and are left to sonde
// (docs/contracts.md#troubleshooting-operation): the ones below are sonde's, in the seed's
// style (numbers as strings, *Milliseconds names). Route authors: change them here if the
// routes settle on others.

import { Type, type TSchema } from '@sinclair/typebox';
import { NumberString, Rfc3339Nano } from './common.js';

export const TEST_KINDS = ['ping', 'traceroute', 'tcp', 'http', 'https', 'nslookup'] as const;
export type TroubleshootingTestKind = (typeof TEST_KINDS)[number];

/** POST …/aps/{serial}/{test} → 202. */
export const TroubleshootingCreateResponse = (kind: TroubleshootingTestKind) =>
  Type.Object(
    {
      location: Type.String({ pattern: `^/network-troubleshooting/v1alpha1/aps/[^/]+/${kind}/async-operations/[^/]+$` }),
      status: Type.Literal('INITIATED'),
      startTime: Rfc3339Nano(),
    },
    { additionalProperties: false },
  );

export const PingReply = Type.Object(
  {
    sentPacketAddress: Type.String(),
    sentPacketIcmpSequenceNumber: NumberString(),
    sentPacketTimeToLive: NumberString(),
    sentPacketTimeMilliseconds: NumberString(),
    sentPacketSizeBytes: NumberString(),
  },
  { additionalProperties: false },
);

/** Seed 004's `output`, every number a string; `replies` lists only replies that came back. */
export const PingOutput = Type.Object(
  {
    receivedPacketsCount: NumberString(),
    packetLossPercent: NumberString(),
    minimumRoundTripTimeMilliseconds: NumberString(),
    maximumRoundTripTimeMilliseconds: NumberString(),
    replies: Type.Array(PingReply),
    averageRoundTripTimeMilliseconds: NumberString(),
    destination: Type.String({ minLength: 1 }),
    resolvedIp: Type.String({ minLength: 1 }),
    transmittedPacketsCount: NumberString(),
  },
  {
    additionalProperties: false,
    $comment: 'The seed shows only a run with replies; with none, the RTT fields are still present ("0.0", as server/format/bsd-ping-text.ts writes them) so that clients that read them unconditionally keep working.',
  },
);

/** sonde-defined. One entry per TTL; "*" where no answer came back for a probe. */
export const TracerouteOutput = Type.Object(
  {
    destination: Type.String({ minLength: 1 }),
    resolvedIp: Type.String({ minLength: 1 }),
    maxHops: NumberString(),
    destinationReached: Type.Boolean(),
    hops: Type.Array(
      Type.Object(
        {
          hopNumber: NumberString(),
          address: Type.String({ $comment: 'The router that answered, or "*" when none did.' }),
          roundTripTimesMilliseconds: Type.Array(Type.String({ pattern: '^([0-9]+(\\.[0-9]+)?|\\*)$' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** sonde-defined. A refused or timed-out connect is a COMPLETED test with connected:false and `error`. */
export const TcpOutput = Type.Object(
  {
    host: Type.String({ minLength: 1 }),
    port: NumberString(),
    resolvedIp: Type.Optional(Type.String()),
    connected: Type.Boolean(),
    connectTimeMilliseconds: Type.Optional(NumberString()),
    error: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** sonde-defined, for both `http` and `https`. Phases absent when they did not happen (no DNS for an IP, no TLS for http). */
export const HttpOutput = Type.Object(
  {
    url: Type.String({ minLength: 1 }),
    resolvedIp: Type.Optional(Type.String()),
    statusCode: Type.Optional(NumberString()),
    dnsLookupTimeMilliseconds: Type.Optional(NumberString()),
    tcpConnectTimeMilliseconds: Type.Optional(NumberString()),
    tlsHandshakeTimeMilliseconds: Type.Optional(NumberString()),
    timeToFirstByteMilliseconds: Type.Optional(NumberString()),
    totalTimeMilliseconds: NumberString(),
    error: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** sonde-defined. */
export const NslookupOutput = Type.Object(
  {
    host: Type.String({ minLength: 1 }),
    server: Type.String({ $comment: '"system" or the DNS servers asked.' }),
    resolutionTimeMilliseconds: NumberString(),
    answers: Type.Array(
      Type.Object(
        {
          type: Type.Union([Type.Literal('A'), Type.Literal('AAAA')]),
          address: Type.String({ minLength: 1 }),
          ttl: Type.Optional(NumberString()),
        },
        { additionalProperties: false },
      ),
    ),
    error: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const OUTPUT_BY_KIND: Record<TroubleshootingTestKind, TSchema> = {
  ping: PingOutput,
  traceroute: TracerouteOutput,
  tcp: TcpOutput,
  http: HttpOutput,
  https: HttpOutput,
  nslookup: NslookupOutput,
};

/**
 * GET …/aps/{serial}/{test}/async-operations/{taskId} → 200. Seed 004 shows only a
 * COMPLETED ping; the other states follow docs/contracts.md#troubleshooting-operation
 * (INITIATED → RUNNING → COMPLETED | FAILED, progressPercent advancing, failReason null
 * unless failed).
 */
export const TroubleshootingResultResponse = (kind: TroubleshootingTestKind) => {
  const output = OUTPUT_BY_KIND[kind];
  const state = (status: TSchema, fields: Record<string, TSchema>) =>
    Type.Object(
      { startTime: Rfc3339Nano(), status, progressPercent: Type.Integer({ minimum: 0, maximum: 100 }), ...fields },
      { additionalProperties: false },
    );
  return Type.Union([
    state(Type.Literal('COMPLETED'), {
      endTime: Rfc3339Nano(),
      rawOutput: Type.Union([Type.String(), Type.Null()], { $comment: 'null when the POST asked includeRawOutput: false (ping); a string otherwise.' }),
      output,
      failReason: Type.Null(),
      progressPercent: Type.Literal(100),
    }),
    state(Type.Literal('FAILED'), {
      endTime: Rfc3339Nano(),
      rawOutput: Type.Union([Type.String(), Type.Null()]),
      output: Type.Union([output, Type.Null()]),
      failReason: Type.String({ minLength: 1 }),
    }),
    state(Type.Union([Type.Literal('INITIATED'), Type.Literal('RUNNING')]), {
      endTime: Type.Null(),
      rawOutput: Type.Union([Type.String(), Type.Null()]),
      output: Type.Union([output, Type.Null()]),
      failReason: Type.Null(),
    }),
  ]);
};

/** The errorCode of each documented status (docs/contracts.md#troubleshooting-errors). */
export const TROUBLESHOOTING_ERROR_CODES: Record<number, readonly string[]> = {
  400: ['HPE_GRAVITY_BAD_REQUEST'],
  401: ['HPE_GRAVITY_UNAUTHORIZED'],
  404: ['HPE_GRAVITY_DEVICE_NOT_FOUND', 'HPE_GRAVITY_TASK_NOT_FOUND'],
  409: ['HPE_GRAVITY_DEVICE_OFFLINE'],
  429: ['HPE_GRAVITY_TOO_MANY_REQUESTS'],
  500: ['HPE_GRAVITY_INTERNAL_SERVER_ERROR'],
};

/** Every error of contract C. */
export const TroubleshootingApiError = Type.Object(
  {
    errorCode: Type.String({
      pattern: '^HPE_GRAVITY_[A-Z_]+$',
      $comment:
        'docs/contracts.md#troubleshooting-errors fixes codes for 400/401/404/409/429/500 (TROUBLESHOOTING_ERROR_CODES) but the seed has none for the 403 (missing scope) and 413 (body too large) that docs/contracts.md#shared-rules require; the pattern admits the HPE_GRAVITY_* code the route picks for those.',
    }),
    message: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);
