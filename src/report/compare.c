/* compare.c - build the comparison of two reports (`tlsprof compare` is
 * cli/compare.c). */
#include "report/compare.h"

#include <string.h>

#include "measure/phase.h"
#include "measure/stats.h"
#include "report/compare_sig.h"

#define SIG_RULE                                                                                   \
    "significant when |B-A| > max(1% of A, sqrt(noise_a^2 + noise_b^2)); a run's noise is half "   \
    "the width of its rank confidence interval of the percentile (ranks ceil(q*n) +- "             \
    "max(1, ceil(3.29*sqrt(n*q*(1-q))))), or, when that interval reaches past the largest "        \
    "sample (always for max), 3.29*1.2825*(max - x(n-5))/H5; see docs/compare-merge.md"

static const struct {
    const char *key;
    double p;
} compared_stats[] = {{"p50_us", 50.0}, {"p99_us", 99.0}, {"p999_us", 99.9}, {"max_us", 100.0}};

/* ---- pieces -------------------------------------------------------------- */

static json_t *num_or_null(const json_t *v)
{
    return json_is_number(v) ? json_real(json_number_value(v)) : json_null();
}

/* {a, b, delta} of two numbers, delta null unless both exist. */
static json_t *pair(const json_t *va, const json_t *vb)
{
    json_t *o = json_pack("{s:o, s:o}", "a", num_or_null(va), "b", num_or_null(vb));
    if (json_is_number(va) && json_is_number(vb))
        json_object_set_new(o, "delta", json_real(json_number_value(vb) - json_number_value(va)));
    else
        json_object_set_new(o, "delta", json_null());
    return o;
}

static const json_t *at(const json_t *root, const char *section, const char *key)
{
    return json_object_get(json_object_get(root, section), key);
}

/* One phase-shaped histogram of each side (either may be NULL). */
static json_t *compare_hist(const hist_t *ha, const hist_t *hb, double divisor, const char *name,
                            json_t *significant)
{
    hist_t *empty = NULL;
    if (!ha || !hb) {
        empty = malloc(sizeof(*empty));
        if (!empty) return NULL;
        hist_init(empty);
        ha = ha ? ha : empty;
        hb = hb ? hb : empty;
    }
    json_t *stats = json_object();
    for (size_t i = 0; i < sizeof(compared_stats) / sizeof(compared_stats[0]); i++) {
        sig_result_t r;
        sig_compare(ha, hb, compared_stats[i].p, divisor, &r);
        json_t *o =
            json_pack("{s:f, s:f, s:f, s:o, s:f, s:f, s:f, s:b, s:b}", "a", r.a, "b", r.b, "delta",
                      r.delta, "relative", r.a != 0.0 ? json_real(r.relative) : json_null(),
                      "noise_a", r.noise_a, "noise_b", r.noise_b, "threshold", r.threshold,
                      "comparable", r.comparable, "significant", r.significant);
        json_object_set_new(stats, compared_stats[i].key, o);
        if (r.significant)
            json_array_append_new(significant, json_sprintf("%s.%s", name, compared_stats[i].key));
    }
    json_t *out =
        json_pack("{s:I, s:I, s:s, s:o}", "count_a", (json_int_t)ha->count, "count_b",
                  (json_int_t)hb->count, "unit", divisor == 1.0 ? "count" : "us", "stats", stats);
    free(empty);
    return out;
}

static void add_phase(json_t *phases, const report_t *a, const report_t *b, const char *name,
                      json_t *significant)
{
    if (json_object_get(phases, name)) return;
    const hist_t *ha = report_phase_hist(a, name), *hb = report_phase_hist(b, name);
    if (!ha && !hb) return;
    json_t *c = compare_hist(ha, hb, stats_unit_divisor(name), name, significant);
    if (c) json_object_set_new(phases, name, c);
}

/* Phases in pipeline order first, then any others (newer reports). */
static json_t *compare_phases(const report_t *a, const report_t *b, json_t *significant)
{
    json_t *phases = json_object();
    for (int p = 0; p < PHASE_COUNT; p++)
        add_phase(phases, a, b, phase_name((phase_id)p), significant);
    for (size_t i = 0; i < a->nphases; i++)
        add_phase(phases, a, b, a->phases[i].key, significant);
    for (size_t i = 0; i < b->nphases; i++)
        add_phase(phases, a, b, b->phases[i].key, significant);
    return phases;
}

static json_t *compare_summary(const json_t *ra, const json_t *rb)
{
    static const char *const keys[] = {
        "connections_opened", "connections_established", "connections_failed",
        "requests_ok",        "requests_failed",         "requests_retried",
        "duration_s",         "requests_per_s",          "connections_per_s",
    };
    json_t *o = json_object();
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        json_object_set_new(o, keys[i],
                            pair(at(ra, "summary", keys[i]), at(rb, "summary", keys[i])));
    return o;
}

static double map_total(const json_t *map)
{
    double t = 0;
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)map, k, v) t += json_is_number(v) ? json_number_value(v) : 0;
    return t;
}

/* name -> {a, b, share_a, share_b} over the union of names. */
static json_t *compare_map(const json_t *ma, const json_t *mb)
{
    json_t *o = json_object();
    double ta = map_total(ma), tb = map_total(mb);
    const json_t *maps[2] = {ma, mb};
    for (int s = 0; s < 2; s++) {
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)maps[s], k, v)
        {
            if (json_object_get(o, k)) continue;
            const json_t *va = json_object_get(ma, k), *vb = json_object_get(mb, k);
            double a = json_is_number(va) ? json_number_value(va) : 0;
            double b = json_is_number(vb) ? json_number_value(vb) : 0;
            json_object_set_new(o, k,
                                json_pack("{s:f, s:f, s:f, s:f}", "a", a, "b", b, "share_a",
                                          ta > 0 ? a / ta : 0.0, "share_b", tb > 0 ? b / tb : 0.0));
        }
    }
    return o;
}

