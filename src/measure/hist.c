/* hist.c - log-linear histogram: recording, percentiles, merge, JSON.
 *
 * Layout (see hist.h and docs/report-format.md "Histogram encoding"): values
 * below 2^HIST_SUB_BITS are their own bucket; every larger power-of-two range
 * [2^k, 2^(k+1)) holds 2^(HIST_SUB_BITS-1) equal buckets. Recording is a
 * count-leading-zeros, a shift and an add: no allocation, no branches on the
 * sample count, cheap enough for the hot path. */
#include "measure/hist.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define HIST_LINEAR_LIMIT (1u << HIST_SUB_BITS)   /* 256: exact below */
#define HIST_HALF_SUB (1u << (HIST_SUB_BITS - 1)) /* 128 buckets per power of two */
#define HIST_JSON_INT_MAX 9223372036854775807.0L  /* largest json_int_t, as long double */

void hist_init(hist_t *h)
{
    memset(h, 0, sizeof(*h));
    h->min = UINT64_MAX;
}

unsigned hist_bucket_of(uint64_t value)
{
    if (value > HIST_MAX_VALUE) value = HIST_MAX_VALUE;
    if (value < HIST_LINEAR_LIMIT) return (unsigned)value;
    unsigned k = 63u - (unsigned)__builtin_clzll(value); /* floor(log2 value), >= 8 */
    unsigned shift = k - (HIST_SUB_BITS - 1);
    return HIST_LINEAR_LIMIT + (k - HIST_SUB_BITS) * HIST_HALF_SUB +
           (unsigned)((value >> shift) - HIST_HALF_SUB);
}

void hist_bucket_range(unsigned index, uint64_t *lo, uint64_t *hi)
{
    if (index >= HIST_BUCKETS) /* callers validate; keep out-of-range harmless */
        index = HIST_BUCKETS - 1;
    if (index < HIST_LINEAR_LIMIT) {
        *lo = *hi = index;
        return;
    }
    unsigned i = index - HIST_LINEAR_LIMIT;
    unsigned k = HIST_SUB_BITS + i / HIST_HALF_SUB;
    unsigned shift = k - (HIST_SUB_BITS - 1);
    *lo = ((uint64_t)HIST_HALF_SUB + i % HIST_HALF_SUB) << shift;
    *hi = *lo + ((uint64_t)1 << shift) - 1;
}

void hist_record(hist_t *h, uint64_t value)
{
    /* A clamped sample keeps its place in every statistic at the clamped
     * value, so min/max/percentiles stay consistent with the buckets; the
     * `clamped` counter tells the reader it happened. */
    if (value > HIST_MAX_VALUE) {
        value = HIST_MAX_VALUE;
        h->clamped++;
    }
    h->buckets[hist_bucket_of(value)]++;
    h->count++;
    if (value < h->min) h->min = value;
    if (value > h->max) h->max = value;
    long double v = (long double)value;
    h->sum += v;
    h->sumsq += v * v;
}

void hist_merge(hist_t *dst, const hist_t *src)
{
    if (src->count == 0) return;
    for (unsigned i = 0; i < HIST_BUCKETS; i++)
        dst->buckets[i] += src->buckets[i];
    dst->count += src->count;
    dst->clamped += src->clamped;
    dst->sum += src->sum;
    dst->sumsq += src->sumsq;
    if (src->min < dst->min) dst->min = src->min;
    if (src->max > dst->max) dst->max = src->max;
}

/* Rank (1-based) of the nearest-rank percentile p over count samples:
 * ceil(p/100 * count). A tiny relative epsilon keeps products such as
 * 99.9/100 * 1000 = 999.0000000000001 from rounding up to the next rank. */
static uint64_t nearest_rank(double p, uint64_t count)
{
    if (!(p > 0.0)) /* also catches NaN */
        return 1;
    if (p >= 100.0) return count;
    long double r = (long double)p / 100.0L * (long double)count;
    long double rank = ceill(r - r * 1e-12L - 1e-9L);
    if (rank < 1.0L) return 1;
    if (rank > (long double)count) return count;
    return (uint64_t)rank;
}

