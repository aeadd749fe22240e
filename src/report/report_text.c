/* report_text.c - the text report. */
#include "report/report_text.h"

#include <math.h>
#include <string.h>

#include "report/report_read.h"

void report_fmt_us(double us, char *buf, size_t len)
{
    if (us < 1000)
        snprintf(buf, len, "%.1fus", us);
    else if (us < 1e6)
        snprintf(buf, len, "%.2fms", us / 1e3);
    else
        snprintf(buf, len, "%.3fs", us / 1e6);
}

static double num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : 0;
}

static const char *str(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "";
}

/* Phases always shown, in order; others only when they have samples. */
static const char *const core_phases[] = {"dns",  "tcp_connect", "tls_handshake", "h2_settings",
                                          "ttfb", "stream",      "connection"};

static int is_core(const char *name)
{
    for (size_t i = 0; i < sizeof core_phases / sizeof core_phases[0]; i++)
        if (!strcmp(core_phases[i], name)) return 1;
    return 0;
}

static void phase_row(FILE *f, const char *name, const json_t *p, int counts)
{
    static const char *cols[] = {"min_us", "mean_us", "stddev_us", "p50_us",
                                 "p90_us", "p99_us",  "p999_us",   "max_us"};
    fprintf(f, "  %-22s %9.0f", name, num(p, "count"));
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        char b[32];
        double v = num(p, cols[i]);
        if (num(p, "count") == 0)
            snprintf(b, sizeof b, "-");
        else if (counts)
            snprintf(b, sizeof b, "%.2f", v);
        else
            report_fmt_us(v, b, sizeof b);
        fprintf(f, " %9s", b);
    }
    fputc('\n', f);
}

static void tally_line(FILE *f, const char *label, const json_t *o)
{
    fprintf(f, "  %-11s", label);
    if (!json_is_object(o) || json_object_size(o) == 0) {
        fputs("-\n", f);
        return;
    }
    const char *k;
    json_t *v;
    int first = 1;
    json_object_foreach((json_t *)o, k, v)
    {
        fprintf(f, "%s%s %lld", first ? "" : ", ", k, (long long)json_integer_value(v));
        first = 0;
    }
    fputc('\n', f);
}

static void print_tls(FILE *f, const json_t *tls, double established)
{
    fprintf(f, "\nTLS, counted over all %.0f established connections\n", established);
    tally_line(f, "versions", json_object_get(tls, "versions"));
    tally_line(f, "ciphers", json_object_get(tls, "ciphers"));
    tally_line(f, "groups", json_object_get(tls, "groups"));
    tally_line(f, "sigalgs", json_object_get(tls, "sigalgs"));
    tally_line(f, "alpn", json_object_get(tls, "alpn"));
    const json_t *r = json_object_get(tls, "resumption");
    if (r) {
        fprintf(f,
                "  %-11sattempted %.0f, accepted %.0f (%.1f%%), rejected %.0f; tickets received "
                "%.0f (%.2f per connection)",
                "resumption", num(r, "attempted"), num(r, "accepted"), 100 * num(r, "rate"),
                num(r, "rejected"), num(r, "tickets_received"), num(r, "tickets_per_connection"));
        const json_t *life = json_object_get(r, "ticket_lifetime_hint_s");
        const json_t *size = json_object_get(r, "ticket_size_bytes");
        if (life && json_is_number(json_object_get(life, "min")))
            fprintf(f, "; lifetime hint %.0f-%.0f s", num(life, "min"), num(life, "max"));
        if (size && json_is_number(json_object_get(size, "min")))
            fprintf(f, "; ticket size %.0f-%.0f B", num(size, "min"), num(size, "max"));
        fputc('\n', f);
        const json_t *per = json_object_get(r, "per_address");
        if (per && json_object_size(per) > 1) {
            const char *k;
            json_t *v;
            json_object_foreach((json_t *)per, k, v)
                fprintf(f, "  %-11s  %s: accepted %.0f of %.0f\n", "", k, num(v, "accepted"),
                        num(v, "attempted"));
        }
    }
    const json_t *ed = json_object_get(tls, "early_data");
    if (ed && num(ed, "attempted") > 0)
        fprintf(f, "  %-11sattempted %.0f, accepted %.0f, rejected %.0f, replayed %.0f\n", "0-RTT",
                num(ed, "attempted"), num(ed, "accepted"), num(ed, "rejected"),
                num(ed, "replayed"));
}

