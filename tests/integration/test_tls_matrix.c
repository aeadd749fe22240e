/* test_tls_matrix.c - `tlsprof ciphers URL`: the cipher matrix end to end.
 *
 * Every profile gets a row; what a row says was negotiated must be what the
 * profile allows and what the server logged (nginx's access log records
 * $ssl_protocol and $ssl_cipher of every request, so the number of requests
 * made under each suite is checked exactly); a profile the server refuses is
 * a "not negotiated" row, not a failed command. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/profile.h"
#include "harness.h"

#define CHACHA "TLS_CHACHA20_POLY1305_SHA256"
#define CIPHERS_DIR TLSPROF_SOURCE_DIR "/ciphers"

static json_t *row_of(const json_t *m, const char *profile)
{
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(m, "rows"), i, row)
    {
        const char *name = json_string_value(json_object_get(row, "profile"));
        if (name && !strcmp(name, profile)) return row;
    }
    return NULL;
}

static json_t *need_row(const json_t *m, const char *profile)
{
    json_t *row = row_of(m, profile);
    if (!row) fail_msg("no row for profile %s", profile);
    return row;
}

static int negotiated(const json_t *row)
{
    return json_is_true(json_object_get(row, "negotiated"));
}

static void test_matrix_embedded_every_profile(void **state)
{
    (void)state;
    peer_t e;
    assert_int_equal(peer_start_embedded(&e, "--body-size 256KiB"), PEER_OK);
    char json[600];
    snprintf(json, sizeof json, "%s/matrix.json", e.dir);
    run_result_t r;
    /* -X HEAD keeps the handshake runs' responses empty; the bulk run GETs. */
    assert_int_equal(
        run_tlsprof(&r,
                    "ciphers %s --cacert %s -n 12 -X HEAD --body-size 256KiB --bulk-bytes 1MiB "
                    "--bench-seconds 0.01 --json %s",
                    e.url, e.cert_path, json),
        0);
    if (r.exit_code != 0 || !r.report) fail_msg("exit %d\n%s\n%s", r.exit_code, r.out, r.err);
    const json_t *m = r.report;

    char err[512], **names = NULL;
    size_t n = 0;
    assert_int_equal(profile_list(CIPHERS_DIR, &names, &n, err, sizeof err), 0);
    assert_true(n >= 5);
    assert_int_equal(json_array_size(json_object_get(m, "rows")), n);
    for (size_t i = 0; i < n; i++) {
        json_t *row = need_row(m, names[i]);
        /* The embedded server takes every shipped profile. */
        if (!negotiated(row))
            fail_msg("%s: %s", names[i], json_string_value(json_object_get(row, "reason")));
        assert_true(jnum(row, "handshake_full.count") == 12);
        /* One full handshake fetches the first ticket, then all resume.
         * TLS 1.2 is the exception: the server sends no new ticket on a
         * resumed TLS 1.2 handshake and (today) the client uses each
         * ticket once, so at least every other connection resumes. */
        double att = jnum(row, "resumption.attempted");
        if (strcmp(jstr(row, "version"), "TLSv1.2"))
            assert_true(att == 11);
        else
            assert_true(att >= 6 && att <= 11);
        assert_true(jnum(row, "resumption.accepted") == att);
        assert_true(jnum(row, "handshake_resumed.count") == att);
        assert_true(fabs(jnum(row, "resumption.share") - att / 12.0) < 1e-9);
        assert_true(jnum(row, "client_cpu.full_p50_us") > 0);
        assert_true(jnum(row, "handshakes_per_s") > 0);
        /* 1 MiB in 256 KiB responses: 4 of them, each exactly --body-size. */
        assert_true(jnum(row, "bulk.requests") == 4);
        assert_true(jnum(row, "bulk.bytes") == 4 * 262144.0);
        assert_true(jnum(row, "bulk.mb_per_s") > 0);
        assert_int_equal(json_array_size(json_object_get(row, "notes")), 0);
        /* The run reports are kept, and agree with the row. */
        assert_true(jnum(row, "reports.full.summary.connections_established") == 12);
        assert_string_equal(jstr(row, "reports.full.config.resume"), "off");
        assert_string_equal(jstr(row, "reports.bulk.config.mode"), "pooled");
        assert_non_null(strstr(r.out, names[i]));
    }
    /* What each profile pins is what was negotiated. */
    assert_string_equal(jstr(need_row(m, "chacha20-poly1305"), "cipher"), CHACHA);
    assert_string_equal(jstr(need_row(m, "ecdsa-p256-x25519-chacha20"), "cipher"), CHACHA);
    assert_true(jnum(need_row(m, "chacha20-poly1305"), "tallies.ciphers." CHACHA) == 12);
    assert_string_equal(jstr(need_row(m, "aes256-gcm"), "cipher"), "TLS_AES_256_GCM_SHA384");
    assert_string_equal(jstr(need_row(m, "p256-kex"), "group"), "secp256r1");
    assert_string_equal(jstr(need_row(m, "x25519-aes128"), "group"), "x25519");
    assert_string_equal(jstr(need_row(m, "tls12-ecdhe-ecdsa"), "version"), "TLSv1.2");
    assert_true(!strncmp(jstr(need_row(m, "tls12-ecdhe-ecdsa"), "cipher"), "ECDHE-ECDSA-", 12));
    assert_string_equal(jstr(need_row(m, "ecdsa-p256-x25519-chacha20"), "sigalg"),
                        "ecdsa_secp256r1_sha256");

    /* Platform and crypto benchmark, and each row's AEAD figure is the
     * benchmark of its negotiated record cipher. */
    assert_non_null(jget(m, "platform.crypto_caps"));
    assert_non_null(jstr(m, "platform.openssl_version"));
    assert_true(jnum(m, "platform.crypto_bench.items.chacha20_poly1305.mb_per_s") > 0);
    assert_true(jnum(need_row(m, "chacha20-poly1305"), "aead_bench_mb_per_s") ==
                jnum(m, "platform.crypto_bench.items.chacha20_poly1305.mb_per_s"));
    assert_true(jnum(need_row(m, "aes128-gcm"), "aead_bench_mb_per_s") ==
                jnum(m, "platform.crypto_bench.items.aes_128_gcm.mb_per_s"));
    /* The text table. */
    assert_non_null(strstr(r.out, "crypto caps:"));
    assert_non_null(strstr(r.out, CHACHA));
    assert_non_null(strstr(r.out, "bulk MB/s"));
    profile_list_free(names, n);
    run_result_free(&r);
    peer_stop(&e);
}

