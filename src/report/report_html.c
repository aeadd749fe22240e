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
#include "report/report_html_run.h"
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

void html_run_header(hbuf *b, const json_t *report)
{
    const json_t *cfg = rj_obj(report, "config"), *plat = rj_obj(report, "platform"),
                 *sum = rj_obj(report, "summary"), *tool = rj_obj(report, "tool");
    char s[160], t1[32], t2[32];
    const char *url = rj_str(cfg, "url");
    html_header_open(b, url ? url : "(target not recorded)", "tlsprof run report",
                     rj_bool(sum, "interrupted") == 1 ? "interrupted" : NULL);
    html_meta_open(b);
    const char *mode = rj_str(cfg, "mode");
    double streams = rj_num(cfg, "streams", 1);
    double conns = rj_num(cfg, "connections", 0);
    snprintf(s, sizeof s, "%s · %s · %s connection%s · %s stream%s each", mode ? mode : "?",
             report_protocol_label(cfg), fmt_count(conns, t1, sizeof t1), conns == 1 ? "" : "s",
             fmt_count(streams, t2, sizeof t2), streams == 1 ? "" : "s");
    html_meta(b, "mode", s);
    snprintf(s, sizeof s, "%.3g s measured",
             rj_num(sum, "duration_s", rj_num(cfg, "duration_s", 0)));
    if (rj_num(cfg, "warmup_s", 0) > 0)
        snprintf(s + strlen(s), sizeof s - strlen(s), " (after %.3g s warm-up)",
                 rj_num(cfg, "warmup_s", 0));
    html_meta(b, "duration", s);
    if (rj_num(cfg, "rate", 0) > 0) {
        snprintf(s, sizeof s, "%s /s (open loop)",
                 fmt_count(rj_num(cfg, "rate", 0), t1, sizeof t1));
        html_meta(b, "rate", s);
    } else {
        html_meta(b, "rate", "closed loop");
    }
    run_date(report, s, sizeof s);
    html_meta(b, "date", s);
    const char *addr = rj_str(cfg, "address");
    html_meta(b, "address", addr);
    const char *resume = rj_str(cfg, "resume");
    if (resume)
        snprintf(s, sizeof s, "resume %s%s", resume,
                 rj_bool(cfg, "early_data") == 1 ? ", early data on" : "");
    html_meta(b, "TLS", resume ? s : NULL);
    snprintf(s, sizeof s, "%s %s", rj_str(tool, "name") ? rj_str(tool, "name") : "tlsprof",
             rj_str(tool, "version") ? rj_str(tool, "version") : "?");
    html_meta(b, "tool", s);
    const char *arch = rj_str(plat, "arch");
    double cores = rj_num(plat, "cores", 0);
    if (arch && cores > 0)
        snprintf(s, sizeof s, "%s · %.0f core%s", arch, cores, cores == 1 ? "" : "s");
    html_meta(b, "arch", arch && cores > 0 ? s : arch);
    html_meta(b, "CPU", rj_str(plat, "cpu_model"));
    html_meta(b, "OpenSSL", rj_str(plat, "openssl_version"));
    html_meta(b, "kernel", rj_str(plat, "kernel"));
    html_meta_close(b);
    const json_t *caps = rj_obj(plat, "crypto_caps");
    if (caps && json_object_size(caps) > 0) {
        html_chips_open(b, "CPU crypto instructions");
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)caps, k, v)
        {
            html_chip(b, k, json_is_true(v));
        }
        html_chips_close(b);
    }
    html_header_close(b);
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
    html_stats_open(b);
    snprintf(d, sizeof d, "%s established · %s failed",
             fmt_count(rj_num(sum, "connections_established", 0), a, sizeof a),
             fmt_count(rj_num(sum, "connections_failed", 0), c, sizeof c));
    html_stat(b, "connections opened", fmt_count(rj_num(sum, "connections_opened", 0), v, sizeof v),
              d, 0);
    double failed = rj_num(sum, "requests_failed", 0);
    snprintf(d, sizeof d, "%s failed · %s retried", fmt_count(failed, a, sizeof a),
             fmt_count(rj_num(sum, "requests_retried", 0), c, sizeof c));
    html_stat(b, "requests ok", fmt_count(rj_num(sum, "requests_ok", 0), v, sizeof v), d,
              failed > 0 && rj_num(sum, "requests_ok", 0) == 0);
    snprintf(d, sizeof d, "%s connections/s",
             fmt_num(rj_num(sum, "connections_per_s", 0), a, sizeof a));
    html_stat(b, "requests / s", fmt_num(rj_num(sum, "requests_per_s", 0), v, sizeof v), d, 0);
    double attempted = rj_num(res, "attempted", 0);
    if (attempted > 0) {
        snprintf(v, sizeof v, "%.1f%%", 100 * rj_num(res, "rate", 0));
        snprintf(d, sizeof d, "%s of %s attempts accepted",
                 fmt_count(rj_num(res, "accepted", 0), a, sizeof a),
                 fmt_count(attempted, c, sizeof c));
        html_stat(b, "resumption rate", v, d, rj_num(res, "rate", 0) < 0.5);
    } else {
        html_stat(b, "resumption rate", "—", "no resumption attempted", 0);
    }
    double errs = total_errors(rj_obj(report, "errors"));
    const json_t *errors = rj_obj(report, "errors");
    snprintf(d, sizeof d, "%s", errs > 0 ? "see Errors below" : "none");
    if (errs > 0 && errors && json_object_size(errors) == 1) {
        void *it = json_object_iter((json_t *)errors);
        snprintf(d, sizeof d, "all in %s", json_object_iter_key(it));
    }
    html_stat(b, "errors", fmt_count(errs, v, sizeof v), d, errs > 0);
    html_stats_close(b);
}

