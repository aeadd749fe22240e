/* compare.c - `tlsprof compare A.json B.json [--json FILE] [--html FILE]`:
 * the command line around compare_reports (report/compare.c). EXIT_OK when
 * the comparison was shown (whatever it found), EXIT_USAGE for a bad command
 * line or input, EXIT_INTERNAL when an output file cannot be written. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "config/exit_codes.h"
#include "config/parse.h"
#include "report/compare.h"
#include "report/json_file.h"
#include "report/report_html.h"

static const char *shown(const char *s, char *buf, size_t len)
{
    return parse_shown(s, SIZE_MAX, buf, len);
}

static void usage(FILE *f)
{
    fputs("usage: tlsprof compare A.json B.json [--json FILE] [--html FILE]\n"
          "\n"
          "Compare two reports: per phase p50, p99, p99.9 and max of A and B with the\n"
          "change, '*' marking changes beyond both 1% and the runs' own noise; then\n"
          "summary, TLS, TCP, errors and both platforms.\n"
          "\n"
          "  --json FILE   also write the comparison as JSON ('-' = standard output,\n"
          "                replacing the table)\n"
          "  --html FILE   also write an HTML page with both distributions\n"
          "  -h, --help    this help\n"
          "\n"
          "See docs/compare-merge.md for the significance rule.\n",
          f);
}

typedef struct compare_args {
    const char *files[2];
    const char *json_out, *html_out;
} compare_args_t;

/* 0 ok, 1 help shown, -1 usage error (message printed). */
static int parse_args(int argc, char **argv, compare_args_t *o)
{
    int nfiles = 0, opts_done = 0;
    char sb[80];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **target = NULL;
        if (opts_done || a[0] != '-' || a[1] == 0) {
            if (nfiles == 2) {
                fprintf(stderr, "tlsprof compare: more than two reports given ('%s')\n",
                        shown(a, sb, sizeof(sb)));
                return -1;
            }
            o->files[nfiles++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            opts_done = 1;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 1;
        }
        if (strcmp(a, "--json") == 0 || strncmp(a, "--json=", 7) == 0)
            target = &o->json_out;
        else if (strcmp(a, "--html") == 0 || strncmp(a, "--html=", 7) == 0)
            target = &o->html_out;
        if (!target) {
            fprintf(stderr, "tlsprof compare: unknown option '%s'\n", shown(a, sb, sizeof(sb)));
            return -1;
        }
        if (a[6] == '=') {
            *target = a + 7;
        } else if (i + 1 < argc) {
            *target = argv[++i];
        } else {
            fprintf(stderr, "tlsprof compare: %s needs a file name\n", a);
            return -1;
        }
        if (!**target) {
            fprintf(stderr, "tlsprof compare: %.6s needs a non-empty file name\n", a);
            return -1;
        }
    }
    if (nfiles != 2) {
        fprintf(stderr, "tlsprof compare: expected two reports (A.json B.json), got %d\n", nfiles);
        return -1;
    }
    return 0;
}

int compare_main(int argc, char **argv)
{
    compare_args_t args = {{NULL, NULL}, NULL, NULL};
    int parsed = parse_args(argc, argv, &args);
    if (parsed != 0) {
        if (parsed < 0) usage(stderr);
        return parsed > 0 ? EXIT_OK : EXIT_USAGE;
    }
    char err[1024];
    report_t *a = report_read(args.files[0], err, sizeof(err));
    report_t *b = a ? report_read(args.files[1], err, sizeof(err)) : NULL;
    if (!a || !b) {
        fprintf(stderr, "tlsprof compare: %s\n", err);
        report_free(a);
        return EXIT_USAGE;
    }
    int rc = EXIT_OK;
    json_t *cmp = compare_reports(a, b);
    if (!cmp) {
        fprintf(stderr, "tlsprof compare: out of memory\n");
        rc = EXIT_INTERNAL;
        goto done;
    }
    if (!args.json_out || strcmp(args.json_out, "-") != 0) {
        compare_print_text(stdout, cmp);
        fflush(stdout);
    }
    if (args.json_out && json_file_write(cmp, args.json_out, JSON_INDENT(2), err, sizeof(err))) {
        fprintf(stderr, "tlsprof compare: %s\n", err);
        rc = EXIT_INTERNAL;
    }
    if (args.html_out &&
        report_html_write_compare(a->root, b->root, cmp, args.html_out, err, sizeof(err))) {
        fprintf(stderr, "tlsprof compare: %s\n", err);
        rc = EXIT_INTERNAL;
    }
done:
    json_decref(cmp);
    report_free(a);
    report_free(b);
    return rc;
}
