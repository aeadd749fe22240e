/* test_opt_table.c - every row of every command's option table (cli_tables),
 * and the shared parser and --help printer behind them.
 *
 * Table-driven: each row has --help text (or another row's label names it),
 * parses its documented example into its own field (both "--name VALUE" and
 * "--name=VALUE"), and refuses a missing value, bad numbers, sizes, durations
 * and unknown words with a message that names the option and quotes the
 * value. Independent truth: hand-written lines of the --help text users know,
 * docs/usage.md and the man page (every run option is documented there), the
 * C enums (the order of an enum's words), and what the tlsprof binary prints. */
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
#include "cli/option_tables.h"
#include "config/config.h"
#include "config/opt_table.h"

#define MAX_ARGS 16

/* ---- helpers ------------------------------------------------------------- */

static char *help_text(const opt_table_t *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    opt_print_help(f, t);
    fclose(f);
    return buf;
}

/* A fresh struct for the table's rows: run's with its defaults, others zeroed. */
static void *new_target(const opt_table_t *t)
{
    void *p = calloc(1, t->target_size);
    assert_non_null(p);
    if (t == &config_run_options) config_defaults(p);
    return p;
}

/* Parse {"cmd", args...} (NULL-terminated) over one table into target. */
static int parse1(const opt_table_t *t, void *target, opt_bind_t *b, int *first, char *err,
                  size_t errlen, ...)
{
    static char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = "cmd";
    va_list ap;
    va_start(ap, errlen);
    for (const char *a; (a = va_arg(ap, const char *)) && argc <= MAX_ARGS;)
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    *b = (opt_bind_t){.table = t, .target = target};
    err[0] = 0;
    return opt_parse(b, 1, argc, argv, first, err, errlen);
}

static bool is_option(const opt_row_t *r)
{
    return r->kind != OPT_SECTION;
}

static bool takes_value(const opt_row_t *r)
{
    return r->kind != OPT_SECTION && r->kind != OPT_FLAG && r->kind != OPT_HELP;
}

/* "--name" or "-x": how the row is written on a command line. */
static const char *spelling(const opt_row_t *r, char *buf, size_t len)
{
    return opt_display_name(r, buf, len);
}

#define EXPECT_ERR(err, needle)                                                                    \
    do {                                                                                           \
        if (!strstr((err), (needle))) fail_msg("message '%s' lacks '%s'", (err), (needle));        \
    } while (0)

/* ---- every table --------------------------------------------------------- */

static void test_tables_pass_their_check(void **state)
{
    (void)state;
    char err[256];
    size_t n = 0;
    for (const cli_table_t *c = cli_tables; c->table; c++, n++)
        if (opt_table_check(c->table, err, sizeof err) != 0)
            fail_msg("table of `tlsprof %s`: %s", c->help_args, err);
    assert_true(n >= 3); /* run, ciphers URL, demo */
}

typedef struct small {
    uint32_t u32;
    bool flag;
    const char *s;
} small_t;

/* The check itself catches what it promises (so a passing check means something). */
static void test_check_catches_broken_tables(void **state)
{
    (void)state;
    static const struct {
        opt_row_t row;
        const char *needle;
    } broken[] = {
        {{"a", 0, OPT_UINT, "N", OPT_FIELD(small_t, flag), .umax = 5, .help = "x"}, "--a"},
        {{"b", 0, OPT_UINT, "N", OPT_FIELD(small_t, u32), .umax = UINT64_MAX, .help = "x"}, "--b"},
        {{"c", 0, OPT_STRING, NULL, OPT_FIELD(small_t, s), .help = "x"}, "metavar"},
        {{"d", 0, OPT_FLAG, NULL, OPT_FIELD(small_t, flag)}, "no --help text"},
        {{"e", 0, OPT_ENUM, "one", OPT_FIELD(small_t, u32), .help = "x"}, "two words"},
        {{"f", 0, OPT_STRING, "S", .offset = sizeof(small_t), .size = sizeof(char *), .help = "x"},
         "outside"},
        {{"g", 0, OPT_CUSTOM, "V", .help = "x"}, "--g"},
        {{"ok", 0, OPT_FLAG, NULL, OPT_FIELD(small_t, flag), .help = "x"}, "already used"},
    };
    static const opt_row_t ok = {"ok", 0, OPT_FLAG, NULL, OPT_FIELD(small_t, flag), .help = "x"};
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        opt_row_t rows[2] = {ok, broken[i].row};
        opt_table_t t = {.target_size = sizeof(small_t), .rows = rows, .n_rows = 2};
        char err[256] = "";
        if (opt_table_check(&t, err, sizeof err) == 0) fail_msg("row %zu passed the check", i);
        EXPECT_ERR(err, broken[i].needle);
    }
    opt_table_t good = {.target_size = sizeof(small_t), .rows = &ok, .n_rows = 1};
    char err[256];
    assert_int_equal(opt_table_check(&good, err, sizeof err), 0);
}

