/* test_h1.c - HTTP/1.1 (--h1) against a real nginx.
 *
 * Truth that tlsprof did not compute: nginx's access log (one line per
 * request it answered, with its protocol, status, connection serial number
 * and the request's number on that connection), `ss` for who holds
 * TIME_WAIT, the 12 bytes the echo module sends, and the delay we inject. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <openssl/ssl.h>

#include "harness.h"

#define H1_LOG                                                                                     \
    "$server_protocol $status $request_method c=$connection n=$connection_requests "               \
    "e=$ssl_early_data"

typedef struct log_facts {
    int lines, http11_200, connections, max_per_connection, early;
} log_facts_t;

/* nginx's account of the requests, once it has logged `want` of them. */
static log_facts_t read_log(const logged_nginx_t *n, int want)
{
    log_facts_t f = {0};
    char *text = logged_nginx_text(n, want);
    static long seen[100000];
    int nseen = 0;
    for (char *line = text, *next; *line; line = next) {
        next = strchr(line, '\n');
        if (!next) break;
        *next++ = '\0';
        f.lines++;
        if (!strncmp(line, "HTTP/1.1 200 ", 13)) f.http11_200++;
        if (strstr(line, " e=1")) f.early++;
        const char *c = strstr(line, "c="), *r = strstr(line, "n=");
        long conn = c ? atol(c + 2) : -1, nreq = r ? atol(r + 2) : 0;
        if (nreq > f.max_per_connection) f.max_per_connection = (int)nreq;
        int known = 0;
        for (int i = 0; i < nseen && !known; i++)
            known = seen[i] == conn;
        if (!known && nseen < 100000) seen[nseen++] = conn;
    }
    f.connections = nseen;
    free(text);
    return f;
}

static void run_ok(run_result_t *r, const char *fmt_args, const logged_nginx_t *n)
{
    char args[1280]; /* url, cert path (PATH_MAX-sized buffers in the harness) and options */
    snprintf(args, sizeof args, fmt_args, n->p.url, n->p.cert_path);
    assert_int_equal(run_tlsprof(r, "run %s", args), 0);
    if (r->exit_code != 0 || !r->report) fail_msg("exit %d\n%s\n%s", r->exit_code, r->out, r->err);
}

static void test_fresh(void **state)
{
    (void)state;
    logged_nginx_t n;
    logged_nginx_start(&n, H1_LOG, NULL, NULL);
    run_result_t r;
    run_ok(&r, "%s --h1 -n 100 -c 4 --cacert %s -q", &n);
    assert_true(jnum(r.report, "summary.requests_ok") == 100);
    assert_true(jnum(r.report, "summary.connections_opened") == 100);
    assert_true(jnum(r.report, "summary.connections_established") == 100);
    assert_true(jnum(r.report, "phases.tcp_connect.count") == 100);
    assert_true(jnum(r.report, "phases.tls_handshake.count") == 100);
    assert_true(jnum(r.report, "phases.ttfb.count") == 100);
    assert_true(jnum(r.report, "phases.stream.count") == 100);
    assert_true(jnum(r.report, "phases.h2_settings.count") == 0); /* no SETTINGS in HTTP/1.1 */
    /* "http/1.1" has dots: no dotted path for it. */
    json_t *alpn = json_object_get(json_object_get(r.report, "tls"), "alpn");
    assert_true(json_integer_value(json_object_get(alpn, "http/1.1")) == 100);
    assert_true(jnum(r.report, "summary.status.200") == 100);
    assert_true(jnum(r.report, "summary.bytes_received") == 300); /* "ok\n" each */
    log_facts_t f = read_log(&n, 100);
    assert_int_equal(f.lines, 100);
    assert_int_equal(f.http11_200, 100);
    assert_int_equal(f.connections, 100);
    assert_int_equal(f.max_per_connection, 1);
    run_result_free(&r);
    logged_nginx_stop(&n);
}

