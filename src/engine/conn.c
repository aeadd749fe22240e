/* conn.c - the connection state machine.
 *
 * IDLE -> CONNECTING -> TLS_HANDSHAKE -> ACTIVE [-> CLOSING] -> IDLE
 *
 * Every way out goes through conn_end(), which records the connection once,
 * fails what was in flight under the phase it was in, and hands the slot back
 * to the worker. Clock reads happen at the events themselves: connect(),
 * writability, each handshake step, each successful read. */
#include "engine/conn.h"

#include <errno.h>
#include <stdatomic.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/err.h>

#include "engine/conn_internal.h"
#include "engine/record.h"
#include "engine/worker.h"
#include "layers/session.h"
#include "layers/tcp.h"
#include "layers/tls_client.h"

#define CONN_OF(ptr, member) ((conn_t *)((char *)(ptr)-offsetof(conn_t, member)))

static void conn_io_cb(struct ev_loop *loop, ev_io *io, int revents);
static void conn_timer_cb(struct ev_loop *loop, ev_timer *t, int revents);
static void conn_progress(conn_t *c);

static void arm_timer(conn_t *c, uint32_t ms)
{
    ev_timer_stop(c->w->loop, &c->timer);
    ev_timer_set(&c->timer, ms / 1000.0, 0.);
    ev_timer_start(c->w->loop, &c->timer);
}

static void watch(conn_t *c, int events)
{
    if (c->io.events == events && ev_is_active(&c->io)) return;
    ev_io_stop(c->w->loop, &c->io);
    ev_io_set(&c->io, c->fd, events);
    ev_io_start(c->w->loop, &c->io);
}

/* Something is waiting to be written: kept bytes, or what the session has. */
static bool output_waits(conn_t *c)
{
    return pending_size(&c->wpend) || pending_size(&c->raw) ||
           (c->session_on && c->proto->want_write(c));
}

/* The phase a failure belongs to, from where the connection was. */
static const char *failure_phase(const conn_t *c)
{
    switch (c->state) {
    case CONN_CONNECTING:
        return "tcp_connect";
    case CONN_TLS_HANDSHAKE:
        return "tls_handshake";
    case CONN_ACTIVE:
        return c->ready ? "connection" : "h2_settings";
    case CONN_CLOSING:
        return "close";
    default:
        return "setup";
    }
}

