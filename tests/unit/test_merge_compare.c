/* test_merge_compare.c - `tlsprof merge` and `tlsprof compare` on synthetic
 * reports built here from known samples, so every merged number can be
 * checked against an independent truth: the sum of the inputs' counters and
 * a histogram recorded with all the samples. Also the rejection of malformed
 * reports (each message must name the file and the key). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "config/exit_codes.h"
#include "measure/hist.h"
#include "measure/phase.h"
#include "measure/stats.h"
#include "cli/commands.h"
#include "report/compare.h"
#include "report/compare_sig.h"
#include "report/merge.h"
#include "report/report_read.h"

/* ---- deterministic samples ------------------------------------------------ */

typedef struct {
    uint64_t s;
} prng_t;

static uint64_t prng_next(prng_t *r) /* splitmix64 */
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double prng_normal(prng_t *r)
{
    double u1 = ((double)(prng_next(r) >> 11) + 0.5) / 9007199254740992.0;
    double u2 = ((double)(prng_next(r) >> 11) + 0.5) / 9007199254740992.0;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* n lognormal samples around median_ns, each multiplied by scale. */
static uint64_t *samples(uint64_t seed, size_t n, double median_ns, double sigma, double scale)
{
    prng_t r = {seed};
    uint64_t *s = malloc(n * sizeof(*s));
    for (size_t i = 0; i < n; i++)
        s[i] = (uint64_t)(scale * exp(log(median_ns) + sigma * prng_normal(&r)));
    return s;
}

static void record_all(hist_t *h, const uint64_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        hist_record(h, s[i]);
}

/* ---- synthetic reports ----------------------------------------------------- */

typedef struct spec {
    uint64_t seed;
    size_t n;          /* connections = requests */
    double ttfb_scale; /* 2.0 = every ttfb twice as slow */
    double duration_s;
    const char *url;
    json_int_t refused; /* errors.tcp_connect.ECONNREFUSED */
} spec_t;

/* The histograms a report was built from, to check merges against. */
typedef struct built {
    hist_t tcp, ttfb, rtt, retrans;
} built_t;

static json_t *make_report(const spec_t *sp, built_t *out)
{
    built_t *b = calloc(1, sizeof(*b));
    hist_init(&b->tcp);
    hist_init(&b->ttfb);
    hist_init(&b->rtt);
    hist_init(&b->retrans);
    uint64_t *tcp = samples(sp->seed, sp->n, 40000, 0.3, 1.0);
    uint64_t *ttfb = samples(sp->seed + 1000, sp->n, 300000, 0.4, sp->ttfb_scale);
    uint64_t *rtt = samples(sp->seed + 2000, sp->n, 30000, 0.2, 1.0);
    record_all(&b->tcp, tcp, sp->n);
    record_all(&b->ttfb, ttfb, sp->n);
    record_all(&b->rtt, rtt, sp->n);
    for (size_t i = 0; i < sp->n; i++)
        hist_record(&b->retrans, i % 50 == 0 ? 1 + i % 3 : 0);
    free(tcp);
    free(ttfb);
    free(rtt);

    json_int_t n = (json_int_t)sp->n;
    json_t *r = json_object();
    json_object_set_new(r, "report_version", json_integer(1));
    json_object_set_new(r, "tool", json_pack("{s:s, s:s}", "name", "tlsprof", "version", "0.1.0"));
    json_object_set_new(
        r, "config",
        json_pack("{s:s, s:s, s:i}", "url", sp->url, "mode", "fresh", "connections", 10));
    json_object_set_new(r, "platform",
                        json_pack("{s:s, s:s, s:i, s:s, s:s}", "arch", "x86_64", "cpu_model",
                                  "Synthetic CPU", "cores", 2, "openssl_version",
                                  "OpenSSL 3.0.test", "kernel", "6.1"));
    json_t *sum = json_object();
    json_object_set_new(sum, "connections_opened", json_integer(n + sp->refused));
    json_object_set_new(sum, "connections_established", json_integer(n));
    json_object_set_new(sum, "connections_failed", json_integer(sp->refused));
    json_object_set_new(sum, "reconnects", json_integer(0));
    json_object_set_new(sum, "requests_ok", json_integer(n));
    json_object_set_new(sum, "requests_failed", json_integer(0));
    json_object_set_new(sum, "requests_retried", json_integer(0));
    json_object_set_new(sum, "status", json_pack("{s:I, s:I}", "200", n - 1, "404", (json_int_t)1));
    json_object_set_new(sum, "bytes_received", json_integer(n * 3));
    json_object_set_new(sum, "duration_s", json_real(sp->duration_s));
    json_object_set_new(sum, "requests_per_s", json_real((double)n / sp->duration_s));
    json_object_set_new(sum, "connections_per_s", json_real((double)n / sp->duration_s));
    json_object_set_new(sum, "interrupted", json_false());
    json_object_set_new(sum, "exit_code", json_integer(sp->refused ? EXIT_PARTIAL : EXIT_OK));
    json_object_set_new(r, "summary", sum);

    hist_t *empty = malloc(sizeof(*empty));
    hist_init(empty);
    json_object_set_new(
        r, "phases",
        json_pack("{s:o, s:o, s:o}", "tcp_connect", phase_stats_json(&b->tcp, STATS_NS_PER_US),
                  "ttfb", phase_stats_json(&b->ttfb, STATS_NS_PER_US), "tls_handshake_resumed",
                  phase_stats_json(empty, STATS_NS_PER_US)));
    free(empty);

    json_t *tls = json_object();
    json_object_set_new(tls, "versions", json_pack("{s:I}", "TLSv1.3", n));
    json_object_set_new(tls, "ciphers",
                        json_pack("{s:I, s:I}", "TLS_AES_128_GCM_SHA256", n - 2,
                                  "TLS_CHACHA20_POLY1305_SHA256", (json_int_t)2));
    json_object_set_new(tls, "resumption",
                        json_pack("{s:I, s:I, s:i, s:f, s:I, s:f, s:{s:i, s:i}}", "attempted",
                                  n / 2, "accepted", n / 4, "rejected", 0, "rate", 0.5,
                                  "tickets_received", 2 * n, "tickets_per_connection", 2.0,
                                  "ticket_lifetime_hint_s", "min", 300, "max", 7200));
    json_object_set_new(tls, "early_data",
                        json_pack("{s:i, s:i, s:i, s:i}", "attempted", 0, "accepted", 0, "rejected",
                                  0, "replayed", 0));
    json_object_set_new(tls, "certificate", json_pack("{s:s}", "verify", "skipped (-k)"));
    json_object_set_new(r, "tls", tls);

    json_t *tcpj = json_object();
    json_object_set_new(tcpj, "retransmits_total", json_integer(n / 20));
    json_object_set_new(tcpj, "connections_with_retransmits", json_integer(n / 50));
    json_object_set_new(tcpj, "syn_retransmits", json_integer(0));
    json_object_set_new(tcpj, "syn_retransmits_inferred", json_integer(0));
    json_object_set_new(tcpj, STATS_TCP_RTT, phase_stats_json(&b->rtt, STATS_NS_PER_US));
    json_object_set_new(tcpj, STATS_TCP_RETRANSMITS,
                        phase_stats_json(&b->retrans, STATS_COUNT_UNIT));
    json_object_set_new(tcpj, "time_wait",
                        json_pack("{s:i, s:I, s:i, s:n, s:s}", "before", 0, "peak", n, "after", 3,
                                  "server_side", "holder", "client"));
    json_object_set_new(r, "tcp", tcpj);
    json_object_set_new(r, "errors",
                        json_pack("{s:{s:I}}", "tcp_connect", "ECONNREFUSED", sp->refused));
    json_object_set_new(r, "warnings", json_pack("[s]", "a warning"));
    json_object_set_new(r, "timeseries", json_array());
    json_object_set_new(r, "slowest", json_array());
    json_object_set_new(r, "client", json_pack("{s:f, s:f}", "cpu_user_s", 0.5, "cpu_sys_s", 0.25));
    assert_non_null(r);
    if (out) *out = *b;
    free(b);
    return r;
}

/* ---- files and in-process runs ------------------------------------------- */

static char *tmpdir;

static char *tmp_path(const char *name)
{
    static char paths[16][600];
    static unsigned next;
    char *p = paths[next++ % 16];
    snprintf(p, sizeof(paths[0]), "%s/%s", tmpdir, name);
    return p;
}

static void write_report(const json_t *r, const char *path)
{
    assert_int_equal(json_dump_file(r, path, JSON_INDENT(1)), 0);
}

typedef int (*main_fn)(int, char **);

/* Runs fn(argv) with stdout and stderr captured into files; returns its exit
 * code and the captured text (caller frees). */
static int run_captured(main_fn fn, char **argv, char **out, char **err)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    char *out_path = strdup(tmp_path("captured.out"));
    char *err_path = strdup(tmp_path("captured.err"));
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    int fo = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fo >= 0 && fe >= 0 && saved_out >= 0 && saved_err >= 0);
    dup2(fo, 1);
    dup2(fe, 2);
    int rc = fn(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(fo);
    close(fe);
    close(saved_out);
    close(saved_err);
    char *o = slurp_file(out_path, NULL), *e = slurp_file(err_path, NULL);
    if (out)
        *out = o;
    else
        free(o);
    if (err)
        *err = e;
    else
        free(e);
    free(out_path);
    free(err_path);
    return rc;
}

