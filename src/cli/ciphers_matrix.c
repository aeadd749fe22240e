/* ciphers_matrix.c - `tlsprof ciphers URL [run options]`: the cipher matrix.
 *
 * Each profile gets three runs through run_config(), the same code path as
 * `tlsprof run`, so the matrix measures exactly what a run would:
 *   full     fresh connections, --resume off: every handshake is a full one;
 *   resumed  fresh connections, --resume ticket: the resumed handshake and
 *            the resumption rate (one full handshake fetches the first ticket);
 *   bulk     one pooled connection downloading a large response, so the
 *            record cipher (AEAD) cost shows in MB/s.
 * A full handshake is only measured reliably with resumption off: with
 * tickets on, all but the first connection of a fresh run resume.
 *
 * run_config() prints a text report and writes its JSON report to a file;
 * the matrix wants neither on the terminal, so each run writes its report to
 * a temporary file that is read back, with stdout pointed at /dev/null for
 * the duration of the run. */
#include "cli/ciphers_matrix.h"

#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench_crypto.h"
#include "cli/option_tables.h"
#include "cli/run.h"
#include "config/config.h"
#include "config/parse.h"
#include "config/profile.h"
#include "config/exit_codes.h"
#include "measure/platform.h"
#include "report/json_file.h"

#define DEFAULT_REQUESTS 200
#define DEFAULT_BULK_BYTES (64ull << 20)
#define DEFAULT_BENCH_SECONDS 0.1
#define BULK_MAX_REQUESTS 100000
#define BULK_MAX_SECONDS 10.0 /* a slow link must not turn the matrix into an hour */
#define BENCH_ITEMS "x25519,p256_ecdh,ecdsa_p256_verify,aes_128_gcm,aes_256_gcm,chacha20_poly1305"

typedef struct matrix_opts {
    const char *profiles; /* comma-separated, NULL = all of dir */
    const char *dir;
    const char *bulk_url;
    const char *json_path;
    uint64_t body_size; /* 0 when given = no bulk run; not given = learnt */
    uint64_t bulk_bytes;
    double bench_seconds;
} matrix_opts_t;

#define MATRIX(member) OPT_FIELD(matrix_opts_t, member)

static int set_bulk_bytes(const opt_value_t *v, char *err, size_t errlen)
{
    uint64_t n;
    if (parse_size(v->opt, v->arg, v->row->umax, &n, err, errlen)) return -1;
    if (!n) {
        snprintf(err, errlen,
                 "--bulk-bytes: expected a size above 0 (--body-size 0 skips the bulk run)");
        return -1;
    }
    memcpy(v->field, &n, sizeof n);
    return 0;
}

/* The matrix's own options, parsed before run's table (config_run_options),
 * whose options apply to every run; --json here is the matrix's. */
static const opt_row_t matrix_rows[] = {
    {.kind = OPT_SECTION, .help = "Matrix options:"},
    {"profiles", 0, OPT_STRING, "A,B,...", MATRIX(profiles), .expect = "a list of profiles",
     .help = "profiles to run, names or paths (default: every profile in DIR)",
     .example = "aes128-gcm,chacha20-poly1305"},
    {"dir", 0, OPT_STRING, "DIR", MATRIX(dir), .expect = "a directory",
     .help = "profile directory (default as for --profile)", .example = "ciphers"},
    {"bulk-url", 0, OPT_STRING, "URL", MATRIX(bulk_url), .expect = "a URL",
     .help = "URL of a large response for the bulk run (default: the URL)",
     .example = "https://127.0.0.1:8443/big"},
    {"body-size", 0, OPT_SIZE, "BYTES", MATRIX(body_size), .umax = 1ull << 40,
     .help = "size of that response (e.g. 1MiB, as `tlsprof serve --body-size`);\n"
             "checked against what arrives; default: learnt from one request.\n"
             "0 skips the bulk run",
     .example = "1MiB"},
    {"bulk-bytes", 0, OPT_CUSTOM, "BYTES", MATRIX(bulk_bytes), .umax = 1ull << 40,
     .set = set_bulk_bytes, .help = "how much the bulk run downloads (default 64MiB, at most 10 s)",
     .example = "16MiB"},
    {"bench-seconds", 0, OPT_NUMBER, "S", MATRIX(bench_seconds), .dmin = 0, .dmax = 60,
     .help = "crypto benchmark time per item (default 0.1; 0 skips it)", .example = "0.5"},
    {"json", 0, OPT_STRING, "FILE", MATRIX(json_path), .expect = "a file name or '-'",
     .help = "write the whole matrix, with every run's report ('-' = stdout)",
     .example = "matrix.json"},
    /* Not listed in the help text (as before); run's help says every command takes it. */
    {"help", 'h', OPT_HELP, .help = NULL},
};

