/* test_h2_mem.c - nghttp2's per-worker allocator (h2_mem.c).
 *
 * Block cache: the class of every size is the smallest class that holds it
 * (checked against a plain search over all sizes), blocks are recycled (no
 * new system allocation in steady state), zeroed by calloc, kept by realloc,
 * all released at the end (ASan/valgrind runs check).
 *
 * Shared frame buffer: two client sessions that share one buffer, driven
 * in turn as the engine drives them, deliver exactly their own requests to
 * two independent nghttp2 servers; header blocks over 16 KiB (several
 * chunks) included. The servers' decoded headers are the truth. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <string.h>

#include "layers/h2_mem.h"

static void class_is_smallest_that_fits(void **state)
{
    (void)state;
    for (unsigned k = 1; k < H2_MEM_CLASSES; k++)
        assert_true(h2_mem_class_size(k) > h2_mem_class_size(k - 1));
    size_t largest = h2_mem_class_size(H2_MEM_CLASSES - 1);
    for (size_t n = 1; n <= largest + 100; n++) {
        unsigned want = 0;
        while (want < H2_MEM_CLASSES && h2_mem_class_size(want) < n)
            want++;
        unsigned got = h2_mem_class_of(n);
        if (got != want) fail_msg("size %zu: class %u, expected %u", n, got, want);
    }
    assert_int_equal(h2_mem_class_of((size_t)1 << 40), H2_MEM_CLASSES);
}

static void steady_state_allocates_nothing_new(void **state)
{
    (void)state;
    h2_mem_cache_t c;
    h2_mem_init(&c);
    h2_mem_session_t s;
    h2_mem_session_init(&s, &c);
    nghttp2_mem *m = &s.mem;
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
    h2_mem_init(&c);
    h2_mem_session_t s;
    h2_mem_session_init(&s, &c);
    nghttp2_mem *m = &s.mem;
    uint8_t *a = m->malloc(200, m->mem_user_data);
    memset(a, 0xff, 200);
    m->free(a, m->mem_user_data);
    uint8_t *b = m->calloc(50, 4, m->mem_user_data);
    assert_ptr_equal(a, b); /* the same block, recycled */
    for (int i = 0; i < 200; i++)
        assert_int_equal(b[i], 0);
    for (int i = 0; i < 200; i++)
        b[i] = (uint8_t)i;
    uint8_t *r = m->realloc(b, 20000, m->mem_user_data);
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

static void frame_chunks_are_shared_between_sessions(void **state)
{
    (void)state;
    h2_mem_cache_t c;
    h2_mem_init(&c);
    h2_mem_session_t a, b;
    h2_mem_session_init(&a, &c);
    h2_mem_session_init(&b, &c);
    void *a0 = a.mem.realloc(NULL, H2_MEM_FRAME_CHUNK, a.mem.mem_user_data);
    void *b0 = b.mem.realloc(NULL, H2_MEM_FRAME_CHUNK, b.mem.mem_user_data);
    void *a1 = a.mem.realloc(NULL, H2_MEM_FRAME_CHUNK, a.mem.mem_user_data);
    void *b1 = b.mem.realloc(NULL, H2_MEM_FRAME_CHUNK, b.mem.mem_user_data);
    assert_non_null(a0);
    assert_ptr_equal(a0, b0);     /* first chunks: the same memory across sessions */
    assert_ptr_not_equal(a0, a1); /* further chunks: each session's own */
    assert_ptr_not_equal(a1, b1);
    assert_ptr_not_equal(b0, b1);
    memset(a1, 7, H2_MEM_FRAME_CHUNK);
    uint64_t from_system = c.from_system;
    a.mem.free(a0, a.mem.mem_user_data);
    void *again = a.mem.realloc(NULL, H2_MEM_FRAME_CHUNK, a.mem.mem_user_data);
    assert_ptr_equal(again, a0); /* released by a, taken again */
    assert_int_equal(c.from_system, from_system);
    /* Growing a chunk gives the session a larger private copy. */
    uint8_t *grown = a.mem.realloc(a1, 2 * H2_MEM_FRAME_CHUNK, a.mem.mem_user_data);
    assert_ptr_not_equal(grown, a1);
    assert_int_equal(grown[H2_MEM_FRAME_CHUNK - 1], 7);
    a.mem.free(grown, a.mem.mem_user_data);
    a.mem.free(again, a.mem.mem_user_data);
    b.mem.free(b1, b.mem.mem_user_data);
    b.mem.free(b0, b.mem.mem_user_data);
    assert_false(a.shared_held);
    assert_false(b.shared_held);
    h2_mem_free(&c);
}

