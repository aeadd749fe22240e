/* slowest_json.c - see slowest_json.h. */
#include "report/slowest_json.h"

#include "measure/tcpinfo.h"
#include "report/hints.h"
#include "report/story_json.h"

static json_t *story_object(const engine_t *e, const conn_story_t *s, const hint_baseline_t *b)
{
    char buf[4096];
    const char *remote = s->target < e->n_targets ? e->targets[s->target].label : "?";
    size_t n = story_format(buf, sizeof buf, s, remote);
    json_t *o = n ? json_loadb(buf, n, 0, NULL) : NULL;
    if (!o) {
        /* The formatter and the parser disagreeing is a bug; say so in the
         * report rather than dropping the connection silently. */
        o = json_object();
        json_object_set_new(o, "id", json_integer((json_int_t)s->id));
        json_object_set_new(o, "format_error", json_true());
    }
    json_t *hints = json_array();
    story_hints(s, b, hints);
    json_object_set_new(o, "hints", hints);
    return o;
}

static json_t *list_json(engine_t *e, slow_list l, const hint_baseline_t *b)
{
    uint32_t n = 0;
    const conn_story_t *s = slowest_sorted(&e->slowest, l, &n);
    json_t *arr = json_array();
    for (uint32_t i = 0; i < n; i++)
        json_array_append_new(arr, story_object(e, &s[i], b));
    return arr;
}

json_t *slowest_json(engine_t *e, json_t **by_phase)
{
    const results_t *r = &e->total;
    hint_baseline_t b = {
        .tcp_connect_p50 = hist_percentile(&r->phases[PHASE_TCP_CONNECT], 50),
        .tls_full_p50 = hist_percentile(&r->phases[PHASE_TLS_HANDSHAKE_FULL], 50),
        .tls_resumed_p50 = hist_percentile(&r->phases[PHASE_TLS_HANDSHAKE_RESUMED], 50),
        .ttfb_p50 = hist_percentile(&r->phases[PHASE_TTFB], 50),
        .syn_initial_rto_ms = TCP_SYN_INITIAL_RTO_MS,
    };
    json_t *phases = json_object();
    for (int l = 0; l < SLOW_LISTS; l++) {
        if (l == SLOW_CONNECTION) continue;
        json_object_set_new(phases, slow_list_phase((slow_list)l), list_json(e, (slow_list)l, &b));
    }
    *by_phase = phases;
    return list_json(e, SLOW_CONNECTION, &b);
}
