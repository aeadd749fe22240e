/* report_json.c - build the JSON report of a finished run. */
#include "report/report_json.h"

#include <string.h>
#include <time.h>

#include "config/exit_codes.h"
#include "measure/stats.h"

int report_exit_code(const results_t *r)
{
    uint64_t failed = r->requests_failed;
    if (r->requests_ok == 0) return EXIT_TOTAL_FAILURE;
    if (failed || r->connections_failed || errors_total(&r->errors)) return EXIT_PARTIAL;
    return EXIT_OK;
}

static json_t *config_json(const run_config_t *c, const engine_t *e)
{
    json_t *o = json_object();
    char url[2600];
    snprintf(url, sizeof url, "https://%s%s", c->url.authority, c->url.path);
    json_object_set_new(o, "url", json_string(url));
    json_object_set_new(o, "mode", json_string(mode_name(c->mode)));
    json_object_set_new(o, "protocol", json_string(c->h1 ? "http/1.1" : "h2"));
    json_object_set_new(o, "strict_h2", json_boolean(c->strict_h2));
    json_object_set_new(o, "connections", json_integer(c->connections));
    json_object_set_new(o, "requests", json_integer((json_int_t)c->requests));
    json_object_set_new(o, "duration_s", json_real(c->duration_s));
    json_object_set_new(o, "warmup_s", json_real(c->warmup_s));
    json_object_set_new(o, "streams", json_integer(c->streams));
    json_object_set_new(o, "threads", json_integer(c->threads));
    json_object_set_new(o, "rate", json_real(c->rate));
    json_object_set_new(o, "ramp", json_integer(c->ramp));
    json_object_set_new(o, "close", json_string(close_mode_name(c->close)));
    json_object_set_new(o, "resume", json_string(c->resume == RESUME_OFF ? "off" : "ticket"));
    json_object_set_new(o, "reuse_ticket", json_boolean(c->reuse_ticket));
    json_object_set_new(o, "ticket_scope", json_string(c->ticket_scope_host ? "host" : "address"));
    json_object_set_new(o, "early_data", json_boolean(c->early_data));
    json_object_set_new(o, "insecure", json_boolean(c->insecure));
    json_object_set_new(o, "method", json_string(c->method));
    json_object_set_new(o, "sni", c->sni[0] ? json_string(c->sni) : json_null());
    if (c->n_connect_to) {
        json_t *cts = json_array();
        for (size_t i = 0; i < c->n_connect_to; i++) {
            char ct[300];
            const struct connect_to *t = &c->connect_to[i];
            snprintf(ct, sizeof ct, strchr(t->host, ':') ? "[%s]:%d" : "%s:%d", t->host, t->port);
            json_array_append_new(cts, json_string(ct));
        }
        json_object_set_new(o, "connect_to", cts);
    } else {
        json_object_set_new(o, "connect_to", json_null());
    }
    json_t *addrs = json_array();
    for (uint32_t i = 0; i < e->n_targets; i++)
        json_array_append_new(addrs, json_string(e->targets[i].label));
    json_object_set_new(o, "address",
                        e->n_targets ? json_string(e->targets[0].label) : json_null());
    json_object_set_new(o, "addresses", addrs);
    json_t *to = json_object();
    json_object_set_new(to, "connect", json_integer(c->connect_timeout_ms));
    json_object_set_new(to, "handshake", json_integer(c->handshake_timeout_ms));
    json_object_set_new(to, "request", json_integer(c->request_timeout_ms));
    json_object_set_new(to, "grace", json_integer(c->grace_ms));
    json_object_set_new(o, "timeouts_ms", to);
    json_t *hdrs = json_array();
    for (size_t i = 0; i < c->n_headers; i++) {
        char h[600];
        snprintf(h, sizeof h, "%s: %s", c->headers[i].name, c->headers[i].value);
        json_array_append_new(hdrs, json_string(h));
    }
    json_object_set_new(o, "headers", hdrs);
    json_t *tls = json_object();
#define STR_OR_NULL(s) ((s) ? json_string(s) : json_null())
    json_object_set_new(tls, "min",
                        c->tls.min_version ? json_string(tls_version_to_string(c->tls.min_version))
                                           : json_null());
    json_object_set_new(tls, "max",
                        c->tls.max_version ? json_string(tls_version_to_string(c->tls.max_version))
                                           : json_null());
    json_object_set_new(tls, "tls13_ciphers", STR_OR_NULL(c->tls.tls13_ciphers));
    json_object_set_new(tls, "ciphers", STR_OR_NULL(c->tls.ciphers));
    json_object_set_new(tls, "groups", STR_OR_NULL(c->tls.groups));
    json_object_set_new(tls, "sigalgs", STR_OR_NULL(c->tls.sigalgs));
    json_object_set_new(tls, "alpn", STR_OR_NULL(c->tls.alpn));
    json_object_set_new(tls, "profile", STR_OR_NULL(c->profile_name));
    json_object_set_new(tls, "keylog", json_boolean(c->keylog_path != NULL));
#undef STR_OR_NULL
    json_object_set_new(o, "tls", tls);
    return o;
}

