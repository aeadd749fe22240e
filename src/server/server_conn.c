/* server_conn.c - one accepted connection: the TLS handshake (with 0-RTT),
 * moving bytes between the socket, OpenSSL and nghttp2, timeouts, and the
 * connection-level faults.
 *
 * Every libev event runs conn_progress(), which steps the state machine
 * until it must wait, then asks libev for exactly the events it waits for. */
#include "server/server_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <openssl/err.h>

/* Bytes written per wake-up before yielding to the other connections. */
#define FLUSH_BUDGET (1024 * 1024)
/* TLS records read per wake-up before yielding. */
#define READ_BUDGET 32
/* How long a graceful close (GOAWAY, 505) may take to drain. */
#define CLOSE_DEADLINE_S 2.0

enum step { STEP_WAIT, STEP_AGAIN, STEP_CLOSED };

static const char h1_answer[] = "HTTP/1.1 505 HTTP Version Not Supported\r\n"
                                "content-type: text/plain\r\n"
                                "content-length: 39\r\n"
                                "connection: close\r\n"
                                "\r\n"
                                "this tlsprof server speaks only HTTP/2\n";

static void conn_io_cb(struct ev_loop *loop, ev_io *io, int revents);
static void conn_timer_cb(struct ev_loop *loop, ev_timer *t, int revents);
static void conn_progress(conn_t *c);

static void set_events(conn_t *c, int events)
{
    if (c->events == events) return;
    ev_io_stop(c->w->loop, &c->io);
    ev_io_set(&c->io, c->fd, events);
    if (events) ev_io_start(c->w->loop, &c->io);
    c->events = (uint8_t)events;
}

void conn_touch(conn_t *c)
{
    if (c->idle_ms) c->last_active = clock_now();
}

static void log_conn(const conn_t *c, const char *what)
{
    if (!c->w->srv->cfg.verbose) return;
    char reason[200] = "";
    unsigned long e = ERR_peek_error();
    if (e) ERR_error_string_n(e, reason, sizeof reason);
    fprintf(stderr, "tlsprof serve: thread %d fd %d: %s%s%s\n", c->w->index, c->fd, what,
            reason[0] ? ": " : "", reason);
}

void conn_close(conn_t *c)
{
    worker_t *w = c->w;
    ev_io_stop(w->loop, &c->io); /* also drops a pending fed event */
    ev_timer_stop(w->loop, &c->timer);
    if (c->prev)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    if (c->h2_error) counter_add(&w->counters.protocol_errors, 1);
    counter_add(&w->counters.open, -1);
    SSL_free(c->ssl);
    nghttp2_session_del(c->h2);
    close(c->fd);
    free(c->pending);
    free(c);
    ERR_clear_error();
}

/* Orderly end: close_notify (best effort, never waits), then close. */
static void conn_finish(conn_t *c)
{
    if (c->handshake_done && !(SSL_get_shutdown(c->ssl) & SSL_SENT_SHUTDOWN)) SSL_shutdown(c->ssl);
    conn_close(c);
}

/* Server-initiated end (GOAWAY done, idle timeout, the 505): closing with
 * unread client bytes in the kernel would send RST, and an RST can destroy
 * the client's unread copy of our last frames. So: close_notify, FIN, then
 * read and discard until the client's FIN or the deadline. */
/* Read (and discard) until the client's FIN, at most CLOSE_DEADLINE_S. */
static void enter_linger(conn_t *c)
{
    c->state = CONN_LINGER;
    set_events(c, EV_READ);
    ev_timer_stop(c->w->loop, &c->timer);
    ev_timer_set(&c->timer, CLOSE_DEADLINE_S, 0.);
    ev_timer_start(c->w->loop, &c->timer);
    c->closing = 1;
}

static void conn_linger(conn_t *c)
{
    if (c->handshake_done && !(SSL_get_shutdown(c->ssl) & SSL_SENT_SHUTDOWN)) SSL_shutdown(c->ssl);
    shutdown(c->fd, SHUT_WR);
    enter_linger(c);
}

