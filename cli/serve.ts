// `sonde serve`: the daemon. Parses the options, opens the daemon (engine/daemon/open-daemon.ts
// composes it and owns its shutdown order) with the HTTP server as its front, and closes it
// on SIGTERM/SIGINT.
import { Command, Option } from 'commander';
import {
  BusController, connectBus, createEngine, openControllerAssignments, openControllerWindows, VantageFeed, EngineInputError, lockDaemon, openDaemon, toDaemonOptions,
  type BusConnection, type Assignments, type ControllerWindows, type Daemon, type DaemonLock, type Engine,
} from '../engine/index.js';
import { createLogger, sondeVersion, startServer, type SondeServer } from '../server/index.js';
import { addDataOptions, failAndExit, loadConfigOrExit } from './config-options.js';

/** What a stop may take beyond the jobs' grace: the front's drain, the engine, the database. */
const SHUTDOWN_BOUND_MS = 3000;

interface ServeFlags {
  config?: string;
  data?: string;
  host?: string;
  port?: string;
  logLevel?: string;
  threads?: string;
  nats?: string;
  /** false with --no-local-agent. */
  localAgent?: boolean;
}

/** The probe engine (worker pool); without it the daemon still serves, but ping jobs fail. */
function startEngine(threads: number, warn: (message: string) => void): Engine | null {
  try {
    return createEngine(threads > 0 ? { threads } : {});
  } catch (error) {
    if (error instanceof EngineInputError) failAndExit(new Error(`--threads / threads: ${error.message}`));
    warn(`the probe engine did not start, ping jobs will fail: ${(error as Error).message}`);
    return null;
  }
}

