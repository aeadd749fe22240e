/* test_html_table.c - the table part of the HTML pages and what is built
 * on it (key-value and count cards, the checklist), rendered on its own and
 * read back: every string planted in every argument must come back
 * escaped, formats and alignment are checked cell by cell, and every
 * fragment must pass the well-formedness checker of tests/support/
 * html_check.c, which is itself checked first against pages broken on
 * purpose. */
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

/* ---- the checker ------------------------------------------------------- */

static void test_checker_refuses_broken_pages(void **state)
{
    static const char *const bad[] = {
        "<div><span></div>",                        /* closed out of order */
        "<div>",                                    /* never closed */
        "</div>",                                   /* closes nothing */
        "<p><div>x</div></p>",                      /* block in <p> */
        "<tr><td>x</td></tr>",                      /* row outside a table */
        "<table><tbody><td>x</td></tbody></table>", /* cell outside a row */
        "<li>x</li>",                               /* item outside a list */
        "<div id=\"a\"></div><div id=\"a\"></div>", /* duplicate id */
        "<div class=x></div>",                      /* unquoted */
        "<div class=\"a\" class=\"b\"></div>",      /* attribute twice */
        "<span>a & b</span>",                       /* raw & */
        "<span>a < b</span>",                       /* raw < */
        "<span title=\"a<b\"></span>",              /* raw < in attribute */
        "<div/>",                                   /* not self-closing in HTML */
        "<br></br>",                                /* end tag of a void element */
    };
    char err[600];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hbuf page;
        hb_init(&page);
        html_page_open(&page, "t");
        hb_puts(&page, bad[i]);
        html_page_close(&page);
        if (html_check_wellformed(page.data, err, sizeof err) == 0)
            fail_msg("checker accepted %s", bad[i]);
        hb_free(&page);
    }
    hp_assert_fragment("<p>a &amp; b &#39; &#x1F;</p><svg><rect x=\"1\"/></svg><br>"
                       "<table><caption>c</caption><tbody><tr><td>x</td></tr></tbody></table>"
                       "<dl><div><dt>k</dt><dd>v</dd></div></dl>");
}

/* ---- the table part ---------------------------------------------------- */

static void test_table_escapes_every_cell(void **state)
{
    hbuf b;
    hb_init(&b);
    const html_col cols[3] = {{.title = EVIL, .fmt = HTML_TEXT, .header = 1, .cls = EVIL},
                              {.title = EVIL, .fmt = HTML_CODE},
                              {.title = "n", .fmt = HTML_COUNT}};
    html_table t = {.cols = cols, .ncols = 3, .id = EVIL, .caption = EVIL, .cls = EVIL};
    html_table_open(&t, &b);
    html_row(&t, EVIL, {.text = EVIL, .code = EVIL, .tip = EVIL, .cls = EVIL}, {.text = EVIL},
             {.v = 3, .tip = EVIL});
    html_row(&t, NULL, {.fmt = HTML_CODE, .text = EVIL},
             {.fmt = HTML_TEXT, .text = EVIL, .span = 2});
    html_table_close(&t);
    /* Planted: table class, id, caption, 2 titles, row class, column class x2 rows,
     * text, code, tip, cell class, code cell, tip, row 2's code and text. */
    assert_null(strstr(b.data, "<img"));
    assert_null(strstr(b.data, "</td><img"));
    assert_int_equal(hp_count(b.data, EVIL_ESCAPED), 16);
    hp_assert_fragment(b.data);
    hb_free(&b);

    /* An empty table's caption and text are escaped as well. */
    hb_init(&b);
    html_table e = {.cols = cols, .ncols = 3, .id = EVIL, .caption = EVIL, .empty = EVIL};
    html_table_open(&e, &b);
    html_table_close(&e);
    assert_int_equal(hp_count(b.data, EVIL_ESCAPED), 3);
    hp_assert_fragment(b.data);
    hb_free(&b);
}

