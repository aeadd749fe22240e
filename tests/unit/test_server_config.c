/* test_server_config.c - `tlsprof serve` option parsing: defaults, every
 * option's accepted forms, sizes with suffixes, faults, contradictions, and
 * error messages that name the option and the value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "server/server.h"

static char err[512];

/* Parse a space-separated option string into c (after defaults). */
static int parse(server_config_t *c, const char *opts)
{
    static char buf[512];
    char *argv[32];
    int argc = 0;
    snprintf(buf, sizeof buf, "%s", opts);
    argv[argc++] = "serve";
    for (char *tok = strtok(buf, " "); tok && argc < 31; tok = strtok(NULL, " "))
        argv[argc++] = tok;
    argv[argc] = NULL;
    server_config_defaults(c);
    err[0] = 0;
    return server_config_parse(c, argc, argv, err, sizeof err);
}

/* Parsing opts must fail with a message containing every needle. */
static void expect_error(const char *opts, const char *needle1, const char *needle2)
{
    server_config_t c;
    assert_int_equal(parse(&c, opts), -1);
    if (!strstr(err, needle1) || (needle2 && !strstr(err, needle2)))
        fail_msg("'%s' gave '%s', expected it to mention '%s' and '%s'", opts, err, needle1,
                 needle2 ? needle2 : "");
}

static void test_defaults(void **state)
{
    server_config_t c;
    assert_int_equal(parse(&c, ""), 0);
    assert_string_equal(c.host, "127.0.0.1");
    assert_int_equal(c.port, 8443);
    assert_int_equal(c.body_size, 0);
    assert_int_equal(c.threads, 1);
    assert_string_equal(c.tls.alpn, "h2");
    assert_int_equal(c.tickets, 2);
    assert_int_equal(c.no_tickets, 0);
    assert_int_equal(c.no_resume, 0);
    assert_null(c.ticket_key_file);
    assert_int_equal(c.early_data, 0);
    assert_int_equal(c.max_streams, 100);
    assert_int_equal(c.idle_timeout_ms, 0);
    assert_int_equal(c.fault, FAULT_NONE);
    assert_int_equal(c.fault_every, 1);
    assert_null(c.cert_file);
}

static void test_listen(void **state)
{
    server_config_t c;
    assert_int_equal(parse(&c, "--listen 127.0.0.2:9000"), 0);
    assert_string_equal(c.host, "127.0.0.2");
    assert_int_equal(c.port, 9000);
    assert_int_equal(parse(&c, "--listen [::1]:0"), 0);
    assert_string_equal(c.host, "::1");
    assert_int_equal(c.port, 0);
    assert_int_equal(parse(&c, "--listen=localhost:443"), 0);
    assert_string_equal(c.host, "127.0.0.1");
    assert_int_equal(c.port, 443);
    expect_error("--listen 127.0.0.1", "--listen", "'127.0.0.1'");
    expect_error("--listen 127.0.0.1:65536", "--listen", "65536");
    expect_error("--listen ::1:80", "--listen", "::1:80");
    expect_error("--listen example.com:80", "--listen", "example.com:80");
    expect_error("--listen [::1]80", "--listen", "[::1]80");
    expect_error("--listen 1.2.3.4:-1", "--listen", "-1");
}

