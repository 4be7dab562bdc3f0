// What a route declares. The pipeline (pipeline.ts) turns a RouteSpec into a uWS handler;
// openapi.ts turns the same specs into the OpenAPI document.
import type { Static, TSchema } from '@sinclair/typebox';
import type { ApiKeyRecord, Scope } from '../../engine/index.js';
import type { OutgoingResponse } from './respond.js';

export type HttpMethod = 'get' | 'post' | 'patch' | 'put' | 'delete';

export interface RequestContext<P, Q, B> {
  params: P;
  query: Q;
  /** Parsed JSON (validated against `body`), or the raw bytes for non-JSON content types. */
  body: B;
  rawBody: Buffer | null;
  /** Lower-cased media type without parameters, '' when absent. */
  contentType: string;
  accept: string;
  /** The Accept-Encoding header as sent ('' when absent); see acceptsGzip (encoding.ts). */
  acceptEncoding: string;
  /** The authenticated key; null only on routes with `scope: null`. */
  key: ApiKeyRecord | null;
  method: string;
  path: string;
  /** The Cookie header: on routes with `client` always, else only when no key header was sent. */
  cookie: string;
  /** X-CSRF-Token, read with a cookie on a write ('' otherwise). */
  csrfToken: string;
  /** The client's IP address as text, on routes with `client` only ('' otherwise). */
  remoteAddress: string;
}

export interface ResponseDoc {
  description: string;
  schema?: TSchema;
  contentType?: string;
}

export interface RouteSpec<P extends TSchema = TSchema, Q extends TSchema = TSchema, B extends TSchema = TSchema> {
  method: HttpMethod;
  /** OpenAPI-style path: '/v1/jobs/{id}'. */
  path: string;
  operationId: string;
  summary: string;
  tags: string[];
  /** Required scope, or null for an unauthenticated route (healthz, openapi). */
  scope: Scope | null;
  /** Error envelope name (envelopes.ts); default 'native'. */
  envelope?: string;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * Media types accepted besides application/json; for these the handler gets the raw bytes
   * in rawBody and `body` stays undefined.
   */
  rawBodyTypes?: string[];
  /** Documents a JSON body the handler parses itself (rawBodyTypes routes); not validated here. */
  bodyDoc?: TSchema;
  /** Overrides the server's body limit for this route (bytes). */
  bodyLimit?: number;
  responses: Record<number, ResponseDoc>;
  /** The handler reads the client itself (cookie, CSRF token, address): the session routes. */
  client?: boolean;
  /** Left out of /openapi.json (aliases). */
  hidden?: boolean;
  handler: (ctx: RequestContext<Static<P>, Static<Q>, Static<B>>) => OutgoingResponse | Promise<OutgoingResponse>;
}

export type AnyRoute = RouteSpec<TSchema, TSchema, TSchema>;

/** Type-checks the handler against the route's schemas, then erases them for the router. */
export function defineRoute<P extends TSchema, Q extends TSchema, B extends TSchema>(spec: RouteSpec<P, Q, B>): AnyRoute {
  return spec as unknown as AnyRoute;
}
