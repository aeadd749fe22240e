/* test_server_h2.c - the embedded server's HTTP/2 side and its fault
 * switches, checked with an independent blocking nghttp2 client: bodies,
 * methods, stream limits, threads, idle timeouts, abrupt clients, and what
 * each --fault does on the wire. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>

#include "server/server.h"
#include "test_server_client.h"

static server_t *start(const char *opts)
{
    char buf[512], *argv[32];
    int argc = 0;
    snprintf(buf, sizeof buf, "%s", opts ? opts : "");
    argv[argc++] = "serve";
    for (char *tok = strtok(buf, " "); tok && argc < 31; tok = strtok(NULL, " "))
        argv[argc++] = tok;
    argv[argc] = NULL;
    server_config_t cfg;
    char err[512] = "";
    server_config_defaults(&cfg);
    cfg.port = 0;
    int rc = server_config_parse(&cfg, argc, argv, err, sizeof err);
    if (rc) fprintf(stderr, "parse '%s': %s\n", opts, err);
    assert_int_equal(rc, 0);
    server_t *s = server_start(&cfg, err, sizeof err);
    if (!s) fprintf(stderr, "server_start '%s': %s\n", opts, err);
    assert_non_null(s);
    return s;
}

static server_stats_t stats(server_t *s)
{
    server_stats_t st;
    server_stats(s, &st);
    return st;
}

/* Counters are updated by the server thread a moment after the client
 * sees the effect: poll (bounded) until the condition holds. */
#define WAIT_FOR(s, cond)                                                                          \
    do {                                                                                           \
        server_stats_t st_;                                                                        \
        for (int i_ = 0; i_ < 200; i_++) {                                                         \
            st_ = stats(s);                                                                        \
            if (cond) break;                                                                       \
            tc_sleep_ms(10);                                                                       \
        }                                                                                          \
    } while (0)

typedef struct fixture {
    server_t *s;
    tc_tls_t t;
    tc_conn_t c;
    tc_h2_t h;
} fixture_t;

/* Server with opts, one TLS connection and an HTTP/2 session on it. */
static void open_conn(fixture_t *f, const char *opts)
{
    f->s = start(opts);
    assert_int_equal(tc_tls_init(&f->t, server_cert_pem(f->s), "h2", 0), 0);
    assert_int_equal(tc_connect(&f->c, &f->t, server_port(f->s), NULL), 1);
    assert_int_equal(tc_h2_init(&f->h), 0);
}

static void close_conn(fixture_t *f)
{
    tc_h2_free(&f->h);
    tc_close(&f->c);
    tc_tls_free(&f->t);
    server_stop(f->s);
}

static void test_bodies_and_methods(void **state)
{
    fixture_t f;
    open_conn(&f, "--body-size 100001");
    for (int i = 0; i < 40; i++)
        tc_h2_request(&f.h, "GET", "/any/path?x=1", 0);
    tc_stream_t *head = tc_h2_request(&f.h, "HEAD", "/", 0);
    tc_stream_t *post = tc_h2_request(&f.h, "POST", "/upload", 70000);
    tc_stream_t *del = tc_h2_request(&f.h, "DELETE", "/x", 0);
    assert_int_equal(tc_h2_run(&f.h, &f.c, 5000), 1);
    for (int i = 0; i < 40; i++) {
        assert_int_equal(f.h.st[i].status, 200);
        assert_int_equal(f.h.st[i].close_code, 0);
        assert_int_equal(f.h.st[i].content_length, 100001);
        assert_int_equal(f.h.st[i].body, 100001);
    }
    assert_int_equal(head->status, 200);
    assert_int_equal(head->content_length, 100001);
    assert_int_equal(head->body, 0);
    assert_int_equal(post->status, 200);
    assert_int_equal(post->body, 100001);
    assert_int_equal(del->status, 200);
    assert_int_equal(f.h.settings, 1);
    assert_int_equal(
        nghttp2_session_get_remote_settings(f.h.s, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS), 100);
    assert_int_equal(stats(f.s).requests, 43);
    close_conn(&f);

    /* Body 0: headers with END_STREAM and content-length 0. */
    open_conn(&f, NULL);
    tc_stream_t *st = tc_h2_request(&f.h, "GET", "/", 0);
    assert_int_equal(tc_h2_run(&f.h, &f.c, 3000), 1);
    assert_int_equal(st->status, 200);
    assert_int_equal(st->content_length, 0);
    assert_int_equal(st->body, 0);
    close_conn(&f);
}

