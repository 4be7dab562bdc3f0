// The HTTP front end: builds the uWS app from route specs, listens, and shuts down in order.
// It is the daemon's front (DaemonFront, engine/daemon/open-daemon.ts): the daemon stops it
// accepting first and closes it once running jobs had their grace period.
//
// TLS (listen.tls): uWS cannot swap the certificate of a running SSL app (and its SNI entries
// do not cover clients that connect by IP address, which send no server name), so
// reloadTls() builds a second app over the re-read files, listens on the same port (uWS
// listens with SO_REUSEPORT) and then closes the first app's listen socket: new connections
// get the new certificate, open ones (live feeds too) go on over the old app until they end.
import type { Logger } from 'pino';
import type { DaemonServices } from '../engine/index.js';
import { envelopeNamed, nativeEnvelope, type ErrorEnvelope } from './http/envelopes.js';
import { compileRoute, toUwsPath, type PipelineDeps, type UwsHandler } from './http/pipeline.js';
import { discardBody } from './http/body.js';
import { writeResponse } from './http/respond.js';
import { startHealthListener, type HealthListener } from './health-listener.js';
import type { AnyRoute, HttpMethod } from './http/route.js';
import { buildOpenApi } from './openapi.js';
import { agentRoutes } from './routes/v1/agents.js';
import { jobRoutes } from './routes/v1/jobs.js';
import { keyRoutes } from './routes/v1/keys.js';
import { monitorRoutes } from './routes/v1/monitors.js';
import { historyRoutes } from './routes/v1/history.js';
import { nodeApiRoutes } from './routes/node-api/index.js';
import { serviceApiRoutes } from './routes/service-api/index.js';
import { troubleshootingApiRoutes } from './routes/troubleshooting-api/index.js';
import { pingStreamRoutes } from './routes/ping-stream/index.js';
import { targetRoutes } from './routes/v1/targets.js';
import { systemRoutes } from './routes/system.js';
import { monitorEventRoutes } from './routes/v1/monitor-events.js';
import { campaignRoutes } from './routes/v1/campaigns.js';
import { campaignReportRoutes } from './routes/v1/campaign-report.js';
import { LiveFeed, type LiveOptions } from './live/live-feed.js';
import { LIVE_OPENAPI_PATHS } from './live/live-openapi.js';
import { DEFAULT_METRICS_ROUTE_OPTIONS, metricsRoutes, type MetricsRouteOptions } from './routes/metrics.js';
import { closeAll, createApp, listen, type Listening, type TemplatedApp, type TlsFiles, type UwsMethod } from './uws.js';
import { sessionRoutes } from './routes/v1/session.js';
import { StaticUi } from './dashboard/static-ui.js';
import { mountUi } from './dashboard/ui-routes.js';
import { checkTlsFiles } from './tls-files.js';
import { freePort } from './free-port.js';
import { fileURLToPath } from 'node:url';
import { sondeVersion } from './version.js';

export interface ServerOptions {
  /** The daemon's services (openDaemon); each route receives the ones it uses. */
  daemon: DaemonServices;
  logger: Logger;
  host: string;
  /** 0 picks a free port (read it from SondeServer.port). */
  port: number;
  /** Request body limit in bytes (default 64 KiB). */
  bodyLimit?: number;
  /** Body limit for bulk imports (default 32 MiB). */
  importBodyLimit?: number;
  /** More routes (e.g. the API contracts), each naming its error envelope. */
  extraRoutes?: (daemon: DaemonServices) => AnyRoute[];
  /** The /v1/live WebSocket feed's slow-client limits. */
  live?: LiveOptions;
  /** GET /metrics: per-target series, their cap, and whether it needs an API key (config `metrics`). */
  metrics?: Partial<MetricsRouteOptions>;
  /** A second port on `host` for GET/HEAD /healthz only, over node:http, for HTTP/1.0 health
   *  checkers (health-listener.ts); 0 picks a free one; absent: none. */
  healthPort?: number;
  /** The daemon is meant to probe: without an engine /healthz answers 503 "down". */
  requireEngine?: boolean;
  /** listen.tls: serve HTTPS/WSS from these PEM files (reloadTls() re-reads them). */
  tls?: TlsFiles;
  /** dashboard.allowInsecureSignIn: allow a sign-in over plain HTTP from another machine. */
  allowInsecureSignIn?: boolean;
  /** The built dashboard (default: dist/ui of this installation). */
  uiDir?: string;
}

/** dist/ui next to this file's dist/server (the build writes both). */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../ui', import.meta.url));

export interface SondeServer {
  readonly port: number;
  /** The health-check port (ServerOptions.healthPort), or null. */
  readonly healthPort: number | null;
  readonly url: string;
  readonly routes: readonly AnyRoute[];
  /** Stops accepting connections; requests in progress and keep-alive connections continue. */
  stopAccepting(): void;
  /** Stops accepting, waits up to drainMs for requests in progress, closes every connection. */
  close(drainMs?: number): Promise<void>;
  /** Re-reads listen.tls's files and serves new connections with them (SIGHUP); throws, and
   *  keeps serving the old certificate, when the new files cannot serve. No-op without TLS. */
  reloadTls(): Promise<void>;
}

