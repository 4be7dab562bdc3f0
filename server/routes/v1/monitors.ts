// /v1/monitors: continuous monitoring of target selections (create, list, get, update,
// delete) and GET /v1/monitors/{id}/stats (the scheduler's figures).
import { Type } from '@sinclair/typebox';
import {
  DNS_RECORD_TYPES, HTTP_METHODS, MAX_MODEL_PAYLOAD_BYTES, MONITOR_PROBES, PROBE_PAYLOAD_TYPES, TARGET_STATUSES, type MonitorInput, type MonitorService,
} from '../../../engine/index.js';
import { IdParams, Labels, StringEnum, Uuid } from '../../http/common-schemas.js';
import { notFound } from '../../http/errors.js';
import { acceptsGzip } from '../../http/encoding.js';
import { defineRoute, type AnyRoute } from '../../http/route.js';

const Selection = Type.Union([
  Type.Object({ ids: Type.Array(Uuid, { minItems: 1, maxItems: 100_000 }) }, { additionalProperties: false }),
  Type.Object({ labels: Labels }, { additionalProperties: false }),
], { description: 'target ids, or labels every selected target must match (site:eu matches site=eu.paris); target kinds by probe: icmp and dns HOST, tcp TCP and HOST, http HTTP, model EMBEDDER, RERANKER and LLM' });

const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const TcpOptions = Type.Object({
  port: Type.Optional(Port),
}, { additionalProperties: false, description: 'probe "tcp": RTT = the TCP handshake; port: default the target\'s (TCP targets)' });

const DnsOptions = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'the name asked (default: the target\'s address, with server)' })),
  type: Type.Optional(StringEnum(DNS_RECORD_TYPES, { description: 'default A' })),
  server: Type.Optional(Type.String({ minLength: 2, maxLength: 45, description: 'the server asked, an IP address (default: the target\'s address)' })),
  port: Type.Optional(Port),
  expect: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'an answer that must be among the answers, else error kind wrong-answer' })),
}, { additionalProperties: false, description: 'probe "dns": one UDP query per probe; name or server is required' });

const HttpOptions = Type.Object({
  method: Type.Optional(StringEnum(HTTP_METHODS, { description: 'default GET' })),
  path: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'replaces the URL\'s path and query' })),
  headers: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 4096 }))),
  expectStatus: Type.Optional(Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { minItems: 1, maxItems: 100, description: 'default 200..399' })),
  bodyMatch: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'a regular expression the body must match' })),
  bodyNotMatch: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'a regular expression the body must not match' })),
  maxBodyBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_048_576, description: 'body bytes read for the patterns (default 65,536)' })),
  followRedirects: Type.Optional(Type.Boolean({ description: 'default false' })),
  verifyTls: Type.Optional(Type.Boolean({ description: 'default true' })),
  keepAlive: Type.Optional(Type.Boolean({ description: 'default true: reuse a kept-alive connection (the request on a warm connection); false: a fresh connection per probe (connect and TLS every time)' })),
  certExpiryDays: Type.Optional(Type.Number({ minimum: 0, maximum: 3650, description: 'a certificate expiring in fewer days makes the target degraded (default 14; 0: never)' })),
}, { additionalProperties: false, description: 'probe "http": one request per probe to the target\'s URL (HTTP targets)' });

const ModelOptions = Type.Object({
  payloadType: Type.Optional(StringEnum(PROBE_PAYLOAD_TYPES, { description: 'the payload\'s content type (default TEXT)' })),
  payload: Type.Optional(Type.String({ description: 'the body of each probe, UTF-8 (default "ping"); not with payloadSizeBytes' })),
  payloadSizeBytes: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_MODEL_PAYLOAD_BYTES, description: 'a synthetic body of exactly this many bytes; not with payload' })),
  keepAlive: Type.Optional(Type.Boolean({ description: 'default true: reuse a kept-alive connection per target; false: a fresh connection per probe (as the ping stream)' })),
  verifyTls: Type.Optional(Type.Boolean({ description: 'default true' })),
}, {
  additionalProperties: false,
  description: 'probe "model": the ping stream\'s health request to each EMBEDDER, RERANKER or LLM target\'s URL (a POST of the payload, the target\'s kind, provider and model in x-sonde-* headers); answered: a 2xx; phases as http',
});

