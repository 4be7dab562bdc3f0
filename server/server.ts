// The HTTP front end: builds the uWS app from route specs, listens, and shuts down in order.
// It is the daemon's front (DaemonFront, engine/daemon/open-daemon.ts): the daemon stops it
// accepting first and closes it once running jobs had their grace period.
import type { Logger } from 'pino';
import type { DaemonServices } from '../engine/index.js';
import { nativeEnvelope } from './http/envelopes.js';
import { compileRoute, toUwsPath, type PipelineDeps } from './http/pipeline.js';
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
import { LiveFeed, type LiveOptions } from './live/live-feed.js';
import { LIVE_OPENAPI_PATHS } from './live/live-openapi.js';
import { DEFAULT_METRICS_ROUTE_OPTIONS, metricsRoutes, type MetricsRouteOptions } from './routes/metrics.js';
import { closeAll, createApp, listen, type Listening, type UwsMethod } from './uws.js';
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
}

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
    ...(options.extraRoutes?.(daemon) ?? []),
  ];
  // Assigned once listening; the OpenAPI closure below reads it from then on.
  let serverUrl: string | undefined = undefined;
  routes.push(...systemRoutes(daemon, version, () => buildOpenApi(routes, { version, serverUrl }, LIVE_OPENAPI_PATHS), options.requireEngine));
  routes.push(...metricsRoutes(daemon.engine, daemon.monitors, { ...DEFAULT_METRICS_ROUTE_OPTIONS, ...options.metrics }));

  const app = createApp();
  // The level is fixed for the process: no log object is built when info is off.
  const logRequests = logger.isLevelEnabled('info');
  const patterns: { re: RegExp; method: string }[] = [];
  for (const route of routes) {
    const { uwsPath } = toUwsPath(route.path);
    app[UWS_METHOD[route.method]](uwsPath, compileRoute(route, deps));
    // HEAD is allowed wherever GET is (RFC 9110 §9.3.2): same status and headers, no body
    if (route.method === 'get') app.head(uwsPath, compileRoute(route, deps, true));
    const re = new RegExp('^' + route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[A-Za-z0-9_]+\\?\}/g, '[^/]+') + '$');
    patterns.push({ re, method: route.method.toUpperCase() });
    if (route.method === 'get') patterns.push({ re, method: 'HEAD' });
  }
  const live = new LiveFeed(daemon, daemon.monitors, logger, options.live);
  live.register(app);
  app.any('/*', (res, req) => {
    const method = req.getCaseSensitiveMethod().toUpperCase();
    const path = req.getUrl();
    const allowed = patterns.filter((p) => p.re.test(path)).map((p) => p.method);
    const status = allowed.length > 0 ? 405 : 404;
    const message = status === 405
      ? `method ${method} is not allowed on ${path}; allowed: ${[...new Set(allowed)].join(', ')}`
      : `no route for ${method} ${path}; GET /openapi.json lists every route`;
    writeResponse(res, {
      status,
      body: nativeEnvelope.render({ status, kind: status === 404 ? 'not_found' : 'bad_request', message }),
      headers: status === 405 ? { Allow: [...new Set(allowed)].join(', ') } : undefined,
      close: method !== 'GET' && method !== 'HEAD',
    }, undefined, method === 'HEAD');
    if (logRequests) logger.info({ method, path, status }, 'request');
  });

  const listening: Listening = await listen(app, options.host, options.port);
  let health: HealthListener | null = null;
  if (options.healthPort !== undefined) {
    try {
      health = await startHealthListener(routes.find((r) => r.operationId === 'healthz')!, options.host, options.healthPort);
    } catch (error) {
      closeAll(app);
      throw error;
    }
  }
  // the pool heals by itself; the log says that it had to, and why
  const unwatch = daemon.engine?.onWorkerFault((fault) => {
    logger.error({ worker: fault }, `probe worker thread ${fault.threadId} ended (${fault.cause}: ${fault.message}); the pool replaces it; any job it was running failed`);
  });
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  serverUrl = `http://${hostForUrl}:${listening.port}`;
  let closed = false;

  return {
    port: listening.port,
    healthPort: health?.port ?? null,
    url: serverUrl,
    routes,
    stopAccepting: () => listening.stopAccepting(),
    async close(drainMs = 2000) {
      if (closed) return;
      closed = true;
      unwatch?.();
      listening.stopAccepting();
      live.close();
      const deadline = Date.now() + drainMs;
      while (inflight.count > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      closeAll(app);
      await health?.close();
    },
  };
}