static report_t *read_ok(const char *path)
{
    char err[1024];
    report_t *r = report_read(path, err, sizeof(err));
    if (!r) fail_msg("report_read(%s) rejected it: %s", path, err);
    return r;
}

static json_int_t jint(const json_t *root, const char *path)
{
    const json_t *v = jget(root, path);
    if (!json_is_integer(v)) fail_msg("%s: not an integer", path);
    return json_integer_value(v);
}

/* ---- merge ------------------------------------------------------------------ */

static void assert_hist_equal(const hist_t *x, const hist_t *y)
{
    assert_int_equal(x->count, y->count);
    assert_int_equal(x->min, y->min);
    assert_int_equal(x->max, y->max);
    assert_int_equal(x->clamped, y->clamped);
    assert_memory_equal(x->buckets, y->buckets, sizeof(x->buckets));
}

static void test_merge_exact(void **state)
{
    spec_t sa = {1, 3000, 1.0, 10.0, "https://127.0.0.1:8443/", 4};
    spec_t sb = {2, 2000, 1.5, 12.5, "https://127.0.0.1:8443/", 1};
    built_t *ba = malloc(sizeof(*ba)), *bb = malloc(sizeof(*bb));
    json_t *a = make_report(&sa, ba), *b = make_report(&sb, bb);
    write_report(a, tmp_path("a.json"));
    write_report(b, tmp_path("b.json"));
    char *argv[] = {"merge", tmp_path("a.json"),  tmp_path("b.json"),
                    "-o",    tmp_path("ab.json"), NULL};
    char *err = NULL;
    int rc = run_captured(merge_main, argv, NULL, &err);
    if (rc != EXIT_OK) fail_msg("merge failed (%d): %s", rc, err);
    free(err);

    report_t *m = read_ok(tmp_path("ab.json")); /* valid for report_read */
    const json_t *mr = m->root;
    /* counters are sums */
    assert_int_equal(jint(mr, "summary.requests_ok"), 5000);
    assert_int_equal(jint(mr, "summary.connections_opened"), 5005);
    assert_int_equal(jint(mr, "summary.connections_failed"), 5);
    assert_int_equal(jint(mr, "summary.bytes_received"), 15000);
    assert_int_equal(jint(mr, "summary.status.200"), 4998);
    assert_int_equal(jint(mr, "summary.status.404"), 2);
    assert_int_equal(jint(mr, "errors.tcp_connect.ECONNREFUSED"), 5);
    assert_int_equal(jint(mr, "tls.versions.TLSv1.3"), 5000);
    assert_int_equal(jint(mr, "tls.ciphers.TLS_CHACHA20_POLY1305_SHA256"), 4);
    assert_int_equal(jint(mr, "tls.resumption.attempted"), 2500);
    assert_int_equal(jint(mr, "tls.resumption.accepted"), 1250);
    assert_true(jnum(mr, "tls.resumption.rate") == 0.5);
    assert_true(fabs(jnum(mr, "tls.resumption.tickets_per_connection") - 2.0) < 1e-12);
    assert_int_equal(jint(mr, "tcp.retransmits_total"), 150 + 100);
    assert_int_equal(jint(mr, "tcp.time_wait.peak"), 5000);
    assert_true(jnum(mr, "client.cpu_user_s") == 1.0);
    /* duration: the longest; rates over it */
    assert_true(jnum(mr, "summary.duration_s") == 12.5);
    assert_true(fabs(jnum(mr, "summary.requests_per_s") - 5000 / 12.5) < 1e-9);
    assert_int_equal(jint(mr, "summary.exit_code"), EXIT_PARTIAL);
    assert_int_equal(json_array_size(jget(mr, "sources")), 2);
    assert_string_equal(jstr(mr, "sources.1.file"), tmp_path("b.json"));
    assert_int_equal(json_array_size(jget(mr, "warnings")), 2);
    /* empty lists in the inputs stay (empty) lists */
    assert_true(json_is_array(jget(mr, "timeseries")) && json_is_array(jget(mr, "slowest")));

    /* histograms: bucket-wise sums, equal to one histogram of all samples */
    hist_t *all = malloc(sizeof(*all));
    const struct {
        const char *name;
        hist_t *ha, *hb;
        int tcp;
    } checks[] = {{"tcp_connect", &ba->tcp, &bb->tcp, 0},
                  {"ttfb", &ba->ttfb, &bb->ttfb, 0},
                  {STATS_TCP_RTT, &ba->rtt, &bb->rtt, 1},
                  {STATS_TCP_RETRANSMITS, &ba->retrans, &bb->retrans, 1}};
    for (size_t i = 0; i < 4; i++) {
        hist_init(all);
        hist_merge(all, checks[i].ha);
        hist_merge(all, checks[i].hb);
        const hist_t *got = checks[i].tcp ? report_tcp_hist(m, checks[i].name)
                                          : report_phase_hist(m, checks[i].name);
        assert_non_null(got);
        assert_hist_equal(got, all);
        for (size_t k = 0; k < HIST_BUCKETS; k++)
            assert_int_equal(got->buckets[k], checks[i].ha->buckets[k] + checks[i].hb->buckets[k]);
    }
    /* ttfb percentiles equal those of a histogram recorded with all samples */
    hist_init(all);
    uint64_t *s1 = samples(1 + 1000, 3000, 300000, 0.4, 1.0);
    uint64_t *s2 = samples(2 + 1000, 2000, 300000, 0.4, 1.5);
    record_all(all, s1, 3000);
    record_all(all, s2, 2000);
    free(s1);
    free(s2);
    const json_t *ttfb = jget(mr, "phases.ttfb");
    assert_int_equal(jint(ttfb, "count"), 5000);
    assert_true(jnum(ttfb, "p50_us") == hist_percentile(all, 50) / 1000.0);
    assert_true(jnum(ttfb, "p90_us") == hist_percentile(all, 90) / 1000.0);
    assert_true(jnum(ttfb, "p99_us") == hist_percentile(all, 99) / 1000.0);
    assert_true(jnum(ttfb, "p999_us") == hist_percentile(all, 99.9) / 1000.0);
    assert_true(jnum(ttfb, "max_us") == all->max / 1000.0);
    assert_true(jnum(ttfb, "min_us") == all->min / 1000.0);
    assert_true(fabs(jnum(ttfb, "mean_us") - hist_mean(all) / 1000.0) < 1e-9);
    assert_int_equal(jint(mr, "phases.tls_handshake_resumed.count"), 0);
    /* retransmits_per_connection keeps counts (divisor 1) */
    assert_true(jnum(mr, "tcp.retransmits_per_connection.max_us") == 3.0);

    report_free(m);
    free(all);
    free(ba);
    free(bb);
    json_decref(a);
    json_decref(b);
}

