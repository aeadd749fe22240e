/* test_faults_close.c - when the client closes first, the connection must
 * end with FINs only, and TIME_WAIT must stay with the client.
 *
 * The client sends GOAWAY, close_notify and its FIN; the embedded server must
 * then neither write anything more (bytes reaching a socket its owner has
 * closed make that kernel answer with RST, counted as TCPAbortOnData, and the
 * client's TIME_WAIT is gone) nor close before the FIN arrived with unread
 * data (an RST of its own, TCPAbortOnClose). Checked against the kernel:
 * the TcpExt abort counters of our private network namespace must not move,
 * and `ss` must list one TIME_WAIT per connection on the client's side and
 * none on the server's. Both with tlsprof (which half-closes and waits for
 * the server's FIN) and with a plain client that close()s the whole socket
 * at once, as many clients do. */
#include "faults.h"

#include <netinet/tcp.h>

#include "../unit/test_server_client.h"

static const char *const abort_counters[] = {"TCPAbortOnData", "TCPAbortOnClose",
                                             "TCPAbortOnLinger", "TCPAbortOnTimeout"};
#define N_ABORT (sizeof abort_counters / sizeof abort_counters[0])

static void read_aborts(long long out[N_ABORT])
{
    for (size_t i = 0; i < N_ABORT; i++) {
        out[i] = netstat_counter(abort_counters[i]);
        assert_true(out[i] >= 0);
    }
}

/* TIME_WAIT sockets whose destination is the server (the client's) once
 * `want` of them exist, or the count after 3 s: the server's FIN may still
 * be on its way when the client program returns. */
static int client_time_wait(int port, int want)
{
    char filter[64];
    snprintf(filter, sizeof filter, "dst 127.0.0.1:%d", port);
    int n = -1;
    for (int i = 0; i < 60; i++) {
        n = ss_count("time-wait", filter);
        if (n >= want) break;
        usleep(50 * 1000);
    }
    return n;
}

static int server_time_wait(int port)
{
    char filter[64];
    snprintf(filter, sizeof filter, "src 127.0.0.1:%d", port);
    return ss_count("time-wait", filter);
}

static void expect_clean_close(const fsrv_t *f, const long long before[N_ABORT], int conns)
{
    int tw = client_time_wait(f->port, conns);
    if (tw != conns) fail_msg("%d client TIME_WAIT sockets, expected %d", tw, conns);
    assert_int_equal(server_time_wait(f->port), 0);
    long long after[N_ABORT];
    read_aborts(after);
    for (size_t i = 0; i < N_ABORT; i++)
        if (after[i] != before[i])
            fail_msg("%s went from %lld to %lld", abort_counters[i], before[i], after[i]);
    server_stats_t st = fsrv_stats(f);
    assert_int_equal(st.errors, 0);
    assert_int_equal(st.connections_accepted, conns);
}

static void test_tlsprof_closes_first(void **state)
{
    (void)state;
    SKIP_UNLESS_ISOLATED(); /* the abort counters are per namespace */
    static const char *const modes[] = {"-n 40 -c 2", "--mode pooled -c 4 -m 2 -n 40"};
    static const int conns[] = {40, 4};
    for (int i = 0; i < 2; i++) {
        fsrv_t f;
        fsrv_start(&f, NULL);
        long long before[N_ABORT];
        read_aborts(before);
        run_result_t r;
        RUN(&r, 30, "run %s %s --cacert %s -q", f.url, modes[i], f.cert);
        CHECK(&r, r.exit_code == 0);
        CHECK(&r, sum_of(&r, "requests_ok") == 40);
        expect_clean_close(&f, before, conns[i]);
        /* tlsprof's own view agrees. */
        CHECK(&r, !strcmp(jstr(r.report, "tcp.time_wait.holder"), "client"));
        CHECK(&r, jnum(r.report, "tcp.system_deltas.TCPAbortOnData") == 0);
        run_result_free(&r);
        fsrv_stop(&f);
    }
}

/* One GET, then GOAWAY + close_notify + FIN in one segment (corked), and
 * close(): the socket is gone, so anything the server sends after this
 * would be answered with RST. */
static void get_then_close_whole_socket(tc_tls_t *t, int port)
{
    tc_conn_t c;
    tc_h2_t h;
    assert_int_equal(tc_connect(&c, t, port, NULL), 1);
    assert_int_equal(tc_h2_init(&h), 0);
    assert_non_null(tc_h2_request(&h, "GET", "/", 0));
    assert_int_equal(tc_h2_run(&h, &c, 3000), 1);
    assert_int_equal(h.st[0].status, 200);
    assert_int_equal(nghttp2_session_terminate_session(h.s, NGHTTP2_NO_ERROR), 0);
    uint8_t goaway[256];
    size_t n = tc_h2_take(&h, goaway, sizeof goaway);
    assert_true(n >= 17); /* a GOAWAY frame: 9-byte header + 8 */
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_CORK, &one, sizeof one);
    assert_int_equal(tc_write_all(&c, goaway, n), 0);
    SSL_shutdown(c.ssl); /* close_notify; we do not wait for the server's */
    tc_h2_free(&h);
    tc_close(&c); /* close() flushes the cork with our FIN */
}

static void test_client_closes_whole_socket(void **state)
{
    (void)state;
    SKIP_UNLESS_ISOLATED();
    fsrv_t f;
    fsrv_start(&f, NULL);
    tc_tls_t t;
    assert_int_equal(tc_tls_init(&t, server_cert_pem(f.s), "h2", 0), 0);
    long long before[N_ABORT];
    read_aborts(before);
    for (int i = 0; i < 20; i++)
        get_then_close_whole_socket(&t, f.port);
    expect_clean_close(&f, before, 20);
    assert_int_equal(fsrv_stats(&f).requests, 20);
    tc_tls_free(&t);
    fsrv_stop(&f);
}

int main(void)
{
    faults_enter_netns();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tlsprof_closes_first),
        cmocka_unit_test(test_client_closes_whole_socket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
