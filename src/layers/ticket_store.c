/* ticket_store.c - see ticket_store.h. */
#include "layers/ticket_store.h"

#include <string.h>

void ticket_store_init(ticket_store_t *ts, bool reuse)
{
    memset(ts, 0, sizeof *ts);
    ts->reuse = reuse;
}

void ticket_store_put(ticket_store_t *ts, uint32_t target, SSL_SESSION *sess)
{
    if (target >= TICKET_TARGETS) {
        SSL_SESSION_free(sess);
        return;
    }
    if (ts->reuse && ts->t[target].n > 0) {
        /* Keep offering the first ticket: that is what --reuse-ticket tests. */
        SSL_SESSION_free(sess);
        return;
    }
    if (ts->t[target].n == TICKETS_PER_TARGET) {
        SSL_SESSION_free(ts->t[target].s[0]);
        memmove(&ts->t[target].s[0], &ts->t[target].s[1], (TICKETS_PER_TARGET - 1) * sizeof(SSL_SESSION *));
        ts->t[target].n--;
    }
    ts->t[target].s[ts->t[target].n++] = sess;
}

SSL_SESSION *ticket_store_take(ticket_store_t *ts, uint32_t target)
{
    if (target >= TICKET_TARGETS || ts->t[target].n == 0) return NULL;
    if (ts->reuse) {
        /* A copy each time: OpenSSL updates a session object a connection
         * resumed from (and stops offering it), so sharing the one object
         * would quietly end the reuse after its first use. */
        return SSL_SESSION_dup(ts->t[target].s[0]);
    }
    return ts->t[target].s[--ts->t[target].n];
}

void ticket_store_free(ticket_store_t *ts)
{
    for (int i = 0; i < TICKET_TARGETS; i++)
        for (uint32_t j = 0; j < ts->t[i].n; j++) SSL_SESSION_free(ts->t[i].s[j]);
    memset(ts->t, 0, sizeof ts->t);
}
