/* h2_mem.h - nghttp2's allocator: a per-worker cache of freed blocks.
 *
 * nghttp2 allocates about 17 times per request (stream state, header
 * buffers, frames) and frees it all again when the stream closes. Going
 * through malloc for each made allocation the largest item of tlsprof's own
 * per-request CPU after the kernel. Each worker keeps its freed blocks in
 * size classes (four per power of two, so rounding wastes at most 25%) and
 * hands them out again: in steady state a request allocates nothing from
 * malloc. The cache belongs to one worker thread, like the sessions that use
 * it, so it needs no lock; it is bounded per class.
 *
 * Pooled sessions also map their 16 KiB frame buffer on its own: an idle
 * connection only ever writes its first page (SETTINGS, HEADERS,
 * WINDOW_UPDATE), and mapped memory is resident only where written. */
#ifndef TLSPROF_H2_MEM_H
#define TLSPROF_H2_MEM_H

#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Classes 32 B .. 56 KiB; larger blocks go straight to malloc. */
#define H2_MEM_CLASSES 44
/* Blocks at least this large are mapped separately when lazy_map is set. */
#define H2_MEM_MAP_MIN (12 * 1024)
/* Freed blocks kept per class; beyond that they are released. */
#define H2_MEM_KEEP 4096

typedef struct h2_mem_cache {
    nghttp2_mem mem; /* what nghttp2 is given; mem_user_data points here */
    bool lazy_map;
    void *free_list[H2_MEM_CLASSES];
    uint32_t n_free[H2_MEM_CLASSES];
    uint64_t from_system; /* blocks that came from malloc/mmap (for tests) */
} h2_mem_cache_t;

void h2_mem_init(h2_mem_cache_t *c, bool lazy_map);
/* Release every cached block. Sessions using the cache must be gone. */
void h2_mem_free(h2_mem_cache_t *c);

#endif