/* The one exit. err_phase NULL means a clean end. */
static void conn_end(conn_t *c, const char *err_phase, const char *reason)
{
    worker_t *w = c->w;
    if (c->state == CONN_IDLE) return;
    ev_io_stop(w->loop, &c->io);
    ev_timer_stop(w->loop, &c->timer);
    c->t.close = clock_now();
    worker_setup_done(w, c);
    /* The connection's whole TCP story, retransmissions included. */
    if (c->t.tcp_up && c->fd >= 0) c->tcp_ok = tcp_snapshot_read(c->fd, &c->tcp) == 0;

    /* In-flight streams fail with the connection. On an established
     * connection the error is counted once per stream, under the stream's
     * own phase; before that, once, under the setup phase that failed. */
    bool established = c->ready, streams_failed = false;
    if (c->inflight && c->session_on) {
        for (uint32_t i = 0; i < w->cfg->streams; i++) {
            stream_t *st = &c->streams[i];
            if (!st->id) continue;
            c->proto->detach(c, st);
            if (!err_phase) {
                record_stream_failed(c, st, "ttfb", "connection closed with the request in flight");
            } else if (!established) {
                record_stream_failed(c, st, NULL, NULL);
            } else {
                record_stream_failed(c, st, st->t_headers ? "stream" : "ttfb",
                                     reason ? reason : "connection closed");
                streams_failed = true;
            }
        }
    }
    if (c->claimed) {
        /* The request this connection was opened for (fresh mode, or a
         * pooled reconnect) never got as far as a stream. */
        c->claimed = false;
        if (c->claimed_measured) record_request_failed(c);
    } else if (err_phase && !c->ready && w->cfg->mode == MODE_POOLED) {
        /* A pooled connection that cannot even be set up costs one request,
         * so that a dead target ends a -n run instead of spinning forever. */
        bool measured;
        mono_ns intended;
        if (worker_claim(w, &measured, &intended) && measured) record_request_failed(c);
    }
    record_connection(c, streams_failed ? NULL : err_phase, reason);

    conn_session_end(c);
    if (c->ssl) {
        /* Without this, SSL_free marks the connection's newest session (our
         * latest ticket) as not resumable, and --close rst or a failed
         * connection would silently stop resumption. Which tickets to keep
         * is the ticket store's decision. */
        SSL_set_shutdown(c->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0) {
        if (w->cfg->mode == MODE_FRESH && w->cfg->close == CLOSE_RST) tcp_set_linger_rst(c->fd);
        close(c->fd);
        c->fd = -1;
    }
    pending_clear(&c->wpend);
    pending_clear(&c->raw);
    if (w->hold_conn == c) w->hold_conn = NULL; /* held bytes die with it */
    /* Tells the supervisor a TIME_WAIT count is worth taking (cmd_run.c);
     * fresh runs count every second anyway, and close a connection per
     * request: no shared write for them. */
    if (w->cfg->mode != MODE_FRESH)
        atomic_fetch_add_explicit(&w->eng->connections_closed, 1, memory_order_relaxed);
    c->state = CONN_IDLE;
    worker_slot_idle(w, c);
}

void conn_abort(conn_t *c, const char *why)
{
    if (c->state == CONN_IDLE) return;
    worker_t *w = c->w;
    /* Aborted requests are not errors of the server: count them apart. */
    for (uint32_t i = 0; i < w->cfg->streams && c->session_on; i++) {
        stream_t *st = &c->streams[i];
        if (!st->id) continue;
        c->proto->detach(c, st);
        if (st->measured) w->res->requests_aborted++;
        st->id = 0;
        c->inflight--;
    }
    if (c->claimed) {
        c->claimed = false;
        if (c->claimed_measured) w->res->requests_aborted++;
    }
    (void)why;
    conn_end(c, NULL, NULL);
}

/* ---- writing ----------------------------------------------------------- */

/* 1 = all written, 0 = blocked (rest stashed), -1 = connection ended. */
static int write_all(conn_t *c, const uint8_t *p, size_t len)
{
    char reason[160];
    while (len) {
        size_t n;
        io_status st = tls_client_write(c, p, len, &n, reason, sizeof reason);
        if (st == IO_OK) {
            p += n;
            len -= n;
            continue;
        }
        if (st == IO_WANT_WRITE || st == IO_WANT_READ) {
            if (pending_add(&c->wpend, p, len) < 0) {
                conn_end(c, failure_phase(c), "out of memory");
                return -1;
            }
            return 0;
        }
        conn_end(c, failure_phase(c), st == IO_EOF ? "connection closed by peer" : reason);
        return -1;
    }
    return 1;
}

static void mark_sent(conn_t *c)
{
    mono_ns now = 0;
    for (uint32_t i = 0; i < c->w->cfg->streams; i++) {
        stream_t *st = &c->streams[i];
        if (st->id && st->pending_flush) {
            if (!now) now = clock_now();
            st->pending_flush = false;
            st->t_sent = now;
        }
    }
}

/* Bytes the TLS layer kept back (tls_bio.h) go to the socket before
 * anything else. 1 none left, 0 blocked, -1 the connection ended (under
 * `phase`). */
static int flush_raw(conn_t *c, const char *phase)
{
    if (!pending_size(&c->raw)) return 1;
    int r = tls_bio_flush_pending(c);
    if (r < 0) conn_end(c, phase, tcp_errno_reason(errno));
    return r;
}

/* Move everything the session wants to send into the socket. 1 done, 0
 * blocked, -1 connection ended. */
int conn_flush(conn_t *c)
{
    worker_t *w = c->w;
    int raw = flush_raw(c, failure_phase(c));
    if (raw <= 0) return raw;
    if (pending_size(&c->wpend)) {
        pending_t kept = c->wpend; /* write_all may keep some again */
        memset(&c->wpend, 0, sizeof c->wpend);
        int r = write_all(c, kept.p + kept.off, pending_size(&kept));
        pending_clear(&kept);
        if (r <= 0) return r;
    }
    for (;;) {
        size_t n = 0;
        for (;;) {
            const uint8_t *data;
            char reason[120];
            ssize_t len = c->proto->pull(c, &data, reason, sizeof reason);
            if (len < 0) {
                conn_end(c, failure_phase(c), reason);
                return -1;
            }
            if (len == 0) break;
            if (n + (size_t)len > sizeof w->wbuf) {
                if (n) {
                    int r = write_all(c, w->wbuf, n);
                    n = 0;
                    if (r < 0) return -1;
                    if (r == 0) {
                        if (pending_add(&c->wpend, data, (size_t)len) < 0) {
                            conn_end(c, failure_phase(c), "out of memory");
                            return -1;
                        }
                        return 0;
                    }
                }
                if ((size_t)len > sizeof w->wbuf) {
                    int r = write_all(c, data, (size_t)len);
                    if (r <= 0) return r;
                    continue;
                }
            }
            memcpy(w->wbuf + n, data, (size_t)len);
            n += (size_t)len;
        }
        if (n == 0) break;
        int r = write_all(c, w->wbuf, n);
        if (r <= 0) return r;
    }
    mark_sent(c);
    return 1;
}

/* ---- phases ------------------------------------------------------------ */

static void begin_close(conn_t *c)
{
    const run_config_t *cfg = c->w->cfg;
    close_mode how = cfg->mode == MODE_FRESH ? cfg->close : CLOSE_CLIENT;
    if (how == CLOSE_RST) {
        conn_end(c, NULL, NULL);
        return;
    }
    if (c->server_closes) {
        /* The server said it closes (HTTP/1.1 "connection: close"): it
         * does, first; anything we sent now would meet a closed socket and
         * turn its FIN into an RST. Wait for its close_notify and FIN. */
        c->state = CONN_CLOSING;
        watch(c, EV_READ);
        arm_timer(c, cfg->request_timeout_ms);
        return;
    }
    /* Held back (tls_bio.h), the GOAWAY, the close_notify and, with --close
     * client, our FIN leave in one segment: the server then sees our FIN
     * before it can close, so the side that closes first is really the
     * client. */
    tls_bio_hold(c);
    c->proto->terminate(c);
    if (conn_flush(c) < 0) return;
    SSL_shutdown(c->ssl);
    ERR_clear_error();
    int sent = tls_bio_release(c, how == CLOSE_CLIENT);
    if (sent < 0) {
        conn_end(c, failure_phase(c), tcp_errno_reason(errno));
        return;
    }
    c->state = CONN_CLOSING;
    watch(c, EV_READ | (sent ? 0 : EV_WRITE));
    if (how == CLOSE_SERVER) {
        /* The server holds TIME_WAIT only if it closes first: tell it we are
         * done (GOAWAY, close_notify) but send no FIN, and wait for its
         * close_notify and FIN. Some servers close on GOAWAY alone, nginx
         * on close_notify. */
        arm_timer(c, cfg->request_timeout_ms);
        return;
    }
    /* Client closes first: close_notify, then our FIN, then wait (briefly)
     * for the server's FIN. Closing the socket with the server's last bytes
     * (its close_notify, a late ticket) still unread would make the kernel
     * send an RST instead of a FIN, and the client would hold no TIME_WAIT:
     * exactly the effect --close client exists to measure. */
    if (sent)
        shutdown(c->fd, SHUT_WR);
    else
        c->fin_pending = true; /* after the bytes the socket did not take */
    c->closing_by_client = true;
    arm_timer(c, cfg->request_timeout_ms < CONN_CLOSE_WAIT_MS ? cfg->request_timeout_ms
                                                              : CONN_CLOSE_WAIT_MS);
}

/* CLOSING and writable: the last bytes a full socket did not take, then
 * the FIN that waited for them. */
static void closing_write_ready(conn_t *c)
{
    if (flush_raw(c, "close") <= 0) return;
    if (c->fin_pending) shutdown(c->fd, SHUT_WR);
    c->fin_pending = false;
    watch(c, EV_READ);
}

void conn_start_streams(conn_t *c)
{
    worker_t *w = c->w;
    if (c->goaway) return;
    if (c->claimed) {
        /* The request this connection was opened for goes first. */
        c->claimed = false;
        if (c->proto->submit(c, c->claimed_measured, c->claimed_intended) < 0) {
            if (c->claimed_measured) record_request_failed(c);
            errors_add(&w->res->errors, "ttfb", "could not submit the request");
            return;
        }
    }
    if (w->cfg->mode == MODE_FRESH) return;
    bool measured;
    mono_ns intended;
    while (c->inflight < w->cfg->streams && worker_claim(w, &measured, &intended)) {
        if (c->proto->submit(c, measured, intended) < 0) {
            if (measured) record_request_failed(c);
            errors_add(&w->res->errors, "ttfb", "could not submit the request");
            break;
        }
    }
}

static void conn_progress(conn_t *c)
{
    worker_t *w = c->w;
again:
    if (c->state != CONN_ACTIVE) return;
    c->stream_ended_in_send = false;
    if (c->ready) conn_start_streams(c);
    if (c->inflight == 0 && c->ready) {
        bool done =
            w->cfg->mode == MODE_FRESH ? c->streams_done > 0 : (c->goaway || !worker_has_work(w));
        if (done) {
            begin_close(c);
            return;
        }
    }
    if (c->ready && w->defer_flush && !pending_size(&c->wpend) && !pending_size(&c->raw) &&
        (c->flush_deferred || w->n_dirty < w->n_conns)) {
        /* Closed-loop pooled mode: the new requests leave when the loop has
         * nothing else to read (worker.c flush_idle_cb), together with those
         * of any later response on this connection. */
        if (!c->flush_deferred) {
            c->flush_deferred = true;
            w->dirty[w->n_dirty++] = c->index;
            ev_idle_start(w->loop, &w->flush_idle);
        }
        /* Writability would fire at once and keep the loop from ever going
         * idle: the deferred flush decides about EV_WRITE. */
        watch(c, EV_READ);
    } else {
        if (conn_flush(c) < 0) return;
        /* Each pass closed at least one stream: this ends. */
        if (c->stream_ended_in_send) goto again;
        watch(c, EV_READ | (output_waits(c) ? EV_WRITE : 0));
    }
    if (c->ready) {
        if (c->inflight && !ev_is_active(&c->timer))
            arm_timer(c, w->cfg->request_timeout_ms);
        else if (!c->inflight && ev_is_active(&c->timer))
            ev_timer_stop(w->loop, &c->timer);
        /* Idle: give back OpenSSL's record buffers (it keeps the last ones
         * otherwise): 10,000 idle pooled connections would hold 16 KiB or
         * more each for nothing. A no-op when they are already gone, and
         * refused by OpenSSL while they hold unread data. */
        if (!c->inflight && !pending_size(&c->wpend) && !pending_size(&c->raw))
            SSL_free_buffers(c->ssl);
    }
}

void conn_flush_deferred(conn_t *c)
{
    if (!c->flush_deferred) return;
    c->flush_deferred = false;
    if (c->state != CONN_ACTIVE) return;
    c->stream_ended_in_send = false;
    if (conn_flush(c) < 0) return;
    if (c->stream_ended_in_send) {
        conn_progress(c);
        return;
    }
    watch(c, EV_READ | (output_waits(c) ? EV_WRITE : 0));
}

void conn_kick(conn_t *c)
{
    if (c->state == CONN_ACTIVE && c->ready && c->inflight < c->w->cfg->streams) conn_progress(c);
}

/* --close server: the server's close_notify has been read; its FIN may
 * still be in flight. Closing now would make us the first to send a FIN
 * (and the one holding TIME_WAIT), so read the raw socket to its end. */
static void await_server_fin(conn_t *c)
{
    uint8_t buf[512];
    for (;;) {
        ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) continue; /* bytes after close_notify: ignored */
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            conn_end(c, NULL, NULL);
            return;
        }
        if (errno != EINTR) break;
    }
    watch(c, EV_READ);
}