/* The class attribute of the i-th (0-based) occurrence of `tag` in html. */
static const char *class_of(const char *html, const char *tag, int i, char *out, size_t n)
{
    const char *p = html;
    for (int k = 0; k <= i; k++) {
        do { /* "<th" must not match "<thead" */
            p = strstr(p, tag);
            assert_non_null(p);
            p += strlen(tag);
        } while (*p != ' ' && *p != '>');
    }
    const char *end = strchr(p, '>'), *c = strstr(p, "class=\"");
    if (!c || c > end) {
        snprintf(out, n, "%s", "");
        return out;
    }
    c += 7;
    snprintf(out, n, "%.*s", (int)(strchr(c, '"') - c), c);
    return out;
}

static void test_table_alignment(void **state)
{
    hbuf b;
    hb_init(&b);
    const html_col cols[6] = {
        {.title = "auto text", .fmt = HTML_TEXT},
        {.title = "auto count", .fmt = HTML_COUNT},
        {.title = "left num", .fmt = HTML_US, .align = HTML_LEFT},
        {.title = "centre", .fmt = HTML_TEXT, .align = HTML_CENTER},
        {.title = "right", .fmt = HTML_TEXT, .align = HTML_RIGHT},
        {.title = "mark", .fmt = HTML_MARK},
    };
    html_table t = {.cols = cols, .ncols = 6};
    html_table_open(&t, &b);
    html_row(&t, NULL, {.text = "a"}, {.v = 1}, {.v = 2}, {.text = "c"}, {.text = "r"},
             {.mark = HTML_PASS});
    /* A cell of its own format is aligned by it: a count in a text column. */
    html_row(&t, NULL, {.fmt = HTML_COUNT, .v = 5});
    html_table_close(&t);
    static const char *const want[6] = {"", "num", "", "ctr", "num", ""};
    char c[64];
    for (int i = 0; i < 6; i++) {
        assert_string_equal(class_of(b.data, "<th", i, c, sizeof c), want[i]);
        assert_string_equal(class_of(b.data, "<td", i, c, sizeof c), want[i]);
    }
    assert_string_equal(class_of(b.data, "<td", 6, c, sizeof c), "num");
    /* The short second row is filled up to six cells. */
    assert_int_equal(hp_count(b.data, "<td"), 12);
    hp_assert_fragment(b.data);
    hb_free(&b);
}

