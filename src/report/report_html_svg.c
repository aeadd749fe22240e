/* report_html_svg.c - SVG chart primitives (see report_html_svg.h). */
#include "report/report_html_svg.h"

#include <math.h>
#include <string.h>

double scale_map(const scale_t *s, double v)
{
    double f;
    if (s->log) {
        double lo = log10(s->lo), hi = log10(s->hi);
        f = (v > 0 && hi > lo) ? (log10(v) - lo) / (hi - lo) : 0;
    } else {
        f = s->hi > s->lo ? (v - s->lo) / (s->hi - s->lo) : 0;
    }
    if (!isfinite(f) || f < 0) f = 0;
    if (f > 1) f = 1;
    return s->p0 + f * (s->p1 - s->p0);
}

static double pow10i(int e)
{
    return pow(10, e);
}

double nice125_floor(double v)
{
    if (!(v > 0)) return 0;
    int e = (int)floor(log10(v));
    double d = pow10i(e), m = v / d;
    /* m is in [1, 10); a tiny tolerance keeps 2.0000000001 at 2. */
    double step = m >= 5 - 1e-9 ? 5 : m >= 2 - 1e-9 ? 2 : 1;
    return step * d;
}

double nice125_ceil(double v)
{
    if (!(v > 0)) return 0;
    int e = (int)floor(log10(v));
    double d = pow10i(e), m = v / d;
    double step = m <= 1 + 1e-9 ? 1 : m <= 2 + 1e-9 ? 2 : m <= 5 + 1e-9 ? 5 : 10;
    return step * d;
}

static int ticks_log_with(double lo, double hi, const int *mant, int nmant, double *out, int max)
{
    int n = 0;
    int e0 = (int)floor(log10(lo)) - 1, e1 = (int)ceil(log10(hi)) + 1;
    for (int e = e0; e <= e1 && n < max; e++) {
        for (int i = 0; i < nmant && n < max; i++) {
            double v = mant[i] * pow10i(e);
            if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out[n++] = v;
        }
    }
    return n;
}

int ticks_log(double lo, double hi, double *out, int max)
{
    static const int m125[] = {1, 2, 5};
    static const int m1[] = {1};
    static const int m19[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    if (!(lo > 0) || !(hi > lo)) return 0;
    /* Wide ranges: decades only, or labels would collide. */
    if (log10(hi / lo) > 5) return ticks_log_with(lo, hi, m1, 1, out, max);
    int n = ticks_log_with(lo, hi, m125, 3, out, max);
    if (n >= 4) return n;
    return ticks_log_with(lo, hi, m19, 9, out, max);
}

double nice_linear_step(double hi, int want)
{
    if (!(hi > 0) || want < 1) return 1;
    double raw = hi / want;
    return nice125_ceil(raw);
}

int ticks_linear(double lo, double hi, double step, double *out, int max)
{
    int n = 0;
    if (!(step > 0)) return 0;
    for (double v = ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9 && n < max; v += step)
        out[n++] = fabs(v) < step * 1e-9 ? 0 : v;
    return n;
}

void chart_open(chart_t *c, hbuf *b, const char *id, const char *label, int w, int h)
{
    memset(c, 0, sizeof *c);
    c->b = b;
    c->w = w;
    c->h = h;
    c->ml = CHART_ML;
    c->mr = CHART_MR;
    c->mt = CHART_MT;
    c->mb = CHART_MB;
    hb_puts(b, "<svg class=\"chart\" data-chart=\"");
    hb_esc(b, id);
    hb_printf(b, "\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", w, h);
    hb_esc(b, label);
    hb_puts(b, "\"><title>");
    hb_esc(b, label);
    hb_puts(b, "</title>\n");
}

void chart_plot_area(const chart_t *c, double *left, double *right, double *top, double *bottom)
{
    *left = c->ml;
    *right = c->w - c->mr;
    *top = c->mt;
    *bottom = c->h - c->mb;
}

void chart_axes(chart_t *c, const double *xt, int nxt, tick_fmt_fn xfmt, const double *yt, int nyt,
                tick_fmt_fn yfmt, const char *xlabel, const char *ylabel)
{
    hbuf *b = c->b;
    double l, r, t, bot;
    chart_plot_area(c, &l, &r, &t, &bot);
    char lab[64];
    hb_puts(b, "<g class=\"grid\">");
    for (int i = 0; i < nyt; i++) {
        double y = scale_map(&c->y, yt[i]);
        hb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", l, y, r, y);
    }
    for (int i = 0; i < nxt; i++) {
        double x = scale_map(&c->x, xt[i]);
        hb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x, t, x, bot);
    }
    hb_puts(b, "</g>\n<g class=\"axis\">");
    hb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", l, bot, r, bot);
    hb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", l, t, l, bot);
    for (int i = 0; i < nyt; i++) {
        double y = scale_map(&c->y, yt[i]);
        hb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" dy=\"0.32em\">", l - 6, y);
        hb_esc(b, yfmt(yt[i], lab, sizeof lab));
        hb_puts(b, "</text>");
    }
    for (int i = 0; i < nxt; i++) {
        double x = scale_map(&c->x, xt[i]);
        hb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x, bot + 16);
        hb_esc(b, xfmt(xt[i], lab, sizeof lab));
        hb_puts(b, "</text>");
    }
    hb_puts(b, "</g>\n");
    if (xlabel) {
        hb_printf(b, "<text class=\"axis-title\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                  (l + r) / 2, bot + 36);
        hb_esc(b, xlabel);
        hb_puts(b, "</text>");
    }
    if (ylabel) {
        hb_printf(b,
                  "<text class=\"axis-title\" transform=\"translate(14 %.1f) rotate(-90)\" "
                  "text-anchor=\"middle\">",
                  (t + bot) / 2);
        hb_esc(b, ylabel);
        hb_puts(b, "</text>\n");
    }
}

