/* report_html_run_sections.c - the run report's sections below the header:
 * latency distributions, phases, errors, TLS, TCP and tlsprof's own CPU
 * use. Each is composed of the parts of report_html_parts.h only (tables,
 * cards, charts): what a section adds is which numbers of the report it
 * shows and what a reader should make of them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_html_json.h"
#include "report/report_html_parts.h"
#include "report/report_html_run.h"

/* ---- latency distributions ------------------------------------------- */

static int phase_has_samples(const json_t *phases, const char *name)
{
    return rj_num(rj_obj(phases, name), "count", 0) > 0;
}

void html_latency_section(hbuf *b, const json_t *report)
{
    const json_t *phases = rj_obj(report, "phases");
    html_section_open(b, "latency", "Latency distribution by phase",
                      "Each curve shows the latency (log scale) below which a given share of "
                      "samples fall. The x axis stretches the tail: 90%, 99%, 99.9% are equally "
                      "spaced. Circles mark p50, p90, p99 and p99.9; a curve ends at the highest "
                      "percentile its sample count supports, at the exact maximum.");
    html_grid_open(b, 2);
    int cards = 0;
    char empty[512] = "";
    size_t elen = 0;

    /* Each card: a main phase plus the phases worth seeing against it. */
    struct group {
        const char *id, *title;
        lat_series s[3];
    } groups[] = {
        {"latency-dns", "DNS", {{"dns", COL_BLUE, NULL, NULL}}},
        {"latency-tcp_connect", "TCP connect", {{"tcp_connect", COL_BLUE, NULL, NULL}}},
        {"latency-tls_handshake", "TLS handshake", {{"all handshakes", COL_BLUE, NULL, NULL}}},
        {"latency-tls_steps",
         "TLS handshake steps (from ClientHello sent)",
         {{"ServerHello received", COL_SKY, NULL, NULL},
          {"server Finished received", COL_BLUE, NULL, NULL},
          {"client CPU in handshake", COL_PURPLE, "6 3", NULL}}},
        {"latency-h2_settings", "HTTP/2 SETTINGS", {{"h2_settings", COL_BLUE, NULL, NULL}}},
        {"latency-ttfb",
         "Time to first byte",
         {{"ttfb", COL_BLUE, NULL, NULL},
          {"ttfb uncorrected (actual send)", COL_ORANGE, "6 3", NULL},
          {"ttfb of 0-RTT requests", COL_GREEN, NULL, NULL}}},
        {"latency-stream", "Stream (request to END_STREAM)", {{"stream", COL_BLUE, NULL, NULL}}},
        {"latency-connection", "Whole connection", {{"connection", COL_BLUE, NULL, NULL}}},
    };
    const char *keys[][3] = {
        {"dns"},           {"tcp_connect"},
        {"tls_handshake"}, {"tls_server_hello", "tls_server_finished", "tls_client_cpu"},
        {"h2_settings"},   {"ttfb", "ttfb_uncorrected", "ttfb_0rtt"},
        {"stream"},        {"connection"},
    };
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        int ns = 0, any = 0;
        for (int k = 0; k < 3 && keys[g][k]; k++) {
            groups[g].s[k].phase = rj_obj(phases, keys[g][k]);
            ns = k + 1;
            any |= phase_has_samples(phases, keys[g][k]);
        }
        /* Full and resumed handshakes are two populations; overlaid they
         * show what resumption buys. Alone, either equals the total. */
        if (strcmp(keys[g][0], "tls_handshake") == 0 &&
            phase_has_samples(phases, "tls_handshake_full") &&
            phase_has_samples(phases, "tls_handshake_resumed")) {
            groups[g].s[0] = (lat_series){"full handshake", COL_VERMILLION, NULL,
                                          rj_obj(phases, "tls_handshake_full")};
            groups[g].s[1] = (lat_series){"resumed (PSK)", COL_BLUE, NULL,
                                          rj_obj(phases, "tls_handshake_resumed")};
            groups[g].s[2] =
                (lat_series){"all handshakes", COL_GREY, "2 4", rj_obj(phases, "tls_handshake")};
            groups[g].title = "TLS handshake: full vs resumed";
            ns = 3;
        }
        if (!any) {
            if (elen < sizeof empty)
                elen += (size_t)snprintf(empty + elen, sizeof empty - elen, "%s%s",
                                         elen ? ", " : "No samples: ", groups[g].title);
            continue;
        }
        html_latency_card(b, groups[g].id, groups[g].title, groups[g].s, ns);
        cards++;
    }
    html_grid_close(b);
    if (cards == 0) {
        chart_no_data(b, "latency-none", "No latency samples",
                      "no phase recorded a sample in this run");
    } else if (elen > 0 && elen + 1 < sizeof empty) {
        strcat(empty, ".");
        html_note(b, empty);
    }
    html_section_close(b);
}

