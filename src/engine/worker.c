/* worker.c - one thread, one libev loop, a fixed set of connection slots.
 *
 * Slots that go idle are reopened from an idle watcher rather than from the
 * callback that closed them: a refused connect can fail synchronously, and
 * reopening in place would recurse once per failure. */
#include "engine/worker.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "layers/h2_client.h"
#include "layers/tls_client.h"

bool worker_has_work(const worker_t *w)
{
    if (w->retry_credit) return true;
    if (w->stopping) return false;
    if (!w->measuring) return true;
    uint64_t n = w->cfg->requests;
    return n == 0 || atomic_load_explicit(&w->eng->next_request, memory_order_relaxed) < n;
}

static void arm_rate_timer(worker_t *w)
{
    if (w->rate_armed || w->rate_fd < 0) return;
    mono_ns when = schedule_at(&w->sched, w->sched.started);
    struct itimerspec its = {{0, 0}, {(time_t)(when / 1000000000u), (long)(when % 1000000000u)}};
    if (timerfd_settime(w->rate_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0) return;
    ev_io_start(w->loop, &w->rate_io);
    w->rate_armed = true;
}

static void disarm_rate_timer(worker_t *w)
{
    if (!w->rate_armed) return;
    struct itimerspec off = {{0, 0}, {0, 0}};
    timerfd_settime(w->rate_fd, 0, &off, NULL);
    ev_io_stop(w->loop, &w->rate_io);
    w->rate_armed = false;
}

bool worker_claim(worker_t *w, bool *measured, mono_ns *intended)
{
    *intended = 0;
    if (w->retry_credit) {
        w->retry_credit--;
        *measured = true;
        return true;
    }
    if (w->stopping) return false;
    mono_ns now = 0, due_at = 0;
    if (w->sched.on) {
        now = clock_now();
        if (!schedule_take(&w->sched, now, &due_at)) {
            arm_rate_timer(w);
            return false;
        }
    }
    if (!w->measuring) {
        *measured = false; /* warm-up: sent, but neither counted nor sampled */
        *intended = due_at;
        return true;
    }
    uint64_t n = w->cfg->requests;
    if (n) {
        uint64_t got = atomic_fetch_add_explicit(&w->eng->next_request, 1, memory_order_relaxed);
        if (got >= n) return false;
    }
    if (w->sched.on) hist_record(&w->res->schedule_lag, now - due_at);
    *measured = true;
    *intended = due_at;
    return true;
}

bool worker_idle(const worker_t *w)
{
    return w->active == 0 && w->n_restart == 0 && !w->rate_armed &&
           (w->ramp_next >= w->n_conns || w->stopping);
}

void worker_unclaim(worker_t *w)
{
    w->retry_credit++;
}

/* Fresh mode opens a connection for a request it has already claimed. So
 * does a pooled reconnect in a closed-loop run: otherwise, near the end of
 * a -n run, a slot whose connection the server closed would reconnect for
 * work that the other slots then take while its handshake runs, and open a
 * connection that carries nothing. Pooled start-up slots open unclaimed (the
 * pool is -c connections), and so does every slot under --rate, where the
 * schedule, not the slot, decides when a request exists. */
static void open_slot(worker_t *w, conn_t *c)
{
    bool reconnect = c->id != 0;
    if (w->cfg->mode == MODE_FRESH || (reconnect && !w->sched.on)) {
        bool measured;
        mono_ns intended;
        if (!worker_claim(w, &measured, &intended)) return;
        c->claimed = true;
        c->claimed_measured = measured;
        c->claimed_intended = intended;
    } else if (!worker_has_work(w)) {
        return;
    }
    conn_open(c);
}

/* Open start-up slots while the ramp allows (all of them without --ramp or
 * in fresh mode, where -c is itself the concurrency of setups). */
static void ramp_open(worker_t *w)
{
    uint32_t limit = w->cfg->mode == MODE_POOLED ? w->cfg->ramp : 0;
    while (w->ramp_next < w->n_conns && !w->stopping && (!limit || w->setting_up < limit))
        open_slot(w, &w->conns[w->ramp_next++]);
}

void worker_setup_done(worker_t *w, conn_t *c)
{
    if (!c->in_setup) return;
    c->in_setup = false;
    w->setting_up--;
    if (w->ramp_next < w->n_conns) {
        /* Not from here: a synchronous failure inside open_slot would recurse. */
        w->ramp_wanted = true;
        ev_idle_start(w->loop, &w->restart);
    }
}

static void restart_cb(struct ev_loop *loop, ev_idle *idle, int revents)
{
    (void)revents;
    worker_t *w = (worker_t *)((char *)idle - offsetof(worker_t, restart));
    uint32_t n = w->n_restart;
    w->n_restart = 0;
    ev_idle_stop(loop, idle);
    for (uint32_t i = 0; i < n; i++) {
        conn_t *c = &w->conns[w->restart_list[i]];
        if (c->state == CONN_IDLE && !c->retired) open_slot(w, c);
    }
    if (w->ramp_wanted) {
        w->ramp_wanted = false;
        ramp_open(w);
    }
    if (worker_idle(w)) ev_break(loop, EVBREAK_ALL);
}

void worker_slot_idle(worker_t *w, conn_t *c)
{
    w->active--;
    if (!c->retired && worker_has_work(w)) {
        w->restart_list[w->n_restart++] = c->index;
        ev_idle_start(w->loop, &w->restart);
        return;
    }
    if (worker_idle(w)) ev_break(w->loop, EVBREAK_ALL);
}

/* Stop taking new work; idle pooled connections close now, busy ones when
 * their streams are done, and whatever is left after --grace is aborted. */
static void begin_stop(worker_t *w, bool abort_now)
{
    disarm_rate_timer(w);
    if (!w->stopping) {
        w->stopping = true;
        ev_timer_set(&w->grace_timer, w->cfg->grace_ms / 1000.0, 0.);
        ev_timer_start(w->loop, &w->grace_timer);
    }
    for (uint32_t i = 0; i < w->n_conns; i++) {
        if (abort_now)
            conn_abort(&w->conns[i], "interrupted");
        else
            conn_drain(&w->conns[i]);
    }
    if (w->active == 0) ev_break(w->loop, EVBREAK_ALL);
}

/* An arrival is due: start it on whatever can take it. Fresh mode opens idle
 * slots; pooled mode offers it to established connections (in slot order,
 * stopping as soon as nothing more is due). When every slot is busy,
 * completions claim the backlog, so nothing needs arming until a claim
 * finds the schedule ahead again. */
static void rate_cb(struct ev_loop *loop, ev_io *io, int revents)
{
    (void)revents;
    worker_t *w = (worker_t *)((char *)io - offsetof(worker_t, rate_io));
    uint64_t expirations;
    ssize_t rd = read(w->rate_fd, &expirations, sizeof expirations); /* EAGAIN: spurious wake-up */
    (void)rd;
    disarm_rate_timer(w);
    if (w->stopping) return;
    for (uint32_t i = 0; i < w->n_conns; i++) {
        conn_t *c = &w->conns[i];
        if (schedule_at(&w->sched, w->sched.started) > clock_now()) break;
        if (w->cfg->mode == MODE_FRESH) {
            if (c->state == CONN_IDLE && !c->retired) open_slot(w, c);
        } else {
            conn_kick(c);
        }
    }
    /* Nobody claimed (every slot busy, or nothing due after all): completions
     * claim the backlog; re-arm only when the next arrival is still ahead. */
    if (!w->rate_armed && worker_has_work(w) &&
        schedule_at(&w->sched, w->sched.started) > clock_now())
        arm_rate_timer(w);
    if (worker_idle(w)) ev_break(loop, EVBREAK_ALL);
}

static void flush_idle_cb(struct ev_loop *loop, ev_idle *idle, int revents)
{
    (void)revents;
    worker_t *w = (worker_t *)((char *)idle - offsetof(worker_t, flush_idle));
    ev_idle_stop(loop, idle);
    /* The list is emptied first and walked in place: a flush may defer its
     * own connection again (conn_progress after a stream ended during the
     * send), which appends it at index n_dirty. Each entry adds at most
     * itself, so that index is never past the entry being processed, whose
     * value was already read. Nothing else is added from here: a flush that
     * ends a connection has its slot reopened from the restart watcher. */
    uint32_t n = w->n_dirty;
    w->n_dirty = 0;
    for (uint32_t i = 0; i < n; i++)
        conn_flush_deferred(&w->conns[w->dirty[i]]);
}

static void grace_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    worker_t *w = (worker_t *)((char *)t - offsetof(worker_t, grace_timer));
    begin_stop(w, true);
}