uint64_t hist_value_at_rank(const hist_t *h, uint64_t rank)
{
    if (h->count == 0) return 0;
    if (rank < 1) rank = 1;
    if (rank > h->count) rank = h->count;
    /* The first and last ranked samples are known exactly. */
    if (rank == 1) return h->min;
    if (rank == h->count) return h->max;
    uint64_t seen = 0;
    unsigned idx = HIST_BUCKETS - 1;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen >= rank) {
            idx = i;
            break;
        }
    }
    uint64_t lo, hi;
    hist_bucket_range(idx, &lo, &hi);
    uint64_t mid = lo + (hi - lo) / 2;
    if (mid < h->min) mid = h->min;
    if (mid > h->max) mid = h->max;
    return mid;
}

uint64_t hist_percentile(const hist_t *h, double p)
{
    if (h->count == 0) return 0;
    return hist_value_at_rank(h, nearest_rank(p, h->count));
}

double hist_mean(const hist_t *h)
{
    return h->count ? (double)(h->sum / (long double)h->count) : 0.0;
}

double hist_stddev(const hist_t *h)
{
    if (h->count == 0) return 0.0;
    long double n = (long double)h->count;
    long double mean = h->sum / n;
    long double var = h->sumsq / n - mean * mean;
    /* Rounding can leave a tiny negative variance for identical samples. */
    return var > 0.0L ? (double)sqrtl(var) : 0.0;
}

/* ---- JSON ---------------------------------------------------------------- */

/* Sums of integer samples are integers; write them as JSON integers while
 * they fit so a round trip is exact, and as reals beyond 2^63. */
static json_t *json_sum(long double v)
{
    if (v >= 0.0L && v <= HIST_JSON_INT_MAX && v == floorl(v)) return json_integer((json_int_t)v);
    return json_real((double)v);
}

json_t *hist_to_json(const hist_t *h)
{
    json_t *buckets = json_array();
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        if (h->buckets[i])
            json_array_append_new(buckets,
                                  json_pack("[II]", (json_int_t)i, (json_int_t)h->buckets[i]));
    }
    /* An empty histogram's min is UINT64_MAX in memory; the contract says 0. */
    uint64_t min = h->count ? h->min : 0;
    uint64_t max = h->count ? h->max : 0;
    return json_pack("{s:s, s:s, s:i, s:i, s:I, s:I, s:I, s:I, s:o, s:o, s:o}", "encoding",
                     HIST_ENCODING, "unit", "ns", "sub_bucket_bits", HIST_SUB_BITS, "max_bits",
                     HIST_MAX_BITS, "count", (json_int_t)h->count, "min", (json_int_t)min, "max",
                     (json_int_t)max, "clamped", (json_int_t)h->clamped, "sum", json_sum(h->sum),
                     "sumsq", json_sum(h->sumsq), "buckets", buckets);
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        /* Messages quote strings from the file, which JSON lets hold any
         * control character (\u001b included): keep them off the terminal. */
        for (char *p = err; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    }
    return -1;
}

const char *json_kind(const json_t *j)
{
    if (!j) return "nothing";
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a non-integer number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "something unknown";
}

/* A non-negative JSON integer no larger than limit. */
static int get_uint(const json_t *v, const char *key, uint64_t limit, uint64_t *out, char *err,
                    size_t errlen)
{
    if (!v) return fail(err, errlen, "histogram.%s: missing", key);
    if (!json_is_integer(v))
        return fail(err, errlen, "histogram.%s: expected a non-negative integer, got %s", key,
                    json_kind(v));
    json_int_t i = json_integer_value(v);
    if (i < 0)
        return fail(err, errlen, "histogram.%s: %" JSON_INTEGER_FORMAT " is negative", key, i);
    if ((uint64_t)i > limit)
        return fail(err, errlen, "histogram.%s: %" JSON_INTEGER_FORMAT " is larger than %" PRIu64,
                    key, i, limit);
    *out = (uint64_t)i;
    return 0;
}

