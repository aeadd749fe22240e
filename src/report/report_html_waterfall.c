/* report_html_waterfall.c - the slowest connections as a network-panel
 * waterfall: one row per connection, one coloured bar per phase on a time
 * axis shared by all rows (so rows compare at a glance), with the
 * connection's hints underneath.
 *
 * Bars come from the connection's CLOCK_MONOTONIC timestamps (t_mono_ns)
 * when the story has them, which shows gaps between phases honestly; a story
 * without them is laid out from phases_us end to end. The request bar is
 * the last stream: its duration (phases_us.stream) ending at
 * last_stream_done, split into waiting (ttfb) and receiving. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/report_html_json.h"
#include "report/report_html_parts.h"
#include "report/report_html_svg.h"

#define MAX_ROWS 25
#define MAX_SEGS 8
#define ROW_VIEW_W 1000.0 /* viewBox width of a row's bar area */

typedef struct seg {
    double t0, t1; /* µs from the row's origin */
    const char *name, *color;
} seg;

typedef struct row {
    seg s[MAX_SEGS];
    int n;
    double marks[2]; /* ServerHello and server Finished inside the handshake bar, or NAN */
    double end;      /* µs, the row's last instant */
} row;

static const struct {
    const char *name, *label, *color;
} kinds[] = {
    {"dns", "DNS", COL_PURPLE},
    {"tcp_connect", "TCP connect", COL_ORANGE},
    {"tls_handshake", "TLS handshake", COL_BLUE},
    {"h2_settings", "HTTP/2 SETTINGS", COL_GREEN},
    {"ttfb", "waiting (TTFB)", COL_SKY},
    {"receive", "receiving", COL_YELLOW},
    {"idle", "until close", "#D1D5DB"},
};

static const char *color_of(const char *name)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].name, name) == 0) return kinds[i].color;
    return COL_GREY;
}

static void add(row *r, const char *name, double t0, double t1)
{
    if (r->n >= MAX_SEGS || !(t1 >= t0) || !isfinite(t0) || !isfinite(t1)) return;
    r->s[r->n++] = (seg){t0, t1, name, color_of(name)};
    if (t1 > r->end) r->end = t1;
}

/* Timestamp key in µs after the row's origin (connect_start minus the DNS
 * time), NAN when null or missing. Monotonic nanoseconds can exceed 2^53,
 * so the difference is taken in integers before converting. */
static double ts_us(const json_t *tm, const char *key, json_int_t start_ns, double dns_us)
{
    const json_t *v = rj_get(tm, key);
    if (json_is_integer(v) && json_integer_value(v) > 0)
        return (double)(json_integer_value(v) - start_ns) / 1000.0 + dns_us;
    if (json_is_real(v) && json_real_value(v) > 0)
        return (json_real_value(v) - (double)start_ns) / 1000.0 + dns_us;
    return NAN;
}

static void build_row(row *r, const json_t *story)
{
    memset(r, 0, sizeof *r);
    r->marks[0] = r->marks[1] = NAN;
    const json_t *tm = rj_obj(story, "t_mono_ns"), *ph = rj_obj(story, "phases_us");
    double dns = rj_num(ph, "dns", 0), ttfb = rj_num(ph, "ttfb", NAN),
           stream = rj_num(ph, "stream", NAN);
    const json_t *start = rj_get(tm, "connect_start");
    if (json_is_number(start) && json_number_value(start) > 0) {
        json_int_t o = json_is_integer(start) ? json_integer_value(start)
                                              : (json_int_t)json_number_value(start);
        double cs = ts_us(tm, "connect_start", o, dns), up = ts_us(tm, "tcp_up", o, dns);
        double tls0 = ts_us(tm, "tls_start", o, dns), tls1 = ts_us(tm, "tls_done", o, dns);
        double set = ts_us(tm, "settings", o, dns), last = ts_us(tm, "last_stream_done", o, dns);
        double close = ts_us(tm, "close", o, dns);
        if (dns > 0) add(r, "dns", 0, cs);
        add(r, "tcp_connect", cs, isfinite(up) ? up : close);
        if (isfinite(tls0)) add(r, "tls_handshake", tls0, isfinite(tls1) ? tls1 : close);
        if (isfinite(tls1)) add(r, "h2_settings", tls1, set);
        if (isfinite(last) && isfinite(stream) && stream > 0) {
            double s0 = last - stream;
            double w = isfinite(ttfb) ? fmin(ttfb, stream) : 0;
            add(r, "ttfb", s0, s0 + w);
            add(r, "receive", s0 + w, last);
        } else if (isfinite(last)) {
            add(r, "receive", isfinite(set) ? set : tls1, last);
        }
        if (isfinite(close)) add(r, "idle", isfinite(last) ? last : r->end, close);
        r->marks[0] = ts_us(tm, "tls_server_hello", o, dns);
        r->marks[1] = ts_us(tm, "tls_server_finished", o, dns);
        return;
    }
    /* No timestamps: phases back to back. */
    static const char *const order[] = {"dns", "tcp_connect", "tls_handshake", "h2_settings"};
    double t = 0;
    for (size_t i = 0; i < 4; i++) {
        double d = rj_num(ph, order[i], 0);
        if (d > 0) add(r, order[i], t, t + d);
        t += d > 0 ? d : 0;
    }
    if (isfinite(stream) && stream > 0) {
        double w = isfinite(ttfb) ? fmin(ttfb, stream) : 0;
        add(r, "ttfb", t, t + w);
        add(r, "receive", t + w, t + stream);
    }
}