static void test_max_streams(void **state)
{
    fixture_t f;
    open_conn(&f, "--max-streams 7 --body-size 10");
    /* Until SETTINGS arrive the limit is unknown to the client, and the
     * server would refuse streams past 7: wait for them first. */
    assert_int_equal(tc_h2_until(&f.h, &f.c, TC_SETTINGS, 3000), 1);
    for (int i = 0; i < 20; i++)
        tc_h2_request(&f.h, "GET", "/", 0);
    assert_int_equal(tc_h2_run(&f.h, &f.c, 5000), 1);
    assert_int_equal(
        nghttp2_session_get_remote_settings(f.h.s, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS), 7);
    for (int i = 0; i < 20; i++)
        assert_int_equal(f.h.st[i].status, 200);
    close_conn(&f);
}

static void test_threads(void **state)
{
    server_t *s = start("--threads 4 --body-size 1k");
    assert_int_equal(server_threads(s), 4);
    tc_tls_t t;
    assert_int_equal(tc_tls_init(&t, server_cert_pem(s), "h2", 0), 0);
    for (int i = 0; i < 48; i++) {
        tc_stream_t r;
        assert_int_equal(tc_get_once(&t, server_port(s), NULL, &r, NULL), 0);
        assert_int_equal(r.body, 1000);
    }
    WAIT_FOR(s, st_.connections_open == 0);
    server_stats_t total = stats(s), sum = {0};
    int busy = 0;
    for (int i = 0; i < 4; i++) {
        server_stats_t one;
        server_thread_stats(s, i, &one);
        sum.connections_accepted += one.connections_accepted;
        sum.requests += one.requests;
        busy += one.connections_accepted > 0;
    }
    assert_int_equal(total.connections_accepted, 48);
    assert_int_equal(total.requests, 48);
    assert_int_equal(sum.connections_accepted, 48);
    assert_int_equal(sum.requests, 48);
    /* SO_REUSEPORT hashes 48 different source ports over 4 listeners; all
     * on one listener would mean the others are not listening. */
    assert_true(busy >= 2);
    tc_tls_free(&t);
    server_stop(s);
}

static void test_idle_timeout(void **state)
{
    fixture_t f;
    open_conn(&f, "--idle-timeout 200");
    tc_h2_request(&f.h, "GET", "/", 0);
    assert_int_equal(tc_h2_run(&f.h, &f.c, 3000), 1);
    long long t0 = tc_now_ms();
    assert_int_equal(tc_h2_until(&f.h, &f.c, TC_SERVER_CLOSE, 3000), 1);
    long long waited = tc_now_ms() - t0;
    assert_int_equal(f.h.goaway, 1); /* a graceful close: GOAWAY(NO_ERROR) first */
    assert_int_equal(f.h.goaway_code, NGHTTP2_NO_ERROR);
    assert_int_equal(f.h.goaway_last, 1);
    assert_int_equal(f.h.eof, 1);
    assert_true(waited >= 100 && waited < 2500);
    WAIT_FOR(f.s, st_.idle_closed == 1);
    assert_int_equal(stats(f.s).idle_closed, 1);
    close_conn(&f);
}

