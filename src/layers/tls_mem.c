/* tls_mem.c - see tls_mem.h.
 *
 * Bins are keyed by what a block can hold. glibc (x86_64) rounds a request
 * of n bytes up to a chunk of max(32, roundup16(n + 8)) bytes, whose usable
 * size is the chunk size minus 8: 24, 40, 56, ... So bin k holds blocks
 * with at least 24 + 16k usable bytes, and a request of n bytes is served
 * from bin ceil((n - 24) / 16). Under ASan or valgrind, malloc_usable_size
 * returns the exact size that was asked for; filing such a block under the
 * bin it can fully serve (rounding down) keeps every reuse in bounds. */
#include "layers/tls_mem.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

static _Thread_local tls_mem_cache_t *cache;

unsigned tls_mem_bin_of_request(size_t n)
{
    if (n <= 24) return 0;
    size_t k = (n - 24 + 15) / 16;
    return k < TLS_MEM_BINS ? (unsigned)k : TLS_MEM_BINS;
}

unsigned tls_mem_bin_of_usable(size_t u)
{
    if (u < 24) return TLS_MEM_BINS;
    size_t k = (u - 24) / 16;
    return k < TLS_MEM_BINS ? (unsigned)k : TLS_MEM_BINS;
}

/* The size a block of bin k is counted as (what bin k promises). */
static size_t bin_bytes(unsigned k)
{
    return 24 + 16 * (size_t)k;
}

static void *mem_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    tls_mem_cache_t *c = cache;
    if (c) {
        c->calls++;
        unsigned k = tls_mem_bin_of_request(n);
        if (k < TLS_MEM_BINS && c->bin[k]) {
            void *p = c->bin[k];
            memcpy(&c->bin[k], p, sizeof p); /* the next link lives in the block */
            c->n[k]--;
            c->bytes -= bin_bytes(k);
            c->hits++;
            return p;
        }
    }
    return malloc(n);
}

static void mem_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    if (!p) return;
    tls_mem_cache_t *c = cache;
    if (c) {
        size_t u = malloc_usable_size(p);
        unsigned k = tls_mem_bin_of_usable(u);
        if (k < TLS_MEM_BINS && c->n[k] < TLS_MEM_KEEP &&
            c->bytes + bin_bytes(k) <= TLS_MEM_MAX_BYTES) {
            memcpy(p, &c->bin[k], sizeof p);
            c->bin[k] = p;
            c->n[k]++;
            c->bytes += bin_bytes(k); /* counted as its bin, so taking it out is exact */
            return;
        }
    }
    free(p);
}

static void *mem_realloc(void *p, size_t n, const char *file, int line)
{
    if (!p) return mem_malloc(n, file, line);
    /* Every block is a glibc block, cached or not: glibc resizes it. */
    return realloc(p, n);
}

int tls_mem_install(void)
{
    return CRYPTO_set_mem_functions(mem_malloc, mem_realloc, mem_free) ? 0 : -1;
}

void tls_mem_attach(tls_mem_cache_t *c)
{
    cache = c;
}

void tls_mem_detach(void)
{
    tls_mem_cache_t *c = cache;
    cache = NULL;
    if (!c) return;
    for (unsigned k = 0; k < TLS_MEM_BINS; k++) {
        void *p = c->bin[k];
        while (p) {
            void *next;
            memcpy(&next, p, sizeof next);
            free(p);
            p = next;
        }
        c->bin[k] = NULL;
        c->n[k] = 0;
    }
    c->bytes = 0;
}
