// GET /metrics: Prometheus text format (server/metrics/). Open by default, like /healthz:
// Prometheus scrapers are set up per target and usually send no API key, and the daemon
// listens on 127.0.0.1 unless told otherwise. With metrics.auth it needs a key with
// targets:read (Prometheus sends one with `authorization: { credentials: ... }`).
import type { Engine, MonitorService } from '../../engine/index.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { createMetrics, DEFAULT_METRICS_OPTIONS, type LiveMetricsSource, type MetricsOptions } from '../metrics/metrics-registry.js';

export interface MetricsRouteOptions extends MetricsOptions {
  /** Require an API key with targets:read (default false). */
  auth: boolean;
}

export const DEFAULT_METRICS_ROUTE_OPTIONS: MetricsRouteOptions = { ...DEFAULT_METRICS_OPTIONS, auth: false };

export function metricsRoutes(engine: Engine | null, monitors: MonitorService, options: MetricsRouteOptions = DEFAULT_METRICS_ROUTE_OPTIONS, live: LiveMetricsSource | null = null): AnyRoute[] {
  const endpoint = createMetrics(engine, monitors, options, live);
  const metrics = defineRoute({
    method: 'get', path: '/metrics', operationId: 'metrics', tags: ['system'],
    summary: 'Prometheus metrics: engine counters, monitor figures, RTT histograms (per monitor, and per target unless switched off), process',
    scope: options.auth ? 'targets:read' : null,
    responses: { 200: { description: 'Prometheus text exposition format 0.0.4', contentType: endpoint.contentType } },
    handler: async () => {
      const write = await endpoint.scrape();
      return {
        status: 200,
        contentType: endpoint.contentType,
        // chunked: a large fleet's per-target series (153 MB at 50,000 targets) never sit whole in memory
        stream: {
          start(stream) {
            // a failure after the headers: an unparsable last line makes the scrape fail
            // (up = 0) instead of passing a silently truncated exposition
            write(stream).then(() => stream.end(), (error: unknown) => stream.end(`\n# sonde: /metrics failed mid-body: ${String(error).replace(/\n/g, ' ')}\n!\n`));
          },
        },
      };
    },
  });
  return [metrics];
}
