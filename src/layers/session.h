/* session.h - the HTTP protocol under a connection, behind one interface
 * (as in h2load): HTTP/2 over nghttp2 (h2_client.c) or HTTP/1.1
 * (h1_client.c, --h1). The connection state machine moves bytes and time;
 * the session turns requests into bytes, bytes into responses, and
 * records each stream when it ends (record.c).
 *
 * Bytes out: pull() hands out what is to be sent, one piece at a time; the
 * piece stays valid until the next call on any session of the worker, so
 * the caller copies it before calling again (conn_flush does). Bytes in:
 * recv() with what one read brought, timestamped in c->t_last_read. */
#ifndef TLSPROF_SESSION_H
#define TLSPROF_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "measure/clock.h"

struct conn;
struct stream;

typedef struct session_ops {
    /* The ALPN protocol the server must select ("h2", "http/1.1"). */
    const char *alpn;
    /* Usable as soon as it starts (HTTP/1.1), or only once the server's
     * SETTINGS arrived (HTTP/2: the h2_settings phase). */
    bool ready_at_start;
    /* After the handshake. 0, or -1 (out of memory). */
    int (*start)(struct conn *c);
    /* Queue one request on a free stream slot. 0, or -1. */
    int (*submit)(struct conn *c, bool measured, mono_ns intended);
    /* What one read brought. 0, or -1 when the connection must end
     * (reason set: a protocol error). */
    int (*recv)(struct conn *c, const uint8_t *data, size_t len, char *reason, size_t rlen);
    /* The server ended the connection cleanly. A response framed by that
     * end completes; returns why a stream in flight is cut short (or NULL). */
    const char *(*eof)(struct conn *c);
    /* Next bytes to send: their length, 0 when nothing is left, -1 on error
     * (reason set). */
    ssize_t (*pull)(struct conn *c, const uint8_t **data, char *reason, size_t rlen);
    bool (*want_write)(const struct conn *c);
    /* No more requests: say goodbye (GOAWAY), before close_notify. */
    void (*terminate)(struct conn *c);
    /* --request-timeout: give up on this stream (st->timed_out is set). */
    void (*cancel)(struct conn *c, struct stream *st);
    /* The connection ends under this stream: no more callbacks for it. */
    void (*detach)(struct conn *c, struct stream *st);
    /* Free the session (the connection ends, or 0-RTT starts it over). */
    void (*end)(struct conn *c);
} session_ops_t;

extern const session_ops_t session_h2;
extern const session_ops_t session_h1;

#endif