static void test_table_formats(void **state)
{
    hbuf b;
    hb_init(&b);
    const html_col cols[1] = {{.title = "v", .fmt = HTML_TEXT}};
    html_table t = {.cols = cols, .ncols = 1};
    html_table_open(&t, &b);
    html_row(&t, NULL, {.fmt = HTML_COUNT, .v = 1234567});
    html_row(&t, NULL, {.fmt = HTML_US, .v = 1500});
    html_row(&t, NULL, {.fmt = HTML_NUM, .v = 198.04});
    html_row(&t, NULL, {.fmt = HTML_PCT, .v = 0.7});
    html_row(&t, NULL, {.fmt = HTML_US, .v = NAN});
    html_row(&t, NULL, {.fmt = HTML_CHANGE, .ref = 100, .v = 120, .sig = 1}); /* latency up */
    html_row(&t, NULL, {.fmt = HTML_CHANGE, .ref = 100, .v = 120, .sig = 1, .higher_is_better = 1});
    html_row(&t, NULL, {.fmt = HTML_CHANGE, .ref = 100, .v = 90, .sig = 0});
    html_row(&t, NULL, {.fmt = HTML_CHANGE, .ref = 0, .v = 90, .sig = 1});
    html_row(&t, NULL, {.fmt = HTML_CHANGE, .ref = 100, .v = 100, .sig = 1});
    html_row(&t, NULL, {.fmt = HTML_CHANGE, .ref = 100000, .v = 99999, .sig = 0});
    html_row(&t, NULL, {.fmt = HTML_MARK, .mark = HTML_PASS});
    html_row(&t, NULL, {.fmt = HTML_MARK, .mark = HTML_FAIL});
    html_row(&t, NULL, {.fmt = HTML_MARK, .mark = HTML_WARN});
    html_row(&t, NULL, {.fmt = HTML_MARK, .mark = HTML_INFO});
    html_table_close(&t);
    static const char *const want[] = {
        "<td class=\"num\">1,234,567</td>",
        "<td class=\"num\">1.5 ms</td>",
        "<td class=\"num\">198</td>",
        "<td class=\"num\">70.0%</td>",
        "<td class=\"num\">—</td>",
        "<td class=\"num worse\">+20.0%</td>",
        "<td class=\"num better\">+20.0%</td>",
        "<td class=\"num\">-10.0% <span class=\"muted\">(noise)</span></td>",
        "<td class=\"num muted\">—</td>",
        "<td class=\"num muted\">no change</td>",
        "<td class=\"num\">+0.0%</td>", /* rounds to zero: never "-0.0%", no verdict */
        "<td><span class=\"mark pass\">✓ PASS</span></td>",
        "<td><span class=\"mark fail\">✗ FAIL</span></td>",
        "<td><span class=\"mark warn\">! WARN</span></td>",
        "<td><span class=\"mark info\">i INFO</span></td>",
    };
    const char *p = b.data;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const char *q = strstr(p, want[i]);
        if (!q) fail_msg("row %zu: %s not found after %.200s", i, want[i], p);
        p = q + strlen(want[i]); /* in row order */
    }
    hp_assert_fragment(b.data);
    hb_free(&b);

    /* A spanning cell takes its columns; the row still has one cell per column. */
    hb_init(&b);
    const html_col three[3] = {{.title = "a", .fmt = HTML_TEXT, .header = 1},
                               {.title = "b", .fmt = HTML_US},
                               {.title = "c", .fmt = HTML_US}};
    html_table s = {.cols = three, .ncols = 3};
    html_table_open(&s, &b);
    html_row(&s, NULL, {.text = "x"},
             {.text = "no samples", .fmt = HTML_TEXT, .span = 2, .cls = "muted"});
    html_table_close(&s);
    assert_non_null(strstr(b.data, "<td class=\"muted\" colspan=\"2\">no samples</td></tr>"));
    assert_non_null(strstr(b.data, "<th scope=\"row\">x</th>"));
    hb_free(&b);
}

static void test_table_empty_says_no_data(void **state)
{
    hbuf b;
    hb_init(&b);
    const html_col cols[2] = {{.title = "a", .fmt = HTML_TEXT}, {.title = "b", .fmt = HTML_COUNT}};
    html_table t = {.cols = cols, .ncols = 2, .id = "x"};
    html_table_open(&t, &b);
    html_table_close(&t);
    assert_string_equal(b.data, "<p class=\"nodata-inline\" data-table=\"x\">no data</p>\n");
    hb_free(&b);
    hb_init(&b);
    html_table u = {.cols = cols, .ncols = 2, .caption = "Errors", .empty = "none seen"};
    html_table_open(&u, &b);
    html_table_close(&u);
    assert_string_equal(b.data, "<p class=\"nodata-inline\">Errors: none seen</p>\n");
    assert_null(strstr(b.data, "<table"));
    hb_free(&b);
}

