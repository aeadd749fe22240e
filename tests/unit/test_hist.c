/* test_hist.c - the log-linear histogram against an exact sort of the same
 * samples, its merge, its JSON encoding and its validation; the phase
 * statistics object and phase names built on it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/hist.h"
#include "measure/phase.h"
#include "measure/stats.h"

/* ---- deterministic PRNG (splitmix64), no global state -------------------- */

typedef struct {
    uint64_t s;
} prng_t;

static uint64_t prng_next(prng_t *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double prng_unit(prng_t *r) /* (0, 1) */
{
    return ((double)(prng_next(r) >> 11) + 0.5) / 9007199254740992.0;
}

static double prng_normal(prng_t *r) /* Box-Muller */
{
    double u1 = prng_unit(r), u2 = prng_unit(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* ---- exact reference ------------------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest rank with integer arithmetic: p given in thousandths of a percent
 * so 99.9 is exact; rank = ceil(p/100 * n), at least 1. */
static uint64_t exact_percentile(const uint64_t *sorted, size_t n, unsigned p_milli)
{
    uint64_t rank = ((uint64_t)p_milli * n + 99999) / 100000;
    if (rank < 1) rank = 1;
    return sorted[rank - 1];
}

static const unsigned test_p_milli[] = {0, 50000, 90000, 99000, 99900, 100000};

/* Records samples (clamped like the histogram does for the reference), then
 * checks percentiles, mean and stddev against the exact values. */
static void check_against_exact(const uint64_t *samples, size_t n, int must_be_exact)
{
    hist_t *h = malloc(sizeof(*h));
    uint64_t *sorted = malloc(n * sizeof(*sorted));
    assert_non_null(h);
    assert_non_null(sorted);
    hist_init(h);
    uint64_t clamped = 0;
    long double sum = 0;
    for (size_t i = 0; i < n; i++) {
        hist_record(h, samples[i]);
        uint64_t v = samples[i];
        if (v > HIST_MAX_VALUE) {
            v = HIST_MAX_VALUE;
            clamped++;
        }
        sorted[i] = v;
        sum += v;
    }
    qsort(sorted, n, sizeof(*sorted), cmp_u64);
    assert_int_equal(h->count, n);
    assert_int_equal(h->clamped, clamped);
    assert_int_equal(h->min, sorted[0]);
    assert_int_equal(h->max, sorted[n - 1]);

    for (size_t k = 0; k < sizeof(test_p_milli) / sizeof(test_p_milli[0]); k++) {
        double p = test_p_milli[k] / 1000.0;
        uint64_t want = exact_percentile(sorted, n, test_p_milli[k]);
        uint64_t got = hist_percentile(h, p);
        double diff = fabs((double)got - (double)want);
        if (must_be_exact ? got != want : diff > 0.004 * (double)want + 1.0)
            fail_msg("p%g: histogram %llu, exact %llu (diff %g)", p, (unsigned long long)got,
                     (unsigned long long)want, diff);
    }
    /* p0 and p100 are the exact extremes, not bucket midpoints. */
    assert_int_equal(hist_percentile(h, 0), sorted[0]);
    assert_int_equal(hist_percentile(h, 100), sorted[n - 1]);

    long double mean = sum / n, ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += ((long double)sorted[i] - mean) * ((long double)sorted[i] - mean);
    double sd = (double)sqrtl(ss / n);
    assert_true(fabs(hist_mean(h) - (double)mean) <= 1e-9 * (double)mean + 1e-9);
    /* sumsq/n - mean^2 cancels digits; long double keeps ~1e-6 of sd when
     * the spread is tiny relative to the mean, far below any reporting need. */
    assert_true(fabs(hist_stddev(h) - sd) <= 1e-6 * (double)mean + 1e-6);
    free(sorted);
    free(h);
}

static void test_uniform(void **state)
{
    prng_t r = {1};
    size_t n = 100000;
    uint64_t *s = malloc(n * sizeof(*s));
    for (size_t i = 0; i < n; i++)
        s[i] = 1000 + prng_next(&r) % 10000000;
    check_against_exact(s, n, 0);
    free(s);
}

static void test_lognormal_heavy_tail(void **state)
{
    prng_t r = {2};
    size_t n = 100000;
    uint64_t *s = malloc(n * sizeof(*s));
    for (size_t i = 0; i < n; i++)
        s[i] = (uint64_t)exp(log(1e6) + 2.0 * prng_normal(&r));
    check_against_exact(s, n, 0);
    free(s);
}

static void test_all_equal(void **state)
{
    size_t n = 5000;
    uint64_t *s = malloc(n * sizeof(*s));
    for (size_t i = 0; i < n; i++)
        s[i] = 123456789;
    check_against_exact(s, n, 1); /* clamping to [min,max] makes it exact */
    hist_t *h = malloc(sizeof(*h));
    hist_init(h);
    for (size_t i = 0; i < n; i++)
        hist_record(h, s[i]);
    assert_true(hist_stddev(h) < 1e-3);
    free(h);
    free(s);
}

static void test_bimodal(void **state)
{
    prng_t r = {3};
    size_t n = 20001;
    uint64_t *s = malloc(n * sizeof(*s));
    for (size_t i = 0; i < n; i++)
        s[i] = (i % 2) ? 50000 + prng_next(&r) % 100 : 5000000 + prng_next(&r) % 1000;
    check_against_exact(s, n, 0);
    free(s);
}

static void test_powers_of_two(void **state)
{
    uint64_t s[3 * 64];
    size_t n = 0;
    for (unsigned k = 0; k < 64; k++) {
        uint64_t v = 1ull << k;
        s[n++] = v - 1;
        s[n++] = v;
        s[n++] = v + 1;
    }
    check_against_exact(s, n, 0);
    /* The same values with each recorded alone: every single value's bucket
     * midpoint (clamped to itself) is the value. */
    hist_t *h = malloc(sizeof(*h));
    for (size_t i = 0; i < n; i++) {
        if (s[i] > HIST_MAX_VALUE) continue;
        hist_init(h);
        hist_record(h, s[i]);
        assert_int_equal(hist_percentile(h, 50), s[i]);
        uint64_t lo, hi;
        hist_bucket_range(hist_bucket_of(s[i]), &lo, &hi);
        assert_true(lo <= s[i] && s[i] <= hi);
    }
    free(h);
}

static void test_small_values_exact(void **state)
{
    prng_t r = {4};
    size_t n = 10007;
    uint64_t *s = malloc(n * sizeof(*s));
    for (size_t i = 0; i < n; i++)
        s[i] = prng_next(&r) % 256;
    check_against_exact(s, n, 1);
    /* Also at percentiles between the usual ones. */
    hist_t *h = malloc(sizeof(*h));
    hist_init(h);
    for (size_t i = 0; i < n; i++)
        hist_record(h, s[i]);
    qsort(s, n, sizeof(*s), cmp_u64);
    for (unsigned pm = 0; pm <= 100000; pm += 1250)
        assert_int_equal(hist_percentile(h, pm / 1000.0), exact_percentile(s, n, pm));
    free(h);
    free(s);
}

static void test_huge_values_clamped(void **state)
{
    prng_t r = {5};
    size_t n = 1000;
    uint64_t *s = malloc(n * sizeof(*s));
    for (size_t i = 0; i < n; i++)
        s[i] = (i % 10 == 0) ? HIST_MAX_VALUE + 1 + prng_next(&r) % (1ull << 50)
                             : 1000000 + prng_next(&r) % 1000000;
    check_against_exact(s, n, 0);
    hist_t *h = malloc(sizeof(*h));
    hist_init(h);
    for (size_t i = 0; i < n; i++)
        hist_record(h, s[i]);
    assert_int_equal(h->clamped, 100);
    assert_int_equal(h->max, HIST_MAX_VALUE);
    assert_int_equal(h->buckets[HIST_BUCKETS - 1], 100);
    hist_record(h, UINT64_MAX);
    assert_int_equal(h->clamped, 101);
    assert_int_equal(hist_percentile(h, 100), HIST_MAX_VALUE);
    free(h);
    free(s);
}

/* Bucket layout: contiguous, covering [0, HIST_MAX_VALUE], each value maps
 * into the bucket whose range holds it, and the documented formula. */
static void test_bucket_layout(void **state)
{
    uint64_t expect_lo = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        uint64_t lo, hi;
        hist_bucket_range(i, &lo, &hi);
        assert_int_equal(lo, expect_lo);
        assert_true(hi >= lo);
        assert_int_equal(hist_bucket_of(lo), i);
        assert_int_equal(hist_bucket_of(hi), i);
        /* width <= 1/128 of the smallest value in it */
        if (lo >= 256) assert_true((hi - lo + 1) * 128 <= lo);
        expect_lo = hi + 1;
    }
    assert_int_equal(expect_lo - 1, HIST_MAX_VALUE);
    assert_int_equal(HIST_BUCKETS, 4608);
    /* docs/report-format.md: k = floor(log2 v), shift = k-7,
     * index = 256 + (k-8)*128 + ((v >> shift) - 128) */
    uint64_t v = 1000000; /* k = 19, shift = 12, v>>12 = 244 */
    assert_int_equal(hist_bucket_of(v), 256 + 11 * 128 + (244 - 128));
    assert_int_equal(hist_bucket_of(255), 255);
    assert_int_equal(hist_bucket_of(256), 256);
    assert_int_equal(hist_bucket_of(257), 256);
    assert_int_equal(hist_bucket_of(258), 257);
}

static void test_empty(void **state)
{
    hist_t *h = malloc(sizeof(*h));
    hist_init(h);
    assert_int_equal(hist_percentile(h, 50), 0);
    assert_true(hist_mean(h) == 0.0 && hist_stddev(h) == 0.0);
    json_t *j = hist_to_json(h);
    assert_int_equal(json_integer_value(json_object_get(j, "min")), 0);
    hist_t *back = malloc(sizeof(*back));
    char err[256];
    assert_int_equal(hist_from_json(back, j, err, sizeof(err)), 0);
    assert_int_equal(back->count, 0);
    assert_int_equal(back->min, UINT64_MAX);
    json_t *s = phase_stats_json(h, STATS_NS_PER_US);
    assert_int_equal(json_integer_value(json_object_get(s, "count")), 0);
    assert_true(json_real_value(json_object_get(s, "min_us")) == 0.0);
    assert_true(json_real_value(json_object_get(s, "p99_us")) == 0.0);
    json_decref(s);
    json_decref(j);
    free(back);
    free(h);
}

static void fill(hist_t *h, uint64_t seed, size_t n, double mu, double sigma)
{
    prng_t r = {seed};
    for (size_t i = 0; i < n; i++)
        hist_record(h, (uint64_t)exp(mu + sigma * prng_normal(&r)));
}

static void test_merge_equals_all_samples(void **state)
{
    hist_t *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b)), *all = malloc(sizeof(*all));
    hist_init(a);
    hist_init(b);
    hist_init(all);
    fill(a, 10, 30000, log(5e4), 0.5);
    fill(b, 11, 20000, log(2e6), 1.0);
    hist_record(b, HIST_MAX_VALUE + 5); /* clamped counts merge too */
    fill(all, 10, 30000, log(5e4), 0.5);
    fill(all, 11, 20000, log(2e6), 1.0);
    hist_record(all, HIST_MAX_VALUE + 5);
    hist_merge(a, b);
    assert_int_equal(a->count, all->count);
    assert_int_equal(a->min, all->min);
    assert_int_equal(a->max, all->max);
    assert_int_equal(a->clamped, 1);
    assert_memory_equal(a->buckets, all->buckets, sizeof(a->buckets));
    assert_true(fabsl(a->sum - all->sum) <= 1e-15L * all->sum);
    assert_true(fabsl(a->sumsq - all->sumsq) <= 1e-15L * all->sumsq);
    for (size_t k = 0; k < 6; k++)
        assert_int_equal(hist_percentile(a, test_p_milli[k] / 1000.0),
                         hist_percentile(all, test_p_milli[k] / 1000.0));
    /* merging an empty histogram changes nothing, into an empty gives a copy */
    hist_t *e = malloc(sizeof(*e));
    hist_init(e);
    hist_merge(a, e);
    assert_int_equal(a->count, all->count);
    hist_merge(e, all);
    assert_memory_equal(e->buckets, all->buckets, sizeof(e->buckets));
    assert_int_equal(e->min, all->min);
    free(e);
    free(a);
    free(b);
    free(all);
}

