/* merge.c - several reports into one, exactly (`tlsprof merge` is cli/merge.c).
 *
 * Sections made of counters follow the rule sets of merge_rules.c; here are
 * the parts that need the inputs side by side: histograms (phases, tcp),
 * ratios recomputed from merged totals, the sources list, the timeseries
 * aligned by interval and the slowest-connection lists. */
#include "report/merge.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/exit_codes.h"
#include "measure/stats.h"
#include "report/merge_rules.h"

#ifndef TLSPROF_VERSION
#define TLSPROF_VERSION "unknown"
#endif

/* ---- histograms ---------------------------------------------------------- */

static const report_hist_t *find_hist(const report_hist_t *list, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i].key, key) == 0) return &list[i];
    }
    return NULL;
}

/* Every phase-shaped key of the inputs (in order of first appearance), its
 * statistics recomputed from the bucket-wise sum of the histograms. tcp
 * selects tcp.{rtt_us,retransmits_per_connection} instead of phases. */
static int merge_hists(json_t *dst, report_t *const *in, size_t n, int tcp, json_t *notes)
{
    hist_t *acc = malloc(sizeof(*acc));
    json_t *done = json_object(); /* dst may already hold first-input copies */
    if (!acc || !done) {
        free(acc);
        json_decref(done);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const report_hist_t *list = tcp ? in[i]->tcp : in[i]->phases;
        size_t count = tcp ? in[i]->ntcp : in[i]->nphases;
        for (size_t k = 0; k < count; k++) {
            const char *key = list[k].key;
            if (json_object_get(done, key)) continue; /* merged when first seen */
            json_object_set_new(done, key, json_true());
            hist_init(acc);
            for (size_t j = i; j < n; j++) {
                const report_hist_t *h = tcp ? find_hist(in[j]->tcp, in[j]->ntcp, key)
                                             : find_hist(in[j]->phases, in[j]->nphases, key);
                if (!h) continue;
                /* The merged count must still be a JSON integer, or the
                 * merged report would not read back. Only altered inputs
                 * get here (no run records 2^63 samples). */
                if (h->hist->count > (uint64_t)INT64_MAX - acc->count) {
                    json_array_append_new(
                        notes, json_sprintf("cannot merge %s.%s: together the inputs hold more "
                                            "than %lld samples",
                                            tcp ? "tcp" : "phases", key, (long long)INT64_MAX));
                    json_decref(done);
                    free(acc);
                    return -1;
                }
                hist_merge(acc, h->hist);
            }
            json_object_set_new(dst, key, phase_stats_json(acc, list[k].divisor));
        }
    }
    json_decref(done);
    free(acc);
    return 0;
}

/* ---- sections by rules --------------------------------------------------- */

static json_t *merge_section(report_t *const *in, size_t n, const char *key,
                             const merge_ruleset *rs, int always)
{
    json_t *acc = json_object();
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_object_get(in[i]->root, key);
        if (json_is_object(v)) {
            merge_apply(acc, v, rs);
            seen = 1;
        }
    }
    if (!seen && !always) {
        json_decref(acc);
        return NULL;
    }
    return acc;
}

static double num_at(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_number(v) ? json_number_value(v) : 0.0;
}

/* Rates over the longest input duration: the inputs ran concurrently, so the
 * merged run lasted as long as the longest one and did the sum of the work. */
static void recompute_summary(json_t *summary, report_t *const *in, size_t n)
{
    double duration = num_at(summary, "duration_s");
    double ok = num_at(summary, "requests_ok");
    double est = num_at(summary, "connections_established");
    json_object_set_new(summary, "requests_per_s", json_real(duration > 0 ? ok / duration : 0));
    json_object_set_new(summary, "connections_per_s", json_real(duration > 0 ? est / duration : 0));

    /* exit code: interrupted wins; equal codes stay; a mixture is partial. */
    int have = 0, same = 1, interrupted = 0;
    json_int_t code = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_object_get(in[i]->root, "summary");
        const json_t *c = json_object_get(s, "exit_code");
        if (json_is_true(json_object_get(s, "interrupted"))) interrupted = 1;
        if (!json_is_integer(c)) continue;
        if (have && json_integer_value(c) != code) same = 0;
        code = json_integer_value(c);
        have = 1;
    }
    if (!have) return;
    json_object_set_new(summary, "exit_code",
                        json_integer(interrupted ? EXIT_INTERRUPTED
                                     : same      ? code
                                                 : EXIT_PARTIAL));
}

