/* test_story_json.c - event-log lines are valid JSON whatever a server puts
 * in an error reason, and their numbers are exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/story_json.h"

static void escapes_and_exact_numbers(void **state)
{
    (void)state;
    conn_story_t s;
    memset(&s, 0, sizeof s);
    s.id = 9223372036854775807ull; /* ids are (worker << 40) | sequence: within int64 */
    s.t.wall_connect_start = 1795000000000000000ull;
    s.local_port = 65535;
    s.t.connect_start = 1000000000ull;
    s.t.tcp_up = 1000001234ull; /* 1.234 us later */
    s.t.tls_start = s.t.tcp_up;
    s.t.tls_done = s.t.tls_start + 999999999ull;
    s.t.tls_cpu_ns = 7;
    s.err_phase = "tls_handshake";
    const char reason[] = "bad \"quote\" \\ back\x01\x1f tab\t end";
    memcpy(s.err_reason, reason, sizeof reason);
    s.tls.version = "TLSv1.3";
    char buf[4096];
    size_t n = story_format(buf, sizeof buf, &s, "[::1]:443");
    assert_true(n > 0);
    json_error_t je;
    json_t *o = json_loadb(buf, n, 0, &je);
    if (!o) fail_msg("not JSON (%s): %s", je.text, buf);
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "error"), "reason")),
                        reason);
    assert_true(json_integer_value(json_object_get(o, "id")) == 9223372036854775807ll);
    json_t *ph = json_object_get(o, "phases_us");
    assert_true(strstr(buf, "\"tcp_connect\":1.234") != NULL);
    assert_true(strstr(buf, "\"tls_handshake\":999999.999") != NULL);
    assert_true(strstr(buf, "\"tls_client_cpu\":0.007") != NULL);
    assert_true(json_is_null(json_object_get(ph, "h2_settings")));
    json_decref(o);
    /* Too small a buffer: 0, never a truncated line. */
    assert_int_equal(story_format(buf, 40, &s, "x"), 0);
}

/* The number after "KEY": in LINE must read exactly as printf writes V. */
static void expect_number(const char *line, const char *key, uint64_t v)
{
    char want[32], pat[64];
    snprintf(want, sizeof want, "%" PRIu64, v);
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *at = strstr(line, pat);
    if (!at) fail_msg("no %s in %s", pat, line);
    at += strlen(pat);
    size_t n = strspn(at, "0123456789");
    if (n != strlen(want) || memcmp(at, want, n) != 0)
        fail_msg("%s: want %s, line has %.*s (%s)", key, want, (int)(n ? n : 8), at, line);
}

static void check_stream_line(uint64_t v)
{
    conn_t c;
    stream_t st;
    memset(&c, 0, sizeof c);
    memset(&st, 0, sizeof st);
    c.id = v;
    st.id = 1;
    st.bytes = v;
    st.t_sent = 1;
    st.t_headers = v ? v : 1;
    char buf[1024];
    size_t n = stream_format(buf, sizeof buf, &c, &st, NULL, NULL);
    assert_true(n > 0 && n < sizeof buf);
    buf[n] = 0;
    expect_number(buf, "conn", v);
    expect_number(buf, "bytes", v);
    if (v) expect_number(buf, "headers", v);
    /* Still JSON wherever the digits landed. */
    json_error_t je;
    json_t *o = json_loadb(buf, n, JSON_DECODE_INT_AS_REAL, &je);
    if (!o) fail_msg("not JSON (%s): %s", je.text, buf);
    json_decref(o);
}

/* Numbers are written in place, their length worked out from the bit
 * length first: every digit-count boundary (powers of ten and of two, one
 * either side), 0, UINT64_MAX, and random values of every bit length,
 * against printf. */
static void numbers_match_printf(void **state)
{
    (void)state;
    check_stream_line(0);
    check_stream_line(UINT64_MAX);
    uint64_t p10 = 1;
    for (int k = 0; k < 20; k++, p10 *= 10) {
        check_stream_line(p10);
        check_stream_line(p10 - 1);
        check_stream_line(p10 + 1);
    }
    for (int k = 0; k < 64; k++) {
        uint64_t p2 = 1ull << k;
        check_stream_line(p2);
        check_stream_line(p2 - 1);
        check_stream_line(p2 + 1);
    }
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13; /* xorshift64: any generator will do */
        x ^= x >> 7;
        x ^= x << 17;
        check_stream_line(x >> (i % 64));
    }
    /* A line that does not fit is 0 bytes, never a cut number. */
    conn_t c;
    stream_t st;
    memset(&c, 0, sizeof c);
    memset(&st, 0, sizeof st);
    c.id = UINT64_MAX;
    char buf[30];
    assert_int_equal(stream_format(buf, sizeof buf, &c, &st, NULL, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(escapes_and_exact_numbers),
                                       cmocka_unit_test(numbers_match_printf)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
