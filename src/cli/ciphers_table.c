/* ciphers_table.c - the cipher matrix's rows and tables: what each
 * profile's three run reports boil down to, and how the matrix prints.
 *
 * Rows are built from the run reports (JSON) only, and the text is printed
 * from the matrix JSON only, so the table and --json can never disagree. */
#include "cli/ciphers_matrix.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "report/report_text.h"

#define NOT_NEGOTIATED "not negotiated"

static double num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static double num2(const json_t *o, const char *a, const char *b)
{
    return num(json_object_get(o, a), b);
}

static double phase_stat(const json_t *rep, const char *phase, const char *stat)
{
    return num(json_object_get(json_object_get(rep, "phases"), phase), stat);
}

static json_t *real_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* The most frequent name of a tally object (ties: the smallest name, so the
 * output does not depend on hash order), ignoring `skip`; NULL when empty. */
static const char *tally_top(const json_t *tally, const char *skip)
{
    const char *best = NULL, *key;
    json_int_t best_n = 0;
    json_t *v;
    json_object_foreach((json_t *)tally, key, v)
    {
        json_int_t n = json_integer_value(v);
        if (skip && !strcmp(key, skip)) continue;
        if (n > best_n || (n == best_n && best && strcmp(key, best) < 0)) {
            best = key;
            best_n = n;
        }
    }
    return best;
}

static json_t *string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* "tls_handshake: sslv3 alert handshake failure" for the most frequent
 * error of a run, or NULL when it recorded none. */
static int top_error(const json_t *rep, char *out, size_t outlen, json_int_t *count)
{
    const char *phase;
    json_t *reasons;
    *count = 0;
    out[0] = 0;
    json_object_foreach(json_object_get(rep, "errors"), phase, reasons)
    {
        const char *r = tally_top(reasons, NULL);
        json_int_t n = r ? json_integer_value(json_object_get(reasons, r)) : 0;
        if (n > *count) {
            *count = n;
            snprintf(out, outlen, "%s: %s", phase, r);
        }
    }
    return *count > 0;
}

/* The bench item that measures the record cipher of a negotiated suite
 * (TLS 1.3 and OpenSSL TLS 1.2 names alike). */
static const char *aead_item(const char *suite)
{
    if (!suite) return NULL;
    if (strstr(suite, "CHACHA20")) return "chacha20_poly1305";
    if (strstr(suite, "AES_128_GCM") || strstr(suite, "AES128-GCM")) return "aes_128_gcm";
    if (strstr(suite, "AES_256_GCM") || strstr(suite, "AES256-GCM")) return "aes_256_gcm";
    return NULL;
}

static json_t *copy_report(const json_t *rep)
{
    if (!rep) return json_null();
    json_t *c = json_deep_copy(rep);
    json_object_del(c, "platform"); /* one copy, at the top of the matrix */
    /* Per-connection stories are most of a report's size; seven profiles
     * times three runs of them would bury the matrix. `tlsprof run
     * --profile NAME` has them for a profile worth a closer look. */
    json_object_del(c, "slowest");
    json_object_del(c, "slowest_by_phase");
    return c;
}

static void add_warnings(json_t *dst, const char *run, const json_t *rep)
{
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(rep, "warnings"), i, w)
    {
        char buf[1024];
        snprintf(buf, sizeof buf, "%s run: %s", run, json_string_value(w));
        json_array_append_new(dst, json_string(buf));
    }
}

/* Requests that failed in a run where the profile was negotiated. */
static void add_failures(json_t *notes, const char *run, const json_t *rep)
{
    double failed = num2(rep, "summary", "requests_failed");
    if (!(failed > 0)) return;
    char reason[512], buf[800];
    json_int_t n;
    top_error(rep, reason, sizeof reason, &n);
    snprintf(buf, sizeof buf, "%s run: %.0f requests failed (%s)", run, failed,
             reason[0] ? reason : "see report");
    json_array_append_new(notes, json_string(buf));
}

