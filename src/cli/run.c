/* run.c - `tlsprof run`.
 *
 * The main thread starts the workers and then only watches: signals (Ctrl-C
 * stops gracefully, a second one at once; either way the report is written),
 * the progress line, and once-a-second kernel sampling. Workers never see a
 * signal: SIGINT/SIGTERM are blocked before they are created. */
#include "cli/run.h"

#include <errno.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "engine/engine.h"
#include "engine/worker.h"
#include "config/parse.h"
#include "config/exit_codes.h"
#include "measure/kernel_view.h"
#include "measure/platform.h"
#include "bench/bench_crypto.h"
#include "report/client_cpu.h"
#include "report/events.h"
#include "report/json_file.h"
#include "report/report_html.h"
#include "report/run_warnings.h"
#include "report/slowest_json.h"
#include "report/report_json.h"
#include "report/report_text.h"

static void progress_line(const engine_t *e, mono_ns now, uint64_t *last_done, mono_ns *last_t)
{
    uint64_t done = atomic_load_explicit(&e->requests_done, memory_order_relaxed);
    uint64_t errs = atomic_load_explicit(&e->requests_errored, memory_order_relaxed);
    double dt = (now - *last_t) / 1e9;
    double rate = dt > 0 ? (double)(done - *last_done) / dt : 0;
    fprintf(stderr, "\r\033[K%.1fs  requests %llu", (now - e->t_start) / 1e9,
            (unsigned long long)done);
    if (e->cfg->requests) fprintf(stderr, "/%llu", (unsigned long long)e->cfg->requests);
    fprintf(stderr, "  %.0f req/s  errors %llu", rate, (unsigned long long)errs);
    fflush(stderr);
    *last_done = done;
    *last_t = now;
}

/* Wait for the workers (eventfd) while handling signals (signalfd), the
 * progress line and kernel sampling (poll timeout, once a second). */
/* TIME_WAIT samples (t, count) for the time series: one per second. */
typedef struct tw_log {
    uint64_t (*v)[2];
    size_t n, cap;
} tw_log_t;

static void tw_log_add(tw_log_t *l, const kernel_view_t *kv, mono_ns t)
{
    if (!kv->tw_ok) return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        void *p = realloc(l->v, cap * sizeof *l->v);
        if (!p) return; /* the series just lacks TIME_WAIT from here on */
        l->v = p;
        l->cap = cap;
    }
    l->v[l->n][0] = t;
    l->v[l->n][1] = kv->tw_last;
    l->n++;
}

static bool supervise(engine_t *e, const run_config_t *cfg, const sigset_t *sigs, kernel_view_t *kv,
                      tw_log_t *tw)
{
    bool interrupted = false;
    bool progress = !cfg->quiet && isatty(STDERR_FILENO);
    uint64_t last_done = 0;
    mono_ns last_t = e->t_start, last_tick = clock_now();
    uint32_t finished = 0, quiet_ticks = 0;
    uint64_t closed_seen = 0;
    int sfd = signalfd(-1, sigs, SFD_CLOEXEC);
    while (finished < e->n_workers) {
        struct pollfd pf[2] = {{e->done_fd, POLLIN, 0}, {sfd, POLLIN, 0}};
        mono_ns now = clock_now();
        int wait_ms = (int)((last_tick + 1000000000ull -
                             (now < last_tick + 1000000000ull ? now : last_tick + 1000000000ull)) /
                            1000000);
        poll(pf, sfd >= 0 ? 2 : 1, wait_ms);
        if (pf[0].revents & POLLIN) {
            uint64_t n;
            if (read(e->done_fd, &n, sizeof n) == sizeof n) finished += (uint32_t)n;
        }
        if (sfd >= 0 && (pf[1].revents & POLLIN)) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) == sizeof si) {
                interrupted = true;
                atomic_store(&e->stop_reason, (int)si.ssi_signo);
                int how = atomic_load(&e->stop) == STOP_NONE ? STOP_GRACEFUL : STOP_ABORT;
                if (!cfg->quiet || progress)
                    fprintf(stderr, "\n%s: %s\n", si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM",
                            how == STOP_GRACEFUL
                                ? "finishing in-flight requests (again to stop at once)"
                                : "stopping now");
                engine_stop(e, how);
            }
        }
        now = clock_now();
        if (now - last_tick >= 1000000000ull) {
            last_tick = now;
            /* A TIME_WAIT count is a walk of the kernel's whole socket hash
             * (milliseconds on a big host). Fresh runs make TIME_WAIT all the
             * time: every second. Pooled runs make it only when a
             * connection closes: then, and every 5 s regardless (other
             * processes' sockets towards the target count too). */
            uint64_t closed = atomic_load_explicit(&e->connections_closed, memory_order_relaxed);
            if (cfg->mode == MODE_FRESH || closed != closed_seen || ++quiet_ticks >= 5) {
                kernel_view_sample(kv);
                closed_seen = closed;
                quiet_ticks = 0;
            }
            tw_log_add(tw, kv, now);
            if (progress) progress_line(e, now, &last_done, &last_t);
        }
    }
    for (uint32_t i = 0; i < e->n_workers; i++)
        pthread_join(e->workers[i].thread, NULL);
    if (sfd >= 0) close(sfd);
    if (progress) fputs("\r\033[K", stderr);
    return interrupted;
}

/* Build the report from the finished run and write every output asked for.
 * Returns the exit code. */
