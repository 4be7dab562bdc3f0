#include "send_stamps.h"

#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <time.h>

#include <cerrno>
#include <cstring>

namespace sonde {
namespace {

// SOF_TIMESTAMPING_OPT_RX_FILTER (Linux 6.1, newer than some distributions' headers): keeps
// the receive path to its SO_TIMESTAMPNS stamp instead of adding a second one per packet.
constexpr int kOptRxFilter = 1 << 17;
// Reporting only: each packet that wants a stamp asks for it (SendStamps::kPacketFlags).
constexpr int kTxFlags = SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_TSONLY | SOF_TIMESTAMPING_OPT_ID;
static_assert(SendStamps::kPacketFlags == SOF_TIMESTAMPING_TX_SOFTWARE, "kPacketFlags");

}  // namespace

bool SendStamps::Enable(int fd) {
  for (int flags : {kTxFlags | kOptRxFilter, kTxFlags}) {
    if (::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)) == 0) {
      flags_ = flags;
      enabled_ = true;
      msgs_.assign(kBatch, mmsghdr{});
      control_.assign(kBatch * kControlWords, 0);
      keys_.assign(kBatch, 0);
      times_.assign(kBatch, 0);
      return true;
    }
  }
  return false;
}

size_t SendStamps::ReadBatch(int fd, bool* more) {
  for (size_t i = 0; i < kBatch; ++i) {
    msghdr& m = msgs_[i].msg_hdr;
    m = msghdr{};
    m.msg_control = &control_[i * kControlWords];
    m.msg_controllen = kControlWords * sizeof(uint64_t);
  }
  int r = ::recvmmsg(fd, msgs_.data(), kBatch, MSG_ERRQUEUE | MSG_DONTWAIT, nullptr);
  *more = r == static_cast<int>(kBatch);
  if (r <= 0) return 0;
  size_t stamps = 0;
  for (int i = 0; i < r; ++i) {
    msghdr& m = msgs_[i].msg_hdr;
    const sock_extended_err* ee = nullptr;
    uint64_t ns = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING) {
        scm_timestamping ts;
        std::memcpy(&ts, CMSG_DATA(c), sizeof(ts));
        ns = static_cast<uint64_t>(ts.ts[0].tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.ts[0].tv_nsec);
      } else if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
                 (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
        ee = reinterpret_cast<const sock_extended_err*>(CMSG_DATA(c));
      }
    }
    if (ee == nullptr || ee->ee_origin != SO_EE_ORIGIN_TIMESTAMPING || ee->ee_info != SCM_TSTAMP_SND || ns == 0) continue;
    if (outstanding_ > 0) --outstanding_;
    keys_[stamps] = ee->ee_data;
    times_[stamps] = ns;
    ++stamps;
  }
  stamped_ += stamps;
  return stamps;
}

void SendStamps::Disable(int fd) {
  const int off = 0;
  ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &off, sizeof(off));
  enabled_ = false;
  outstanding_ = 0;
  resync_ = false;
}

void SendStamps::Resync(int fd) {
  // Turning OPT_ID on again starts the socket's key count at 0.
  const int off = 0;
  if (::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &off, sizeof(off)) != 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags_, sizeof(flags_)) != 0) {
    enabled_ = false;  // the caller's own send times from now on
  }
  nextKey_ = 0;
  outstanding_ = 0;
  resync_ = false;
}

}  // namespace sonde
