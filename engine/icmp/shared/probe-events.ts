// Per-probe outcomes stream from a worker to the main thread as packed batches of fixed-size
// records in transferred ArrayBuffers (never one message per probe). The worker side is
// ProbeEventWriter; the main thread walks a batch with ProbeEventReader, which fills ONE
// reused ProbeResult object per record, then transfers the buffer back for reuse, so a
// long stream allocates a handful of buffers, not one per batch.
import type { MessagePort } from 'node:worker_threads';
import type { ProbeErrorKind, ProbeResult, ProbeStatus } from '../../types.js';
import { ERROR_KINDS } from '../../stats/error-kinds.js';
import { formatAddressSlot } from './address.js';

/**
 * One event, 64 bytes:
 *  0 u32 targetIndex (into PingRequest.targets)   4 u32 seq (probe number of that target)
 *  8 u8 status   9 u8 errorKind (NO_KIND if none)  10 u8 icmpType  11 u8 icmpCode
 * 12 u8 ttl     13 u8 from family (0: none)       16 u32 bytes
 * 20 u32 echo id << 16 | echo seq (the request's ICMP fields on the wire)
 * 24 f64 rttNs  32 u64 sentAtNs (as 2 × u32)       40 u64 receivedAtNs   48 from[16]
 */
export const EVENT = { SIZE: 64, WORDS: 16 } as const;
export const NO_KIND = 255;

export const EventStatus = { OK: 0, TIMEOUT: 1, ERROR: 2, DUPLICATE: 3, LATE: 4 } as const;
const STATUS_NAMES: readonly ProbeStatus[] = ['ok', 'timeout', 'error', 'duplicate', 'late'];

export interface ProbeEventsMessage {
  type: 'probes';
  buffer: ArrayBuffer;
  count: number;
}

/** Main → worker: a batch buffer handed back after its events were delivered. */
export interface RecycleMessage {
  type: 'recycle';
  buffer: ArrayBuffer;
}

/** Buffers a writer keeps for reuse. */
const SPARE_BUFFERS = 32;
/** A partly filled batch waits at most this long before it is sent (live, yet few messages). */
export const EVENT_FLUSH_MS = 10;

export class ProbeEventWriter {
  private readonly capacity: number;
  private readonly port: MessagePort;
  private u8!: Uint8Array;
  private u32!: Uint32Array;
  private f64!: Float64Array;
  private count = 0;
  private lastFlushMs = 0;
  private readonly spare: ArrayBuffer[] = [];

  constructor(port: MessagePort, capacity = 1024) {
    this.port = port;
    this.capacity = capacity;
    this.allocate();
  }

  /** Appends one event; `echo` is the request's (ICMP id << 16 | seq) as a u32;
   *  `fromWords`/`fromWord` give the sender's address slot when there is one. */
  add(
    targetIndex: number, seq: number, echo: number, status: number, errorKind: number, icmpType: number, icmpCode: number,
    ttl: number, bytes: number, rttNs: number, sentLo: number, sentHi: number, recvLo: number, recvHi: number,
    fromFamily: number, fromWords: Uint32Array | null, fromWord: number,
  ): void {
    if (this.count === this.capacity) this.flush();
    const i = this.count++;
    const w = i * EVENT.WORDS;
    const u32 = this.u32;
    const u8 = this.u8;
    const b = i * EVENT.SIZE;
    u32[w] = targetIndex;
    u32[w + 1] = seq;
    u8[b + 8] = status;
    u8[b + 9] = errorKind;
    u8[b + 10] = icmpType;
    u8[b + 11] = icmpCode;
    u8[b + 12] = ttl;
    u8[b + 13] = fromFamily;
    u32[w + 4] = bytes;
    u32[w + 5] = echo;
    this.f64[i * 8 + 3] = rttNs;
    u32[w + 8] = sentLo;
    u32[w + 9] = sentHi;
    u32[w + 10] = recvLo;
    u32[w + 11] = recvHi;
    if (fromWords !== null) {
      u32[w + 12] = fromWords[fromWord];
      u32[w + 13] = fromWords[fromWord + 1];
      u32[w + 14] = fromWords[fromWord + 2];
      u32[w + 15] = fromWords[fromWord + 3];
    }
  }

  /** Posts pending events once the oldest may have waited EVENT_FLUSH_MS. */
  flushIfDue(nowMs: number): void {
    if (this.count > 0 && nowMs - this.lastFlushMs >= EVENT_FLUSH_MS) this.flush(nowMs);
  }

