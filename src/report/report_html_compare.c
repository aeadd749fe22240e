/* report_html_compare.c - `tlsprof compare A B --html`: two runs side by
 * side.
 *
 * Everything is computed from the two reports themselves, so the page works
 * without the comparison JSON: headers side by side, headline numbers, a
 * phase table with the change of p50/p99 (coloured only when significant by
 * the rule of compare_sig.h, computed from the histograms), and for each
 * phase both latency distributions overlaid. The comparison JSON, when
 * given (docs/compare-merge.md), adds its warnings, the input file names
 * and its own significance verdicts, so the page and `tlsprof compare`'s
 * table always agree. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/stats.h"
#include "report/compare_sig.h"
#include "report/report_html.h"
#include "report/report_html_buf.h"
#include "report/report_html_json.h"
#include "report/report_html_parts.h"
#include "report/report_html_svg.h"
#include "report/report_read.h"

#define COL_A COL_BLUE
#define COL_B COL_VERMILLION

static void side_header(hbuf *b, const char *which, const json_t *r, const char *file)
{
    const json_t *cfg = rj_obj(r, "config"), *plat = rj_obj(r, "platform"),
                 *sum = rj_obj(r, "summary");
    char s[200], title[16];
    snprintf(title, sizeof title, "Run %s", which);
    html_card_open_ex(b, title, NULL, which[0] == 'A' ? COL_A : COL_B);
    html_table t;
    html_kv_open(&t, b, NULL);
    if (file) html_kv_code(&t, "file", file);
    html_kv_row(&t, "target", rj_str(cfg, "url"));
    html_kv_row(&t, "mode", rj_str(cfg, "mode"));
    html_kv_row(&t, "protocol", report_protocol(cfg));
    html_kv_row(&t, "tool version", rj_str(rj_obj(r, "tool"), "version"));
    html_kv_row(&t, "arch", rj_str(plat, "arch"));
    html_kv_row(&t, "CPU", rj_str(plat, "cpu_model"));
    html_kv_row(&t, "OpenSSL", rj_str(plat, "openssl_version"));
    double streams = rj_num(cfg, "streams", 1);
    snprintf(s, sizeof s, "%.3g s, %.0f connections, %.0f stream%s each",
             rj_num(sum, "duration_s", rj_num(cfg, "duration_s", 0)), rj_num(cfg, "connections", 0),
             streams, streams == 1 ? "" : "s");
    html_kv_row(&t, "run", s);
    html_kv_close(&t);
    html_card_close(b);
}

static double errors_total(const json_t *r)
{
    double t = 0;
    const char *p, *k;
    json_t *reasons, *v;
    json_object_foreach((json_t *)rj_obj(r, "errors"), p, reasons)
    {
        json_object_foreach(reasons, k, v)
        {
            if (json_is_number(v)) t += json_number_value(v);
        }
    }
    return t;
}

static void summary_table(hbuf *b, const json_t *a, const json_t *bb)
{
    static const html_col cols[4] = {{.fmt = HTML_TEXT, .align = HTML_LEFT, .header = 1},
                                     {.title = "A", .fmt = HTML_NUM},
                                     {.title = "B", .fmt = HTML_NUM},
                                     {.title = "B vs A", .fmt = HTML_CHANGE}};
    const json_t *sa = rj_obj(a, "summary"), *sb = rj_obj(bb, "summary");
    const json_t *ra = rj_obj(rj_obj(a, "tls"), "resumption"),
                 *rb = rj_obj(rj_obj(bb, "tls"), "resumption");
    struct {
        const char *label;
        double va, vb;
        int higher_better, is_rate;
    } rows[] = {
        {"requests / s", rj_num(sa, "requests_per_s", 0), rj_num(sb, "requests_per_s", 0), 1, 0},
        {"connections / s", rj_num(sa, "connections_per_s", 0), rj_num(sb, "connections_per_s", 0),
         1, 0},
        {"requests ok", rj_num(sa, "requests_ok", 0), rj_num(sb, "requests_ok", 0), 1, 0},
        {"requests failed", rj_num(sa, "requests_failed", 0), rj_num(sb, "requests_failed", 0), 0,
         0},
        {"errors", errors_total(a), errors_total(bb), 0, 0},
        {"resumption rate", rj_num(ra, "rate", NAN), rj_num(rb, "rate", NAN), 1, 1},
    };
    html_table t = {.cols = cols, .ncols = 4, .id = "compare-summary"};
    html_table_open(&t, b);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        double va = rows[i].va, vb = rows[i].vb;
        /* Counts read best with separators, rates with 3 digits. */
        html_fmt f = rows[i].is_rate                      ? HTML_PCT
                     : va == floor(va) && vb == floor(vb) ? HTML_COUNT
                                                          : HTML_NUM;
        /* Throughput has no noise model here: colour any change above 1%. */
        int sig = va > 0 && fabs(vb - va) > 0.01 * va;
        html_row(&t, NULL, {.text = rows[i].label}, {.fmt = f, .v = va}, {.fmt = f, .v = vb},
                 {.v = vb, .ref = va, .sig = sig, .higher_is_better = rows[i].higher_better});
    }
    html_table_close(&t);
}

