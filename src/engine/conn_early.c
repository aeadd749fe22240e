/* conn_early.c - TLS 1.3 0-RTT for a connection (--early-data): what goes
 * out as early data, and what happens once the server has said whether it
 * took it. */
#include <openssl/ssl.h>

#include "engine/conn_internal.h"
#include "engine/worker.h"

/* 0-RTT: the session allows early data, so the HTTP/2 preface, SETTINGS
 * and the first request(s) (or the HTTP/1.1 request) leave with the
 * ClientHello instead of a round trip later. Whether the server took them is
 * known after the handshake. */
void conn_early_send(conn_t *c)
{
    worker_t *w = c->w;
    if (conn_session_start(c) < 0) return; /* the normal path will try again and report it */
    c->early_sent = true;
    c->tls.early_data = "sent";
    w->res->early.attempted++;
    conn_start_streams(c);
    for (uint32_t i = 0; i < w->cfg->streams; i++)
        if (c->streams[i].id) c->streams[i].early = true;
    conn_flush(c); /* may stash: do_handshake finishes the early write */
}

/* The handshake is done and the server has said what became of our early
 * data. Rejected: it discarded all of it, so the HTTP/2 session starts over
 * and the same requests (same measured flag, same intended start) are sent
 * again, counted as replayed: none is lost. */
int conn_early_settle(conn_t *c)
{
    worker_t *w = c->w;
    if (SSL_get_early_data_status(c->ssl) == SSL_EARLY_DATA_ACCEPTED) {
        c->tls.early_data = "accepted";
        w->res->early.accepted++;
        return 0;
    }
    c->tls.early_data = "rejected";
    w->res->early.rejected++;
    struct {
        bool measured;
        mono_ns intended;
    } again[64];
    uint32_t n = 0;
    for (uint32_t i = 0; i < w->cfg->streams; i++) {
        stream_t *st = &c->streams[i];
        if (!st->id) continue;
        if (n < sizeof again / sizeof again[0]) {
            again[n].measured = st->measured;
            again[n].intended = st->t_intended;
            n++;
        } else if (st->measured) {
            worker_unclaim(w); /* beyond the local list: back to the pool */
        }
        st->id = 0;
        if (c->inflight) c->inflight--;
    }
    conn_session_end(c);
    c->early_sent = false;
    if (conn_session_start(c) < 0) return -1;
    for (uint32_t i = 0; i < n; i++) {
        if (c->proto->submit(c, again[i].measured, again[i].intended) < 0) return -1;
        w->res->early.replayed++;
        if (again[i].measured) w->res->requests_retried++;
    }
    return 0;
}
