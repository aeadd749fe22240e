/* conn.h - one connection as a small state machine:
 *
 *   IDLE -> CONNECTING -> TLS_HANDSHAKE -> ACTIVE -> CLOSING -> IDLE
 *
 * Each state installs its own I/O handling; each has a timeout. The timestamps
 * below are the connection's story: read from CLOCK_MONOTONIC at the event,
 * recorded into the worker's histograms when the connection ends, never
 * overwritten by a reconnect (the slot is reset only after recording). */
#ifndef TLSPROF_CONN_H
#define TLSPROF_CONN_H

#include <ev.h>
#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>

#include "layers/h1_client.h"
#include "layers/h2_mem.h"
#include "layers/pending.h"
#include "layers/session.h"
#include "measure/clock.h"
#include "measure/tcpinfo.h"

struct worker;

typedef enum conn_state {
    CONN_IDLE,
    CONN_CONNECTING,
    CONN_TLS_HANDSHAKE,
    CONN_ACTIVE,  /* HTTP/2 or HTTP/1.1 session up (ready once SETTINGS came, for HTTP/2) */
    CONN_CLOSING, /* closing: our close_notify/FIN going out, or the server's awaited */
} conn_state;

typedef struct stream {
    /* One request/response exchange (an HTTP/2 stream, or an HTTP/1.1
     * request on its connection). */
    int32_t id;             /* 0 = free slot */
    bool measured;          /* false for warm-up requests */
    bool pending_flush;     /* HEADERS serialised but not yet written to the socket */
    bool early;             /* sent as 0-RTT early data */
    bool timed_out;         /* reset by us after --request-timeout */
    bool reset_sent;        /* we sent RST_STREAM for it */
    uint16_t status;        /* final (>= 200) status, or the last 1xx; 0 = none yet */
    int64_t content_length; /* from the response, -1 when absent */
    mono_ns t_intended;     /* rate mode: scheduled send time */
    mono_ns t_submit;       /* handed to the session (request timeout counts from here) */
    mono_ns t_sent, t_headers, t_done;
    uint64_t bytes;
} stream_t;

typedef struct conn_times {
    mono_ns connect_start, tcp_up, tls_start, server_hello, server_finished, tls_done, settings,
        last_stream_done, close;
    uint64_t wall_connect_start; /* CLOCK_REALTIME, for event logs */
    uint64_t tls_cpu_ns;         /* thread CPU time spent in handshake calls */
} conn_times_t;

typedef struct conn_tls_facts {
    const char *version, *cipher, *group, *alpn; /* static strings from OpenSSL */
    char sigalg[40];
    bool resumed, offered_ticket;
    const char *early_data; /* "not-sent", "accepted", "rejected" */
    uint16_t tickets_received;
} conn_tls_facts_t;

/* After our FIN, how long to wait for the server's before closing anyway. */
#define CONN_CLOSE_WAIT_MS 2000
/* Largest TLS plaintext record: SSL_read returns at most this much. */
#define TLS_RECORD_MAX 16384

typedef struct conn {
    struct worker *w;
    uint32_t index;  /* slot number in the worker */
    uint64_t id;     /* unique per run: (worker << 40) | sequence */
    uint32_t target; /* index into the engine's targets */
    conn_state state;
    int fd;
    SSL *ssl;
    const session_ops_t *proto; /* HTTP/2 or HTTP/1.1 (session.h) */
    bool session_on;            /* proto->start succeeded, proto->end not yet called */
    bool ready;                 /* requests may go: HTTP/1.1 at once, HTTP/2 once SETTINGS came */
    nghttp2_session *h2;
    h1_conn_t h1;
    h2_mem_session_t h2mem;    /* the session's allocator state (h2_mem.h) */
    bool h2_preface;           /* the client preface is still to be written (conn_flush) */
    bool stream_ended_in_send; /* a stream closed during a flush: conn_progress runs again */
    ev_io io;
    ev_timer timer;
    conn_times_t t;
    conn_tls_facts_t tls;
    uint16_t local_port;
    uint32_t syn_retransmits; /* exact: TCP_INFO read when connect() completed */
    tcp_snapshot_t tcp;       /* TCP_INFO read just before close */
    bool tcp_ok;
    bool measured;      /* connection opened after warm-up (or its samples are kept anyway) */
    bool goaway;        /* server sent GOAWAY (or HTTP/1.1 "connection: close"): no new streams */
    bool server_closes; /* HTTP/1.1 "connection: close": the server closes first */
    bool claimed;       /* holds a claimed request not yet submitted (fresh, and closed-loop pooled
                           reconnects: worker.c open_slot) */
    bool claimed_measured;
    mono_ns claimed_intended; /* --rate: the claimed request's scheduled instant */
    bool in_setup_batch;      /* reading right after the handshake completed */
    bool retired;             /* slot given up (EMFILE): never reopened */
    bool closing_by_client;   /* CLOSING after our FIN (not waiting for the server's choice) */
    bool in_setup;            /* pooled: counted in the worker's setting_up (--ramp) */
    bool peer_close_notify;   /* --close server: close_notify read, waiting for the FIN itself */
    bool early_sent;          /* preface, SETTINGS and request(s) went out as 0-RTT data */
    uint32_t inflight;
    uint32_t streams_done;
    uint64_t worst_ttfb_ns;  /* slowest stream on this connection, for its story */
    uint32_t streams_failed; /* streams that ended in an error, for its story */
    char stream_error[64];   /* the first of those errors: "phase: reason" */
    bool flush_deferred;     /* in the worker's dirty list: requests wait for the loop to go idle */
    bool sampled;            /* its lines go to the event log (--events-sample) */
    mono_ns t_last_read;     /* clock read right after the latest successful read */
    pending_t wpend;         /* plaintext OpenSSL could not take yet */
    pending_t raw;           /* encrypted bytes a release of held writes could not send
                                (tls_bio.h): they go out before anything else */
    uint32_t handshake_calls; /* SSL_do_handshake calls so far */
    bool fin_pending;         /* --close client: shutdown(SHUT_WR) once `raw` is sent */
    stream_t *streams;        /* cfg->streams slots, allocated once with the conn */
} conn_t;

/* Start a new connection in an idle slot (fresh, and a closed-loop pooled
 * reconnect: one request already claimed; otherwise streams are claimed once
 * it is up). */
void conn_open(conn_t *c);
/* Stop everything immediately (abort). In-flight requests count as aborted. */
void conn_abort(conn_t *c, const char *why);
/* Graceful: no new streams; close once in-flight streams are done. */
void conn_drain(conn_t *c);
/* --rate: an arrival is due; an established connection with a free stream
 * takes it. */
void conn_kick(conn_t *c);
/* Write what conn_progress deferred (see worker.c flush_idle_cb). */
void conn_flush_deferred(conn_t *c);

#endif
