// The agent side of the bus (`sonde agent`): registers this process's local agent in the KV
// registry, keeps its heartbeat, takes the work addressed to its hostname from its durable
// consumer and publishes each result.
//
// Exactly once per call: a work message is acknowledged (and the server's receipt awaited)
// BEFORE the operation runs, so a redelivery can only happen for work that has not run; a
// call id seen before is never run again (a redelivery after a lost ack). A failed ping or a
// non-zero exit is a result like any other; nothing is retried. Work older than its deadline
// (queued while the agent was away) is dropped unrun: its caller has given up on it.
import { loadavg } from 'node:os';
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { Subscription } from '@nats-io/transport-node';
import type { Agent } from '../agents/types.js';
import { canExec, type ExecAgent, type ExecPolicy } from '../exec/types.js';
import { PingCoalescer } from '../icmp/main-thread/ping-coalescer.js';
import { runTest } from '../tasks/run-test.js';
import type { DiagnosticTest } from '../tasks/types.js';
import { validateTest } from '../tasks/validate-test.js';
import type { Engine } from '../types.js';
import {
  AGENT_WIRE_VERSION, MAX_BUS_MESSAGE_BYTES, decodeAgentRecord, decodeWork, encodeBusMessage,
  type AgentRecord, type ExecResultWire, type Heartbeat, type PingSummaryWire, type Result, type Work,
} from './agent-wire.js';
import { DEFAULT_BUS_TIMINGS, ensureJobStreams, ensureWorkConsumer, openRegistryBuckets, type BusTimings, type RegistryBuckets } from './bus-resources.js';
import { BusError, type BusConnection, type BusLogger } from './connection.js';
import { STREAMS, agentKey, subjects } from './subjects.js';

/** Call ids remembered against redelivery (a redelivery comes within ack_wait, 30 s). */
const SEEN_CALLS = 10_000;
const RESULT_RETRY_MS = 500;

/** The agent a `sonde agent` process serves: the local one, with its exec policy. */
export type ServedAgent = ExecAgent & { execPolicy(): ExecPolicy };

/** The local agent as a ServedAgent; throws for an agent that cannot be served on the bus. */
export function servedAgent(agent: Agent): ServedAgent {
  const a = agent as Partial<ServedAgent>;
  if (!canExec(agent) || typeof a.execPolicy !== 'function') throw new Error(`agent ${agent.hostname} cannot be served on the bus: it is not this process's local agent`);
  return agent as ServedAgent;
}

export interface BusAgentOptions {
  bus: BusConnection;
  agent: ServedAgent;
  engine: Engine | null;
  version: string;
  logger: BusLogger;
  timings?: Partial<BusTimings>;
}

export interface BusAgentCounters {
  /** Work messages run. */
  ran: number;
  /** Redeliveries of calls already run: acknowledged, not run again. */
  duplicates: number;
  /** Work past its deadline when it arrived: acknowledged, not run. */
  expired: number;
  /** Malformed, oversized or misaddressed work: terminated, counted, logged. */
  rejected: number;
}

export class BusAgent {
  readonly counters: BusAgentCounters = { ran: 0, duplicates: 0, expired: 0, rejected: 0 };
  private buckets: RegistryBuckets | undefined;
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private cancelSub: Subscription | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly seen = new Set<string>();
  private readonly running = new Map<string, AbortController>();
  private readonly startedAt = Date.now();
  private stopping = false;
  /** Set once this agent writes its record: only then is the registration its to delete. */
  private registered = false;
  private lastRejectLogAt = 0;
  private readonly timings: BusTimings;
  /** Ping tests share engine jobs as in the controller's task service. */
  private readonly coalescer: PingCoalescer | null;

  constructor(private readonly options: BusAgentOptions) {
    this.timings = { ...DEFAULT_BUS_TIMINGS, ...options.timings };
    this.coalescer = options.engine !== null ? new PingCoalescer(options.engine) : null;
  }

  get hostname(): string {
    return this.options.agent.hostname;
  }

  /** Registers, starts the heartbeat and takes work. Rejects (nothing left running) on failure. */
  async start(): Promise<void> {
    const { bus, agent } = this.options;
    // Least privilege: an agent that may not create the shared streams and buckets binds to
    // the controller's.
    let create = true;
    try {
      await ensureJobStreams(bus.jsm);
    } catch (err) {
      if (!/permission/i.test((err as Error).message)) throw err;
      create = false;
    }
    this.buckets = await openRegistryBuckets(bus, this.timings, create);
    await this.refuseTakenHostname();
    this.registered = true;
    await this.writeRecord();
    await this.beat();
    this.heartbeatTimer = setInterval(() => void this.beat().catch((err: unknown) => {
      this.options.logger.warn({ err: (err as Error).message }, 'heartbeat not written; retrying at the next beat');
    }), this.timings.heartbeatMs);
    this.heartbeatTimer.unref();
    this.cancelSub = bus.nc.subscribe(subjects.cancel(agent.hostname), {
      callback: (err, msg) => {
        if (err !== null) return;
        const call = Buffer.from(msg.data).toString('utf8');
        this.running.get(call)?.abort(new Error('cancelled'));
      },
    });
    const consumer = await bus.js.consumers.get(STREAMS.work, await ensureWorkConsumer(bus.jsm, agent.hostname));
    this.messages = await consumer.consume({ max_messages: 64, expires: 5_000 });
    this.loop = (async () => {
      for await (const m of this.messages!) void this.handle(m);
    })();
  }