/* ---- phases ---------------------------------------------------------- */

static void phase_row(html_table *t, const char *name, const json_t *ph)
{
    double count = rj_num(ph, "count", 0);
    html_cell c[9] = {
        {.text = html_phase_title(name), .code = name, .tip = html_phase_meaning(name)},
        {.v = count}};
    if (count <= 0) {
        c[2] = (html_cell){.fmt = HTML_TEXT, .text = "no samples", .cls = "muted", .span = 7};
        html_table_row(t, NULL, c, 3);
        return;
    }
    static const char *const keys[] = {"min_us", "mean_us", "p50_us", "p90_us",
                                       "p99_us", "p999_us", "max_us"};
    for (int k = 0; k < 7; k++)
        c[2 + k] = (html_cell){.v = rj_num(ph, keys[k], NAN)};
    html_table_row(t, NULL, c, 9);
}

static int is_known_phase(const char *name)
{
    for (size_t i = 0; html_phase_order[i]; i++)
        if (strcmp(html_phase_order[i], name) == 0) return 1;
    return 0;
}

void html_phase_table(hbuf *b, const json_t *phases)
{
    static const html_col cols[9] = {
        {.title = "phase", .fmt = HTML_TEXT, .align = HTML_LEFT, .header = 1},
        {.title = "count", .fmt = HTML_COUNT},
        {.title = "min", .fmt = HTML_US},
        {.title = "mean", .fmt = HTML_US},
        {.title = "p50", .fmt = HTML_US},
        {.title = "p90", .fmt = HTML_US},
        {.title = "p99", .fmt = HTML_US},
        {.title = "p99.9", .fmt = HTML_US},
        {.title = "max", .fmt = HTML_US},
    };
    html_table t = {
        .cols = cols, .ncols = 9, .id = "phases", .empty = "No phase statistics in this report."};
    html_table_open(&t, b);
    /* Known phases in pipeline order, then any this reader does not know. */
    for (size_t i = 0; html_phase_order[i]; i++) {
        const json_t *ph = rj_obj(phases, html_phase_order[i]);
        if (ph) phase_row(&t, html_phase_order[i], ph);
    }
    const char *name;
    json_t *ph;
    json_object_foreach((json_t *)phases, name, ph)
    {
        if (!is_known_phase(name) && json_is_object(ph)) phase_row(&t, name, ph);
    }
    html_table_close(&t);
}

/* ---- TLS -------------------------------------------------------------- */

/* "min – max unit" of a {min, max} object; "—" when nothing was seen. */
static void kv_range(html_table *t, const json_t *o, const char *key, const char *label,
                     const char *unit)
{
    const json_t *r = rj_obj(o, key);
    if (!r) return;
    char a[32], z[32], s[96];
    double lo = rj_num(r, "min", NAN), hi = rj_num(r, "max", NAN);
    if (!isfinite(lo) || !isfinite(hi)) /* null: nothing was seen */
        snprintf(s, sizeof s, "—");
    else if (lo == hi)
        snprintf(s, sizeof s, "%s%s", fmt_count(lo, a, sizeof a), unit);
    else
        snprintf(s, sizeof s, "%s – %s%s", fmt_count(lo, a, sizeof a), fmt_count(hi, z, sizeof z),
                 unit);
    html_kv_row(t, label, s);
}

