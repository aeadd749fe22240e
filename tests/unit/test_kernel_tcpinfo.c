/* test_kernel_tcpinfo.c - TCP_INFO snapshots against real loopback connections,
 * and SYN / data retransmissions provoked with iptables in a private network
 * namespace, checked against the namespace's own /proc/net counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_kernel_net.h"

#include "measure/netstat.h"
#include "measure/tcpinfo.h"

/* netinet/tcp.h cannot be included next to tcpinfo.c's linux/tcp.h there,
 * but here it is the independent source of the state numbers. */
#include <netinet/tcp.h>

/* One request/response round trip of n bytes each way. */
static void ping_pong(int a, int b, size_t n)
{
    char buf[4096];
    memset(buf, 'x', sizeof buf);
    assert_true(n <= sizeof buf);
    assert_int_equal(write(a, buf, n), (ssize_t)n);
    size_t got = 0;
    while (got < n) {
        ssize_t m = read(b, buf, n - got);
        assert_true(m > 0);
        got += (size_t)m;
    }
    assert_int_equal(write(b, buf, n), (ssize_t)n);
    got = 0;
    while (got < n) {
        ssize_t m = read(a, buf, n - got);
        assert_true(m > 0);
        got += (size_t)m;
    }
}

static void test_loopback_snapshot(void **state)
{
    (void)state;
    int port;
    int lfd = kn_listen(AF_INET, &port);
    assert_true(lfd >= 0);
    int c = kn_connect(AF_INET, port);
    assert_true(c >= 0);
    int s = kn_accept(lfd);
    assert_true(s >= 0);
    for (int i = 0; i < 20; i++)
        ping_pong(c, s, 1000);

    tcp_snapshot_t snap;
    assert_int_equal(tcp_snapshot_read(c, &snap), 0);
    assert_int_equal(snap.state, TCP_ESTABLISHED);
    assert_string_equal(tcp_state_name(snap.state), "ESTABLISHED");
    assert_true(snap.rtt_us > 0); /* 20 acknowledged round trips give RTT samples */
    assert_true(snap.snd_cwnd > 0);
    assert_true(snap.snd_mss > 0);
    assert_true(snap.segs_out >= 20);
    assert_int_equal(snap.total_retrans, 0); /* clean loopback loses nothing */
    assert_int_equal(snap.retransmits, 0);
    assert_int_equal(snap.lost, 0);
    assert_int_equal(snap.syn_retransmits, 0);

    /* The JSON carries the contract keys with the struct's values. */
    snap.syn_retransmits = 7; /* as the engine would set it */
    json_t *j = tcp_snapshot_to_json(&snap);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "rtt_us")), snap.rtt_us);
    assert_int_equal(json_integer_value(json_object_get(j, "rttvar_us")), snap.rttvar_us);
    assert_int_equal(json_integer_value(json_object_get(j, "retransmits")), snap.total_retrans);
    assert_int_equal(json_integer_value(json_object_get(j, "lost")), snap.lost);
    assert_int_equal(json_integer_value(json_object_get(j, "syn_retransmits")), 7);
    assert_int_equal(json_integer_value(json_object_get(j, "snd_cwnd")), snap.snd_cwnd);
    assert_int_equal(json_integer_value(json_object_get(j, "reordering")), snap.reordering);
    assert_string_equal(json_string_value(json_object_get(j, "state")), "ESTABLISHED");
    json_decref(j);

    /* The server closes: the client's state must follow (CLOSE_WAIT), which
     * shows the state is read live, not fixed. */
    close(s);
    assert_int_equal(kn_wait_eof(c), 0);
    assert_int_equal(tcp_snapshot_read(c, &snap), 0);
    assert_int_equal(snap.state, TCP_CLOSE_WAIT);
    assert_string_equal(tcp_state_name(snap.state), "CLOSE_WAIT");
    close(c);
    close(lfd);
}