static void on_read_ready(conn_t *c)
{
    if (c->peer_close_notify) {
        await_server_fin(c);
        return;
    }
    worker_t *w = c->w;
    char reason[160];
    for (;;) {
        size_t n;
        io_status st = tls_client_read(c, w->rbuf, sizeof w->rbuf, &n, reason, sizeof reason);
        if (st == IO_OK) {
            c->t_last_read = clock_now();
            if (c->proto->recv(c, w->rbuf, n, reason, sizeof reason) < 0) {
                conn_end(c, failure_phase(c), reason);
                return;
            }
            /* Less than a full record and nothing buffered: the socket is
             * most likely drained. Do not ask OpenSSL once more just to hear
             * WANT_READ: that call allocates a 16 KiB read buffer which then
             * stays with the idle connection (SSL_MODE_RELEASE_BUFFERS only
             * frees it after a record). The loop is level-triggered, so data
             * that did arrive meanwhile wakes us again. */
            if (n < TLS_RECORD_MAX && !SSL_has_pending(c->ssl)) break;
            continue;
        }
        if (st == IO_WANT_READ || st == IO_WANT_WRITE) break;
        if (c->state == CONN_CLOSING) {
            if (st == IO_EOF && !c->closing_by_client) {
                c->peer_close_notify = true;
                await_server_fin(c);
                return;
            }
            conn_end(c, NULL, NULL); /* the server closed: what we waited for */
            return;
        }
        if (st == IO_EOF || !strcmp(reason, "connection closed by peer")) {
            /* A response that ends with the connection (HTTP/1.1 without
             * framing) is complete now; a cut one gets its own reason. */
            c->t_last_read = clock_now();
            const char *cut = c->proto->eof(c);
            if (c->inflight || !c->ready) {
                conn_end(c, failure_phase(c), cut ? cut : "connection closed by peer");
            } else if (st == IO_EOF) {
                /* The server closes an idle connection with close_notify:
                 * let its FIN arrive before ours, so that the side that
                 * closed first is the one holding TIME_WAIT. */
                c->state = CONN_CLOSING;
                c->peer_close_notify = true;
                arm_timer(c, CONN_CLOSE_WAIT_MS);
                await_server_fin(c);
            } else {
                conn_end(c, NULL, NULL); /* idle connection closed by the server */
            }
            return;
        }
        conn_end(c, failure_phase(c), reason);
        return;
    }
}

