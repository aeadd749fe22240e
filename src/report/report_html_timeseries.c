/* report_html_timeseries.c - how the run evolved, interval by interval.
 *
 * Throughput, errors and retransmits, TIME_WAIT and p50/p99 of the main
 * phases over time, all on the same x axis (seconds since the end of
 * warm-up) so a latency spike can be lined up with the errors or the
 * retransmits that caused it. Intervals with errors are shaded on every
 * latency chart for that reason. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_html_json.h"
#include "report/report_html_parts.h"
#include "report/report_html_svg.h"

typedef struct series_ctx {
    const json_t *ts;
    size_t n;
    double dt;     /* interval length, seconds */
    double x0, x1; /* time domain */
    double *xs;    /* interval midpoints */
} series_ctx;

static const char *fmt_seconds(double v, char *out, size_t n)
{
    char num[32];
    snprintf(out, n, "%s s", fmt_num(v, num, sizeof num));
    return out;
}

static const char *fmt_rate_tick(double v, char *out, size_t n)
{
    return fmt_count(v, out, n);
}

static const char *fmt_tick_us(double v, char *out, size_t n)
{
    return fmt_us(v, out, n);
}

static double field(const series_ctx *sc, size_t i, const char *key)
{
    return rj_num(json_array_get(sc->ts, i), key, 0);
}

static void time_axis(const series_ctx *sc, double *xt, int *nxt)
{
    double step = nice_linear_step(sc->x1 - sc->x0, 8);
    *nxt = ticks_linear(sc->x0, sc->x1, step, xt, 24);
}

static void open_linear_chart(chart_t *ch, hbuf *b, const series_ctx *sc, const char *id,
                              const char *label, double ymax, const char *ylabel, tick_fmt_fn yfmt)
{
    double l, r, t, bot, xt[24], yt[24];
    int nxt;
    chart_open(ch, b, id, label, CHART_W, CHART_H);
    chart_plot_area(ch, &l, &r, &t, &bot);
    double step = nice_linear_step(ymax > 0 ? ymax : 1, 5);
    double top = ceil((ymax > 0 ? ymax : 1) / step - 1e-9) * step;
    ch->x = (scale_t){0, sc->x0, sc->x1, l, r};
    ch->y = (scale_t){0, 0, top, bot, t};
    time_axis(sc, xt, &nxt);
    int nyt = ticks_linear(0, top, step, yt, 24);
    chart_axes(ch, xt, nxt, fmt_seconds, yt, nyt, yfmt, "time since warm-up ended", ylabel);
}

static void throughput_chart(hbuf *b, const series_ctx *sc)
{
    double *req = calloc(sc->n, sizeof *req), *conn = calloc(sc->n, sizeof *conn);
    if (!req || !conn) {
        b->failed = 1;
        free(req);
        free(conn);
        return;
    }
    double ymax = 0;
    for (size_t i = 0; i < sc->n; i++) {
        req[i] = field(sc, i, "requests_ok") / sc->dt;
        conn[i] = field(sc, i, "connections_opened") / sc->dt;
        ymax = fmax(ymax, fmax(req[i], conn[i]));
    }
    html_card_open(b, "Throughput");
    html_legend_item items[] = {{"requests ok per second", COL_BLUE, "line", NULL},
                                {"connections opened per second", COL_ORANGE, "dashed", NULL}};
    html_legend(b, items, 2);
    chart_t ch;
    open_linear_chart(&ch, b, sc, "ts-throughput", "Throughput per interval", ymax, "per second",
                      fmt_rate_tick);
    chart_line(&ch, sc->xs, req, (int)sc->n, COL_BLUE, NULL, "requests ok per second");
    chart_line(&ch, sc->xs, conn, (int)sc->n, COL_ORANGE, "6 3", "connections opened per second");
    chart_close(&ch);
    html_card_close(b);
    free(req);
    free(conn);
}

