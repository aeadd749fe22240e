/* parse.h - strict number, duration and size parsing for options and files.
 * Every function returns 0, or -1 with "WHAT: expected ..., got '...'" in err. */
#ifndef TLSPROF_PARSE_H
#define TLSPROF_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* Input quoted in a message: at most len bytes of s (stop at NUL), cut to
 * buflen with "..." and with control bytes shown as '?', so that a binary
 * argument cannot garble the terminal or hide the rest of the message.
 * Returns buf. */
const char *parse_shown(const char *s, size_t len, char *buf, size_t buflen);
/* The same, in place, for a whole message that may quote such input. */
void parse_sanitize(char *msg);

int parse_uint(const char *what, const char *s, uint64_t min, uint64_t max, uint64_t *out,
               char *err, size_t errlen);
/* "10", "10s", "250ms", "2m", "1.5h", "100us" -> seconds. */
int parse_duration(const char *what, const char *s, double min_s, double max_s, double *out,
                   char *err, size_t errlen);
/* "16384", "16k" (1000), "16KiB"/"16Ki" (1024), "1M", "1MiB", "1G", "1GiB" -> bytes. */
int parse_size(const char *what, const char *s, uint64_t max, uint64_t *out, char *err,
               size_t errlen);
/* A finite decimal number in [min, max]. */
int parse_double(const char *what, const char *s, double min, double max, double *out, char *err,
                 size_t errlen);

#endif