static int get_sum(const json_t *v, const char *key, long double *out, char *err, size_t errlen)
{
    if (!v) return fail(err, errlen, "histogram.%s: missing", key);
    if (!json_is_number(v))
        return fail(err, errlen, "histogram.%s: expected a number, got %s", key, json_kind(v));
    double d = json_number_value(v);
    if (!(d >= 0.0) || isinf(d))
        return fail(err, errlen, "histogram.%s: %g is not a finite non-negative number", key, d);
    *out = json_is_integer(v) ? (long double)json_integer_value(v) : (long double)d;
    return 0;
}

static int check_param(const json_t *j, const char *key, json_int_t want, char *err, size_t errlen)
{
    const json_t *v = json_object_get(j, key);
    if (!v)
        return fail(err, errlen, "histogram.%s: missing (expected %" JSON_INTEGER_FORMAT ")", key,
                    want);
    if (!json_is_integer(v))
        return fail(err, errlen,
                    "histogram.%s: expected the integer %" JSON_INTEGER_FORMAT ", got %s", key,
                    want, json_kind(v));
    if (json_integer_value(v) != want)
        return fail(err, errlen,
                    "histogram.%s: this reader handles %" JSON_INTEGER_FORMAT
                    " only, got %" JSON_INTEGER_FORMAT,
                    key, want, json_integer_value(v));
    return 0;
}

static int check_string(const json_t *j, const char *key, const char *want, char *err,
                        size_t errlen)
{
    const json_t *v = json_object_get(j, key);
    if (!v) return fail(err, errlen, "histogram.%s: missing (expected \"%s\")", key, want);
    if (!json_is_string(v))
        return fail(err, errlen, "histogram.%s: expected \"%s\", got %s", key, want, json_kind(v));
    if (strcmp(json_string_value(v), want) != 0)
        return fail(err, errlen, "histogram.%s: expected \"%s\", got \"%s\"", key, want,
                    json_string_value(v));
    return 0;
}

/* Decode buckets into h, checking shape, range, order and counts. */
static int read_buckets(hist_t *h, const json_t *arr, unsigned *first, unsigned *last, char *err,
                        size_t errlen)
{
    if (!arr) return fail(err, errlen, "histogram.buckets: missing");
    if (!json_is_array(arr))
        return fail(err, errlen, "histogram.buckets: expected an array, got %s", json_kind(arr));
    uint64_t total = 0;
    long long prev = -1;
    size_t i;
    const json_t *pair;
    json_array_foreach(arr, i, pair)
    {
        if (!json_is_array(pair) || json_array_size(pair) != 2)
            return fail(err, errlen, "histogram.buckets[%zu]: expected [index, count], got %s", i,
                        json_is_array(pair) ? "an array of another length" : json_kind(pair));
        const json_t *jidx = json_array_get(pair, 0), *jcnt = json_array_get(pair, 1);
        if (!json_is_integer(jidx))
            return fail(err, errlen, "histogram.buckets[%zu]: index must be an integer, got %s", i,
                        json_kind(jidx));
        if (!json_is_integer(jcnt))
            return fail(err, errlen, "histogram.buckets[%zu]: count must be an integer, got %s", i,
                        json_kind(jcnt));
        json_int_t idx = json_integer_value(jidx), cnt = json_integer_value(jcnt);
        if (idx < 0 || idx >= (json_int_t)HIST_BUCKETS)
            return fail(err, errlen,
                        "histogram.buckets[%zu]: index %" JSON_INTEGER_FORMAT
                        " out of range [0, %u)",
                        i, idx, (unsigned)HIST_BUCKETS);
        if (idx <= prev)
            return fail(err, errlen,
                        "histogram.buckets[%zu]: index %" JSON_INTEGER_FORMAT
                        " is not above the previous index %lld (must be strictly ascending)",
                        i, idx, prev);
        if (cnt <= 0)
            return fail(err, errlen,
                        "histogram.buckets[%zu]: count %" JSON_INTEGER_FORMAT
                        " must be positive (only non-empty buckets are listed)",
                        i, cnt);
        if (total + (uint64_t)cnt < total)
            return fail(err, errlen, "histogram.buckets[%zu]: counts overflow", i);
        total += (uint64_t)cnt;
        h->buckets[idx] = (uint64_t)cnt;
        if (prev < 0) *first = (unsigned)idx;
        *last = (unsigned)idx;
        prev = idx;
    }
    if (total != h->count)
        return fail(err, errlen,
                    "histogram.buckets: counts sum to %" PRIu64 " but histogram.count is %" PRIu64,
                    total, h->count);
    return 0;
}

