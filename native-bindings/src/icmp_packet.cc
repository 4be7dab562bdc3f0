#include "icmp_packet.h"

#include <array>
#include <cstring>
#include <vector>

namespace sonde {
namespace {

uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

uint64_t Le64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

struct Pattern {
  std::vector<uint8_t> bytes;     // payload offsets [kPayloadHeader, 65536)
  std::vector<uint64_t> wordSum;  // wordSum[k] = sum of the first k host-order words
  Pattern() : bytes(65536), wordSum(65536 / 2 + 1) {
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>((i + kPayloadHeader) & 0xff);
    wordSum[0] = 0;
    for (size_t k = 1; k < wordSum.size(); ++k) {
      uint16_t w;
      std::memcpy(&w, &bytes[(k - 1) * 2], 2);
      wordSum[k] = wordSum[k - 1] + w;
    }
  }
};

const Pattern& ThePattern() {
  static const Pattern pattern;
  return pattern;
}

void ReadPayloadHeader(const uint8_t* payload, size_t available, ReplyRecord* out) {
  if (available < kPayloadHeader) return;
  out->token = Le64(payload);
  out->payloadTimeNs = Le64(payload + 8);
  out->flags |= reply_flag::kHasToken;
}

bool IsIcmp4Error(uint8_t type) {
  return type == kIcmp4DestUnreach || type == kIcmp4TimeExceeded || type == kIcmp4ParamProblem;
}

bool IsIcmp6Error(uint8_t type) {
  return type == kIcmp6DestUnreach || type == kIcmp6PacketTooBig || type == kIcmp6TimeExceeded ||
         type == kIcmp6ParamProblem;
}

bool ParseIcmp4(const ReceivedPacket& pkt, ReplyRecord* out) {
  const uint8_t* icmp = pkt.data;
  size_t len = pkt.len;
  size_t wireLen = pkt.wireLen;
  if (pkt.hasIpHeader) {
    if (len < 20 || (pkt.data[0] >> 4) != 4) return false;
    size_t ihl = static_cast<size_t>(pkt.data[0] & 0x0f) * 4;
    size_t totalLen = Be16(pkt.data + 2);
    if (ihl < 20 || ihl > len) return false;
    std::memcpy(out->addr, pkt.data + 12, 4);
    out->ttl = pkt.data[8];
    if (totalLen >= ihl && totalLen < wireLen) wireLen = totalLen;  // ignore link-layer padding
    if (len > wireLen) len = wireLen;
    icmp += ihl;
    len -= ihl;
    wireLen -= ihl;
  } else {
    std::memcpy(out->addr, pkt.sourceAddr, 4);
    if (pkt.ttl >= 0) out->ttl = static_cast<uint8_t>(pkt.ttl);
  }
  if (len < 8) return false;
  if (!pkt.truncated && len == wireLen && ChecksumFinish(ChecksumAdd(0, icmp, len)) == 0) {
    out->flags |= reply_flag::kChecksumOk;
  }
  out->type = icmp[0];
  out->code = icmp[1];
  out->payloadLen = static_cast<uint16_t>(wireLen - 8 > 0xffff ? 0xffff : wireLen - 8);
  if (out->type == kIcmp4EchoReply) {
    out->id = Be16(icmp + 4);
    out->seq = Be16(icmp + 6);
    ReadPayloadHeader(icmp + 8, len - 8, out);
    return true;
  }
  if (!IsIcmp4Error(out->type)) return false;
  out->flags |= reply_flag::kIsError;
  // Quoted original: its IPv4 header (variable length), then its ICMP header.
  const uint8_t* inner = icmp + 8;
  size_t innerLen = len - 8;
  if (innerLen < 20 || (inner[0] >> 4) != 4 || inner[9] != 1 /* IPPROTO_ICMP */) return false;
  size_t innerIhl = static_cast<size_t>(inner[0] & 0x0f) * 4;
  if (innerIhl < 20 || innerIhl > innerLen) return false;
  std::memcpy(out->quotedAddr, inner + 16, 4);
  return ParseQuotedEcho(inner + innerIhl, innerLen - innerIhl, 4, out);
}

bool ParseIcmp6(const ReceivedPacket& pkt, ReplyRecord* out) {
  const uint8_t* icmp = pkt.data;
  size_t len = pkt.len;
  std::memcpy(out->addr, pkt.sourceAddr, 16);
  if (pkt.ttl >= 0) out->ttl = static_cast<uint8_t>(pkt.ttl);
  out->flags |= reply_flag::kIpv6;
  // The kernel verifies ICMPv6 checksums and drops bad packets before we can read them.
  out->flags |= reply_flag::kChecksumOk;
  if (len < 8) return false;
  out->type = icmp[0];
  out->code = icmp[1];
  out->payloadLen = static_cast<uint16_t>(pkt.wireLen - 8 > 0xffff ? 0xffff : pkt.wireLen - 8);
  if (out->type == kIcmp6EchoReply) {
    out->id = Be16(icmp + 4);
    out->seq = Be16(icmp + 6);
    ReadPayloadHeader(icmp + 8, len - 8, out);
    return true;
  }
  if (!IsIcmp6Error(out->type)) return false;
  out->flags |= reply_flag::kIsError;
  // Quoted original: a fixed 40-byte IPv6 header. Extension headers are not followed.
  const uint8_t* inner = icmp + 8;
  size_t innerLen = len - 8;
  if (innerLen < 40 || (inner[0] >> 4) != 6 || inner[6] != 58 /* IPPROTO_ICMPV6 */) return false;
  std::memcpy(out->quotedAddr, inner + 24, 16);
  return ParseQuotedEcho(inner + 40, innerLen - 40, 6, out);
}

}  // namespace

uint64_t ChecksumAdd(uint64_t sum, const uint8_t* data, size_t len) {
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    std::memcpy(&w, data + i, 8);
    sum += (w & 0xffff) + ((w >> 16) & 0xffff) + ((w >> 32) & 0xffff) + (w >> 48);
  }
  for (; i + 2 <= len; i += 2) {
    uint16_t w;
    std::memcpy(&w, data + i, 2);
    sum += w;
  }
  if (i < len) sum += data[i];  // little-endian host: the byte is the low half of its word
  return sum;
}

uint16_t ChecksumFinish(uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

const uint8_t* PatternBytes() { return ThePattern().bytes.data(); }

uint64_t PatternSum(size_t n) {
  const Pattern& p = ThePattern();
  uint64_t sum = p.wordSum[n / 2];
  if (n & 1) sum += p.bytes[n - 1];
  return sum;
}

bool ParseQuotedEcho(const uint8_t* icmp, size_t len, int family, ReplyRecord* out) {
  if (len < 8) return false;
  uint8_t expected = family == 4 ? kIcmp4EchoRequest : kIcmp6EchoRequest;
  if (icmp[0] != expected) return false;
  out->id = Be16(icmp + 4);
  out->seq = Be16(icmp + 6);
  ReadPayloadHeader(icmp + 8, len - 8, out);
  return true;
}

bool ParseReply(const ReceivedPacket& pkt, ReplyRecord* out) {
  std::memset(out, 0, sizeof(*out));
  out->recvTimeNs = pkt.recvTimeNs;
  return pkt.family == 4 ? ParseIcmp4(pkt, out) : ParseIcmp6(pkt, out);
}

}  // namespace sonde
