// Classic BPF programs for raw ICMP sockets. Every raw ICMP socket receives a copy of every
// ICMP packet on the host; the filter drops, in the kernel, everything but echo replies
// for this socket's identifier block and ICMP errors quoting an echo request from it.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <vector>

namespace sonde {

struct IdBlock {
  bool any;       // accept every identifier
  uint16_t first;
  uint16_t last;  // inclusive
};

// IPv4 raw sockets see the IP header first (variable IHL, and a second one inside errors).
std::vector<sock_filter> BuildIcmp4Filter(IdBlock ids);
// IPv6 raw sockets see the ICMPv6 header first; errors quote a 40-byte IPv6 header.
std::vector<sock_filter> BuildIcmp6Filter(IdBlock ids);

}  // namespace sonde
