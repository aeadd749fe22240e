/* peer_embedded.c - tlsprof's own server (`tlsprof serve`) as a test peer.
 *
 * Contract with the server: it accepts `--listen 127.0.0.1:0` (kernel picks
 * the port), writes its certificate to `--write-cert FILE` before listening,
 * and prints "listening on https://127.0.0.1:PORT" on stdout once it accepts. */
#include "harness.h"
#include "harness_private.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define EMBEDDED_START_TIMEOUT_MS 10000
#define MAX_EXTRA_ARGS 64

static const char listening_prefix[] = "listening on https://127.0.0.1:";

/* The port from the "listening on" line in the server's stdout so far, or 0. */
static int read_listening_port(const peer_t *p)
{
    char *out = slurp_file(p->stdout_path, NULL);
    if (!out) return 0;
    int port = 0;
    char *line = strstr(out, listening_prefix);
    if (line && strchr(line, '\n')) /* only a complete line: the number may be half written */
        port = atoi(line + sizeof listening_prefix - 1);
    free(out);
    return port > 0 && port < 65536 ? port : 0;
}

int peer_start_embedded(peer_t *p, const char *extra_args)
{
    if (peer_prepare(p, PEER_EMBEDDED, "serve") != 0) return PEER_ERROR;
    snprintf(p->cert_path, sizeof p->cert_path, "%s/cert.pem", p->dir);

    char **extra = NULL;
    int n_extra = split_args(extra_args ? extra_args : "", &extra);
    if (n_extra < 0 || n_extra > MAX_EXTRA_ARGS) {
        fprintf(stderr, "harness: bad extra args for tlsprof serve: %s\n", extra_args);
        free_args(extra);
        peer_stop(p);
        return PEER_ERROR;
    }
    char *argv[8 + MAX_EXTRA_ARGS] = {TLSPROF_BIN,   "serve",        "--listen",
                                      "127.0.0.1:0", "--write-cert", p->cert_path};
    int argc = 6;
    for (int i = 0; i < n_extra; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;

    /* SIGKILL on test death: a single process, nothing to shut down gracefully. */
    int rc = peer_spawn(p, argv, SIGKILL);
    free_args(extra);
    if (rc != 0) {
        peer_stop(p);
        return PEER_ERROR;
    }

    long long deadline = now_ms() + EMBEDDED_START_TIMEOUT_MS;
    while ((p->port = read_listening_port(p)) == 0) {
        if (peer_exited(p) || now_ms() >= deadline) {
            fprintf(stderr, "harness: `tlsprof serve` %s without printing \"%sPORT\"\n",
                    peer_exited(p) ? "exited" : "did not start within 10 s", listening_prefix);
            peer_dump_logs(p);
            peer_stop(p);
            return PEER_ERROR;
        }
        sleep_ms(10);
    }
    snprintf(p->url, sizeof p->url, "https://127.0.0.1:%d/", p->port);
    struct stat st;
    if (stat(p->cert_path, &st) != 0 || st.st_size == 0) {
        fprintf(stderr, "harness: `tlsprof serve` is listening but wrote no certificate to %s\n",
                p->cert_path);
        peer_dump_logs(p);
        peer_stop(p);
        return PEER_ERROR;
    }
    return PEER_OK;
}
