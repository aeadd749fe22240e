/* tls_bio.h - the socket under OpenSSL: a BIO that can hold writes back.
 *
 * OpenSSL writes its last handshake flight (the client Finished) inside
 * SSL_do_handshake, flushing it to the socket at once; the HTTP/2 preface,
 * SETTINGS and the first request follow a moment later in a write of
 * their own. That is two TCP segments where one does, and the server reads
 * twice. Likewise GOAWAY, close_notify and the FIN at the end of a
 * connection. While a connection "holds", this BIO collects what OpenSSL
 * writes in the worker's hold buffer instead, and tls_bio_release() sends
 * it all with one write (with MSG_MORE when a FIN is to follow, so that
 * the FIN rides on the same segment). No setsockopt per connection.
 *
 * Only one connection of a worker holds at a time, and only within one
 * callback (hold, write, release): the hold buffer belongs to the worker.
 * Bytes a full socket does not take at release are kept per connection and
 * go out before anything else (tls_bio_flush_pending). */
#ifndef TLSPROF_TLS_BIO_H
#define TLSPROF_TLS_BIO_H

#include <openssl/bio.h>
#include <stdbool.h>

struct conn;

/* Room for a Finished flight (with a client certificate chain) and the
 * first requests; beyond it, what is held is written out and the rest goes
 * straight to the socket (holding ends). */
#define TLS_BIO_HOLD (16 * 1024)

/* A BIO on c->fd for c->ssl (NULL when out of memory). */
BIO *tls_bio_new(struct conn *c);
/* From now on, writes for c are collected in the worker's hold buffer. */
void tls_bio_hold(struct conn *c);
/* Send what c holds, in one write; more: a FIN follows at once (MSG_MORE).
 * 1 all sent, 0 some kept for later (socket full), -1 error (errno). */
int tls_bio_release(struct conn *c, bool more);
/* Bytes kept by a release that the socket did not take: 1 none left, 0 some
 * still kept, -1 error (errno). */
int tls_bio_flush_pending(struct conn *c);

#endif