static void test_merge_of_merged(void **state)
{
    spec_t sp[3] = {{11, 800, 1.0, 5.0, "https://127.0.0.1:1/", 0},
                    {12, 600, 1.2, 6.0, "https://127.0.0.1:1/", 2},
                    {13, 700, 0.9, 4.0, "https://127.0.0.1:1/", 0}};
    const char *names[3] = {"m1.json", "m2.json", "m3.json"};
    for (int i = 0; i < 3; i++) {
        json_t *r = make_report(&sp[i], NULL);
        write_report(r, tmp_path(names[i]));
        json_decref(r);
    }
    char *a1[] = {"merge", tmp_path("m1.json"),  tmp_path("m2.json"),
                  "-o",    tmp_path("m12.json"), NULL};
    assert_int_equal(run_captured(merge_main, a1, NULL, NULL), EXIT_OK);
    char *a2[] = {"merge", tmp_path("m12.json"),   tmp_path("m3.json"),
                  "-o",    tmp_path("m12_3.json"), NULL};
    assert_int_equal(run_captured(merge_main, a2, NULL, NULL), EXIT_OK);
    char *a3[] = {"merge",
                  tmp_path("m1.json"),
                  tmp_path("m2.json"),
                  tmp_path("m3.json"),
                  "-o",
                  tmp_path("m123.json"),
                  NULL};
    assert_int_equal(run_captured(merge_main, a3, NULL, NULL), EXIT_OK);
    report_t *x = read_ok(tmp_path("m12_3.json")), *y = read_ok(tmp_path("m123.json"));
    assert_true(json_equal(jget(x->root, "phases"), jget(y->root, "phases")));
    assert_true(json_equal(jget(x->root, "summary"), jget(y->root, "summary")));
    assert_true(json_equal(jget(x->root, "errors"), jget(y->root, "errors")));
    assert_true(json_equal(jget(x->root, "tls"), jget(y->root, "tls")));
    assert_int_equal(json_array_size(jget(x->root, "sources")), 3);
    assert_string_equal(jstr(x->root, "sources.2.file"), tmp_path("m3.json"));
    assert_int_equal(jint(x->root, "summary.requests_ok"), 2100);
    report_free(x);
    report_free(y);
}

