// Request and response schemas of contract B (seed 001, docs/contracts.md#service-ping-api)
// for validation and /openapi.json.
import { Type } from '@sinclair/typebox';

export const MAX_PINGS = 100;

export const ServiceParams = Type.Object({
  service_id: Type.Integer({ minimum: 1, description: 'ID of the service (a target registered with this serviceId)' }),
}, { additionalProperties: false });

export const TaskParams = Type.Object({
  task_id: Type.String({ minLength: 1, maxLength: 64, description: 'The task_id from POST /api/v1/{service_id}/ping/' }),
}, { additionalProperties: false });

export const CreateBody = Type.Object({
  pings: Type.Integer({ minimum: 1, maximum: MAX_PINGS, description: 'Number of ICMP echo requests, 1..100 (one per second)' }),
});

const Meta = Type.Null();

export const CreateResponse = Type.Object({
  ok: Type.Literal(true),
  type: Type.Literal('success'),
  action: Type.Literal('ping_created'),
  data: Type.Object({ task_id: Type.String({ format: 'uuid' }) }),
  message: Type.Null(),
  meta: Meta,
});

const Ms = Type.Union([Type.Number({ minimum: 0 }), Type.Null()]);

export const ResultData = Type.Object({
  status: Type.Union(['stable', 'intermittent', 'no_internet', 'error', 'pending'].map((s) => Type.Literal(s))),
  sent: Type.Integer({ minimum: 0, description: 'Probes sent (while pending: probes concluded so far)' }),
  received: Type.Integer({ minimum: 0 }),
  packet_loss: Type.Number({ minimum: 0, maximum: 100, description: 'Percent' }),
  rtt_min_ms: Ms,
  rtt_avg_ms: Ms,
  rtt_max_ms: Ms,
  progress: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'Only while pending' })),
  address: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'The address pinged' })),
});

export const ResultResponse = Type.Object({
  ok: Type.Boolean(),
  type: Type.Union([Type.Literal('success'), Type.Literal('info'), Type.Literal('error')]),
  action: Type.Union(['stable_connection', 'intermittent_connection', 'no_internet', 'ping_failed', 'ping_pending'].map((s) => Type.Literal(s))),
  data: Type.Union([ResultData, Type.Null()]),
  message: Type.Union([Type.String(), Type.Null()]),
  meta: Meta,
}, { description: 'received/sent ≥ 0.8: stable_connection; > 0: intermittent_connection; 0: no_internet; could not run: ping_failed; running: ping_pending' });
