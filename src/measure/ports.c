/* ports.c - ephemeral port range, TIME_WAIT reuse settings and the exhaustion check. */
#include "measure/ports.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Read a small sysctl file into buf; 0 or -1 (errno set). */
static int read_small(const char *dir, const char *name, char *buf, size_t buflen)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, buflen - 1, f);
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        errno = EIO;
        return -1;
    }
    buf[n] = 0;
    return 0;
}

static int read_int(const char *dir, const char *name, int *out)
{
    char buf[64];
    char *end;
    if (read_small(dir, name, buf, sizeof buf) != 0) return -1;
    long v = strtol(buf, &end, 10);
    if (end == buf) return -1;
    *out = (int)v;
    return 0;
}

/* Count the ports of a reserved list ("8080,9000-9010") that fall inside
 * [lo, hi]; -1 when the text is malformed. */
static long reserved_in_range(const char *text, unsigned lo, unsigned hi)
{
    long total = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ' || *p == '\n' || *p == ',')
            p++;
        if (!*p) break;
        char *end;
        unsigned long a = strtoul(p, &end, 10), b;
        if (end == p) return -1;
        p = end;
        if (*p == '-') {
            b = strtoul(p + 1, &end, 10);
            if (end == p + 1) return -1;
            p = end;
        } else {
            b = a;
        }
        if (b < a) return -1;
        unsigned long from = a > lo ? a : lo, to = b < hi ? b : hi;
        if (from <= to) total += (long)(to - from + 1);
    }
    return total;
}

int ports_info_read_dir(ports_info_t *pi, const char *dir, char *err, size_t errlen)
{
    char buf[4096];
    memset(pi, 0, sizeof *pi);
    if (read_small(dir, "ip_local_port_range", buf, sizeof buf) != 0) {
        snprintf(err, errlen, "cannot read %s/ip_local_port_range: %s", dir, strerror(errno));
        return -1;
    }
    if (sscanf(buf, "%u %u", &pi->lo, &pi->hi) != 2 || pi->lo > pi->hi || pi->hi > 65535) {
        snprintf(err, errlen, "%s/ip_local_port_range: expected 'low high', got '%.40s'", dir, buf);
        return -1;
    }
    if (read_small(dir, "ip_local_reserved_ports", buf, sizeof buf) == 0) {
        long r = reserved_in_range(buf, pi->lo, pi->hi);
        pi->reserved = r > 0 ? (unsigned)r : 0;
    }
    if (read_int(dir, "tcp_tw_reuse", &pi->tw_reuse) != 0) pi->tw_reuse = -1;
    if (read_int(dir, "tcp_tw_reuse_delay", &pi->tw_reuse_delay_ms) != 0)
        pi->tw_reuse_delay_ms = -1;
    if (read_int(dir, "tcp_timestamps", &pi->timestamps) != 0) pi->timestamps = -1;
    return 0;
}

int ports_info_read(ports_info_t *pi, char *err, size_t errlen)
{
    return ports_info_read_dir(pi, "/proc/sys/net/ipv4", err, errlen);
}

unsigned ports_usable(const ports_info_t *pi)
{
    unsigned size = pi->hi - pi->lo + 1;
    return pi->reserved < size ? size - pi->reserved : 0;
}

/* Does tcp_tw_reuse let connect() take over our own TIME_WAIT ports? */
static int tw_reuse_applies(const ports_info_t *pi, const ports_plan_t *plan)
{
    /* The kernel reuses a TIME_WAIT port only when that connection carried
     * timestamps (they make old duplicates recognisable). */
    if (pi->timestamps == 0) return 0;
    return pi->tw_reuse == 1 || (pi->tw_reuse == 2 && plan->target_is_loopback);
}

double ports_hold_seconds(const ports_info_t *pi, const ports_plan_t *plan)
{
    if (!plan->client_closes_first) return 0;
    if (tw_reuse_applies(pi, plan))
        return pi->tw_reuse_delay_ms > 0 ? pi->tw_reuse_delay_ms / 1000.0 : 1.0;
    return PORTS_TIME_WAIT_S;
}

double ports_needed(const ports_info_t *pi, const ports_plan_t *plan)
{
    double hold = ports_hold_seconds(pi, plan);
    double window = plan->duration_s > 0 && plan->duration_s < hold ? plan->duration_s : hold;
    double rate = plan->new_conns_per_s > 0 ? plan->new_conns_per_s : 0;
    return rate * window;
}

static const char *tw_reuse_text(int v)
{
    switch (v) {
    case 0:
        return "0 = off";
    case 1:
        return "1 = on";
    case 2:
        return "2 = loopback only";
    default:
        return "unknown";
    }
}

