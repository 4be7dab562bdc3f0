#include "icmp_socket.h"

#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <linux/sock_diag.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "addon.h"
#include "bpf.h"
#include "clock.h"
#include "icmp_packet.h"
#include "netns.h"
#include "options.h"
#include "sys_error.h"

namespace sonde {
namespace {

constexpr size_t kMaxSendBatch = 1024;  // UIO_MAXIOV: the kernel caps a sendmmsg batch here
// Room for a TTL and an SO_TIMESTAMPING control message per packet.
constexpr size_t kSendControlWords = 2 * CMSG_SPACE(sizeof(int)) / sizeof(uint64_t);
constexpr size_t kRecvControlBytes = 256;
constexpr size_t kRecvControlWords = kRecvControlBytes / sizeof(uint64_t);
// Large enough for an echo reply with a 1472-byte payload plus headers, and for any ICMP
// error (the kernel quotes at most 576 bytes for IPv4, 1280 for IPv6).
constexpr size_t kDefaultSlotSize = 2048;
constexpr size_t kMaxSlots = 256;
constexpr size_t kMinSlots = 16;
constexpr size_t kRecvArenaBytes = 4 << 20;
constexpr int kMaxSoftErrorsPerReceive = 16;

void StoreU64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }
void StoreI32(uint8_t* p, int32_t v) { std::memcpy(p, &v, 4); }

// Errors a socket reports once for an earlier ICMP error or failed send; reading again is
// the right reaction (the error is consumed by the read that returned it).
bool IsSoftError(int e) {
  return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH || e == EHOSTDOWN || e == ENETDOWN ||
         e == EMSGSIZE || e == ETIMEDOUT || e == EPROTO || e == ENOPROTOOPT || e == EACCES || e == EPERM;
}

std::string SocketDescription(int family, bool raw) {
  return std::string(raw ? "raw" : "ping (SOCK_DGRAM)") + (family == 4 ? " ICMP socket" : " ICMPv6 socket");
}

}  // namespace

Napi::Function IcmpSocket::Define(Napi::Env env) {
  return DefineClass(env, "IcmpSocket",
                     WithPollingMethods({
                         InstanceAccessor<&IcmpSocket::Mode>("mode"),
                         InstanceAccessor<&IcmpSocket::Family>("family"),
                         InstanceAccessor<&IcmpSocket::LocalId>("localId"),
                         InstanceMethod<&IcmpSocket::Send>("send"),
                         InstanceMethod<&IcmpSocket::Receive>("receive"),
                         InstanceMethod<&IcmpSocket::SendPacket>("sendPacket"),
                         InstanceMethod<&IcmpSocket::SetTtl>("setTtl"),
                         InstanceMethod<&IcmpSocket::SetTos>("setTos"),
                         InstanceMethod<&IcmpSocket::SetDontFragment>("setDontFragment"),
                         InstanceMethod<&IcmpSocket::SetRecvBuffer>("setRecvBuffer"),
                         InstanceMethod<&IcmpSocket::Stats>("stats"),
                     }));
}

