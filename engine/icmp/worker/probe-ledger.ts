// The worker's bookkeeping of every probe: reserving an in-flight slot, marking it sent,
// timing it out (timing wheel), and matching each received ICMP message to it with full
// validation. Every outcome is counted exactly once, per target (job statistics and probe
// events) and per worker (shared counters):
//
//   reply to an in-flight probe, RTT ≤ timeout      → ok            (received)
//   reply to an in-flight probe, RTT > timeout      → timeout, then late (the probe stays lost)
//   reply to a probe that timed out                 → late
//   reply to a probe already answered or errored    → duplicate
//   ICMP error quoting an in-flight probe           → error by kind (the probe is lost)
//   ICMP error quoting a probe that timed out       → late (with its kind; the probe stays lost)
//   ICMP error quoting a probe answered or errored  → duplicate (with its kind)
//   bad checksum                                    → corrupted (worker counter only)
//   id outside our block, unknown slot, wrong token,
//   wrong source / quoted destination, wrong family → foreign   (worker counter only)
//
// So each probe has exactly one outcome event (ok, timeout or error) and any number of
// duplicate / late events after it; per target, sent = received + timeouts + errors.
//
// Concluded slots keep their identity until reused (see InFlightTable), which is what makes
// duplicates and late replies recognisable. Nothing here allocates per probe.
import { REPLY_FLAG } from '../../../native-bindings/layout.js';
import { addressSlotsEqual } from '../shared/address.js';
import { errorKindIndex, isEchoReply } from './icmp-errors.js';
import { InFlightTable, SLOTS_PER_ID_SHIFT, SlotState, type SlotStateValue } from './inflight-table.js';
import { EventStatus, NO_KIND } from '../shared/probe-events.js';
import type { ReplyBatch } from './reply-batch.js';
import { Counter } from '../shared/shared-state.js';
import { TimingWheel } from './timing-wheel.js';
import type { WorkerJob } from './worker-job.js';
import { ErrorKindIndex } from '../../stats/error-kinds.js';

const TWO_32 = 4294967296;

export interface ProbeLedgerOptions {
  idBase: number;
  idCount: number;
  /** This worker's row of shared counters (see shared-state.ts). */
  counters: Float64Array;
  nowMs: number;
  initialCapacity?: number;
  graceMs?: number;
  /** Seed for probe tokens (random per worker). */
  tokenSeed: number;
}

export class ProbeLedger {
  readonly table: InFlightTable;
  readonly wheel: TimingWheel;
  readonly idBase: number;
  readonly idCount: number;
  private readonly counters: Float64Array;
  private readonly jobs = new Map<number, WorkerJob>();
  private tokenState: number;
  private tokenCounter = 0;
  private readonly expireSlot = (slot: number): void => this.timeOut(slot, this.expireNow);
  private expireNow = 0;
  /** Per family (index 4 or 6): the echo id a ping socket's kernel puts on the wire, -1 for raw. */
  private readonly kernelIds = new Int32Array(7).fill(-1);

  constructor(options: ProbeLedgerOptions) {
    this.idBase = options.idBase;
    this.idCount = options.idCount;
    this.counters = options.counters;
    this.table = new InFlightTable({ idCount: options.idCount, initialCapacity: options.initialCapacity, graceMs: options.graceMs });
    this.wheel = new TimingWheel(options.nowMs);
    this.table.onGrow((capacity) => this.wheel.ensureCapacity(capacity));
    this.tokenState = options.tokenSeed >>> 0 || 0x9e3779b9;
  }

  addJob(job: WorkerJob): void {
    this.jobs.set(job.serial, job);
  }

  removeJob(job: WorkerJob): void {
    this.jobs.delete(job.serial);
  }

  /** ICMP identifier / sequence number of a slot. */
  idOf(slot: number): number {
    return this.idBase + (slot >>> SLOTS_PER_ID_SHIFT);
  }

  seqOf(slot: number): number {
    return slot & 0xffff;
  }

