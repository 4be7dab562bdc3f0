// GET /v1/targets/{id}/history: percentiles over time merged from the stored histograms.
import { Type } from '@sinclair/typebox';
import { MONITOR_PHASES, MONITOR_PROBES, type MonitorService } from '../../../engine/index.js';
import { IdParams, StringEnum, Uuid } from '../../http/common-schemas.js';
import { badRequest } from '../../http/errors.js';
import { defineRoute, type AnyRoute } from '../../http/route.js';

const Time = Type.String({ minLength: 1, maxLength: 40, description: 'ms since the epoch, or an RFC 3339 time' });

const HistoryQuery = Type.Object({
  from: Time,
  to: Type.Optional(Time),
  step: Type.Optional(Type.Integer({ minimum: 1, description: 'bucket length in ms, a multiple of the window length (default: the window length)' })),
  percentiles: Type.Optional(Type.String({ pattern: '^[0-9.]+(,[0-9.]+)*$', description: 'comma-separated, 0..100 (default 50,90,99)' })),
  monitor: Type.Optional(Uuid),
  probe: Type.Optional(StringEnum(MONITOR_PROBES, { description: 'only windows of this probe kind (default: the monitor\'s kind with monitor, else every kind)' })),
  phase: Type.Optional(StringEnum(MONITOR_PHASES, { description: 'the series: total (default), or an http or model probe\'s connect, tls or ttfb phase' })),
  agent: Type.Optional(Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9_.-]+$', description: 'one remote agent\'s windows only (a vantage point); left out: the local windows merged with every remote agent\'s' })),
}, { additionalProperties: false });

const Point = Type.Object({
  t: Type.Integer({ description: 'bucket start, ms since the epoch' }),
  sent: Type.Integer(),
  received: Type.Integer(),
  loss: Type.Union([Type.Number(), Type.Null()], { description: 'percent, null when nothing was sent' }),
  min: Type.Union([Type.Number(), Type.Null()], { description: 'ms' }),
  max: Type.Union([Type.Number(), Type.Null()], { description: 'ms' }),
}, { additionalProperties: Type.Union([Type.Number(), Type.Null()]), description: 'plus p<N> (ms) for each percentile asked' });

export function parseTime(raw: string, field: string): number {
  const ms = /^[0-9]+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isSafeInteger(ms) || ms < 0) throw badRequest(`${field} must be ms since the epoch or an RFC 3339 time, got "${raw}"`);
  return ms;
}

export function historyRoutes(service: MonitorService): AnyRoute[] {
  const history = defineRoute({
    method: 'get', path: '/v1/targets/{id}/history', operationId: 'getTargetHistory',
    summary: 'Latency and loss of one target over time, merged from the stored windows', tags: ['monitors'],
    scope: 'network:read', params: IdParams, query: HistoryQuery,
    responses: { 200: { description: 'One point per step', schema: Type.Object({ targetId: Uuid, agent: Type.Optional(Type.String()), step: Type.Integer(), points: Type.Array(Point) }) }, 404: { description: 'No such target' } },
    handler: ({ params, query }) => {
      const fromMs = parseTime(query.from, 'from');
      const toMs = query.to === undefined ? Date.now() : parseTime(query.to, 'to');
      const stepMs = query.step ?? service.windowMs;
      const percentiles = query.percentiles?.split(',').map(Number);
      const points = service.history(params.id, { fromMs, toMs, stepMs, percentiles, monitorId: query.monitor, probe: query.probe, phase: query.phase, ...(query.agent !== undefined ? { agent: query.agent } : {}) });
      const body = {
        targetId: params.id,
        ...(query.agent !== undefined ? { agent: query.agent } : {}),
        step: stepMs,
        // p<N> keys flattened into each point. Not `({ percentiles, ...rest }) => ({ ...rest,
        // ...percentiles })`: object rest/spread costs many times the CPU of this loop
        // (bench/README.md#design-history-query).
        points: points.map((p) => {
          const point: Record<string, number | null> = { t: p.t, sent: p.sent, received: p.received, loss: p.loss, min: p.min, max: p.max };
          for (const k in p.percentiles) point[k] = p.percentiles[k];
          return point;
        }),
      };
      return { status: 200, body };
    },
  });
  return [history];
}
