/* report_text.h - the human-readable report, rendered from the JSON report
 * so that the two can never disagree. */
#ifndef TLSPROF_REPORT_TEXT_H
#define TLSPROF_REPORT_TEXT_H

#include <jansson.h>
#include <stdio.h>

void report_text_print(FILE *f, const json_t *report);
/* "41.2us", "12.34ms", "1.234s" */
void report_fmt_us(double us, char *buf, size_t len);

#endif
