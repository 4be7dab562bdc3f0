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
const KeySessionParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }), sessionId: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });

export const KeySessionSchema = Type.Object({
  id: Type.String(),
  keyId: Type.String(),
  createdAtMs: Type.Integer(),
  expiresAtMs: Type.Integer(),
  lastSeenAtMs: Type.Integer(),
  idleTimeoutMs: Type.Integer(),
  revokedAtMs: Type.Union([Type.Integer(), Type.Null()]),
});

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
      const revoked = sonde.keys.revoke(params.id);
      sonde.sessions.revokeForKey(params.id); // its browser sessions end with it
      return { status: 200, body: revoked };
    },
  });
  const revokeByPost = { ...revoke, method: 'post' as const, path: '/v1/keys/{id}/revoke', operationId: 'revokeKeyByPost', summary: 'Revoke an API key (same as DELETE /v1/keys/{id})' };
  const sessions = defineRoute({
    method: 'get', path: '/v1/keys/{id}/sessions', operationId: 'listKeySessions', summary: 'The live dashboard sessions signed in with a key', tags,
    scope: 'admin', params: KeyParams,
    responses: { 200: { description: 'Its live sessions, newest first', schema: Type.Object({ items: Type.Array(KeySessionSchema) }) }, 404: { description: 'No such key' } },
    handler: ({ params }) => {
      if (sonde.keys.get(params.id) === null) throw notFound(`API key ${params.id} not found`);
      return { status: 200, body: { items: sonde.sessions.listForKey(params.id) } };
    },
  });
  const endSession = defineRoute({
    method: 'delete', path: '/v1/keys/{id}/sessions/{sessionId}', operationId: 'endKeySession', summary: 'End one dashboard session of a key', tags,
    scope: 'admin', params: KeySessionParams,
    responses: { 204: { description: 'Ended' }, 404: { description: 'No such live session of this key' } },
    handler: ({ params }) => {
      if (!sonde.sessions.revoke(params.sessionId, params.id)) throw notFound(`no live session ${params.sessionId} of API key ${params.id}`);
      return { status: 204 };
    },
  });
  return [create, list, revoke, revokeByPost, sessions, endSession];
}
