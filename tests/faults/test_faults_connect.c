/* test_faults_connect.c - faults before TLS starts: a refused port, a SYN
 * that is never answered (full accept queue; iptables DROP inside our own
 * network namespace), and a connection reset right after accept.
 *
 * Each run also carries healthy connections: --connect-to sends connections
 * round-robin to a healthy server and to the faulty target, so exactly half
 * of them must fail, under the right phase and reason, while the other half
 * is measured as usual. */
#include "faults.h"

#include <math.h>

/* Two --connect-to backends for the healthy server's URL: healthy first. */
#define MIXED "%s --connect-to 127.0.0.1:%d --connect-to 127.0.0.1:%d --cacert %s -q"

/* Healthy half of a mixed run of n: every phase measured n/2 times. */
static void expect_healthy_half(const run_result_t *r, int n)
{
    CHECK(r, sum_of(r, "requests_ok") == n / 2);
    CHECK(r, sum_of(r, "connections_established") == n / 2);
    CHECK(r, phase_count(r, "tls_handshake") == n / 2);
    CHECK(r, phase_count(r, "h2_settings") == n / 2);
    CHECK(r, phase_count(r, "ttfb") == n / 2);
    CHECK(r, jnum(r->report, "summary.status.200") == n / 2);
}

static void test_port_refused(void **state)
{
    (void)state;
    fsrv_t ok;
    fsrv_start(&ok, NULL);
    int dead = free_loopback_port();
    assert_true(dead > 0);
    run_result_t r;
    RUN(&r, 30, "run " MIXED " -n 6", ok.url, ok.port, dead, ok.cert);
    CHECK(&r, r.exit_code == 1); /* partial */
    expect_errors(&r, "tcp_connect", "ECONNREFUSED", 3, NULL);
    expect_healthy_half(&r, 6);
    /* A refused connect never completed: no tcp_connect sample for it. */
    CHECK(&r, phase_count(&r, "tcp_connect") == 3);
    CHECK(&r, sum_of(&r, "connections_failed") == 3);
    CHECK(&r, fsrv_stats(&ok).connections_accepted == 3);
    run_result_free(&r);

    /* Nothing but refusals: total failure, pooled too (each failed attempt
     * costs a request, so the run ends). */
    RUN(&r, 30, "run https://127.0.0.1:%d/ --mode pooled -c 2 -n 4 -k -q", dead);
    CHECK(&r, r.exit_code == 3);
    expect_errors(&r, "tcp_connect", "ECONNREFUSED", 4, NULL);
    CHECK(&r, sum_of(&r, "requests_failed") == 4);
    run_result_free(&r);
    fsrv_stop(&ok);
}

/* The run must wait out --connect-timeout for each black-holed connection
 * (a lower bound: the timeout was really waited), and not the 10 s default
 * (an upper bound far above 4 x 300 ms). */
static void check_blackholed(const run_result_t *r, int n)
{
    CHECK(r, r->exit_code == 1);
    expect_errors(r, "tcp_connect", "timeout", n / 2, NULL);
    expect_healthy_half(r, n);
    CHECK(r, r->wall_s >= 0.3 * (n / 2));
    CHECK(r, r->wall_s < 8.0);
}

static void test_syn_blackholed_accept_queue(void **state)
{
    (void)state;
    fsrv_t ok;
    fsrv_start(&ok, NULL);
    blackhole_t b;
    blackhole_open(&b);
    long long overflows = netstat_counter("ListenOverflows");
    run_result_t r;
    RUN(&r, 30, "run " MIXED " -n 4 --connect-timeout 300ms", ok.url, ok.port, b.port, ok.cert);
    check_blackholed(&r, 4);
    /* Independent evidence that the SYNs were dropped by the full queue
     * (other traffic can only add to this system-wide counter). */
    CHECK(&r, netstat_counter("ListenOverflows") - overflows >= 2);
    run_result_free(&r);
    blackhole_close(&b);
    fsrv_stop(&ok);
}

