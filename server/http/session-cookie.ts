// The dashboard's session cookie on the wire: reading it from a Cookie header, writing and
// clearing it, and the CSRF token check of cookie-authenticated writes. HttpOnly keeps the
// token out of page scripts; SameSite=Strict keeps other sites' pages from sending it; the
// CSRF token (read by the page from POST/GET /v1/session, sent as X-CSRF-Token) proves a
// write comes from a page of this origin even where SameSite is not honoured.
import { timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'sonde_session';
const PREFIX = `${SESSION_COOKIE}=`;

/** The session token from a Cookie header ('' when absent). */
export function sessionTokenFrom(cookieHeader: string): string {
  if (cookieHeader === '') return '';
  let at = cookieHeader.indexOf(PREFIX);
  // a longer cookie name ending in sonde_session (e.g. x_sonde_session) is not this one
  while (at > 0 && cookieHeader[at - 1] !== ' ' && cookieHeader[at - 1] !== ';') at = cookieHeader.indexOf(PREFIX, at + 1);
  if (at < 0) return '';
  const end = cookieHeader.indexOf(';', at);
  return cookieHeader.slice(at + PREFIX.length, end < 0 ? undefined : end).trim();
}

/** Set-Cookie for a new session; Secure when the daemon serves TLS. maxAgeSeconds bounds it in
 *  the browser as well (the server-side record is what counts). */
export function sessionCookie(token: string, secure: boolean, maxAgeSeconds: number): string {
  return `${PREFIX}${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return `${PREFIX}; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${secure ? '; Secure' : ''}`;
}

/** Constant-time comparison of the sent CSRF token with the session's. */
export function csrfMatches(sent: string, expected: string): boolean {
  if (sent.length !== expected.length || sent === '') return false;
  return timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
}
