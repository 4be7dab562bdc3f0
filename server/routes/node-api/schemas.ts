// Request and response schemas of the node API (seeds 000 and 003, docs/contracts.md#node-api).
import { Type } from '@sinclair/typebox';
import { JOB_STATUSES } from '../../../engine/index.js';
import { StringEnum } from '../../http/common-schemas.js';

export const HostnameParams = Type.Object({
  hostname: Type.String({ minLength: 1, maxLength: 300, description: 'Target agent hostname, reserved routing value (_any, _all), or label selector (key:value).' }),
}, { additionalProperties: false });

export const JobIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

export const PingBody = Type.Object({
  address: Type.String({ minLength: 1, maxLength: 300, description: 'IPv4, IPv6, a DNS name, or an @fact.<key> reference resolved on the agent.' }),
  count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 3, description: 'sonde extension: probes to send.' })),
  interval_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 60000, default: 1000, description: 'sonde extension: ms between probes.' })),
  timeout_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 60000, default: 1000, description: 'sonde extension: ms to wait for each reply.' })),
  size: Type.Optional(Type.Integer({ minimum: 0, maximum: 65500, default: 56, description: 'sonde extension: ICMP payload bytes.' })),
}, { additionalProperties: false });

export const ExecBody = Type.Object({
  command: Type.String({ minLength: 1, maxLength: 4096, description: 'The executable name or path (must be on the agent\'s exec allowlist).' }),
  args: Type.Optional(Type.Array(Type.String({ maxLength: 131072 }), { maxItems: 1024, description: 'Command arguments, passed literally (no shell).' })),
  cwd: Type.Optional(Type.String({ maxLength: 4096, description: 'Working directory (absolute path).' })),
  timeout: Type.Optional(Type.Integer({ minimum: 1, maximum: 300, default: 30, description: 'Timeout in seconds (default 30, max 300).' })),
}, { additionalProperties: false });

export const JobListQuery = Type.Object({
  status: Type.Optional(StringEnum(JOB_STATUSES)),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
}, { additionalProperties: false });

export const PingResultItem = Type.Object({
  hostname: Type.String(),
  packets_sent: Type.Integer(),
  packets_received: Type.Integer(),
  packet_loss: Type.Number({ description: 'Percent, 0..100.' }),
  min_rtt: Type.String({ description: 'Go time.Duration text, e.g. "14.637103ms".' }),
  avg_rtt: Type.String(),
  max_rtt: Type.String(),
  changed: Type.Boolean(),
  error: Type.Optional(Type.String()),
  status: StringEnum(['ok', 'failed', 'skipped'] as const),
});

export const PingResponse = Type.Object({ job_id: Type.String({ format: 'uuid' }), results: Type.Array(PingResultItem) });

export const ExecResultItem = Type.Object({
  hostname: Type.String(),
  stdout: Type.String(),
  stderr: Type.String(),
  exit_code: Type.Integer({ description: '-1 when killed at the timeout or never started.' }),
  duration_ms: Type.Integer(),
  changed: Type.Boolean(),
  error: Type.Optional(Type.String()),
  truncated: Type.Optional(Type.Boolean({ description: 'stdout or stderr was cut at the output limit.' })),
});

export const ExecResponse = Type.Object({ job_id: Type.String({ format: 'uuid' }), results: Type.Array(ExecResultItem) });

export const JobDetail = Type.Object({
  id: Type.String({ format: 'uuid' }),
  status: StringEnum(JOB_STATUSES),
  operation: Type.Object({ type: Type.String(), data: Type.Unknown() }),
  created: Type.String({ description: 'RFC 3339, UTC.' }),
  updated_at: Type.String({ description: 'RFC 3339, UTC: when the job last changed state.' }),
  hostname: Type.Optional(Type.String({ description: 'The agent, when the job ran on exactly one.' })),
  error: Type.Optional(Type.String()),
  result: Type.Optional(Type.Unknown({ description: 'The one agent\'s result, when the job ran on exactly one.' })),
  responses: Type.Optional(Type.Record(Type.String(), Type.Object({
    status: Type.String(), hostname: Type.String(), error: Type.Optional(Type.String()), data: Type.Optional(Type.Unknown()),
  }), { description: 'Per-agent results keyed by hostname.' })),
});

export const JobList = Type.Object({ total_items: Type.Integer(), items: Type.Array(JobDetail) });