/* The server must have selected our protocol; a server without ALPN speaks
 * HTTP/1.1, which is fine for --h1. NULL when all is well. */
static const char *alpn_problem(const conn_t *c)
{
    const char *want = c->proto->alpn, *got = c->tls.alpn;
    if (got && !strcmp(got, want)) return NULL;
    if (!strcmp(want, "h2")) {
        if (!got) return "ALPN: server selected no protocol (server does not speak h2)";
        return !strcmp(got, "http/1.1")
                   ? "ALPN: server selected http/1.1, not h2 (server does not speak h2)"
                   : "ALPN: server selected another protocol, not h2";
    }
    if (!got) return NULL;
    return !strcmp(got, "h2") ? "ALPN: server selected h2, not http/1.1"
                              : "ALPN: server selected another protocol, not http/1.1";
}

int conn_session_start(conn_t *c)
{
    if (c->proto->start(c) < 0) {
        c->proto->end(c);
        return -1;
    }
    c->session_on = true;
    return 0;
}

void conn_session_end(conn_t *c)
{
    if (c->session_on) c->proto->end(c);
    c->session_on = false;
}

static void on_handshake_done(conn_t *c)
{
    worker_t *w = c->w;
    c->t.tls_done = clock_now();
    tls_client_collect_facts(c);
    const char *wrong = alpn_problem(c);
    if (wrong) {
        tls_bio_release(c, false); /* our Finished: the handshake itself was fine */
        conn_end(c, "tls_handshake", wrong);
        return;
    }
    if (c->early_sent ? conn_early_settle(c) < 0 : conn_session_start(c) < 0) {
        tls_bio_release(c, false);
        conn_end(c, c->proto->ready_at_start ? "connection" : "h2_settings",
                 "could not create the HTTP session (out of memory)");
        return;
    }
    c->state = CONN_ACTIVE;
    if (c->proto->ready_at_start) {
        c->ready = true; /* HTTP/1.1: no SETTINGS to wait for */
        worker_setup_done(w, c);
    } else {
        arm_timer(c, w->cfg->handshake_timeout_ms); /* SETTINGS must come within this */
    }
    /* HTTP/2 lets the client send its request right after the preface,
     * without waiting for the server's SETTINGS. */
    if (w->cfg->mode == MODE_FRESH) conn_start_streams(c);
    if (conn_flush(c) < 0) return;
    /* Our Finished, the preface, SETTINGS and (fresh) the request: one write. */
    if (tls_bio_release(c, false) < 0) {
        conn_end(c, failure_phase(c), tcp_errno_reason(errno));
        return;
    }
    /* Data that arrived with the handshake's last flight is already in
     * OpenSSL's buffers: a SETTINGS frame found there counts as 0. (Nothing
     * buffered: no read, the socket is surely still empty.) */
    if (SSL_has_pending(c->ssl)) {
        c->in_setup_batch = true;
        on_read_ready(c);
        if (c->state != CONN_ACTIVE) return;
        c->in_setup_batch = false;
    }
    if (c->ready) ev_timer_stop(w->loop, &c->timer);
    conn_progress(c);
}

