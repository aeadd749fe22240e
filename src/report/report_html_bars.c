/* report_html_bars.c - bar-shaped chart parts: grouped bars (categories x
 * series, e.g. cipher profiles x {machine A, machine B}) and the interval
 * bar (where a measured range lies on an axis, e.g. a probed timeout). See
 * report_html_parts.h.
 *
 * Both are plain SVG in a viewBox, like every chart of the page. Bars are
 * measured from the axis' zero (linear) or its bottom (log), so a bar's
 * height is exactly proportional to its value (or its log) and a reader can
 * compare heights; every bar also carries its value as a label, because a
 * matrix is read for its numbers as much as for its shape. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_html_parts.h"
#include "report/report_html_svg.h"

#define BAR_MAX_W 48.0   /* a wide group of few bars would look like a block */
#define CAT_CHAR_W 6.2   /* average advance of an 11 px label character, viewBox units */
#define VAL_CHAR_W 5.7   /* the same for the 10 px value labels */
#define CAT_MAX_CHARS 24 /* longer category labels are cut, the full one in a tooltip */
#define MAX_TICKS 40

/* Characters (UTF-8 code points) in s. */
static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Writes at most max characters of s, escaped, with "…" when cut. */
static void esc_cut(hbuf *b, const char *s, size_t max)
{
    size_t chars = 0, i = 0;
    for (; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == max) break;
    }
    hb_escn(b, s, i);
    if (s[i]) hb_puts(b, "…");
}

static void tooltip(hbuf *b, const char *cat, const char *series, const char *value)
{
    hb_puts(b, "<title>");
    hb_esc(b, cat);
    hb_puts(b, " — ");
    hb_esc(b, series);
    hb_puts(b, ": ");
    hb_esc(b, value);
    hb_puts(b, "</title>");
}

typedef struct bar_geom {
    double l, r, t, bot; /* plot area */
    double gw, bw;       /* group and bar width */
    int vertical;        /* value labels run upwards (bars too narrow for them) */
} bar_geom;

/* The value axis: for a linear axis [lo, hi] includes 0; both leave
 * `headroom` viewBox units beyond the extreme bars for their labels. */
static void value_axis(const html_bar_chart *c, double mn, double mx, double minpos, double plot_h,
                       double headroom, scale_t *y, double *ticks, int *nt)
{
    double f = fmin(0.5, headroom / plot_h); /* share of the plot the labels need */
    if (c->log) {
        /* The bottom sits below the smallest value so its bar has a height. */
        double lo = nice125_floor(minpos * 0.999), top = fmax(mx, minpos);
        double span = log10(top) - log10(lo);
        double hi = nice125_ceil(pow(10, log10(top) + span * f / (1 - f)));
        for (int i = 0; i < 20 && (log10(hi) - log10(top)) < f * (log10(hi) - log10(lo)); i++)
            hi = nice125_ceil(hi * 1.0001);
        *y = (scale_t){1, lo, hi, 0, 0};
        *nt = ticks_log(lo, hi, ticks, MAX_TICKS);
        return;
    }
    double lo = fmin(0, mn), hi = fmax(0, mx);
    if (hi == lo) hi = 1; /* every value is 0 */
    double span = hi - lo, pad = span * f / (1 - f);
    double step = nice_linear_step(span + (mx > 0 ? pad : 0) + (mn < 0 ? pad : 0), 5);
    double top = ceil((hi + (mx > 0 ? pad : 0)) / step - 1e-9) * step;
    double bottom = floor((lo - (mn < 0 ? pad : 0)) / step + 1e-9) * step;
    /* Rounding to the step widened the axis, which shrinks the room in
     * viewBox units: add steps until the labels fit. */
    for (int i = 0; i < 20 && mx > 0 && (top - mx) < f * (top - bottom); i++)
        top += step;
    for (int i = 0; i < 20 && mn < 0 && (mn - bottom) < f * (top - bottom); i++)
        bottom -= step;
    *y = (scale_t){0, bottom, top, 0, 0};
    *nt = ticks_linear(bottom, top, step, ticks, MAX_TICKS);
}

