// GET /openapi.json, generated from the same RouteSpecs (and TypeBox schemas) that the
// pipeline validates requests with, so the document cannot drift from what is enforced.
import type { TSchema } from '@sinclair/typebox';
import type { AnyRoute } from './http/route.js';
import { envelopeNamed } from './http/envelopes.js';

type Json = Record<string, unknown>;

/** A plain JSON copy (drops TypeBox's symbol keys and our own $id markers). */
function plain(schema: TSchema): Json {
  const copy = JSON.parse(JSON.stringify(schema)) as Json;
  delete copy.$id;
  return copy;
}

function parameters(schema: TSchema | undefined, where: 'path' | 'query'): Json[] {
  if (schema === undefined) return [];
  const props = (schema as { properties?: Record<string, TSchema> }).properties ?? {};
  const required = new Set((schema as { required?: string[] }).required ?? []);
  return Object.entries(props).map(([name, s]) => {
    const json = plain(s);
    const description = json.description;
    delete json.description;
    return { name, in: where, required: where === 'path' || required.has(name), ...(description !== undefined ? { description } : {}), schema: json };
  });
}

const ERROR_STATUSES: Record<number, string> = {
  400: 'Bad input: malformed JSON, wrong types or out-of-range values (the message names the field).',
  401: 'Missing, unknown or revoked API key.',
  403: 'The API key lacks the scope this route needs.',
  413: 'Request body over the configured limit.',
  429: 'Per-key rate limit exceeded; see Retry-After.',
};

/** `extraPaths`: operations served outside the RouteSpecs (the /v1/live WebSocket). */
export function buildOpenApi(routes: readonly AnyRoute[], info: { version: string; serverUrl?: string }, extraPaths: Record<string, Record<string, Json>> = {}): Json {
  const paths: Record<string, Record<string, Json>> = { ...extraPaths };
  const errorSchemas: Record<string, Json> = {};
  for (const route of routes) {
    if (route.hidden === true) continue;
    const envelope = envelopeNamed(route.envelope ?? 'native');
    const errorRef = `${envelope.name[0].toUpperCase()}${envelope.name.slice(1)}Error`.replace(/[^A-Za-z0-9_]/g, '_');
    if (envelope.schema !== undefined) errorSchemas[errorRef] ??= plain(envelope.schema);
    const errorSchema = envelope.schema !== undefined ? { $ref: `#/components/schemas/${errorRef}` } : {};
    const responses: Record<string, Json> = {};
    for (const [status, doc] of Object.entries(route.responses)) {
      responses[status] = doc.schema === undefined
        ? { description: doc.description }
        : { description: doc.description, content: { [doc.contentType ?? 'application/json']: { schema: plain(doc.schema) } } };
    }
    const errorStatuses = route.scope === null ? [] : [400, 401, 403, 429];
    if (route.body !== undefined || (route.rawBodyTypes?.length ?? 0) > 0) errorStatuses.push(400, 413);
    if (route.params !== undefined || route.query !== undefined) errorStatuses.push(400);
    for (const status of new Set(errorStatuses)) {
      responses[String(status)] ??= { description: ERROR_STATUSES[status], content: { 'application/json': { schema: errorSchema } } };
    }
    const operation: Json = {
      operationId: route.operationId,
      summary: route.summary,
      tags: route.tags,
      parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
      responses,
    };
    if (route.scope !== null) {
      operation.security = [{ bearerAuth: [] }, { apiKeyHeader: [] }, { sessionCookie: [] }];
      operation['x-required-scope'] = route.scope;
    }
    if (route.body !== undefined || (route.rawBodyTypes?.length ?? 0) > 0) {
      const content: Json = {};
      const jsonBody = route.body ?? route.bodyDoc;
      if (jsonBody !== undefined) content['application/json'] = { schema: plain(jsonBody) };
      for (const type of route.rawBodyTypes ?? []) content[type] ??= { schema: { type: 'string' } };
      operation.requestBody = { required: true, content };
    }
    (paths[route.path] ??= {})[route.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'sonde native API',
      version: info.version,
      description: 'sonde\'s own /v1 API. Every route except /healthz and /openapi.json needs an API key with the scope given in x-required-scope (admin implies all).',
    },
    ...(info.serverUrl !== undefined ? { servers: [{ url: info.serverUrl }] } : {}),
    paths,
    components: {
      schemas: errorSchemas,
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        // the dashboard's browser session (POST /v1/session); writes also need X-CSRF-Token
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'sonde_session' },
      },
    },
  };
}
