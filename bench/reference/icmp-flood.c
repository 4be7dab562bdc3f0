// Reference ICMP echo loop for bench/throughput.ts: the ceiling sonde is compared against.
// One raw IPv4 socket, sendmmsg/recvmmsg in batches, a bounded in-flight window, replies
// matched by our own identifier and a probe index carried in the payload.
//
// Usage: icmp-flood --targets FILE --count K [--size 56] [--batch 64] [--window 4096]
//                   [--timeout-ms 1000] [--rcvbuf BYTES]
// FILE holds one IPv4 address per line (bench/throughput.ts passes only 127.0.0.0/8).
// Prints one JSON object on stdout: sent, received, duplicates, lost, lossPercent,
// elapsedSec (first send to last reply) and roundTripsPerSec (received / elapsedSec).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/icmp.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH 1024
#define MAGIC 0x534f4e44u /* "SOND" */
#define MAX_PACKET 2048

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint16_t checksum(const uint8_t *data, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += (uint32_t)data[i] << 8 | data[i + 1];
  if (len & 1) sum += (uint32_t)data[len - 1] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons((uint16_t)~sum);
}

static void die(const char *what) {
  fprintf(stderr, "icmp-flood: %s: %s\n", what, strerror(errno));
  exit(1);
}

static uint32_t *read_targets(const char *path, size_t *count) {
  FILE *f = fopen(path, "r");
  if (!f) die(path);
  size_t cap = 1024, n = 0;
  uint32_t *addrs = malloc(cap * sizeof *addrs);
  char line[128];
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = 0;
    if (!line[0]) continue;
    struct in_addr a;
    if (inet_pton(AF_INET, line, &a) != 1) {
      fprintf(stderr, "icmp-flood: %s: not an IPv4 address: %s\n", path, line);
      exit(2);
    }
    if ((ntohl(a.s_addr) >> 24) != 127) {
      fprintf(stderr, "icmp-flood: refusing non-loopback target %s (bench sends to 127.0.0.0/8 only)\n", line);
      exit(2);
    }
    if (n == cap) addrs = realloc(addrs, (cap *= 2) * sizeof *addrs);
    addrs[n++] = a.s_addr;
  }
  fclose(f);
  *count = n;
  return addrs;
}

int main(int argc, char **argv) {
  const char *targets_path = NULL;
  long count = 1, size = 56, batch = 64, window = 4096, timeout_ms = 1000, rcvbuf = 16 << 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (!strcmp(k, "--targets")) targets_path = v;
    else if (!strcmp(k, "--count")) count = atol(v);
    else if (!strcmp(k, "--size")) size = atol(v);
    else if (!strcmp(k, "--batch")) batch = atol(v);
    else if (!strcmp(k, "--window")) window = atol(v);
    else if (!strcmp(k, "--timeout-ms")) timeout_ms = atol(v);
    else if (!strcmp(k, "--rcvbuf")) rcvbuf = atol(v);
    else { fprintf(stderr, "icmp-flood: unknown option %s\n", k); return 2; }
  }
  if (!targets_path || count < 1 || size < 8 || size > 1400 || batch < 1 || batch > MAX_BATCH || window < batch) {
    fprintf(stderr, "usage: icmp-flood --targets FILE --count K [--size 8..1400] [--batch 1..%d] [--window >=batch] [--timeout-ms MS]\n", MAX_BATCH);
    return 2;
  }
  size_t ntargets;
  uint32_t *targets = read_targets(targets_path, &ntargets);
  if (ntargets == 0) { fprintf(stderr, "icmp-flood: %s holds no targets\n", targets_path); return 2; }
  const uint64_t total = (uint64_t)ntargets * (uint64_t)count;

  int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_ICMP);
  if (fd < 0) die("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) (needs root or CAP_NET_RAW)");
  // Only echo replies reach us (the kernel drops our own looped-back requests and the rest).
  struct icmp_filter filt = { .data = ~(1u << ICMP_ECHOREPLY) };
  if (setsockopt(fd, SOL_RAW, ICMP_FILTER, &filt, sizeof filt) < 0) die("ICMP_FILTER");
  int buf = (int)rcvbuf;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) < 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);

  srand((unsigned)(now_ns() ^ (uint64_t)getpid()));
  const uint16_t ident = (uint16_t)(rand() & 0xffff);
  const size_t pkt_len = 8 + (size_t)size;

  uint8_t *send_bufs = calloc((size_t)batch, pkt_len);
  struct sockaddr_in *dsts = calloc((size_t)batch, sizeof *dsts);
  struct iovec *siov = calloc((size_t)batch, sizeof *siov);
  struct mmsghdr *smsg = calloc((size_t)batch, sizeof *smsg);
  static uint8_t recv_bufs[MAX_BATCH][MAX_PACKET];
  static struct iovec riov[MAX_BATCH];
  static struct mmsghdr rmsg[MAX_BATCH];
  for (long i = 0; i < batch; i++) {
    riov[i].iov_base = recv_bufs[i];
    riov[i].iov_len = MAX_PACKET;
    rmsg[i].msg_hdr.msg_iov = &riov[i];
    rmsg[i].msg_hdr.msg_iovlen = 1;
  }
  uint8_t *seen = calloc(total, 1);

  uint64_t next = 0, received = 0, duplicates = 0, send_errors = 0;
  // Probes given up on after the timeout so that a lost reply cannot close the window for good.
  int64_t abandoned = 0;
