/* merge_rules.c - the rule engine and the rule sets for `tlsprof merge`. */
#include "report/merge_rules.h"

#include <limits.h>
#include <string.h>

#ifdef JSON_INTEGER_IS_LONG_LONG
#define JSON_INT_MAX LLONG_MAX
#define JSON_INT_MIN LLONG_MIN
#else
#define JSON_INT_MAX LONG_MAX
#define JSON_INT_MIN LONG_MIN
#endif

/* RULES(storage, name, rule for unknown keys, rules...) */
#define RULES(storage, name, unknown_rule, ...)                                                    \
    static const merge_rule name##_list[] = {__VA_ARGS__};                                         \
    storage const merge_ruleset name = {name##_list, sizeof(name##_list) / sizeof(name##_list[0]), \
                                        unknown_rule}

#define R(key, kind)                                                                               \
    {                                                                                              \
        key, kind, NULL                                                                            \
    }
#define SUB(key, set)                                                                              \
    {                                                                                              \
        key, MK_SUB, &set                                                                          \
    }

/* ---- the engine ---------------------------------------------------------- */

static void set_first(json_t *dst, const char *key, const json_t *src_v)
{
    if (!json_object_get(dst, key)) json_object_set_new(dst, key, json_deep_copy(src_v));
}

static void merge_sum(json_t *dst, const char *key, const json_t *v, int ints_only)
{
    json_t *d = json_object_get(dst, key);
    if (!d) {
        json_object_set_new(dst, key, json_deep_copy(v));
        return;
    }
    if (json_is_integer(d) && json_is_integer(v)) {
        /* Counters beyond 2^63 only come from altered files; saturate
         * rather than overflow (undefined behaviour in C). */
        json_int_t a = json_integer_value(d), b = json_integer_value(v), sum;
        if (__builtin_add_overflow(a, b, &sum)) sum = b > 0 ? JSON_INT_MAX : JSON_INT_MIN;
        json_object_set_new(dst, key, json_integer(sum));
        return;
    }
    if (!ints_only && json_is_number(d) && json_is_number(v))
        json_object_set_new(dst, key, json_real(json_number_value(d) + json_number_value(v)));
}

static void merge_map(json_t *dst, const char *key, const json_t *v);

static void merge_map_into(json_t *d, const json_t *src)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)src, k, v)
    {
        if (json_is_object(v))
            merge_map(d, k, v);
        else
            merge_sum(d, k, v, 1);
    }
}

static void merge_map(json_t *dst, const char *key, const json_t *v)
{
    if (!json_is_object(v)) {
        set_first(dst, key, v);
        return;
    }
    json_t *d = json_object_get(dst, key);
    if (!json_is_object(d)) {
        if (d) /* a non-object placeholder (e.g. null) yields to real data */
            json_object_del(dst, key);
        d = json_object();
        json_object_set_new(dst, key, d);
    }
    merge_map_into(d, v);
}

static void merge_extreme(json_t *dst, const char *key, const json_t *v, int want_max)
{
    json_t *d = json_object_get(dst, key);
    if (!json_is_number(v)) {
        set_first(dst, key, v);
        return;
    }
    if (!json_is_number(d)) {
        json_object_set_new(dst, key, json_deep_copy(v));
        return;
    }
    double a = json_number_value(d), b = json_number_value(v);
    if (want_max ? b > a : b < a) json_object_set_new(dst, key, json_deep_copy(v));
}

static void merge_or(json_t *dst, const char *key, const json_t *v)
{
    json_t *d = json_object_get(dst, key);
    if (json_is_boolean(d) && json_is_boolean(v))
        json_object_set_new(dst, key, json_boolean(json_is_true(d) || json_is_true(v)));
    else
        set_first(dst, key, v);
}

/* Distinct strings joined with " | " so a reader sees every value. */
static void merge_same(json_t *dst, const char *key, const json_t *v)
{
    json_t *d = json_object_get(dst, key);
    if (!json_is_string(d) || !json_is_string(v)) {
        set_first(dst, key, v);
        return;
    }
    const char *have = json_string_value(d), *add = json_string_value(v);
    size_t alen = strlen(add);
    for (const char *p = have; p; p = strstr(p, " | ")) {
        if (p != have) p += 3;
        if (strncmp(p, add, alen) == 0 && (p[alen] == 0 || strncmp(p + alen, " | ", 3) == 0))
            return;
    }
    json_t *joined = json_sprintf("%s | %s", have, add);
    if (joined) json_object_set_new(dst, key, joined);
}

static void merge_concat(json_t *dst, const char *key, const json_t *v)
{
    json_t *d = json_object_get(dst, key);
    if (!json_is_array(v)) {
        set_first(dst, key, v);
        return;
    }
    if (!json_is_array(d)) {
        json_object_set_new(dst, key, json_deep_copy(v));
        return;
    }
    size_t i;
    json_t *e;
    json_array_foreach((json_t *)v, i, e) json_array_append_new(d, json_deep_copy(e));
}

static void merge_sub(json_t *dst, const char *key, const json_t *v, const merge_ruleset *rs)
{
    if (!json_is_object(v)) {
        set_first(dst, key, v);
        return;
    }
    json_t *d = json_object_get(dst, key);
    if (!json_is_object(d)) {
        if (d) json_object_del(dst, key);
        d = json_object();
        json_object_set_new(dst, key, d);
    }
    merge_apply(d, v, rs);
}

