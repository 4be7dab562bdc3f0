// /v1/agents: the agent registry (the local agent, plus any registered ones).
import { Type } from '@sinclair/typebox';
import { MONITOR_ERROR_KINDS, MONITOR_PHASES, type AgentWindowReader, type Sonde } from '../../../engine/index.js';
import { Labels, StringEnum } from '../../http/common-schemas.js';
import { badRequest, notFound } from '../../http/errors.js';
import { defineRoute, type AnyRoute } from '../../http/route.js';

export const AgentSchema = Type.Object({
  hostname: Type.String(),
  serial: Type.String(),
  labels: Labels,
  healthy: Type.Boolean(),
  local: Type.Boolean(),
  facts: Type.Record(Type.String(), Type.String()),
  version: Type.Optional(Type.String({ description: 'remote agents (over NATS): the sonde version they run' })),
  lastHeartbeatAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'remote agents: when their last heartbeat was stored (RFC 3339); an agent is healthy while it is younger than the heartbeat TTL',
  })),
  engineThreads: Type.Optional(Type.Integer({ description: 'remote agents: probe worker threads of their engine (0: none)' })),
  load: Type.Optional(Type.Union([Type.Number(), Type.Null()], { description: 'remote agents: 1-minute load average of the host, from the last heartbeat' })),
  running: Type.Optional(Type.Union([Type.Integer(), Type.Null()], { description: 'remote agents: operations running on it, from the last heartbeat' })),
});

const AgentParams = Type.Object({ hostname: Type.String({ minLength: 1, maxLength: 253, description: 'hostname or serial number' }) }, { additionalProperties: false });

const Time = Type.String({ minLength: 1, maxLength: 40, description: 'ms since the epoch, or an RFC 3339 time' });
const WindowsQuery = Type.Object({
  monitor: Type.String({ minLength: 1, maxLength: 200, description: 'the monitor id on that agent' }),
  from: Time,
  to: Type.Optional(Time),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'at most this many windows (default 1000)' })),
  phase: Type.Optional(StringEnum(MONITOR_PHASES, {
    description: 'which series: total (default), or a phase of an http monitor (connect, tls, ttfb)',
  })),
}, { additionalProperties: false });

const AgentWindow = Type.Object({
  targetId: Type.String(),
  address: Type.String(),
  start: Type.Integer({ description: 'window start, ms since the epoch' }),
  spanMs: Type.Integer(),
  sent: Type.Integer(),
  received: Type.Integer(),
  lossPercent: Type.Union([Type.Number(), Type.Null()], { description: 'null when nothing was sent' }),
  minMs: Type.Union([Type.Number(), Type.Null()], { description: 'RTT of the fastest reply; null when none came back' }),
  meanMs: Type.Union([Type.Number(), Type.Null()], { description: 'mean RTT of the replies; null when none came back' }),
  maxMs: Type.Union([Type.Number(), Type.Null()], { description: 'RTT of the slowest reply; null when none came back' }),
  errors: Type.Record(Type.String(), Type.Integer(), { description: 'failed probes by error kind (refused, http-status, name-not-found…), kinds with none left out' }),
  sealedAt: Type.Integer({ description: 'when the agent sealed it, ms since the epoch' }),
  storedAt: Type.Integer({ description: 'when the controller stored it, ms since the epoch' }),
});

function parseTime(raw: string, field: string): number {
  const ms = /^[0-9]+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isSafeInteger(ms) || ms < 0) throw badRequest(`${field} must be ms since the epoch or an RFC 3339 time, got "${raw}"`);
  return ms;
}

export function agentRoutes(sonde: Sonde & { readonly agentWindows?: AgentWindowReader }): AnyRoute[] {
  const tags = ['agents'];
  const list = defineRoute({
    method: 'get', path: '/v1/agents', operationId: 'listAgents', summary: 'List agents with labels, health and facts', tags,
    scope: 'network:read',
    responses: { 200: { description: 'Every agent', schema: Type.Object({ items: Type.Array(AgentSchema) }) } },
    handler: () => ({ status: 200, body: { items: sonde.agents.list() } }),
  });
  const get = defineRoute({
    method: 'get', path: '/v1/agents/{hostname}', operationId: 'getAgent', summary: 'Get one agent by hostname or serial number', tags,
    scope: 'network:read', params: AgentParams,
    responses: { 200: { description: 'The agent', schema: AgentSchema }, 404: { description: 'No such agent' } },
    handler: ({ params }) => {
      const agent = sonde.agents.get(params.hostname) ?? sonde.agents.getBySerial(params.hostname);
      const info = agent === null ? undefined : sonde.agents.list().find((a) => a.hostname === agent.hostname);
      if (info === undefined) throw notFound(`agent "${params.hostname}" not found (neither a hostname nor a serial number)`);
      return { status: 200, body: info };
    },
  });
  const windows = defineRoute({
    method: 'get', path: '/v1/agents/{hostname}/windows', operationId: 'getAgentWindows',
    summary: 'Stored windows a remote agent published for one of its monitors (per vantage point)', tags,
    scope: 'network:read', params: AgentParams, query: WindowsQuery,
    responses: {
      200: { description: 'The windows, by start then target', schema: Type.Object({ agent: Type.String(), monitorId: Type.String(), windows: Type.Array(AgentWindow) }) },
    },
    handler: ({ params, query }) => {
      const fromMs = parseTime(query.from, 'from');
      const toMs = query.to === undefined ? Date.now() + 1 : parseTime(query.to, 'to');
      const rows = sonde.agentWindows?.rangeOf(params.hostname, query.monitor, fromMs, toMs, query.limit ?? 1000, query.phase) ?? [];
      return {
        status: 200,
        body: {
          agent: params.hostname, monitorId: query.monitor,
          windows: rows.map((r) => ({
            targetId: r.targetId, address: r.address, start: r.startMs, spanMs: r.spanMs, sent: r.sent, received: r.received,
            lossPercent: r.sent === 0 ? null : (100 * Math.max(0, r.sent - r.received)) / r.sent,
            minMs: r.minNs === null ? null : r.minNs / 1e6, meanMs: r.received === 0 ? null : r.sumNs / r.received / 1e6, maxMs: r.maxNs === null ? null : r.maxNs / 1e6,
            errors: Object.fromEntries(r.errors.flatMap((n, i) => (n > 0 && i < MONITOR_ERROR_KINDS.length ? [[MONITOR_ERROR_KINDS[i], n]] : []))),
            sealedAt: r.sealedAt, storedAt: r.storedAt,
          })),
        },
      };
    },
  });
  return [list, get, windows];
}