static void test_client_goes_away(void **state)
{
    server_t *s = start("--body-size 10M");
    tc_tls_t t;
    assert_int_equal(tc_tls_init(&t, server_cert_pem(s), "h2", 0), 0);
    for (int i = 0; i < 6; i++) {
        tc_conn_t c;
        tc_h2_t h;
        assert_int_equal(tc_connect(&c, &t, server_port(s), NULL), 1);
        tc_h2_init(&h);
        tc_h2_request(&h, "GET", "/big", 0);
        tc_h2_request(&h, "GET", "/big", 0);
        tc_h2_run(&h, &c, 30); /* start the download, then leave mid-body */
        if (i % 3 == 0)
            tc_reset(&c);      /* RST */
        else if (i % 3 == 1) { /* close_notify then FIN */
            SSL_shutdown(c.ssl);
            tc_close(&c);
        } else {
            tc_close(&c); /* FIN without close_notify */
        }
        tc_h2_free(&h);
    }
    /* Half-finished handshakes: TCP only, and a ClientHello cut short. */
    int fd = tc_tcp(server_port(s));
    close(fd);
    fd = tc_tcp(server_port(s));
    assert_int_equal(write(fd, "\x16\x03\x01\x02\x00\x01", 6), 6);
    close(fd);
    WAIT_FOR(s, st_.connections_open == 0 && st_.connections_accepted == 8);
    server_stats_t st = stats(s);
    assert_int_equal(st.connections_open, 0);
    assert_int_equal(st.connections_accepted, 8);
    assert_int_equal(st.handshakes_full, 6);
    assert_int_equal(st.handshake_failures, 2);
    /* Leaving mid-body, however abruptly, is not a server error. */
    assert_int_equal(st.io_errors, 0);
    assert_int_equal(st.protocol_errors, 0);
    /* The server still serves. */
    tc_stream_t r;
    assert_int_equal(tc_get_once(&t, server_port(s), NULL, &r, NULL), 0);
    assert_int_equal(r.body, 10000000);
    tc_tls_free(&t);
    server_stop(s);
}

static void test_stop_with_open_connections(void **state)
{
    fixture_t f;
    open_conn(&f, "--fault stall-response");
    tc_h2_request(&f.h, "GET", "/", 0);
    tc_h2_run(&f.h, &f.c, 200);
    assert_int_equal(f.h.st[0].status, 200);
    int idle = tc_tcp(server_port(f.s)); /* and one that never says anything */
    WAIT_FOR(f.s, st_.connections_open == 2);
    assert_int_equal(stats(f.s).connections_open, 2);
    server_stop(f.s); /* must close both, join and free (ASan checks leaks) */
    tc_h2_run(&f.h, &f.c, 2000);
    assert_int_equal(f.h.eof, 1);
    close(idle);
    tc_h2_free(&f.h);
    tc_close(&f.c);
    tc_tls_free(&f.t);
}

/* ---- faults --------------------------------------------------------------- */

/* Handshake outcome against a server with --fault opts. */
static void expect_handshake_failure(const char *opts, int want_reset, int want_ssl_error)
{
    server_t *s = start(opts);
    tc_tls_t t;
    tc_conn_t c;
    assert_int_equal(tc_tls_init(&t, server_cert_pem(s), "h2", 0), 0);
    int r = tc_connect(&c, &t, server_port(s), NULL);
    assert_int_equal(r, 0);
    if (want_reset) {
        assert_int_equal(c.ssl_error, SSL_ERROR_SYSCALL);
        assert_int_equal(c.sys_errno, ECONNRESET);
    } else if (want_ssl_error == SSL_ERROR_SYSCALL) {
        /* A clean EOF in the middle of the handshake. */
        assert_true(c.ssl_error == SSL_ERROR_SYSCALL || c.ssl_error == SSL_ERROR_SSL);
        assert_int_not_equal(c.sys_errno, ECONNRESET);
    } else {
        assert_int_equal(c.ssl_error, want_ssl_error);
    }
    tc_close(&c);
    WAIT_FOR(s, st_.faults_injected == 1);
    server_stats_t st = stats(s);
    assert_int_equal(st.faults_injected, 1);
    assert_int_equal(st.handshakes_full, 0);
    assert_int_equal(st.errors, 0); /* injected faults are not server errors */
    tc_tls_free(&t);
    server_stop(s);
}

static void test_fault_handshake(void **state)
{
    expect_handshake_failure("--fault rst-after-accept", 1, 0);
    expect_handshake_failure("--fault rst-after-clienthello", 1, 0);
    expect_handshake_failure("--fault close-after-clienthello", 0, SSL_ERROR_SYSCALL);
    expect_handshake_failure("--fault garbage-serverhello", 0, SSL_ERROR_SSL);
}

static void test_fault_garbage_bytes(void **state)
{
    server_t *s = start("--fault garbage-serverhello");
    int fd = tc_tcp(server_port(s));
    /* Any ClientHello will do: take one from a real client context. */
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = SSL_new(ctx);
    BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl, rb, wb);
    SSL_connect(ssl);
    char *hello;
    long n = BIO_get_mem_data(wb, &hello);
    assert_true(n > 0);
    assert_int_equal(write(fd, hello, (size_t)n), n);
    char buf[256];
    ssize_t got = 0, r;
    while ((r = read(fd, buf + got, sizeof buf - 1 - (size_t)got)) > 0)
        got += r;
    buf[got] = 0;
    /* Not a TLS record (content types are 20-24), and the stream ends. */
    assert_true(got > 5);
    assert_true(buf[0] < 20 || buf[0] > 24);
    assert_non_null(strstr(buf, "garbage"));
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);
    server_stop(s);
}

