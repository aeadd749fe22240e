/* report_html.c - the HTML run report: header, warnings, summary cards and
 * the sections, in the order a person investigates a run: how fast (latency
 * distributions, phase table), what went wrong (errors), when (time
 * series), which connections (waterfall), then the TLS and TCP details. */
#include "report/report_html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/report_html_buf.h"
#include "report/report_html_json.h"
#include "report/report_html_parts.h"
#include "report/report_read.h"

int html_check_version(const json_t *report, const char *which, char *err, size_t errlen)
{
    if (!json_is_object(report)) {
        snprintf(err, errlen, "%s: not a tlsprof report (expected a JSON object)", which);
        return -1;
    }
    const json_t *v = json_object_get(report, "report_version");
    if (!json_is_integer(v) || json_integer_value(v) != 1) {
        char *s = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
        snprintf(err, errlen,
                 "%s: report_version %s is not supported (this tlsprof reads version 1)", which,
                 s ? s : "(missing)");
        free(s);
        return -1;
    }
    return 0;
}

/* When the measurement happened: the earliest wall-clock connection start
 * among the stories (the report has no dedicated key), else unknown. */
static void run_date(const json_t *report, char *out, size_t n)
{
    const char *explicit_date = rj_str(report, "date");
    if (explicit_date) {
        snprintf(out, n, "%s", explicit_date);
        return;
    }
    double first = 0;
    size_t i;
    json_t *story;
    json_array_foreach(rj_arr(report, "slowest"), i, story)
    {
        double t = rj_num(rj_obj(story, "t_wall_ns"), "connect_start", 0);
        if (t > 0 && (first == 0 || t < first)) first = t;
    }
    if (first > 0) {
        time_t sec = (time_t)(first / 1e9);
        struct tm tm;
        gmtime_r(&sec, &tm);
        strftime(out, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
    } else {
        snprintf(out, n, "not recorded");
    }
}

static void meta(hbuf *b, const char *key, const char *value)
{
    hb_puts(b, "<div><dt>");
    hb_esc(b, key);
    hb_puts(b, "</dt><dd>");
    hb_esc(b, value && *value ? value : "—");
    hb_puts(b, "</dd></div>");
}

void html_run_header(hbuf *b, const json_t *report)
{
    const json_t *cfg = rj_obj(report, "config"), *plat = rj_obj(report, "platform"),
                 *sum = rj_obj(report, "summary"), *tool = rj_obj(report, "tool");
    char s[160], t1[32], t2[32];
    const char *url = rj_str(cfg, "url");
    hb_puts(b, "<header class=\"top\"><h1>");
    hb_esc(b, url ? url : "(target not recorded)");
    hb_puts(b, "</h1><p class=\"sub\">tlsprof run report");
    if (rj_bool(sum, "interrupted") == 1) hb_puts(b, " · <strong>interrupted</strong>");
    hb_puts(b, "</p><dl class=\"meta\">");
    const char *mode = rj_str(cfg, "mode");
    double streams = rj_num(cfg, "streams", 1);
    double conns = rj_num(cfg, "connections", 0);
    snprintf(s, sizeof s, "%s · %s · %s connection%s · %s stream%s each", mode ? mode : "?",
             report_protocol_label(cfg), fmt_count(conns, t1, sizeof t1), conns == 1 ? "" : "s",
             fmt_count(streams, t2, sizeof t2), streams == 1 ? "" : "s");
    meta(b, "mode", s);
    snprintf(s, sizeof s, "%.3g s measured",
             rj_num(sum, "duration_s", rj_num(cfg, "duration_s", 0)));
    if (rj_num(cfg, "warmup_s", 0) > 0)
        snprintf(s + strlen(s), sizeof s - strlen(s), " (after %.3g s warm-up)",
                 rj_num(cfg, "warmup_s", 0));
    meta(b, "duration", s);
    if (rj_num(cfg, "rate", 0) > 0) {
        snprintf(s, sizeof s, "%s /s (open loop)",
                 fmt_count(rj_num(cfg, "rate", 0), t1, sizeof t1));
        meta(b, "rate", s);
    } else {
        meta(b, "rate", "closed loop");
    }
    run_date(report, s, sizeof s);
    meta(b, "date", s);
    const char *addr = rj_str(cfg, "address");
    meta(b, "address", addr);
    const char *resume = rj_str(cfg, "resume");
    if (resume)
        snprintf(s, sizeof s, "resume %s%s", resume,
                 rj_bool(cfg, "early_data") == 1 ? ", early data on" : "");
    meta(b, "TLS", resume ? s : NULL);
    snprintf(s, sizeof s, "%s %s", rj_str(tool, "name") ? rj_str(tool, "name") : "tlsprof",
             rj_str(tool, "version") ? rj_str(tool, "version") : "?");
    meta(b, "tool", s);
    const char *arch = rj_str(plat, "arch");
    double cores = rj_num(plat, "cores", 0);
    if (arch && cores > 0)
        snprintf(s, sizeof s, "%s · %.0f core%s", arch, cores, cores == 1 ? "" : "s");
    meta(b, "arch", arch && cores > 0 ? s : arch);
    meta(b, "CPU", rj_str(plat, "cpu_model"));
    meta(b, "OpenSSL", rj_str(plat, "openssl_version"));
    meta(b, "kernel", rj_str(plat, "kernel"));
    hb_puts(b, "</dl>");
    const json_t *caps = rj_obj(plat, "crypto_caps");
    if (caps && json_object_size(caps) > 0) {
        hb_puts(b, "<div class=\"chips\" title=\"CPU crypto instructions\">");
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)caps, k, v)
        {
            hb_printf(b, "<span class=\"chip%s\">", json_is_true(v) ? " yes" : "");
            hb_esc(b, k);
            hb_puts(b, json_is_true(v) ? " ✓" : " ✗");
            hb_puts(b, "</span>");
        }
        hb_puts(b, "</div>");
    }
    hb_puts(b, "</header>\n");
}

