// The wire reference for bench:accuracy: an AF_PACKET tap on one device (lo) that prints
// every ICMP echo request and reply to or from one address with the kernel's stamp of the
// moment it passed the device, so that any tool's RTT can be compared with the RTT on the
// wire, probe by probe, by (echo id, seq).
//
// Usage: wire-stamps DEVICE ADDRESS [DRAIN_MS=100 [ID_RANGES]]   (CAP_NET_RAW; bench/lib/wire-capture.ts)
// ADDRESS is one IPv4 or IPv6 literal; a classic BPF filter keeps only echo requests and
// replies (ICMP 8/0, ICMPv6 128/129) whose source or destination it is and, with ID_RANGES
// ("A-B,C,…"), whose echo id is in one of them, so other traffic on the device (other
// processes pinging the same address) costs the tap a filter run, not a copy.
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

/* A tiny assembler for the classic BPF filter: jumps name labels, resolved to relative offsets
 * at the end. Offsets are from the network header (a SOCK_DGRAM packet socket). */
enum { NEXT = -1, ACCEPT = 0, REJECT = 1, DST = 2, TYPE = 3, LABELS = 4 };
#define MAX_INS 512
static struct { uint16_t code; int jt, jf; uint32_t k; } ins[MAX_INS];
static int n_ins = 0, label_at[LABELS];
static void emit(uint16_t code, uint32_t k, int jt, int jf) {
  if (n_ins == MAX_INS) { fprintf(stderr, "wire-stamps: filter too long\n"); exit(2); }
  ins[n_ins].code = code; ins[n_ins].k = k; ins[n_ins].jt = jt; ins[n_ins].jf = jf; n_ins++;
}
#define STMT(code, k) emit((code), (k), NEXT, NEXT)
#define JEQ(k, jt, jf) emit(BPF_JMP | BPF_JEQ | BPF_K, (k), (jt), (jf))
#define LDB(off) STMT(BPF_LD | BPF_B | BPF_ABS, (off))
#define LDW(off) STMT(BPF_LD | BPF_W | BPF_ABS, (off))
/* Jumps to an absolute instruction index are encoded as LABELS + index. */
#define AT(i) (LABELS + (i))

static uint8_t resolve(int i, int target) {
  int to = target == NEXT ? i + 1 : target >= LABELS ? target - LABELS : label_at[target];
  int off = to - (i + 1);
  if (off < 0 || off > 255) { fprintf(stderr, "wire-stamps: filter jump out of range (too many id ranges)\n"); exit(2); }
  return (uint8_t)off;
}

/* With X at the ICMP header: echo request or reply, and (if ranges are given) an echo id in one of them. */
static void tail(unsigned request, unsigned reply, const uint32_t (*ranges)[2], int n_ranges) {
  label_at[TYPE] = n_ins;
  STMT(BPF_LD | BPF_B | BPF_IND, 0);
  int ids = n_ins + 2;
  JEQ(request, AT(ids), NEXT);
  JEQ(reply, AT(ids), REJECT);
  STMT(BPF_LD | BPF_H | BPF_IND, 4);
  for (int r = 0; r < n_ranges; r++) {
    int next = r == n_ranges - 1 ? REJECT : AT(n_ins + 2);
    emit(BPF_JMP | BPF_JGE | BPF_K, ranges[r][0], NEXT, next);
    emit(BPF_JMP | BPF_JGT | BPF_K, ranges[r][1], next, ACCEPT);
  }
  label_at[ACCEPT] = n_ins;
  STMT(BPF_RET | BPF_K, SNAP);
  label_at[REJECT] = n_ins;
  STMT(BPF_RET | BPF_K, 0);
}

static void filter_v4(uint32_t addr, const uint32_t (*ranges)[2], int n_ranges) {
  LDB(0);
  STMT(BPF_ALU | BPF_RSH | BPF_K, 4);
  JEQ(4, NEXT, REJECT);
  LDB(9);
  JEQ(IPPROTO_ICMP, NEXT, REJECT);
  LDW(12);                                     /* source */
  JEQ(addr, AT(n_ins + 3), NEXT);
  LDW(16);                                     /* destination */
  JEQ(addr, NEXT, REJECT);
  STMT(BPF_LDX | BPF_B | BPF_MSH, 0);          /* X = IP header length */
  tail(8, 0, ranges, n_ranges);
}