  /** A ping socket of `family` is open: the kernel sends its probes with echo id `id`
   *  (probe events report that id, the one on the wire, not ours). */
  setKernelId(family: 4 | 6, id: number): void {
    this.kernelIds[family] = id;
  }

  /** The request's (echo id << 16 | seq) on the wire, as probe events carry it. */
  private echoOf(job: WorkerJob, slot: number): number {
    const kernelId = this.kernelIds[job.families[this.table.target[slot]]];
    return (((kernelId >= 0 ? kernelId : this.idOf(slot)) << 16) | (slot & 0xffff)) >>> 0;
  }

  /** Reserves a slot for probe `probeSeq` of job target `t`; -1 when the table is full. */
  reserve(job: WorkerJob, t: number, probeSeq: number, nowMs: number): number {
    const slot = this.table.allocate(nowMs);
    if (slot < 0) return -1;
    const table = this.table;
    table.jobSerial[slot] = job.serial;
    table.target[slot] = t;
    table.probeSeq[slot] = probeSeq;
    table.tokenLo[slot] = (this.tokenCounter = (this.tokenCounter + 1) >>> 0);
    table.tokenHi[slot] = this.nextRandom();
    job.outstanding++;
    this.counters[Counter.IN_FLIGHT] = table.busy;
    return slot;
  }

  /** The kernel accepted the probe at CLOCK_REALTIME (sendHi:sendLo) ns. */
  sent(slot: number, sendLo: number, sendHi: number, nowMs: number): void {
    const table = this.table;
    const job = this.jobs.get(table.jobSerial[slot]);
    if (job === undefined) {
      this.conclude(undefined, slot, SlotState.WITHDRAWN, nowMs);
      return;
    }
    table.state[slot] = SlotState.IN_FLIGHT;
    table.sendLo[slot] = sendLo;
    table.sendHi[slot] = sendHi;
    this.wheel.insert(slot, nowMs + job.timeoutMs);
    job.stats.sent[table.target[slot]]++;
    this.counters[Counter.SENT]++;
  }

  /** The kernel refused the probe (errno): it counts as sent and lost, error `send-failed`. */
  sendFailed(slot: number, nowMs: number): void {
    const table = this.table;
    const job = this.jobs.get(table.jobSerial[slot]);
    if (job === undefined) {
      this.conclude(undefined, slot, SlotState.WITHDRAWN, nowMs);
      return;
    }
    const t = table.target[slot];
    job.stats.sent[t]++;
    job.stats.recordError(t, ErrorKindIndex.SEND_FAILED);
    this.counters[Counter.SENT]++;
    this.counters[Counter.ERRORS]++;
    job.events?.add(job.targetIndices[t], table.probeSeq[slot], this.echoOf(job, slot), EventStatus.ERROR, ErrorKindIndex.SEND_FAILED,
      0, 0, 0, 0, NaN, table.sendLo[slot], table.sendHi[slot], 0, 0, 0, null, 0);
    this.conclude(job, slot, SlotState.ERRORED, nowMs);
  }

  /** Times out every in-flight probe whose deadline is ≤ nowMs. */
  expire(nowMs: number): void {
    this.expireNow = nowMs;
    this.wheel.advance(nowMs, this.expireSlot);
  }

