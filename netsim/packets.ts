// IPv4/IPv6 + ICMP/ICMPv6 parsing and building, in place on Buffers (no allocation per packet).
import type { Family } from './addresses.js';
import { icmpv6Checksum, internetChecksum, updateChecksum } from './checksum.js';

export const IPV4_HEADER = 20;
export const IPV6_HEADER = 40;
export const ICMP_HEADER = 8;
export const PROTO_ICMP = 1;
export const PROTO_ICMPV6 = 58;
export const ICMP4_ECHO_REPLY = 0;
export const ICMP4_UNREACH = 3;
export const ICMP4_ECHO_REQUEST = 8;
export const ICMP4_TIME_EXCEEDED = 11;
export const ICMP6_UNREACH = 1;
export const ICMP6_TIME_EXCEEDED = 3;
export const ICMP6_ECHO_REQUEST = 128;
export const ICMP6_ECHO_REPLY = 129;
/** Bytes of the offending packet an ICMP error quotes: as much as fits in 576 (IPv4, RFC 1812
 *  §4.3.2.3) or 1280 (IPv6, RFC 4443 §2.4) bytes, as Linux does. */
export const QUOTE_MAX_V4 = 576 - IPV4_HEADER - ICMP_HEADER;
export const QUOTE_MAX_V6 = 1280 - IPV6_HEADER - ICMP_HEADER;

export const Parse = { Ok: 0, Malformed: 1, NotIcmp: 2, Fragment: 3 } as const;
export type Parse = (typeof Parse)[keyof typeof Parse];

/** One parsed packet; offsets are absolute in the parsed buffer. Reused between packets. */
export class ParsedPacket {
  family: Family = 4;
  /** Whole IP packet (IPv4 total length / 40 + IPv6 payload length). */
  offset = 0;
  length = 0;
  srcOffset = 0;
  dstOffset = 0;
  ttl = 0;
  protocol = 0;
  icmpOffset = 0;
  icmpLength = 0;
  icmpType = 0;
  icmpCode = 0;
  id = 0;
  seq = 0;
}

/** Parses the IP packet buf[offset, offset + length) into `out`. */
export function parsePacket(buf: Buffer, offset: number, length: number, out: ParsedPacket): Parse {
  if (length < 1) return Parse.Malformed;
  const version = buf[offset] >> 4;
  out.offset = offset;
  if (version === 4) {
    const ihl = (buf[offset] & 0x0f) * 4;
    if (length < IPV4_HEADER || ihl < IPV4_HEADER || ihl > length) return Parse.Malformed;
    const total = buf.readUInt16BE(offset + 2);
    if (total < ihl || total > length) return Parse.Malformed;
    out.family = 4;
    out.length = total;
    out.srcOffset = offset + 12;
    out.dstOffset = offset + 16;
    out.ttl = buf[offset + 8];
    out.protocol = buf[offset + 9];
    if ((buf.readUInt16BE(offset + 6) & 0x3fff) !== 0) return Parse.Fragment;
    if (out.protocol !== PROTO_ICMP) return Parse.NotIcmp;
    out.icmpOffset = offset + ihl;
    out.icmpLength = total - ihl;
  } else if (version === 6) {
    if (length < IPV6_HEADER) return Parse.Malformed;
    const payload = buf.readUInt16BE(offset + 4);
    if (IPV6_HEADER + payload > length) return Parse.Malformed;
    out.family = 6;
    out.length = IPV6_HEADER + payload;
    out.srcOffset = offset + 8;
    out.dstOffset = offset + 24;
    out.ttl = buf[offset + 7];
    out.protocol = buf[offset + 6];
    if (out.protocol !== PROTO_ICMPV6) return Parse.NotIcmp; // extension headers are not simulated
    out.icmpOffset = offset + IPV6_HEADER;
    out.icmpLength = payload;
  } else {
    return Parse.Malformed;
  }
  if (out.icmpLength < ICMP_HEADER) return Parse.Malformed;
  const o = out.icmpOffset;
  out.icmpType = buf[o];
  out.icmpCode = buf[o + 1];
  out.id = buf.readUInt16BE(o + 4);
  out.seq = buf.readUInt16BE(o + 6);
  return Parse.Ok;
}

export function isEchoRequest(p: ParsedPacket): boolean {
  return p.icmpType === (p.family === 4 ? ICMP4_ECHO_REQUEST : ICMP6_ECHO_REQUEST) && p.icmpCode === 0;
}

/** True when the ICMP/ICMPv6 checksum of the parsed packet verifies. */
export function icmpChecksumOk(buf: Buffer, p: ParsedPacket): boolean {
  const end = p.icmpOffset + p.icmpLength;
  return (p.family === 4
    ? internetChecksum(buf, p.icmpOffset, end)
    : icmpv6Checksum(buf, p.srcOffset, p.dstOffset, p.icmpOffset, end)) === 0;
}

/** True when the IPv4 header checksum verifies (always true for IPv6, which has none). */
export function ipv4HeaderChecksumOk(buf: Buffer, p: ParsedPacket): boolean {
  return p.family === 6 || internetChecksum(buf, p.offset, p.icmpOffset) === 0;
}

function writeIpv4HeaderChecksum(buf: Buffer, offset: number, headerLength: number): void {
  buf.writeUInt16BE(0, offset + 10);
  buf.writeUInt16BE(internetChecksum(buf, offset, offset + headerLength), offset + 10);
}