static json_t *bulk_json(const ciphers_row_in_t *in, json_t *notes)
{
    const json_t *rep = in->bulk;
    double ok = num2(rep, "summary", "requests_ok"), bytes = num2(rep, "summary", "bytes_received"),
           secs = num2(rep, "summary", "duration_s");
    if (!(ok > 0) || !(bytes > 0) || !(secs > 0)) {
        json_array_append_new(notes, json_string("bulk run: no response body received"));
        return json_null();
    }
    json_t *b = json_object();
    json_object_set_new(b, "url",
                        json_deep_copy(json_object_get(json_object_get(rep, "config"), "url")));
    json_object_set_new(b, "requests", json_integer((json_int_t)ok));
    json_object_set_new(b, "bytes", json_integer((json_int_t)bytes));
    json_object_set_new(b, "body_bytes", json_real(bytes / ok));
    json_object_set_new(b, "duration_s", json_real(secs));
    /* Goodput of one connection: the one handshake in it is noise next to
     * tens of megabytes; the stream phase has the per-response times. */
    json_object_set_new(b, "mb_per_s", json_real(bytes / secs / 1e6));
    json_object_set_new(b, "stream_p50_us", real_or_null(phase_stat(rep, "stream", "p50_us")));
    if (in->body_size && (uint64_t)bytes != (uint64_t)ok * in->body_size) {
        char buf[300];
        snprintf(buf, sizeof buf, "bulk run: responses averaged %.0f bytes, not --body-size %llu",
                 bytes / ok, (unsigned long long)in->body_size);
        json_array_append_new(notes, json_string(buf));
    }
    return b;
}

json_t *ciphers_row_build(const ciphers_row_in_t *in)
{
    json_t *row = json_object(), *notes = json_array(), *warnings = json_array();
    const json_t *tls = json_object_get(in->full, "tls");
    double established = num2(in->full, "summary", "connections_established");
    json_object_set_new(row, "profile", json_string(in->profile));
    bool negotiated = established > 0;
    json_object_set_new(row, "negotiated", json_boolean(negotiated));
    if (!negotiated) {
        char reason[512], buf[700];
        json_int_t n;
        if (!in->full)
            snprintf(buf, sizeof buf, "the run did not start (see the messages above)");
        else if (top_error(in->full, reason, sizeof reason, &n))
            snprintf(buf, sizeof buf, "%s (%lld of %.0f connections)", reason, (long long)n,
                     num2(in->full, "summary", "connections_opened"));
        else
            snprintf(buf, sizeof buf, "no connection was established");
        json_object_set_new(row, "reason", json_string(buf));
    } else {
        json_object_set_new(row, "reason", json_null());
    }
    const char *suite = negotiated ? tally_top(json_object_get(tls, "ciphers"), NULL) : NULL;
    json_object_set_new(
        row, "version",
        string_or_null(negotiated ? tally_top(json_object_get(tls, "versions"), NULL) : NULL));
    json_object_set_new(row, "cipher", string_or_null(suite));
    json_object_set_new(
        row, "group",
        string_or_null(negotiated ? tally_top(json_object_get(tls, "groups"), NULL) : NULL));
    json_object_set_new(
        row, "sigalg",
        string_or_null(negotiated ? tally_top(json_object_get(tls, "sigalgs"), "none (resumed)")
                                  : NULL));
    json_t *tallies = json_object();
    static const char *const keys[] = {"versions", "ciphers", "groups", "sigalgs", "alpn"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const json_t *t = json_object_get(tls, keys[i]);
        json_object_set_new(tallies, keys[i], t ? json_deep_copy(t) : json_object());
    }
    json_object_set_new(row, "tallies", tallies);

    json_t *hf = json_object(), *hr = json_object();
    json_object_set_new(hf, "count",
                        real_or_null(phase_stat(in->full, "tls_handshake_full", "count")));
    json_object_set_new(hf, "p50_us",
                        real_or_null(phase_stat(in->full, "tls_handshake_full", "p50_us")));
    json_object_set_new(hf, "p99_us",
                        real_or_null(phase_stat(in->full, "tls_handshake_full", "p99_us")));
    json_object_set_new(hf, "mean_us",
                        real_or_null(phase_stat(in->full, "tls_handshake_full", "mean_us")));
    json_object_set_new(row, "handshake_full", hf);
    double rcount = phase_stat(in->resumed, "tls_handshake_resumed", "count");
    json_object_set_new(hr, "count", real_or_null(rcount));
    json_object_set_new(
        hr, "p50_us",
        real_or_null(rcount > 0 ? phase_stat(in->resumed, "tls_handshake_resumed", "p50_us")
                                : NAN));
    json_object_set_new(
        hr, "p99_us",
        real_or_null(rcount > 0 ? phase_stat(in->resumed, "tls_handshake_resumed", "p99_us")
                                : NAN));
    json_object_set_new(row, "handshake_resumed", hr);
    const json_t *res = json_object_get(json_object_get(in->resumed, "tls"), "resumption");
    json_t *r = json_object();
    json_object_set_new(r, "attempted", real_or_null(num(res, "attempted")));
    json_object_set_new(r, "accepted", real_or_null(num(res, "accepted")));
    json_object_set_new(r, "rate",
                        real_or_null(num(res, "attempted") > 0 ? num(res, "rate") : NAN));
    /* The rate above is per offered ticket; a client that runs out of
     * tickets (TLS 1.2 servers send none on resumption) offers fewer, so the
     * table shows the share of all connections that resumed. */
    double est = num2(in->resumed, "summary", "connections_established");
    json_object_set_new(r, "share", real_or_null(est > 0 ? num(res, "accepted") / est : NAN));
    json_object_set_new(row, "resumption", r);

    json_t *cpu = json_object();
    json_object_set_new(cpu, "full_p50_us",
                        real_or_null(phase_stat(in->full, "tls_client_cpu", "p50_us")));
    json_object_set_new(cpu, "full_mean_us",
                        real_or_null(phase_stat(in->full, "tls_client_cpu", "mean_us")));
    json_object_set_new(cpu, "resumed_run_p50_us",
                        real_or_null(phase_stat(in->resumed, "tls_client_cpu", "p50_us")));
    json_object_set_new(row, "client_cpu", cpu);
    json_object_set_new(
        row, "handshakes_per_s",
        real_or_null(negotiated ? num2(in->full, "summary", "connections_per_s") : NAN));
    json_object_set_new(row, "bulk", in->bulk && negotiated ? bulk_json(in, notes) : json_null());
    const char *item = aead_item(suite);
    double aead = item ? num(json_object_get(in->bench_items, item), "mb_per_s") : NAN;
    json_object_set_new(row, "aead_bench_item", string_or_null(isfinite(aead) ? item : NULL));
    json_object_set_new(row, "aead_bench_mb_per_s", real_or_null(aead));

    if (negotiated) {
        add_failures(notes, "full", in->full);
        add_failures(notes, "resumed", in->resumed);
        add_failures(notes, "bulk", in->bulk);
    }
    add_warnings(warnings, "full", in->full);
    add_warnings(warnings, "resumed", in->resumed);
    add_warnings(warnings, "bulk", in->bulk);
    json_object_set_new(row, "notes", notes);
    json_object_set_new(row, "warnings", warnings);
    json_t *reps = json_object();
    json_object_set_new(reps, "full", copy_report(in->full));
    json_object_set_new(reps, "resumed", copy_report(in->resumed));
    json_object_set_new(reps, "bulk", copy_report(in->bulk));
    json_object_set_new(row, "reports", reps);
    return row;
}

