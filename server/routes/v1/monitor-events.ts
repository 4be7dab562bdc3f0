// GET /v1/monitors/{id}/events: the stored state changes of a monitor's targets (status
// with hysteresis; the same changes go to the live feed and the webhooks).
import { Type } from '@sinclair/typebox';
import { TARGET_STATUSES, type MonitorService } from '../../../engine/index.js';
import { IdParams, StringEnum, Uuid } from '../../http/common-schemas.js';
import { defineRoute, type AnyRoute } from '../../http/route.js';
import { parseTime } from './history.js';

const Time = Type.String({ minLength: 1, maxLength: 40, description: 'ms since the epoch, or an RFC 3339 time' });

const EventsQuery = Type.Object({
  from: Type.Optional({ ...Time, description: 'default: 24 h before `to`' }),
  to: Type.Optional({ ...Time, description: 'exclusive; default: now' }),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000, description: 'the oldest first' })),
  targetId: Type.Optional(Uuid),
  agent: Type.Optional(Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9_.-]+$', description: 'one remote agent\'s changes (judged on its windows); a monitor with agents: left out, every agent\'s' })),
}, { additionalProperties: false });

const Status = StringEnum(TARGET_STATUSES);
export const StateChangeSchema = Type.Object({
  id: Type.Integer({ description: 'increasing' }),
  monitorId: Uuid,
  targetId: Uuid,
  address: Type.String(),
  from: Status,
  to: Status,
  atMs: Type.Integer({ description: 'when the once-a-second evaluation saw it, ms since the epoch' }),
  reason: Type.String(),
  agent: Type.Optional(Type.String({ description: 'a remote agent\'s change: the agent' })),
});

export function monitorEventRoutes(monitors: MonitorService): AnyRoute[] {
  const events = defineRoute({
    method: 'get', path: '/v1/monitors/{id}/events', operationId: 'getMonitorEvents',
    summary: 'State changes (up, degraded, down) of the targets of a monitor, oldest first', tags: ['monitors'],
    scope: 'network:read', params: IdParams, query: EventsQuery,
    responses: {
      200: { description: 'The changes in [from, to); truncated when there were more than limit', schema: Type.Object({ items: Type.Array(StateChangeSchema), truncated: Type.Boolean() }) },
      404: { description: 'No such monitor' },
    },
    handler: ({ params, query }) => {
      const toMs = query.to === undefined ? Date.now() + 1 : parseTime(query.to, 'to');
      const fromMs = query.from === undefined ? toMs - 86_400_000 : parseTime(query.from, 'from');
      const limit = query.limit ?? 1000;
      // one more than asked tells whether there are more
      const items = monitors.events(params.id, { fromMs, toMs, limit: limit + 1, targetId: query.targetId, ...(query.agent !== undefined ? { agent: query.agent } : {}) });
      const truncated = items.length > limit;
      return { status: 200, body: { items: truncated ? items.slice(0, limit) : items, truncated } };
    },
  });
  return [events];
}
