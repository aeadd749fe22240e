/* report_html_table.c - the one table part every page uses, and the
 * key-value and count cards built on it (see report_html_parts.h).
 *
 * Columns carry the format and the alignment, so a page says what a value
 * is (a count, a duration, a change) and never how to print it: every page
 * shows 1,234 and 41.2 µs the same way, and escaping happens here once. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_html_json.h"
#include "report/report_html_parts.h"

static const struct {
    const char *word, *symbol, *cls;
} marks[] = {
    [HTML_MARK_NONE] = {"", "", "none"}, [HTML_PASS] = {"PASS", "✓", "pass"},
    [HTML_FAIL] = {"FAIL", "✗", "fail"}, [HTML_WARN] = {"WARN", "!", "warn"},
    [HTML_INFO] = {"INFO", "i", "info"},
};

static html_mark valid_mark(html_mark m)
{
    return m >= HTML_PASS && m <= HTML_INFO ? m : HTML_MARK_NONE;
}

const char *html_mark_word(html_mark m)
{
    return marks[valid_mark(m)].word;
}

const char *html_mark_class(html_mark m)
{
    return marks[valid_mark(m)].cls;
}

void html_mark_badge(hbuf *b, html_mark m)
{
    m = valid_mark(m);
    if (m == HTML_MARK_NONE) {
        hb_puts(b, "—");
        return;
    }
    hb_printf(b, "<span class=\"mark %s\">%s %s</span>", marks[m].cls, marks[m].symbol,
              marks[m].word);
}

static int is_numeric(html_fmt f)
{
    return f == HTML_COUNT || f == HTML_NUM || f == HTML_US || f == HTML_PCT || f == HTML_CHANGE;
}

static html_fmt col_fmt(const html_col *c)
{
    return c->fmt == HTML_FMT_COLUMN ? HTML_TEXT : c->fmt;
}

static const char *align_class(const html_col *c)
{
    html_align a = c->align;
    if (a == HTML_ALIGN_AUTO) a = is_numeric(col_fmt(c)) ? HTML_RIGHT : HTML_LEFT;
    return a == HTML_RIGHT ? "num" : a == HTML_CENTER ? "ctr" : NULL;
}

/* ` class="a b c d"` from up to four optional class names; nothing when all are NULL. */
static void class_attr(hbuf *b, const char *c1, const char *c2, const char *c3, const char *c4)
{
    const char *cs[4] = {c1, c2, c3, c4};
    int any = 0;
    for (int i = 0; i < 4; i++) {
        if (!cs[i] || !*cs[i]) continue;
        hb_puts(b, any ? " " : " class=\"");
        hb_esc(b, cs[i]);
        any = 1;
    }
    if (any) hb_puts(b, "\"");
}

static void header_row(html_table *t)
{
    int any = 0;
    for (int i = 0; i < t->ncols; i++)
        any |= t->cols[i].title != NULL;
    if (!any) return;
    hb_puts(t->b, "<thead><tr>");
    for (int i = 0; i < t->ncols; i++) {
        hb_puts(t->b, "<th");
        class_attr(t->b, align_class(&t->cols[i]), NULL, NULL, NULL);
        hb_puts(t->b, ">");
        hb_esc(t->b, t->cols[i].title);
        hb_puts(t->b, "</th>");
    }
    hb_puts(t->b, "</tr></thead>");
}

void html_table_open(html_table *t, hbuf *b)
{
    t->b = b;
    t->rows = 0;
}

static void write_table_start(html_table *t)
{
    hb_puts(t->b, "<table");
    class_attr(t->b, t->cls ? t->cls : "data", NULL, NULL, NULL);
    if (t->id) {
        hb_puts(t->b, " data-table=\"");
        hb_esc(t->b, t->id);
        hb_puts(t->b, "\"");
    }
    hb_puts(t->b, ">");
    if (t->caption) {
        hb_puts(t->b, "<caption>");
        hb_esc(t->b, t->caption);
        hb_puts(t->b, "</caption>");
    }
    header_row(t);
    hb_puts(t->b, "<tbody>\n");
}