static void test_rejects_non_tcp(void **state)
{
    (void)state;
    tcp_snapshot_t snap;
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(u >= 0);
    errno = 0;
    assert_int_equal(tcp_snapshot_read(u, &snap), -1);
    assert_true(errno != 0);
    close(u);

    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(tcp_snapshot_read(p[0], &snap), -1);
    assert_int_equal(errno, ENOTSOCK);
    close(p[0]);
    close(p[1]);
    assert_int_equal(tcp_snapshot_read(-1, &snap), -1);
    assert_int_equal(errno, EBADF);
}

static void test_syn_schedule(void **state)
{
    (void)state;
    /* Before Linux 6.5 (tcp_syn_linear_timeouts absent = 0): 1, 2, 4, 8 s. */
    assert_int_equal(tcp_syn_retransmit_time_ms(0, 0, 1000), 0);
    assert_int_equal(tcp_syn_retransmit_time_ms(1, 0, 1000), 1000);
    assert_int_equal(tcp_syn_retransmit_time_ms(2, 0, 1000), 3000);
    assert_int_equal(tcp_syn_retransmit_time_ms(3, 0, 1000), 7000);
    assert_int_equal(tcp_syn_retransmit_time_ms(4, 0, 1000), 15000);
    assert_int_equal(tcp_syn_retransmit_time_ms(6, 0, 1000), 63000); /* the classic 63 s */
    /* Default since 6.5 (linear 4): RTOs 1,1,1,1,1,2,4 s. */
    const uint64_t lin4[] = {1000, 2000, 3000, 4000, 5000, 7000, 11000};
    for (unsigned n = 1; n <= 7; n++)
        assert_int_equal(tcp_syn_retransmit_time_ms(n, 4, 1000), lin4[n - 1]);

    const uint64_t ms = 1000000;
    assert_int_equal(tcp_syn_retransmits_inferred(0, 0, 1000), 0);
    assert_int_equal(tcp_syn_retransmits_inferred(999 * ms, 0, 1000), 0);
    assert_int_equal(tcp_syn_retransmits_inferred(1001 * ms, 0, 1000), 1);
    assert_int_equal(tcp_syn_retransmits_inferred(2500 * ms, 0, 1000), 1);
    assert_int_equal(tcp_syn_retransmits_inferred(3001 * ms, 0, 1000), 2);
    assert_int_equal(tcp_syn_retransmits_inferred(2001 * ms, 4, 1000), 2);
    assert_int_equal(tcp_syn_retransmits_inferred(3001 * ms, 4, 1000), 3);
    assert_int_equal(tcp_syn_retransmits_inferred(6999 * ms, 4, 1000), 5);
    assert_int_equal(tcp_syn_retransmits_inferred(5 * ms, 4, 0), 0);
}

/* ---- in a private namespace: provoked retransmissions -------------------- */

static int iptables(const char *rule)
{
    char cmd[1024]; /* the tool path (up to 256 bytes) and the rule */
    snprintf(cmd, sizeof cmd, "%s -w -A INPUT %s >/dev/null 2>&1", kn_tool("iptables"), rule);
    return system(cmd);
}

static int counters(netstat_snapshot_t *s, kn_report_t *r)
{
    char err[256];
    if (netstat_read(s, err, sizeof err) != 0) {
        r->status = KN_FAIL;
        snprintf(r->msg, sizeof r->msg, "netstat_read: %s", err);
        return -1;
    }
    return 0;
}

/* The first two SYNs towards the port are dropped (two nth rules: the first
 * drops SYN #1, the second sees SYNs #2, #3... and drops the first of them). */
