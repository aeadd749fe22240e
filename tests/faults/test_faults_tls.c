/* test_faults_tls.c - faults in the TLS handshake: the server resets or
 * closes after reading the ClientHello, answers with garbage, sends a fatal
 * alert (no shared cipher, protocol version), presents a certificate that
 * fails verification (self-signed, wrong name, expired), or does not speak
 * h2 (ALPN). Each failure must be counted under tls_handshake with a reason
 * that names it, and healthy connections of the same run must be measured
 * as usual. */
#include "faults.h"

/* A run of n where every k-th connection was faulted: the rest is whole. */
static void expect_healthy(const run_result_t *r, int healthy)
{
    CHECK(r, sum_of(r, "requests_ok") == healthy);
    CHECK(r, sum_of(r, "connections_established") == healthy);
    CHECK(r, phase_count(r, "tls_handshake") == healthy);
    CHECK(r, phase_count(r, "h2_settings") == healthy);
    CHECK(r, phase_count(r, "ttfb") == healthy);
    CHECK(r, jnum(r->report, "tls.versions.TLSv1.3") == healthy);
}

/* Run n fresh connections against a server faulting every 2nd one. Returns
 * with r filled; the server is stopped. The faulted half must appear in the
 * server's own counters as injected faults, never as handshakes. */
static void run_every_other(run_result_t *r, const char *fault, int n)
{
    fsrv_t f;
    char opts[128];
    snprintf(opts, sizeof opts, "--fault %s --fault-every 2", fault);
    fsrv_start(&f, opts);
    RUN(r, 30, "run %s -n %d --cacert %s -q", f.url, n, f.cert);
    server_stats_t st = fsrv_stats(&f);
    CHECK(r, st.faults_injected == (uint64_t)n / 2);
    CHECK(r, st.handshakes_full + st.handshakes_resumed == (uint64_t)n / 2);
    fsrv_stop(&f);
    CHECK(r, r->exit_code == 1);
    expect_healthy(r, n / 2);
}

static void test_rst_after_clienthello(void **state)
{
    (void)state;
    run_result_t r;
    run_every_other(&r, "rst-after-clienthello", 6);
    expect_errors(&r, "tls_handshake", "ECONNRESET", 3, NULL);
    /* The TCP connection itself was fine. */
    CHECK(&r, phase_count(&r, "tcp_connect") == 6);
    run_result_free(&r);
}

/* EOF in the middle of the handshake. OpenSSL 3 calls it "unexpected eof
 * while reading" unless the client asks it to treat a bare EOF as a close
 * (then the client says "connection closed by peer"): either names it. */
static void test_close_after_clienthello(void **state)
{
    (void)state;
    run_result_t r;
    run_every_other(&r, "close-after-clienthello", 6);
    const char *reason = error_count(&r, "tls_handshake", "connection closed by peer")
                             ? "connection closed by peer"
                             : "unexpected eof while reading";
    expect_errors(&r, "tls_handshake", reason, 3, NULL);
    run_result_free(&r);
}

/* "tlsprof garbage..." instead of a ServerHello: 't' (0x74) is no TLS record
 * type, and OpenSSL reports the record header as a bad version. */
static void test_garbage_serverhello(void **state)
{
    (void)state;
    run_result_t r;
    run_every_other(&r, "garbage-serverhello", 6);
    expect_errors(&r, "tls_handshake", "wrong version number", 3, NULL);
    run_result_free(&r);
}

/* Two servers with the same certificate: one healthy, one configured to
 * refuse what the client offers. --connect-to alternates between them. */
