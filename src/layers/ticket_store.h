/* ticket_store.h - TLS session tickets kept by the client for resumption.
 *
 * One store per worker (no locks), keyed by target (address:port) and SNI,
 * which is fixed for a run. TLS 1.3 tickets are meant to be single-use, so a
 * new connection takes the newest unused ticket; with reuse set, the first
 * ticket is offered again and again to test a server's anti-replay policy.
 *
 * Capacity per target is twice the worker's connection count: with -c 64
 * fresh connections in flight, every one of them must find a ticket of its
 * own, or resumption would look worse than the server makes it. Each target
 * keeps a ring (oldest dropped when full, newest taken first). */
#ifndef TLSPROF_TICKET_STORE_H
#define TLSPROF_TICKET_STORE_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>

#define TICKET_TARGETS 16
#define TICKETS_MIN_PER_TARGET 16

typedef struct ticket_ring {
    SSL_SESSION **s; /* allocated at the first ticket */
    uint32_t head;   /* oldest */
    uint32_t n;
} ticket_ring_t;

typedef struct ticket_store {
    bool reuse;
    uint32_t cap; /* per target */
    ticket_ring_t t[TICKET_TARGETS];
} ticket_store_t;

/* per_target: how many tickets each target may hold (at least TICKETS_MIN_PER_TARGET). */
void ticket_store_init(ticket_store_t *ts, bool reuse, uint32_t per_target);
/* Takes ownership of sess. Drops the oldest ticket when full. */
void ticket_store_put(ticket_store_t *ts, uint32_t target, SSL_SESSION *sess);
/* Returns a session the caller owns (SSL_SESSION_free it), or NULL. */
SSL_SESSION *ticket_store_take(ticket_store_t *ts, uint32_t target);
void ticket_store_free(ticket_store_t *ts);

#endif