static void test_merge_to_stdout_and_url_warning(void **state)
{
    spec_t sa = {21, 300, 1.0, 2.0, "https://127.0.0.1:1/", 0};
    spec_t sb = {22, 300, 1.0, 2.0, "https://127.0.0.2:1/", 0};
    json_t *a = make_report(&sa, NULL), *b = make_report(&sb, NULL);
    write_report(a, tmp_path("u1.json"));
    write_report(b, tmp_path("u2.json"));
    char *argv[] = {"merge", tmp_path("u1.json"), tmp_path("u2.json"), "-o", "-", NULL};
    char *out = NULL, *err = NULL;
    assert_int_equal(run_captured(merge_main, argv, &out, &err), EXIT_OK);
    assert_non_null(strstr(err, "config.url"));
    json_error_t jerr;
    json_t *m = json_loads(out, 0, &jerr);
    assert_non_null(m);
    assert_int_equal(jint(m, "summary.requests_ok"), 600);
    int found = 0;
    size_t i;
    json_t *w;
    json_array_foreach(jget(m, "warnings"), i, w) found |=
        strstr(json_string_value(w), "config.url") != NULL;
    assert_true(found);
    json_decref(m);
    free(out);
    free(err);
    json_decref(a);
    json_decref(b);
}

/* ---- compare ---------------------------------------------------------------- */

