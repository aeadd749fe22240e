/* test_tls_mem.c - OpenSSL's per-thread allocator cache (tls_mem.c).
 *
 * Truth: arithmetic checked over every size (a bin never hands out a block
 * smaller than a request it serves), glibc's own malloc_usable_size (a freed
 * block comes back to the request of its size), the cache's counters over
 * a known sequence of OpenSSL allocations, and ASan (the sanitizer suite
 * runs this too) for out-of-bounds use and leaks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <malloc.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "layers/tls_mem.h"

/* A bin promises 24 + 16k usable bytes: every request it serves fits, and
 * every block filed under it has at least that much. */
static void bins_never_hand_out_too_little(void **state)
{
    (void)state;
    for (size_t n = 0; n <= 24 + 16 * (size_t)TLS_MEM_BINS + 100; n++) {
        unsigned k = tls_mem_bin_of_request(n);
        if (k == TLS_MEM_BINS) {
            assert_true(n > 24 + 16 * (size_t)(TLS_MEM_BINS - 1));
            continue;
        }
        assert_true(n <= 24 + 16 * (size_t)k);
        assert_true(k == 0 || n > 24 + 16 * (size_t)(k - 1)); /* the smallest that fits */
    }
    for (size_t u = 0; u <= 24 + 16 * (size_t)TLS_MEM_BINS + 100; u++) {
        unsigned k = tls_mem_bin_of_usable(u);
        if (k < TLS_MEM_BINS) assert_true(24 + 16 * (size_t)k <= u);
    }
}

/* Under glibc (not ASan or valgrind, whose usable size is the size asked
 * for) a freed block lands in the very bin the same request looks in. */
static void glibc_blocks_come_back_to_their_request(void **state)
{
    (void)state;
    void *probe = malloc(1);
    size_t u1 = malloc_usable_size(probe);
    free(probe);
    if (u1 != 24) skip(); /* not glibc's allocator: only the safety above applies */
    for (size_t n = 1; n < 40000; n += 7) {
        void *p = malloc(n);
        size_t u = malloc_usable_size(p);
        free(p);
        if (tls_mem_bin_of_request(n) == TLS_MEM_BINS) continue;
        assert_int_equal(tls_mem_bin_of_usable(u), tls_mem_bin_of_request(n));
    }
}

static tls_mem_cache_t cache;

/* OpenSSL's own allocations, as a TLS record would make them: in steady
 * state every request is served from the cache. */
static void steady_state_is_served_from_the_cache(void **state)
{
    (void)state;
    memset(&cache, 0, sizeof cache);
    tls_mem_attach(&cache);
    /* Sizes a bin holds exactly (24 + 16k), so that ASan, whose usable
     * size is the size asked for, files each freed block where the same
     * request looks for it, as glibc does for any size. */
    static const size_t sizes[] = {24, 40, 104, 504, 1208, 17000, 18008};
    void *p[sizeof sizes / sizeof sizes[0]];
    for (int round = 0; round < 100; round++) {
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            p[i] = OPENSSL_malloc(sizes[i]);
            assert_non_null(p[i]);
            memset(p[i], 0x5a, sizes[i]); /* usable in full (ASan checks) */
        }
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
            OPENSSL_free(p[i]);
    }
    uint64_t n = sizeof sizes / sizeof sizes[0];
    assert_int_equal(cache.calls, 100 * n);
    assert_int_equal(cache.hits, 99 * n); /* all but the first round */
    /* A real OpenSSL object, made and freed through the cache. */
    for (int i = 0; i < 50; i++) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        assert_non_null(ctx);
        assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
        EVP_MD_CTX_free(ctx);
    }
    tls_mem_detach();
    assert_int_equal(cache.bytes, 0);
    for (unsigned k = 0; k < TLS_MEM_BINS; k++)
        assert_null(cache.bin[k]);
}

