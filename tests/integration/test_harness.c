/* test_harness.c - tests of the test harness itself (tests/support/).
 *
 * Every other integration test trusts these helpers, so each is checked
 * against something independent: h2load and an in-process OpenSSL client for
 * the nginx peer, /proc and kill(2) for "no process left", TIME_WAIT sockets
 * made by hand for the ss counter, and hand-written JSON for the path helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "harness.h"
#include "tls_probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------- */

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int path_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static int setup_peer(void **state)
{
    peer_t *p = calloc(1, sizeof *p);
    *state = p;
    return p ? 0 : -1;
}

static int teardown_peer(void **state)
{
    peer_t *p = *state;
    peer_stop(p);
    free(p);
    return 0;
}

/* ---- JSON path helpers --------------------------------------------------- */

static void test_json_paths(void **state)
{
    json_error_t err;
    json_t *root =
        json_loads("{\"phases\": {\"ttfb\": {\"count\": 200, \"p50_us\": 53.5}},"
                   " \"errors\": {\"tcp_connect\": {\"ECONNREFUSED\": 12}},"
                   " \"tls\": {\"versions\": {\"TLSv1.3\": 7, \"TLSv1\": 1}},"
                   " \"summary\": {\"interrupted\": true, \"status\": {\"200\": 5}},"
                   " \"config\": {\"mode\": \"fresh\"},"
                   " \"slowest\": [{\"id\": 4, \"hints\": [\"a\", \"b\"]}, {\"id\": 9}]}",
                   0, &err);
    assert_non_null(root);
    assert_true(jnum(root, "phases.ttfb.count") == 200.0);
    assert_true(jnum(root, "phases.ttfb.p50_us") == 53.5);
    assert_true(jnum(root, "errors.tcp_connect.ECONNREFUSED") == 12.0);
    /* keys with dots in them, next to a key that is a prefix of one */
    assert_true(jnum(root, "tls.versions.TLSv1.3") == 7.0);
    assert_true(jnum(root, "tls.versions.TLSv1") == 1.0);
    assert_true(jnum(root, "summary.status.200") == 5.0);
    assert_true(jnum(root, "summary.interrupted") == 1.0);
    assert_true(jnum(root, "slowest.1.id") == 9.0);
    assert_string_equal(jstr(root, "slowest.0.hints.1"), "b");
    assert_string_equal(jstr(root, "config.mode"), "fresh");
    assert_true(json_is_object(jget(root, "phases.ttfb")));
    /* missing or wrong type */
    assert_true(isnan(jnum(root, "phases.ttfb.nope")));
    assert_true(isnan(jnum(root, "phases.dns.count")));
    assert_true(isnan(jnum(root, "config.mode")));
    assert_true(isnan(jnum(root, "slowest.2.id")));
    assert_true(isnan(jnum(root, "slowest.x")));
    assert_true(isnan(jnum(NULL, "a")));
    assert_null(jstr(root, "phases.ttfb.count"));
    assert_null(jget(root, "phases.ttfb.count.deeper"));
    json_decref(root);
}

/* ---- argument splitting and running programs ----------------------------- */

static void test_split_args(void **state)
{
    char **argv = NULL;
    int n = split_args("  -c 4  'https://x/ a b' --header='X-A: 1' \"\" tail ", &argv);
    assert_int_equal(n, 6);
    assert_string_equal(argv[0], "-c");
    assert_string_equal(argv[1], "4");
    assert_string_equal(argv[2], "https://x/ a b");
    assert_string_equal(argv[3], "--header=X-A: 1");
    assert_string_equal(argv[4], "");
    assert_string_equal(argv[5], "tail");
    assert_null(argv[6]);
    free_args(argv);

    assert_int_equal(split_args("", &argv), 0);
    assert_null(argv[0]);
    free_args(argv);

    assert_int_equal(split_args("a 'unterminated", &argv), -1);
    assert_null(argv);
}

