/* test_html_charts.c - the chart parts of the HTML pages (grouped bars,
 * interval bar), rendered on their own and read back, and a page composed
 * of parts (the example of docs/html-report.md).
 *
 * The truth is the input: the values handed to a chart are checked against
 * the geometry read out of its SVG (a bar's top against the axis' own tick
 * labels, heights against each other); every fragment must be well formed
 * (tests/support/html_check.c) and escape what it was given. */
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

#include "html_check.h"
#include "html_pages.h"
#include "report/report_html_parts.h"

#define EVIL "</td><img src=x onerror=alert(1)>\"'&"
#define EVIL_ESCAPED "&lt;/td&gt;&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;"

/* ---- reading SVG back ---------------------------------------------------- */

/* The number in attribute `name` of the tag that starts at tag. */
static double attr(const char *tag, const char *name)
{
    char key[40];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *end = strchr(tag, '>'), *p = strstr(tag, key);
    if (!p || p > end) fail_msg("no %s in %.80s", name, tag);
    return strtod(p + strlen(key), NULL);
}

/* The rect of bar (c, s), or NULL. */
static const char *bar_rect(const char *svg, int c, int s)
{
    char key[64];
    snprintf(key, sizeof key, "<rect class=\"bar\" data-c=\"%d\" data-s=\"%d\"", c, s);
    return strstr(svg, key);
}

/* Tick labels of the value axis: values and their y, ascending values. */
typedef struct ticks {
    double v[64], pos[64];
    int n;
} ticks_t;

static void read_ticks(const char *svg, const char *key, const char *posattr, ticks_t *t)
{
    t->n = 0;
    for (const char *s = strstr(svg, key); s && t->n < 64; s = strstr(s + 1, key)) {
        const char *tag = s;
        while (tag > svg && *tag != '<')
            tag--;
        const char *label = strchr(s, '>') + 1;
        t->pos[t->n] = attr(tag, posattr);
        t->v[t->n++] = strtod(label, NULL);
    }
    assert_true(t->n >= 2);
}

/* Position of value v by linear interpolation between the first and last tick. */
static double tick_map(const ticks_t *t, double v, int log)
{
    double a = t->v[0], b = t->v[t->n - 1];
    double f = log ? (log10(v) - log10(a)) / (log10(b) - log10(a)) : (v - a) / (b - a);
    return t->pos[0] + f * (t->pos[t->n - 1] - t->pos[0]);
}

static void assert_near(double got, double want, double tol, const char *what)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("%s: got %.2f, want %.2f (±%.2f)", what, got, want, tol);
}

/* ---- grouped bars ------------------------------------------------------ */

static char *bars(const html_bar_chart *c, int *drawn)
{
    hbuf b;
    hb_init(&b);
    *drawn = html_bar_card(&b, c);
    hp_assert_fragment(b.data);
    return b.data; /* caller frees */
}

static void test_bars_proportional_with_ticks_and_legend(void **state)
{
    const char *cats[] = {"AES-128-GCM", "AES-256-GCM", "CHACHA20"};
    const html_bar_series ser[] = {{"machine A", COL_BLUE}, {"machine B", COL_VERMILLION}};
    const double v[] = {1200, 830, 1100, 790, 950, 1010};
    html_bar_chart c = {"bars", "Full handshakes / s", cats, 3, ser, 2, v,
                        0,      "handshakes / s",      NULL};
    int drawn;
    char *html = bars(&c, &drawn);
    assert_int_equal(drawn, 6);
    /* Legend: one swatch per series, in order, in its colour. */
    const char *l1 = strstr(html, "background:" COL_BLUE "\"></span>machine A</li>");
    const char *l2 = strstr(html, "background:" COL_VERMILLION "\"></span>machine B</li>");
    assert_true(l1 && l2 && l1 < l2);
    /* Value axis: linear ticks from 0, evenly spaced, covering the maximum. */
    ticks_t t;
    read_ticks(html, "text-anchor=\"end\" dy=\"0.32em\">", "y", &t);
    assert_true(t.v[0] == 0);
    assert_true(t.v[t.n - 1] >= 1200);
    for (int i = 1; i < t.n; i++) {
        assert_near(t.v[i] - t.v[i - 1], t.v[1] - t.v[0], 1e-9, "tick step");
        assert_near(t.pos[i], tick_map(&t, t.v[i], 0), 0.15, "tick position");
    }
    /* Every bar stands on 0, its top at its value on that axis, and heights
     * are in proportion to the values, all within half a viewBox unit. */
    double base = tick_map(&t, 0, 0);
    double unit = 0;
    for (int k = 0; k < 6; k++) {
        const char *r = bar_rect(html, k / 2, k % 2);
        assert_non_null(r);
        double y = attr(r, "y"), h = attr(r, "height");
        assert_near(y + h, base, 0.5, "bar bottom on 0");
        assert_near(y, tick_map(&t, v[k], 0), 0.5, "bar top at its value");
        if (k == 0) unit = h / v[0];
        assert_near(h, v[k] * unit, 0.5, "height proportional to value");
    }
    /* A value label per bar, in the bars' format. */
    assert_int_equal(hp_count(html, "class=\"value-label\""), 6);
    assert_non_null(strstr(html, ">830</text>"));
    assert_non_null(strstr(html, "<title>CHACHA20 — machine B: 1010</title>"));
    /* The categories under their groups. */
    for (int k = 0; k < 3; k++)
        assert_non_null(strstr(html, cats[k]));
    free(html);
}