  /** Matches `count` received records of `batch` to their probes. */
  match(batch: ReplyBatch, count: number, nowMs: number): void {
    const table = this.table;
    const counters = this.counters;
    for (let i = 0; i < count; i++) {
      const flags = batch.flags(i);
      if ((flags & REPLY_FLAG.CHECKSUM_OK) === 0) {
        counters[Counter.CORRUPTED]++;
        continue;
      }
      const idOffset = batch.id(i) - this.idBase;
      if (idOffset < 0 || idOffset >= this.idCount) {
        counters[Counter.FOREIGN]++;
        continue;
      }
      const slot = (idOffset << SLOTS_PER_ID_SHIFT) | batch.seq(i);
      const state = slot < table.capacity ? table.state[slot] : SlotState.FREE;
      if (state === SlotState.FREE || state === SlotState.PENDING) {
        counters[Counter.FOREIGN]++;
        continue;
      }
      const isError = (flags & REPLY_FLAG.IS_ERROR) !== 0;
      if ((flags & REPLY_FLAG.HAS_TOKEN) !== 0) {
        if (batch.tokenLo(i) !== table.tokenLo[slot] || batch.tokenHi(i) !== table.tokenHi[slot]) {
          counters[Counter.FOREIGN]++;
          continue;
        }
      }
      const job = this.jobs.get(table.jobSerial[slot]);
      if (job === undefined) {
        // The probe's job has finished (its slots are all concluded): count what arrived at
        // the worker level only, an echo reply or an ICMP error alike.
        if (state === SlotState.ANSWERED || state === SlotState.ERRORED) counters[Counter.DUPLICATES]++;
        else counters[Counter.LATE]++;
        continue;
      }
      const ipv6 = (flags & REPLY_FLAG.IPV6) !== 0;
      const t = table.target[slot];
      if (
        job.families[t] !== (ipv6 ? 6 : 4)
        || (!isError && job.carriesToken && (flags & REPLY_FLAG.HAS_TOKEN) === 0)
        || !addressSlotsEqual(batch.u32, isError ? batch.quotedAddrWord(i) : batch.addrWord(i), job.addrWords, t * 4, ipv6 ? 6 : 4)
      ) {
        counters[Counter.FOREIGN]++;
        continue;
      }
      const type = batch.type(i);
      if (isError) {
        this.icmpError(job, slot, state, batch, i, ipv6, type, nowMs);
      } else if (isEchoReply(ipv6, type)) {
        this.echoReply(job, slot, state, batch, i, nowMs);
      } else {
        counters[Counter.FOREIGN]++;
      }
    }
  }

  /** Cancels a job: its PENDING and IN_FLIGHT probes are withdrawn (not counted as sent). */
  withdraw(job: WorkerJob, nowMs: number): void {
    const table = this.table;
    const serial = job.serial;
    for (let slot = 0; slot < table.capacity && job.outstanding > 0; slot++) {
      if (table.jobSerial[slot] !== serial) continue;
      const state = table.state[slot];
      if (state === SlotState.IN_FLIGHT) {
        this.wheel.remove(slot);
        job.stats.sent[table.target[slot]]--;
        this.conclude(job, slot, SlotState.WITHDRAWN, nowMs);
      } else if (state === SlotState.PENDING) {
        this.conclude(job, slot, SlotState.WITHDRAWN, nowMs);
      }
    }
  }

  /** True while `slot` is still the PENDING probe with token `tokenLo` (not withdrawn and reused). */
  isPending(slot: number, tokenLo: number): boolean {
    return this.table.state[slot] === SlotState.PENDING && this.table.tokenLo[slot] === tokenLo;
  }

  private echoReply(job: WorkerJob, slot: number, state: number, batch: ReplyBatch, i: number, nowMs: number): void {
    const table = this.table;
    const t = table.target[slot];
    const recvLo = batch.recvTimeLo(i);
    const recvHi = batch.recvTimeHi(i);
    let rtt = (recvHi - table.sendHi[slot]) * TWO_32 + (recvLo - table.sendLo[slot]);
    if (rtt < 0) rtt = 0;
    let status: number;
    if (state === SlotState.IN_FLIGHT) {
      this.wheel.remove(slot);
      if (rtt <= job.timeoutNs) {
        job.stats.recordRtt(t, rtt);
        this.counters[Counter.RECEIVED]++;
        status = EventStatus.OK;
        this.emit(job, slot, status, NO_KIND, 0, 0, batch.ttl(i), batch.payloadLen(i), rtt, recvLo, recvHi, 0, null, 0);
        this.conclude(job, slot, SlotState.ANSWERED, nowMs);
        return;
      }
      // Processed before the wheel fired, but the kernel timestamps say it came too late.
      this.timeOut(slot, nowMs);
      status = EventStatus.LATE;
    } else if (state === SlotState.TIMED_OUT) {
      status = EventStatus.LATE;
    } else if (state === SlotState.WITHDRAWN) {
      this.counters[Counter.LATE]++;
      return;
    } else {
      status = EventStatus.DUPLICATE;
    }
    if (status === EventStatus.LATE) {
      job.stats.late[t]++;
      this.counters[Counter.LATE]++;
    } else {
      job.stats.duplicates[t]++;
      this.counters[Counter.DUPLICATES]++;
    }
    this.emit(job, slot, status, NO_KIND, 0, 0, batch.ttl(i), batch.payloadLen(i), rtt, recvLo, recvHi, 0, null, 0);
  }

