/* compare.h - `tlsprof compare A.json B.json [--json FILE] [--html FILE]`.
 *
 * Puts two runs side by side: per phase p50, p99, p99.9 and max of A and B
 * with the absolute and relative change, each change marked significant or
 * not by the rule of compare_sig.h; then summary, TLS, TCP, errors and both
 * platforms. The comparison is built once as JSON (compare_reports) and the
 * text table, --json and --html are all rendered from it. */
#ifndef TLSPROF_COMPARE_H
#define TLSPROF_COMPARE_H

#include <stdio.h>
#include <jansson.h>

#include "report/report_read.h"

/* The comparison of two validated reports (format in docs/compare-merge.md).
 * Returns a new reference, NULL on out of memory. */
json_t *compare_reports(const report_t *a, const report_t *b);

/* The human-readable table of a comparison built by compare_reports. */
void compare_print_text(FILE *f, const json_t *cmp);

#endif