/* Decodes phases.<name>.histogram of r into h; 0 when it has samples. */
static int phase_hist(const json_t *r, const char *name, hist_t *h)
{
    const json_t *ph = rj_obj(rj_obj(r, "phases"), name);
    char err[200];
    if (rj_num(ph, "count", 0) <= 0 || !rj_get(ph, "histogram")) return -1;
    if (hist_from_json(h, rj_get(ph, "histogram"), err, sizeof err) != 0) return -1;
    return h->count > 0 ? 0 : -1;
}

/* The comparison JSON's verdict for phases.<name>.stats.<key>: 1 or 0, or
 * -1 when it has none (then the page applies the same rule itself). */
static int verdict(const json_t *cmp, const char *phase, const char *key)
{
    const json_t *st = rj_obj(rj_obj(rj_obj(rj_obj(cmp, "phases"), phase), "stats"), key);
    return rj_bool(st, "significant");
}

static void phase_compare_table(hbuf *b, const json_t *a, const json_t *bb, const json_t *cmp)
{
    static const html_col cols[9] = {
        {.title = "phase", .fmt = HTML_TEXT, .align = HTML_LEFT, .header = 1},
        {.title = "count A", .fmt = HTML_COUNT},
        {.title = "count B", .fmt = HTML_COUNT},
        {.title = "p50 A", .fmt = HTML_US},
        {.title = "p50 B", .fmt = HTML_US},
        {.title = "p50 change", .fmt = HTML_CHANGE},
        {.title = "p99 A", .fmt = HTML_US},
        {.title = "p99 B", .fmt = HTML_US},
        {.title = "p99 change", .fmt = HTML_CHANGE},
    };
    hist_t *ha = malloc(sizeof *ha), *hb = malloc(sizeof *hb);
    if (!ha || !hb) {
        b->failed = 1;
        free(ha);
        free(hb);
        return;
    }
    html_table t = {.cols = cols,
                    .ncols = 9,
                    .id = "compare-phases",
                    .empty = "Neither run has phase samples."};
    html_table_open(&t, b);
    for (size_t i = 0; html_phase_order[i]; i++) {
        const char *name = html_phase_order[i];
        const json_t *pa = rj_obj(rj_obj(a, "phases"), name),
                     *pb = rj_obj(rj_obj(bb, "phases"), name);
        double na = rj_num(pa, "count", 0), nb = rj_num(pb, "count", 0);
        if (na <= 0 && nb <= 0) continue;
        int have = phase_hist(a, name, ha) == 0 && phase_hist(bb, name, hb) == 0;
        html_cell c[9] = {{.text = html_phase_title(name), .code = name}, {.v = na}, {.v = nb}};
        static const double pct[2] = {50, 99};
        static const char *const key[2] = {"p50_us", "p99_us"};
        for (int k = 0; k < 2; k++) {
            double va = na > 0 ? rj_num(pa, key[k], NAN) : NAN;
            double vb = nb > 0 ? rj_num(pb, key[k], NAN) : NAN;
            int sig = verdict(cmp, name, key[k]);
            if (sig < 0) {
                sig_result_t r = {0};
                if (have) sig_compare(ha, hb, pct[k], STATS_NS_PER_US, &r);
                sig = have && r.significant;
            }
            c[3 + 3 * k] = (html_cell){.v = va};
            c[4 + 3 * k] = (html_cell){.v = vb};
            c[5 + 3 * k] = (html_cell){.v = vb, .ref = va, .sig = sig}; /* lower is better */
        }
        html_table_row(&t, NULL, c, 9);
    }
    html_table_close(&t);
    free(ha);
    free(hb);
}

static void overlay_charts(hbuf *b, const json_t *a, const json_t *bb)
{
    html_grid_open(b, 2);
    int cards = 0;
    for (size_t i = 0; html_phase_order[i]; i++) {
        const char *name = html_phase_order[i];
        const json_t *pa = rj_obj(rj_obj(a, "phases"), name),
                     *pb = rj_obj(rj_obj(bb, "phases"), name);
        if (rj_num(pa, "count", 0) <= 0 && rj_num(pb, "count", 0) <= 0) continue;
        lat_series s[2] = {{"A", COL_A, NULL, pa}, {"B", COL_B, "7 3", pb}};
        char id[96];
        snprintf(id, sizeof id, "compare-%s", name);
        html_latency_card(b, id, html_phase_title(name), s, 2);
        cards++;
    }
    html_grid_close(b);
    if (cards == 0)
        chart_no_data(b, "compare-none", "No latency samples", "neither run recorded a sample");
}

