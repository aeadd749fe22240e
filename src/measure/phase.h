/* phase.h - the named phases tlsprof measures, each one a histogram.
 *
 * The names are part of the JSON contract (docs/report-format.md). */
#ifndef TLSPROF_PHASE_H
#define TLSPROF_PHASE_H

typedef enum phase_id {
    PHASE_DNS,
    PHASE_TCP_CONNECT,           /* connect() -> writable with SO_ERROR 0 */
    PHASE_TLS_HANDSHAKE,         /* first ClientHello write -> handshake done */
    PHASE_TLS_HANDSHAKE_FULL,    /* the same, full handshakes only */
    PHASE_TLS_HANDSHAKE_RESUMED, /* the same, PSK-resumed handshakes only */
    PHASE_TLS_SERVER_HELLO,      /* ClientHello sent -> ServerHello received */
    PHASE_TLS_SERVER_FINISHED,   /* ClientHello sent -> server Finished received */
    PHASE_TLS_CLIENT_CPU,        /* thread CPU time spent in handshake calls */
    PHASE_H2_SETTINGS,           /* handshake done -> server SETTINGS received */
    PHASE_TTFB,                  /* request written -> response HEADERS, per stream */
    PHASE_TTFB_0RTT,             /* ttfb of requests accepted as 0-RTT early data */
    PHASE_STREAM,                /* request written -> END_STREAM, per stream */
    PHASE_CONNECTION,            /* connect() -> last stream done */
    PHASE_TTFB_UNCORRECTED,      /* rate mode: ttfb from actual (not intended) send */
    PHASE_COUNT
} phase_id;

/* Phases other than the above that are histograms of non-time values live in
 * stats.h (tcp_rtt, retransmits_per_connection). */

const char *phase_name(phase_id p);
int phase_from_name(const char *name); /* -1 when unknown */

#endif