static void test_pooled(void **state)
{
    (void)state;
    logged_nginx_t n;
    logged_nginx_start(&n, H1_LOG, NULL, NULL);
    run_result_t r;
    run_ok(&r, "%s --h1 --mode pooled -c 3 -n 300 --cacert %s -q", &n);
    assert_true(jnum(r.report, "summary.requests_ok") == 300);
    assert_true(jnum(r.report, "summary.connections_opened") == 3);
    assert_true(jnum(r.report, "summary.reconnects") == 0);
    assert_true(jnum(r.report, "phases.ttfb.count") == 300);
    log_facts_t f = read_log(&n, 300);
    assert_int_equal(f.http11_200, 300);
    assert_int_equal(f.connections, 3);
    run_result_free(&r);
    logged_nginx_stop(&n);

    /* The server ends each connection after 10 requests ("Connection:
     * close" on the 10th response): every request still succeeds, and the
     * connections tlsprof counts are the ones nginx logged. How the 100
     * requests split between the two slots depends on timing: a slot that
     * did a requests used ceil(a / 10) connections, so both together used
     * 10 or 11, and no connection carried more than 10 requests. */
    logged_nginx_start(&n, H1_LOG, NULL, "keepalive_requests 10;");
    run_ok(&r, "%s --h1 --mode pooled -c 2 -n 100 --cacert %s -q", &n);
    assert_true(jnum(r.report, "summary.requests_ok") == 100);
    assert_true(jnum(r.report, "summary.requests_failed") == 0);
    f = read_log(&n, 100);
    assert_int_equal(f.http11_200, 100);
    assert_in_range(f.connections, 10, 11);
    assert_int_equal(f.max_per_connection, 10);
    assert_true(jnum(r.report, "summary.connections_opened") == f.connections);
    assert_true(jnum(r.report, "summary.reconnects") == f.connections - 2);
    run_result_free(&r);
    logged_nginx_stop(&n);

    /* One slot: exactly 100 / 10 connections, 9 of them reconnects. */
    logged_nginx_start(&n, H1_LOG, NULL, "keepalive_requests 10;");
    run_ok(&r, "%s --h1 --mode pooled -c 1 -n 100 --cacert %s -q", &n);
    assert_true(jnum(r.report, "summary.requests_ok") == 100);
    assert_true(jnum(r.report, "summary.connections_opened") == 10);
    assert_true(jnum(r.report, "summary.reconnects") == 9);
    f = read_log(&n, 100);
    assert_int_equal(f.connections, 10);
    assert_int_equal(f.max_per_connection, 10);
    run_result_free(&r);
    logged_nginx_stop(&n);
}

static void test_framing(void **state)
{
    (void)state;
    logged_nginx_t n;
    /* The echo module answers HTTP/1.1 with a chunked body; without the
     * module nginx would refuse the `echo` directive. */
    if (!nginx_has_echo_module()) {
        print_message("SKIPPED: %s\n", NGINX_ECHO_MISSING_MESSAGE);
        skip();
    }
    logged_nginx_start(&n, H1_LOG, "location = /chunked { echo hello; echo world; }", NULL);
    char url[300];
    snprintf(url, sizeof url, "%schunked", n.p.url);
    run_result_t r;
    assert_int_equal(
        run_tlsprof(&r, "run %s --h1 -n 5 --mode pooled --cacert %s -q", url, n.p.cert_path), 0);
    assert_int_equal(r.exit_code, 0);
    assert_true(jnum(r.report, "summary.bytes_received") == 5 * 12); /* "hello\nworld\n" */
    run_result_free(&r);
    /* HEAD: content-length of the file, no body. */
    snprintf(url, sizeof url, "%sbody/1m", n.p.url);
    assert_int_equal(run_tlsprof(&r, "run %s --h1 -X HEAD -n 3 --mode pooled --cacert %s -q", url,
                                 n.p.cert_path),
                     0);
    assert_int_equal(r.exit_code, 0);
    assert_true(jnum(r.report, "summary.requests_ok") == 3);
    assert_true(jnum(r.report, "summary.bytes_received") == 0);
    run_result_free(&r);
    /* The 1 MiB body arrives whole (many reads, one response). */
    assert_int_equal(run_tlsprof(&r, "run %s --h1 -n 2 --cacert %s -q", url, n.p.cert_path), 0);
    assert_int_equal(r.exit_code, 0);
    assert_true(jnum(r.report, "summary.bytes_received") == 2.0 * PEER_BODY_SIZE);
    run_result_free(&r);
    logged_nginx_stop(&n);
}

/* A response later than --request-timeout fails as ttfb timeout; the
 * connection it was on is not used again. */
static void test_timeout(void **state)
{
    (void)state;
    peer_t p;
    START_NGINX_ECHO_OR_SKIP(&p, NULL);
    char url[300];
    snprintf(url, sizeof url, "%s?s=1", p.sleep_url);
    run_result_t r;
    assert_int_equal(
        run_tlsprof(&r,
                    "run %s --h1 --mode pooled -c 1 -n 2 --request-timeout 200ms --cacert %s -q",
                    url, p.cert_path),
        0);
    assert_int_equal(r.exit_code, 3);
    assert_true(jnum(r.report, "summary.requests_failed") == 2);
    assert_true(jnum(r.report, "errors.ttfb.timeout") == 2);
    /* One request per connection: the timed-out one closed it. */
    assert_true(jnum(r.report, "summary.connections_opened") == 2);
    /* Both requests waited out their 200 ms before failing. */
    assert_true(r.wall_s >= 0.4);
    run_result_free(&r);
    peer_stop(&p);
}

