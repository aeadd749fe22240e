/* report_html_buf.c - text buffer, escaping, human units, atomic write. */
#include "report/report_html_buf.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void hb_init(hbuf *b)
{
    memset(b, 0, sizeof *b);
}

void hb_free(hbuf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static int hb_reserve(hbuf *b, size_t extra)
{
    if (b->failed) return -1;
    if (b->len + extra + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 65536;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

static void hb_putn(hbuf *b, const char *s, size_t n)
{
    if (n == 0 || hb_reserve(b, n) != 0) return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void hb_puts(hbuf *b, const char *s)
{
    if (s) hb_putn(b, s, strlen(s));
}

void hb_printf(hbuf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        hb_putn(b, small, (size_t)n);
        return;
    }
    if (hb_reserve(b, (size_t)n) != 0) return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void hb_escn(hbuf *b, const char *s, size_t n)
{
    if (!s) return;
    size_t start = 0, i = 0; /* s[start, i) is copied verbatim in one go */
    for (; i < n && s[i]; i++) {
        const char *ent = NULL;
        switch (s[i]) {
        case '&':
            ent = "&amp;";
            break;
        case '<':
            ent = "&lt;";
            break;
        case '>':
            ent = "&gt;";
            break;
        case '"':
            ent = "&quot;";
            break;
        case '\'':
            ent = "&#39;";
            break;
        default:
            break;
        }
        /* Control characters other than tab/newline have no business in a
         * report and some are invalid in HTML: show them as U+FFFD. */
        if (!ent && (unsigned char)s[i] < 0x20 && s[i] != '\t' && s[i] != '\n') ent = "&#xFFFD;";
        if (ent) {
            hb_putn(b, s + start, i - start);
            hb_puts(b, ent);
            start = i + 1;
        }
    }
    hb_putn(b, s + start, i - start);
}

void hb_esc(hbuf *b, const char *s)
{
    if (s) hb_escn(b, s, strlen(s));
}

int hb_write_file(const hbuf *b, const char *path, char *err, size_t errlen)
{
    if (b->failed) {
        snprintf(err, errlen, "%s: out of memory while building the HTML report", path);
        return -1;
    }
    size_t plen = strlen(path);
    char *tmp = malloc(plen + sizeof ".tmp.XXXXXX");
    if (!tmp) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create temporary file %s: %s", path, tmp,
                 strerror(errno));
        free(tmp);
        return -1;
    }
    const char *what = NULL;
    size_t off = 0;
    while (off < b->len) {
        ssize_t w = write(fd, b->data + off, b->len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            what = "write";
            break;
        }
        off += (size_t)w;
    }
    /* mkstemp creates 0600; a report is meant to be shared like any output. */
    if (!what && fchmod(fd, 0644) != 0) what = "chmod";
    if (!what && fsync(fd) != 0) what = "fsync";
    int saved = errno;
    if (close(fd) != 0 && !what) {
        what = "close";
        saved = errno;
    }
    if (!what && rename(tmp, path) != 0) {
        what = "rename";
        saved = errno;
    }
    if (what) {
        snprintf(err, errlen, "%s: %s of %s failed: %s", path, what, tmp, strerror(saved));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

/* Formats v (already scaled, >= 0) to three significant digits with
 * trailing zeros removed. */
static void fmt_sig3(double v, char *out, size_t n)
{
    int decimals = v < 10 ? 2 : v < 100 ? 1 : 0;
    snprintf(out, n, "%.*f", decimals, v);
    if (strchr(out, '.')) {
        size_t len = strlen(out);
        while (len > 0 && out[len - 1] == '0')
            out[--len] = '\0';
        if (len > 0 && out[len - 1] == '.') out[--len] = '\0';
    }
}

/* Rounds v to three significant digits, as fmt_sig3 prints it. */
static double round_sig3(double v)
{
    if (v <= 0) return v;
    double mag = pow(10, floor(log10(v)) - 2);
    return round(v / mag) * mag;
}

const char *fmt_us(double us, char *out, size_t n)
{
    static const struct {
        double scale;
        const char *unit;
    } units[] = {{1e-3, "ns"}, {1, "µs"}, {1e3, "ms"}, {1e6, "s"}};
    if (!isfinite(us)) {
        snprintf(out, n, "n/a");
        return out;
    }
    if (us == 0) {
        snprintf(out, n, "0");
        return out;
    }
    const char *sign = us < 0 ? "-" : "";
    double a = fabs(us);
    size_t u = 0;
    while (u + 1 < sizeof units / sizeof units[0] && a >= units[u + 1].scale)
        u++;
    /* 999.7 µs rounds to "1000 µs": show it as "1 ms" instead. */
    if (u + 1 < sizeof units / sizeof units[0] && round_sig3(a / units[u].scale) >= 1000) u++;
    char num[64];
    fmt_sig3(a / units[u].scale, num, sizeof num);
    snprintf(out, n, "%s%s %s", sign, num, units[u].unit);
    return out;
}

const char *fmt_count(double v, char *out, size_t n)
{
    char digits[64];
    if (!isfinite(v)) {
        snprintf(out, n, "n/a");
        return out;
    }
    snprintf(digits, sizeof digits, "%.0f", fabs(v));
    size_t len = strlen(digits), o = 0;
    char tmp[96];
    if (v < 0 && round(v) != 0) tmp[o++] = '-';
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0) tmp[o++] = ',';
        tmp[o++] = digits[i];
    }
    tmp[o] = '\0';
    snprintf(out, n, "%s", tmp);
    return out;
}

const char *fmt_num(double v, char *out, size_t n)
{
    if (!isfinite(v)) {
        snprintf(out, n, "n/a");
        return out;
    }
    double a = fabs(v);
    if (round_sig3(a) >= 1000) {
        snprintf(out, n, "%.0f", v);
        return out;
    }
    char num[64];
    fmt_sig3(round_sig3(a), num, sizeof num);
    snprintf(out, n, "%s%s", v < 0 && strcmp(num, "0") != 0 ? "-" : "", num);
    return out;
}
