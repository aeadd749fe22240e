/* compare_sig.h - when is a change between two runs' percentiles real?
 *
 * The rule (docs/compare-merge.md, "Significance"): a change Δ = B − A of a
 * statistic is significant when
 *     |Δ| > max(1% of |A|, noise),   noise = sqrt(noise_A² + noise_B²)
 * where each run's noise is estimated from its own histogram (n samples,
 * q = p/100, x(k) the k-th smallest sample, z = SIG_Z):
 *   - r = max(1, ceil(q·n)), d = max(1, ceil(z·sqrt(n·q·(1−q))));
 *     when r + d <= n: noise = (x(r+d) − x(max(1, r−d))) / 2, half the
 *     distribution-free confidence interval of the quantile, taken from the
 *     upper edge of x(r+d)'s bucket to the lower edge of x(r−d)'s so that
 *     bucket rounding widens the noise rather than faking a change;
 *   - otherwise (the interval reaches past the largest sample; always the
 *     case for max): the spread of the largest values, estimated from the top
 *     of the run as for an exponential-type tail: scale β = (x(n) − x(n−5)) /
 *     H5 (H5 = 1 + 1/2 + ... + 1/5), standard deviation of a maximum
 *     1.2825·β (Gumbel), noise = z · 1.2825 · β.
 * z = 3.29 (99.9% two-sided) because one comparison tests ~50 statistics:
 * two runs of the same thing should rarely show any false "significant".
 * Runs with fewer than SIG_MIN_SAMPLES samples are never significant.
 * 1% lies above the combined bucket error of two histogram values
 * (2 × 0.39%), so rounding into buckets alone can never be significant. */
#ifndef TLSPROF_COMPARE_SIG_H
#define TLSPROF_COMPARE_SIG_H

#include "measure/hist.h"

#define SIG_MIN_RELATIVE 0.01
#define SIG_Z 3.29              /* 99.9% two-sided */
#define SIG_GUMBEL_SD 1.2825498 /* pi / sqrt(6) */
#define SIG_TOP_K 5             /* order statistics used for the tail scale */
/* Below this many samples in either run there is no spread to estimate the
 * noise from: changes are shown but never called significant. */
#define SIG_MIN_SAMPLES (SIG_TOP_K + 1)

typedef struct sig_result {
    int comparable;  /* both runs have at least SIG_MIN_SAMPLES samples */
    double a, b;     /* the two values, divided by the unit divisor */
    double delta;    /* b - a */
    double relative; /* delta / a; 0 when a == 0 */
    double noise_a, noise_b, noise;
    double threshold; /* max(1% of |a|, noise) */
    int significant;
} sig_result_t;

/* Half-width of the confidence interval of percentile p of h (histogram
 * units, i.e. ns for times). 0 for an empty histogram. */
double sig_noise(const hist_t *h, double p);

/* Compares percentile p (0 < p <= 100; 100 = max) of a and b; values are
 * divided by divisor (STATS_NS_PER_US for times). */
void sig_compare(const hist_t *a, const hist_t *b, double p, double divisor, sig_result_t *out);

#endif