static void recompute_resumption(json_t *tls, report_t *const *in, size_t n)
{
    json_t *res = json_object_get(tls, "resumption");
    if (!json_is_object(res)) return;
    double attempted = num_at(res, "attempted"), accepted = num_at(res, "accepted");
    json_object_set_new(res, "rate", json_real(attempted > 0 ? accepted / attempted : 0));
    /* tickets_per_connection averaged with each input's established
     * connections as weight, whatever exact definition the producer used. */
    double num = 0, den = 0;
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *r = json_object_get(json_object_get(in[i]->root, "tls"), "resumption");
        const json_t *t = json_object_get(r, "tickets_per_connection");
        if (!json_is_number(t)) continue;
        double w = num_at(json_object_get(in[i]->root, "summary"), "connections_established");
        num += json_number_value(t) * w;
        den += w;
        any = 1;
    }
    if (any) json_object_set_new(res, "tickets_per_connection", json_real(den > 0 ? num / den : 0));
}

/* ---- timeseries, slowest, sources ---------------------------------------- */

/* Intervals are aligned by position: inputs started together (pdsh, an
 * Indexed Job) have their interval i at about the same wall time. Per-phase
 * percentiles of an interval cannot be merged (no histogram per interval),
 * so intervals with several inputs keep only count, min_us and max_us. */
static json_t *merge_timeseries(report_t *const *in, size_t n)
{
    size_t len = 0;
    int present = 0; /* an empty array in the inputs stays an empty array */
    for (size_t i = 0; i < n; i++) {
        const json_t *ts = json_object_get(in[i]->root, "timeseries");
        present |= json_is_array(ts);
        if (json_array_size(ts) > len) len = json_array_size(ts);
    }
    if (len == 0) return present ? json_array() : NULL;
    json_t *out = json_array();
    for (size_t t = 0; t < len; t++) {
        json_t *acc = json_object();
        int contributors = 0;
        for (size_t i = 0; i < n; i++) {
            const json_t *e = json_array_get(json_object_get(in[i]->root, "timeseries"), t);
            if (json_is_object(e)) {
                merge_apply(acc, e, &merge_rules_interval);
                contributors++;
            }
        }
        const char *phase;
        json_t *stats;
        json_object_foreach(json_object_get(acc, "phases"), phase, stats)
        {
            const char *k;
            json_t *v;
            void *tmp;
            json_object_foreach_safe(stats, tmp, k, v)
            {
                if (contributors > 1 && strcmp(k, "count") && strcmp(k, "min_us") &&
                    strcmp(k, "max_us"))
                    json_object_del(stats, k);
            }
        }
        json_array_append_new(out, acc);
    }
    return out;
}

typedef struct story {
    json_t *obj;
    double key;
    size_t order;
} story_t;

static int story_cmp(const void *a, const void *b)
{
    const story_t *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? 1 : -1; /* slowest first */
    return (x->order > y->order) - (x->order < y->order);
}

/* The stories of every input's `list` (an array, found under parent when
 * parent is not NULL), each tagged with its index in the merged sources,
 * sorted slowest first by phases_us.<sort_key>, as many as the longest
 * input list. */