static void do_handshake(conn_t *c)
{
    char reason[200];
    if (pending_size(&c->raw)) {
        int r = flush_raw(c, "tls_handshake");
        if (r < 0) return;
        if (r == 0) {
            watch(c, EV_WRITE);
            return;
        }
    }
    if (c->early_sent && pending_size(&c->wpend)) {
        int r = conn_flush(c);
        if (r < 0) return;
        if (r == 0) {
            watch(c, EV_WRITE);
            return;
        }
    }
    /* After the ClientHello, writes are held: should this call finish the
     * handshake, our Finished waits for the HTTP/2 preface and request
     * (on_handshake_done releases). Otherwise whatever OpenSSL wrote (an
     * alert, a second ClientHello) goes out now. */
    if (c->handshake_calls++) tls_bio_hold(c);
    io_status st = tls_client_handshake(c, reason, sizeof reason);
    if (st == IO_OK) {
        on_handshake_done(c);
        return;
    }
    int sent = tls_bio_release(c, false);
    if (sent < 0 && st != IO_ERROR) {
        conn_end(c, "tls_handshake", tcp_errno_reason(errno));
        return;
    }
    switch (st) {
    case IO_WANT_READ:
        watch(c, EV_READ | (sent ? 0 : EV_WRITE));
        break;
    case IO_WANT_WRITE:
        watch(c, EV_WRITE);
        break;
    default:
        conn_end(c, "tls_handshake", reason);
        break;
    }
}