  /**
   * Two live agents with one hostname would share one work consumer (each call run by either)
   * and overwrite each other's record: the second one stops at start. The same agent started
   * again (same serial, e.g. after a kill -9) takes its place.
   */
  private async refuseTakenHostname(): Promise<void> {
    const key = agentKey(this.hostname);
    const entry = await this.buckets!.agents.get(key);
    if (entry === null || entry.operation !== 'PUT') return;
    const record = decodeAgentRecord(entry.value);
    if (!record.ok || record.value.serial === this.options.agent.serial) return;
    const beat = await this.buckets!.heartbeats.get(key);
    if (beat === null || beat.operation !== 'PUT' || Date.now() - beat.created.getTime() > this.buckets!.heartbeatTtlMs) return;
    throw new BusError(`another agent (serial ${record.value.serial}) is registered on the bus as ${this.hostname} and its heartbeat is fresh: `
      + 'give this one another agent.hostname, or stop the other first');
  }

  /** The static record: written on start and whenever it changes (e.g. the fqdn resolved). */
  async writeRecord(): Promise<void> {
    const { agent, engine, version } = this.options;
    const record: AgentRecord = {
      v: AGENT_WIRE_VERSION,
      hostname: agent.hostname,
      serial: agent.serial,
      labels: { ...agent.labels },
      facts: { ...agent.facts(), fqdn: (await agent.resolveFact('fqdn')) ?? agent.hostname },
      version,
      execAllow: [...agent.execPolicy().allow],
      engineThreads: engine?.health().threads ?? 0,
      startedAt: this.startedAt,
    };
    await this.buckets!.agents.put(agentKey(agent.hostname), encodeBusMessage(record));
  }

  private async beat(): Promise<void> {
    const engine = this.options.engine;
    const health = engine?.health();
    const heartbeat: Heartbeat = {
      v: AGENT_WIRE_VERSION,
      hostname: this.hostname,
      health: this.stopping || engine === null ? 'down' : health!.state,
      reason: this.stopping ? 'stopping' : engine === null ? 'no probe engine' : health!.reason,
      load: Math.max(0, loadavg()[0] ?? 0),
      running: this.running.size,
      sentAt: Date.now(),
    };
    await this.buckets!.heartbeats.put(agentKey(this.hostname), encodeBusMessage(heartbeat));
  }

  private async handle(m: JsMsg): Promise<void> {
    const decoded = decodeWork(m.data);
    if (!decoded.ok) return this.reject(m, decoded.reason);
    const work = decoded.value;
    if (work.agent !== this.hostname || m.subject !== subjects.work(this.hostname)) {
      return this.reject(m, `work for "${work.agent}" on ${m.subject} reached agent ${this.hostname}`);
    }
    if (this.seen.has(work.call)) {
      this.counters.duplicates++;
      m.ack();
      return;
    }
    const queuedAt = Math.floor(m.info.timestampNanos / 1e6);
    if (Date.now() - queuedAt > work.deadlineMs || this.stopping) {
      this.counters.expired++;
      m.ack();
      return;
    }
    // The server's receipt of the ack first: only then may the operation run.
    let acked = false;
    try {
      acked = await m.ackAck({ timeout: 5_000 });
    } catch {
      acked = false;
    }
    if (!acked) return; // redelivered later; this.seen stays clear so that one runs
    this.remember(work.call);
    this.counters.ran++;
    const controller = new AbortController();
    this.running.set(work.call, controller);
    const deadline = setTimeout(() => controller.abort(new Error('timeout: deadline passed on the agent')), work.deadlineMs - (Date.now() - queuedAt));
    let outcome: Result['outcome'];
    try {
      outcome = await this.run(work, controller.signal);
    } catch (err) {
      outcome = { ok: false, error: err instanceof Error ? err.message : String(err) };
    } finally {
      clearTimeout(deadline);
      this.running.delete(work.call);
    }
    await this.publishResult({ v: AGENT_WIRE_VERSION, call: work.call, agent: this.hostname, outcome }, queuedAt + work.deadlineMs);
  }

