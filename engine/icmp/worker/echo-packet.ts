// Builds ICMP echo messages (8-byte header + payload) the way the native sender lays them out:
// payload[0..8) = 64-bit token (LE), [8..16) = send time ns (LE), the rest a fixed pattern.
// Used by tests and the network simulator to forge or answer probes; not on the engine's
// hot path (the addon builds the real requests in C).
import { ICMP4, ICMP6, PAYLOAD_HEADER } from '../../../native-bindings/layout.js';

export interface EchoMessageFields {
  family: 4 | 6;
  /** 'request' or 'reply'. */
  kind: 'request' | 'reply';
  id: number;
  seq: number;
  token?: bigint;
  sendTimeNs?: bigint;
  payloadSize: number;
}

/** RFC 1071 Internet checksum over `buf`. */
export function internetChecksum(buf: Uint8Array): number {
  let sum = 0;
  const n = buf.length;
  for (let i = 0; i + 1 < n; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (n & 1) sum += buf[n - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * An ICMP (IPv4) or ICMPv6 echo message. The IPv4 checksum is filled in; for ICMPv6 it is
 * left 0 because raw ICMPv6 sockets have the kernel compute it (it covers a pseudo-header).
 */
export function buildEchoMessage(f: EchoMessageFields): Buffer {
  const msg = Buffer.alloc(8 + f.payloadSize);
  const type = f.family === 4
    ? (f.kind === 'request' ? ICMP4.ECHO_REQUEST : ICMP4.ECHO_REPLY)
    : (f.kind === 'request' ? ICMP6.ECHO_REQUEST : ICMP6.ECHO_REPLY);
  msg[0] = type;
  msg[1] = 0;
  msg.writeUInt16BE(f.id, 4);
  msg.writeUInt16BE(f.seq, 6);
  for (let i = 8; i < msg.length; i++) msg[i] = (i - 8) & 0xff;
  if (f.payloadSize >= PAYLOAD_HEADER) {
    msg.writeBigUInt64LE(f.token ?? 0n, 8);
    msg.writeBigUInt64LE(f.sendTimeNs ?? 0n, 16);
  }
  if (f.family === 4) msg.writeUInt16BE(internetChecksum(msg), 2);
  return msg;
}