const MonitorFields = {
  name: Type.String({ minLength: 1, maxLength: 128 }),
  selection: Selection,
  probe: Type.Optional(StringEnum(MONITOR_PROBES, { default: 'icmp' })),
  intervalMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 86_400_000, default: 1000, description: 'one round per target per interval' })),
  probes: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 1, description: 'echo requests per target per round' })),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 60_000, description: 'per probe; at most intervalMs (default min(1000, intervalMs))' })),
  size: Type.Optional(Type.Integer({ minimum: 0, maximum: 65_500, default: 56 })),
  enabled: Type.Optional(Type.Boolean({ default: true })),
  tcp: Type.Optional(TcpOptions),
  dns: Type.Optional(DnsOptions),
  http: Type.Optional(HttpOptions),
  model: Type.Optional(ModelOptions),
  agents: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 253 }), Type.Null()], {
    description: 'where it runs: "_all", an agent hostname or "key:value" (remote agents on the bus, each probing every selected target); left out or null: the controller\'s own agent',
  })),
};

const MonitorCreate = Type.Object(MonitorFields, { additionalProperties: false });
// Without the defaults: the validator fills defaults in (useDefaults), and a PATCH of one field
// must not reset the fields it leaves out (intervalMs, probes, size) to them.
const PatchFields = Object.fromEntries(Object.entries(MonitorFields).map(([k, schema]) => {
  const { default: _default, ...rest } = schema as typeof schema & { default?: unknown };
  return [k, rest];
})) as typeof MonitorFields;
const MonitorPatch = Type.Partial(Type.Object(PatchFields), { additionalProperties: false, minProperties: 1 });

const MonitorSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  selection: Selection,
  probe: StringEnum(MONITOR_PROBES),
  intervalMs: Type.Integer(),
  probes: Type.Integer(),
  timeoutMs: Type.Integer(),
  size: Type.Integer(),
  tcp: Type.Optional(TcpOptions),
  dns: Type.Optional(DnsOptions),
  http: Type.Optional(HttpOptions),
  model: Type.Optional(ModelOptions),
  enabled: Type.Boolean(),
  agents: Type.Optional(Type.String({ description: 'only for a monitor that runs on remote agents' })),
  createdAtMs: Type.Integer(),
  updatedAtMs: Type.Integer(),
});

const Nullable = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });
const MonitorStats = Type.Object({
  monitorId: Uuid,
  running: Type.Boolean({ description: 'false when this process does not probe (disabled, or no engine)' }),
  targets: Type.Integer({ description: 'targets the selection holds now' }),
  batches: Type.Integer(),
  skippedSlots: Type.Integer({ description: 'slots skipped because the scheduler was more than an interval late' }),
  driftP50Ms: Nullable('schedule drift of the first send of each batch, median'),
  driftP99Ms: Nullable('schedule drift, 99th percentile'),
  driftMaxMs: Nullable('schedule drift, maximum'),
  driftHistogram: Type.Union([Type.String(), Type.Null()], {
    description: 'every drift sample since the monitor started, in µs, as an HdrHistogram V2 compressed base64 string (hdr-histogram-js decodeFromCompressedBase64): subtract an earlier one for the drift over any period',
  }),
  windowsWritten: Type.Integer(),
  failedBatches: Type.Integer({ description: 'batches the engine rejected' }),
  lastError: Type.Union([Type.String(), Type.Null()], { description: 'why the last batch or tick failed' }),
});

const VARY_HEADERS = { Vary: 'Accept-Encoding' };
const GZIP_HEADERS = { Vary: 'Accept-Encoding', 'Content-Encoding': 'gzip' };

const SummaryQuery = Type.Object({
  status: Type.Optional(Type.Array(StringEnum(TARGET_STATUSES), { description: 'only targets in these states, repeatable (counts cover every target)' })),
  minutes: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1440, default: 5, description: 'loss over this many minutes (at most the last 60 windows)' })),
  targetId: Type.Optional(Type.String({ format: 'uuid', description: 'only this target: one entry in targets (none when it is not a member); counts still cover every target' })),
  agent: Type.Optional(Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9_.-]+$', description: 'one remote agent\'s view, from its stored windows (a monitor with agents: left out, every agent merged)' })),
}, { additionalProperties: false });

const Status = StringEnum(TARGET_STATUSES);
const MonitorSummarySchema = Type.Object({
  monitorId: Uuid,
  running: Type.Boolean(),
  atMs: Type.Integer(),
  lossWindowMs: Type.Integer(),
  counts: Type.Object({ up: Type.Integer(), degraded: Type.Integer(), down: Type.Integer(), unknown: Type.Integer() }),
  targets: Type.Array(Type.Object({
    targetId: Uuid,
    address: Type.String(),
    status: Status,
    lastRttMs: Nullable('ms'),
    lastProbeAtMs: Nullable('planned time of the last probe, ms since the epoch'),
    failStreak: Type.Integer(),
    sent: Type.Integer(),
    received: Type.Integer(),
    lossPercent: Nullable('over lossWindowMs'),
  })),
  agent: Type.Optional(Type.String({ description: 'the remote agent whose windows this summary is from' })),
  agents: Type.Optional(Type.Array(Type.String(), { description: 'a monitor with agents: the agents merged (those with windows in the period)' })),
});

