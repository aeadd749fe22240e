/* report_html_parts.h - the sections the HTML run and compare reports are
 * assembled from. Internal to src/report/report_html*.c. Every renderer
 * takes the report JSON as read back and must cope with any optional part
 * missing (it then says "no data" rather than drawing empty axes). */
#ifndef TLSPROF_REPORT_HTML_PARTS_H
#define TLSPROF_REPORT_HTML_PARTS_H

#include <jansson.h>

#include "report/report_html_buf.h"

/* Display name and one-line meaning of a phase key (the key itself when
 * unknown, so new phases still render). */
const char *html_phase_title(const char *phase);
const char *html_phase_meaning(const char *phase);
/* All phase keys of docs/report-format.md in pipeline order, NULL-terminated. */
extern const char *const html_phase_order[];

/* An HTML legend: coloured swatch + escaped label + optional detail text. */
typedef struct html_legend_item {
    const char *label;
    const char *color;
    const char *style; /* "line", "dashed", "bar", "marker" */
    const char *detail;
} html_legend_item;
void html_legend(hbuf *b, const html_legend_item *items, int n);

/* Rejects anything but a report_version 1 object, naming `which` input. */
int html_check_version(const json_t *report, const char *which, char *err, size_t errlen);
/* The run header: target, mode, duration, date, tool, platform. */
void html_run_header(hbuf *b, const json_t *report);

/* Page skeleton shared by run and compare reports. */
void html_page_open(hbuf *b, const char *title);
void html_page_close(hbuf *b);
void html_section_open(hbuf *b, const char *id, const char *title, const char *intro);
void html_section_close(hbuf *b);
/* A prominent box listing each string of a JSON array (nothing when empty). */
void html_warnings_box(hbuf *b, const json_t *warnings, const char *heading);

/* Latency-distribution (percentile) charts. */
typedef struct lat_series {
    const char *label;
    const char *color;
    const char *dash;    /* NULL: solid */
    const json_t *phase; /* phase statistics object with "histogram" */
} lat_series;
/* One card with the series that have samples overlaid; a "no data" panel
 * when none has. Returns the number of series drawn. */
int html_latency_card(hbuf *b, const char *id, const char *title, const lat_series *s, int n);
void html_latency_section(hbuf *b, const json_t *report);

void html_timeseries_section(hbuf *b, const json_t *report);
void html_waterfall_section(hbuf *b, const json_t *report);

void html_phase_table(hbuf *b, const json_t *phases);
void html_tls_section(hbuf *b, const json_t *tls);
void html_tcp_section(hbuf *b, const json_t *tcp);
void html_errors_section(hbuf *b, const json_t *errors);
void html_client_section(hbuf *b, const json_t *client, const json_t *config);

#endif
