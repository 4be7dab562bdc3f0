// Unauthenticated system routes: GET /healthz (the engine's real state, for load balancers
// and watchdogs) and GET /openapi.json.
import { Type } from '@sinclair/typebox';
import type { Sonde } from '../../engine/index.js';
import { defineRoute, type AnyRoute } from '../http/route.js';

/** `requireEngine`: a daemon meant to probe — without an engine /healthz says "down" (503). */
export function systemRoutes(sonde: Sonde, version: string, openApi: () => unknown, requireEngine = false): AnyRoute[] {
  const startedAt = Date.now();
  const Workers = Type.Object({
    threads: Type.Integer(), running: Type.Integer(),
    restarts: Type.Object({ uncaught_error: Type.Integer(), exited: Type.Integer(), start_failed: Type.Integer() }),
  });
  const Health = (status: string) => Type.Object({
    status: Type.Literal(status), version: Type.String(), uptimeSeconds: Type.Number(), runningJobs: Type.Integer(),
    ...(status === 'ok' ? {} : { reason: Type.String() }),
    workers: Type.Optional(Workers),
  });
  const healthz = defineRoute({
    method: 'get', path: '/healthz', operationId: 'healthz', tags: ['system'],
    summary: 'Health: 200 "ok" or "degraded" (a probe worker thread is missing or was replaced lately: the reason says which); 503 "down" when nothing can probe',
    scope: null,
    responses: {
      200: { description: 'Healthy ("ok"), or probing with less than the full pool ("degraded")', schema: Type.Union([Health('ok'), Health('degraded')]) },
      503: { description: 'No probe worker thread is left: the daemon cannot probe until it restarts', schema: Health('down') },
    },
    handler: () => {
      const health = sonde.engine?.health()
        ?? (requireEngine ? { state: 'down' as const, reason: 'the probe engine did not start (the start-up log says why): nothing can probe; restart the daemon once it is fixed' } : null);
      const body: Record<string, unknown> = {
        status: health?.state ?? 'ok', version, uptimeSeconds: Math.round((Date.now() - startedAt) / 1000), runningJobs: sonde.jobs.running(),
      };
      if (health !== null) {
        if (health.reason !== null) body.reason = health.reason;
        if ('threads' in health) body.workers = { threads: health.threads, running: health.running, restarts: health.restarts };
      }
      return { status: health?.state === 'down' ? 503 : 200, body };
    },
  });
  let cached: string | undefined;
  const openapi = defineRoute({
    method: 'get', path: '/openapi.json', operationId: 'openapi', summary: 'This API as an OpenAPI 3.1 document', tags: ['system'],
    scope: null,
    responses: { 200: { description: 'The OpenAPI document' } },
    handler: () => ({ status: 200, body: (cached ??= JSON.stringify(openApi())), contentType: 'application/json' }),
  });
  return [healthz, openapi];
}
