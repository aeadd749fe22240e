/* report_html_checklist.c - findings as a checklist: one row per finding
 * with its verdict mark, title and evidence (see report_html_parts.h).
 *
 * It is a use of the table part, so it looks and escapes like every other
 * table; the caption counts the marks so a reader sees "2 FAIL" before
 * reading any row. */
#include <stdio.h>

#include "report/report_html_parts.h"

void html_checklist(hbuf *b, const char *id, const char *caption, const html_check *items, int n)
{
    static const html_col cols[3] = {
        {.title = "result", .fmt = HTML_MARK, .align = HTML_LEFT},
        {.title = "finding", .fmt = HTML_TEXT, .align = HTML_LEFT, .header = 1},
        {.title = "evidence", .fmt = HTML_TEXT, .align = HTML_LEFT, .cls = "evidence"},
    };
    static const html_mark order[] = {HTML_FAIL, HTML_WARN, HTML_PASS, HTML_INFO};
    int count[HTML_INFO + 1] = {0};
    for (int i = 0; i < n; i++)
        if (items[i].mark >= HTML_PASS && items[i].mark <= HTML_INFO) count[items[i].mark]++;
    /* "Server checks: 1 FAIL, 3 PASS" */
    char cap[512];
    size_t len = (size_t)snprintf(cap, sizeof cap, "%s", caption ? caption : "Findings");
    const char *sep = ": ";
    for (size_t k = 0; k < sizeof order / sizeof order[0] && len < sizeof cap; k++) {
        if (!count[order[k]]) continue;
        len += (size_t)snprintf(cap + len, sizeof cap - len, "%s%d %s", sep, count[order[k]],
                                html_mark_word(order[k]));
        sep = ", ";
    }
    html_table t = {.cols = cols,
                    .ncols = 3,
                    .cls = "data checklist",
                    .id = id,
                    .caption = cap,
                    .empty = "no findings"};
    html_table_open(&t, b);
    for (int i = 0; i < n; i++) {
        html_row(&t, html_mark_class(items[i].mark), {.mark = items[i].mark},
                 {.text = items[i].title}, {.text = items[i].evidence ? items[i].evidence : ""});
    }
    html_table_close(&t);
}