static int finish_outputs(const run_config_t *cfg, engine_t *e, const kernel_view_t *kv,
                          const tw_log_t *tw, json_t *warnings, bool interrupted)
{
    char err[512];
    run_outcome_t out = {0};
    out.interrupted = interrupted;
    out.exit_code = interrupted ? EXIT_INTERRUPTED : report_exit_code(&e->total);
    out.platform = platform_json();
    if (cfg->crypto_bench) {
        json_t *cb = bench_crypto_run(0.2);
        if (cb) json_object_set_new(out.platform, "crypto_bench", cb);
    }
    double secs = engine_measured_seconds(e);
    out.tcp_kernel = kernel_view_json(kv, secs > 0 ? e->total.connections_established / secs : 0);
    out.client = client_cpu_json(e);
    run_warnings_add(warnings, cfg, &e->total, out.client);
    out.warnings = warnings;
    out.timeseries = series_to_json(&e->series, (const uint64_t(*)[2])tw->v, tw->n);
    out.slowest = slowest_json(e, &out.slowest_by_phase);
    if (e->events_fd >= 0) {
        if (e->events_errors) {
            snprintf(err, sizeof err, "--events %s: %llu lines could not be written (disk full?)",
                     cfg->events_path, (unsigned long long)e->events_errors);
            json_array_append_new(warnings, json_string(err));
        }
        if (events_commit(e->events_fd, e->events_tmp, cfg->events_path, err, sizeof err) < 0) {
            fprintf(stderr, "tlsprof: %s\n", err);
            out.exit_code = EXIT_INTERNAL;
        }
        e->events_fd = -1;
    }
    json_t *report = report_json_build(cfg, e, &out);
    int exit_code = out.exit_code;

    bool json_to_stdout = cfg->json_path && !strcmp(cfg->json_path, "-");
    if (!json_to_stdout && !cfg->no_text) report_text_print(stdout, report);
    if (cfg->json_path &&
        json_file_write(report, cfg->json_path, JSON_INDENT(2) | JSON_REAL_PRECISION(10), err,
                        sizeof err) < 0) {
        fprintf(stderr, "tlsprof: %s\n", err);
        exit_code = EXIT_INTERNAL;
    }
    if (cfg->html_path && report_html_write(report, cfg->html_path, err, sizeof err) < 0) {
        fprintf(stderr, "tlsprof: %s\n", err);
        exit_code = EXIT_INTERNAL;
    }
    json_decref(report);
    json_decref(out.platform);
    json_decref(out.tcp_kernel);
    json_decref(out.client);
    json_decref(out.timeseries);
    json_decref(out.slowest);
    json_decref(out.slowest_by_phase);
    return exit_code;
}

/* One run: its engine (large: the merged histograms) and kernel view live
 * on the heap for the run's duration, nothing of it in a static. */
static int run_with(const run_config_t *cfg, engine_t *e, kernel_view_t *kv)
{
    char err[512];
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    int rc = engine_init(e, cfg, err, sizeof err);
    if (rc < 0) {
        /* Nothing could start (the name does not resolve, no memory): still
         * write the report a script asked for, with the error in it. */
        fprintf(stderr, "tlsprof: %s\n", err);
        json_t *warnings = json_array();
        tw_log_t none = {0};
        finish_outputs(cfg, e, kv, &none, warnings, false);
        json_decref(warnings);
        engine_free(e);
        return EXIT_TOTAL_FAILURE;
    }
    kernel_view_begin(kv, cfg, (const struct sockaddr *)&e->targets[0].addr, e->targets[0].addrlen);
    json_t *warnings = json_array();
    char warn[512];
    if (cfg->mode == MODE_FRESH &&
        kernel_view_port_warning(kv, cfg->rate, cfg->duration_s, warn, sizeof warn)) {
        fprintf(stderr, "tlsprof: warning: %s\n", warn);
        json_array_append_new(warnings, json_string(warn));
    }
    if (engine_start(e, err, sizeof err) < 0) {
        fprintf(stderr, "tlsprof: %s\n", err);
        engine_stop(e, STOP_ABORT);
    }
    tw_log_t tw = {0};
    bool interrupted = supervise(e, cfg, &sigs, kv, &tw);
    engine_collect(e);
    kernel_view_end(kv);
    tw_log_add(&tw, kv, clock_now());
    int exit_code = finish_outputs(cfg, e, kv, &tw, warnings, interrupted);
    free(tw.v);

    json_decref(warnings);
    kernel_view_free(kv);
    engine_free(e);
    pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);
    return exit_code;
}

int run_config(const run_config_t *cfg)
{
    engine_t *e = calloc(1, sizeof *e);
    kernel_view_t *kv = calloc(1, sizeof *kv);
    int exit_code = EXIT_INTERNAL;
    if (e && kv)
        exit_code = run_with(cfg, e, kv);
    else
        fprintf(stderr, "tlsprof: out of memory\n");
    free(kv);
    free(e);
    return exit_code;
}

int run_main(int argc, char **argv)
{
    run_config_t *cfg = calloc(1, sizeof *cfg);
    if (!cfg) {
        fprintf(stderr, "tlsprof: out of memory\n");
        return EXIT_INTERNAL;
    }
    char err[1024];
    int rc = config_parse(cfg, argc, argv, err, sizeof err);
    if (rc == 1) {
        rc = EXIT_OK;
    } else if (rc < 0) {
        parse_sanitize(err); /* it may quote argv, which can hold control bytes */
        fprintf(stderr, "tlsprof: %s\n", err);
        rc = EXIT_USAGE;
    } else {
        rc = run_config(cfg);
    }
    config_free(cfg);
    free(cfg);
    return rc;
}
