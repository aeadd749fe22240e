/* h2_mem.c - see h2_mem.h. Every block carries a 16-byte header: its class
 * (or H2_MEM_BIG with the size), and whether it was mapped. */
#include "layers/h2_mem.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HDR 16 /* keeps max_align_t alignment */
#define H2_MEM_BIG 0xffffu

typedef struct block_hdr {
    uint32_t cls;
    uint32_t mapped;
    uint64_t size; /* usable bytes */
} block_hdr_t;

_Static_assert(sizeof(block_hdr_t) == HDR, "block header must keep 16-byte alignment");

/* Class k: 32 << (k / 4) scaled by (4 + k % 4) / 4: 32, 40, 48, 56, 64, 80, ... */
static size_t class_size(unsigned k)
{
    return ((size_t)32 << (k / 4)) / 4 * (4 + k % 4);
}

static unsigned class_of(size_t n)
{
    unsigned k = 0;
    if (n <= 32) return 0;
    /* Skip whole powers of two, then step within one. */
    while (k + 4 < H2_MEM_CLASSES && class_size(k + 4) < n)
        k += 4;
    while (k < H2_MEM_CLASSES && class_size(k) < n)
        k++;
    return k < H2_MEM_CLASSES ? k : H2_MEM_BIG;
}

static void *sys_alloc(h2_mem_cache_t *c, size_t size, uint32_t cls)
{
    size_t total = size + HDR;
    block_hdr_t *h;
    uint32_t mapped = 0;
    if (c->lazy_map && size >= H2_MEM_MAP_MIN) {
        void *p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return NULL;
        h = p;
        mapped = 1;
    } else {
        h = malloc(total);
        if (!h) return NULL;
    }
    c->from_system++;
    h->cls = cls;
    h->mapped = mapped;
    h->size = size;
    return (uint8_t *)h + HDR;
}

static void sys_free(block_hdr_t *h)
{
    if (h->mapped)
        munmap(h, h->size + HDR);
    else
        free(h);
}

static block_hdr_t *hdr_of(void *ptr)
{
    return (block_hdr_t *)((uint8_t *)ptr - HDR);
}

static void *m_malloc(size_t size, void *ud)
{
    h2_mem_cache_t *c = ud;
    unsigned k = class_of(size ? size : 1);
    if (k == H2_MEM_BIG) return sys_alloc(c, size, H2_MEM_BIG);
    void *p = c->free_list[k];
    if (p) {
        memcpy(&c->free_list[k], p, sizeof(void *)); /* next link lives in the block */
        c->n_free[k]--;
        return p;
    }
    return sys_alloc(c, class_size(k), k);
}

static void m_free(void *ptr, void *ud)
{
    h2_mem_cache_t *c = ud;
    if (!ptr) return;
    block_hdr_t *h = hdr_of(ptr);
    if (h->cls == H2_MEM_BIG || c->n_free[h->cls] >= H2_MEM_KEEP) {
        sys_free(h);
        return;
    }
    memcpy(ptr, &c->free_list[h->cls], sizeof(void *));
    c->free_list[h->cls] = ptr;
    c->n_free[h->cls]++;
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
    if (!ptr) return m_malloc(size, ud);
    block_hdr_t *h = hdr_of(ptr);
    if (size <= h->size) return ptr; /* the class already has room */
    void *n = m_malloc(size, ud);
    if (!n) return NULL;
    memcpy(n, ptr, h->size);
    m_free(ptr, ud);
    return n;
}

void h2_mem_init(h2_mem_cache_t *c, bool lazy_map)
{
    memset(c, 0, sizeof *c);
    c->lazy_map = lazy_map;
    c->mem = (nghttp2_mem){c, m_malloc, m_free, m_calloc, m_realloc};
}

void h2_mem_free(h2_mem_cache_t *c)
{
    for (unsigned k = 0; k < H2_MEM_CLASSES; k++) {
        void *p = c->free_list[k];
        while (p) {
            void *next;
            memcpy(&next, p, sizeof next);
            sys_free(hdr_of(p));
            p = next;
        }
        c->free_list[k] = NULL;
        c->n_free[k] = 0;
    }
}
