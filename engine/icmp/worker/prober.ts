// A worker's probe runtime: its ICMP sockets (opened lazily, one per family), the ledger of
// probes, and the loop that sends what is due in batches, drains replies between batches,
// times out probes and streams results. Any number of jobs run in it concurrently.
//
// The loop runs a turn (drain, expire timeouts, send what is due, stream, finish jobs):
//  - immediately again when a burst was cut short by the per-turn budget (after pending
//    messages such as a cancellation got through);
//  - else at the next send any job has due, but at least every TIMEOUT_CHECK_MS while
//    probes are in flight (the wheel only catches probes that never get an answer: whether
//    a reply is in time is decided from kernel timestamps, not from when the turn runs),
//    and after 1 ms when the kernel refused sends with EAGAIN;
//  - and replies are drained whenever a socket becomes readable.
// An idle worker has no timer at all.
//
// A job whose every probe has concluded stays open for its grace period (min(timeout,
// JOB_GRACE_MS), see worker-job.ts) so that duplicates of its last replies and replies just
// after its last timeouts are counted in it; a timed turn at its end drains the sockets
// before the job finishes. A cancelled job finishes at once.
import { performance } from 'node:perf_hooks';
import type { IcmpSocket, IcmpSocketOptions } from '../../../native-bindings/types.js';
import { REPLY } from '../../../native-bindings/layout.js';
import { ProbeLedger } from './probe-ledger.js';
import { ReplyBatch } from './reply-batch.js';
import { RequestBatch } from './request-batch.js';
import { Counter } from '../shared/shared-state.js';
import type { PingTask, PingTaskResult, ToWorkerMessage } from '../shared/task.js';
import { WorkerJob } from './worker-job.js';

export interface ProberOptions {
  idBase: number;
  idCount: number;
  counters: Float64Array;
  openSocket: (options: IcmpSocketOptions) => IcmpSocket;
  /** Open sockets inside this network namespace (path). */
  netns?: string;
  recvBufferBytes?: number;
  /** Requests per sendmmsg batch. */
  batchSize?: number;
  /** Probes sent per loop turn before yielding to the event loop. */
  turnBudget?: number;
}

/** Longest pause between turns while probes are in flight. */
const TIMEOUT_CHECK_MS = 2;

const DEFAULT_RECV_BUFFER = 32 * 1024 * 1024;
const MAX_DRAIN_ROUNDS = 64;

interface SocketChannel {
  socket: IcmpSocket;
  batch: RequestBatch;
  /** Ping sockets: the kernel owns the echo id, so replies are mapped to our first id. */
  dgram: boolean;
  tos: number;
  /** The DF setting the socket has now (sockets open without it). */
  dontFragment: boolean;
}

interface RunningJob {
  job: WorkerJob;
  resolve: (result: PingTaskResult) => void;
  reject: (error: Error) => void;
}

export class Prober {
  private readonly options: ProberOptions;
  private ledger: ProbeLedger | null = null;
  private readonly channels: Array<SocketChannel | undefined> = [];
  private readonly replies = new ReplyBatch(1024);
  private readonly running: RunningJob[] = [];
  private nextSerial = 1;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private rotate = 0;
  private readonly turn = (): void => this.runTurn();
  private readonly onReadable = (): void => this.drainAndSettle();

  constructor(options: ProberOptions) {
    this.options = options;
  }

