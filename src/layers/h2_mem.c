/* h2_mem.c - see h2_mem.h. Every block carries a 16-byte header: its class
 * (H2_MEM_BIG for large blocks, H2_MEM_SHARED for the shared frame buffer
 * chunk) and its usable size. */
#include "layers/h2_mem.h"

#include <stdlib.h>
#include <string.h>

#define HDR 16 /* keeps max_align_t alignment */
#define H2_MEM_BIG 0xffffu
#define H2_MEM_SHARED 0xfffeu

typedef struct block_hdr {
    uint64_t cls;
    uint64_t size; /* usable bytes */
} block_hdr_t;

_Static_assert(sizeof(block_hdr_t) == HDR, "block header must keep 16-byte alignment");

/* Class k: 32 << (k / 4) scaled by (4 + k % 4) / 4: 32, 40, 48, 56, 64, 80, ... */
size_t h2_mem_class_size(unsigned k)
{
    return ((size_t)32 << (k / 4)) / 4 * (4 + k % 4);
}

/* n in (2^p, 2^(p+1)] falls between the classes 2^p * {1, 1.25, 1.5, 1.75, 2}:
 * the step is 2^(p-2), so the class is found with one bit scan instead of a
 * search (this runs for every allocation nghttp2 makes). */
unsigned h2_mem_class_of(size_t n)
{
    if (n <= 32) return 0;
    size_t m = n - 1;
    unsigned p = 63u - (unsigned)__builtin_clzll((unsigned long long)m);
    unsigned k = 4 * (p - 5) + (unsigned)((m - ((size_t)1 << p)) >> (p - 2)) + 1;
    return k < H2_MEM_CLASSES ? k : H2_MEM_CLASSES;
}

static block_hdr_t *hdr_of(void *ptr)
{
    return (block_hdr_t *)((uint8_t *)ptr - HDR);
}

static void *sys_alloc(h2_mem_cache_t *c, size_t size, uint32_t cls)
{
    block_hdr_t *h = malloc(size + HDR);
    if (!h) return NULL;
    c->from_system++;
    h->cls = cls;
    h->size = size;
    return (uint8_t *)h + HDR;
}

static void *cache_alloc(h2_mem_cache_t *c, size_t size)
{
    unsigned k = h2_mem_class_of(size ? size : 1);
    if (k == H2_MEM_CLASSES) return sys_alloc(c, size, H2_MEM_BIG);
    void *p = c->free_list[k];
    if (p) {
        memcpy(&c->free_list[k], p, sizeof(void *)); /* next link lives in the block */
        c->n_free[k]--;
        return p;
    }
    return sys_alloc(c, h2_mem_class_size(k), k);
}

static void cache_free(h2_mem_cache_t *c, void *ptr)
{
    block_hdr_t *h = hdr_of(ptr);
    if (h->cls == H2_MEM_BIG || c->n_free[h->cls] >= H2_MEM_KEEP) {
        free(h);
        return;
    }
    memcpy(ptr, &c->free_list[h->cls], sizeof(void *));
    c->free_list[h->cls] = ptr;
    c->n_free[h->cls]++;
}

/* A frame buffer chunk for session s. Its first chunk is the worker's
 * shared one: nghttp2 hands a chunk's bytes out whole, and conn_flush copies
 * them before it asks again, so no session ever needs the shared chunk's
 * contents across calls. Further chunks (a header block over 16 KiB) are
 * private: a session whose socket blocked half way keeps them, unsent, until
 * its next flush, while other sessions run. */
static void *shared_take(h2_mem_session_t *s)
{
    h2_mem_cache_t *c = s->cache;
    if (s->shared_held) return cache_alloc(c, H2_MEM_FRAME_CHUNK);
    if (!c->shared) c->shared = sys_alloc(c, H2_MEM_FRAME_CHUNK, H2_MEM_SHARED);
    if (!c->shared) return NULL;
    s->shared_held = true;
    return c->shared;
}

static void *m_malloc(size_t size, void *ud)
{
    h2_mem_session_t *s = ud;
    return cache_alloc(s->cache, size);
}

static void m_free(void *ptr, void *ud)
{
    h2_mem_session_t *s = ud;
    if (!ptr) return;
    block_hdr_t *h = hdr_of(ptr);
    if (h->cls == H2_MEM_SHARED) {
        s->shared_held = false; /* the chunk stays with the worker */
        return;
    }
    cache_free(s->cache, ptr);
}

static void *m_calloc(size_t n, size_t size, void *ud)
{
    if (size && n > SIZE_MAX / size) return NULL;
    void *p = m_malloc(n * size, ud);
    if (!p) return NULL;
    memset(p, 0, n * size); /* recycled blocks are not zero */
    return p;
}

static void *m_realloc(void *ptr, size_t size, void *ud)
{
    h2_mem_session_t *s = ud;
    if (!ptr) return size == H2_MEM_FRAME_CHUNK ? shared_take(s) : cache_alloc(s->cache, size);
    block_hdr_t *h = hdr_of(ptr);
    if (size <= h->size) return ptr; /* the class already has room */
    void *n = cache_alloc(s->cache, size);
    if (!n) return NULL;
    memcpy(n, ptr, h->size);
    m_free(ptr, ud);
    return n;
}

void h2_mem_init(h2_mem_cache_t *c)
{
    memset(c, 0, sizeof *c);
}

void h2_mem_session_init(h2_mem_session_t *s, h2_mem_cache_t *c)
{
    s->cache = c;
    s->shared_held = false;
    s->mem = (nghttp2_mem){s, m_malloc, m_free, m_calloc, m_realloc};
}

void h2_mem_free(h2_mem_cache_t *c)
{
    for (unsigned k = 0; k < H2_MEM_CLASSES; k++) {
        void *p = c->free_list[k];
        while (p) {
            void *next;
            memcpy(&next, p, sizeof next);
            free(hdr_of(p));
            p = next;
        }
        c->free_list[k] = NULL;
        c->n_free[k] = 0;
    }
    if (c->shared) free(hdr_of(c->shared));
    c->shared = NULL;
}