static json_t *compare_json(const char *a, const char *b, char **text)
{
    char *argv[] = {"compare", (char *)a, (char *)b, "--json", tmp_path("cmp.json"), NULL};
    char *err = NULL;
    int rc = run_captured(compare_main, argv, text, &err);
    if (rc != EXIT_OK) fail_msg("compare failed (%d): %s", rc, err);
    free(err);
    json_error_t jerr;
    json_t *c = json_load_file(tmp_path("cmp.json"), 0, &jerr);
    assert_non_null(c);
    return c;
}

static void test_compare_self_is_quiet(void **state)
{
    spec_t sa = {31, 2000, 1.0, 5.0, "https://127.0.0.1:1/", 3};
    json_t *a = make_report(&sa, NULL);
    write_report(a, tmp_path("self.json"));
    char *text = NULL;
    json_t *c = compare_json(tmp_path("self.json"), tmp_path("self.json"), &text);
    assert_int_equal(jint(c, "significant_changes"), 0);
    assert_int_equal(json_array_size(jget(c, "significant")), 0);
    assert_true(jnum(c, "phases.ttfb.stats.p50_us.delta") == 0.0);
    assert_false(json_is_true(jget(c, "phases.ttfb.stats.max_us.significant")));
    assert_non_null(strstr(text, "No significant change"));
    assert_non_null(strstr(text, "ttfb"));
    assert_non_null(strstr(text, "OpenSSL 3.0.test"));
    free(text);
    json_decref(c);
    json_decref(a);
}

static void test_compare_flags_slower_ttfb(void **state)
{
    spec_t sa = {41, 2000, 1.0, 5.0, "https://127.0.0.1:1/", 0};
    spec_t sb = {41, 2000, 2.0, 5.0, "https://127.0.0.1:1/", 0}; /* same samples, ttfb x2 */
    json_t *a = make_report(&sa, NULL), *b = make_report(&sb, NULL);
    write_report(a, tmp_path("fast.json"));
    write_report(b, tmp_path("slow.json"));
    char *text = NULL;
    json_t *c = compare_json(tmp_path("fast.json"), tmp_path("slow.json"), &text);
    assert_true(json_is_true(jget(c, "phases.ttfb.stats.p50_us.significant")));
    assert_true(json_is_true(jget(c, "phases.ttfb.stats.p99_us.significant")));
    assert_true(fabs(jnum(c, "phases.ttfb.stats.p50_us.relative") - 1.0) < 0.01);
    /* tcp_connect has identical samples in both: no change at all */
    assert_false(json_is_true(jget(c, "phases.tcp_connect.stats.p50_us.significant")));
    assert_true(jnum(c, "phases.tcp_connect.stats.p50_us.delta") == 0.0);
    size_t i;
    json_t *s;
    int ttfb = 0;
    json_array_foreach(jget(c, "significant"), i, s)
    {
        assert_non_null(strstr(json_string_value(s), "ttfb."));
        ttfb++;
    }
    assert_int_equal(jint(c, "significant_changes"), ttfb);
    assert_true(ttfb >= 2);
    assert_non_null(strstr(text, "significant change"));
    free(text);
    json_decref(c);
    json_decref(a);
    json_decref(b);
}

/* One sample per run (dns is resolved once) has no spread to judge by. */
static void test_compare_too_few_samples(void **state)
{
    spec_t sp = {45, 500, 1.0, 5.0, "https://127.0.0.1:1/", 0};
    json_t *a = make_report(&sp, NULL), *b = make_report(&sp, NULL);
    hist_t *h = malloc(sizeof(*h));
    hist_init(h);
    hist_record(h, 150000);
    json_object_set_new(jget(a, "phases"), "dns", phase_stats_json(h, STATS_NS_PER_US));
    hist_init(h);
    hist_record(h, 900000); /* 6x slower, but one sample each */
    json_object_set_new(jget(b, "phases"), "dns", phase_stats_json(h, STATS_NS_PER_US));
    write_report(a, tmp_path("dns_a.json"));
    write_report(b, tmp_path("dns_b.json"));
    char *text = NULL;
    json_t *c = compare_json(tmp_path("dns_a.json"), tmp_path("dns_b.json"), &text);
    assert_true(jnum(c, "phases.dns.stats.p50_us.delta") == 750.0);
    assert_false(json_is_true(jget(c, "phases.dns.stats.p50_us.comparable")));
    assert_false(json_is_true(jget(c, "phases.dns.stats.p50_us.significant")));
    assert_false(json_is_true(jget(c, "phases.dns.stats.max_us.significant")));
    assert_true(json_is_true(jget(c, "phases.ttfb.stats.p50_us.comparable")));
    assert_int_equal(jint(c, "significant_changes"), 0);
    assert_non_null(strstr(text, "too few samples"));
    assert_null(strstr(text, "tls_handshake_resumed")); /* empty in both: not listed */
    free(text);
    free(h);
    json_decref(c);
    json_decref(a);
    json_decref(b);
}

/* The noise estimate is the rank confidence interval of each run, checked
 * against the same interval taken from an exact sort. */