/* Every option is on the command's --help: at the start of its line, with
 * the first line of its text; or (--key) named in another row's label. */
static void test_every_row_is_in_help(void **state)
{
    (void)state;
    for (const cli_table_t *c = cli_tables; c->table; c++) {
        const opt_table_t *t = c->table;
        char *help = help_text(t);
        for (size_t i = 0; i < t->n_rows; i++) {
            const opt_row_t *r = &t->rows[i];
            char name[64], line[300];
            spelling(r, name, sizeof name);
            if (r->kind == OPT_SECTION) {
                snprintf(line, sizeof line, "\n%s\n", r->help);
                if (!strstr(help, line)) fail_msg("%s: heading '%s' missing", c->help_args, line);
                continue;
            }
            if (!r->help) {
                if (r->kind != OPT_HELP && !strstr(help, name))
                    fail_msg("%s: %s is nowhere in --help", c->help_args, name);
                continue;
            }
            const char *first_nl = strchr(r->help, '\n');
            int first_len = first_nl ? (int)(first_nl - r->help) : (int)strlen(r->help);
            bool found = false;
            for (const char *p = help; p && *p && !found; p = strchr(p, '\n'), p = p ? p + 1 : p) {
                const char *q = p + strspn(p, " ");
                if (q == p) continue; /* option lines are indented */
                snprintf(line, sizeof line, "%.*s", first_len, r->help);
                const char *end = strchr(q, '\n');
                size_t span = end ? (size_t)(end - q) : strlen(q);
                char *hit = strstr(q, line);
                found = (r->letter && r->name ? q[0] == '-' && q[1] == r->letter
                                              : !strncmp(q, name, strlen(name))) &&
                        hit && (size_t)(hit - q) < span;
            }
            if (!found) fail_msg("%s: no line starts with %s and its text", c->help_args, name);
        }
        /* Lines fit a wide terminal, and carry no tabs or trailing blanks. */
        for (const char *p = help; *p;) {
            const char *nl = strchr(p, '\n');
            assert_non_null(nl);
            size_t len = (size_t)(nl - p);
            if (len > 100)
                fail_msg("%s: line of %zu characters: %.*s", c->help_args, len, (int)len, p);
            if (len && p[len - 1] == ' ')
                fail_msg("%s: trailing blank: %.*s", c->help_args, (int)len, p);
            if (memchr(p, '\t', len)) fail_msg("%s: tab in: %.*s", c->help_args, (int)len, p);
            p = nl + 1;
        }
        free(help);
    }
}