static void stat_card(hbuf *b, const char *label, const char *value, const char *detail, int bad)
{
    hb_printf(b, "<div class=\"stat%s\"><div class=\"label\">", bad ? " bad" : "");
    hb_esc(b, label);
    hb_puts(b, "</div><div class=\"value\">");
    hb_esc(b, value);
    hb_puts(b, "</div><div class=\"detail\">");
    hb_esc(b, detail);
    hb_puts(b, "</div></div>\n");
}

static double total_errors(const json_t *errors)
{
    double total = 0;
    const char *phase, *reason;
    json_t *reasons, *count;
    json_object_foreach((json_t *)errors, phase, reasons)
    {
        json_object_foreach(reasons, reason, count)
        {
            if (json_is_number(count)) total += json_number_value(count);
        }
    }
    return total;
}

static void summary_cards(hbuf *b, const json_t *report)
{
    const json_t *sum = rj_obj(report, "summary");
    const json_t *res = rj_obj(rj_obj(report, "tls"), "resumption");
    char v[64], d[160], a[32], c[32];
    hb_puts(b, "<div class=\"cards\">\n");
    snprintf(d, sizeof d, "%s established · %s failed",
             fmt_count(rj_num(sum, "connections_established", 0), a, sizeof a),
             fmt_count(rj_num(sum, "connections_failed", 0), c, sizeof c));
    stat_card(b, "connections opened", fmt_count(rj_num(sum, "connections_opened", 0), v, sizeof v),
              d, 0);
    double failed = rj_num(sum, "requests_failed", 0);
    snprintf(d, sizeof d, "%s failed · %s retried", fmt_count(failed, a, sizeof a),
             fmt_count(rj_num(sum, "requests_retried", 0), c, sizeof c));
    stat_card(b, "requests ok", fmt_count(rj_num(sum, "requests_ok", 0), v, sizeof v), d,
              failed > 0 && rj_num(sum, "requests_ok", 0) == 0);
    snprintf(d, sizeof d, "%s connections/s",
             fmt_num(rj_num(sum, "connections_per_s", 0), a, sizeof a));
    stat_card(b, "requests / s", fmt_num(rj_num(sum, "requests_per_s", 0), v, sizeof v), d, 0);
    double attempted = rj_num(res, "attempted", 0);
    if (attempted > 0) {
        snprintf(v, sizeof v, "%.1f%%", 100 * rj_num(res, "rate", 0));
        snprintf(d, sizeof d, "%s of %s attempts accepted",
                 fmt_count(rj_num(res, "accepted", 0), a, sizeof a),
                 fmt_count(attempted, c, sizeof c));
        stat_card(b, "resumption rate", v, d, rj_num(res, "rate", 0) < 0.5);
    } else {
        stat_card(b, "resumption rate", "—", "no resumption attempted", 0);
    }
    double errs = total_errors(rj_obj(report, "errors"));
    const json_t *errors = rj_obj(report, "errors");
    snprintf(d, sizeof d, "%s", errs > 0 ? "see Errors below" : "none");
    if (errs > 0 && errors && json_object_size(errors) == 1) {
        void *it = json_object_iter((json_t *)errors);
        snprintf(d, sizeof d, "all in %s", json_object_iter_key(it));
    }
    stat_card(b, "errors", fmt_count(errs, v, sizeof v), d, errs > 0);
    hb_puts(b, "</div>\n");
}

