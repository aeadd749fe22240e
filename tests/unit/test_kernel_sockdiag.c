/* test_kernel_sockdiag.c - sockdiag counts against sockets we create on
 * loopback and against an independent count by `ss` (iproute2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_kernel_net.h"

#include "measure/sockdiag.h"

#define N_TW 200

/* Open n connections to the listener and close them so that one side ends
 * in TIME_WAIT: the client when client_first, else the server. The client
 * connects to `to` (lets a test use a v4-mapped address). */
static void make_time_wait(int lfd, int client_family, const struct sockaddr *to, socklen_t tolen,
                           int n, int client_first)
{
    for (int i = 0; i < n; i++) {
        int c = kn_connect_addr(client_family, to, tolen, 5000, NULL);
        assert_true(c >= 0);
        int s = kn_accept(lfd);
        assert_true(s >= 0);
        int first = client_first ? c : s, second = client_first ? s : c;
        close(first);
        /* The second closes only after it saw the first's FIN, so the first
         * goes FIN_WAIT2 -> TIME_WAIT and the second LAST_ACK -> CLOSED. */
        assert_int_equal(kn_wait_eof(second), 0);
        close(second);
    }
}

/* `ss` counts TIME_WAIT sockets whose `dir` (dst/src) is addr:port. */
static long ss_count(const char *state, const char *dir, const char *addr, int port)
{
    const char *ss = kn_tool("ss");
    if (!ss) return -1;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s -Htan state %s %s %s:%d | wc -l", ss, state, dir, addr, port);
    return kn_command_number(cmd);
}

/* Our count, with a short bounded wait for the last FIN/ACKs to land: the
 * final ACK travels through the loopback softirq and may trail close() by
 * microseconds. */
static uint64_t settled_count(sockdiag_t *h, const struct sockaddr *sa, int side, uint32_t mask,
                              uint64_t want)
{
    uint64_t n = 0;
    char err[256];
    for (int i = 0; i < 100; i++) {
        if (sockdiag_count_with(h, sa, side, mask, &n, err, sizeof err) != 0)
            fail_msg("sockdiag_count_with: %s", err);
        if (n == want) break;
        usleep(10000);
    }
    return n;
}

/* A loopback listener on a port no TIME_WAIT socket of an earlier run
 * involves (a server-side TIME_WAIT's *remote* port may be any ephemeral
 * port, including one bind(0) now hands us). Checked with ss, independently
 * of the code under test. */
static int listen_fresh(int family, int *port)
{
    const char *addr = family == AF_INET6 ? "[::1]" : "127.0.0.1";
    int rejected[20], nrej = 0, fd = -1;
    while (nrej < 20) {
        fd = kn_listen(family, port);
        if (fd < 0) break;
        if (ss_count("time-wait", "dst", addr, *port) == 0 &&
            ss_count("time-wait", "src", addr, *port) == 0)
            break;
        rejected[nrej++] = fd; /* keep it bound so bind(0) picks another */
        fd = -1;
    }
    for (int i = 0; i < nrej; i++)
        close(rejected[i]);
    return fd;
}

static void require_ss(void)
{
    if (!kn_tool("ss")) {
        print_message("skipped: ss (Debian package iproute2) is not installed\n");
        skip();
    }
}

static void test_client_side_time_wait(void **state)
{
    (void)state;
    require_ss();
    int port;
    int lfd = listen_fresh(AF_INET, &port);
    assert_true(lfd >= 0);
    struct sockaddr_storage target;
    socklen_t tlen = kn_loopback(AF_INET, port, &target);
    make_time_wait(lfd, AF_INET, (struct sockaddr *)&target, tlen, N_TW, 1);

    char err[256];
    sockdiag_t *h = sockdiag_open(err, sizeof err);
    assert_non_null(h);
    uint64_t ours =
        settled_count(h, (struct sockaddr *)&target, SOCKDIAG_BY_DST, SOCKDIAG_TIME_WAIT, N_TW);
    long theirs = ss_count("time-wait", "dst", "127.0.0.1", port);
    print_message("client TIME_WAIT towards 127.0.0.1:%d: sockdiag %llu, ss %ld, created %d\n",
                  port, (unsigned long long)ours, theirs, N_TW);
    assert_int_equal(ours, theirs);
    assert_int_equal(ours, N_TW);

    /* The kernel filtered: only our sockets crossed into userspace, though
     * the host has other TIME_WAIT sockets (at least the server-side ones of
     * other tests, and every earlier run's). */
    sockdiag_stats_t st;
    sockdiag_last_stats(h, &st);
    assert_int_equal(st.kernel_filter, 1);
    assert_int_equal(st.records, N_TW);
    assert_int_equal(st.matched, N_TW);
    assert_int_equal(st.dumps, 2); /* AF_INET + dual-stack AF_INET6 */

    /* The server closed second, so it holds none; the one-shot API agrees. */
    uint64_t server_side = 99;
    assert_int_equal(sockdiag_count((struct sockaddr *)&target, SOCKDIAG_BY_SRC, SOCKDIAG_TIME_WAIT,
                                    &server_side, err, sizeof err),
                     0);
    assert_int_equal(server_side, 0);
    assert_int_equal(ss_count("time-wait", "src", "127.0.0.1", port), 0);

    /* Repeated sampling on one handle gives the same answer. */
    for (int i = 0; i < 5; i++) {
        uint64_t again = 0;
        assert_int_equal(sockdiag_count_with(h, (struct sockaddr *)&target, SOCKDIAG_BY_DST,
                                             SOCKDIAG_TIME_WAIT, &again, err, sizeof err),
                         0);
        assert_int_equal(again, N_TW);
    }
    /* Another state mask: none of these sockets is ESTABLISHED any more. */
    uint64_t est = 99;
    assert_int_equal(sockdiag_count_with(h, (struct sockaddr *)&target, SOCKDIAG_BY_DST,
                                         SOCKDIAG_ESTABLISHED, &est, err, sizeof err),
                     0);
    assert_int_equal(est, 0);
    sockdiag_close(h);
    close(lfd);
}

