/* test_html.c - the HTML report, checked as a file and in a real browser.
 *
 * Fixtures (tests/data/html/) are hand-written reports. Where a phase says
 * {"synth": ...} the test replaces it with a genuine phase object: samples
 * from a deterministic log-normal (or an exact value list) recorded with the
 * hist API and encoded with phase_stats_json, exactly as a run writes it.
 * The histograms built here are the independent truth the charts are
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
#include "html_check.h"
#include "measure/hist.h"
#include "measure/stats.h"
#include "report/compare.h"
#include "report/report_html.h"
#include "report/report_read.h"
#include "report/report_html_buf.h"
#include "report/report_html_svg.h"

#define EVIL "</script><img src=x onerror=alert(1)>"
#define EVIL_ESCAPED "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"

/* ---- fixtures ------------------------------------------------------------ */

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double unit01(uint64_t *s)
{
    return ((double)(splitmix(s) >> 11) + 0.5) / 9007199254740992.0;
}

/* Builds the histogram a synth spec describes into h. */
static void synth_hist(hist_t *h, const json_t *spec, const char *key, const json_t *siblings)
{
    hist_init(h);
    const json_t *merge = json_object_get(spec, "merge");
    const json_t *exact = json_object_get(spec, "exact");
    if (merge) {
        size_t i;
        json_t *name;
        json_array_foreach(merge, i, name)
        {
            hist_t part;
            char err[200];
            const json_t *ph = json_object_get(siblings, json_string_value(name));
            assert_non_null(ph);
            assert_int_equal(hist_from_json(&part, json_object_get(ph, "histogram"), err, 200), 0);
            hist_merge(h, &part);
        }
    } else if (exact) {
        size_t i;
        json_t *pair;
        json_array_foreach(exact, i, pair)
        {
            for (json_int_t k = 0; k < json_integer_value(json_array_get(pair, 1)); k++)
                hist_record(h, (uint64_t)json_integer_value(json_array_get(pair, 0)));
        }
    } else {
        double median = json_number_value(json_object_get(spec, "median_us"));
        double p99 = json_number_value(json_object_get(spec, "p99_us"));
        json_int_t n = json_integer_value(json_object_get(spec, "count"));
        double sigma = median > 0 ? log(p99 / median) / 2.326 : 0;
        uint64_t seed = 1469598103934665603ull;
        for (const char *c = key; *c; c++)
            seed = (seed ^ (unsigned char)*c) * 1099511628211ull;
        for (json_int_t i = 0; i < n; i++) {
            double z = sqrt(-2 * log(unit01(&seed))) * cos(6.283185307179586 * unit01(&seed));
            hist_record(h, (uint64_t)llround(median * exp(sigma * z) * 1000.0));
        }
    }
}

/* Replaces every {"synth": ...} member of obj (merges last, they need the rest). */
static void complete_synth(json_t *obj)
{
    static hist_t h;
    for (int pass = 0; pass < 2; pass++) {
        const char *key;
        json_t *val;
        json_object_foreach(obj, key, val)
        {
            json_t *spec = json_object_get(val, "synth");
            if (!spec || (pass == 0) == (json_object_get(spec, "merge") != NULL)) continue;
            synth_hist(&h, spec, key, obj);
            json_object_set_new(obj, key, phase_stats_json(&h, stats_unit_divisor(key)));
        }
    }
}

static json_t *load_fixture(const char *name)
{
    char path[1024];
    json_error_t e;
    snprintf(path, sizeof path, "%s/tests/data/html/%s", TLSPROF_SOURCE_DIR, name);
    json_t *r = json_load_file(path, 0, &e);
    if (!r) fail_msg("%s:%d: %s", path, e.line, e.text);
    if (json_object_get(r, "phases")) complete_synth(json_object_get(r, "phases"));
    if (json_object_get(r, "tcp")) complete_synth(json_object_get(r, "tcp"));
    return r;
}

/* Set TLSPROF_HTML_OUT=DIR to keep a copy of every rendered page there, to
 * look at them in a browser. */
static void keep_copy(const json_t *report, const char *name)
{
    const char *out = getenv("TLSPROF_HTML_OUT");
    char path[1024], err[512];
    if (!out || !*out) return;
    snprintf(path, sizeof path, "%s/%s", out, name);
    if (report_html_write(report, path, err, sizeof err) != 0) print_message("%s\n", err);
}

