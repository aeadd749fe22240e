/* compare_sig.c - significance of a percentile change (rule in compare_sig.h). */
#include "report/compare_sig.h"

#include <math.h>

/* Spread of the largest values: scale of an exponential-type tail from the
 * top SIG_TOP_K spacings, times the standard deviation of a maximum. */
static double tail_noise(const hist_t *h)
{
    double harmonic = 0;
    for (int i = 1; i <= SIG_TOP_K; i++)
        harmonic += 1.0 / i;
    uint64_t k = h->count > SIG_TOP_K ? h->count - SIG_TOP_K : 1;
    double beta = ((double)h->max - (double)hist_value_at_rank(h, k)) / harmonic;
    return SIG_Z * SIG_GUMBEL_SD * beta;
}

double sig_noise(const hist_t *h, double p)
{
    if (h->count == 0) return 0.0;
    double n = (double)h->count, q = p >= 100.0 ? 1.0 : p / 100.0;
    double r = ceil(q * n - 1e-9);
    if (r < 1) r = 1;
    double d = ceil(SIG_Z * sqrt(n * q * (1.0 - q)));
    if (d < 1) d = 1;
    if (r + d > n) return tail_noise(h);
    double lo_rank = r - d < 1 ? 1 : r - d;
    /* The order statistics are only known to lie somewhere in their buckets:
     * take the interval from the lower edge of the one to the upper edge of
     * the other, so bucket rounding widens the noise instead of faking a
     * change. */
    uint64_t lo, hi, unused;
    hist_bucket_range(hist_bucket_of(hist_value_at_rank(h, (uint64_t)lo_rank)), &lo, &unused);
    hist_bucket_range(hist_bucket_of(hist_value_at_rank(h, (uint64_t)(r + d))), &unused, &hi);
    if (lo < h->min) lo = h->min;
    if (hi > h->max) hi = h->max;
    return ((double)hi - (double)lo) / 2.0;
}

void sig_compare(const hist_t *a, const hist_t *b, double p, double divisor, sig_result_t *out)
{
    double div = divisor > 0 ? divisor : 1.0;
    *out = (sig_result_t){0};
    out->comparable = a->count >= SIG_MIN_SAMPLES && b->count >= SIG_MIN_SAMPLES;
    out->a = (double)(p >= 100.0 ? a->max * (a->count > 0) : hist_percentile(a, p)) / div;
    out->b = (double)(p >= 100.0 ? b->max * (b->count > 0) : hist_percentile(b, p)) / div;
    out->delta = out->b - out->a;
    out->relative = out->a != 0.0 ? out->delta / out->a : 0.0;
    if (!out->comparable) return;
    out->noise_a = sig_noise(a, p) / div;
    out->noise_b = sig_noise(b, p) / div;
    out->noise = sqrt(out->noise_a * out->noise_a + out->noise_b * out->noise_b);
    double floor_rel = SIG_MIN_RELATIVE * fabs(out->a);
    out->threshold = out->noise > floor_rel ? out->noise : floor_rel;
    out->significant = fabs(out->delta) > out->threshold;
}