/* The client ended the connection first: close_notify (tlsprof sends GOAWAY,
 * close_notify and FIN together), a bare FIN, or RST. Nothing more may be
 * written: such clients have usually close()d the whole socket, and bytes
 * reaching a closed socket make its kernel answer with RST, which destroys
 * the client's TIME_WAIT (TCPAbortOnData, or a FIN_WAIT2 timewait socket
 * killed by data). So no close_notify in return, no pending HTTP/2 frames.
 * Nor may we close() before the client's FIN has arrived: we would become an
 * active closer too and the TIME_WAIT could land on our side. So read the
 * raw socket to EOF (a FIN already seen stays readable as EOF), then close
 * from CLOSE_WAIT: LAST_ACK here, TIME_WAIT at the client, no RST. */
static int conn_peer_closed(conn_t *c)
{
    /* A close_notify whose FIN has not come with it: this client keeps its
     * socket open and waits for us to close (tlsprof --close server does
     * this). Then we close actively, close_notify and FIN first, and the
     * TIME_WAIT is ours, as that client asked. */
    char b;
    ssize_t peek = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    if (peek < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && c->handshake_done &&
        (SSL_get_shutdown(c->ssl) & SSL_RECEIVED_SHUTDOWN)) {
        free(c->pending);
        c->pending = NULL;
        c->pending_len = c->pending_cap = 0;
        conn_linger(c);
        return STEP_WAIT;
    }
    free(c->pending);
    c->pending = NULL;
    c->pending_len = c->pending_cap = 0;
    /* Mark the TLS session as cleanly shut down without sending anything:
     * SSL_free of a connection that is not marks its session "bad" and
     * removes it from the session cache, and with 0-RTT anti-replay that
     * session is the client's newest ticket, which would then be refused. */
    SSL_set_shutdown(c->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    enter_linger(c);
    return STEP_AGAIN;
}

static int step_linger(conn_t *c)
{
    for (int i = 0; i < READ_BUDGET; i++) {
        ssize_t n = read(c->fd, c->w->rbuf, SERVER_IO_CHUNK);
        if (n > 0) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return STEP_WAIT;
        if (n < 0 && errno == EINTR) continue;
        conn_close(c); /* the client's FIN, or an error: done either way */
        return STEP_CLOSED;
    }
    return STEP_WAIT; /* still readable: the next loop iteration goes on */
}

void conn_close_all(worker_t *w)
{
    while (w->conns)
        conn_finish(w->conns);
}

static void close_with_rst(int fd)
{
    struct linger lin = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof lin);
}

/* ---- writing ---------------------------------------------------------- */

static int pending_append(conn_t *c, const uint8_t *p, size_t n)
{
    if (c->pending_len + n > UINT32_MAX) return -1;
    size_t need = c->pending_len + n;
    if (need > c->pending_cap) {
        uint8_t *grown = realloc(c->pending, need);
        if (!grown) return -1;
        c->pending = grown;
        c->pending_cap = (uint32_t)need;
    }
    memcpy(c->pending + c->pending_len, p, n);
    c->pending_len = (uint32_t)need;
    return 0;
}

/* 0 = all written, 1 = socket full (the rest is in c->pending), -1 = error.
 * OpenSSL wants a blocked SSL_write retried with the same bytes; they are
 * retried from c->pending (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER). */
static int write_bytes(conn_t *c, const uint8_t *p, size_t n)
{
    while (n) {
        int r = SSL_write(c->ssl, p, n > INT_MAX ? INT_MAX : (int)n);
        if (r > 0) {
            p += r;
            n -= (size_t)r;
            continue;
        }
        int e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
            return pending_append(c, p, n) ? -1 : 1;
        return -1;
    }
    conn_touch(c);
    return 0;
}

static int drain_pending(conn_t *c)
{
    while (c->pending_len) {
        int r = SSL_write(c->ssl, c->pending, (int)c->pending_len);
        if (r > 0) {
            memmove(c->pending, c->pending + r, c->pending_len - (uint32_t)r);
            c->pending_len -= (uint32_t)r;
            conn_touch(c);
            continue;
        }
        int e = SSL_get_error(c->ssl, r);
        return e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ ? 1 : -1;
    }
    /* Back-pressure is the exception: give the memory back. */
    free(c->pending);
    c->pending = NULL;
    c->pending_cap = 0;
    return 0;
}

/* Move nghttp2's output to the socket, gathering small frames into one
 * TLS record-sized write. 0 = nothing left, 1 = socket full, 2 = budget
 * used up (more to write), -1 = error. */