static void resumption_cards(hbuf *b, const json_t *res)
{
    char s[64], s2[32];
    html_table t;
    html_kv_open(&t, b, "Session resumption");
    if (!res) {
        html_kv_row(&t, "resumption", "not reported");
        html_kv_close(&t);
        return;
    }
    html_kv_count(&t, res, "attempted", "attempted");
    html_kv_count(&t, res, "accepted", "accepted");
    html_kv_count(&t, res, "rejected", "rejected");
    if (rj_get(res, "rate")) {
        snprintf(s, sizeof s, "%.1f%%", 100 * rj_num(res, "rate", 0));
        html_kv_row(&t, "acceptance rate", s);
    }
    html_kv_count(&t, res, "tickets_received", "tickets received");
    if (rj_get(res, "tickets_per_connection"))
        html_kv_row(&t, "tickets per connection",
                    fmt_num(rj_num(res, "tickets_per_connection", 0), s, sizeof s));
    kv_range(&t, res, "ticket_lifetime_hint_s", "ticket lifetime hint", " s");
    kv_range(&t, res, "ticket_size_bytes", "ticket size", " bytes");
    kv_range(&t, res, "max_early_data", "max_early_data", " bytes");
    const json_t *modes = rj_obj(res, "psk_ke_modes");
    if (modes && json_object_size(modes) > 0) {
        hbuf m;
        hb_init(&m);
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)modes, k, v)
        {
            if (m.len) hb_puts(&m, ", ");
            hb_printf(&m, "%s × %s", k, fmt_count(json_number_value(v), s2, sizeof s2));
        }
        html_kv_row(&t, "psk_ke_modes", m.data);
        if (m.failed) b->failed = 1;
        hb_free(&m);
    }
    html_kv_close(&t);

    const json_t *per = rj_obj(res, "per_address");
    if (per && json_object_size(per) > 1) {
        static const html_col cols[3] = {
            {.title = "address", .fmt = HTML_CODE, .align = HTML_LEFT, .header = 1},
            {.title = "attempted", .fmt = HTML_COUNT},
            {.title = "accepted", .fmt = HTML_COUNT}};
        html_card_open(b, "Resumption per server address");
        html_table pt = {.cols = cols, .ncols = 3};
        html_table_open(&pt, b);
        const char *addr;
        json_t *v;
        json_object_foreach((json_t *)per, addr, v)
        {
            html_row(&pt, NULL, {.text = addr}, {.v = rj_num(v, "attempted", 0)},
                     {.v = rj_num(v, "accepted", 0)});
        }
        html_table_close(&pt);
        html_card_close(b);
    }
}

void html_tls_section(hbuf *b, const json_t *tls)
{
    html_section_open(b, "tls", "TLS",
                      "What was negotiated, counted over all connections. A resumption rate "
                      "well below 100% with tickets received usually means the server did not "
                      "accept its own tickets (e.g. a different ticket key per process).");
    if (!tls) {
        html_no_data(b, "No TLS data in this report.");
        html_section_close(b);
        return;
    }
    html_grid_open(b, 3);
    html_count_card(b, "Protocol versions", rj_obj(tls, "versions"));
    html_count_card(b, "Cipher suites", rj_obj(tls, "ciphers"));
    html_count_card(b, "Key-exchange groups", rj_obj(tls, "groups"));
    html_count_card(b, "Signature algorithms", rj_obj(tls, "sigalgs"));
    html_count_card(b, "ALPN", rj_obj(tls, "alpn"));
    resumption_cards(b, rj_obj(tls, "resumption"));
    const json_t *ed = rj_obj(tls, "early_data");
    html_table t;
    html_kv_open(&t, b, "Early data (0-RTT)");
    if (ed) {
        html_kv_count(&t, ed, "attempted", "attempted");
        html_kv_count(&t, ed, "accepted", "accepted");
        html_kv_count(&t, ed, "rejected", "rejected");
        html_kv_count(&t, ed, "replayed", "replayed");
    } else {
        html_kv_row(&t, "early data", "not reported");
    }
    const char *verify = rj_str(rj_obj(tls, "certificate"), "verify");
    html_kv_row(&t, "certificate verification", verify ? verify : "not reported");
    html_kv_close(&t);
    html_grid_close(b);
    html_section_close(b);
}

/* ---- TCP -------------------------------------------------------------- */

static void stats_row(html_table *t, const char *label, const json_t *st, int is_time)
{
    char a[32], c[32], d[32], s[128];
    if (!st) return;
    if (rj_num(st, "count", 0) <= 0) {
        html_kv_row(t, label, "no samples");
        return;
    }
    if (is_time)
        snprintf(s, sizeof s, "p50 %s · p99 %s · max %s",
                 fmt_us(rj_num(st, "p50_us", 0), a, sizeof a),
                 fmt_us(rj_num(st, "p99_us", 0), c, sizeof c),
                 fmt_us(rj_num(st, "max_us", 0), d, sizeof d));
    else
        snprintf(s, sizeof s, "mean %s · p99 %s · max %s",
                 fmt_num(rj_num(st, "mean_us", 0), a, sizeof a),
                 fmt_num(rj_num(st, "p99_us", 0), c, sizeof c),
                 fmt_num(rj_num(st, "max_us", 0), d, sizeof d));
    html_kv_row(t, label, s);
}