static void tooltip(hbuf *b, const char *text)
{
    if (!text) return;
    hb_puts(b, "<title>");
    hb_esc(b, text);
    hb_puts(b, "</title>");
}

void chart_line(chart_t *c, const double *xs, const double *ys, int n, const char *color,
                const char *dash, const char *tip)
{
    hbuf *b = c->b;
    int started = 0, pen_down = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(ys[i]) || !isfinite(xs[i])) {
            pen_down = 0;
            continue;
        }
        if (!started) hb_puts(b, "<path class=\"series\" d=\"");
        hb_printf(b, "%s%.1f %.1f",
                  pen_down  ? " L"
                  : started ? " M"
                            : "M",
                  scale_map(&c->x, xs[i]), scale_map(&c->y, ys[i]));
        started = 1;
        pen_down = 1;
    }
    if (!started) return;
    hb_printf(b, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"", color);
    if (dash) hb_printf(b, " stroke-dasharray=\"%s\"", dash);
    hb_puts(b, " stroke-linejoin=\"round\">");
    tooltip(b, tip);
    hb_puts(b, "</path>\n");
}

void chart_bar(chart_t *c, double x, double width, double y, const char *color, const char *tip)
{
    double cx = scale_map(&c->x, x);
    double y0 = c->y.p0, y1 = scale_map(&c->y, y);
    if (y1 > y0) {
        double t = y0;
        y0 = y1;
        y1 = t;
    }
    hb_printf(c->b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">",
              cx - width / 2, y1, width, y0 - y1, color);
    tooltip(c->b, tip);
    hb_puts(c->b, "</rect>\n");
}

void chart_band(chart_t *c, double x0, double x1, const char *color, const char *tip)
{
    double a = scale_map(&c->x, x0), z = scale_map(&c->x, x1);
    double top = c->y.p1 < c->y.p0 ? c->y.p1 : c->y.p0;
    double h = fabs(c->y.p0 - c->y.p1);
    hb_printf(c->b,
              "<rect class=\"band\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
              "fill=\"%s\" fill-opacity=\"0.12\">",
              a, top, z - a > 1 ? z - a : 1, h, color);
    tooltip(c->b, tip);
    hb_puts(c->b, "</rect>\n");
}

void chart_marker(chart_t *c, double x, double y, const char *color, const char *tip)
{
    double cx = scale_map(&c->x, x), cy = scale_map(&c->y, y);
    /* A small upward triangle: distinct from line series even in greyscale. */
    hb_printf(c->b,
              "<polygon class=\"marker\" points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"%s\">", cx,
              cy - 6, cx - 5, cy + 3, cx + 5, cy + 3, color);
    tooltip(c->b, tip);
    hb_puts(c->b, "</polygon>\n");
}

void chart_close(chart_t *c)
{
    hb_puts(c->b, "</svg>\n");
}

void chart_no_data(hbuf *b, const char *id, const char *title, const char *why)
{
    hb_puts(b, "<div class=\"nodata\" data-chart=\"");
    hb_esc(b, id);
    hb_puts(b, "\"><strong>");
    hb_esc(b, title);
    hb_puts(b, "</strong><span>");
    hb_esc(b, why ? why : "no data");
    hb_puts(b, "</span></div>\n");
}