  private async run(work: Work, signal: AbortSignal): Promise<Result['outcome']> {
    const agent = this.options.agent;
    if (work.op.kind === 'ping') {
      const summary = await agent.ping({ ...work.op.request, signal }, signal);
      // NaN RTTs (nothing came back) travel as null (encodeBusMessage)
      return { ok: true, kind: 'ping', value: summary as unknown as PingSummaryWire };
    }
    if (work.op.kind === 'test') return { ok: true, kind: 'test', value: await this.runTest(work.op.test as unknown as DiagnosticTest, signal) };
    const r = await agent.exec(work.op.request, signal);
    return { ok: true, kind: 'exec', value: fitExecResult(r, this.maxPayload()) };
  }

  /** The fields are checked as the HTTP routes check them (a bad one is a failed outcome naming it). */
  private async runTest(test: DiagnosticTest, signal: AbortSignal): Promise<unknown> {
    const run = runTest(validateTest(test), { engine: this.options.engine, coalescer: this.coalescer, agentName: this.hostname });
    const cancel = (): void => run.cancel(signal.reason instanceof Error ? signal.reason : new Error('cancelled'));
    signal.addEventListener('abort', cancel, { once: true });
    try {
      return await run.done;
    } finally {
      signal.removeEventListener('abort', cancel);
    }
  }

  private maxPayload(): number {
    return Math.min(MAX_BUS_MESSAGE_BYTES, this.options.bus.nc.info?.max_payload ?? MAX_BUS_MESSAGE_BYTES);
  }

  /** Retried while the bus reconnects, until the call's deadline: the controller waits that long. */
  private async publishResult(result: Result, until: number): Promise<void> {
    const bytes = encodeBusMessage(result);
    for (;;) {
      try {
        await this.options.bus.js.publish(subjects.result(this.hostname, result.call), bytes, { msgID: `${this.hostname}.${result.call}` });
        return;
      } catch (err) {
        if (Date.now() >= until || this.options.bus.state() === 'closed') {
          this.options.logger.error({ call: result.call, err: (err as Error).message }, 'result not published before its deadline; the controller reports the call as timed out');
          return;
        }
        await new Promise((r) => setTimeout(r, RESULT_RETRY_MS));
      }
    }
  }

  private remember(call: string): void {
    this.seen.add(call);
    if (this.seen.size > SEEN_CALLS) this.seen.delete(this.seen.values().next().value as string);
  }

  private reject(m: JsMsg, reason: string): void {
    this.counters.rejected++;
    m.term();
    const now = Date.now();
    if (now - this.lastRejectLogAt < 1_000) return;
    this.lastRejectLogAt = now;
    this.options.logger.warn({ subject: m.subject, seq: m.seq, bytes: m.data.length, reason, rejected: this.counters.rejected }, 'rejected a work message from the bus');
  }

  /**
   * A clean stop: no new work, running calls get graceMs to finish (and publish), the rest
   * are aborted (their results say so), then the registration is deleted.
   */
  async stop(graceMs = 0): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.heartbeatTimer);
    await this.messages?.close().catch(() => undefined);
    await this.loop?.catch(() => undefined);
    this.cancelSub?.unsubscribe();
    const until = Date.now() + graceMs;
    while (this.running.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    for (const c of this.running.values()) c.abort(new Error(`agent ${this.hostname} is stopping`));
    while (this.running.size > 0) await new Promise((r) => setTimeout(r, 20));
    if (this.registered && this.buckets !== undefined && this.options.bus.state() !== 'closed') {
      await this.buckets.heartbeats.delete(agentKey(this.hostname)).catch(() => undefined);
      await this.buckets.agents.delete(agentKey(this.hostname)).catch(() => undefined);
    }
  }
}

/** An exec result that fits one message: stdout and stderr cut (truncated: true) until it does. */
export function fitExecResult(r: ExecResultWire, maxBytes: number): ExecResultWire {
  const budget = maxBytes - 1024; // the envelope around the result
  const size = (x: ExecResultWire): number => Buffer.byteLength(JSON.stringify(x));
  if (size(r) <= budget) return { ...r };
  const cut = (s: string, bytes: number): string => Buffer.from(s).subarray(0, Math.max(0, Math.floor(bytes))).toString('utf8').replace(/\uFFFD$/, '');
  let out = Buffer.byteLength(r.stdout);
  let err = Buffer.byteLength(r.stderr);
  let fitted: ExecResultWire = r;
  // JSON escapes make a byte cost up to 6: shrink until it fits (a few rounds at most)
  while (size(fitted) > budget && (out > 0 || err > 0)) {
    const factor = budget / size(fitted) * 0.9;
    out = Math.floor(out * factor);
    err = Math.floor(err * factor);
    fitted = { ...r, stdout: cut(r.stdout, out), stderr: cut(r.stderr, err), truncated: true };
  }
  return fitted;
}