static char *render(const json_t *report, const char *dir, const char *name)
{
    char path[1024], err[512] = "";
    keep_copy(report, name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (report_html_write(report, path, err, sizeof err) != 0) fail_msg("render: %s", err);
    char *html = slurp_file(path, NULL);
    assert_non_null(html);
    return html;
}

/* ---- reading the HTML back ----------------------------------------------- */

static int count_str(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* Checks one tag's attributes: no event handlers, no attribute that loads
 * anything (only in-page href="#..."), no url() in a style. Attribute values
 * may contain any escaped text (a title showing a hostile reason is fine). */
static void check_tag(const char *p, const char *end)
{
    static const char *const loaders[] = {"src",  "srcset",     "href",   "xlink:href", "action",
                                          "data", "formaction", "poster", "background"};
    while (p < end && *p != ' ' && *p != '\n')
        p++; /* the tag name */
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\n' || *p == '/'))
            p++;
        const char *name = p;
        while (p < end && *p != '=' && *p != ' ' && *p != '/')
            p++;
        size_t nlen = (size_t)(p - name);
        const char *val = "", *vend = val;
        if (p < end && *p == '=') {
            char q = *++p;
            if (q == '"' || q == '\'') {
                val = ++p;
                while (p < end && *p != q)
                    p++;
                vend = p++;
            } else {
                val = p;
                while (p < end && *p != ' ')
                    p++;
                vend = p;
            }
        }
        if (nlen == 0) continue;
        char *n = strndup(name, nlen), *v = strndup(val, (size_t)(vend - val));
        if (strncasecmp(n, "on", 2) == 0) fail_msg("event handler attribute %s=%s", n, v);
        for (size_t i = 0; i < sizeof loaders / sizeof loaders[0]; i++)
            if (strcasecmp(n, loaders[i]) == 0 && !(strcasecmp(n, "href") == 0 && v[0] == '#'))
                fail_msg("attribute loads from outside the page: %s=\"%s\"", n, v);
        if (strcasecmp(n, "style") == 0 && strstr(v, "url(")) fail_msg("style with url(): %s", v);
        free(n);
        free(v);
    }
}

/* The page must reference nothing outside itself: no element that loads or
 * runs anything, no loading attribute, no CSS import or url(). Strings from
 * the report appear only escaped, so '<' always starts a tag of ours. */
static void assert_self_contained(const char *html)
{
    static const char *const banned[] = {
        "<script", "<link",   "<img", "<iframe", "<object",
        "<embed",  "@import", "url(", "<base",   "<meta http-equiv=\"refresh"};
    for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++)
        if (strcasestr(html, banned[i])) fail_msg("page contains %s", banned[i]);
    for (const char *p = strchr(html, '<'); p; p = strchr(p + 1, '<')) {
        const char *end = strchr(p, '>');
        assert_non_null(end);
        if (p[1] != '/' && p[1] != '!') check_tag(p + 1, end);
    }
}

/* Every page: self-contained, well formed (tests/support/html_check.c), and
 * its stylesheet is src/report/assets/report.css byte for byte, so the
 * asset CMake embeds is the one in the tree and cannot end the <style>. */
static void assert_page(const char *html)
{
    char err[600], path[1024];
    assert_self_contained(html);
    if (html_check_wellformed(html, err, sizeof err) != 0) fail_msg("not well formed: %s", err);
    snprintf(path, sizeof path, "%s/src/report/assets/report.css", TLSPROF_SOURCE_DIR);
    char *css = slurp_file(path, NULL);
    assert_non_null(css);
    assert_null(strcasestr(css, "</style"));
    const char *style = strstr(html, "<style>\n");
    assert_non_null(style);
    assert_int_equal(strncmp(style + 8, css, strlen(css)), 0);
    assert_int_equal(strncmp(style + 8 + strlen(css), "</style>", 8), 0);
    free(css);
}

/* The text of each cell of the <tr> of table data-table="TABLE" whose
 * first cell contains `key` (tags stripped, entities left), up to max. */
