// The streams and KV buckets agents and the controller share. Both sides create what is
// missing (whoever starts first); an agent with least-privilege permissions that may not
// create them binds to what the controller made. Limits discard NEW: a full stream refuses
// the publish (the caller reports it) instead of silently dropping the oldest work.
import {
  AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig,
} from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { BusConnection } from './connection.js';
import { BUCKETS, STREAMS, subjects, workConsumerName } from './subjects.js';

/** Work older than this is useless (exec's maximum is 300 s): the stream forgets it. */
const WORK_MAX_AGE_MS = 15 * 60_000;
const DUPLICATE_WINDOW_MS = 120_000;
/** The controller's durable consumer of results: it resumes after a reconnect. */
export const RESULTS_CONSUMER = 'sonde-controller-results';

export interface BusTimings {
  /** How often an agent writes its heartbeat. */
  heartbeatMs: number;
  /** The heartbeat bucket's max_age: an agent whose heartbeat is older is unhealthy. */
  heartbeatTtlMs: number;
}

export const DEFAULT_BUS_TIMINGS: BusTimings = { heartbeatMs: 10_000, heartbeatTtlMs: 30_000 };

const ns = (ms: number): number => ms * 1_000_000;

function isNotFound(err: unknown): boolean {
  return err instanceof Error && /not found/i.test(err.message);
}

async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  try {
    await jsm.streams.info(config.name);
    return;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  try {
    await jsm.streams.add(config);
  } catch (err) {
    // another process created it between our info and our add
    if (!/already in use/i.test((err as Error).message)) throw err;
  }
}

/** SONDE_WORK and SONDE_RESULTS: work-queue retention, a message is gone once acknowledged. */
export async function ensureJobStreams(jsm: JetStreamManager): Promise<void> {
  const common = {
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    discard: DiscardPolicy.New,
    max_msgs: 100_000,
    max_bytes: 1024 * 1024 * 1024,
    max_age: ns(WORK_MAX_AGE_MS),
    duplicate_window: ns(DUPLICATE_WINDOW_MS),
  };
  await ensureStream(jsm, { ...common, name: STREAMS.work, subjects: [subjects.workAll] });
  await ensureStream(jsm, { ...common, name: STREAMS.results, subjects: [subjects.resultsAll] });
}

export interface RegistryBuckets {
  agents: KV;
  heartbeats: KV;
  /** The heartbeat TTL in force: the bucket's max_age (whoever created it chose it). */
  heartbeatTtlMs: number;
}

/** Creates (or binds to) the registry buckets; `create: false` only binds (least privilege). */
export async function openRegistryBuckets(bus: BusConnection, timings: BusTimings, create: boolean): Promise<RegistryBuckets> {
  if (!create) {
    const agents = await bus.kvm.open(BUCKETS.agents);
    const heartbeats = await bus.kvm.open(BUCKETS.heartbeats);
    return { agents, heartbeats, heartbeatTtlMs: timings.heartbeatTtlMs };
  }
  const agents = await bus.kvm.create(BUCKETS.agents, { history: 1 });
  const heartbeats = await bus.kvm.create(BUCKETS.heartbeats, { history: 1, ttl: timings.heartbeatTtlMs });
  const status = await heartbeats.status();
  return { agents, heartbeats, heartbeatTtlMs: status.ttl > 0 ? status.ttl : timings.heartbeatTtlMs };
}

/** An agent's durable work consumer: only its own subject, explicit acks. */
export async function ensureWorkConsumer(jsm: JetStreamManager, hostname: string): Promise<string> {
  const name = workConsumerName(hostname);
  try {
    await jsm.consumers.info(STREAMS.work, name);
    return name;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  await jsm.consumers.add(STREAMS.work, {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: subjects.work(hostname),
    ack_wait: ns(30_000),
    max_ack_pending: 256,
  });
  return name;
}

/** The controller's durable results consumer (one controller per bus). */
export async function ensureResultsConsumer(jsm: JetStreamManager): Promise<void> {
  try {
    await jsm.consumers.info(STREAMS.results, RESULTS_CONSUMER);
    return;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  await jsm.consumers.add(STREAMS.results, {
    durable_name: RESULTS_CONSUMER,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: subjects.resultsAll,
    ack_wait: ns(30_000),
    max_ack_pending: 10_000,
  });
}