const UWS_METHOD: Record<HttpMethod, UwsMethod> = { get: 'get', post: 'post', patch: 'patch', put: 'put', delete: 'del' };

export async function startServer(options: ServerOptions): Promise<SondeServer> {
  const { daemon, logger } = options;
  const version = sondeVersion();
  const inflight = { count: 0 };
  const deps: PipelineDeps = { sonde: daemon, logger, bodyLimit: options.bodyLimit ?? 64 * 1024, inflight };

  const routes: AnyRoute[] = [
    ...targetRoutes(daemon, options.importBodyLimit ?? 32 * 1024 * 1024),
    ...agentRoutes(daemon),
    ...jobRoutes(daemon),
    ...keyRoutes(daemon),
    ...monitorRoutes(daemon.monitors), ...historyRoutes(daemon.monitors), ...monitorEventRoutes(daemon.monitors),
    ...nodeApiRoutes(daemon),
    ...serviceApiRoutes(daemon.agents, daemon.tasks),
    ...troubleshootingApiRoutes(daemon.agents, daemon.tasks),
    ...pingStreamRoutes(daemon),
    ...(daemon.campaigns !== undefined ? [...campaignRoutes(daemon.campaigns), ...campaignReportRoutes((id) => daemon.campaigns!.get(id))] : []),
    ...sessionRoutes(daemon, { tls: options.tls !== undefined, allowInsecureSignIn: options.allowInsecureSignIn ?? false }),
    ...(options.extraRoutes?.(daemon) ?? []),
  ];
  // Assigned once listening; the OpenAPI closure below reads it from then on.
  let serverUrl: string | undefined = undefined;
  routes.push(...systemRoutes(daemon, version, () => buildOpenApi(routes, { version, serverUrl }, LIVE_OPENAPI_PATHS), options.requireEngine));
  const tls = options.tls;
  const live = new LiveFeed(daemon, daemon.monitors, logger, { ...options.live, tls: tls !== undefined }, daemon.campaigns ?? null);
  routes.push(...metricsRoutes(daemon.engine, daemon.monitors, { ...DEFAULT_METRICS_ROUTE_OPTIONS, ...options.metrics }, live));

  // The level is fixed for the process: no log object is built when info is off.
  const logRequests = logger.isLevelEnabled('info');
  const patterns: { re: RegExp; method: string; envelope: string }[] = [];
  const handlers: { method: UwsMethod; path: string; handler: ReturnType<typeof compileRoute> }[] = [];
  // Routes without parameters by method and path, for percent-encoded requests (below).
  const staticHandlers = new Map<string, UwsHandler>();
  for (const route of routes) {
    const { uwsPath: path, names } = toUwsPath(route.path);
    const handler = compileRoute(route, deps);
    handlers.push({ method: UWS_METHOD[route.method], path, handler });
    if (names.length === 0) staticHandlers.set(`${route.method.toUpperCase()} ${route.path}`, handler);
    // HEAD is allowed wherever GET is (RFC 9110 §9.3.2): same status and headers, no body
    if (route.method === 'get') {
      const head = compileRoute(route, deps, true);
      handlers.push({ method: 'head', path, handler: head });
      if (names.length === 0) staticHandlers.set(`HEAD ${route.path}`, head);
    }
    const re = new RegExp('^' + route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[A-Za-z0-9_]+\\?\}/g, '[^/]+') + '$');
    const envelope = route.envelope ?? nativeEnvelope.name;
    patterns.push({ re, method: route.method.toUpperCase(), envelope });
    if (route.method === 'get') patterns.push({ re, method: 'HEAD', envelope });
  }
  const ui = new StaticUi(options.uiDir ?? DEFAULT_UI_DIR);
  if (!ui.loaded) logger.warn({ dir: ui.dir }, 'the dashboard is not built (run `npm run build`): /ui/ answers 503');
  const unmatchedEnvelope = envelopeByFirstSegment(routes);

  /** One app with every route; a TLS reload builds another over the same handlers. */
  const buildApp = (): TemplatedApp => {
    if (tls !== undefined) checkTlsFiles(tls);
    const app = createApp(tls);
    for (const h of handlers) app[h.method](h.path, h.handler);
    live.register(app);
    mountUi(app, ui);
    app.any('/*', (res, req) => {
      const method = req.getCaseSensitiveMethod().toUpperCase();
      const rawPath = req.getUrl();
      // uWS matches the raw path; path parameters are percent-decoded (pipeline.ts), so a path
      // spelled with escapes (/v1/ping%3Astream) is decoded here too and served by its route.
      const path = rawPath.includes('%') ? (decodedPath(rawPath) ?? rawPath) : rawPath;
      if (path !== rawPath) {
        const handler = staticHandlers.get(`${method} ${path}`);
        if (handler !== undefined) {
          handler(res, req);
          return;
        }
      }
      const allowed = patterns.filter((p) => p.re.test(path)).map((p) => p.method);
      const status = allowed.length > 0 ? 405 : 404;
      const message = status === 405
        ? `method ${method} is not allowed on ${path}; allowed: ${[...new Set(allowed)].join(', ')}`
        : `no route for ${method} ${path}; GET /openapi.json lists every route`;
      // The answer is in the envelope of the contract the path belongs to, as every other error there.
      const matched = patterns.find((p) => p.re.test(path));
      const envelope = matched !== undefined ? envelopeNamed(matched.envelope) : unmatchedEnvelope(path);
      const body = envelope.render({ status, kind: status === 404 ? 'not_found' : 'method_not_allowed', message });
      const headers = status === 405 ? { Allow: [...new Set(allowed)].join(', ') } : undefined;
      const answer = (close: boolean): void => {
        writeResponse(res, { status, body, headers, close }, undefined, method === 'HEAD');
        if (logRequests) logger.info({ method, path, status }, 'request');
      };
      // A body the request may carry is read and dropped first (bounded): closing the
      // connection under a client still writing it made the client lose the answer (EPIPE).
      if (method === 'GET' || method === 'HEAD') answer(false);
      else discardBody(res, Number(req.getHeader('content-length') || '0'), answer);
    });
    return app;
  };

  const apps: TemplatedApp[] = [buildApp()];
  // With TLS, a reload's second listen socket must share the port: uWS binds an explicit port
  // with SO_REUSEPORT but not port 0, so port 0 is resolved to a free port first.
  const port = tls !== undefined && options.port === 0 ? await freePort(options.host) : options.port;
  let listening: Listening = await listen(apps[0], options.host, port);
  let health: HealthListener | null = null;
  if (options.healthPort !== undefined) {
    try {
      health = await startHealthListener(routes.find((r) => r.operationId === 'healthz')!, options.host, options.healthPort);
    } catch (error) {
      closeAll(apps[0]);
      throw error;
    }
  }
  // the pool heals by itself; the log says that it had to, and why
  const unwatch = daemon.engine?.onWorkerFault((fault) => {
    logger.error({ worker: fault }, `probe worker thread ${fault.threadId} ended (${fault.cause}: ${fault.message}); the pool replaces it; any job it was running failed`);
  });
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  serverUrl = `${tls !== undefined ? 'https' : 'http'}://${hostForUrl}:${listening.port}`;
  let closed = false;

  return {
    port: listening.port,
    healthPort: health?.port ?? null,
    url: serverUrl,
    routes,
    stopAccepting: () => listening.stopAccepting(),
    async reloadTls() {
      if (tls === undefined || closed) return;
      const next = buildApp(); // throws on bad files: the running app keeps serving
      const nextListening = await listen(next, options.host, listening.port);
      apps.push(next);
      listening.stopAccepting();
      listening = nextListening;
      logger.info({ cert: tls.cert, validTo: checkTlsFiles(tls).validTo }, 'TLS certificate reloaded: new connections use it');
    },
    async close(drainMs = 2000) {
      if (closed) return;
      closed = true;
      unwatch?.();
      listening.stopAccepting();
      live.close();
      const deadline = Date.now() + drainMs;
      while (inflight.count > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      for (const app of apps) closeAll(app);
      await health?.close();
    },
  };
}