static int table_row(const char *html, const char *table, const char *key, char cells[][96],
                     int max)
{
    char open[128];
    snprintf(open, sizeof open, "data-table=\"%s\"", table);
    const char *t = strstr(html, open);
    if (!t) fail_msg("table %s missing", table);
    const char *tend = strstr(t, "</table>");
    const char *k = strstr(t, key);
    if (!k || k > tend) fail_msg("row %s missing from table %s", key, table);
    const char *row = k;
    while (strncmp(row, "<tr", 3) != 0)
        row--;
    const char *rend = strstr(row, "</tr>");
    int n = 0;
    for (const char *c = row + 3; c < rend && n < max;) {
        const char *td = strstr(c, "<td"), *th = strstr(c, "<th");
        const char *cell = !td ? th : !th ? td : td < th ? td : th;
        if (!cell || cell >= rend) break;
        const char *p = strchr(cell, '>') + 1,
                   *close = strstr(p, cell[2] == 'd' ? "</td>" : "</th>");
        size_t o = 0;
        for (int in_tag = 0; p < close && o + 1 < 96; p++) {
            if (*p == '<')
                in_tag = 1;
            else if (*p == '>')
                in_tag = 0;
            else if (!in_tag)
                cells[n][o++] = *p;
        }
        cells[n++][o] = '\0';
        c = close + 5;
    }
    return n;
}

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

static const hist_t *phase_hist(const json_t *report, const char *phase)
{
    static hist_t h;
    char err[200];
    json_t *j =
        json_object_get(json_object_get(json_object_get(report, "phases"), phase), "histogram");
    assert_int_equal(hist_from_json(&h, j, err, sizeof err), 0);
    return &h;
}

