/* series.h - per-interval statistics (the report's `timeseries`).
 *
 * Each worker keeps one slot per interval since the end of warm-up; a slot is
 * fixed-size: counters plus, per phase, a count, the max and a coarse
 * log-linear histogram (32 exact values, then 16 buckets per power of two:
 * p50/p99 within about 3%). Slots are added once per interval, never per
 * request; workers' series merge slot by slot after the run. */
#ifndef TLSPROF_SERIES_H
#define TLSPROF_SERIES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "measure/clock.h"

typedef enum series_phase {
    SERIES_TCP_CONNECT,
    SERIES_TLS_HANDSHAKE,
    SERIES_H2_SETTINGS,
    SERIES_TTFB,
    SERIES_CONNECTION,
    SERIES_PHASES
} series_phase;

#define SERIES_SUB_BITS 5
#define SERIES_MAX_BITS 28 /* microseconds: ~268 s */
#define SERIES_BUCKETS                                                                             \
    ((1u << SERIES_SUB_BITS) + (SERIES_MAX_BITS - SERIES_SUB_BITS) * (1u << (SERIES_SUB_BITS - 1)))

typedef struct series_slot {
    uint64_t connections_opened, requests_ok, errors, retransmits;
    struct {
        uint32_t count;
        uint64_t max_ns;
        uint32_t buckets[SERIES_BUCKETS];
    } ph[SERIES_PHASES];
} series_slot_t;

typedef struct series {
    mono_ns start; /* end of warm-up */
    uint64_t interval_ns;
    series_slot_t *slots;
    size_t n, cap;
} series_t;

void series_init(series_t *s, mono_ns start, double interval_s);
void series_free(series_t *s);
/* The slot for an event at time t, or NULL before start (warm-up) or when
 * memory runs out (the run goes on; the slot is simply missing). */
series_slot_t *series_at(series_t *s, mono_ns t);
void series_record(series_t *s, series_phase p, mono_ns t, uint64_t value_ns);
void series_merge(series_t *dst, const series_t *src);
/* Value at percentile p (0-100) of one slot's phase, in microseconds. */
double series_percentile_us(const series_slot_t *slot, series_phase p, double pct);
const char *series_phase_name(series_phase p);
/* The JSON array; tw_samples (t_ns, count) pairs give each interval's TIME_WAIT. */
json_t *series_to_json(const series_t *s, const uint64_t (*tw_samples)[2], size_t n_tw);

#endif
