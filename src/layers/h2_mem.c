/* h2_mem.c - see h2_mem.h. Each block carries a 16-byte header with its
 * size, so free and realloc know whether it was mapped. */
#include "layers/h2_mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HDR 16 /* keeps max_align_t alignment */

static void *block_new(size_t size)
{
    size_t total = size + HDR;
    uint8_t *p;
    if (size >= H2_MEM_MAP_MIN) {
        p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return NULL;
    } else {
        p = malloc(total);
        if (!p) return NULL;
    }
    memcpy(p, &size, sizeof size);
    return p + HDR;
}

static size_t block_size(const void *ptr)
{
    size_t size;
    memcpy(&size, (const uint8_t *)ptr - HDR, sizeof size);
    return size;
}

static void block_free(void *ptr)
{
    if (!ptr) return;
    size_t size = block_size(ptr);
    uint8_t *p = (uint8_t *)ptr - HDR;
    if (size >= H2_MEM_MAP_MIN) munmap(p, size + HDR);
    else free(p);
}

static void *m_malloc(size_t size, void *ud)
{
    (void)ud;
    return block_new(size);
}

static void m_free(void *ptr, void *ud)
{
    (void)ud;
    block_free(ptr);
}

static void *m_calloc(size_t n, size_t size, void *ud)
{
    (void)ud;
    if (size && n > SIZE_MAX / size) return NULL;
    void *p = block_new(n * size);
    /* Fresh mappings are zero already; do not touch their pages. */
    if (p && n * size < H2_MEM_MAP_MIN) memset(p, 0, n * size);
    return p;
}

static void *m_realloc(void *ptr, size_t size, void *ud)
{
    (void)ud;
    if (!ptr) return block_new(size);
    size_t old = block_size(ptr);
    if (old < H2_MEM_MAP_MIN && size < H2_MEM_MAP_MIN) {
        uint8_t *p = realloc((uint8_t *)ptr - HDR, size + HDR);
        if (!p) return NULL;
        memcpy(p, &size, sizeof size);
        return p + HDR;
    }
    void *n = block_new(size);
    if (!n) return NULL;
    memcpy(n, ptr, old < size ? old : size);
    block_free(ptr);
    return n;
}

nghttp2_mem *h2_mem_lazy(void)
{
    static nghttp2_mem mem = {NULL, m_malloc, m_free, m_calloc, m_realloc};
    return &mem;
}