/* The text users know (docs quote it): a few lines written out by hand. */
static void test_run_help_layout(void **state)
{
    (void)state;
    char *h = help_text(&config_run_options);
    static const char *const lines[] = {
        "usage: tlsprof [run] https://HOST[:PORT][/PATH] [options]\n\nOpens TLS 1.3",
        "stream, connection.\n\nWorkload:\n  -c, --connections N      concurrent connections "
        "(default 1)\n",
        "      --warmup TIME        run TIME before measuring; requests in it are not counted, "
        "but\n                           the phase samples of connections opened in it are kept\n",
        /* a label that reaches the column keeps one blank, a longer one two */
        "      --tls13-ciphers LIST TLS 1.3 suites, e.g. TLS_CHACHA20_POLY1305_SHA256\n",
        "      --close client|server|rst  who closes a fresh connection: client (GOAWAY over\n"
        "                           HTTP/2,",
        "  -H, --header 'Name: value'  add a request header (repeatable)\n",
        "      --cert FILE --key FILE  client certificate and key (mTLS)\n",
        "\nTLS:\n  -k, --insecure           do not verify the server certificate\n",
        /* the timeouts' column, and --grace's own */
        "nothing waits forever):\n      --connect-timeout TIME    TCP connect (default 10s)\n",
        "      --handshake-timeout TIME  TLS handshake, and HTTP/2 server SETTINGS (default 10s)\n",
        "      --grace TIME         after -D or Ctrl-C, how long in-flight requests may finish "
        "(default 5s)\n\nOutput:\n",
        "  -q, --quiet              no progress line\n  -h, --help               this help\n\n"
        "Exit codes: 0 every request succeeded;",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        if (!strstr(h, lines[i])) fail_msg("--help lacks:\n%s", lines[i]);
    assert_true(strncmp(h, "usage: tlsprof [run] ", 21) == 0);
    size_t n = strlen(h);
    assert_true(n > 40 && !strcmp(h + n - 20, "(each takes --help)\n"));
    free(h);

    char *m = help_text(&ciphers_matrix_options);
    assert_non_null(strstr(m, "\nMatrix options:\n  --profiles A,B,...   profiles to run, names or "
                              "paths (default: every profile in DIR)\n"));
    assert_non_null(strstr(m, "  --body-size BYTES    size of that response (e.g. 1MiB, as "
                              "`tlsprof serve --body-size`);\n                       checked"));
    free(m);
    char *d = help_text(&demo_options);
    assert_non_null(strstr(d, "(-c 4 -m 10).\n  -n N            requests per run (default 2000)\n"
                              "  --json-dir DIR  also write DIR/fresh.json and DIR/pooled.json\n"));
    free(d);
}

/* The binary prints each table's text: the commands really use their tables. */
static void test_binary_prints_the_tables(void **state)
{
    (void)state;
    for (const cli_table_t *c = cli_tables; c->table; c++) {
        run_result_t r;
        assert_int_equal(run_tlsprof(&r, "%s", c->help_args), 0);
        char *want = help_text(c->table);
        if (r.exit_code != 0 || strcmp(r.out, want) != 0)
            fail_msg("tlsprof %s: exit %d, printed:\n%s\nexpected:\n%s", c->help_args, r.exit_code,
                     r.out, want);
        assert_string_equal(r.err, "");
        free(want);
        run_result_free(&r);
    }
    /* No arguments: run's help on stderr, exit 2. */
    run_result_t r;
    assert_int_equal(run_command(&r, 20, (char *const[]){TLSPROF_BIN, NULL}), 0);
    assert_int_equal(r.exit_code, 2);
    char *want = help_text(&config_run_options);
    assert_string_equal(r.err, want);
    free(want);
    run_result_free(&r);
}

/* Every run option is documented in docs/usage.md and the man page. */
static void test_docs_name_every_run_option(void **state)
{
    (void)state;
    char *usage = slurp_file(TLSPROF_SOURCE_DIR "/docs/usage.md", NULL);
    char *man = slurp_file(TLSPROF_SOURCE_DIR "/docs/tlsprof.1", NULL);
    assert_non_null(usage);
    assert_non_null(man);
    const opt_table_t *t = &config_run_options;
    for (size_t i = 0; i < t->n_rows; i++) {
        const opt_row_t *r = &t->rows[i];
        if (!is_option(r) || !r->name) continue;
        char md[80], roff[160];
        snprintf(md, sizeof md, "--%s", r->name);
        size_t k = (size_t)snprintf(roff, sizeof roff, "\\-\\-");
        for (const char *p = r->name; *p && k + 3 < sizeof roff; p++) {
            if (*p == '-') roff[k++] = '\\';
            roff[k++] = *p;
        }
        roff[k] = 0;
        if (!strstr(usage, md)) fail_msg("docs/usage.md does not mention %s", md);
        if (!strstr(man, roff)) fail_msg("docs/tlsprof.1 does not mention %s (%s)", md, roff);
    }
    free(usage);
    free(man);
}

/* ---- values -------------------------------------------------------------- */

/* The files run's FILE options must be able to open (their examples). */
static char *enter_example_dir(void)
{
    char *dir = make_temp_dir("opttable");
    assert_non_null(dir);
    assert_int_equal(chdir(dir), 0);
    static const char *const files[] = {"ca.pem", "client.pem", "client.key"};
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(write_file(files[i], "x\n", 2), 0);
    return dir;
}

static void leave_example_dir(char *dir)
{
    assert_int_equal(chdir("/"), 0);
    rm_rf(dir);
    free(dir);
}

static void test_every_example_parses_into_its_field(void **state)
{
    (void)state;
    char *dir = enter_example_dir();
    for (const cli_table_t *c = cli_tables; c->table; c++) {
        const opt_table_t *t = c->table;
        for (size_t i = 0; i < t->n_rows; i++) {
            const opt_row_t *r = &t->rows[i];
            if (!is_option(r) || r->kind == OPT_HELP) continue;
            char name[64], err[512], joined[300];
            spelling(r, name, sizeof name);
            if (takes_value(r) && !r->example) fail_msg("%s %s: no example", c->help_args, name);
            void *before = new_target(t), *sep = new_target(t), *eq = new_target(t);
            opt_bind_t b;
            int first;
            int rc = takes_value(r)
                         ? parse1(t, sep, &b, &first, err, sizeof err, name, r->example, NULL)
                         : parse1(t, sep, &b, &first, err, sizeof err, name, NULL);
            if (rc != 0) fail_msg("%s %s %s: %s", c->help_args, name, r->example, err);
            assert_int_equal(first, takes_value(r) ? 3 : 2); /* nothing left over */
            if (!b.given[i]) fail_msg("%s: not marked as given", name);
            /* It landed in its own field (or somewhere, for a setter without one). */
            bool changed =
                r->size ? memcmp((char *)before + r->offset, (char *)sep + r->offset, r->size) != 0
                        : memcmp(before, sep, t->target_size) != 0;
            if (!changed) fail_msg("%s %s: the value did not reach its field", name, r->example);
            /* --name=VALUE (or -xVALUE) is the same. */
            if (takes_value(r)) {
                if (r->name)
                    snprintf(joined, sizeof joined, "%s=%s", name, r->example);
                else
                    snprintf(joined, sizeof joined, "%s%s", name, r->example);
                assert_int_equal(parse1(t, eq, &b, &first, err, sizeof err, joined, NULL), 0);
                if (r->kind != OPT_STRING && memcmp(sep, eq, t->target_size) != 0)
                    fail_msg("%s: '%s' and '%s %s' differ", name, joined, name, r->example);
            }
            if (t == &config_run_options) {
                config_free(sep);
                config_free(eq);
            }
            free(before);
            free(sep);
            free(eq);
        }
    }
    leave_example_dir(dir);
}

static void test_bad_values_name_the_option(void **state)
{
    (void)state;
    for (const cli_table_t *c = cli_tables; c->table; c++) {
        const opt_table_t *t = c->table;
        for (size_t i = 0; i < t->n_rows; i++) {
            const opt_row_t *r = &t->rows[i];
            if (!is_option(r)) continue;
            char name[64], err[512], arg[128], letter[4] = {'-', r->letter, 0, 0};
            spelling(r, name, sizeof name);
            void *target = new_target(t);
            opt_bind_t b;
            int first;
            if (!takes_value(r)) {
                if (r->name && r->kind == OPT_FLAG) {
                    snprintf(arg, sizeof arg, "%s=1", name);
                    assert_int_equal(parse1(t, target, &b, &first, err, sizeof err, arg, NULL), -1);
                    EXPECT_ERR(err, "takes no value");
                    EXPECT_ERR(err, name);
                }
                free(target);
                continue;
            }
            /* The value missing at the end of the line. */
            assert_int_equal(parse1(t, target, &b, &first, err, sizeof err, name, NULL), -1);
            snprintf(arg, sizeof arg, "option %s needs a value", name);
            EXPECT_ERR(err, arg);
            if (r->letter) {
                assert_int_equal(parse1(t, target, &b, &first, err, sizeof err, letter, NULL), -1);
                snprintf(arg, sizeof arg, "option %s needs a value", letter);
                EXPECT_ERR(err, arg);
            }
            /* Numbers, sizes, durations: words, blanks, signs and units they do not take. */
            if (r->kind == OPT_UINT || r->kind == OPT_NUMBER || r->kind == OPT_DURATION ||
                r->kind == OPT_MSEC || r->kind == OPT_SIZE ||
                (r->kind == OPT_CUSTOM && r->metavar && !strcmp(r->metavar, "BYTES"))) {
                static const char *const bad[] = {"abc", "", "-1", "1x", "0x10", "nan"};
                for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
                    if (parse1(t, target, &b, &first, err, sizeof err, name, bad[k], NULL) != -1)
                        fail_msg("%s '%s' was accepted", name, bad[k]);
                    EXPECT_ERR(err, name);
                    snprintf(arg, sizeof arg, "got '%s'", bad[k]);
                    EXPECT_ERR(err, arg);
                }
                /* Above the range. */
                if (r->kind == OPT_UINT)
                    snprintf(arg, sizeof arg, "%llu0", (unsigned long long)r->umax);
                else if (r->kind == OPT_SIZE || r->kind == OPT_CUSTOM)
                    snprintf(arg, sizeof arg, "%lluGiB", (unsigned long long)r->umax);
                else
                    snprintf(arg, sizeof arg, "%.0f", r->dmax * 10 + 1);
                if (parse1(t, target, &b, &first, err, sizeof err, name, arg, NULL) != -1)
                    fail_msg("%s %s (above the range) was accepted", name, arg);
                EXPECT_ERR(err, name);
            }
            if (r->kind == OPT_ENUM) {
                /* Every word stores its index: the order of the C enum. */
                int idx = 0;
                for (const char *p = r->metavar; p; idx++) {
                    const char *bar = strchr(p, '|');
                    snprintf(arg, sizeof arg, "%.*s", bar ? (int)(bar - p) : (int)strlen(p), p);
                    assert_int_equal(
                        parse1(t, target, &b, &first, err, sizeof err, name, arg, NULL), 0);
                    uint32_t v = 0;
                    memcpy(&v, (char *)target + r->offset, r->size);
                    if ((int)v != idx) fail_msg("%s %s stored %u, not %d", name, arg, v, idx);
                    p = bar ? bar + 1 : NULL;
                }
                assert_int_equal(
                    parse1(t, target, &b, &first, err, sizeof err, name, "bogus", NULL), -1);
                EXPECT_ERR(err, name);
                EXPECT_ERR(err, "got 'bogus'");
            }
            if (r->kind == OPT_STRING && r->expect) {
                assert_int_equal(parse1(t, target, &b, &first, err, sizeof err, name, "", NULL),
                                 -1);
                snprintf(arg, sizeof arg, "%s: expected %s", name, r->expect);
                EXPECT_ERR(err, arg);
            }
            if (t == &config_run_options) config_free(target);
            free(target);
        }
        /* Unknown options point at the command's help. */
        void *target = new_target(t);
        opt_bind_t b;
        int first;
        char err[512], want[128];
        assert_int_equal(parse1(t, target, &b, &first, err, sizeof err, "--no-such-option", NULL),
                         -1);
        snprintf(want, sizeof want, "unknown option '--no-such-option' (see %s)", t->see);
        EXPECT_ERR(err, want);
        assert_int_equal(parse1(t, target, &b, &first, err, sizeof err, "-%", NULL), -1);
        EXPECT_ERR(err, "unknown option '-%'");
        free(target);
    }
}