static void test_bars_negative_zero_missing(void **state)
{
    const char *cats[] = {"x", "y"};
    const html_bar_series ser[] = {{"A", COL_BLUE}, {"B", COL_ORANGE}};
    const double v[] = {40, -20, 0, NAN};
    html_bar_chart c = {"signs", "Change", cats, 2, ser, 2, v, 0, NULL, NULL};
    int drawn;
    char *html = bars(&c, &drawn);
    assert_int_equal(drawn, 3);
    ticks_t t;
    read_ticks(html, "text-anchor=\"end\" dy=\"0.32em\">", "y", &t);
    assert_true(t.v[0] <= -20 && t.v[t.n - 1] >= 40);
    double zero = tick_map(&t, 0, 0);
    const char *pos = bar_rect(html, 0, 0), *neg = bar_rect(html, 0, 1), *z = bar_rect(html, 1, 0);
    assert_true(pos && neg && z);
    /* The positive bar ends on 0 from above, the negative one hangs from it. */
    assert_near(attr(pos, "y") + attr(pos, "height"), zero, 0.5, "positive bar bottom");
    assert_near(attr(neg, "y"), zero, 0.5, "negative bar top");
    assert_near(attr(neg, "y") + attr(neg, "height"), tick_map(&t, -20, 0), 0.5, "negative end");
    assert_near(attr(neg, "height") * 2, attr(pos, "height"), 0.5, "|-20| is half of 40");
    /* Zero: a bar of no height with a "0" label; missing: no bar, "n/a". */
    assert_near(attr(z, "height"), 0, 1e-9, "zero bar");
    assert_null(bar_rect(html, 1, 1));
    assert_non_null(strstr(html, "class=\"missing\""));
    assert_non_null(strstr(html, ">n/a</text><title>y — B: no value</title>"));
    assert_non_null(strstr(html, "class=\"zero\"")); /* the 0 line when the axis goes below */
    free(html);
}

static void test_bars_log_axis(void **state)
{
    const char *cats[] = {"a", "b", "c", "d"};
    const html_bar_series ser[] = {{"only", COL_GREEN}};
    const double v[] = {10, 100, 1000, 0};
    html_bar_chart c = {"log", "Log", cats, 4, ser, 1, v, 1, NULL, NULL};
    int drawn;
    char *html = bars(&c, &drawn);
    assert_int_equal(drawn, 3); /* 0 has no place on a log axis */
    assert_non_null(strstr(html, "<title>d — only: not drawn: a log axis has no place for values"));
    ticks_t t;
    read_ticks(html, "text-anchor=\"end\" dy=\"0.32em\">", "y", &t);
    assert_true(t.v[0] < 10 && t.v[t.n - 1] >= 1000);
    for (int i = 0; i < t.n; i++)
        assert_near(t.pos[i], tick_map(&t, t.v[i], 1), 0.15, "log tick position");
    double h[3];
    for (int k = 0; k < 3; k++) {
        const char *r = bar_rect(html, k, 0);
        assert_non_null(r);
        h[k] = attr(r, "height");
        assert_near(attr(r, "y"), tick_map(&t, v[k], 1), 0.5, "log bar top");
        assert_true(h[k] > 1); /* the smallest value still has a visible bar */
    }
    assert_near(h[1] - h[0], h[2] - h[1], 0.5, "a decade is the same height everywhere");
    free(html);

    /* Nothing placeable: a "no data" panel, no axes. */
    const double none[] = {NAN, NAN, NAN, NAN}, nonpos[] = {0, -1, 0, NAN};
    c.values = none;
    html = bars(&c, &drawn);
    assert_int_equal(drawn, 0);
    assert_non_null(strstr(html, "class=\"nodata\" data-chart=\"log\""));
    assert_null(strstr(html, "<svg"));
    free(html);
    c.values = nonpos;
    html = bars(&c, &drawn);
    assert_non_null(strstr(html, "no value above 0"));
    free(html);
}

