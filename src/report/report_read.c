/* report_read.c - load and validate a tlsprof JSON report.
 *
 * The checks are the contract of docs/report-format.md that merge and
 * compare depend on; anything else (new keys, optional sections) is left
 * alone so that newer reports keep loading. */
#include "report/report_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "measure/stats.h"

typedef struct ctx {
    const char *label;
    char *err;
    size_t errlen;
} ctx_t;

static void *bad(const ctx_t *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes "LABEL: PATH: message" (or "LABEL: message" without a path). */
static void *bad(const ctx_t *c, const char *path, const char *fmt, ...)
{
    if (!c->err || !c->errlen) return NULL;
    int n = path ? snprintf(c->err, c->errlen, "%s: %s: ", c->label, path)
                 : snprintf(c->err, c->errlen, "%s: ", c->label);
    if (n >= 0 && (size_t)n < c->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    /* Keys and strings quoted from the file may hold control characters
     * (JSON allows "\u001b"): keep them off the terminal. */
    for (char *p = c->err; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    return NULL;
}

/* ---- reading the bytes --------------------------------------------------- */

/* Whole file into a NUL-terminated buffer; regular files, pipes and
 * /dev/stdin alike, refusing anything over REPORT_MAX_BYTES. */
static char *slurp(const ctx_t *c, const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return bad(c, NULL, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) memset(&st, 0, sizeof(st)); /* unknown kind and size: read until EOF */
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return bad(c, NULL, "is a directory, not a report file");
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > REPORT_MAX_BYTES) {
        close(fd);
        return bad(c, NULL, "file is %llu bytes, over the %llu MiB limit for a report",
                   (unsigned long long)st.st_size, REPORT_MAX_BYTES >> 20);
    }
    size_t cap = (S_ISREG(st.st_mode) && st.st_size > 0) ? (size_t)st.st_size + 1 : 65536;
    char *buf = malloc(cap);
    size_t n = 0;
    while (buf) {
        if (n + 1 >= cap) {
            if (cap > REPORT_MAX_BYTES) {
                free(buf);
                close(fd);
                return bad(c, NULL, "input is over the %llu MiB limit for a report",
                           REPORT_MAX_BYTES >> 20);
            }
            char *grown = realloc(buf, cap * 2);
            if (!grown) break;
            buf = grown;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return bad(c, NULL, "read failed: %s", strerror(e));
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
    if (!buf) return bad(c, NULL, "out of memory reading %zu bytes", n);
    buf[n] = 0;
    *len = n;
    return buf;
}

/* ---- validation ---------------------------------------------------------- */

static int check_uint(const ctx_t *c, const json_t *v, const char *path)
{
    if (json_is_integer(v) && json_integer_value(v) < 0) {
        bad(c, path, "expected a non-negative integer, got %" JSON_INTEGER_FORMAT,
            json_integer_value(v));
        return -1;
    }
    if (!json_is_integer(v)) {
        bad(c, path, "expected a non-negative integer, got %s", json_kind(v));
        return -1;
    }
    return 0;
}

/* An object name -> non-negative integer count (tls.versions, summary.status). */
static int check_count_map(const ctx_t *c, const json_t *map, const char *path)
{
    if (!map) return 0;
    if (!json_is_object(map)) {
        bad(c, path, "expected an object name -> count, got %s", json_kind(map));
        return -1;
    }
    const char *k;
    const json_t *v;
    char sub[512];
    json_object_foreach((json_t *)map, k, v)
    {
        snprintf(sub, sizeof(sub), "%s.%s", path, k);
        if (check_uint(c, v, sub)) return -1;
    }
    return 0;
}

static const char *const summary_counters[] = {
    "connections_opened", "connections_established", "connections_failed", "reconnects",
    "requests_ok",        "requests_failed",         "requests_retried",   "bytes_received",
};

static int check_summary(const ctx_t *c, const json_t *s)
{
    char path[128];
    for (size_t i = 0; i < sizeof(summary_counters) / sizeof(summary_counters[0]); i++) {
        const json_t *v = json_object_get(s, summary_counters[i]);
        snprintf(path, sizeof(path), "summary.%s", summary_counters[i]);
        if (v && check_uint(c, v, path)) return -1;
    }
    const char *reals[] = {"duration_s", "requests_per_s", "connections_per_s"};
    for (size_t i = 0; i < 3; i++) {
        const json_t *v = json_object_get(s, reals[i]);
        if (v && (!json_is_number(v) || json_number_value(v) < 0)) {
            snprintf(path, sizeof(path), "summary.%s", reals[i]);
            bad(c, path, "expected a non-negative number, got %s", json_kind(v));
            return -1;
        }
    }
    return check_count_map(c, json_object_get(s, "status"), "summary.status");
}

static int check_tls(const ctx_t *c, const json_t *tls)
{
    const char *maps[] = {"versions", "ciphers", "groups", "sigalgs", "alpn"};
    char path[128];
    for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
        snprintf(path, sizeof(path), "tls.%s", maps[i]);
        if (check_count_map(c, json_object_get(tls, maps[i]), path)) return -1;
    }
    const json_t *res = json_object_get(tls, "resumption");
    if (res) {
        if (!json_is_object(res)) {
            bad(c, "tls.resumption", "expected an object, got %s", json_kind(res));
            return -1;
        }
        const char *counters[] = {"attempted", "accepted", "rejected", "tickets_received"};
        for (size_t i = 0; i < 4; i++) {
            const json_t *v = json_object_get(res, counters[i]);
            snprintf(path, sizeof(path), "tls.resumption.%s", counters[i]);
            if (v && check_uint(c, v, path)) return -1;
        }
    }
    const json_t *ed = json_object_get(tls, "early_data");
    return check_count_map(c, ed, "tls.early_data");
}

static int check_errors(const ctx_t *c, const json_t *errors)
{
    const char *phase;
    const json_t *reasons;
    char path[256];
    json_object_foreach((json_t *)errors, phase, reasons)
    {
        snprintf(path, sizeof(path), "errors.%s", phase);
        if (!json_is_object(reasons)) {
            bad(c, path, "expected an object reason -> count, got %s", json_kind(reasons));
            return -1;
        }
        if (check_count_map(c, reasons, path)) return -1;
    }
    return 0;
}

/* One phase-shaped object at PARENT.KEY: count and a valid histogram that
 * agree with each other. */
static int decode_phase(const ctx_t *c, const char *parent, const char *key, const json_t *obj,
                        report_hist_t *out)
{
    char path[256], herr[512];
    snprintf(path, sizeof(path), "%s.%s", parent, key);
    if (!json_is_object(obj)) {
        bad(c, path, "expected a phase statistics object, got %s", json_kind(obj));
        return -1;
    }
    const json_t *count = json_object_get(obj, "count");
    char sub[300];
    snprintf(sub, sizeof(sub), "%s.count", path);
    if (!count) {
        bad(c, sub, "missing");
        return -1;
    }
    if (check_uint(c, count, sub)) return -1;
    const json_t *hj = json_object_get(obj, "histogram");
    if (!hj) {
        snprintf(sub, sizeof(sub), "%s.histogram", path);
        bad(c, sub, "missing (every phase carries its mergeable histogram)");
        return -1;
    }
    out->hist = malloc(sizeof(hist_t));
    out->key = strdup(key);
    out->divisor = stats_unit_divisor(key);
    if (!out->hist || !out->key) {
        bad(c, path, "out of memory");
        return -1;
    }
    /* hist_from_json messages start with "histogram..." */
    if (hist_from_json(out->hist, hj, herr, sizeof(herr)) != 0) {
        bad(c, NULL, "%s.%s", path, herr);
        return -1;
    }
    if ((uint64_t)json_integer_value(count) != out->hist->count) {
        bad(c, sub, "%lld does not match histogram.count %llu",
            (long long)json_integer_value(count), (unsigned long long)out->hist->count);
        return -1;
    }
    return 0;
}

static const json_t *require_object(const ctx_t *c, const json_t *root, const char *key)
{
    const json_t *v = json_object_get(root, key);
    if (!v)
        return bad(c, key,
                   "missing (a tlsprof report has tool, config, summary, phases, tls "
                   "and errors)");
    if (!json_is_object(v)) return bad(c, key, "expected an object, got %s", json_kind(v));
    return v;
}

static int validate(const ctx_t *c, report_t *r)
{
    const json_t *root = r->root;
    if (!json_is_object(root)) {
        bad(c, "(top level)", "expected an object, got %s", json_kind(root));
        return -1;
    }
    const json_t *ver = json_object_get(root, "report_version");
    if (!ver) {
        bad(c, "report_version", "missing (is this a tlsprof report?)");
        return -1;
    }
    if (!json_is_integer(ver)) {
        bad(c, "report_version", "expected the integer %d, got %s", REPORT_VERSION, json_kind(ver));
        return -1;
    }
    if (json_integer_value(ver) != REPORT_VERSION) {
        bad(c, "report_version", "unsupported version %lld (this tlsprof reads version %d)",
            (long long)json_integer_value(ver), REPORT_VERSION);
        return -1;
    }
    const json_t *tool = require_object(c, root, "tool");
    if (!tool) return -1;
    const json_t *name = json_object_get(tool, "name");
    if (!json_is_string(name) || strcmp(json_string_value(name), "tlsprof") != 0) {
        bad(c, "tool.name", "expected \"tlsprof\", got %s%s%s", json_is_string(name) ? "\"" : "",
            json_is_string(name) ? json_string_value(name) : json_kind(name),
            json_is_string(name) ? "\"" : "");
        return -1;
    }
    const json_t *summary, *phases, *tls, *errors;
    if (!require_object(c, root, "config") || !(summary = require_object(c, root, "summary")) ||
        !(phases = require_object(c, root, "phases")) || !(tls = require_object(c, root, "tls")) ||
        !(errors = require_object(c, root, "errors")))
        return -1;
    if (check_summary(c, summary) || check_tls(c, tls) || check_errors(c, errors)) return -1;

    r->phases = calloc(json_object_size(phases) + 1, sizeof(*r->phases));
    if (!r->phases) {
        bad(c, "phases", "out of memory");
        return -1;
    }
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)phases, key, v)
    {
        if (decode_phase(c, "phases", key, v, &r->phases[r->nphases++])) return -1;
    }

    const json_t *tcp = json_object_get(root, "tcp");
    if (tcp && !json_is_object(tcp)) {
        bad(c, "tcp", "expected an object, got %s", json_kind(tcp));
        return -1;
    }
    r->tcp = calloc(2, sizeof(*r->tcp));
    if (!r->tcp) {
        bad(c, "tcp", "out of memory");
        return -1;
    }
    const char *tcp_hists[] = {STATS_TCP_RTT, STATS_TCP_RETRANSMITS};
    for (size_t i = 0; tcp && i < 2; i++) {
        const json_t *obj = json_object_get(tcp, tcp_hists[i]);
        if (obj && !json_is_null(obj) &&
            decode_phase(c, "tcp", tcp_hists[i], obj, &r->tcp[r->ntcp++]))
            return -1;
    }
    return 0;
}

/* ---- entry points -------------------------------------------------------- */

void report_free(report_t *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->nphases; i++) {
        free(r->phases[i].key);
        free(r->phases[i].hist);
    }
    for (size_t i = 0; i < r->ntcp; i++) {
        free(r->tcp[i].key);
        free(r->tcp[i].hist);
    }
    free(r->phases);
    free(r->tcp);
    free(r->label);
    json_decref(r->root);
    free(r);
}

