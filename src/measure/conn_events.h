/* conn_events.h - what happened on a connection, as timestamped events, and
 * the plain records kept from them.
 *
 * This is the one vocabulary in which every source reports a connection:
 * the live engine (its TCP, TLS and HTTP layers, `run` and `probe`) and a
 * packet capture (`pcap`). A source emits events to a sink (conn_sink_t, a
 * small struct of callbacks, as nghttp2 hands its session callbacks); the
 * tracker (measure/track.h) turns them into phases, tallies, stories and
 * event-log lines, and nothing else computes a phase. So tcp_connect,
 * tls_handshake or ttfb mean exactly the same thing whichever source the
 * events came from.
 *
 * Plain C: no libev, OpenSSL or nghttp2 types, so that measure/ and report/
 * can use these records without the engine's headers. TLS names are static
 * strings (OpenSSL's own, or the literals of a capture parser). */
#ifndef TLSPROF_CONN_EVENTS_H
#define TLSPROF_CONN_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "measure/clock.h"
#include "measure/tcpinfo.h"

/* ---- records ------------------------------------------------------------ */

/* One request/response exchange: an HTTP/2 stream, or an HTTP/1.1 request on
 * its connection. Timing points (0 = not reached). */
typedef struct stream_rec {
    int32_t id;         /* the stream id (HTTP/1.1: 1, 3, 5 ... as HTTP/2 would) */
    bool measured;      /* false for warm-up requests */
    bool early;         /* sent as 0-RTT early data, and still counted as such */
    uint16_t status;    /* final (>= 200) status, or the last 1xx; 0 = none yet */
    mono_ns t_intended; /* --rate: the scheduled start (from the schedule, not a clock read) */
    mono_ns t_submit;   /* handed to the session; the request timeout counts from here */
    mono_ns t_sent;     /* the write carrying the request's headers returned */
    mono_ns t_headers;  /* the read bringing the response headers */
    mono_ns t_done;     /* the read bringing the end of the response (or the give-up) */
    uint64_t bytes;     /* response body bytes */
} stream_rec_t;

/* A connection's timing points (the story keys of docs/report-format.md). */
typedef struct conn_times {
    mono_ns connect_start, tcp_up, tls_start, hello_retry, server_hello, server_finished, tls_done,
        settings, last_stream_done, close;
    uint64_t wall_connect_start; /* CLOCK_REALTIME at connect_start, for event logs */
    uint64_t tls_cpu_ns;         /* thread CPU time spent in handshake calls (live only) */
} conn_times_t;

/* What the handshake negotiated. */
typedef struct conn_tls_facts {
    const char *version, *cipher, *group, *alpn; /* static strings; NULL = unknown */
    char sigalg[40];
    bool resumed;
    bool offered_ticket;    /* the ClientHello really carried a pre_shared_key */
    bool ticket_expired;    /* a ticket was set, but the client dropped it as too old */
    bool hello_retry;       /* the server answered with a HelloRetryRequest */
    const char *early_data; /* NULL (not tried), "sent", "accepted", "rejected" */
    uint16_t tickets_received;
    uint32_t ticket_issuer; /* --connect-to index of the backend that issued the
                               offered ticket (UINT32_MAX: none / unknown) */
} conn_tls_facts_t;

/* How a connection ended, and who ended it. */
typedef enum close_how {
    CLOSE_HOW_NONE = 0,     /* still open */
    CLOSE_HOW_GOAWAY,       /* HTTP/2 GOAWAY, then the close */
    CLOSE_HOW_CLOSE_NOTIFY, /* TLS close_notify, then the close */
    CLOSE_HOW_FIN,          /* a bare FIN, no goodbye above TCP */
    CLOSE_HOW_RST,          /* TCP reset */
    CLOSE_HOW_TIMEOUT,      /* a phase timeout ended it */
    CLOSE_HOW_ERROR,        /* a protocol or local error ended it */
    CLOSE_HOW_ABORT,        /* the run ended or was interrupted */
} close_how;

typedef enum close_side { CLOSE_BY_NONE = 0, CLOSE_BY_CLIENT, CLOSE_BY_SERVER } close_side;

typedef struct conn_close {
    close_how how;
    close_side by;
    bool idle;              /* no stream was in flight when it came */
    bool goaway_seen;       /* the server sent GOAWAY (code and id below) */
    uint32_t goaway_error;  /* its error code (0 = NO_ERROR) */
    int32_t goaway_last_id; /* its last-stream-id */
} conn_close_t;

/* A connection's whole story: what the event log, the slowest lists and the
 * HTML waterfall show. Fixed size, no pointers into a live connection, so it
 * can be copied out when the connection ends. */
typedef struct conn_story {
    uint64_t id;     /* unique per run */
    uint32_t thread; /* worker (live), 0 for a capture */
    uint32_t target; /* index into the run's targets */
    uint16_t local_port;
    bool measured;    /* opened after warm-up */
    bool sampled;     /* its lines go to the event log (--events-sample) */
    bool established; /* ready for requests (HTTP/2: SETTINGS came) */
    conn_times_t t;
    conn_tls_facts_t tls;
    tcp_snapshot_t tcp; /* TCP_INFO just before close (live), or the capture's counts */
    bool tcp_ok;
    uint32_t syn_retransmits;
    uint32_t streams;        /* streams completed on this connection */
    uint64_t worst_ttfb_ns;  /* slowest stream's ttfb on this connection */
    uint32_t streams_failed; /* streams that ended in an error */
    char stream_error[64];   /* the first of those errors: "phase: reason" */
    conn_close_t close;
    const char *err_phase; /* NULL when the connection ended cleanly */
    char err_reason[96];
    uint64_t rank_ns; /* connect() to last stream done, or to the failure */
} conn_story_t;