/* A server restricted to one suite: the other profiles are rows that say
 * why, and the command still succeeds. */
static void test_matrix_not_negotiated_rows(void **state)
{
    (void)state;
    peer_t e;
    assert_int_equal(
        peer_start_embedded(&e, "--tls-min 1.3 --tls13-ciphers TLS_AES_256_GCM_SHA384"), PEER_OK);
    char json[600];
    snprintf(json, sizeof json, "%s/m.json", e.dir);
    run_result_t r;
    assert_int_equal(
        run_tlsprof(
            &r,
            "ciphers %s --cacert %s -n 5 --profiles aes256-gcm,chacha20-poly1305,tls12-ecdhe-ecdsa "
            "--body-size 0 --bench-seconds 0 --json %s -q",
            e.url, e.cert_path, json),
        0);
    if (r.exit_code != 0 || !r.report) fail_msg("exit %d\n%s\n%s", r.exit_code, r.out, r.err);
    assert_int_equal(json_array_size(jget(r.report, "rows")), 3);
    json_t *ok = need_row(r.report, "aes256-gcm"), *cc = need_row(r.report, "chacha20-poly1305"),
           *t12 = need_row(r.report, "tls12-ecdhe-ecdsa");
    assert_true(negotiated(ok));
    assert_string_equal(jstr(ok, "cipher"), "TLS_AES_256_GCM_SHA384");
    assert_true(json_is_null(jget(ok, "bulk")));
    assert_false(negotiated(cc));
    assert_false(negotiated(t12));
    assert_non_null(strstr(jstr(cc, "reason"), "tls_handshake"));
    assert_non_null(strstr(jstr(t12, "reason"), "tls_handshake"));
    /* Nothing else was attempted for a refused profile. */
    assert_true(json_is_null(jget(cc, "reports.resumed")));
    assert_non_null(strstr(r.out, "chacha20-poly1305"));
    assert_non_null(strstr(r.out, "not negotiated: tls_handshake"));
    run_result_free(&r);
    peer_stop(&e);

    /* No server at all: every row is "not negotiated" and the exit is 3. */
    int port = free_loopback_port();
    assert_int_equal(
        run_tlsprof(&r,
                    "ciphers https://127.0.0.1:%d/ -k -n 2 --profiles aes128-gcm --body-size 0 "
                    "--bench-seconds 0 -q",
                    port),
        0);
    assert_int_equal(r.exit_code, 3);
    assert_non_null(strstr(r.out, "not negotiated: tcp_connect: ECONNREFUSED"));
    run_result_free(&r);
}

