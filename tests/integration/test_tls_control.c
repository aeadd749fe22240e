/* test_tls_control.c - the TLS run options and cipher profiles end to end,
 * against the embedded server and nginx: a forced suite, group or signature
 * algorithm is what every connection negotiates, a TLS 1.2 profile gives
 * TLS 1.2, keylog files are private and complete, a broken profile names its
 * file, line and key, and a client certificate gets through nginx's
 * ssl_verify_client.
 *
 * The report's own tallies are checked against independent truth where the
 * server can tell it: nginx logs $ssl_protocol, $ssl_cipher, $ssl_curve and
 * $ssl_client_verify of every request to an access log we read back. Each
 * "forced X" test also checks that without the option X is not what gets
 * negotiated, so the assertion cannot pass by accident. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#define CHACHA "TLS_CHACHA20_POLY1305_SHA256"

/* nginx with an access log of the TLS facts of every request. */
static void start_logged_nginx(logged_nginx_t *n, const char *server_conf)
{
    logged_nginx_start(n, "$ssl_protocol $ssl_cipher $ssl_curve $ssl_client_verify $status",
                       server_conf, NULL);
}

static void expect_ok(const run_result_t *r, int n)
{
    if (r->exit_code != 0 || !r->report)
        fail_msg("%s: exit %d\n%s\n%s", r->cmdline, r->exit_code, r->out, r->err);
    assert_true(jnum(r->report, "summary.connections_established") == n);
    assert_true(jnum(r->report, "summary.requests_ok") == n);
}

/* tls.<tally>.<name> == n, reading the key directly: names contain dots. */
static double tally(const json_t *rep, const char *which, const char *name)
{
    json_t *t = json_object_get(json_object_get(rep, "tls"), which);
    json_t *v = json_object_get(t, name);
    return json_is_number(v) ? json_number_value(v) : 0;
}

static void test_chacha_forced(void **state)
{
    (void)state;
    peer_t e;
    run_result_t r;
    assert_int_equal(peer_start_embedded(&e, NULL), PEER_OK);
    /* Without the option OpenSSL's default order picks AES-256-GCM. */
    assert_int_equal(run_tlsprof(&r, "run %s -n 10 --cacert %s -q", e.url, e.cert_path), 0);
    expect_ok(&r, 10);
    assert_true(tally(r.report, "ciphers", CHACHA) == 0);
    run_result_free(&r);
    assert_int_equal(run_tlsprof(&r, "run %s -n 40 -c 2 --tls13-ciphers " CHACHA " --cacert %s -q",
                                 e.url, e.cert_path),
                     0);
    expect_ok(&r, 40);
    assert_true(tally(r.report, "ciphers", CHACHA) == 40);
    assert_int_equal(json_object_size(jget(r.report, "tls.ciphers")), 1);
    run_result_free(&r);
    peer_stop(&e);

    logged_nginx_t n;
    start_logged_nginx(&n, NULL);
    assert_int_equal(run_tlsprof(&r, "run %s -n 30 --profile chacha20-poly1305 --cacert %s -q",
                                 n.p.url, n.p.cert_path),
                     0);
    expect_ok(&r, 30);
    assert_true(tally(r.report, "ciphers", CHACHA) == 30);
    assert_string_equal(jstr(r.report, "config.tls.tls13_ciphers"), CHACHA);
    /* nginx agrees, request by request. */
    assert_int_equal(logged_nginx_lines(&n, "TLSv1.3 " CHACHA " ", 30), 30);
    assert_int_equal(logged_nginx_lines(&n, NULL, 30), 30);
    run_result_free(&r);
    logged_nginx_clear(&n);
    assert_int_equal(run_tlsprof(&r, "run %s -n 20 --tls13-ciphers " CHACHA " --cacert %s -q",
                                 n.p.url, n.p.cert_path),
                     0);
    expect_ok(&r, 20);
    assert_true(tally(r.report, "ciphers", CHACHA) == 20);
    assert_int_equal(logged_nginx_lines(&n, CHACHA, 20), 20);
    run_result_free(&r);
    logged_nginx_stop(&n);
}

