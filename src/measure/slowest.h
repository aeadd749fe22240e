/* slowest.h - keep the N slowest connection stories, overall and per phase.
 *
 * A binary min-heap per list: the fastest of the kept N is at the top and is
 * what a slower newcomer replaces, so an offer costs O(log N) and memory is
 * fixed. Per worker; merged after the run. */
#ifndef TLSPROF_SLOWEST_H
#define TLSPROF_SLOWEST_H

#include <stddef.h>
#include <stdint.h>

#include "engine/story.h"

typedef enum slow_list {
    SLOW_CONNECTION, /* ranked by connect() -> last stream done (or -> failure) */
    SLOW_TCP_CONNECT,
    SLOW_TLS_HANDSHAKE,
    SLOW_H2_SETTINGS,
    SLOW_TTFB, /* the connection's slowest stream */
    SLOW_LISTS
} slow_list;

typedef struct slow_heap {
    uint32_t n, cap;
    uint64_t *key;
    conn_story_t *s;
} slow_heap_t;

typedef struct slowest {
    slow_heap_t h[SLOW_LISTS];
} slowest_t;

int slowest_init(slowest_t *sl, uint32_t n);
void slowest_free(slowest_t *sl);
void slowest_offer(slowest_t *sl, const conn_story_t *story);
void slowest_merge(slowest_t *dst, const slowest_t *src);
/* The kept stories of one list, slowest first. Sorts in place, after which
 * the list is no longer a heap: call once, when the run is over. */
const conn_story_t *slowest_sorted(slowest_t *sl, slow_list l, uint32_t *n);
const char *slow_list_phase(slow_list l);

#endif