static json_t *merge_stories(report_t *const *in, size_t n, const size_t *offsets,
                             const char *parent, const char *list, const char *sort_key)
{
    size_t total = 0, keep = 0;
    int present = 0; /* an empty array in the inputs stays an empty array */
    for (size_t i = 0; i < n; i++) {
        const json_t *p = parent ? json_object_get(in[i]->root, parent) : in[i]->root;
        const json_t *arr = json_object_get(p, list);
        present |= json_is_array(arr);
        total += json_array_size(arr);
        if (json_array_size(arr) > keep) keep = json_array_size(arr);
    }
    if (total == 0) return present ? json_array() : NULL;
    story_t *all = calloc(total, sizeof(*all));
    if (!all) return NULL;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *p = parent ? json_object_get(in[i]->root, parent) : in[i]->root;
        size_t k;
        json_t *s;
        json_array_foreach(json_object_get(p, list), k, s)
        {
            json_t *copy = json_deep_copy(s);
            if (json_is_object(copy)) {
                const json_t *src = json_object_get(copy, "source");
                json_int_t base = json_is_integer(src) ? json_integer_value(src) : 0;
                json_object_set_new(copy, "source", json_integer((json_int_t)offsets[i] + base));
            }
            const json_t *v = json_object_get(json_object_get(copy, "phases_us"), sort_key);
            all[m] = (story_t){copy, json_is_number(v) ? json_number_value(v) : -1.0, m};
            m++;
        }
    }
    qsort(all, m, sizeof(*all), story_cmp);
    json_t *out = json_array();
    for (size_t i = 0; i < m; i++) {
        if (i < keep)
            json_array_append_new(out, all[i].obj);
        else
            json_decref(all[i].obj);
    }
    free(all);
    return out;
}

static json_t *merge_slowest_by_phase(report_t *const *in, size_t n, const size_t *offsets)
{
    json_t *out = json_object();
    for (size_t i = 0; i < n; i++) {
        const char *phase;
        json_t *v;
        json_object_foreach(json_object_get(in[i]->root, "slowest_by_phase"), phase, v)
        {
            if (json_object_get(out, phase)) continue;
            json_t *merged = merge_stories(in, n, offsets, "slowest_by_phase", phase, phase);
            if (merged) json_object_set_new(out, phase, merged);
        }
    }
    if (json_object_size(out) == 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* Inputs that are merged reports contribute their own sources, so merging
 * merged files gives the same list as merging the originals. */
static json_t *merge_sources(report_t *const *in, size_t n, size_t *offsets)
{
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        offsets[i] = json_array_size(out);
        const json_t *root = in[i]->root;
        const json_t *inner = json_object_get(root, "sources");
        if (json_is_array(inner) && json_array_size(inner) > 0) {
            size_t k;
            json_t *s;
            json_array_foreach(inner, k, s) json_array_append_new(out, json_deep_copy(s));
            continue;
        }
        json_t *s = json_pack("{s:s}", "file", in[i]->label);
        const char *keys[] = {"tool", "platform", "config", "summary"};
        for (size_t k = 0; k < 4; k++) {
            json_t *v = json_object_get(root, keys[k]);
            if (v) json_object_set_new(s, keys[k], json_deep_copy(v));
        }
        json_array_append_new(out, s);
    }
    return out;
}

/* ---- compatibility notes ------------------------------------------------- */

/* A key of an input's section, where a missing key has a meaning: reports
 * written before --h1 existed have no config.protocol and spoke HTTP/2. */
static json_t *section_key(const report_t *r, const char *section, const char *key)
{
    const json_t *sec = json_object_get(r->root, section);
    if (!strcmp(section, "config") && !strcmp(key, "protocol"))
        return json_string(report_protocol(sec));
    json_t *v = json_object_get(sec, key);
    return v ? json_incref(v) : NULL;
}

static void note_difference(json_t *notes, report_t *const *in, size_t n, const char *section,
                            const char *key)
{
    json_t *first = section_key(in[0], section, key);
    for (size_t i = 1; i < n; i++) {
        json_t *v = section_key(in[i], section, key);
        if ((first || v) && !(first && v && json_equal(first, v))) {
            char *a = first ? json_dumps(first, JSON_ENCODE_ANY) : NULL;
            char *b = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
            json_array_append_new(
                notes, json_sprintf("inputs differ in %s.%s: %s in %s, %s in %s (merged anyway; "
                                    "the merged report shows the first)",
                                    section, key, a ? a : "missing", in[0]->label,
                                    b ? b : "missing", in[i]->label));
            free(a);
            free(b);
            json_decref(v);
            break; /* one note per key is enough */
        }
        json_decref(v);
    }
    json_decref(first);
}

static json_t *merge_warnings(report_t *const *in, size_t n, const json_t *notes)
{
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        size_t k;
        json_t *w;
        json_array_foreach(json_object_get(in[i]->root, "warnings"), k, w)
        {
            if (json_is_string(w))
                json_array_append_new(out,
                                      json_sprintf("%s: %s", in[i]->label, json_string_value(w)));
        }
    }
    size_t k;
    json_t *w;
    json_array_foreach(notes, k, w) json_array_append(out, w);
    return out;
}