static void print_tcp(FILE *f, const json_t *tcp)
{
    if (!tcp) return;
    fprintf(f, "\nTCP (per connection, from TCP_INFO)\n");
    char spurious[120] = "";
    if (num(tcp, "retransmits_spurious") > 0)
        snprintf(spurious, sizeof spurious,
                 " (%.0f spurious: D-SACKed, the receiver already had them)",
                 num(tcp, "retransmits_spurious"));
    fprintf(f,
            "  retransmits %.0f on %.0f connections%s; SYN retransmits %.0f (+%.0f inferred from "
            "connect >= 1 s)\n",
            num(tcp, "retransmits_total"), num(tcp, "connections_with_retransmits"), spurious,
            num(tcp, "syn_retransmits"), num(tcp, "syn_retransmits_inferred"));
    const json_t *rtt = json_object_get(tcp, "rtt_us");
    if (rtt && num(rtt, "count") > 0) {
        char a[32], b[32];
        report_fmt_us(num(rtt, "p50_us"), a, sizeof a);
        report_fmt_us(num(rtt, "p99_us"), b, sizeof b);
        fprintf(f, "  smoothed RTT p50 %s, p99 %s\n", a, b);
    }
    const json_t *tw = json_object_get(tcp, "time_wait");
    if (tw) {
        fprintf(
            f, "  TIME_WAIT towards the target: before %.0f, peak %.0f, after %.0f (held by: %s)\n",
            num(tw, "before"), num(tw, "peak"), num(tw, "after"), str(tw, "holder"));
        const json_t *ss = json_object_get(tw, "server_side");
        if (json_is_object(ss))
            fprintf(f,
                    "  TIME_WAIT on the server's side (same host): before %.0f, peak %.0f, after "
                    "%.0f\n",
                    num(ss, "before"), num(ss, "peak"), num(ss, "after"));
    }
    const json_t *eph = json_object_get(tcp, "ephemeral_ports");
    if (eph && json_is_string(json_object_get(eph, "warning")))
        fprintf(f, "  ephemeral ports: %s\n", str(eph, "warning"));
    const json_t *d = json_object_get(tcp, "system_deltas");
    if (json_is_object(d) && json_object_size(d)) {
        fprintf(
            f,
            "  system-wide deltas over the run (whole network namespace, not only tlsprof):\n   ");
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)d, k, v)
            fprintf(f, " %s %lld", k, (long long)json_integer_value(v));
        fputc('\n', f);
    }
}

static void print_rate(FILE *f, const json_t *rate)
{
    if (!rate) return;
    const json_t *lag = json_object_get(rate, "start_lag");
    char p50[32], p99[32], max[32];
    report_fmt_us(num(lag, "p50_us"), p50, sizeof p50);
    report_fmt_us(num(lag, "p99_us"), p99, sizeof p99);
    report_fmt_us(num(lag, "max_us"), max, sizeof max);
    fprintf(f,
            "rate: target %.1f %s/s, started %.1f/s; start lag p50 %s, p99 %s, max %s; %.0f due "
            "never started\n",
            num(rate, "target_per_s"), str(rate, "unit"), num(rate, "achieved_per_s"), p50, p99,
            max, num(rate, "arrivals_not_started"));
    fprintf(f, "      ttfb is timed from each request's intended start; ttfb_uncorrected from its "
               "actual send\n");
}

/* The three slowest connections with their hints: where to look first. */
static void print_slowest(FILE *f, const json_t *slowest)
{
    size_t n = json_array_size(slowest);
    if (!n) return;
    fprintf(f, "\nSlowest connections (of %zu kept; all in the JSON `slowest`)\n", n);
    for (size_t i = 0; i < n && i < 3; i++) {
        const json_t *s = json_array_get(slowest, i);
        const json_t *ph = json_object_get(s, "phases_us");
        char total[32], tcp[32], tls[32];
        /* A phase the connection never reached is null: show "-", not 0. */
        const char *keys[] = {"connection", "tcp_connect", "tls_handshake"};
        char *bufs[] = {total, tcp, tls};
        for (int k = 0; k < 3; k++) {
            if (json_is_number(json_object_get(ph, keys[k])))
                report_fmt_us(num(ph, keys[k]), bufs[k], 32);
            else
                snprintf(bufs[k], 32, "-");
        }
        const json_t *t = json_object_get(s, "tls");
        const json_t *e = json_object_get(s, "error");
        if (!json_is_object(e)) e = NULL; /* null: the connection succeeded */
        fprintf(f, "  #%.0f port %.0f: %s (tcp %s, tls %s %s)%s%s%s%s\n", num(s, "id"),
                num(s, "local_port"), total, tcp, tls,
                json_is_true(json_object_get(t, "resumed")) ? "resumed" : "full",
                e ? " error in " : "", e ? str(e, "phase") : "", e ? ": " : "",
                e ? str(e, "reason") : "");
        size_t j;
        json_t *h;
        json_array_foreach(json_object_get(s, "hints"), j, h)
            fprintf(f, "      -> %s [%s]\n", str(h, "hint"), str(h, "evidence"));
    }
}