static int flush(conn_t *c)
{
    int rv = drain_pending(c);
    if (rv || !c->h2 || !c->handshake_done) return rv;
    uint8_t *buf = c->w->wbuf;
    size_t used = 0, total = 0;
    for (;;) {
        if (total + used >= FLUSH_BUDGET) {
            rv = 2;
            break;
        }
        const uint8_t *data;
        ssize_t n = nghttp2_session_mem_send(c->h2, &data);
        if (n < 0) return -1;
        if (n == 0) break;
        if (used + (size_t)n <= SERVER_IO_CHUNK) {
            memcpy(buf + used, data, (size_t)n);
            used += (size_t)n;
            continue;
        }
        /* data is valid only until the next mem_send: write or keep it now. */
        if (used) {
            int w = write_bytes(c, buf, used);
            total += used;
            used = 0;
            if (w == 1) return pending_append(c, data, (size_t)n) ? -1 : 1;
            if (w) return w;
        }
        if ((size_t)n <= SERVER_IO_CHUNK) {
            memcpy(buf, data, (size_t)n);
            used = (size_t)n;
        } else {
            int w = write_bytes(c, data, (size_t)n);
            if (w) return w;
            total += (size_t)n;
        }
    }
    if (used) {
        int w = write_bytes(c, buf, used);
        if (w) return w;
    }
    return rv;
}

/* ---- reading ----------------------------------------------------------- */

enum read_result { READ_WAIT, READ_WAIT_WRITABLE, READ_MORE, READ_EOF, READ_ERROR };

static int consume(conn_t *c, const uint8_t *data, size_t len)
{
    switch (c->state) {
    case CONN_H2:
    case CONN_EARLY:
        return conn_h2_feed(c, data, len);
    case CONN_H1:
        if (!c->h1_answered) {
            c->h1_answered = 1;
            c->close_after_flush = 1;
            if (write_bytes(c, (const uint8_t *)h1_answer, sizeof h1_answer - 1) < 0) return -1;
        }
        return 0;
    default: /* CONN_SILENT: read so EOF is noticed, process nothing */
        return 0;
    }
}

static int read_input(conn_t *c)
{
    uint8_t *buf = c->w->rbuf;
    for (int i = 0; i < READ_BUDGET; i++) {
        errno = 0;
        ERR_clear_error();
        int n = SSL_read(c->ssl, buf, SERVER_IO_CHUNK);
        if (n > 0) {
            conn_touch(c);
            if (consume(c, buf, (size_t)n)) return READ_ERROR;
            continue;
        }
        switch (SSL_get_error(c->ssl, n)) {
        case SSL_ERROR_WANT_READ:
            return READ_WAIT;
        case SSL_ERROR_WANT_WRITE: /* e.g. a KeyUpdate reply the socket could not take */
            return READ_WAIT_WRITABLE;
        case SSL_ERROR_ZERO_RETURN: /* close_notify, or EOF (SSL_OP_IGNORE_UNEXPECTED_EOF) */
            return READ_EOF;
        case SSL_ERROR_SYSCALL:
            /* A client that resets instead of closing has still left. */
            if (errno == ECONNRESET || errno == EPIPE || errno == 0) return READ_EOF;
            /* fallthrough */
        default:
            log_conn(c, "read failed");
            counter_add(&c->w->counters.io_errors, 1);
            return READ_ERROR;
        }
    }
    return READ_MORE;
}

/* ---- the handshake ------------------------------------------------------ */

static void clienthello_fault(conn_t *c)
{
    server_t *srv = c->w->srv;
    counter_add(&c->w->counters.faults, 1);
    if (srv->cfg.fault == FAULT_RST_AFTER_CLIENTHELLO) {
        close_with_rst(c->fd);
    } else if (srv->cfg.fault == FAULT_GARBAGE_SERVERHELLO) {
        /* Not a TLS record: the first byte is no valid content type. */
        static const char junk[] = "tlsprof garbage-serverhello fault: this is not TLS\r\n";
        ssize_t ignored = write(c->fd, junk, sizeof junk - 1);
        (void)ignored;
        shutdown(c->fd, SHUT_WR);
    } else {
        /* FIN first: close() alone would send RST if unread bytes remain. */
        shutdown(c->fd, SHUT_WR);
    }
    conn_close(c);
}

static int handshake_error(conn_t *c, int r)
{
    switch (SSL_get_error(c->ssl, r)) {
    case SSL_ERROR_WANT_READ:
        set_events(c, EV_READ);
        return STEP_WAIT;
    case SSL_ERROR_WANT_WRITE:
        set_events(c, EV_WRITE);
        return STEP_WAIT;
    case SSL_ERROR_WANT_CLIENT_HELLO_CB:
        clienthello_fault(c);
        return STEP_CLOSED;
    default:
        log_conn(c, "TLS handshake failed");
        counter_add(&c->w->counters.hs_failures, 1);
        conn_close(c);
        return STEP_CLOSED;
    }
}

