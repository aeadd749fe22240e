/* test_html_tables.c - the HTML pages' tables, read back cell by cell and
 * checked against the fixtures' own numbers and the histograms the test
 * built (tests/support/html_pages.h): the run page's phase table, TLS count
 * cards and errors, the compare page's headline numbers and phase rows, and
 * the compare and merge fixtures of tests/data/reports/ rendered whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "html_pages.h"
#include "measure/hist.h"
#include "report/compare.h"
#include "report/report_html.h"
#include "report/report_html_buf.h"
#include "report/report_read.h"

/* Every column of the phase table against the histograms the test built:
 * count, min, mean, p50, p90, p99, p99.9 and max in the page's units. */
static void check_phase_rows(const char *html, const json_t *r)
{
    static const char *const phases[] = {"tcp_connect", "tls_handshake", "ttfb", "connection"};
    for (size_t i = 0; i < sizeof phases / sizeof phases[0]; i++) {
        const hist_t *h = hp_phase_hist(r, phases[i]);
        char key[64], cells[12][96], want[9][48];
        snprintf(key, sizeof key, "<code>%s</code>", phases[i]);
        assert_int_equal(hp_row_cells(html, "phases", key, cells, 12), 9);
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
    assert_int_equal(hp_row_cells(html, "phases", "<code>dns</code>", cells, 12), 3);
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
    assert_int_equal(hp_count(t, "<tr>") - hp_count(end, "<tr>"), (int)n + 1); /* + header */
}

/* The compare page's tables against the two fixtures: headline numbers with
 * the change in the direction that is good for each, and the phase rows'
 * counts and percentiles against the histograms. */
static void check_compare_tables(const char *html, const json_t *a, const json_t *b)
{
    char cells[12][96];
    assert_int_equal(hp_row_cells(html, "compare-summary", "requests / s", cells, 12), 4);
    assert_string_equal(cells[1], "198");
    assert_string_equal(cells[2], "150");
    assert_string_equal(cells[3], "-24.2%"); /* (150 - 198) / 198 */
    assert_non_null(strstr(html, "<td class=\"num\">150</td><td class=\"num worse\">-24.2%</td>"));
    /* Failed requests: up is worse; 40 -> 60 is +50%. */
    assert_int_equal(hp_row_cells(html, "compare-summary", "requests failed", cells, 12), 4);
    assert_string_equal(cells[3], "+50.0%");
    assert_non_null(strstr(html, "<td class=\"num\">60</td><td class=\"num worse\">+50.0%</td>"));
    assert_int_equal(hp_row_cells(html, "compare-summary", "requests ok", cells, 12), 4);
    assert_string_equal(cells[3], "no change");

    static const char *const phases[] = {"tcp_connect", "ttfb"};
    for (size_t i = 0; i < 2; i++) {
        char key[64], want[32];
        snprintf(key, sizeof key, "<code>%s</code>", phases[i]);
        assert_int_equal(hp_row_cells(html, "compare-phases", key, cells, 12), 9);
        const hist_t *h[2];
        hist_t copy;
        h[0] = hp_phase_hist(a, phases[i]);
        copy = *h[0]; /* phase_hist returns one static histogram */
        h[0] = &copy;
        h[1] = hp_phase_hist(b, phases[i]);
        for (int s = 0; s < 2; s++) {
            assert_string_equal(cells[1 + s], fmt_count((double)h[s]->count, want, sizeof want));
            fmt_us((double)hist_percentile(h[s], 50) / 1000, want, sizeof want);
            assert_string_equal(cells[3 + s], want);
            fmt_us((double)hist_percentile(h[s], 99) / 1000, want, sizeof want);
            assert_string_equal(cells[6 + s], want);
        }
    }
}

static void test_run_tables(void **state)
{
    char *dir = make_temp_dir("html");
    json_t *r = hp_load_fixture("full.json");
    char *html = hp_render(r, dir, "full.html");
    hp_assert_page(html);
    check_phase_rows(html, r);
    check_count_cards(html, r);
    check_errors_table(html, r);
    free(html);
    json_decref(r);
    rm_rf(dir);
    free(dir);
}

static void test_compare_tables(void **state)
{
    char *dir = make_temp_dir("html"), path[1024], err[512] = "";
    json_t *a, *b;
    hp_compare_pair(&a, &b);
    snprintf(path, sizeof path, "%s/cmp.html", dir);
    if (report_html_write_compare(a, b, NULL, path, err, sizeof err) != 0) fail_msg("%s", err);
    char *html = slurp_file(path, NULL);
    hp_assert_page(html);
    check_compare_tables(html, a, b);
    free(html);
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
        char *html = hp_render(r[i], dir, runs[i]);
        hp_assert_page(html);
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
        hp_assert_page(html);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_tables),
        cmocka_unit_test(test_compare_tables),
        cmocka_unit_test(test_report_fixtures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