static void filter_v6(const uint32_t a[4], const uint32_t (*ranges)[2], int n_ranges) {
  LDB(0);
  STMT(BPF_ALU | BPF_RSH | BPF_K, 4);
  JEQ(6, NEXT, REJECT);
  LDB(6);                                      /* next header (no extension headers) */
  JEQ(IPPROTO_ICMPV6, NEXT, REJECT);
  for (int w = 0; w < 4; w++) {                /* source */
    LDW(8 + 4 * w);
    JEQ(a[w], w == 3 ? AT(n_ins + 9) : NEXT, DST);  /* a match: to the LDX below */
  }
  label_at[DST] = n_ins;
  for (int w = 0; w < 4; w++) {                /* destination */
    LDW(24 + 4 * w);
    JEQ(a[w], NEXT, REJECT);
  }
  STMT(BPF_LDX | BPF_IMM, 40);                 /* X = the fixed header's length */
  tail(128, 129, ranges, n_ranges);
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

#define MAX_RANGES 100

/* "A-B,C,…" → inclusive id ranges; the count, or -1 when malformed. */
static int parse_ranges(char *text, uint32_t (*ranges)[2]) {
  int n = 0;
  for (char *part = strtok(text, ","); part; part = strtok(NULL, ",")) {
    char *end;
    unsigned long lo = strtoul(part, &end, 10), hi = lo;
    if (*end == '-') hi = strtoul(end + 1, &end, 10);
    if (*end != 0 || end == part || lo > hi || hi > 0xffff || n == MAX_RANGES) return -1;
    ranges[n][0] = (uint32_t)lo;
    ranges[n][1] = (uint32_t)hi;
    n++;
  }
  return n;
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 5) {
    fprintf(stderr, "usage: wire-stamps DEVICE ADDRESS [DRAIN_MS=100 [ID_RANGES]]\n");
    return 2;
  }
  const char *device = argv[1];
  long drain_ms = argc > 3 ? atol(argv[3]) : 100;
  if (drain_ms < 1 || drain_ms > 10000) {
    fprintf(stderr, "wire-stamps: DRAIN_MS must be 1..10000, got %s\n", argv[3]);
    return 2;
  }
  static uint32_t ranges[MAX_RANGES][2];
  int n_ranges = argc > 4 ? parse_ranges(argv[4], ranges) : 0;
  if (n_ranges < 0) {
    fprintf(stderr, "wire-stamps: ID_RANGES must be up to %d comma-separated ids or ranges A-B within 0..65535\n", MAX_RANGES);
    return 2;
  }
  struct in_addr a4;
  struct in6_addr a6;
  if (inet_pton(AF_INET, argv[2], &a4) == 1) {
    filter_v4(ntohl(a4.s_addr), ranges, n_ranges);
  } else if (inet_pton(AF_INET6, argv[2], &a6) == 1) {
    uint32_t w[4];
    for (int k = 0; k < 4; k++) w[k] = (uint32_t)a6.s6_addr[4 * k] << 24 | (uint32_t)a6.s6_addr[4 * k + 1] << 16 |
                                       (uint32_t)a6.s6_addr[4 * k + 2] << 8 | a6.s6_addr[4 * k + 3];
    filter_v6(w, ranges, n_ranges);
  } else {
    fprintf(stderr, "wire-stamps: not an IPv4 or IPv6 address: %s\n", argv[2]);
    return 2;
  }
  static struct sock_filter code[MAX_INS];
  for (int i = 0; i < n_ins; i++) {
    code[i] = (struct sock_filter){ins[i].code, 0, 0, ins[i].k};
    if (BPF_CLASS(ins[i].code) == BPF_JMP) {
      code[i].jt = resolve(i, ins[i].jt);
      code[i].jf = resolve(i, ins[i].jf);
    }
  }
  unsigned ifindex = if_nametoindex(device);
  if (ifindex == 0) die(device);

  // Protocol 0 receives nothing until bind: the filter is in place before the first packet.
  int fd = socket(AF_PACKET, SOCK_DGRAM, 0);
  if (fd < 0) die("socket(AF_PACKET) (needs CAP_NET_RAW)");
  struct sock_fprog prog = {.len = (unsigned short)n_ins, .filter = code};
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