/* The protocol decides what the connection becomes. Without ALPN a client
 * speaking h2 by prior knowledge is served when h2 is in the list. */
static int on_handshake_done(conn_t *c)
{
    server_t *srv = c->w->srv;
    worker_counters_t *k = &c->w->counters;
    c->handshake_done = 1;
    counter_add(SSL_session_reused(c->ssl) ? &k->resumed : &k->full, 1);
    int early = SSL_get_early_data_status(c->ssl);
    if (early == SSL_EARLY_DATA_ACCEPTED)
        counter_add(&k->early_accepted, 1);
    else if (early == SSL_EARLY_DATA_REJECTED)
        counter_add(&k->early_rejected, 1);

    const unsigned char *proto;
    unsigned int len;
    SSL_get0_alpn_selected(c->ssl, &proto, &len);
    int h2 = len ? (len == 2 && !memcmp(proto, "h2", 2)) : srv->alpn_has_h2;
    if (c->faulted && srv->cfg.fault == FAULT_NO_SETTINGS) {
        counter_add(&k->faults, 1);
        c->state = CONN_SILENT;
    } else if (c->faulted && srv->cfg.fault == FAULT_NO_ALPN) {
        counter_add(&k->faults, 1);
        c->state = CONN_H1; /* no protocol agreed: HTTP/1.1, the 505 answer */
    } else if (h2) {
        c->state = CONN_H2;
        if (!c->h2 && conn_h2_start(c)) return STEP_CLOSED;
    } else {
        c->state = CONN_H1;
    }
    return STEP_AGAIN;
}

static int step_handshake(conn_t *c)
{
    ERR_clear_error();
    int r = SSL_do_handshake(c->ssl);
    if (r == 1) {
        if (on_handshake_done(c) == STEP_CLOSED) {
            counter_add(&c->w->counters.io_errors, 1);
            conn_close(c);
            return STEP_CLOSED;
        }
        return STEP_AGAIN;
    }
    return handshake_error(c, r);
}

/* 0-RTT: requests in early data go to nghttp2 now and are answered once the
 * handshake completes (the first flush happens in CONN_H2). */
static int step_early(conn_t *c)
{
    for (int i = 0; i < READ_BUDGET; i++) {
        size_t n = 0;
        ERR_clear_error();
        int r = SSL_read_early_data(c->ssl, c->w->rbuf, SERVER_IO_CHUNK, &n);
        if (n > 0) {
            conn_touch(c);
            if (!c->h2 && conn_h2_start(c)) {
                counter_add(&c->w->counters.io_errors, 1);
                conn_close(c);
                return STEP_CLOSED;
            }
            if (conn_h2_feed(c, c->w->rbuf, n)) {
                conn_close(c);
                return STEP_CLOSED;
            }
        }
        if (r == SSL_READ_EARLY_DATA_FINISH) {
            c->state = CONN_HANDSHAKE;
            return STEP_AGAIN;
        }
        if (r == SSL_READ_EARLY_DATA_ERROR) return handshake_error(c, -1);
    }
    ev_feed_event(c->w->loop, &c->io, EV_READ);
    return STEP_WAIT;
}

/* ---- serving ------------------------------------------------------------- */

static int step_serve(conn_t *c)
{
    int rd = read_input(c);
    if (rd == READ_ERROR) {
        conn_close(c);
        return STEP_CLOSED;
    }
    if (rd == READ_EOF) return conn_peer_closed(c);
    errno = 0;
    int wr = c->state == CONN_SILENT ? drain_pending(c) : flush(c);
    if (wr < 0) {
        /* A client that reset or closed while we were writing has left. */
        if (errno != EPIPE && errno != ECONNRESET) {
            log_conn(c, "write failed");
            counter_add(&c->w->counters.io_errors, 1);
        }
        conn_close(c);
        return STEP_CLOSED;
    }
    int done = c->state == CONN_H2 ? !conn_h2_alive(c) : c->close_after_flush;
    if (done && wr == 0) {
        conn_linger(c);
        return STEP_WAIT;
    }
    if (done && !c->closing) {
        ev_timer_stop(c->w->loop, &c->timer);
        ev_timer_set(&c->timer, CLOSE_DEADLINE_S, 0.);
        ev_timer_start(c->w->loop, &c->timer);
        c->closing = 1;
    }
    set_events(c, EV_READ | (wr || rd == READ_WAIT_WRITABLE ? EV_WRITE : 0));
    if (rd == READ_MORE) ev_feed_event(c->w->loop, &c->io, EV_READ);
    return STEP_WAIT;
}