/* A change cell: its text ("+12.3%", "—", "no change", with a "(noise)"
 * mark when not significant) into out (>= 64 bytes, markup), and the class
 * its verdict implies (better, worse, muted or none). */
static const char *change_of(const html_cell *c, char *out, size_t n)
{
    double a = c->ref, v = c->v;
    if (!(a > 0) || !isfinite(a) || !isfinite(v)) {
        snprintf(out, n, "—");
        return "muted";
    }
    double rel = (v - a) / a;
    if (rel == 0) {
        snprintf(out, n, "no change");
        return "muted";
    }
    if (fabs(rel) < 0.0005) rel = 0.0; /* print "+0.0%", never "-0.0%" */
    snprintf(out, n, "%+.1f%%%s", 100 * rel,
             !c->sig && rel != 0 ? " <span class=\"muted\">(noise)</span>" : "");
    if (!c->sig || rel == 0) return NULL;
    return (rel > 0) == (c->higher_is_better != 0) ? "better" : "worse";
}

/* The cell's content in format f. change is change_of's text for a change. */
static void cell_value(hbuf *b, html_fmt f, const html_cell *c, const char *change)
{
    char s[64];
    int finite = isfinite(c->v);
    switch (f) {
    case HTML_CODE:
        hb_puts(b, "<code>");
        hb_esc(b, c->text ? c->text : "—");
        hb_puts(b, "</code>");
        break;
    case HTML_COUNT:
        hb_puts(b, finite ? fmt_count(c->v, s, sizeof s) : "—");
        break;
    case HTML_NUM:
        hb_puts(b, finite ? fmt_num(c->v, s, sizeof s) : "—");
        break;
    case HTML_US:
        hb_puts(b, finite ? fmt_us(c->v, s, sizeof s) : "—");
        break;
    case HTML_PCT:
        if (finite) snprintf(s, sizeof s, "%.1f%%", 100 * c->v);
        hb_puts(b, finite ? s : "—");
        break;
    case HTML_CHANGE:
        hb_puts(b, change);
        break;
    case HTML_MARK:
        html_mark_badge(b, c->mark);
        break;
    case HTML_FMT_COLUMN:
    case HTML_TEXT:
    default:
        hb_esc(b, c->text ? c->text : "—");
        if (c->code) {
            hb_puts(b, " <code>");
            hb_esc(b, c->code);
            hb_puts(b, "</code>");
        }
        break;
    }
}

static void write_cell(html_table *t, const html_col *col, const html_cell *c, int span)
{
    hbuf *b = t->b;
    html_fmt f = c->fmt != HTML_FMT_COLUMN ? c->fmt : col_fmt(col);
    char change[96] = "";
    const char *value_cls = f == HTML_CHANGE ? change_of(c, change, sizeof change) : NULL;
    const char *tag = col->header ? "th" : "td";
    hb_printf(b, "<%s", tag);
    if (col->header) hb_puts(b, " scope=\"row\"");
    /* A cell of its own format in a column left to AUTO is aligned by that
     * format; a column's explicit alignment holds for all its cells (a kv
     * card's values stay in one line, counts included). */
    html_col eff = *col;
    if (c->fmt != HTML_FMT_COLUMN && col->align == HTML_ALIGN_AUTO) eff.fmt = c->fmt;
    class_attr(b, align_class(&eff), col->cls, value_cls, c->cls);
    if (span > 1) hb_printf(b, " colspan=\"%d\"", span);
    if (c->tip) {
        hb_puts(b, " title=\"");
        hb_esc(b, c->tip);
        hb_puts(b, "\"");
    }
    hb_puts(b, ">");
    cell_value(b, f, c, change);
    hb_printf(b, "</%s>", tag);
}