static void on_connected(conn_t *c)
{
    worker_t *w = c->w;
    mono_ns now = clock_now();
    /* One TCP_INFO read says both that the connection is up (ESTABLISHED:
     * no SO_ERROR needed) and how many SYNs it took. */
    tcp_snapshot_t at_connect;
    bool info = tcp_snapshot_read(c->fd, &at_connect) == 0;
    if (!info || at_connect.state != TCP_ESTABLISHED) {
        int err = tcp_connect_result(c->fd);
        if (err) {
            conn_end(c, "tcp_connect", tcp_errno_reason(err));
            return;
        }
    }
    c->t.tcp_up = now;
    c->local_port = tcp_local_port(c->fd);
    if (info) c->syn_retransmits = tcp_syn_retransmits_at_connect(&at_connect);
    char reason[160];
    if (tls_client_attach(c, reason, sizeof reason) < 0) {
        conn_end(c, "tls_handshake", reason);
        return;
    }
    c->state = CONN_TLS_HANDSHAKE;
    arm_timer(c, w->cfg->handshake_timeout_ms);
    c->t.tls_start = clock_now();
    if (tls_client_can_send_early(c)) {
        conn_early_send(c);
        if (c->state != CONN_TLS_HANDSHAKE) return;
    }
    do_handshake(c);
}

static void conn_io_cb(struct ev_loop *loop, ev_io *io, int revents)
{
    (void)loop;
    conn_t *c = CONN_OF(io, io);
    switch (c->state) {
    case CONN_CONNECTING:
        on_connected(c);
        break;
    case CONN_TLS_HANDSHAKE:
        do_handshake(c);
        break;
    case CONN_ACTIVE:
        if (revents & EV_READ) {
            bool before = c->ready;
            on_read_ready(c);
            if (c->state != CONN_ACTIVE) return;
            if (!before && c->ready) ev_timer_stop(c->w->loop, &c->timer);
        }
        conn_progress(c);
        break;
    case CONN_CLOSING:
        if ((revents & EV_WRITE) && pending_size(&c->raw))
            closing_write_ready(c);
        else
            on_read_ready(c);
        break;
    default:
        break;
    }
}

/* Streams older than --request-timeout are reset and counted; the timer is
 * re-armed for the next oldest, so it fires about once per timeout. */