static void run_against_bad_peer(run_result_t *r, const char *bad_opts, const char *client_opts,
                                 int n)
{
    char *dir = make_temp_dir("faults-tls");
    assert_non_null(dir);
    char cert[512], key[512], opts[1400];
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    assert_int_equal(write_cert(cert, key, -1, 30, 0, NULL, NULL), 0);
    fsrv_t ok, bad;
    snprintf(opts, sizeof opts, "--cert %s --key %s", cert, key);
    fsrv_start(&ok, opts);
    snprintf(opts, sizeof opts, "--cert %s --key %s %s", cert, key, bad_opts);
    fsrv_start(&bad, opts);
    RUN(r, 30, "run %s --connect-to 127.0.0.1:%d --connect-to 127.0.0.1:%d -n %d --cacert %s -q %s",
        ok.url, ok.port, bad.port, n, cert, client_opts);
    CHECK(r, fsrv_stats(&bad).handshakes_full == 0);
    CHECK(r, fsrv_stats(&bad).handshake_failures == (uint64_t)n / 2);
    CHECK(r, fsrv_stats(&ok).requests == (uint64_t)n / 2);
    fsrv_stop(&ok);
    fsrv_stop(&bad);
    rm_rf(dir);
    free(dir);
    CHECK(r, r->exit_code == 1);
    CHECK(r, sum_of(r, "requests_ok") == n / 2);
    CHECK(r, phase_count(r, "tls_handshake") == n / 2);
    CHECK(r, phase_count(r, "ttfb") == n / 2);
}

static void test_alert_no_shared_cipher(void **state)
{
    (void)state;
    run_result_t r;
    run_against_bad_peer(&r, "--tls-min 1.3 --tls13-ciphers TLS_AES_256_GCM_SHA384",
                         "--tls13-ciphers TLS_AES_128_GCM_SHA256", 4);
    expect_errors(&r, "tls_handshake", "sslv3 alert handshake failure", 2, NULL);
    CHECK(&r, jnum(r.report, "tls.ciphers.TLS_AES_128_GCM_SHA256") == 2);
    run_result_free(&r);
}

static void test_alert_protocol_version(void **state)
{
    (void)state;
    run_result_t r;
    run_against_bad_peer(&r, "--tls-min 1.3", "--tls-max 1.2", 4);
    expect_errors(&r, "tls_handshake", "tlsv1 alert protocol version", 2, NULL);
    CHECK(&r, jnum(r.report, "tls.versions.TLSv1.2") == 2);
    run_result_free(&r);
}

static void test_certificate_failures(void **state)
{
    (void)state;
    fsrv_t f;
    fsrv_start(&f, NULL);
    run_result_t r;
    /* Not trusted: without --cacert (or -k) the system store is used. */
    RUN(&r, 30, "run %s -n 2 -q", f.url);
    CHECK(&r, r.exit_code == 3);
    expect_errors(&r, "tls_handshake", "certificate verify failed: self-signed certificate", 2,
                  NULL);
    CHECK(&r, strstr(r.out, "self-signed certificate") != NULL); /* the text report says it too */
    run_result_free(&r);
    /* Trusted, but issued for localhost / 127.0.0.1, not this name. */
    RUN(&r, 30, "run https://wrong.example:%d/ --connect-to 127.0.0.1:%d -n 2 --cacert %s -q",
        f.port, f.port, f.cert);
    CHECK(&r, r.exit_code == 3);
    expect_errors(&r, "tls_handshake", "certificate verify failed: hostname mismatch", 2, NULL);
    run_result_free(&r);
    fsrv_stop(&f);

    /* Expired (valid from 60 to 30 days ago), next to a healthy server; both
     * are issued by one CA that --cacert trusts, so only the dates fail. */
    char *dir = make_temp_dir("faults-cert");
    assert_non_null(dir);
    char ca[512], ca_key[512], good[512], good_key[512], old[512], old_key[512], opts[1200];
    snprintf(ca, sizeof ca, "%s/ca.pem", dir);
    snprintf(ca_key, sizeof ca_key, "%s/ca.key", dir);
    snprintf(good, sizeof good, "%s/good.pem", dir);
    snprintf(good_key, sizeof good_key, "%s/good.key", dir);
    snprintf(old, sizeof old, "%s/old.pem", dir);
    snprintf(old_key, sizeof old_key, "%s/old.key", dir);
    assert_int_equal(write_cert(ca, ca_key, -90, 90, 1, NULL, NULL), 0);
    assert_int_equal(write_cert(good, good_key, -1, 30, 0, ca, ca_key), 0);
    assert_int_equal(write_cert(old, old_key, -60, -30, 0, ca, ca_key), 0);
    fsrv_t ok, expired;
    snprintf(opts, sizeof opts, "--cert %s --key %s", good, good_key);
    fsrv_start(&ok, opts);
    snprintf(opts, sizeof opts, "--cert %s --key %s", old, old_key);
    fsrv_start(&expired, opts);
    RUN(&r, 30, "run %s --connect-to 127.0.0.1:%d --connect-to 127.0.0.1:%d -n 4 --cacert %s -q",
        ok.url, ok.port, expired.port, ca);
    CHECK(&r, r.exit_code == 1);
    expect_errors(&r, "tls_handshake", "certificate verify failed: certificate has expired", 2,
                  NULL);
    CHECK(&r, sum_of(&r, "requests_ok") == 2);
    CHECK(&r, fsrv_stats(&ok).requests == 2);
    run_result_free(&r);
    /* -k accepts it: proof that only verification failed above. */
    RUN(&r, 30, "run https://127.0.0.1:%d/ -n 2 -k -q", expired.port);
    CHECK(&r, r.exit_code == 0);
    CHECK(&r, sum_of(&r, "requests_ok") == 2);
    run_result_free(&r);
    fsrv_stop(&ok);
    fsrv_stop(&expired);
    rm_rf(dir);
    free(dir);
}