static void test_noise_matches_exact_interval(void **state)
{
    size_t n = 1500;
    uint64_t *s = samples(51, n, 200000, 0.5, 1.0);
    hist_t *h = malloc(sizeof(*h));
    hist_init(h);
    record_all(h, s, n);
    uint64_t *sorted = malloc(n * sizeof(*sorted));
    memcpy(sorted, s, n * sizeof(*s));
    for (size_t i = 1; i < n; i++) /* insertion sort: independent of qsort use elsewhere */
        for (size_t j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
            uint64_t t = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = t;
        }
    /* p50: r = 750, d = ceil(3.29*sqrt(1500*.25)) = ceil(63.7) = 64 */
    double exact = ((double)sorted[750 + 64 - 1] - (double)sorted[750 - 64 - 1]) / 2.0;
    double got = sig_noise(h, 50.0);
    assert_true(exact > 0);
    /* the interval is widened to the outer edges of the two buckets (each at
     * most 1/128 of its values wide), never narrowed */
    assert_true(got >= exact);
    assert_true(got - exact <= 0.008 * (double)sorted[750 + 64 - 1]);
    /* p90: r = 1350, d = ceil(3.29*sqrt(1500*.09)) = ceil(38.2) = 39 */
    exact = ((double)sorted[1350 + 39 - 1] - (double)sorted[1350 - 39 - 1]) / 2.0;
    got = sig_noise(h, 90.0);
    assert_true(got >= exact && got - exact <= 0.008 * (double)sorted[1350 + 39 - 1]);
    /* max, and p99.9 whose interval (r 1499, d 4) runs past the largest
     * sample: 3.29 * 1.2825 * (x(1500) - x(1495)) / H5 */
    double h5 = 1.0 + 1.0 / 2 + 1.0 / 3 + 1.0 / 4 + 1.0 / 5;
    double exact_tail = 3.29 * 1.2825498 * ((double)sorted[n - 1] - (double)sorted[1495 - 1]) / h5;
    assert_true(exact_tail > 0);
    assert_true(fabs(sig_noise(h, 100.0) - exact_tail) <= 0.02 * (double)sorted[n - 1]);
    assert_true(sig_noise(h, 99.9) == sig_noise(h, 100.0));
    free(sorted);
    free(s);
    free(h);
}

/* ---- malformed inputs --------------------------------------------------------- */

typedef struct bad_case {
    const char *file;
    const char *expect; /* substring of the message (the key or the problem) */
} bad_case_t;

static void write_bad_inputs(void)
{
    spec_t sp = {61, 200, 1.0, 1.0, "https://127.0.0.1:1/", 0};
    json_t *good = make_report(&sp, NULL);
    write_report(good, tmp_path("good.json"));
    assert_int_equal(write_file(tmp_path("empty.json"), "", 0), 0);
    const unsigned char garbage[] = {0x7f, 'E', 'L', 'F', 0, 1, 2, 0xff, 0xfe};
    assert_int_equal(write_file(tmp_path("garbage.json"), garbage, sizeof(garbage)), 0);
    char *text = json_dumps(good, JSON_INDENT(1));
    assert_int_equal(write_file(tmp_path("truncated.json"), text, strlen(text) / 2), 0);
    free(text);

    json_t *r = json_deep_copy(good);
    json_object_del(r, "phases");
    write_report(r, tmp_path("nophases.json"));
    json_decref(r);

    r = json_deep_copy(good);
    json_object_set_new(jget(r, "phases.ttfb.histogram"), "encoding", json_string("hdr"));
    write_report(r, tmp_path("encoding.json"));
    json_decref(r);

    r = json_deep_copy(good);
    json_object_set_new(r, "report_version", json_integer(2));
    write_report(r, tmp_path("v2.json"));
    json_decref(r);

    r = json_deep_copy(good);
    json_object_set_new(jget(r, "phases.ttfb"), "count", json_integer(7));
    write_report(r, tmp_path("count.json"));
    json_decref(r);

    r = json_deep_copy(good);
    json_object_set_new(jget(r, "errors"), "tls_handshake", json_integer(3));
    write_report(r, tmp_path("errors.json"));
    json_decref(r);
    json_decref(good);

    /* sparse: costs no disk, must be refused by size before being read */
    int fd = open(tmp_path("huge.json"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)REPORT_MAX_BYTES + 1), 0);
    close(fd);
    assert_int_equal(mkdir(tmp_path("dir.json"), 0755), 0);
}

static const bad_case_t bad_cases[] = {
    {"empty.json", "empty"},
    {"garbage.json", "not a JSON report"},
    {"truncated.json", "invalid JSON at line"},
    {"nophases.json", "phases: missing"},
    {"encoding.json", "phases.ttfb.histogram.encoding: expected \"loglinear-v1\", got \"hdr\""},
    {"v2.json", "report_version: unsupported version 2"},
    {"count.json", "phases.ttfb.count: 7 does not match histogram.count 200"},
    {"errors.json", "errors.tls_handshake"},
    {"does-not-exist.json", "cannot open"},
    {"huge.json", "over the 1024 MiB limit"},
    {"dir.json", "is a directory"},
};