report_t *report_from_json(const char *label, json_t *root, char *err, size_t errlen)
{
    ctx_t c = {label, err, errlen};
    report_t *r = calloc(1, sizeof(*r));
    if (!r || !(r->label = strdup(label))) {
        free(r);
        return bad(&c, NULL, "out of memory");
    }
    r->root = json_incref(root);
    if (validate(&c, r) != 0) {
        report_free(r);
        return NULL;
    }
    return r;
}

report_t *report_parse(const char *label, const char *text, size_t len, char *err, size_t errlen)
{
    ctx_t c = {label, err, errlen};
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
        i++;
    if (i == len)
        return bad(&c, NULL, "file is empty%s (expected a tlsprof JSON report)",
                   len ? " (only whitespace)" : "");
    if (text[i] != '{') {
        unsigned char ch = (unsigned char)text[i];
        if (ch >= 0x20 && ch < 0x7f)
            return bad(&c, NULL, "not a JSON report: it starts with '%c', not '{'", ch);
        return bad(&c, NULL, "not a JSON report: it starts with byte 0x%02x (binary data?)", ch);
    }
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        int truncated = jerr.position >= (int)len || strstr(jerr.text, "end of file");
        return bad(&c, NULL, "invalid JSON at line %d, column %d%s: %s", jerr.line, jerr.column,
                   truncated ? " (truncated file?)" : "", jerr.text);
    }
    report_t *r = report_from_json(label, root, err, errlen);
    json_decref(root);
    return r;
}

report_t *report_read(const char *path, char *err, size_t errlen)
{
    ctx_t c = {path, err, errlen};
    size_t len = 0;
    char *text = slurp(&c, path, &len);
    if (!text) return NULL;
    report_t *r = report_parse(path, text, len, err, errlen);
    free(text);
    return r;
}

static const hist_t *find(const report_hist_t *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i].key, name) == 0) return list[i].hist;
    }
    return NULL;
}

const hist_t *report_phase_hist(const report_t *r, const char *name)
{
    return find(r->phases, r->nphases, name);
}

const hist_t *report_tcp_hist(const report_t *r, const char *name)
{
    return find(r->tcp, r->ntcp, name);
}

const char *report_protocol(const json_t *config)
{
    const json_t *p = json_object_get(config, "protocol");
    return json_is_string(p) ? json_string_value(p) : "h2";
}

const char *report_protocol_label(const json_t *config)
{
    return strcmp(report_protocol(config), "http/1.1") ? "HTTP/2" : "HTTP/1.1";
}
