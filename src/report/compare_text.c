/* compare_text.c - the terminal table of `tlsprof compare`, rendered from
 * the comparison JSON so the table and --json can never disagree. */
#include "report/compare.h"

#include <math.h>
#include <string.h>

static const struct {
    const char *key, *label;
} stat_rows[] = {{"p50_us", "p50"}, {"p99_us", "p99"}, {"p999_us", "p99.9"}, {"max_us", "max"}};

static const char *str_or(const json_t *v, const char *dflt)
{
    return json_is_string(v) ? json_string_value(v) : dflt;
}

static double num(const json_t *o, const char *key, int *present)
{
    const json_t *v = json_object_get(o, key);
    if (present) *present = json_is_number(v);
    return json_is_number(v) ? json_number_value(v) : 0.0;
}

static void print_value(FILE *f, const json_t *v, int width)
{
    if (json_is_number(v)) {
        double d = json_number_value(v);
        if (d == floor(d) && fabs(d) < 1e15)
            fprintf(f, " %*.0f", width, d);
        else
            fprintf(f, " %*.2f", width, d);
    } else if (json_is_string(v)) {
        fprintf(f, " %*s", width, json_string_value(v));
    } else {
        fprintf(f, " %*s", width, "-");
    }
}

static void print_relative(FILE *f, const json_t *rel)
{
    if (json_is_number(rel))
        fprintf(f, " %+8.1f%%", 100.0 * json_number_value(rel));
    else
        fprintf(f, " %9s", "-");
}

static void print_phase(FILE *f, const char *name, const json_t *pc)
{
    int unit_count = strcmp(str_or(json_object_get(pc, "unit"), "us"), "count") == 0;
    json_int_t na = json_integer_value(json_object_get(pc, "count_a"));
    json_int_t nb = json_integer_value(json_object_get(pc, "count_b"));
    if (na == 0 && nb == 0) return; /* a phase neither run exercised (ttfb_0rtt without -0) */
    const json_t *stats = json_object_get(pc, "stats");
    int judged = json_is_true(json_object_get(json_object_get(stats, "p50_us"), "comparable"));
    fprintf(f, "%-24s n %llu / %llu%s%s\n", name, (unsigned long long)na, (unsigned long long)nb,
            unit_count ? "  (counts, not us)" : "",
            judged ? "" : "  (too few samples to judge changes)");
    for (size_t i = 0; i < sizeof(stat_rows) / sizeof(stat_rows[0]); i++) {
        const json_t *s = json_object_get(stats, stat_rows[i].key);
        if (!s) continue;
        fprintf(f, "  %-10s", stat_rows[i].label);
        print_value(f, json_object_get(s, "a"), 13);
        print_value(f, json_object_get(s, "b"), 13);
        fprintf(f, " %+13.2f", num(s, "delta", NULL));
        print_relative(f, json_object_get(s, "relative"));
        if (json_is_true(json_object_get(s, "significant")))
            fprintf(f, "  *  (threshold %.2f)", num(s, "threshold", NULL));
        fputc('\n', f);
    }
}

static void print_pairs(FILE *f, const char *title, const json_t *obj)
{
    fprintf(f, "\n%-36s %13s %13s %13s\n", title, "A", "B", "B-A");
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        if (!json_object_get(v, "a"))
            continue; /* not a pair (e.g. a nested histogram comparison) */
        fprintf(f, "  %-34s", k);
        print_value(f, json_object_get(v, "a"), 13);
        print_value(f, json_object_get(v, "b"), 13);
        const json_t *d = json_object_get(v, "delta");
        if (json_is_number(d))
            fprintf(f, " %+13.2f\n", json_number_value(d));
        else
            fprintf(f, " %13s\n", "-");
    }
}

static void print_map(FILE *f, const char *title, const json_t *map)
{
    if (json_object_size(map) == 0) return;
    fprintf(f, "  %s\n", title);
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)map, k, v)
    {
        fprintf(f, "    %-32s %10.0f (%5.1f%%) %10.0f (%5.1f%%)\n", k, num(v, "a", NULL),
                100.0 * num(v, "share_a", NULL), num(v, "b", NULL),
                100.0 * num(v, "share_b", NULL));
    }
}