static void test_server_side_time_wait(void **state)
{
    (void)state;
    require_ss();
    int port;
    int lfd = listen_fresh(AF_INET, &port);
    assert_true(lfd >= 0);
    struct sockaddr_storage target;
    socklen_t tlen = kn_loopback(AF_INET, port, &target);
    make_time_wait(lfd, AF_INET, (struct sockaddr *)&target, tlen, N_TW, 0);

    char err[256];
    sockdiag_t *h = sockdiag_open(err, sizeof err);
    assert_non_null(h);
    uint64_t ours =
        settled_count(h, (struct sockaddr *)&target, SOCKDIAG_BY_SRC, SOCKDIAG_TIME_WAIT, N_TW);
    long theirs = ss_count("time-wait", "src", "127.0.0.1", port);
    print_message("server TIME_WAIT on 127.0.0.1:%d: sockdiag %llu, ss %ld, created %d\n", port,
                  (unsigned long long)ours, theirs, N_TW);
    assert_int_equal(ours, theirs);
    assert_int_equal(ours, N_TW);
    sockdiag_stats_t st;
    sockdiag_last_stats(h, &st);
    assert_int_equal(st.records, N_TW);

    /* Userspace filtering alone (the fallback for kernels that refuse the
     * filter) finds the same sockets among many more records: at least the
     * previous test's client-side TIME_WAITs and our own are all sent. */
    sockdiag_set_kernel_filter(h, 0);
    uint64_t unfiltered = 0;
    assert_int_equal(sockdiag_count_with(h, (struct sockaddr *)&target, SOCKDIAG_BY_SRC,
                                         SOCKDIAG_TIME_WAIT, &unfiltered, err, sizeof err),
                     0);
    sockdiag_last_stats(h, &st);
    print_message("without the kernel filter: %llu records for %llu matches\n",
                  (unsigned long long)st.records, (unsigned long long)st.matched);
    assert_int_equal(unfiltered, N_TW);
    assert_int_equal(st.kernel_filter, 0);
    assert_true(st.records >= 2 * N_TW);
    sockdiag_set_kernel_filter(h, 1);

    /* The client closed second: no client-side TIME_WAIT towards the port. */
    uint64_t client_side = 99;
    assert_int_equal(sockdiag_count_with(h, (struct sockaddr *)&target, SOCKDIAG_BY_DST,
                                         SOCKDIAG_TIME_WAIT, &client_side, err, sizeof err),
                     0);
    assert_int_equal(client_side, 0);
    assert_int_equal(ss_count("time-wait", "dst", "127.0.0.1", port), 0);

    /* Wildcard address, same port: the same sockets. Wildcard port on the
     * loopback address: at least these (other tests add theirs). */
    struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    uint64_t n = 0;
    assert_int_equal(sockdiag_count_with(h, (struct sockaddr *)&any, SOCKDIAG_BY_SRC,
                                         SOCKDIAG_TIME_WAIT, &n, err, sizeof err),
                     0);
    assert_int_equal(n, N_TW);
    struct sockaddr_in lo_any_port = {.sin_family = AF_INET,
                                      .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(sockdiag_count_with(h, (struct sockaddr *)&lo_any_port, SOCKDIAG_BY_SRC,
                                         SOCKDIAG_TIME_WAIT, &n, err, sizeof err),
                     0);
    assert_true(n >= N_TW);
    sockdiag_close(h);
    close(lfd);
}

static void test_established_and_listen(void **state)
{
    (void)state;
    enum { K = 25 };
    int port;
    int lfd = kn_listen(AF_INET, &port);
    assert_true(lfd >= 0);
    int c[K], s[K];
    for (int i = 0; i < K; i++) {
        c[i] = kn_connect(AF_INET, port);
        assert_true(c[i] >= 0);
        s[i] = kn_accept(lfd);
        assert_true(s[i] >= 0);
    }
    struct sockaddr_storage target;
    kn_loopback(AF_INET, port, &target);
    char err[256];
    uint64_t n = 0;
    assert_int_equal(sockdiag_count((struct sockaddr *)&target, SOCKDIAG_BY_DST,
                                    SOCKDIAG_ESTABLISHED, &n, err, sizeof err),
                     0);
    assert_int_equal(n, K);
    assert_int_equal(ss_count("established", "dst", "127.0.0.1", port), K);
    assert_int_equal(sockdiag_count((struct sockaddr *)&target, SOCKDIAG_BY_SRC,
                                    SOCKDIAG_ESTABLISHED, &n, err, sizeof err),
                     0);
    assert_int_equal(n, K); /* the accepted sockets */
    assert_int_equal(sockdiag_count((struct sockaddr *)&target, SOCKDIAG_BY_SRC, SOCKDIAG_LISTEN,
                                    &n, err, sizeof err),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(sockdiag_count((struct sockaddr *)&target, SOCKDIAG_BY_SRC,
                                    SOCKDIAG_ESTABLISHED | SOCKDIAG_LISTEN, &n, err, sizeof err),
                     0);
    assert_int_equal(n, K + 1);
    for (int i = 0; i < K; i++) {
        close(c[i]);
        close(s[i]);
    }
    close(lfd);
}

static void test_ipv6_time_wait(void **state)
{
    (void)state;
    require_ss();
    int port;
    int lfd = listen_fresh(AF_INET6, &port);
    if (lfd < 0) {
        print_message("skipped: no IPv6 loopback (::1) on this machine\n");
        skip();
    }
    struct sockaddr_storage target;
    socklen_t tlen = kn_loopback(AF_INET6, port, &target);
    make_time_wait(lfd, AF_INET6, (struct sockaddr *)&target, tlen, 50, 1);
    char err[256];
    sockdiag_t *h = sockdiag_open(err, sizeof err);
    assert_non_null(h);
    uint64_t ours =
        settled_count(h, (struct sockaddr *)&target, SOCKDIAG_BY_DST, SOCKDIAG_TIME_WAIT, 50);
    long theirs = ss_count("time-wait", "dst", "[::1]", port);
    print_message("client TIME_WAIT towards [::1]:%d: sockdiag %llu, ss %ld\n", port,
                  (unsigned long long)ours, theirs);
    assert_int_equal(ours, theirs);
    assert_int_equal(ours, 50);
    sockdiag_stats_t st;
    sockdiag_last_stats(h, &st);
    assert_int_equal(st.dumps, 1);
    /* The same port on 127.0.0.1 is another endpoint: nothing there. */
    struct sockaddr_storage v4;
    kn_loopback(AF_INET, port, &v4);
    uint64_t n = 99;
    assert_int_equal(sockdiag_count_with(h, (struct sockaddr *)&v4, SOCKDIAG_BY_DST,
                                         SOCKDIAG_TIME_WAIT, &n, err, sizeof err),
                     0);
    assert_int_equal(n, 0);
    sockdiag_close(h);
    close(lfd);
}

static void test_v4_mapped_time_wait(void **state)
{
    (void)state;
    int port;
    int lfd = listen_fresh(AF_INET, &port);
    assert_true(lfd >= 0);
    /* Dual-stack AF_INET6 clients reaching 127.0.0.1 as ::ffff:127.0.0.1. */
    struct sockaddr_in6 mapped = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    assert_int_equal(inet_pton(AF_INET6, "::ffff:127.0.0.1", &mapped.sin6_addr), 1);
    int probe = socket(AF_INET6, SOCK_STREAM, 0);
    if (probe < 0) {
        print_message("skipped: no AF_INET6 sockets on this machine\n");
        skip();
    }
    close(probe);
    make_time_wait(lfd, AF_INET6, (struct sockaddr *)&mapped, sizeof mapped, 30, 1);
    struct sockaddr_storage target;
    kn_loopback(AF_INET, port, &target);
    char err[256];
    sockdiag_t *h = sockdiag_open(err, sizeof err);
    assert_non_null(h);
    /* Counted under the IPv4 target, as the same TCP endpoint. */
    uint64_t ours =
        settled_count(h, (struct sockaddr *)&target, SOCKDIAG_BY_DST, SOCKDIAG_TIME_WAIT, 30);
    assert_int_equal(ours, 30);
    sockdiag_stats_t st;
    sockdiag_last_stats(h, &st);
    assert_int_equal(st.records, 30);
    sockdiag_close(h);
    close(lfd);
}

/* Client-side and server-side TIME_WAIT on one port, counted in one pass:
 * each side equals its one-sided count and `ss`, with the kernel's OR filter
 * and without it, and the pass sends one dump per family, not two. */
static void check_both_sides(int family, const char *ss_addr, int n_client, int n_server)
{
    int port;
    int lfd = listen_fresh(family, &port);
    if (lfd < 0 && family == AF_INET6) {
        print_message("skipped: no IPv6 loopback (::1) on this machine\n");
        skip();
    }
    assert_true(lfd >= 0);
    struct sockaddr_storage target;
    socklen_t tlen = kn_loopback(family, port, &target);
    const struct sockaddr *t = (const struct sockaddr *)&target;
    make_time_wait(lfd, family, t, tlen, n_client, 1);
    make_time_wait(lfd, family, t, tlen, n_server, 0);

    char err[256];
    sockdiag_t *h = sockdiag_open(err, sizeof err);
    assert_non_null(h);
    uint64_t client = settled_count(h, t, SOCKDIAG_BY_DST, SOCKDIAG_TIME_WAIT, (uint64_t)n_client);
    uint64_t server = settled_count(h, t, SOCKDIAG_BY_SRC, SOCKDIAG_TIME_WAIT, (uint64_t)n_server);
    assert_int_equal(client, n_client);
    assert_int_equal(server, n_server);
    assert_int_equal(ss_count("time-wait", "dst", ss_addr, port), n_client);
    assert_int_equal(ss_count("time-wait", "src", ss_addr, port), n_server);

    for (int filter = 1; filter >= 0; filter--) {
        sockdiag_set_kernel_filter(h, filter);
        uint64_t both[2] = {99, 99};
        assert_int_equal(sockdiag_count_both(h, t, SOCKDIAG_TIME_WAIT, both, err, sizeof err), 0);
        sockdiag_stats_t st;
        sockdiag_last_stats(h, &st);
        print_message("%s both sides, kernel filter %s: client %llu, server %llu, %llu records\n",
                      ss_addr, filter ? "on" : "off", (unsigned long long)both[SOCKDIAG_BY_DST],
                      (unsigned long long)both[SOCKDIAG_BY_SRC], (unsigned long long)st.records);
        assert_int_equal(both[SOCKDIAG_BY_DST], n_client);
        assert_int_equal(both[SOCKDIAG_BY_SRC], n_server);
        assert_int_equal(st.dumps, family == AF_INET ? 2 : 1);
        assert_int_equal(st.matched, n_client + n_server);
        assert_int_equal(st.kernel_filter, filter);
        /* With the filter, the kernel sent exactly our sockets: the OR
         * program neither dropped one side nor let others through. */
        if (filter) assert_int_equal(st.records, n_client + n_server);
    }
    /* ESTABLISHED only: none of them is. */
    uint64_t est[2] = {99, 99};
    assert_int_equal(sockdiag_count_both(h, t, SOCKDIAG_ESTABLISHED, est, err, sizeof err), 0);
    assert_int_equal(est[0], 0);
    assert_int_equal(est[1], 0);
    sockdiag_close(h);
    close(lfd);
}

static void test_both_sides_one_pass(void **state)
{
    (void)state;
    require_ss();
    check_both_sides(AF_INET, "127.0.0.1", 60, 40);
}

static void test_both_sides_one_pass_ipv6(void **state)
{
    (void)state;
    require_ss();
    check_both_sides(AF_INET6, "[::1]", 30, 20);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    char err[256] = "";
    uint64_t n = 0;
    struct sockaddr_un_like {
        sa_family_t family;
        char path[30];
    } unix_addr = {.family = AF_UNIX};
    assert_int_equal(sockdiag_count((struct sockaddr *)&unix_addr, SOCKDIAG_BY_DST,
                                    SOCKDIAG_TIME_WAIT, &n, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "address family"));
    struct sockaddr_storage t;
    kn_loopback(AF_INET, 443, &t);
    assert_int_equal(
        sockdiag_count((struct sockaddr *)&t, 7, SOCKDIAG_TIME_WAIT, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "side 7"));
    assert_int_equal(sockdiag_count(NULL, SOCKDIAG_BY_DST, SOCKDIAG_TIME_WAIT, &n, err, sizeof err),
                     -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_side_time_wait),
        cmocka_unit_test(test_server_side_time_wait),
        cmocka_unit_test(test_established_and_listen),
        cmocka_unit_test(test_ipv6_time_wait),
        cmocka_unit_test(test_v4_mapped_time_wait),
        cmocka_unit_test(test_both_sides_one_pass),
        cmocka_unit_test(test_both_sides_one_pass_ipv6),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
