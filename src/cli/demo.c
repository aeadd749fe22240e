/* demo.c - `tlsprof demo`: start the embedded server on a free loopback
 * port, profile it once in fresh mode and once in pooled mode, print both
 * reports. The client verifies the server's generated certificate (no -k):
 * the demo shows the real thing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/option_tables.h"
#include "config/opt_table.h"
#include "config/parse.h"
#include "config/exit_codes.h"
#include "server/server.h"

typedef struct demo_opts {
    uint64_t requests;
    const char *json_dir;
} demo_opts_t;

static const opt_row_t demo_rows[] = {
    {NULL, 'n', OPT_UINT, "N", OPT_FIELD(demo_opts_t, requests), .umin = 1, .umax = 10000000,
     .help = "requests per run (default 2000)", .example = "500"},
    {"json-dir", 0, OPT_STRING, "DIR", OPT_FIELD(demo_opts_t, json_dir), .expect = "a directory",
     .help = "also write DIR/fresh.json and DIR/pooled.json", .example = "/tmp"},
    {"help", 'h', OPT_HELP, .help = NULL}, /* not listed, as before */
};

const opt_table_t demo_options = {
    .usage = "usage: tlsprof demo [-n REQUESTS] [--json-dir DIR]\n"
             "Starts the embedded TLS 1.3 + HTTP/2 server on a free loopback port and profiles "
             "it:\n"
             "fresh mode (-c 8, one new connection per request) then pooled mode (-c 4 -m 10).\n",
    .see = "tlsprof demo --help",
    .col = 18,
    .target_size = sizeof(demo_opts_t),
    OPT_ROWS(demo_rows),
};

static int run_args(const char *label, char **args, int nargs)
{
    printf("\n==== %s: tlsprof", label);
    for (int i = 1; i < nargs; i++)
        printf(" %s", args[i]);
    printf("\n\n");
    fflush(stdout);
    return run_main(nargs, args);
}

int demo_main(int argc, char **argv)
{
    demo_opts_t o = {.requests = 2000};
    opt_bind_t b = {.table = &demo_options, .target = &o};
    char err[512];
    int first;
    int rc = opt_parse(&b, 1, argc, argv, &first, err, sizeof err);
    if (rc == 0 && first < argc) {
        snprintf(err, sizeof err, "unexpected argument '%s' (demo takes only options)",
                 argv[first]);
        rc = -1;
    }
    if (rc != 0) {
        if (rc > 0) return EXIT_OK;
        parse_sanitize(err);
        fprintf(stderr, "tlsprof demo: %s\n", err);
        return EXIT_USAGE;
    }
    uint64_t n = o.requests;
    const char *json_dir = o.json_dir;
    server_config_t sc;
    server_config_defaults(&sc);
    snprintf(sc.host, sizeof sc.host, "127.0.0.1");
    sc.port = 0;
    server_t *srv = server_start(&sc, err, sizeof err);
    if (!srv) {
        fprintf(stderr, "tlsprof demo: cannot start the embedded server: %s\n", err);
        return EXIT_INTERNAL;
    }
    char certpath[] = "/tmp/tlsprof-demo-cert-XXXXXX";
    int fd = mkstemp(certpath);
    const char *pem = server_cert_pem(srv);
    if (fd < 0 || write(fd, pem, strlen(pem)) != (ssize_t)strlen(pem)) {
        fprintf(stderr, "tlsprof demo: cannot write the server certificate to %s\n", certpath);
        server_stop(srv);
        return EXIT_INTERNAL;
    }
    close(fd);
    printf("embedded server: %s (ECDSA P-256 certificate generated at start-up)\n",
           server_url(srv));

    char url[128], nbuf[32], json_fresh[1024], json_pooled[1024];
    snprintf(url, sizeof url, "%s/", server_url(srv));
    snprintf(nbuf, sizeof nbuf, "%llu", (unsigned long long)n);
    char *fresh[] = {"run", url,        "--mode", "fresh", "-c",     "8",        "-n",
                     nbuf,  "--cacert", certpath, "-q",    "--json", json_fresh, NULL};
    char *pooled[] = {"run", url,  "--mode",   "pooled", "-c", "4",      "-m",        "10",
                      "-n",  nbuf, "--cacert", certpath, "-q", "--json", json_pooled, NULL};
    int nf = 11, np = 13; /* argument counts before the optional "--json FILE" */
    if (json_dir) {
        snprintf(json_fresh, sizeof json_fresh, "%s/fresh.json", json_dir);
        snprintf(json_pooled, sizeof json_pooled, "%s/pooled.json", json_dir);
        nf += 2;
        np += 2;
    }
    int rc1 =
        run_args("fresh mode: a new TCP + TLS 1.3 + HTTP/2 connection per request", fresh, nf);
    int rc2 = run_args("pooled mode: 4 long-lived connections, up to 10 streams each", pooled, np);
    server_stop(srv);
    unlink(certpath);
    return rc1 != EXIT_OK ? rc1 : rc2;
}