static void tw_row(html_table *t, const char *label, const json_t *tw)
{
    char a[32], c[32], d[32], s[128];
    if (!tw) return;
    snprintf(s, sizeof s, "%s before · %s peak · %s after",
             fmt_count(rj_num(tw, "before", 0), a, sizeof a),
             fmt_count(rj_num(tw, "peak", 0), c, sizeof c),
             fmt_count(rj_num(tw, "after", 0), d, sizeof d));
    html_kv_row(t, label, s);
}

static void time_wait_card(hbuf *b, const json_t *tcp)
{
    char s[96];
    html_table t;
    const json_t *tw = rj_obj(tcp, "time_wait");
    html_kv_open(&t, b, "TIME_WAIT");
    if (tw) {
        tw_row(&t, "client side", tw);
        const json_t *srv = rj_obj(tw, "server_side");
        if (srv)
            tw_row(&t, "server side", srv);
        else
            html_kv_row(&t, "server side", "not visible (server on another host)");
        html_kv_row(&t, "who holds TIME_WAIT", rj_str(tw, "holder"));
    } else {
        html_kv_row(&t, "TIME_WAIT", "not reported");
    }
    const json_t *eph = rj_obj(tcp, "ephemeral_ports");
    if (eph) {
        const json_t *range = rj_arr(eph, "range");
        if (range && json_array_size(range) == 2) {
            snprintf(s, sizeof s, "%.0f – %.0f", json_number_value(json_array_get(range, 0)),
                     json_number_value(json_array_get(range, 1)));
            html_kv_row(&t, "ephemeral port range", s);
        }
        const json_t *v = rj_get(eph, "tw_reuse");
        if (v) {
            if (json_is_number(v))
                snprintf(s, sizeof s, "%.0f", json_number_value(v));
            else
                snprintf(s, sizeof s, "%s", json_is_true(v) ? "on" : "off");
            html_kv_row(&t, "net.ipv4.tcp_tw_reuse", s);
        }
        if (rj_str(eph, "warning")) html_kv_row(&t, "warning", rj_str(eph, "warning"));
    }
    html_kv_close(&t);
}

void html_tcp_section(hbuf *b, const json_t *tcp)
{
    html_section_open(b, "tcp", "TCP (kernel view)",
                      "Per-connection numbers come from TCP_INFO of this run's own sockets. "
                      "TIME_WAIT counts sockets towards the target's address and port. The "
                      "system-wide counters cover the whole network namespace, including other "
                      "programs' traffic during the run.");
    if (!tcp) {
        html_no_data(b, "No TCP data in this report.");
        html_section_close(b);
        return;
    }
    html_grid_open(b, 3);
    html_table t;
    html_kv_open(&t, b, "This run's connections");
    html_kv_count(&t, tcp, "retransmits_total", "segments retransmitted");
    html_kv_count(&t, tcp, "connections_with_retransmits", "connections with retransmits");
    html_kv_count(&t, tcp, "retransmits_spurious",
                  "of them spurious (D-SACK: the receiver already had them)");
    html_kv_count(&t, tcp, "syn_retransmits", "SYN retransmits");
    html_kv_count(&t, tcp, "syn_retransmits_inferred", "connects taking ≥ 1 s (SYN lost?)");
    stats_row(&t, "round-trip time (TCP_INFO)", rj_obj(tcp, "rtt_us"), 1);
    stats_row(&t, "retransmits per connection", rj_obj(tcp, "retransmits_per_connection"), 0);
    html_kv_close(&t);
    time_wait_card(b, tcp);

    static const html_col cols[2] = {
        {.title = "counter (/proc/net)", .fmt = HTML_CODE, .align = HTML_LEFT, .header = 1},
        {.title = "change during run", .fmt = HTML_COUNT}};
    html_card_open_ex(b, "System-wide counters", "system-wide", NULL);
    html_table st = {.cols = cols, .ncols = 2, .id = "system_deltas", .empty = "not reported"};
    html_table_open(&st, b);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)rj_obj(tcp, "system_deltas"), k, v)
    {
        html_row(&st, NULL, {.text = k}, {.v = json_is_number(v) ? json_number_value(v) : NAN});
    }
    html_table_close(&st);
    html_card_close(b);
    html_grid_close(b);
    html_section_close(b);
}

