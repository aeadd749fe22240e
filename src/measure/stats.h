/* stats.h - the "phase statistics" object of the JSON report.
 *
 * Every phase (and the phase-shaped tcp.rtt_us and
 * tcp.retransmits_per_connection) is reported as
 *   {count, min_us, mean_us, stddev_us, p50_us, p90_us, p99_us, p999_us,
 *    max_us, histogram}
 * where the statistics are derived from the histogram alone, so a merged
 * histogram gives exactly the statistics of all its samples. */
#ifndef TLSPROF_STATS_H
#define TLSPROF_STATS_H

#include <stddef.h>
#include <jansson.h>

#include "measure/hist.h"

/* Divisors for phase_stats_json: histograms of times hold nanoseconds and the
 * report shows microseconds; histograms of counts are shown as recorded. */
#define STATS_NS_PER_US 1000.0
#define STATS_COUNT_UNIT 1.0

/* Phase-shaped keys under "tcp" in the report. tcp.rtt_us is recorded in
 * nanoseconds like every phase; retransmits_per_connection holds counts. */
#define STATS_TCP_RTT "rtt_us"
#define STATS_TCP_RETRANSMITS "retransmits_per_connection"

/* The phase statistics object for h; every value is divided by unit_divisor
 * (STATS_NS_PER_US for times, STATS_COUNT_UNIT for counts). Key names stay
 * the same (…_us) either way. An empty histogram gives count 0 and all
 * statistics 0. Returns a new reference. */
json_t *phase_stats_json(const hist_t *h, double unit_divisor);

/* The divisor a phase-shaped object under `key` was written with:
 * STATS_COUNT_UNIT for "retransmits_per_connection", else STATS_NS_PER_US. */
double stats_unit_divisor(const char *key);

#endif
