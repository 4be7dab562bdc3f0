// `sonde agent --nats URL`: the probe engine and the local agent (its facts, labels and exec
// allowlist) served on the message bus, with no HTTP API. It registers in the bus's agent
// registry, keeps a heartbeat, runs the work addressed to it, and deregisters on SIGTERM/SIGINT.
import { hostname as osHostname } from 'node:os';
import { Command, Option } from 'commander';
import {
  BusAgent, agentSealPhaseMs, connectBus, createEngine, EngineInputError, lockDaemon, openAgentAssignments, openAgentWindows, openDaemon, servedAgent, toDaemonOptions,
  type AgentWindows, type Assignments, type BusConnection, type Daemon, type DaemonLock, type Engine,
} from '../engine/index.js';
import { createLogger, sondeVersion } from '../server/index.js';
import { addDataOptions, failAndExit, loadConfigOrExit } from './config-options.js';

/** What a stop may take beyond the jobs' grace: deregistering, the engine, the database. */
const SHUTDOWN_BOUND_MS = 3000;

interface AgentFlags {
  config?: string;
  data?: string;
  nats?: string;
  logLevel?: string;
  threads?: string;
  netns?: string;
}

async function agent(flags: AgentFlags): Promise<void> {
  // The handlers are in place before anything is opened: a stop asked for while the agent
  // starts waits for the start, then takes everything down in order (the default action
  // would kill the process with its registration left behind and the database half written).
  let stopRequested: string | null = null;
  let stop: ((signal: string) => Promise<void>) | null = null;
  const onSignal = (signal: string): void => {
    if (stop === null) {
      stopRequested = signal;
      return;
    }
    void stop(signal).catch((e: unknown) => failAndExit(e));
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));

  const { config, file } = loadConfigOrExit(flags);
  const logger = createLogger(config.logLevel);
  const nats = config.nats;
  if (nats === undefined) failAndExit(new Error('sonde agent needs the message bus: give --nats nats://host:4222 or set nats.servers in the config'));
  let lock: DaemonLock;
  try {
    lock = lockDaemon(config.data);
  } catch (error) {
    failAndExit(error);
  }
  let engine: Engine | null = null;
  try {
    engine = createEngine({ ...(config.threads > 0 ? { threads: config.threads } : {}), ...(flags.netns !== undefined ? { netns: flags.netns } : {}) });
  } catch (error) {
    if (error instanceof EngineInputError) failAndExit(new Error(`${error.field === 'netns' ? '--netns' : '--threads / threads'}: ${error.message}`));
    logger.warn(`the probe engine did not start, pings on this agent will fail: ${(error as Error).message}`);
  }
  const options = toDaemonOptions(config);
  let daemon: Daemon<null> | undefined;
  let bus: BusConnection | undefined;
  let busAgent: BusAgent | undefined;
  let windows: AgentWindows | undefined;
  let assignments: Assignments | undefined;
  const closeAll = async (): Promise<void> => {
    await assignments?.close();
    await busAgent?.stop(config.jobs.shutdownGraceMs);
    // the monitors write their last windows into the spool, then the publisher stops
    await daemon?.close();
    await windows?.close();
    await bus?.close();
    lock.release();
  };
  try {
    const hostname = config.agent.hostname ?? osHostname();
    bus = await connectBus(nats, { name: `sonde-agent-${hostname}`, logger });
    // the windows this agent's monitors seal go to the controller too (spooled until acked)
    windows = openAgentWindows(bus, config.data, hostname, logger);
    const sink = windows;
    daemon = await openDaemon({
      ...options,
      monitoring: {
        ...options.monitoring, log: { error: (m) => logger.error(m), info: (m) => logger.info(m) }, onSealed: (w) => sink.onSealed(w),
        // agents seal on phases of their own, so their batches do not all reach the controller at once
        sealDelayMs: agentSealPhaseMs(hostname, config.monitoring.windowSeconds * 1000),
      },
      engine,
    });
    busAgent = new BusAgent({
      bus, agent: servedAgent(daemon.agents.local), engine, version: sondeVersion(), logger,
      timings: { ...(nats.heartbeatMs !== undefined ? { heartbeatMs: nats.heartbeatMs } : {}), ...(nats.heartbeatTtlMs !== undefined ? { heartbeatTtlMs: nats.heartbeatTtlMs } : {}) },
    });
    await busAgent.start();
    // monitors the controller assigns to this agent (agents: on a monitor of the controller)
    assignments = openAgentAssignments(bus, config.data, hostname, logger, () => sink.forget());
  } catch (error) {
    await closeAll().catch(() => undefined);
    failAndExit(error);
  }
  let stopping = false;
  stop = async (signal: string): Promise<void> => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    const bound = config.jobs.shutdownGraceMs + SHUTDOWN_BOUND_MS;
    setTimeout(() => {
      logger.error({ signal, boundMs: bound }, `shutdown did not finish within jobs.shutdownGraceMs + ${SHUTDOWN_BOUND_MS} ms; exiting without waiting`);
      logger.flush();
      process.exit(1);
    }, bound).unref();
    logger.info({ signal, graceMs: config.jobs.shutdownGraceMs }, 'agent stopping: no new work, running work gets the grace period, then deregistering');
    await closeAll();
    logger.info('stopped');
    logger.flush();
    process.exit(0);
  };
  process.stdout.write(`sonde agent ${busAgent.hostname} ${file !== null ? `(config ${file}) ` : ''}data in ${config.data}, on NATS ${nats.servers.join(', ')}\n`);
  logger.info({ agent: busAgent.hostname, servers: nats.servers }, 'agent ready');
  if (stopRequested !== null) onSignal(stopRequested);
}

export function registerAgent(command: Command): void {
  addDataOptions(command)
    .addOption(new Option('--nats <urls>', 'NATS server URL(s), comma-separated (config nats.servers; credentials and TLS: nats.* in the config)'))
    .addOption(new Option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (default: $SONDE_LOG_LEVEL, else info)'))
    .addOption(new Option('--threads <n>', 'probe worker threads, 0 = one per core (default: $SONDE_THREADS, else 0)'))
    .addOption(new Option('--netns <path>', 'open the probe sockets in this network namespace (e.g. /run/netns/NAME); the bus connection stays in the agent\'s own'))
    .addHelpText('after', '\nNo HTTP API: the controller (sonde serve --nats URL) reaches this agent through the bus.\nSIGTERM/SIGINT: stop taking work, let running work finish within jobs.shutdownGraceMs, deregister, exit 0.\n')
    .action((flags: AgentFlags) => agent(flags));
}
