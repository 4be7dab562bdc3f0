// Contract A, the node API (osapi): seeds 000 (ping) and 003 (command exec) and
// docs/contracts.md#node-api. Where a seed and docs/contracts.md disagree, docs/contracts.md
// wins; each such place carries a $comment.

import { Type } from '@sinclair/typebox';
import { Count, GoDuration, Percent, Rfc3339, Uuid } from './common.js';

export const NodePingResultItem = Type.Object(
  {
    hostname: Type.String({ minLength: 1 }),
    packets_sent: Count(),
    packets_received: Count(),
    packet_loss: Percent(),
    min_rtt: GoDuration(),
    avg_rtt: GoDuration(),
    max_rtt: {
      ...GoDuration(),
      $comment: 'Seed 000 example "24.309240ms" is not text Go prints (Go trims trailing zeros: "24.30924ms"); the pattern follows Go, as docs/contracts.md#node-api-ping requires.',
    },
    changed: Type.Literal(false, {
      $comment: 'Seed 000 example shows "changed": true; docs/contracts.md#node-api-differences says "changed": false for ping (a ping modifies nothing). docs/contracts.md wins.',
    }),
    error: Type.Optional(Type.String()),
    status: Type.Optional(
      Type.Union([Type.Literal('ok'), Type.Literal('failed'), Type.Literal('skipped')], {
        $comment: 'Not in seed 000; later osapi versions added it; docs/contracts.md#node-api-ping allows it as an extra.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** POST /node/{hostname}/network/ping → 200. */
export const NodePingResponse = Type.Object(
  {
    job_id: Uuid(),
    results: Type.Array(NodePingResultItem, {
      minItems: 1,
      $comment: 'Ordered by hostname (docs/contracts.md#node-api-selector); an unmatched target is a 400, so a 200 has at least one item.',
    }),
  },
  { additionalProperties: false },
);

export const NodeExecResultItem = Type.Object(
  {
    hostname: Type.String({ minLength: 1 }),
    stdout: Type.String(),
    stderr: Type.String(),
    exit_code: Type.Integer({ $comment: '-1 when the command was killed at its timeout (docs/contracts.md#node-api-exec).' }),
    duration_ms: Type.Integer({ minimum: 0 }),
    changed: Type.Literal(true),
    error: Type.Optional(Type.String()),
    truncated: Type.Optional(
      Type.Boolean({ $comment: 'Not in seed 003; docs/contracts.md#node-api-exec adds it: stdout/stderr were capped.' }),
    ),
  },
  { additionalProperties: false },
);

/** POST /node/{hostname}/command/exec → 202. */
export const NodeExecResponse = Type.Object(
  {
    job_id: Uuid(),
    results: Type.Array(NodeExecResultItem, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export const JobStatus = Type.Union([
  Type.Literal('submitted'),
  Type.Literal('processing'),
  Type.Literal('completed'),
  Type.Literal('failed'),
  Type.Literal('partial_failure'),
]);

/**
 * GET /job/{id} → 200. No seed: docs/contracts.md#node-api-jobs (the job with its status,
 * operation, timestamps and per-agent results) and osapi's JobDetailResponse field names. osapi's
 * own schema requires none of its fields and has varied between versions
 * (responses / worker_states / agent_states), so extra fields are allowed here.
 */
export const JobDetailResponse = Type.Object(
  {
    id: Uuid(),
    status: JobStatus,
    operation: Type.Object({}, { additionalProperties: true }),
    created: Rfc3339(),
    updated_at: Type.Optional(Rfc3339()),
    hostname: Type.Optional(Type.String()),
    error: Type.Optional(Type.String()),
    result: Type.Optional(Type.Unknown()),
    responses: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object(
          {
            status: Type.Optional(Type.String()),
            hostname: Type.Optional(Type.String()),
            error: Type.Optional(Type.String()),
            data: Type.Optional(Type.Unknown()),
          },
          { additionalProperties: true },
        ),
        { $comment: 'Per-agent results keyed by hostname (osapi "responses").' },
      ),
    ),
  },
  { additionalProperties: true },
);

/** GET /job?status=&limit=&offset= → 200 (osapi ListJobsResponse). */
export const JobListResponse = Type.Object(
  {
    total_items: Count(),
    items: Type.Array(JobDetailResponse, { maxItems: 100 }),
  },
  { additionalProperties: false },
);

/** Every error of contract A (400, 401, 403, 404, 413, 429, 500). `code` equals the HTTP status. */
export const NodeApiError = Type.Object(
  {
    error: Type.String({ minLength: 1 }),
    details: Type.String({
      $comment: 'docs/contracts.md#node-api-errors: details is always present (contract D\'s is optional): required here.',
    }),
    code: Type.Integer({ minimum: 400, maximum: 599 }),
  },
  { additionalProperties: false },
);