/* Against nginx: counts per suite in nginx's own log. */
static void test_matrix_nginx(void **state)
{
    (void)state;
    if (!nginx_binary()) {
        print_message("SKIPPED: %s\n", NGINX_MISSING_MESSAGE);
        skip();
    }
    char *dir = make_temp_dir("matrix");
    assert_non_null(dir);
    char log[600], http[900], json[600];
    snprintf(log, sizeof log, "%s/access.log", dir);
    snprintf(json, sizeof json, "%s/m.json", dir);
    snprintf(http, sizeof http,
             "log_format suite '$ssl_protocol $ssl_cipher $uri'; access_log %s suite;", log);
    peer_t p;
    assert_int_equal(peer_start_nginx_ex(&p, NULL, http), PEER_OK);
    run_result_t r;
    assert_int_equal(
        run_tlsprof(&r,
                    "ciphers %s --cacert %s -n 10 --profiles "
                    "chacha20-poly1305,aes128-gcm,tls12-ecdhe-ecdsa "
                    "--bulk-url %s --body-size %d --bulk-bytes 2MiB --bench-seconds 0.01 --json %s",
                    p.url, p.cert_path, p.body_url, PEER_BODY_SIZE, json),
        0);
    if (r.exit_code != 0 || !r.report) fail_msg("exit %d\n%s\n%s", r.exit_code, r.out, r.err);
    json_t *cc = need_row(r.report, "chacha20-poly1305"), *aes = need_row(r.report, "aes128-gcm"),
           *t12 = need_row(r.report, "tls12-ecdhe-ecdsa");
    assert_true(negotiated(cc) && negotiated(aes) && negotiated(t12));
    assert_string_equal(jstr(cc, "cipher"), CHACHA);
    assert_string_equal(jstr(aes, "cipher"), "TLS_AES_128_GCM_SHA256");
    assert_string_equal(jstr(t12, "version"), "TLSv1.2");
    assert_true(jnum(cc, "bulk.requests") == 2);
    assert_true(jnum(cc, "bulk.bytes") == 2.0 * PEER_BODY_SIZE);
    peer_stop(&p); /* every request is logged by now */

    /* Per profile: 10 full + 10 resumed handshake requests on /, and the
     * bulk requests on /body/1m, all under the row's suite. */
    char *text = slurp_file(log, NULL);
    assert_non_null(text);
    int chacha_root = 0, chacha_body = 0, aes_root = 0, t12_lines = 0, lines = 0;
    for (char *line = text, *next; *line; line = next) {
        next = strchr(line, '\n');
        if (!next) break;
        *next++ = '\0';
        lines++;
        if (!strcmp(line, "TLSv1.3 " CHACHA " /")) chacha_root++;
        if (!strcmp(line, "TLSv1.3 " CHACHA " /body/1m")) chacha_body++;
        if (!strcmp(line, "TLSv1.3 TLS_AES_128_GCM_SHA256 /")) aes_root++;
        if (!strncmp(line, "TLSv1.2 ECDHE-ECDSA-", 20)) t12_lines++;
    }
    free(text);
    print_message("nginx log: %d lines, chacha %d + %d bulk, aes128 %d, tls1.2 %d\n", lines,
                  chacha_root, chacha_body, aes_root, t12_lines);
    assert_int_equal(chacha_root, 20);
    assert_int_equal(chacha_body, 2);
    assert_int_equal(aes_root, 20);
    assert_int_equal(t12_lines, 22);
    assert_int_equal(lines, 66);
    run_result_free(&r);
    rm_rf(dir);
    free(dir);
}

static void test_matrix_usage_errors(void **state)
{
    (void)state;
    run_result_t r;
    /* The matrix sets TLS options per profile; one given for all is refused. */
    assert_int_equal(run_tlsprof(&r, "ciphers https://127.0.0.1:1/ --groups P-256"), 0);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "--groups"));
    run_result_free(&r);
    assert_int_equal(run_tlsprof(&r, "ciphers https://127.0.0.1:1/ --profiles no-such-profile"), 0);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "no-such-profile"));
    run_result_free(&r);

    /* A broken profile stops the matrix before any run, naming file:line:key. */
    char *dir = make_temp_dir("mxbad");
    assert_non_null(dir);
    char path[600], where[700];
    snprintf(path, sizeof path, "%s/bad.profile", dir);
    const char *text = "description = bad\ngroups = X25519:P-257\n";
    assert_int_equal(write_file(path, text, strlen(text)), 0);
    int port = free_loopback_port();
    assert_int_equal(
        run_tlsprof(&r, "ciphers https://127.0.0.1:%d/ --profiles aes128-gcm,%s", port, path), 0);
    assert_int_equal(r.exit_code, 2);
    snprintf(where, sizeof where, "%s:2:", path);
    if (!strstr(r.err, where) || !strstr(r.err, "groups") || !strstr(r.err, "P-257"))
        fail_msg("stderr: %s", r.err);
    assert_null(strstr(r.out, "aes128-gcm")); /* no table: nothing ran */
    run_result_free(&r);
    rm_rf(dir);
    free(dir);

    /* Without a URL, `tlsprof ciphers` still lists the profiles. */
    assert_int_equal(run_tlsprof(&r, "ciphers"), 0);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "cipher profiles in"));
    assert_non_null(strstr(r.out, "chacha20-poly1305"));
    run_result_free(&r);
}

int main(void)
{
    setenv("TLSPROF_CIPHERS_DIR", CIPHERS_DIR, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix_embedded_every_profile),
        cmocka_unit_test(test_matrix_not_negotiated_rows),
        cmocka_unit_test(test_matrix_nginx),
        cmocka_unit_test(test_matrix_usage_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