static void axis_labels(hbuf *b, double max_us, double step)
{
    char lab[32];
    hb_puts(b, "<tr class=\"wf-axis\"><td></td><td><div class=\"wf-ticks\">");
    for (double v = 0; v <= max_us * (1 + 1e-9); v += step) {
        hb_printf(b, "<span style=\"left:%.2f%%\">%s</span>", 100 * v / max_us,
                  fmt_us(v, lab, sizeof lab));
    }
    hb_puts(b, "</div></td></tr>\n");
}

static void bars(hbuf *b, const row *r, double max_us, double step)
{
    char d0[32], d1[32];
    hb_printf(b,
              "<svg class=\"wf-bars\" viewBox=\"0 0 %.0f 20\" preserveAspectRatio=\"none\" "
              "role=\"img\" aria-label=\"phases of this connection\">",
              ROW_VIEW_W);
    for (double v = step; v <= max_us * (1 + 1e-9); v += step)
        hb_printf(b, "<line class=\"wf-grid\" x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"20\"/>",
                  ROW_VIEW_W * v / max_us, ROW_VIEW_W * v / max_us);
    for (int i = 0; i < r->n; i++) {
        const seg *s = &r->s[i];
        if (s->t0 >= max_us) continue; /* entirely past a cut axis */
        double t1 = fmin(s->t1, max_us);
        double x = ROW_VIEW_W * s->t0 / max_us, w = ROW_VIEW_W * (t1 - s->t0) / max_us;
        int idle = strcmp(s->name, "idle") == 0;
        /* At least a sliver, so a 2 µs phase next to a 20 ms one is still seen. */
        hb_printf(b, "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\"><title>",
                  x, idle ? 7 : 3, w > 1.5 ? w : 1.5, idle ? 6 : 14, s->color);
        hb_esc(b, s->name);
        hb_printf(b, ": %s, from %s</title></rect>", fmt_us(s->t1 - s->t0, d0, sizeof d0),
                  fmt_us(s->t0, d1, sizeof d1));
    }
    if (r->end > max_us * (1 + 1e-9)) {
        /* The row goes on past a cut axis: a white double slash at the edge. */
        hb_printf(b,
                  "<path class=\"wf-cut\" d=\"M%.1f 20 L%.1f 0 M%.1f 20 L%.1f 0\" stroke=\"#fff\" "
                  "stroke-width=\"3\" vector-effect=\"non-scaling-stroke\"><title>continues to "
                  "%s</title></path>",
                  ROW_VIEW_W - 14, ROW_VIEW_W - 8, ROW_VIEW_W - 7, ROW_VIEW_W - 1,
                  fmt_us(r->end, d0, sizeof d0));
    }
    for (int k = 0; k < 2; k++) {
        if (!isfinite(r->marks[k])) continue;
        double x = ROW_VIEW_W * r->marks[k] / max_us;
        hb_printf(b,
                  "<rect x=\"%.2f\" y=\"1\" width=\"1.5\" height=\"18\" fill=\"%s\"><title>%s at "
                  "%s</title></rect>",
                  x, COL_INK, k == 0 ? "ServerHello received" : "server Finished received",
                  fmt_us(r->marks[k], d0, sizeof d0));
    }
    hb_puts(b, "</svg>");
}