/* ---- two real sessions on one shared buffer ---------------------------- */

typedef struct server_side {
    nghttp2_session *s;
    char got[8][128]; /* value of x-id per stream received, in order */
    size_t big_len[8];
    int n;
} server_side_t;

static int srv_on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
                         size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                         void *user)
{
    (void)s;
    (void)flags;
    server_side_t *ss = user;
    int i = (f->hd.stream_id - 1) / 2;
    if (i < 0 || i >= 8) return 0;
    if (namelen == 4 && !memcmp(name, "x-id", 4)) {
        snprintf(ss->got[i], sizeof ss->got[i], "%.*s", (int)valuelen, value);
        if (i + 1 > ss->n) ss->n = i + 1;
    } else if (namelen == 5 && !memcmp(name, "x-big", 5)) {
        for (size_t k = 0; k < valuelen; k++)
            if (value[k] != (uint8_t)('a' + i)) return NGHTTP2_ERR_CALLBACK_FAILURE;
        ss->big_len[i] = valuelen;
    }
    return 0;
}

/* What the client has to send, the way conn_flush moves it: each chunk
 * copied out before the next nghttp2 call; then fed to the server. With
 * `calls` limited, the socket "blocks" after that many nghttp2 calls: the
 * bytes so far go out (as conn_flush keeps them in its pending buffer) and
 * the rest of the session's frames stay inside nghttp2 until the next pump. */
static void pump_some(nghttp2_session *client, bool *preface, server_side_t *srv, int calls)
{
    static uint8_t out[256 * 1024];
    size_t n = 0;
    if (*preface) {
        memcpy(out, NGHTTP2_CLIENT_MAGIC, NGHTTP2_CLIENT_MAGIC_LEN);
        n = NGHTTP2_CLIENT_MAGIC_LEN;
        *preface = false;
    }
    for (int i = 0; i < calls; i++) {
        const uint8_t *data;
        ssize_t len = nghttp2_session_mem_send(client, &data);
        assert_true(len >= 0);
        if (len == 0) break;
        assert_true(n + (size_t)len <= sizeof out);
        memcpy(out + n, data, (size_t)len);
        n += (size_t)len;
    }
    assert_int_equal(nghttp2_session_mem_recv(srv->s, out, n), (ssize_t)n);
}

/* Everything the client has to send. */
static void pump(nghttp2_session *client, bool *preface, server_side_t *srv)
{
    pump_some(client, preface, srv, INT_MAX);
}

static nghttp2_session *client_new(h2_mem_session_t *m, bool *preface)
{
    nghttp2_session_callbacks *cb;
    assert_int_equal(nghttp2_session_callbacks_new(&cb), 0);
    nghttp2_option *opt;
    assert_int_equal(nghttp2_option_new(&opt), 0);
    nghttp2_option_set_max_send_header_block_length(opt, 64 * 1024);
    nghttp2_session *s;
    assert_int_equal(nghttp2_session_client_new3(&s, cb, NULL, opt, &m->mem), 0);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cb);
    /* As h2_start does: the preface leaves the shared buffer now. */
    const uint8_t *magic;
    assert_int_equal(nghttp2_session_mem_send(s, &magic), NGHTTP2_CLIENT_MAGIC_LEN);
    *preface = true;
    assert_int_equal(nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, NULL, 0), 0);
    return s;
}

static void server_new(server_side_t *ss)
{
    memset(ss, 0, sizeof *ss);
    nghttp2_session_callbacks *cb;
    assert_int_equal(nghttp2_session_callbacks_new(&cb), 0);
    nghttp2_session_callbacks_set_on_header_callback(cb, srv_on_header);
    assert_int_equal(nghttp2_session_server_new(&ss->s, cb, ss), 0);
    nghttp2_session_callbacks_del(cb);
}