/**
 * The envelope for a path no route matches: that of the contract whose routes all start with
 * the path's first segment (`/node`, `/api`, `/network-troubleshooting`), the native one where
 * contracts share the segment or none has it.
 */
function envelopeByFirstSegment(routes: readonly AnyRoute[]): (path: string) => ErrorEnvelope {
  const bySegment = new Map<string, string | null>();
  for (const route of routes) {
    const segment = firstSegment(route.path);
    const named = envelopeNamed(route.envelope ?? nativeEnvelope.name);
    const envelope = named.variantOf ?? named.name;
    const seen = bySegment.get(segment);
    bySegment.set(segment, seen === undefined || seen === envelope ? envelope : null);
  }
  return (path) => {
    const name = bySegment.get(firstSegment(path));
    return name === undefined || name === null ? nativeEnvelope : envelopeNamed(name);
  };
}

function firstSegment(path: string): string {
  const end = path.indexOf('/', 1);
  return end === -1 ? path : path.slice(0, end);
}

/** The path with each segment percent-decoded; null when it is not valid percent-encoding or an
 *  escape decodes to "/" (an encoded slash is data, not a separator). */
function decodedPath(raw: string): string | null {
  try {
    const segments = raw.split('/').map((segment) => decodeURIComponent(segment));
    return segments.some((segment) => segment.includes('/')) ? null : segments.join('/');
  } catch {
    return null;
  }
}
