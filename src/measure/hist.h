/* hist.h - log-linear latency histogram (HdrHistogram-style).
 *
 * Values are unsigned 64-bit integers (tlsprof records nanoseconds). Values
 * below 2^HIST_SUB_BITS are counted exactly; above, every power-of-two range
 * is split into 2^(HIST_SUB_BITS-1) equal buckets, so a bucket is at most
 * 1/128 of its values wide (relative error < 0.4% when reporting the bucket
 * midpoint). Memory is fixed whatever the sample count; two histograms merge
 * exactly by adding buckets. Values above HIST_MAX_VALUE are clamped into the
 * top bucket and counted in `clamped` (never dropped silently). */
#ifndef TLSPROF_HIST_H
#define TLSPROF_HIST_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define HIST_SUB_BITS 8
#define HIST_MAX_BITS 42 /* 2^42 ns = 73 minutes */
#define HIST_MAX_VALUE ((1ull << HIST_MAX_BITS) - 1)
#define HIST_BUCKETS                                                                               \
    ((1u << HIST_SUB_BITS) + (HIST_MAX_BITS - HIST_SUB_BITS) * (1u << (HIST_SUB_BITS - 1)))
#define HIST_ENCODING "loglinear-v1"

typedef struct hist {
    uint64_t count;
    uint64_t min, max; /* exact; min is UINT64_MAX while empty */
    uint64_t clamped;  /* samples above HIST_MAX_VALUE */
    long double sum;   /* exact enough for mean */
    long double sumsq; /* for stddev */
    uint64_t buckets[HIST_BUCKETS];
} hist_t;

void hist_init(hist_t *h);
void hist_record(hist_t *h, uint64_t value);
void hist_merge(hist_t *dst, const hist_t *src);

/* Bucket index of a value and the [lo, hi] range of values one bucket holds. */
unsigned hist_bucket_of(uint64_t value);
void hist_bucket_range(unsigned index, uint64_t *lo, uint64_t *hi);

/* Nearest-rank percentile (p in [0,100]): the value of the sample at rank
 * ceil(p/100 * count), reported as its bucket's midpoint clamped to
 * [min, max]. Returns 0 for an empty histogram. p=0 gives min, p=100 max. */
uint64_t hist_percentile(const hist_t *h, double p);
/* The value of the sample at 1-based rank (clamped to [1, count]) with the
 * same reporting rule: rank 1 is min, rank count is max, anything else its
 * bucket's midpoint clamped to [min, max]. 0 for an empty histogram. Used
 * for rank-based confidence intervals (tlsprof compare). */
uint64_t hist_value_at_rank(const hist_t *h, uint64_t rank);
double hist_mean(const hist_t *h);
double hist_stddev(const hist_t *h); /* population standard deviation */

/* Mergeable JSON encoding:
 * {"encoding":"loglinear-v1","unit":"ns","sub_bucket_bits":8,"max_bits":42,
 *  "count":N,"min":v,"max":v,"clamped":n,"sum":s,"sumsq":q,
 *  "buckets":[[index,count],...]}   (only non-empty buckets, ascending)
 * hist_from_json validates everything (encoding, parameters, index range,
 * ascending order, counts summing to count) and writes a message naming the
 * offending key into err on failure. */
json_t *hist_to_json(const hist_t *h);
/* What a JSON value is, for messages: "an object", "a string", "nothing"... */
const char *json_kind(const json_t *j);
int hist_from_json(hist_t *h, const json_t *j, char *err, size_t errlen);

#endif
