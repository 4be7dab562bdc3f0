// `sonde agent` and `sonde serve --nats` (the built dist/cli/index.js) as real child
// processes on one nats-server. Agents get made-up hostnames with their fqdn given in the
// config, so no DNS query is sent for them; each runs in its own working directory (where
// the commands it execs write), with a short heartbeat so that tests see health change soon.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliEntry } from '../../bench/lib/daemon-process.js';
import { waitFor } from '../wait-for.js';

export const HEARTBEAT_MS = 250;
export const HEARTBEAT_TTL_MS = 1500;

export interface SondeChild {
  readonly child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** SIGTERM and the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (a crash) and wait for the exit. */
  kill(): Promise<void>;
}

function spawnSonde(args: string[], cwd: string): SondeChild {
  const child = spawn(process.execPath, [cliEntry, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SONDE_CONFIG: '' } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    child, exited, output: () => out,
    async stop() {
      if (alive()) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
  };
}

async function waitForLine(p: SondeChild, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  const seen = await waitFor(() => {
    const m = pattern.exec(p.output());
    if (m !== null) return { m };
    // an exit ends the wait at once (with the output in the error)
    return p.child.exitCode !== null || p.child.signalCode !== null ? { m: null } : undefined;
  }, { timeoutMs: 20_000, intervalMs: 50, message: `${what} to start` });
  if (seen.m === null) throw new Error(`${what} exited: ${p.output()}`);
  return seen.m;
}

/** NATS user and password (a server with an authorization block). */
export interface NatsUser { user: string; password: string }

const natsSection = (url: string, auth?: NatsUser): string =>
  `nats: { servers: ["${url}"], heartbeatMs: ${HEARTBEAT_MS}, heartbeatTtlMs: ${HEARTBEAT_TTL_MS}${auth !== undefined ? `, user: "${auth.user}", password: "${auth.password}"` : ''} }`;

export interface AgentSpec {
  hostname: string;
  labels?: Record<string, string>;
  /** Executables on its exec allowlist. */
  allow?: string[];
  auth?: NatsUser;
  /** Network namespace of its probe sockets (a simulator's), passed as --netns. */
  netns?: string;
}

export interface AgentChild extends SondeChild {
  readonly hostname: string;
  /** Its data directory and working directory. */
  readonly dir: string;
}

/** Starts `sonde agent` in `<root>/<hostname>` and waits for its ready line. */
export async function startAgent(root: string, natsUrl: string, spec: AgentSpec): Promise<AgentChild> {
  const dir = join(root, spec.hostname);
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'agent.yaml');
  writeFileSync(config, [
    `agent: { hostname: "${spec.hostname}", fqdn: "${spec.hostname}.test", labels: ${JSON.stringify(spec.labels ?? {})}, exec: { allow: ${JSON.stringify(spec.allow ?? [])} } }`,
    natsSection(natsUrl, spec.auth),
    'jobs: { shutdownGraceMs: 0 }',
    'monitoring: { windowSeconds: 1, rollupMinutes: 1, tickMs: 20 }',
    '',
  ].join('\n'));
  const p = spawnSonde(['agent', '--config', config, '--data', join(dir, 'data'), '--threads', '1', '--log-level', 'info', ...(spec.netns !== undefined ? ['--netns', spec.netns] : [])], dir);
  await waitForLine(p, /sonde agent \S+ .*on NATS/, `sonde agent ${spec.hostname}`);
  return { ...p, hostname: spec.hostname, dir };
}

export interface ControllerChild extends SondeChild {
  readonly url: string;
  readonly key: string;
}

/** Starts `sonde serve --nats URL` (agent.hostname localhost) and waits until it listens. */
export async function startController(
  dir: string, natsUrl: string, extraArgs: string[] = [], auth?: NatsUser, localAllow: string[] = [], extraConfig: string[] = [],
): Promise<ControllerChild> {
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'serve.yaml');
  writeFileSync(config, [
    `agent: { hostname: localhost, exec: { allow: ${JSON.stringify(localAllow)} } }`, 'rateLimit: { perSecond: 10000, burst: 10000 }', natsSection(natsUrl, auth), ...extraConfig, '',
  ].join('\n'));
  const p = spawnSonde(['serve', '--config', config, '--data', join(dir, 'data'), '--port', '0', '--host', '127.0.0.1', '--threads', '1', '--log-level', 'info', ...extraArgs], dir);
  const m = await waitForLine(p, /listening on (http:\/\/\S+)/, 'sonde serve --nats');
  return { ...p, url: m[1], key: readFileSync(join(dir, 'data', 'admin.key'), 'utf8').trim() };
}