static void print_tls(FILE *f, const json_t *tls)
{
    fprintf(f, "\nTLS (connections)                        A                       B\n");
    const char *maps[] = {"versions", "ciphers", "groups", "alpn"};
    for (size_t i = 0; i < 4; i++)
        print_map(f, maps[i], json_object_get(tls, maps[i]));
    const json_t *res = json_object_get(tls, "resumption");
    int pa, pb;
    double ra = num(json_object_get(res, "rate"), "a", &pa);
    double rb = num(json_object_get(res, "rate"), "b", &pb);
    fprintf(f, "  resumption rate");
    if (pa)
        fprintf(f, "%30.1f%%", 100.0 * ra);
    else
        fprintf(f, "%31s", "-");
    if (pb)
        fprintf(f, "%23.1f%%\n", 100.0 * rb);
    else
        fprintf(f, "%24s\n", "-");
}

static void print_errors(FILE *f, const json_t *errors)
{
    fprintf(f, "\nErrors%31s %13s %13s\n", "A", "B", "B-A");
    if (json_object_size(errors) == 0) {
        fprintf(f, "  none in either run\n");
        return;
    }
    const char *phase;
    const json_t *reasons;
    json_object_foreach((json_t *)errors, phase, reasons)
    {
        const char *reason;
        const json_t *p;
        json_object_foreach((json_t *)reasons, reason, p)
        {
            char label[80];
            snprintf(label, sizeof(label), "%s: %s", phase, reason);
            fprintf(f, "  %-34.34s %13.0f %13.0f %+13.0f\n", label, num(p, "a", NULL),
                    num(p, "b", NULL), num(p, "b", NULL) - num(p, "a", NULL));
        }
    }
}

static void print_platforms(FILE *f, const json_t *a, const json_t *b)
{
    fprintf(f, "\nPlatform\n");
    const char *keys[] = {"arch", "cpu_model", "cores", "openssl_version", "kernel"};
    const json_t *pa = json_object_get(a, "platform"), *pb = json_object_get(b, "platform");
    for (size_t i = 0; i < 5; i++) {
        fprintf(f, "  %-16s A:", keys[i]);
        print_value(f, json_object_get(pa, keys[i]), 0);
        fprintf(f, "\n  %-16s B:", "");
        print_value(f, json_object_get(pb, keys[i]), 0);
        fputc('\n', f);
    }
}

void compare_print_text(FILE *f, const json_t *cmp)
{
    const json_t *a = json_object_get(cmp, "a"), *b = json_object_get(cmp, "b");
    fprintf(f, "A: %s  (%s)\nB: %s  (%s)\n", str_or(json_object_get(a, "file"), "?"),
            str_or(json_object_get(a, "url"), "no url"), str_or(json_object_get(b, "file"), "?"),
            str_or(json_object_get(b, "url"), "no url"));
    size_t i;
    const json_t *w;
    json_array_foreach(json_object_get(cmp, "warnings"), i, w)
        fprintf(f, "warning: %s\n", json_string_value(w));

    fprintf(f, "\n%-12s %13s %13s %13s %9s\n", "Phase (us)", "A", "B", "B-A", "change");
    const char *name;
    const json_t *pc;
    json_object_foreach(json_object_get(cmp, "phases"), name, pc) print_phase(f, name, pc);
    const json_t *tcp = json_object_get(cmp, "tcp");
    if (json_object_get(tcp, "rtt_us"))
        print_phase(f, "tcp.rtt_us", json_object_get(tcp, "rtt_us"));

    const json_t *sig = json_object_get(cmp, "significant");
    if (json_array_size(sig) == 0) {
        fprintf(f, "\nNo significant change (rule: |B-A| > max(1%% of A, noise); "
                   "see docs/compare-merge.md).\n");
    } else {
        fprintf(f, "\n%zu significant change%s (*):", json_array_size(sig),
                json_array_size(sig) == 1 ? "" : "s");
        json_array_foreach(sig, i, w) fprintf(f, " %s", json_string_value(w));
        fprintf(f, "\n(rule: |B-A| > max(1%% of A, noise); see docs/compare-merge.md)\n");
    }

    print_pairs(f, "Summary", json_object_get(cmp, "summary"));
    print_tls(f, json_object_get(cmp, "tls"));
    print_pairs(f, "TCP", tcp);
    print_errors(f, json_object_get(cmp, "errors"));
    print_platforms(f, a, b);
}
