/* server_internal.h - the server's shared structures, private to src/server/.
 *
 * Ownership: a server_t owns its workers; a worker owns its loop, listener and
 * connections. Only the worker's own thread touches a connection, so nothing
 * on the request path takes a lock. Counters are written by their worker
 * with relaxed atomic stores and may be read from any thread. */
#ifndef TLSPROF_SERVER_INTERNAL_H
#define TLSPROF_SERVER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <ev.h>
#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#include "measure/clock.h"
#include "server/server.h"

/* TLS records carry at most 16 KiB, so two records' worth per read or write
 * call keeps syscalls few without making the per-thread buffers large. */
#define SERVER_IO_CHUNK (32 * 1024)

typedef struct worker_counters {
    _Atomic uint64_t accepted, open, full, resumed, hs_failures, early_accepted, early_rejected,
        requests, early_requests, faults, protocol_errors, io_errors, idle_closed;
} worker_counters_t;

/* Single-writer increment: a relaxed load and store compile to plain moves,
 * unlike an atomic read-modify-write, and readers still see whole values. */
static inline void counter_add(_Atomic uint64_t *c, int64_t delta)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + (uint64_t)delta,
                          memory_order_relaxed);
}

typedef struct ticket_key {
    unsigned char name[16];
    unsigned char hmac[32];
    unsigned char aes[32];
    size_t hmac_len;    /* 16 (48-byte file) or 32 (80-byte file) */
    EVP_CIPHER *cipher; /* AES-128-CBC or AES-256-CBC, fetched once */
} ticket_key_t;

typedef struct conn conn_t;
typedef struct worker worker_t;

struct server {
    server_config_t cfg; /* copy; its borrowed strings are not used after start */
    SSL_CTX *ssl_ctx;
    char *cert_pem;
    char url[96];
    int port;
    unsigned char alpn[256]; /* server preference list, wire format */
    int alpn_len;
    int alpn_has_h2;
    int have_ticket_key;
    ticket_key_t ticket_key;
    nghttp2_session_callbacks *h2_callbacks;
    nghttp2_option *h2_option;
    char content_length[24];   /* decimal body_size, shared by every response */
    char *huge_header;         /* huge-headers fault: arg bytes of 'x' */
    _Atomic uint64_t conn_seq; /* picks the faulted connections for --fault-every */
    int nworkers;
    worker_t *workers;
};

struct worker {
    server_t *srv;
    int index;
    struct ev_loop *loop;
    pthread_t thread;
    int thread_started;
    int listen_fd;
    ev_io accept_watcher;
    ev_timer accept_pause;   /* out of descriptors: stop accepting for a moment */
    mono_ns last_emfile_log; /* say so at most once a second */
    ev_async stop_watcher;
    conn_t *conns; /* every open connection, for shutdown */
    worker_counters_t counters;
    /* Scratch space shared by every connection of this thread: a connection
     * needs it only while its callback runs. */
    uint8_t rbuf[SERVER_IO_CHUNK];
    uint8_t wbuf[SERVER_IO_CHUNK];
};

enum conn_state {
    CONN_HANDSHAKE, /* SSL_do_handshake until done */
    CONN_EARLY,     /* SSL_read_early_data until FINISH, then CONN_HANDSHAKE */
    CONN_H2,        /* serving HTTP/2 */
    CONN_H1,        /* http/1.1 negotiated: answer 505 and close */
    CONN_SILENT,    /* no-settings fault: read and discard, never write */
    CONN_LINGER     /* close_notify and FIN sent: discard input until the client's FIN */
};

struct conn {
    conn_t *prev, *next;
    worker_t *w;
    SSL *ssl;
    nghttp2_session *h2;
    ev_io io;
    ev_timer timer;   /* idle timeout, idle-close fault, close deadline */
    uint8_t *pending; /* bytes SSL_write could not take yet (WANT_WRITE) */
    uint32_t pending_len, pending_cap;
    mono_ns last_active;
    uint64_t requests;      /* requests answered on this connection */
    uint32_t idle_ms;       /* --idle-timeout or the idle-close fault; 0 = no timer */
    int32_t goaway_last_id; /* goaway-after: streams above this are not served */
    int fd;
    uint8_t state;
    uint8_t events;       /* EV_READ/EV_WRITE currently requested */
    unsigned faulted : 1; /* the configured fault applies to this connection */
    unsigned handshake_done : 1;
    unsigned drop_input : 1; /* flow-stall: read the socket, process nothing */
    unsigned goaway_sent : 1;
    unsigned h1_answered : 1;
    unsigned close_after_flush : 1; /* the 505 answer is queued */
    unsigned closing : 1;           /* the timer is now the close deadline */
    unsigned h2_error : 1;          /* nghttp2 reported a protocol error */
    unsigned fault_counted : 1;
};

/* server_tls.c */
SSL_CTX *server_tls_ctx_new(server_t *srv, char *err, size_t errlen);
int server_load_ticket_key(const char *path, ticket_key_t *key, char *err, size_t errlen);

/* server_cert.c */
int server_cert_install(SSL_CTX *ctx, const server_config_t *c, char **pem, char *err,
                        size_t errlen);

/* server_conn.c */
void conn_accept(worker_t *w, int fd);
void conn_close(conn_t *c);
void conn_close_all(worker_t *w);
void conn_touch(conn_t *c);

/* server_h2.c */
int server_h2_init(server_t *srv, char *err, size_t errlen);
void server_h2_free(server_t *srv);
int conn_h2_start(conn_t *c); /* create the session and queue SETTINGS */
/* Hand received bytes to nghttp2 (dropped under the flow-stall fault).
 * -1 on an HTTP/2 error: the connection must be closed. */
int conn_h2_feed(conn_t *c, const uint8_t *data, size_t len);
void conn_h2_goaway(conn_t *c, uint32_t code);
/* 1 while nghttp2 still wants to read or write, 0 when the session is done. */
int conn_h2_alive(const conn_t *c);

#endif
