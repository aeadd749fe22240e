/* stats.c - phase statistics objects computed from a histogram. */
#include "measure/stats.h"

#include <string.h>

json_t *phase_stats_json(const hist_t *h, double unit_divisor)
{
    double d = unit_divisor > 0.0 ? unit_divisor : 1.0;
    /* hist_percentile and friends already return 0 for an empty histogram;
     * min is special because an empty histogram keeps UINT64_MAX there. */
    double min = h->count ? (double)h->min / d : 0.0;
    return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:o}", "count",
                     (json_int_t)h->count, "min_us", min, "mean_us", hist_mean(h) / d, "stddev_us",
                     hist_stddev(h) / d, "p50_us", (double)hist_percentile(h, 50.0) / d, "p90_us",
                     (double)hist_percentile(h, 90.0) / d, "p99_us",
                     (double)hist_percentile(h, 99.0) / d, "p999_us",
                     (double)hist_percentile(h, 99.9) / d, "max_us",
                     h->count ? (double)h->max / d : 0.0, "histogram", hist_to_json(h));
}

double stats_unit_divisor(const char *key)
{
    return (key && strcmp(key, STATS_TCP_RETRANSMITS) == 0) ? STATS_COUNT_UNIT : STATS_NS_PER_US;
}