/* Bounded: at most TLS_MEM_KEEP blocks per bin, the rest goes to free(). */
static void the_cache_is_bounded(void **state)
{
    (void)state;
    memset(&cache, 0, sizeof cache);
    tls_mem_attach(&cache);
    enum { N = TLS_MEM_KEEP + 50 };
    static void *p[N];
    for (int i = 0; i < N; i++)
        p[i] = OPENSSL_malloc(72);
    for (int i = 0; i < N; i++)
        OPENSSL_free(p[i]);
    unsigned k = tls_mem_bin_of_request(72); /* 24 + 16 * 3: a bin size, as above */
    assert_int_equal(cache.n[k], TLS_MEM_KEEP);
    /* The byte count is exactly what the bins hold (OpenSSL may have cached
     * a few blocks of its own meanwhile, so not only ours). */
    size_t held = 0;
    for (unsigned j = 0; j < TLS_MEM_BINS; j++)
        held += (size_t)cache.n[j] * (24 + 16 * (size_t)j);
    assert_int_equal(cache.bytes, held);
    assert_true(cache.bytes >= (size_t)TLS_MEM_KEEP * 72);
    tls_mem_detach();
}

/* Bounded in bytes too: big blocks stop being kept once the cache would
 * pass TLS_MEM_MAX_BYTES, though no bin is full. */
static void the_cache_is_bounded_in_bytes(void **state)
{
    (void)state;
    memset(&cache, 0, sizeof cache);
    tls_mem_attach(&cache);
    /* Two bin sizes (24 + 16k, exact under ASan too) of about 40 KB:
     * 2 x 256 of them would be 20 MB, over the 16 MiB cap. */
    const size_t size[2] = {24 + 16 * 2500, 24 + 16 * 2400};
    enum { PER = TLS_MEM_KEEP };
    static void *p[2][PER];
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < PER; i++)
            p[s][i] = OPENSSL_malloc(size[s]);
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < PER; i++)
            OPENSSL_free(p[s][i]);
    unsigned k0 = tls_mem_bin_of_request(size[0]), k1 = tls_mem_bin_of_request(size[1]);
    assert_int_equal(cache.n[k0], PER); /* the first size fits: 10.2 MB */
    /* The second size until the cap: not all of it, and not one more fits. */
    assert_true(cache.n[k1] > 0 && cache.n[k1] < PER);
    assert_true(cache.bytes + size[1] > TLS_MEM_MAX_BYTES);
    size_t held = 0;
    for (unsigned j = 0; j < TLS_MEM_BINS; j++)
        held += (size_t)cache.n[j] * (24 + 16 * (size_t)j);
    assert_int_equal(cache.bytes, held);
    assert_true(cache.bytes <= TLS_MEM_MAX_BYTES);
    tls_mem_detach();
}

/* A block cached on one thread may be freed on another, with or without a
 * cache of its own. */
static void *free_elsewhere(void *arg)
{
    OPENSSL_free(arg); /* this thread has no cache: straight to free() */
    return NULL;
}

static void blocks_may_change_threads(void **state)
{
    (void)state;
    memset(&cache, 0, sizeof cache);
    tls_mem_attach(&cache);
    void *a = OPENSSL_malloc(312);
    OPENSSL_free(a);
    void *b = OPENSSL_malloc(312); /* the cached block */
    assert_ptr_equal(a, b);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, free_elsewhere, b), 0);
    pthread_join(t, NULL);
    tls_mem_detach();
}

int main(void)
{
    /* Before anything allocates through OpenSSL, as in tlsprof's main(). */
    if (tls_mem_install() != 0) {
        fprintf(stderr, "tls_mem_install failed\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bins_never_hand_out_too_little),
        cmocka_unit_test(glibc_blocks_come_back_to_their_request),
        cmocka_unit_test(steady_state_is_served_from_the_cache),
        cmocka_unit_test(the_cache_is_bounded),
        cmocka_unit_test(the_cache_is_bounded_in_bytes),
        cmocka_unit_test(blocks_may_change_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
