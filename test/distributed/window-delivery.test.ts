// Sealed windows from an agent to the controller's SQLite over a real nats-server:
// spooled on the agent until the stream acks them, ingested by a durable consumer, stored
// exactly once. The bus and the controller are restarted while windows keep being sealed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../engine/store/database.js';
import { WindowTable } from '../../engine/monitor/window-table.js';
import { AgentWindowStore } from '../../engine/distributed/agent-window-store.js';
import { SpoolPublisher } from '../../engine/distributed/spool-publisher.js';
import { WindowIngest } from '../../engine/distributed/window-ingest.js';
import { WindowOutbox } from '../../engine/distributed/window-outbox.js';
import { WindowSpool } from '../../engine/distributed/window-spool.js';
import { WINDOW_CONSUMER, WINDOW_STREAM, ensureWindowStream, windowSubject } from '../../engine/distributed/window-stream.js';
import { WIRE_VERSION, encodeWindowBatch, type WindowBatch } from '../../engine/distributed/window-wire.js';
import { waitFor } from '../wait-for.js';
import { natsSuite, startNatsServer, type NatsServer } from './nats-server.js';

const TARGETS = 20;
const SPAN_MS = 1000;
const quiet = { warn: () => {}, error: () => {} };

function natsConnect(url: string): Promise<NatsConnection> {
  return connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 50, name: 'sonde-test' });
}

/** An agent: seals a window of TARGETS targets every `everyMs` (start times one span apart). */
class TestAgent {
  readonly spool: WindowSpool;
  publisher!: SpoolPublisher;
  private outbox!: WindowOutbox;
  private nc!: NatsConnection;
  private timer: NodeJS.Timeout | undefined;
  sealed = 0;
  constructor(readonly name: string, readonly dir: string, private readonly url: string, readonly baseMs = 1_700_000_000_000) {
    this.spool = new WindowSpool(dir, { maxBatches: 10_000, maxBytes: 64 * 1024 * 1024 });
  }
  async connect(): Promise<void> {
    this.nc = await natsConnect(this.url);
    this.publisher = new SpoolPublisher(this.spool, jetstream(this.nc), quiet, 1_000);
    this.outbox = new WindowOutbox(this.name, this.spool, this.publisher, () => 'mon-1', (seq) => ({ id: `target-${seq}`, address: `127.0.0.${seq}` }));
    this.publisher.start();
  }
  sealOne(): void {
    const table = new WindowTable(TARGETS, this.baseMs + this.sealed * SPAN_MS);
    for (let r = 0; r < TARGETS; r++) {
      table.recordRtt(r, 100_000 + r * 1000 + this.sealed);
      if (r % 5 === 0) table.recordTimeout(r);
    }
    table.seal();
    this.outbox.push({ monitorSeq: 1, spanMs: SPAN_MS, table, rowSeq: Array.from({ length: TARGETS }, (_, r) => r + 1), release: () => {} });
    this.sealed++;
  }
  run(everyMs: number): void {
    this.timer = setInterval(() => this.sealOne(), everyMs);
  }
  pause(): void {
    clearInterval(this.timer);
  }
  async close(): Promise<void> {
    this.pause();
    await this.publisher.stop();
    await this.nc.close();
    this.spool.close();
  }
}

/** The controller's side: a database and the ingest on its own connection. */
class TestController {
  db!: Db;
  store!: AgentWindowStore;
  ingest!: WindowIngest;
  private nc!: NatsConnection;
  constructor(private readonly dir: string, private readonly url: string) {}
  async start(): Promise<void> {
    this.db = openDatabase(this.dir).db;
    this.store = new AgentWindowStore(this.db);
    this.nc = await natsConnect(this.url);
    this.ingest = new WindowIngest(jetstream(this.nc), await jetstreamManager(this.nc), this.store, quiet, { pullExpiresMs: 1_000, ackWaitMs: 2_000 });
    await this.ingest.start();
  }
  async stop(): Promise<void> {
    await this.ingest.stop();
    await this.nc.close();
    this.db.close();
  }
  count(agent: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM agent_windows WHERE agent = ?').get(agent) as { n: number }).n;
  }
  /** Each (target, start) of the agent appears once, and every expected one is there. */
  assertComplete(agent: string, sealed: number, baseMs: number): void {
    const rows = this.db.prepare('SELECT target_id AS t, start_at AS s FROM agent_windows WHERE agent = ? ORDER BY s, t').all(agent) as { t: string; s: number }[];
    expect(rows.length).toBe(sealed * TARGETS);
    const seen = new Set(rows.map((r) => `${r.t}@${r.s}`));
    expect(seen.size).toBe(rows.length);
    for (let k = 0; k < sealed; k++) for (let r = 1; r <= TARGETS; r++) expect(seen.has(`target-${r}@${baseMs + k * SPAN_MS}`)).toBe(true);
  }
}

