/* report_html.h - the self-contained HTML report.
 *
 * One file, inline CSS and inline SVG only: no script is needed, nothing is
 * fetched (no fonts, no CDN), so the page can be mailed, archived or opened
 * offline years later and still show the same thing. Every string taken
 * from the report is HTML-escaped: a server-controlled error reason or URL
 * cannot inject markup. Sections missing from the report render as
 * "no data". The file is written to a temporary name and renamed. */
#ifndef TLSPROF_REPORT_HTML_H
#define TLSPROF_REPORT_HTML_H

#include <stddef.h>
#include <jansson.h>

/* Renders a run report (docs/report-format.md) to path. Returns 0, or -1
 * with a message in err (unknown report_version, unwritable path, ...). */
int report_html_write(const json_t *report, const char *path, char *err, size_t errlen);

/* Renders `tlsprof compare A B --html`: both runs' headers side by side, a
 * phase table with A, B and the change of p50/p99, and per phase the two
 * latency distributions overlaid. `comparison` (the JSON of tlsprof
 * compare) is optional: when given, its warnings and verdicts are shown;
 * everything else is computed from a and b. */
int report_html_write_compare(const json_t *a, const json_t *b, const json_t *comparison,
                              const char *path, char *err, size_t errlen);

#endif