/* ---- the parser's rules -------------------------------------------------- */

static void test_getopt_rules(void **state)
{
    (void)state;
    const opt_table_t *t = &config_run_options;
    run_config_t *c = calloc(1, sizeof *c);
    assert_non_null(c);
    opt_bind_t b;
    int first;
    char err[512];

    /* Options and other arguments in any order; the others keep their order. */
    config_defaults(c);
    char *argv[] = {"run", "https://h/", "-n", "5", "extra", "-k", NULL};
    b = (opt_bind_t){.table = t, .target = c};
    assert_int_equal(opt_parse(&b, 1, 6, argv, &first, err, sizeof err), 0);
    assert_int_equal(first, 4);
    assert_string_equal(argv[4], "https://h/");
    assert_string_equal(argv[5], "extra");
    assert_int_equal(c->requests, 5);
    assert_true(c->insecure);

    /* "--" ends the options; clusters; attached values; the last value wins. */
    config_defaults(c);
    assert_int_equal(
        parse1(t, c, &b, &first, err, sizeof err, "-kqc", "4", "-c2", "-c", "3", "--", "-n", NULL),
        0);
    assert_true(c->insecure && c->quiet);
    assert_int_equal(c->connections, 3);
    assert_int_equal(c->requests, 0); /* "-n" after "--" is an argument */

    /* Unambiguous abbreviations, as getopt_long allows; ambiguous ones are unknown. */
    config_defaults(c);
    assert_int_equal(parse1(t, c, &b, &first, err, sizeof err, "--connecti", "7", NULL), 0);
    assert_int_equal(c->connections, 7);
    assert_int_equal(parse1(t, c, &b, &first, err, sizeof err, "--conn", "7", NULL), -1);
    EXPECT_ERR(err, "unknown option '--conn'");

    /* Repeatable options accumulate. */
    config_defaults(c);
    assert_int_equal(parse1(t, c, &b, &first, err, sizeof err, "-H", "A: 1", "--header=B: 2", NULL),
                     0);
    assert_int_equal(c->n_headers, 2);
    assert_string_equal(c->headers[1].name, "b");

    /* An unknown letter inside a cluster is named as itself. */
    assert_int_equal(parse1(t, c, &b, &first, err, sizeof err, "-Zq", NULL), -1);
    EXPECT_ERR(err, "unknown option '-Z'");
    /* ... and the next parse starts afresh: the 'q' left over in that cluster
     * belongs to another command line. */
    config_defaults(c);
    assert_int_equal(parse1(t, c, &b, &first, err, sizeof err, "https://h/", NULL), 0);
    assert_false(c->quiet);
    free(c);
}