static void test_json_round_trip(void **state)
{
    hist_t *h = malloc(sizeof(*h)), *back = malloc(sizeof(*back));
    hist_init(h);
    fill(h, 20, 5000, log(1e5), 1.5);
    for (uint64_t v = 0; v < 300; v += 7)
        hist_record(h, v);
    json_t *j = hist_to_json(h);
    char *text = json_dumps(j, JSON_COMPACT);
    json_error_t jerr;
    json_t *reparsed = json_loads(text, 0, &jerr);
    assert_non_null(reparsed);
    char err[256] = "";
    if (hist_from_json(back, reparsed, err, sizeof(err)) != 0)
        fail_msg("round trip rejected: %s", err);
    assert_int_equal(back->count, h->count);
    assert_int_equal(back->min, h->min);
    assert_int_equal(back->max, h->max);
    assert_int_equal(back->clamped, h->clamped);
    assert_memory_equal(back->buckets, h->buckets, sizeof(h->buckets));
    assert_true(back->sum == h->sum); /* integral and < 2^63: written exactly */
    assert_true(fabsl(back->sumsq - h->sumsq) <= 1e-15L * h->sumsq);
    json_t *j2 = hist_to_json(back);
    assert_true(json_equal(j, j2));
    assert_string_equal(json_string_value(json_object_get(j, "encoding")), "loglinear-v1");
    json_decref(j2);
    json_decref(reparsed);
    json_decref(j);
    free(text);
    free(back);
    free(h);
}