static void test_sizes(void **state)
{
    const struct {
        const char *s;
        uint64_t v;
    } ok[] = {
        {"0", 0},           {"123", 123},         {"5B", 5},        {"1k", 1000},
        {"1K", 1000},       {"2kB", 2000},        {"1Ki", 1024},    {"1KiB", 1024},
        {"16KiB", 16384},   {"3M", 3000000},      {"1Mi", 1048576}, {"1MiB", 1048576},
        {"2G", 2000000000}, {"1GiB", 1073741824},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        uint64_t v = 7;
        if (server_parse_size(ok[i].s, &v) || v != ok[i].v)
            fail_msg("'%s' parsed to %llu, expected %llu", ok[i].s, (unsigned long long)v,
                     (unsigned long long)ok[i].v);
    }
    const char *bad[] = {"",      "k",
                         "-1",    "1x",
                         "1KiBB", "1 k",
                         "1.5k",  "99999999999999999999",
                         "1iB",   "18446744073709551615k"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t v;
        if (server_parse_size(bad[i], &v) == 0) fail_msg("'%s' was accepted", bad[i]);
    }
    server_config_t c;
    assert_int_equal(parse(&c, "--body-size 64KiB"), 0);
    assert_int_equal(c.body_size, 65536);
    assert_int_equal(parse(&c, "--body-size=1M"), 0);
    assert_int_equal(c.body_size, 1000000);
    expect_error("--body-size 12q", "--body-size", "'12q'");
    expect_error("--body-size 2TiB", "--body-size", "2TiB");
    assert_int_equal(parse(&c, "--early-data 16KiB"), 0);
    assert_int_equal(c.early_data, 16384);
    expect_error("--early-data lots", "--early-data", "lots");
}

static void test_numbers_and_flags(void **state)
{
    server_config_t c;
    assert_int_equal(parse(&c, "--threads 4 --tickets 0 --max-streams 7 --idle-timeout 1500 -v"),
                     0);
    assert_int_equal(c.threads, 4);
    assert_int_equal(c.tickets, 0);
    assert_int_equal(c.max_streams, 7);
    assert_int_equal(c.idle_timeout_ms, 1500);
    assert_int_equal(c.verbose, 1);
    expect_error("--threads 0", "--threads", "'0'");
    expect_error("--threads 1000", "--threads", "1000");
    expect_error("--threads two", "--threads", "two");
    expect_error("--tickets 17", "--tickets", "17");
    expect_error("--max-streams 0", "--max-streams", "'0'");
    expect_error("--idle-timeout -5", "--idle-timeout", "-5");
    expect_error("--threads", "--threads", "needs a value");
    expect_error("--bogus 1", "unknown option", "--bogus");
    expect_error("stray", "unexpected argument", "stray");

    assert_int_equal(parse(&c, "--no-tickets"), 0);
    assert_int_equal(c.no_tickets, 1);
    assert_int_equal(parse(&c, "--no-resume --ticket-key-file /k"), 0);
    assert_int_equal(c.no_resume, 1);
    assert_string_equal(c.ticket_key_file, "/k");
    assert_int_equal(parse(&c, "--early-data 100 --allow-replay"), 0);
    assert_int_equal(c.allow_replay, 1);
    assert_int_equal(parse(&c, "--cert a.pem --key b.pem --write-cert out.pem"), 0);
    assert_string_equal(c.cert_file, "a.pem");
    assert_string_equal(c.key_file, "b.pem");
    assert_string_equal(c.write_cert_file, "out.pem");
    assert_int_equal(parse(&c, "--help"), 1);
}

static void test_tls_options(void **state)
{
    server_config_t c;
    assert_int_equal(parse(&c, "--tls-min 1.3 --tls-max 1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256 "
                               "--ciphers ECDHE-ECDSA-AES128-GCM-SHA256 --groups X25519 "
                               "--sigalgs ecdsa_secp256r1_sha256 --alpn h2,http/1.1"),
                     0);
    assert_int_equal(c.tls.min_version, TLS1_3_VERSION);
    assert_int_equal(c.tls.max_version, TLS1_3_VERSION);
    assert_string_equal(c.tls.tls13_ciphers, "TLS_AES_128_GCM_SHA256");
    assert_string_equal(c.tls.ciphers, "ECDHE-ECDSA-AES128-GCM-SHA256");
    assert_string_equal(c.tls.groups, "X25519");
    assert_string_equal(c.tls.sigalgs, "ecdsa_secp256r1_sha256");
    assert_string_equal(c.tls.alpn, "h2,http/1.1");
    expect_error("--tls-min 1.1", "--tls-min", "'1.1'");
    expect_error("--tls-max 3", "--tls-max", "'3'");
    expect_error("--tls-min 1.3 --tls-max 1.2", "--tls-min 1.3", "--tls-max 1.2");
    expect_error("--alpn h2,,x", "--alpn", "h2,,x");
}

