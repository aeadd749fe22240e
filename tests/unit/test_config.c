/* test_config.c - URL and `run` option parsing: every bad value is rejected
 * with a message that names the option and the value; what follows from
 * the options (profiles, --h1) and the rules between them. The table itself,
 * row by row, is tests/unit/test_opt_table.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "config/config.h"
#include "config/parse.h"
#include "config/url.h"

static int parse(run_config_t *c, char *err, size_t errlen, const char *a0, ...)
{
    char *argv[64];
    int argc = 0;
    argv[argc++] = "run";
    va_list ap;
    va_start(ap, a0);
    for (const char *a = a0; a; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    return config_parse(c, argc, argv, err, errlen);
}

static void test_url_ok(void **state)
{
    (void)state;
    url_t u;
    char err[256];
    assert_int_equal(url_parse("https://example.com", &u, err, sizeof err), 0);
    assert_string_equal(u.host, "example.com");
    assert_int_equal(u.port, 443);
    assert_string_equal(u.path, "/");
    assert_string_equal(u.authority, "example.com");
    assert_false(u.host_is_ip);

    assert_int_equal(url_parse("https://127.0.0.1:8443/a/b?x=1#frag", &u, err, sizeof err), 0);
    assert_string_equal(u.host, "127.0.0.1");
    assert_int_equal(u.port, 8443);
    assert_string_equal(u.path, "/a/b?x=1");
    assert_string_equal(u.authority, "127.0.0.1:8443");
    assert_true(u.host_is_ip);

    assert_int_equal(url_parse("https://[::1]:9000/p", &u, err, sizeof err), 0);
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 9000);
    assert_string_equal(u.authority, "[::1]:9000");

    assert_int_equal(url_parse("HTTPS://h?q", &u, err, sizeof err), 0);
    assert_string_equal(u.path, "/?q");
}

static void expect_url_error(const char *url, const char *needle)
{
    url_t u;
    char err[512] = "";
    assert_int_equal(url_parse(url, &u, err, sizeof err), -1);
    if (!strstr(err, needle)) fail_msg("URL '%s': message '%s' lacks '%s'", url, err, needle);
}

static void test_url_bad(void **state)
{
    (void)state;
    expect_url_error("", "empty");
    expect_url_error("http://example.com/", "plain http://");
    expect_url_error("ftp://x", "expected https://");
    expect_url_error("https://", "empty host");
    expect_url_error("https://:443/", "empty host");
    expect_url_error("https://host:0/", "invalid port '0'");
    expect_url_error("https://host:65536/", "invalid port '65536'");
    expect_url_error("https://host:12ab/", "invalid port '12ab'");
    expect_url_error("https://host:/", "invalid port ''");
    expect_url_error("https://user@host/", "user information");
    expect_url_error("https://[::1/", "missing ']'");
    expect_url_error("https://[zz]:1/", "not an IPv6 address");
    expect_url_error("https://::1/", "brackets");
    expect_url_error("https://ho st/", "invalid character");
    expect_url_error("https://host/a b", "space or control");
    char longhost[400];
    memset(longhost, 'a', sizeof longhost);
    strcpy(longhost, "https://");
    memset(longhost + 8, 'a', 300);
    longhost[308] = 0;
    expect_url_error(longhost, "longer than");
}

static void test_defaults(void **state)
{
    (void)state;
    run_config_t c;
    char err[512];
    assert_int_equal(parse(&c, err, sizeof err, "https://127.0.0.1:8443/", NULL), 0);
    assert_int_equal(c.mode, MODE_FRESH);
    assert_int_equal(c.connections, 1);
    assert_int_equal(c.requests, 1);
    assert_int_equal(c.streams, 1);
    assert_int_equal(c.threads, 1);
    assert_false(c.insecure);
    assert_string_equal(c.sni, ""); /* IP literal: no SNI unless --sni */
    assert_int_equal(c.connect_timeout_ms, 10000);
    assert_string_equal(c.tls.alpn, "h2");

    assert_int_equal(parse(&c, err, sizeof err, "https://example.com/", "-c", "8", "-n", "100",
                           "-m", "4", "--mode", "pooled", "-t", "2", "--connect-to",
                           "127.0.0.1:9443", "-H", "X-Test: a b", "--request-timeout", "250ms",
                           "-k", NULL),
                     0);
    assert_int_equal(c.connections, 8);
    assert_int_equal(c.requests, 100);
    assert_int_equal(c.streams, 4);
    assert_int_equal(c.threads, 2);
    assert_int_equal(c.mode, MODE_POOLED);
    assert_string_equal(c.sni, "example.com");
    assert_string_equal(c.connect_to[0].host, "127.0.0.1");
    assert_int_equal(c.connect_to[0].port, 9443);
    assert_int_equal(c.n_headers, 1);
    assert_string_equal(c.headers[0].name, "x-test");
    assert_string_equal(c.headers[0].value, "a b");
    assert_int_equal(c.request_timeout_ms, 250);
    assert_true(c.insecure);

    /* -D alone means unbounded requests; threads never exceed connections. */
    assert_int_equal(
        parse(&c, err, sizeof err, "https://h/", "-D", "2m", "-t", "4", "-c", "2", NULL), 0);
    assert_int_equal(c.requests, 0);
    assert_true(c.duration_s == 120.0);
    assert_int_equal(c.threads, 2);
}

