/* clock.h - the one clock every measurement reads.
 *
 * Timestamps are CLOCK_MONOTONIC nanoseconds read at the moment of the event.
 * We never use libev's cached ev_now(): with hundreds of connections handled in
 * one loop iteration it would shift every sample by the whole iteration. */
#ifndef TLSPROF_CLOCK_H
#define TLSPROF_CLOCK_H

#include <stdint.h>
#include <time.h>

typedef uint64_t mono_ns; /* CLOCK_MONOTONIC in nanoseconds; 0 means "not reached" */

static inline mono_ns clock_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (mono_ns)ts.tv_sec * 1000000000ull + (mono_ns)ts.tv_nsec;
}

/* Wall-clock time in nanoseconds since the epoch, for event logs only. */
static inline uint64_t clock_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CPU time consumed by the calling thread, in nanoseconds. */
static inline uint64_t clock_thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Duration between two points, or 0 when either was not reached or they are
 * out of order (never a wrapped-around huge value). */
static inline uint64_t clock_span(mono_ns from, mono_ns to)
{
    return (from && to && to >= from) ? to - from : 0;
}

#endif