static void test_run_command_captures_output_and_exit_code(void **state)
{
    /* 1 MiB on stdout and a line on stderr at once: neither pipe may stall. */
    char *argv[] = {"/bin/sh", "-c",
                    "head -c 1048576 /dev/zero | tr '\\000' x; echo oops >&2; exit 3", NULL};
    run_result_t r;
    assert_int_equal(run_command(&r, 30, argv), 0);
    assert_int_equal(r.exit_code, 3);
    assert_int_equal(strlen(r.out), 1048576);
    assert_int_equal(strspn(r.out, "x"), 1048576);
    assert_string_equal(r.err, "oops\n");
    assert_null(r.report);
    run_result_free(&r);

    char *killed[] = {"/bin/sh", "-c", "kill -TERM $$", NULL};
    assert_int_equal(run_command(&r, 30, killed), 0);
    assert_int_equal(r.exit_code, 128 + SIGTERM);
    run_result_free(&r);
}

static void test_run_command_timeout_kills_the_whole_group(void **state)
{
    char *dir = make_temp_dir("harness");
    assert_non_null(dir);
    char script[1024];
    /* The shell and a background child both record their pids, then hang. */
    snprintf(script, sizeof script, "echo $$ > %s/sh.pid; sleep 60 & echo $! > %s/bg.pid; wait",
             dir, dir);
    char *argv[] = {"/bin/sh", "-c", script, NULL};
    run_result_t r;
    double t0 = mono_s();
    assert_int_equal(run_command(&r, 1, argv), -1);
    double took = mono_s() - t0;
    assert_int_equal(r.exit_code, -1);
    assert_true(took < 30.0); /* bounded: 1 s deadline plus kill and reap */
    run_result_free(&r);

    char path[600];
    const char *names[] = {"sh.pid", "bg.pid"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        char *text = slurp_file(path, NULL);
        assert_non_null(text);
        pid_t pid = (pid_t)atoi(text);
        free(text);
        assert_true(pid > 1);
        errno = 0;
        assert_int_equal(kill(pid, 0), -1); /* gone, and reaped (no zombie either) */
        assert_int_equal(errno, ESRCH);
    }
    assert_int_equal(rm_rf(dir), 0);
    free(dir);
}

/* ---- files and ports ---------------------------------------------------- */

static void test_rm_rf_removes_tree_without_following_symlinks(void **state)
{
    char *outside = make_temp_dir("outside");
    char *dir = make_temp_dir("tree");
    assert_non_null(outside);
    assert_non_null(dir);
    char a[600], b[600], victim[600], link[600];
    snprintf(victim, sizeof victim, "%s/keep-me", outside);
    assert_int_equal(write_file(victim, "x", 1), 0);
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(b, sizeof b, "%s/a/b", dir);
    assert_int_equal(mkdir(a, 0700), 0);
    assert_int_equal(mkdir(b, 0700), 0);
    snprintf(link, sizeof link, "%s/a/b/link-out", dir);
    assert_int_equal(symlink(outside, link), 0);
    snprintf(link, sizeof link, "%s/a/file", dir);
    assert_int_equal(write_file(link, "data", 4), 0);

    assert_int_equal(rm_rf(dir), 0);
    assert_false(path_exists(dir));
    assert_true(path_exists(victim)); /* the symlink's target survived */
    assert_int_equal(rm_rf(dir), 0);  /* already gone is fine */
    assert_int_equal(rm_rf(outside), 0);
    free(dir);
    free(outside);
}

