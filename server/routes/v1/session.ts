// /v1/session: the dashboard's browser sign-in. POST exchanges an API key for a session
// cookie (HttpOnly, SameSite=Strict, Secure over TLS) and the CSRF token the page sends on
// writes; GET reads the session back (the page keeps no secret of its own); DELETE signs out.
// Sessions of a key are listed and ended under /v1/keys/{id}/sessions (keys.ts).
import { Type } from '@sinclair/typebox';
import type { ActiveSession, Sonde } from '../../../engine/index.js';
import { insecureSignInRefusal, INSECURE_SIGN_IN_FIX } from '../../dashboard/sign-in-policy.js';
import { HttpError } from '../../http/errors.js';
import { defineRoute, type AnyRoute } from '../../http/route.js';
import type { OutgoingResponse } from '../../http/respond.js';
import { clearedSessionCookie, csrfMatches, sessionCookie, sessionTokenFrom } from '../../http/session-cookie.js';

export interface SessionRouteOptions {
  /** The daemon serves TLS (listen.tls): the cookie is Secure. */
  tls: boolean;
  /** dashboard.allowInsecureSignIn: sign-in over plain HTTP from other machines too. */
  allowInsecureSignIn: boolean;
}

export const SessionSchema = Type.Object({
  sessionId: Type.String(),
  csrfToken: Type.String({ description: 'send it as X-CSRF-Token on every cookie-authenticated request that is not GET/HEAD' }),
  keyId: Type.String(),
  keyName: Type.String(),
  scopes: Type.Array(Type.String()),
  expiresAt: Type.String({ format: 'date-time', description: 'the absolute end of the session (RFC 3339)' }),
  idleTimeoutSeconds: Type.Integer({ description: 'the session ends after this long without a request' }),
});

const SignIn = Type.Object({ key: Type.String({ minLength: 1, maxLength: 200, description: 'an API key (sonde_…)' }) }, { additionalProperties: false });

function sessionBody(active: ActiveSession) {
  return {
    sessionId: active.session.id,
    csrfToken: active.csrfToken,
    keyId: active.key.id,
    keyName: active.key.name,
    scopes: [...active.key.scopes],
    expiresAt: new Date(active.session.expiresAtMs).toISOString(),
    idleTimeoutSeconds: Math.round(active.session.idleTimeoutMs / 1000),
  };
}

const ENDED = (): HttpError => new HttpError(401, 'no dashboard session: not signed in, signed out, expired or idle too long',
  'sign in: POST /v1/session with {"key": "<api key>"}');

export function sessionRoutes(sonde: Sonde, options: SessionRouteOptions): AnyRoute[] {
  const tags = ['dashboard'];
  const signIn = defineRoute({
    method: 'post', path: '/v1/session', operationId: 'signIn', tags, scope: null, client: true, body: SignIn,
    summary: 'Sign a browser in with an API key: sets the HttpOnly session cookie and returns the CSRF token',
    responses: {
      200: { description: 'Signed in (Set-Cookie: sonde_session=…)', schema: SessionSchema },
      401: { description: 'Unknown or revoked API key' },
      403: { description: 'Plain HTTP from a client not on this machine (see dashboard.allowInsecureSignIn)' },
    },
    handler: ({ body, remoteAddress }): OutgoingResponse => {
      const refusal = insecureSignInRefusal(options.tls, remoteAddress, options.allowInsecureSignIn);
      if (refusal !== null) throw new HttpError(403, refusal, INSECURE_SIGN_IN_FIX);
      const key = sonde.keys.verify(body.key.trim());
      if (key === null) throw new HttpError(401, 'unknown or revoked API key', 'check the key, or create one with `sonde keys create`');
      const created = sonde.sessions.create(key);
      const maxAge = (created.session.expiresAtMs - Date.now()) / 1000;
      return { status: 200, body: sessionBody(created), headers: { 'Set-Cookie': sessionCookie(created.token, options.tls, maxAge), 'Cache-Control': 'no-store' } };
    },
  });
  const read = defineRoute({
    method: 'get', path: '/v1/session', operationId: 'getSession', tags, scope: null, client: true,
    summary: 'The browser\'s session (from its cookie), with the CSRF token',
    responses: { 200: { description: 'The session', schema: SessionSchema }, 401: { description: 'No live session' } },
    handler: ({ cookie }): OutgoingResponse => {
      const active = sonde.sessions.verify(sessionTokenFrom(cookie));
      if (active === null) throw ENDED();
      return { status: 200, body: sessionBody(active), headers: { 'Cache-Control': 'no-store' } };
    },
  });
  const signOut = defineRoute({
    method: 'delete', path: '/v1/session', operationId: 'signOut', tags, scope: null, client: true,
    summary: 'Sign out: ends the session of the cookie (X-CSRF-Token needed) and clears the cookie',
    responses: { 204: { description: 'Signed out (or there was no session)' }, 403: { description: 'Missing or wrong X-CSRF-Token' } },
    handler: ({ cookie, csrfToken }): OutgoingResponse => {
      const active = sonde.sessions.verify(sessionTokenFrom(cookie));
      if (active !== null) {
        if (!csrfMatches(csrfToken, active.csrfToken)) {
          throw new HttpError(403, 'signing out with the session cookie needs the session\'s CSRF token in X-CSRF-Token',
            'read csrfToken from GET /v1/session', undefined, 'csrf');
        }
        sonde.sessions.revoke(active.session.id);
      }
      return { status: 204, headers: { 'Set-Cookie': clearedSessionCookie(options.tls) } };
    },
  });
  return [signIn, read, signOut];
}