#define BAD(needle, ...)                                                                           \
    do {                                                                                           \
        run_config_t c_;                                                                           \
        char err_[1024] = "";                                                                      \
        assert_int_equal(parse(&c_, err_, sizeof err_, __VA_ARGS__, NULL), -1);                    \
        if (!strstr(err_, needle)) fail_msg("message '%s' lacks '%s'", err_, needle);              \
    } while (0)

static void test_bad_options(void **state)
{
    (void)state;
    BAD("missing URL", "-n", "5");
    BAD("--connections: expected a whole number from 1 to 1000000, got 'abc'", "https://h/", "-c",
        "abc");
    BAD("--connections", "https://h/", "-c", "0");
    BAD("--connections", "https://h/", "-c", "-5");
    BAD("--connections", "https://h/", "-c", "99999999999999999999999");
    BAD("--requests", "https://h/", "-n", "1.5");
    BAD("--requests", "https://h/", "-n", "");
    BAD("--duration: expected a duration such as 10, 10s, 250ms or 2m, got '5x'", "https://h/",
        "-D", "5x");
    BAD("--duration", "https://h/", "-D", "0");
    BAD("--streams", "https://h/", "-m", "100000", "--mode", "pooled");
    BAD("--threads", "https://h/", "-t", "0");
    BAD("--mode: expected fresh or pooled, got 'warm'", "https://h/", "--mode", "warm");
    BAD("--close: expected client, server or rst", "https://h/", "--close", "both");
    BAD("--header 'novalue': expected 'Name: value'", "https://h/", "-H", "novalue");
    BAD("invalid character in header name", "https://h/", "-H", "Bad Name: v");
    BAD("--header connection: not allowed", "https://h/", "-H", "Connection: close");
    BAD("--cacert /nonexistent/ca.pem: cannot open", "https://h/", "--cacert",
        "/nonexistent/ca.pem");
    BAD("--connect-to", "https://h/", "--connect-to", "nohostport");
    BAD("--connect-to", "https://h/", "--connect-to", "h:99999");
    BAD("--tls-min: expected 1.2 or 1.3, got '1.1'", "https://h/", "--tls-min", "1.1");
    BAD("--tls-min 1.3 is above --tls-max 1.2", "https://h/", "--tls-min", "1.3", "--tls-max",
        "1.2");
    BAD("--alpn", "https://h/", "--alpn", "h2,,http/1.1");
    BAD("--connect-timeout", "https://h/", "--connect-timeout", "soon");
    BAD("--resume: expected off or ticket", "https://h/", "--resume", "always");
    BAD("--reuse-ticket needs --resume ticket", "https://h/", "--resume", "off", "--reuse-ticket");
    BAD("--cert and --key go together", "https://h/", "--cert", "/etc/hostname");
    BAD("fresh mode sends one request per connection", "https://h/", "-m", "4");
    BAD("unknown option '--frobnicate'", "https://h/", "--frobnicate");
    BAD("option -c needs a value", "https://h/", "-c");
    BAD("unexpected argument 'extra'", "https://h/", "extra");
    BAD("plain http://", "http://h/");
    BAD("--method", "https://h/", "-X", "get");
}

