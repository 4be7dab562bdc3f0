// The `nats.*` config keys: where the message bus is and how to authenticate to it. Absent
// section (or no servers): the process runs without a bus, as a single host.
import { Type, type Static } from '@sinclair/typebox';

const Path = (description: string) => Type.String({ minLength: 1, maxLength: 4096, description });

export const NatsConfigSchema = Type.Object({
  servers: Type.Array(Type.String({ minLength: 1, maxLength: 2048, pattern: '^((nats|tls|wss?)://)?[^\\s/]+(:[0-9]+)?/?$' }), {
    minItems: 1, maxItems: 32, description: 'NATS server URLs (nats://host:port, tls://…); the client tries them in turn and reconnects to any',
  }),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'connection name shown by nats-server (default: sonde-<role>-<hostname>)' })),
  user: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'user name (with password)' })),
  password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'password of user' })),
  token: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'authentication token (instead of user/password)' })),
  nkeySeedFile: Type.Optional(Path('file holding an nkey user seed (SU…), instead of user/password or token')),
  credsFile: Type.Optional(Path('a .creds file (JWT + nkey seed), instead of the others')),
  tls: Type.Optional(Type.Object({
    ca: Type.Optional(Path('PEM CA bundle that signs the server certificate')),
    cert: Type.Optional(Path('PEM client certificate (mutual TLS); with key')),
    key: Type.Optional(Path('PEM private key of cert')),
  }, { additionalProperties: false, dependencies: { cert: ['key'], key: ['cert'] } })),
  reconnectWaitMs: Type.Optional(Type.Integer({ minimum: 10, maximum: 60_000, description: 'pause between reconnect attempts to the same server (default 1000)' })),
  heartbeatMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 300_000, description: 'agent: how often the heartbeat is written (default 10000)' })),
  heartbeatTtlMs: Type.Optional(Type.Integer({ minimum: 300, maximum: 3_600_000, description: 'the heartbeat bucket\'s max_age, set by whoever creates it: an agent whose heartbeat is older is unhealthy and gets no work (default 30000)' })),
  connectTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 120_000, description: 'how long the first connect may take before the process stops with an error (default 10000)' })),
}, {
  additionalProperties: false,
  dependencies: { user: ['password'], password: ['user'] },
  // One way to authenticate: user/password, token, nkey seed or creds file.
  not: Type.Union([
    Type.Object({ user: Type.String(), token: Type.String() }),
    Type.Object({ user: Type.String(), nkeySeedFile: Type.String() }),
    Type.Object({ user: Type.String(), credsFile: Type.String() }),
    Type.Object({ token: Type.String(), nkeySeedFile: Type.String() }),
    Type.Object({ token: Type.String(), credsFile: Type.String() }),
    Type.Object({ nkeySeedFile: Type.String(), credsFile: Type.String() }),
  ]),
});

export type NatsConfig = Static<typeof NatsConfigSchema>;

export const NATS_DEFAULTS = { reconnectWaitMs: 1000, connectTimeoutMs: 10_000 } as const;
