// The kernel's own send times of a raw ICMP socket's packets (SO_TIMESTAMPING software TX
// stamps), taken where the driver hands a packet on (loopback_xmit, a NIC driver's xmit),
// the counterpart of the SO_TIMESTAMPNS receive stamp. A time read in C before sendmmsg
// also counts the send system call itself, which runs slower the longer the CPU was idle,
// and in a batch the sending of every packet before (bench/README.md, bench:accuracy).
// Each stamp arrives on the socket's error queue with the packet's OPT_ID key: the socket's
// count of packets stamped before it. A stamp costs ~2 µs of CPU (allocated, queued, read),
// so a large batch asks for one on every kStride-th packet and the last (Stamped()); a packet
// between takes the stamp of the stamped one before it.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sonde {

class SendStamps {
 public:
  // What a packet's SO_TIMESTAMPING control message asks for.
  static constexpr uint32_t kPacketFlags = 1u << 1;  // SOF_TIMESTAMPING_TX_SOFTWARE
  static constexpr size_t kStride = 16;
  // Whether packet j of a sendmmsg batch of n asks for a stamp: all of a small batch.
  static bool Stamped(size_t j, size_t n) { return n <= kStride || j % kStride == 0 || j == n - 1; }

  // Turns TX stamps on for fd; false when the kernel refuses them (the caller keeps its
  // own send times then).
  bool Enable(int fd);
  bool enabled() const { return enabled_; }
  void Disable(int fd);

  // The key the kernel gives the next packet it accepts.
  uint32_t nextKey() const { return nextKey_; }
  // `n` packets were accepted by sendmmsg: they hold keys nextKey() .. nextKey() + n - 1.
  void Accepted(size_t n) {
    nextKey_ += static_cast<uint32_t>(n);
    outstanding_ += n;
  }
  // A packet was refused after the kernel may or may not have consumed its key: the keys
  // are put back to 0 (OPT_ID turned off and on) once the queue is read.
  void KeysUncertain() { resync_ = true; }

  // Reads the error queue; calls onStamp(key, realtimeNs) for each send stamp. Returns the
  // number of stamps read.
  template <typename F>
  size_t Drain(int fd, F onStamp);

  // True while stamps may still be queued (a late stamp would leave the socket reporting
  // POLLERR until it is read).
  bool mayHaveQueued() const { return outstanding_ > 0 || resync_; }

  uint64_t stamped() const { return stamped_; }

 private:
  // Reads up to kBatch queue entries, keeps the stamps among them; *more when the batch was full.
  size_t ReadBatch(int fd, bool* more);
  void Resync(int fd);

  bool enabled_ = false;
  int flags_ = 0;
  uint32_t nextKey_ = 0;
  uint64_t outstanding_ = 0;
  bool resync_ = false;
  uint64_t stamped_ = 0;

  // Error-queue arena: a stamp carries no data (OPT_TSONLY), only its control messages.
  static constexpr size_t kBatch = 64;
  static constexpr size_t kControlWords = 32;  // 256 bytes: the stamp and the extended error
  std::vector<mmsghdr> msgs_;
  std::vector<uint64_t> control_;
  std::vector<uint64_t> keys_;
  std::vector<uint64_t> times_;
};

template <typename F>
size_t SendStamps::Drain(int fd, F onStamp) {
  if (!enabled_) return 0;
  size_t total = 0;
  bool more = true;
  while (more) {
    size_t n = ReadBatch(fd, &more);
    for (size_t i = 0; i < n; ++i) onStamp(static_cast<uint32_t>(keys_[i]), times_[i]);
    total += n;
  }
  if (resync_) Resync(fd);
  return total;
}

}  // namespace sonde