IcmpSocket::IcmpSocket(const Napi::CallbackInfo& info) : PolledWrap<IcmpSocket>(info, "the ICMP socket") {
  Napi::Env env = info.Env();
  const std::string where = "openIcmpSocket";
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, where + ": options must be an object");
  Napi::Object o = info[0].As<Napi::Object>();

  Napi::Value familyValue = o.Get("family");
  if (!familyValue.IsNumber() || (familyValue.As<Napi::Number>().Int32Value() != 4 &&
                                  familyValue.As<Napi::Number>().Int32Value() != 6) ||
      familyValue.As<Napi::Number>().DoubleValue() != familyValue.As<Napi::Number>().Int32Value()) {
    throw Napi::TypeError::New(env, where + ": options.family must be 4 or 6");
  }
  family_ = familyValue.As<Napi::Number>().Int32Value();

  std::string mode = OptionalString(o, "mode", where).value_or("raw");
  if (mode != "raw" && mode != "dgram") {
    throw Napi::TypeError::New(env, where + ": options.mode must be 'raw' or 'dgram' (the loader resolves 'auto'), got '" +
                                        mode + "'");
  }
  raw_ = mode == "raw";

  std::optional<int64_t> idBase = OptionalInt(o, "idBase", 0, 65535, where);
  std::optional<int64_t> idCount = OptionalInt(o, "idCount", 1, 65536, where);
  if (idCount && !idBase) throw Napi::TypeError::New(env, where + ": options.idCount needs options.idBase");
  if (idBase && *idBase + idCount.value_or(1) > 65536) {
    throw Napi::RangeError::New(env, where + ": options.idBase + options.idCount must not exceed 65536");
  }
  std::optional<int64_t> recvBuffer = OptionalInt(o, "recvBufferBytes", 1, 1 << 30, where);
  std::optional<int64_t> ttl = OptionalInt(o, "ttl", 1, 255, where);
  std::optional<int64_t> tos = OptionalInt(o, "tos", 0, 255, where);
  std::optional<bool> dontFragment = OptionalBool(o, "dontFragment", where);
  std::string netns = OptionalString(o, "netns", where).value_or("");
  const bool sendStamps = OptionalBool(o, "kernelSendStamps", where).value_or(true);

  int domain = family_ == 4 ? AF_INET : AF_INET6;
  int protocol = family_ == 4 ? static_cast<int>(IPPROTO_ICMP) : static_cast<int>(IPPROTO_ICMPV6);
  int type = (raw_ ? SOCK_RAW : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC;
  int fd = -1;
  int err = 0;
  try {
    NetnsScope scope(netns);
    fd = ::socket(domain, type, protocol);
    err = errno;
  } catch (const NetnsError& e) {
    throw SysError(env, e.err, e.syscall, where + ": " + e.what);
  }
  if (fd < 0) {
    throw SysError(env, err, "socket", where + ": opening a " + SocketDescription(family_, raw_) +
                                           (netns.empty() ? "" : " in network namespace " + netns));
  }
  Adopt(env, fd);

  EnsureRecvSlotSize(kDefaultSlotSize);
  ConfigureReceive(env, !idBase, static_cast<uint16_t>(idBase.value_or(0)),
                   static_cast<uint16_t>(idBase.value_or(0) + idCount.value_or(1) - 1));
  // Ping sockets are left without: their error queue carries the ICMP errors, read by
  // Receive. Without them (an old kernel) the time read before sendmmsg stands.
  if (raw_ && sendStamps) sendStamps_.Enable(descriptor());
  if (recvBuffer) ApplyRecvBuffer(env, static_cast<int>(*recvBuffer));
  if (ttl) ApplyTtl(env, static_cast<int>(*ttl));
  if (tos) ApplyTos(env, static_cast<int>(*tos));
  if (dontFragment) ApplyDontFragment(env, *dontFragment);
}

IcmpSocket::~IcmpSocket() = default;

void IcmpSocket::ConfigureReceive(Napi::Env env, bool anyId, uint16_t firstId, uint16_t lastId) {
  int fd = descriptor();
  const int on = 1;
  auto set = [&](int level, int name, const void* value, socklen_t len, const char* what) {
    if (::setsockopt(fd, level, name, value, len) != 0) {
      throw SysError(env, errno, "setsockopt", std::string("openIcmpSocket: setting ") + what);
    }
  };
  set(SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on), "SO_TIMESTAMPNS");
  set(SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on), "SO_RXQ_OVFL");
  if (family_ == 4) {
    if (!raw_) {
      set(IPPROTO_IP, IP_RECVTTL, &on, sizeof(on), "IP_RECVTTL");
      set(IPPROTO_IP, IP_RECVERR, &on, sizeof(on), "IP_RECVERR");
    }
  } else {
    set(IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof(on), "IPV6_RECVHOPLIMIT");
    if (!raw_) set(IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof(on), "IPV6_RECVERR");
  }
  if (raw_) {
    if (family_ == 6) {
      // A cheap first cut by type in the kernel; the BPF program then checks identifiers.
      // (Linux computes and verifies ICMPv6 checksums itself: IPV6_CHECKSUM is fixed at
      // offset 2 for ICMPv6 sockets and may not be set, RFC 3542.)
      icmp6_filter filter;
      ICMP6_FILTER_SETBLOCKALL(&filter);
      ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
      ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &filter);
      ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &filter);
      ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &filter);
      ICMP6_FILTER_SETPASS(ICMP6_PARAM_PROB, &filter);
      set(IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter), "ICMP6_FILTER");
    }
    IdBlock ids{anyId, firstId, lastId};
    std::vector<sock_filter> code = family_ == 4 ? BuildIcmp4Filter(ids) : BuildIcmp6Filter(ids);
    sock_fprog prog{static_cast<unsigned short>(code.size()), code.data()};
    set(SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog), "SO_ATTACH_FILTER");
    // Packets that arrived between socket() and the filter were not filtered.
    DrainQueued();
  } else {
    ReadLocalId(env);
  }
}

