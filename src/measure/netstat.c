/* netstat.c - parse /proc/net/snmp and /proc/net/netstat into named counters. */
#include "measure/netstat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *json, *group, *name;
} reported[NETSTAT_KEY_COUNT] = {
    [NETSTAT_TCP_RETRANS_SEGS] = {"TcpRetransSegs", "Tcp", "RetransSegs"},
    [NETSTAT_TCP_SYN_RETRANS] = {"TCPSynRetrans", "TcpExt", "TCPSynRetrans"},
    [NETSTAT_TCP_TIMEOUTS] = {"TCPTimeouts", "TcpExt", "TCPTimeouts"},
    [NETSTAT_LISTEN_OVERFLOWS] = {"ListenOverflows", "TcpExt", "ListenOverflows"},
    [NETSTAT_LISTEN_DROPS] = {"ListenDrops", "TcpExt", "ListenDrops"},
    [NETSTAT_TCP_ABORT_ON_DATA] = {"TCPAbortOnData", "TcpExt", "TCPAbortOnData"},
    [NETSTAT_TW] = {"TW", "TcpExt", "TW"},
};

void netstat_snapshot_init(netstat_snapshot_t *s)
{
    s->count = 0;
}

/* One line of text: [p, end) without the newline. */
typedef struct line {
    const char *p, *end;
    unsigned number; /* 1-based, for messages */
} line_t;

static int next_line(const char **cursor, line_t *ln)
{
    const char *p = *cursor;
    if (!*p) return 0;
    const char *nl = strchr(p, '\n');
    ln->p = p;
    ln->end = nl ? nl : p + strlen(p);
    ln->number++;
    *cursor = nl ? nl + 1 : ln->end;
    return 1;
}

/* Length of the "Group" before "Group: ", or 0 when the line has no such prefix. */
static size_t group_len(const line_t *ln)
{
    for (const char *q = ln->p; q < ln->end; q++) {
        if (*q == ':') return (size_t)(q - ln->p);
        if (*q == ' ') return 0;
    }
    return 0;
}

static const char *skip_spaces(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++;
    return p;
}

static const char *token_end(const char *p, const char *end)
{
    while (p < end && *p != ' ' && *p != '\t' && *p != '\r')
        p++;
    return p;
}

static int parse_pair(netstat_snapshot_t *s, const line_t *hdr, const line_t *val, size_t glen,
                      const char *source, char *err, size_t errlen)
{
    if (glen >= NETSTAT_GROUP_MAX) {
        snprintf(err, errlen, "%s line %u: group name '%.*s' is too long", source, hdr->number,
                 (int)glen, hdr->p);
        return -1;
    }
    const char *h = hdr->p + glen + 1, *v = val->p + glen + 1;
    for (;;) {
        h = skip_spaces(h, hdr->end);
        v = skip_spaces(v, val->end);
        if (h == hdr->end && v == val->end) return 0;
        if (h == hdr->end || v == val->end) {
            snprintf(err, errlen, "%s lines %u-%u: group '%.*s' has %s names than values", source,
                     hdr->number, val->number, (int)glen, hdr->p, h == hdr->end ? "fewer" : "more");
            return -1;
        }
        const char *he = token_end(h, hdr->end), *ve = token_end(v, val->end);
        size_t nlen = (size_t)(he - h);
        if (nlen >= NETSTAT_NAME_MAX) {
            snprintf(err, errlen, "%s line %u: counter name '%.*s' is too long", source,
                     hdr->number, (int)nlen, h);
            return -1;
        }
        char num[32];
        size_t vlen = (size_t)(ve - v);
        char *numend = NULL;
        uint64_t value = 0;
        if (vlen > 0 && vlen < sizeof num) {
            memcpy(num, v, vlen);
            num[vlen] = 0;
            errno = 0;
            /* strtoull accepts "-1" and wraps it to UINT64_MAX, which is
             * what the kernel's long -1 (Tcp MaxConn) means. */
            value = strtoull(num, &numend, 10);
        }
        if (!numend || *numend || errno == ERANGE) {
            snprintf(err, errlen, "%s line %u: value '%.*s' of %.*s %.*s is not a number", source,
                     val->number, (int)vlen, v, (int)glen, hdr->p, (int)nlen, h);
            return -1;
        }
        if (s->count >= NETSTAT_MAX_COUNTERS) {
            snprintf(err, errlen, "%s: more than %d counters", source, NETSTAT_MAX_COUNTERS);
            return -1;
        }
        netstat_counter_t *c = &s->counters[s->count++];
        memcpy(c->group, hdr->p, glen);
        c->group[glen] = 0;
        memcpy(c->name, h, nlen);
        c->name[nlen] = 0;
        c->value = value;
        h = he;
        v = ve;
    }
}