/* ---- corruption: each mutation must be rejected with the key named ------- */

typedef void (*mutate_fn)(json_t *j);

static void m_encoding(json_t *j)
{
    json_object_set_new(j, "encoding", json_string("hdr"));
}
static void m_encoding_type(json_t *j)
{
    json_object_set_new(j, "encoding", json_integer(1));
}
static void m_unit(json_t *j)
{
    json_object_set_new(j, "unit", json_string("us"));
}
static void m_sub_bits(json_t *j)
{
    json_object_set_new(j, "sub_bucket_bits", json_integer(7));
}
static void m_max_bits(json_t *j)
{
    json_object_set_new(j, "max_bits", json_integer(40));
}
static void m_unsorted(json_t *j)
{
    json_t *b = json_object_get(j, "buckets");
    json_t *first = json_incref(json_array_get(b, 0));
    json_array_remove(b, 0);
    json_array_insert_new(b, 1, first);
}
static void m_duplicate(json_t *j)
{
    json_t *b = json_object_get(j, "buckets");
    json_array_insert_new(b, 1, json_deep_copy(json_array_get(b, 0)));
}
static void m_out_of_range(json_t *j)
{
    json_t *pair = json_array_get(json_object_get(j, "buckets"), 3);
    json_array_set_new(pair, 0, json_integer(99999));
}
static void m_negative_index(json_t *j)
{
    json_t *pair = json_array_get(json_object_get(j, "buckets"), 0);
    json_array_set_new(pair, 0, json_integer(-1));
}
static void m_count_mismatch(json_t *j)
{
    json_object_set_new(j, "count",
                        json_integer(json_integer_value(json_object_get(j, "count")) + 1));
}
static void m_bucket_count_changed(json_t *j)
{
    json_t *pair = json_array_get(json_object_get(j, "buckets"), 2);
    json_array_set_new(pair, 1, json_integer(json_integer_value(json_array_get(pair, 1)) + 5));
}
static void m_negative_bucket(json_t *j)
{
    json_t *pair = json_array_get(json_object_get(j, "buckets"), 1);
    json_array_set_new(pair, 1, json_integer(-3));
}
static void m_zero_bucket(json_t *j)
{
    json_t *pair = json_array_get(json_object_get(j, "buckets"), 1);
    json_array_set_new(pair, 1, json_integer(0));
}
static void m_negative_count(json_t *j)
{
    json_object_set_new(j, "count", json_integer(-5));
}
static void m_real_count(json_t *j)
{
    json_object_set_new(j, "count", json_real(3.5));
}
static void m_real_bucket_count(json_t *j)
{
    json_t *pair = json_array_get(json_object_get(j, "buckets"), 0);
    json_array_set_new(pair, 1, json_real(2.5));
}
static void m_string_index(json_t *j)
{
    json_t *pair = json_array_get(json_object_get(j, "buckets"), 0);
    json_array_set_new(pair, 0, json_string("7"));
}
static void m_pair_length(json_t *j)
{
    json_array_append_new(json_array_get(json_object_get(j, "buckets"), 0), json_integer(1));
}
static void m_buckets_object(json_t *j)
{
    json_object_set_new(j, "buckets", json_object());
}
static void m_min_wrong_bucket(json_t *j)
{
    json_object_set_new(j, "min", json_integer(0));
}
static void m_max_wrong_bucket(json_t *j)
{
    json_object_set_new(j, "max", json_integer(json_integer_value(json_object_get(j, "max")) * 4));
}
static void m_max_too_big(json_t *j)
{
    json_object_set_new(j, "max", json_integer((json_int_t)1 << 50));
}
static void m_clamped_over_count(json_t *j)
{
    json_object_set_new(j, "clamped", json_integer(1000000));
}
static void m_sum_negative(json_t *j)
{
    json_object_set_new(j, "sum", json_real(-1.0));
}
static void m_sumsq_string(json_t *j)
{
    json_object_set_new(j, "sumsq", json_string("lots"));
}

