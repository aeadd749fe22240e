/* report_html_latency.c - latency-distribution charts, HdrHistogram style.
 *
 * x is the percentile on a log scale of 1/(1-p): x = -log10(1 - p), so 0,
 * 90, 99, 99.9 and 99.99 % are evenly spaced and the tail, which is what a
 * person looking at latency cares about, gets most of the width. y is the
 * latency on a log scale. The curve is computed from the phase's mergeable
 * histogram, not from the handful of summary percentiles, so its shape is
 * the real distribution. A curve stops at the percentile its sample count
 * supports (x = log10(count)) and ends at the exact maximum. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "measure/hist.h"
#include "report/report_html_json.h"
#include "report/report_html_parts.h"
#include "report/report_html_svg.h"

#define CURVE_STEP 0.02   /* in decades of 1/(1-p): 50 points per "nine" */
#define CURVE_MAX_X 6.0   /* 99.9999 %: beyond this nobody has enough samples */
#define CURVE_MAX_PTS 304 /* CURVE_MAX_X / CURVE_STEP, plus the end points */
#define MAX_SERIES 4

typedef struct curve {
    double xs[CURVE_MAX_PTS], ys[CURVE_MAX_PTS]; /* ys in µs */
    int n;
    double x_end;
    double p[5]; /* p50, p90, p99, p99.9 and max in µs, for markers and legend */
    uint64_t count;
} curve_t;

static double x_of_percentile(double pct)
{
    return -log10(1 - pct / 100);
}

/* Fills c from h (count > 0). */
static void curve_from_hist(curve_t *c, const hist_t *h)
{
    static const double marks[4] = {50, 90, 99, 99.9};
    c->count = h->count;
    /* n samples support percentiles up to 1 - 1/n; a single sample is drawn
     * as a short flat line so it is visible at all. */
    c->x_end = h->count >= 2 ? log10((double)h->count) : 1;
    if (c->x_end > CURVE_MAX_X) c->x_end = CURVE_MAX_X;
    c->n = 0;
    for (int i = 0; i * CURVE_STEP < c->x_end - 1e-9 && c->n < CURVE_MAX_PTS - 1; i++) {
        double x = i * CURVE_STEP; /* from the index: no drift from repeated adds */
        double pct = 100 * (1 - pow(10, -x));
        c->xs[c->n] = x;
        c->ys[c->n] = (double)hist_percentile(h, pct) / 1000.0;
        c->n++;
    }
    c->xs[c->n] = c->x_end;
    c->ys[c->n] = (double)h->max / 1000.0;
    c->n++;
    for (int i = 0; i < 4; i++)
        c->p[i] = (double)hist_percentile(h, marks[i]) / 1000.0;
    c->p[4] = (double)h->max / 1000.0;
}

static const char *fmt_percentile_tick(double x, char *out, size_t n)
{
    if (x < 1e-9) {
        snprintf(out, n, "0%%");
    } else if (fabs(x - log10(2)) < 1e-6) {
        snprintf(out, n, "50%%");
    } else {
        int nines = (int)lround(x);
        /* 90, 99, 99.9, ...: "9" repeated nines times with a point after two. */
        char s[16];
        int k = 0;
        for (int i = 0; i < nines && k < 12; i++) {
            if (i == 2) s[k++] = '.';
            s[k++] = '9';
        }
        s[k] = '\0';
        if (nines == 1) snprintf(s, sizeof s, "90");
        snprintf(out, n, "%s%%", s);
    }
    return out;
}

static const char *fmt_tick_us(double v, char *out, size_t n)
{
    return fmt_us(v, out, n);
}

/* Decodes the phase's histogram into h. Returns 1 when it has samples, 0
 * when empty, -1 (with why) when it cannot be read. */
static int load_hist(const json_t *phase, hist_t *h, char *why, size_t whylen)
{
    if (rj_num(phase, "count", 0) <= 0) return 0;
    const json_t *hj = rj_get(phase, "histogram");
    if (!hj) {
        snprintf(why, whylen, "the report has no histogram for this phase");
        return -1;
    }
    char err[256];
    if (hist_from_json(h, hj, err, sizeof err) != 0) {
        snprintf(why, whylen, "histogram not readable: %s", err);
        return -1;
    }
    return h->count > 0 ? 1 : 0;
}

static void y_range(const curve_t *cs, int n, double *lo, double *hi)
{
    double mn = INFINITY, mx = 0;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < cs[i].n; k++) {
            double v = cs[i].ys[k];
            if (v > 0 && v < mn) mn = v;
            if (v > mx) mx = v;
        }
    }
    if (!(mx > 0)) mx = 1; /* every sample was 0 ns */
    if (!isfinite(mn)) mn = mx;
    *lo = nice125_floor(mn);
    *hi = nice125_ceil(mx);
    if (*hi <= *lo * 1.0001) {
        *lo = nice125_floor(*lo * 0.5);
        *hi = nice125_ceil(*hi * 2);
    }
}

