// ICMP / ICMPv6 echo encoding and reply parsing. Pure functions over bytes; no syscalls.
#pragma once

#include <cstddef>
#include <cstdint>

#include "layout.h"

namespace sonde {

constexpr uint8_t kIcmp4EchoReply = 0;
constexpr uint8_t kIcmp4DestUnreach = 3;
constexpr uint8_t kIcmp4EchoRequest = 8;
constexpr uint8_t kIcmp4TimeExceeded = 11;
constexpr uint8_t kIcmp4ParamProblem = 12;
constexpr uint8_t kIcmp6DestUnreach = 1;
constexpr uint8_t kIcmp6PacketTooBig = 2;
constexpr uint8_t kIcmp6TimeExceeded = 3;
constexpr uint8_t kIcmp6ParamProblem = 4;
constexpr uint8_t kIcmp6EchoRequest = 128;
constexpr uint8_t kIcmp6EchoReply = 129;

// Bytes of an echo request we build in front of the shared pattern: ICMP header (8),
// token (8), send time (8).
constexpr size_t kEchoHeadBytes = 8 + kPayloadHeader;

// One's-complement sum of host-order 16-bit words (RFC 1071 is byte-order independent as
// long as the result is stored in the same order). An odd trailing byte counts as the
// first byte of a zero-padded word.
uint64_t ChecksumAdd(uint64_t sum, const uint8_t* data, size_t len);
uint16_t ChecksumFinish(uint64_t sum);

// Payload bytes from offset kPayloadHeader on are a fixed pattern: payload[i] = i & 0xff.
// PatternBytes() points at payload offset kPayloadHeader; PatternSum(n) is the checksum
// contribution of its first n bytes (precomputed, O(1)).
const uint8_t* PatternBytes();
uint64_t PatternSum(size_t n);

// One packet as read from a socket.
struct ReceivedPacket {
  const uint8_t* data;  // IPv4 raw: starts at the IP header; otherwise at the ICMP header
  size_t len;           // bytes available in `data`
  size_t wireLen;       // full length on the wire when known (>= len), else len
  bool truncated;
  bool hasIpHeader;
  int family;                   // 4 or 6
  const uint8_t* sourceAddr;    // from msg_name (4 or 16 bytes); ignored when hasIpHeader
  int ttl;                      // from a control message, -1 if none
  uint64_t recvTimeNs;
};

// Fills `out` for an echo reply or an ICMP error that quotes an echo request.
// Returns false for anything else (the caller counts it as malformed).
bool ParseReply(const ReceivedPacket& pkt, ReplyRecord* out);

// Fills the id/seq/token/quoted fields of `out` from a quoted original echo request
// (its ICMP header first). Returns false if it is not an echo request of `family`.
bool ParseQuotedEcho(const uint8_t* icmp, size_t len, int family, ReplyRecord* out);

}  // namespace sonde
