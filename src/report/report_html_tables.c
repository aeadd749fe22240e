/* report_html_tables.c - the numeric tables: phases, TLS, TCP, errors and
 * tlsprof's own CPU use. Durations in human units (µs/ms/s), counts with
 * thousands separators, every string from the report escaped. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_html_json.h"
#include "report/report_html_parts.h"

typedef struct kv {
    const char *key;
    double value;
} kv;

static int by_value_desc(const void *a, const void *b)
{
    const kv *x = a, *y = b;
    if (x->value != y->value) return x->value < y->value ? 1 : -1;
    return strcmp(x->key, y->key);
}

/* The numeric members of obj sorted by value, largest first. Caller frees. */
static kv *sorted_counts(const json_t *obj, size_t *n, double *total)
{
    *n = 0;
    *total = 0;
    size_t cap = json_is_object(obj) ? json_object_size(obj) : 0;
    if (cap == 0) return NULL;
    kv *v = malloc(cap * sizeof *v);
    if (!v) return NULL;
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)obj, k, val)
    {
        if (!json_is_number(val)) continue;
        v[*n] = (kv){k, json_number_value(val)};
        *total += v[*n].value;
        (*n)++;
    }
    qsort(v, *n, sizeof *v, by_value_desc);
    return v;
}

static void td_us(hbuf *b, double us)
{
    char s[32];
    hb_printf(b, "<td class=\"num\">%s</td>", fmt_us(us, s, sizeof s));
}

static void td_count(hbuf *b, double v)
{
    char s[32];
    hb_printf(b, "<td class=\"num\">%s</td>", fmt_count(v, s, sizeof s));
}

/* ---- phases ---------------------------------------------------------- */

static void phase_row(hbuf *b, const char *name, const json_t *ph)
{
    static const char *const cols[] = {"min_us", "mean_us", "p50_us", "p90_us",
                                       "p99_us", "p999_us", "max_us"};
    hb_puts(b, "<tr><th scope=\"row\" title=\"");
    hb_esc(b, html_phase_meaning(name));
    hb_puts(b, "\">");
    hb_esc(b, html_phase_title(name));
    hb_puts(b, " <code>");
    hb_esc(b, name);
    hb_puts(b, "</code></th>");
    td_count(b, rj_num(ph, "count", 0));
    if (rj_num(ph, "count", 0) <= 0) {
        hb_puts(b, "<td class=\"muted\" colspan=\"7\">no samples</td>");
    } else {
        for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
            td_us(b, rj_num(ph, cols[c], NAN));
    }
    hb_puts(b, "</tr>\n");
}

static int is_known_phase(const char *name)
{
    for (size_t i = 0; html_phase_order[i]; i++)
        if (strcmp(html_phase_order[i], name) == 0) return 1;
    return 0;
}

void html_phase_table(hbuf *b, const json_t *phases)
{
    if (!json_is_object(phases) || json_object_size(phases) == 0) {
        hb_puts(b, "<p class=\"nodata-inline\">No phase statistics in this report.</p>\n");
        return;
    }
    hb_puts(b, "<table class=\"data\"><thead><tr><th>phase</th><th class=\"num\">count</th>"
               "<th class=\"num\">min</th><th class=\"num\">mean</th><th class=\"num\">p50</th>"
               "<th class=\"num\">p90</th><th class=\"num\">p99</th><th class=\"num\">p99.9</th>"
               "<th class=\"num\">max</th></tr></thead><tbody>\n");
    /* Known phases in pipeline order, then any this reader does not know. */
    for (size_t i = 0; html_phase_order[i]; i++) {
        const json_t *ph = rj_obj(phases, html_phase_order[i]);
        if (ph) phase_row(b, html_phase_order[i], ph);
    }
    const char *name;
    json_t *ph;
    json_object_foreach((json_t *)phases, name, ph)
    {
        if (!is_known_phase(name) && json_is_object(ph)) phase_row(b, name, ph);
    }
    hb_puts(b, "</tbody></table>\n");
}

/* ---- small building blocks ------------------------------------------- */

static void kv_open(hbuf *b, const char *title)
{
    hb_puts(b, "<div class=\"card\"><h3>");
    hb_esc(b, title);
    hb_puts(b, "</h3><table class=\"kv\"><tbody>\n");
}

static void kv_close(hbuf *b)
{
    hb_puts(b, "</tbody></table></div>\n");
}