static void test_kv_and_count_cards(void **state)
{
    hbuf b;
    hb_init(&b);
    json_t *counts = json_pack("{s:i,s:i,s:i,s:s}", "b", 1, "a", 3, "c", 1, "junk", "x");
    html_count_card(&b, "Ciphers", counts);
    /* Largest first, ties by name; shares of the numeric total (5). */
    const char *a = strstr(b.data, "<code>a</code>"), *bb = strstr(b.data, "<code>b</code>"),
               *c = strstr(b.data, "<code>c</code>");
    assert_true(a && bb && c && a < bb && bb < c);
    assert_null(strstr(b.data, "junk"));
    assert_non_null(strstr(b.data, "<td class=\"num\">3</td><td class=\"num muted\">60.0%</td>"));
    assert_int_equal(hp_count(b.data, "20.0%"), 2);
    html_count_card(&b, "Empty", NULL);
    assert_non_null(strstr(b.data, "none recorded"));
    html_table t;
    html_kv_open(&t, &b, "Facts");
    html_kv_count(&t, counts, "a", "count of a");
    html_kv_count(&t, counts, "junk", "not a number"); /* no row */
    html_kv_row(&t, "missing", NULL);
    html_kv_code(&t, "code", "x=1");
    html_kv_close(&t);
    /* A kv card's values line up on the left, counts included. */
    assert_non_null(strstr(b.data, "<th scope=\"row\">count of a</th><td>3</td>"));
    assert_null(strstr(b.data, "not a number"));
    assert_non_null(strstr(b.data, "<th scope=\"row\">missing</th><td>—</td>"));
    assert_non_null(strstr(b.data, "<td><code>x=1</code></td>"));
    html_kv_open(&t, &b, "Nothing");
    html_kv_close(&t);
    assert_non_null(
        strstr(b.data, "<h3>Nothing</h3>\n<p class=\"nodata-inline\">not reported</p>"));
    hp_assert_fragment(b.data);
    json_decref(counts);
    hb_free(&b);
}

/* ---- checklist --------------------------------------------------------- */

static void test_checklist_marks(void **state)
{
    hbuf b;
    hb_init(&b);
    const html_check items[] = {
        {HTML_PASS, "TLS 1.3 offered", "ServerHello selected 0x0304"},
        {HTML_FAIL, "tickets accepted", "0 of 20 resumptions accepted"},
        {HTML_WARN, EVIL, EVIL},
        {HTML_INFO, "ALPN", NULL},
        {HTML_FAIL, "0-RTT", "early data rejected"},
    };
    html_checklist(&b, "probe", "Server checks", items, 5);
    /* The caption counts the marks, worst first. */
    assert_non_null(
        strstr(b.data, "<caption>Server checks: 2 FAIL, 1 WARN, 1 PASS, 1 INFO</caption>"));
    const char *p = b.data;
    static const char *const rows[] = {"<tr class=\"pass\"><td><span class=\"mark pass\">✓ PASS",
                                       "<tr class=\"fail\"><td><span class=\"mark fail\">✗ FAIL",
                                       "<tr class=\"warn\"><td><span class=\"mark warn\">! WARN",
                                       "<tr class=\"info\"><td><span class=\"mark info\">i INFO",
                                       "<tr class=\"fail\"><td><span class=\"mark fail\">✗ FAIL"};
    for (int i = 0; i < 5; i++) {
        p = strstr(p, rows[i]);
        if (!p) fail_msg("row %d (%s) missing or out of order", i, rows[i]);
    }
    assert_non_null(strstr(b.data, "<th scope=\"row\">tickets accepted</th>"
                                   "<td class=\"evidence\">0 of 20 resumptions accepted</td>"));
    assert_int_equal(hp_count(b.data, EVIL_ESCAPED), 2);
    assert_null(strstr(b.data, "<img"));
    html_checklist(&b, "none", "Nothing", NULL, 0);
    assert_non_null(strstr(b.data, "data-table=\"none\">Nothing: no findings</p>"));
    hp_assert_fragment(b.data);
    hb_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checker_refuses_broken_pages),
        cmocka_unit_test(test_table_escapes_every_cell),
        cmocka_unit_test(test_table_alignment),
        cmocka_unit_test(test_table_formats),
        cmocka_unit_test(test_table_empty_says_no_data),
        cmocka_unit_test(test_kv_and_count_cards),
        cmocka_unit_test(test_checklist_marks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