static void submit(nghttp2_session *s, const char *who, int i, size_t big)
{
    static char value[8][128];
    static uint8_t bigval[8][40000];
    snprintf(value[i], sizeof value[i], "%s-%d", who, i);
    memset(bigval[i], 'a' + i, sizeof bigval[i]);
    nghttp2_nv nv[] = {
        {(uint8_t *)":method", (uint8_t *)"GET", 7, 3, 0},
        {(uint8_t *)":scheme", (uint8_t *)"https", 7, 5, 0},
        {(uint8_t *)":authority", (uint8_t *)"x", 10, 1, 0},
        {(uint8_t *)":path", (uint8_t *)"/", 5, 1, 0},
        {(uint8_t *)"x-id", (uint8_t *)value[i], 4, strlen(value[i]), 0},
        {(uint8_t *)"x-big", bigval[i], 5, big, NGHTTP2_NV_FLAG_NO_INDEX},
    };
    assert_true(nghttp2_submit_request(s, NULL, nv, big ? 6 : 5, NULL, NULL) > 0);
}

/* Two client sessions on one worker cache, each talking to its own server. */
typedef struct pair {
    h2_mem_cache_t c;
    h2_mem_session_t ma, mb;
    bool pa, pb; /* preface still to send */
    nghttp2_session *a, *b;
    server_side_t sa, sb;
} pair_t;

static void pair_open(pair_t *t)
{
    h2_mem_init(&t->c);
    h2_mem_session_init(&t->ma, &t->c);
    h2_mem_session_init(&t->mb, &t->c);
    t->a = client_new(&t->ma, &t->pa);
    t->b = client_new(&t->mb, &t->pb);
    server_new(&t->sa);
    server_new(&t->sb);
}

/* Ends everything; the sessions gave the shared chunk back. */
static void pair_close(pair_t *t)
{
    nghttp2_session_del(t->a);
    nghttp2_session_del(t->b);
    nghttp2_session_del(t->sa.s);
    nghttp2_session_del(t->sb.s);
    assert_false(t->ma.shared_held);
    assert_false(t->mb.shared_held);
    h2_mem_free(&t->c);
}

/* A session blocked half way through a header block over 16 KiB (the rest
 * of its HEADERS/CONTINUATION still inside nghttp2) while another session
 * sends a big header block of its own: neither may overwrite the other. */
static void a_blocked_big_header_block_survives_another_session(void **state)
{
    (void)state;
    pair_t t;
    pair_open(&t);
    pump(t.a, &t.pa, &t.sa); /* SETTINGS out of the way */
    pump(t.b, &t.pb, &t.sb);
    submit(t.a, "a", 0, 40000); /* three chunks */
    submit(t.b, "b", 0, 40000);
    pump_some(t.a, &t.pa, &t.sa, 1); /* only the first chunk leaves */
    pump(t.b, &t.pb, &t.sb);
    pump(t.a, &t.pa, &t.sa);
    assert_int_equal(t.sa.n, 1);
    assert_int_equal(t.sb.n, 1);
    assert_string_equal(t.sa.got[0], "a-0");
    assert_string_equal(t.sb.got[0], "b-0");
    assert_int_equal(t.sa.big_len[0], 40000);
    assert_int_equal(t.sb.big_len[0], 40000);
    pair_close(&t);
}

static void sessions_sharing_a_buffer_send_their_own_frames(void **state)
{
    (void)state;
    pair_t t;
    pair_open(&t); /* both created before either sends: the preface must not be lost */
    /* Requests queued on both, then each session sent in turn; stream 2
     * and 5 carry a 30 KiB header (two or more chunks). */
    for (int i = 0; i < 6; i++) {
        submit(t.a, "a", i, i == 2 ? 30000 : 0);
        submit(t.b, "b", i, i == 5 ? 30000 : 0);
        if (i % 2) {
            pump(t.a, &t.pa, &t.sa);
            pump(t.b, &t.pb, &t.sb);
        }
    }
    assert_int_equal(t.sa.n, 6);
    assert_int_equal(t.sb.n, 6);
    for (int i = 0; i < 6; i++) {
        char want[32];
        snprintf(want, sizeof want, "a-%d", i);
        assert_string_equal(t.sa.got[i], want);
        snprintf(want, sizeof want, "b-%d", i);
        assert_string_equal(t.sb.got[i], want);
    }
    assert_int_equal(t.sa.big_len[2], 30000);
    assert_int_equal(t.sb.big_len[5], 30000);
    pair_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(class_is_smallest_that_fits),
        cmocka_unit_test(steady_state_allocates_nothing_new),
        cmocka_unit_test(calloc_zeroes_recycled_and_realloc_keeps),
        cmocka_unit_test(frame_chunks_are_shared_between_sessions),
        cmocka_unit_test(a_blocked_big_header_block_survives_another_session),
        cmocka_unit_test(sessions_sharing_a_buffer_send_their_own_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
