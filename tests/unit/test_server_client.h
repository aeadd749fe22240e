/* test_server_client.h - a small blocking TLS + HTTP/2 client for the
 * server's unit tests, written against OpenSSL and nghttp2 directly so it
 * shares no code with the server or with tlsprof's client engine.
 *
 * Every socket has receive/send timeouts, and every loop a deadline, so a
 * broken server fails a test instead of hanging it. Header-only: each
 * test_server_*.c is its own program. */
#ifndef TLSPROF_TEST_SERVER_CLIENT_H
#define TLSPROF_TEST_SERVER_CLIENT_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#define TC_MAX_STREAMS 64
#define TC_UNUSED __attribute__((unused))

static TC_UNUSED long long tc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static TC_UNUSED void tc_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static TC_UNUSED void tc_set_timeout(int fd, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* Blocking TCP connection to 127.0.0.1:port with 3 s timeouts. */
static TC_UNUSED int tc_tcp(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    tc_set_timeout(fd, 3000);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* ---- TLS ------------------------------------------------------------------- */

typedef struct tc_tls {
    SSL_CTX *ctx;
    int tickets; /* NewSessionTickets received on connections of this context */
    SSL_SESSION *last_ticket;
} tc_tls_t;

static int tc_new_session(SSL *ssl, SSL_SESSION *sess)
{
    tc_tls_t *t = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
    t->tickets++;
    SSL_SESSION_free(t->last_ticket);
    t->last_ticket = sess; /* keep the reference OpenSSL gave us */
    return 1;
}

/* A client context that trusts exactly cert_pem, offers alpn (comma list or
 * NULL) and records every ticket it receives. max_version 0 = default. */
static TC_UNUSED int tc_tls_init(tc_tls_t *t, const char *cert_pem, const char *alpn,
                                 int max_version)
{
    memset(t, 0, sizeof *t);
    t->ctx = SSL_CTX_new(TLS_client_method());
    if (!t->ctx) return -1;
    SSL_CTX_set_app_data(t->ctx, t);
    SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
    if (max_version) SSL_CTX_set_max_proto_version(t->ctx, max_version);
    BIO *bio = BIO_new_mem_buf(cert_pem, -1);
    X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (!cert || !X509_STORE_add_cert(SSL_CTX_get_cert_store(t->ctx), cert)) {
        X509_free(cert);
        return -1;
    }
    X509_free(cert);
    if (alpn) {
        unsigned char wire[64];
        size_t n = 0;
        for (const char *p = alpn; *p;) {
            const char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            wire[n++] = (unsigned char)len;
            memcpy(wire + n, p, len);
            n += len;
            p = comma ? comma + 1 : p + len;
        }
        SSL_CTX_set_alpn_protos(t->ctx, wire, (unsigned)n);
    }
    SSL_CTX_set_session_cache_mode(t->ctx,
                                   SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(t->ctx, tc_new_session);
    return 0;
}

static TC_UNUSED void tc_tls_free(tc_tls_t *t)
{
    SSL_SESSION_free(t->last_ticket);
    SSL_CTX_free(t->ctx);
    memset(t, 0, sizeof *t);
}

typedef struct tc_conn {
    SSL *ssl;
    int fd;
    int ssl_error;     /* SSL_get_error of a failed SSL_connect */
    int sys_errno;     /* errno of that failure */
    unsigned long err; /* first OpenSSL error of that failure */
} tc_conn_t;

/* TCP connect, then SSL_connect verifying the IP 127.0.0.1. resume may be
 * NULL. With early (len > 0), the bytes are sent as 0-RTT data first.
 * Returns 1 on a completed handshake, 0 on a failed one (see ssl_error,
 * sys_errno, err), -1 when TCP failed. */
static TC_UNUSED int tc_connect_early(tc_conn_t *c, tc_tls_t *t, int port, SSL_SESSION *resume,
                                      const uint8_t *early, size_t early_len)
{
    memset(c, 0, sizeof *c);
    c->fd = tc_tcp(port);
    if (c->fd < 0) return -1;
    c->ssl = SSL_new(t->ctx);
    SSL_set_fd(c->ssl, c->fd);
    SSL_set_tlsext_host_name(c->ssl, "localhost");
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), "127.0.0.1");
    if (resume) SSL_set_session(c->ssl, resume);
    ERR_clear_error();
    if (early_len) {
        size_t written = 0;
        int r = SSL_write_early_data(c->ssl, early, early_len, &written);
        if (r != 1 || written != early_len) {
            c->ssl_error = SSL_get_error(c->ssl, r);
            c->err = ERR_peek_error();
            return 0;
        }
    }
    errno = 0;
    int r = SSL_connect(c->ssl);
    if (r == 1) return 1;
    c->ssl_error = SSL_get_error(c->ssl, r);
    c->sys_errno = errno;
    c->err = ERR_peek_error();
    ERR_clear_error();
    return 0;
}

/* OpenSSL marks a TLS 1.3 session not resumable once a client used it; a
 * copy through DER is the same ticket, as a replaying client would send. */
static TC_UNUSED SSL_SESSION *tc_session_copy(SSL_SESSION *s)
{
    unsigned char *der = NULL;
    int len = i2d_SSL_SESSION(s, &der);
    const unsigned char *p = der;
    SSL_SESSION *copy = len > 0 ? d2i_SSL_SESSION(NULL, &p, len) : NULL;
    OPENSSL_free(der);
    return copy;
}

static TC_UNUSED int tc_connect(tc_conn_t *c, tc_tls_t *t, int port, SSL_SESSION *resume)
{
    return tc_connect_early(c, t, port, resume, NULL, 0);
}

static TC_UNUSED void tc_close(tc_conn_t *c)
{
    if (c->ssl) SSL_free(c->ssl);
    if (c->fd >= 0) close(c->fd);
    c->ssl = NULL;
    c->fd = -1;
}

/* Reset the TCP connection instead of closing it. */
static TC_UNUSED void tc_reset(tc_conn_t *c)
{
    struct linger lin = {1, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lin, sizeof lin);
    tc_close(c);
}

static TC_UNUSED int tc_write_all(tc_conn_t *c, const uint8_t *p, size_t n)
{
    while (n) {
        int r = SSL_write(c->ssl, p, (int)n);
        if (r <= 0) return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* ---- HTTP/2 ---------------------------------------------------------------- */

typedef struct tc_stream {
    int32_t id;
    int status;               /* :status, 0 until HEADERS */
    long long content_length; /* -1 when absent */
    uint64_t body;            /* DATA bytes received */
    size_t huge;              /* length of x-huge, when present */
    int closed;
    uint32_t close_code; /* error code of the close (RST_STREAM code) */
} tc_stream_t;

typedef struct tc_h2 {
    nghttp2_session *s;
    tc_stream_t st[TC_MAX_STREAMS];
    int n;
    int settings; /* non-ACK SETTINGS frames received */
    int goaway;   /* GOAWAY frames received */
    int32_t goaway_last;
    uint32_t goaway_code;
    int eof;   /* the server closed (close_notify or EOF) */
    int reset; /* the server reset the TCP connection */
} tc_h2_t;

static tc_stream_t *tc_find(tc_h2_t *h, int32_t id)
{
    for (int i = 0; i < h->n; i++)
        if (h->st[i].id == id) return &h->st[i];
    return NULL;
}

static int tc_on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
                        size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                        void *ud)
{
    tc_stream_t *st = tc_find(ud, f->hd.stream_id);
    if (!st) return 0;
    if (namelen == 7 && !memcmp(name, ":status", 7)) st->status = atoi((const char *)value);
    if (namelen == 14 && !memcmp(name, "content-length", 14))
        st->content_length = atoll((const char *)value);
    if (namelen == 6 && !memcmp(name, "x-huge", 6)) st->huge = valuelen;
    return 0;
}

static int tc_on_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data,
                      size_t len, void *ud)
{
    tc_stream_t *st = tc_find(ud, id);
    if (st) st->body += len;
    return 0;
}

static int tc_on_close(nghttp2_session *s, int32_t id, uint32_t code, void *ud)
{
    tc_stream_t *st = tc_find(ud, id);
    if (st) {
        st->closed = 1;
        st->close_code = code;
    }
    return 0;
}

static int tc_on_frame(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
    tc_h2_t *h = ud;
    if (f->hd.type == NGHTTP2_SETTINGS && !(f->hd.flags & NGHTTP2_FLAG_ACK)) h->settings++;
    if (f->hd.type == NGHTTP2_GOAWAY) {
        h->goaway++;
        h->goaway_last = f->goaway.last_stream_id;
        h->goaway_code = f->goaway.error_code;
    }
    return 0;
}

/* A client session with default SETTINGS (65535-byte windows) queued. */
static TC_UNUSED int tc_h2_init(tc_h2_t *h)
{
    memset(h, 0, sizeof *h);
    nghttp2_session_callbacks *cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_header_callback(cb, tc_on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, tc_on_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, tc_on_close);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, tc_on_frame);
    int rv = nghttp2_session_client_new(&h->s, cb, h);
    nghttp2_session_callbacks_del(cb);
    if (rv) return -1;
    return nghttp2_submit_settings(h->s, NGHTTP2_FLAG_NONE, NULL, 0) ? -1 : 0;
}

