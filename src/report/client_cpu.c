/* client_cpu.c - see client_cpu.h. Per-thread figures come from each
 * worker's CLOCK_THREAD_CPUTIME_ID over its run; user/sys for the whole
 * process come from getrusage (they include the main thread's sampling). */
#include "report/client_cpu.h"

#include <sys/resource.h>

#include "engine/worker.h"

json_t *client_cpu_json(const engine_t *e)
{
    json_t *o = json_object();
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        json_object_set_new(o, "cpu_user_s",
                            json_real(ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6));
        json_object_set_new(o, "cpu_sys_s",
                            json_real(ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6));
        json_object_set_new(o, "max_rss_kib", json_integer(ru.ru_maxrss));
    }
    json_t *threads = json_array();
    double busiest = 0;
    for (uint32_t i = 0; i < e->n_workers; i++) {
        const worker_t *w = &e->workers[i];
        double wall = w->t_finished > e->t_start ? (w->t_finished - e->t_start) / 1e9 : 0;
        double cpu = w->cpu_ns / 1e9;
        double util = wall > 0 ? cpu / wall : 0;
        if (util > 1) util = 1; /* clock granularity on very short runs */
        if (util > busiest) busiest = util;
        json_t *t = json_object();
        json_object_set_new(t, "cpu_s", json_real(cpu));
        json_object_set_new(t, "wall_s", json_real(wall));
        json_object_set_new(t, "utilisation", json_real(util));
        json_array_append_new(threads, t);
    }
    json_object_set_new(o, "threads", threads);
    json_object_set_new(o, "busiest_thread_utilisation", json_real(busiest));
    return o;
}