#define DEL(key)                                                                                   \
    static void m_del_##key(json_t *j)                                                             \
    {                                                                                              \
        json_object_del(j, #key);                                                                  \
    }
DEL(encoding)
DEL(unit)
DEL(sub_bucket_bits)
DEL(max_bits)
DEL(count)
DEL(min)
DEL(max)
DEL(clamped)
DEL(sum)
DEL(sumsq)
DEL(buckets)

static const struct {
    mutate_fn fn;
    const char *expect; /* substring of the error */
} corruptions[] = {
    {m_encoding, "histogram.encoding: expected \"loglinear-v1\", got \"hdr\""},
    {m_encoding_type, "histogram.encoding"},
    {m_unit, "histogram.unit"},
    {m_sub_bits, "histogram.sub_bucket_bits"},
    {m_max_bits, "histogram.max_bits"},
    {m_unsorted, "histogram.buckets[1]"},
    {m_duplicate, "ascending"},
    {m_out_of_range, "histogram.buckets[3]: index 99999 out of range"},
    {m_negative_index, "histogram.buckets[0]: index -1 out of range"},
    {m_count_mismatch, "histogram.buckets: counts sum to"},
    {m_bucket_count_changed, "histogram.buckets: counts sum to"},
    {m_negative_bucket, "histogram.buckets[1]: count -3"},
    {m_zero_bucket, "histogram.buckets[1]: count 0"},
    {m_negative_count, "histogram.count: -5 is negative"},
    {m_real_count, "histogram.count: expected a non-negative integer"},
    {m_real_bucket_count, "histogram.buckets[0]: count must be an integer"},
    {m_string_index, "histogram.buckets[0]: index must be an integer"},
    {m_pair_length, "histogram.buckets[0]: expected [index, count]"},
    {m_buckets_object, "histogram.buckets: expected an array"},
    {m_min_wrong_bucket, "histogram.min"},
    {m_max_wrong_bucket, "histogram.max"},
    {m_max_too_big, "histogram.max"},
    {m_clamped_over_count, "histogram.clamped"},
    {m_sum_negative, "histogram.sum"},
    {m_sumsq_string, "histogram.sumsq"},
    {m_del_encoding, "histogram.encoding: missing"},
    {m_del_unit, "histogram.unit: missing"},
    {m_del_sub_bucket_bits, "histogram.sub_bucket_bits: missing"},
    {m_del_max_bits, "histogram.max_bits: missing"},
    {m_del_count, "histogram.count: missing"},
    {m_del_min, "histogram.min: missing"},
    {m_del_max, "histogram.max: missing"},
    {m_del_clamped, "histogram.clamped: missing"},
    {m_del_sum, "histogram.sum: missing"},
    {m_del_sumsq, "histogram.sumsq: missing"},
    {m_del_buckets, "histogram.buckets: missing"},
};

static void test_from_json_rejects_corruption(void **state)
{
    hist_t *h = malloc(sizeof(*h)), *out = malloc(sizeof(*out));
    hist_init(h);
    fill(h, 30, 2000, log(3e5), 0.8);
    json_t *good = hist_to_json(h);
    char err[512];
    assert_int_equal(hist_from_json(out, good, err, sizeof(err)), 0);
    assert_true(json_array_size(json_object_get(good, "buckets")) > 4);
    for (size_t i = 0; i < sizeof(corruptions) / sizeof(corruptions[0]); i++) {
        json_t *bad = json_deep_copy(good);
        corruptions[i].fn(bad);
        err[0] = 0;
        if (hist_from_json(out, bad, err, sizeof(err)) == 0)
            fail_msg("corruption %zu (expect \"%s\") was accepted", i, corruptions[i].expect);
        if (!strstr(err, corruptions[i].expect))
            fail_msg("corruption %zu: error \"%s\" lacks \"%s\"", i, err, corruptions[i].expect);
        assert_int_equal(out->count, 0); /* a rejected decode leaves an empty histogram */
        json_decref(bad);
    }
    json_t *arr = json_array();
    assert_int_not_equal(hist_from_json(out, arr, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "histogram: expected an object"));
    json_decref(arr);
    json_decref(good);
    free(out);
    free(h);
}

/* ---- stats and phase names ----------------------------------------------- */

static void test_phase_stats_json(void **state)
{
    hist_t *h = malloc(sizeof(*h));
    hist_init(h);
    for (uint64_t v = 1; v <= 1000; v++)
        hist_record(h, v * 1000); /* 1..1000 us */
    json_t *s = phase_stats_json(h, STATS_NS_PER_US);
    const char *keys[] = {"count",  "min_us", "mean_us", "stddev_us", "p50_us",
                          "p90_us", "p99_us", "p999_us", "max_us",    "histogram"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        assert_non_null(json_object_get(s, keys[i]));
    assert_int_equal(json_integer_value(json_object_get(s, "count")), 1000);
    assert_true(json_real_value(json_object_get(s, "min_us")) == 1.0);
    assert_true(json_real_value(json_object_get(s, "max_us")) == 1000.0);
    assert_true(fabs(json_real_value(json_object_get(s, "mean_us")) - 500.5) < 1e-9);
    /* population sd of 1..1000 = sqrt((1000^2-1)/12) */
    assert_true(fabs(json_real_value(json_object_get(s, "stddev_us")) - sqrt(999999.0 / 12)) <
                1e-6);
    double p50 = json_real_value(json_object_get(s, "p50_us"));
    double p999 = json_real_value(json_object_get(s, "p999_us"));
    assert_true(fabs(p50 - 500.0) <= 0.004 * 500.0);
    assert_true(fabs(p999 - 999.0) <= 0.004 * 999.0);
    hist_t *back = malloc(sizeof(*back));
    char err[256];
    assert_int_equal(hist_from_json(back, json_object_get(s, "histogram"), err, sizeof(err)), 0);
    assert_memory_equal(back->buckets, h->buckets, sizeof(h->buckets));
    json_decref(s);

    /* counts: divisor 1, same key names */
    hist_init(h);
    hist_record(h, 0);
    hist_record(h, 3);
    hist_record(h, 3);
    s = phase_stats_json(h, stats_unit_divisor(STATS_TCP_RETRANSMITS));
    assert_true(json_real_value(json_object_get(s, "max_us")) == 3.0);
    assert_true(json_real_value(json_object_get(s, "p50_us")) == 3.0);
    assert_true(json_real_value(json_object_get(s, "min_us")) == 0.0);
    assert_true(stats_unit_divisor("ttfb") == STATS_NS_PER_US);
    assert_true(stats_unit_divisor(STATS_TCP_RTT) == STATS_NS_PER_US);
    json_decref(s);
    free(back);
    free(h);
}

static void test_phase_names(void **state)
{
    const char *names[] = {"dns",
                           "tcp_connect",
                           "tls_handshake",
                           "tls_handshake_full",
                           "tls_handshake_resumed",
                           "tls_server_hello",
                           "tls_server_finished",
                           "tls_client_cpu",
                           "h2_settings",
                           "ttfb",
                           "ttfb_0rtt",
                           "stream",
                           "connection",
                           "ttfb_uncorrected"};
    assert_int_equal(sizeof(names) / sizeof(names[0]), PHASE_COUNT);
    for (int i = 0; i < PHASE_COUNT; i++) {
        assert_string_equal(phase_name((phase_id)i), names[i]);
        assert_int_equal(phase_from_name(names[i]), i);
    }
    assert_int_equal(phase_from_name("ttfb2"), -1);
    assert_int_equal(phase_from_name(""), -1);
    assert_int_equal(phase_from_name(NULL), -1);
    assert_string_equal(phase_name(PHASE_COUNT), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket_layout),
        cmocka_unit_test(test_uniform),
        cmocka_unit_test(test_lognormal_heavy_tail),
        cmocka_unit_test(test_all_equal),
        cmocka_unit_test(test_bimodal),
        cmocka_unit_test(test_powers_of_two),
        cmocka_unit_test(test_small_values_exact),
        cmocka_unit_test(test_huge_values_clamped),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_merge_equals_all_samples),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_from_json_rejects_corruption),
        cmocka_unit_test(test_phase_stats_json),
        cmocka_unit_test(test_phase_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
