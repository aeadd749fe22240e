/* schedule.c - see schedule.h. */
#include "engine/schedule.h"

void schedule_init(schedule_t *s, double rate_per_s, uint32_t n_workers, uint32_t slot,
                   mono_ns start)
{
    s->on = rate_per_s > 0;
    s->started = 0;
    if (!s->on) return;
    double total_period = 1e9 / rate_per_s;
    s->period_ns = total_period * n_workers;
    s->t0 = start + (mono_ns)(total_period * slot);
}

mono_ns schedule_at(const schedule_t *s, uint64_t k)
{
    return s->t0 + (mono_ns)((double)k * s->period_ns);
}

uint64_t schedule_due(const schedule_t *s, mono_ns now)
{
    if (now < s->t0) return 0;
    uint64_t k = (uint64_t)((double)(now - s->t0) / s->period_ns) + 1;
    /* Guard the float rounding at the boundary: arrival k-1 is due only if
     * its instant is not after now. */
    while (k > 0 && schedule_at(s, k - 1) > now)
        k--;
    while (schedule_at(s, k) <= now)
        k++;
    return k;
}

bool schedule_take(schedule_t *s, mono_ns now, mono_ns *intended)
{
    if (schedule_at(s, s->started) > now) return false;
    *intended = schedule_at(s, s->started);
    s->started++;
    return true;
}