static TC_UNUSED void tc_h2_free(tc_h2_t *h)
{
    nghttp2_session_del(h->s);
    h->s = NULL;
}

static ssize_t tc_upload(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len, uint32_t *fl,
                         nghttp2_data_source *src, void *ud)
{
    size_t left = (size_t)(uintptr_t)src->ptr;
    size_t n = len < left ? len : left;
    memset(buf, 'u', n);
    src->ptr = (void *)(uintptr_t)(left - n);
    if (left == n) *fl |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

/* Queue a request; upload > 0 sends a request body of that many bytes. */
static TC_UNUSED tc_stream_t *tc_h2_request(tc_h2_t *h, const char *method, const char *path,
                                            size_t upload)
{
    if (h->n >= TC_MAX_STREAMS) return NULL;
    nghttp2_nv nv[] = {
        {(uint8_t *)":method", (uint8_t *)method, 7, strlen(method), 0},
        {(uint8_t *)":scheme", (uint8_t *)"https", 7, 5, 0},
        {(uint8_t *)":authority", (uint8_t *)"localhost", 10, 9, 0},
        {(uint8_t *)":path", (uint8_t *)path, 5, strlen(path), 0},
    };
    nghttp2_data_provider up = {.read_callback = tc_upload};
    up.source.ptr = (void *)(uintptr_t)upload;
    int32_t id = nghttp2_submit_request(h->s, NULL, nv, 4, upload ? &up : NULL, NULL);
    if (id < 0) return NULL;
    tc_stream_t *st = &h->st[h->n++];
    memset(st, 0, sizeof *st);
    st->id = id;
    st->content_length = -1;
    return st;
}

/* Everything nghttp2 wants to send, into buf (for 0-RTT); returns length. */
static TC_UNUSED size_t tc_h2_take(tc_h2_t *h, uint8_t *buf, size_t cap)
{
    size_t n = 0;
    for (;;) {
        const uint8_t *data;
        ssize_t len = nghttp2_session_mem_send(h->s, &data);
        if (len <= 0 || n + (size_t)len > cap) break;
        memcpy(buf + n, data, (size_t)len);
        n += (size_t)len;
    }
    return n;
}

static int tc_h2_flush(tc_h2_t *h, tc_conn_t *c)
{
    for (;;) {
        const uint8_t *data;
        ssize_t len = nghttp2_session_mem_send(h->s, &data);
        if (len < 0) return -1;
        if (len == 0) return 0;
        if (tc_write_all(c, data, (size_t)len)) return -1;
    }
}

static TC_UNUSED int tc_h2_all_closed(const tc_h2_t *h)
{
    for (int i = 0; i < h->n; i++)
        if (!h->st[i].closed) return 0;
    return 1;
}

enum tc_until {
    TC_STREAMS_DONE, /* every stream closed */
    TC_SETTINGS,     /* the server's SETTINGS arrived */
    TC_SERVER_CLOSE  /* the server closed or reset the connection */
};

/* Exchange frames until the condition holds, the server closes, or
 * timeout_ms passes. Returns 1 when the condition held. */
static TC_UNUSED int tc_h2_until(tc_h2_t *h, tc_conn_t *c, enum tc_until until, int timeout_ms)
{
    uint8_t buf[16384];
    long long deadline = tc_now_ms() + timeout_ms;
    tc_set_timeout(c->fd, 50);
    int met = 0;
    while (tc_now_ms() < deadline) {
        if (until == TC_STREAMS_DONE && h->n && tc_h2_all_closed(h)) met = 1;
        if (until == TC_SETTINGS && h->settings) met = 1;
        if (met) break;
        if (tc_h2_flush(h, c)) { /* the server is gone */
            h->eof = 1;
            met = until == TC_SERVER_CLOSE;
            break;
        }
        errno = 0;
        ERR_clear_error();
        int r = SSL_read(c->ssl, buf, sizeof buf);
        if (r > 0) {
            if (nghttp2_session_mem_recv(h->s, buf, (size_t)r) < 0) break;
            continue;
        }
        int e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_WANT_READ || (e == SSL_ERROR_SYSCALL && errno == EAGAIN)) {
            ERR_clear_error();
            continue; /* the 50 ms receive timeout: check the deadline */
        }
        if (e == SSL_ERROR_SYSCALL && errno == ECONNRESET)
            h->reset = 1;
        else
            h->eof = 1;
        ERR_clear_error();
        met = until == TC_SERVER_CLOSE;
        break;
    }
    tc_set_timeout(c->fd, 3000);
    return met;
}

/* Until every stream is closed: 1 when they all are. */
static TC_UNUSED int tc_h2_run(tc_h2_t *h, tc_conn_t *c, int timeout_ms)
{
    return tc_h2_until(h, c, TC_STREAMS_DONE, timeout_ms);
}

/* One GET on a fresh connection; fills *out. Returns 0 when a full
 * response arrived. Keeps the received tickets in t. */
static TC_UNUSED int tc_get_once(tc_tls_t *t, int port, SSL_SESSION *resume, tc_stream_t *out,
                                 int *reused)
{
    tc_conn_t c;
    tc_h2_t h;
    memset(out, 0, sizeof *out);
    if (tc_connect(&c, t, port, resume) != 1) {
        tc_close(&c);
        return -1;
    }
    if (reused) *reused = SSL_session_reused(c.ssl);
    tc_h2_init(&h);
    tc_h2_request(&h, "GET", "/", 0);
    int ok = tc_h2_run(&h, &c, 3000);
    *out = h.st[0];
    tc_h2_free(&h);
    SSL_shutdown(c.ssl);
    tc_close(&c);
    return ok && out->close_code == 0 ? 0 : -1;
}

#endif