static void expire_streams(conn_t *c)
{
    worker_t *w = c->w;
    mono_ns now = clock_now(), oldest = 0;
    uint64_t limit = (uint64_t)w->cfg->request_timeout_ms * 1000000ull;
    for (uint32_t i = 0; i < w->cfg->streams; i++) {
        stream_t *st = &c->streams[i];
        if (!st->id || st->timed_out) continue;
        if (now - st->t_submit >= limit) {
            st->timed_out = true;
            c->proto->cancel(c, st);
        } else if (!oldest || st->t_submit < oldest) {
            oldest = st->t_submit;
        }
    }
    if (oldest) {
        uint64_t left = limit - (now - oldest);
        ev_timer_set(&c->timer, left / 1e9 + 0.001, 0.);
        ev_timer_start(w->loop, &c->timer);
    }
    conn_progress(c);
}

static void conn_timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    conn_t *c = CONN_OF(t, timer);
    switch (c->state) {
    case CONN_CONNECTING:
        conn_end(c, "tcp_connect", "timeout");
        break;
    case CONN_TLS_HANDSHAKE:
        conn_end(c, "tls_handshake", "timeout");
        break;
    case CONN_ACTIVE:
        if (!c->ready)
            conn_end(c, "h2_settings", "timeout: no SETTINGS from the server");
        else
            expire_streams(c);
        break;
    case CONN_CLOSING:
        /* We closed first and the request succeeded: a server slow to send
         * its FIN is not an error of the run, only of the server's hygiene. */
        if (c->closing_by_client || c->peer_close_notify)
            conn_end(c, NULL, NULL);
        else
            conn_end(c, "close", "timeout waiting for the server to close");
        break;
    default:
        break;
    }
}

void conn_open(conn_t *c)
{
    worker_t *w = c->w;
    engine_t *e = w->eng;
    const run_config_t *cfg = w->cfg;
    bool claimed = c->claimed, claimed_measured = c->claimed_measured;
    mono_ns claimed_intended = c->claimed_intended;
    stream_t *streams = c->streams;
    uint32_t index = c->index;
    if (c->id && cfg->mode == MODE_POOLED) w->res->reconnects++;
    memset(c, 0, sizeof *c);
    c->w = w;
    c->index = index;
    c->streams = streams;
    memset(streams, 0, cfg->streams * sizeof *streams);
    c->claimed = claimed;
    c->claimed_measured = claimed_measured;
    c->claimed_intended = claimed_intended;
    c->fd = -1;
    c->proto = w->proto;
    c->id = ((uint64_t)w->id << 40) | ++w->conn_seq;
    c->target = w->next_target++ % e->n_targets;
    c->measured = w->measuring;
    c->sampled = w->events.fd >= 0 && events_sampled(cfg->events_sample, c->id);
    series_slot_t *slot = series_at(&w->series, clock_now());
    if (slot) slot->connections_opened++;
    ev_init(&c->io, conn_io_cb);
    ev_init(&c->timer, conn_timer_cb);
    w->active++;
    w->res->connections_opened++;
    c->state = CONN_CONNECTING;
    if (cfg->mode == MODE_POOLED) {
        c->in_setup = true;
        w->setting_up++;
    }

    const target_t *tg = &e->targets[c->target];
    int err = 0;
    c->fd =
        tcp_socket(tg->addr.ss_family, cfg->n_bind ? &cfg->bind_addrs[c->id % cfg->n_bind] : NULL,
                   cfg->n_bind ? cfg->bind_lens[c->id % cfg->n_bind] : 0, &err);
    if (c->fd < 0) {
        if (err == EMFILE || err == ENFILE) {
            /* Out of descriptors: keep measuring what is open, open no more
             * on this slot. */
            c->retired = true;
        }
        c->state = CONN_CONNECTING;
        conn_end(c, err == EMFILE || err == ENFILE || err == ENOMEM ? "setup" : "tcp_connect",
                 tcp_errno_reason(err));
        return;
    }
    c->t.wall_connect_start = clock_wall_ns();
    c->t.connect_start = clock_now();
    err = tcp_connect_start(c->fd, (const struct sockaddr *)&tg->addr, tg->addrlen);
    if (err == 0) {
        on_connected(c);
        return;
    }
    if (err != EINPROGRESS) {
        conn_end(c, "tcp_connect", tcp_errno_reason(err));
        return;
    }
    watch(c, EV_WRITE);
    arm_timer(c, cfg->connect_timeout_ms);
}

void conn_drain(conn_t *c)
{
    if (c->state == CONN_ACTIVE && c->inflight == 0 && c->ready) begin_close(c);
}
