/* test_bad_input.c - malformed, empty, huge, binary and truncated input on
 * every path a user feeds tlsprof: each numeric option of `run`, `demo` and
 * `serve`, the URL, --profile files and the JSON reports of compare and
 * merge. Each goes through the real binary, which must
 *   - exit with 2 (usage), not crash (no signal) and not hang;
 *   - print one message that names the option or file and where the problem
 *     is (the value it got, an offset, LINE:, "line L, column C", the key);
 *   - keep control characters of the input off the terminal;
 *   - leave no output file behind (merge -o).
 * Nothing here needs a server: every input is refused before one is used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#define BAD_INPUT_TIMEOUT_S 20
#define URL_OK "https://127.0.0.1:9/"

static char *tmpdir;

static int setup(void **state)
{
    (void)state;
    tmpdir = make_temp_dir("badinput");
    return tmpdir ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    rm_rf(tmpdir);
    free(tmpdir);
    return 0;
}

/* A printable description of an argument for failure messages. */
static const char *describe(const char *s, char *buf, size_t len)
{
    size_t i = 0, n = strlen(s);
    for (; i < n && i + 1 < len; i++)
        buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
    buf[i] = 0;
    if (i < n && len > 24) snprintf(buf + len - 24, 24, "...(%zu bytes)", n % 100000000);
    return buf;
}

/* Runs tlsprof with argv (NULL-terminated, without the program) and checks
 * the contract above; every needle must appear in stderr. */
static void expect_usage_error(const char *const *args, const char *const *needles)
{
    char *argv[32];
    size_t n = 0;
    argv[n++] = (char *)TLSPROF_BIN;
    for (; args[n - 1] && n < 31; n++)
        argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    char what[160] = "", part[64];
    for (size_t i = 1; i < n && strlen(what) < sizeof(what) - 70; i++) {
        strcat(what, " ");
        strcat(what, describe(argv[i], part, sizeof(part)));
    }

    run_result_t r;
    if (run_command(&r, BAD_INPUT_TIMEOUT_S, argv) != 0)
        fail_msg("tlsprof%s: did not finish within %d s", what, BAD_INPUT_TIMEOUT_S);
    if (r.exit_code >= 128)
        fail_msg("tlsprof%s: killed by signal %d; stderr:\n%s", what, r.exit_code - 128, r.err);
    if (r.exit_code != 2)
        fail_msg("tlsprof%s: exit %d, expected 2 (usage); stderr:\n%s", what, r.exit_code, r.err);
    for (const char *const *nd = needles; *nd; nd++) {
        if (!strstr(r.err, *nd)) fail_msg("tlsprof%s: stderr lacks '%s':\n%s", what, *nd, r.err);
    }
    for (const char *p = r.err; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
            fail_msg("tlsprof%s: control byte 0x%02x in stderr:\n%s", what, c, r.err);
    }
    /* One message, not the input echoed back at length. */
    if (strlen(r.err) > 4096) fail_msg("tlsprof%s: %zu bytes on stderr", what, strlen(r.err));
    run_result_free(&r);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NEEDLES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Values no numeric option takes: each must be refused by name. */
static char huge_digits[100001];
static const char *bad_numbers[] = {
    "",          "abc",
    "-1",        "0x10",
    "1e999",     "99999999999999999999999999",
    "5 5",       "nan",
    "inf",       "\x01\x02\xff\xfe",
    "10parsecs", " 7",
    "7 ",        "1,5",
    "½",         huge_digits,
};

static void test_run_numeric_options(void **state)
{
    (void)state;
    memset(huge_digits, '9', sizeof(huge_digits) - 1);
    /* option as given, name the message uses */
    static const char *const opts[][2] = {
        {"-c", "--connections"},
        {"--connections", "--connections"},
        {"-n", "--requests"},
        {"-D", "--duration"},
        {"--warmup", "--warmup"},
        {"-m", "--streams"},
        {"-t", "--threads"},
        {"--connect-timeout", "--connect-timeout"},
        {"--handshake-timeout", "--handshake-timeout"},
        {"--request-timeout", "--request-timeout"},
        {"--grace", "--grace"},
        {"--events-sample", "--events-sample"},
        {"--interval", "--interval"},
        {"--slowest", "--slowest"},
        {"--rate", "--rate"},
    };
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        for (size_t k = 0; k < sizeof(bad_numbers) / sizeof(bad_numbers[0]); k++) {
            /* The message quotes the value it got (cut, made printable). */
            expect_usage_error(ARGS("run", URL_OK, opts[i][0], bad_numbers[k]),
                               NEEDLES(opts[i][1], "got '"));
        }
        /* A missing value is named too. */
        expect_usage_error(ARGS("run", URL_OK, opts[i][0]), NEEDLES(opts[i][0], "needs a value"));
    }
    /* Valid numbers out of range say so. */
    expect_usage_error(ARGS("run", URL_OK, "-c", "0"), NEEDLES("--connections", "from 1 to"));
    expect_usage_error(ARGS("run", URL_OK, "-t", "257"), NEEDLES("--threads", "from 1 to 256"));
    expect_usage_error(ARGS("run", URL_OK, "-D", "8d"), NEEDLES("--duration", "got '8d'"));
    expect_usage_error(ARGS("run", URL_OK, "-D", "700000"), NEEDLES("--duration", "from"));
    expect_usage_error(ARGS("run", URL_OK, "--events-sample", "1.5"),
                       NEEDLES("--events-sample", "from"));
}

