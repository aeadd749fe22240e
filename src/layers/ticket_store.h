/* ticket_store.h - TLS session tickets kept by the client for resumption.
 *
 * One store per worker (no locks), keyed by target (address:port) and SNI,
 * which is fixed for a run. TLS 1.3 tickets are meant to be single-use, so a
 * new connection takes the newest unused ticket; with reuse set, the first
 * ticket is offered again and again to test a server's anti-replay policy. */
#ifndef TLSPROF_TICKET_STORE_H
#define TLSPROF_TICKET_STORE_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>

#define TICKETS_PER_TARGET 16
#define TICKET_TARGETS 16

typedef struct ticket_store {
    bool reuse;
    struct {
        SSL_SESSION *s[TICKETS_PER_TARGET]; /* s[0] oldest ... s[n-1] newest */
        uint32_t n;
    } t[TICKET_TARGETS];
} ticket_store_t;

void ticket_store_init(ticket_store_t *ts, bool reuse);
/* Takes ownership of sess. Drops the oldest ticket when full. */
void ticket_store_put(ticket_store_t *ts, uint32_t target, SSL_SESSION *sess);
/* Returns a session the caller owns (SSL_SESSION_free it), or NULL. */
SSL_SESSION *ticket_store_take(ticket_store_t *ts, uint32_t target);
void ticket_store_free(ticket_store_t *ts);

#endif