static void merge_one(json_t *dst, const char *key, const json_t *v, const merge_rule *rule)
{
    switch (rule->kind) {
    case MK_FIRST:
        set_first(dst, key, v);
        break;
    case MK_SUM:
        merge_sum(dst, key, v, 0);
        break;
    case MK_SUM_INT:
        if (json_is_integer(v))
            merge_sum(dst, key, v, 1);
        else
            set_first(dst, key, v);
        break;
    case MK_MAP:
        merge_map(dst, key, v);
        break;
    case MK_MIN:
        merge_extreme(dst, key, v, 0);
        break;
    case MK_MAX:
        merge_extreme(dst, key, v, 1);
        break;
    case MK_OR:
        merge_or(dst, key, v);
        break;
    case MK_SAME:
        merge_same(dst, key, v);
        break;
    case MK_CONCAT:
        merge_concat(dst, key, v);
        break;
    case MK_SUB:
        merge_sub(dst, key, v, rule->sub);
        break;
    }
}

void merge_apply(json_t *dst, const json_t *src, const merge_ruleset *rs)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)src, key, v)
    {
        const merge_rule *rule = &rs->unknown;
        for (size_t i = 0; i < rs->n; i++) {
            if (strcmp(rs->rules[i].key, key) == 0) {
                rule = &rs->rules[i];
                break;
            }
        }
        merge_one(dst, key, v, rule);
    }
}

/* ---- rule sets ----------------------------------------------------------- */

/* {min, max} ranges such as ticket_lifetime_hint_s. */
RULES(static, merge_rules_minmax, R(NULL, MK_FIRST), R("min", MK_MIN), R("max", MK_MAX));

/* Unknown integer keys in summary are counters: summed. requests_per_s,
 * connections_per_s and exit_code are recomputed by merge.c. */
RULES(, merge_rules_summary, R(NULL, MK_SUM_INT), R("connections_opened", MK_SUM),
      R("connections_established", MK_SUM), R("connections_failed", MK_SUM),
      R("reconnects", MK_SUM), R("requests_ok", MK_SUM), R("requests_failed", MK_SUM),
      R("requests_retried", MK_SUM), R("bytes_received", MK_SUM), R("status", MK_MAP),
      R("duration_s", MK_MAX), R("interrupted", MK_OR), R("requests_per_s", MK_FIRST),
      R("connections_per_s", MK_FIRST), R("exit_code", MK_FIRST));

/* rate and tickets_per_connection are recomputed by merge.c. */
RULES(static, merge_rules_resumption, R(NULL, MK_FIRST), R("attempted", MK_SUM),
      R("accepted", MK_SUM), R("rejected", MK_SUM), R("tickets_received", MK_SUM),
      SUB("ticket_lifetime_hint_s", merge_rules_minmax),
      SUB("ticket_size_bytes", merge_rules_minmax), SUB("max_early_data", merge_rules_minmax),
      R("psk_ke_modes", MK_MAP), R("per_address", MK_MAP));

RULES(static, merge_rules_certificate, R(NULL, MK_FIRST), R("verify", MK_SAME));

RULES(, merge_rules_tls, R(NULL, MK_FIRST), R("versions", MK_MAP), R("ciphers", MK_MAP),
      R("groups", MK_MAP), R("sigalgs", MK_MAP), R("alpn", MK_MAP),
      SUB("resumption", merge_rules_resumption), R("early_data", MK_MAP),
      SUB("certificate", merge_rules_certificate));

/* The target server is the same for every load machine, so its TIME_WAIT
 * count is one number seen several times: the largest is kept. */
RULES(static, merge_rules_server_tw, R(NULL, MK_FIRST), R("before", MK_MAX), R("peak", MK_MAX),
      R("after", MK_MAX));

/* Client-side TIME_WAIT is per machine: summed (the summed peak is an upper
 * bound of the simultaneous total, the machines' peaks need not coincide). */
RULES(static, merge_rules_time_wait, R(NULL, MK_FIRST), R("before", MK_SUM), R("peak", MK_SUM),
      R("after", MK_SUM), SUB("server_side", merge_rules_server_tw), R("holder", MK_SAME));

/* rtt_us and retransmits_per_connection are histograms, merged by merge.c;
 * ephemeral_ports describes one machine's settings: first input's. */
RULES(, merge_rules_tcp, R(NULL, MK_FIRST), R("retransmits_total", MK_SUM),
      R("connections_with_retransmits", MK_SUM), R("retransmits_spurious", MK_SUM),
      R("syn_retransmits", MK_SUM), R("syn_retransmits_inferred", MK_SUM),
      SUB("time_wait", merge_rules_time_wait), R("ephemeral_ports", MK_FIRST),
      R("system_deltas", MK_MAP));

/* errors: phase -> reason -> count, every phase summed per reason. */
const merge_ruleset merge_rules_errors = {NULL, 0, R(NULL, MK_MAP)};

RULES(, merge_rules_client, R(NULL, MK_FIRST), R("cpu_user_s", MK_SUM), R("cpu_sys_s", MK_SUM),
      R("threads", MK_CONCAT), R("busiest_thread_utilisation", MK_MAX));

/* One timeseries phase entry: only count, min and max merge exactly;
 * merge.c drops the percentiles of intervals that had several inputs. */
RULES(static, merge_rules_interval_phase, R(NULL, MK_FIRST), R("count", MK_SUM),
      R("min_us", MK_MIN), R("max_us", MK_MAX));

static const merge_ruleset merge_rules_interval_phases = {NULL, 0,
                                                          SUB(NULL, merge_rules_interval_phase)};

RULES(, merge_rules_interval, R(NULL, MK_SUM_INT), R("t_s", MK_FIRST),
      SUB("phases", merge_rules_interval_phases));
