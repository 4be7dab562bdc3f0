// The controller side of the bus (`sonde serve --nats`): remote agents from the KV registry
// join the agent registry (and leave it when their record is deleted), their heartbeats make
// them healthy, and calls to them go out as work messages whose results come back on the
// controller's durable results consumer.
//
// A call's work message carries a unique call id, also its JetStream message id (the work
// stream drops a duplicate publish). The caller's signal is the call's deadline: when it
// fires, the call is given up here and the agent is asked to stop it; a result arriving later
// is acknowledged and dropped. `_any` is resolved here, over the healthy agents only, so a
// call reaches exactly one agent.
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { KvWatchEntry } from '@nats-io/kv';
import type { AgentRegistry } from '../agents/types.js';
import { uuidv7 } from '../store/uuid7.js';
import {
  AGENT_WIRE_VERSION, decodeAgentRecord, decodeHeartbeat, decodeResult, encodeBusMessage, type Result, type Work, type WorkOp,
} from './agent-wire.js';
import {
  DEFAULT_BUS_TIMINGS, RESULTS_CONSUMER, ensureJobStreams, ensureResultsConsumer, openRegistryBuckets,
  type BusTimings, type RegistryBuckets,
} from './bus-resources.js';
import type { BusConnection, BusLogger } from './connection.js';
import { RemoteAgent, isRemoteAgent, type RemoteCalls } from './remote-agent.js';
import { STREAMS, decodeToken, parseResultSubject, subjects } from './subjects.js';

interface Pending {
  hostname: string;
  resolve(outcome: Result['outcome']): void;
}

export interface BusControllerCounters {
  calls: number;
  results: number;
  /** Results for calls no one waits for any more (given up at their deadline, or before a restart). */
  lateResults: number;
  /** Malformed, oversized or misattributed messages (results, records, heartbeats). */
  rejected: number;
}

export interface BusControllerOptions {
  bus: BusConnection;
  registry: AgentRegistry;
  logger: BusLogger;
  timings?: Partial<BusTimings>;
}

type Watch = AsyncIterable<KvWatchEntry> & { stop(): void };

export class BusController implements RemoteCalls {
  readonly counters: BusControllerCounters = { calls: 0, results: 0, lateResults: 0, rejected: 0 };
  private readonly pending = new Map<string, Pending>();
  private readonly remotes = new Map<string, RemoteAgent>();
  private buckets: RegistryBuckets | undefined;
  private results: ConsumerMessages | undefined;
  private watches: Watch[] = [];
  private loops: Promise<void>[] = [];
  private lastRejectLogAt = 0;
  private readonly timings: BusTimings;

  constructor(private readonly options: BusControllerOptions) {
    this.timings = { ...DEFAULT_BUS_TIMINGS, ...options.timings };
  }

  get heartbeatTtlMs(): number {
    return this.buckets?.heartbeatTtlMs ?? this.timings.heartbeatTtlMs;
  }

  connected(): boolean {
    return this.options.bus.state() === 'connected';
  }

  /** The remote agents known now (healthy or not). */
  agents(): RemoteAgent[] {
    return [...this.remotes.values()];
  }

  async start(): Promise<void> {
    const { bus } = this.options;
    await ensureJobStreams(bus.jsm);
    this.buckets = await openRegistryBuckets(bus, this.timings, true);
    await ensureResultsConsumer(bus.jsm);
    const consumer = await bus.js.consumers.get(STREAMS.results, RESULTS_CONSUMER);
    this.results = await consumer.consume({ max_messages: 256, expires: 5_000 });
    const results = this.results;
    this.loops.push((async () => {
      for await (const m of results) this.onResult(m);
    })());
    const records = (await this.buckets.agents.watch()) as unknown as Watch;
    const beats = (await this.buckets.heartbeats.watch()) as unknown as Watch;
    this.watches.push(records, beats);
    this.loops.push((async () => {
      for await (const e of records) this.onRecord(e);
    })(), (async () => {
      for await (const e of beats) this.onHeartbeat(e);
    })());
  }

  async call(hostname: string, op: WorkOp, deadlineMs: number, signal: AbortSignal): Promise<Result['outcome']> {
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
    const call = uuidv7();
    const work: Work = { v: AGENT_WIRE_VERSION, call, agent: hostname, deadlineMs: Math.min(900_000, Math.ceil(deadlineMs)), op };
    this.counters.calls++;
    return new Promise<Result['outcome']>((resolve, reject) => {
      const onAbort = (): void => {
        if (!this.pending.delete(call)) return;
        // best effort: the agent stops the operation (its result, if any, is dropped here)
        try {
          this.options.bus.nc.publish(subjects.cancel(hostname), call);
        } catch {
          // the bus is down: the agent's own deadline stops it
        }
        reject(signal.reason instanceof Error ? signal.reason : new Error('cancelled'));
      };
      this.pending.set(call, {
        hostname,
        resolve: (outcome) => {
          signal.removeEventListener('abort', onAbort);
          resolve(outcome);
        },
      });
      signal.addEventListener('abort', onAbort, { once: true });
      this.options.bus.js.publish(subjects.work(hostname), encodeBusMessage(work), { msgID: call, expect: { streamName: STREAMS.work } }).catch((err: unknown) => {
        if (!this.pending.delete(call)) return;
        signal.removeEventListener('abort', onAbort);
        reject(new Error(`the bus did not take the work for agent ${hostname}: ${(err as Error).message}`));
      });
    });
  }