#define IN_FLIGHT ((int64_t)next - (int64_t)received - abandoned)
  uint64_t start = now_ns(), last_reply = start, last_progress = start;
  for (;;) {
    // Send while the window allows.
    while (next < total && IN_FLIGHT < window) {
      uint64_t n = total - next;
      if (n > (uint64_t)batch) n = (uint64_t)batch;
      if ((int64_t)n > window - IN_FLIGHT) n = (uint64_t)(window - IN_FLIGHT);
      for (uint64_t j = 0; j < n; j++) {
        uint64_t probe = next + j;
        uint8_t *p = send_bufs + j * pkt_len;
        memset(p, 0, pkt_len);
        p[0] = ICMP_ECHO;
        uint16_t id_be = htons(ident), seq_be = htons((uint16_t)probe);
        memcpy(p + 4, &id_be, 2);
        memcpy(p + 6, &seq_be, 2);
        uint32_t magic = MAGIC, idx = (uint32_t)probe;
        memcpy(p + 8, &magic, 4);
        memcpy(p + 12, &idx, 4);
        uint16_t sum = checksum(p, pkt_len);
        memcpy(p + 2, &sum, 2);
        // Round-robin over targets: probe k of every target before probe k+1 of any.
        dsts[j].sin_family = AF_INET;
        dsts[j].sin_addr.s_addr = targets[probe % ntargets];
        siov[j].iov_base = p;
        siov[j].iov_len = pkt_len;
        memset(&smsg[j].msg_hdr, 0, sizeof smsg[j].msg_hdr);
        smsg[j].msg_hdr.msg_name = &dsts[j];
        smsg[j].msg_hdr.msg_namelen = sizeof dsts[j];
        smsg[j].msg_hdr.msg_iov = &siov[j];
        smsg[j].msg_hdr.msg_iovlen = 1;
      }
      int sent = sendmmsg(fd, smsg, (unsigned)n, 0);
      if (sent < 0) {
        if (errno == EAGAIN || errno == ENOBUFS) break;
        send_errors++;
        sent = 1;  // skip the packet the kernel refused; it counts as lost
      }
      next += (uint64_t)sent;
      if ((uint64_t)sent < n) break;
    }
    // Drain replies.
    int got = recvmmsg(fd, rmsg, (unsigned)batch, MSG_DONTWAIT, NULL);
    if (got > 0) {
      for (int i = 0; i < got; i++) {
        const uint8_t *pkt = recv_bufs[i];
        size_t len = rmsg[i].msg_len;
        if (len < 20) continue;
        size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
        if (len < ihl + 16) continue;
        const uint8_t *icmp = pkt + ihl;
        uint16_t id_be;
        memcpy(&id_be, icmp + 4, 2);
        uint32_t magic, idx;
        memcpy(&magic, icmp + 8, 4);
        memcpy(&idx, icmp + 12, 4);
        if (icmp[0] != ICMP_ECHOREPLY || ntohs(id_be) != ident || magic != MAGIC || idx >= next) continue;
        if (seen[idx]) { duplicates++; continue; }
        seen[idx] = 1;
        received++;
      }
      last_reply = last_progress = now_ns();
      continue;
    }
    if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK) die("recvmmsg");
    if (received == total) break;
    if (next < total && IN_FLIGHT < window) continue;  // window open: send more
    // Window full or everything sent: wait for replies, up to the timeout since last progress.
    uint64_t now = now_ns();
    long left_ms = timeout_ms - (long)((now - last_progress) / 1000000u);
    if (left_ms <= 0) {
      if (next < total) {  // replies lost: give up on them and keep sending
        abandoned = (int64_t)next - (int64_t)received;
        last_progress = now;
        continue;
      }
      break;
    }
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    poll(&pfd, 1, (int)left_ms);
  }
  double elapsed = (double)(last_reply - start) / 1e9;
  uint64_t lost = next - received + (total - next);
  printf("{\"tool\":\"c-reference\",\"targets\":%zu,\"count\":%ld,\"size\":%ld,\"batch\":%ld,\"window\":%ld,"
         "\"sent\":%llu,\"received\":%llu,\"duplicates\":%llu,\"sendErrors\":%llu,\"lost\":%llu,"
         "\"lossPercent\":%.4f,\"elapsedSec\":%.6f,\"roundTripsPerSec\":%.1f}\n",
         ntargets, count, size, batch, window, (unsigned long long)next, (unsigned long long)received,
         (unsigned long long)duplicates, (unsigned long long)send_errors, (unsigned long long)lost,
         100.0 * (double)lost / (double)total, elapsed, elapsed > 0 ? (double)received / elapsed : 0.0);
  close(fd);
  return 0;
}
