// The engine's connection to the message bus (NATS with JetStream): credentials and TLS from
// the `nats.*` config, reconnect forever once connected, errors that say what to fix.
import { readFileSync } from 'node:fs';
import {
  connect,
  credsAuthenticator,
  nkeyAuthenticator,
  type ConnectionOptions,
  type NatsConnection,
  type Status,
} from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { NATS_DEFAULTS, type NatsConfig } from './bus-config-schema.js';

/** A bus problem the operator must fix (unreachable, refused credentials, no JetStream…). */
export class BusError extends Error {
  override readonly name = 'BusError';
}

/** What the connection reports while it runs (pino's logger fits). */
export interface BusLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export type BusState = 'connected' | 'reconnecting' | 'closed';

export interface BusConnection {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly kvm: Kvm;
  readonly servers: readonly string[];
  state(): BusState;
  /** Called on every state change (e.g. to mark the local agent unhealthy while reconnecting). */
  onState(listener: (state: BusState) => void): () => void;
  /** Drains (pending publishes flushed, subscriptions ended) and closes; idempotent. */
  close(): Promise<void>;
}

function readSecretFile(path: string, key: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new BusError(`cannot read ${key} ${path}: ${(error as Error).message}; fix the path or its permissions`);
  }
}

/** The nats.js options for this config (files read now, so a bad path fails at start). */
export function connectionOptions(config: NatsConfig, name: string): ConnectionOptions {
  const options: ConnectionOptions = {
    servers: [...config.servers],
    name: config.name ?? name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: config.reconnectWaitMs ?? NATS_DEFAULTS.reconnectWaitMs,
    timeout: config.connectTimeoutMs ?? NATS_DEFAULTS.connectTimeoutMs,
    waitOnFirstConnect: false,
  };
  if (config.user !== undefined) {
    options.user = config.user;
    options.pass = config.password;
  } else if (config.token !== undefined) {
    options.token = config.token;
  } else if (config.nkeySeedFile !== undefined) {
    const seed = new TextDecoder().decode(readSecretFile(config.nkeySeedFile, 'nats.nkeySeedFile')).trim();
    options.authenticator = nkeyAuthenticator(new TextEncoder().encode(seed));
  } else if (config.credsFile !== undefined) {
    options.authenticator = credsAuthenticator(readSecretFile(config.credsFile, 'nats.credsFile'));
  }
  if (config.tls !== undefined) {
    for (const [k, path] of Object.entries(config.tls)) readSecretFile(path as string, `nats.tls.${k}`);
    options.tls = {
      ...(config.tls.ca !== undefined ? { caFile: config.tls.ca } : {}),
      ...(config.tls.cert !== undefined ? { certFile: config.tls.cert, keyFile: config.tls.key } : {}),
    };
  }
  return options;
}

function authHint(config: NatsConfig): string {
  if (config.user !== undefined) return 'nats.user/nats.password';
  if (config.token !== undefined) return 'nats.token';
  if (config.nkeySeedFile !== undefined) return 'nats.nkeySeedFile';
  if (config.credsFile !== undefined) return 'nats.credsFile';
  return 'no credentials (set nats.user/password, token, nkeySeedFile or credsFile)';
}

function explainConnectError(error: Error, config: NatsConfig): BusError {
  const where = config.servers.join(', ');
  const message = error.message;
  if (/authoriz|authentication|auth/i.test(message) || error.name === 'AuthorizationError') {
    return new BusError(`NATS at ${where} refused the connection with ${authHint(config)}: ${message}`);
  }
  if (/tls|certificate|ssl/i.test(message)) {
    return new BusError(`TLS with NATS at ${where} failed: ${message}; check nats.tls.ca/cert/key and the server's TLS settings`);
  }
  return new BusError(`cannot connect to NATS at ${where}: ${message}; check nats.servers and that nats-server is running and reachable`);
}

/**
 * Connects, checks that JetStream is enabled, and returns the clients. Rejects with BusError
 * (nothing left open) when the first connect fails; after that it reconnects forever and
 * reports through onState and the logger.
 */
export async function connectBus(config: NatsConfig, options: { name: string; logger?: BusLogger }): Promise<BusConnection> {
  const opts = connectionOptions(config, options.name);
  let nc: NatsConnection;
  try {
    nc = await connect(opts);
  } catch (error) {
    throw explainConnectError(error as Error, config);
  }
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(nc, { timeout: opts.timeout });
  } catch (error) {
    await nc.close().catch(() => undefined);
    throw new BusError(`NATS at ${config.servers.join(', ')} has no usable JetStream (${(error as Error).message}): start nats-server with -js (or a jetstream {} block), and give this user access to $JS.API`);
  }
  const js = jetstream(nc);
  const kvm = new Kvm(js);
  let state: BusState = 'connected';
  const listeners = new Set<(s: BusState) => void>();
  const setState = (next: BusState): void => {
    if (next === state) return;
    state = next;
    for (const l of listeners) l(next);
  };
  const log = options.logger;
  void (async () => {
    for await (const s of nc.status() as AsyncIterable<Status>) {
      switch (s.type) {
        case 'disconnect':
          log?.warn({ server: s.server }, 'NATS connection lost; reconnecting');
          setState('reconnecting');
          break;
        case 'reconnect':
          log?.info({ server: s.server }, 'NATS connection restored');
          setState('connected');
          break;
        case 'error':
          log?.error({ err: s.error.message }, 'NATS error');
          break;
        case 'ldm':
          log?.warn({ server: s.server }, 'NATS server entering lame-duck mode; will move to another server');
          break;
        default:
          break;
      }
    }
  })();
  void nc.closed().then((error) => {
    if (error) log?.error({ err: error.message }, 'NATS connection closed with an error');
    setState('closed');
  });
  let closing: Promise<void> | null = null;
  return {
    nc, js, jsm, kvm,
    servers: config.servers,
    state: () => state,
    onState(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closing ??= (nc.isClosed() ? Promise.resolve() : nc.drain().catch(() => nc.close())).then(() => setState('closed'));
      return closing;
    },
  };
}
