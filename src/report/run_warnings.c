/* run_warnings.c - see run_warnings.h. */
#include "report/run_warnings.h"

#include <stdio.h>
#include <string.h>

static void warn(json_t *arr, const char *text)
{
    json_array_append_new(arr, json_string(text));
}

static void ticket_warnings(json_t *arr, const run_config_t *cfg, const results_t *r)
{
    const resumption_stats_t *s = &r->resumption;
    char buf[512];
    if (cfg->resume == RESUME_OFF) return;
    if (s->attempted > 0 && s->accepted == 0 && s->tickets_received > 0) {
        snprintf(buf, sizeof buf,
                 "session tickets issued but never accepted: the server sent %llu tickets, %llu "
                 "were offered "
                 "and every one was refused with a full handshake (session cache off, ticket keys "
                 "rotated, or "
                 "different ticket keys on each backend)",
                 (unsigned long long)s->tickets_received, (unsigned long long)s->attempted);
        warn(arr, buf);
    } else if (s->attempted >= 10 && s->accepted * 2 < s->attempted) {
        snprintf(buf, sizeof buf,
                 "only %llu of %llu offered session tickets were accepted (%.0f%%): the rest paid "
                 "a full handshake",
                 (unsigned long long)s->accepted, (unsigned long long)s->attempted,
                 100.0 * (double)s->accepted / (double)s->attempted);
        warn(arr, buf);
    }
    if (cfg->mode == MODE_FRESH && r->connections_established >= 2 && s->tickets_received == 0) {
        snprintf(buf, sizeof buf,
                 "the server issued no session tickets on %llu connections: every fresh connection "
                 "is a full "
                 "handshake",
                 (unsigned long long)r->connections_established);
        warn(arr, buf);
    }
    /* Several backends: one that never accepts among ones that do points at
     * ticket keys not shared across the pool. */
    if (s->per_address_attempted.n > 1 && s->accepted > 0) {
        for (size_t i = 0; i < s->per_address_attempted.n; i++) {
            const char *addr = s->per_address_attempted.items[i].name;
            uint64_t att = s->per_address_attempted.items[i].count;
            uint64_t acc = tally_get(&s->per_address_accepted, addr);
            if (att >= 2 && acc == 0) {
                snprintf(buf, sizeof buf,
                         "backend %s never accepted a session ticket (%llu offered) while others "
                         "did: its ticket "
                         "keys differ from the other backends'",
                         addr, (unsigned long long)att);
                warn(arr, buf);
            }
        }
    }
}

/* Resource limits hit on the client: the run measured fewer connections
 * than asked for, and the fix is on this machine, not the server. */
static void limit_warnings(json_t *arr, const results_t *r)
{
    char buf[512];
    for (size_t i = 0; i < r->errors.n; i++) {
        const tally_t *t = &r->errors.phases[i].reasons;
        for (size_t j = 0; j < t->n; j++) {
            const char *reason = t->items[j].name;
            unsigned long long n = (unsigned long long)t->items[j].count;
            if (strstr(reason, "EMFILE") || strstr(reason, "ENFILE")) {
                snprintf(buf, sizeof buf,
                         "ran out of file descriptors %llu times: those connection slots stopped "
                         "opening, the "
                         "rest were measured; raise the limit (ulimit -n) or lower -c",
                         n);
                warn(arr, buf);
            } else if (strstr(reason, "ephemeral ports exhausted")) {
                snprintf(buf, sizeof buf,
                         "ephemeral ports exhausted %llu times (EADDRNOTAVAIL): TIME_WAIT holds "
                         "the local ports; "
                         "widen net.ipv4.ip_local_port_range, use --bind with more source "
                         "addresses, --close rst "
                         "or pooled mode",
                         n);
                warn(arr, buf);
            }
        }
    }
}

void run_warnings_add(json_t *warnings, const run_config_t *cfg, const results_t *r,
                      const json_t *client)
{
    char buf[512];
    limit_warnings(warnings, r);
    ticket_warnings(warnings, cfg, r);
    if (cfg->early_data && r->early.attempted > 0 && r->early.accepted == 0) {
        snprintf(buf, sizeof buf,
                 "0-RTT early data was sent on %llu connections and rejected every time",
                 (unsigned long long)r->early.attempted);
        warn(warnings, buf);
    }
    if (cfg->early_data && r->early.attempted == 0 && r->resumption.accepted > 0) {
        warn(warnings, "--early-data: no connection could send 0-RTT: the server's tickets allow "
                       "no early data "
                       "(max_early_data 0)");
    }
    if (cfg->rate > 0 && r->schedule_lag.count) {
        uint64_t p99 = hist_percentile(&r->schedule_lag, 99);
        uint64_t max = hist_percentile(&r->schedule_lag, 100);
        if (p99 > 1000000 || r->arrivals_not_started) {
            snprintf(buf, sizeof buf,
                     "the client fell behind its --rate schedule: requests started up to %.1f ms "
                     "late (p99 %.1f ms), "
                     "%llu due arrivals never started; latencies are timed from the intended start "
                     "(raise -c when every "
                     "connection was busy, -t when a thread was saturated)",
                     max / 1e6, p99 / 1e6, (unsigned long long)r->arrivals_not_started);
            warn(warnings, buf);
        }
    }
    const json_t *busiest = client ? json_object_get(client, "busiest_thread_utilisation") : NULL;
    if (busiest && json_number_value(busiest) > CLIENT_BUSY_THRESHOLD) {
        snprintf(buf, sizeof buf,
                 "a tlsprof worker thread was %.0f%% busy: latencies include client-side queueing; "
                 "use more "
                 "threads (-t) or fewer connections per thread",
                 100 * json_number_value(busiest));
        warn(warnings, buf);
    }
}
