/* bench_crypto.c - the `tlsprof bench-crypto` command: options, the table
 * on the terminal (bench/bench_crypto_print.c), and the JSON file (same
 * `platform` shape as a run report, with the results under
 * platform.crypto_bench, so two files from two machines can be read side by
 * side). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_crypto.h"
#include "cli/commands.h"
#include "config/exit_codes.h"
#include "measure/platform.h"

#define DEFAULT_SECONDS 0.2
#define MAX_CLI_SECONDS 60.0

static const char usage[] =
    "usage: tlsprof bench-crypto [--seconds S] [--only ITEMS] [--json FILE]\n"
    "\n"
    "Time the crypto a TLS 1.3 connection needs, through OpenSSL's EVP API:\n"
    "key agreement, ECDSA, AEAD records of 16 KiB and SHA-256.\n"
    "\n"
    "  --seconds S    time per item, in (0, 60] (default 0.2)\n"
    "  --only ITEMS   comma-separated subset of: " BENCH_CRYPTO_ITEMS "\n"
    "  --json FILE    also write the results as JSON (\"-\" = stdout; the table\n"
    "                 then goes to stderr)\n"
    "\n"
    "Rates are per second of the benchmark thread's CPU time. See docs/ciphers.md.\n";

/* "--name VALUE" or "--name=VALUE": returns VALUE (advancing *i past it), or
 * NULL when argv[*i] is not this option. *missing is set when the value is
 * absent. */
static const char *option_value(int argc, char **argv, int *i, const char *name, int *missing)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0) return NULL;
    if (a[n] == '=') return a + n + 1;
    if (a[n] != '\0') return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

static int parse_seconds(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > MAX_CLI_SECONDS) return -1;
    *out = v;
    return 0;
}

static int write_json(const char *path, json_t *platform)
{
    json_t *doc = json_object();
    json_t *tool = json_object();
    json_object_set_new(tool, "name", json_string("tlsprof"));
    json_object_set_new(tool, "version", json_string(TLSPROF_VERSION));
    json_object_set_new(doc, "tool", tool);
    json_object_set(doc, "platform", platform);
    int rc;
    if (!strcmp(path, "-")) {
        rc = json_dumpf(doc, stdout, JSON_INDENT(2)) == 0 && fputc('\n', stdout) != EOF &&
                     fflush(stdout) == 0
                 ? 0
                 : -1;
    } else {
        errno = 0;
        rc = json_dump_file(doc, path, JSON_INDENT(2));
    }
    if (rc != 0)
        fprintf(stderr, "bench-crypto: cannot write %s: %s\n", path,
                errno ? strerror(errno) : "write failed");
    json_decref(doc);
    return rc;
}

int bench_crypto_main(int argc, char **argv)
{
    double seconds = DEFAULT_SECONDS;
    const char *json_path = NULL, *only = NULL, *v;
    for (int i = 1; i < argc; i++) {
        int missing = 0;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(usage, stdout);
            return EXIT_OK;
        } else if ((v = option_value(argc, argv, &i, "--seconds", &missing))) {
            if (parse_seconds(v, &seconds) != 0) {
                fprintf(stderr, "bench-crypto: --seconds: expected seconds in (0, %g], got '%s'\n",
                        MAX_CLI_SECONDS, v);
                return EXIT_USAGE;
            }
        } else if ((v = option_value(argc, argv, &i, "--json", &missing))) {
            json_path = v;
        } else if ((v = option_value(argc, argv, &i, "--only", &missing))) {
            only = v;
        } else {
            if (missing)
                fprintf(stderr, "bench-crypto: %s needs a value\n", argv[i]);
            else
                fprintf(stderr, "bench-crypto: unknown argument '%s'\n", argv[i]);
            fputs(usage, stderr);
            return EXIT_USAGE;
        }
    }

    char err[512];
    json_t *result = bench_crypto_run_items(seconds, only, err, sizeof err);
    if (!result) {
        int oom = !strcmp(err, "out of memory");
        fprintf(stderr, "bench-crypto: %s%s\n", oom ? "" : "--only: ", err);
        return oom ? EXIT_INTERNAL : EXIT_USAGE;
    }
    json_t *platform = platform_json();
    if (!platform) {
        json_decref(result);
        fprintf(stderr, "bench-crypto: out of memory\n");
        return EXIT_INTERNAL;
    }
    bench_crypto_print(json_path && !strcmp(json_path, "-") ? stderr : stdout, platform, result);
    size_t errors = bench_crypto_errors(result);
    json_object_set_new(platform, "crypto_bench", result);
    int rc = json_path && write_json(json_path, platform) != 0 ? EXIT_INTERNAL : EXIT_OK;
    json_decref(platform);
    if (errors) {
        fprintf(stderr, "bench-crypto: %zu item(s) failed their self-check\n", errors);
        return EXIT_INTERNAL;
    }
    return rc;
}
