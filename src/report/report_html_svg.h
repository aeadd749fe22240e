/* report_html_svg.h - chart primitives for the HTML report: scales, "nice"
 * ticks, axes with grid lines, line series, bars and markers, all emitted as
 * inline SVG so the page needs no script and fetches nothing.
 *
 * Every chart is drawn in its own viewBox (CHART_W x CHART_H by default) and
 * scaled by CSS to the width of its card, so coordinates here are viewBox
 * units, roughly pixels at 1280 px wide. */
#ifndef TLSPROF_REPORT_HTML_SVG_H
#define TLSPROF_REPORT_HTML_SVG_H

#include <stddef.h>

#include "report/report_html_buf.h"

/* Okabe-Ito palette: distinguishable with the common colour-vision
 * deficiencies and readable on white. */
#define COL_BLUE "#0072B2"
#define COL_ORANGE "#E69F00"
#define COL_SKY "#56B4E9"
#define COL_GREEN "#009E73"
#define COL_VERMILLION "#D55E00"
#define COL_PURPLE "#CC79A7"
#define COL_YELLOW "#F0E442"
#define COL_GREY "#6B7280"
#define COL_INK "#1F2937"

#define CHART_W 600
#define CHART_H 280
/* Default margins of the plot area inside a chart's viewBox: room for y tick
 * labels such as "100 ms" on the left, x tick labels and the axis title
 * below, half a tick label above. Legends are HTML above the chart. */
enum { CHART_ML = 70, CHART_MR = 28, CHART_MT = 14, CHART_MB = 46 };

typedef struct scale {
    int log;       /* 1: log10 scale (domain must be > 0) */
    double lo, hi; /* domain, data units */
    double p0, p1; /* range, viewBox units (p1 < p0 for a y axis) */
} scale_t;

/* Maps v into the range, clamping to it (values <= 0 on a log scale map to
 * the low end) so a stray point can never leave the plot area. */
double scale_map(const scale_t *s, double v);

/* The largest "1-2-5" number (1, 2, 5, 10, 20, ...) <= v and the smallest >= v. */
double nice125_floor(double v);
double nice125_ceil(double v);

/* Ticks for a log axis over [lo, hi]: 1-2-5 values, or 1..9 per decade when
 * the range is too narrow to give at least 4. Returns the count (<= max). */
int ticks_log(double lo, double hi, double *out, int max);
/* A nice step so that [0, hi] has about `want` ticks, and hi rounded up to it. */
double nice_linear_step(double hi, int want);
int ticks_linear(double lo, double hi, double step, double *out, int max);

typedef const char *(*tick_fmt_fn)(double v, char *out, size_t n);

typedef struct chart {
    hbuf *b;
    int w, h;
    scale_t x, y;
    double ml, mr, mt, mb; /* margins around the plot area, viewBox units */
} chart_t;

/* Opens <svg class="chart" data-chart="ID">; id and label are escaped. The
 * plot area is the viewBox minus margins for ticks and axis titles (set to
 * defaults here; a chart with tall labels may enlarge mb before using
 * them); chart_plot_area() gives it so callers can set the scales' ranges. */
void chart_open(chart_t *c, hbuf *b, const char *id, const char *label, int w, int h);
void chart_plot_area(const chart_t *c, double *left, double *right, double *top, double *bottom);
void chart_axes(chart_t *c, const double *xt, int nxt, tick_fmt_fn xfmt, const double *yt, int nyt,
                tick_fmt_fn yfmt, const char *xlabel, const char *ylabel);
/* A line through the points; a NaN y ends one sub-path and the next finite
 * point starts another (intervals without samples leave a gap). */
void chart_line(chart_t *c, const double *xs, const double *ys, int n, const char *color,
                const char *dash, const char *tooltip);
/* A bar from y=0 (or the axis bottom) to y, centred on x, width in viewBox units. */
void chart_bar(chart_t *c, double x, double width, double y, const char *color,
               const char *tooltip);
/* A translucent band over [x0, x1] across the full plot height. */
void chart_band(chart_t *c, double x0, double x1, const char *color, const char *tooltip);
void chart_marker(chart_t *c, double x, double y, const char *color, const char *tooltip);
void chart_close(chart_t *c);

/* A centred "no data" panel of the chart's size, so a section without data
 * keeps its layout and says why instead of drawing empty axes. */
void chart_no_data(hbuf *b, const char *id, const char *title, const char *why);

#endif
