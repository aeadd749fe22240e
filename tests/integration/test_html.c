/* test_html.c - the HTML report's charts and its safety, checked as a file
 * and in a real browser (its tables: test_html_tables.c).
 *
 * The fixtures of tests/data/html/ are made real by tests/support/
 * html_pages.c: their histograms are the independent truth the charts are
 * checked against: a curve's first and last points, read back through the
 * chart's own y-axis tick labels, must land on the histogram's min and max.
 *
 * The browser part runs Debian's chromium headless (skipped with a message
 * when it is not installed; scripts/test.sh installs it): a screenshot must
 * render, the console must stay silent, and the DOM after load must hold the
 * charts and no element injected through the malicious fixture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "html_pages.h"
#include "measure/hist.h"
#include "measure/stats.h"
#include "report/compare.h"
#include "report/report_html.h"
#include "report/report_read.h"
#include "report/report_html_buf.h"
#include "report/report_html_svg.h"

#define EVIL "</script><img src=x onerror=alert(1)>"
#define EVIL_ESCAPED "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"

/* ---- reading the charts back ------------------------------------------- */

/* The <svg class="chart" data-chart="ID"> element's text, or NULL. */
static char *chart_svg(const char *html, const char *id)
{
    char open[160];
    snprintf(open, sizeof open, "<svg class=\"chart\" data-chart=\"%s\"", id);
    const char *s = strstr(html, open);
    if (!s) return NULL;
    const char *e = strstr(s, "</svg>");
    assert_non_null(e);
    return strndup(s, (size_t)(e - s));
}

typedef struct pts {
    double x[1024], y[1024];
    int n;
} pts_t;

/* Points of the k-th <path class="series" d="M..."> in svg; -1 when absent. */
static int series_points(const char *svg, int k, pts_t *p)
{
    const char *s = svg;
    for (int i = 0; i <= k; i++) {
        s = strstr(s, "<path class=\"series\" d=\"");
        if (!s) return -1;
        s += strlen("<path class=\"series\" d=\"");
    }
    p->n = 0;
    while (*s && *s != '"' && p->n < 1024) {
        while (*s == ' ' || *s == 'M' || *s == 'L')
            s++;
        char *end;
        double x = strtod(s, &end);
        if (end == s) break;
        double y = strtod(end, &end);
        p->x[p->n] = x;
        p->y[p->n++] = y;
        s = end;
    }
    return p->n;
}

/* A duration label as the y axis prints it ("500 µs", "2 ms") in µs. */
static double parse_us(const char *label)
{
    char *end;
    double v = strtod(label, &end);
    while (*end == ' ')
        end++;
    if (strncmp(end, "ns", 2) == 0) return v / 1000;
    if (strncmp(end, "µs", strlen("µs")) == 0) return v;
    if (strncmp(end, "ms", 2) == 0) return v * 1000;
    if (*end == 's') return v * 1e6;
    return NAN;
}

/* Reads the y axis of a log-scale latency chart from its tick labels and
 * maps a y coordinate back to µs. */
typedef struct yaxis {
    double y0, v0, y1, v1;
} yaxis_t;

static void read_y_axis(const char *svg, yaxis_t *a)
{
    int n = 0;
    const char *key = "text-anchor=\"end\" dy=\"0.32em\">";
    for (const char *s = strstr(svg, key); s; s = strstr(s + 1, key)) {
        const char *ys = s;
        while (ys > svg && strncmp(ys, " y=\"", 4) != 0)
            ys--;
        double y = strtod(ys + 4, NULL), v = parse_us(s + strlen(key));
        assert_true(isfinite(v) && v > 0);
        if (n++ == 0) {
            a->y0 = y;
            a->v0 = v;
        }
        a->y1 = y;
        a->v1 = v;
    }
    assert_true(n >= 2);
    assert_true(a->v1 > a->v0 && a->y1 < a->y0);
}

static double y_to_us(const yaxis_t *a, double y)
{
    double f = (y - a->y0) / (a->y1 - a->y0);
    return pow(10, log10(a->v0) + f * (log10(a->v1) - log10(a->v0)));
}

static void assert_close(double got, double want, double rel, const char *what)
{
    if (!(fabs(got - want) <= rel * fabs(want)))
        fail_msg("%s: got %.3f, want %.3f (±%.1f%%)", what, got, want, rel * 100);
}

