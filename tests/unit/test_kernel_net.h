/* test_kernel_net.h - loopback sockets and private network namespaces for the
 * kernel-measurement tests (test_kernel_*.c). Header-only so each test
 * program stays one file; everything is static inline. */
#ifndef TLSPROF_TEST_KERNEL_NET_H
#define TLSPROF_TEST_KERNEL_NET_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "measure/clock.h"

/* Fill a loopback sockaddr of the family (AF_INET: 127.0.0.1, AF_INET6: ::1). */
static inline socklen_t kn_loopback(int family, int port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        a->sin6_port = htons((uint16_t)port);
        return sizeof *a;
    }
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a->sin_port = htons((uint16_t)port);
    return sizeof *a;
}

/* A listening socket on loopback with a kernel-chosen (so unique) port. */
static inline int kn_listen(int family, int *port)
{
    struct sockaddr_storage ss;
    socklen_t len = kn_loopback(family, 0, &ss);
    *port = 0;
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 1024) != 0) {
        close(fd);
        return -1;
    }
    len = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &len);
    *port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                     : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

/* Connect to addr with a bound on time: non-blocking connect + poll.
 * Returns the (blocking again) fd, or -1 with errno set. *took_ns gets the
 * connect duration when not NULL. */
static inline int kn_connect_addr(int family, const struct sockaddr *addr, socklen_t len,
                                  int timeout_ms, uint64_t *took_ns)
{
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    mono_ns t0 = clock_now();
    if (connect(fd, addr, len) != 0 && errno != EINPROGRESS) goto fail;
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int n;
    do
        n = poll(&p, 1, timeout_ms);
    while (n < 0 && errno == EINTR);
    if (n == 0) errno = ETIMEDOUT;
    if (n <= 0) goto fail;
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
    if (soerr) {
        errno = soerr;
        goto fail;
    }
    if (took_ns) *took_ns = clock_now() - t0;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
fail : {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
}
}

static inline int kn_connect(int family, int port)
{
    struct sockaddr_storage ss;
    socklen_t len = kn_loopback(family, port, &ss);
    return kn_connect_addr(family, (struct sockaddr *)&ss, len, 5000, NULL);
}

/* accept() with a 5 s bound. */
static inline int kn_accept(int lfd)
{
    struct pollfd p = {.fd = lfd, .events = POLLIN};
    if (poll(&p, 1, 5000) != 1) return -1;
    return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

/* Wait (at most 5 s) for the peer's FIN: read() returning 0. */
static inline int kn_wait_eof(int fd)
{
    char buf[256];
    struct pollfd p = {.fd = fd, .events = POLLIN};
    for (int i = 0; i < 100; i++) {
        if (poll(&p, 1, 5000) != 1) return -1;
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0) return 0;
        if (n < 0 && errno != EINTR) return -1;
    }
    return -1;
}

/* Absolute path of a system tool, or NULL when it is not installed. */
static inline const char *kn_tool(const char *name)
{
    static char path[256];
    static const char *const dirs[] = {"/usr/sbin", "/sbin", "/usr/bin", "/bin"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dirs[i], name);
        if (access(path, X_OK) == 0) return path;
    }
    return NULL;
}

/* Run a shell command and return the first number it prints, or -1. */
static inline long kn_command_number(const char *cmd)
{
    FILE *f = popen(cmd, "r");
    long v = -1;
    if (!f) return -1;
    if (fscanf(f, "%ld", &v) != 1) v = -1;
    pclose(f);
    return v;
}

/* Bring an interface of the current network namespace up, optionally
 * setting its MTU (mtu <= 0 leaves it). */
static inline int kn_link_up(const char *ifname, int mtu)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
    int rc = -1;
    if (mtu > 0) {
        ifr.ifr_mtu = mtu;
        if (ioctl(s, SIOCSIFMTU, &ifr) != 0) goto out;
    }
    if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) goto out;
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) goto out;
    rc = 0;
out:
    close(s);
    return rc;
}

/* ---- running a test body in a private network namespace ------------------
 * The body runs in a forked child that unshare(CLONE_NEWNET)s and brings lo
 * up, so its iptables rules and counters touch nothing outside it, and the
 * namespace disappears with the child. The child cannot use cmocka asserts:
 * it fills a report that the parent asserts on. */

enum { KN_OK = 0, KN_FAIL = 1, KN_SKIP = 2 };

typedef struct kn_report {
    int status;     /* KN_OK / KN_FAIL / KN_SKIP */
    char msg[512];  /* why it failed or was skipped */
    uint64_t v[16]; /* values the body measured, for the parent to check */
} kn_report_t;

typedef void (*kn_body_fn)(kn_report_t *r, void *arg);

static inline void kn_fail(kn_report_t *r, const char *what)
{
    r->status = KN_FAIL;
    snprintf(r->msg, sizeof r->msg, "%.300s (errno: %s)", what, strerror(errno));
}

/* Record a failure and leave the (void) body. */
#define KN_BAIL(r, what)                                                                           \
    do {                                                                                           \
        kn_fail((r), (what));                                                                      \
        return;                                                                                    \
    } while (0)

/* Run body in a fresh network namespace (lo up, MTU lo_mtu when > 0) within
 * timeout_s. Always returns with *out filled. */
static inline void kn_run_in_netns(kn_body_fn body, void *arg, int lo_mtu, int timeout_s,
                                   kn_report_t *out)
{
    memset(out, 0, sizeof *out);
    int pfd[2];
    if (pipe(pfd) != 0) {
        kn_fail(out, "pipe");
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        kn_fail(out, "fork");
        return;
    }
    if (pid == 0) {
        kn_report_t r;
        memset(&r, 0, sizeof r);
        close(pfd[0]);
        if (unshare(CLONE_NEWNET) != 0) {
            r.status = KN_SKIP;
            snprintf(r.msg, sizeof r.msg, "unshare(CLONE_NEWNET) failed: %s (needs root)",
                     strerror(errno));
        } else if (kn_link_up("lo", lo_mtu) != 0) {
            kn_fail(&r, "bringing lo up in the new namespace");
        } else {
            body(&r, arg);
        }
        ssize_t w = write(pfd[1], &r, sizeof r);
        _exit(w == (ssize_t)sizeof r ? 0 : 1);
    }
    close(pfd[1]);
    struct pollfd p = {.fd = pfd[0], .events = POLLIN};
    size_t got = 0;
    mono_ns deadline = clock_now() + (mono_ns)timeout_s * 1000000000ull;
    while (got < sizeof *out) {
        mono_ns now = clock_now();
        if (now >= deadline) break;
        int n = poll(&p, 1, (int)((deadline - now) / 1000000u) + 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        ssize_t m = read(pfd[0], (char *)out + got, sizeof *out - got);
        if (m <= 0) break;
        got += (size_t)m;
    }
    close(pfd[0]);
    if (got < sizeof *out) {
        kill(pid, SIGKILL);
        memset(out, 0, sizeof *out);
        out->status = KN_FAIL;
        snprintf(out->msg, sizeof out->msg, "namespace child sent no report within %d s (killed)",
                 timeout_s);
    }
    waitpid(pid, NULL, 0);
}

#endif