void IcmpSocket::DrainQueued() {
  uint8_t scratch[64];
  while (::recv(descriptor(), scratch, sizeof(scratch), MSG_DONTWAIT | MSG_TRUNC) >= 0) {
  }
}

void IcmpSocket::ReadLocalId(Napi::Env env) {
  // Binding a ping socket makes the kernel pick its echo identifier (the "port") now.
  sockaddr_in6 addr{};
  socklen_t len;
  if (family_ == 4) {
    auto* a4 = reinterpret_cast<sockaddr_in*>(&addr);
    a4->sin_family = AF_INET;
    len = sizeof(sockaddr_in);
  } else {
    addr.sin6_family = AF_INET6;
    len = sizeof(sockaddr_in6);
  }
  if (::bind(descriptor(), reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    throw SysError(env, errno, "bind", "openIcmpSocket: binding the ping socket to get its echo identifier");
  }
  len = sizeof(addr);
  if (::getsockname(descriptor(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw SysError(env, errno, "getsockname", "openIcmpSocket: reading the ping socket's echo identifier");
  }
  localId_ = ntohs(family_ == 4 ? reinterpret_cast<sockaddr_in*>(&addr)->sin_port : addr.sin6_port);
}

void IcmpSocket::ApplyTtl(Napi::Env env, int ttl) {
  int level = family_ == 4 ? IPPROTO_IP : IPPROTO_IPV6;
  int name = family_ == 4 ? IP_TTL : IPV6_UNICAST_HOPS;
  if (::setsockopt(descriptor(), level, name, &ttl, sizeof(ttl)) != 0) {
    throw SysError(env, errno, "setsockopt", family_ == 4 ? "setTtl: IP_TTL" : "setTtl: IPV6_UNICAST_HOPS");
  }
}

void IcmpSocket::ApplyTos(Napi::Env env, int tos) {
  int level = family_ == 4 ? IPPROTO_IP : IPPROTO_IPV6;
  int name = family_ == 4 ? IP_TOS : IPV6_TCLASS;
  if (::setsockopt(descriptor(), level, name, &tos, sizeof(tos)) != 0) {
    throw SysError(env, errno, "setsockopt", family_ == 4 ? "setTos: IP_TOS" : "setTos: IPV6_TCLASS");
  }
}

void IcmpSocket::ApplyDontFragment(Napi::Env env, bool on) {
  int rc;
  if (family_ == 4) {
    int v = on ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT;
    rc = ::setsockopt(descriptor(), IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v));
  } else {
    // IPv6 routers never fragment; this stops the sending host from fragmenting too.
    int v = on ? 1 : 0;
    rc = ::setsockopt(descriptor(), IPPROTO_IPV6, IPV6_DONTFRAG, &v, sizeof(v));
  }
  if (rc != 0) {
    throw SysError(env, errno, "setsockopt", family_ == 4 ? "setDontFragment: IP_MTU_DISCOVER" : "setDontFragment: IPV6_DONTFRAG");
  }
}

int IcmpSocket::ApplyRecvBuffer(Napi::Env env, int bytes) {
  int fd = descriptor();
  // SO_RCVBUFFORCE (CAP_NET_ADMIN) may exceed net.core.rmem_max; SO_RCVBUF is capped by it.
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) != 0 &&
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) != 0) {
    throw SysError(env, errno, "setsockopt", "setRecvBuffer: SO_RCVBUF");
  }
  int granted = 0;
  socklen_t len = sizeof(granted);
  if (::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &len) != 0) {
    throw SysError(env, errno, "getsockopt", "setRecvBuffer: SO_RCVBUF");
  }
  return granted;
}

Napi::Value IcmpSocket::Mode(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), raw_ ? "raw" : "dgram");
}

Napi::Value IcmpSocket::Family(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), family_); }

Napi::Value IcmpSocket::LocalId(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), localId_); }