static json_t *minmax(uint64_t min, uint64_t max)
{
    json_t *o = json_object();
    bool empty = min == UINT64_MAX;
    json_object_set_new(o, "min", empty ? json_null() : json_integer((json_int_t)min));
    json_object_set_new(o, "max", empty ? json_null() : json_integer((json_int_t)max));
    return o;
}

static json_t *resumption_json(const results_t *r)
{
    const resumption_stats_t *s = &r->resumption;
    json_t *o = json_object();
    json_object_set_new(o, "attempted", json_integer((json_int_t)s->attempted));
    json_object_set_new(o, "accepted", json_integer((json_int_t)s->accepted));
    json_object_set_new(o, "rejected", json_integer((json_int_t)s->rejected));
    json_object_set_new(o, "rate",
                        json_real(s->attempted ? (double)s->accepted / (double)s->attempted : 0.0));
    json_object_set_new(o, "tickets_received", json_integer((json_int_t)s->tickets_received));
    uint64_t est = r->connections_established ? r->connections_established : 1;
    json_object_set_new(o, "tickets_per_connection",
                        json_real((double)s->tickets_received / (double)est));
    json_object_set_new(o, "ticket_lifetime_hint_s", minmax(s->lifetime_min_s, s->lifetime_max_s));
    json_object_set_new(o, "ticket_size_bytes", minmax(s->size_min, s->size_max));
    json_object_set_new(o, "max_early_data", minmax(s->max_early_min, s->max_early_max));
    json_object_set_new(o, "psk_ke_modes", tally_to_json(&s->ke_modes));
    json_t *per = json_object();
    for (size_t i = 0; i < s->per_address_attempted.n; i++) {
        const char *addr = s->per_address_attempted.items[i].name;
        json_t *a = json_object();
        json_object_set_new(a, "attempted",
                            json_integer((json_int_t)s->per_address_attempted.items[i].count));
        json_object_set_new(a, "accepted",
                            json_integer((json_int_t)tally_get(&s->per_address_accepted, addr)));
        json_object_set_new(per, addr, a);
    }
    json_object_set_new(o, "per_address", per);
    return o;
}

static json_t *tls_json(const results_t *r, const run_config_t *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "versions", tally_to_json(&r->versions));
    json_object_set_new(o, "ciphers", tally_to_json(&r->ciphers));
    json_object_set_new(o, "groups", tally_to_json(&r->groups));
    json_object_set_new(o, "sigalgs", tally_to_json(&r->sigalgs));
    json_object_set_new(o, "alpn", tally_to_json(&r->alpn));
    json_object_set_new(o, "resumption", resumption_json(r));
    json_t *ed = json_object();
    json_object_set_new(ed, "attempted", json_integer((json_int_t)r->early.attempted));
    json_object_set_new(ed, "accepted", json_integer((json_int_t)r->early.accepted));
    json_object_set_new(ed, "rejected", json_integer((json_int_t)r->early.rejected));
    json_object_set_new(ed, "replayed", json_integer((json_int_t)r->early.replayed));
    json_object_set_new(o, "early_data", ed);
    json_t *cert = json_object();
    json_object_set_new(cert, "verify", json_string(c->insecure ? "skipped (-k)" : "on"));
    json_object_set_new(o, "certificate", cert);
    return o;
}

static json_t *tcp_json(const results_t *r, const json_t *kernel)
{
    json_t *o = kernel ? json_deep_copy(kernel) : json_object();
    const tcp_stats_t *t = &r->tcp;
    json_object_set_new(o, "retransmits_total", json_integer((json_int_t)t->retransmits_total));
    json_object_set_new(o, "connections_with_retransmits",
                        json_integer((json_int_t)t->connections_with_retransmits));
    json_object_set_new(o, "retransmits_spurious",
                        json_integer((json_int_t)t->retransmits_spurious));
    json_object_set_new(o, "syn_retransmits", json_integer((json_int_t)t->syn_retransmits));
    json_object_set_new(o, "syn_retransmits_inferred",
                        json_integer((json_int_t)t->syn_retransmits_inferred));
    json_object_set_new(o, STATS_TCP_RTT, phase_stats_json(&t->rtt, STATS_NS_PER_US));
    json_object_set_new(o, STATS_TCP_RETRANSMITS,
                        phase_stats_json(&t->retransmits, STATS_COUNT_UNIT));
    return o;
}