int ports_exhaustion_assess(const ports_info_t *pi, const ports_plan_t *plan, char *warning,
                            size_t warnlen)
{
    int nsrc = plan->n_source_addrs > 0 ? plan->n_source_addrs : 1;
    double capacity = (double)ports_usable(pi) * nsrc;
    double needed = ports_needed(pi, plan);
    if (warnlen) warning[0] = 0;
    if (needed <= capacity) return 0;

    double hold = ports_hold_seconds(pi, plan);
    double fail_after = capacity / plan->new_conns_per_s;
    snprintf(warning, warnlen,
             "planned %.0f new connections/s would hold ~%.0f local ports in TIME_WAIT at once "
             "(%.0f/s x %.0f s), but ip_local_port_range %u-%u gives %u usable ports per source "
             "address and destination (x %d source address%s = %.0f): connect() will fail with "
             "EADDRNOTAVAIL (ephemeral ports exhausted) after ~%.1f s; widen "
             "net.ipv4.ip_local_port_range, add source addresses, let the server close first, "
             "or allow TIME_WAIT reuse (net.ipv4.tcp_tw_reuse is %s)",
             plan->new_conns_per_s, needed, plan->new_conns_per_s,
             plan->duration_s > 0 && plan->duration_s < hold ? plan->duration_s : hold, pi->lo,
             pi->hi, ports_usable(pi), nsrc, nsrc == 1 ? "" : "es", capacity, fail_after,
             tw_reuse_text(pi->tw_reuse));
    return 1;
}

int ports_exhaustion_assess_count(const ports_info_t *pi, const ports_plan_t *plan, double n_conns,
                                  int n_destinations, char *warning, size_t warnlen)
{
    int nsrc = plan->n_source_addrs > 0 ? plan->n_source_addrs : 1;
    int ndst = n_destinations > 0 ? n_destinations : 1;
    double capacity = (double)ports_usable(pi) * nsrc * ndst;
    double hold = ports_hold_seconds(pi, plan);
    if (warnlen) warning[0] = 0;
    if (hold <= 0 || n_conns <= capacity) return 0;
    snprintf(warning, warnlen,
             "%.0f fresh connections closed by the client first each hold a local port in "
             "TIME_WAIT for %.0f s, but ip_local_port_range %u-%u gives %u usable ports per "
             "source address and destination (x %d source address%s x %d destination%s = "
             "%.0f): unless they are opened slower than %.0f/s, connect() will fail with "
             "EADDRNOTAVAIL (ephemeral ports exhausted) after ~%.0f connections; widen "
             "net.ipv4.ip_local_port_range, add source addresses (--bind), let the server close "
             "first (--close server), or allow TIME_WAIT reuse (net.ipv4.tcp_tw_reuse is %s)",
             n_conns, hold, pi->lo, pi->hi, ports_usable(pi), nsrc, nsrc == 1 ? "" : "es", ndst,
             ndst == 1 ? "" : "s", capacity, capacity / hold, capacity,
             tw_reuse_text(pi->tw_reuse));
    return 1;
}

int ports_exhaustion_check(double new_conns_per_s, double duration_s, int n_source_addrs,
                           char *warning, size_t warnlen)
{
    ports_info_t pi;
    if (ports_info_read(&pi, warning, warnlen) != 0) return -1;
    ports_plan_t plan = {
        .new_conns_per_s = new_conns_per_s,
        .duration_s = duration_s,
        .n_source_addrs = n_source_addrs,
        .target_is_loopback = 0,
        .client_closes_first = 1,
    };
    return ports_exhaustion_assess(&pi, &plan, warning, warnlen);
}

const char *ports_errno_reason(int err)
{
    /* connect() on an unbound socket returns EADDRNOTAVAIL when no local
     * port is free for this destination (__inet_hash_connect). */
    if (err == EADDRNOTAVAIL) return "ephemeral ports exhausted";
    return NULL;
}

json_t *ports_to_json(const ports_info_t *pi, double planned_rate, const char *warning)
{
    json_t *w = warning && *warning ? json_string(warning) : json_null();
    return json_pack("{s:[I,I], s:I, s:f, s:o, s:I, s:I, s:I}", "range", (json_int_t)pi->lo,
                     (json_int_t)pi->hi, "tw_reuse", (json_int_t)pi->tw_reuse, "planned_rate",
                     planned_rate, "warning", w, "reserved", (json_int_t)pi->reserved, "usable",
                     (json_int_t)ports_usable(pi), "time_wait_s", (json_int_t)PORTS_TIME_WAIT_S);
}