static void test_faults(void **state)
{
    const struct {
        const char *opts;
        server_fault f;
        uint64_t arg;
    } ok[] = {
        {"--fault rst-after-accept", FAULT_RST_AFTER_ACCEPT, 0},
        {"--fault rst-after-clienthello", FAULT_RST_AFTER_CLIENTHELLO, 0},
        {"--fault close-after-clienthello", FAULT_CLOSE_AFTER_CLIENTHELLO, 0},
        {"--fault garbage-serverhello", FAULT_GARBAGE_SERVERHELLO, 0},
        {"--fault no-settings", FAULT_NO_SETTINGS, 0},
        {"--fault goaway-after:10", FAULT_GOAWAY_AFTER, 10},
        {"--fault rst-stream:REFUSED_STREAM", FAULT_RST_STREAM, 7},
        {"--fault rst-stream:cancel", FAULT_RST_STREAM, 8},
        {"--fault rst-stream:INTERNAL_ERROR", FAULT_RST_STREAM, 2},
        {"--fault rst-stream:0x1", FAULT_RST_STREAM, 1},
        {"--fault rst-stream:255", FAULT_RST_STREAM, 255},
        {"--fault stall-response", FAULT_STALL_RESPONSE, 0},
        {"--fault huge-headers:64KiB", FAULT_HUGE_HEADERS, 65536},
        {"--fault flow-stall", FAULT_FLOW_STALL, 0},
        {"--fault idle-close:250", FAULT_IDLE_CLOSE, 250},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        server_config_t c;
        if (parse(&c, ok[i].opts)) fail_msg("'%s': %s", ok[i].opts, err);
        assert_int_equal(c.fault, ok[i].f);
        assert_int_equal(c.fault_arg, ok[i].arg);
    }
    server_config_t c;
    assert_int_equal(parse(&c, "--fault no-settings --fault-every 5"), 0);
    assert_int_equal(c.fault_every, 5);
    expect_error("--fault explode", "--fault 'explode'", "unknown fault");
    expect_error("--fault goaway-after", "goaway-after", "needs an argument");
    expect_error("--fault goaway-after:0", "goaway-after:0", "'0'");
    expect_error("--fault rst-stream:NOT_A_CODE", "rst-stream:NOT_A_CODE", "'NOT_A_CODE'");
    expect_error("--fault huge-headers:17MiB", "huge-headers:17MiB", "16MiB");
    expect_error("--fault no-settings:3", "no-settings:3", "takes no argument");
    expect_error("--fault idle-close:soon", "idle-close:soon", "'soon'");
    expect_error("--fault no-settings --fault flow-stall", "only one --fault", "flow-stall");
    expect_error("--fault-every 0", "--fault-every", "'0'");
}

static void test_contradictions(void **state)
{
    expect_error("--cert a.pem", "--cert given without --key", NULL);
    expect_error("--key a.pem", "--key given without --cert", NULL);
    expect_error("--no-resume --early-data 1k", "--no-resume", "--early-data");
    expect_error("--no-tickets --no-resume", "--no-tickets", "--no-resume");
    expect_error("--no-tickets --ticket-key-file k", "--no-tickets", "--ticket-key-file");
    expect_error("--allow-replay", "--allow-replay", "--early-data");
    expect_error("--early-data 1k --ticket-key-file k", "--ticket-key-file", "--allow-replay");
    server_config_t c;
    assert_int_equal(parse(&c, "--early-data 1k --ticket-key-file k --allow-replay"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),       cmocka_unit_test(test_listen),
        cmocka_unit_test(test_sizes),          cmocka_unit_test(test_numbers_and_flags),
        cmocka_unit_test(test_tls_options),    cmocka_unit_test(test_faults),
        cmocka_unit_test(test_contradictions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
