/* test_h2_mem.c - nghttp2's per-worker block cache: blocks are big enough,
 * recycled (no new system allocation in steady state), zeroed by calloc,
 * kept by realloc, and all released at the end (ASan/valgrind runs check). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "layers/h2_mem.h"

static void steady_state_allocates_nothing_new(void **state)
{
    (void)state;
    h2_mem_cache_t c;
    h2_mem_init(&c, false);
    nghttp2_mem *m = &c.mem;
    /* One "request": the sizes nghttp2 uses, allocated then freed. */
    static const size_t sizes[] = {1,   31,   32,   33,   40,    41,    100,
                                   300, 1000, 4096, 4097, 16394, 65536, 70000};
    void *p[sizeof sizes / sizeof sizes[0]];
    for (int round = 0; round < 50; round++) {
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            p[i] = m->malloc(sizes[i], m->mem_user_data);
            assert_non_null(p[i]);
            memset(p[i], 0xab, sizes[i]); /* the whole size is usable (ASan checks) */
        }
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
            m->free(p[i], m->mem_user_data);
        if (round == 0) continue;
        /* Only the two blocks above the largest class (56 KiB: 65536 and
         * 70000) come from the system again each round. */
        assert_int_equal(c.from_system, sizeof sizes / sizeof sizes[0] + 2 * (uint64_t)round);
    }
    h2_mem_free(&c);
}

static void calloc_zeroes_recycled_and_realloc_keeps(void **state)
{
    (void)state;
    h2_mem_cache_t c;
    h2_mem_init(&c, true);
    nghttp2_mem *m = &c.mem;
    uint8_t *a = m->malloc(200, m->mem_user_data);
    memset(a, 0xff, 200);
    m->free(a, m->mem_user_data);
    uint8_t *b = m->calloc(50, 4, m->mem_user_data);
    assert_ptr_equal(a, b); /* the same block, recycled */
    for (int i = 0; i < 200; i++)
        assert_int_equal(b[i], 0);
    for (int i = 0; i < 200; i++)
        b[i] = (uint8_t)i;
    uint8_t *r = m->realloc(b, 20000, m->mem_user_data); /* mapped (lazy) size */
    assert_non_null(r);
    for (int i = 0; i < 200; i++)
        assert_int_equal(r[i], (uint8_t)i);
    memset(r, 1, 20000);
    m->free(r, m->mem_user_data);
    void *z = m->realloc(NULL, 0, m->mem_user_data); /* realloc(NULL) is malloc */
    assert_non_null(z);
    m->free(z, m->mem_user_data);
    h2_mem_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(steady_state_allocates_nothing_new),
        cmocka_unit_test(calloc_zeroes_recycled_and_realloc_keeps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
