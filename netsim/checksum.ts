// The Internet checksum (RFC 1071) over Buffer ranges, without allocating. ICMPv6 adds a
// pseudo-header (RFC 8200 §8.1): source, destination, upper-layer length, next header 58.

/** Adds the 16-bit big-endian words of buf[start, end) to `sum` (an odd tail is padded). */
export function sumWords(buf: Buffer, start: number, end: number, sum = 0): number {
  let i = start;
  const evenEnd = end - ((end - start) & 1);
  for (; i < evenEnd; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (i < end) sum += buf[i] << 8;
  return sum;
}

/** Folds a 32-bit-or-wider sum to 16 bits and complements it. */
export function finishChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** Checksum of buf[start, end): the IPv4 header checksum and the ICMPv4 checksum. */
export function internetChecksum(buf: Buffer, start: number, end: number): number {
  return finishChecksum(sumWords(buf, start, end));
}

/** Sum of the IPv6 pseudo-header for an upper-layer packet of `length` bytes. */
export function ipv6PseudoHeaderSum(buf: Buffer, srcOffset: number, dstOffset: number, length: number, nextHeader: number): number {
  let sum = sumWords(buf, srcOffset, srcOffset + 16);
  sum = sumWords(buf, dstOffset, dstOffset + 16, sum);
  return sum + Math.floor(length / 0x10000) + (length & 0xffff) + nextHeader;
}

/** ICMPv6 checksum of the message buf[start, end) between the given addresses. */
export function icmpv6Checksum(buf: Buffer, srcOffset: number, dstOffset: number, start: number, end: number): number {
  return finishChecksum(sumWords(buf, start, end, ipv6PseudoHeaderSum(buf, srcOffset, dstOffset, end - start, 58)));
}

/**
 * Incremental update (RFC 1624 eqn. 3): the new checksum after one 16-bit word of the
 * covered data changes from `oldWord` to `newWord`.
 */
export function updateChecksum(checksum: number, oldWord: number, newWord: number): number {
  let sum = (~checksum & 0xffff) + (~oldWord & 0xffff) + newWord;
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