/* One key/value row; the value is escaped text. */
static void kv_row(hbuf *b, const char *key, const char *value)
{
    hb_puts(b, "<tr><th scope=\"row\">");
    hb_esc(b, key);
    hb_puts(b, "</th><td>");
    hb_esc(b, value ? value : "—");
    hb_puts(b, "</td></tr>\n");
}

static void kv_count(hbuf *b, const json_t *o, const char *key, const char *label)
{
    char s[32];
    const json_t *v = rj_get(o, key);
    if (json_is_number(v)) kv_row(b, label, fmt_count(json_number_value(v), s, sizeof s));
}

static void kv_range(hbuf *b, const json_t *o, const char *key, const char *label, const char *unit)
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
    kv_row(b, label, s);
}

/* A card with a name → count table, largest first, with each row's share. */
static void count_card(hbuf *b, const char *title, const json_t *obj)
{
    size_t n;
    double total;
    kv *v = sorted_counts(obj, &n, &total);
    hb_puts(b, "<div class=\"card\"><h3>");
    hb_esc(b, title);
    hb_puts(b, "</h3>");
    if (n == 0) {
        hb_puts(b, "<p class=\"nodata-inline\">none recorded</p></div>\n");
        free(v);
        return;
    }
    hb_puts(b, "<table class=\"data\"><tbody>\n");
    for (size_t i = 0; i < n; i++) {
        hb_puts(b, "<tr><th scope=\"row\"><code>");
        hb_esc(b, v[i].key);
        hb_puts(b, "</code></th>");
        td_count(b, v[i].value);
        hb_printf(b, "<td class=\"num muted\">%.1f%%</td></tr>\n",
                  total > 0 ? 100 * v[i].value / total : 0);
    }
    hb_puts(b, "</tbody></table></div>\n");
    free(v);
}

/* ---- TLS -------------------------------------------------------------- */

static void resumption_card(hbuf *b, const json_t *res)
{
    char s[64], s2[32];
    kv_open(b, "Session resumption");
    if (!res) {
        kv_row(b, "resumption", "not reported");
        kv_close(b);
        return;
    }
    kv_count(b, res, "attempted", "attempted");
    kv_count(b, res, "accepted", "accepted");
    kv_count(b, res, "rejected", "rejected");
    if (rj_get(res, "rate")) {
        snprintf(s, sizeof s, "%.1f%%", 100 * rj_num(res, "rate", 0));
        kv_row(b, "acceptance rate", s);
    }
    kv_count(b, res, "tickets_received", "tickets received");
    if (rj_get(res, "tickets_per_connection"))
        kv_row(b, "tickets per connection",
               fmt_num(rj_num(res, "tickets_per_connection", 0), s, sizeof s));
    kv_range(b, res, "ticket_lifetime_hint_s", "ticket lifetime hint", " s");
    kv_range(b, res, "ticket_size_bytes", "ticket size", " bytes");
    kv_range(b, res, "max_early_data", "max_early_data", " bytes");
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
        kv_row(b, "psk_ke_modes", m.data);
        if (m.failed) b->failed = 1;
        hb_free(&m);
    }
    kv_close(b);

    const json_t *per = rj_obj(res, "per_address");
    if (per && json_object_size(per) > 1) {
        hb_puts(b, "<div class=\"card\"><h3>Resumption per server address</h3>"
                   "<table class=\"data\"><thead><tr><th>address</th><th class=\"num\">"
                   "attempted</th><th class=\"num\">accepted</th></tr></thead><tbody>\n");
        const char *addr;
        json_t *v;
        json_object_foreach((json_t *)per, addr, v)
        {
            hb_puts(b, "<tr><th scope=\"row\"><code>");
            hb_esc(b, addr);
            hb_puts(b, "</code></th>");
            td_count(b, rj_num(v, "attempted", 0));
            td_count(b, rj_num(v, "accepted", 0));
            hb_puts(b, "</tr>\n");
        }
        hb_puts(b, "</tbody></table></div>\n");
    }
}