/* The curve of a distribution chart, checked against the histogram. */
static void check_distribution(const char *html, const char *id, int series, const json_t *report,
                               const char *phase)
{
    char *svg = chart_svg(html, id);
    if (!svg) fail_msg("chart %s missing", id);
    assert_int_equal(hp_count(svg, "<path class=\"series\""), series);
    pts_t *p = malloc(sizeof *p);
    assert_true(series_points(svg, 0, p) >= 50);
    for (int i = 1; i < p->n; i++) {
        assert_true(p->x[i] > p->x[i - 1]);  /* percentile grows */
        assert_true(p->y[i] <= p->y[i - 1]); /* latency never falls (SVG y grows down) */
    }
    yaxis_t ax;
    read_y_axis(svg, &ax);
    const hist_t *h = hp_phase_hist(report, phase);
    /* 0.1-unit rounding of coordinates over ~220 units for a few decades: < 2%. */
    assert_close(y_to_us(&ax, p->y[0]), (double)h->min / 1000, 0.02, "curve start = min");
    assert_close(y_to_us(&ax, p->y[p->n - 1]), (double)h->max / 1000, 0.02, "curve end = max");
    /* The p99 marker and the curve at x(99%) both show the histogram's p99. */
    const char *c = strstr(svg, " p99: ");
    assert_non_null(c);
    while (strncmp(c, "cy=\"", 4) != 0)
        c--;
    double want = (double)hist_percentile(h, 99) / 1000;
    assert_close(y_to_us(&ax, strtod(c + 4, NULL)), want, 0.02, "p99 marker");
    while (strncmp(c, "cx=\"", 4) != 0)
        c--;
    double cx = strtod(c + 4, NULL);
    int near = 0;
    for (int i = 1; i < p->n; i++)
        if (fabs(p->x[i] - cx) < fabs(p->x[near] - cx)) near = i;
    assert_true(fabs(p->x[near] - cx) < 0.2);
    assert_close(y_to_us(&ax, p->y[near]), want, 0.02, "curve at p99");
    free(p);
    free(svg);
}

/* ---- unit checks of the building blocks ---------------------------------- */

static void test_units_and_ticks(void **state)
{
    char s[32];
    assert_string_equal(fmt_us(0.812, s, sizeof s), "812 ns");
    assert_string_equal(fmt_us(41.23, s, sizeof s), "41.2 µs");
    assert_string_equal(fmt_us(999.7, s, sizeof s), "1 ms");
    assert_string_equal(fmt_us(1500, s, sizeof s), "1.5 ms");
    assert_string_equal(fmt_us(2310000, s, sizeof s), "2.31 s");
    assert_string_equal(fmt_us(100, s, sizeof s), "100 µs");
    assert_string_equal(fmt_count(1234567, s, sizeof s), "1,234,567");
    assert_string_equal(fmt_count(12, s, sizeof s), "12");
    assert_string_equal(fmt_num(0.25, s, sizeof s), "0.25");
    assert_string_equal(fmt_num(198.04, s, sizeof s), "198");
    double t[40];
    int n = ticks_log(20, 1000, t, 40); /* 20 50 100 200 500 1000 */
    assert_int_equal(n, 6);
    assert_true(t[0] == 20 && t[5] == 1000);
    n = ticks_log(40, 100, t, 40); /* too few 1-2-5 ticks: 40 50 ... 100 */
    assert_int_equal(n, 7);
    assert_true(nice125_floor(41.2) == 20 && nice125_ceil(97) == 100 && nice125_ceil(101) == 200);
    hbuf b;
    hb_init(&b);
    hb_esc(&b, EVIL "&\"'\x01");
    assert_string_equal(b.data, EVIL_ESCAPED "&amp;&quot;&#39;&#xFFFD;");
    hb_free(&b);
}

/* ---- the full report ----------------------------------------------------- */