void IcmpSocket::EnsureSendCapacity(size_t n) {
  if (sendMsgs_.size() >= n) return;
  sendMsgs_.resize(n);
  sendIov_.resize(2 * n);
  sendAddrs_.resize(n);
  sendHeads_.resize(kEchoHeadBytes * n);
  sendControl_.resize(kSendControlWords * n);
  sendEntries_.resize(n);
  stampNs_.resize(n);
  stampedAt_.reserve(n);
}

void IcmpSocket::EnsureRecvSlotSize(size_t bytes) {
  if (bytes <= recvSlotSize_) return;
  recvSlotSize_ = (bytes + 63) & ~size_t{63};
  recvSlots_ = std::clamp(kRecvArenaBytes / recvSlotSize_, kMinSlots, kMaxSlots);
  recvData_.assign(recvSlotSize_ * recvSlots_, 0);
  recvMsgs_.assign(recvSlots_, mmsghdr{});
  recvIov_.resize(recvSlots_);
  recvAddrs_.resize(recvSlots_);
  recvControl_.assign(kRecvControlWords * recvSlots_, 0);
  for (size_t i = 0; i < recvSlots_; ++i) recvIov_[i] = iovec{&recvData_[i * recvSlotSize_], recvSlotSize_};
}

size_t IcmpSocket::FillSockaddr(const uint8_t* addr, sockaddr_in6* out) const {
  std::memset(out, 0, sizeof(*out));
  if (family_ == 4) {
    auto* a4 = reinterpret_cast<sockaddr_in*>(out);
    a4->sin_family = AF_INET;
    std::memcpy(&a4->sin_addr, addr, 4);
    return sizeof(sockaddr_in);
  }
  out->sin6_family = AF_INET6;
  std::memcpy(&out->sin6_addr, addr, 16);
  return sizeof(sockaddr_in6);
}

void IcmpSocket::StampAndChecksum(size_t from, size_t to, uint64_t now) {
  for (size_t j = from; j < to; ++j) {
    uint8_t* head = &sendHeads_[j * kEchoHeadBytes];
    StoreU64(head + 16, now);
    if (family_ == 4) {
      head[2] = 0;
      head[3] = 0;
      uint16_t sum = ChecksumFinish(ChecksumAdd(sendEntries_[j].baseSum, head, sendEntries_[j].headLen));
      std::memcpy(head + 2, &sum, 2);
    }
  }
}

void IcmpSocket::FillControl(size_t j, bool stamp) {
  msghdr& m = sendMsgs_[j].msg_hdr;
  const int ttl = sendEntries_[j].ttl;
  if (ttl == 0 && !stamp) {
    m.msg_control = nullptr;
    m.msg_controllen = 0;
    return;
  }
  m.msg_control = &sendControl_[j * kSendControlWords];
  m.msg_controllen = (ttl != 0 ? CMSG_SPACE(sizeof(int)) : 0) + (stamp ? CMSG_SPACE(sizeof(uint32_t)) : 0);
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  if (ttl != 0) {
    c->cmsg_level = family_ == 4 ? IPPROTO_IP : IPPROTO_IPV6;
    c->cmsg_type = family_ == 4 ? IP_TTL : IPV6_HOPLIMIT;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &ttl, sizeof(ttl));
    c = CMSG_NXTHDR(&m, c);
  }
  if (stamp) {
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SO_TIMESTAMPING;
    c->cmsg_len = CMSG_LEN(sizeof(uint32_t));
    const uint32_t flags = SendStamps::kPacketFlags;
    std::memcpy(CMSG_DATA(c), &flags, sizeof(flags));
  }
}

void IcmpSocket::ApplySendStamps(uint8_t* base, size_t k, size_t r, size_t n, uint32_t firstKey, uint64_t now) {
  // Keys went to the stamped packets among k .. k+r-1, in order.
  stampedAt_.clear();
  for (size_t j = k; j < k + r; ++j) {
    if (SendStamps::Stamped(j, n)) stampedAt_.push_back(j);
    stampNs_[j] = 0;
  }
  sendStamps_.Accepted(stampedAt_.size());
  // The driver stamps a packet during sendmmsg unless a queueing discipline holds it.
  sendStamps_.Drain(descriptor(), [&](uint32_t key, uint64_t ns) {
    const uint32_t d = key - firstKey;
    // A stamp before `now` is a late one of an earlier key epoch (see KeysUncertain).
    if (d < stampedAt_.size() && ns >= now) stampNs_[stampedAt_[d]] = ns;
  });
  // A packet without a stamp of its own left after the stamped one before it: that stamp is
  // the closest time known not to be later than its own (an even step between two stamps
  // can be: on loopback each reply is stamped before the next request leaves).
  for (size_t j = k + 1; j < k + r; ++j) {
    if (stampNs_[j] == 0) stampNs_[j] = stampNs_[j - 1];
  }
  for (size_t j = k; j < k + r; ++j) {
    if (stampNs_[j] == 0) continue;
    StoreU64(base + sendEntries_[j].record * sizeof(RequestRecord) + offsetof(RequestRecord, sendTimeNs), stampNs_[j]);
    ++kernelTimed_;
  }
}

