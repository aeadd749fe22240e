/* serve.c - `tlsprof serve`: parse, start, print the URL, wait for
 * SIGINT/SIGTERM, print the counters, stop. The server itself and its
 * options (server_config.c) are the server room's; this is the command. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "config/exit_codes.h"
#include "config/parse.h"
#include "server/server.h"
#include "server/server_fault.h"

static int write_cert(const char *path, const char *pem)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "tlsprof serve: --write-cert %s: %s\n", path, strerror(errno));
        return -1;
    }
    int ok = fputs(pem, f) >= 0;
    ok = (fclose(f) == 0) && ok;
    if (!ok) fprintf(stderr, "tlsprof serve: --write-cert %s: write failed\n", path);
    return ok ? 0 : -1;
}

static void print_stats(const char *label, const server_stats_t *st)
{
    fprintf(stderr,
            "tlsprof serve: %s: connections %llu, handshakes %llu full / %llu resumed, "
            "0-RTT %llu accepted / %llu rejected, requests %llu (%llu in 0-RTT), "
            "idle-closed %llu, faults %llu, errors %llu (handshake %llu, http2 %llu, io %llu)\n",
            label, (unsigned long long)st->connections_accepted,
            (unsigned long long)st->handshakes_full, (unsigned long long)st->handshakes_resumed,
            (unsigned long long)st->early_data_accepted,
            (unsigned long long)st->early_data_rejected, (unsigned long long)st->requests,
            (unsigned long long)st->early_requests, (unsigned long long)st->idle_closed,
            (unsigned long long)st->faults_injected, (unsigned long long)st->errors,
            (unsigned long long)st->handshake_failures, (unsigned long long)st->protocol_errors,
            (unsigned long long)st->io_errors);
}

static void print_config(const server_config_t *c)
{
    fprintf(stderr, "tlsprof serve: body %llu bytes, %d thread%s, alpn %s, ",
            (unsigned long long)c->body_size, c->threads, c->threads == 1 ? "" : "s",
            c->tls.alpn ? c->tls.alpn : "h2");
    if (c->no_tickets)
        fprintf(stderr, "no tickets");
    else
        fprintf(stderr, "%d ticket%s%s%s", c->tickets, c->tickets == 1 ? "" : "s",
                c->ticket_key_file ? " (shared key)" : "", c->no_resume ? " (never resumed)" : "");
    if (c->early_data)
        fprintf(stderr, ", 0-RTT up to %u bytes%s", c->early_data,
                c->allow_replay ? " (replayable)" : "");
    if (c->fault != FAULT_NONE) {
        fprintf(stderr, ", fault %s", server_fault_name(c->fault));
        if (c->fault == FAULT_RST_STREAM)
            fprintf(stderr, ":%s", server_h2_code_name((uint32_t)c->fault_arg));
        else if (c->fault_arg)
            fprintf(stderr, ":%llu", (unsigned long long)c->fault_arg);
        if (c->fault_every > 1)
            fprintf(stderr, " on every %llu%s connection", (unsigned long long)c->fault_every,
                    "th");
    }
    fputc('\n', stderr);
}

int serve_main(int argc, char **argv)
{
    server_config_t cfg;
    char err[1024];
    server_config_defaults(&cfg);
    int rc = server_config_parse(&cfg, argc, argv, err, sizeof err);
    if (rc == 1) return EXIT_OK;
    if (rc < 0) {
        parse_sanitize(err); /* it may quote argv, which can hold control bytes */
        fprintf(stderr, "tlsprof serve: %s\n", err);
        return EXIT_USAGE;
    }

    /* Block the stop signals before any thread exists, so every server
     * thread inherits the mask and sigwait() below receives them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    server_t *srv = server_start(&cfg, err, sizeof err);
    if (!srv) {
        fprintf(stderr, "tlsprof serve: %s\n", err);
        return EXIT_USAGE;
    }
    if (cfg.write_cert_file && write_cert(cfg.write_cert_file, server_cert_pem(srv))) {
        server_stop(srv);
        return EXIT_INTERNAL;
    }
    print_config(&cfg);
    printf("listening on %s\n", server_url(srv));
    fflush(stdout);

    int sig = 0;
    while (sigwait(&stop, &sig) != 0) {
    }
    fprintf(stderr, "tlsprof serve: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    server_halt(srv);
    server_stats_t st;
    int n = server_threads(srv);
    if (n > 1) {
        for (int i = 0; i < n; i++) {
            char label[32];
            snprintf(label, sizeof label, "thread %d", i);
            server_thread_stats(srv, i, &st);
            print_stats(label, &st);
        }
    }
    server_stats(srv, &st);
    print_stats(n > 1 ? "total" : "thread 0", &st);
    server_stop(srv);
    return EXIT_OK;
}