static void syn_body(kn_report_t *r, void *arg)
{
    (void)arg;
    static netstat_snapshot_t before, after;
    int port;
    int lfd = kn_listen(AF_INET, &port);
    if (lfd < 0) KN_BAIL(r, "listen");
    char rule[256];
    snprintf(rule, sizeof rule,
             "-p tcp --syn --dport %d -m statistic --mode nth --every 1000 --packet 0 -j DROP",
             port);
    if (iptables(rule) != 0) {
        r->status = KN_SKIP;
        snprintf(r->msg, sizeof r->msg, "iptables with the statistic match failed: %s", rule);
        return;
    }
    iptables(rule); /* the same rule again: it drops the SYN the first let through */
    if (counters(&before, r) != 0) return;
    struct sockaddr_storage ss;
    socklen_t len = kn_loopback(AF_INET, port, &ss);
    uint64_t took = 0;
    int c = kn_connect_addr(AF_INET, (struct sockaddr *)&ss, len, 15000, &took);
    if (c < 0) KN_BAIL(r, "connect through two dropped SYNs");
    tcp_snapshot_t at_connect;
    if (tcp_snapshot_read(c, &at_connect) != 0) KN_BAIL(r, "tcp_snapshot_read");
    if (counters(&after, r) != 0) return;
    uint64_t syn_delta = 0, retrans_delta = 0;
    netstat_counter_delta(&before, &after, "TcpExt", "TCPSynRetrans", &syn_delta);
    netstat_counter_delta(&before, &after, "Tcp", "RetransSegs", &retrans_delta);
    r->v[0] = tcp_syn_retransmits_at_connect(&at_connect);
    r->v[1] = took;
    r->v[2] = syn_delta;
    r->v[3] = retrans_delta;
    r->v[4] = tcp_syn_linear_timeouts();
    r->v[5] = at_connect.state;
    r->v[6] = at_connect.retransmits;
    close(c);
    close(lfd);
}

static void test_syn_retransmits_in_netns(void **state)
{
    (void)state;
    if (geteuid() != 0 || !kn_tool("iptables")) {
        print_message("skipped: needs root and iptables (Debian package iptables)\n");
        skip();
    }
    kn_report_t r;
    kn_run_in_netns(syn_body, NULL, 0, 30, &r);
    if (r.status == KN_SKIP) {
        print_message("skipped: %s\n", r.msg);
        skip();
    }
    if (r.status != KN_OK) fail_msg("%s", r.msg);
    print_message("two dropped SYNs: total_retrans at connect %llu, connect %.3f s, "
                  "TCPSynRetrans +%llu, RetransSegs +%llu, tcp_syn_linear_timeouts %llu\n",
                  (unsigned long long)r.v[0], r.v[1] / 1e9, (unsigned long long)r.v[2],
                  (unsigned long long)r.v[3], (unsigned long long)r.v[4]);
    assert_int_equal(r.v[5], TCP_ESTABLISHED);
    /* Exact: the socket's own count of SYN retransmissions... */
    assert_int_equal(r.v[0], 2);
    /* ...agrees with the namespace's counters (only this socket lives there)... */
    assert_int_equal(r.v[2], 2);
    assert_int_equal(r.v[3], 2);
    /* ...and the connect time tells the same story through the RTO schedule. */
    assert_int_equal(tcp_syn_retransmits_inferred(r.v[1], (unsigned)r.v[4], TCP_SYN_INITIAL_RTO_MS),
                     2);
    /* The current-RTO-run counter was reset by the SYN-ACK: it cannot be
     * used to find SYN retransmits after connect. */
    assert_int_equal(r.v[6], 0);
}

/* 30% of the packets towards the server are dropped while the client sends
 * 64 KiB in MTU-sized segments. */
