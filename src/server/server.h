/* server.h - the embedded TLS 1.3 + HTTP/2 server behind `tlsprof serve` and
 * `tlsprof demo`, and the default peer of the test suite.
 *
 * One libev loop per thread, each with its own SO_REUSEPORT listener; every
 * request is answered with 200 and --body-size bytes. Fault switches make it
 * misbehave on purpose so the client's error paths can be tested. See
 * docs/server.md for the options and the exact behaviour of each fault. */
#ifndef TLSPROF_SERVER_H
#define TLSPROF_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/tls_opts.h"

/* Faults applied to every connection, or to 1 in --fault-every N. */
typedef enum server_fault {
    FAULT_NONE,
    FAULT_RST_AFTER_ACCEPT,        /* accept, then close with RST (SO_LINGER 0) */
    FAULT_RST_AFTER_CLIENTHELLO,   /* read the whole ClientHello, then RST */
    FAULT_CLOSE_AFTER_CLIENTHELLO, /* read the whole ClientHello, then FIN */
    FAULT_GARBAGE_SERVERHELLO,     /* answer the ClientHello with non-TLS bytes */
    FAULT_NO_SETTINGS,             /* finish TLS, then never send a byte of HTTP/2 */
    FAULT_GOAWAY_AFTER,            /* GOAWAY(NO_ERROR) after arg requests, then close */
    FAULT_RST_STREAM,              /* answer each request with RST_STREAM(arg) */
    FAULT_STALL_RESPONSE,          /* response HEADERS, then never the body */
    FAULT_HUGE_HEADERS,            /* a response header field of arg bytes */
    FAULT_FLOW_STALL,              /* body stops at the client's window: WINDOW_UPDATEs ignored */
    FAULT_IDLE_CLOSE,              /* close silently (no GOAWAY) after arg ms idle */
    FAULT_NO_ALPN,                 /* ignore the client's ALPN, speak only HTTP/1.1 */
    FAULT_SHORT_BODY,              /* content-length promises arg bytes more than the body has */
    FAULT_NO_STATUS                /* response HEADERS without :status */
} server_fault;

typedef struct server_config {
    /* Where to listen. host is numeric ("127.0.0.1", "::1"); port 0 picks a free port. */
    char host[64];
    int port;
    const char *cert_file, *key_file; /* both or neither; neither = self-signed in memory */
    const char *write_cert_file;      /* serve only: write the trusted cert PEM here */
    uint64_t body_size;               /* response body bytes */
    int threads;                      /* accept loops (SO_REUSEPORT), >= 1 */
    tls_opts_t tls;                   /* versions, suites, groups, sigalgs; alpn = preference */
    int tickets;                      /* TLS 1.3 tickets per handshake */
    int no_tickets;                   /* no tickets and no resumption at all */
    const char *ticket_key_file;      /* 48 or 80 bytes; NULL = random keys per server */
    int no_resume;                    /* issue tickets, never accept them */
    uint32_t early_data;              /* max_early_data; 0 = 0-RTT off */
    int allow_replay;                 /* 0-RTT without OpenSSL's single-use ticket check */
    uint32_t max_streams;             /* SETTINGS_MAX_CONCURRENT_STREAMS */
    uint32_t idle_timeout_ms;         /* 0 = never */
    server_fault fault;
    uint64_t fault_arg;   /* N, error code, bytes or ms, per fault */
    uint64_t fault_every; /* 1 = every connection */
    int verbose;          /* log each failed connection to stderr */
} server_config_t;

/* Counters, summed over threads by server_stats(). Injected faults are
 * counted in faults_injected, never as errors. */
typedef struct server_stats {
    uint64_t connections_accepted;
    uint64_t connections_open; /* open right now */
    uint64_t handshakes_full;
    uint64_t handshakes_resumed;
    uint64_t handshake_failures;  /* closed or failed before the handshake finished */
    uint64_t early_data_accepted; /* connections whose 0-RTT data was accepted */
    uint64_t early_data_rejected; /* connections that offered 0-RTT and were refused */
    uint64_t requests;            /* requests answered with 200 */
    uint64_t early_requests;      /* of those, requests that arrived as 0-RTT data */
    uint64_t faults_injected;     /* connections (or streams, for rst-stream) faulted */
    uint64_t protocol_errors;     /* HTTP/2 errors: bad frames, bad preface */
    uint64_t io_errors;           /* socket or TLS errors after the handshake */
    uint64_t idle_closed;         /* closed by --idle-timeout */
    uint64_t errors;              /* handshake_failures + protocol_errors + io_errors */
} server_stats_t;

typedef struct server server_t;

void server_config_defaults(server_config_t *c);

/* Parse serve options (argv[0] is the subcommand name and is skipped). On a
 * bad option writes a message naming the option and value and returns -1.
 * Returns 1 when --help was given (help already printed to stdout). */
int server_config_parse(server_config_t *c, int argc, char **argv, char *err, size_t errlen);
void server_usage(FILE *out);

/* Parse "123", "64k", "1M", "16KiB", "2Mi"... (k/M/G = 1000^n, Ki/Mi/Gi = 1024^n,
 * an optional trailing B): config/parse.h's parse_size without a limit.
 * Returns 0 or -1. */
int server_parse_size(const char *s, uint64_t *out);

/* Bind, create the TLS context, start the threads. Returns once every
 * listener is bound and listening, or NULL with a message in err. */
server_t *server_start(const server_config_t *c, char *err, size_t errlen);
int server_port(const server_t *s);
const char *server_url(const server_t *s);      /* "https://127.0.0.1:PORT" */
const char *server_cert_pem(const server_t *s); /* PEM of the certificate clients should trust */
int server_threads(const server_t *s);
void server_stats(const server_t *s, server_stats_t *out);
/* One thread's counters; thread in [0, server_threads). */
void server_thread_stats(const server_t *s, int thread, server_stats_t *out);
/* Stop and join every thread (idempotent); counters stay readable. */
void server_halt(server_t *s);
/* Stop every loop, close every connection, join, free. NULL is a no-op. */
void server_stop(server_t *s);

#endif