static void errors_chart(hbuf *b, const series_ctx *sc)
{
    double ymax = 0;
    for (size_t i = 0; i < sc->n; i++)
        ymax = fmax(ymax, fmax(field(sc, i, "errors"), field(sc, i, "retransmits")));
    html_card_open(b, "Errors and TCP retransmits");
    if (ymax <= 0) {
        chart_no_data(b, "ts-errors", "None",
                      "no errors and no retransmitted segments in any interval");
        html_card_close(b);
        return;
    }
    html_legend_item items[] = {{"errors", COL_VERMILLION, "bar", NULL},
                                {"retransmitted segments", COL_ORANGE, "bar", NULL}};
    html_legend(b, items, 2);
    chart_t ch;
    open_linear_chart(&ch, b, sc, "ts-errors", "Errors and retransmits per interval", ymax,
                      "per interval", fmt_rate_tick);
    double l, r, t, bot;
    chart_plot_area(&ch, &l, &r, &t, &bot);
    /* Two bars side by side in each interval, together 70 % of its width. */
    double px = (r - l) * sc->dt / (sc->x1 - sc->x0);
    double w = fmax(1.5, px * 0.35);
    double off = w / 2 * (sc->x1 - sc->x0) / (r - l);
    for (size_t i = 0; i < sc->n; i++) {
        char tip[96], c[32];
        double e = field(sc, i, "errors"), rt = field(sc, i, "retransmits");
        if (e > 0) {
            snprintf(tip, sizeof tip, "%s errors in the interval ending at %.3g s",
                     fmt_count(e, c, sizeof c), field(sc, i, "t_s"));
            chart_bar(&ch, sc->xs[i] - off, w, e, COL_VERMILLION, tip);
        }
        if (rt > 0) {
            snprintf(tip, sizeof tip, "%s retransmitted segments in the interval ending at %.3g s",
                     fmt_count(rt, c, sizeof c), field(sc, i, "t_s"));
            chart_bar(&ch, sc->xs[i] + off, w, rt, COL_ORANGE, tip);
        }
    }
    chart_close(&ch);
    html_card_close(b);
}

static void time_wait_chart(hbuf *b, const series_ctx *sc)
{
    double *tw = calloc(sc->n, sizeof *tw), ymax = 0;
    int present = 0;
    if (!tw) {
        b->failed = 1;
        return;
    }
    for (size_t i = 0; i < sc->n; i++) {
        const json_t *v = rj_get(json_array_get(sc->ts, i), "time_wait");
        tw[i] = json_is_number(v) ? json_number_value(v) : NAN;
        present |= json_is_number(v);
        if (json_is_number(v)) ymax = fmax(ymax, tw[i]);
    }
    if (present) {
        html_card_open(b, "TIME_WAIT sockets towards the target");
        chart_t ch;
        open_linear_chart(&ch, b, sc, "ts-time_wait", "TIME_WAIT sockets over time", ymax,
                          "sockets", fmt_rate_tick);
        chart_line(&ch, sc->xs, tw, (int)sc->n, COL_PURPLE, NULL,
                   "sockets in TIME_WAIT at the end of the interval");
        chart_close(&ch);
        html_card_close(b);
    }
    free(tw);
}

/* p50 and p99 of one phase over time; NULL-free gaps where an interval has
 * no sample of that phase. */