async function serve(flags: ServeFlags): Promise<void> {
  const t0 = performance.now();
  const lap = (): number => Math.round(performance.now() - t0);
  const { config, file } = loadConfigOrExit(flags);
  if (flags.localAgent === false) config.agent.local = false;
  const localAgent = config.agent.local !== false;
  const logger = createLogger(config.logLevel);
  const phases: Record<string, number> = { processMs: Math.round(performance.now()), configMs: lap() };
  const say = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  // a second daemon on this data directory stops here, naming the first
  let daemonLock: DaemonLock;
  try {
    daemonLock = lockDaemon(config.data);
  } catch (error) {
    failAndExit(error);
  }
  // a controller without its own agent probes nothing: no engine
  const engine = localAgent ? startEngine(config.threads, (m) => logger.warn(m)) : null;
  phases.engineMs = lap();
  let adminKeyPath: string | null = null;
  // The handlers are in place before anything is opened: a stop asked for while the daemon
  // opens waits for it to be open, then closes it in order (the default action would kill
  // the process with the database and the windows half written).
  let daemon: Daemon<SondeServer> | undefined;
  let bus: BusConnection | undefined;
  let controller: BusController | undefined;
  let windows: ControllerWindows | undefined;
  let assignments: Assignments | undefined;
  let stopRequested: string | null = null;
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (daemon === undefined) {
      stopRequested = signal;
      return;
    }
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    // The stop takes the grace and then a bounded drain; whatever still holds it after that
    // (a stuck close) does not keep the process: it exits, and says so.
    const bound = config.jobs.shutdownGraceMs + SHUTDOWN_BOUND_MS;
    setTimeout(() => {
      logger.error({ signal, boundMs: bound }, `shutdown did not finish within jobs.shutdownGraceMs + ${SHUTDOWN_BOUND_MS} ms; exiting without waiting`);
      logger.flush();
      process.exit(1);
    }, bound).unref();
    logger.info({ signal, runningJobs: daemon.jobs.running(), graceMs: config.jobs.shutdownGraceMs }, 'shutting down: no new connections, running jobs get the grace period');
    // the bus outlives the daemon's jobs: remote calls still running are answered or time out
    await assignments?.close();
    await daemon.close();
    await windows?.close();
    await controller?.stop();
    await bus?.close();
    daemonLock.release();
    logger.info('stopped');
    logger.flush();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM').catch((e: unknown) => failAndExit(e)));
  process.on('SIGINT', () => void shutdown('SIGINT').catch((e: unknown) => failAndExit(e)));
  const options = toDaemonOptions(config);
  // remote agents' stored windows and state changes, for the live feed
  const vantage = new VantageFeed();
  try {
    daemon = await openDaemon({
      ...options,
      // the window writer's failures (e.g. the disk full) and its recovery go to the log
      monitoring: { ...options.monitoring, log: { error: (m) => logger.error(m), info: (m) => logger.info(m) } },
      engine,
      version: sondeVersion(),
      onShutdownStep: (step) => logger.debug({ step }, 'shutdown step done'),
      front: async (services) => {
        phases.openMs = lap();
        // remote agents join the registry before the first request is served
        if (config.nats !== undefined) {
          bus = await connectBus(config.nats, { name: `sonde-controller-${services.agents.local.hostname}`, logger });
          const n = config.nats;
          controller = new BusController({
            bus, registry: services.agents, logger,
            timings: { ...(n.heartbeatMs !== undefined ? { heartbeatMs: n.heartbeatMs } : {}), ...(n.heartbeatTtlMs !== undefined ? { heartbeatTtlMs: n.heartbeatTtlMs } : {}) },
          });
          await controller.start();
          // remote agents' sealed windows, stored once each in agent_windows
          windows = await openControllerWindows(bus, services.dataDir, logger, {
            rules: { downAfter: config.monitoring.downAfter, upAfter: config.monitoring.upAfter }, feed: vantage,
          });
          // monitors with agents: their definitions go to the matching agents
          assignments = await openControllerAssignments(bus, services.dataDir, services.agents, logger);
          phases.busMs = lap();
        }
        adminKeyPath = services.keys.ensureAdminKey();
        return startServer({
          daemon: services, logger, host: config.listen.host, port: config.listen.port,
          bodyLimit: config.http.bodyLimit, importBodyLimit: config.http.importBodyLimit, metrics: config.metrics,
          ...(config.listen.healthPort !== undefined ? { healthPort: config.listen.healthPort } : {}), requireEngine: localAgent,
          tls: config.listen.tls, allowInsecureSignIn: config.dashboard.allowInsecureSignIn,
          ...(config.nats !== undefined ? { live: { vantage } } : {}),
        });
      },
    });
  } catch (error) {
    await assignments?.close().catch(() => undefined);
    await windows?.close().catch(() => undefined);
    await controller?.stop().catch(() => undefined);
    await bus?.close().catch(() => undefined);
    failAndExit(error);
  }
  const server = daemon.front;
  phases.listenMs = lap();
  say(`sonde ${file !== null ? `(config ${file}) ` : ''}data in ${config.data}`);
  if (adminKeyPath !== null) {
    say(`first start: an admin API key was written to ${adminKeyPath} (mode 0600); it is shown nowhere else`);
  }
  say(`sonde listening on ${server.url}  (API description: ${server.url}/openapi.json, health: ${server.url}/healthz)`);
  if (controller !== undefined) say(`controller of the agents on NATS ${config.nats!.servers.join(', ')}${localAgent ? '' : ' (no local agent)'}`);
  if (server.healthPort !== null) say(`health checks (HTTP/1.0 and 1.1, GET/HEAD /healthz only) on port ${server.healthPort}`);
  say(`try: curl -H "Authorization: Bearer $(cat ${adminKeyPath ?? `${config.data}/admin.key`})" ${server.url}/v1/agents`);
  logger.info({ url: server.url, data: config.data, startup: phases }, 'ready');

  // SIGHUP: re-read listen.tls's certificate and key (e.g. after a renewal); a bad pair is
  // logged and the running certificate stays.
  process.on('SIGHUP', () => {
    if (config.listen.tls === undefined) {
      logger.info('SIGHUP: no listen.tls configured, nothing to reload');
      return;
    }
    server.reloadTls().catch((error: unknown) => logger.error({ err: error }, `SIGHUP: TLS not reloaded, the previous certificate stays: ${(error as Error).message}`));
  });
  if (stopRequested !== null) void shutdown(stopRequested).catch((e: unknown) => failAndExit(e));
}

export function registerServe(command: Command): void {
  addDataOptions(command)
    .addOption(new Option('--host <address>', 'address to listen on (default: $SONDE_HOST / SONDE_LISTEN, else 127.0.0.1)'))
    .addOption(new Option('--port <port>', 'TCP port, 0 = any free one (default: $SONDE_PORT / SONDE_LISTEN, else 8080)'))
    .addOption(new Option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (default: $SONDE_LOG_LEVEL, else info)'))
    .addOption(new Option('--threads <n>', 'probe worker threads, 0 = one per core (default: $SONDE_THREADS, else 0)'))
    .addOption(new Option('--nats <urls>', 'NATS server URL(s), comma-separated: be the controller of the agents on that bus (config nats.servers)'))
    .addOption(new Option('--no-local-agent', 'probe nothing here: only remote agents (sonde agent) are listed and routed to (config agent.local: false)'))
    .addHelpText('after', '\nPrecedence: built-in defaults < config file < SONDE_* environment variables < flags.\nSIGTERM/SIGINT: stop accepting, let running jobs finish within jobs.shutdownGraceMs, fail the rest, close the database, exit 0.\nSIGHUP: re-read the listen.tls certificate and key.\n')
    .action((flags: ServeFlags) => serve(flags));
}