  private onResult(m: JsMsg): void {
    const decoded = decodeResult(m.data);
    if (!decoded.ok) return this.reject(m, decoded.reason);
    const result = decoded.value;
    const where = parseResultSubject(m.subject);
    if (where === null || where.hostname !== result.agent || where.jobId !== result.call) {
      return this.reject(m, `result of agent "${result.agent}" call ${result.call} on ${m.subject}, not its own subject`);
    }
    this.counters.results++;
    m.ack();
    const p = this.pending.get(result.call);
    if (p === undefined || p.hostname !== result.agent) {
      this.counters.lateResults++;
      return;
    }
    this.pending.delete(result.call);
    p.resolve(result.outcome);
  }

  private onRecord(e: KvWatchEntry): void {
    const hostname = decodeToken(e.key);
    if (e.operation === 'DEL' || e.operation === 'PURGE') {
      const gone = hostname === null ? undefined : this.remotes.get(hostname);
      if (gone !== undefined) {
        this.remotes.delete(gone.hostname);
        this.options.registry.unregister(gone.hostname);
        this.options.logger.info({ agent: gone.hostname }, 'remote agent deregistered');
      }
      return;
    }
    const decoded = decodeAgentRecord(e.value);
    if (!decoded.ok || decoded.value.hostname !== hostname) {
      this.rejectEntry('agent record', e, decoded.ok ? `record of "${decoded.value.hostname}" under key ${e.key}` : decoded.reason);
      return;
    }
    const record = decoded.value;
    const known = this.remotes.get(record.hostname);
    if (known !== undefined) {
      known.update(record);
      return;
    }
    const existing = this.options.registry.get(record.hostname);
    if (existing !== null && !isRemoteAgent(existing)) {
      this.rejectEntry('agent record', e, `a remote agent named ${record.hostname} clashes with the controller's own agent; give one of them another agent.hostname`);
      return;
    }
    const agent = new RemoteAgent(record, this);
    try {
      this.options.registry.register(agent);
    } catch (err) {
      this.rejectEntry('agent record', e, (err as Error).message);
      return;
    }
    this.remotes.set(record.hostname, agent);
    this.options.logger.info({ agent: record.hostname, version: record.version }, 'remote agent registered');
  }

  private onHeartbeat(e: KvWatchEntry): void {
    if (e.operation !== 'PUT') return;
    const decoded = decodeHeartbeat(e.value);
    const hostname = decodeToken(e.key);
    if (!decoded.ok || decoded.value.hostname !== hostname) {
      this.rejectEntry('heartbeat', e, decoded.ok ? `heartbeat of "${decoded.value.hostname}" under key ${e.key}` : decoded.reason);
      return;
    }
    // When the server stored it (not when we read it: after a controller restart, an old
    // heartbeat must not look fresh); clocks of the controller and nats-server are NTP-synced.
    const at = Math.min(Date.now(), e.created.getTime());
    this.remotes.get(decoded.value.hostname)?.beat(decoded.value, at);
  }

  private rejectEntry(what: string, e: KvWatchEntry, reason: string): void {
    this.counters.rejected++;
    this.logRejected({ what, key: e.key, revision: e.revision, reason });
  }

  private reject(m: JsMsg, reason: string): void {
    this.counters.rejected++;
    m.term();
    this.logRejected({ what: 'result', subject: m.subject, seq: m.seq, bytes: m.data.length, reason });
  }

  private logRejected(obj: Record<string, unknown>): void {
    const now = Date.now();
    if (now - this.lastRejectLogAt < 1_000) return;
    this.lastRejectLogAt = now;
    this.options.logger.warn({ ...obj, rejected: this.counters.rejected }, 'rejected a message from the bus');
  }

  /** Stops reading the bus; calls still waiting end at their own deadline. */
  async stop(): Promise<void> {
    for (const w of this.watches) w.stop();
    await this.results?.close().catch(() => undefined);
    await Promise.allSettled(this.loops);
    for (const a of this.remotes.values()) this.options.registry.unregister(a.hostname);
    this.remotes.clear();
  }
}