static void test_parse_helpers(void **state)
{
    (void)state;
    char err[256];
    double d;
    uint64_t u;
    assert_int_equal(parse_duration("x", "250ms", 0, 10, &d, err, sizeof err), 0);
    assert_true(d == 0.25);
    assert_int_equal(parse_duration("x", "1.5m", 0, 1000, &d, err, sizeof err), 0);
    assert_true(d == 90);
    assert_int_equal(parse_duration("x", "100us", 0, 1, &d, err, sizeof err), 0);
    assert_true(d > 0.99e-4 && d < 1.01e-4);
    assert_int_equal(parse_duration("x", "11", 0, 10, &d, err, sizeof err), -1);
    assert_non_null(strstr(err, "from 0s to 10s"));
    assert_int_equal(parse_size("x", "16k", UINT64_MAX, &u, err, sizeof err), 0);
    assert_int_equal(u, 16000);
    assert_int_equal(parse_size("x", "16KiB", UINT64_MAX, &u, err, sizeof err), 0);
    assert_int_equal(u, 16384);
    assert_int_equal(parse_size("x", "1MiB", UINT64_MAX, &u, err, sizeof err), 0);
    assert_int_equal(u, 1048576);
    assert_int_equal(parse_size("x", "2G", 1000, &u, err, sizeof err), -1);
    assert_non_null(strstr(err, "over the maximum"));
    assert_int_equal(parse_size("x", "12 k", UINT64_MAX, &u, err, sizeof err), -1);
    /* Binary input is echoed back printable and cut short. */
    assert_int_equal(parse_uint("x", "\x01\x02zz", 0, 5, &u, err, sizeof err), -1);
    assert_null(strchr(err, '\x01'));
    char big[5000];
    memset(big, '9', sizeof big - 1);
    big[sizeof big - 1] = 0;
    assert_int_equal(parse_uint("x", big, 0, 5, &u, err, sizeof err), -1);
    assert_true(strlen(err) < 200);
}

/* The diagnosis and scheduling options: values land where the engine reads
 * them, bad ones are refused naming the option. */