void html_tls_section(hbuf *b, const json_t *tls)
{
    html_section_open(b, "tls", "TLS",
                      "What was negotiated, counted over all connections. A resumption rate "
                      "well below 100% with tickets received usually means the server did not "
                      "accept its own tickets (e.g. a different ticket key per process).");
    if (!tls) {
        hb_puts(b, "<p class=\"nodata-inline\">No TLS data in this report.</p>\n");
        html_section_close(b);
        return;
    }
    hb_puts(b, "<div class=\"grid3\">\n");
    count_card(b, "Protocol versions", rj_obj(tls, "versions"));
    count_card(b, "Cipher suites", rj_obj(tls, "ciphers"));
    count_card(b, "Key-exchange groups", rj_obj(tls, "groups"));
    count_card(b, "Signature algorithms", rj_obj(tls, "sigalgs"));
    count_card(b, "ALPN", rj_obj(tls, "alpn"));
    resumption_card(b, rj_obj(tls, "resumption"));
    const json_t *ed = rj_obj(tls, "early_data");
    kv_open(b, "Early data (0-RTT)");
    if (ed) {
        kv_count(b, ed, "attempted", "attempted");
        kv_count(b, ed, "accepted", "accepted");
        kv_count(b, ed, "rejected", "rejected");
        kv_count(b, ed, "replayed", "replayed");
    } else {
        kv_row(b, "early data", "not reported");
    }
    const char *verify = rj_str(rj_obj(tls, "certificate"), "verify");
    kv_row(b, "certificate verification", verify ? verify : "not reported");
    kv_close(b);
    hb_puts(b, "</div>\n");
    html_section_close(b);
}

/* ---- TCP -------------------------------------------------------------- */

static void stats_row(hbuf *b, const char *label, const json_t *st, int is_time)
{
    char a[32], c[32], d[32];
    if (!st) return;
    char s[128];
    if (rj_num(st, "count", 0) <= 0) {
        kv_row(b, label, "no samples");
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
    kv_row(b, label, s);
}

static void tw_row(hbuf *b, const char *label, const json_t *tw)
{
    char a[32], c[32], d[32], s[128];
    if (!tw) return;
    snprintf(s, sizeof s, "%s before · %s peak · %s after",
             fmt_count(rj_num(tw, "before", 0), a, sizeof a),
             fmt_count(rj_num(tw, "peak", 0), c, sizeof c),
             fmt_count(rj_num(tw, "after", 0), d, sizeof d));
    kv_row(b, label, s);
}

void html_tcp_section(hbuf *b, const json_t *tcp)
{
    html_section_open(b, "tcp", "TCP (kernel view)",
                      "Per-connection numbers come from TCP_INFO of this run's own sockets. "
                      "TIME_WAIT counts sockets towards the target's address and port. The "
                      "system-wide counters cover the whole network namespace, including other "
                      "programs' traffic during the run.");
    if (!tcp) {
        hb_puts(b, "<p class=\"nodata-inline\">No TCP data in this report.</p>\n");
        html_section_close(b);
        return;
    }
    char s[96];
    hb_puts(b, "<div class=\"grid3\">\n");
    kv_open(b, "This run's connections");
    kv_count(b, tcp, "retransmits_total", "segments retransmitted");
    kv_count(b, tcp, "connections_with_retransmits", "connections with retransmits");
    kv_count(b, tcp, "retransmits_spurious",
             "of them spurious (D-SACK: the receiver already had them)");
    kv_count(b, tcp, "syn_retransmits", "SYN retransmits");
    kv_count(b, tcp, "syn_retransmits_inferred", "connects taking ≥ 1 s (SYN lost?)");
    stats_row(b, "round-trip time (TCP_INFO)", rj_obj(tcp, "rtt_us"), 1);
    stats_row(b, "retransmits per connection", rj_obj(tcp, "retransmits_per_connection"), 0);
    kv_close(b);

    const json_t *tw = rj_obj(tcp, "time_wait");
    kv_open(b, "TIME_WAIT");
    if (tw) {
        tw_row(b, "client side", tw);
        const json_t *srv = rj_obj(tw, "server_side");
        if (srv)
            tw_row(b, "server side", srv);
        else
            kv_row(b, "server side", "not visible (server on another host)");
        kv_row(b, "who holds TIME_WAIT", rj_str(tw, "holder"));
    } else {
        kv_row(b, "TIME_WAIT", "not reported");
    }
    const json_t *eph = rj_obj(tcp, "ephemeral_ports");
    if (eph) {
        const json_t *range = rj_arr(eph, "range");
        if (range && json_array_size(range) == 2) {
            snprintf(s, sizeof s, "%.0f – %.0f", json_number_value(json_array_get(range, 0)),
                     json_number_value(json_array_get(range, 1)));
            kv_row(b, "ephemeral port range", s);
        }
        if (rj_get(eph, "tw_reuse")) {
            const json_t *v = rj_get(eph, "tw_reuse");
            if (json_is_number(v))
                snprintf(s, sizeof s, "%.0f", json_number_value(v));
            else
                snprintf(s, sizeof s, "%s", json_is_true(v) ? "on" : "off");
            kv_row(b, "net.ipv4.tcp_tw_reuse", s);
        }
        if (rj_str(eph, "warning")) kv_row(b, "warning", rj_str(eph, "warning"));
    }
    kv_close(b);

    const json_t *sys = rj_obj(tcp, "system_deltas");
    hb_puts(b, "<div class=\"card\"><h3>System-wide counters <span class=\"tag\">system-wide"
               "</span></h3>");
    if (sys && json_object_size(sys) > 0) {
        hb_puts(b, "<table class=\"data\"><thead><tr><th>counter (/proc/net)</th>"
                   "<th class=\"num\">change during run</th></tr></thead><tbody>\n");
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)sys, k, v)
        {
            hb_puts(b, "<tr><th scope=\"row\"><code>");
            hb_esc(b, k);
            hb_puts(b, "</code></th>");
            td_count(b, json_number_value(v));
            hb_puts(b, "</tr>\n");
        }
        hb_puts(b, "</tbody></table>");
    } else {
        hb_puts(b, "<p class=\"nodata-inline\">not reported</p>");
    }
    hb_puts(b, "</div>\n</div>\n");
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
        hb_puts(b, "<p class=\"ok-note\">No errors.</p>\n");
    } else {
        qsort(rows, n, sizeof *rows, err_by_count);
        hb_puts(b, "<table class=\"data errors\"><thead><tr><th>phase</th><th>reason</th>"
                   "<th class=\"num\">count</th></tr></thead><tbody>\n");
        for (size_t i = 0; i < n; i++) {
            hb_puts(b, "<tr><td><code>");
            hb_esc(b, rows[i].phase);
            hb_puts(b, "</code></td><td>");
            hb_esc(b, rows[i].reason);
            hb_puts(b, "</td>");
            td_count(b, rows[i].count);
            hb_puts(b, "</tr>\n");
        }
        hb_puts(b, "</tbody></table>\n");
    }
    free(rows);
    html_section_close(b);
}

