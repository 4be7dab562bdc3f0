// Loopback RTT of one raw ICMP socket, two ways from the same probes: from the time read before
// sendto (as iputils ping does) and from the kernel's software TX stamp, both to the reply's
// SO_TIMESTAMPNS receive stamp. The figures behind bench/README.md "bench:accuracy".
//   cc -O2 -o /tmp/rtt-stamps bench/reference/rtt-stamps.c
//   /tmp/rtt-stamps COUNT SPACING_MS SPIN TX_STAMPS [EXTRA_RAW_SOCKETS]   (root; 127.0.0.1 only)
// SPIN 1 waits for the next probe in a sched_yield loop (iputils below 10 ms), 0 in epoll_wait;
// EXTRA_RAW_SOCKETS opens that many more raw ICMP sockets, unfiltered, that are never read.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
static uint64_t now_ns(clockid_t c) { struct timespec ts; clock_gettime(c, &ts); return ts.tv_sec * 1000000000ull + ts.tv_nsec; }
static int cmp(const void* a, const void* b) { double x = *(double*)a, y = *(double*)b; return x < y ? -1 : x > y; }
int main(int argc, char** argv) {
  int n = atoi(argv[1]); double spacing_ms = atof(argv[2]); int spin = atoi(argv[3]); int txts = argc > 4 ? atoi(argv[4]) : 0;
  int extra = argc > 5 ? atoi(argv[5]) : 0; for (int e = 0; e < extra; e++) { int x = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_ICMP); int big = 1 << 20; setsockopt(x, SOL_SOCKET, SO_RCVBUF, &big, sizeof big); }
  int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_ICMP);
  int on = 1; setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  if (txts) { int f = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_TSONLY | SOF_TIMESTAMPING_OPT_ID;
    if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &f, sizeof f)) perror("SO_TIMESTAMPING"); }
  int ep = epoll_create1(0); struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd}; epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  struct sockaddr_in to = {.sin_family = AF_INET}; inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  double* user = calloc(n, sizeof(double)); double* tx = calloc(n, sizeof(double)); int got = 0, gotTx = 0;
  uint64_t next = now_ns(CLOCK_MONOTONIC) + 1000000;
  for (int i = 0; i < n; i++) {
    // wait until next
    for (;;) {
      uint64_t m = now_ns(CLOCK_MONOTONIC); if (m >= next) break;
      if (spin) { sched_yield(); continue; }
      int ms = (int)((next - m + 999999) / 1000000); struct epoll_event e; epoll_wait(ep, &e, 1, ms);
      // drain anything
      char b[256]; while (recv(fd, b, sizeof b, MSG_DONTWAIT) > 0) {}
    }
    next += (uint64_t)(spacing_ms * 1e6);
    unsigned char pkt[64] = {0}; struct icmphdr* h = (struct icmphdr*)pkt; h->type = ICMP_ECHO; h->un.echo.id = htons(0x7a7a); h->un.echo.sequence = htons(i);
    uint32_t sum = 0; for (int k = 0; k < 64; k += 2) sum += pkt[k] | pkt[k + 1] << 8; while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16); h->checksum = ~sum;
    uint64_t s = now_ns(CLOCK_REALTIME);
    sendto(fd, pkt, sizeof pkt, 0, (struct sockaddr*)&to, sizeof to);
    // read reply (blocking-ish)
    uint64_t deadline = now_ns(CLOCK_MONOTONIC) + 100000000; uint64_t txns = 0, rx = 0;
    while ((rx == 0 || (txts && txns == 0)) && now_ns(CLOCK_MONOTONIC) < deadline) {
      char buf[256]; char ctl[512]; struct iovec iov = {buf, sizeof buf}; struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
      if (txts && txns == 0) {
        ssize_t r = recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT);
        if (r >= 0) { for (struct cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING) { struct timespec* t = (struct timespec*)CMSG_DATA(c); txns = t[0].tv_sec * 1000000000ull + t[0].tv_nsec; } continue; }
      }
      m.msg_controllen = sizeof ctl;
      ssize_t r = recvmsg(fd, &m, MSG_DONTWAIT);
      if (r < 0) { struct pollfd p = {fd, POLLIN | POLLERR, 0}; poll(&p, 1, 1); continue; }
      struct iphdr* ip = (struct iphdr*)buf; struct icmphdr* rh = (struct icmphdr*)(buf + ip->ihl * 4);
      if (rh->type != ICMP_ECHOREPLY || rh->un.echo.id != htons(0x7a7a) || ntohs(rh->un.echo.sequence) != (i & 0xffff)) continue;
      for (struct cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) { struct timespec* t = (struct timespec*)CMSG_DATA(c); rx = t->tv_sec * 1000000000ull + t->tv_nsec; }
    }
    if (rx) { user[got++] = (rx - s) / 1000.0; if (txns) tx[gotTx++] = ((int64_t)rx - (int64_t)txns) / 1000.0; }
  }
  qsort(user, got, sizeof(double), cmp); qsort(tx, gotTx, sizeof(double), cmp);
  printf("spacing %.1f ms spin=%d n=%d: user-stamp median %.1f p99 %.1f", spacing_ms, spin, got, user[got / 2], user[(int)(got * 0.99)]);
  if (gotTx) printf(" | kernel-tx-stamp median %.1f p99 %.1f (n=%d)", tx[gotTx / 2], tx[(int)(gotTx * 0.99)], gotTx);
  printf("\n");
}