/* Tables parsed together: the first one's rows win a shared name, each value
 * lands in its own table's struct, and --help prints the first table. */
static void test_tables_on_one_command_line(void **state)
{
    (void)state;
    const opt_table_t *m = &ciphers_matrix_options;
    void *mo = calloc(1, m->target_size);
    run_config_t *c = calloc(1, sizeof *c);
    assert_non_null(mo);
    assert_non_null(c);
    config_defaults(c);
    opt_bind_t binds[2] = {{.table = m, .target = mo}, {.table = &config_run_options, .target = c}};
    char *argv[] = {"ciphers", "https://h/", "--json", "m.json", "-n",
                    "5",       "--profiles", "a,b",    NULL};
    int first;
    char err[512];
    assert_int_equal(opt_parse(binds, 2, 8, argv, &first, err, sizeof err), 0);
    const opt_row_t *json = opt_find(m, "json"), *profiles = opt_find(m, "profiles");
    assert_non_null(json);
    assert_non_null(profiles);
    const char *s;
    memcpy(&s, (char *)mo + json->offset, sizeof s);
    assert_string_equal(s, "m.json");
    memcpy(&s, (char *)mo + profiles->offset, sizeof s);
    assert_string_equal(s, "a,b");
    assert_null(c->json_path);
    assert_int_equal(c->requests, 5);
    assert_true(opt_given(&binds[0], "json"));
    assert_false(opt_given(&binds[1], "json"));
    assert_true(opt_given(&binds[1], "requests"));
    assert_false(opt_given(&binds[1], "duration"));

    /* --help: the first table's text, on stdout. */
    char path[] = "/tmp/tlsprof-opthelp-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stdout);
    int saved = dup(1);
    dup2(fd, 1);
    char *hargv[] = {"ciphers", "https://h/", "--help", NULL};
    int rc = opt_parse(binds, 2, 3, hargv, &first, err, sizeof err);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    close(fd);
    assert_int_equal(rc, 1);
    char *got = slurp_file(path, NULL), *want = help_text(m);
    unlink(path);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
    free(want);
    free(mo);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables_pass_their_check),
        cmocka_unit_test(test_check_catches_broken_tables),
        cmocka_unit_test(test_every_row_is_in_help),
        cmocka_unit_test(test_run_help_layout),
        cmocka_unit_test(test_binary_prints_the_tables),
        cmocka_unit_test(test_docs_name_every_run_option),
        cmocka_unit_test(test_every_example_parses_into_its_field),
        cmocka_unit_test(test_bad_values_name_the_option),
        cmocka_unit_test(test_getopt_rules),
        cmocka_unit_test(test_tables_on_one_command_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
