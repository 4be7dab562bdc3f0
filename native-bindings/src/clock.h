#pragma once

#include <time.h>

#include <cstdint>

namespace sonde {

// CLOCK_REALTIME in ns: the clock of SO_TIMESTAMPNS, so send and receive times compare.
inline uint64_t RealtimeNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace sonde
