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

#include "harness.h"

typedef struct logged {
    peer_t p;
    char *dir;
    char log[600];
} logged_t;

static void start_logged(logged_t *n, const char *server_conf, const char *http_extra)
{
    memset(n, 0, sizeof *n);
    if (!nginx_binary()) {
        print_message("SKIPPED: %s\n", NGINX_MISSING_MESSAGE);
        skip();
    }
    n->dir = make_temp_dir("h1");
    assert_non_null(n->dir);
    snprintf(n->log, sizeof n->log, "%s/access.log", n->dir);
    char http[1200];
    snprintf(http, sizeof http,
             "log_format h1 '$server_protocol $status $request_method c=$connection n=$connection_requests "
             "e=$ssl_early_data'; "
             "access_log %s h1; %s",
             n->log, http_extra ? http_extra : "");
    assert_int_equal(peer_start_nginx_ex(&n->p, server_conf, http), PEER_OK);
}

static void stop_logged(logged_t *n)
{
    peer_stop(&n->p);
    if (n->dir) rm_rf(n->dir);
    free(n->dir);
    n->dir = NULL;
}

typedef struct log_facts {
    int lines, http11_200, connections, max_per_connection, early;
} log_facts_t;

/* Read nginx's log once it has `want` lines (or after 3 s). */
static log_facts_t read_log(const logged_t *n, int want)
{
    log_facts_t f = {0};
    for (int tries = 0; tries < 300; tries++) {
        char *text = slurp_file(n->log, NULL);
        memset(&f, 0, sizeof f);
        static long seen[100000];
        int nseen = 0;
        for (char *line = text, *next; line && *line; line = next) {
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
            for (int i = 0; i < nseen && !known; i++) known = seen[i] == conn;
            if (!known && nseen < 100000) seen[nseen++] = conn;
        }
        f.connections = nseen;
        free(text);
        if (f.lines >= want) break;
        usleep(10000);
    }
    return f;
}

static void run_ok(run_result_t *r, const char *fmt_args, const logged_t *n)
{
    char args[600];
    snprintf(args, sizeof args, fmt_args, n->p.url, n->p.cert_path);
    assert_int_equal(run_tlsprof(r, "run %s", args), 0);
    if (r->exit_code != 0 || !r->report) fail_msg("exit %d\n%s\n%s", r->exit_code, r->out, r->err);
}

static void test_fresh(void **state)
{
    (void)state;
    logged_t n;
    start_logged(&n, NULL, NULL);
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
    stop_logged(&n);
}

static void test_pooled(void **state)
{
    (void)state;
    logged_t n;
    start_logged(&n, NULL, NULL);
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
    stop_logged(&n);

    /* The server ends each connection after 10 requests ("Connection:
     * close" on the 10th response): every request still succeeds, on
     * exactly 100 / 10 connections. */
    start_logged(&n, NULL, "keepalive_requests 10;");
    run_ok(&r, "%s --h1 --mode pooled -c 2 -n 100 --cacert %s -q", &n);
    assert_true(jnum(r.report, "summary.requests_ok") == 100);
    assert_true(jnum(r.report, "summary.requests_failed") == 0);
    assert_true(jnum(r.report, "summary.connections_opened") == 10);
    assert_true(jnum(r.report, "summary.reconnects") == 8);
    f = read_log(&n, 100);
    assert_int_equal(f.http11_200, 100);
    assert_int_equal(f.connections, 10);
    assert_int_equal(f.max_per_connection, 10);
    run_result_free(&r);
    stop_logged(&n);
}

static void test_framing(void **state)
{
    (void)state;
    logged_t n;
    /* The echo module answers HTTP/1.1 with a chunked body. */
    start_logged(&n, "location = /chunked { echo hello; echo world; }", NULL);
    if (!n.p.sleep_url[0]) {
        stop_logged(&n);
        print_message("SKIPPED: nginx echo module missing\n");
        skip();
    }
    char url[300];
    snprintf(url, sizeof url, "%schunked", n.p.url);
    run_result_t r;
    assert_int_equal(run_tlsprof(&r, "run %s --h1 -n 5 --mode pooled --cacert %s -q", url, n.p.cert_path), 0);
    assert_int_equal(r.exit_code, 0);
    assert_true(jnum(r.report, "summary.bytes_received") == 5 * 12); /* "hello\nworld\n" */
    run_result_free(&r);
    /* HEAD: content-length of the file, no body. */
    snprintf(url, sizeof url, "%sbody/1m", n.p.url);
    assert_int_equal(run_tlsprof(&r, "run %s --h1 -X HEAD -n 3 --mode pooled --cacert %s -q", url, n.p.cert_path), 0);
    assert_int_equal(r.exit_code, 0);
    assert_true(jnum(r.report, "summary.requests_ok") == 3);
    assert_true(jnum(r.report, "summary.bytes_received") == 0);
    run_result_free(&r);
    /* The 1 MiB body arrives whole (many reads, one response). */
    assert_int_equal(run_tlsprof(&r, "run %s --h1 -n 2 --cacert %s -q", url, n.p.cert_path), 0);
    assert_int_equal(r.exit_code, 0);
    assert_true(jnum(r.report, "summary.bytes_received") == 2.0 * PEER_BODY_SIZE);
    run_result_free(&r);
    stop_logged(&n);
}