static void test_groups(void **state)
{
    (void)state;
    logged_nginx_t n;
    run_result_t r;
    start_logged_nginx(&n, NULL);
    assert_int_equal(run_tlsprof(&r, "run %s -n 10 --cacert %s -q", n.p.url, n.p.cert_path), 0);
    expect_ok(&r, 10);
    assert_true(tally(r.report, "groups", "x25519") == 10); /* the default */
    assert_int_equal(logged_nginx_lines(&n, " X25519 ", 10), 10);
    run_result_free(&r);
    logged_nginx_clear(&n);
    assert_int_equal(
        run_tlsprof(&r, "run %s -n 25 --groups P-256 --cacert %s -q", n.p.url, n.p.cert_path), 0);
    expect_ok(&r, 25);
    if (tally(r.report, "groups", "secp256r1") != 25)
        fail_msg("groups: %s", json_dumps(jget(r.report, "tls.groups"), JSON_COMPACT));
    /* nginx names P-256 by its OpenSSL short name. */
    assert_int_equal(logged_nginx_lines(&n, " prime256v1 ", 25), 25);
    run_result_free(&r);
    /* The p256-kex profile does the same. */
    assert_int_equal(
        run_tlsprof(&r, "run %s -n 5 --profile p256-kex --cacert %s -q", n.p.url, n.p.cert_path),
        0);
    expect_ok(&r, 5);
    assert_true(tally(r.report, "groups", "secp256r1") == 5);
    run_result_free(&r);
    logged_nginx_stop(&n);
}

static void test_sigalgs(void **state)
{
    (void)state;
    peer_t p;
    run_result_t r;
    START_NGINX_OR_SKIP(&p, NULL);
    /* --resume off: a resumed handshake has no signature to count. */
    assert_int_equal(
        run_tlsprof(&r, "run %s -n 15 --resume off --sigalgs ecdsa_secp256r1_sha256 --cacert %s -q",
                    p.url, p.cert_path),
        0);
    expect_ok(&r, 15);
    assert_true(tally(r.report, "sigalgs", "ecdsa_secp256r1_sha256") == 15);
    run_result_free(&r);
    /* The server has only an ECDSA P-256 key: offering only RSA-PSS must
     * fail every handshake, which proves the list reaches the ClientHello. */
    assert_int_equal(
        run_tlsprof(&r, "run %s -n 6 --resume off --sigalgs rsa_pss_rsae_sha256 --cacert %s -q",
                    p.url, p.cert_path),
        0);
    assert_int_equal(r.exit_code, 3);
    assert_true(jnum(r.report, "summary.connections_established") == 0);
    double failed = 0;
    const char *k;
    json_t *v;
    json_object_foreach(jget(r.report, "errors.tls_handshake"), k, v) failed +=
        json_number_value(v);
    assert_true(failed == 6);
    run_result_free(&r);
    peer_stop(&p);
}

static void test_tls12_profile(void **state)
{
    (void)state;
    logged_nginx_t n;
    run_result_t r;
    start_logged_nginx(&n, NULL);
    assert_int_equal(run_tlsprof(&r, "run %s -n 30 --profile tls12-ecdhe-ecdsa --cacert %s -q",
                                 n.p.url, n.p.cert_path),
                     0);
    expect_ok(&r, 30);
    assert_true(tally(r.report, "versions", "TLSv1.2") == 30);
    const char *k;
    json_t *v;
    double ecdhe_ecdsa = 0;
    json_object_foreach(jget(r.report, "tls.ciphers"), k, v) if (!strncmp(k, "ECDHE-ECDSA-", 12))
        ecdhe_ecdsa += json_number_value(v);
    assert_true(ecdhe_ecdsa == 30);
    assert_int_equal(logged_nginx_lines(&n, "TLSv1.2 ECDHE-ECDSA-", 30), 30);
    assert_int_equal(logged_nginx_lines(&n, NULL, 30), 30);
    run_result_free(&r);
    logged_nginx_stop(&n);

    /* A server that only speaks TLS 1.3 refuses the profile. */
    peer_t e;
    assert_int_equal(peer_start_embedded(&e, "--tls-min 1.3"), PEER_OK);
    assert_int_equal(run_tlsprof(&r, "run %s -n 3 --profile tls12-ecdhe-ecdsa --cacert %s -q",
                                 e.url, e.cert_path),
                     0);
    assert_int_equal(r.exit_code, 3);
    assert_true(jnum(r.report, "summary.connections_established") == 0);
    run_result_free(&r);
    peer_stop(&e);
}

/* NSS key log lines with this label, and how many distinct client randoms. */
static int keylog_lines(const char *path, const char *label, int *distinct)
{
    char *text = slurp_file(path, NULL);
    if (!text) return -1;
    int n = 0, cap = 256, nr = 0;
    char(*randoms)[65] = calloc((size_t)cap, sizeof *randoms);
    size_t ll = strlen(label);
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        if (strncmp(line, label, ll) || line[ll] != ' ') continue;
        n++;
        char rnd[65] = {0};
        if (sscanf(line + ll + 1, "%64[0-9a-f]", rnd) != 1 || strlen(rnd) != 64) continue;
        int seen = 0;
        for (int i = 0; i < nr && !seen; i++)
            seen = !strcmp(randoms[i], rnd);
        if (!seen && nr < cap) strcpy(randoms[nr++], rnd);
    }
    free(randoms);
    free(text);
    *distinct = nr;
    return n;
}

