/* test_tls_resumption.c - session tickets under load, end to end.
 *
 * Independent truth on the server side: nginx logs $ssl_session_reused of
 * every request ("r" for a resumed session), and the embedded server counts
 * its full and resumed handshakes on stderr when it stops. The report's
 * resumption figures must equal those counts exactly, not just look
 * plausible. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static void start_logged_nginx(logged_nginx_t *n, const char *server_conf)
{
    logged_nginx_start(n, "reused=$ssl_session_reused", server_conf, NULL);
}

static int has_warning(const json_t *rep, const char *a, const char *b)
{
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(rep, "warnings"), i, w)
    {
        const char *s = json_string_value(w);
        if (s && strstr(s, a) && (!b || strstr(s, b))) return 1;
    }
    return 0;
}

static void test_nginx_resumes_under_load(void **state)
{
    (void)state;
    logged_nginx_t n;
    start_logged_nginx(&n, NULL);
    run_result_t r;
    assert_int_equal(
        run_tlsprof(&r, "run %s --mode fresh -n 300 -c 4 --cacert %s -q", n.p.url, n.p.cert_path),
        0);
    if (r.exit_code != 0) fail_msg("exit %d\n%s", r.exit_code, r.err);
    double attempted = jnum(r.report, "tls.resumption.attempted"),
           accepted = jnum(r.report, "tls.resumption.accepted");
    print_message("nginx, tickets on: %g of %g offered tickets accepted\n", accepted, attempted);
    /* Only the first connection of each of the 4 concurrent slots can lack
     * a ticket; at least 95% of the other connections must resume. */
    assert_true(attempted >= 290 && attempted <= 299);
    assert_true(accepted >= 0.95 * 299);
    assert_true(jnum(r.report, "tls.resumption.rejected") == attempted - accepted);
    assert_true(jnum(r.report, "phases.tls_handshake_resumed.count") == accepted);
    assert_true(jnum(r.report, "phases.tls_handshake_full.count") == 300 - accepted);
    /* nginx saw exactly as many resumed sessions. */
    assert_int_equal(logged_nginx_lines(&n, "reused=r", 300), (int)accepted);
    assert_int_equal(logged_nginx_lines(&n, "reused=", 300), 300);
    assert_false(has_warning(r.report, "ticket", NULL));
    run_result_free(&r);

    /* --resume off: nothing offered, nothing resumed, on both sides. */
    assert_int_equal(write_file(n.log, "", 0), 0);
    assert_int_equal(
        run_tlsprof(&r, "run %s -n 20 --resume off --cacert %s -q", n.p.url, n.p.cert_path), 0);
    assert_int_equal(r.exit_code, 0);
    assert_true(jnum(r.report, "tls.resumption.attempted") == 0);
    assert_true(jnum(r.report, "phases.tls_handshake_full.count") == 20);
    assert_int_equal(logged_nginx_lines(&n, "reused=.", 20), 20);
    run_result_free(&r);
    logged_nginx_stop(&n);
}

/* nginx 1.22 + OpenSSL 3 with tickets and the cache off still send TLS 1.3
 * tickets (test_harness.c checks that), which it can never accept. */
static void test_nginx_tickets_never_accepted(void **state)
{
    (void)state;
    logged_nginx_t n;
    start_logged_nginx(&n, "ssl_session_tickets off; ssl_session_cache off;");
    run_result_t r;
    assert_int_equal(run_tlsprof(&r, "run %s -n 30 --cacert %s -q", n.p.url, n.p.cert_path), 0);
    assert_int_equal(r.exit_code, 0);
    assert_true(jnum(r.report, "tls.resumption.tickets_received") >= 30);
    assert_true(jnum(r.report, "tls.resumption.attempted") == 29);
    assert_true(jnum(r.report, "tls.resumption.accepted") == 0);
    assert_true(jnum(r.report, "tls.resumption.rejected") == 29);
    assert_true(jnum(r.report, "phases.tls_handshake_full.count") == 30);
    assert_int_equal(logged_nginx_lines(&n, "reused=r", 30), 0);
    /* The misconfiguration must stand out, not hide in a number. */
    if (!has_warning(r.report, "ticket", "never accepted"))
        fail_msg("no 'tickets never accepted' warning in %s",
                 json_dumps(json_object_get(r.report, "warnings"), JSON_COMPACT));
    assert_non_null(strstr(r.out, "never accepted"));
    run_result_free(&r);
    logged_nginx_stop(&n);
}

/* Stop an embedded server and read its own handshake counters from the
 * "thread 0: ... handshakes F full / R resumed" line it prints at exit. */