static void test_bars_escaping_and_long_labels(void **state)
{
    const char *cats[] = {EVIL, "TLS_AES_256_GCM_SHA384 with x25519 and ECDSA P-256", "c", "d", "e",
                          "f"};
    const html_bar_series ser[] = {{EVIL, EVIL}}; /* a colour is escaped too */
    const double v[] = {1, 2, 3, 4, 5, 6};
    html_bar_chart c = {EVIL, EVIL, cats, 6, ser, 1, v, 0, EVIL, NULL};
    int drawn;
    char *html = bars(&c, &drawn);
    assert_null(strstr(html, "<img"));
    /* id, title (aria, <title>, card), category (tooltip, label), series
     * label (legend, 6 tooltips), colour (legend, 6 bars), axis title */
    assert_true(hp_count(html, EVIL_ESCAPED) >= 20);
    /* Long categories turn and the chart grows downwards for them; the cut
     * label keeps its full text in a tooltip. */
    assert_non_null(strstr(html, "rotate(-35)"));
    assert_non_null(
        strstr(html, "<title>TLS_AES_256_GCM_SHA384 with x25519 and ECDSA P-256</title>"));
    assert_non_null(strstr(html, "TLS_AES_256_GCM_SHA384 w…"));
    const char *vb = strstr(html, "viewBox=\"0 0 ");
    assert_non_null(vb);
    char *end;
    strtod(vb + strlen("viewBox=\"0 0 "), &end);
    assert_true(strtod(end, NULL) > CHART_H);
    free(html);
}

/* ---- interval bar ------------------------------------------------------ */

static const char *fmt_s(double v, char *out, size_t n)
{
    snprintf(out, n, "%g s", v);
    return out;
}

static char *interval(const html_interval *iv)
{
    hbuf b;
    hb_init(&b);
    html_interval_bar(&b, iv);
    hp_assert_fragment(b.data);
    return b.data;
}

static void test_interval_bar(void **state)
{
    html_interval iv = {"idle", "idle timeout", 4.0, 4.25, 0, 75, fmt_s, NULL};
    char *html = interval(&iv);
    assert_non_null(strstr(html, ">idle timeout 4 s – 4.25 s of max 75 s</text>"));
    ticks_t t;
    read_ticks(html, "class=\"tick\"", "x", &t);
    assert_true(t.v[0] == 0 && t.v[t.n - 1] == 75);
    for (int i = 0; i < t.n; i++)
        assert_near(t.pos[i], tick_map(&t, t.v[i], 0), 0.15, "tick position");
    const char *r = strstr(html, "<rect class=\"range\"");
    assert_non_null(r);
    /* 0.25 s of 75 s is under 3 units wide: shown 3 wide, centred on the range. */
    double x = attr(r, "x"), w = attr(r, "width");
    assert_near(x + w / 2, (tick_map(&t, 4.0, 0) + tick_map(&t, 4.25, 0)) / 2, 0.5, "range centre");
    free(html);

    iv = (html_interval){"rto", "handshake timeout", 10, 40, 0, 60, fmt_s, COL_GREEN};
    html = interval(&iv);
    read_ticks(html, "class=\"tick\"", "x", &t);
    r = strstr(html, "<rect class=\"range\"");
    assert_near(attr(r, "x"), tick_map(&t, 10, 0), 0.5, "range start");
    assert_near(attr(r, "x") + attr(r, "width"), tick_map(&t, 40, 0), 0.5, "range end");
    assert_non_null(strstr(html, "fill=\"" COL_GREEN "\""));
    free(html);

    /* At least 75 s: the bar runs off the end of the axis. */
    iv = (html_interval){"open", "idle timeout", 75, INFINITY, 0, 75, fmt_s, NULL};
    html = interval(&iv);
    assert_non_null(strstr(html, ">idle timeout ≥ 75 s of max 75 s</text>"));
    assert_non_null(strstr(html, "class=\"open-end\""));
    free(html);

    /* A point, and a range beyond the stated max (the axis grows to hold it). */
    iv = (html_interval){"pt", "x", 90, 90, 0, 60, fmt_s, NULL};
    html = interval(&iv);
    read_ticks(html, "class=\"tick\"", "x", &t);
    assert_true(t.v[t.n - 1] >= 90);
    r = strstr(html, "<rect class=\"range\"");
    assert_near(attr(r, "x") + attr(r, "width") / 2, tick_map(&t, 90, 0), 0.5, "point");
    assert_near(attr(r, "width"), 3, 1e-9, "point width");
    free(html);

    /* Nothing measured, or nonsense: one line saying so, escaped. */
    iv = (html_interval){"nan", EVIL, NAN, NAN, 0, 60, fmt_s, NULL};
    html = interval(&iv);
    assert_non_null(strstr(html, EVIL_ESCAPED ": not measured</p>"));
    free(html);
    iv = (html_interval){"rev", "x", 5, 4, 0, 60, fmt_s, NULL};
    html = interval(&iv);
    assert_non_null(strstr(html, "no valid range"));
    assert_null(strstr(html, "<svg"));
    free(html);
    iv = (html_interval){EVIL, EVIL, 1, 2, 0, 3, NULL, EVIL};
    html = interval(&iv);
    assert_null(strstr(html, "<img"));
    assert_true(hp_count(html, EVIL_ESCAPED) >= 5);
    free(html);
}