static void test_malformed_inputs_rejected(void **state)
{
    write_bad_inputs();
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        char bad[600], expect[900];
        snprintf(bad, sizeof(bad), "%s", tmp_path(bad_cases[i].file));
        snprintf(expect, sizeof(expect), "%s: ", bad);
        unlink(tmp_path("never.json"));
        char *margv[] = {"merge", tmp_path("good.json"), bad, "-o", tmp_path("never.json"), NULL};
        char *err = NULL;
        int rc = run_captured(merge_main, margv, NULL, &err);
        if (rc != EXIT_USAGE || !strstr(err, expect) || !strstr(err, bad_cases[i].expect))
            fail_msg("merge with %s: rc %d, stderr \"%s\" (want \"%s\")", bad_cases[i].file, rc,
                     err, bad_cases[i].expect);
        assert_int_not_equal(access(tmp_path("never.json"), F_OK), 0); /* nothing written */
        free(err);

        char *cargv[] = {"compare", bad, tmp_path("good.json"), NULL};
        rc = run_captured(compare_main, cargv, NULL, &err);
        if (rc != EXIT_USAGE || !strstr(err, expect) || !strstr(err, bad_cases[i].expect))
            fail_msg("compare with %s: rc %d, stderr \"%s\"", bad_cases[i].file, rc, err);
        free(err);
    }
}

static void test_usage_errors(void **state)
{
    char *none[] = {"merge", tmp_path("good.json"), NULL}; /* no -o */
    assert_int_equal(run_captured(merge_main, none, NULL, NULL), EXIT_USAGE);
    char *noin[] = {"merge", "-o", tmp_path("x.json"), NULL};
    assert_int_equal(run_captured(merge_main, noin, NULL, NULL), EXIT_USAGE);
    char *bad[] = {"merge", "--bogus", NULL};
    assert_int_equal(run_captured(merge_main, bad, NULL, NULL), EXIT_USAGE);
    char *one[] = {"compare", tmp_path("good.json"), NULL};
    assert_int_equal(run_captured(compare_main, one, NULL, NULL), EXIT_USAGE);
    char *three[] = {"compare", "a", "b", "c", NULL};
    assert_int_equal(run_captured(compare_main, three, NULL, NULL), EXIT_USAGE);
    char *help[] = {"compare", "--help", NULL};
    char *out = NULL;
    assert_int_equal(run_captured(compare_main, help, &out, NULL), EXIT_OK);
    assert_non_null(strstr(out, "usage: tlsprof compare"));
    free(out);
}

/* ---- checked-in sample reports --------------------------------------------- */

/* Every phase's statistics as written (by generate.py's own encoder, or by
 * merge) equal phase_stats_json of the decoded histogram. */
static void check_stats_agree(const report_t *r)
{
    static const char *const keys[] = {"count",  "min_us",  "p50_us", "p90_us",
                                       "p99_us", "p999_us", "max_us"};
    for (size_t i = 0; i < r->nphases; i++) {
        const json_t *given = json_object_get(json_object_get(r->root, "phases"), r->phases[i].key);
        json_t *mine = phase_stats_json(r->phases[i].hist, r->phases[i].divisor);
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
            double a = json_number_value(json_object_get(given, keys[k]));
            double b = json_number_value(json_object_get(mine, keys[k]));
            if (a != b)
                fail_msg("%s: phases.%s.%s is %.17g, recomputed %.17g", r->label, r->phases[i].key,
                         keys[k], a, b);
        }
        const char *approx[] = {"mean_us", "stddev_us"};
        for (size_t k = 0; k < 2; k++) {
            double a = json_number_value(json_object_get(given, approx[k]));
            double b = json_number_value(json_object_get(mine, approx[k]));
            if (fabs(a - b) > 1e-9 * fabs(a) + 1e-9)
                fail_msg("%s: phases.%s.%s is %.17g, recomputed %.17g", r->label, r->phases[i].key,
                         approx[k], a, b);
        }
        json_decref(mine);
    }
}