int hist_from_json(hist_t *h, const json_t *j, char *err, size_t errlen)
{
    hist_init(h);
    if (!j || !json_is_object(j))
        return fail(err, errlen, "histogram: expected an object, got %s",
                    j ? json_kind(j) : "nothing");
    if (check_string(j, "encoding", HIST_ENCODING, err, errlen) ||
        check_string(j, "unit", "ns", err, errlen) ||
        check_param(j, "sub_bucket_bits", HIST_SUB_BITS, err, errlen) ||
        check_param(j, "max_bits", HIST_MAX_BITS, err, errlen))
        goto bad;
    uint64_t min, max;
    if (get_uint(json_object_get(j, "count"), "count", INT64_MAX, &h->count, err, errlen) ||
        get_uint(json_object_get(j, "min"), "min", HIST_MAX_VALUE, &min, err, errlen) ||
        get_uint(json_object_get(j, "max"), "max", HIST_MAX_VALUE, &max, err, errlen) ||
        get_uint(json_object_get(j, "clamped"), "clamped", h->count, &h->clamped, err, errlen) ||
        get_sum(json_object_get(j, "sum"), "sum", &h->sum, err, errlen) ||
        get_sum(json_object_get(j, "sumsq"), "sumsq", &h->sumsq, err, errlen))
        goto bad;
    unsigned first = 0, last = 0;
    if (read_buckets(h, json_object_get(j, "buckets"), &first, &last, err, errlen)) goto bad;
    if (h->count == 0) {
        if (min || max || h->sum != 0.0L || h->sumsq != 0.0L) {
            fail(err, errlen, "histogram: count is 0 but min/max/sum/sumsq are not all 0");
            goto bad;
        }
        return 0; /* min stays UINT64_MAX, as for any empty histogram */
    }
    /* Every sample lies in [min, max], so sum and sumsq lie between count
     * times min (min squared) and count times max (max squared). Checking it
     * also bounds them (count < 2^63, max < 2^42), so that adding any number
     * of decoded histograms, as merge does, cannot overflow a double. The
     * slack covers sums written as doubles beyond 2^63. */
    {
        long double n = (long double)h->count, lo = (long double)min, hi = (long double)max;
        const long double slack = 1e-12L;
        if (h->sum < n * lo * (1 - slack) || h->sum > n * hi * (1 + slack)) {
            fail(err, errlen,
                 "histogram.sum: %Lg is not between count x min and count x max (%Lg to %Lg)",
                 h->sum, n * lo, n * hi);
            goto bad;
        }
        if (h->sumsq < n * lo * lo * (1 - slack) || h->sumsq > n * hi * hi * (1 + slack)) {
            fail(err, errlen,
                 "histogram.sumsq: %Lg is not between count x min^2 and count x max^2 (%Lg to "
                 "%Lg)",
                 h->sumsq, n * lo * lo, n * hi * hi);
            goto bad;
        }
    }
    /* min and max are exact samples, so they must fall in the first and last
     * non-empty buckets; anything else means the file was altered. */
    if (hist_bucket_of(min) != first) {
        fail(err, errlen, "histogram.min: %" PRIu64 " is not in the first non-empty bucket %u", min,
             first);
        goto bad;
    }
    if (hist_bucket_of(max) != last) {
        fail(err, errlen, "histogram.max: %" PRIu64 " is not in the last non-empty bucket %u", max,
             last);
        goto bad;
    }
    h->min = min;
    h->max = max;
    return 0;
bad:
    hist_init(h);
    return -1;
}