/* ---- events ------------------------------------------------------------- */

typedef enum conn_ev_type {
    CONN_EV_CONNECT,         /* connect() is about to be called: t = connect_start; wall_ns */
    CONN_EV_TCP_UP,          /* established: local_port, syn_retransmits */
    CONN_EV_CLIENT_HELLO,    /* the ClientHello is built and sent after this (tls_start) */
    CONN_EV_PSK_OFFERED,     /* the ClientHello carried a pre_shared_key: issuer; or
                                ticket_expired when the client dropped its ticket */
    CONN_EV_HELLO_RETRY,     /* a HelloRetryRequest came: one more round trip */
    CONN_EV_SERVER_HELLO,    /* the ServerHello was processed */
    CONN_EV_SERVER_FINISHED, /* the server's Finished was processed */
    CONN_EV_HANDSHAKE_DONE,  /* facts (version, cipher, group, alpn, sigalg, resumed), cpu_ns */
    CONN_EV_TICKET,          /* a NewSessionTicket: ticket */
    CONN_EV_EARLY_DATA,      /* 0-RTT: early_data = "sent" / "accepted" / "rejected" */
    CONN_EV_SETTINGS,        /* the server's first SETTINGS (HTTP/2): settings */
    CONN_EV_GOAWAY,          /* a GOAWAY, either direction: goaway */
    CONN_EV_CLOSE_NOTIFY,    /* the server's close_notify was read */
    CONN_EV_CLOSED,          /* the end: closed (exactly once, always last) */
} conn_ev_type;

/* HTTP/2 SETTINGS as the server announced them; a value not sent is
 * UINT32_MAX (the protocol's default then applies). */
typedef struct h2_settings_rec {
    uint32_t header_table_size, enable_push, max_concurrent_streams, initial_window_size,
        max_frame_size, max_header_list_size, enable_connect_protocol;
} h2_settings_rec_t;

typedef struct ticket_rec {
    uint32_t lifetime_s; /* ticket_lifetime (the hint) */
    uint32_t age_add;    /* ticket_age_add (TLS 1.3; 0 otherwise) */
    uint32_t size;       /* ticket bytes */
    uint32_t max_early_data;
    bool resumable; /* the client may offer it (kept by the ticket store) */
} ticket_rec_t;

typedef struct conn_event {
    conn_ev_type type;
    mono_ns t; /* CLOCK_MONOTONIC at the event (capture time for pcap) */
    union {
        uint64_t wall_ns; /* CONNECT */
        struct {
            uint16_t local_port;
            uint32_t syn_retransmits;
        } tcp_up;
        struct {
            uint32_t issuer; /* backend index that issued it, UINT32_MAX unknown */
            bool expired;    /* no PSK sent: the client found the ticket too old */
        } psk;
        struct {
            const conn_tls_facts_t *facts; /* copied by the tracker */
            uint64_t cpu_ns;
        } handshake;
        ticket_rec_t ticket;
        const char *early_data;
        h2_settings_rec_t settings;
        struct {
            bool from_server;
            uint32_t error_code;
            int32_t last_stream_id;
        } goaway;
        struct {
            const char *err_phase; /* NULL: a clean end */
            const char *reason;
            close_how how;
            close_side by;
            const tcp_snapshot_t *tcp; /* NULL when not read */
        } closed;
    } u;
} conn_event_t;

typedef enum stream_ev_type {
    STREAM_EV_SUBMIT,  /* handed to the session: t = t_submit; measured, intended */
    STREAM_EV_SENT,    /* the write carrying its request headers returned */
    STREAM_EV_HEADERS, /* response headers: status */
    STREAM_EV_BODY,    /* body bytes */
    STREAM_EV_END,     /* the exchange is over: outcome, phase, reason */
} stream_ev_type;

typedef enum stream_outcome {
    STREAM_OK,      /* a complete, valid response */
    STREAM_FAILED,  /* counted as an error under `phase` (NULL: counted elsewhere, once) */
    STREAM_REFUSED, /* never processed by the server (REFUSED_STREAM, above a GOAWAY's
                       last-stream-id, kept-alive HTTP/1.1 closed before any byte):
                       the engine decides whether it is retried */
    STREAM_RETRY,   /* handed back to be sent again (the engine's decision) */
    STREAM_ABORTED, /* the run ended under it: not an error */
} stream_outcome;

typedef struct stream_event {
    stream_ev_type type;
    mono_ns t;
    union {
        struct {
            bool measured;
            mono_ns intended;
        } submit;
        uint16_t status;
        uint64_t bytes;
        struct {
            stream_outcome outcome;
            const char *phase;
            const char *reason;
        } end;
    } u;
} stream_event_t;

/* ---- the sink ------------------------------------------------------------- */

/* Where a source's events go. ctx is the source's per-connection context
 * (the engine hands each connection its own); the stream record is the
 * source's slot for that stream, owned by the source. */
typedef struct conn_sink_ops {
    void (*conn)(void *ctx, const conn_event_t *ev);
    void (*stream)(void *ctx, stream_rec_t *st, const stream_event_t *ev);
} conn_sink_ops_t;

typedef struct conn_sink {
    const conn_sink_ops_t *ops;
    void *ctx;
} conn_sink_t;

static inline void conn_emit(const conn_sink_t *s, const conn_event_t *ev)
{
    s->ops->conn(s->ctx, ev);
}

static inline void stream_emit(const conn_sink_t *s, stream_rec_t *st, const stream_event_t *ev)
{
    s->ops->stream(s->ctx, st, ev);
}

const char *close_how_name(close_how how);    /* "goaway", "close_notify", ... */
const char *close_side_name(close_side side); /* "client", "server", NULL */

#endif