static json_t *compare_tls(const json_t *ra, const json_t *rb)
{
    json_t *o = json_object();
    const char *maps[] = {"versions", "ciphers", "groups", "alpn"};
    for (size_t i = 0; i < 4; i++)
        json_object_set_new(o, maps[i],
                            compare_map(at(ra, "tls", maps[i]), at(rb, "tls", maps[i])));
    const json_t *resa = at(ra, "tls", "resumption"), *resb = at(rb, "tls", "resumption");
    json_t *res = json_object();
    const char *keys[] = {"attempted", "accepted", "rate"};
    for (size_t i = 0; i < 3; i++)
        json_object_set_new(res, keys[i],
                            pair(json_object_get(resa, keys[i]), json_object_get(resb, keys[i])));
    json_object_set_new(o, "resumption", res);
    return o;
}

static json_t *compare_tcp(const report_t *a, const report_t *b, json_t *significant)
{
    const json_t *ra = a->root, *rb = b->root;
    json_t *o = json_object();
    const char *keys[] = {"retransmits_total", "connections_with_retransmits",
                          "retransmits_spurious", "syn_retransmits", "syn_retransmits_inferred"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        json_object_set_new(o, keys[i], pair(at(ra, "tcp", keys[i]), at(rb, "tcp", keys[i])));
    json_object_set_new(o, "time_wait_peak",
                        pair(json_object_get(at(ra, "tcp", "time_wait"), "peak"),
                             json_object_get(at(rb, "tcp", "time_wait"), "peak")));
    const hist_t *ha = report_tcp_hist(a, STATS_TCP_RTT), *hb = report_tcp_hist(b, STATS_TCP_RTT);
    if (ha || hb) {
        json_t *c = compare_hist(ha, hb, STATS_NS_PER_US, "tcp.rtt_us", significant);
        if (c) json_object_set_new(o, STATS_TCP_RTT, c);
    }
    return o;
}

/* phase -> reason -> {a, b} over the union. */
static json_t *compare_errors(const json_t *ea, const json_t *eb)
{
    json_t *o = json_object();
    const json_t *sides[2] = {ea, eb};
    for (int s = 0; s < 2; s++) {
        const char *phase;
        const json_t *reasons;
        json_object_foreach((json_t *)sides[s], phase, reasons)
        {
            json_t *dst = json_object_get(o, phase);
            if (!dst) {
                dst = json_object();
                json_object_set_new(o, phase, dst);
            }
            const char *reason;
            const json_t *v;
            json_object_foreach((json_t *)reasons, reason, v)
            {
                if (!json_object_get(dst, reason))
                    json_object_set_new(dst, reason,
                                        pair(at(ea, phase, reason), at(eb, phase, reason)));
            }
        }
    }
    return o;
}

static json_t *side(const report_t *r)
{
    json_t *p = json_object();
    const json_t *plat = json_object_get(r->root, "platform");
    const char *keys[] = {"arch", "cpu_model", "cores", "openssl_version", "kernel"};
    for (size_t i = 0; i < 5; i++) {
        const json_t *v = json_object_get(plat, keys[i]);
        json_object_set_new(p, keys[i], v ? json_deep_copy(v) : json_null());
    }
    const json_t *url = at(r->root, "config", "url"), *mode = at(r->root, "config", "mode");
    return json_pack("{s:s, s:o, s:o, s:o}", "file", r->label, "url",
                     url ? json_deep_copy(url) : json_null(), "mode",
                     mode ? json_deep_copy(mode) : json_null(), "platform", p);
}

json_t *compare_reports(const report_t *a, const report_t *b)
{
    json_t *significant = json_array();
    json_t *phases = compare_phases(a, b, significant);
    json_t *tcp = compare_tcp(a, b, significant);
    json_t *warnings = json_array();
    const json_t *ua = at(a->root, "config", "url"), *ub = at(b->root, "config", "url");
    if (ua && ub && !json_equal(ua, ub))
        json_array_append_new(warnings, json_string("A and B measured different URLs"));
    const json_t *ma = at(a->root, "config", "mode"), *mb = at(b->root, "config", "mode");
    if (ma && mb && !json_equal(ma, mb))
        json_array_append_new(warnings, json_string("A and B ran in different modes "
                                                    "(fresh vs pooled): phases are not like for "
                                                    "like"));
    const char *sa = report_protocol(json_object_get(a->root, "config"));
    const char *sb = report_protocol(json_object_get(b->root, "config"));
    if (strcmp(sa, sb)) {
        json_t *w =
            json_sprintf("A and B spoke different HTTP versions (%s vs %s): set-up phases and "
                         "per-request costs differ by design",
                         sa, sb);
        if (w) json_array_append_new(warnings, w);
    }
    return json_pack(
        "{s:i, s:o, s:o, s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "compare_version", 1, "a",
        side(a), "b", side(b), "rule", SIG_RULE, "significant_changes",
        (json_int_t)json_array_size(significant), "significant", significant, "warnings", warnings,
        "phases", phases, "summary", compare_summary(a->root, b->root), "tls",
        compare_tls(a->root, b->root), "tcp", tcp, "errors",
        compare_errors(json_object_get(a->root, "errors"), json_object_get(b->root, "errors")));
}
