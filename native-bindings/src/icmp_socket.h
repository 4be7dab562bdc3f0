// IcmpSocket: one raw or ping (SOCK_DGRAM) ICMP socket, IPv4 or IPv6, with batched
// send (sendmmsg) and receive (recvmmsg) of packed records (layout.h). All buffers used per
// packet are preallocated per socket and reused.
#pragma once

#include <napi.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "layout.h"
#include "polled_wrap.h"
#include "send_stamps.h"

namespace sonde {

class IcmpSocket : public PolledWrap<IcmpSocket> {
 public:
  static Napi::Function Define(Napi::Env env);
  // JS: new IcmpSocket(options) with options as in IcmpSocketOptions, mode 'raw' | 'dgram'.
  explicit IcmpSocket(const Napi::CallbackInfo& info);
  ~IcmpSocket() override;

 private:
  struct SendEntry {
    uint32_t record;
    uint32_t headLen;
    uint64_t baseSum;  // checksum of the pattern part of the payload
    int ttl;           // 0: the socket's
  };

  Napi::Value Mode(const Napi::CallbackInfo& info);
  Napi::Value Family(const Napi::CallbackInfo& info);
  Napi::Value LocalId(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value Receive(const Napi::CallbackInfo& info);
  Napi::Value SendPacket(const Napi::CallbackInfo& info);
  Napi::Value SetTtl(const Napi::CallbackInfo& info);
  Napi::Value SetTos(const Napi::CallbackInfo& info);
  Napi::Value SetDontFragment(const Napi::CallbackInfo& info);
  Napi::Value SetRecvBuffer(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);

  void ApplyTtl(Napi::Env env, int ttl);
  void ApplyTos(Napi::Env env, int tos);
  void ApplyDontFragment(Napi::Env env, bool on);
  int ApplyRecvBuffer(Napi::Env env, int bytes);
  void ConfigureReceive(Napi::Env env, bool anyId, uint16_t firstId, uint16_t lastId);
  void DrainQueued();
  void ReadLocalId(Napi::Env env);

  void EnsureSendCapacity(size_t n);
  void EnsureRecvSlotSize(size_t bytes);
  size_t FillSockaddr(const uint8_t* addr, sockaddr_in6* out) const;
  void StampAndChecksum(size_t from, size_t to, uint64_t now);
  // The control messages of send message j: its TTL, and a request for a TX stamp.
  void FillControl(size_t j, bool stamp);
  // Send messages k .. k+r-1 of a batch of n were accepted: their records get the kernel's
  // send times.
  void ApplySendStamps(uint8_t* base, size_t k, size_t r, size_t n, uint32_t firstKey, uint64_t now);
  size_t ReceiveErrorQueue(uint8_t* out, size_t capacity);
  static void WriteReply(uint8_t* out, const ReplyRecord& rec) { std::memcpy(out, &rec, sizeof(rec)); }

  int family_ = 4;
  bool raw_ = true;
  int localId_ = -1;

  uint64_t received_ = 0;
  uint64_t malformed_ = 0;
  uint64_t kernelDrops_ = 0;
  uint64_t sent_ = 0;
  uint64_t sendErrors_ = 0;
  // Raw sockets: the kernel's send times replace the one read before sendmmsg.
  SendStamps sendStamps_;
  uint64_t kernelTimed_ = 0;  // records sent with a time from the kernel's stamps

  // Send arena, grown to the largest batch seen.
  std::vector<mmsghdr> sendMsgs_;
  std::vector<iovec> sendIov_;
  std::vector<sockaddr_in6> sendAddrs_;
  std::vector<uint8_t> sendHeads_;
  std::vector<uint64_t> sendControl_;
  std::vector<SendEntry> sendEntries_;
  std::vector<uint64_t> stampNs_;    // per send message: its kernel send time, 0 = none
  std::vector<size_t> stampedAt_;    // the stamped messages of a sendmmsg call, in key order

  // Receive arena: slots of recvSlotSize_ bytes, grown when larger payloads are sent.
  size_t recvSlotSize_ = 0;
  size_t recvSlots_ = 0;
  std::vector<uint8_t> recvData_;
  std::vector<mmsghdr> recvMsgs_;
  std::vector<iovec> recvIov_;
  std::vector<sockaddr_in6> recvAddrs_;
  std::vector<uint64_t> recvControl_;
};

}  // namespace sonde