int netstat_parse(netstat_snapshot_t *s, const char *text, const char *source, char *err,
                  size_t errlen)
{
    const char *cursor = text;
    line_t hdr = {0}, val;
    while (next_line(&cursor, &hdr)) {
        if (hdr.p == hdr.end) continue; /* blank line */
        size_t glen = group_len(&hdr);
        if (glen == 0) {
            snprintf(err, errlen, "%s line %u: expected 'Group: names...', got '%.*s'", source,
                     hdr.number, (int)(hdr.end - hdr.p > 40 ? 40 : hdr.end - hdr.p), hdr.p);
            return -1;
        }
        val = hdr;
        if (!next_line(&cursor, &val)) {
            snprintf(err, errlen, "%s line %u: header of '%.*s' has no values line", source,
                     hdr.number, (int)glen, hdr.p);
            return -1;
        }
        if (group_len(&val) != glen || memcmp(val.p, hdr.p, glen) != 0) {
            snprintf(err, errlen, "%s line %u: values line does not belong to group '%.*s'", source,
                     val.number, (int)glen, hdr.p);
            return -1;
        }
        if (parse_pair(s, &hdr, &val, glen, source, err, errlen) != 0) return -1;
        hdr.number = val.number;
    }
    return 0;
}

/* The files are generated text of a few KiB; 256 KiB leaves room for
 * kernels with many more counters. */
#define NETSTAT_FILE_MAX (256 * 1024)

static int parse_file(netstat_snapshot_t *s, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(NETSTAT_FILE_MAX + 1);
    if (!buf) {
        fclose(f);
        snprintf(err, errlen, "reading %s: out of memory", path);
        return -1;
    }
    size_t n = fread(buf, 1, NETSTAT_FILE_MAX + 1, f);
    int failed = ferror(f);
    fclose(f);
    int rc = -1;
    if (failed)
        snprintf(err, errlen, "reading %s failed", path);
    else if (n > NETSTAT_FILE_MAX)
        snprintf(err, errlen, "%s is larger than %d bytes", path, NETSTAT_FILE_MAX);
    else {
        buf[n] = 0;
        rc = netstat_parse(s, buf, path, err, errlen);
    }
    free(buf);
    return rc;
}

int netstat_read_files(netstat_snapshot_t *s, const char *snmp_path, const char *netstat_path,
                       char *err, size_t errlen)
{
    netstat_snapshot_init(s);
    if (snmp_path && parse_file(s, snmp_path, err, errlen) != 0) return -1;
    if (netstat_path && parse_file(s, netstat_path, err, errlen) != 0) return -1;
    return 0;
}

int netstat_read(netstat_snapshot_t *s, char *err, size_t errlen)
{
    return netstat_read_files(s, "/proc/net/snmp", "/proc/net/netstat", err, errlen);
}

int netstat_get(const netstat_snapshot_t *s, const char *group, const char *name, uint64_t *value)
{
    for (size_t i = 0; i < s->count; i++) {
        const netstat_counter_t *c = &s->counters[i];
        if (strcmp(c->name, name) == 0 && strcmp(c->group, group) == 0) {
            *value = c->value;
            return 0;
        }
    }
    return -1;
}

int netstat_counter_delta(const netstat_snapshot_t *before, const netstat_snapshot_t *after,
                          const char *group, const char *name, uint64_t *delta)
{
    uint64_t a, b;
    if (netstat_get(before, group, name, &a) != 0 || netstat_get(after, group, name, &b) != 0)
        return -1;
    if (b < a) return -1;
    *delta = b - a;
    return 0;
}

const char *netstat_key_name(netstat_key k)
{
    return k < NETSTAT_KEY_COUNT ? reported[k].json : "unknown";
}

void netstat_key_source(netstat_key k, const char **group, const char **name)
{
    *group = k < NETSTAT_KEY_COUNT ? reported[k].group : "";
    *name = k < NETSTAT_KEY_COUNT ? reported[k].name : "";
}

void netstat_delta(const netstat_snapshot_t *before, const netstat_snapshot_t *after,
                   netstat_delta_t *out)
{
    memset(out, 0, sizeof *out);
    for (int k = 0; k < NETSTAT_KEY_COUNT; k++) {
        if (netstat_counter_delta(before, after, reported[k].group, reported[k].name,
                                  &out->value[k]) == 0)
            out->valid |= 1u << k;
    }
}

json_t *netstat_delta_to_json(const netstat_delta_t *d)
{
    json_t *o = json_object();
    if (!o) return NULL;
    for (int k = 0; k < NETSTAT_KEY_COUNT; k++) {
        json_t *v = (d->valid & (1u << k)) ? json_integer((json_int_t)d->value[k]) : json_null();
        if (!v || json_object_set_new(o, reported[k].json, v) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}