static void test_keylog(void **state)
{
    (void)state;
    peer_t e;
    run_result_t r;
    assert_int_equal(peer_start_embedded(&e, NULL), PEER_OK);
    char path[600], envpath[600];
    snprintf(path, sizeof path, "%s/keys.log", e.dir);
    snprintf(envpath, sizeof envpath, "%s/env-keys.log", e.dir);
    /* Resumed TLS 1.3 handshakes log their secrets too: one line per connection. */
    assert_int_equal(
        run_tlsprof(&r, "run %s -n 25 -c 2 --keylog %s --cacert %s -q", e.url, path, e.cert_path),
        0);
    expect_ok(&r, 25);
    assert_true(jnum(r.report, "tls.resumption.accepted") > 0);
    run_result_free(&r);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    if ((st.st_mode & 0777) != 0600) fail_msg("%s has mode %o, want 600", path, st.st_mode & 0777);
    int distinct = 0;
    assert_int_equal(keylog_lines(path, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", &distinct), 25);
    assert_int_equal(distinct, 25);
    assert_int_equal(keylog_lines(path, "CLIENT_TRAFFIC_SECRET_0", &distinct), 25);

    /* SSLKEYLOGFILE does the same. */
    char url[200], ca[600];
    snprintf(url, sizeof url, "%s", e.url);
    snprintf(ca, sizeof ca, "%s", e.cert_path);
    char env[700];
    snprintf(env, sizeof env, "SSLKEYLOGFILE=%s", envpath);
    char *argv[] = {"/usr/bin/env", env, TLSPROF_BIN, "run", url, "-n", "7",
                    "--cacert",     ca,  "-q",        NULL};
    assert_int_equal(run_command(&r, 60, argv), 0);
    assert_int_equal(r.exit_code, 0);
    run_result_free(&r);
    assert_int_equal(stat(envpath, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(keylog_lines(envpath, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", &distinct), 7);
    peer_stop(&e);
}

static void test_bad_profile(void **state)
{
    (void)state;
    char *dir = make_temp_dir("badprof");
    assert_non_null(dir);
    char path[600];
    snprintf(path, sizeof path, "%s/typo.profile", dir);
    const char *text = "# a typo on line 3\n"
                       "description = broken on purpose\n"
                       "tls13_cipher = TLS_AES_128_GCM_SHA256\n";
    assert_int_equal(write_file(path, text, strlen(text)), 0);
    int port = free_loopback_port();
    run_result_t r;
    /* Nothing listens on the port: exit 2 (not 3) shows the profile stopped
     * the run before any connection. */
    assert_int_equal(run_tlsprof(&r, "run https://127.0.0.1:%d/ -n 1 --profile %s -q", port, path),
                     0);
    assert_int_equal(r.exit_code, 2);
    char where[700];
    snprintf(where, sizeof where, "%s:3:", path);
    if (!strstr(r.err, where) || !strstr(r.err, "tls13_cipher"))
        fail_msg("stderr does not name %s and the key: %s", where, r.err);
    run_result_free(&r);

    /* An unknown suite inside a list is caught at its own line. */
    text = "description = unknown suite\n"
           "tls_min = 1.3\n"
           "tls13_ciphers = TLS_AES_128_GCM_SHA256:TLS_AES_128_GCM_SHA255\n";
    assert_int_equal(write_file(path, text, strlen(text)), 0);
    assert_int_equal(run_tlsprof(&r, "run https://127.0.0.1:%d/ -n 1 --profile %s -q", port, path),
                     0);
    assert_int_equal(r.exit_code, 2);
    snprintf(where, sizeof where, "%s:3:", path);
    if (!strstr(r.err, where) || !strstr(r.err, "tls13_ciphers") ||
        !strstr(r.err, "TLS_AES_128_GCM_SHA255"))
        fail_msg("stderr: %s", r.err);
    run_result_free(&r);

    /* `tlsprof ciphers PATH` reports the same. */
    assert_int_equal(run_tlsprof(&r, "ciphers %s", path), 0);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, where));
    run_result_free(&r);
    rm_rf(dir);
    free(dir);
}

/* A self-signed ECDSA P-256 client certificate (extendedKeyUsage
 * clientAuth: the harness's server certificate says serverAuth, which
 * nginx would refuse as a client certificate). */
static int make_client_cert(const char *cert_path, const char *key_path)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *cert = X509_new();
    int ok = key && cert;
    if (ok) {
        ASN1_INTEGER_set(X509_get_serialNumber(cert), (long)getpid());
        X509_set_version(cert, 2);
        X509_gmtime_adj(X509_getm_notBefore(cert), -86400L);
        X509_gmtime_adj(X509_getm_notAfter(cert), 86400L);
        X509_set_pubkey(cert, key);
        X509_NAME *name = X509_get_subject_name(cert);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   (const unsigned char *)"tlsprof test client", -1, -1, 0);
        X509_set_issuer_name(cert, name);
        static const int nids[] = {NID_basic_constraints, NID_key_usage, NID_ext_key_usage};
        static const char *const vals[] = {"critical,CA:FALSE", "critical,digitalSignature",
                                           "clientAuth"};
        for (size_t i = 0; i < 3 && ok; i++) {
            X509V3_CTX ctx;
            X509V3_set_ctx_nodb(&ctx);
            X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
            X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nids[i], vals[i]);
            ok = ext && X509_add_ext(cert, ext, -1);
            X509_EXTENSION_free(ext);
        }
        ok = ok && X509_sign(cert, key, EVP_sha256());
    }
    FILE *f = ok ? fopen(key_path, "w") : NULL;
    ok = f && PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
    if (f) fclose(f);
    f = ok ? fopen(cert_path, "w") : NULL;
    ok = f && PEM_write_X509(f, cert);
    if (f) fclose(f);
    X509_free(cert);
    EVP_PKEY_free(key);
    return ok ? 0 : -1;
}

static void test_mtls_nginx(void **state)
{
    (void)state;
    if (!nginx_binary()) {
        print_message("SKIPPED: %s\n", NGINX_MISSING_MESSAGE);
        skip();
    }
    char *dir = make_temp_dir("mtls");
    assert_non_null(dir);
    char cert[600], key[600], other_cert[600], other_key[600], conf[1400];
    snprintf(cert, sizeof cert, "%s/client.pem", dir);
    snprintf(key, sizeof key, "%s/client.key", dir);
    snprintf(other_cert, sizeof other_cert, "%s/other.pem", dir);
    snprintf(other_key, sizeof other_key, "%s/other.key", dir);
    assert_int_equal(make_client_cert(cert, key), 0);
    assert_int_equal(make_client_cert(other_cert, other_key), 0);
    snprintf(conf, sizeof conf, "ssl_verify_client on; ssl_client_certificate %s;", cert);
    logged_nginx_t n;
    start_logged_nginx(&n, conf);
    run_result_t r;
    /* Without a certificate nginx answers 400 to every request. */
    assert_int_equal(run_tlsprof(&r, "run %s -n 4 --cacert %s -q", n.p.url, n.p.cert_path), 0);
    assert_true(isnan(jnum(r.report, "summary.status.200"))); /* no 200 at all */
    assert_true(jnum(r.report, "summary.status.400") == 4);
    assert_int_equal(logged_nginx_lines(&n, " NONE 400", 4), 4);
    run_result_free(&r);
    logged_nginx_clear(&n);
    /* A certificate nginx does not trust: no 200 either. */
    assert_int_equal(run_tlsprof(&r, "run %s -n 3 --cert %s --key %s --cacert %s -q", n.p.url,
                                 other_cert, other_key, n.p.cert_path),
                     0);
    assert_true(isnan(jnum(r.report, "summary.status.200")));
    run_result_free(&r);
    logged_nginx_clear(&n);
    /* The trusted one: every request verified and answered. */
    assert_int_equal(run_tlsprof(&r, "run %s -n 12 -c 2 --cert %s --key %s --cacert %s -q", n.p.url,
                                 cert, key, n.p.cert_path),
                     0);
    expect_ok(&r, 12);
    assert_true(jnum(r.report, "summary.status.200") == 12);
    assert_int_equal(logged_nginx_lines(&n, " SUCCESS 200", 12), 12);
    run_result_free(&r);
    logged_nginx_stop(&n);
    rm_rf(dir);
    free(dir);
}

int main(void)
{
    /* The shipped profiles, whatever directory the binary was built in. */
    setenv("TLSPROF_CIPHERS_DIR", TLSPROF_SOURCE_DIR "/ciphers", 1);
    /* With a umask of 077 any mode would come out 0600: make a keylog
     * opened 0644 visible. */
    umask(022);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chacha_forced), cmocka_unit_test(test_groups),
        cmocka_unit_test(test_sigalgs),       cmocka_unit_test(test_tls12_profile),
        cmocka_unit_test(test_keylog),        cmocka_unit_test(test_bad_profile),
        cmocka_unit_test(test_mtls_nginx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