/* The curve of a distribution chart, checked against the histogram. */
static void check_distribution(const char *html, const char *id, int series, const json_t *report,
                               const char *phase)
{
    char *svg = chart_svg(html, id);
    if (!svg) fail_msg("chart %s missing", id);
    assert_int_equal(count_str(svg, "<path class=\"series\""), series);
    pts_t *p = malloc(sizeof *p);
    assert_true(series_points(svg, 0, p) >= 50);
    for (int i = 1; i < p->n; i++) {
        assert_true(p->x[i] > p->x[i - 1]);  /* percentile grows */
        assert_true(p->y[i] <= p->y[i - 1]); /* latency never falls (SVG y grows down) */
    }
    yaxis_t ax;
    read_y_axis(svg, &ax);
    const hist_t *h = phase_hist(report, phase);
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

/* Every column of the phase table against the histograms the test built:
 * count, min, mean, p50, p90, p99, p99.9 and max in the page's units. */
static void check_phase_rows(const char *html, const json_t *r)
{
    static const char *const phases[] = {"tcp_connect", "tls_handshake", "ttfb", "connection"};
    for (size_t i = 0; i < sizeof phases / sizeof phases[0]; i++) {
        const hist_t *h = phase_hist(r, phases[i]);
        char key[64], cells[12][96], want[9][48];
        snprintf(key, sizeof key, "<code>%s</code>", phases[i]);
        assert_int_equal(table_row(html, "phases", key, cells, 12), 9);
        const double us[7] = {(double)h->min / 1000,
                              hist_mean(h) / 1000,
                              (double)hist_percentile(h, 50) / 1000,
                              (double)hist_percentile(h, 90) / 1000,
                              (double)hist_percentile(h, 99) / 1000,
                              (double)hist_percentile(h, 99.9) / 1000,
                              (double)h->max / 1000};
        fmt_count((double)h->count, want[1], sizeof want[1]);
        for (int k = 0; k < 7; k++)
            fmt_us(us[k], want[2 + k], sizeof want[2 + k]);
        for (int k = 1; k < 9; k++)
            if (strcmp(cells[k], want[k]) != 0)
                fail_msg("phase %s column %d: page says %s, histogram %s", phases[i], k, cells[k],
                         want[k]);
    }
    /* A phase without samples says so across its seven value columns. */
    char cells[12][96];
    assert_int_equal(table_row(html, "phases", "<code>dns</code>", cells, 12), 3);
    assert_string_equal(cells[1], "0");
    assert_string_equal(cells[2], "no samples");
    assert_non_null(strstr(html, "<td class=\"muted\" colspan=\"7\">no samples</td>"));
}

typedef struct named_count {
    const char *name, *name2;
    double count;
} named_count;

static int by_count_desc(const void *a, const void *b)
{
    const named_count *x = a, *y = b;
    return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

/* Count cards: every name with its count and its share of the total, the
 * largest first, from the fixture's own numbers (which have no ties). */
static void check_count_cards(const char *html, const json_t *r)
{
    static const char *const keys[] = {"versions", "ciphers", "groups", "sigalgs", "alpn"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const json_t *obj = json_object_get(json_object_get(r, "tls"), keys[i]);
        named_count rows[16];
        size_t n = 0;
        double total = 0;
        const char *name;
        json_t *v;
        json_object_foreach((json_t *)obj, name, v)
        {
            rows[n++] = (named_count){name, NULL, json_number_value(v)};
            total += json_number_value(v);
        }
        qsort(rows, n, sizeof rows[0], by_count_desc);
        const char *last = html;
        for (size_t k = 0; k < n; k++) {
            char want[256], c[32];
            snprintf(want, sizeof want,
                     "<code>%s</code></th><td class=\"num\">%s</td><td class=\"num "
                     "muted\">%.1f%%</td>",
                     rows[k].name, fmt_count(rows[k].count, c, sizeof c),
                     100 * rows[k].count / total);
            const char *at = strstr(last, want);
            if (!at) fail_msg("count card %s: no row %s after the previous one", keys[i], want);
            last = at + strlen(want);
        }
    }
}

/* Errors: one row per phase and reason with its count, most frequent first. */
static void check_errors_table(const char *html, const json_t *r)
{
    const char *t = strstr(html, "data-table=\"errors\""), *pos = t;
    assert_non_null(t);
    const char *end = strstr(t, "</table>");
    named_count rows[32];
    size_t n = 0;
    const char *phase, *reason;
    json_t *reasons, *v;
    json_object_foreach(json_object_get((json_t *)r, "errors"), phase, reasons)
    {
        json_object_foreach(reasons, reason, v)
        {
            rows[n++] = (named_count){phase, reason, json_number_value(v)};
        }
    }
    qsort(rows, n, sizeof rows[0], by_count_desc);
    for (size_t k = 0; k < n; k++) {
        char want[400], c[32];
        snprintf(want, sizeof want,
                 "<td><code>%s</code></td><td class=\"wrap\">%s</td><td class=\"num\">%s</td>",
                 rows[k].name, rows[k].name2, fmt_count(rows[k].count, c, sizeof c));
        const char *at = strstr(pos, want);
        if (!at || at > end) fail_msg("errors table: %s missing or out of order", want);
        pos = at;
    }
    assert_int_equal(count_str(t, "<tr>") - count_str(end, "<tr>"), (int)n + 1); /* + header */
}

/* The compare page's tables against the two fixtures: headline numbers with
 * the change in the direction that is good for each, and the phase rows'
 * counts and percentiles against the histograms. */
static void check_compare_tables(const char *html, const json_t *a, const json_t *b)
{
    char cells[12][96];
    assert_int_equal(table_row(html, "compare-summary", "requests / s", cells, 12), 4);
    assert_string_equal(cells[1], "198");
    assert_string_equal(cells[2], "150");
    assert_string_equal(cells[3], "-24.2%"); /* (150 - 198) / 198 */
    assert_non_null(strstr(html, "<td class=\"num\">150</td><td class=\"num worse\">-24.2%</td>"));
    /* Failed requests: up is worse; 40 -> 60 is +50%. */
    assert_int_equal(table_row(html, "compare-summary", "requests failed", cells, 12), 4);
    assert_string_equal(cells[3], "+50.0%");
    assert_non_null(strstr(html, "<td class=\"num\">60</td><td class=\"num worse\">+50.0%</td>"));
    assert_int_equal(table_row(html, "compare-summary", "requests ok", cells, 12), 4);
    assert_string_equal(cells[3], "no change");

    static const char *const phases[] = {"tcp_connect", "ttfb"};
    for (size_t i = 0; i < 2; i++) {
        char key[64], want[32];
        snprintf(key, sizeof key, "<code>%s</code>", phases[i]);
        assert_int_equal(table_row(html, "compare-phases", key, cells, 12), 9);
        const hist_t *h[2];
        hist_t copy;
        h[0] = phase_hist(a, phases[i]);
        copy = *h[0]; /* phase_hist returns one static histogram */
        h[0] = &copy;
        h[1] = phase_hist(b, phases[i]);
        for (int s = 0; s < 2; s++) {
            assert_string_equal(cells[1 + s], fmt_count((double)h[s]->count, want, sizeof want));
            fmt_us((double)hist_percentile(h[s], 50) / 1000, want, sizeof want);
            assert_string_equal(cells[3 + s], want);
            fmt_us((double)hist_percentile(h[s], 99) / 1000, want, sizeof want);
            assert_string_equal(cells[6 + s], want);
        }
    }
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
    json_t *r = load_fixture("full.json");
    char *html = render(r, dir, "full.html");
    assert_int_equal(strncmp(html, "<!DOCTYPE html>", 15), 0);
    assert_non_null(strstr(html, "</html>\n"));
    assert_page(html);

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
    assert_int_equal(count_str(svg, "class=\"band\""), err_intervals);
    assert_int_equal(count_str(svg, "class=\"marker\""), rt_intervals);
    free(svg);
    svg = chart_svg(html, "ts-errors");
    assert_non_null(svg);
    assert_int_equal(count_str(svg, "fill=\"" COL_VERMILLION "\">"), err_intervals);
    free(svg);
    svg = chart_svg(html, "ts-throughput");
    assert_non_null(svg);
    assert_int_equal(series_points(svg, 0, p), (int)json_array_size(ts));
    free(svg);

    /* Waterfall: a row per story; bar widths in proportion to the phases. */
    json_t *slowest = json_object_get(r, "slowest");
    assert_int_equal(count_str(html, "<tr class=\"wf-row\">"), (int)json_array_size(slowest));
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
    check_phase_rows(html, r);
    check_count_cards(html, r);
    check_errors_table(html, r);
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
    json_t *r = load_fixture("minimal.json"), *ts = json_array();
    for (int i = 0; i < 5000; i++) {
        int spike = i == 3333;
        json_array_append_new(
            ts, json_pack("{s:f,s:i,s:i,s:i,s:i,s:{s:{s:i,s:f,s:f,s:f}}}", "t_s", i + 1.0,
                          "connections_opened", 100, "requests_ok", 100, "errors", spike ? 7 : 0,
                          "retransmits", 0, "phases", "tcp_connect", "count", 100, "p50_us", 200.0,
                          "p99_us", spike ? 50000.0 : 1000.0, "max_us", spike ? 60000.0 : 1200.0));
    }
    json_object_set_new(r, "timeseries", ts);
    char *html = render(r, dir, "long.html");
    assert_page(html);
    pts_t *p = malloc(sizeof *p);
    char *svg = chart_svg(html, "ts-throughput");
    assert_non_null(svg);
    int n = series_points(svg, 0, p);
    assert_true(n >= 500 && n <= 1200);
    for (int i = 1; i < n; i++)
        assert_true(fabs(p->y[i] - p->y[0]) < 0.05); /* steady 100/s */
    free(svg);
    svg = chart_svg(html, "ts-errors");
    assert_int_equal(count_str(svg, "fill=\"" COL_VERMILLION "\">"), 1);
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
    json_t *r = load_fixture("minimal.json");
    char *html = render(r, dir, "minimal.html");
    assert_page(html);
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
    html = render(bare, dir, "bare.html");
    assert_page(html);
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
    json_t *r = load_fixture("malicious.json");
    char *html = render(r, dir, "evil.html");
    assert_page(html); /* no <img, no <script, no onerror inside a tag */
    assert_null(strstr(html, EVIL));
    assert_null(strstr(html, "</script>"));
    /* Every place the string was planted shows it as text: url (title, h1),
     * version, cpu, crypto cap, phase key, TLS version, verify, sysctl name,
     * error reason and phase, warning, hint, evidence, local, outcome, error. */
    assert_true(count_str(html, EVIL_ESCAPED) >= 15);
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

    r = load_fixture("minimal.json");
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
    json_t *a = load_fixture("full.json"), *b = load_fixture("full.json");
    /* B: the same run with every tcp_connect sample 3x slower. */
    json_t *spec = json_pack("{s:{s:f,s:f,s:i}}", "synth", "median_us", 540.0, "p99_us", 2700.0,
                             "count", 3990);
    json_object_set_new(json_object_get(b, "phases"), "tcp_connect", spec);
    complete_synth(json_object_get(b, "phases"));
    json_object_set_new(json_object_get(b, "platform"), "cpu_model", json_string("Other " EVIL));
    /* ... and fewer requests per second, more failed ones. */
    json_object_set_new(json_object_get(b, "summary"), "requests_per_s", json_real(150.0));
    json_object_set_new(json_object_get(b, "summary"), "requests_failed", json_integer(60));

    snprintf(path, sizeof path, "%s/cmp.html", dir);
    if (report_html_write_compare(a, b, NULL, path, err, sizeof err) != 0) fail_msg("%s", err);
    if (getenv("TLSPROF_HTML_OUT")) {
        char keep[1024];
        snprintf(keep, sizeof keep, "%s/compare.html", getenv("TLSPROF_HTML_OUT"));
        report_html_write_compare(a, b, NULL, keep, err, sizeof err);
    }
    char *html = slurp_file(path, NULL);
    assert_page(html);
    char *svg = chart_svg(html, "compare-tcp_connect");
    assert_non_null(svg);
    assert_int_equal(count_str(svg, "<path class=\"series\""), 2); /* A and B overlaid */
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
    check_compare_tables(html, a, b);
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
    assert_page(html);
    free(html);
    json_decref(cmp);
    report_free(ra);
    report_free(rb);
    json_decref(a);
    json_decref(b);
    rm_rf(dir);
    free(dir);
}

/* The report fixtures of compare and merge (tests/data/reports/, written by
 * tlsprof itself: generate.py) render as well-formed pages too: each run
 * alone, the merged one with its sources, and the two small runs compared
 * with and without the comparison JSON. */
static void test_report_fixtures(void **state)
{
    static const char *const runs[] = {"valid_small.json", "valid_small_b.json",
                                       "valid_merged.json"};
    char *dir = make_temp_dir("html"), path[1024], err[512] = "";
    json_t *r[3];
    for (int i = 0; i < 3; i++) {
        json_error_t e;
        snprintf(path, sizeof path, "%s/tests/data/reports/%s", TLSPROF_SOURCE_DIR, runs[i]);
        r[i] = json_load_file(path, 0, &e);
        if (!r[i]) fail_msg("%s:%d: %s", path, e.line, e.text);
        char *html = render(r[i], dir, runs[i]);
        assert_page(html);
        size_t nsrc = json_array_size(json_object_get(r[i], "sources"));
        if (nsrc > 0) {
            char want[96];
            snprintf(want, sizeof want, "Merged report: the numbers combine %zu runs (", nsrc);
            assert_non_null(strstr(html, want));
        }
        free(html);
    }
    report_t *ra = report_from_json("valid_small.json", r[0], err, sizeof err);
    report_t *rb = report_from_json("valid_small_b.json", r[1], err, sizeof err);
    if (!ra || !rb) fail_msg("fixture does not validate: %s", err);
    json_t *cmp = compare_reports(ra, rb);
    assert_non_null(cmp);
    for (int with = 0; with < 2; with++) {
        snprintf(path, sizeof path, "%s/cmp%d.html", dir, with);
        if (report_html_write_compare(r[0], r[1], with ? cmp : NULL, path, err, sizeof err) != 0)
            fail_msg("%s", err);
        char *html = slurp_file(path, NULL);
        assert_page(html);
        assert_non_null(strstr(html, "data-table=\"compare-phases\""));
        free(html);
    }
    json_decref(cmp);
    report_free(ra);
    report_free(rb);
    for (int i = 0; i < 3; i++)
        json_decref(r[i]);
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
    json_t *r = load_fixture("full.json");
    char *html = render(r, dir, "full.html");
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
    assert_int_equal(count_str(res.out, "<svg class=\"chart\""),
                     count_str(html, "<svg class=\"chart\""));
    assert_int_equal(count_str(res.out, "<path class=\"series\""),
                     count_str(html, "<path class=\"series\""));
    assert_true(count_str(res.out, "<svg class=\"chart\"") >= 12);
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
    json_t *r = load_fixture("malicious.json");
    free(render(r, dir, "evil.html"));
    snprintf(path, sizeof path, "%s/evil.html", dir);
    run_result_t res;
    chromium(&res, dir, path, "--dump-dom");
    /* The browser parsed the planted markup as text: no element came of it. */
    assert_null(strstr(res.out, "<img"));
    assert_null(strstr(res.out, "onerror=\""));
    assert_true(count_str(res.out, EVIL_ESCAPED) >= 15);
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
        cmocka_unit_test(test_report_fixtures),
        cmocka_unit_test(test_browser_renders),
        cmocka_unit_test(test_browser_malicious),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
