/* tls_mem.h - OpenSSL's allocator: a per-thread cache of freed blocks.
 *
 * OpenSSL 3.0 allocates three to five times per TLS record in steady state
 * (record buffers released after each record, and objects its AES-GCM path
 * creates and frees for every record it opens), and hundreds of times per
 * handshake. A worker thread keeps the blocks OpenSSL frees and hands them
 * back on the next request for the same size, so in steady state OpenSSL
 * makes no malloc call at all.
 *
 * The blocks stay glibc blocks: a freed block is filed under its
 * malloc_usable_size(), and a request of n bytes looks in the bin of the
 * usable size glibc would give n. So the cache adds no header and no
 * rounding to any allocation (idle connections hold exactly what they held
 * with plain malloc), a block may be freed by any thread, cached or not,
 * and threads without a cache (the main thread, the embedded server) use
 * malloc directly. Each cache is bounded per bin and in total bytes. */
#ifndef TLSPROF_TLS_MEM_H
#define TLSPROF_TLS_MEM_H

#include <stddef.h>
#include <stdint.h>

/* Usable sizes 24 .. 40952 bytes, one bin per 16-byte glibc chunk size:
 * every record buffer (about 17 KiB) and handshake buffer (21 KiB) fits. */
#define TLS_MEM_BINS 2560
/* At most this many cached blocks per bin, and bytes per thread. */
#define TLS_MEM_KEEP 256
#define TLS_MEM_MAX_BYTES (16u << 20)

typedef struct tls_mem_cache {
    void *bin[TLS_MEM_BINS];
    uint16_t n[TLS_MEM_BINS];
    size_t bytes;   /* cached, each block counted as its bin's size */
    uint64_t hits;  /* requests served from the cache */
    uint64_t calls; /* requests */
} tls_mem_cache_t;

/* Route OpenSSL's allocations through here. Must run before anything
 * allocates through OpenSSL (first thing in main); returns -1 otherwise, and
 * OpenSSL then simply keeps using malloc. */
int tls_mem_install(void);
/* The calling thread caches into c from now on (c zeroed by the caller). */
void tls_mem_attach(tls_mem_cache_t *c);
/* Stop caching on this thread and give every cached block back to malloc. */
void tls_mem_detach(void);

/* Exposed for tests: the bin of a request of n bytes (TLS_MEM_BINS when too
 * large to cache), and of a block whose usable size is u. */
unsigned tls_mem_bin_of_request(size_t n);
unsigned tls_mem_bin_of_usable(size_t u);

#endif