/* Word-valued options and unknown options quote what they got: printable. */
static void test_run_other_options(void **state)
{
    (void)state;
    static const char *const opts[] = {"--mode",    "--close",   "--resume",
                                       "--tls-min", "--tls-max", "-X"};
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        expect_usage_error(ARGS("run", URL_OK, opts[i], "\x1b[2J\x07"), NEEDLES("got '"));
        expect_usage_error(ARGS("run", URL_OK, opts[i], ""), NEEDLES("got ''"));
    }
    expect_usage_error(ARGS("run", URL_OK, "--\x1b[2Jbogus"), NEEDLES("unknown option"));
    expect_usage_error(ARGS("run", URL_OK, "-H", "X-A: \x1b"), NEEDLES("--header"));
    expect_usage_error(ARGS("compare", "--\x1b[2J"), NEEDLES("unknown option"));
    expect_usage_error(ARGS("compare", "a", "b", "\x1b[2J"), NEEDLES("more than two"));
    expect_usage_error(ARGS("merge", "--\x1b[2J"), NEEDLES("unknown option"));
    expect_usage_error(ARGS("merge", "a.json"), NEEDLES("no output given"));
}

static void test_demo_and_serve_numbers(void **state)
{
    (void)state;
    static const char *const bad[] = {"",        "abc", "-1", "0x10", "99999999999999999999999",
                                      "\x01\xff"};
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        expect_usage_error(ARGS("demo", "-n", bad[k]), NEEDLES("-n"));
        /* --listen 127.0.0.1:0 so that a value wrongly accepted cannot take
         * a fixed port; the server would then run into the timeout. */
        static const char *const serve_opts[] = {"--body-size",   "--threads",     "--tickets",
                                                 "--early-data",  "--max-streams", "--idle-timeout",
                                                 "--fault-every", "--listen"};
        for (size_t i = 0; i < sizeof(serve_opts) / sizeof(serve_opts[0]); i++) {
            const char *listen = strcmp(serve_opts[i], "--listen") ? "127.0.0.1:0" : "127.0.0.1:1";
            expect_usage_error(ARGS("serve", "--listen", listen, serve_opts[i], bad[k]),
                               NEEDLES(serve_opts[i]));
        }
    }
    expect_usage_error(ARGS("serve", "--listen", "127.0.0.1:99999"), NEEDLES("--listen", "99999"));
}