static void toc(hbuf *b)
{
    static const char *const links[][2] = {{"latency", "Latency"},
                                           {"phases", "Phases"},
                                           {"errors", "Errors"},
                                           {"timeseries", "Over time"},
                                           {"slowest", "Slowest connections"},
                                           {"tls", "TLS"},
                                           {"tcp", "TCP"},
                                           {"client", "Client & config"}};
    hb_puts(b, "<nav class=\"toc\">");
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
        hb_printf(b, "<a href=\"#%s\">%s</a>", links[i][0], links[i][1]);
    hb_puts(b, "</nav>\n");
}

static void sources_note(hbuf *b, const json_t *report)
{
    const json_t *src = rj_arr(report, "sources");
    if (!src || json_array_size(src) == 0) return;
    hb_printf(b, "<p class=\"note\">Merged report: the numbers combine %zu runs (",
              json_array_size(src));
    size_t i;
    json_t *s;
    json_array_foreach(src, i, s)
    {
        if (i) hb_puts(b, "; ");
        hb_esc(b,
               rj_str(rj_obj(s, "platform"), "arch") ? rj_str(rj_obj(s, "platform"), "arch") : "?");
        hb_puts(b, " ");
        hb_esc(b, rj_str(rj_obj(s, "platform"), "cpu_model"));
    }
    hb_puts(b, ").</p>\n");
}

int report_html_write(const json_t *report, const char *path, char *err, size_t errlen)
{
    if (html_check_version(report, "report", err, errlen) != 0) return -1;
    hbuf b;
    hb_init(&b);
    char title[300];
    const char *url = rj_str(rj_obj(report, "config"), "url");
    snprintf(title, sizeof title, "tlsprof: %s", url ? url : "report");
    html_page_open(&b, title);
    html_run_header(&b, report);
    html_warnings_box(&b, rj_arr(report, "warnings"), "Warnings");
    summary_cards(&b, report);
    sources_note(&b, report);
    toc(&b);
    html_latency_section(&b, report);
    html_section_open(&b, "phases", "Phases",
                      "Nearest-rank percentiles over every sample. Hover a phase name for what "
                      "it measures.");
    html_phase_table(&b, rj_obj(report, "phases"));
    html_section_close(&b);
    html_errors_section(&b, rj_obj(report, "errors"));
    html_timeseries_section(&b, report);
    html_waterfall_section(&b, report);
    html_tls_section(&b, rj_obj(report, "tls"));
    html_tcp_section(&b, rj_obj(report, "tcp"));
    html_client_section(&b, rj_obj(report, "client"), rj_obj(report, "config"));
    html_page_close(&b);
    int rc = hb_write_file(&b, path, err, errlen);
    hb_free(&b);
    return rc;
}
