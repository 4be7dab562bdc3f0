// The wire reference for bench:accuracy: an AF_PACKET tap on one device (lo) that prints
// every ICMP echo request and reply to or from one address with the kernel's stamp of the
// moment it passed the device, so that any tool's RTT can be compared with the RTT on the
// wire, probe by probe, by (echo id, seq).
//
// Usage: wire-stamps DEVICE ADDRESS [DRAIN_MS=100]      (CAP_NET_RAW; bench/lib/wire-capture.ts)
// ADDRESS is one IPv4 or IPv6 literal; a classic BPF filter keeps only echo requests and
// replies (ICMP 8/0, ICMPv6 128/129) whose source or destination it is, so other traffic on
// the device costs the tap a filter run, not a copy.
//
// Stamps: SO_TIMESTAMPNS, CLOCK_REALTIME ns (the clock of SO_TIMESTAMPNS on every socket, of
// sonde's stamps and of ping's gettimeofday). An outgoing packet is stamped when the device's
// transmit path hands a copy to the taps (dev_queue_xmit_nit, just before the driver's
// xmit: on lo, loopback_xmit); an incoming one carries the stamp its skb got on receive
// (netif_rx), the same stamp a socket that receives the packet reads.
//
// The socket is never waited on: it is drained every DRAIN_MS from a nanosleep loop, so that
// a queued packet never wakes a sleeping reader from inside the sender's system call (which
// would add a wake-up, on a VM an inter-processor interrupt, to the path being measured).
//
// Output, one line per packet: DIR TYPE ID SEQ NS, DIR 'o' (leaving through the device) or
// 'i' (received from it); first a line "ready" once the tap is open, at SIGTERM/SIGINT a last
// drain and "end PACKETS DROPS" (the kernel's tp_packets / tp_drops: drops > 0 means the
// receive buffer overflowed between drains and some packets are missing).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
/* Enough for an IPv6 header (40) or an IPv4 header with options (≤ 60) and the 8 ICMP bytes. */
#define SNAP 96

static volatile sig_atomic_t stopping = 0;
static void on_signal(int sig) { (void)sig; stopping = 1; }

static void die(const char *what) {
  fprintf(stderr, "wire-stamps: %s: %s\n", what, strerror(errno));
  exit(1);
}

#define STMT(code, k) ((struct sock_filter){(code), 0, 0, (k)})
#define JEQ(k, jt, jf) ((struct sock_filter){BPF_JMP | BPF_JEQ | BPF_K, (jt), (jf), (k)})
#define LDB(off) STMT(BPF_LD | BPF_B | BPF_ABS, (off))
#define LDW(off) STMT(BPF_LD | BPF_W | BPF_ABS, (off))

/* Offsets are from the network header (a SOCK_DGRAM packet socket). Jumps are relative: the
 * instruction after the jump is 0; ACCEPT and REJECT are the last two. */
static int filter_v4(struct sock_filter *f, uint32_t addr) {
  int n = 0;
  f[n++] = LDB(0);                                        /* 0 */
  f[n++] = STMT(BPF_ALU | BPF_RSH | BPF_K, 4);            /* 1 */
  f[n++] = JEQ(4, 0, 11);                                 /* 2: IPv4, else → 14 */
  f[n++] = LDB(9);                                        /* 3 */
  f[n++] = JEQ(IPPROTO_ICMP, 0, 9);                       /* 4: else → 14 */
  f[n++] = LDW(12);                                       /* 5: source */
  f[n++] = JEQ(addr, 2, 0);                               /* 6: → 9 */
  f[n++] = LDW(16);                                       /* 7: destination */
  f[n++] = JEQ(addr, 0, 5);                               /* 8: else → 14 */
  f[n++] = STMT(BPF_LDX | BPF_B | BPF_MSH, 0);            /* 9: X = IP header length */
  f[n++] = STMT(BPF_LD | BPF_B | BPF_IND, 0);             /* 10: ICMP type */
  f[n++] = JEQ(0, 1, 0);                                  /* 11: echo reply → 13 */
  f[n++] = JEQ(8, 0, 1);                                  /* 12: echo request → 13, else → 14 */
  f[n++] = STMT(BPF_RET | BPF_K, SNAP);                   /* 13: ACCEPT */
  f[n++] = STMT(BPF_RET | BPF_K, 0);                      /* 14: REJECT */
  return n;
}

static int filter_v6(struct sock_filter *f, const uint32_t a[4]) {
  int n = 0;
  f[n++] = LDB(0);                                        /* 0 */
  f[n++] = STMT(BPF_ALU | BPF_RSH | BPF_K, 4);            /* 1 */
  f[n++] = JEQ(6, 0, 22);                                 /* 2: IPv6, else → 25 */
  f[n++] = LDB(6);                                        /* 3: next header (no extension headers) */
  f[n++] = JEQ(IPPROTO_ICMPV6, 0, 20);                    /* 4: else → 25 */
  f[n++] = LDW(8);  f[n++] = JEQ(a[0], 0, 6);             /* 5, 6: source, else → 13 */
  f[n++] = LDW(12); f[n++] = JEQ(a[1], 0, 4);             /* 7, 8 */
  f[n++] = LDW(16); f[n++] = JEQ(a[2], 0, 2);             /* 9, 10 */
  f[n++] = LDW(20); f[n++] = JEQ(a[3], 8, 0);             /* 11, 12: → 21 */
  f[n++] = LDW(24); f[n++] = JEQ(a[0], 0, 10);            /* 13, 14: destination, else → 25 */
  f[n++] = LDW(28); f[n++] = JEQ(a[1], 0, 8);             /* 15, 16 */
  f[n++] = LDW(32); f[n++] = JEQ(a[2], 0, 6);             /* 17, 18 */
  f[n++] = LDW(36); f[n++] = JEQ(a[3], 0, 4);             /* 19, 20 */
  f[n++] = LDB(40);                                       /* 21: ICMPv6 type */
  f[n++] = JEQ(128, 1, 0);                                /* 22: echo request → 24 */
  f[n++] = JEQ(129, 0, 1);                                /* 23: echo reply → 24, else → 25 */
  f[n++] = STMT(BPF_RET | BPF_K, SNAP);                   /* 24: ACCEPT */
  f[n++] = STMT(BPF_RET | BPF_K, 0);                      /* 25: REJECT */
  return n;
}