static void draw_marks(chart_t *ch, const curve_t *c, const char *label, const char *color)
{
    static const double pcts[4] = {50, 90, 99, 99.9};
    static const char *const names[4] = {"p50", "p90", "p99", "p99.9"};
    char v[32];
    for (int i = 0; i < 4; i++) {
        double x = x_of_percentile(pcts[i]);
        if (x > c->x_end + 1e-9) break;
        hb_printf(ch->b,
                  "<circle class=\"mark\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"#fff\" "
                  "stroke=\"%s\" stroke-width=\"2\"><title>",
                  scale_map(&ch->x, x), scale_map(&ch->y, c->p[i]), color);
        hb_esc(ch->b, label);
        hb_printf(ch->b, " %s: %s</title></circle>\n", names[i], fmt_us(c->p[i], v, sizeof v));
    }
}

int html_latency_card(hbuf *b, const char *id, const char *title, const lat_series *s, int n)
{
    curve_t *cs = calloc(MAX_SERIES, sizeof *cs);
    hist_t *h = malloc(sizeof *h);
    const lat_series *drawn[MAX_SERIES];
    char why[320] = "";
    int nd = 0;
    if (!cs || !h) {
        b->failed = 1;
        free(cs);
        free(h);
        return 0;
    }
    for (int i = 0; i < n && nd < MAX_SERIES; i++) {
        char w[300];
        int r = load_hist(s[i].phase, h, w, sizeof w);
        if (r < 0 && !why[0]) snprintf(why, sizeof why, "%s: %s", s[i].label, w);
        if (r <= 0) continue;
        curve_from_hist(&cs[nd], h);
        drawn[nd++] = &s[i];
    }
    free(h);

    html_card_open(b, title);
    if (nd == 0) {
        chart_no_data(b, id, title, why[0] ? why : "no samples");
        html_card_close(b);
        free(cs);
        return 0;
    }

    html_legend_item items[MAX_SERIES];
    char details[MAX_SERIES][160];
    for (int i = 0; i < nd; i++) {
        char c1[32], c2[32], c3[32], c4[32];
        snprintf(details[i], sizeof details[i], "n=%s · p50 %s · p99 %s · max %s",
                 fmt_count((double)cs[i].count, c1, sizeof c1), fmt_us(cs[i].p[0], c2, sizeof c2),
                 fmt_us(cs[i].p[2], c3, sizeof c3), fmt_us(cs[i].p[4], c4, sizeof c4));
        items[i] = (html_legend_item){drawn[i]->label, drawn[i]->color,
                                      drawn[i]->dash ? "dashed" : "line", details[i]};
    }
    html_legend(b, items, nd);

    double x_max = 2;
    for (int i = 0; i < nd; i++)
        x_max = fmax(x_max, ceil(cs[i].x_end - 1e-9));
    double lo, hi;
    y_range(cs, nd, &lo, &hi);

    chart_t ch;
    char label[256];
    snprintf(label, sizeof label, "%s: latency by percentile", title);
    chart_open(&ch, b, id, label, CHART_W, CHART_H);
    double l, r, t, bot;
    chart_plot_area(&ch, &l, &r, &t, &bot);
    ch.x = (scale_t){0, 0, x_max, l, r};
    ch.y = (scale_t){1, lo, hi, bot, t};
    double xt[CURVE_MAX_PTS], yt[40];
    int nxt = 0;
    xt[nxt++] = 0;
    xt[nxt++] = log10(2);
    for (int k = 1; k <= (int)x_max; k++)
        xt[nxt++] = k;
    int nyt = ticks_log(lo, hi, yt, 40);
    chart_axes(&ch, xt, nxt, fmt_percentile_tick, yt, nyt, fmt_tick_us, "percentile", "latency");
    for (int i = 0; i < nd; i++) {
        char tip[256], a[32], c[32], d[32], e[32];
        snprintf(tip, sizeof tip, "%s: p50 %s, p90 %s, p99 %s, max %s", drawn[i]->label,
                 fmt_us(cs[i].p[0], a, sizeof a), fmt_us(cs[i].p[1], c, sizeof c),
                 fmt_us(cs[i].p[2], d, sizeof d), fmt_us(cs[i].p[4], e, sizeof e));
        chart_line(&ch, cs[i].xs, cs[i].ys, cs[i].n, drawn[i]->color, drawn[i]->dash, tip);
    }
    for (int i = 0; i < nd; i++)
        draw_marks(&ch, &cs[i], drawn[i]->label, drawn[i]->color);
    chart_close(&ch);
    html_card_close(b);
    free(cs);
    return nd;
}