  /** An ICMP error concludes an in-flight probe; after the outcome it is only late or a duplicate. */
  private icmpError(
    job: WorkerJob, slot: number, state: number, batch: ReplyBatch, i: number, ipv6: boolean, type: number, nowMs: number,
  ): void {
    const table = this.table;
    const t = table.target[slot];
    const code = batch.code(i);
    const kind = errorKindIndex(ipv6, type, code);
    const recvLo = batch.recvTimeLo(i);
    const recvHi = batch.recvTimeHi(i);
    let status: number;
    let rtt = NaN;
    if (state === SlotState.IN_FLIGHT) {
      this.wheel.remove(slot);
      job.stats.recordError(t, kind);
      this.counters[Counter.ERRORS]++;
      status = EventStatus.ERROR;
    } else if (state === SlotState.WITHDRAWN) {
      this.counters[Counter.LATE]++;
      return;
    } else {
      rtt = Math.max(0, (recvHi - table.sendHi[slot]) * TWO_32 + (recvLo - table.sendLo[slot]));
      if (state === SlotState.TIMED_OUT) {
        job.stats.late[t]++;
        this.counters[Counter.LATE]++;
        status = EventStatus.LATE;
      } else {
        job.stats.duplicates[t]++;
        this.counters[Counter.DUPLICATES]++;
        status = EventStatus.DUPLICATE;
      }
    }
    this.emit(job, slot, status, kind, type, code, batch.ttl(i), 0, rtt, recvLo, recvHi, ipv6 ? 6 : 4, batch.u32, batch.addrWord(i));
    if (state === SlotState.IN_FLIGHT) this.conclude(job, slot, SlotState.ERRORED, nowMs);
  }

  /** An IN_FLIGHT slot (already out of the wheel) times out. */
  private timeOut(slot: number, nowMs: number): void {
    const job = this.jobs.get(this.table.jobSerial[slot]);
    this.counters[Counter.TIMEOUTS]++;
    if (job === undefined) {
      this.conclude(undefined, slot, SlotState.TIMED_OUT, nowMs);
      return;
    }
    this.emit(job, slot, EventStatus.TIMEOUT, NO_KIND, 0, 0, 0, 0, NaN, 0, 0, 0, null, 0);
    this.conclude(job, slot, SlotState.TIMED_OUT, nowMs);
  }

  private conclude(job: WorkerJob | undefined, slot: number, state: SlotStateValue, nowMs: number): void {
    this.table.release(slot, state, nowMs);
    if (job !== undefined) job.outstanding--;
    this.counters[Counter.IN_FLIGHT] = this.table.busy;
  }

  private emit(
    job: WorkerJob, slot: number, status: number, kind: number, type: number, code: number, ttl: number,
    bytes: number, rtt: number, recvLo: number, recvHi: number, fromFamily: number, fromWords: Uint32Array | null, fromWord: number,
  ): void {
    const events = job.events;
    if (events === null) return;
    const table = this.table;
    events.add(job.targetIndices[table.target[slot]], table.probeSeq[slot], this.echoOf(job, slot), status, kind, type, code, ttl, bytes, rtt,
      table.sendLo[slot], table.sendHi[slot], recvLo, recvHi, fromFamily, fromWords, fromWord);
  }

  /** xorshift32: the unpredictable high half of each token. */
  private nextRandom(): number {
    let x = this.tokenState;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.tokenState = x >>> 0;
    return this.tokenState;
  }
}
