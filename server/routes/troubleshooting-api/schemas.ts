// Request and response schemas of contract C (seed 004, docs/contracts.md#troubleshooting-api)
// for validation and /openapi.json. Ranges are checked by the routes (ranges.ts) so that the
// 400 says "packetSize must be between 10 and 2000" as the seed does.
import { Type, type TSchema } from '@sinclair/typebox';

export const TESTS = ['ping', 'traceroute', 'tcp', 'http', 'https', 'nslookup'] as const;
export type TestName = (typeof TESTS)[number];

const Name = (description: string) => Type.String({ minLength: 1, maxLength: 253, description });

export const SerialParams = Type.Object({ serial: Type.String({ minLength: 1, maxLength: 128, description: 'Serial number of the agent that runs the test' }) }, { additionalProperties: false });
export const TaskParams = Type.Object({
  serial: Type.String({ minLength: 1, maxLength: 128 }),
  taskId: Type.String({ minLength: 1, maxLength: 128, description: 'The id at the end of the POST\'s location' }),
}, { additionalProperties: false });

export const BODIES: Record<TestName, TSchema> = {
  ping: Type.Object({
    destination: Name('IP address or DNS name'),
    packetSize: Type.Optional(Type.Integer({ description: 'ICMP data bytes, 10..2000 (default 56)' })),
    count: Type.Optional(Type.Integer({ description: 'Echo requests, 1..100 (default 5), one per second' })),
    includeRawOutput: Type.Optional(Type.Boolean({ description: 'Include the BSD ping text in rawOutput (default true)' })),
  }),
  traceroute: Type.Object({
    destination: Name('IP address or DNS name'),
    maxHops: Type.Optional(Type.Integer({ description: 'Highest TTL probed, 1..64 (default 30)' })),
  }),
  tcp: Type.Object({
    host: Name('IP address or DNS name'),
    port: Type.Integer({ description: 'TCP port, 1..65535' }),
  }),
  http: Type.Object({ url: Type.String({ minLength: 1, maxLength: 2048, description: 'http:// URL (a bare host/path gets http://)' }) }),
  https: Type.Object({ url: Type.String({ minLength: 1, maxLength: 2048, description: 'https:// URL (a bare host/path gets https://)' }) }),
  nslookup: Type.Object({ host: Name('The name to resolve (A and AAAA, system resolver)') }),
};

export const CreateResponse = Type.Object({
  location: Type.String({ description: '/network-troubleshooting/v1alpha1/aps/{serial}/{test}/async-operations/{taskId}' }),
  status: Type.Literal('INITIATED'),
  startTime: Type.String({ description: 'RFC 3339 with nanoseconds' }),
});

export const ResultResponse = Type.Object({
  startTime: Type.String({ description: 'RFC 3339 with nanoseconds' }),
  endTime: Type.Union([Type.String(), Type.Null()]),
  rawOutput: Type.Union([Type.String(), Type.Null()], { description: 'The tool\'s text (ping: BSD ping, traceroute: BSD traceroute -n)' }),
  output: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], { description: 'The figures, every number as a string' }),
  failReason: Type.Union([Type.String(), Type.Null()]),
  progressPercent: Type.Integer({ minimum: 0, maximum: 100 }),
  status: Type.Union(['INITIATED', 'RUNNING', 'COMPLETED', 'FAILED'].map((s) => Type.Literal(s))),
});