static void test_free_loopback_port_is_bindable(void **state)
{
    for (int i = 0; i < 5; i++) {
        int port = free_loopback_port();
        assert_in_range(port, 1024, 65535);
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        assert_true(fd >= 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
        assert_int_equal(listen(fd, 1), 0);
        close(fd);
    }
}

/* Build TIME_WAIT sockets by hand (client closes first, so they sit on the
 * client side, towards the listener's port) and let ss count them. */
static void test_count_time_wait_ss_counts_client_side_time_wait(void **state)
{
    int port = free_loopback_port();
    assert_true(port > 0);
    assert_int_equal(count_time_wait_ss("127.0.0.1", port), 0);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(lfd, 16), 0);
    enum { N = 5 };
    for (int i = 0; i < N; i++) {
        int c = tcp_connect_loopback(port);
        assert_true(c >= 0);
        int s = accept(lfd, NULL, NULL);
        assert_true(s >= 0);
        close(c); /* active close: the client side enters TIME_WAIT */
        char byte;
        assert_int_equal(read(s, &byte, 1), 0); /* wait for the FIN */
        close(s);
    }
    /* The last ACK may still be in flight for a moment; bounded retry. */
    int counted = -1;
    for (int i = 0; i < 100 && counted != N; i++) {
        counted = count_time_wait_ss("127.0.0.1", port);
        if (counted != N) usleep(10000);
    }
    assert_int_equal(counted, N);
    assert_int_equal(count_time_wait_ss("127.0.0.1", port + 1 > 65535 ? 1 : port + 1), 0);
    close(lfd);
}

/* ---- nginx peer ---------------------------------------------------------- */

#define H2LOAD "/usr/bin/h2load"

/* h2load -n requests -c 1 against url (one connection), output in r. */
static void h2load_one_connection(const char *url, int requests, run_result_t *r)
{
    if (access(H2LOAD, X_OK) != 0) {
        print_message("SKIPPED: h2load not installed (Debian nghttp2-client; scripts/test.sh "
                      "installs it)\n");
        skip();
    }
    char n[16];
    snprintf(n, sizeof n, "%d", requests);
    char *argv[] = {H2LOAD, "-n", n, "-c", "1", (char *)url, NULL};
    assert_int_equal(run_command(r, 30, argv), 0);
}

static void test_nginx_serves_h2_over_tls13_per_h2load(void **state)
{
    peer_t *p = *state;
    START_NGINX_OR_SKIP(p, NULL);
    assert_true(p->port > 0);
    run_result_t r;
    h2load_one_connection(p->url, 10, &r);
    if (!strstr(r.out, "10 succeeded")) {
        print_message("h2load output:\n%s%s\n", r.out, r.err);
        peer_dump_logs(p);
    }
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "10 succeeded"));
    assert_non_null(strstr(r.out, "TLS Protocol: TLSv1.3"));
    assert_non_null(strstr(r.out, "Application protocol: h2"));
    run_result_free(&r);
}

/* Pooled runs send thousands of requests on one connection; nginx's default
 * keepalive_requests (1000) would end it with GOAWAY. The harness raises it,
 * and an http{}-level directive from the caller replaces the harness's. */
static void test_nginx_keepalive_requests_and_http_conf_override(void **state)
{
    peer_t *p = *state;
    run_result_t r;
    START_NGINX_OR_SKIP(p, NULL);
    h2load_one_connection(p->url, 1500, &r);
    assert_non_null(strstr(r.out, "1500 succeeded, 0 failed"));
    run_result_free(&r);
    peer_stop(p);

    int rc = peer_start_nginx_ex(p, NULL, "keepalive_requests 1000;");
    assert_int_equal(rc, PEER_OK);
    h2load_one_connection(p->url, 1500, &r);
    if (!strstr(r.out, "1000 succeeded, 500 failed")) print_message("h2load: %s\n", r.out);
    assert_non_null(strstr(r.out, "1000 succeeded, 500 failed"));
    run_result_free(&r);
}