/* When the comparison JSON is absent, point out what makes the two runs
 * hard to compare, so nobody reads a CPU upgrade as a server regression. */
static void platform_notes(hbuf *b, const json_t *a, const json_t *bb, int with_mode)
{
    static const char *const keys[] = {"arch", "cpu_model", "openssl_version"};
    json_t *notes = json_array();
    if (!notes) {
        b->failed = 1;
        return;
    }
    for (size_t i = 0; i < 3; i++) {
        const char *x = rj_str(rj_obj(a, "platform"), keys[i]),
                   *y = rj_str(rj_obj(bb, "platform"), keys[i]);
        if (x && y && strcmp(x, y) != 0) {
            char s[400];
            snprintf(s, sizeof s, "The runs used a different %s: A %s, B %s.", keys[i], x, y);
            json_array_append_new(notes, json_string(s));
        }
    }
    const char *ma = rj_str(rj_obj(a, "config"), "mode"),
               *mb = rj_str(rj_obj(bb, "config"), "mode");
    if (with_mode && ma && mb && strcmp(ma, mb) != 0) {
        char s[200];
        snprintf(s, sizeof s, "The runs used a different mode: A %s, B %s.", ma, mb);
        json_array_append_new(notes, json_string(s));
    }
    html_warnings_box(b, notes, "Not like for like");
    json_decref(notes);
}

/* "tlsprof compare found 2 significant changes: tcp_connect.p50_us, ..." */
static void significant_note(hbuf *b, const json_t *sig)
{
    hbuf text; /* plain text: html_note escapes it */
    hb_init(&text);
    hb_printf(&text, "tlsprof compare found %zu significant change%s", json_array_size(sig),
              json_array_size(sig) == 1 ? "" : "s");
    size_t i;
    json_t *v;
    json_array_foreach(sig, i, v)
    {
        hb_puts(&text, i ? ", " : ": ");
        hb_puts(&text, json_is_string(v) ? json_string_value(v) : "?");
    }
    hb_puts(&text, ".");
    html_note(b, text.data);
    if (text.failed) b->failed = 1;
    hb_free(&text);
}

int report_html_write_compare(const json_t *a, const json_t *bb, const json_t *comparison,
                              const char *path, char *err, size_t errlen)
{
    if (html_check_version(a, "A", err, errlen) != 0) return -1;
    if (html_check_version(bb, "B", err, errlen) != 0) return -1;
    hbuf b;
    hb_init(&b);
    html_page_open(&b, "tlsprof comparison");
    const char *fa = rj_str(rj_obj(comparison, "a"), "file"),
               *fb = rj_str(rj_obj(comparison, "b"), "file");
    char title[600];
    snprintf(title, sizeof title, "Comparison: %s vs %s", fa ? fa : "A", fb ? fb : "B");
    html_header_open(&b, title,
                     "Changes are B relative to A. Green: B is better, red: B is worse; only "
                     "changes larger than the runs' own noise are coloured.",
                     NULL);
    html_header_close(&b);
    /* tlsprof compare warns about URL and mode; the platform is noted here. */
    html_warnings_box(&b, rj_arr(comparison, "warnings"), "Warnings");
    platform_notes(&b, a, bb, comparison == NULL);
    html_warnings_box(&b, rj_arr(a, "warnings"), "Warnings of run A");
    html_warnings_box(&b, rj_arr(bb, "warnings"), "Warnings of run B");
    html_grid_open(&b, 2);
    side_header(&b, "A", a, fa);
    side_header(&b, "B", bb, fb);
    html_grid_close(&b);
    html_section_open(&b, "summary", "Headline numbers", NULL);
    summary_table(&b, a, bb);
    html_section_close(&b);
    html_section_open(&b, "phases", "Phases",
                      "p50 and p99 of every phase with samples in either run. A change is "
                      "coloured when it is significant: larger than 1% and than the two runs' "
                      "own sampling noise, estimated from their histograms (the rule of "
                      "tlsprof compare, docs/compare-merge.md); \"(noise)\" marks one that "
                      "is not.");
    const json_t *sig = rj_arr(comparison, "significant");
    if (sig) significant_note(&b, sig);
    phase_compare_table(&b, a, bb, comparison);
    html_section_close(&b);
    html_section_open(&b, "latency", "Latency distributions, A and B overlaid",
                      "Same axes as the run report: percentile on a log scale of 1/(1-p), "
                      "latency on a log scale. A curve that lies lower is faster.");
    overlay_charts(&b, a, bb);
    html_section_close(&b);
    html_page_close(&b);
    int rc = hb_write_file(&b, path, err, errlen);
    hb_free(&b);
    return rc;
}