static int tw(const char *side, int port)
{
    int n = count_time_wait_ss_side(side, "127.0.0.1", port);
    if (n < 0) {
        print_message("SKIPPED: ss (iproute2) could not be run\n");
        skip();
    }
    return n;
}

static void test_who_closes(void **state)
{
    (void)state;
    peer_t p;
    START_NGINX_OR_SKIP(&p, NULL);
    run_result_t r;
    /* --close server sends "connection: close": nginx closes first and
     * holds TIME_WAIT; --close client: tlsprof does. Exactly one TIME_WAIT
     * per connection on the side that closed first: no RST cut one short. */
    const char *modes[] = {"server", "client"};
    for (int i = 0; i < 2; i++) {
        int srv0 = tw("src", p.port), cli0 = tw("dst", p.port);
        assert_int_equal(run_tlsprof(&r, "run %s --h1 --close %s -n 40 -c 2 --cacert %s -q", p.url,
                                     modes[i], p.cert_path),
                         0);
        assert_int_equal(r.exit_code, 0);
        int srv = tw("src", p.port) - srv0, cli = tw("dst", p.port) - cli0;
        if (i == 0 && (srv != 40 || cli != 0))
            fail_msg("close server: server TIME_WAIT +%d, client +%d", srv, cli);
        if (i == 1 && (srv != 0 || cli != 40))
            fail_msg("close client: server TIME_WAIT +%d, client +%d", srv, cli);
        run_result_free(&r);
    }
    peer_stop(&p);
}

/* 0-RTT over HTTP/1.1: the request leaves with the ClientHello; nginx says
 * which requests came as early data. The first connection has no ticket. */
static void test_early_data(void **state)
{
    (void)state;
    logged_nginx_t n;
    logged_nginx_start(&n, H1_LOG, "ssl_early_data on;", NULL);
    run_result_t r;
    run_ok(&r, "%s --h1 --early-data -n 20 --cacert %s -q", &n);
    assert_true(jnum(r.report, "summary.requests_ok") == 20);
    assert_true(jnum(r.report, "tls.early_data.attempted") == 19);
    assert_true(jnum(r.report, "tls.early_data.accepted") == 19);
    assert_true(jnum(r.report, "phases.ttfb_0rtt.count") == 19);
    log_facts_t f = read_log(&n, 20);
    assert_int_equal(f.http11_200, 20);
    /* nginx's $ssl_early_data is "1" only for requests it handled before
     * the handshake completed. The request leaves in the ClientHello's
     * segment and our Finished only a round trip later, so nginx nearly
     * always handles it early; a "0" needs that race lost, and the lower
     * bound needs it lost 19 times in a row. */
    assert_true(f.early >= 1 && f.early <= 19);
    run_result_free(&r);
    logged_nginx_stop(&n);
}

/* ---- a keep-alive server that drops the second request --------------------

   A small TLS server of our own: it answers the first request of every
   connection (200, 2 bytes, keep-alive) and closes the connection when the
   second arrives, without a byte of answer: deterministically what a
   server's keep-alive timeout does when it fires just as a request leaves.
   With close_first, it closes on the first request already. */
typedef struct dropper {
    SSL_CTX *ctx;
    int lfd, port;
    int close_first;
    int answered, dropped; /* written by the server thread, read after join */
    pthread_t thread;
    volatile int stop;
} dropper_t;

static int read_request(SSL *ssl)
{
    char buf[4096];
    size_t have = 0;
    while (have < sizeof buf) {
        int n = SSL_read(ssl, buf + have, (int)(sizeof buf - have));
        if (n <= 0) return -1;
        have += (size_t)n;
        if (have >= 4 && memmem(buf, have, "\r\n\r\n", 4)) return 0;
    }
    return -1;
}