export function monitorRoutes(monitors: MonitorService): AnyRoute[] {
  const tags = ['monitors'];

  const create = defineRoute({
    method: 'post', path: '/v1/monitors', operationId: 'createMonitor', summary: 'Create a monitor (probing starts within a second)', tags,
    scope: 'network:write', body: MonitorCreate,
    responses: { 201: { description: 'The created monitor', schema: MonitorSchema }, 409: { description: 'name already taken' } },
    handler: ({ body }) => ({ status: 201, body: monitors.create(body as MonitorInput) }),
  });

  const list = defineRoute({
    method: 'get', path: '/v1/monitors', operationId: 'listMonitors', summary: 'List monitors', tags,
    scope: 'network:read',
    responses: { 200: { description: 'Every monitor', schema: Type.Object({ items: Type.Array(MonitorSchema) }) } },
    handler: () => ({ status: 200, body: { items: monitors.list() } }),
  });

  const get = defineRoute({
    method: 'get', path: '/v1/monitors/{id}', operationId: 'getMonitor', summary: 'Get one monitor', tags,
    scope: 'network:read', params: IdParams,
    responses: { 200: { description: 'The monitor', schema: MonitorSchema }, 404: { description: 'No such monitor' } },
    handler: ({ params }) => {
      const m = monitors.get(params.id);
      if (m === null) throw notFound(`monitor ${params.id} not found`);
      return { status: 200, body: m };
    },
  });

  const patch = defineRoute({
    method: 'patch', path: '/v1/monitors/{id}', operationId: 'updateMonitor', summary: 'Update fields of a monitor (takes effect within a second)', tags,
    scope: 'network:write', params: IdParams, body: MonitorPatch,
    responses: { 200: { description: 'The updated monitor', schema: MonitorSchema }, 404: { description: 'No such monitor' }, 409: { description: 'name already taken' } },
    handler: ({ params, body }) => ({ status: 200, body: monitors.update(params.id, body as Partial<MonitorInput>) }),
  });

  const remove = defineRoute({
    method: 'delete', path: '/v1/monitors/{id}', operationId: 'deleteMonitor', summary: 'Delete a monitor (its stored history stays until retention purges it)', tags,
    scope: 'network:write', params: IdParams,
    responses: { 204: { description: 'Deleted' }, 404: { description: 'No such monitor' } },
    handler: ({ params }) => {
      if (!monitors.delete(params.id)) throw notFound(`monitor ${params.id} not found`);
      return { status: 204 };
    },
  });

  const stats = defineRoute({
    method: 'get', path: '/v1/monitors/{id}/stats', operationId: 'getMonitorStats', summary: 'Scheduler figures of one monitor: targets, batches, schedule drift', tags,
    scope: 'network:read', params: IdParams,
    responses: { 200: { description: 'The figures', schema: MonitorStats }, 404: { description: 'No such monitor' } },
    handler: ({ params }) => {
      const service = monitors;
      if (service.get(params.id) === null) throw notFound(`monitor ${params.id} not found`);
      const running = service.stats().find((s) => s.monitorId === params.id);
      const body = running !== undefined
        ? { ...running, running: true }
        : { monitorId: params.id, running: false, targets: service.members(params.id).length, batches: 0, skippedSlots: 0, driftP50Ms: null, driftP99Ms: null, driftMaxMs: null, driftHistogram: null, windowsWritten: 0, failedBatches: 0, lastError: null };
      return { status: 200, body };
    },
  });

  const summary = defineRoute({
    method: 'get', path: '/v1/monitors/{id}/summary', operationId: 'getMonitorSummary',
    summary: 'The current state of every target of a monitor: last RTT, loss over the last minutes, up|degraded|down', tags,
    scope: 'network:read', params: IdParams, query: SummaryQuery,
    responses: {
      200: {
        description: 'One entry per selected target. Unfiltered summaries of monitors with 5,000 targets or more come from a snapshot at most 3 s old, '
          + 'gzip-compressed (Content-Encoding: gzip; ~6 times smaller) for clients whose Accept-Encoding prefers gzip, from their second request on',
        schema: MonitorSummarySchema,
      },
      404: { description: 'No such monitor' },
    },
    // JSON bytes: large monitors answer from a snapshot (engine/monitor/summary-snapshot.ts)
    handler: ({ params, query, acceptEncoding }) => {
      const answer = monitors.summaryJson(params.id, query, { gzip: acceptsGzip(acceptEncoding) });
      return { status: 200, body: answer.bytes, contentType: 'application/json', headers: answer.gzip ? GZIP_HEADERS : VARY_HEADERS };
    },
  });

  return [create, list, get, patch, remove, stats, summary];
}