/* A response later than --request-timeout fails as ttfb timeout; the
 * connection it was on is not used again. */
static void test_timeout(void **state)
{
    (void)state;
    peer_t p;
    START_NGINX_OR_SKIP(&p, NULL);
    if (!p.sleep_url[0]) {
        peer_stop(&p);
        skip();
    }
    char url[300];
    snprintf(url, sizeof url, "%s?s=1", p.sleep_url);
    run_result_t r;
    assert_int_equal(
        run_tlsprof(&r, "run %s --h1 --mode pooled -c 1 -n 2 --request-timeout 200ms --cacert %s -q", url, p.cert_path), 0);
    assert_int_equal(r.exit_code, 3);
    assert_true(jnum(r.report, "summary.requests_failed") == 2);
    assert_true(jnum(r.report, "errors.ttfb.timeout") == 2);
    /* One request per connection: the timed-out one closed it. */
    assert_true(jnum(r.report, "summary.connections_opened") == 2);
    assert_true(r.wall_s >= 0.4 && r.wall_s < 2.0);
    run_result_free(&r);
    peer_stop(&p);
}

/* TIME_WAIT sockets in 127.0.0.1:port's table: src (the server's side) or
 * dst (the client's side), as ss sees them. */
static int tw(const char *side, int port)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "ss -Htan state time-wait %s 127.0.0.1:%d 2>/dev/null | wc -l", side, port);
    FILE *f = popen(cmd, "r");
    if (!f) return -1;
    int n = -1;
    if (fscanf(f, "%d", &n) != 1) n = -1;
    pclose(f);
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
        assert_int_equal(
            run_tlsprof(&r, "run %s --h1 --close %s -n 40 -c 2 --cacert %s -q", p.url, modes[i], p.cert_path), 0);
        assert_int_equal(r.exit_code, 0);
        int srv = tw("src", p.port) - srv0, cli = tw("dst", p.port) - cli0;
        if (i == 0 && (srv != 40 || cli != 0)) fail_msg("close server: server TIME_WAIT +%d, client +%d", srv, cli);
        if (i == 1 && (srv != 0 || cli != 40)) fail_msg("close client: server TIME_WAIT +%d, client +%d", srv, cli);
        run_result_free(&r);
    }
    peer_stop(&p);
}

/* 0-RTT over HTTP/1.1: the request leaves with the ClientHello; nginx says
 * which requests came as early data. The first connection has no ticket. */
static void test_early_data(void **state)
{
    (void)state;
    logged_t n;
    start_logged(&n, "ssl_early_data on;", NULL);
    run_result_t r;
    run_ok(&r, "%s --h1 --early-data -n 20 --cacert %s -q", &n);
    assert_true(jnum(r.report, "summary.requests_ok") == 20);
    assert_true(jnum(r.report, "tls.early_data.attempted") == 19);
    assert_true(jnum(r.report, "tls.early_data.accepted") == 19);
    assert_true(jnum(r.report, "phases.ttfb_0rtt.count") == 19);
    log_facts_t f = read_log(&n, 20);
    assert_int_equal(f.http11_200, 20);
    /* nginx's $ssl_early_data is "1" only for requests it handled before
     * the handshake completed, a race with our Finished: some, at most 19. */
    assert_true(f.early >= 1 && f.early <= 19);
    run_result_free(&r);
    stop_logged(&n);
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
        cmocka_unit_test(test_fresh),   cmocka_unit_test(test_pooled),     cmocka_unit_test(test_framing),
        cmocka_unit_test(test_timeout), cmocka_unit_test(test_who_closes), cmocka_unit_test(test_early_data),
        cmocka_unit_test(test_usage_and_alpn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