static void test_full_report(void **state)
{
    char *dir = make_temp_dir("html");
    json_t *r = hp_load_fixture("full.json");
    char *html = hp_render(r, dir, "full.html");
    assert_int_equal(strncmp(html, "<!DOCTYPE html>", 15), 0);
    assert_non_null(strstr(html, "</html>\n"));
    hp_assert_page(html);

    check_distribution(html, "latency-tcp_connect", 1, r, "tcp_connect");
    check_distribution(html, "latency-ttfb", 1, r, "ttfb");
    /* Full and resumed overlaid (plus the total): the resumed p50 is lower. */
    check_distribution(html, "latency-tls_handshake", 3, r, "tls_handshake_full");
    char *svg = chart_svg(html, "latency-tls_handshake");
    const char *full = strstr(svg, "full handshake p50"), *res = strstr(svg, "resumed (PSK) p50");
    assert_non_null(full);
    assert_non_null(res);
    while (strncmp(full, "cy=\"", 4) != 0)
        full--;
    while (strncmp(res, "cy=\"", 4) != 0)
        res--;
    assert_true(strtod(res + 4, NULL) > strtod(full + 4, NULL) + 20);
    free(svg);
    assert_non_null(strstr(html, "No samples: DNS"));

    /* Time series: one point per interval, errors and retransmits where the
     * fixture has them. */
    json_t *ts = json_object_get(r, "timeseries");
    int err_intervals = 0, rt_intervals = 0;
    for (size_t i = 0; i < json_array_size(ts); i++) {
        err_intervals += json_integer_value(json_object_get(json_array_get(ts, i), "errors")) > 0;
        rt_intervals +=
            json_integer_value(json_object_get(json_array_get(ts, i), "retransmits")) > 0;
    }
    pts_t *p = malloc(sizeof *p);
    svg = chart_svg(html, "ts-tcp_connect");
    assert_non_null(svg);
    assert_int_equal(series_points(svg, 0, p), (int)json_array_size(ts));
    assert_int_equal(series_points(svg, 1, p), (int)json_array_size(ts));
    assert_int_equal(hp_count(svg, "class=\"band\""), err_intervals);
    assert_int_equal(hp_count(svg, "class=\"marker\""), rt_intervals);
    free(svg);
    svg = chart_svg(html, "ts-errors");
    assert_non_null(svg);
    assert_int_equal(hp_count(svg, "fill=\"" COL_VERMILLION "\">"), err_intervals);
    free(svg);
    svg = chart_svg(html, "ts-throughput");
    assert_non_null(svg);
    assert_int_equal(series_points(svg, 0, p), (int)json_array_size(ts));
    free(svg);

    /* Waterfall: a row per story; bar widths in proportion to the phases. */
    json_t *slowest = json_object_get(r, "slowest");
    assert_int_equal(hp_count(html, "<tr class=\"wf-row\">"), (int)json_array_size(slowest));
    assert_non_null(strstr(html, "SYN retransmitted"));
    assert_non_null(strstr(html, "The time axis is cut"));
    const char *row = strstr(html, "#2319</span>");
    assert_non_null(row);
    const char *tcp = strstr(row, "height=\"14\" fill=\"" COL_ORANGE "\"><title>tcp_connect");
    const char *tls = strstr(row, "height=\"14\" fill=\"" COL_BLUE "\"><title>tls_handshake");
    assert_non_null(tcp);
    assert_non_null(tls);
    while (strncmp(tcp, "width=\"", 7) != 0)
        tcp--;
    while (strncmp(tls, "width=\"", 7) != 0)
        tls--;
    assert_close(strtod(tls + 7, NULL) / strtod(tcp + 7, NULL), 5900.4 / 190.2, 0.03,
                 "waterfall tls/tcp width ratio");

    /* Tables and boxes. */
    assert_non_null(strstr(html, "class=\"warnings\""));
    assert_non_null(strstr(html, "the server may not share its ticket key"));
    assert_non_null(strstr(html, "stream reset by server: REFUSED_STREAM"));
    assert_non_null(strstr(html, "system-wide"));
    assert_non_null(strstr(html, "TcpRetransSegs"));
    assert_non_null(strstr(html, "70.0%")); /* resumption rate */
    free(p);
    free(html);
    json_decref(r);
    rm_rf(dir);
    free(dir);
}

/* A day-long run: thousands of intervals become at most ~1200 points, and
 * a one-interval spike survives the merging. */
