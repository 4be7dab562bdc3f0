// Contract B, the service ping API (WispHub middleware; seed 001): start a ping of the
// device bound to a service id, then poll for its outcome. Every answer is in the
// { ok, type, action, data, message, meta } envelope.
import type { Agent, AgentRegistry, DiagnosticTasks, Target } from '../../../engine/index.js';
import { HttpError, badRequest, notFound } from '../../http/errors.js';
import { defineRoute, type AnyRoute } from '../../http/route.js';
import { serviceApiCreateEnvelope, serviceApiEnvelope } from './envelope.js';
import { CreateBody, CreateResponse, ResultResponse, ServiceParams, TaskParams } from './schemas.js';
import { pingResult } from './wire.js';

export const SERVICE_PING_OPERATION = 'service.ping';

/** What to ping for a target: its host, also for URL targets (the host part). */
function hostOf(target: Target): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target.address)) {
    const host = new URL(target.address).hostname;
    return host.startsWith('[') ? host.slice(1, -1) : host;
  }
  return target.address;
}

/** The local agent; on a controller without one (--no-local-agent), one healthy remote agent, as `_any`. */
function pingingAgent(agents: AgentRegistry): Agent {
  if (agents.get(agents.local.hostname) === agents.local) return agents.local;
  const healthy = agents.list().filter((a) => a.healthy);
  if (healthy.length === 0) throw new HttpError(503, 'no agent can ping now: this controller has no local agent and no healthy remote agent', 'start a sonde agent on the bus, or the controller without --no-local-agent');
  return agents.route('_any')[0]!;
}

export function serviceApiRoutes(agents: AgentRegistry, tasks: DiagnosticTasks): AnyRoute[] {
  const envelope = serviceApiEnvelope.name;
  const tags = ['service-api'];

  const create = defineRoute({
    method: 'post', path: '/api/v1/{service_id}/ping/', operationId: 'servicePingCreate', tags, envelope: serviceApiCreateEnvelope.name,
    summary: 'Start a ping of the device bound to a service id; poll GET /api/v1/ping/{task_id}/',
    scope: 'network:write', params: ServiceParams, body: CreateBody,
    responses: {
      200: { description: 'Task created', schema: CreateResponse },
      404: { description: 'No target has this serviceId' },
    },
    handler: async ({ params, body, key }) => {
      const target = tasks.targetByServiceId(params.service_id);
      if (target === null) {
        throw notFound(`service ${params.service_id} not found`, 'bind a target to it with POST /v1/targets { "serviceId": ... }');
      }
      const task = await tasks.create({
        operation: SERVICE_PING_OPERATION,
        agent: pingingAgent(agents),
        test: { kind: 'ping', destination: hostOf(target), count: body.pings, size: 56, intervalMs: 1000, timeoutMs: 1000 },
        context: { serviceId: params.service_id, targetId: target.id },
        keyId: key?.id ?? null,
      });
      return {
        status: 200,
        body: { ok: true, type: 'success', action: 'ping_created', data: { task_id: task.id }, message: null, meta: null },
      };
    },
  });

  const result = defineRoute({
    method: 'get', path: '/api/v1/ping/{task_id}/', operationId: 'servicePingResult', tags, envelope,
    summary: 'The outcome of a service ping: stable, intermittent, no_internet, failed or still pending',
    scope: 'job:read', params: TaskParams,
    responses: { 200: { description: 'The task\'s state', schema: ResultResponse }, 404: { description: 'No such task' } },
    handler: ({ params }) => {
      const task = tasks.get(params.task_id);
      if (task === null || task.operation !== SERVICE_PING_OPERATION) {
        throw notFound(`task ${params.task_id} not found`, 'use the task_id returned by POST /api/v1/{service_id}/ping/');
      }
      return { status: 200, body: pingResult(task) };
    },
  });

  // The same routes without the trailing slash (clients that drop it).
  const createBare = { ...create, path: '/api/v1/{service_id}/ping', operationId: 'servicePingCreateNoSlash', hidden: true };
  const resultBare = { ...result, path: '/api/v1/ping/{task_id}', operationId: 'servicePingResultNoSlash', hidden: true };
  // The seed's own heading is `POST /api/v1//ping/`: an empty service id is a failed create (400).
  const emptyServiceId = defineRoute({
    method: 'post', path: '/api/v1//ping/', operationId: 'servicePingCreateEmptyId', tags, envelope: serviceApiCreateEnvelope.name, hidden: true,
    summary: 'POST /api/v1/{service_id}/ping/ with an empty service id', scope: 'network:write',
    responses: { 400: { description: 'service_id is empty' } },
    handler: () => {
      throw badRequest('service_id is empty: the path is /api/v1/{service_id}/ping/ with the integer id of the service', 'e.g. POST /api/v1/12345/ping/');
    },
  });
  const emptyServiceIdBare = { ...emptyServiceId, path: '/api/v1//ping', operationId: 'servicePingCreateEmptyIdNoSlash' };
  return [create, result, createBare, resultBare, emptyServiceId, emptyServiceIdBare];
}
