// The daemon's configuration: one object, validated with TypeBox + Ajv. Every key has a
// built-in default; see load.ts for where values come from and in which order.
import { Type, type Static } from '@sinclair/typebox';
import { NatsConfigSchema } from '../bus/bus-config-schema.js';

const LabelMap = Type.Record(Type.String({ pattern: '^[A-Za-z0-9_-]+$' }), Type.String({ maxLength: 256 }));

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const DaemonConfigSchema = Type.Object({
  data: Type.String({ minLength: 1, description: 'data directory (SQLite database, admin.key)' }),
  listen: Type.Object({
    host: Type.String({ minLength: 1, description: 'address to bind' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, description: 'TCP port; 0 picks a free one' }),
    healthPort: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: 'a second port serving only GET/HEAD /healthz, over HTTP/1.0 or 1.1 (uWS answers HTTP/1.0 with 505); absent: none' })),
    tls: Type.Optional(Type.Object({
      cert: Type.String({ minLength: 1, description: 'PEM certificate (chain) file; with key, the daemon serves HTTPS/WSS only; both re-read on SIGHUP' }),
      key: Type.String({ minLength: 1, description: 'PEM private key file of cert' }),
    }, { additionalProperties: false })),
  }, { additionalProperties: false }),
  dashboard: Type.Object({
    sessionHours: Type.Number({ exclusiveMinimum: 0, maximum: 720, description: 'a browser session ends this long after sign-in' }),
    idleMinutes: Type.Number({ exclusiveMinimum: 0, maximum: 1440, description: 'a browser session ends after this long without a request' }),
    allowInsecureSignIn: Type.Boolean({ description: 'allow a dashboard sign-in over plain HTTP from a non-loopback client (the key and the cookie then cross the network unencrypted)' }),
  }, { additionalProperties: false }),
  logLevel: Type.Unsafe<(typeof LOG_LEVELS)[number]>({ type: 'string', enum: [...LOG_LEVELS], description: 'pino log level; request lines are info' }),
  threads: Type.Integer({ minimum: 0, maximum: 256, description: 'probe worker threads; 0 = one per core' }),
  http: Type.Object({
    bodyLimit: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, description: 'request body limit, bytes' }),
    importBodyLimit: Type.Integer({ minimum: 1024, maximum: 1024 * 1024 * 1024, description: 'body limit for bulk target import, bytes' }),
  }, { additionalProperties: false }),
  rateLimit: Type.Object({
    perSecond: Type.Number({ exclusiveMinimum: 0, description: 'requests per second per API key' }),
    burst: Type.Number({ minimum: 1, description: 'token bucket size' }),
  }, { additionalProperties: false }),
  jobs: Type.Object({
    retentionDays: Type.Number({ exclusiveMinimum: 0, description: 'finished jobs are purged after this' }),
    shutdownGraceMs: Type.Integer({ minimum: 0, maximum: 600_000, description: 'on SIGTERM, how long running jobs may finish before they are failed' }),
  }, { additionalProperties: false }),
  audit: Type.Object({
    retentionDays: Type.Number({ exclusiveMinimum: 0 }),
  }, { additionalProperties: false }),
  monitoring: Type.Object({
    windowSeconds: Type.Integer({ minimum: 1, maximum: 3600, description: 'length of a stored histogram window per target (monitors)' }),
    rollupMinutes: Type.Integer({ minimum: 1, maximum: 1440, description: 'rollup window length; a multiple of the window' }),
    rawRetentionDays: Type.Number({ exclusiveMinimum: 0, description: 'raw windows are purged after this' }),
    rollupRetentionDays: Type.Number({ exclusiveMinimum: 0, description: 'rollups are purged after this' }),
    tickMs: Type.Integer({ minimum: 10, maximum: 1000, description: 'how often finished windows are sealed and handed to the window writer thread (sending runs on the workers\' own grid)' }),
    downAfter: Type.Integer({ minimum: 1, maximum: 1000, description: 'consecutive failed probes that make a target down' }),
    upAfter: Type.Integer({ minimum: 1, maximum: 1000, description: 'consecutive answered probes that bring a degraded or down target back up' }),
    degradedLossPercent: Type.Number({ minimum: 0, maximum: 100, description: 'loss % over the last 5 minutes above which an up target becomes degraded' }),
    webhooks: Type.Array(Type.Object({
      url: Type.String({ minLength: 1, maxLength: 2048, pattern: '^https?://', description: 'state changes are POSTed here as JSON, batched once a second' }),
      timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000, description: 'per attempt (default 5000)' })),
      retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, description: 'further attempts with backoff 1 s, 2 s, 4 s… up to 30 s (default 3)' })),
    }, { additionalProperties: false }), { maxItems: 20 }),
  }, { additionalProperties: false }),
  metrics: Type.Object({
    perTarget: Type.Boolean({ description: 'GET /metrics includes the per-target RTT histogram (19 series per monitored target)' }),
    perTargetMaxTargets: Type.Integer({ minimum: 0, description: 'per-target series are left out while monitors have more targets than this (0 = no cap)' }),
    auth: Type.Boolean({ description: 'GET /metrics needs an API key with targets:read (default: open, like /healthz)' }),
  }, { additionalProperties: false }),
  agent: Type.Object({
    hostname: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    serial: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    local: Type.Optional(Type.Boolean({ description: 'false: a controller (sonde serve --nats) that probes nothing itself: its own agent is neither listed nor routed to, only remote agents are (flag --no-local-agent)' })),
    fqdn: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'the fqdn fact as given; without it the fqdn is resolved through DNS (hostname looked up, its address looked up in reverse)' })),
    labels: LabelMap,
    facts: LabelMap,
    exec: Type.Object({
      allow: Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { maxItems: 1000, description: 'executables POST /node/{hostname}/command/exec may run (bare names on the fixed PATH, or absolute paths), compared exactly; empty = exec refused' }),
      maxOutputBytes: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, description: 'cap on stdout and on stderr of one command, bytes' }),
    }, { additionalProperties: false }),
  }, { additionalProperties: false }),
  nats: Type.Optional(NatsConfigSchema),
}, { additionalProperties: false });

export type DaemonConfig = Static<typeof DaemonConfigSchema>;

export function defaultConfig(): DaemonConfig {
  return {
    data: './data',
    listen: { host: '127.0.0.1', port: 8080 },
    logLevel: 'info',
    threads: 0,
    http: { bodyLimit: 64 * 1024, importBodyLimit: 32 * 1024 * 1024 },
    rateLimit: { perSecond: 100, burst: 200 },
    jobs: { retentionDays: 7, shutdownGraceMs: 5000 },
    audit: { retentionDays: 30 },
    monitoring: { windowSeconds: 60, rollupMinutes: 60, rawRetentionDays: 14, rollupRetentionDays: 365, tickMs: 100, downAfter: 3, upAfter: 3, degradedLossPercent: 5, webhooks: [] },
    metrics: { perTarget: true, perTargetMaxTargets: 10_000, auth: false },
    dashboard: { sessionHours: 12, idleMinutes: 30, allowInsecureSignIn: false },
    agent: { labels: {}, facts: {}, exec: { allow: [], maxOutputBytes: 1024 * 1024 } },
  };
}