static void test_long_timeseries(void **state)
{
    char *dir = make_temp_dir("html");
    json_t *r = hp_load_fixture("minimal.json"), *ts = json_array();
    for (int i = 0; i < 5000; i++) {
        int spike = i == 3333;
        json_array_append_new(
            ts, json_pack("{s:f,s:i,s:i,s:i,s:i,s:{s:{s:i,s:f,s:f,s:f}}}", "t_s", i + 1.0,
                          "connections_opened", 100, "requests_ok", 100, "errors", spike ? 7 : 0,
                          "retransmits", 0, "phases", "tcp_connect", "count", 100, "p50_us", 200.0,
                          "p99_us", spike ? 50000.0 : 1000.0, "max_us", spike ? 60000.0 : 1200.0));
    }
    json_object_set_new(r, "timeseries", ts);
    char *html = hp_render(r, dir, "long.html");
    hp_assert_page(html);
    pts_t *p = malloc(sizeof *p);
    char *svg = chart_svg(html, "ts-throughput");
    assert_non_null(svg);
    int n = series_points(svg, 0, p);
    assert_true(n >= 500 && n <= 1200);
    for (int i = 1; i < n; i++)
        assert_true(fabs(p->y[i] - p->y[0]) < 0.05); /* steady 100/s */
    free(svg);
    svg = chart_svg(html, "ts-errors");
    assert_int_equal(hp_count(svg, "fill=\"" COL_VERMILLION "\">"), 1);
    free(svg);
    svg = chart_svg(html, "ts-tcp_connect");
    assert_int_equal(series_points(svg, 1, p), n);
    yaxis_t ax;
    read_y_axis(svg, &ax);
    double top = INFINITY;
    for (int i = 0; i < n; i++)
        top = fmin(top, p->y[i]);
    assert_close(y_to_us(&ax, top), 50000, 0.02, "spike p99 after merging");
    assert_non_null(strstr(html, "5000 intervals are shown as"));
    free(svg);
    free(p);
    free(html);
    json_decref(r);
    rm_rf(dir);
    free(dir);
}

/* ---- degenerate and hostile inputs --------------------------------------- */

static void test_minimal_report(void **state)
{
    char *dir = make_temp_dir("html");
    json_t *r = hp_load_fixture("minimal.json");
    char *html = hp_render(r, dir, "minimal.html");
    hp_assert_page(html);
    /* Nothing to plot: "no data" panels, never axes without data. */
    assert_null(strstr(html, "<svg class=\"chart\""));
    assert_null(strstr(html, "<path"));
    assert_non_null(strstr(html, "data-chart=\"latency-none\""));
    assert_non_null(strstr(html, "data-chart=\"ts-none\""));
    assert_non_null(strstr(html, "data-chart=\"waterfall\""));
    assert_non_null(strstr(html, "No TCP data"));
    assert_non_null(strstr(html, "No errors."));
    free(html);

    /* A report that is nothing but its version still renders. */
    json_t *bare = json_pack("{s:i}", "report_version", 1);
    html = hp_render(bare, dir, "bare.html");
    hp_assert_page(html);
    assert_non_null(strstr(html, "data-chart=\"latency-none\""));
    assert_non_null(strstr(html, "No TLS data"));
    free(html);
    json_decref(bare);
    json_decref(r);
    rm_rf(dir);
    free(dir);
}

static void test_malicious_strings_are_escaped(void **state)
{
    char *dir = make_temp_dir("html");
    json_t *r = hp_load_fixture("malicious.json");
    char *html = hp_render(r, dir, "evil.html");
    hp_assert_page(html); /* no <img, no <script, no onerror inside a tag */
    assert_null(strstr(html, EVIL));
    assert_null(strstr(html, "</script>"));
    /* Every place the string was planted shows it as text: url (title, h1),
     * version, cpu, crypto cap, phase key, TLS version, verify, sysctl name,
     * error reason and phase, warning, hint, evidence, local, outcome, error. */
    assert_true(hp_count(html, EVIL_ESCAPED) >= 15);
    assert_non_null(strstr(html, "?a=&quot;b&quot;&amp;c=&#39;d&#39;"));
    free(html);
    json_decref(r);
    rm_rf(dir);
    free(dir);
}