static void phase_chart(hbuf *b, const series_ctx *sc, const char *phase)
{
    double *p50 = malloc(sc->n * sizeof *p50), *p99 = malloc(sc->n * sizeof *p99);
    if (!p50 || !p99) {
        b->failed = 1;
        free(p50);
        free(p99);
        return;
    }
    double mn = INFINITY, mx = 0;
    int any_err = 0, any_rt = 0;
    for (size_t i = 0; i < sc->n; i++) {
        const json_t *ph = rj_obj(rj_obj(json_array_get(sc->ts, i), "phases"), phase);
        int has = rj_num(ph, "count", 0) > 0;
        p50[i] = has ? rj_num(ph, "p50_us", NAN) : NAN;
        p99[i] = has ? rj_num(ph, "p99_us", NAN) : NAN;
        if (p50[i] > 0) mn = fmin(mn, p50[i]);
        if (p99[i] > 0) mn = fmin(mn, p99[i]);
        if (isfinite(p50[i])) mx = fmax(mx, p50[i]);
        if (isfinite(p99[i])) mx = fmax(mx, p99[i]);
        any_err |= field(sc, i, "errors") > 0;
        any_rt |= field(sc, i, "retransmits") > 0;
    }
    if (!(mx > 0)) mx = 1;
    if (!isfinite(mn)) mn = mx;
    double lo = nice125_floor(mn), hi = nice125_ceil(mx);
    if (hi <= lo * 1.0001) {
        lo = nice125_floor(lo * 0.5);
        hi = nice125_ceil(hi * 2);
    }
    char title[128];
    snprintf(title, sizeof title, "%s over time", html_phase_title(phase));
    html_card_open(b, title);
    html_legend_item items[4] = {{"p50", COL_BLUE, "line", NULL},
                                 {"p99", COL_VERMILLION, "dashed", NULL}};
    int ni = 2;
    if (any_err) items[ni++] = (html_legend_item){"interval with errors", "#F4C7B8", "bar", NULL};
    if (any_rt) items[ni++] = (html_legend_item){"retransmits", COL_ORANGE, "marker", NULL};
    html_legend(b, items, ni);

    chart_t ch;
    char id[96];
    snprintf(id, sizeof id, "ts-%s", phase);
    chart_open(&ch, b, id, title, CHART_W, CHART_H);
    double l, r, t, bot, xt[24], yt[40];
    int nxt;
    chart_plot_area(&ch, &l, &r, &t, &bot);
    ch.x = (scale_t){0, sc->x0, sc->x1, l, r};
    ch.y = (scale_t){1, lo, hi, bot, t};
    time_axis(sc, xt, &nxt);
    int nyt = ticks_log(lo, hi, yt, 40);
    chart_axes(&ch, xt, nxt, fmt_seconds, yt, nyt, fmt_tick_us, "time since warm-up ended",
               "latency");
    for (size_t i = 0; i < sc->n; i++) {
        double e = field(sc, i, "errors"), rt = field(sc, i, "retransmits");
        char tip[96], c[32];
        if (e > 0) {
            snprintf(tip, sizeof tip, "%s errors in this interval", fmt_count(e, c, sizeof c));
            chart_band(&ch, sc->xs[i] - sc->dt / 2, sc->xs[i] + sc->dt / 2, COL_VERMILLION, tip);
        }
        if (rt > 0) {
            snprintf(tip, sizeof tip, "%s retransmitted segments in this interval",
                     fmt_count(rt, c, sizeof c));
            chart_marker(&ch, sc->xs[i], lo, COL_ORANGE, tip);
        }
    }
    chart_line(&ch, sc->xs, p50, (int)sc->n, COL_BLUE, NULL, "p50 per interval");
    chart_line(&ch, sc->xs, p99, (int)sc->n, COL_VERMILLION, "6 3", "p99 per interval");
    chart_close(&ch);
    html_card_close(b);
    free(p50);
    free(p99);
}

static int phase_present(const series_ctx *sc, const char *phase)
{
    for (size_t i = 0; i < sc->n; i++)
        if (rj_num(rj_obj(rj_obj(json_array_get(sc->ts, i), "phases"), phase), "count", 0) > 0)
            return 1;
    return 0;
}

/* A day-long run has 86,400 one-second intervals: more points than a
 * chart has pixels, and megabytes of SVG. Consecutive intervals are merged
 * into groups so at most TS_MAX_POINTS remain: counts add up, gauges and
 * p99/max take the group's highest value (a spike must stay visible), p50
 * the sample-weighted mean of the intervals' medians (an approximation, said
 * so on the page). Returns a new reference. */
#define TS_MAX_POINTS 1200

static void merge_phase(json_t *dst, const json_t *src)
{
    double n0 = rj_num(dst, "count", 0), n1 = rj_num(src, "count", 0);
    if (n1 <= 0) return;
    double p50 = (rj_num(dst, "p50_us", 0) * n0 + rj_num(src, "p50_us", 0) * n1) / (n0 + n1);
    json_object_set_new(dst, "count", json_real(n0 + n1));
    json_object_set_new(dst, "p50_us", json_real(p50));
    json_object_set_new(dst, "p99_us",
                        json_real(fmax(rj_num(dst, "p99_us", 0), rj_num(src, "p99_us", 0))));
    json_object_set_new(dst, "max_us",
                        json_real(fmax(rj_num(dst, "max_us", 0), rj_num(src, "max_us", 0))));
}