static void test_urls(void **state)
{
    (void)state;
    /* A host and a path over their limits (255 and 2047 bytes). */
    char host[10000], path[3000];
    memset(host, 'a', sizeof(host));
    memcpy(host, "https://", 8);
    host[sizeof(host) - 2] = '/';
    host[sizeof(host) - 1] = 0;
    memset(path, 'p', sizeof(path) - 1);
    memcpy(path, "https://h/", 10);
    path[sizeof(path) - 1] = 0;
    static const struct {
        const char *url, *needle;
    } cases[] = {
        {"", "URL: empty"},
        {"http://127.0.0.1/", "plain http://"},
        {"ftp://127.0.0.1/", "expected https://"},
        {"https://", "empty host"},
        {"https://:443/", "empty host"},
        {"https://127.0.0.1:99999/", "invalid port '99999' at offset 18"},
        {"https://127.0.0.1:/", "invalid port '' at offset 18"},
        {"https://[::1/", "missing ']'"},
        {"https://[zz]:1/", "not an IPv6 address"},
        {"https://::1/", "brackets"},
        {"https://user@h/", "user information"},
        {"https://h/a b", "control character at offset 11"},
        {"https://h/a\x01", "control character at offset 11"},
        {"https://\x01\x02\x1b[31m/", "invalid character '?' in host at offset 8"},
        {"\xff\xfe\x01\x1b", "expected https://"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_usage_error(ARGS("run", cases[i].url), NEEDLES("URL", cases[i].needle));
    expect_usage_error(ARGS("run", host), NEEDLES("URL host", "longer than"));
    expect_usage_error(ARGS("run", path), NEEDLES("URL", "path is longer than"));
    expect_usage_error(ARGS("run", "--connect-to", "h:0", URL_OK),
                       NEEDLES("--connect-to", "invalid port '0'"));
    expect_usage_error(ARGS("run", "--connect-to", "\x1b]0;x\x07:1", URL_OK),
                       NEEDLES("--connect-to"));
    expect_usage_error(ARGS("run"), NEEDLES("missing URL"));
    expect_usage_error(ARGS("run", URL_OK, URL_OK), NEEDLES("unexpected argument"));
}

/* Writes DIR/name with len bytes of data; returns the path (static buffer). */
static const char *file_with(const char *name, const void *data, size_t len)
{
    static char path[32][600];
    static int slot;
    char *p = path[slot++ % 32];
    snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
    assert_int_equal(write_file(p, data, len), 0);
    return p;
}

static const char *file_str(const char *name, const char *text)
{
    return file_with(name, text, strlen(text));
}

static void test_profile_files(void **state)
{
    (void)state;
    char *big = malloc(70000);
    assert_non_null(big);
    memset(big, '#', 70000);
    char longline[5100] = "description = ";
    memset(longline + 14, 'x', sizeof(longline) - 16);
    longline[sizeof(longline) - 2] = '\n';
    longline[sizeof(longline) - 1] = 0;
    static const char nul_file[] = "tls_min = 1.3\ndescr\0ption = x\n";
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0};
    const struct {
        const char *path, *needle;
    } cases[] = {
        {file_str("empty.profile", ""), "empty.profile: file is empty"},
        {file_str("blank.profile", "\n# nothing\n\n"), "blank.profile: no settings"},
        {file_with("nul.profile", nul_file, sizeof(nul_file) - 1),
         "nul.profile:2: NUL byte at column 6"},
        {file_with("png.profile", png, sizeof(png)), "png.profile:1: expected 'key = value'"},
        {file_with("big.profile", big, 70000), "big.profile: file too large (70000 bytes"},
        {file_str("truncated.profile", "tls_min = 1.3\ntls13_ciphers = TLS_AES_128_GCM_SH"),
         "truncated.profile:2: tls13_ciphers: unknown TLS 1.3 suite 'TLS_AES_128_GCM_SH'"},
        {file_str("typo.profile", "# c\ntls_min = 1.3\ntsl_max = 1.3\n"),
         "typo.profile:3: unknown key 'tsl_max' (did you mean 'tls_max'?)"},
        {file_str("noeq.profile", "tls_min 1.3\n"), "noeq.profile:1: expected 'key = value'"},
        {file_str("long.profile", longline), "long.profile:1: line too long"},
        {file_str("esc.profile", "description = a\x1b[31m\n"),
         "esc.profile:1: control character 0x1b at column 16"},
        {file_str("order.profile", "tls_min = 1.3\ntls_max = 1.2\n"),
         "order.profile:2: tls_max 1.2 is below tls_min 1.3"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_usage_error(ARGS("run", URL_OK, "--profile", cases[i].path),
                           NEEDLES(cases[i].needle));
    free(big);

    char missing[600], dir[600];
    snprintf(missing, sizeof(missing), "%s/missing.profile", tmpdir);
    snprintf(dir, sizeof(dir), "%s/", tmpdir);
    expect_usage_error(ARGS("run", URL_OK, "--profile", missing),
                       NEEDLES("missing.profile", "cannot open"));
    expect_usage_error(ARGS("run", URL_OK, "--profile", dir), NEEDLES(dir, "directory"));
    expect_usage_error(ARGS("run", URL_OK, "--profile", "no-such-profile-name"),
                       NEEDLES("no-such-profile-name"));
}

/* TLS files that OpenSSL cannot load are usage errors (exit 2) found before
 * the run starts, each named with its option. */
static void test_tls_files(void **state)
{
    (void)state;
    const char *text = file_str("not-pem.txt", "hello\n");
    char missing[600];
    snprintf(missing, sizeof(missing), "%s/no-such.pem", tmpdir);
    expect_usage_error(ARGS("run", URL_OK, "--cacert", text), NEEDLES("--cacert", "not-pem.txt"));
    expect_usage_error(ARGS("run", URL_OK, "--cert", text, "--key", text),
                       NEEDLES("--cert", "not-pem.txt"));
    expect_usage_error(ARGS("run", URL_OK, "--cert", missing, "--key", missing),
                       NEEDLES("--cert", "no-such.pem", "cannot open"));
    expect_usage_error(ARGS("run", URL_OK, "--cert", text),
                       NEEDLES("--cert and --key go together"));
    expect_usage_error(ARGS("run", URL_OK, "--tls13-ciphers", "BOGUS"),
                       NEEDLES("--tls13-ciphers", "BOGUS"));
}

/* Runs compare VALID BAD and merge VALID BAD -o OUT; both must refuse BAD by
 * name with the needle, and merge must not write OUT. */
static void expect_bad_report(const char *bad, const char *needle)
{
    char valid[600], out[600];
    snprintf(valid, sizeof(valid), "%s/tests/data/reports/valid_small.json", TLSPROF_SOURCE_DIR);
    snprintf(out, sizeof(out), "%s/merged.json", tmpdir);
    unlink(out);
    expect_usage_error(ARGS("compare", valid, bad), NEEDLES(bad, needle));
    expect_usage_error(ARGS("compare", bad, valid), NEEDLES(bad, needle));
    expect_usage_error(ARGS("merge", valid, bad, "-o", out), NEEDLES(bad, needle));
    if (access(out, F_OK) == 0) fail_msg("merge wrote %s although %s is bad", out, bad);
}

static void test_report_files(void **state)
{
    (void)state;
    char valid[600];
    snprintf(valid, sizeof(valid), "%s/tests/data/reports/valid_small.json", TLSPROF_SOURCE_DIR);
    size_t len = 0;
    char *text = slurp_file(valid, &len);
    assert_non_null(text);
    assert_true(len > 6000);

    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0};
    expect_bad_report(file_str("empty.json", ""), "file is empty");
    expect_bad_report(file_str("spaces.json", " \n\t\n"), "file is empty (only whitespace)");
    expect_bad_report(file_with("png.json", png, sizeof(png)), "starts with byte 0x89");
    expect_bad_report(file_with("cut.json", text, 5000), "(truncated file?)");
    expect_bad_report(file_str("syntax.json", "{\n \"a\": 1,\n \"b\": ]\n}\n"),
                      "invalid JSON at line 3, column");
    expect_bad_report(file_str("array.json", "[1, 2]"), "starts with '['");
    expect_bad_report(file_str("dup.json", "{\"report_version\": 1, \"report_version\": 1}"),
                      "duplicate");
    expect_bad_report(file_str("esc.json", "{\"report_version\": \"\\u001b[2J\"}"),
                      "report_version: expected the integer 1");
    char bucket[600];
    snprintf(bucket, sizeof(bucket), "%s/tests/data/reports/bad_bucket_index.json",
             TLSPROF_SOURCE_DIR);
    expect_bad_report(bucket, "phases.");

    /* A report whose sum cannot come from its samples (altered file). */
    json_t *root = json_loadb(text, len, 0, NULL);
    assert_non_null(root);
    assert_int_equal(json_object_set_new(jget(root, "phases.ttfb.histogram"), "sum",
                                         json_integer(1000000000000000LL)),
                     0);
    char *altered = json_dumps(root, JSON_INDENT(1));
    assert_non_null(altered);
    expect_bad_report(file_str("sum.json", altered), "phases.ttfb.histogram.sum");
    free(altered);
    json_decref(root);
    free(text);

    /* Over the size limit: a sparse file, refused before it is read. */
    char huge[600];
    snprintf(huge, sizeof(huge), "%s/huge.json", tmpdir);
    int fd = open(huge, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (1LL << 30) + 1), 0);
    close(fd);
    expect_bad_report(huge, "over the 1024 MiB limit");

    char missing[600];
    snprintf(missing, sizeof(missing), "%s/missing.json", tmpdir);
    expect_bad_report(missing, "cannot open");
    expect_bad_report(tmpdir, "is a directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_numeric_options),    cmocka_unit_test(test_run_other_options),
        cmocka_unit_test(test_demo_and_serve_numbers), cmocka_unit_test(test_urls),
        cmocka_unit_test(test_profile_files),          cmocka_unit_test(test_tls_files),
        cmocka_unit_test(test_report_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