static void value_label(hbuf *b, double cx, double y, int below, int vertical, const char *text,
                        const char *cls)
{
    if (vertical)
        hb_printf(b,
                  "<text class=\"%s\" transform=\"translate(%.1f %.1f) rotate(-90)\" "
                  "text-anchor=\"%s\" dy=\"0.32em\">",
                  cls, cx, below ? y + 4 : y - 4, below ? "end" : "start");
    else
        hb_printf(b, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", cls, cx,
                  below ? y + 11 : y - 4);
    hb_esc(b, text);
    hb_puts(b, "</text>");
}

static void category_labels(chart_t *ch, const html_bar_chart *c, const bar_geom *g, int rotate)
{
    for (int k = 0; k < c->ncat; k++) {
        const char *name = c->categories[k] ? c->categories[k] : "";
        double cx = g->l + g->gw * (k + 0.5);
        if (rotate)
            hb_printf(ch->b,
                      "<text class=\"category\" transform=\"translate(%.1f %.1f) rotate(-35)\" "
                      "text-anchor=\"end\">",
                      cx, g->bot + 12);
        else
            hb_printf(ch->b,
                      "<text class=\"category\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", cx,
                      g->bot + 16);
        hb_puts(ch->b, "<title>");
        hb_esc(ch->b, name);
        hb_puts(ch->b, "</title>");
        esc_cut(ch->b, name, CAT_MAX_CHARS);
        hb_puts(ch->b, "</text>\n");
    }
}

static int draw_bars(chart_t *ch, const html_bar_chart *c, const bar_geom *g, tick_fmt_fn fmt)
{
    int drawn = 0;
    double base = c->log ? g->bot : scale_map(&ch->y, 0);
    double gap = fmin(2, g->bw * 0.1);
    for (int k = 0; k < c->ncat; k++) {
        double x0 = g->l + g->gw * k + (g->gw - g->bw * c->nseries) / 2;
        for (int s = 0; s < c->nseries; s++) {
            double v = c->values[(size_t)k * (size_t)c->nseries + (size_t)s];
            double cx = x0 + g->bw * (s + 0.5);
            const char *cat = c->categories[k] ? c->categories[k] : "";
            char val[64];
            if (!isfinite(v) || (c->log && v <= 0)) {
                /* Nothing to place: say so where the bar would stand. */
                const char *why = isfinite(v) ? fmt(v, val, sizeof val) : "n/a";
                hb_puts(ch->b, "<g class=\"missing-value\">");
                value_label(ch->b, cx, base, 0, g->vertical, why, "missing");
                tooltip(ch->b, cat, c->series[s].label,
                        isfinite(v) ? "not drawn: a log axis has no place for values <= 0"
                                    : "no value");
                hb_puts(ch->b, "</g>\n");
                continue;
            }
            double y = scale_map(&ch->y, v);
            double top = fmin(y, base), h = fabs(base - y);
            fmt(v, val, sizeof val);
            hb_printf(ch->b,
                      "<rect class=\"bar\" data-c=\"%d\" data-s=\"%d\" x=\"%.1f\" y=\"%.1f\" "
                      "width=\"%.1f\" height=\"%.1f\" fill=\"",
                      k, s, cx - g->bw / 2 + gap / 2, top, g->bw - gap, h);
            hb_esc(ch->b, c->series[s].color);
            hb_puts(ch->b, "\">");
            tooltip(ch->b, cat, c->series[s].label, val);
            hb_puts(ch->b, "</rect>");
            value_label(ch->b, cx, y, v < 0, g->vertical, val, "value-label");
            hb_puts(ch->b, "\n");
            drawn++;
        }
    }
    return drawn;
}