static json_t *coarsen(const json_t *ts, size_t *group)
{
    static const char *const sums[] = {"connections_opened", "requests_ok", "errors",
                                       "retransmits"};
    size_t n = json_array_size(ts);
    *group = (n + TS_MAX_POINTS - 1) / TS_MAX_POINTS;
    if (*group <= 1) return json_incref((json_t *)ts);
    json_t *out = json_array();
    for (size_t i = 0; out && i < n; i += *group) {
        json_t *g = json_object(), *phases = json_object();
        for (size_t k = i; k < i + *group && k < n; k++) {
            const json_t *e = json_array_get(ts, k);
            json_object_set_new(g, "t_s", json_real(rj_num(e, "t_s", 0)));
            for (size_t f = 0; f < 4; f++)
                json_object_set_new(g, sums[f],
                                    json_real(rj_num(g, sums[f], 0) + rj_num(e, sums[f], 0)));
            if (json_is_number(rj_get(e, "time_wait")))
                json_object_set_new(
                    g, "time_wait",
                    json_real(fmax(rj_num(g, "time_wait", 0), rj_num(e, "time_wait", 0))));
            const char *name;
            json_t *ph;
            json_object_foreach((json_t *)rj_obj(e, "phases"), name, ph)
            {
                if (!json_object_get(phases, name))
                    json_object_set_new(phases, name, json_object());
                merge_phase(json_object_get(phases, name), ph);
            }
        }
        json_object_set_new(g, "phases", phases);
        json_array_append_new(out, g);
    }
    return out;
}

void html_timeseries(hbuf *b, const json_t *timeseries)
{
    static const char *const phases[] = {"dns",  "tcp_connect", "tls_handshake", "h2_settings",
                                         "ttfb", "stream",      "connection"};
    const json_t *ts = json_is_array(timeseries) ? timeseries : NULL;
    if (!ts || json_array_size(ts) == 0) {
        chart_no_data(b, "ts-none", "No time series",
                      "this report has no per-interval data (the run was shorter than one "
                      "interval, or the report predates time series)");
        return;
    }
    size_t group;
    json_t *own = coarsen(ts, &group);
    if (!own) {
        b->failed = 1;
        return;
    }
    ts = own;
    size_t n = json_array_size(ts);
    if (group > 1)
        hb_printf(b,
                  "<p class=\"note\">%zu intervals are shown as %zu points of %zu intervals "
                  "each: counts are summed, p99 is the group's highest, p50 the mean of the "
                  "intervals' medians.</p>\n",
                  json_array_size(timeseries), n, group);
    series_ctx sc = {ts, n, 1, 0, 0, NULL};
    double t0 = rj_num(json_array_get(ts, 0), "t_s", 1);
    double tn = rj_num(json_array_get(ts, n - 1), "t_s", t0);
    if (n >= 2 && tn > t0)
        sc.dt = (tn - t0) / (double)(n - 1);
    else if (t0 > 0)
        sc.dt = t0;
    sc.x0 = t0 - sc.dt;
    if (sc.x0 < 0 && sc.x0 > -sc.dt * 1e-6) sc.x0 = 0;
    sc.x1 = tn;
    sc.xs = malloc(n * sizeof *sc.xs);
    if (!sc.xs) {
        b->failed = 1;
        json_decref(own);
        return;
    }
    for (size_t i = 0; i < n; i++)
        sc.xs[i] = rj_num(json_array_get(ts, i), "t_s", t0 + sc.dt * (double)i) - sc.dt / 2;

    html_grid_open(b, 2);
    throughput_chart(b, &sc);
    errors_chart(b, &sc);
    for (size_t p = 0; p < sizeof phases / sizeof phases[0]; p++)
        if (phase_present(&sc, phases[p])) phase_chart(b, &sc, phases[p]);
    time_wait_chart(b, &sc);
    html_grid_close(b);
    free(sc.xs);
    json_decref(own);
}
