/* h2_mem.h - nghttp2's allocator: a per-worker cache of freed blocks, and
 * one frame buffer shared by all of a worker's sessions.
 *
 * Block cache. nghttp2 allocates about 17 times per request (stream state,
 * header buffers, frames) and frees it all again when the stream closes.
 * Going through malloc for each made allocation the largest item of
 * tlsprof's own per-request CPU after the kernel. Each worker keeps its
 * freed blocks in size classes (four per power of two, so rounding wastes
 * at most 25%) and hands them out again: in steady state a request
 * allocates nothing from malloc. The cache belongs to one worker thread,
 * like the sessions that use it, so it needs no lock; it is bounded per
 * class.
 *
 * Shared frame buffer. Every nghttp2 session keeps a 16 KiB buffer that it
 * serialises outgoing frames into (its "framebufs"); nghttp2_session_mem_send
 * serialises a frame there and hands the caller a whole chunk's bytes, which
 * conn_flush copies (to the socket or its pending buffer) before it calls
 * again. A worker runs one session at a time, so all of its sessions can
 * use the same first chunk: that saves 16 KiB per connection in fresh mode
 * and the written page (4 KiB) of every idle pooled connection. The one
 * thing a session writes there outside mem_send is the client connection
 * preface, at creation; h2_start takes it out at once (h2_client.c). A
 * header block over 16 KiB spans more chunks, serialised at once and handed
 * out one per call: a session whose socket blocks half way keeps the rest
 * until its next flush, so those chunks are the session's own. A frame
 * buffer chunk is recognised by its request: realloc(NULL,
 * H2_MEM_FRAME_CHUNK), which is how nghttp2 1.x allocates its bufs chunks
 * and nothing else.
 *
 * Each session gets its own h2_mem_session_t (its nghttp2_mem user data),
 * which records whether it holds the shared chunk. */
#ifndef TLSPROF_H2_MEM_H
#define TLSPROF_H2_MEM_H

#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Classes 32 B .. 56 KiB; larger blocks go straight to malloc. */
#define H2_MEM_CLASSES 44
/* Freed blocks kept per class; beyond that they are released. */
#define H2_MEM_KEEP 4096
/* nghttp2's frame buffer chunk: frame header, pad length, max payload. */
#define H2_MEM_FRAME_CHUNK (9 + 1 + 16384)

typedef struct h2_mem_cache {
    void *free_list[H2_MEM_CLASSES];
    uint32_t n_free[H2_MEM_CLASSES];
    uint64_t from_system; /* blocks that came from malloc (for tests) */
    void *shared;         /* the shared frame buffer chunk, allocated on first use */
} h2_mem_cache_t;

typedef struct h2_mem_session {
    nghttp2_mem mem; /* what nghttp2 is given; mem_user_data points here */
    h2_mem_cache_t *cache;
    bool shared_held; /* this session's first frame buffer chunk is cache->shared */
} h2_mem_session_t;

void h2_mem_init(h2_mem_cache_t *c);
/* Release every cached block and the shared chunk. Sessions using the
 * cache must be gone. */
void h2_mem_free(h2_mem_cache_t *c);
/* Per session, before nghttp2_session_*_new3(..., &s->mem); s must outlive
 * the session. */
void h2_mem_session_init(h2_mem_session_t *s, h2_mem_cache_t *c);

/* Exposed for tests: the class of a request of n bytes (H2_MEM_CLASSES when
 * too large) and the usable size of class k. */
unsigned h2_mem_class_of(size_t n);
size_t h2_mem_class_size(unsigned k);

#endif
