// Turns a RouteSpec into a uWS handler: headers and params are read synchronously (uWS
// frees the request object at the first await), then auth → rate limit → scope → body →
// validation → handler → response in the route's envelope → audit row → one log line.
import type { Logger } from 'pino';
import { SondeError, storageFullError, type ApiKeyRecord, type RateLimitDecision, type Sonde } from '../../engine/index.js';
import type { HttpRequest, HttpResponse } from '../uws.js';
import { admit, auditAnswer, type Credentials } from './access.js';
import { BodyTooLarge, parseJsonBody, readBody } from './body.js';
import { envelopeNamed, type ErrorEnvelope } from './envelopes.js';
import { HttpError } from './errors.js';
import { parseQuery } from './query.js';
import { sendResponse, type OutgoingResponse } from './respond.js';
import type { AnyRoute, RequestContext } from './route.js';
import { compileValidator, type Validator } from './validation.js';

export interface PipelineDeps {
  sonde: Sonde;
  logger: Logger;
  bodyLimit: number;
  /** Counts requests in progress so shutdown can wait for them. */
  inflight: { count: number };
}

export type UwsHandler = (res: HttpResponse, req: HttpRequest) => void;

const SONDE_ERROR_STATUS: Record<SondeError['kind'], number> = {
  invalid: 400, forbidden: 403, not_found: 404, conflict: 409, unavailable: 503, internal: 500,
};

/** '/v1/jobs/{id}' → { uwsPath: '/v1/jobs/:id', names: ['id'] } */
export function toUwsPath(path: string): { uwsPath: string; names: string[] } {
  const names: string[] = [];
  const uwsPath = path.replace(/\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => {
    names.push(name);
    return `:${name}`;
  });
  return { uwsPath, names };
}

interface RequestState {
  /** Answered or aborted: in either case it no longer counts as in flight. */
  done: boolean;
  aborted: boolean;
  start: number;
  method: string;
  path: string;
  key: ApiKeyRecord | null;
  /** The key's rate-limit decision: every authenticated answer carries it as X-RateLimit-* headers. */
  rate: RateLimitDecision | null;
}

function decodePathSegment(name: string, raw: string): string {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, `path parameter ${name} is not valid percent-encoding: "${raw}"`);
  }
}

function mediaType(header: string): string {
  const semi = header.indexOf(';');
  return (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase();
}

export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof SondeError) {
    const status = SONDE_ERROR_STATUS[error.kind] ?? 500;
    if (status !== 500) return new HttpError(status, error.message, error.field !== undefined ? `field: ${error.field}` : undefined);
  }
  return new HttpError(500, 'internal error while handling the request', 'the server log has the details');
}

const INTERNAL_BODY = new WeakMap<ErrorEnvelope, unknown>();

function renderInternal(envelope: ErrorEnvelope): unknown {
  const body = envelope.render({ status: 500, kind: 'internal', message: 'internal error while handling the request', details: 'the server log has the details' });
  INTERNAL_BODY.set(envelope, body);
  return body;
}