Napi::Value IcmpSocket::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = RequireOpen(env, "send");
  if (!info[0].IsBuffer()) throw Napi::TypeError::New(env, "send: requests must be a Buffer of REQ records");
  auto buffer = info[0].As<Napi::Buffer<uint8_t>>();
  size_t count = static_cast<size_t>(RequireInt(info[1], 0, 1LL << 40, "send: count"));
  if (count * sizeof(RequestRecord) > buffer.Length()) {
    throw Napi::RangeError::New(env, "send: count " + std::to_string(count) + " needs " +
                                         std::to_string(count * sizeof(RequestRecord)) + " bytes, the Buffer has " +
                                         std::to_string(buffer.Length()));
  }
  uint8_t* base = buffer.Data();
  const uint8_t echoType = family_ == 4 ? kIcmp4EchoRequest : kIcmp6EchoRequest;

  size_t done = 0;
  while (done < count) {
    uint8_t* first = base + done * sizeof(RequestRecord);
    uint16_t firstSize;
    std::memcpy(&firstSize, first + offsetof(RequestRecord, payloadSize), 2);
    if (firstSize > kMaxPayload) {
      StoreI32(first + offsetof(RequestRecord, error), EMSGSIZE);
      ++sendErrors_;
      ++done;
      continue;
    }
    // A run of valid records, one sendmmsg batch.
    size_t n = 0;
    EnsureSendCapacity(std::min(count - done, kMaxSendBatch));
    while (n < kMaxSendBatch && done + n < count) {
      RequestRecord rec;
      std::memcpy(&rec, base + (done + n) * sizeof(RequestRecord), sizeof(rec));
      if (rec.payloadSize > kMaxPayload) break;
      uint8_t* head = &sendHeads_[n * kEchoHeadBytes];
      head[0] = echoType;
      head[1] = 0;
      head[2] = 0;
      head[3] = 0;
      uint16_t idBe = htons(rec.id);
      uint16_t seqBe = htons(rec.seq);
      std::memcpy(head + 4, &idBe, 2);
      std::memcpy(head + 6, &seqBe, 2);
      StoreU64(head + 8, rec.token);
      size_t headPayload = std::min<size_t>(rec.payloadSize, kPayloadHeader);
      size_t patternLen = rec.payloadSize - headPayload;
      SendEntry& entry = sendEntries_[n];
      entry.record = static_cast<uint32_t>(done + n);
      entry.headLen = static_cast<uint32_t>(8 + headPayload);
      entry.baseSum = family_ == 4 ? PatternSum(patternLen) : 0;
      sendIov_[2 * n] = iovec{head, entry.headLen};
      sendIov_[2 * n + 1] = iovec{const_cast<uint8_t*>(PatternBytes()), patternLen};
      msghdr& m = sendMsgs_[n].msg_hdr;
      m.msg_name = &sendAddrs_[n];
      m.msg_namelen = static_cast<socklen_t>(FillSockaddr(rec.addr, &sendAddrs_[n]));
      m.msg_iov = &sendIov_[2 * n];
      m.msg_iovlen = patternLen > 0 ? 2 : 1;
      m.msg_flags = 0;
      entry.ttl = rec.ttl;
      // Replies to a larger request must fit one receive slot whole (checksum, length).
      const size_t replyBytes = 8 + size_t{rec.payloadSize} + 60;
      if (replyBytes > recvSlotSize_) EnsureRecvSlotSize(replyBytes);
      ++n;
    }

    for (size_t j = 0; j < n; ++j) FillControl(j, sendStamps_.enabled() && SendStamps::Stamped(j, n));

    size_t k = 0;
    while (k < n) {
      uint64_t now = RealtimeNs();
      StampAndChecksum(k, n, now);
      const uint32_t firstKey = sendStamps_.nextKey();
      int r = ::sendmmsg(fd, &sendMsgs_[k], static_cast<unsigned>(n - k), MSG_DONTWAIT);
      if (r > 0) {
        for (size_t j = k; j < k + static_cast<size_t>(r); ++j) {
          uint8_t* rp = base + sendEntries_[j].record * sizeof(RequestRecord);
          StoreU64(rp + offsetof(RequestRecord, sendTimeNs), now);
          StoreI32(rp + offsetof(RequestRecord, error), 0);
        }
        if (sendStamps_.enabled()) ApplySendStamps(base, k, static_cast<size_t>(r), n, firstKey, now);
        sent_ += static_cast<uint64_t>(r);
        k += static_cast<size_t>(r);
        continue;
      }
      int e = errno;
      if (e == EINTR) continue;
      if (e == EINVAL && sendStamps_.enabled()) {
        // A kernel that takes SO_TIMESTAMPING on the socket but not per packet: go on without.
        sendStamps_.Disable(fd);
        for (size_t j = k; j < n; ++j) FillControl(j, false);
        continue;
      }
      if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS) {
        // ENOBUFS may come after the kernel gave the packet its stamp key.
        if (e == ENOBUFS && sendStamps_.enabled()) {
          sendStamps_.KeysUncertain();
          sendStamps_.Drain(fd, [](uint32_t, uint64_t) {});
        }
        return Napi::Number::New(env, static_cast<double>(done + k));
      }
      if (sendStamps_.enabled()) {
        sendStamps_.KeysUncertain();
        sendStamps_.Drain(fd, [](uint32_t, uint64_t) {});
      }
      // This packet was refused (e.g. no route, EMSGSIZE with DF): report it, go on.
      uint8_t* rp = base + sendEntries_[k].record * sizeof(RequestRecord);
      StoreU64(rp + offsetof(RequestRecord, sendTimeNs), 0);
      StoreI32(rp + offsetof(RequestRecord, error), e);
      ++sendErrors_;
      ++k;
    }
    done += n;
  }
  return Napi::Number::New(env, static_cast<double>(done));
}

