/* parse.c - strict parsing: the whole string must be consumed, ranges are
 * checked, and the message says which option and what was given. */
#include "config/parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_control(unsigned char ch)
{
    return ch < 0x20 || ch == 0x7f;
}

const char *parse_shown(const char *s, size_t len, char *buf, size_t buflen)
{
    size_t i = 0;
    for (; i < len && s[i] && i + 1 < buflen; i++)
        buf[i] = is_control((unsigned char)s[i]) ? '?' : s[i];
    buf[i] = 0;
    if (i < len && s[i] && buflen > 4) strcpy(buf + buflen - 4, "...");
    return buf;
}

void parse_sanitize(char *msg)
{
    for (; *msg; msg++)
        if (is_control((unsigned char)*msg)) *msg = '?';
}

static const char *printable(const char *s, char *buf, size_t len)
{
    return parse_shown(s, SIZE_MAX, buf, len);
}

/* End of the plain decimal number at s: digits, an optional fraction and an
 * optional exponent, at least one digit before the exponent; s when there is
 * none. strtod also takes hex ("0x10"), "inf" and "nan", which no option
 * documents, so an input is accepted only when strtod stops here too. */
static const char *decimal_end(const char *s)
{
    const char *p = s;
    size_t digits = 0;
    while (isdigit((unsigned char)*p))
        p++, digits++;
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p))
            p++, digits++;
    }
    if (!digits) return s;
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        if (*q == '+' || *q == '-') q++;
        if (isdigit((unsigned char)*q)) {
            while (isdigit((unsigned char)*q))
                q++;
            p = q;
        }
    }
    return p;
}

int parse_uint(const char *what, const char *s, uint64_t min, uint64_t max, uint64_t *out,
               char *err, size_t errlen)
{
    char pb[48];
    if (!s || !*s || !isdigit((unsigned char)*s)) goto bad;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > max) goto bad;
    *out = v;
    return 0;
bad:
    snprintf(err, errlen, "%s: expected a whole number from %llu to %llu, got '%s'", what,
             (unsigned long long)min, (unsigned long long)max,
             s ? printable(s, pb, sizeof pb) : "");
    return -1;
}

int parse_double(const char *what, const char *s, double min, double max, double *out, char *err,
                 size_t errlen)
{
    char pb[48];
    if (!s || !*s || isspace((unsigned char)*s)) goto bad;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    const char *digits = s + (*s == '-' || *s == '+');
    if (errno || *end || end != decimal_end(digits) || !isfinite(v) || v < min || v > max) goto bad;
    *out = v;
    return 0;
bad:
    snprintf(err, errlen, "%s: expected a number from %g to %g, got '%s'", what, min, max,
             s ? printable(s, pb, sizeof pb) : "");
    return -1;
}

int parse_duration(const char *what, const char *s, double min_s, double max_s, double *out,
                   char *err, size_t errlen)
{
    char pb[48];
    if (!s || !*s || !(isdigit((unsigned char)*s) || *s == '.')) goto bad;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || end != decimal_end(s) || !isfinite(v) || v < 0) goto bad;
    double mult;
    if (!*end || !strcmp(end, "s"))
        mult = 1;
    else if (!strcmp(end, "ms"))
        mult = 1e-3;
    else if (!strcmp(end, "us"))
        mult = 1e-6;
    else if (!strcmp(end, "m") || !strcmp(end, "min"))
        mult = 60;
    else if (!strcmp(end, "h"))
        mult = 3600;
    else
        goto bad;
    v *= mult;
    if (v < min_s || v > max_s) {
        snprintf(err, errlen, "%s: expected a duration from %gs to %gs, got '%s'", what, min_s,
                 max_s, printable(s, pb, sizeof pb));
        return -1;
    }
    *out = v;
    return 0;
bad:
    snprintf(err, errlen, "%s: expected a duration such as 10, 10s, 250ms or 2m, got '%s'", what,
             s ? printable(s, pb, sizeof pb) : "");
    return -1;
}

int parse_size(const char *what, const char *s, uint64_t max, uint64_t *out, char *err,
               size_t errlen)
{
    char pb[48];
    if (!s || !*s || !isdigit((unsigned char)*s)) goto bad;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno) goto bad;
    static const struct {
        const char *suffix;
        uint64_t mult;
    } units[] = {{"", 1},
                 {"b", 1},
                 {"k", 1000},
                 {"kb", 1000},
                 {"ki", 1024},
                 {"kib", 1024},
                 {"m", 1000000},
                 {"mb", 1000000},
                 {"mi", 1 << 20},
                 {"mib", 1 << 20},
                 {"g", 1000000000},
                 {"gb", 1000000000},
                 {"gi", 1ull << 30},
                 {"gib", 1ull << 30}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcasecmp(end, units[i].suffix) == 0) {
            if (v > max / units[i].mult) {
                snprintf(err, errlen, "%s: '%s' is over the maximum of %llu bytes", what,
                         printable(s, pb, sizeof pb), (unsigned long long)max);
                return -1;
            }
            *out = v * units[i].mult;
            return 0;
        }
    }
bad:
    snprintf(err, errlen, "%s: expected a size such as 4096, 16k, 16KiB or 1MiB, got '%s'", what,
             s ? printable(s, pb, sizeof pb) : "");
    return -1;
}
