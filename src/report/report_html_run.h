/* report_html_run.h - the sections of the run report (report_html.c),
 * internal to it: the compare and later pages compose the parts of
 * report_html_parts.h, not these. Each takes the report (or the part of it
 * named) as read back and copes with any optional part missing. */
#ifndef TLSPROF_REPORT_HTML_RUN_H
#define TLSPROF_REPORT_HTML_RUN_H

#include <jansson.h>

#include "report/report_html_buf.h"

/* The run header: target, mode, duration, date, tool, platform. */
void html_run_header(hbuf *b, const json_t *report);
void html_latency_section(hbuf *b, const json_t *report);
void html_phase_table(hbuf *b, const json_t *phases);
void html_tls_section(hbuf *b, const json_t *tls);
void html_tcp_section(hbuf *b, const json_t *tcp);
void html_errors_section(hbuf *b, const json_t *errors);
void html_client_section(hbuf *b, const json_t *client, const json_t *config);

#endif
