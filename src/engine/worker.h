/* worker.h - one thread, one libev loop, a fixed set of connection slots. */
#ifndef TLSPROF_WORKER_H
#define TLSPROF_WORKER_H

#include <ev.h>
#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdbool.h>

#include "engine/conn.h"
#include "engine/engine.h"
#include "engine/schedule.h"
#include "layers/h1_client.h"
#include "layers/h2_mem.h"
#include "layers/session.h"
#include "layers/tls_bio.h"
#include "layers/tls_mem.h"
#include "layers/ticket_store.h"
#include "measure/results.h"
#include "measure/series.h"
#include "measure/slowest.h"
#include "report/events.h"

#define WORKER_READ_BUF (64 * 1024)
#define WORKER_WRITE_BUF (16 * 1024)

typedef struct worker {
    uint32_t id;
    engine_t *eng;
    const run_config_t *cfg;
    pthread_t thread;
    struct ev_loop *loop;
    SSL_CTX *ssl_ctx;
    nghttp2_session_callbacks *h2_callbacks;
    nghttp2_option *h2_option;
    tls_mem_cache_t tls_mem; /* OpenSSL's freed blocks, recycled on this worker's thread */
    h2_mem_cache_t h2mem; /* nghttp2's allocations, recycled per worker; its shared frame buffer */
    const session_ops_t *proto; /* HTTP/2, or HTTP/1.1 with --h1 */
    nghttp2_nv *nva;            /* request headers, built once */
    size_t nva_len;
    char *h1_request; /* --h1: the request text, built once */
    size_t h1_request_len;

    conn_t *conns;
    uint32_t n_conns;
    uint32_t active; /* slots not idle */
    uint64_t conn_seq;
    uint32_t next_target;

    bool measuring;        /* warm-up over */
    bool stopping;         /* no new work */
    uint64_t retry_credit; /* requests given back (GOAWAY, refused) to send again */

    ev_async wake;
    ev_timer warmup_timer, deadline_timer, grace_timer;
    schedule_t sched; /* --rate arrivals */
    /* Wakes the loop when the next arrival is due. A timerfd, not an
     * ev_timer: libev's epoll backend waits in whole milliseconds, which
     * would start every scheduled request up to 1 ms late and then blame
     * that delay on the server. */
    int rate_fd;
    ev_io rate_io;
    bool rate_armed;
    ev_idle restart; /* reopens slots outside of the callbacks that closed them */
    uint32_t *restart_list;
    uint32_t n_restart;
    uint32_t setting_up; /* connections opened and not yet ready (pooled --ramp) */
    uint32_t ramp_next;  /* first slot not yet opened by the start-up ramp */
    bool ramp_wanted;    /* a setup finished: open more slots from the idle watcher */

    bool defer_flush; /* closed-loop pooled: batch request writes until the loop is idle */
    ev_idle flush_idle;
    uint32_t *dirty; /* slots with deferred writes */
    uint32_t n_dirty;
    /* The one connection whose writes are held back (tls_bio.h), and what
     * it has written so far. */
    conn_t *hold_conn;
    size_t hold_len;
    ticket_store_t tickets;
    results_t *res;
    series_t series;        /* per-interval statistics */
    slowest_t slowest;      /* the N slowest connection stories */
    events_writer_t events; /* --events */
    uint64_t cpu_ns;        /* thread CPU time over the run */
    mono_ns t_finished;     /* when this worker's last connection ended */

    uint8_t rbuf[WORKER_READ_BUF];
    uint8_t wbuf[WORKER_WRITE_BUF];
    uint8_t hold[TLS_BIO_HOLD];
} worker_t;

int worker_init(worker_t *w, engine_t *e, uint32_t id, uint32_t n_conns, char *err, size_t errlen);
void *worker_main(void *arg);
void worker_free(worker_t *w);

/* Work distribution. Returns true when a request may be sent; *measured says
 * whether it counts (false during warm-up). */
/* With --rate, *intended is the arrival's scheduled instant (else 0). */
bool worker_claim(worker_t *w, bool *measured, mono_ns *intended);
/* Give a claimed request back (GOAWAY above last-stream-id, REFUSED_STREAM). */
void worker_unclaim(worker_t *w);
/* True while requests remain to be sent (claims may still succeed). */
bool worker_has_work(const worker_t *w);
/* A slot became idle: reopen it (soon, from the loop) if work remains. */
void worker_slot_idle(worker_t *w, conn_t *c);
/* A pooled connection finished its setup (SETTINGS arrived, or it failed):
 * the ramp may open the next slot. */
void worker_setup_done(worker_t *w, conn_t *c);
/* Nothing left to wait for: no open slot, none to reopen, no arrival pending. */
bool worker_idle(const worker_t *w);

#endif