static void *dropper_main(void *arg)
{
    dropper_t *d = arg;
    while (!d->stop) {
        int fd = accept(d->lfd, NULL, NULL);
        if (fd < 0) continue; /* the 200 ms accept timeout: look at stop */
        struct timeval tv = {2, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        SSL *ssl = SSL_new(d->ctx);
        SSL_set_fd(ssl, fd);
        if (SSL_accept(ssl) == 1) {
            for (int nth = 1;; nth++) {
                if (read_request(ssl) < 0) break;
                if (nth == 2 || d->close_first) { /* drop it: no answer */
                    d->dropped++;
                    break;
                }
                const char ok[] = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                if (SSL_write(ssl, ok, sizeof ok - 1) <= 0) break;
                d->answered++;
            }
            SSL_shutdown(ssl);
        }
        SSL_free(ssl);
        close(fd);
    }
    return NULL;
}

static void dropper_start(dropper_t *d, const char *dir, int close_first, char *cert,
                          size_t certlen)
{
    memset(d, 0, sizeof *d);
    d->close_first = close_first;
    char key[600];
    snprintf(cert, certlen, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    assert_int_equal(make_selfsigned_cert(cert, key), 0);
    d->ctx = SSL_CTX_new(TLS_server_method());
    assert_non_null(d->ctx);
    assert_int_equal(SSL_CTX_use_certificate_file(d->ctx, cert, SSL_FILETYPE_PEM), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey_file(d->ctx, key, SSL_FILETYPE_PEM), 1);
    d->lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(d->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(d->lfd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    getsockname(d->lfd, (struct sockaddr *)&a, &al);
    d->port = ntohs(a.sin_port);
    assert_int_equal(listen(d->lfd, 64), 0);
    struct timeval tv = {0, 200000};
    setsockopt(d->lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    assert_int_equal(pthread_create(&d->thread, NULL, dropper_main, d), 0);
}

static void dropper_stop(dropper_t *d)
{
    d->stop = 1;
    pthread_join(d->thread, NULL);
    close(d->lfd);
    SSL_CTX_free(d->ctx);
}

/* A request a kept-alive connection loses before any answer goes again,
 * on a new connection; the first request of a connection is never retried. */
static void test_stale_keepalive_retried(void **state)
{
    (void)state;
    char *dir = make_temp_dir("h1drop");
    char cert[600];
    dropper_t d;
    dropper_start(&d, dir, 0, cert, sizeof cert);
    run_result_t r;
    assert_int_equal(
        run_tlsprof(&r, "run https://127.0.0.1:%d/ --h1 --mode pooled -c 1 -n 5 --cacert %s -q",
                    d.port, cert),
        0);
    dropper_stop(&d);
    if (r.exit_code != 0) fail_msg("exit %d\n%s\n%s", r.exit_code, r.out, r.err);
    /* 1 ok on each of 5 connections; the 2nd request of the first 4 was
     * dropped and sent again. */
    assert_true(jnum(r.report, "summary.requests_ok") == 5);
    assert_true(jnum(r.report, "summary.requests_failed") == 0);
    assert_true(jnum(r.report, "summary.requests_retried") == 4);
    assert_true(jnum(r.report, "summary.connections_opened") == 5);
    assert_int_equal(d.answered, 5);
    assert_int_equal(d.dropped, 4);
    run_result_free(&r);

    dropper_start(&d, dir, 1, cert, sizeof cert);
    assert_int_equal(
        run_tlsprof(&r, "run https://127.0.0.1:%d/ --h1 -n 3 --cacert %s -q", d.port, cert), 0);
    dropper_stop(&d);
    assert_int_equal(r.exit_code, 3);
    assert_true(jnum(r.report, "summary.requests_retried") == 0);
    assert_true(jnum(r.report, "errors.ttfb.connection closed before the response") == 3);
    assert_int_equal(d.dropped, 3);
    run_result_free(&r);
    rm_rf(dir);
    free(dir);
}

static void test_usage_and_alpn(void **state)
{
    (void)state;
    run_result_t r;
    assert_int_equal(run_tlsprof(&r, "run https://127.0.0.1:1/ --h1 --mode pooled -m 2"), 0);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "--h1 sends one request at a time"));
    run_result_free(&r);
    assert_int_equal(run_tlsprof(&r, "run https://127.0.0.1:1/ --h1 --strict-h2"), 0);
    assert_int_equal(r.exit_code, 2);
    run_result_free(&r);
    /* An HTTP/2-only server refuses an HTTP/1.1-only offer. */
    peer_t p;
    assert_int_equal(peer_start_embedded(&p, NULL), PEER_OK);
    assert_int_equal(run_tlsprof(&r, "run %s --h1 -n 2 --cacert %s -q", p.url, p.cert_path), 0);
    assert_int_equal(r.exit_code, 3);
    assert_true(jnum(r.report, "errors.tls_handshake.tlsv1 alert no application protocol") == 2);
    run_result_free(&r);
    peer_stop(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh),
        cmocka_unit_test(test_pooled),
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_who_closes),
        cmocka_unit_test(test_early_data),
        cmocka_unit_test(test_stale_keepalive_retried),
        cmocka_unit_test(test_usage_and_alpn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