static void label_cell(hbuf *b, const json_t *story, const row *r)
{
    char dur[32];
    const char *outcome = rj_str(story, "outcome");
    double total = rj_num(rj_obj(story, "phases_us"), "connection", r->end);
    hb_printf(b, "<td class=\"wf-label\"><span class=\"wf-id\">#%.0f</span> <strong>",
              rj_num(story, "id", 0));
    hb_esc(b, fmt_us(total, dur, sizeof dur));
    hb_puts(b, "</strong>");
    if (outcome && strcmp(outcome, "ok") != 0) {
        hb_puts(b, " <span class=\"badge bad\">");
        hb_esc(b, outcome);
        hb_puts(b, "</span>");
    }
    const json_t *tls = rj_obj(story, "tls");
    if (rj_bool(tls, "resumed") == 1) hb_puts(b, " <span class=\"badge\">resumed</span>");
    const char *local = rj_str(story, "local");
    if (local) {
        hb_puts(b, "<br><span class=\"muted\">from ");
        hb_esc(b, local);
        hb_puts(b, "</span>");
    }
    hb_puts(b, "</td>");
}

static void hints_row(hbuf *b, const json_t *story)
{
    const json_t *hints = rj_arr(story, "hints");
    const char *error = rj_str(story, "error");
    if (!error && (!hints || json_array_size(hints) == 0)) return;
    hb_puts(b, "<tr class=\"wf-hints\"><td></td><td><ul>");
    if (error) {
        hb_puts(b, "<li class=\"bad\"><strong>error:</strong> ");
        hb_esc(b, error);
        hb_puts(b, "</li>");
    }
    size_t i;
    const json_t *h;
    json_array_foreach(hints, i, h)
    {
        const char *hint = json_is_string(h) ? json_string_value(h) : rj_str(h, "hint");
        const char *ev = rj_str(h, "evidence");
        if (!hint) continue;
        hb_puts(b, "<li><strong>");
        hb_esc(b, hint);
        hb_puts(b, "</strong>");
        if (ev) {
            hb_puts(b, " — ");
            hb_esc(b, ev);
        }
        hb_puts(b, "</li>");
    }
    hb_puts(b, "</ul></td></tr>\n");
}

void html_waterfall(hbuf *b, const json_t *stories)
{
    const json_t *slowest = json_is_array(stories) ? stories : NULL;
    size_t n = slowest ? json_array_size(slowest) : 0;
    if (n == 0) {
        chart_no_data(b, "waterfall", "No connection stories",
                      "the report lists no slowest connections");
        return;
    }
    if (n > MAX_ROWS) n = MAX_ROWS;
    row rows[MAX_ROWS];
    double max_us = 0, second = 0;
    for (size_t i = 0; i < n; i++) {
        build_row(&rows[i], json_array_get(slowest, i));
        if (rows[i].end > max_us) {
            second = max_us;
            max_us = rows[i].end;
        } else if (rows[i].end > second) {
            second = rows[i].end;
        }
    }
    /* One outlier (a SYN retransmitted after a 1 s RTO) would squash every
     * other row into a sliver: cut the axis just past the second-longest
     * row and mark the rows that go beyond it. */
    size_t cut_rows = 0;
    double full_max = max_us;
    if (second > 0 && max_us > 3 * second) {
        max_us = second * 1.1;
        for (size_t i = 0; i < n; i++)
            cut_rows += rows[i].end > max_us;
    }
    if (!(max_us > 0)) max_us = 1;
    double step = nice_linear_step(max_us, 8);
    max_us = ceil(max_us / step - 1e-9) * step;

    html_legend_item items[sizeof kinds / sizeof kinds[0]];
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        items[k] = (html_legend_item){kinds[k].label, kinds[k].color, "bar", NULL};
    html_legend(b, items, (int)(sizeof kinds / sizeof kinds[0]));

    hb_puts(b, "<div class=\"card\" data-chart=\"waterfall\"><table class=\"waterfall\">"
               "<colgroup><col class=\"wf-labelcol\"><col></colgroup>\n");
    axis_labels(b, max_us, step);
    for (size_t i = 0; i < n; i++) {
        const json_t *story = json_array_get(slowest, i);
        hb_puts(b, "<tr class=\"wf-row\">");
        label_cell(b, story, &rows[i]);
        hb_puts(b, "<td>");
        bars(b, &rows[i], max_us, step);
        hb_puts(b, "</td></tr>\n");
        hints_row(b, story);
    }
    hb_puts(b, "</table></div>\n");
    if (cut_rows > 0) {
        char a[32], z[32];
        hb_printf(b,
                  "<p class=\"note\">The time axis is cut at %s so the rows stay readable: %zu "
                  "connection(s) go on beyond it (white // at the right edge; the longest lasted "
                  "%s). Their total duration is in the left column.</p>\n",
                  fmt_us(max_us, a, sizeof a), cut_rows, fmt_us(full_max, z, sizeof z));
    }
    if (json_array_size(slowest) > n)
        hb_printf(b, "<p class=\"note\">Showing the %zu slowest of %zu connections listed.</p>\n",
                  n, json_array_size(slowest));
}