static void test_diagnosis_options(void **state)
{
    (void)state;
    static run_config_t c;
    char err[512];
    assert_int_equal(parse(&c, err, sizeof err, "https://h/", "--mode", "pooled", "--rate", "250.5",
                           "-n", "10", "--bind", "127.0.0.2,127.0.0.3,::1", "--connect-to",
                           "127.0.0.1:1", "--connect-to", "[::1]:2", "--events", "/tmp/x",
                           "--events-sample", "0.25", "--interval", "250ms", "--slowest", "0",
                           "--ticket-scope", "host", "--html", "h.html", NULL),
                     0);
    assert_true(c.rate == 250.5);
    assert_int_equal(c.n_bind, 3);
    assert_int_equal(c.bind_addrs[0].ss_family, AF_INET);
    assert_int_equal(c.bind_addrs[2].ss_family, AF_INET6);
    assert_int_equal(c.n_connect_to, 2);
    assert_string_equal(c.connect_to[1].host, "::1");
    assert_int_equal(c.connect_to[1].port, 2);
    assert_string_equal(c.events_path, "/tmp/x");
    assert_true(c.events_sample == 0.25);
    assert_true(c.interval_s == 0.25);
    assert_int_equal(c.slowest, 0);
    assert_true(c.ticket_scope_host);
    assert_string_equal(c.html_path, "h.html");

    static const char *const bad[][3] = {
        {"--rate", "0", "--rate"},
        {"--rate", "fast", "--rate"},
        {"--bind", "127.0.0.1,", "--bind"},
        {"--bind", "host.example", "--bind"},
        {"--bind", ",", "--bind"},
        {"--events-sample", "0", "--events-sample"},
        {"--events-sample", "2", "--events-sample"},
        {"--interval", "0", "--interval"},
        {"--slowest", "-1", "--slowest"},
        {"--ticket-scope", "port", "--ticket-scope"},
        {"--events", "", "--events"},
        {"--connect-to", "nohostport", "--connect-to"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        if (parse(&c, err, sizeof err, "https://h/", "-n", "5", bad[i][0], bad[i][1], NULL) != -1)
            fail_msg("%s '%s' was accepted", bad[i][0], bad[i][1]);
        if (!strstr(err, bad[i][2]))
            fail_msg("%s '%s': message '%s' does not name the option", bad[i][0], bad[i][1], err);
    }
}

/* The enum words of the table are in the order of the C enums. */
static void test_enum_words_match_constants(void **state)
{
    (void)state;
    static const struct {
        const char *opt, *word;
        size_t offset;
        int want;
    } cases[] = {
        {"--mode", "fresh", offsetof(run_config_t, mode), MODE_FRESH},
        {"--mode", "pooled", offsetof(run_config_t, mode), MODE_POOLED},
        {"--close", "client", offsetof(run_config_t, close), CLOSE_CLIENT},
        {"--close", "server", offsetof(run_config_t, close), CLOSE_SERVER},
        {"--close", "rst", offsetof(run_config_t, close), CLOSE_RST},
        {"--resume", "off", offsetof(run_config_t, resume), RESUME_OFF},
        {"--resume", "ticket", offsetof(run_config_t, resume), RESUME_TICKET},
    };
    static run_config_t c;
    char err[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(
            parse(&c, err, sizeof err, "https://h/", cases[i].opt, cases[i].word, NULL), 0);
        int got;
        memcpy(&got, (char *)&c + cases[i].offset, sizeof got);
        if (got != cases[i].want)
            fail_msg("%s %s gave %d, not %d", cases[i].opt, cases[i].word, got, cases[i].want);
    }
    assert_int_equal(parse(&c, err, sizeof err, "https://h/", "--ticket-scope", "host", NULL), 0);
    assert_true(c.ticket_scope_host);
    assert_int_equal(parse(&c, err, sizeof err, "https://h/", "--ticket-scope", "address", NULL),
                     0);
    assert_false(c.ticket_scope_host);
    /* Derived after parsing: HEAD responses carry no body. */
    assert_int_equal(parse(&c, err, sizeof err, "https://h/", "-X", "HEAD", NULL), 0);
    assert_true(c.head);
    assert_int_equal(parse(&c, err, sizeof err, "https://h/", "-X", "POST", NULL), 0);
    assert_false(c.head);
}

/* A profile sets the TLS options, the command line's own win, --h1 speaks
 * http/1.1 whatever the profile offers; the config owns the profile's
 * strings until config_free (ASan builds check the freeing). The expected
 * values are those of ciphers/chacha20-poly1305.profile and
 * ciphers/tls12-ecdhe-ecdsa.profile. */
static void test_profile_under_explicit_options(void **state)
{
    (void)state;
    static run_config_t c;
    char err[1024];
    assert_int_equal(parse(&c, err, sizeof err, "https://h/", "--profile", "chacha20-poly1305",
                           "--groups", "P-256", NULL),
                     0);
    assert_string_equal(c.tls.tls13_ciphers, "TLS_CHACHA20_POLY1305_SHA256");
    assert_int_equal(c.tls.min_version, TLS1_3_VERSION);
    assert_string_equal(c.tls.groups, "P-256");
    assert_string_equal(c.tls.alpn, "h2");
    assert_string_equal(c.profile.name, "chacha20-poly1305");
    config_free(&c);

    assert_int_equal(parse(&c, err, sizeof err, "https://h/", "--profile", "tls12-ecdhe-ecdsa",
                           "--tls-max", "1.3", "--h1", NULL),
                     0);
    assert_int_equal(c.tls.min_version, TLS1_2_VERSION);
    assert_int_equal(c.tls.max_version, TLS1_3_VERSION);
    assert_string_equal(c.tls.groups, "X25519:P-256");
    assert_string_equal(c.tls.alpn, "http/1.1");
    config_free(&c);

    /* Without a profile: --h1 alone, and an explicit --alpn that wins over it. */
    assert_int_equal(parse(&c, err, sizeof err, "https://h/", "--h1", NULL), 0);
    assert_string_equal(c.tls.alpn, "http/1.1");
    assert_int_equal(parse(&c, err, sizeof err, "https://h/", "--h1", "--alpn", "h2", NULL), 0);
    assert_string_equal(c.tls.alpn, "h2");
    config_free(&c);
}

/* The rules that need -n or -D look at whether -n was given, not at its value. */
static void test_validate_bounded_runs(void **state)
{
    (void)state;
    static run_config_t c;
    char err[512];
    assert_int_equal(parse(&c, err, sizeof err, "https://h/", "--warmup", "1s", "-n", "1", NULL),
                     0);
    assert_int_equal(c.requests, 1);
    assert_int_equal(parse(&c, err, sizeof err, "https://h/", "--rate", "5", "-D", "2s", NULL), 0);
    assert_int_equal(c.requests, 0);
    BAD("--warmup needs -D or -n", "https://h/", "--warmup", "1s");
    BAD("--rate needs -D or -n", "https://h/", "--rate", "5");
    BAD("--strict-h2 checks HTTP/2 responses", "https://h/", "--h1", "--strict-h2");
    BAD("--h1 sends one request at a time", "https://h/", "--h1", "--mode", "pooled", "-m", "2");
}

int main(void)
{
    /* --profile NAME is looked up in the source tree's ciphers/. */
    setenv("TLSPROF_CIPHERS_DIR", TLSPROF_SOURCE_DIR "/ciphers", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_ok),
        cmocka_unit_test(test_url_bad),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_parse_helpers),
        cmocka_unit_test(test_diagnosis_options),
        cmocka_unit_test(test_enum_words_match_constants),
        cmocka_unit_test(test_profile_under_explicit_options),
        cmocka_unit_test(test_validate_bounded_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
