// Helpers for the native binding's tests: build request records, collect and decode
// reply records, craft ICMP packets, and check what this process is allowed to do.
import { execFileSync } from 'node:child_process';
import {
  native,
  readAddress,
  REPLY,
  REPLY_FLAG,
  REQ,
  writeAddress,
  type IcmpSocket,
  type IcmpSocketOptions,
} from '../../native-bindings/index.js';

export interface Probe {
  address: string;
  id: number;
  seq: number;
  token: bigint;
  ttl?: number;
  payloadSize?: number;
}

export interface Reply {
  address: string;
  type: number;
  code: number;
  id: number;
  seq: number;
  ttl: number;
  flags: number;
  token: bigint;
  recvTimeNs: bigint;
  payloadTimeNs: bigint;
  payloadLen: number;
  quotedAddress: string;
}

export const isRoot = process.getuid?.() === 0;

function canOpen(options: IcmpSocketOptions): boolean {
  try {
    native.openIcmpSocket(options).close();
    return true;
  } catch {
    return false;
  }
}

export const canRaw4 = canOpen({ family: 4, mode: 'raw' });
export const canRaw6 = canOpen({ family: 6, mode: 'raw' });

/** A random block of `count` echo identifiers, so parallel test runs do not collide. */
export function randomIdBlock(count: number): number {
  return 1024 + Math.floor(Math.random() * (65536 - 1024 - count));
}

export function requestBuffer(probes: Probe[]): Buffer {
  const buf = Buffer.alloc(probes.length * REQ.SIZE);
  probes.forEach((p, i) => {
    const o = i * REQ.SIZE;
    writeAddress(buf, o + REQ.ADDR, p.address);
    buf.writeUInt16LE(p.id, o + REQ.ID);
    buf.writeUInt16LE(p.seq, o + REQ.SEQ);
    buf.writeUInt8(p.ttl ?? 0, o + REQ.TTL);
    buf.writeUInt16LE(p.payloadSize ?? 56, o + REQ.PAYLOAD_SIZE);
    buf.writeBigUInt64LE(p.token, o + REQ.TOKEN);
  });
  return buf;
}

export function decodeReplies(out: Buffer, count: number): Reply[] {
  const replies: Reply[] = [];
  for (let i = 0; i < count; i++) {
    const o = i * REPLY.SIZE;
    const family = out[o + REPLY.FLAGS] & REPLY_FLAG.IPV6 ? 6 : 4;
    replies.push({
      address: readAddress(out, o + REPLY.ADDR, family),
      type: out[o + REPLY.TYPE],
      code: out[o + REPLY.CODE],
      id: out.readUInt16LE(o + REPLY.ID),
      seq: out.readUInt16LE(o + REPLY.SEQ),
      ttl: out[o + REPLY.TTL],
      flags: out[o + REPLY.FLAGS],
      token: out.readBigUInt64LE(o + REPLY.TOKEN),
      recvTimeNs: out.readBigUInt64LE(o + REPLY.RECV_TIME_NS),
      payloadTimeNs: out.readBigUInt64LE(o + REPLY.PAYLOAD_TIME_NS),
      payloadLen: out.readUInt16LE(o + REPLY.PAYLOAD_LEN),
      quotedAddress: readAddress(out, o + REPLY.QUOTED_ADDR, family),
    });
  }
  return replies;
}

/** Polls `socket` until `enough(replies)` or `timeoutMs`, then stops polling. */
export function collectReplies(
  socket: IcmpSocket,
  enough: (replies: Reply[]) => boolean,
  timeoutMs = 2000,
): Promise<Reply[]> {
  const out = Buffer.alloc(256 * REPLY.SIZE);
  const replies: Reply[] = [];
  return new Promise((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      socket.stopPolling();
      resolve(replies);
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.startPolling(() => {
      for (let n = socket.receive(out); n > 0; n = socket.receive(out)) replies.push(...decodeReplies(out, n));
      if (enough(replies)) finish();
    });
  });
}

export function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (bytes.length & 1) sum += bytes[bytes.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An ICMP echo message (type 0/8 or 129/128) with token + send time in its payload. */
export function echoMessage(type: number, id: number, seq: number, token: bigint, sendTimeNs = 0n, payloadSize = 56): Buffer {
  const msg = Buffer.alloc(8 + payloadSize);
  msg[0] = type;
  msg.writeUInt16BE(id, 4);
  msg.writeUInt16BE(seq, 6);
  if (payloadSize >= 16) {
    msg.writeBigUInt64LE(token, 8);
    msg.writeBigUInt64LE(sendTimeNs, 16);
  }
  for (let i = 16; i < payloadSize; i++) msg[8 + i] = i & 0xff;
  msg.writeUInt16BE(checksum(msg), 2);
  return msg;
}

/** An IPv4 header (+ options to reach `headerLength`) in front of `payload`, checksummed. */
export function ipv4Packet(src: string, dst: string, protocol: number, payload: Buffer, ttl = 64, headerLength = 20): Buffer {
  const pkt = Buffer.alloc(headerLength + payload.length);
  pkt[0] = 0x40 | (headerLength / 4);
  pkt.writeUInt16BE(pkt.length, 2);
  pkt[8] = ttl;
  pkt[9] = protocol;
  writeAddress(pkt, 12, src);
  // writeAddress zero-fills a 16-byte slot: write the destination after the source.
  const dstBytes = Buffer.alloc(16);
  writeAddress(dstBytes, 0, dst);
  dstBytes.copy(pkt, 16, 0, 4);
  for (let i = 20; i < headerLength; i++) pkt[i] = 1; // IP option NOP
  pkt.writeUInt16BE(checksum(pkt.subarray(0, headerLength)), 10);
  payload.copy(pkt, headerLength);
  return pkt;
}

/** An IPv6 header in front of an ICMPv6 `message`, whose checksum is filled in. */
export function ipv6IcmpPacket(src: string, dst: string, message: Buffer, hopLimit = 64): Buffer {
  const pkt = Buffer.alloc(40 + message.length);
  pkt[0] = 0x60;
  pkt.writeUInt16BE(message.length, 4);
  pkt[6] = 58;
  pkt[7] = hopLimit;
  writeAddress(pkt, 8, src);
  const dstBytes = Buffer.alloc(16);
  writeAddress(dstBytes, 0, dst);
  dstBytes.copy(pkt, 24);
  message.copy(pkt, 40);
  pkt.writeUInt16BE(0, 42);
  const pseudo = Buffer.alloc(40 + message.length);
  pkt.copy(pseudo, 0, 8, 40);
  pseudo.writeUInt32BE(message.length, 32);
  pseudo[39] = 58;
  pkt.copy(pseudo, 40, 40);
  pkt.writeUInt16BE(checksum(pseudo), 42);
  return pkt;
}

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