static void test_fault_every(void **state)
{
    server_t *s = start("--fault rst-after-accept --fault-every 3");
    tc_tls_t t;
    assert_int_equal(tc_tls_init(&t, server_cert_pem(s), "h2", 0), 0);
    int pattern[9];
    for (int i = 0; i < 9; i++) {
        tc_conn_t c;
        pattern[i] = tc_connect(&c, &t, server_port(s), NULL);
        tc_close(&c);
    }
    for (int i = 0; i < 9; i++)
        assert_int_equal(pattern[i], (i + 1) % 3 == 0 ? 0 : 1);
    WAIT_FOR(s, st_.faults_injected == 3 && st_.connections_open == 0);
    assert_int_equal(stats(s).faults_injected, 3);
    assert_int_equal(stats(s).handshakes_full, 6);
    tc_tls_free(&t);
    server_stop(s);
}

static void test_fault_no_settings(void **state)
{
    fixture_t f;
    open_conn(&f, "--fault no-settings");
    tc_h2_request(&f.h, "GET", "/", 0);
    long long t0 = tc_now_ms();
    assert_int_equal(tc_h2_run(&f.h, &f.c, 400), 0);
    assert_true(tc_now_ms() - t0 >= 350); /* still waiting: no EOF, no bytes */
    assert_int_equal(f.h.settings, 0);
    assert_int_equal(f.h.st[0].status, 0);
    assert_int_equal(f.h.eof, 0);
    assert_int_equal(stats(f.s).handshakes_full, 1);
    close_conn(&f);
}

static void test_fault_goaway_after(void **state)
{
    fixture_t f;
    open_conn(&f, "--fault goaway-after:3 --body-size 100");
    for (int i = 0; i < 5; i++)
        tc_h2_request(&f.h, "GET", "/", 0);
    assert_int_equal(tc_h2_until(&f.h, &f.c, TC_SERVER_CLOSE, 3000), 1);
    assert_int_equal(f.h.goaway, 1);
    assert_int_equal(f.h.goaway_code, NGHTTP2_NO_ERROR);
    assert_int_equal(f.h.goaway_last, 5); /* the third stream: 1, 3, 5 */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(f.h.st[i].status, 200);
        assert_int_equal(f.h.st[i].body, 100);
    }
    for (int i = 3; i < 5; i++)
        assert_int_equal(f.h.st[i].status, 0); /* not processed */
    assert_int_equal(f.h.eof, 1);              /* and the server closed */
    WAIT_FOR(f.s, st_.connections_open == 0);
    assert_int_equal(stats(f.s).requests, 3);
    assert_int_equal(stats(f.s).errors, 0);
    close_conn(&f);
}

static void test_fault_rst_stream(void **state)
{
    const struct {
        const char *opts;
        uint32_t code;
    } cases[] = {
        {"--fault rst-stream:REFUSED_STREAM", NGHTTP2_REFUSED_STREAM},
        {"--fault rst-stream:internal_error", NGHTTP2_INTERNAL_ERROR},
        {"--fault rst-stream:CANCEL", NGHTTP2_CANCEL},
        {"--fault rst-stream:42", 42},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        fixture_t f;
        open_conn(&f, cases[k].opts);
        for (int i = 0; i < 3; i++)
            tc_h2_request(&f.h, "GET", "/", 0);
        assert_int_equal(tc_h2_run(&f.h, &f.c, 3000), 1);
        for (int i = 0; i < 3; i++) {
            assert_int_equal(f.h.st[i].status, 0);
            assert_int_equal(f.h.st[i].close_code, cases[k].code);
        }
        assert_int_equal(stats(f.s).faults_injected, 3);
        assert_int_equal(stats(f.s).requests, 0);
        close_conn(&f);
    }
}

