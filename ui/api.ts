// The API client of the dashboard: same-origin fetch with the session cookie, the CSRF token
// on every write, and API errors turned into ApiError (a sentence a person can act on). A 401
// ends the session in the UI, which then shows the sign-in page.
import { createStore } from './store.js';

export type Scope = 'network:read' | 'network:write' | 'command:execute' | 'job:read' | 'targets:read' | 'targets:write' | 'admin';

export interface Session {
  csrfToken: string;
  keyId: string;
  keyName: string;
  scopes: Scope[];
  expiresAt: string;
  idleTimeoutSeconds: number;
}

/** undefined: not known yet (the first GET /v1/session is in flight); null: signed out. */
export const session = createStore<Session | null | undefined>(undefined);

export function can(scope: Scope): boolean {
  const s = session.get();
  return s !== null && s !== undefined && (s.scopes.includes(scope) || s.scopes.includes('admin'));
}

export class ApiError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when the daemon did not answer. */
    readonly status: number,
    /** The envelope's code (a number or a name such as 'csrf'), if any. */
    readonly code: string | number | null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Query = Record<string, string | number | boolean | readonly (string | number)[] | null | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  /** A 401 here is an answer, not an ended session (the sign-in request itself). */
  expect401?: boolean;
}

export function url(path: string, query: Query = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === null || v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) q.append(k, String(item));
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s === '' ? path : `${path}?${s}`;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const s = session.get();
  if (WRITES.has(method) && s) headers['x-csrf-token'] = s.csrfToken;
  let res: Response;
  try {
    res = await fetch(url(path, options.query), { method, headers, body, credentials: 'same-origin', signal: options.signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(`${method} ${path}: the daemon did not answer (${(e as Error).message}); is it running and reachable?`, 0, null);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (res.ok) return parsed as T;
  const envelope = parsed as { error?: unknown; code?: unknown; message?: unknown } | undefined;
  const reason = typeof envelope?.error === 'string' ? envelope.error
    : typeof envelope?.message === 'string' ? envelope.message
      : text.trim().slice(0, 200) || res.statusText;
  const code = typeof envelope?.code === 'string' || typeof envelope?.code === 'number' ? envelope.code : null;
  if (res.status === 401 && !options.expect401) session.set(null);
  throw new ApiError(`${method} ${path} failed (${res.status}): ${reason}`, res.status, code);
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('POST', path, { ...options, body }),
  patch: <T>(path: string, body: unknown, options?: RequestOptions) => request<T>('PATCH', path, { ...options, body }),
  del: <T = void>(path: string, options?: RequestOptions) => request<T>('DELETE', path, options),
};

/** Reads the current session (cookie) once at start: null when there is none. */
export async function loadSession(): Promise<void> {
  try {
    session.set(await api.get<Session>('/v1/session', { expect401: true }));
  } catch (e) {
    session.set(null);
    if (!(e instanceof ApiError) || e.status !== 401) throw e;
  }
}

export async function signIn(key: string): Promise<Session> {
  const s = await api.post<Session>('/v1/session', { key }, { expect401: true });
  session.set(s);
  return s;
}

export async function signOut(): Promise<void> {
  try {
    await api.del('/v1/session', { expect401: true });
  } finally {
    session.set(null);
  }
}