/* The workers' own CPU over the run comes first: the process figures
 * (getrusage) also hold start-up, report writing and, under `tlsprof demo`,
 * the embedded server's threads and the earlier runs. */
static void print_client(FILE *f, const json_t *client)
{
    if (!client || !json_object_get(client, "busiest_thread_utilisation")) return;
    double workers = 0;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(client, "threads"), i, t) workers += num(t, "cpu_s");
    fprintf(f,
            "\nClient (tlsprof itself): worker threads %.3f s CPU, busiest %.0f%% busy; "
            "whole process user %.3f s, sys %.3f s\n",
            workers, 100 * num(client, "busiest_thread_utilisation"), num(client, "cpu_user_s"),
            num(client, "cpu_sys_s"));
}

void report_text_print(FILE *f, const json_t *rep)
{
    const json_t *cfg = json_object_get(rep, "config");
    const json_t *sum = json_object_get(rep, "summary");
    const json_t *tool = json_object_get(rep, "tool");
    fprintf(f, "%s %s: %s (%s)\n", str(tool, "name"), str(tool, "version"), str(cfg, "url"),
            str(cfg, "address"));
    double conns = num(cfg, "connections"), streams = num(cfg, "streams");
    double threads = num(cfg, "threads");
    fprintf(f, "mode %s, %s, %.0f connection%s, %.0f stream%s per connection, %.0f thread%s\n",
            str(cfg, "mode"), report_protocol_label(cfg), conns, conns == 1 ? "" : "s", streams,
            streams == 1 ? "" : "s", threads, threads == 1 ? "" : "s");
    fprintf(f, "duration %.3f s%s\n", num(sum, "duration_s"),
            json_is_true(json_object_get(sum, "interrupted")) ? " (interrupted: partial results)"
                                                              : "");
    fprintf(f, "connections: opened %.0f, established %.0f, failed %.0f, reconnects %.0f\n",
            num(sum, "connections_opened"), num(sum, "connections_established"),
            num(sum, "connections_failed"), num(sum, "reconnects"));
    fprintf(f,
            "requests: ok %.0f, failed %.0f, retried %.0f, aborted %.0f; %.1f req/s, %.1f new "
            "connections/s\n",
            num(sum, "requests_ok"), num(sum, "requests_failed"), num(sum, "requests_retried"),
            num(sum, "requests_aborted"), num(sum, "requests_per_s"),
            num(sum, "connections_per_s"));
    print_rate(f, json_object_get(rep, "rate"));

    fprintf(f, "\n  %-22s %9s %9s %9s %9s %9s %9s %9s %9s %9s\n", "phase", "count", "min", "mean",
            "stddev", "p50", "p90", "p99", "p99.9", "max");
    const json_t *phases = json_object_get(rep, "phases");
    for (size_t i = 0; i < sizeof core_phases / sizeof core_phases[0]; i++) {
        const json_t *p = json_object_get(phases, core_phases[i]);
        if (p) phase_row(f, core_phases[i], p, 0);
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)phases, k, v)
    {
        if (!is_core(k) && num(v, "count") > 0) phase_row(f, k, v, 0);
    }

    const json_t *tls = json_object_get(rep, "tls");
    if (tls) print_tls(f, tls, num(sum, "connections_established"));
    print_tcp(f, json_object_get(rep, "tcp"));

    print_slowest(f, json_object_get(rep, "slowest"));
    print_client(f, json_object_get(rep, "client"));

    const json_t *errs = json_object_get(rep, "errors");
    if (json_object_size(errs)) {
        fprintf(f, "\nErrors (phase, reason, count)\n");
        const char *ph;
        json_t *reasons;
        json_object_foreach((json_t *)errs, ph, reasons)
        {
            const char *rs;
            json_t *n;
            json_object_foreach(reasons, rs, n)
                fprintf(f, "  %-14s %-60s %lld\n", ph, rs, (long long)json_integer_value(n));
        }
    }
    const json_t *warn = json_object_get(rep, "warnings");
    if (json_array_size(warn)) {
        fprintf(f, "\nWarnings\n");
        size_t i;
        json_t *w;
        json_array_foreach((json_t *)warn, i, w) fprintf(f, "  ! %s\n", json_string_value(w));
    }
}
