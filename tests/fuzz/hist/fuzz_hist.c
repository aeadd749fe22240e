/* fuzz_hist.c - decoding the histograms of a report (hist_from_json in
 * src/measure/hist.c), the one decoder every phase of compare and merge
 * input goes through.
 *
 * What decodes must behave like a histogram: encoding it again and decoding
 * that gives exactly the same histogram; percentiles lie between min and
 * max and grow with p; its statistics and the significance noise are finite;
 * and merged with itself (as `tlsprof merge` does with two inputs) it still
 * encodes into a histogram that decodes. */
#include <math.h>

#include "fuzz_check.h"
#include "measure/hist.h"
#include "measure/stats.h"
#include "report/compare_sig.h"

static void check_same(const hist_t *a, const hist_t *b, const char *what)
{
    FUZZ_CHECK(a->count == b->count && a->min == b->min && a->max == b->max &&
                   a->clamped == b->clamped,
               "%s: count/min/max/clamped differ", what);
    FUZZ_CHECK(a->sum == b->sum && a->sumsq == b->sumsq, "%s: sum %Lg/%Lg sumsq %Lg/%Lg", what,
               a->sum, b->sum, a->sumsq, b->sumsq);
    FUZZ_CHECK(memcmp(a->buckets, b->buckets, sizeof(a->buckets)) == 0, "%s: buckets differ", what);
}

/* Encode h and decode it into *out; the encoding must succeed. */
static void round_trip(const hist_t *h, hist_t *out, const char *what)
{
    json_t *j = hist_to_json(h);
    FUZZ_CHECK(j != NULL, "%s: hist_to_json failed", what);
    char err[512] = "";
    FUZZ_CHECK(hist_from_json(out, j, err, sizeof(err)) == 0, "%s: does not decode: %s", what, err);
    json_decref(j);
    json_t *stats = phase_stats_json(h, STATS_NS_PER_US);
    FUZZ_CHECK(stats != NULL, "%s: phase_stats_json failed", what);
    json_decref(stats);
}

static void check_stats(const hist_t *h)
{
    static const double ps[] = {0, 1, 50, 90, 99, 99.9, 99.99, 100};
    uint64_t prev = 0;
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
        uint64_t v = hist_percentile(h, ps[i]);
        FUZZ_CHECK(v >= h->min && v <= h->max, "p%g = %llu outside [%llu, %llu]", ps[i],
                   (unsigned long long)v, (unsigned long long)h->min, (unsigned long long)h->max);
        FUZZ_CHECK(v >= prev, "p%g = %llu below a lower percentile", ps[i], (unsigned long long)v);
        prev = v;
        double noise = sig_noise(h, ps[i] > 0 ? ps[i] : 1);
        FUZZ_CHECK(isfinite(noise) && noise >= 0, "noise %g at p%g", noise, ps[i]);
    }
    double mean = hist_mean(h), sd = hist_stddev(h);
    FUZZ_CHECK(isfinite(mean) && isfinite(sd) && sd >= 0, "mean %g stddev %g", mean, sd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, &jerr);
    if (!j) return 0;
    hist_t *h = malloc(sizeof(*h)), *again = malloc(sizeof(*h));
    FUZZ_CHECK(h && again, "out of memory");
    char err[512];
    memset(err, 0x55, sizeof(err));
    if (hist_from_json(h, j, err, sizeof(err)) != 0) {
        fuzz_check_message(err, sizeof(err), "histogram");
    } else {
        round_trip(h, again, "decoded");
        check_same(h, again, "re-decoded");
        if (h->count) check_stats(h);
        if (h->count <= INT64_MAX / 2) {
            hist_merge(again, h);
            hist_t *twice = malloc(sizeof(*twice));
            FUZZ_CHECK(twice != NULL, "out of memory");
            round_trip(again, twice, "merged with itself");
            check_same(again, twice, "merged, re-decoded");
            free(twice);
        }
    }
    free(h);
    free(again);
    json_decref(j);
    return 0;
}