const opt_table_t ciphers_matrix_options = {
    .usage = "usage: tlsprof ciphers https://HOST[:PORT][/PATH] [run options] [matrix options]\n"
             "\n"
             "Runs the same workload once per cipher profile and prints one comparison table:\n"
             "negotiated suite, group and signature; full handshake p50/p99 (a fresh run with\n"
             "resumption off); resumed handshake p50 and resumption rate (a fresh run with\n"
             "tickets); client CPU per handshake; handshakes/s; bulk download MB/s on one\n"
             "connection; and this machine's crypto capabilities and AEAD benchmark.\n"
             "A profile the server does not accept is a 'not negotiated: REASON' row.\n",
    .footer =
        "\n"
        "Run options (tlsprof --help) apply to every run: -n (default 200 per fresh run), -D,\n"
        "-c, -t, -k, --cacert, --sni, --connect-to, --cert/--key, --keylog, -H, -X, -q ...\n"
        "TLS selection options (--profile, --tls13-ciphers, --ciphers, --groups, --sigalgs,\n"
        "--tls-min, --tls-max) are refused: each profile sets them. See docs/ciphers.md.\n",
    .see = "tlsprof --help",
    .col = 23,
    .target_size = sizeof(matrix_opts_t),
    OPT_ROWS(matrix_rows),
};

int ciphers_matrix_wanted(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dir") || !strcmp(argv[i], "--bulk-url")) {
            i++; /* a value, not the URL */
            continue;
        }
        if (argv[i][0] != '-' && strstr(argv[i], "://")) return 1;
    }
    return 0;
}

static int refuse_tls_options(const run_config_t *c, char *err, size_t errlen)
{
    const char *opt = c->profile_name        ? "--profile (use --profiles)"
                      : c->tls.min_version   ? "--tls-min"
                      : c->tls.max_version   ? "--tls-max"
                      : c->tls.tls13_ciphers ? "--tls13-ciphers"
                      : c->tls.ciphers       ? "--ciphers"
                      : c->tls.groups        ? "--groups"
                      : c->tls.sigalgs       ? "--sigalgs"
                      : c->html_path         ? "--html"
                      : c->events_path       ? "--events"
                                             : NULL;
    if (!opt) return 0;
    snprintf(err, errlen,
             "%s: not for the matrix; every profile sets its own TLS options and each run "
             "writes its own report (use tlsprof run for one profile)",
             opt);
    return -1;
}

/* Load every profile first: a broken file stops the matrix before any run. */
static int load_profiles(const matrix_opts_t *o, const char *dir, cipher_profile_t **out, size_t *n)
{
    char err[1024], **names = NULL;
    size_t count = 0;
    if (o->profiles) {
        char *list = strdup(o->profiles), *save = NULL;
        names = calloc(strlen(o->profiles) / 2 + 2, sizeof *names);
        for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
            if (*t) names[count++] = strdup(t);
        free(list);
    } else if (profile_list(dir, &names, &count, err, sizeof err) != 0) {
        fprintf(stderr, "tlsprof ciphers: %s\n", err);
        return -1;
    }
    if (count == 0) {
        fprintf(stderr, "tlsprof ciphers: no profiles to run (%s)\n",
                o->profiles ? "--profiles is empty" : dir);
        profile_list_free(names, count);
        return -1;
    }
    *out = calloc(count, sizeof **out);
    int bad = 0;
    for (size_t i = 0; i < count; i++) {
        if (profile_load(names[i], dir, &(*out)[i], err, sizeof err) != 0) {
            fprintf(stderr, "tlsprof ciphers: %s\n", err);
            bad++;
        }
    }
    profile_list_free(names, count);
    *n = count;
    return bad ? -1 : 0;
}

