/* schedule.h - open-loop arrivals for --rate (wrk2's idea, without its
 * coordinated omission): arrival k of a worker is due at t0 + k * period,
 * whatever happened to arrival k-1. A request that starts late is still
 * timed from its intended instant, so a stalled server shows up as latency
 * instead of as politely fewer requests.
 *
 * No queue is stored: the intended time of every pending arrival follows
 * from its index, so memory stays constant however far behind the client
 * falls. */
#ifndef TLSPROF_SCHEDULE_H
#define TLSPROF_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

#include "measure/clock.h"

typedef struct schedule {
    bool on;
    mono_ns t0;
    double period_ns;
    uint64_t started; /* arrivals handed out so far */
} schedule_t;

/* A worker's share: rate/n_workers per second, phase-shifted by `slot` so
 * that the workers' arrivals interleave instead of coinciding. */
void schedule_init(schedule_t *s, double rate_per_s, uint32_t n_workers, uint32_t slot,
                   mono_ns start);
/* The intended instant of arrival k. */
mono_ns schedule_at(const schedule_t *s, uint64_t k);
/* Arrivals due by `now` (inclusive). */
uint64_t schedule_due(const schedule_t *s, mono_ns now);
/* Take the oldest due arrival: true with its intended instant, or false
 * when none is due yet. */
bool schedule_take(schedule_t *s, mono_ns now, mono_ns *intended);

#endif