void html_table_row(html_table *t, const char *row_cls, const html_cell *cells, int n)
{
    if (t->rows++ == 0) write_table_start(t);
    hb_puts(t->b, "<tr");
    class_attr(t->b, row_cls, NULL, NULL, NULL);
    hb_puts(t->b, ">");
    int col = 0;
    for (int i = 0; i < n && col < t->ncols; i++) {
        int span = cells[i].span > 1 ? cells[i].span : 1;
        if (span > t->ncols - col) span = t->ncols - col;
        write_cell(t, &t->cols[col], &cells[i], span);
        col += span;
    }
    for (; col < t->ncols; col++) /* missing cells: keep the grid whole */
        hb_puts(t->b, t->cols[col].header ? "<th scope=\"row\"></th>" : "<td></td>");
    hb_puts(t->b, "</tr>\n");
}

void html_table_close(html_table *t)
{
    if (t->rows > 0) {
        hb_puts(t->b, "</tbody></table>\n");
    } else {
        hb_puts(t->b, "<p class=\"nodata-inline\"");
        if (t->id) {
            hb_puts(t->b, " data-table=\"");
            hb_esc(t->b, t->id);
            hb_puts(t->b, "\"");
        }
        hb_puts(t->b, ">");
        if (t->caption) {
            hb_esc(t->b, t->caption);
            hb_puts(t->b, ": ");
        }
        hb_esc(t->b, t->empty ? t->empty : "no data");
        hb_puts(t->b, "</p>\n");
    }
    if (t->card) html_card_close(t->b);
    t->card = 0;
}

/* ---- key-value card ---------------------------------------------------- */

static const html_col kv_cols[2] = {{.fmt = HTML_TEXT, .align = HTML_LEFT, .header = 1},
                                    {.fmt = HTML_TEXT, .align = HTML_LEFT}};

void html_kv_open(html_table *t, hbuf *b, const char *title)
{
    *t = (html_table){.cols = kv_cols, .ncols = 2, .cls = "kv", .empty = "not reported"};
    if (title) html_card_open(b, title);
    t->card = title != NULL;
    html_table_open(t, b);
}

void html_kv_row(html_table *t, const char *key, const char *value)
{
    html_row(t, NULL, {.text = key}, {.text = value});
}

void html_kv_code(html_table *t, const char *key, const char *value)
{
    html_row(t, NULL, {.text = key}, {.fmt = HTML_CODE, .text = value});
}

void html_kv_count(html_table *t, const json_t *o, const char *key, const char *label)
{
    const json_t *v = rj_get(o, key);
    if (json_is_number(v))
        html_row(t, NULL, {.text = label}, {.fmt = HTML_COUNT, .v = json_number_value(v)});
}

void html_kv_close(html_table *t)
{
    html_table_close(t);
}

/* ---- count card ---------------------------------------------------------- */

typedef struct kv {
    const char *key;
    double value;
} kv;

static int by_value_desc(const void *a, const void *b)
{
    const kv *x = a, *y = b;
    if (x->value != y->value) return x->value < y->value ? 1 : -1;
    return strcmp(x->key, y->key);
}

void html_count_card(hbuf *b, const char *title, const json_t *counts)
{
    static const html_col cols[3] = {{.fmt = HTML_CODE, .align = HTML_LEFT, .header = 1},
                                     {.fmt = HTML_COUNT, .align = HTML_RIGHT},
                                     {.fmt = HTML_PCT, .align = HTML_RIGHT, .cls = "muted"}};
    size_t cap = json_is_object(counts) ? json_object_size(counts) : 0, n = 0;
    kv *v = cap ? malloc(cap * sizeof *v) : NULL;
    if (cap && !v) {
        b->failed = 1;
        return;
    }
    double total = 0;
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)counts, k, val)
    {
        if (!json_is_number(val)) continue;
        v[n] = (kv){k, json_number_value(val)};
        total += v[n++].value;
    }
    if (n) qsort(v, n, sizeof *v, by_value_desc);
    html_card_open(b, title);
    html_table t = {.cols = cols, .ncols = 3, .empty = "none recorded"};
    html_table_open(&t, b);
    for (size_t i = 0; i < n; i++)
        html_row(&t, NULL, {.text = v[i].key}, {.v = v[i].value},
                 {.v = total > 0 ? v[i].value / total : 0});
    html_table_close(&t);
    html_card_close(b);
    free(v);
}