natsSuite('window delivery over NATS JetStream', () => {
  let nats: NatsServer;
  const dirs: string[] = [];
  const tempDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'sonde-wd-'));
    dirs.push(d);
    return d;
  };
  let cleanup: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup = [];
    // each test starts from an empty stream and a new durable consumer
    const nc = await natsConnect(nats.url);
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(WINDOW_STREAM).catch(() => false);
    await nc.close();
  });
  afterAll(async () => {
    await nats.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('restarting nats-server while windows are sealed loses none and doubles none', async () => {
    const controller = new TestController(tempDir(), nats.url);
    await controller.start();
    const agent = new TestAgent('web-01', tempDir(), nats.url);
    await agent.connect();
    cleanup.push(() => controller.stop(), () => agent.close());
    agent.run(40);
    await waitFor(() => controller.count('web-01') >= 5 * TARGETS, { message: 'windows stored before the outage' });

    await nats.halt();
    const sealedBefore = agent.sealed;
    await waitFor(() => agent.sealed >= sealedBefore + 10, { message: 'windows sealed during the outage' });
    expect(agent.spool.size.batches).toBeGreaterThan(0); // held on disk while the bus is down
    await nats.restart();
    await waitFor(() => agent.sealed >= sealedBefore + 20, { message: 'windows sealed after the outage' });
    agent.pause();

    await waitFor(() => agent.spool.size.batches === 0 && controller.count('web-01') === agent.sealed * TARGETS, {
      timeoutMs: 20_000, message: 'every sealed window stored',
    });
    controller.assertComplete('web-01', agent.sealed, agent.baseMs);
    expect(controller.ingest.counters.rejected).toBe(0);
  }, 45_000);

  it('restarting the controller while windows are sealed loses none and doubles none; it resumes from its durable consumer', async () => {
    const dbDir = tempDir();
    let controller = new TestController(dbDir, nats.url);
    await controller.start();
    const agent = new TestAgent('web.01', tempDir(), nats.url);
    await agent.connect();
    cleanup.push(() => agent.close());
    agent.run(40);
    await waitFor(() => controller.count('web.01') >= 5 * TARGETS, { message: 'windows stored before the restart' });

    await controller.stop();
    const sealedBefore = agent.sealed;
    await waitFor(() => agent.sealed >= sealedBefore + 10, { message: 'windows sealed while the controller is down' });
    // the stream holds them meanwhile: published and acked by the stream, not yet consumed
    await waitFor(() => agent.publisher.counters.published >= sealedBefore + 10, { message: 'windows in the stream' });

    controller = new TestController(dbDir, nats.url);
    await controller.start();
    cleanup.push(() => controller.stop());
    await waitFor(() => agent.sealed >= sealedBefore + 20);
    agent.pause();
    await waitFor(() => agent.spool.size.batches === 0 && controller.count('web.01') === agent.sealed * TARGETS, {
      timeoutMs: 20_000, message: 'every sealed window stored',
    });
    controller.assertComplete('web.01', agent.sealed, agent.baseMs);
    const nc = await natsConnect(nats.url);
    const jsm = await jetstreamManager(nc);
    await waitFor(async () => {
      const info = await jsm.consumers.info(WINDOW_STREAM, WINDOW_CONSUMER);
      return info.num_pending + info.num_ack_pending === 0;
    }, { message: 'the durable consumer has nothing pending' });
    await nc.close();
  }, 45_000);

  it('a batch delivered twice (republished under another message id) is stored once', async () => {
    const controller = new TestController(tempDir(), nats.url);
    await controller.start();
    cleanup.push(() => controller.stop());
    const nc = await natsConnect(nats.url);
    cleanup.push(() => nc.close());
    const js = jetstream(nc);
    const batch: WindowBatch = {
      v: WIRE_VERSION, agent: 'db-01', monitorId: 'mon-1', spanMs: SPAN_MS, sealedAt: Date.now(),
      windows: [1, 2, 3].map((i) => ({
        targetId: `target-${i}`, address: `127.0.0.${i}`, startMs: 1_700_000_000_000, sent: 2, received: 1, duplicates: 0, late: 0,
        errors: [0, 0, 0, 0, 0, 0], minNs: 1000, maxNs: 1000, sumNs: 1000, hist: null,
      })),
    };
    for (const id of ['a', 'b', 'c']) await js.publish(windowSubject('db-01'), encodeWindowBatch(batch), { msgID: id });
    await waitFor(() => controller.ingest.counters.messages === 3, { message: 'three deliveries consumed' });
    expect(controller.count('db-01')).toBe(3);
    expect(controller.ingest.counters.windowsStored).toBe(3);
    expect(controller.ingest.counters.windowsDuplicate).toBe(6);
    // the same message id within the stream's duplicate window is dropped by the stream itself
    const ack = await js.publish(windowSubject('db-01'), encodeWindowBatch(batch), { msgID: 'a' });
    expect(ack.duplicate).toBe(true);
  }, 20_000);

  it('malformed, unknown and impersonating messages are rejected and counted; the store is untouched and ingest goes on', async () => {
    const controller = new TestController(tempDir(), nats.url);
    await controller.start();
    cleanup.push(() => controller.stop());
    const nc = await natsConnect(nats.url);
    cleanup.push(() => nc.close());
    const js = jetstream(nc);
    const good = (agent: string, startMs: number): WindowBatch => ({
      v: WIRE_VERSION, agent, monitorId: 'mon-1', spanMs: SPAN_MS, sealedAt: Date.now(),
      windows: [{ targetId: 'target-1', address: '127.0.0.1', startMs, sent: 1, received: 1, duplicates: 0, late: 0, errors: [0, 0, 0, 0, 0, 0], minNs: 5, maxNs: 5, sumNs: 5, hist: null }],
    });
    const subject = windowSubject('edge-01');
    const bad: Uint8Array[] = [
      Buffer.from('not json {'),
      Buffer.from('null'),
      Buffer.from(JSON.stringify({ ...good('edge-01', 1), v: 2 })), // unknown version
      Buffer.from(JSON.stringify({ ...good('edge-01', 1), extra: true })), // unknown field
      Buffer.from(JSON.stringify({ ...good('edge-01', 1), windows: [] })),
      Buffer.from(JSON.stringify({ ...good('edge-01', 1), windows: [{ ...good('edge-01', 1).windows[0], sent: -1 }] })),
      Buffer.from(JSON.stringify({ ...good('edge-01', 1), windows: [{ ...good('edge-01', 1).windows[0], hist: '@@@' }] })),
      encodeWindowBatch(good('someone-else', 1)), // on edge-01's subject
      Buffer.alloc(0),
    ];
    for (const data of bad) await js.publish(subject, data);
    await js.publish(subject, encodeWindowBatch(good('edge-01', 2)));
    await waitFor(() => controller.ingest.counters.messages === bad.length + 1, { message: 'all messages consumed' });
    expect(controller.ingest.counters.rejected).toBe(bad.length);
    expect(controller.count('edge-01')).toBe(1);
    expect(controller.count('someone-else')).toBe(0);
    // rejected messages are terminated, not redelivered
    const jsm = await jetstreamManager(nc);
    await waitFor(async () => {
      const info = await jsm.consumers.info(WINDOW_STREAM, WINDOW_CONSUMER);
      return info.num_ack_pending + info.num_pending === 0 && info.num_redelivered === 0;
    }, { message: 'nothing pending or redelivered on the consumer' });
  }, 20_000);

  it('a full stream (discard new) refuses the publish: windows stay spooled, are counted, and flow once there is room', async () => {
    const nc = await natsConnect(nats.url);
    cleanup.push(() => nc.close());
    await ensureWindowStream(await jetstreamManager(nc), { maxMsgs: 3, maxBytes: 1024 * 1024, duplicateWindowMs: 60_000 });
    const agent = new TestAgent('full-01', tempDir(), nats.url);
    await agent.connect();
    cleanup.push(() => agent.close());
    for (let i = 0; i < 6; i++) agent.sealOne();
    await waitFor(() => agent.publisher.counters.streamFull > 0, { message: 'the stream refused a publish' });
    expect(agent.publisher.counters.published).toBe(3);
    expect(agent.spool.size.batches).toBe(3);
    // the controller's ingest sets the default limits and drains the stream
    const controller = new TestController(tempDir(), nats.url);
    await controller.start();
    cleanup.push(() => controller.stop());
    await waitFor(() => agent.spool.size.batches === 0 && controller.count('full-01') === 6 * TARGETS, { timeoutMs: 15_000, message: 'all windows stored' });
    controller.assertComplete('full-01', 6, agent.baseMs);
  }, 30_000);

  it('the spool survives a restart of the agent and is bounded: over the bound a batch is refused and counted', async () => {
    const dir = tempDir();
    const spool = new WindowSpool(dir, { maxBatches: 2, maxBytes: 1024 * 1024 });
    expect(spool.add('s', 'a', Buffer.from('one'), 10)).toBe(true);
    expect(spool.add('s', 'b', Buffer.from('two'), 10)).toBe(true);
    expect(spool.add('s', 'c', Buffer.from('three'), 10)).toBe(false);
    expect(spool.dropped).toBe(10);
    spool.close();
    const again = new WindowSpool(dir, { maxBatches: 2, maxBytes: 1024 * 1024 });
    expect(again.size).toEqual({ batches: 2, bytes: 6 });
    const [first] = again.peek(1);
    expect([first.msgId, first.payload.toString()]).toEqual(['a', 'one']);
    again.ack(first);
    expect(again.add('s', 'c', Buffer.from('three'), 10)).toBe(true);
    again.close();
    const bytes = new WindowSpool(tempDir(), { maxBatches: 100, maxBytes: 4 });
    expect(bytes.add('s', 'x', Buffer.from('12345'), 1)).toBe(false);
    bytes.close();
  });
});