Napi::Value IcmpSocket::Receive(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = RequireOpen(env, "receive");
  if (!info[0].IsBuffer()) throw Napi::TypeError::New(env, "receive: out must be a Buffer for REPLY records");
  auto buffer = info[0].As<Napi::Buffer<uint8_t>>();
  uint8_t* out = buffer.Data();
  const size_t capacity = buffer.Length() / sizeof(ReplyRecord);
  size_t written = 0;
  int softErrors = 0;
  const int flags = MSG_DONTWAIT | (raw_ ? MSG_TRUNC : 0);

  while (written < capacity) {
    const size_t vlen = std::min(capacity - written, recvSlots_);
    for (size_t i = 0; i < vlen; ++i) {
      msghdr& m = recvMsgs_[i].msg_hdr;
      m.msg_name = &recvAddrs_[i];
      m.msg_namelen = sizeof(sockaddr_in6);
      m.msg_iov = &recvIov_[i];
      m.msg_iovlen = 1;
      m.msg_control = &recvControl_[i * kRecvControlWords];
      m.msg_controllen = kRecvControlBytes;
      m.msg_flags = 0;
    }
    int r = ::recvmmsg(fd, recvMsgs_.data(), static_cast<unsigned>(vlen), flags, nullptr);
    if (r < 0) {
      int e = errno;
      if (e == EINTR) continue;
      if (e == EAGAIN || e == EWOULDBLOCK) break;
      if (IsSoftError(e) && ++softErrors < kMaxSoftErrorsPerReceive) continue;
      throw SysError(env, e, "recvmmsg", "receive: reading the " + SocketDescription(family_, raw_));
    }
    for (int i = 0; i < r; ++i) {
      ++received_;
      msghdr& m = recvMsgs_[i].msg_hdr;
      ReceivedPacket pkt{};
      pkt.data = &recvData_[static_cast<size_t>(i) * recvSlotSize_];
      pkt.wireLen = recvMsgs_[i].msg_len;
      pkt.len = std::min<size_t>(pkt.wireLen, recvSlotSize_);
      pkt.truncated = (m.msg_flags & MSG_TRUNC) != 0;
      pkt.hasIpHeader = raw_ && family_ == 4;
      pkt.family = family_;
      pkt.ttl = -1;
      if (family_ == 4) {
        pkt.sourceAddr = reinterpret_cast<const uint8_t*>(&reinterpret_cast<sockaddr_in*>(&recvAddrs_[i])->sin_addr);
      } else {
        pkt.sourceAddr = reinterpret_cast<const uint8_t*>(&recvAddrs_[i].sin6_addr);
      }
      for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
          timespec ts;
          std::memcpy(&ts, CMSG_DATA(c), sizeof(ts));
          pkt.recvTimeNs = static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
        } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
          uint32_t drops;
          std::memcpy(&drops, CMSG_DATA(c), sizeof(drops));
          kernelDrops_ = drops;
        } else if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
                   (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
          int ttl;
          std::memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
          pkt.ttl = ttl;
        }
      }
      if (pkt.recvTimeNs == 0) pkt.recvTimeNs = RealtimeNs();
      ReplyRecord rec;
      if (ParseReply(pkt, &rec)) {
        WriteReply(out + written * sizeof(ReplyRecord), rec);
        ++written;
      } else {
        ++malformed_;
      }
    }
    if (static_cast<size_t>(r) < vlen) break;  // the queue is empty
  }
  if (!raw_ && written < capacity) written += ReceiveErrorQueue(out + written * sizeof(ReplyRecord), capacity - written);
  // A stamp that came after its Send (a queued packet) is too late to use; read it so that
  // the socket stops reporting POLLERR.
  if (sendStamps_.mayHaveQueued()) sendStamps_.Drain(fd, [](uint32_t, uint64_t) {});
  return Napi::Number::New(env, static_cast<double>(written));
}

