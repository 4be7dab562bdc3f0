// /v1/jobs: list, get, cancel, and submit a ping job (the native way to start one).
import { Type } from '@sinclair/typebox';
import { JOB_STATUSES, pingTargetProblem, type JsonValue, type PingRequest, type Sonde } from '../../../engine/index.js';
import { IdParams, PageOf, StringEnum } from '../../http/common-schemas.js';
import { badRequest, notFound } from '../../http/errors.js';
import { defineRoute, type AnyRoute } from '../../http/route.js';

const Status = StringEnum(JOB_STATUSES);

export const JobSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  operation: Type.String(),
  params: Type.Unknown(),
  selector: Type.Union([Type.String(), Type.Null()]),
  status: Status,
  progress: Type.Number({ minimum: 0, maximum: 100 }),
  results: Type.Array(Type.Object({
    hostname: Type.String(),
    serial: Type.String(),
    status: StringEnum(['ok', 'failed'] as const),
    data: Type.Optional(Type.Unknown()),
    error: Type.Optional(Type.String()),
    durationMs: Type.Number(),
  })),
  error: Type.Union([Type.String(), Type.Null()]),
  keyId: Type.Union([Type.String(), Type.Null()]),
  createdAtMs: Type.Integer(),
  startedAtMs: Type.Union([Type.Integer(), Type.Null()]),
  finishedAtMs: Type.Union([Type.Integer(), Type.Null()]),
});

const ListQuery = Type.Object({
  status: Type.Optional(Status),
  operation: Type.Optional(Type.String({ maxLength: 100 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
}, { additionalProperties: false });

export const PingJobBody = Type.Object({
  operation: Type.Literal('ping'),
  agent: Type.Optional(Type.String({ minLength: 1, maxLength: 253, default: '_any', description: 'hostname | _any | _all | key:value' })),
  targets: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { minItems: 1, maxItems: 10000 }),
  count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, default: 3 })),
  intervalMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 60000, default: 1000 })),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 60000, default: 1000 })),
  size: Type.Optional(Type.Integer({ minimum: 0, maximum: 65500, default: 56 })),
}, { additionalProperties: false });

export function jobRoutes(sonde: Sonde): AnyRoute[] {
  const tags = ['jobs'];
  const list = defineRoute({
    method: 'get', path: '/v1/jobs', operationId: 'listJobs', summary: 'List jobs, newest first', tags,
    scope: 'job:read', query: ListQuery,
    responses: { 200: { description: 'A page of jobs', schema: PageOf(JobSchema) } },
    handler: ({ query }) => ({ status: 200, body: sonde.jobs.list(query) }),
  });
  const get = defineRoute({
    method: 'get', path: '/v1/jobs/{id}', operationId: 'getJob', summary: 'Get one job with its per-agent results', tags,
    scope: 'job:read', params: IdParams,
    responses: { 200: { description: 'The job', schema: JobSchema }, 404: { description: 'No such job' } },
    handler: ({ params }) => {
      // The record as stored, serialized once by the engine (no parse + re-stringify).
      const json = sonde.jobs.getJson(params.id);
      if (json === null) throw notFound(`job ${params.id} not found`);
      return { status: 200, body: json, contentType: 'application/json' };
    },
  });
  const cancel = defineRoute({
    method: 'post', path: '/v1/jobs/{id}/cancel', operationId: 'cancelJob', summary: 'Cancel a running job (it ends failed, "cancelled")', tags,
    scope: 'network:write', params: IdParams,
    responses: { 200: { description: 'The job after cancellation', schema: JobSchema }, 404: { description: 'No such job' }, 409: { description: 'The job already finished' } },
    handler: ({ params }) => ({ status: 200, body: sonde.jobs.cancel(params.id) }),
  });
  const cancelByDelete = { ...cancel, method: 'delete' as const, operationId: 'cancelJobByDelete', path: '/v1/jobs/{id}', summary: 'Cancel a running job (same as POST /v1/jobs/{id}/cancel)' };
  const submit = defineRoute({
    method: 'post', path: '/v1/jobs', operationId: 'submitJob', summary: 'Start a ping job on the agents the selector picks; poll GET /v1/jobs/{id}', tags,
    scope: 'network:write', body: PingJobBody,
    responses: { 202: { description: 'The job, just submitted', schema: JobSchema } },
    handler: ({ body, key }) => {
      // Checked here by the ping engine's own rules, so that a target that is neither an IP nor
      // a host name (999.1.1.1) is a 400 now, not a job that fails later.
      for (let i = 0; i < body.targets.length; i++) {
        const problem = pingTargetProblem(body.targets[i]);
        if (problem !== null) throw badRequest(`targets[${i}]: ${problem}`, 'field: targets');
      }
      const request: PingRequest = { targets: body.targets, count: body.count, intervalMs: body.intervalMs, timeoutMs: body.timeoutMs, size: body.size };
      const count = body.count ?? 3;
      const timeoutMs = count * (body.intervalMs ?? 1000) + (body.timeoutMs ?? 1000) + 5000;
      const { job } = sonde.jobs.submit({
        operation: 'network.ping',
        params: { targets: body.targets, count, intervalMs: body.intervalMs ?? 1000, timeoutMs: body.timeoutMs ?? 1000, size: body.size ?? 56 },
        selector: body.agent ?? '_any',
        keyId: key?.id ?? null,
        timeoutMs,
        run: async (agent, ctx) => JSON.parse(JSON.stringify(await agent.ping({ ...request, signal: ctx.signal }, ctx.signal))) as JsonValue,
      });
      return { status: 202, body: job };
    },
  });
  return [list, get, cancel, cancelByDelete, submit];
}
