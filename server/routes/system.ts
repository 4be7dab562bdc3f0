// Unauthenticated system routes: GET /healthz and GET /openapi.json.
import { Type } from '@sinclair/typebox';
import type { Sonde } from '../../engine/index.js';
import { defineRoute, type AnyRoute } from '../http/route.js';

export function systemRoutes(sonde: Sonde, version: string, openApi: () => unknown): AnyRoute[] {
  const startedAt = Date.now();
  const healthz = defineRoute({
    method: 'get', path: '/healthz', operationId: 'healthz', summary: 'Liveness: 200 when the daemon answers', tags: ['system'],
    scope: null,
    responses: { 200: { description: 'Healthy', schema: Type.Object({ status: Type.Literal('ok'), version: Type.String(), uptimeSeconds: Type.Number(), runningJobs: Type.Integer() }) } },
    handler: () => ({ status: 200, body: { status: 'ok', version, uptimeSeconds: Math.round((Date.now() - startedAt) / 1000), runningJobs: sonde.jobs.running() } }),
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
