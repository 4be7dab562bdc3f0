// Client-side routes under /ui/: a view registers a path pattern ('/ui/targets/:id') and gets
// its params and the query string; filters and ranges live in the query string so every
// view's URL can be bookmarked and shared. The daemon answers any /ui/<path> with index.html.
import type { ComponentType } from 'preact';
import { createStore, useStore } from './store.js';
import type { Scope } from './api.js';

export const BASE = '/ui';

export interface RouteProps {
  /** Decoded path parameters (':id' → params.id). */
  params: Record<string, string>;
  query: URLSearchParams;
}

export interface RouteDef {
  /** '/ui/' or '/ui/targets/:id'. */
  path: string;
  title: string | ((props: RouteProps) => string);
  view: ComponentType<RouteProps>;
  /** Shown in the nav bar, ordered by `order`; `scope`: only for keys that hold it. */
  nav?: { label: string; order: number; scope?: Scope };
  /** Reachable without a session (the sign-in page). */
  public?: boolean;
}

interface CompiledRoute {
  def: RouteDef;
  pattern: RegExp;
  names: string[];
}

const routes: CompiledRoute[] = [];

export function registerRoute(def: RouteDef): void {
  const names: string[] = [];
  const source = def.path.replace(/\/$/, '').split('/').map((part) => {
    if (part.startsWith(':')) {
      names.push(part.slice(1));
      return '([^/]+)';
    }
    return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }).join('/');
  routes.push({ def, pattern: new RegExp(`^${source}/?$`), names });
}

export function navRoutes(): RouteDef[] {
  return routes.map((r) => r.def).filter((d) => d.nav !== undefined).sort((a, b) => a.nav!.order - b.nav!.order);
}

export interface Match {
  def: RouteDef;
  props: RouteProps;
}

export function match(pathname: string, search: string): Match | null {
  for (const r of routes) {
    const m = r.pattern.exec(pathname);
    if (m === null) continue;
    const params: Record<string, string> = {};
    r.names.forEach((n, i) => { params[n] = decodeURIComponent(m[i + 1]!); });
    return { def: r.def, props: { params, query: new URLSearchParams(search) } };
  }
  return null;
}

export interface Location {
  pathname: string;
  search: string;
}

const here = (): Location => ({ pathname: window.location.pathname, search: window.location.search });
export const location = createStore<Location>(here());

function sync(): void {
  const next = here();
  const cur = location.get();
  if (cur.pathname !== next.pathname || cur.search !== next.search) location.set(next);
}

window.addEventListener('popstate', sync);

export function useLocation(): Location {
  return useStore(location);
}

/** Goes to `to` ('/ui/targets/x?range=3h'); `replace` for state that should not add history. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  sync();
}

/**
 * Changes some query parameters of the current URL (null/'' removes one). Replaces the
 * history entry by default: typing in a filter should not make Back step through letters.
 */
export function setQuery(patch: Record<string, string | null | undefined>, options: { replace?: boolean } = { replace: true }): void {
  const q = new URLSearchParams(window.location.search);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === undefined || v === '') q.delete(k);
    else q.set(k, v);
  }
  const s = q.toString();
  navigate(`${window.location.pathname}${s === '' ? '' : `?${s}`}`, options);
}

/** An href for a path under /ui/ with query parameters (empty ones left out). */
export function href(path: string, query: Record<string, string | null | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return `${path}${s === '' ? '' : `?${s}`}`;
}

/** Plain <a href="/ui/..."> links navigate without a reload (unless a modifier key asks for a new tab). */
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element | null)?.closest?.('a');
  if (a === null || a === undefined || a.target !== '' || a.hasAttribute('download')) return;
  const url = new URL(a.href, window.location.href);
  if (url.origin !== window.location.origin || !url.pathname.startsWith(`${BASE}/`)) return;
  e.preventDefault();
  navigate(`${url.pathname}${url.search}`);
});
