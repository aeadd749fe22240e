/* test_story_json.c - event-log lines are valid JSON whatever a server puts
 * in an error reason, and their numbers are exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(escapes_and_exact_numbers)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
