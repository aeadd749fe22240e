/* report_html_parts.h - the parts every tlsprof HTML page is composed of.
 *
 * A page (the run report, the compare page, and the probe, pcap and
 * matrix-compare pages to come) is a sequence of calls to these parts and
 * nothing else: no page writes its own <table>, <svg> or card markup. That
 * keeps every page looking the same, escaping in one place and the pages'
 * tests honest (a part is tested once, in tests/unit/test_html_table.c and
 * test_html_charts.c).
 *
 *   page shell   html_page_open/close, html_header_*, html_meta, html_chip,
 *                html_toc, html_section_open/close,
 *                html_grid_open/close, html_card_open/close, html_stat,
 *                html_warnings_box, html_legend, html_note, html_no_data,
 *                html_ok_note
 *   table        html_table_open / html_row / html_table_close, with the
 *                key-value card (html_kv_*), the count card and the
 *                checklist as uses of it
 *   charts       html_latency_card (percentile distribution), html_bar_card
 *                (grouped bars), html_interval_bar (a low-high range),
 *                html_timeseries (a run's intervals), html_waterfall
 *                (connection stories)
 *
 * docs/html-report.md ("Writing a new page") shows a page assembled from
 * them. Conventions for every part:
 *   - every string argument is escaped here (element text and attribute
 *     values alike): callers pass plain text, never markup;
 *   - a part with nothing to show says so in place ("no data", "none
 *     recorded") instead of drawing empty axes or an empty table;
 *   - allocation failure is sticky in the hbuf (hb_write_file reports it),
 *     so parts return no error codes. */
#ifndef TLSPROF_REPORT_HTML_PARTS_H
#define TLSPROF_REPORT_HTML_PARTS_H

#include <jansson.h>

#include "report/report_html_buf.h"
#include "report/report_html_svg.h"

/* ---- reading reports ------------------------------------------------- */

/* Rejects anything but a report_version 1 object, naming `which` input. */
int html_check_version(const json_t *report, const char *which, char *err, size_t errlen);

/* Display name and one-line meaning of a phase key (the key itself when
 * unknown, so new phases still render). */
const char *html_phase_title(const char *phase);
const char *html_phase_meaning(const char *phase);
/* All phase keys of docs/report-format.md in pipeline order, NULL-terminated. */
extern const char *const html_phase_order[];

/* ---- page shell (report_html_page.c) --------------------------------- */

/* <!DOCTYPE> to <div class="page">, with the embedded stylesheet and the
 * Content-Security-Policy default-src 'none'; close writes the footer. */
void html_page_open(hbuf *b, const char *title);
void html_page_close(hbuf *b);
/* The page's header box: <h1>title</h1>, a muted subtitle and, after it,
 * an emphasised alert word ("interrupted"); both optional. Inside it, a
 * grid of key → value facts (html_meta; an empty value shows "—") and a
 * row of chips (a capability present ✓ or absent ✗). */
void html_header_open(hbuf *b, const char *title, const char *subtitle, const char *alert);
void html_meta_open(hbuf *b);
void html_meta(hbuf *b, const char *key, const char *value);
void html_meta_close(hbuf *b);
void html_chips_open(hbuf *b, const char *tip);
void html_chip(hbuf *b, const char *label, int yes);
void html_chips_close(hbuf *b);
void html_header_close(hbuf *b);
/* A sticky bar of links to the page's sections (in-page #id links only). */
typedef struct html_link {
    const char *id, *text;
} html_link;
void html_toc(hbuf *b, const html_link *links, int n);
/* <section id=ID><h2>TITLE</h2><p class="intro">INTRO</p> (intro optional). */
void html_section_open(hbuf *b, const char *id, const char *title, const char *intro);
void html_section_close(hbuf *b);
/* A grid of 2 or 3 equal columns for cards. */
void html_grid_open(hbuf *b, int columns);
void html_grid_close(hbuf *b);
/* A white card with an <h3> title (NULL: none). _ex adds an optional small
 * tag after the title ("system-wide") and a line swatch of `swatch` colour
 * before it (the compare page's "Run A" in A's colour). */
void html_card_open(hbuf *b, const char *title);
void html_card_open_ex(hbuf *b, const char *title, const char *tag, const char *swatch);
void html_card_close(hbuf *b);
/* Headline numbers: a row of big-number cards. bad colours the value red. */
void html_stats_open(hbuf *b);
void html_stat(hbuf *b, const char *label, const char *value, const char *detail, int bad);
void html_stats_close(hbuf *b);
/* A prominent box listing each string of a JSON array (nothing when empty). */
void html_warnings_box(hbuf *b, const json_t *warnings, const char *heading);
/* A muted paragraph of plain text. */
void html_note(hbuf *b, const char *text);
/* One muted line saying what is missing ("No TLS data in this report."),
 * for a section with nothing to show at all. */