function swap16(buf: Buffer, a: number, b: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const t = buf[a + i];
    buf[a + i] = buf[b + i];
    buf[b + i] = t;
  }
}

/**
 * Turns the parsed echo request into its echo reply in place: swaps the addresses, sets the
 * TTL / hop limit, changes the type and updates the checksums (the ICMP one incrementally, so
 * large payloads cost nothing extra; swapping the addresses leaves the ICMPv6 pseudo-header sum
 * unchanged).
 */
export function echoRequestToReply(buf: Buffer, p: ParsedPacket, ttl: number): void {
  const v4 = p.family === 4;
  swap16(buf, p.srcOffset, p.dstOffset, v4 ? 4 : 16);
  const o = p.icmpOffset;
  const oldWord = (buf[o] << 8) | buf[o + 1];
  buf[o] = v4 ? ICMP4_ECHO_REPLY : ICMP6_ECHO_REPLY;
  const newWord = (buf[o] << 8) | buf[o + 1];
  buf.writeUInt16BE(updateChecksum(buf.readUInt16BE(o + 2), oldWord, newWord), o + 2);
  if (v4) {
    buf[p.offset + 8] = ttl;
    writeIpv4HeaderChecksum(buf, p.offset, p.icmpOffset - p.offset);
  } else {
    buf[p.offset + 7] = ttl;
  }
  p.icmpType = buf[o];
  p.ttl = ttl;
  const t = p.srcOffset;
  p.srcOffset = p.dstOffset;
  p.dstOffset = t;
}

/** Makes the ICMP checksum of a built packet wrong (never to its ones'-complement twin 0/0xffff). */
export function corruptIcmpChecksum(buf: Buffer, icmpOffset: number): void {
  buf.writeUInt16BE(buf.readUInt16BE(icmpOffset + 2) ^ 0x0101, icmpOffset + 2);
}

function writeIpHeader(out: Buffer, at: number, family: Family, src: Uint8Array, dst: Uint8Array, ttl: number, protocolPayload: number, ipId: number): number {
  if (family === 4) {
    out[at] = 0x45;
    out[at + 1] = 0;
    out.writeUInt16BE(IPV4_HEADER + protocolPayload, at + 2);
    out.writeUInt16BE(ipId & 0xffff, at + 4);
    out.writeUInt16BE(0, at + 6);
    out[at + 8] = ttl;
    out[at + 9] = PROTO_ICMP;
    for (let i = 0; i < 4; i++) {
      out[at + 12 + i] = src[i];
      out[at + 16 + i] = dst[i];
    }
    writeIpv4HeaderChecksum(out, at, IPV4_HEADER);
    return IPV4_HEADER;
  }
  out.writeUInt32BE(0x60000000, at);
  out.writeUInt16BE(protocolPayload, at + 4);
  out[at + 6] = PROTO_ICMPV6;
  out[at + 7] = ttl;
  for (let i = 0; i < 16; i++) {
    out[at + 8 + i] = src[i];
    out[at + 24 + i] = dst[i];
  }
  return IPV6_HEADER;
}

function writeIcmpChecksum(out: Buffer, at: number, family: Family, icmpOffset: number, end: number): void {
  out.writeUInt16BE(0, icmpOffset + 2);
  const sum = family === 4
    ? internetChecksum(out, icmpOffset, end)
    : icmpv6Checksum(out, at + 8, at + 24, icmpOffset, end);
  out.writeUInt16BE(sum, icmpOffset + 2);
}

/**
 * Builds an ICMP error (unreachable, time exceeded …) about `quoted` (an offending IP packet at
 * quotedBuf[quotedOffset, + quotedLength)) into out[at..]. Returns the packet length.
 * `out` must have room for IP header + 8 + the quote limit.
 */
export function buildIcmpError(
  out: Buffer, at: number, family: Family, src: Uint8Array, dst: Uint8Array, ttl: number,
  type: number, code: number, quotedBuf: Buffer, quotedOffset: number, quotedLength: number, ipId = 0,
): number {
  const quote = Math.min(quotedLength, family === 4 ? QUOTE_MAX_V4 : QUOTE_MAX_V6);
  const icmpLength = ICMP_HEADER + quote;
  const ipHeader = writeIpHeader(out, at, family, src, dst, ttl, icmpLength, ipId);
  const o = at + ipHeader;
  out[o] = type;
  out[o + 1] = code;
  out.writeUInt32BE(0, o + 4);
  quotedBuf.copy(out, o + ICMP_HEADER, quotedOffset, quotedOffset + quote);
  writeIcmpChecksum(out, at, family, o, o + icmpLength);
  return ipHeader + icmpLength;
}

/** Builds an echo request (for tests and the throughput tool). Returns the packet length. */
export function buildEchoRequest(
  out: Buffer, at: number, family: Family, src: Uint8Array, dst: Uint8Array, ttl: number,
  id: number, seq: number, payload: Buffer,
): number {
  const icmpLength = ICMP_HEADER + payload.length;
  const ipHeader = writeIpHeader(out, at, family, src, dst, ttl, icmpLength, seq);
  const o = at + ipHeader;
  out[o] = family === 4 ? ICMP4_ECHO_REQUEST : ICMP6_ECHO_REQUEST;
  out[o + 1] = 0;
  out.writeUInt16BE(id, o + 4);
  out.writeUInt16BE(seq, o + 6);
  payload.copy(out, o + ICMP_HEADER);
  writeIcmpChecksum(out, at, family, o, o + icmpLength);
  return ipHeader + icmpLength;
}