  /** Posts the pending events (if any) as one transferred batch. */
  flush(nowMs = this.lastFlushMs): void {
    this.lastFlushMs = nowMs;
    if (this.count === 0) return;
    const message: ProbeEventsMessage = { type: 'probes', buffer: this.u8.buffer as ArrayBuffer, count: this.count };
    this.port.postMessage(message, [message.buffer]);
    this.allocate();
  }

  /** Takes back a buffer the main thread has finished with. */
  recycle(buffer: ArrayBuffer): void {
    if (this.spare.length < SPARE_BUFFERS && buffer.byteLength === this.capacity * EVENT.SIZE) this.spare.push(buffer);
  }

  private allocate(): void {
    const ab = this.spare.pop() ?? new ArrayBuffer(this.capacity * EVENT.SIZE);
    this.u8 = new Uint8Array(ab);
    this.u32 = new Uint32Array(ab);
    this.f64 = new Float64Array(ab);
    this.count = 0;
  }
}

/** Where a reused ProbeResult reads its lazily decoded fields from. */
interface EventSource {
  u8: Uint8Array;
  u32: Uint32Array;
  index: number;
}

/**
 * Decodes batches into one reused ProbeResult. Strings come from the job's own arrays; the
 * bigint timestamps and the ICMP error sender are decoded only when read (own enumerable
 * accessors, so spreading the object copies them).
 */
export class ProbeEventReader {
  readonly result: ProbeResult;
  private readonly source: EventSource = { u8: new Uint8Array(0), u32: new Uint32Array(0), index: 0 };

  constructor(private readonly targets: readonly string[], private readonly addresses: readonly string[]) {
    const src = this.source;
    const result = {
      targetIndex: 0,
      target: '',
      address: '',
      seq: 0,
      echoId: 0,
      echoSeq: 0,
      status: 'ok' as ProbeStatus,
      errorKind: undefined as ProbeErrorKind | undefined,
      icmpType: undefined as number | undefined,
      icmpCode: undefined as number | undefined,
      rttNs: 0,
      ttl: 0,
      bytes: 0,
    };
    Object.defineProperties(result, {
      from: {
        enumerable: true,
        get(): string | undefined {
          const family = src.u8[src.index * EVENT.SIZE + 13];
          return family === 0 ? undefined : formatAddressSlot(src.u8, src.index * EVENT.SIZE + 48, family as 4 | 6);
        },
      },
      sentAtNs: { enumerable: true, get: (): bigint => readU64(src.u32, src.index * EVENT.WORDS + 8) },
      receivedAtNs: { enumerable: true, get: (): bigint => readU64(src.u32, src.index * EVENT.WORDS + 10) },
    });
    this.result = result as unknown as ProbeResult;
  }

  /** Calls `onProbe` once per event of the batch, with the same object each time. */
  forEach(message: ProbeEventsMessage, onProbe: (probe: ProbeResult) => void): void {
    const u8 = new Uint8Array(message.buffer);
    const u32 = new Uint32Array(message.buffer);
    const f64 = new Float64Array(message.buffer);
    const src = this.source;
    src.u8 = u8;
    src.u32 = u32;
    const r = this.result as { -readonly [K in keyof ProbeResult]: ProbeResult[K] };
    for (let i = 0; i < message.count; i++) {
      src.index = i;
      const w = i * EVENT.WORDS;
      const b = i * EVENT.SIZE;
      const t = u32[w];
      r.targetIndex = t;
      r.target = this.targets[t];
      r.address = this.addresses[t];
      r.seq = u32[w + 1];
      const echo = u32[w + 5];
      r.echoId = echo >>> 16;
      r.echoSeq = echo & 0xffff;
      const status = u8[b + 8];
      r.status = STATUS_NAMES[status];
      const kind = u8[b + 9];
      if (kind === NO_KIND) {
        r.errorKind = undefined;
        r.icmpType = undefined;
        r.icmpCode = undefined;
      } else {
        r.errorKind = ERROR_KINDS[kind];
        const hasIcmp = u8[b + 13] !== 0;
        r.icmpType = hasIcmp ? u8[b + 10] : undefined;
        r.icmpCode = hasIcmp ? u8[b + 11] : undefined;
      }
      r.ttl = u8[b + 12];
      r.bytes = u32[w + 4];
      r.rttNs = f64[i * 8 + 3];
      onProbe(this.result);
    }
  }
}

function readU64(u32: Uint32Array, word: number): bigint {
  return (BigInt(u32[word + 1]) << 32n) | BigInt(u32[word]);
}