static void deadline_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    worker_t *w = (worker_t *)((char *)t - offsetof(worker_t, deadline_timer));
    begin_stop(w, false);
}

static void warmup_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    worker_t *w = (worker_t *)((char *)t - offsetof(worker_t, warmup_timer));
    w->measuring = true;
}

static void wake_cb(struct ev_loop *loop, ev_async *a, int revents)
{
    (void)loop;
    (void)revents;
    worker_t *w = (worker_t *)((char *)a - offsetof(worker_t, wake));
    int how = atomic_load(&w->eng->stop);
    if (how != STOP_NONE) begin_stop(w, how == STOP_ABORT);
}

int worker_init(worker_t *w, engine_t *e, uint32_t id, uint32_t n_conns, char *err, size_t errlen)
{
    const run_config_t *cfg = e->cfg;
    w->id = id;
    w->eng = e;
    w->cfg = cfg;
    w->rate_fd = -1;
    w->n_conns = n_conns;
    w->measuring = cfg->warmup_s <= 0;
    w->loop = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV);
    if (!w->loop) w->loop = ev_loop_new(EVFLAG_AUTO);
    if (!w->loop) {
        snprintf(err, errlen, "could not create an event loop");
        return -1;
    }
    w->ssl_ctx = tls_client_ctx_new(cfg, err, errlen);
    if (!w->ssl_ctx) return -1;
    h2_mem_init(&w->h2mem);
    w->h2_callbacks = h2_client_callbacks_new();
    w->h2_option = h2_client_option_new(cfg);
    w->proto = cfg->h1 ? &session_h1 : &session_h2;
    if (!w->h2_callbacks || !w->h2_option || h2_client_build_nva(cfg, &w->nva, &w->nva_len) < 0 ||
        (cfg->h1 && h1_request_build(cfg, &w->h1_request, &w->h1_request_len) < 0)) {
        snprintf(err, errlen, "out of memory setting up the HTTP session");
        return -1;
    }
    w->res = malloc(sizeof *w->res);
    w->conns = calloc(n_conns, sizeof *w->conns);
    w->restart_list = calloc(n_conns ? n_conns : 1, sizeof *w->restart_list);
    w->dirty = calloc(n_conns ? n_conns : 1, sizeof *w->dirty);
    if (!w->res || !w->conns || !w->restart_list || !w->dirty) {
        snprintf(err, errlen, "out of memory for %u connections", n_conns);
        return -1;
    }
    results_init(w->res);
    series_init(&w->series, 0, cfg->interval_s);
    if (slowest_init(&w->slowest, cfg->slowest) < 0 ||
        events_writer_init(&w->events, e->events_fd, cfg->events_sample) < 0) {
        snprintf(err, errlen, "out of memory for the slowest-connection lists or the event log");
        return -1;
    }
    ticket_store_init(&w->tickets, cfg->reuse_ticket, 2 * n_conns);
    for (uint32_t i = 0; i < n_conns; i++) {
        conn_t *c = &w->conns[i];
        c->w = w;
        c->index = i;
        c->fd = -1;
        c->streams = calloc(cfg->streams, sizeof(stream_t));
        if (!c->streams) {
            snprintf(err, errlen, "out of memory for %u connections", n_conns);
            return -1;
        }
    }
    ev_async_init(&w->wake, wake_cb);
    ev_async_start(w->loop, &w->wake);
    ev_idle_init(&w->restart, restart_cb);
    ev_idle_init(&w->flush_idle, flush_idle_cb);
    w->defer_flush = cfg->mode == MODE_POOLED && cfg->rate <= 0;
    ev_init(&w->grace_timer, grace_cb);
    ev_init(&w->deadline_timer, deadline_cb);
    ev_init(&w->warmup_timer, warmup_cb);
    if (cfg->rate > 0) {
        w->rate_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (w->rate_fd < 0) {
            snprintf(err, errlen, "timerfd_create: %s", strerror(errno));
            return -1;
        }
        ev_io_init(&w->rate_io, rate_cb, w->rate_fd, EV_READ);
    }
    return 0;
}