/* A server that does not speak h2, three ways: it refuses our ALPN list
 * (alert), it selects http/1.1 from a list that allows it, or it ignores ALPN
 * altogether (every other connection: fault no-alpn). */
static void test_alpn_without_h2(void **state)
{
    (void)state;
    fsrv_t f;
    fsrv_start(&f, "--alpn http/1.1");
    run_result_t r;
    RUN(&r, 30, "run %s -n 2 --cacert %s -q", f.url, f.cert);
    CHECK(&r, r.exit_code == 3);
    expect_errors(&r, "tls_handshake", "tlsv1 alert no application protocol", 2, NULL);
    run_result_free(&r);
    RUN(&r, 30, "run %s -n 2 --cacert %s --alpn h2,http/1.1 -q", f.url, f.cert);
    CHECK(&r, r.exit_code == 3);
    expect_errors(&r, "tls_handshake",
                  "ALPN: server selected http/1.1, not h2 (server does not speak h2)", 2, NULL);
    /* The handshake itself completed: its facts are counted. */
    CHECK(&r, jnum(r.report, "tls.alpn.http/1.1") == 2);
    run_result_free(&r);
    fsrv_stop(&f);

    fsrv_start(&f, "--fault no-alpn --fault-every 2");
    RUN(&r, 30, "run %s -n 6 --cacert %s -q", f.url, f.cert);
    CHECK(&r, r.exit_code == 1);
    expect_errors(&r, "tls_handshake",
                  "ALPN: server selected no protocol (server does not speak h2)", 3, NULL);
    CHECK(&r, sum_of(&r, "requests_ok") == 3);
    CHECK(&r, jnum(r.report, "tls.alpn.h2") == 3);
    CHECK(&r, fsrv_stats(&f).faults_injected == 3);
    run_result_free(&r);
    fsrv_stop(&f);
}

int main(void)
{
    faults_enter_netns();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rst_after_clienthello),
        cmocka_unit_test(test_close_after_clienthello),
        cmocka_unit_test(test_garbage_serverhello),
        cmocka_unit_test(test_alert_no_shared_cipher),
        cmocka_unit_test(test_alert_protocol_version),
        cmocka_unit_test(test_certificate_failures),
        cmocka_unit_test(test_alpn_without_h2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