static void server_counts_conns(peer_t *p, long *full, long *resumed, long *conns)
{
    assert_true(stop_process_group(p->pid, SIGTERM, 5000) != -1);
    p->pid = 0;
    char *err = slurp_file(p->stderr_path, NULL);
    assert_non_null(err);
    const char *h = strstr(err, "connections ");
    if (!h ||
        sscanf(h, "connections %ld, handshakes %ld full / %ld resumed", conns, full, resumed) != 3)
        fail_msg("no handshake counters in the server's stderr:\n%s", err);
    free(err);
}

static void server_counts(peer_t *p, long *full, long *resumed)
{
    long conns = 0;
    server_counts_conns(p, full, resumed, &conns);
}

static void test_embedded_counts_match(void **state)
{
    (void)state;
    peer_t e;
    assert_int_equal(peer_start_embedded(&e, "--tickets 2"), PEER_OK);
    run_result_t r;
    assert_int_equal(
        run_tlsprof(&r, "run %s --mode fresh -n 300 -c 3 --cacert %s -q", e.url, e.cert_path), 0);
    assert_int_equal(r.exit_code, 0);
    double accepted = jnum(r.report, "tls.resumption.accepted");
    assert_true(accepted >= 0.95 * 297);
    /* A ticket is single-use: every accepted one was received first. */
    assert_true(jnum(r.report, "tls.resumption.tickets_received") >= accepted);
    long full = -1, resumed = -1;
    server_counts(&e, &full, &resumed);
    print_message("embedded: report accepted %g, server resumed %ld, full %ld\n", accepted, resumed,
                  full);
    assert_int_equal(resumed, (long)accepted);
    assert_int_equal(full, (long)jnum(r.report, "phases.tls_handshake_full.count"));
    run_result_free(&r);
    peer_stop(&e);

    /* --no-resume: tickets issued, never accepted, and the warning. */
    assert_int_equal(peer_start_embedded(&e, "--no-resume"), PEER_OK);
    assert_int_equal(run_tlsprof(&r, "run %s -n 20 --cacert %s -q", e.url, e.cert_path), 0);
    assert_true(jnum(r.report, "tls.resumption.attempted") == 19);
    assert_true(jnum(r.report, "tls.resumption.accepted") == 0);
    assert_true(has_warning(r.report, "ticket", "never accepted"));
    server_counts(&e, &full, &resumed);
    assert_int_equal(resumed, 0);
    assert_int_equal(full, 20);
    run_result_free(&r);
    peer_stop(&e);
}

static int write_random_key(const char *path)
{
    unsigned char key[48];
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(key, 1, sizeof key, f) != sizeof key) {
        if (f) fclose(f);
        return -1;
    }
    fclose(f);
    return write_file(path, key, sizeof key);
}

/* Two backends behind two addresses (repeated --connect-to), 30 connections
 * each (they alternate). Variants:
 *   0  different ticket keys, tickets kept per address (the default): each
 *      server resumes its own tickets;
 *   1  B issues tickets but never accepts one: B's row says 0 and a warning
 *      names B;
 *   2  one ticket key file for both, --ticket-scope host (tickets shared
 *      across backends, as a browser does): they accept each other's;
 *   3  different keys, --ticket-scope host: every ticket lands on the other
 *      backend and is refused, and the warning says so.
 * In every variant each address's accepted count must equal the resumed
 * handshakes that server counted itself. */
struct two_case {
    int b_no_resume, shared_key, host_scope;
};