static void test_nginx_tls_facts_per_openssl_client(void **state)
{
    peer_t *p = *state;
    START_NGINX_OR_SKIP(p, NULL);
    tls_probe_t c;
    assert_int_equal(tls_probe_connect(&c, p->port, p->cert_path, TLS1_3_VERSION, "h2", NULL), 0);
    assert_string_equal(SSL_get_version(c.ssl), "TLSv1.3");
    char alpn[32];
    assert_string_equal(tls_probe_alpn(&c, alpn, sizeof alpn), "h2");
    /* ECDSA P-256 certificate, verified against cert_path for IP 127.0.0.1 */
    X509 *cert = SSL_get1_peer_certificate(c.ssl);
    assert_non_null(cert);
    EVP_PKEY *key = X509_get0_pubkey(cert);
    assert_int_equal(EVP_PKEY_get_base_id(key), EVP_PKEY_EC);
    char group[64] = "";
    size_t glen = 0;
    assert_int_equal(EVP_PKEY_get_group_name(key, group, sizeof group, &glen), 1);
    assert_string_equal(group, "prime256v1");
    assert_int_equal(X509_check_host(cert, "localhost", 0, 0, NULL), 1);
    X509_free(cert);
    tls_probe_close(&c);

    /* TLS 1.2 is offered as well (ssl_protocols TLSv1.2 TLSv1.3). */
    assert_int_equal(tls_probe_connect(&c, p->port, p->cert_path, TLS1_2_VERSION, "h2", NULL), 0);
    assert_string_equal(SSL_get_version(c.ssl), "TLSv1.2");
    tls_probe_close(&c);
}

static void test_nginx_body_sleep_and_extra_server_conf(void **state)
{
    peer_t *p = *state;
    START_NGINX_OR_SKIP(p, "location = /extra { return 200 \"from-extra-conf\\n\"; }");
    tls_probe_t c;
    size_t len = 0;

    /* /body/1m is exactly the file on disk */
    assert_int_equal(tls_probe_connect(&c, p->port, p->cert_path, TLS1_3_VERSION, "http/1.1", NULL),
                     0);
    char *resp = tls_probe_get11(&c, "/body/1m", 2 * PEER_BODY_SIZE, &len);
    tls_probe_close(&c);
    assert_non_null(resp);
    char *body = strstr(resp, "\r\n\r\n");
    assert_non_null(body);
    body += 4;
    assert_non_null(strstr(resp, "Content-Length: 1048576\r\n"));
    char file[600];
    snprintf(file, sizeof file, "%s/www/body/1m", p->dir);
    size_t flen = 0;
    char *expect = slurp_file(file, &flen);
    assert_non_null(expect);
    assert_int_equal(flen, PEER_BODY_SIZE);
    assert_int_equal(len - (size_t)(body - resp), PEER_BODY_SIZE);
    assert_memory_equal(body, expect, PEER_BODY_SIZE);
    assert_non_null(strstr(p->body_url, "/body/1m"));
    free(expect);
    free(resp);

    /* the caller's server{} configuration is in effect */
    assert_int_equal(tls_probe_connect(&c, p->port, p->cert_path, TLS1_3_VERSION, "http/1.1", NULL),
                     0);
    resp = tls_probe_get11(&c, "/extra", 2 * PEER_BODY_SIZE, &len);
    tls_probe_close(&c);
    assert_non_null(resp);
    assert_non_null(strstr(resp, "HTTP/1.1 200"));
    assert_non_null(strstr(resp, "\r\n\r\nfrom-extra-conf\n"));
    free(resp);

    if (!p->sleep_url[0]) {
        print_message("nginx echo module missing: /sleep not available (install nginx-light)\n");
        return;
    }
    /* an injected delay can only make the answer later, never earlier */
    assert_int_equal(tls_probe_connect(&c, p->port, p->cert_path, TLS1_3_VERSION, "http/1.1", NULL),
                     0);
    double t0 = mono_s();
    resp = tls_probe_get11(&c, "/sleep?s=0.3", 2 * PEER_BODY_SIZE, &len);
    double took = mono_s() - t0;
    tls_probe_close(&c);
    assert_non_null(resp);
    assert_non_null(strstr(resp, "HTTP/1.1 200"));
    assert_non_null(strstr(resp, "ok\n"));
    assert_true(took >= 0.3);
    free(resp);
}

/* What a client sees of the server's ticket settings: how many TLS 1.3
 * tickets one connection receives, and whether the next connection that
 * offers the last of them is resumed. Counted by our own OpenSSL client. */
struct ticket_view {
    int tickets;
    int resumed;
};

