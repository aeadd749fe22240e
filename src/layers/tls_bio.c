/* tls_bio.c - see tls_bio.h. Reads and writes behave as OpenSSL's socket
 * BIO's do (retry flags on EAGAIN, the EOF flag on a clean end, errno kept
 * for SSL_ERROR_SYSCALL), so OpenSSL cannot tell the difference. */
#include "layers/tls_bio.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/conn.h"
#include "engine/worker.h"

static BIO_METHOD *method;
static pthread_once_t method_once = PTHREAD_ONCE_INIT;

static bool again(void)
{
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

/* Keep what the socket did not take, behind anything kept before. */
static int keep(conn_t *c, const uint8_t *p, size_t len)
{
    if (pending_add(&c->raw, p, len) == 0) return 0;
    errno = ENOMEM;
    return -1;
}

int tls_bio_flush_pending(conn_t *c)
{
    pending_t *b = &c->raw;
    while (pending_size(b)) {
        ssize_t n = send(c->fd, b->p + b->off, pending_size(b), MSG_NOSIGNAL);
        if (n < 0) return again() ? 0 : -1;
        b->off += (size_t)n;
    }
    pending_clear(b);
    return 1;
}

void tls_bio_hold(conn_t *c)
{
    c->w->hold_conn = c;
    c->w->hold_len = 0;
}

int tls_bio_release(conn_t *c, bool more)
{
    worker_t *w = c->w;
    if (w->hold_conn != c) return pending_size(&c->raw) ? 0 : 1;
    w->hold_conn = NULL;
    size_t len = w->hold_len;
    w->hold_len = 0;
    if (len == 0) return pending_size(&c->raw) ? 0 : 1;
    if (pending_size(&c->raw))
        return keep(c, w->hold, len) < 0 ? -1 : 0; /* order: behind what waits */
    ssize_t n = send(c->fd, w->hold, len, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
    if (n < 0) {
        if (!again()) return -1;
        n = 0;
    }
    if ((size_t)n == len) return 1;
    return keep(c, w->hold + n, len - (size_t)n) < 0 ? -1 : 0;
}

static int bio_write(BIO *b, const char *data, int len)
{
    conn_t *c = BIO_get_data(b);
    worker_t *w = c->w;
    BIO_clear_retry_flags(b);
    if (len <= 0) return 0;
    if (w->hold_conn == c) {
        if (w->hold_len + (size_t)len <= TLS_BIO_HOLD) {
            memcpy(w->hold + w->hold_len, data, (size_t)len);
            w->hold_len += (size_t)len;
            return len;
        }
        /* More than the hold buffer takes: out with it, and on directly. */
        int r = tls_bio_release(c, false);
        if (r < 0) return -1;
    }
    if (pending_size(&c->raw)) {
        int r = tls_bio_flush_pending(c);
        if (r < 0) return -1;
        if (r == 0) {
            BIO_set_retry_write(b);
            return -1;
        }
    }
    ssize_t n = send(c->fd, data, (size_t)len, MSG_NOSIGNAL);
    if (n < 0) {
        if (again()) BIO_set_retry_write(b);
        return -1;
    }
    return (int)n;
}

static int bio_read(BIO *b, char *buf, int len)
{
    conn_t *c = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (len <= 0) return 0;
    ssize_t n = read(c->fd, buf, (size_t)len);
    if (n < 0) {
        if (again()) BIO_set_retry_read(b);
        return -1;
    }
    /* OpenSSL asks BIO_eof() to tell a clean end from an error. */
    if (n == 0) BIO_set_flags(b, BIO_FLAGS_IN_EOF);
    return (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)num;
    (void)ptr;
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1; /* writes are not buffered, or held on purpose */
    case BIO_CTRL_EOF:
        return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0;
    case BIO_CTRL_GET_CLOSE:
        return BIO_NOCLOSE;
    case BIO_CTRL_SET_CLOSE:
        return 1;
    default:
        return 0; /* PENDING/WPENDING 0, no kTLS, no dgram */
    }
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 0);
    return 1;
}

static int bio_destroy(BIO *b)
{
    /* The connection owns the socket and any kept bytes. */
    BIO_set_data(b, NULL);
    return 1;
}

static void method_free(void)
{
    BIO_meth_free(method);
    method = NULL;
}

static void method_init(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "tlsprof socket");
    if (!m) return;
    if (!BIO_meth_set_write(m, bio_write) || !BIO_meth_set_read(m, bio_read) ||
        !BIO_meth_set_ctrl(m, bio_ctrl) || !BIO_meth_set_create(m, bio_create) ||
        !BIO_meth_set_destroy(m, bio_destroy)) {
        BIO_meth_free(m);
        return;
    }
    method = m;
    atexit(method_free); /* runs before OpenSSL's own clean-up, registered earlier */
}

BIO *tls_bio_new(conn_t *c)
{
    pthread_once(&method_once, method_init);
    if (!method) return NULL;
    BIO *b = BIO_new(method);
    if (!b) return NULL;
    BIO_set_data(b, c);
    BIO_set_init(b, 1);
    return b;
}
