/* net.c - loopback ports, readiness probes and an independent TIME_WAIT count. */
#include "harness.h"
#include "harness_private.h"
#include "measure/clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Lowest port of the kernel's ephemeral range (outgoing connections' ports). */
static int ephemeral_low(void)
{
    char *s = slurp_file("/proc/sys/net/ipv4/ip_local_port_range", NULL);
    int lo = 32768, hi = 60999;
    if (s) {
        sscanf(s, "%d %d", &lo, &hi);
        free(s);
    }
    return lo;
}

static int bindable(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* No SO_REUSEADDR: this also refuses ports with TIME_WAIT sockets, which
     * would blur the TIME_WAIT counts of the test that uses the port. */
    int ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 1) == 0;
    close(fd);
    return ok;
}

/* A well-mixed number from the clock, pid and attempt (splitmix64 finaliser),
 * so concurrent test programs pick different ports without shared state. */
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

int free_loopback_port(void)
{
    int lo = ephemeral_low();
    const int floor_port = 10000;
    if (lo - floor_port >= 100) {
        uint64_t seed = clock_now() ^ ((uint64_t)getpid() << 32);
        for (int attempt = 0; attempt < 200; attempt++) {
            int port =
                floor_port + (int)(mix(seed + (uint64_t)attempt) % (uint64_t)(lo - floor_port));
            if (bindable(port)) return port;
        }
    }
    /* Fall back to letting the kernel choose (inside the ephemeral range). */
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* One connect attempt with a short timeout; closed with RST so the probe
 * leaves no TIME_WAIT socket behind. */
static int probe_once(const char *ip, int port)
{
    struct sockaddr_storage ss = {0};
    socklen_t slen;
    int family;
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
        family = a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        slen = sizeof *a4;
    } else if (inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1) {
        family = a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        slen = sizeof *a6;
    } else {
        return -1;
    }
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int ok = 0;
    if (connect(fd, (struct sockaddr *)&ss, slen) == 0) {
        ok = 1;
    } else if (errno == EINPROGRESS) {
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        int err = 0;
        socklen_t elen = sizeof err;
        if (poll(&pfd, 1, 200) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 &&
            err == 0)
            ok = 1;
    }
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
    return ok ? 0 : -1;
}

int wait_port_accepts(const char *ip, int port, int timeout_ms, pid_t pid)
{
    long long deadline = now_ms() + timeout_ms;
    do {
        if (probe_once(ip, port) == 0) return 0;
        if (pid > 0) {
            /* WNOWAIT: look without reaping, the caller wants the status. */
            siginfo_t info = {0};
            if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                info.si_pid == pid)
                return -1;
        }
        sleep_ms(10);
    } while (now_ms() < deadline);
    return -1;
}

int count_time_wait_ss(const char *dst_ip, int dst_port)
{
    return count_time_wait_ss_side("dst", dst_ip, dst_port);
}

int count_time_wait_ss_side(const char *side, const char *ip, int port)
{
    char cmd[256];
    int bracket = strchr(ip, ':') != NULL; /* IPv6 addresses need [..]:port */
    snprintf(cmd, sizeof cmd, "ss -Htan state time-wait %s %s%s%s:%d 2>/dev/null", side,
             bracket ? "[" : "", ip, bracket ? "]" : "", port);
    FILE *f = popen(cmd, "r");
    if (!f) return -1;
    int lines = 0, c, at_line_start = 1;
    while ((c = fgetc(f)) != EOF) {
        if (at_line_start && c != '\n') lines++;
        at_line_start = (c == '\n');
    }
    int status = pclose(f);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
    return lines;
}