/* --rate: the schedule against what happened. */
static json_t *rate_json(const run_config_t *cfg, const results_t *r, double secs)
{
    json_t *o = json_object();
    json_object_set_new(o, "target_per_s", json_real(cfg->rate));
    json_object_set_new(o, "unit",
                        json_string(cfg->mode == MODE_FRESH ? "connections" : "requests"));
    uint64_t started = r->schedule_lag.count;
    json_object_set_new(o, "started", json_integer((json_int_t)started));
    json_object_set_new(o, "achieved_per_s", json_real(secs > 0 ? started / secs : 0));
    json_object_set_new(o, "arrivals_not_started",
                        json_integer((json_int_t)r->arrivals_not_started));
    json_object_set_new(o, "start_lag", phase_stats_json(&r->schedule_lag, STATS_NS_PER_US));
    return o;
}

json_t *report_json_build(const run_config_t *cfg, const engine_t *e, const run_outcome_t *out)
{
    const results_t *r = &e->total;
    json_t *root = json_object();
    json_object_set_new(root, "report_version", json_integer(1));
    json_t *tool = json_object();
    json_object_set_new(tool, "name", json_string("tlsprof"));
    json_object_set_new(tool, "version", json_string(TLSPROF_VERSION));
    json_object_set_new(root, "tool", tool);
    char date[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_object_set_new(root, "date", json_string(date));
    json_object_set_new(root, "config", config_json(cfg, e));
    json_object_set_new(root, "platform",
                        out->platform ? json_deep_copy(out->platform) : json_object());

    double secs = engine_measured_seconds(e);
    json_t *s = json_object();
    json_object_set_new(s, "connections_opened", json_integer((json_int_t)r->connections_opened));
    json_object_set_new(s, "connections_established",
                        json_integer((json_int_t)r->connections_established));
    json_object_set_new(s, "connections_failed", json_integer((json_int_t)r->connections_failed));
    json_object_set_new(s, "reconnects", json_integer((json_int_t)r->reconnects));
    json_object_set_new(s, "requests_ok", json_integer((json_int_t)r->requests_ok));
    json_object_set_new(s, "requests_failed", json_integer((json_int_t)r->requests_failed));
    json_object_set_new(s, "requests_retried", json_integer((json_int_t)r->requests_retried));
    json_object_set_new(s, "requests_aborted", json_integer((json_int_t)r->requests_aborted));
    json_object_set_new(s, "status", tally_to_json(&r->status));
    json_object_set_new(s, "bytes_received", json_integer((json_int_t)r->bytes_received));
    json_object_set_new(s, "duration_s", json_real(secs));
    json_object_set_new(s, "requests_per_s", json_real(secs > 0 ? r->requests_ok / secs : 0));
    json_object_set_new(s, "connections_per_s",
                        json_real(secs > 0 ? r->connections_established / secs : 0));
    json_object_set_new(s, "interrupted", json_boolean(out->interrupted));
    json_object_set_new(s, "exit_code", json_integer(out->exit_code));
    json_object_set_new(root, "summary", s);

    json_t *phases = json_object();
    for (int p = 0; p < PHASE_COUNT; p++) {
        if (p == PHASE_TTFB_UNCORRECTED && cfg->rate <= 0) continue;
        json_object_set_new(phases, phase_name((phase_id)p),
                            phase_stats_json(&r->phases[p], STATS_NS_PER_US));
    }
    json_object_set_new(root, "phases", phases);
    if (cfg->rate > 0) json_object_set_new(root, "rate", rate_json(cfg, r, secs));
    json_object_set_new(root, "tls", tls_json(r, cfg));
    json_object_set_new(root, "tcp", tcp_json(r, out->tcp_kernel));
    json_object_set_new(root, "errors", errors_to_json(&r->errors));
    json_object_set_new(root, "warnings",
                        out->warnings ? json_deep_copy(out->warnings) : json_array());
#define COPY_OR(x, empty) ((x) ? json_deep_copy(x) : (empty))
    json_object_set_new(root, "timeseries", COPY_OR(out->timeseries, json_array()));
    json_object_set_new(root, "slowest", COPY_OR(out->slowest, json_array()));
    json_object_set_new(root, "slowest_by_phase", COPY_OR(out->slowest_by_phase, json_object()));
#undef COPY_OR
    json_object_set_new(root, "client", out->client ? json_deep_copy(out->client) : json_object());
    return root;
}