int html_bar_card(hbuf *b, const html_bar_chart *c)
{
    tick_fmt_fn fmt = c->fmt ? c->fmt : fmt_num;
    double mn = INFINITY, mx = -INFINITY, minpos = INFINITY;
    size_t nv = c->ncat > 0 && c->nseries > 0 ? (size_t)c->ncat * (size_t)c->nseries : 0;
    size_t label_chars = 1;
    int finite = 0;
    for (size_t i = 0; i < nv; i++) {
        double v = c->values[i];
        char s[64];
        if (!isfinite(v)) continue;
        finite++;
        mn = fmin(mn, v);
        mx = fmax(mx, v);
        if (v > 0) minpos = fmin(minpos, v);
        size_t n = utf8_len(fmt(v, s, sizeof s));
        if (n > label_chars) label_chars = n;
    }
    html_card_open(b, c->title);
    if (finite == 0 || (c->log && !isfinite(minpos))) {
        chart_no_data(b, c->id, c->title,
                      finite ? "no value above 0 to place on a log axis" : "no values");
        html_card_close(b);
        return 0;
    }
    html_legend_item *items = malloc((size_t)c->nseries * sizeof *items);
    if (!items) {
        b->failed = 1;
        html_card_close(b);
        return 0;
    }
    for (int s = 0; s < c->nseries; s++)
        items[s] = (html_legend_item){c->series[s].label, c->series[s].color, "bar", NULL};
    html_legend(b, items, c->nseries);
    free(items);

    /* Category labels too wide for their group are turned, and the chart
     * grows downwards for them so the plot keeps its height. */
    size_t cat_chars = 0;
    for (int k = 0; k < c->ncat; k++) {
        size_t n = utf8_len(c->categories[k]);
        if (n > cat_chars) cat_chars = n;
    }
    if (cat_chars > CAT_MAX_CHARS) cat_chars = CAT_MAX_CHARS + 1;
    /* Many categories get a wider viewBox, so a matrix of ten profiles
     * keeps readable bars and labels when its card is the page's width. */
    int w = 98 + c->ncat * (c->nseries * 40 + 30);
    w = w < CHART_W ? CHART_W : w > 2 * CHART_W ? 2 * CHART_W : w;
    chart_t ch;
    bar_geom g;
    g.gw = (double)(w - CHART_ML - CHART_MR) / c->ncat;
    int rotate = (double)cat_chars * CAT_CHAR_W > g.gw - 4;
    /* A label turned by 35 degrees reaches sin(35°) of its length down,
     * below the 12 units it starts under the axis, plus a little air. */
    double extra = rotate ? (double)cat_chars * CAT_CHAR_W * 0.574 + 22 - CHART_MB : 0;
    if (extra < 0) extra = 0;
    chart_open(&ch, b, c->id, c->title, w, CHART_H + (int)ceil(extra));
    ch.mb += ceil(extra);
    chart_plot_area(&ch, &g.l, &g.r, &g.t, &g.bot);
    g.gw = (g.r - g.l) / c->ncat;
    g.bw = fmin(BAR_MAX_W, g.gw * 0.8 / c->nseries);
    double label_w = (double)label_chars * VAL_CHAR_W;
    g.vertical = label_w > g.bw + 4;
    double ticks[MAX_TICKS];
    int nt;
    value_axis(c, mn, mx, minpos, g.bot - g.t, g.vertical ? label_w + 8 : 16, &ch.y, ticks, &nt);
    ch.y.p0 = g.bot;
    ch.y.p1 = g.t;
    ch.x = (scale_t){0, 0, 1, g.l, g.r};
    chart_axes(&ch, NULL, 0, fmt, ticks, nt, fmt, NULL, c->value_title);
    if (!c->log && ch.y.lo < 0) {
        double y0 = scale_map(&ch.y, 0);
        hb_printf(b,
                  "<line class=\"zero\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                  "stroke=\"%s\" stroke-width=\"1\"/>\n",
                  g.l, y0, g.r, y0, COL_GREY);
    }
    category_labels(&ch, c, &g, rotate);
    int drawn = draw_bars(&ch, c, &g, fmt);
    chart_close(&ch);
    html_card_close(b);
    return drawn;
}

/* ---- interval bar ------------------------------------------------------ */

#define IV_W 600
#define IV_H 58
#define IV_L 12.0
#define IV_R (IV_W - 12.0)