static void toc(hbuf *b)
{
    static const html_link links[] = {{"latency", "Latency"},
                                      {"phases", "Phases"},
                                      {"errors", "Errors"},
                                      {"timeseries", "Over time"},
                                      {"slowest", "Slowest connections"},
                                      {"tls", "TLS"},
                                      {"tcp", "TCP"},
                                      {"client", "Client & config"}};
    html_toc(b, links, (int)(sizeof links / sizeof links[0]));
}

static void sources_note(hbuf *b, const json_t *report)
{
    const json_t *src = rj_arr(report, "sources");
    if (!src || json_array_size(src) == 0) return;
    hbuf text; /* plain text: html_note escapes it */
    hb_init(&text);
    hb_printf(&text, "Merged report: the numbers combine %zu runs (", json_array_size(src));
    size_t i;
    json_t *s;
    json_array_foreach(src, i, s)
    {
        const json_t *plat = rj_obj(s, "platform");
        if (i) hb_puts(&text, "; ");
        hb_puts(&text, rj_str(plat, "arch") ? rj_str(plat, "arch") : "?");
        hb_puts(&text, " ");
        hb_puts(&text, rj_str(plat, "cpu_model"));
    }
    hb_puts(&text, ").");
    html_note(b, text.data);
    if (text.failed) b->failed = 1;
    hb_free(&text);
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
    html_section_open(&b, "timeseries", "Over time",
                      "One point per reporting interval (--interval), plotted at the middle of "
                      "the interval. Shaded intervals had errors; triangles on the time axis "
                      "mark intervals with TCP retransmissions.");
    html_timeseries(&b, rj_arr(report, "timeseries"));
    html_section_close(&b);
    html_section_open(&b, "slowest", "Slowest connections",
                      "Slowest first. Every row is one connection on a time axis shared by all "
                      "rows, starting when it began (with DNS, if any). Thin black ticks inside "
                      "the handshake mark ServerHello and the server's Finished. Hover a bar for "
                      "its exact duration.");
    html_waterfall(&b, rj_arr(report, "slowest"));
    html_section_close(&b);
    html_tls_section(&b, rj_obj(report, "tls"));
    html_tcp_section(&b, rj_obj(report, "tcp"));
    html_client_section(&b, rj_obj(report, "client"), rj_obj(report, "config"));
    html_page_close(&b);
    int rc = hb_write_file(&b, path, err, errlen);
    hb_free(&b);
    return rc;
}
