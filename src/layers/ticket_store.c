/* ticket_store.c - see ticket_store.h. */
#include "layers/ticket_store.h"

#include <stdlib.h>
#include <string.h>

void ticket_store_init(ticket_store_t *ts, bool reuse, uint32_t per_target)
{
    memset(ts, 0, sizeof *ts);
    ts->reuse = reuse;
    ts->cap = per_target < TICKETS_MIN_PER_TARGET ? TICKETS_MIN_PER_TARGET : per_target;
}

void ticket_store_put(ticket_store_t *ts, uint32_t target, SSL_SESSION *sess)
{
    if (target >= TICKET_TARGETS) {
        SSL_SESSION_free(sess);
        return;
    }
    ticket_ring_t *r = &ts->t[target];
    if (ts->reuse && r->n > 0) {
        /* Keep offering the first ticket: that is what --reuse-ticket tests. */
        SSL_SESSION_free(sess);
        return;
    }
    if (!r->s) {
        r->s = calloc(ts->cap, sizeof *r->s);
        if (!r->s) { /* no memory: this ticket is lost, the run goes on */
            SSL_SESSION_free(sess);
            return;
        }
    }
    if (r->n == ts->cap) {
        SSL_SESSION_free(r->s[r->head]);
        r->head = (r->head + 1) % ts->cap;
        r->n--;
    }
    r->s[(r->head + r->n) % ts->cap] = sess;
    r->n++;
}

SSL_SESSION *ticket_store_take(ticket_store_t *ts, uint32_t target)
{
    if (target >= TICKET_TARGETS || ts->t[target].n == 0) return NULL;
    ticket_ring_t *r = &ts->t[target];
    if (ts->reuse) {
        /* A copy each time: OpenSSL updates a session object a connection
         * resumed from (and stops offering it), so sharing the one object
         * would quietly end the reuse after its first use. */
        return SSL_SESSION_dup(r->s[r->head]);
    }
    r->n--;
    return r->s[(r->head + r->n) % ts->cap];
}

void ticket_store_free(ticket_store_t *ts)
{
    for (int i = 0; i < TICKET_TARGETS; i++) {
        ticket_ring_t *r = &ts->t[i];
        for (uint32_t j = 0; j < r->n; j++)
            SSL_SESSION_free(r->s[(r->head + j) % ts->cap]);
        free(r->s);
        memset(r, 0, sizeof *r);
    }
}