void html_interval_bar(hbuf *b, const html_interval *iv)
{
    tick_fmt_fn fmt = iv->fmt ? iv->fmt : fmt_num;
    const char *color = iv->color ? iv->color : COL_BLUE;
    const char *label = iv->label ? iv->label : "";
    char lo_s[64], hi_s[64], max_s[64], text[400];
    int open_end = isinf(iv->hi) && iv->hi > 0;
    if (!isfinite(iv->lo) || isnan(iv->hi) || iv->hi < iv->lo) {
        hb_puts(b, "<p class=\"nodata-inline\" data-chart=\"");
        hb_esc(b, iv->id);
        hb_puts(b, "\">");
        hb_esc(b, label);
        hb_puts(b, isnan(iv->lo) || isnan(iv->hi) ? ": not measured"
                                                  : ": no valid range (low above high)");
        hb_puts(b, "</p>\n");
        return;
    }
    fmt(iv->lo, lo_s, sizeof lo_s);
    if (!open_end) fmt(iv->hi, hi_s, sizeof hi_s);
    int n = open_end           ? snprintf(text, sizeof text, "%s ≥ %s", label, lo_s)
            : iv->lo == iv->hi ? snprintf(text, sizeof text, "%s %s", label, lo_s)
                               : snprintf(text, sizeof text, "%s %s – %s", label, lo_s, hi_s);
    if (iv->axis_max > iv->axis_min && n > 0 && (size_t)n < sizeof text)
        snprintf(text + n, sizeof text - (size_t)n, " of max %s",
                 fmt(iv->axis_max, max_s, sizeof max_s));

    /* The axis holds the range even when the range exceeds the stated max. */
    double amin = fmin(iv->axis_min, iv->lo);
    double amax = fmax(iv->axis_max, open_end ? iv->lo : iv->hi);
    if (!(amax > amin)) amax = amin + (amin != 0 ? fabs(amin) : 1);
    scale_t x = {0, amin, amax, IV_L, IV_R};

    hb_puts(b, "<svg class=\"chart interval\" data-chart=\"");
    hb_esc(b, iv->id);
    hb_printf(b, "\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", IV_W, IV_H);
    hb_esc(b, text);
    hb_puts(b, "\"><title>");
    hb_esc(b, text);
    hb_printf(b, "</title>\n<text class=\"interval-label\" x=\"%.1f\" y=\"13\">", IV_L);
    hb_esc(b, text);
    hb_printf(b,
              "</text>\n<rect class=\"interval-track\" x=\"%.1f\" y=\"20\" width=\"%.1f\" "
              "height=\"10\" rx=\"2\"/>\n",
              IV_L, IV_R - IV_L);
    double x0 = scale_map(&x, iv->lo), x1 = open_end ? IV_R : scale_map(&x, iv->hi);
    if (x1 - x0 < 3) { /* a point or a sliver: keep it visible, centred on the range */
        double mid = (x0 + x1) / 2;
        x0 = mid - 1.5;
        x1 = mid + 1.5;
    }
    hb_printf(b, "<rect class=\"range\" x=\"%.1f\" y=\"18\" width=\"%.1f\" height=\"14\" fill=\"",
              x0, x1 - x0);
    hb_esc(b, color);
    hb_puts(b, "\"><title>");
    hb_esc(b, text);
    hb_puts(b, "</title></rect>\n");
    if (open_end) {
        hb_printf(b, "<polygon class=\"open-end\" points=\"%.1f,16 %.1f,25 %.1f,34\" fill=\"", IV_R,
                  IV_R + 9, IV_R);
        hb_esc(b, color);
        hb_puts(b, "\"/>\n");
    }
    double ticks[MAX_TICKS];
    int nt = ticks_linear(amin, amax, nice_linear_step(amax - amin, 6), ticks, MAX_TICKS - 1);
    /* The axis' end is labelled too ("of max 75 s" ends at 75): after the
     * last nice tick, or instead of it when the two would collide. */
    if (nt > 0 && amax - ticks[nt - 1] > 1e-9 * (amax - amin)) {
        if (scale_map(&x, amax) - scale_map(&x, ticks[nt - 1]) < 40) nt--;
        ticks[nt++] = amax;
    }
    hb_puts(b, "<g class=\"axis\">");
    for (int i = 0; i < nt; i++) {
        double tx = scale_map(&x, ticks[i]);
        char s[64];
        hb_printf(b, "<line x1=\"%.1f\" y1=\"32\" x2=\"%.1f\" y2=\"36\"/>", tx, tx);
        hb_printf(b, "<text class=\"tick\" x=\"%.1f\" y=\"49\" text-anchor=\"%s\">", tx,
                  i == 0 && tx < IV_L + 20        ? "start"
                  : i == nt - 1 && tx > IV_R - 20 ? "end"
                                                  : "middle");
        hb_esc(b, fmt(ticks[i], s, sizeof s));
        hb_puts(b, "</text>");
    }
    hb_puts(b, "</g>\n</svg>\n");
}