size_t IcmpSocket::ReceiveErrorQueue(uint8_t* out, size_t capacity) {
  // Ping sockets get ICMP errors only through the error queue (IP_RECVERR): the data is
  // our original echo request as quoted by the router, msg_name its destination, and the
  // router's address is the "offender".
  size_t written = 0;
  while (written < capacity) {
    sockaddr_in6 name{};
    iovec iov{recvData_.data(), recvSlotSize_};
    msghdr m{};
    m.msg_name = &name;
    m.msg_namelen = sizeof(name);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = recvControl_.data();
    m.msg_controllen = kRecvControlBytes;
    ssize_t n = ::recvmsg(descriptor(), &m, MSG_ERRQUEUE | MSG_DONTWAIT);
    if (n < 0) break;
    ++received_;
    const sock_extended_err* ee = nullptr;
    uint64_t recvTimeNs = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
      if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
          (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
        ee = reinterpret_cast<const sock_extended_err*>(CMSG_DATA(c));
      } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
        timespec ts;
        std::memcpy(&ts, CMSG_DATA(c), sizeof(ts));
        recvTimeNs = static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
      }
    }
    if (ee == nullptr || (ee->ee_origin != SO_EE_ORIGIN_ICMP && ee->ee_origin != SO_EE_ORIGIN_ICMP6)) {
      ++malformed_;  // a local error (e.g. EMSGSIZE), already reported by send
      continue;
    }
    ReplyRecord rec;
    std::memset(&rec, 0, sizeof(rec));
    rec.recvTimeNs = recvTimeNs != 0 ? recvTimeNs : RealtimeNs();
    rec.type = ee->ee_type;
    rec.code = ee->ee_code;
    rec.flags = reply_flag::kIsError | reply_flag::kChecksumOk | (family_ == 6 ? reply_flag::kIpv6 : 0);
    const sockaddr* offender = SO_EE_OFFENDER(ee);
    if (family_ == 4) {
      if (offender->sa_family == AF_INET) std::memcpy(rec.addr, &reinterpret_cast<const sockaddr_in*>(offender)->sin_addr, 4);
      std::memcpy(rec.quotedAddr, &reinterpret_cast<sockaddr_in*>(&name)->sin_addr, 4);
    } else {
      if (offender->sa_family == AF_INET6) std::memcpy(rec.addr, &reinterpret_cast<const sockaddr_in6*>(offender)->sin6_addr, 16);
      std::memcpy(rec.quotedAddr, &name.sin6_addr, 16);
    }
    size_t len = std::min<size_t>(static_cast<size_t>(n), recvSlotSize_);
    if (!ParseQuotedEcho(recvData_.data(), len, family_, &rec)) {
      ++malformed_;
      continue;
    }
    rec.payloadLen = static_cast<uint16_t>(len - 8);
    WriteReply(out + written * sizeof(ReplyRecord), rec);
    ++written;
  }
  return written;
}

