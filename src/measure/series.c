/* series.c - see series.h. */
#include "measure/series.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[SERIES_PHASES] = {"tcp_connect", "tls_handshake", "h2_settings",
                                                 "ttfb", "connection"};

const char *series_phase_name(series_phase p)
{
    return names[p];
}

static unsigned bucket_of(uint64_t us)
{
    const unsigned sub = 1u << SERIES_SUB_BITS, half = sub >> 1;
    if (us < sub) return (unsigned)us;
    if (us >= (1ull << SERIES_MAX_BITS)) us = (1ull << SERIES_MAX_BITS) - 1;
    unsigned k = 63u - (unsigned)__builtin_clzll(us);
    unsigned shift = k - (SERIES_SUB_BITS - 1);
    return sub + (k - SERIES_SUB_BITS) * half + (unsigned)((us >> shift) - half);
}

static double bucket_mid(unsigned i)
{
    const unsigned sub = 1u << SERIES_SUB_BITS, half = sub >> 1;
    if (i < sub) return i;
    unsigned k = (i - sub) / half + SERIES_SUB_BITS;
    unsigned shift = k - (SERIES_SUB_BITS - 1);
    uint64_t lo = ((uint64_t)((i - sub) % half + half)) << shift;
    return lo + ((1ull << shift) - 1) / 2.0;
}

void series_init(series_t *s, mono_ns start, double interval_s)
{
    memset(s, 0, sizeof *s);
    s->start = start;
    s->interval_ns = (uint64_t)(interval_s * 1e9);
    if (s->interval_ns == 0) s->interval_ns = 1000000000ull;
}

void series_free(series_t *s)
{
    free(s->slots);
    memset(s, 0, sizeof *s);
}

static int grow(series_t *s, size_t want)
{
    if (want <= s->n) return 0;
    if (want > s->cap) {
        size_t cap = s->cap ? s->cap : 16;
        while (cap < want)
            cap *= 2;
        series_slot_t *n = realloc(s->slots, cap * sizeof *n);
        if (!n) return -1;
        s->slots = n;
        s->cap = cap;
    }
    memset(s->slots + s->n, 0, (want - s->n) * sizeof *s->slots);
    s->n = want;
    return 0;
}

series_slot_t *series_at(series_t *s, mono_ns t)
{
    if (!s->interval_ns || t < s->start) return NULL;
    size_t i = (size_t)((t - s->start) / s->interval_ns);
    if (grow(s, i + 1) < 0) return NULL;
    return &s->slots[i];
}

void series_record(series_t *s, series_phase p, mono_ns t, uint64_t value_ns)
{
    series_slot_t *slot = series_at(s, t);
    if (!slot) return;
    slot->ph[p].count++;
    if (value_ns > slot->ph[p].max_ns) slot->ph[p].max_ns = value_ns;
    slot->ph[p].buckets[bucket_of(value_ns / 1000)]++;
}

void series_merge(series_t *d, const series_t *s)
{
    if (grow(d, s->n) < 0) return;
    for (size_t i = 0; i < s->n; i++) {
        series_slot_t *a = &d->slots[i];
        const series_slot_t *b = &s->slots[i];
        a->connections_opened += b->connections_opened;
        a->requests_ok += b->requests_ok;
        a->errors += b->errors;
        a->retransmits += b->retransmits;
        for (int p = 0; p < SERIES_PHASES; p++) {
            a->ph[p].count += b->ph[p].count;
            if (b->ph[p].max_ns > a->ph[p].max_ns) a->ph[p].max_ns = b->ph[p].max_ns;
            for (unsigned k = 0; k < SERIES_BUCKETS; k++)
                a->ph[p].buckets[k] += b->ph[p].buckets[k];
        }
    }
}

double series_percentile_us(const series_slot_t *slot, series_phase p, double pct)
{
    uint32_t n = slot->ph[p].count;
    if (!n) return 0;
    uint64_t rank = (uint64_t)ceil(pct / 100.0 * n);
    if (rank < 1) rank = 1;
    uint64_t seen = 0;
    for (unsigned k = 0; k < SERIES_BUCKETS; k++) {
        seen += slot->ph[p].buckets[k];
        if (seen >= rank) {
            double v = bucket_mid(k), max = slot->ph[p].max_ns / 1000.0;
            return v > max ? max : v;
        }
    }
    return slot->ph[p].max_ns / 1000.0;
}

json_t *series_to_json(const series_t *s, const uint64_t (*tw)[2], size_t n_tw)
{
    json_t *arr = json_array();
    size_t j = 0;
    for (size_t i = 0; i < s->n; i++) {
        const series_slot_t *slot = &s->slots[i];
        json_t *o = json_object();
        double t_end = (double)(i + 1) * s->interval_ns / 1e9;
        json_object_set_new(o, "t_s", json_real(t_end));
        json_object_set_new(o, "connections_opened",
                            json_integer((json_int_t)slot->connections_opened));
        json_object_set_new(o, "requests_ok", json_integer((json_int_t)slot->requests_ok));
        json_object_set_new(o, "errors", json_integer((json_int_t)slot->errors));
        json_object_set_new(o, "retransmits", json_integer((json_int_t)slot->retransmits));
        /* TIME_WAIT: the last sample taken inside this interval, if any. */
        mono_ns end = s->start + (i + 1) * s->interval_ns;
        json_t *twv = json_null();
        while (j < n_tw && tw[j][0] < end) {
            if (tw[j][0] >= s->start + i * s->interval_ns) {
                json_decref(twv);
                twv = json_integer((json_int_t)tw[j][1]);
            }
            j++;
        }
        json_object_set_new(o, "time_wait", twv);
        json_t *ph = json_object();
        for (int p = 0; p < SERIES_PHASES; p++) {
            json_t *e = json_object();
            json_object_set_new(e, "count", json_integer(slot->ph[p].count));
            json_object_set_new(e, "p50_us",
                                json_real(series_percentile_us(slot, (series_phase)p, 50)));
            json_object_set_new(e, "p99_us",
                                json_real(series_percentile_us(slot, (series_phase)p, 99)));
            json_object_set_new(e, "max_us", json_real(slot->ph[p].max_ns / 1000.0));
            json_object_set_new(ph, names[p], e);
        }
        json_object_set_new(o, "phases", ph);
        json_array_append_new(arr, o);
    }
    return arr;
}