/* One run through run_config(); returns its report (NULL if none) and exit code. */
static json_t *run_one(const run_config_t *c, int *exit_code)
{
    const char *tmpdir = getenv("TMPDIR");
    char path[4096];
    int w = snprintf(path, sizeof path, "%s/tlsprof-ciphers-XXXXXX",
                     tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (w < 0 || (size_t)w >= sizeof path)
        snprintf(path, sizeof path, "/tmp/tlsprof-ciphers-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) {
        perror("tlsprof ciphers: temporary report file");
        *exit_code = EXIT_INTERNAL;
        return NULL;
    }
    close(fd);
    run_config_t rc = *c;
    rc.json_path = path;
    rc.quiet = true;
    rc.crypto_bench = false; /* the matrix benchmarks once, before any run */
    rc.no_text = true;
    fflush(stdout);
    int saved = dup(STDOUT_FILENO), null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (saved >= 0 && null_fd >= 0) dup2(null_fd, STDOUT_FILENO);
    if (null_fd >= 0) close(null_fd);
    *exit_code = run_config(&rc);
    fflush(stdout);
    if (saved >= 0) {
        dup2(saved, STDOUT_FILENO);
        close(saved);
    }
    json_error_t je;
    json_t *rep = json_load_file(path, 0, &je);
    unlink(path);
    return json_is_object(rep) ? rep : (json_decref(rep), NULL);
}

static void progress(const run_config_t *base, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void progress(const run_config_t *base, const char *fmt, ...)
{
    if (base->quiet) return;
    va_list ap;
    va_start(ap, fmt);
    fputs("tlsprof ciphers: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static double report_num(const json_t *rep, const char *a, const char *b)
{
    const json_t *v = json_object_get(json_object_get(rep, a), b);
    return json_is_number(v) ? json_number_value(v) : 0;
}

/* The bulk run's configuration: one connection, one stream, GET, enough
 * requests for bulk_bytes, bounded in time. */
static void bulk_config(run_config_t *b, const run_config_t *base, const url_t *bulk_url,
                        uint64_t body, uint64_t bulk_bytes)
{
    *b = *base;
    b->url = *bulk_url;
    if (!b->sni_set)
        snprintf(b->sni, sizeof b->sni, "%s", bulk_url->host_is_ip ? "" : bulk_url->host);
    b->mode = MODE_POOLED;
    b->connections = b->threads = b->streams = 1;
    uint64_t n = body ? (bulk_bytes + body - 1) / body : 1;
    b->requests = n < 2 ? 2 : n > BULK_MAX_REQUESTS ? BULK_MAX_REQUESTS : n;
    b->duration_s = BULK_MAX_SECONDS;
    b->warmup_s = 0;
    b->rate = 0;
    b->method = "GET";
    b->early_data = false;
}

/* A fresh-mode run of profile p; resumption as asked (the user's
 * --early-data only matters, and is kept, with tickets). */
static void fresh_config(run_config_t *c, const run_config_t *base, const cipher_profile_t *p,
                         resume_mode resume)
{
    *c = *base;
    c->tls = p->tls;
    if (!c->tls.alpn) c->tls.alpn = base->tls.alpn;
    c->profile_name = p->name;
    c->mode = MODE_FRESH;
    c->streams = 1;
    c->resume = resume;
    if (resume == RESUME_OFF) c->reuse_ticket = c->early_data = false;
}

/* Without --body-size: one request with the client's defaults tells how
 * large the bulk URL's response is. 0 when it could not be fetched. */
static uint64_t probe_body_size(const run_config_t *base, const url_t *bulk_url)
{
    run_config_t p;
    bulk_config(&p, base, bulk_url, 0, 0);
    p.requests = 1;
    int code;
    json_t *rep = run_one(&p, &code);
    double ok = report_num(rep, "summary", "requests_ok"),
           bytes = report_num(rep, "summary", "bytes_received");
    json_decref(rep);
    return ok > 0 ? (uint64_t)(bytes / ok) : 0;
}

static json_t *matrix_config(const run_config_t *base, const matrix_opts_t *o, const char *url,
                             const char *bulk_url, uint64_t body, uint64_t bulk_requests,
                             const char *dir, const char *no_bulk)
{
    char workload[600];
    int w = snprintf(workload, sizeof workload,
                     "%llu fresh connections with resumption off, %llu with tickets",
                     (unsigned long long)base->requests, (unsigned long long)base->requests);
    if (base->duration_s > 0)
        w = snprintf(workload, sizeof workload, "fresh runs of %.3g s, resumption off then tickets",
                     base->duration_s);
    w += snprintf(workload + w, sizeof workload - (size_t)w, ", %u concurrent", base->connections);
    if (body)
        snprintf(workload + w, sizeof workload - (size_t)w,
                 "; bulk: %llu x %llu B over 1 connection", (unsigned long long)bulk_requests,
                 (unsigned long long)body);
    else
        snprintf(workload + w, sizeof workload - (size_t)w, "; no bulk run (%s)", no_bulk);
    return json_pack("{s:s?, s:s?, s:s, s:I, s:f, s:I, s:I, s:I, s:I, s:s, s:s}", "url", url,
                     "bulk_url", body ? bulk_url : NULL, "profiles_dir", dir, "requests",
                     (json_int_t)base->requests, "duration_s", base->duration_s, "connections",
                     (json_int_t)base->connections, "threads", (json_int_t)base->threads,
                     "body_size", (json_int_t)body, "bulk_requests",
                     (json_int_t)(body ? bulk_requests : 0), "workload", workload, "bench_items",
                     o->bench_seconds > 0 ? BENCH_ITEMS : "");
}

/* One command line, two tables: the matrix's options, then run's (which
 * apply to every run). Returns 0; 1 for --help (printed); -1 with a
 * message in err. */
static int parse_matrix(int argc, char **argv, matrix_opts_t *o, run_config_t *base,
                        const char **url, url_t *bulk_url, bool *body_given, char *err,
                        size_t errlen)
{
    *o = (matrix_opts_t){.bulk_bytes = DEFAULT_BULK_BYTES, .bench_seconds = DEFAULT_BENCH_SECONDS};
    config_defaults(base);
    opt_bind_t binds[2] = {{.table = &ciphers_matrix_options, .target = o},
                           {.table = &config_run_options, .target = base}};
    int first;
    int rc = opt_parse(binds, 2, argc, argv, &first, err, errlen);
    if (rc != 0) return rc;
    if (config_url_arg(argc, argv, first, url, err, errlen) < 0 ||
        config_resolve(base, *url, &binds[1], err, errlen) < 0 ||
        config_validate(base, &binds[1], err, errlen) < 0 ||
        refuse_tls_options(base, err, errlen) < 0)
        return -1;
    *bulk_url = base->url;
    if (o->bulk_url && url_parse(o->bulk_url, bulk_url, err, errlen) != 0) return -1;
    /* The default -n applies only when neither -n nor -D was given. */
    if (!opt_given(&binds[1], "requests") && !opt_given(&binds[1], "duration"))
        base->requests = DEFAULT_REQUESTS;
    *body_given = opt_given(&binds[0], "body-size");
    return 0;
}

static int run_matrix(const run_config_t *base, const matrix_opts_t *opts, const char *url,
                      const url_t *bulk_url, bool body_given)
{
    const matrix_opts_t o = *opts;
    char err[1024];
    const char *dir = o.dir ? o.dir : profile_default_dir();
    cipher_profile_t *profiles = NULL;
    size_t np = 0;
    if (load_profiles(&o, dir, &profiles, &np) != 0) {
        for (size_t i = 0; i < np; i++)
            profile_free(&profiles[i]);
        free(profiles);
        return EXIT_USAGE;
    }

    /* The benchmark runs first, while no connection competes for the CPU. */
    json_t *platform = platform_json();
    json_t *bench_items = NULL;
    if (o.bench_seconds > 0) {
        progress(base, "crypto benchmark, %.2g s per item", o.bench_seconds);
        json_t *bench = bench_crypto_run_items(o.bench_seconds, BENCH_ITEMS, err, sizeof err);
        if (bench) {
            bench_items = json_object_get(bench, "items");
            json_object_set_new(platform, "crypto_bench", bench);
        }
    }
    uint64_t body = o.body_size;
    const char *no_bulk = "--body-size 0";
    if (!body_given) {
        progress(base, "probing the size of %s%s", bulk_url->authority, bulk_url->path);
        body = probe_body_size(base, bulk_url);
        no_bulk = "the bulk URL answered without a body; see --bulk-url";
    }
    run_config_t bulk;
    bulk_config(&bulk, base, bulk_url, body, o.bulk_bytes);

    json_t *rows = json_array();
    int exit_code = EXIT_OK;
    size_t negotiated = 0;
    bool interrupted = false;
    for (size_t i = 0; i < np && !interrupted; i++) {
        const cipher_profile_t *p = &profiles[i];
        run_config_t c;
        fresh_config(&c, base, p, RESUME_OFF);
        progress(base, "[%zu/%zu] %s: full handshakes", i + 1, np, p->name);
        int codes[3] = {-1, -1, -1};
        json_t *full = run_one(&c, &codes[0]), *resumed = NULL, *bulk_rep = NULL;
        interrupted = codes[0] == EXIT_INTERRUPTED;
        bool ok = report_num(full, "summary", "connections_established") > 0;
        if (ok && !interrupted) {
            progress(base, "[%zu/%zu] %s: resumed handshakes", i + 1, np, p->name);
            fresh_config(&c, base, p, RESUME_TICKET);
            resumed = run_one(&c, &codes[1]);
            interrupted = codes[1] == EXIT_INTERRUPTED;
        }
        if (ok && !interrupted && body) {
            progress(base, "[%zu/%zu] %s: bulk, %llu x %llu B", i + 1, np, p->name,
                     (unsigned long long)bulk.requests, (unsigned long long)body);
            run_config_t b = bulk;
            b.tls = c.tls;
            b.profile_name = p->name;
            bulk_rep = run_one(&b, &codes[2]);
            interrupted = codes[2] == EXIT_INTERRUPTED;
        }
        ciphers_row_in_t in = {p->name, full, resumed, bulk_rep, bench_items, body};
        json_t *row = ciphers_row_build(&in);
        json_object_set_new(row, "path", json_string(p->path));
        json_object_set_new(row, "description", json_string(p->description));
        json_object_set_new(
            row, "exit_codes",
            json_pack("{s:i, s:i, s:i}", "full", codes[0], "resumed", codes[1], "bulk", codes[2]));
        json_array_append_new(rows, row);
        if (ok) negotiated++;
        for (int k = 0; k < 3 && ok; k++)
            if (codes[k] == EXIT_PARTIAL || codes[k] == EXIT_TOTAL_FAILURE)
                exit_code = EXIT_PARTIAL;
        json_decref(full);
        json_decref(resumed);
        json_decref(bulk_rep);
    }

    json_t *m = json_object();
    json_object_set_new(m, "matrix_version", json_integer(1));
    json_object_set_new(m, "tool",
                        json_pack("{s:s, s:s}", "name", "tlsprof", "version", TLSPROF_VERSION));
    json_object_set_new(m, "config",
                        matrix_config(base, &o, url, o.bulk_url ? o.bulk_url : url, body,
                                      bulk.requests, dir, no_bulk));
    json_object_set_new(m, "platform", platform);
    json_object_set_new(m, "interrupted", json_boolean(interrupted));
    json_object_set_new(m, "rows", rows);
    bool json_stdout = o.json_path && !strcmp(o.json_path, "-");
    ciphers_matrix_print(json_stdout ? stderr : stdout, m);
    if (negotiated == 0) exit_code = EXIT_TOTAL_FAILURE;
    if (interrupted) exit_code = EXIT_INTERRUPTED;
    if (o.json_path && json_file_write(m, o.json_path, JSON_INDENT(2) | JSON_REAL_PRECISION(10),
                                       err, sizeof err) < 0) {
        fprintf(stderr, "tlsprof ciphers: %s\n", err);
        exit_code = EXIT_INTERNAL;
    }
    json_decref(m);
    for (size_t i = 0; i < np; i++)
        profile_free(&profiles[i]);
    free(profiles);
    return exit_code;
}

int ciphers_matrix_main(int argc, char **argv)
{
    run_config_t *base = calloc(1, sizeof *base);
    if (!base) {
        fprintf(stderr, "tlsprof ciphers: out of memory\n");
        return EXIT_INTERNAL;
    }
    matrix_opts_t o;
    const char *url;
    url_t bulk_url;
    bool body_given;
    char err[1024];
    int rc = parse_matrix(argc, argv, &o, base, &url, &bulk_url, &body_given, err, sizeof err);
    if (rc == 0) {
        rc = run_matrix(base, &o, url, &bulk_url, body_given);
    } else if (rc > 0) {
        rc = EXIT_OK;
    } else {
        parse_sanitize(err); /* it may quote argv, which can hold control bytes */
        fprintf(stderr, "tlsprof ciphers: %s\n", err);
        rc = EXIT_USAGE;
    }
    config_free(base);
    free(base);
    return rc;
}