/* ---- errors ----------------------------------------------------------- */

typedef struct err_row {
    const char *phase, *reason;
    double count;
} err_row;

static int err_by_count(const void *a, const void *b)
{
    const err_row *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    int c = strcmp(x->phase, y->phase);
    return c ? c : strcmp(x->reason, y->reason);
}

void html_errors_section(hbuf *b, const json_t *errors)
{
    html_section_open(b, "errors", "Errors", NULL);
    size_t n = 0, cap = 0;
    const char *phase, *reason;
    json_t *reasons, *count;
    json_object_foreach((json_t *)errors, phase, reasons)
    {
        cap += json_is_object(reasons) ? json_object_size(reasons) : 0;
    }
    err_row *rows = cap ? malloc(cap * sizeof *rows) : NULL;
    if (cap && !rows) {
        b->failed = 1;
        return;
    }
    json_object_foreach((json_t *)errors, phase, reasons)
    {
        if (!json_is_object(reasons)) continue;
        json_object_foreach(reasons, reason, count)
        {
            if (json_is_number(count) && json_number_value(count) > 0)
                rows[n++] = (err_row){phase, reason, json_number_value(count)};
        }
    }
    if (n == 0) {
        html_ok_note(b, "No errors."); /* good news, not missing data */
    } else {
        static const html_col cols[3] = {
            {.title = "phase", .fmt = HTML_CODE},
            {.title = "reason", .fmt = HTML_TEXT, .align = HTML_LEFT, .cls = "wrap"},
            {.title = "count", .fmt = HTML_COUNT}};
        qsort(rows, n, sizeof *rows, err_by_count);
        html_table t = {.cols = cols, .ncols = 3, .id = "errors"};
        html_table_open(&t, b);
        for (size_t i = 0; i < n; i++)
            html_row(&t, NULL, {.text = rows[i].phase}, {.text = rows[i].reason},
                     {.v = rows[i].count});
        html_table_close(&t);
    }
    free(rows);
    html_section_close(b);
}

/* ---- client CPU and configuration ------------------------------------ */

void html_client_section(hbuf *b, const json_t *client, const json_t *config)
{
    char s[64];
    html_section_open(b, "client", "Client and configuration",
                      "If the busiest thread is near 100%, tlsprof itself may be the "
                      "bottleneck: add threads (-t) before trusting the latencies.");
    html_grid_open(b, 2);
    html_table t;
    html_kv_open(&t, b, "tlsprof's own CPU use");
    if (client) {
        snprintf(s, sizeof s, "%.2f s user · %.2f s system", rj_num(client, "cpu_user_s", 0),
                 rj_num(client, "cpu_sys_s", 0));
        html_kv_row(&t, "whole process", s); /* start-up and, under demo, the embedded server too */
        if (rj_get(client, "busiest_thread_utilisation")) {
            snprintf(s, sizeof s, "%.0f%%", 100 * rj_num(client, "busiest_thread_utilisation", 0));
            html_kv_row(&t, "busiest thread", s);
        }
        size_t i;
        json_t *th;
        json_array_foreach(rj_arr(client, "threads"), i, th)
        {
            char k[32];
            snprintf(k, sizeof k, "thread %zu", i);
            snprintf(s, sizeof s, "%.2f s CPU · %.0f%% busy", rj_num(th, "cpu_s", 0),
                     100 * rj_num(th, "utilisation", 0));
            html_kv_row(&t, k, s);
        }
    } else {
        html_kv_row(&t, "CPU use", "not reported");
    }
    html_kv_close(&t);

    html_kv_open(&t, b, "Configuration");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)config, k, v)
    {
        char *dump = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        if (!json_is_string(v) && !dump) {
            b->failed = 1;
            break;
        }
        html_kv_code(&t, k, dump ? dump : json_string_value(v));
        free(dump);
    }
    html_kv_close(&t);
    html_grid_close(b);
    html_section_close(b);
}