/* ---- text ---------------------------------------------------------------- */

static const char *str_or(const json_t *o, const char *key, const char *dflt)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : dflt;
}

static void fmt_us(double us, char *buf, size_t len)
{
    if (isfinite(us))
        report_fmt_us(us, buf, len);
    else
        snprintf(buf, len, "-");
}

static void fmt_num(double v, const char *f, char *buf, size_t len)
{
    if (isfinite(v))
        snprintf(buf, len, f, v);
    else
        snprintf(buf, len, "-");
}

static void print_platform(FILE *f, const json_t *pl)
{
    fprintf(f, "platform: %s, %s, %lld cores, %s\n", str_or(pl, "arch", "?"),
            str_or(pl, "cpu_model", "?"),
            (long long)json_integer_value(json_object_get(pl, "cores")),
            str_or(pl, "openssl_version", "?"));
    const char *key;
    json_t *v;
    int have = 0, lack = 0;
    fprintf(f, "crypto caps: ");
    json_object_foreach(json_object_get(pl, "crypto_caps"), key, v) if (json_is_true(v))
        fprintf(f, "%s%s", have++ ? " " : "", key);
    fprintf(f, "%s; absent: ", have ? "" : "(none)");
    json_object_foreach(json_object_get(pl, "crypto_caps"), key, v) if (!json_is_true(v))
        fprintf(f, "%s%s", lack++ ? " " : "", key);
    fprintf(f, "%s\n", lack ? "" : "(none)");
    const json_t *items = json_object_get(json_object_get(pl, "crypto_bench"), "items");
    if (!json_object_size((json_t *)items)) return;
    /* Record ciphers as MB/s, handshake crypto as time per operation. */
    fprintf(f, "crypto bench (one thread, per CPU second):");
    int n = 0;
    json_object_foreach((json_t *)items, key, v)
    {
        const char *label = str_or(v, "label", key);
        if (json_object_get(v, "error"))
            fprintf(f, "%s %s error", n++ ? "," : "", label);
        else if (isfinite(num(v, "mb_per_s")))
            fprintf(f, "%s %s %.0f MB/s", n++ ? "," : "", label, num(v, "mb_per_s"));
        else
            fprintf(f, "%s %s %.1fus", n++ ? "," : "", label, num(v, "us_per_op"));
    }
    fprintf(f, "\n");
}