static void test_rejects_and_write_errors(void **state)
{
    char *dir = make_temp_dir("html"), path[1024], err[512];
    json_t *r = json_pack("{s:i}", "report_version", 2);
    snprintf(path, sizeof path, "%s/v2.html", dir);
    assert_int_equal(report_html_write(r, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "report_version 2"));
    assert_int_equal(access(path, F_OK), -1);
    json_decref(r);

    r = hp_load_fixture("minimal.json");
    snprintf(path, sizeof path, "%s/no/such/dir/x.html", dir);
    assert_int_equal(report_html_write(r, path, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
    /* Replacing an existing file leaves only the new one, no temporary. */
    snprintf(path, sizeof path, "%s/out.html", dir);
    assert_int_equal(write_file(path, "old", 3), 0);
    assert_int_equal(report_html_write(r, path, err, sizeof err), 0);
    char *html = slurp_file(path, NULL);
    assert_int_equal(strncmp(html, "<!DOCTYPE html>", 15), 0);
    free(html);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -eq 1", dir);
    assert_int_equal(system(cmd), 0);
    json_decref(r);
    rm_rf(dir);
    free(dir);
}

/* ---- compare ------------------------------------------------------------- */

static void test_compare(void **state)
{
    char *dir = make_temp_dir("html"), path[1024], err[512] = "";
    json_t *a, *b; /* B: tcp_connect 3x slower, fewer requests per second */
    hp_compare_pair(&a, &b);
    json_object_set_new(json_object_get(b, "platform"), "cpu_model", json_string("Other " EVIL));

    snprintf(path, sizeof path, "%s/cmp.html", dir);
    if (report_html_write_compare(a, b, NULL, path, err, sizeof err) != 0) fail_msg("%s", err);
    if (getenv("TLSPROF_HTML_OUT")) {
        char keep[1024];
        snprintf(keep, sizeof keep, "%s/compare.html", getenv("TLSPROF_HTML_OUT"));
        report_html_write_compare(a, b, NULL, keep, err, sizeof err);
    }
    char *html = slurp_file(path, NULL);
    hp_assert_page(html);
    char *svg = chart_svg(html, "compare-tcp_connect");
    assert_non_null(svg);
    assert_int_equal(hp_count(svg, "<path class=\"series\""), 2); /* A and B overlaid */
    free(svg);
    /* tcp_connect got slower (significant, red); ttfb is identical (no colour). */
    const char *row = strstr(html, "<code>tcp_connect</code>");
    assert_non_null(row);
    const char *end = strstr(row, "</tr>");
    const char *worse = strstr(row, "class=\"num worse\">+");
    assert_true(worse && worse < end);
    row = strstr(html, "<code>ttfb</code>");
    end = strstr(row, "</tr>");
    const char *colour = strstr(row, "worse");
    assert_true(!colour || colour > end);
    assert_non_null(strstr(html, "different cpu_model"));
    free(html);

    /* With the comparison JSON of `tlsprof compare`: its file names, its
     * warnings, and its verdicts decide the colours. */
    report_t *ra = report_from_json("before.json", a, err, sizeof err);
    report_t *rb = report_from_json("after.json", b, err, sizeof err);
    if (!ra || !rb) fail_msg("fixture does not validate: %s", err);
    json_t *cmp = compare_reports(ra, rb);
    assert_non_null(cmp);
    assert_int_equal(report_html_write_compare(a, b, cmp, path, err, sizeof err), 0);
    html = slurp_file(path, NULL);
    assert_non_null(strstr(html, "<h1>Comparison: before.json vs after.json</h1>"));
    assert_non_null(strstr(html, "significant change"));
    row = strstr(html, "<code>tcp_connect</code>");
    worse = strstr(row, "class=\"num worse\">+");
    assert_true(worse && worse < strstr(row, "</tr>"));
    free(html);
    json_t *st = json_object_get(
        json_object_get(json_object_get(json_object_get(cmp, "phases"), "tcp_connect"), "stats"),
        "p50_us");
    json_object_set_new(st, "significant", json_false()); /* the page must follow it */
    json_array_append_new(json_object_get(cmp, "warnings"), json_string("comparison says: " EVIL));
    assert_int_equal(report_html_write_compare(a, b, cmp, path, err, sizeof err), 0);
    html = slurp_file(path, NULL);
    assert_non_null(strstr(html, "comparison says: " EVIL_ESCAPED));
    row = strstr(html, "<code>tcp_connect</code>");
    const char *noise = strstr(row, "(noise)");
    assert_true(noise && noise < strstr(row, "</tr>"));
    hp_assert_page(html);
    free(html);
    json_decref(cmp);
    report_free(ra);
    report_free(rb);
    json_decref(a);
    json_decref(b);
    rm_rf(dir);
    free(dir);
}

/* ---- the real browser ---------------------------------------------------- */

static const char *chromium_binary(void)
{
    static const char *const candidates[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser"};
    const char *env = getenv("TLSPROF_CHROMIUM");
    if (env && *env) return access(env, X_OK) == 0 ? env : NULL;
    for (size_t i = 0; i < 2; i++)
        if (access(candidates[i], X_OK) == 0) return candidates[i];
    return NULL;
}

#define CHROMIUM_MISSING "chromium not installed: run scripts/test.sh, which installs it"

/* Runs headless chromium on file://html with `mode` (--dump-dom or
 * --screenshot=PATH); no network: every host name resolves to nothing. */
static void chromium(run_result_t *res, const char *dir, const char *html, const char *mode)
{
    char profile[1100], url[1100], mode_arg[1100];
    snprintf(profile, sizeof profile, "--user-data-dir=%s/profile", dir);
    snprintf(url, sizeof url, "file://%s", html);
    snprintf(mode_arg, sizeof mode_arg, "%s", mode);
    char *argv[] = {(char *)chromium_binary(),
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--hide-scrollbars",
                    "--host-resolver-rules=MAP * ~NOTFOUND",
                    profile,
                    "--enable-logging=stderr",
                    "--v=0",
                    "--window-size=1280,2400",
                    mode_arg,
                    url,
                    NULL};
    assert_int_equal(run_command(res, 60, argv), 0);
    if (res->exit_code != 0) fail_msg("chromium exited %d: %s", res->exit_code, res->err);
    /* The page has no script: any console line, or a blocked load, is a bug. */
    static const char *const bad[] = {"Uncaught", "ERROR:CONSOLE", "Refused", ":CONSOLE"};
    for (size_t i = 0; i < 4; i++)
        if (strstr(res->err, bad[i])) fail_msg("browser console: %s", res->err);
}

static void test_browser_renders(void **state)
{
    if (!chromium_binary()) {
        print_message("SKIPPED: %s\n", CHROMIUM_MISSING);
        skip();
    }
    char *dir = make_temp_dir("html-browser"), path[1024], png[1024], shot[1100];
    json_t *r = hp_load_fixture("full.json");
    char *html = hp_render(r, dir, "full.html");
    snprintf(path, sizeof path, "%s/full.html", dir);
    snprintf(png, sizeof png, "%s/full.png", dir);
    snprintf(shot, sizeof shot, "--screenshot=%s", png);

    run_result_t res;
    chromium(&res, dir, path, shot);
    run_result_free(&res);
    size_t len = 0;
    unsigned char *img = (unsigned char *)slurp_file(png, &len);
    assert_non_null(img);
    assert_memory_equal(img, "\x89PNG\r\n\x1a\n", 8);
    uint32_t w = (uint32_t)img[16] << 24 | img[17] << 16 | img[18] << 8 | img[19];
    uint32_t h = (uint32_t)img[20] << 24 | img[21] << 16 | img[22] << 8 | img[23];
    assert_int_equal(w, 1280);
    assert_int_equal(h, 2400);
    /* A blank page of this size compresses to a few kB; charts do not. */
    if (len < 60000) fail_msg("screenshot only %zu bytes: page rendered (nearly) empty", len);
    free(img);

    chromium(&res, dir, path, "--dump-dom");
    /* After load the DOM holds every chart of the file, nothing more. */
    assert_int_equal(hp_count(res.out, "<svg class=\"chart\""),
                     hp_count(html, "<svg class=\"chart\""));
    assert_int_equal(hp_count(res.out, "<path class=\"series\""),
                     hp_count(html, "<path class=\"series\""));
    assert_true(hp_count(res.out, "<svg class=\"chart\"") >= 12);
    assert_null(strstr(res.out, "<script"));
    run_result_free(&res);
    free(html);
    json_decref(r);
    rm_rf(dir);
    free(dir);
}

static void test_browser_malicious(void **state)
{
    if (!chromium_binary()) {
        print_message("SKIPPED: %s\n", CHROMIUM_MISSING);
        skip();
    }
    char *dir = make_temp_dir("html-browser"), path[1024];
    json_t *r = hp_load_fixture("malicious.json");
    free(hp_render(r, dir, "evil.html"));
    snprintf(path, sizeof path, "%s/evil.html", dir);
    run_result_t res;
    chromium(&res, dir, path, "--dump-dom");
    /* The browser parsed the planted markup as text: no element came of it. */
    assert_null(strstr(res.out, "<img"));
    assert_null(strstr(res.out, "onerror=\""));
    assert_true(hp_count(res.out, EVIL_ESCAPED) >= 15);
    assert_non_null(strstr(res.out, "<svg class=\"chart\" data-chart=\"latency-tcp_connect\""));
    run_result_free(&res);
    json_decref(r);
    rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units_and_ticks),
        cmocka_unit_test(test_full_report),
        cmocka_unit_test(test_minimal_report),
        cmocka_unit_test(test_long_timeseries),
        cmocka_unit_test(test_malicious_strings_are_escaped),
        cmocka_unit_test(test_rejects_and_write_errors),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_browser_renders),
        cmocka_unit_test(test_browser_malicious),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
