/* engine.h - threads, work distribution and the run's shared, read-mostly state.
 *
 * N worker threads each run one libev loop behind a start barrier. Work is
 * handed out from one atomic counter, so a slow connection never stalls a
 * thread's share. Workers share nothing mutable besides that counter and the
 * stop flag; their results are merged after join. */
#ifndef TLSPROF_ENGINE_H
#define TLSPROF_ENGINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config/config.h"
#include "measure/clock.h"
#include "measure/results.h"
#include "measure/series.h"
#include "measure/slowest.h"

#define ENGINE_MAX_TARGETS 16

typedef struct target {
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char label[80]; /* "127.0.0.1:8443" */
} target_t;

enum { STOP_NONE = 0, STOP_GRACEFUL = 1, STOP_ABORT = 2 };

struct worker;

typedef struct engine {
    const run_config_t *cfg;
    target_t targets[ENGINE_MAX_TARGETS];
    uint32_t n_targets;
    uint64_t dns_ns;              /* time the name resolution took */
    unsigned syn_linear_timeouts; /* net.ipv4.tcp_syn_linear_timeouts, read once */

    _Atomic uint64_t next_request; /* requests claimed so far (after warm-up) */
    _Atomic uint64_t requests_done;
    _Atomic uint64_t requests_errored;
    _Atomic uint64_t connections_closed; /* pooled: every slot that went back to idle */
    _Atomic int stop;
    _Atomic int stop_reason; /* signal number, 0 for normal end */

    mono_ns t_start;    /* all workers released from the barrier */
    mono_ns t_measure;  /* end of warm-up */
    mono_ns t_deadline; /* end of -D, 0 if none */
    mono_ns t_end;      /* last worker finished */

    struct worker *workers;
    uint32_t n_workers;
    int done_fd; /* eventfd: each worker adds 1 when it finishes */
    pthread_barrier_t barrier;

    results_t total; /* merged after join */
    series_t series;
    slowest_t slowest;
    int events_fd;         /* -1 without --events */
    char events_tmp[4096]; /* written under this name, renamed at the end */
    uint64_t events_lines, events_errors;
} engine_t;

/* Resolve targets and prepare workers. Returns 0 or -1 with err. */
int engine_init(engine_t *e, const run_config_t *cfg, char *err, size_t errlen);
/* Start the workers; returns once they are all released together. */
int engine_start(engine_t *e, char *err, size_t errlen);
/* After every worker thread has been joined: merge results into e->total. */
void engine_collect(engine_t *e);
/* Measured duration (warm-up excluded), in seconds. */
double engine_measured_seconds(const engine_t *e);
/* Async-signal-safe enough: sets the stop flag and wakes every worker. */
void engine_stop(engine_t *e, int how);
void engine_free(engine_t *e);

#endif
