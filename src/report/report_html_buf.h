/* report_html_buf.h - the growable text buffer the HTML report is built in,
 * HTML escaping, human-unit formatting and the atomic file write.
 *
 * The whole page is assembled in memory and written in one go to a temporary
 * name that is then renamed, so a reader never sees half a report. Allocation
 * failure is sticky: once `failed` is set every append is a no-op and the
 * writer reports "out of memory" at the end instead of checking every call. */
#ifndef TLSPROF_REPORT_HTML_BUF_H
#define TLSPROF_REPORT_HTML_BUF_H

#include <stddef.h>

typedef struct hbuf {
    char *data;
    size_t len, cap;
    int failed;
} hbuf;

void hb_init(hbuf *b);
void hb_free(hbuf *b);
void hb_puts(hbuf *b, const char *s);
void hb_printf(hbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends s with & < > " ' replaced by entities, safe both as element text
 * and inside a double- or single-quoted attribute value. NULL appends "". */
void hb_esc(hbuf *b, const char *s);
/* The same for at most n bytes of s. */
void hb_escn(hbuf *b, const char *s, size_t n);

/* Writes the buffer to path through a temporary file in the same directory,
 * fsync and rename. Returns 0, or -1 with a message naming the path in err. */
int hb_write_file(const hbuf *b, const char *path, char *err, size_t errlen);

/* Durations given in microseconds, to three significant digits in the
 * largest unit that keeps the number >= 1: "812 ns", "41.2 µs", "1.5 ms",
 * "2.31 s". Trailing zeros are dropped so axis ticks read "1 ms", not
 * "1.00 ms". Returns out. */
const char *fmt_us(double us, char *out, size_t n);
/* An integer count with thousands separators: "12,345". */
const char *fmt_count(double v, char *out, size_t n);
/* A plain number to at most three significant digits, no exponent: "0.25", "1200". */
const char *fmt_num(double v, char *out, size_t n);

#endif