/* libev may fire a timer up to its clock granularity early; a deadline must
 * never end a run before its time, so round up by a millisecond. */
static double seconds_until(mono_ns now, mono_ns when)
{
    return when > now ? (when - now) / 1e9 + 0.001 : 0.;
}

void *worker_main(void *arg)
{
    worker_t *w = arg;
    engine_t *e = w->eng;
    tls_mem_attach(&w->tls_mem);
    pthread_barrier_wait(&e->barrier);
    uint64_t cpu0 = clock_thread_cpu();
    ev_now_update(w->loop);
    mono_ns now = clock_now();
    w->series.start = e->t_measure;
    schedule_init(&w->sched, w->cfg->rate, e->n_workers, w->id, e->t_start);
    if (w->cfg->warmup_s > 0) {
        ev_timer_set(&w->warmup_timer, seconds_until(now, e->t_measure), 0.);
        ev_timer_start(w->loop, &w->warmup_timer);
    }
    if (e->t_deadline) {
        ev_timer_set(&w->deadline_timer, seconds_until(now, e->t_deadline), 0.);
        ev_timer_start(w->loop, &w->deadline_timer);
    }
    /* A stop requested before we got here must not be missed. */
    if (atomic_load(&e->stop) != STOP_NONE) begin_stop(w, atomic_load(&e->stop) == STOP_ABORT);
    ramp_open(w);
    if (!worker_idle(w)) ev_run(w->loop, 0);
    /* Arrivals that fell due before the end but never started: the client
     * was behind its schedule. Not counted when -n ran out first. */
    if (w->sched.on && w->measuring) {
        uint64_t n = w->cfg->requests;
        if (n == 0 || atomic_load(&e->next_request) < n) {
            mono_ns end = clock_now();
            if (e->t_deadline && end > e->t_deadline) end = e->t_deadline;
            uint64_t due = schedule_due(&w->sched, end);
            if (due > w->sched.started) w->res->arrivals_not_started += due - w->sched.started;
        }
    }
    disarm_rate_timer(w);
    /* Leave nothing half-open: abort stragglers (counted as aborted). */
    w->stopping = true;
    for (uint32_t i = 0; i < w->n_conns; i++)
        conn_abort(&w->conns[i], "end of run");
    w->t_finished = clock_now();
    if (w->events.fd >= 0) events_flush(&w->events);
    w->cpu_ns = clock_thread_cpu() - cpu0;
    /* Whatever OpenSSL frees from now on (worker_free, on the main thread)
     * goes straight back to malloc. */
    tls_mem_detach();
    uint64_t one = 1;
    if (write(e->done_fd, &one, sizeof one) < 0) perror("tlsprof: eventfd");
    return NULL;
}

void worker_free(worker_t *w)
{
    if (w->conns) {
        for (uint32_t i = 0; i < w->n_conns; i++)
            free(w->conns[i].streams);
        free(w->conns);
    }
    free(w->restart_list);
    free(w->dirty);
    if (w->cfg && w->rate_fd >= 0) close(w->rate_fd); /* cfg unset: never initialised */
    w->rate_fd = -1;
    free(w->res);
    series_free(&w->series);
    slowest_free(&w->slowest);
    events_writer_free(&w->events);
    free(w->nva);
    free(w->h1_request);
    ticket_store_free(&w->tickets);
    if (w->h2_callbacks) nghttp2_session_callbacks_del(w->h2_callbacks);
    if (w->cfg) h2_mem_free(&w->h2mem); /* every session is gone by now */
    if (w->h2_option) nghttp2_option_del(w->h2_option);
    tls_client_ctx_free(w->ssl_ctx);
    if (w->loop) ev_loop_destroy(w->loop);
    memset(w, 0, sizeof *w);
}