Napi::Value IcmpSocket::SendPacket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = RequireOpen(env, "sendPacket");
  if (!raw_) throw Napi::Error::New(env, "sendPacket: only raw sockets send pre-built ICMP messages (this is a ping socket)");
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "sendPacket: address must be a string");
  if (!info[1].IsBuffer()) throw Napi::TypeError::New(env, "sendPacket: icmp must be a Buffer");
  std::string address = info[0].As<Napi::String>().Utf8Value();
  auto icmp = info[1].As<Napi::Buffer<uint8_t>>();
  if (icmp.Length() < 8 || icmp.Length() > 8 + kMaxPayload) {
    throw Napi::RangeError::New(env, "sendPacket: icmp must hold 8.." + std::to_string(8 + kMaxPayload) + " bytes");
  }
  uint8_t bytes[16] = {};
  if (::inet_pton(family_ == 4 ? AF_INET : AF_INET6, address.c_str(), bytes) != 1) {
    throw Napi::TypeError::New(env, "sendPacket: '" + address + "' is not an IPv" + std::to_string(family_) + " address");
  }
  sockaddr_in6 sa;
  socklen_t len = static_cast<socklen_t>(FillSockaddr(bytes, &sa));
  ssize_t n = ::sendto(fd, icmp.Data(), icmp.Length(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&sa), len);
  if (n < 0) throw SysError(env, errno, "sendto", "sendPacket: sending to " + address);
  ++sent_;
  return env.Undefined();
}

Napi::Value IcmpSocket::SetTtl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireOpen(env, "setTtl");
  ApplyTtl(env, static_cast<int>(RequireInt(info[0], 1, 255, "setTtl: ttl")));
  return env.Undefined();
}

Napi::Value IcmpSocket::SetTos(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireOpen(env, "setTos");
  ApplyTos(env, static_cast<int>(RequireInt(info[0], 0, 255, "setTos: tos")));
  return env.Undefined();
}

Napi::Value IcmpSocket::SetDontFragment(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireOpen(env, "setDontFragment");
  if (!info[0].IsBoolean()) throw Napi::TypeError::New(env, "setDontFragment: on must be a boolean");
  ApplyDontFragment(env, info[0].As<Napi::Boolean>().Value());
  return env.Undefined();
}

Napi::Value IcmpSocket::SetRecvBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireOpen(env, "setRecvBuffer");
  int bytes = static_cast<int>(RequireInt(info[0], 1, 1 << 30, "setRecvBuffer: bytes"));
  return Napi::Number::New(env, ApplyRecvBuffer(env, bytes));
}

Napi::Value IcmpSocket::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object s = Napi::Object::New(env);
  s.Set("received", Napi::Number::New(env, static_cast<double>(received_)));
  s.Set("malformed", Napi::Number::New(env, static_cast<double>(malformed_)));
  // SO_RXQ_OVFL only reports drops on the next packet that does get queued; SO_MEMINFO
  // reads the socket's drop counter now.
  uint64_t drops = kernelDrops_;
  if (isOpen()) {
    uint32_t meminfo[SK_MEMINFO_VARS] = {};
    socklen_t len = sizeof(meminfo);
    if (::getsockopt(descriptor(), SOL_SOCKET, SO_MEMINFO, meminfo, &len) == 0 && len > SK_MEMINFO_DROPS * sizeof(uint32_t)) {
      drops = std::max<uint64_t>(drops, meminfo[SK_MEMINFO_DROPS]);
    }
  }
  kernelDrops_ = drops;
  s.Set("kernelDrops", Napi::Number::New(env, static_cast<double>(drops)));
  s.Set("sent", Napi::Number::New(env, static_cast<double>(sent_)));
  s.Set("sendErrors", Napi::Number::New(env, static_cast<double>(sendErrors_)));
  s.Set("kernelSendStamps", Napi::Number::New(env, static_cast<double>(kernelTimed_)));
  return s;
}

}  // namespace sonde
