// Packed record layouts shared with native-bindings/layout.ts. Keep both in lockstep:
// the static_asserts below pin every offset the TypeScript side reads or writes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sonde {

constexpr size_t kAddrBytes = 16;
constexpr uint32_t kMaxPayload = 65500;
constexpr size_t kPayloadHeader = 16;
constexpr size_t kTunFrameHeader = 4;

// One echo request (IcmpSocket.send input). See layout.ts REQ.
struct RequestRecord {
  uint8_t addr[16];
  uint16_t id;
  uint16_t seq;
  uint8_t ttl;
  uint8_t reserved0;
  uint16_t payloadSize;
  uint64_t token;
  uint64_t sendTimeNs;  // OUT: the kernel's TX stamp (raw sockets), else read before sendmmsg
  int32_t error;        // OUT
  uint32_t reserved1;
};

// One received ICMP message (IcmpSocket.receive output). See layout.ts REPLY.
struct ReplyRecord {
  uint8_t addr[16];
  uint8_t type;
  uint8_t code;
  uint16_t id;
  uint16_t seq;
  uint8_t ttl;
  uint8_t flags;
  uint64_t token;
  uint64_t recvTimeNs;
  uint64_t payloadTimeNs;
  uint16_t payloadLen;
  uint16_t reserved0;
  uint32_t reserved1;
  uint8_t quotedAddr[16];
  uint64_t reserved2;
};

namespace reply_flag {
constexpr uint8_t kChecksumOk = 1;
constexpr uint8_t kHasToken = 2;
constexpr uint8_t kIsError = 4;
constexpr uint8_t kIpv6 = 8;
}  // namespace reply_flag

static_assert(sizeof(RequestRecord) == 48, "REQ.SIZE");
static_assert(offsetof(RequestRecord, addr) == 0, "REQ.ADDR");
static_assert(offsetof(RequestRecord, id) == 16, "REQ.ID");
static_assert(offsetof(RequestRecord, seq) == 18, "REQ.SEQ");
static_assert(offsetof(RequestRecord, ttl) == 20, "REQ.TTL");
static_assert(offsetof(RequestRecord, payloadSize) == 22, "REQ.PAYLOAD_SIZE");
static_assert(offsetof(RequestRecord, token) == 24, "REQ.TOKEN");
static_assert(offsetof(RequestRecord, sendTimeNs) == 32, "REQ.SEND_TIME_NS");
static_assert(offsetof(RequestRecord, error) == 40, "REQ.ERROR");

static_assert(sizeof(ReplyRecord) == 80, "REPLY.SIZE");
static_assert(offsetof(ReplyRecord, addr) == 0, "REPLY.ADDR");
static_assert(offsetof(ReplyRecord, type) == 16, "REPLY.TYPE");
static_assert(offsetof(ReplyRecord, code) == 17, "REPLY.CODE");
static_assert(offsetof(ReplyRecord, id) == 18, "REPLY.ID");
static_assert(offsetof(ReplyRecord, seq) == 20, "REPLY.SEQ");
static_assert(offsetof(ReplyRecord, ttl) == 22, "REPLY.TTL");
static_assert(offsetof(ReplyRecord, flags) == 23, "REPLY.FLAGS");
static_assert(offsetof(ReplyRecord, token) == 24, "REPLY.TOKEN");
static_assert(offsetof(ReplyRecord, recvTimeNs) == 32, "REPLY.RECV_TIME_NS");
static_assert(offsetof(ReplyRecord, payloadTimeNs) == 40, "REPLY.PAYLOAD_TIME_NS");
static_assert(offsetof(ReplyRecord, payloadLen) == 48, "REPLY.PAYLOAD_LEN");
static_assert(offsetof(ReplyRecord, quotedAddr) == 56, "REPLY.QUOTED_ADDR");

// Records live in caller Buffers with no alignment guarantee (and this code assumes a
// little-endian host, like the TypeScript side): copy them in and out with memcpy.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "records are little-endian");

}  // namespace sonde
