/* kernel_view.c - see kernel_view.h. */
#include "measure/kernel_view.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* An address is this host's when a socket can be bound to it. */
static bool address_is_local(const struct sockaddr *sa, socklen_t len)
{
    struct sockaddr_storage probe;
    memcpy(&probe, sa, len);
    if (probe.ss_family == AF_INET)
        ((struct sockaddr_in *)&probe)->sin_port = 0;
    else if (probe.ss_family == AF_INET6)
        ((struct sockaddr_in6 *)&probe)->sin6_port = 0;
    else
        return false;
    int fd = socket(probe.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    bool ok = bind(fd, (struct sockaddr *)&probe, len) == 0;
    close(fd);
    return ok;
}

static bool count_failed(kernel_view_t *kv, const char *err)
{
    snprintf(kv->problem, sizeof kv->problem, "TIME_WAIT count: %s", err);
    return false;
}

/* TIME_WAIT towards the target (the client's) into *client and, when the
 * server runs on this host, on the target (the server's) into *server: one
 * walk of the kernel's socket hash for both. */
static bool count_tw(kernel_view_t *kv, uint64_t *client, uint64_t *server)
{
    char err[256];
    const struct sockaddr *t = (const struct sockaddr *)&kv->target;
    if (!kv->sd) return false;
    if (!kv->server_local) {
        if (sockdiag_count_with(kv->sd, t, SOCKDIAG_BY_DST, SOCKDIAG_TIME_WAIT, client, err,
                                sizeof err) < 0)
            return count_failed(kv, err);
        return true;
    }
    uint64_t n[2];
    if (sockdiag_count_both(kv->sd, t, SOCKDIAG_TIME_WAIT, n, err, sizeof err) < 0)
        return count_failed(kv, err);
    *client = n[SOCKDIAG_BY_DST];
    *server = n[SOCKDIAG_BY_SRC];
    return true;
}

void kernel_view_begin(kernel_view_t *kv, const run_config_t *cfg, const struct sockaddr *target,
                       socklen_t len)
{
    memset(kv, 0, sizeof *kv);
    kv->cfg = cfg;
    memcpy(&kv->target, target, len);
    kv->server_local = address_is_local(target, len);
    char err[256];
    kv->sd = sockdiag_open(err, sizeof err);
    if (!kv->sd) snprintf(kv->problem, sizeof kv->problem, "sock_diag: %s", err);
    kv->tw_ok = count_tw(kv, &kv->tw_before, &kv->srv_before);
    kv->tw_peak = kv->tw_last = kv->tw_before;
    kv->srv_peak = kv->srv_last = kv->srv_before;
    netstat_snapshot_init(&kv->ns_before);
    netstat_snapshot_init(&kv->ns_after);
    kv->ns_ok = netstat_read(&kv->ns_before, err, sizeof err) == 0;
    kv->ports_ok = ports_info_read(&kv->ports, err, sizeof err) == 0;
}

void kernel_view_sample(kernel_view_t *kv)
{
    if (!kv->tw_ok || !count_tw(kv, &kv->tw_last, &kv->srv_last)) return;
    if (kv->tw_last > kv->tw_peak) kv->tw_peak = kv->tw_last;
    if (kv->srv_last > kv->srv_peak) kv->srv_peak = kv->srv_last;
}

void kernel_view_end(kernel_view_t *kv)
{
    char err[256];
    if (kv->tw_ok) {
        kernel_view_sample(kv);
        kv->tw_after = kv->tw_last;
        kv->srv_after = kv->srv_last;
    }
    if (kv->ns_ok) kv->ns_ok = netstat_read(&kv->ns_after, err, sizeof err) == 0;
}

static ports_plan_t plan_for(const kernel_view_t *kv, double rate, double duration)
{
    ports_plan_t p = {0};
    p.new_conns_per_s = rate;
    p.duration_s = duration;
    p.n_source_addrs = kv->cfg->n_bind ? (int)kv->cfg->n_bind : 1;
    const struct sockaddr *sa = (const struct sockaddr *)&kv->target;
    if (sa->sa_family == AF_INET)
        p.target_is_loopback =
            (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    else if (sa->sa_family == AF_INET6)
        p.target_is_loopback = IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
    p.client_closes_first = kv->cfg->mode == MODE_FRESH && kv->cfg->close == CLOSE_CLIENT;
    return p;
}

bool kernel_view_port_warning(const kernel_view_t *kv, double rate, double duration, char *buf,
                              size_t len)
{
    buf[0] = 0;
    if (!kv->ports_ok) return false;
    ports_plan_t p = plan_for(kv, rate, duration);
    if (rate > 0) return ports_exhaustion_assess(&kv->ports, &p, buf, len) == 1;
    /* No rate: a -n run (closed loop, as fast as it goes) still needs one
     * port per connection while they sit in TIME_WAIT. A -D run without -n
     * has no count to judge before it starts. */
    const run_config_t *cfg = kv->cfg;
    if (cfg->mode != MODE_FRESH || !cfg->requests || cfg->duration_s > 0) return false;
    int ndst = cfg->n_connect_to ? (int)cfg->n_connect_to : 1;
    return ports_exhaustion_assess_count(&kv->ports, &p, (double)cfg->requests, ndst, buf, len) ==
           1;
}

static const char *holder(const run_config_t *cfg)
{
    if (cfg->mode == MODE_POOLED) return "client";
    switch (cfg->close) {
    case CLOSE_CLIENT:
        return "client";
    case CLOSE_SERVER:
        return "server";
    default:
        return "none";
    }
}

json_t *kernel_view_json(const kernel_view_t *kv, double measured_conns_per_s)
{
    json_t *o = json_object();
    if (kv->tw_ok) {
        json_t *tw = json_object();
        json_object_set_new(tw, "before", json_integer((json_int_t)kv->tw_before));
        json_object_set_new(tw, "peak", json_integer((json_int_t)kv->tw_peak));
        json_object_set_new(tw, "after", json_integer((json_int_t)kv->tw_after));
        if (kv->server_local) {
            json_t *s = json_object();
            json_object_set_new(s, "before", json_integer((json_int_t)kv->srv_before));
            json_object_set_new(s, "peak", json_integer((json_int_t)kv->srv_peak));
            json_object_set_new(s, "after", json_integer((json_int_t)kv->srv_after));
            json_object_set_new(tw, "server_side", s);
        } else {
            json_object_set_new(tw, "server_side", json_null());
        }
        json_object_set_new(tw, "holder", json_string(holder(kv->cfg)));
        json_object_set_new(o, "time_wait", tw);
    }
    if (kv->ports_ok) {
        json_t *e = json_object();
        json_t *range = json_array();
        json_array_append_new(range, json_integer(kv->ports.lo));
        json_array_append_new(range, json_integer(kv->ports.hi));
        json_object_set_new(e, "range", range);
        json_object_set_new(e, "usable", json_integer(ports_usable(&kv->ports)));
        json_object_set_new(e, "tw_reuse", json_integer(kv->ports.tw_reuse));
        json_object_set_new(e, "planned_rate", json_real(kv->cfg->rate));
        json_object_set_new(e, "measured_rate", json_real(measured_conns_per_s));
        char warn[400];
        /* Would a long run at the rate just measured run out of ports? */
        if (kv->cfg->mode == MODE_FRESH &&
            kernel_view_port_warning(kv, measured_conns_per_s, 0, warn, sizeof warn))
            json_object_set_new(e, "warning", json_string(warn));
        else
            json_object_set_new(e, "warning", json_null());
        json_object_set_new(o, "ephemeral_ports", e);
    }
    if (kv->ns_ok) {
        netstat_delta_t d;
        netstat_delta(&kv->ns_before, &kv->ns_after, &d);
        json_object_set_new(o, "system_deltas", netstat_delta_to_json(&d));
    }
    if (kv->problem[0]) json_object_set_new(o, "kernel_view_problem", json_string(kv->problem));
    return o;
}

void kernel_view_free(kernel_view_t *kv)
{
    if (kv->sd) sockdiag_close(kv->sd);
    kv->sd = NULL;
}
