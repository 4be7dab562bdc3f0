// Typed views over a Buffer of packed reply records (layout REPLY) filled by
// IcmpSocket.receive. Reading a field is an indexed load; nothing is allocated per record.
import { REPLY } from '../../../native-bindings/layout.js';

const W = REPLY.SIZE / 4;
const H = REPLY.SIZE / 2;

export class ReplyBatch {
  readonly buffer: Buffer;
  readonly capacity: number;
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly u32: Uint32Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    const ab = new ArrayBuffer(capacity * REPLY.SIZE);
    this.buffer = Buffer.from(ab);
    this.u8 = new Uint8Array(ab);
    this.u16 = new Uint16Array(ab);
    this.u32 = new Uint32Array(ab);
  }

  /** First 32-bit word of record i's source address slot. */
  addrWord(i: number): number {
    return i * W + REPLY.ADDR / 4;
  }
  /** First 32-bit word of record i's quoted destination address slot (ICMP errors). */
  quotedAddrWord(i: number): number {
    return i * W + REPLY.QUOTED_ADDR / 4;
  }
  type(i: number): number {
    return this.u8[i * REPLY.SIZE + REPLY.TYPE];
  }
  code(i: number): number {
    return this.u8[i * REPLY.SIZE + REPLY.CODE];
  }
  id(i: number): number {
    return this.u16[i * H + REPLY.ID / 2];
  }
  seq(i: number): number {
    return this.u16[i * H + REPLY.SEQ / 2];
  }
  ttl(i: number): number {
    return this.u8[i * REPLY.SIZE + REPLY.TTL];
  }
  flags(i: number): number {
    return this.u8[i * REPLY.SIZE + REPLY.FLAGS];
  }
  tokenLo(i: number): number {
    return this.u32[i * W + REPLY.TOKEN / 4];
  }
  tokenHi(i: number): number {
    return this.u32[i * W + REPLY.TOKEN / 4 + 1];
  }
  recvTimeLo(i: number): number {
    return this.u32[i * W + REPLY.RECV_TIME_NS / 4];
  }
  recvTimeHi(i: number): number {
    return this.u32[i * W + REPLY.RECV_TIME_NS / 4 + 1];
  }
  payloadLen(i: number): number {
    return this.u16[i * H + REPLY.PAYLOAD_LEN / 2];
  }
}

/** Field values of one reply record, for building records in tests and simulators. */
export interface ReplyRecordFields {
  addr: Uint8Array;
  type: number;
  code?: number;
  id: number;
  seq: number;
  ttl?: number;
  flags: number;
  tokenLo?: number;
  tokenHi?: number;
  recvTimeNs?: bigint;
  payloadTimeNs?: bigint;
  payloadLen?: number;
  quotedAddr?: Uint8Array;
}

/** Writes record `i` of `batch` (not a hot path: tests and tools build records with it). */
export function writeReplyRecord(batch: ReplyBatch, i: number, f: ReplyRecordFields): void {
  const base = i * REPLY.SIZE;
  batch.u8.fill(0, base, base + REPLY.SIZE);
  batch.u8.set(f.addr.subarray(0, 16), base + REPLY.ADDR);
  batch.u8[base + REPLY.TYPE] = f.type;
  batch.u8[base + REPLY.CODE] = f.code ?? 0;
  batch.buffer.writeUInt16LE(f.id, base + REPLY.ID);
  batch.buffer.writeUInt16LE(f.seq, base + REPLY.SEQ);
  batch.u8[base + REPLY.TTL] = f.ttl ?? 64;
  batch.u8[base + REPLY.FLAGS] = f.flags;
  batch.buffer.writeUInt32LE(f.tokenLo ?? 0, base + REPLY.TOKEN);
  batch.buffer.writeUInt32LE(f.tokenHi ?? 0, base + REPLY.TOKEN + 4);
  batch.buffer.writeBigUInt64LE(f.recvTimeNs ?? 0n, base + REPLY.RECV_TIME_NS);
  batch.buffer.writeBigUInt64LE(f.payloadTimeNs ?? 0n, base + REPLY.PAYLOAD_TIME_NS);
  batch.buffer.writeUInt16LE(f.payloadLen ?? 0, base + REPLY.PAYLOAD_LEN);
  if (f.quotedAddr) batch.u8.set(f.quotedAddr.subarray(0, 16), base + REPLY.QUOTED_ADDR);
}