static int view_tickets(const peer_t *p, struct ticket_view *v)
{
    tls_probe_t c, again;
    size_t len;
    if (tls_probe_connect(&c, p->port, p->cert_path, TLS1_3_VERSION, "http/1.1", NULL) != 0)
        return -1;
    char *resp =
        tls_probe_get11(&c, "/", 2 * PEER_BODY_SIZE, &len); /* reading processes the tickets */
    int ok = resp && strstr(resp, "\r\n\r\nok\n");
    free(resp);
    v->tickets = c.tickets;
    v->resumed = 0;
    if (ok && c.session) {
        ok = tls_probe_connect(&again, p->port, p->cert_path, TLS1_3_VERSION, "http/1.1",
                               c.session) == 0;
        v->resumed = ok && SSL_session_reused(again.ssl);
        tls_probe_close(&again);
    }
    tls_probe_close(&c);
    return ok ? 0 : -1;
}

static void test_nginx_ticket_settings(void **state)
{
    peer_t *p = *state;
    struct ticket_view v;

    START_NGINX_OR_SKIP(p, NULL);
    assert_int_equal(view_tickets(p, &v), 0);
    print_message("defaults: %d tickets, resumed %d\n", v.tickets, v.resumed);
    assert_true(v.tickets >= 1);
    assert_true(v.resumed);
    peer_stop(p);

    /* nginx 1.22 + OpenSSL 3 still send TLS 1.3 tickets here, but cannot
     * resume them: the "tickets issued but never accepted" case. */
    START_NGINX_OR_SKIP(p, "ssl_session_tickets off; ssl_session_cache off;");
    assert_int_equal(view_tickets(p, &v), 0);
    print_message("tickets off, cache off: %d tickets, resumed %d\n", v.tickets, v.resumed);
    assert_true(v.tickets >= 1);
    assert_false(v.resumed);
    peer_stop(p);

    /* the way to send no ticket at all */
    START_NGINX_OR_SKIP(p, "ssl_conf_command NumTickets 0;");
    assert_int_equal(view_tickets(p, &v), 0);
    print_message("NumTickets 0: %d tickets, resumed %d\n", v.tickets, v.resumed);
    assert_int_equal(v.tickets, 0);
    assert_false(v.resumed);
}

static void test_peer_stop_leaves_no_process_and_no_dir(void **state)
{
    peer_t *p = *state;
    START_NGINX_OR_SKIP(p, NULL);
    pid_t members[16];
    int n = process_group_members(p->pid, members, 16);
    /* master and worker; give the worker a moment to be forked */
    for (int i = 0; i < 200 && n < 2; i++) {
        usleep(10000);
        n = process_group_members(p->pid, members, 16);
    }
    assert_true(n >= 2);
    char dir[sizeof p->dir];
    memcpy(dir, p->dir, sizeof dir);
    int port = p->port;
    assert_true(path_exists(dir));

    peer_stop(p);
    assert_int_equal(p->pid, 0);
    for (int i = 0; i < n; i++) {
        errno = 0;
        assert_int_equal(kill(members[i], 0), -1);
        assert_int_equal(errno, ESRCH);
    }
    assert_false(path_exists(dir));
    int fd = tcp_connect_loopback(port);
    assert_true(fd < 0); /* nobody listens any more */
    peer_stop(p);        /* twice is harmless */
}

/* ---- embedded server (`tlsprof serve`) and run_tlsprof ------------------- */

static void test_embedded_server_starts_and_stops(void **state)
{
    peer_t *p = *state;
    assert_int_equal(peer_start_embedded(p, NULL), PEER_OK);
    assert_in_range(p->port, 1, 65535);
    char expect[64];
    snprintf(expect, sizeof expect, "https://127.0.0.1:%d/", p->port);
    assert_string_equal(p->url, expect);
    tls_probe_t c;
    assert_int_equal(tls_probe_connect(&c, p->port, p->cert_path, TLS1_3_VERSION, "h2", NULL), 0);
    assert_string_equal(SSL_get_version(c.ssl), "TLSv1.3");
    char alpn[32];
    assert_string_equal(tls_probe_alpn(&c, alpn, sizeof alpn), "h2");
    tls_probe_close(&c);

    pid_t pid = p->pid;
    char dir[sizeof p->dir];
    memcpy(dir, p->dir, sizeof dir);
    peer_stop(p);
    errno = 0;
    assert_int_equal(kill(pid, 0), -1);
    assert_int_equal(errno, ESRCH);
    assert_false(path_exists(dir));
}