static void run_two_servers(const char *dir, int variant, const struct two_case *tc)
{
    char cert[600], key[600], ka[600], kb[600], args[2600];
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    snprintf(ka, sizeof ka, "%s/a.key", dir);
    snprintf(kb, sizeof kb, "%s/b.key", dir);
    peer_t a, b;
    run_result_t r;
    snprintf(args, sizeof args, "--cert %s --key %s --ticket-key-file %s", cert, key, ka);
    assert_int_equal(peer_start_embedded(&a, args), PEER_OK);
    if (tc->b_no_resume)
        snprintf(args, sizeof args, "--cert %s --key %s --no-resume", cert, key);
    else
        snprintf(args, sizeof args, "--cert %s --key %s --ticket-key-file %s", cert, key,
                 tc->shared_key ? ka : kb);
    assert_int_equal(peer_start_embedded(&b, args), PEER_OK);
    assert_int_equal(run_tlsprof(&r,
                                 "run %s -n 60 --connect-to 127.0.0.1:%d --connect-to 127.0.0.1:%d "
                                 "%s --cacert %s -q",
                                 a.url, a.port, b.port, tc->host_scope ? "--ticket-scope host" : "",
                                 cert),
                     0);
    if (r.exit_code != 0) fail_msg("exit %d: %s", r.exit_code, r.err);
    char la[64], lb[64], what[200];
    snprintf(la, sizeof la, "127.0.0.1:%d", a.port);
    snprintf(lb, sizeof lb, "127.0.0.1:%d", b.port);
    json_t *per = jget(r.report, "tls.resumption.per_address");
    json_t *pa = json_object_get(per, la), *pb = json_object_get(per, lb);
    if (!pa || !pb)
        fail_msg("per_address lacks %s or %s: %s", la, lb, json_dumps(per, JSON_COMPACT));
    double att_a = jnum(pa, "attempted"), acc_a = jnum(pa, "accepted");
    double att_b = jnum(pb, "attempted"), acc_b = jnum(pb, "accepted");
    long full_a, res_a, conns_a, full_b, res_b, conns_b;
    server_counts_conns(&a, &full_a, &res_a, &conns_a);
    server_counts_conns(&b, &full_b, &res_b, &conns_b);
    print_message("variant %d: report A %g/%g B %g/%g accepted/offered; servers A %ld full / %ld "
                  "resumed, B %ld full / %ld resumed\n",
                  variant, acc_a, att_a, acc_b, att_b, full_a, res_a, full_b, res_b);
    assert_true(att_a + att_b == jnum(r.report, "tls.resumption.attempted"));
    assert_true(acc_a + acc_b == jnum(r.report, "tls.resumption.accepted"));
    assert_int_equal(conns_a, 30);
    assert_int_equal(conns_b, 30);
    assert_int_equal(res_a, (long)acc_a);
    assert_int_equal(res_b, (long)acc_b);
    assert_true(att_a >= 10 && att_b >= 10);
    double att = att_a + att_b, acc = acc_a + acc_b;
    switch (variant) {
    case 0:
    case 2:
        assert_true(acc_a >= 0.95 * att_a && acc_b >= 0.95 * att_b);
        assert_false(has_warning(r.report, "ticket", NULL));
        break;
    case 1:
        assert_true(acc_a >= 0.95 * att_a);
        assert_true(acc_b == 0);
        snprintf(what, sizeof what, "backend %s", lb);
        if (!has_warning(r.report, what, "never accepted"))
            fail_msg("no warning naming %s: %s", lb,
                     json_dumps(jget(r.report, "warnings"), JSON_COMPACT));
        break;
    case 3:
        assert_true(acc < 0.5 * att);
        assert_true(jnum(r.report, "tls.resumption.rejected") == att - acc);
        if (!has_warning(r.report, "ticket", "accepted"))
            fail_msg("no ticket warning: %s", json_dumps(jget(r.report, "warnings"), JSON_COMPACT));
        break;
    }
    run_result_free(&r);
    peer_stop(&a);
    peer_stop(&b);
}

static void test_two_servers_per_address(void **state)
{
    (void)state;
    run_result_t r;
    assert_int_equal(run_tlsprof(&r, "--help"), 0);
    int multi =
        strstr(r.out, "multiple --connect-to") || strstr(r.out, "repeat it for several backends");
    int scope = strstr(r.out, "--ticket-scope") != NULL;
    run_result_free(&r);
    if (!multi) {
        print_message("SKIPPED: `tlsprof --help` does not offer multiple --connect-to yet\n");
        skip();
    }
    char *dir = make_temp_dir("twokeys");
    assert_non_null(dir);
    char cert[600], key[600], ka[600], kb[600];
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    snprintf(ka, sizeof ka, "%s/a.key", dir);
    snprintf(kb, sizeof kb, "%s/b.key", dir);
    assert_int_equal(make_selfsigned_cert(cert, key), 0);
    assert_int_equal(write_random_key(ka), 0);
    assert_int_equal(write_random_key(kb), 0);
    static const struct two_case cases[] = {{0, 0, 0}, {1, 0, 0}, {0, 1, 1}, {0, 0, 1}};
    for (int v = 0; v < 4; v++) {
        if (cases[v].host_scope && !scope) {
            print_message("variant %d skipped: `tlsprof --help` has no --ticket-scope\n", v);
            continue;
        }
        run_two_servers(dir, v, &cases[v]);
    }
    rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nginx_resumes_under_load),
        cmocka_unit_test(test_nginx_tickets_never_accepted),
        cmocka_unit_test(test_embedded_counts_match),
        cmocka_unit_test(test_two_servers_per_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