  /** Runs one job shard to completion (or cancellation). */
  run(task: PingTask): Promise<PingTaskResult> {
    try {
      const ledger = this.ensureLedger();
      for (let t = 0; t < task.families.length; t++) this.channel(task.families[t] as 4 | 6);
      const job = new WorkerJob(this.nextSerial++, task);
      ledger.addJob(job);
      return new Promise<PingTaskResult>((resolve, reject) => {
        this.running.push({ job, resolve, reject });
        task.port.on('message', (message: ToWorkerMessage) => {
          if (message?.type === 'recycle') job.events?.recycle(message.buffer);
          else if (message?.type === 'cancel') this.cancel(job);
        });
        this.schedule();
      });
    } catch (error) {
      task.port.close();
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Fails the running jobs and closes the sockets. A worker never calls it (its sockets end
   *  with the thread); a prober on the calling thread (in-thread-pool.ts) must. */
  close(): void {
    this.failAll(new Error('sonde engine: closed while this ping job was running'));
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.immediate = null;
    for (let f = 0; f < this.channels.length; f++) {
      this.channels[f]?.socket.close();
      this.channels[f] = undefined;
    }
  }

  /** Probes in flight in this worker. */
  get inFlight(): number {
    return this.ledger?.table.busy ?? 0;
  }

  private ensureLedger(): ProbeLedger {
    if (this.ledger !== null) return this.ledger;
    // The first socket decides the identifier scheme: raw sockets use our whole id block;
    // a ping socket has one kernel-chosen id, so only 65,536 slots are usable.
    const first = this.channel(4, true) ?? this.channel(6);
    const idCount = first?.dgram ? 1 : this.options.idCount;
    this.ledger = new ProbeLedger({
      idBase: this.options.idBase,
      idCount,
      counters: this.options.counters,
      nowMs: performance.now(),
      tokenSeed: (Math.random() * 0x100000000) >>> 0,
    });
    for (const ch of this.channels) if (ch !== undefined) this.noteKernelId(ch);
    return this.ledger;
  }

  /** The socket channel of a family, opened on first use. With `optional`, a family the
   *  host does not support yields undefined instead of an error. */
  private channel(family: 4 | 6, optional = false): SocketChannel | undefined {
    const existing = this.channels[family];
    if (existing !== undefined) return existing;
    let socket: IcmpSocket;
    try {
      socket = this.options.openSocket({
        family,
        mode: 'auto',
        idBase: this.options.idBase,
        idCount: this.options.idCount,
        recvBufferBytes: this.options.recvBufferBytes ?? DEFAULT_RECV_BUFFER,
        ...(this.options.netns !== undefined ? { netns: this.options.netns } : {}),
      });
    } catch (error) {
      if (optional && (error as { code?: string }).code === 'EAFNOSUPPORT') return undefined;
      throw error;
    }
    const channel: SocketChannel = {
      socket,
      batch: new RequestBatch(this.options.batchSize ?? 512),
      dgram: socket.mode === 'dgram',
      tos: -1,
      dontFragment: false,
    };
    this.channels[family] = channel;
    this.noteKernelId(channel);
    socket.startPolling(this.onReadable);
    return channel;
  }

  /** A ping socket's probes carry the kernel's echo id on the wire; the ledger reports it. */
  private noteKernelId(ch: SocketChannel): void {
    if (ch.dgram) this.ledger?.setKernelId(ch.socket.family, ch.socket.localId);
  }

  /** A turn as soon as pending I/O has been handled. */
  private schedule(): void {
    if (this.immediate === null) this.immediate = setImmediate(this.turn);
  }

  /** The next timed turn, or none when no job is running. */
  private scheduleTimed(now: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.running.length === 0) return;
    let at = now + TIMEOUT_CHECK_MS * 50; // nothing due: look again now and then
    for (const r of this.running) at = Math.min(at, r.job.pacer.nextDueMs(), r.job.endsAtMs);
    if ((this.ledger?.wheel.size ?? 0) > 0) at = Math.min(at, now + TIMEOUT_CHECK_MS);
    for (const ch of this.channels) if (ch !== undefined && ch.batch.count > 0) at = Math.min(at, now + 1);
    this.timer = setTimeout(this.turn, Math.max(1, Math.ceil(at - now)));
  }

  private runTurn(): void {
    this.immediate = null;
    try {
      const now = performance.now();
      this.drainAll(now);
      this.ledger?.expire(now);
      const more = this.sendDue(now);
      this.settle();
      if (more) this.schedule();
      else this.scheduleTimed(performance.now());
    } catch (error) {
      this.failAll(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Sends what is due across jobs; true when the turn budget ran out with more due. */
  private sendDue(now: number): boolean {
    const ledger = this.ledger;
    if (ledger === null) return false;
    // Requests the kernel refused last time (EAGAIN) go first.
    for (const ch of this.channels) {
      if (ch !== undefined && ch.batch.count > 0 && !this.flush(ch)) return false;
    }
    let budget = this.options.turnBudget ?? 8192;
    const n = this.running.length;
    const table = ledger.table;
    for (let k = 0; k < n && budget > 0; k++) {
      const job = this.running[(this.rotate + k) % n].job;
      const pacer = job.pacer;
      while (budget > 0 && pacer.due(now)) {
        const t = pacer.target;
        const ch = this.channels[job.families[t]];
        if (ch === undefined) throw new Error(`sonde worker: no IPv${job.families[t]} socket`);
        if (ch.tos !== job.tos && job.tos >= 0) {
          if (ch.batch.count > 0 && !this.flush(ch)) return false;
          ch.socket.setTos(job.tos);
          ch.tos = job.tos;
        }
        if (ch.dontFragment !== job.dontFragment) {
          // Unlike the TOS, DF is put back for jobs that did not ask for it.
          if (ch.batch.count > 0 && !this.flush(ch)) return false;
          ch.socket.setDontFragment(job.dontFragment);
          ch.dontFragment = job.dontFragment;
        }
        if (ch.batch.full) {
          if (!this.flush(ch)) return false;
          this.drainAll(performance.now());
        }
        const slot = ledger.reserve(job, t, pacer.round, now);
        if (slot < 0) return false; // every slot is busy: wait for replies or timeouts
        ch.batch.push(slot, job.addrWords, t * 4, ledger.idOf(slot), ledger.seqOf(slot), job.ttl,
          job.payloadSize, table.tokenLo[slot], table.tokenHi[slot]);
        pacer.take(now);
        budget--;
      }
    }
    this.rotate++;
    for (const ch of this.channels) {
      if (ch !== undefined && ch.batch.count > 0) this.flush(ch);
    }
    return budget === 0;
  }

  /** Hands a channel's batch to the kernel; true when all of it was taken. */
  private flush(ch: SocketChannel): boolean {
    const ledger = this.ledger!;
    const batch = ch.batch;
    const accepted = ch.socket.send(batch.buffer, batch.count);
    const now = performance.now();
    for (let i = 0; i < accepted; i++) {
      const slot = batch.slots[i];
      if (batch.error(i) !== 0) ledger.sendFailed(slot, now);
      else ledger.sent(slot, batch.sendTimeLo(i), batch.sendTimeHi(i), now);
    }
    batch.shift(accepted);
    return batch.count === 0;
  }

  private drainAll(now: number): void {
    for (const ch of this.channels) if (ch !== undefined) this.drain(ch, now);
  }

  private drain(ch: SocketChannel, now: number): void {
    const ledger = this.ledger;
    if (ledger === null) return;
    const replies = this.replies;
    for (let round = 0; round < MAX_DRAIN_ROUNDS; round++) {
      const n = ch.socket.receive(replies.buffer);
      if (n === 0) break;
      if (ch.dgram) {
        for (let i = 0; i < n; i++) replies.buffer.writeUInt16LE(ledger.idBase, i * REPLY.SIZE + REPLY.ID);
      }
      ledger.match(replies, n, now);
      if (n < replies.capacity) break;
    }
  }

  private drainAndSettle(): void {
    try {
      this.drainAll(performance.now());
      if (this.settle()) this.scheduleTimed(performance.now());
    } catch (error) {
      this.failAll(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Streams pending events, starts the grace period of jobs that just completed and
   *  finishes those whose grace period is over; true when a grace period started. */
  private settle(): boolean {
    let kernelDrops = 0;
    for (const ch of this.channels) if (ch !== undefined) kernelDrops += ch.socket.stats().kernelDrops;
    this.options.counters[Counter.KERNEL_DROPS] = kernelDrops;
    const now = performance.now();
    let graceStarted = false;
    for (let k = this.running.length - 1; k >= 0; k--) {
      const job = this.running[k].job;
      if (job.complete) {
        if (job.endsAtMs === Infinity && !job.cancelled) {
          job.endsAtMs = now + job.graceMs;
          graceStarted = true;
          job.events?.flush(now); // the last outcomes go out now, not at the end of the grace period
        }
        if (job.cancelled || now >= job.endsAtMs) {
          this.finish(k);
          continue;
        }
      }
      job.events?.flushIfDue(now);
    }
    return graceStarted;
  }

  private cancel(job: WorkerJob): void {
    const k = this.running.findIndex((r) => r.job === job);
    if (k < 0 || job.cancelled) return;
    job.cancelled = true;
    job.pacer.stop();
    try {
      const now = performance.now();
      this.drainAll(now); // what already arrived still counts
      const ledger = this.ledger!;
      ledger.withdraw(job, now);
      for (const ch of this.channels) {
        if (ch !== undefined) ch.batch.retain((slot, tokenLo) => ledger.isPending(slot, tokenLo));
      }
      if (this.settle()) this.scheduleTimed(performance.now());
    } catch (error) {
      this.failAll(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private finish(k: number): void {
    const { job, resolve } = this.running[k];
    this.running.splice(k, 1);
    job.finished = true;
    this.ledger?.removeJob(job);
    job.events?.flush();
    // The main thread closes the channel once it has seen 'done'.
    job.port.postMessage({ type: 'done' });
    const summaries = job.stats.pack();
    job.stats.release();
    resolve({ summaries, cancelled: job.cancelled });
  }

  private failAll(error: Error): void {
    const failed = this.running.splice(0);
    for (const { job, reject } of failed) {
      job.pacer.stop();
      if (this.ledger !== null) this.ledger.withdraw(job, performance.now());
      this.ledger?.removeJob(job);
      job.stats.release();
      job.port.close();
      reject(error);
    }
    for (const ch of this.channels) if (ch !== undefined) ch.batch.count = 0;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
