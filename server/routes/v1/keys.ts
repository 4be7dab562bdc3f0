// /v1/keys: API key administration (admin scope). The secret is returned once, at creation.
import { Type } from '@sinclair/typebox';
import { SCOPES, type Sonde } from '../../../engine/index.js';
import { StringEnum } from '../../http/common-schemas.js';
import { notFound } from '../../http/errors.js';
import { defineRoute, type AnyRoute } from '../../http/route.js';

const ScopeSchema = StringEnum(SCOPES);

export const KeySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'the first characters of the key, safe to show' }),
  scopes: Type.Array(ScopeSchema),
  createdAtMs: Type.Integer(),
  lastUsedAtMs: Type.Union([Type.Integer(), Type.Null()]),
  revokedAtMs: Type.Union([Type.Integer(), Type.Null()]),
});

const KeyCreate = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  scopes: Type.Array(ScopeSchema, { minItems: 1, uniqueItems: true }),
}, { additionalProperties: false });

const KeyParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });

export function keyRoutes(sonde: Sonde): AnyRoute[] {
  const tags = ['keys'];
  const create = defineRoute({
    method: 'post', path: '/v1/keys', operationId: 'createKey', summary: 'Create an API key; the secret is in this response only', tags,
    scope: 'admin', body: KeyCreate,
    responses: { 201: { description: 'The key record and its secret', schema: Type.Object({ key: KeySchema, secret: Type.String() }) } },
    handler: ({ body }) => ({ status: 201, body: sonde.keys.create(body.name, body.scopes) }),
  });
  const list = defineRoute({
    method: 'get', path: '/v1/keys', operationId: 'listKeys', summary: 'List API keys (never their secrets)', tags,
    scope: 'admin',
    responses: { 200: { description: 'Every key', schema: Type.Object({ items: Type.Array(KeySchema) }) } },
    handler: () => ({ status: 200, body: { items: sonde.keys.list() } }),
  });
  const revoke = defineRoute({
    method: 'delete', path: '/v1/keys/{id}', operationId: 'revokeKey', summary: 'Revoke an API key (effective at once)', tags,
    scope: 'admin', params: KeyParams,
    responses: { 200: { description: 'The revoked key', schema: KeySchema }, 404: { description: 'No such key' } },
    handler: ({ params }) => {
      if (sonde.keys.get(params.id) === null) throw notFound(`API key ${params.id} not found`);
      return { status: 200, body: sonde.keys.revoke(params.id) };
    },
  });
  const revokeByPost = { ...revoke, method: 'post' as const, path: '/v1/keys/{id}/revoke', operationId: 'revokeKeyByPost', summary: 'Revoke an API key (same as DELETE /v1/keys/{id})' };
  return [create, list, revoke, revokeByPost];
}
