// /v1/agents: the agent registry (the local agent, plus any registered ones).
import { Type } from '@sinclair/typebox';
import type { Sonde } from '../../../engine/index.js';
import { Labels } from '../../http/common-schemas.js';
import { notFound } from '../../http/errors.js';
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
});

const AgentParams = Type.Object({ hostname: Type.String({ minLength: 1, maxLength: 253, description: 'hostname or serial number' }) }, { additionalProperties: false });

export function agentRoutes(sonde: Sonde): AnyRoute[] {
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
  return [list, get];
}
