// The controller's ingest of sealed windows: one durable pull consumer on the window stream.
// Each message is validated like HTTP input (window-wire.ts) and checked against its subject
// (an agent may only speak for itself); a bad one is rejected, counted, logged and
// terminated (never redelivered, never stored). A good one is written in one transaction and
// acknowledged only after the commit, so a crash between the two redelivers it and the
// idempotent key stores it once. The consumer is durable: after a reconnect or a restart of
// the controller, delivery resumes at the first unacknowledged message.
import { setImmediate } from 'node:timers/promises';
import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager, type JsMsg, type ConsumerMessages } from '@nats-io/jetstream';
import type { AgentWindowStore, StoredCounts } from './agent-window-store.js';
import type { VantageStateChange, VantageStatus } from './vantage-status.js';
import { decodeWindowBatch, type WindowBatch } from './window-wire.js';
import { WINDOW_CONSUMER, WINDOW_STREAM, WINDOW_SUBJECT_PREFIX, agentToken, ensureWindowStream } from './window-stream.js';

export interface WindowIngestCounters {
  messages: number;
  windowsStored: number;
  /** Windows already stored (a redelivery or a republish): counted, not written again. */
  windowsDuplicate: number;
  /** Messages rejected as malformed, oversized, unknown or not matching their subject. */
  rejected: number;
  /** Commits that failed (e.g. disk full): the message is redelivered later. */
  storeFailures: number;
}

export interface WindowIngestLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface WindowIngestOptions {
  /** How long a message may stay unacknowledged before JetStream redelivers it. */
  ackWaitMs?: number;
  /** Called after each committed batch (e.g. to measure seal→stored latency). */
  onStored?: (batch: WindowBatch, storedAt: number, counts: StoredCounts) => void;
  /** The judge the store calls for each new window; its changes go to onStateChanges after the commit. */
  status?: VantageStatus;
  onStateChanges?: (changes: readonly VantageStateChange[]) => void;
  /** How long one pull waits for messages (≥ 1000 ms); a lower value notices a lost server sooner. */
  pullExpiresMs?: number;
}

const RETRY_STORE_MS = 1_000;
/** How long the ingest may hold the event loop before it lets other work run. */
const YIELD_AFTER_MS = 20;
/** The WAL is checkpointed once no batch has been stored for this long (between bursts). */
const IDLE_CHECKPOINT_MS = 50;

export class WindowIngest {
  readonly counters: WindowIngestCounters = { messages: 0, windowsStored: 0, windowsDuplicate: 0, rejected: 0, storeFailures: 0 };
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private lastRejectLogAt = 0;
  private checkpointTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly store: AgentWindowStore,
    private readonly log: WindowIngestLog,
    private readonly options: WindowIngestOptions = {},
  ) {}

  async start(): Promise<void> {
    await ensureWindowStream(this.jsm);
    const config = {
      durable_name: WINDOW_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: `${WINDOW_SUBJECT_PREFIX}.>`,
      ack_wait: (this.options.ackWaitMs ?? 30_000) * 1_000_000,
      max_ack_pending: 1_000,
    };
    try {
      await this.jsm.consumers.info(WINDOW_STREAM, WINDOW_CONSUMER);
    } catch {
      await this.jsm.consumers.add(WINDOW_STREAM, config);
    }
    const consumer = await this.js.consumers.get(WINDOW_STREAM, WINDOW_CONSUMER);
    this.messages = await consumer.consume({ max_messages: 256, expires: this.options.pullExpiresMs ?? 30_000 });
    this.loop = this.run(this.messages);
  }

  async stop(): Promise<void> {
    await this.messages?.close();
    await this.loop;
    clearTimeout(this.checkpointTimer);
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    // a burst of batches (every agent's of one window start) is stored one after another; the
    // event loop is let go between them, so HTTP, the bus's own traffic and timers are not
    // held for the whole burst (each batch is still committed, then acked, before the next)
    let heldSince = performance.now();
    for await (const m of messages) {
      this.handle(m);
      if (performance.now() - heldSince < YIELD_AFTER_MS) continue;
      await setImmediate();
      heldSince = performance.now();
    }
  }

  /** Synchronous on purpose: the commit and the ack happen before the next message is looked at. */
  handle(m: JsMsg): void {
    this.counters.messages++;
    const decoded = decodeWindowBatch(m.data);
    if (!decoded.ok) return this.reject(m, decoded.reason);
    const batch = decoded.batch;
    const expected = `${WINDOW_SUBJECT_PREFIX}.${agentToken(batch.agent)}`;
    if (m.subject !== expected) return this.reject(m, `agent "${batch.agent}" published on ${m.subject}, not its own subject ${expected}`);
    let storedAt: number;
    let counts: StoredCounts;
    const status = this.options.status;
    try {
      storedAt = Date.now();
      if (status !== undefined) status.pending = [];
      counts = this.store.write(batch, storedAt, decoded.hists);
      this.counters.windowsStored += counts.stored;
      this.counters.windowsDuplicate += counts.duplicates;
    } catch (err) {
      if (status !== undefined) status.pending = [];
      this.counters.storeFailures++;
      this.log.error({ err: (err as Error).message, subject: m.subject, seq: m.seq }, 'cannot store a window batch from the bus; it will be redelivered');
      m.nak(RETRY_STORE_MS);
      return;
    }
    m.ack();
    this.checkpointWhenIdle();
    this.options.onStored?.(batch, storedAt, counts);
    if (status !== undefined && status.pending.length > 0) this.options.onStateChanges?.(status.pending);
  }

  private checkpointWhenIdle(): void {
    clearTimeout(this.checkpointTimer);
    this.checkpointTimer = setTimeout(() => {
      try {
        this.store.checkpoint();
      } catch (err) {
        // the next idle moment (or SQLite's own bound) checkpoints; the commits are safe in the WAL
        this.log.warn({ err: (err as Error).message }, 'cannot checkpoint the database after storing window batches; retried after the next batch');
      }
    }, IDLE_CHECKPOINT_MS);
    this.checkpointTimer.unref();
  }

  private reject(m: JsMsg, reason: string): void {
    this.counters.rejected++;
    // no reason text: nats-server 2.9 does not parse "+TERM <reason>" and would leave the message pending
    m.term();
    const now = Date.now();
    if (now - this.lastRejectLogAt < 1_000) return;
    this.lastRejectLogAt = now;
    this.log.warn({ subject: m.subject, seq: m.seq, bytes: m.data.length, reason, rejected: this.counters.rejected }, 'rejected a window message from the bus');
  }
}