static unsigned char bufs[BATCH][SNAP];
static char controls[BATCH][CMSG_SPACE(sizeof(struct timespec))];
static struct sockaddr_ll names[BATCH];
static struct iovec iovs[BATCH];
static struct mmsghdr msgs[BATCH];

/* Prints every packet waiting in the socket; returns when it would block. */
static void drain(int fd) {
  for (;;) {
    for (int i = 0; i < BATCH; i++) {
      iovs[i] = (struct iovec){bufs[i], SNAP};
      msgs[i].msg_hdr = (struct msghdr){.msg_name = &names[i], .msg_namelen = sizeof names[i], .msg_iov = &iovs[i],
                                        .msg_iovlen = 1, .msg_control = controls[i], .msg_controllen = sizeof controls[i]};
    }
    int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR) continue;
      die("recvmmsg");
    }
    for (int i = 0; i < n; i++) {
      const unsigned char *p = bufs[i];
      unsigned len = msgs[i].msg_len;
      unsigned off = (p[0] >> 4) == 4 ? (unsigned)(p[0] & 0xf) * 4 : 40;
      if (len < off + 8) continue;
      uint64_t ns = 0;
      for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
          struct timespec ts;
          memcpy(&ts, CMSG_DATA(c), sizeof ts);
          ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
        }
      }
      const unsigned char *icmp = p + off;
      printf("%c %u %u %u %llu\n", names[i].sll_pkttype == PACKET_OUTGOING ? 'o' : 'i', icmp[0],
             (unsigned)icmp[4] << 8 | icmp[5], (unsigned)icmp[6] << 8 | icmp[7], (unsigned long long)ns);
    }
    if (n < BATCH) return;
  }
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: wire-stamps DEVICE ADDRESS [DRAIN_MS=100]\n");
    return 2;
  }
  const char *device = argv[1];
  long drain_ms = argc > 3 ? atol(argv[3]) : 100;
  if (drain_ms < 1 || drain_ms > 10000) {
    fprintf(stderr, "wire-stamps: DRAIN_MS must be 1..10000, got %s\n", argv[3]);
    return 2;
  }
  struct sock_filter code[32];
  int len;
  struct in_addr a4;
  struct in6_addr a6;
  if (inet_pton(AF_INET, argv[2], &a4) == 1) {
    len = filter_v4(code, ntohl(a4.s_addr));
  } else if (inet_pton(AF_INET6, argv[2], &a6) == 1) {
    uint32_t w[4];
    for (int k = 0; k < 4; k++) w[k] = (uint32_t)a6.s6_addr[4 * k] << 24 | (uint32_t)a6.s6_addr[4 * k + 1] << 16 |
                                       (uint32_t)a6.s6_addr[4 * k + 2] << 8 | a6.s6_addr[4 * k + 3];
    len = filter_v6(code, w);
  } else {
    fprintf(stderr, "wire-stamps: not an IPv4 or IPv6 address: %s\n", argv[2]);
    return 2;
  }
  unsigned ifindex = if_nametoindex(device);
  if (ifindex == 0) die(device);

  // Protocol 0 receives nothing until bind: the filter is in place before the first packet.
  int fd = socket(AF_PACKET, SOCK_DGRAM, 0);
  if (fd < 0) die("socket(AF_PACKET) (needs CAP_NET_RAW)");
  struct sock_fprog prog = {.len = (unsigned short)len, .filter = code};
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) != 0) die("SO_ATTACH_FILTER");
  int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) != 0) die("SO_TIMESTAMPNS");
  int rcvbuf = 16 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0 &&
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) != 0)
    die("SO_RCVBUF");
  struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = (int)ifindex};
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) != 0) die("bind");

  struct sigaction sa = {.sa_handler = on_signal};  // no SA_RESTART: the sleep ends at once
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  static char out[1 << 20];
  setvbuf(stdout, out, _IOFBF, sizeof out);
  printf("ready\n");
  fflush(stdout);

  struct timespec period = {.tv_sec = drain_ms / 1000, .tv_nsec = (drain_ms % 1000) * 1000000};
  while (!stopping) {
    drain(fd);
    fflush(stdout);
    nanosleep(&period, NULL);
  }
  drain(fd);
  struct tpacket_stats st;
  socklen_t sl = sizeof st;
  if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl) != 0) die("PACKET_STATISTICS");
  printf("end %u %u\n", st.tp_packets, st.tp_drops);
  fflush(stdout);
  return 0;
}
