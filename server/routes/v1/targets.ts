// /v1/targets: the target registry (create, bulk import, list by label with paging, get,
// update, delete).
import { Type } from '@sinclair/typebox';
import { TARGET_KINDS, parseTargetCsv, targetsFromJson, type Sonde, type TargetInput, type TargetListQuery } from '../../../engine/index.js';
import { IdParams, Labels, PageOf, StringEnum } from '../../http/common-schemas.js';
import { HttpError, notFound } from '../../http/errors.js';
import { defineRoute, type AnyRoute } from '../../http/route.js';
import { parseJsonBody } from '../../http/body.js';

const Kind = StringEnum(TARGET_KINDS);
const nullable = <T extends object>(schema: T, type: string) => Type.Unsafe<unknown>({ ...schema, type: [type, 'null'] });

const TargetFields = {
  kind: Kind,
  address: Type.String({ minLength: 1, maxLength: 2048, description: 'HOST/TCP: IP or DNS name; HTTP/EMBEDDER/RERANKER/LLM: an http(s) URL' }),
  port: Type.Optional(nullable({ minimum: 1, maximum: 65535 }, 'integer')),
  name: Type.Optional(nullable({ maxLength: 256 }, 'string')),
  serviceId: Type.Optional(nullable({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'unique; the service ping API\'s service_id' }, 'integer')),
  provider: Type.Optional(nullable({ maxLength: 256 }, 'string')),
  modelIdentifier: Type.Optional(nullable({ maxLength: 256 }, 'string')),
  labels: Type.Optional(Labels),
};

export const TargetCreate = Type.Object(TargetFields, { additionalProperties: false });
export const TargetPatch = Type.Partial(Type.Object(TargetFields), { additionalProperties: false, minProperties: 1 });

export const TargetSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  kind: Kind,
  address: Type.String(),
  port: Type.Union([Type.Integer(), Type.Null()]),
  name: Type.Union([Type.String(), Type.Null()]),
  serviceId: Type.Union([Type.Integer(), Type.Null()]),
  provider: Type.Union([Type.String(), Type.Null()]),
  modelIdentifier: Type.Union([Type.String(), Type.Null()]),
  labels: Labels,
  createdAtMs: Type.Integer(),
  updatedAtMs: Type.Integer(),
});

const ListQuery = Type.Object({
  label: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9_-]+:[A-Za-z0-9_.-]+$' }), {
    description: 'key:value, repeatable (all must match); value matches itself or any dot-segment below it (site:eu matches site=eu.paris)',
  })),
  kind: Type.Optional(Kind),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
}, { additionalProperties: false });

const ImportResult = Type.Object({
  created: Type.Integer(),
  errors: Type.Array(Type.Object({ index: Type.Integer(), field: Type.Optional(Type.String()), message: Type.String() })),
});

export function targetRoutes(sonde: Sonde, importBodyLimit: number): AnyRoute[] {
  const tags = ['targets'];
  const create = defineRoute({
    method: 'post', path: '/v1/targets', operationId: 'createTarget', summary: 'Create a target', tags,
    scope: 'targets:write', body: TargetCreate,
    responses: { 201: { description: 'The created target', schema: TargetSchema }, 409: { description: 'serviceId already taken' } },
    handler: ({ body }) => ({ status: 201, body: sonde.targets.create(body as TargetInput) }),
  });

  const importHandler = defineRoute({
    method: 'post', path: '/v1/targets/import', operationId: 'importTargets',
    summary: 'Bulk import targets from CSV (text/csv, header row) or JSON (an array or { targets: [...] })', tags,
    scope: 'targets:write', rawBodyTypes: ['text/csv'], bodyLimit: importBodyLimit,
    bodyDoc: Type.Union([Type.Array(TargetCreate), Type.Object({ targets: Type.Array(TargetCreate) })]),
    responses: { 200: { description: 'How many rows were created; rejected rows with the reason', schema: ImportResult } },
    handler: ({ rawBody, contentType }) => {
      const raw = rawBody ?? Buffer.alloc(0);
      // A malformed file throws SondeError invalid (→ 400 naming the problem).
      const rows = contentType === 'text/csv' ? parseTargetCsv(raw.toString('utf8')) : targetsFromJson(parseJsonBody(raw));
      return { status: 200, body: sonde.targets.bulkImport(rows) };
    },
  });

  const list = defineRoute({
    method: 'get', path: '/v1/targets', operationId: 'listTargets', summary: 'List targets, filtered by labels and kind, paged', tags,
    scope: 'targets:read', query: ListQuery,
    responses: { 200: { description: 'A page of targets', schema: PageOf(TargetSchema) } },
    handler: ({ query }) => {
      const q: TargetListQuery = { limit: query.limit, offset: query.offset, kind: query.kind };
      if (query.label !== undefined) {
        const labels: Record<string, string> = {};
        for (const selector of query.label) {
          const colon = selector.indexOf(':');
          labels[selector.slice(0, colon)] = selector.slice(colon + 1);
        }
        q.labels = labels;
      }
      return { status: 200, body: sonde.targets.list(q) };
    },
  });

  const get = defineRoute({
    method: 'get', path: '/v1/targets/{id}', operationId: 'getTarget', summary: 'Get one target', tags,
    scope: 'targets:read', params: IdParams,
    responses: { 200: { description: 'The target', schema: TargetSchema }, 404: { description: 'No such target' } },
    handler: ({ params }) => {
      const target = sonde.targets.get(params.id);
      if (target === null) throw notFound(`target ${params.id} not found`);
      return { status: 200, body: target };
    },
  });

  const patch = defineRoute({
    method: 'patch', path: '/v1/targets/{id}', operationId: 'updateTarget', summary: 'Update fields of a target (labels replace the label set)', tags,
    scope: 'targets:write', params: IdParams, body: TargetPatch,
    responses: { 200: { description: 'The updated target', schema: TargetSchema }, 404: { description: 'No such target' }, 409: { description: 'serviceId already taken' } },
    handler: ({ params, body }) => ({ status: 200, body: sonde.targets.update(params.id, body as Partial<TargetInput>) }),
  });

  const remove = defineRoute({
    method: 'delete', path: '/v1/targets/{id}', operationId: 'deleteTarget', summary: 'Delete a target', tags,
    scope: 'targets:write', params: IdParams,
    responses: { 204: { description: 'Deleted' }, 404: { description: 'No such target' } },
    handler: ({ params }) => {
      if (!sonde.targets.delete(params.id)) throw new HttpError(404, `target ${params.id} not found`);
      return { status: 204 };
    },
  });

  // Google-style custom method spelling, as in POST /v1/ping:stream; same handler.
  const importAlias = { ...importHandler, path: '/v1/targets:import', operationId: 'importTargetsColon', hidden: true };
  return [create, importHandler, importAlias, list, get, patch, remove];
}