/* ---- client CPU and configuration ------------------------------------ */

static void config_value(hbuf *b, const json_t *v)
{
    if (json_is_string(v)) {
        hb_esc(b, json_string_value(v));
    } else {
        char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        if (!s) {
            b->failed = 1;
            return;
        }
        hb_esc(b, s);
        free(s);
    }
}

void html_client_section(hbuf *b, const json_t *client, const json_t *config)
{
    char s[64];
    html_section_open(b, "client", "Client and configuration",
                      "If the busiest thread is near 100%, tlsprof itself may be the "
                      "bottleneck: add threads (-t) before trusting the latencies.");
    hb_puts(b, "<div class=\"grid2\">\n");
    kv_open(b, "tlsprof's own CPU use");
    if (client) {
        snprintf(s, sizeof s, "%.2f s user · %.2f s system", rj_num(client, "cpu_user_s", 0),
                 rj_num(client, "cpu_sys_s", 0));
        kv_row(b, "whole process", s); /* start-up and, under demo, the embedded server too */
        if (rj_get(client, "busiest_thread_utilisation")) {
            snprintf(s, sizeof s, "%.0f%%", 100 * rj_num(client, "busiest_thread_utilisation", 0));
            kv_row(b, "busiest thread", s);
        }
        const json_t *threads = rj_arr(client, "threads");
        size_t i;
        json_t *t;
        json_array_foreach(threads, i, t)
        {
            char k[32];
            snprintf(k, sizeof k, "thread %zu", i);
            snprintf(s, sizeof s, "%.2f s CPU · %.0f%% busy", rj_num(t, "cpu_s", 0),
                     100 * rj_num(t, "utilisation", 0));
            kv_row(b, k, s);
        }
    } else {
        kv_row(b, "CPU use", "not reported");
    }
    kv_close(b);
    hb_puts(b, "<div class=\"card\"><h3>Configuration</h3>");
    if (json_is_object(config) && json_object_size(config) > 0) {
        hb_puts(b, "<table class=\"kv\"><tbody>\n");
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)config, k, v)
        {
            hb_puts(b, "<tr><th scope=\"row\">");
            hb_esc(b, k);
            hb_puts(b, "</th><td><code>");
            config_value(b, v);
            hb_puts(b, "</code></td></tr>\n");
        }
        hb_puts(b, "</tbody></table>");
    } else {
        hb_puts(b, "<p class=\"nodata-inline\">not reported</p>");
    }
    hb_puts(b, "</div>\n</div>\n");
    html_section_close(b);
}
