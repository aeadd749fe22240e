/* tally.c - fixed-size name -> count tables (see tally.h for why). */
#include "measure/tally.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

size_t tally_add_at(tally_t *t, const char *name, uint64_t count)
{
    if (!name || !*name) name = "unknown";
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->items[i].name, name) == 0) {
            t->items[i].count += count;
            return i;
        }
    }
    if (t->n == TALLY_MAX) {
        t->other += count;
        return TALLY_MAX;
    }
    snprintf(t->items[t->n].name, TALLY_NAME, "%s", name);
    t->items[t->n].count = count;
    return t->n++;
}

void tally_add(tally_t *t, const char *name, uint64_t count)
{
    tally_add_at(t, name, count);
}

void tally_merge(tally_t *dst, const tally_t *src)
{
    for (size_t i = 0; i < src->n; i++)
        tally_add(dst, src->items[i].name, src->items[i].count);
    dst->other += src->other;
}

uint64_t tally_get(const tally_t *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->items[i].name, name) == 0) return t->items[i].count;
    return 0;
}

uint64_t tally_total(const tally_t *t)
{
    uint64_t sum = t->other;
    for (size_t i = 0; i < t->n; i++)
        sum += t->items[i].count;
    return sum;
}

json_t *tally_to_json(const tally_t *t)
{
    size_t order[TALLY_MAX];
    for (size_t i = 0; i < t->n; i++)
        order[i] = i;
    /* Insertion sort: at most TALLY_MAX entries, stable for equal counts. */
    for (size_t i = 1; i < t->n; i++) {
        size_t k = order[i], j = i;
        while (j > 0 && t->items[order[j - 1]].count < t->items[k].count) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = k;
    }
    json_t *o = json_object();
    for (size_t i = 0; i < t->n; i++)
        json_object_set_new(o, t->items[order[i]].name,
                            json_integer((json_int_t)t->items[order[i]].count));
    if (t->other) json_object_set_new(o, "other", json_integer((json_int_t)t->other));
    return o;
}

void errors_add(error_tally_t *e, const char *phase, const char *reason)
{
    for (size_t i = 0; i < e->n; i++) {
        if (strcmp(e->phases[i].phase, phase) == 0) {
            tally_add(&e->phases[i].reasons, reason, 1);
            return;
        }
    }
    if (e->n == ERRORS_MAX_PHASES) abort(); /* phases are a fixed, small set */
    e->phases[e->n].phase = phase;
    memset(&e->phases[e->n].reasons, 0, sizeof(tally_t));
    tally_add(&e->phases[e->n].reasons, reason, 1);
    e->n++;
}

void errors_merge(error_tally_t *dst, const error_tally_t *src)
{
    for (size_t i = 0; i < src->n; i++) {
        size_t j = 0;
        while (j < dst->n && strcmp(dst->phases[j].phase, src->phases[i].phase) != 0)
            j++;
        if (j == dst->n) {
            if (dst->n == ERRORS_MAX_PHASES) abort();
            dst->phases[j].phase = src->phases[i].phase;
            memset(&dst->phases[j].reasons, 0, sizeof(tally_t));
            dst->n++;
        }
        tally_merge(&dst->phases[j].reasons, &src->phases[i].reasons);
    }
}

uint64_t errors_total(const error_tally_t *e)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < e->n; i++)
        sum += tally_total(&e->phases[i].reasons);
    return sum;
}

json_t *errors_to_json(const error_tally_t *e)
{
    json_t *o = json_object();
    for (size_t i = 0; i < e->n; i++)
        json_object_set_new(o, e->phases[i].phase, tally_to_json(&e->phases[i].reasons));
    return o;
}