/* ---- the merged report --------------------------------------------------- */

static const char *const handled_keys[] = {
    "report_version", "tool",    "config", "platform",         "summary",
    "phases",         "tls",     "tcp",    "errors",           "warnings",
    "timeseries",     "slowest", "client", "slowest_by_phase", "sources",
};

static int is_handled(const char *key)
{
    for (size_t i = 0; i < sizeof(handled_keys) / sizeof(handled_keys[0]); i++) {
        if (strcmp(handled_keys[i], key) == 0) return 1;
    }
    return 0;
}

static void set_if(json_t *obj, const char *key, json_t *v)
{
    if (v) json_object_set_new(obj, key, v);
}

json_t *merge_reports(report_t *const *in, size_t n, json_t *notes)
{
    if (n == 0) return NULL;
    size_t *offsets = calloc(n, sizeof(*offsets));
    json_t *out = json_object();
    if (!offsets || !out) {
        free(offsets);
        json_decref(out);
        return NULL;
    }
    note_difference(notes, in, n, "config", "url");
    note_difference(notes, in, n, "config", "mode");
    note_difference(notes, in, n, "config", "protocol");
    note_difference(notes, in, n, "platform", "arch");
    note_difference(notes, in, n, "platform", "openssl_version");

    const json_t *first = in[0]->root;
    json_object_set_new(out, "report_version", json_integer(REPORT_VERSION));
    json_object_set_new(out, "tool",
                        json_pack("{s:s, s:s}", "name", "tlsprof", "version", TLSPROF_VERSION));
    json_object_set_new(out, "config", json_deep_copy(json_object_get(first, "config")));
    set_if(out, "platform", json_deep_copy(json_object_get(first, "platform")));

    json_t *summary = merge_section(in, n, "summary", &merge_rules_summary, 1);
    recompute_summary(summary, in, n);
    json_object_set_new(out, "summary", summary);

    json_t *phases = json_object();
    json_t *tls = merge_section(in, n, "tls", &merge_rules_tls, 1);
    json_t *tcp = merge_section(in, n, "tcp", &merge_rules_tcp, 0);
    if (merge_hists(phases, in, n, 0, notes) || (tcp && merge_hists(tcp, in, n, 1, notes))) {
        json_decref(phases);
        json_decref(tls);
        json_decref(tcp);
        json_decref(out);
        free(offsets);
        return NULL;
    }
    recompute_resumption(tls, in, n);
    json_object_set_new(out, "phases", phases);
    json_object_set_new(out, "tls", tls);
    set_if(out, "tcp", tcp);
    json_object_set_new(out, "errors", merge_section(in, n, "errors", &merge_rules_errors, 1));
    json_object_set_new(out, "warnings", merge_warnings(in, n, notes));
    set_if(out, "timeseries", merge_timeseries(in, n));

    json_t *sources = merge_sources(in, n, offsets);
    set_if(out, "slowest", merge_stories(in, n, offsets, NULL, "slowest", "connection"));
    set_if(out, "slowest_by_phase", merge_slowest_by_phase(in, n, offsets));
    set_if(out, "client", merge_section(in, n, "client", &merge_rules_client, 0));
    json_object_set_new(out, "sources", sources);

    /* Keys from newer versions: the first input's value. */
    for (size_t i = 0; i < n; i++) {
        const char *key;
        json_t *v;
        json_object_foreach(in[i]->root, key, v)
        {
            if (!is_handled(key) && !json_object_get(out, key))
                json_object_set_new(out, key, json_deep_copy(v));
        }
    }
    free(offsets);
    return out;
}