void html_no_data(hbuf *b, const char *text);
/* One line of good news in green ("No errors."): nothing missing, nothing wrong. */
void html_ok_note(hbuf *b, const char *text);

/* An HTML legend: coloured swatch + label + optional muted detail. */
typedef struct html_legend_item {
    const char *label;
    const char *color;
    const char *style; /* "line", "dashed", "bar", "marker" */
    const char *detail;
} html_legend_item;
void html_legend(hbuf *b, const html_legend_item *items, int n);

/* ---- the table part (report_html_table.c) ---------------------------- */

/* How a column (or one cell) shows its value. */
typedef enum html_fmt {
    HTML_FMT_COLUMN = 0, /* in a cell: the column's format */
    HTML_TEXT,           /* cell.text; NULL shows "—" */
    HTML_CODE,           /* cell.text in <code> */
    HTML_COUNT,          /* cell.v with thousands separators: "12,345" */
    HTML_NUM,            /* cell.v to three significant digits: "0.25", "198" */
    HTML_US,             /* cell.v, a duration in µs, in human units: "41.2 µs" */
    HTML_PCT,            /* cell.v, a fraction: 0.7 shows "70.0%" */
    HTML_CHANGE,         /* cell.v relative to cell.ref: "+12.3%"; see html_cell */
    HTML_MARK,           /* cell.mark: a PASS / FAIL / WARN / INFO badge */
} html_fmt;

typedef enum html_align { HTML_ALIGN_AUTO = 0, HTML_LEFT, HTML_RIGHT, HTML_CENTER } html_align;

/* Verdict marks, shown as a word and a symbol (never colour alone). */
typedef enum html_mark { HTML_MARK_NONE = 0, HTML_PASS, HTML_FAIL, HTML_WARN, HTML_INFO } html_mark;

typedef struct html_col {
    const char *title; /* header text; a table whose columns all have none has no header row */
    html_fmt fmt;      /* HTML_TEXT when 0 */
    html_align align;  /* AUTO: numbers right, text and marks left */
    int header;        /* 1: the column's cells are row headers (<th scope="row">) */
    const char *cls;   /* extra class on the column's cells ("muted", "wrap"), or NULL */
} html_col;

/* One cell. Zero-initialise and set what the column's format needs. A
 * number that is NaN (or infinite) shows "—". */
typedef struct html_cell {
    html_fmt fmt;     /* HTML_FMT_COLUMN, or this cell's own format */
    const char *text; /* HTML_TEXT / HTML_CODE */
    const char *code; /* HTML_TEXT: a <code> suffix after text (a phase's key) */
    const char *tip;  /* hover text (title attribute), or NULL */
    const char *cls;  /* extra class ("muted"), or NULL */
    double v;         /* HTML_COUNT, NUM, US, PCT; HTML_CHANGE: the new value */
    /* HTML_CHANGE: (v - ref) / ref with one decimal. It is coloured only
     * when sig (green when it goes the good way: up if higher_is_better,
     * else down; red otherwise), and followed by "(noise)" when not. "—"
     * when ref <= 0 or either value is missing, "no change" when equal. */
    double ref;
    int sig, higher_is_better;
    html_mark mark; /* HTML_MARK */
    int span;       /* > 1: the cell covers that many columns */
} html_cell;

/* A table: fill in the options, then open, rows, close. The <table> and
 * its header are written with the first row; a table that gets no row is
 * written as one line of `empty` text (with the caption, if any) instead. */
typedef struct html_table {
    const html_col *cols;
    int ncols;
    const char *cls;     /* table class; NULL: "data" (ruled lines, header row) */
    const char *id;      /* data-table attribute, or NULL */
    const char *caption; /* <caption>, or NULL */
    const char *empty;   /* NULL: "no data" */
    /* Written by the part: */
    hbuf *b;
    int rows, card;
} html_table;

void html_table_open(html_table *t, hbuf *b);
/* One row: cells left to right, a cell of span k taking k columns. Fewer
 * cells than columns leave the rest empty; extra cells are ignored.
 * row_cls (or NULL) becomes the <tr>'s class. Use the html_row macro. */