void ciphers_matrix_print(FILE *f, const json_t *m)
{
    const json_t *cfg = json_object_get(m, "config");
    const json_t *rows = json_object_get(m, "rows");
    fprintf(f, "tlsprof ciphers: %s\n", str_or(cfg, "url", "?"));
    print_platform(f, json_object_get(m, "platform"));
    fprintf(f, "per profile: %s\n\n", str_or(cfg, "workload", ""));

    fprintf(f, "%-28s %-8s %-30s %-10s %s\n", "profile", "version", "suite", "group", "sigalg");
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *name = str_or(row, "profile", "?");
        if (!json_is_true(json_object_get(row, "negotiated")))
            fprintf(f, "%-28s %s: %s\n", name, NOT_NEGOTIATED, str_or(row, "reason", "?"));
        else
            fprintf(f, "%-28s %-8s %-30s %-10s %s\n", name, str_or(row, "version", "-"),
                    str_or(row, "cipher", "-"), str_or(row, "group", "-"),
                    str_or(row, "sigalg", "-"));
    }

    size_t n_ok = 0;
    json_array_foreach(rows, i, row) n_ok += json_is_true(json_object_get(row, "negotiated"));
    if (n_ok == 0)
        fprintf(f, "\nno profile was negotiated: nothing to compare\n");
    else
        fprintf(f, "\n%-28s %9s %9s %9s %8s %9s %9s %8s %9s %9s\n", "handshake/bulk cost",
                "full p50", "full p99", "res p50", "resumed", "cpu full", "cpu res", "hs/s",
                "bulk MB/s", "AEAD MB/s");
    json_array_foreach(rows, i, row)
    {
        if (!json_is_true(json_object_get(row, "negotiated"))) continue;
        char a[32], b[32], c[32], d[32], e[32], g[32], h[32], k[32], l[32];
        const json_t *hf = json_object_get(row, "handshake_full"),
                     *cpu = json_object_get(row, "client_cpu");
        fmt_us(num(hf, "p50_us"), a, sizeof a);
        fmt_us(num(hf, "p99_us"), b, sizeof b);
        fmt_us(num2(row, "handshake_resumed", "p50_us"), c, sizeof c);
        fmt_num(num2(row, "resumption", "share") * 100, "%.1f%%", d, sizeof d);
        fmt_us(num(cpu, "full_p50_us"), e, sizeof e);
        fmt_us(num(cpu, "resumed_run_p50_us"), g, sizeof g);
        fmt_num(num(row, "handshakes_per_s"), "%.0f", h, sizeof h);
        fmt_num(num2(row, "bulk", "mb_per_s"), "%.1f", k, sizeof k);
        fmt_num(num(row, "aead_bench_mb_per_s"), "%.0f", l, sizeof l);
        fprintf(f, "%-28s %9s %9s %9s %8s %9s %9s %8s %9s %9s\n", str_or(row, "profile", "?"), a, b,
                c, d, e, g, h, k, l);
    }

    int first = 1;
    if (json_is_true(json_object_get(m, "interrupted"))) {
        fprintf(f, "\ninterrupted: the last row is partial and later profiles did not run\n");
        first = 0;
    }
    json_array_foreach(rows, i, row)
    {
        static const char *const lists[] = {"warnings", "notes"};
        for (size_t j = 0; j < 2; j++) {
            size_t k;
            json_t *w;
            json_array_foreach(json_object_get(row, lists[j]), k, w)
            {
                if (first) fprintf(f, "\n");
                first = 0;
                fprintf(f, "%s %s: %s\n",
                        j == 0 ? "warning:" : "note:", str_or(row, "profile", "?"),
                        json_string_value(w));
            }
        }
    }
}