/** `head`: the handler for HEAD on a GET route: GET's answer without its body (RFC 9110 §9.3.2). */
export function compileRoute(route: AnyRoute, deps: PipelineDeps, head = false): UwsHandler {
  const { names } = toUwsPath(route.path);
  const envelope: ErrorEnvelope = envelopeNamed(route.envelope ?? 'native');
  const validateParams: Validator | null = route.params ? compileValidator(route.params, 'path') : null;
  const validateQuery: Validator | null = route.query ? compileValidator(route.query, 'query') : null;
  const validateBody: Validator | null = route.body ? compileValidator(route.body, 'body') : null;
  const rawTypes = new Set((route.rawBodyTypes ?? []).map((t) => t.toLowerCase()));
  const wantsBody = route.body !== undefined || rawTypes.size > 0;
  const bodyLimit = route.bodyLimit ?? deps.bodyLimit;
  const method = head ? 'HEAD' : route.method.toUpperCase();
  const write = method !== 'GET' && method !== 'HEAD';
  const { sonde, logger, inflight } = deps;
  // The level is fixed for the process: skip building the log object when info is off.
  const logRequests = logger.isLevelEnabled('info');

  // Never throws: it runs from promise callbacks, where a throw would be an unhandled rejection.
  // `corked`: still inside the uWS handler (a synchronous answer).
  const finish = (res: HttpResponse, state: RequestState, out: OutgoingResponse, corked: boolean): void => {
    if (state.done) return; // aborted by the client: res must not be touched
    state.done = true;
    inflight.count--;
    let status = out.status;
    try {
      sendResponse(res, out, corked, state.rate, undefined, head);
    } catch (error) {
      // Serialization failed (nothing was written yet: the body is serialized first).
      status = 500;
      logger.error({ method: state.method, path: state.path, err: error }, `response for ${state.method} ${state.path} could not be serialized`);
      sendResponse(res, { status, body: INTERNAL_BODY.get(envelope) ?? renderInternal(envelope) }, corked, state.rate, undefined, head);
    }
    const ms = performance.now() - state.start;
    auditAnswer(sonde, logger, state.key, state.method, state.path, status, ms);
    if (logRequests) logger.info({ method: state.method, path: state.path, status, ms: Math.round(ms * 1000) / 1000, key: state.key?.id }, 'request');
  };

  const fail = (res: HttpResponse, state: RequestState, error: unknown, corked: boolean): void => {
    // the data directory full: a 503 that says so (and is logged), not an opaque 500
    const http = toHttpError(storageFullError(error, sonde.dbPath, `${state.method} ${state.path} not carried out`) ?? error);
    if (http.status >= 500) {
      logger.error({ method: state.method, path: state.path, err: error }, `handler failed on ${state.method} ${state.path}`);
    }
    let body: unknown;
    let headers = http.headers;
    try {
      const info = { status: http.status, kind: http.kind, message: http.message, details: http.details, reason: http.reason };
      body = envelope.render(info);
      const more = envelope.headers?.(info);
      if (more !== undefined) headers = { ...headers, ...more };
    } catch (renderError) {
      logger.error({ err: renderError }, `error envelope "${envelope.name}" failed to render`);
      body = { error: http.message, code: http.status };
    }
    // a 413 whose body was read to its end keeps the connection (body.ts)
    const close = http.status === 413 && !(http instanceof BodyTooLarge && !http.closeConnection);
    finish(res, state, { status: http.status, body, headers, close }, corked);
  };

  // uWS needs an abort handler before we return without having answered (an await, a body
  // to read); a synchronous answer does not, and skips the cost.
  const watchAbort = (res: HttpResponse, state: RequestState): void => {
    res.onAborted(() => {
      state.aborted = true;
      if (state.done) return;
      state.done = true;
      inflight.count--;
      logger.info({ method: state.method, path: state.path, ms: performance.now() - state.start, aborted: true }, 'request aborted by client');
    });
  };

  return (res, req) => {
    inflight.count++;
    const state: RequestState = { done: false, aborted: false, start: performance.now(), method, path: req.getUrl(), key: null, rate: null };
    // Everything from `req` must be read now: it is invalid after this function returns.
    const xApiKey = route.scope !== null ? req.getHeader('x-api-key') : '';
    const authorization = route.scope !== null && xApiKey === '' ? req.getHeader('authorization') : '';
    // The session cookie counts only without a key header; its CSRF token only on a write.
    const cookie = (route.scope !== null && xApiKey === '' && authorization === '') || route.client === true ? req.getHeader('cookie') : '';
    const csrfToken = cookie !== '' && write ? req.getHeader('x-csrf-token') : '';
    const remoteAddress = route.client === true ? Buffer.from(res.getRemoteAddressAsText()).toString('latin1') : '';
    const contentType = wantsBody ? mediaType(req.getHeader('content-type')) : '';
    const contentLength = wantsBody ? Number(req.getHeader('content-length') || '0') : 0;
    const accept = req.getHeader('accept');
    const acceptEncoding = req.getHeader('accept-encoding');
    // Raw segments for now; decoded (which may fail with a 400) below.
    const params: Record<string, string> = {};
    for (let i = 0; i < names.length; i++) params[names[i]] = req.getParameter(i);
    const rawQuery = validateQuery !== null ? req.getQuery() : '';

    try {
      for (let i = 0; i < names.length; i++) params[names[i]] = decodePathSegment(names[i], params[names[i]]);
      const query = validateQuery !== null ? parseQuery(rawQuery) : {};
      if (route.scope !== null) {
        const credentials: Credentials = { authorization, xApiKey, cookie, csrfToken, write };
        admit(sonde, credentials, route.scope, state);
      }
      if (validateParams !== null) validateParams(params);
      if (validateQuery !== null) validateQuery(query);
      const ctx: RequestContext<unknown, unknown, unknown> = {
        params, query, body: undefined, rawBody: null, contentType, accept, acceptEncoding, key: state.key, method, path: state.path,
        cookie, csrfToken, remoteAddress,
      };
      if (!wantsBody) {
        const result = route.handler(ctx as never);
        if (result instanceof Promise) {
          watchAbort(res, state);
          result.then((out) => finish(res, state, out, false), (error: unknown) => fail(res, state, error, false));
        } else {
          finish(res, state, result, true);
        }
        return;
      }
      const isJson = contentType === 'application/json' || contentType.endsWith('+json') || (contentType === '' && rawTypes.size === 0);
      if (!isJson && !rawTypes.has(contentType)) {
        const accepted = ['application/json', ...rawTypes].join(', ');
        throw new HttpError(415, `unsupported Content-Type "${contentType}": this route accepts ${accepted}`);
      }
      watchAbort(res, state);
      readBody(res, bodyLimit, Number.isFinite(contentLength) ? contentLength : 0)
        .then((raw) => {
          ctx.rawBody = raw;
          if (isJson && route.body !== undefined) {
            const body = parseJsonBody(raw);
            validateBody!(body);
            ctx.body = body;
          }
          return route.handler(ctx as never);
        })
        .then((out) => finish(res, state, out, false), (error: unknown) => fail(res, state, error, false));
    } catch (error) {
      // Thrown before any await (auth, validation, a synchronous handler): still corked.
      fail(res, state, error, true);
    }
  };
}