static void loss_body(kn_report_t *r, void *arg)
{
    (void)arg;
    static netstat_snapshot_t before, after;
    int port;
    int lfd = kn_listen(AF_INET, &port);
    if (lfd < 0) KN_BAIL(r, "listen");
    char rule[256];
    snprintf(rule, sizeof rule,
             "-p tcp --dport %d -m statistic --mode random --probability 0.3 -j DROP", port);
    if (iptables(rule) != 0) {
        r->status = KN_SKIP;
        snprintf(r->msg, sizeof r->msg, "iptables with the statistic match failed: %s", rule);
        return;
    }
    if (counters(&before, r) != 0) return;
    struct sockaddr_storage ss;
    socklen_t len = kn_loopback(AF_INET, port, &ss);
    int c = kn_connect_addr(AF_INET, (struct sockaddr *)&ss, len, 20000, NULL);
    if (c < 0) KN_BAIL(r, "connect under 30% loss");
    /* Accept inside the transfer loop, not before it: when the handshake's
     * final ACK is dropped, the server only completes the connection when
     * the client's data (or a later ACK) gets through. */
    int s = -1;
    fcntl(c, F_SETFL, O_NONBLOCK);
    fcntl(lfd, F_SETFL, O_NONBLOCK);

    static char buf[65536];
    const size_t total = sizeof buf;
    size_t sent = 0, received = 0;
    /* Generous: a segment lost 7 times in a row waits ~25 s of RTO backoff. */
    mono_ns deadline = clock_now() + 40ull * 1000000000ull;
    while (received < total && clock_now() < deadline) {
        struct pollfd p[2] = {{.fd = c, .events = sent < total ? POLLOUT : 0},
                              {.fd = s >= 0 ? s : lfd, .events = POLLIN}};
        if (poll(p, 2, 200) < 0 && errno != EINTR) KN_BAIL(r, "poll");
        if (p[0].revents & POLLOUT) {
            ssize_t n = write(c, buf + sent, total - sent > 1400 ? 1400 : total - sent);
            if (n > 0) sent += (size_t)n;
        }
        if ((p[1].revents & POLLIN) && s < 0) {
            s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        } else if (p[1].revents & POLLIN) {
            char in[65536];
            ssize_t n = read(s, in, sizeof in);
            if (n > 0) received += (size_t)n;
        }
    }
    if (received < total) {
        r->status = KN_FAIL;
        snprintf(r->msg, sizeof r->msg, "only %zu of %zu bytes crossed in 40 s", received, total);
        return;
    }
    /* Every byte arrived, so the server has (or is about to have) ACKed
     * everything; wait until the client knows, so no retransmission is still
     * pending when we read the counters. */
    tcp_snapshot_t snap;
    for (int i = 0; i < 250; i++) {
        if (tcp_snapshot_read(c, &snap) != 0) KN_BAIL(r, "tcp_snapshot_read");
        if (snap.retrans_out == 0 && snap.lost == 0) break;
        usleep(20000);
    }
    if (counters(&after, r) != 0) return;
    uint64_t delta = 0;
    netstat_counter_delta(&before, &after, "Tcp", "RetransSegs", &delta);
    r->v[0] = snap.total_retrans;
    r->v[1] = delta;
    r->v[2] = snap.segs_out;
    r->v[3] = snap.bytes_retrans;
    close(c);
    close(s);
    close(lfd);
}

static void test_data_retransmits_in_netns(void **state)
{
    (void)state;
    if (geteuid() != 0 || !kn_tool("iptables")) {
        print_message("skipped: needs root and iptables (Debian package iptables)\n");
        skip();
    }
    kn_report_t r;
    kn_run_in_netns(loss_body, NULL, 1500, 70, &r);
    if (r.status == KN_SKIP) {
        print_message("skipped: %s\n", r.msg);
        skip();
    }
    if (r.status != KN_OK) fail_msg("%s", r.msg);
    print_message("30%% loss: total_retrans %llu of %llu segments (%llu bytes), "
                  "namespace RetransSegs +%llu\n",
                  (unsigned long long)r.v[0], (unsigned long long)r.v[2],
                  (unsigned long long)r.v[3], (unsigned long long)r.v[1]);
    /* ~47 data segments at 30% loss: P(no retransmission) ~ 0.7^47 < 1e-7. */
    assert_true(r.v[0] > 0);
    assert_true(r.v[3] > 0);
    /* The namespace-wide counter includes this socket's retransmissions
     * (plus any the server side made: SYN-ACKs, FIN). */
    assert_true(r.v[1] >= r.v[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loopback_snapshot),
        cmocka_unit_test(test_rejects_non_tcp),
        cmocka_unit_test(test_syn_schedule),
        cmocka_unit_test(test_syn_retransmits_in_netns),
        cmocka_unit_test(test_data_retransmits_in_netns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
