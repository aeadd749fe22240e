/* merge.c - `tlsprof merge REPORT.json ... -o OUT.json`: the command line
 * around merge_reports (report/merge.c). Exit codes: EXIT_OK, EXIT_USAGE for
 * a bad command line or input file, EXIT_INTERNAL when the output cannot be
 * written. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "config/exit_codes.h"
#include "config/parse.h"
#include "report/json_file.h"
#include "report/merge.h"

static const char *shown(const char *s, char *buf, size_t len)
{
    return parse_shown(s, SIZE_MAX, buf, len);
}

static void usage(FILE *f)
{
    fputs("usage: tlsprof merge REPORT.json [REPORT.json ...] -o OUT.json\n"
          "\n"
          "Merge reports of runs made at the same time (e.g. from several load machines)\n"
          "into one report: histograms are added bucket by bucket and every statistic is\n"
          "recomputed from them; counters are summed; duration_s is the longest input's\n"
          "and requests_per_s = total requests_ok / that duration.\n"
          "\n"
          "  -o, --output FILE   where to write the merged report ('-' = standard output)\n"
          "  -h, --help          this help\n"
          "\n"
          "See docs/compare-merge.md.\n",
          f);
}

int merge_main(int argc, char **argv)
{
    const char *output = NULL;
    const char **inputs = calloc((size_t)(argc > 0 ? argc : 1), sizeof(*inputs));
    size_t n = 0;
    int opts_done = 0, rc = EXIT_OK;
    if (!inputs) return EXIT_INTERNAL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts_done || a[0] != '-' || a[1] == 0) {
            inputs[n++] = a;
        } else if (strcmp(a, "--") == 0) {
            opts_done = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            free(inputs);
            return EXIT_OK;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "tlsprof merge: %s needs a file name ('-' for standard output)\n",
                        a);
                free(inputs);
                return EXIT_USAGE;
            }
            output = argv[++i];
        } else if (strncmp(a, "--output=", 9) == 0) {
            output = a + 9;
        } else {
            char sb[80];
            fprintf(stderr, "tlsprof merge: unknown option '%s'\n", shown(a, sb, sizeof(sb)));
            usage(stderr);
            free(inputs);
            return EXIT_USAGE;
        }
    }
    if (n == 0 || !output || !*output) {
        fprintf(stderr, "tlsprof merge: %s\n",
                n == 0 ? "no input reports given"
                       : "no output given (-o FILE, or -o - for stdout)");
        usage(stderr);
        free(inputs);
        return EXIT_USAGE;
    }

    report_t **reports = calloc(n, sizeof(*reports));
    json_t *notes = json_array(), *merged = NULL;
    char err[1024];
    for (size_t i = 0; reports && i < n; i++) {
        reports[i] = report_read(inputs[i], err, sizeof(err));
        if (!reports[i]) {
            fprintf(stderr, "tlsprof merge: %s\n", err);
            rc = EXIT_USAGE;
            goto done;
        }
    }
    merged = reports ? merge_reports(reports, n, notes) : NULL;
    if (!merged) {
        const json_t *last = json_array_get(notes, json_array_size(notes) - 1);
        const char *why = json_string_value(last);
        if (reports && why && strncmp(why, "cannot merge", 12) == 0) {
            fprintf(stderr, "tlsprof merge: %s\n", why);
            rc = EXIT_USAGE;
        } else {
            fprintf(stderr, "tlsprof merge: out of memory\n");
            rc = EXIT_INTERNAL;
        }
        goto done;
    }
    size_t k;
    json_t *note;
    json_array_foreach(notes, k, note)
        fprintf(stderr, "tlsprof merge: warning: %s\n", json_string_value(note));
    if (json_file_write(merged, output, JSON_INDENT(2), err, sizeof(err)) != 0) {
        fprintf(stderr, "tlsprof merge: %s\n", err);
        rc = EXIT_INTERNAL;
        goto done;
    }
    if (strcmp(output, "-") != 0)
        fprintf(stderr, "tlsprof merge: wrote %s from %zu report%s\n", output, n,
                n == 1 ? "" : "s");
done:
    for (size_t i = 0; reports && i < n; i++)
        report_free(reports[i]);
    free(reports);
    json_decref(notes);
    json_decref(merged);
    free(inputs);
    return rc;
}
