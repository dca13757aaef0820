// CPU per one-way message between two processes pinned to the same core, over loopback TCP (epoll,
// 200 bytes): the floor of one crossing between two cluster nodes that share a core. Usage:
// crossing ROUND_TRIPS GAP_US (GAP_US 0: back to back; otherwise one side waits that long per round trip).
// The waiting side's wake-up (nanosleep) is counted too; measure it alone to take it out. Loopback only.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static void pin(int cpu) { cpu_set_t s; CPU_ZERO(&s); CPU_SET(cpu, &s); sched_setaffinity(0, sizeof s, &s); }
static double cpu_us(void) { struct rusage r; getrusage(RUSAGE_SELF, &r);
  return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e6 + r.ru_utime.tv_usec + r.ru_stime.tv_usec; }
static int loop(int fd, int n, int first, int gap_us) {
  int ep = epoll_create1(0); struct epoll_event e = {.events = EPOLLIN, .data.fd = fd};
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e); char buf[200]; memset(buf, 'x', sizeof buf);
  if (first && write(fd, buf, 200) != 200) return 1;
  for (int i = 0; i < n; i++) {
    int k = epoll_wait(ep, &e, 1, 5000); if (k <= 0) return 1;
    int got = 0; while (got < 200) { int r = read(fd, buf, 200 - got); if (r <= 0) return 1; got += r; }
    if (gap_us && first) { struct timespec d = {0, gap_us * 1000}; nanosleep(&d, 0); }
    if (!(first && i == n - 1) && write(fd, buf, 200) != 200) return 1;
  }
  return 0;
}
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 20000, gap = argc > 2 ? atoi(argv[2]) : 500, one = 1;
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  bind(ls, (void *)&a, sizeof a); listen(ls, 1); socklen_t al = sizeof a; getsockname(ls, (void *)&a, &al);
  int c = socket(AF_INET, SOCK_STREAM, 0); connect(c, (void *)&a, sizeof a); int s = accept(ls, 0, 0);
  setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  pin(0);
  int p[2]; pipe(p);
  pid_t child = fork();
  if (child == 0) { double t0 = cpu_us(); int rc = loop(s, n, 0, 0); double t = cpu_us() - t0;
    write(p[1], &t, sizeof t); _exit(rc); }
  double t0 = cpu_us(); int rc = loop(c, n, 1, gap); double t = cpu_us() - t0, tc; read(p[0], &tc, sizeof tc);
  int st; waitpid(child, &st, 0);
  printf("crossings %d gap %d us: %.2f us of CPU per one-way crossing (both processes), rc %d/%d\n", 2 * n, gap, (t + tc) / (2.0 * n), rc, WEXITSTATUS(st));
  return 0;
}
