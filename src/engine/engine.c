/* engine.c - resolve the target, start the workers behind a barrier, wait,
 * merge. The main thread owns signals, progress and kernel sampling; workers
 * only ever see the atomic stop flag and a wake-up. */
#include "engine/engine.h"

#include <errno.h>
#include <netdb.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/worker.h"
#include "layers/tcp.h"
#include "measure/tcpinfo.h"
#include "report/events.h"

/* Resolve one target into e->targets[e->n_targets]. */
static int resolve(engine_t *e, const char *host, int port, char *err, size_t errlen)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV;
    char portstr[8];
    snprintf(portstr, sizeof portstr, "%d", port);
    mono_ns t0 = clock_now();
    int rc = getaddrinfo(host, portstr, &hints, &res);
    uint64_t took = clock_now() - t0;
    e->dns_ns += took;
    hist_record(&e->total.phases[PHASE_DNS], took);
    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve '%s': %s", host, gai_strerror(rc));
        return -1;
    }
    /* One address: the first the resolver prefers. Connections to several
     * addresses would mix their latencies into one histogram. */
    target_t *t = &e->targets[e->n_targets];
    memcpy(&t->addr, res->ai_addr, res->ai_addrlen);
    t->addrlen = res->ai_addrlen;
    tcp_addr_label(res->ai_addr, t->label, sizeof t->label);
    freeaddrinfo(res);
    for (size_t i = 0; i < e->cfg->n_bind; i++) {
        if (e->cfg->bind_addrs[i].ss_family != t->addr.ss_family) {
            snprintf(err, errlen, "--bind address %zu is %s but target %s is %s", i + 1,
                     e->cfg->bind_addrs[i].ss_family == AF_INET ? "IPv4" : "IPv6", t->label,
                     t->addr.ss_family == AF_INET ? "IPv4" : "IPv6");
            return -1;
        }
    }
    e->n_targets++;
    return 0;
}

int engine_init(engine_t *e, const run_config_t *cfg, char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    e->cfg = cfg;
    e->events_fd = -1;
    results_init(&e->total);
    series_init(&e->series, 0, cfg->interval_s);
    if (slowest_init(&e->slowest, cfg->slowest) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (cfg->n_connect_to == 0) {
        if (resolve(e, cfg->url.host, cfg->url.port, err, errlen) < 0) {
            errors_add(&e->total.errors, "dns", err);
            return -1;
        }
    }
    for (size_t i = 0; i < cfg->n_connect_to; i++) {
        if (resolve(e, cfg->connect_to[i].host, cfg->connect_to[i].port, err, errlen) < 0) {
            errors_add(&e->total.errors, "dns", err);
            return -1;
        }
    }
    e->syn_linear_timeouts = tcp_syn_linear_timeouts();

    if (cfg->events_path) {
        e->events_fd =
            events_open(cfg->events_path, e->events_tmp, sizeof e->events_tmp, err, errlen);
        if (e->events_fd < 0) return -1;
    }
    e->done_fd = eventfd(0, EFD_CLOEXEC);
    if (e->done_fd < 0) {
        snprintf(err, errlen, "eventfd: %s", strerror(errno));
        return -1;
    }
    e->n_workers = cfg->threads;
    e->workers = calloc(e->n_workers, sizeof(worker_t));
    if (!e->workers) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (uint32_t i = 0; i < e->n_workers; i++) {
        uint32_t share = cfg->connections / e->n_workers + (i < cfg->connections % e->n_workers);
        if (worker_init(&e->workers[i], e, i, share, err, errlen) < 0) return -1;
    }
    return 0;
}

void engine_stop(engine_t *e, int how)
{
    int cur = atomic_load(&e->stop);
    if (how <= cur) return;
    atomic_store(&e->stop, how);
    for (uint32_t i = 0; i < e->n_workers; i++)
        if (e->workers[i].loop) ev_async_send(e->workers[i].loop, &e->workers[i].wake);
}

int engine_start(engine_t *e, char *err, size_t errlen)
{
    pthread_barrier_init(&e->barrier, NULL, e->n_workers + 1);
    for (uint32_t i = 0; i < e->n_workers; i++) {
        if (pthread_create(&e->workers[i].thread, NULL, worker_main, &e->workers[i]) != 0) {
            snprintf(err, errlen, "could not start worker thread %u", i);
            /* Threads already started wait at the barrier forever otherwise. */
            e->n_workers = i;
            return -1;
        }
    }
    /* Everyone starts together. The schedule is fixed before the barrier
     * opens, so every worker arms its warm-up and deadline timers against
     * the same instants. */
    e->t_start = clock_now();
    e->t_measure = e->t_start + (mono_ns)(e->cfg->warmup_s * 1e9);
    e->t_deadline = e->cfg->duration_s > 0 ? e->t_measure + (mono_ns)(e->cfg->duration_s * 1e9) : 0;
    pthread_barrier_wait(&e->barrier);
    return 0;
}

void engine_collect(engine_t *e)
{
    /* The run ends when the last worker's last connection ended, not when
     * the supervisor noticed. */
    e->t_end = e->t_start;
    for (uint32_t i = 0; i < e->n_workers; i++)
        if (e->workers[i].t_finished > e->t_end) e->t_end = e->workers[i].t_finished;
    e->series.start = e->t_measure;
    for (uint32_t i = 0; i < e->n_workers; i++) {
        worker_t *w = &e->workers[i];
        results_merge(&e->total, w->res);
        series_merge(&e->series, &w->series);
        slowest_merge(&e->slowest, &w->slowest);
        e->events_lines += w->events.lines;
        e->events_errors += w->events.write_errors;
    }
    pthread_barrier_destroy(&e->barrier);
}

void engine_free(engine_t *e)
{
    for (uint32_t i = 0; e->workers && i < e->cfg->threads; i++)
        worker_free(&e->workers[i]);
    free(e->workers);
    e->workers = NULL;
    series_free(&e->series);
    slowest_free(&e->slowest);
    if (e->done_fd > 0) close(e->done_fd);
    e->done_fd = -1;
    if (e->events_fd >= 0) { /* not committed: an aborted start */
        close(e->events_fd);
        unlink(e->events_tmp);
        e->events_fd = -1;
    }
}

double engine_measured_seconds(const engine_t *e)
{
    if (!e->t_end || e->t_end <= e->t_measure) return 0;
    return (e->t_end - e->t_measure) / 1e9;
}