/* The same with a firewall dropping SYNs to a port where a server does
 * listen: without the rule the connection would succeed. */
static void test_syn_blackholed_iptables(void **state)
{
    (void)state;
    SKIP_UNLESS_ISOLATED(); /* never touch the host's firewall */
    if (access("/usr/sbin/iptables", X_OK) != 0 && access("/sbin/iptables", X_OK) != 0) {
        print_message("SKIPPED: iptables not installed\n");
        skip();
    }
    fsrv_t ok, dropped;
    fsrv_start(&ok, NULL);
    fsrv_start(&dropped, NULL);
    char cmd[256];
    snprintf(cmd, sizeof cmd,
             "iptables -w -A INPUT -p tcp --dport %d --syn -j DROP -m comment --comment faults",
             dropped.port);
    if (system(cmd) != 0) {
        fsrv_stop(&ok);
        fsrv_stop(&dropped);
        print_message("SKIPPED: iptables refused the rule (no xt_comment/filter support?)\n");
        skip();
    }
    run_result_t r;
    RUN(&r, 30, "run " MIXED " -n 4 --connect-timeout 300ms", ok.url, ok.port, dropped.port,
        ok.cert);
    check_blackholed(&r, 4);
    CHECK(&r, fsrv_stats(&dropped).connections_accepted == 0);
    /* The rule's own packet counter saw the SYNs. */
    snprintf(cmd, sizeof cmd,
             "iptables -w -L INPUT -v -x -n | awk '/faults/ {print $1}' > %s/drops", ok.dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s/drops", ok.dir);
    char *drops = slurp_file(cmd, NULL);
    CHECK(&r, drops && atoi(drops) >= 2);
    free(drops);
    run_result_free(&r);
    fsrv_stop(&ok);
    fsrv_stop(&dropped);
}

/* Accepted, then RST at once: connect() succeeds, the first read or write
 * fails. Depending on whether the RST arrives before the client looked at
 * its completed connect, the reset shows as the connect's result or in the
 * handshake; the reason is ECONNRESET either way. */
static void test_rst_after_accept(void **state)
{
    (void)state;
    fsrv_t f;
    fsrv_start(&f, "--fault rst-after-accept --fault-every 2");
    run_result_t r;
    RUN(&r, 30, "run %s -n 6 --cacert %s -q", f.url, f.cert);
    CHECK(&r, r.exit_code == 1);
    long long in_tls = error_count(&r, "tls_handshake", "ECONNRESET");
    long long in_tcp = error_count(&r, "tcp_connect", "ECONNRESET");
    CHECK(&r, in_tls + in_tcp == 3);
    if (in_tls && in_tcp)
        expect_errors(&r, "tls_handshake", "ECONNRESET", (int)in_tls, "tcp_connect", "ECONNRESET",
                      (int)in_tcp, NULL);
    else if (in_tcp)
        expect_errors(&r, "tcp_connect", "ECONNRESET", 3, NULL);
    else
        expect_errors(&r, "tls_handshake", "ECONNRESET", 3, NULL);
    CHECK(&r, sum_of(&r, "requests_ok") == 3);
    CHECK(&r, phase_count(&r, "tls_handshake") == 3);
    CHECK(&r, phase_count(&r, "ttfb") == 3);
    server_stats_t st = fsrv_stats(&f);
    CHECK(&r, st.faults_injected == 3 && st.connections_accepted == 6);
    CHECK(&r, st.handshakes_full + st.handshakes_resumed == 3);
    run_result_free(&r);
    fsrv_stop(&f);
}

int main(void)
{
    faults_enter_netns();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_port_refused),
        cmocka_unit_test(test_syn_blackholed_accept_queue),
        cmocka_unit_test(test_syn_blackholed_iptables),
        cmocka_unit_test(test_rst_after_accept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