/* ---- a page composed of the parts (the example of docs/html-report.md) ---- */

static const char *fmt_seconds(double v, char *out, size_t n)
{
    char num[32];
    snprintf(out, n, "%s s", fmt_num(v, num, sizeof num));
    return out;
}

/* The same code as "Writing a new page" in docs/html-report.md. */
static int write_probe_page(const char *path, char *err, size_t errlen)
{
    hbuf b;
    hb_init(&b);
    html_page_open(&b, "tlsprof probe: edge.example.test");
    html_header_open(&b, "https://edge.example.test/", "tlsprof probe report", NULL);
    html_header_close(&b);

    html_section_open(&b, "checks", "Checks", "What the server does, finding by finding.");
    const html_check checks[] = {
        {HTML_PASS, "TLS 1.3", "ServerHello selected TLSv1.3"},
        {HTML_FAIL, "session tickets", "0 of 20 resumptions accepted"},
    };
    html_checklist(&b, "checks", "Server checks", checks, 2);
    /* id, label, low, high, axis from, axis to, unit, colour */
    html_interval idle = {"idle", "idle timeout", 4.0, 4.25, 0, 75, fmt_seconds, COL_BLUE};
    html_interval_bar(&b, &idle);
    html_section_close(&b);

    html_section_open(&b, "ciphers", "Cipher profiles", NULL);
    const char *profiles[] = {"modern", "chacha"};
    const html_bar_series machines[] = {{"machine A", COL_BLUE}, {"machine B", COL_VERMILLION}};
    const double per_s[] = {1210, 830, 950, 1010}; /* [profile][machine] */
    /* id, title, categories, series, values, log axis, axis title, unit (NULL: fmt_num) */
    html_bar_card(&b, &(html_bar_chart){"ciphers", "Full handshakes per second", profiles, 2,
                                        machines, 2, per_s, 0, "handshakes / s", NULL});
    static const html_col cols[] = {{.title = "profile", .fmt = HTML_CODE, .header = 1},
                                    {.title = "A", .fmt = HTML_US},
                                    {.title = "B", .fmt = HTML_US},
                                    {.title = "B vs A", .fmt = HTML_CHANGE}};
    html_table t = {.cols = cols, .ncols = 4, .id = "cost", .caption = "Full handshake cost"};
    html_table_open(&t, &b);
    html_row(&t, NULL, {.text = "modern"}, {.v = 826}, {.v = 1205},
             {.v = 1205, .ref = 826, .sig = 1});
    html_table_close(&t);
    html_section_close(&b);

    html_page_close(&b);
    int rc = hb_write_file(&b, path, err, errlen);
    hb_free(&b);
    return rc;
}

static void test_page_of_parts(void **state)
{
    char path[256], err[512];
    const char *keep = getenv("TLSPROF_HTML_OUT");
    snprintf(path, sizeof path, "%s/parts.html", keep && *keep ? keep : "/tmp");
    if (!(keep && *keep)) snprintf(path, sizeof path, "/tmp/tlsprof-parts-%d.html", (int)getpid());
    assert_int_equal(write_probe_page(path, err, sizeof err), 0);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char html[1 << 20];
    size_t n = fread(html, 1, sizeof html - 1, f);
    fclose(f);
    html[n] = '\0';
    if (!(keep && *keep)) unlink(path);
    if (html_check_wellformed(html, err, sizeof err) != 0) fail_msg("%s", err);
    assert_non_null(strstr(html, "data-chart=\"ciphers\""));
    assert_non_null(strstr(html, "data-chart=\"idle\""));
    assert_non_null(strstr(html, "Server checks: 1 FAIL, 1 PASS"));
    assert_int_equal(hp_count(html, "<rect class=\"bar\""), 4);
    assert_non_null(
        strstr(html, "<td class=\"num\">1.21 ms</td><td class=\"num worse\">+45.9%</td>"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bars_proportional_with_ticks_and_legend),
        cmocka_unit_test(test_bars_negative_zero_missing),
        cmocka_unit_test(test_bars_log_axis),
        cmocka_unit_test(test_bars_escaping_and_long_labels),
        cmocka_unit_test(test_interval_bar),
        cmocka_unit_test(test_page_of_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