static void test_data_reports(void **state)
{
    static const bad_case_t cases[] = {
        {"valid_small.json", NULL},
        {"valid_small_b.json", NULL},
        {"valid_merged.json", NULL},
        {"bad_version.json", "report_version"},
        {"bad_encoding.json", "phases.tcp_connect.histogram.encoding"},
        {"bad_bucket_index.json", "phases.ttfb.histogram.buckets[1]: index 99999 out of range"},
        {"bad_unsorted.json", "phases.ttfb.histogram.buckets[1]"},
        {"bad_counts.json", "phases.ttfb.histogram.buckets: counts sum to"},
        {"bad_missing_tls.json", "tls: missing"},
        {"truncated.json", "invalid JSON"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[700], err[1024] = "";
        snprintf(path, sizeof(path), "%s/tests/data/reports/%s", TLSPROF_SOURCE_DIR, cases[i].file);
        report_t *r = report_read(path, err, sizeof(err));
        if (!cases[i].expect) {
            if (!r) fail_msg("%s rejected: %s", cases[i].file, err);
            check_stats_agree(r);
            report_free(r);
            continue;
        }
        if (r) fail_msg("%s accepted", cases[i].file);
        if (!strstr(err, cases[i].expect) || !strstr(err, cases[i].file))
            fail_msg("%s: message \"%s\" lacks \"%s\"", cases[i].file, err, cases[i].expect);
    }
}

/* Timeseries, slowest lists and the other non-histogram sections of the
 * checked-in samples (200 and 150 connections). */
static void test_merge_sections(void **state)
{
    char a[700], b[700];
    snprintf(a, sizeof(a), "%s/tests/data/reports/valid_small.json", TLSPROF_SOURCE_DIR);
    snprintf(b, sizeof(b), "%s/tests/data/reports/valid_small_b.json", TLSPROF_SOURCE_DIR);
    char *argv[] = {"merge", a, b, "-o", tmp_path("sections.json"), NULL};
    assert_int_equal(run_captured(merge_main, argv, NULL, NULL), EXIT_OK);
    report_t *m = read_ok(tmp_path("sections.json"));
    const json_t *r = m->root;
    /* intervals aligned by position: counters summed, percentiles dropped */
    assert_int_equal(json_array_size(jget(r, "timeseries")), 2);
    assert_int_equal(jint(r, "timeseries.0.requests_ok"), 100 + 75);
    assert_int_equal(jint(r, "timeseries.1.connections_opened"), 102 + 77);
    assert_int_equal(jint(r, "timeseries.0.phases.tcp_connect.count"), 175);
    assert_true(jnum(r, "timeseries.0.phases.tcp_connect.max_us") == 99.0);
    assert_null(jget(r, "timeseries.0.phases.tcp_connect.p50_us"));
    assert_true(jnum(r, "timeseries.1.t_s") == 2.0);
    /* slowest: longest input list (3), slowest first, tagged with a source */
    const json_t *slow = jget(r, "slowest");
    assert_int_equal(json_array_size(slow), 3);
    double prev = INFINITY;
    size_t i;
    json_t *story;
    json_array_foreach(slow, i, story)
    {
        double c = jnum(story, "phases_us.connection");
        assert_true(c <= prev);
        prev = c;
        json_int_t src = jint(story, "source");
        assert_true(src == 0 || src == 1);
    }
    assert_int_equal(jint(r, "tcp.time_wait.peak"), 350);
    assert_true(jget(r, "tcp.time_wait.server_side") &&
                json_is_null(jget(r, "tcp.time_wait.server_side")));
    assert_string_equal(jstr(r, "tcp.time_wait.holder"), "client");
    assert_string_equal(jstr(r, "tls.certificate.verify"), "skipped (-k)");
    assert_int_equal(jint(r, "tls.resumption.ticket_lifetime_hint_s.max"), 7200);
    assert_int_equal(jint(r, "tcp.system_deltas.TW"), 350);
    assert_int_equal(json_array_size(jget(r, "client.threads")), 2);
    assert_int_equal(jint(r, "tcp.ephemeral_ports.range.0"), 32768);
    report_free(m);
}

/* The real binary dispatches to the same code (main.c wiring). */
static void test_binary_dispatch(void **state)
{
    spec_t sp = {71, 100, 1.0, 1.0, "https://127.0.0.1:1/", 0};
    json_t *j = make_report(&sp, NULL);
    write_report(j, tmp_path("bin_in.json"));
    json_decref(j);
    run_result_t r = {0};
    assert_int_equal(run_tlsprof(&r, "merge %s %s -o %s", tmp_path("bin_in.json"),
                                 tmp_path("bin_in.json"), tmp_path("bin.json")),
                     0);
    if (r.exit_code != EXIT_OK) fail_msg("tlsprof merge exited %d: %s", r.exit_code, r.err);
    run_result_free(&r);
    memset(&r, 0, sizeof(r));
    assert_int_equal(
        run_tlsprof(&r, "compare %s %s", tmp_path("bin_in.json"), tmp_path("bin.json")), 0);
    if (r.exit_code != EXIT_OK) fail_msg("tlsprof compare exited %d: %s", r.exit_code, r.err);
    assert_non_null(strstr(r.out, "tcp_connect"));
    run_result_free(&r);
}

static int setup(void **state)
{
    tmpdir = make_temp_dir("mergecmp");
    return tmpdir ? 0 : -1;
}

static int teardown(void **state)
{
    rm_rf(tmpdir);
    free(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_exact),
        cmocka_unit_test(test_merge_of_merged),
        cmocka_unit_test(test_merge_to_stdout_and_url_warning),
        cmocka_unit_test(test_compare_self_is_quiet),
        cmocka_unit_test(test_compare_flags_slower_ttfb),
        cmocka_unit_test(test_compare_too_few_samples),
        cmocka_unit_test(test_noise_matches_exact_interval),
        cmocka_unit_test(test_malformed_inputs_rejected),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_data_reports),
        cmocka_unit_test(test_merge_sections),
        cmocka_unit_test(test_binary_dispatch),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