void html_table_row(html_table *t, const char *row_cls, const html_cell *cells, int n);
#define html_row(t, row_cls, ...)                                                                  \
    html_table_row((t), (row_cls), (const html_cell[]){__VA_ARGS__},                               \
                   (int)(sizeof((const html_cell[]){__VA_ARGS__}) / sizeof(html_cell)))
void html_table_close(html_table *t);

/* The word and the CSS class of a mark: "PASS", "pass" ("", "none" for none). */
const char *html_mark_word(html_mark m);
const char *html_mark_class(html_mark m);
/* <span class="mark pass">✓ PASS</span> */
void html_mark_badge(hbuf *b, html_mark m);

/* Key-value card: a card titled `title` (NULL: no card, just the table)
 * holding key → value rows, keys as row headers. */
void html_kv_open(html_table *t, hbuf *b, const char *title);
void html_kv_row(html_table *t, const char *key, const char *value);  /* NULL value: "—" */
void html_kv_code(html_table *t, const char *key, const char *value); /* value in <code> */
/* A row "label: count" when o.key is a number; nothing otherwise. */
void html_kv_count(html_table *t, const json_t *o, const char *key, const char *label);
void html_kv_close(html_table *t);

/* Count card: the numeric members of `counts` (name → count), largest
 * first, with each one's share of the total; "none recorded" when empty. */
void html_count_card(hbuf *b, const char *title, const json_t *counts);

/* ---- checklist (report_html_checklist.c) ----------------------------- */

/* One finding: its mark, a short title and the evidence behind it. */
typedef struct html_check {
    html_mark mark;
    const char *title, *evidence;
} html_check;
/* A table of findings, one row each (row class = the mark's class), with
 * the caption followed by how many of each mark there are. */
void html_checklist(hbuf *b, const char *id, const char *caption, const html_check *items, int n);

/* ---- charts ------------------------------------------------------------ */

/* Latency distributions (report_html_latency.c): a card with the series
 * that have samples overlaid on the percentile axis, 1/(1-p) log scale;
 * a "no data" panel when none has. Returns the number of series drawn. */
typedef struct lat_series {
    const char *label;
    const char *color;
    const char *dash;    /* NULL: solid */
    const json_t *phase; /* phase statistics object with "histogram" */
} lat_series;
int html_latency_card(hbuf *b, const char *id, const char *title, const lat_series *s, int n);

/* Grouped bars (report_html_bars.c): categories along x, one bar per
 * series in each category, a value label on every bar, a legend of the
 * series. values[c * nseries + s] is category c, series s; NaN means
 * missing (no bar, "n/a"). On a linear axis the axis includes 0 and
 * negative values hang below it; on a log axis a value <= 0 cannot be
 * placed and is labelled instead of drawn. */
typedef struct html_bar_series {
    const char *label, *color;
} html_bar_series;
typedef struct html_bar_chart {
    const char *id, *title;
    const char *const *categories;
    int ncat;
    const html_bar_series *series;
    int nseries;
    const double *values;
    int log;                 /* 1: log10 value axis */
    const char *value_title; /* y axis title, e.g. "handshakes / s", or NULL */
    tick_fmt_fn fmt;         /* value labels and ticks; NULL: fmt_num */
} html_bar_chart;
/* A card titled c->title with the legend and the chart ("no data" when no
 * value is finite). Returns the number of bars drawn. */
int html_bar_card(hbuf *b, const html_bar_chart *c);

/* An interval bar (report_html_bars.c): where a range lies on an axis,
 * e.g. "idle timeout 4 s – 4.25 s of max 75 s". hi = INFINITY means "at
 * least lo" (the bar runs off the axis end); lo == hi is a point. The
 * axis runs from axis_min to axis_max, widened to hold the range. A
 * missing (NaN) or reversed range is one "not measured" line. */
typedef struct html_interval {
    const char *id, *label;
    double lo, hi;
    double axis_min, axis_max;
    tick_fmt_fn fmt; /* NULL: fmt_num */
    const char *color;
} html_interval;
void html_interval_bar(hbuf *b, const html_interval *iv);

/* A run's time series (report_html_timeseries.c): report.timeseries as a
 * grid of charts on one time axis (throughput, errors and retransmits,
 * p50/p99 of the main phases, TIME_WAIT); "no data" when empty. */
void html_timeseries(hbuf *b, const json_t *timeseries);

/* Connection stories as a waterfall (report_html_waterfall.c): one row per
 * story of report.slowest's format, phases as bars on one time axis, hints
 * underneath; "no data" when empty. */
void html_waterfall(hbuf *b, const json_t *stories);

#endif