static void test_run_tlsprof_loads_report(void **state)
{
    peer_t *p = *state;
    START_NGINX_OR_SKIP(p, NULL);
    run_result_t r;
    /* a profiling run gets --json appended and its report loaded */
    assert_int_equal(run_tlsprof(&r, "%s -n 3 -c 1 --cacert %s", p->url, p->cert_path), 0);
    if (r.exit_code != 0) print_message("stdout:\n%s\nstderr:\n%s\n", r.out, r.err);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(r.report);
    assert_true(jnum(r.report, "report_version") == 1.0);
    assert_true(jnum(r.report, "summary.requests_ok") == 3.0);
    run_result_free(&r);

    /* a report named by the caller is loaded from there, "-" from stdout */
    char *dir = make_temp_dir("harness");
    assert_non_null(dir);
    assert_int_equal(
        run_tlsprof(&r, "run %s -n 2 --json %s/mine.json --cacert %s", p->url, dir, p->cert_path),
        0);
    assert_int_equal(r.exit_code, 0);
    assert_true(jnum(r.report, "summary.requests_ok") == 2.0);
    char mine[600];
    snprintf(mine, sizeof mine, "%s/mine.json", dir);
    assert_true(path_exists(mine));
    run_result_free(&r);
    assert_int_equal(rm_rf(dir), 0);
    free(dir);
    assert_int_equal(run_tlsprof(&r, "%s -n 1 --json - --cacert %s", p->url, p->cert_path), 0);
    assert_int_equal(r.exit_code, 0);
    if (!r.report) print_message("stdout:\n%s\n", r.out);
    assert_true(jnum(r.report, "summary.requests_ok") == 1.0);
    run_result_free(&r);

    /* other subcommands get no --json */
    assert_int_equal(run_tlsprof(&r, "--version"), 0);
    assert_int_equal(r.exit_code, 0);
    assert_null(r.report);
    assert_non_null(strstr(r.out, "tlsprof"));
    run_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_paths),
        cmocka_unit_test(test_split_args),
        cmocka_unit_test(test_run_command_captures_output_and_exit_code),
        cmocka_unit_test(test_run_command_timeout_kills_the_whole_group),
        cmocka_unit_test(test_rm_rf_removes_tree_without_following_symlinks),
        cmocka_unit_test(test_free_loopback_port_is_bindable),
        cmocka_unit_test(test_count_time_wait_ss_counts_client_side_time_wait),
        cmocka_unit_test_setup_teardown(test_nginx_serves_h2_over_tls13_per_h2load, setup_peer,
                                        teardown_peer),
        cmocka_unit_test_setup_teardown(test_nginx_keepalive_requests_and_http_conf_override,
                                        setup_peer, teardown_peer),
        cmocka_unit_test_setup_teardown(test_nginx_tls_facts_per_openssl_client, setup_peer,
                                        teardown_peer),
        cmocka_unit_test_setup_teardown(test_nginx_body_sleep_and_extra_server_conf, setup_peer,
                                        teardown_peer),
        cmocka_unit_test_setup_teardown(test_nginx_ticket_settings, setup_peer, teardown_peer),
        cmocka_unit_test_setup_teardown(test_peer_stop_leaves_no_process_and_no_dir, setup_peer,
                                        teardown_peer),
        cmocka_unit_test_setup_teardown(test_embedded_server_starts_and_stops, setup_peer,
                                        teardown_peer),
        cmocka_unit_test_setup_teardown(test_run_tlsprof_loads_report, setup_peer, teardown_peer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
