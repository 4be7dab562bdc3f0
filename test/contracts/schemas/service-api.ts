// Contract B, the service ping API (WispHub middleware): seed 001 and
// docs/contracts.md#service-ping-api.

import { Type, type TSchema } from '@sinclair/typebox';
import { Count, Percent, Uuid } from './common.js';

const Meta = Type.Union([Type.Null(), Type.Object({}, { additionalProperties: true })], {
  $comment: 'Seed 001: "Optional metadata object"; its example sends null.',
});

/** POST /api/v1/{service_id}/ping/ → 200, exactly seed 001's example shape. */
export const ServicePingCreateResponse = Type.Object(
  {
    ok: Type.Literal(true),
    type: Type.Literal('success'),
    action: Type.Literal('ping_created'),
    data: Type.Object({ task_id: Uuid() }, { additionalProperties: false }),
    message: Type.Null(),
    meta: Meta,
  },
  {
    additionalProperties: false,
    $comment: 'Seed 001 says the backend answers 202 internally; the documented status of this endpoint is 200 (docs/contracts.md#service-ping-api).',
  },
);

const NullableMs = () => Type.Union([Type.Number({ minimum: 0 }), Type.Null()]);

/** The result detail of docs/contracts.md#service-ping-outcomes (upstream sends data null); extra fields allowed. */
const ResultData = (status: string, extra: Record<string, TSchema> = {}) =>
  Type.Object(
    {
      status: Type.Literal(status),
      sent: Count(),
      received: Count(),
      packet_loss: Type.Union([Percent(), Type.Null()], { $comment: 'null when nothing was sent: a loss of 0 % would claim a measurement.' }),
      rtt_min_ms: NullableMs(),
      rtt_avg_ms: NullableMs(),
      rtt_max_ms: NullableMs(),
      ...extra,
    },
    { additionalProperties: true },
  );

const Outcome = (ok: boolean, type: string, action: string, data: TSchema, message: TSchema = Type.Union([Type.String(), Type.Null()])) =>
  Type.Object({ ok: Type.Literal(ok), type: Type.Literal(type), action: Type.Literal(action), data, message, meta: Meta }, { additionalProperties: false });

/**
 * GET /api/v1/ping/{task_id}/ → 200: one of the five outcomes of
 * docs/contracts.md#service-ping-outcomes. The received/sent thresholds (≥ 0.8 stable,
 * > 0 intermittent, 0 no_internet) are checked by the contract tests, not here.
 */
export const ServicePingResultResponse = Type.Union([
  Outcome(true, 'success', 'stable_connection', ResultData('stable')),
  Outcome(true, 'info', 'intermittent_connection', ResultData('intermittent')),
  Outcome(true, 'info', 'no_internet', ResultData('no_internet')),
  Outcome(false, 'error', 'ping_failed', Type.Union([ResultData('error'), Type.Null()]), Type.String({ minLength: 1 })),
  Outcome(true, 'info', 'ping_pending', ResultData('pending', { progress: Type.Number({ minimum: 0, maximum: 100 }) })),
]);

const ErrorOf = (action: string) => Type.Object(
  {
    ok: Type.Literal(false),
    type: Type.Literal('error'),
    action: Type.Literal(action),
    data: Type.Null(),
    message: Type.String({ minLength: 1 }),
    meta: Type.Null(),
  },
  { additionalProperties: false },
);

/** Every error of contract B's result route and unmatched paths (400, 401, 403, 404, 405, 413, 429, 500). */
export const ServiceApiError = ErrorOf('error');
/** Every error of a create: seed 001 lists ping_created and ping_failed as its only actions. */
export const ServiceApiCreateError = ErrorOf('ping_failed');