static void test_fault_stall_response(void **state)
{
    fixture_t f;
    open_conn(&f, "--fault stall-response --body-size 5000");
    tc_h2_request(&f.h, "GET", "/", 0);
    assert_int_equal(tc_h2_run(&f.h, &f.c, 400), 0);
    assert_int_equal(f.h.st[0].status, 200);
    assert_int_equal(f.h.st[0].content_length, 5000);
    assert_int_equal(f.h.st[0].body, 0);
    assert_int_equal(f.h.st[0].closed, 0);
    close_conn(&f);
}

static void test_fault_huge_headers(void **state)
{
    fixture_t f;
    open_conn(&f, "--fault huge-headers:30000 --body-size 10");
    tc_h2_request(&f.h, "GET", "/", 0);
    assert_int_equal(tc_h2_run(&f.h, &f.c, 3000), 1);
    assert_int_equal(f.h.st[0].status, 200);
    assert_int_equal(f.h.st[0].huge, 30000);
    assert_int_equal(f.h.st[0].body, 10);
    close_conn(&f);

    /* Past 64 KiB: the server still sends it (HEADERS + CONTINUATION, past
     * nghttp2's default send limit), and nghttp2's client refuses the
     * field with COMPRESSION_ERROR after :status was decoded. */
    open_conn(&f, "--fault huge-headers:100KiB");
    tc_h2_request(&f.h, "GET", "/", 0);
    assert_int_equal(tc_h2_run(&f.h, &f.c, 3000), 0);
    assert_int_equal(f.h.st[0].status, 200);
    assert_int_equal(f.h.st[0].huge, 0);
    assert_int_equal(f.h.st[0].closed, 0);
    close_conn(&f);
}

static void test_fault_flow_stall(void **state)
{
    fixture_t f;
    open_conn(&f, "--fault flow-stall --body-size 10");
    tc_h2_request(&f.h, "GET", "/", 0);
    /* The client's default windows are 65535 and nghttp2 sends
     * WINDOW_UPDATE as it consumes; the server ignores them. */
    assert_int_equal(tc_h2_run(&f.h, &f.c, 600), 0);
    assert_int_equal(f.h.st[0].status, 200);
    assert_true(f.h.st[0].content_length > 65535);
    assert_int_equal(f.h.st[0].body, 65535);
    assert_int_equal(f.h.st[0].closed, 0);
    assert_int_equal(f.h.eof, 0);
    close_conn(&f);
}

static void test_fault_idle_close(void **state)
{
    fixture_t f;
    open_conn(&f, "--fault idle-close:200");
    tc_h2_request(&f.h, "GET", "/", 0);
    assert_int_equal(tc_h2_run(&f.h, &f.c, 3000), 1);
    long long t0 = tc_now_ms();
    assert_int_equal(tc_h2_until(&f.h, &f.c, TC_SERVER_CLOSE, 3000), 1);
    long long waited = tc_now_ms() - t0;
    assert_int_equal(f.h.eof, 1);
    assert_int_equal(f.h.goaway, 0); /* silently: unlike --idle-timeout */
    assert_true(waited >= 100 && waited < 2500);
    /* No close_notify either: OpenSSL sees a bare EOF. */
    assert_int_equal(SSL_get_shutdown(f.c.ssl) & SSL_RECEIVED_SHUTDOWN, 0);
    WAIT_FOR(f.s, st_.faults_injected == 1);
    assert_int_equal(stats(f.s).faults_injected, 1);
    assert_int_equal(stats(f.s).idle_closed, 0);
    close_conn(&f);
}

int main(void)
{
    /* The client writes to connections the server may have closed. */
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bodies_and_methods),
        cmocka_unit_test(test_max_streams),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_idle_timeout),
        cmocka_unit_test(test_client_goes_away),
        cmocka_unit_test(test_stop_with_open_connections),
        cmocka_unit_test(test_fault_handshake),
        cmocka_unit_test(test_fault_garbage_bytes),
        cmocka_unit_test(test_fault_every),
        cmocka_unit_test(test_fault_no_settings),
        cmocka_unit_test(test_fault_goaway_after),
        cmocka_unit_test(test_fault_rst_stream),
        cmocka_unit_test(test_fault_stall_response),
        cmocka_unit_test(test_fault_huge_headers),
        cmocka_unit_test(test_fault_flow_stall),
        cmocka_unit_test(test_fault_idle_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