static void conn_progress(conn_t *c)
{
    for (;;) {
        int r;
        switch (c->state) {
        case CONN_EARLY:
            r = step_early(c);
            break;
        case CONN_HANDSHAKE:
            r = step_handshake(c);
            break;
        case CONN_LINGER:
            r = step_linger(c);
            break;
        default:
            r = step_serve(c);
            break;
        }
        if (r != STEP_AGAIN) return;
    }
}

static void conn_io_cb(struct ev_loop *loop, ev_io *io, int revents)
{
    conn_progress(io->data);
}

static void conn_timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    conn_t *c = t->data;
    if (c->closing) { /* a graceful close that did not drain in time */
        conn_close(c);
        return;
    }
    uint64_t idle_ns = (uint64_t)c->idle_ms * 1000000u;
    uint64_t quiet = clock_now() - c->last_active;
    if (quiet < idle_ns) { /* there was activity since the timer was set */
        ev_timer_set(t, (double)(idle_ns - quiet) / 1e9, 0.);
        ev_timer_start(loop, t);
        return;
    }
    if (c->faulted && c->w->srv->cfg.fault == FAULT_IDLE_CLOSE) {
        counter_add(&c->w->counters.faults, 1);
        conn_close(c); /* silently: no GOAWAY, no close_notify */
        return;
    }
    counter_add(&c->w->counters.idle_closed, 1);
    if (c->state != CONN_H2) {
        conn_linger(c);
        return;
    }
    conn_h2_goaway(c, NGHTTP2_NO_ERROR);
    c->closing = 1;
    ev_timer_set(t, CLOSE_DEADLINE_S, 0.);
    ev_timer_start(loop, t);
    conn_progress(c);
}

void conn_accept(worker_t *w, int fd)
{
    server_t *srv = w->srv;
    counter_add(&w->counters.accepted, 1);
    int faulted = 0;
    if (srv->cfg.fault != FAULT_NONE) {
        uint64_t seq = atomic_fetch_add_explicit(&srv->conn_seq, 1, memory_order_relaxed) + 1;
        faulted = seq % srv->cfg.fault_every == 0;
    }
    if (faulted && srv->cfg.fault == FAULT_RST_AFTER_ACCEPT) {
        counter_add(&w->counters.faults, 1);
        close_with_rst(fd);
        close(fd);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    conn_t *c = calloc(1, sizeof *c);
    SSL *ssl = c ? SSL_new(srv->ssl_ctx) : NULL;
    if (!ssl || !SSL_set_fd(ssl, fd)) {
        fprintf(stderr, "tlsprof serve: out of memory for a new connection\n");
        counter_add(&w->counters.io_errors, 1);
        SSL_free(ssl);
        free(c);
        close(fd);
        ERR_clear_error();
        return;
    }
    SSL_set_accept_state(ssl);
    SSL_set_app_data(ssl, c);
    c->w = w;
    c->ssl = ssl;
    c->fd = fd;
    c->faulted = (unsigned)faulted;
    c->state = srv->cfg.early_data ? CONN_EARLY : CONN_HANDSHAKE;
    c->next = w->conns;
    if (w->conns) w->conns->prev = c;
    w->conns = c;
    counter_add(&w->counters.open, 1);

    ev_io_init(&c->io, conn_io_cb, fd, 0);
    c->io.data = c;
    ev_init(&c->timer, conn_timer_cb);
    c->timer.data = c;
    c->idle_ms = faulted && srv->cfg.fault == FAULT_IDLE_CLOSE ? (uint32_t)srv->cfg.fault_arg
                                                               : srv->cfg.idle_timeout_ms;
    if (c->idle_ms) {
        c->last_active = clock_now();
        ev_timer_set(&c->timer, c->idle_ms / 1000.0, 0.);
        ev_timer_start(w->loop, &c->timer);
    }
    /* The ClientHello is often already here: try now, not after a poll. */
    conn_progress(c);
}
