/* test_hints.c - a hint appears exactly when its evidence is present, and
 * names that evidence; a connection without evidence gets no hint. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "report/hints.h"

#define MS 1000000ull

static conn_story_t story(uint64_t connect_ms, uint64_t handshake_ms)
{
    conn_story_t s;
    memset(&s, 0, sizeof s);
    s.t.connect_start = 1000 * MS;
    s.t.tcp_up = s.t.connect_start + connect_ms * MS;
    s.t.tls_start = s.t.tcp_up;
    s.t.server_hello = s.t.tls_start + handshake_ms * MS / 2;
    s.t.tls_done = s.t.tls_start + handshake_ms * MS;
    s.t.settings = s.t.tls_done;
    s.tcp_ok = true;
    s.tcp.rtt_us = 100;
    return s;
}

static const hint_baseline_t base = {.tcp_connect_p50 = MS / 10,
                                     .tls_full_p50 = 2 * MS,
                                     .tls_resumed_p50 = MS,
                                     .ttfb_p50 = MS,
                                     .syn_initial_rto_ms = 1000};

/* Returns the hints as one string "hint|evidence;..." (static buffer). */
static const char *hints_of(const conn_story_t *s)
{
    static char out[4096];
    json_t *arr = json_array();
    story_hints(s, &base, arr);
    out[0] = 0;
    size_t i;
    json_t *h;
    json_array_foreach(arr, i, h)
    {
        strncat(out, json_string_value(json_object_get(h, "hint")), sizeof out - strlen(out) - 1);
        strncat(out, "|", sizeof out - strlen(out) - 1);
        strncat(out, json_string_value(json_object_get(h, "evidence")),
                sizeof out - strlen(out) - 1);
        strncat(out, ";", sizeof out - strlen(out) - 1);
    }
    json_decref(arr);
    return out;
}

static void normal_connection_has_no_hint(void **state)
{
    (void)state;
    conn_story_t s = story(0, 2);
    assert_string_equal(hints_of(&s), "");
}

static void syn_retransmit_named_with_count(void **state)
{
    (void)state;
    conn_story_t s = story(1003, 2);
    s.syn_retransmits = 1;
    const char *h = hints_of(&s);
    assert_non_null(strstr(h, "SYN retransmitted"));
    assert_non_null(strstr(h, "1 SYN retransmit"));
    assert_non_null(strstr(h, "ListenOverflows"));
    /* Without the TCP_INFO count, a connect past the initial RTO is only "probably". */
    s.syn_retransmits = 0;
    h = hints_of(&s);
    assert_non_null(strstr(h, "probably a SYN retransmit"));
}

static void rejected_ticket(void **state)
{
    (void)state;
    conn_story_t s = story(0, 2);
    s.tls.offered_ticket = true;
    s.tls.resumed = false;
    assert_non_null(strstr(hints_of(&s), "ticket rejected: full handshake"));
    s.tls.resumed = true;
    assert_null(strstr(hints_of(&s), "ticket rejected"));
}

static void slow_handshake_split_by_retransmits(void **state)
{
    (void)state;
    conn_story_t s = story(0, 40); /* 20x the full-handshake median */
    const char *h = hints_of(&s);
    assert_non_null(strstr(h, "server-side TLS cost or CPU saturation"));
    assert_non_null(strstr(h, "no TCP retransmits"));
    s.tcp.total_retrans = 3;
    h = hints_of(&s);
    assert_null(strstr(h, "server-side TLS cost"));
    assert_non_null(strstr(h, "3 TCP retransmit(s)"));
    /* 3 ms is under the 5 ms floor: loopback noise is not a diagnosis. */
    s = story(0, 3);
    assert_null(strstr(hints_of(&s), "server-side"));
}

/* Retransmissions the receiver D-SACKed were spurious: late ACKs, not loss. */
static void spurious_retransmits_are_not_loss(void **state)
{
    (void)state;
    conn_story_t s = story(0, 2); /* a normal handshake */
    s.tcp.total_retrans = 4;
    const char *h = hints_of(&s);
    assert_non_null(strstr(h, "packet loss on this connection"));
    s.tcp.dsack_dups = 3; /* one may have been a real loss */
    assert_non_null(strstr(hints_of(&s), "packet loss on this connection"));
    s.tcp.dsack_dups = 4;
    h = hints_of(&s);
    assert_null(strstr(h, "packet loss"));
    assert_non_null(strstr(h, "spurious retransmissions, not loss"));
    assert_non_null(strstr(h, "4 retransmit(s), 4 of them D-SACKed"));
    /* A slow handshake with only spurious retransmissions: not loss either. */
    s = story(0, 40);
    s.tcp.total_retrans = s.tcp.dsack_dups = 2;
    h = hints_of(&s);
    assert_null(strstr(h, "delayed by packet loss"));
    assert_null(strstr(h, "packet loss on this connection"));
    assert_non_null(strstr(h, "2 spurious (D-SACKed) retransmit(s), no loss"));
}

static void failure_is_stated(void **state)
{
    (void)state;
    conn_story_t s = story(0, 2);
    s.err_phase = "tls_handshake";
    strcpy(s.err_reason, "certificate verify failed");
    assert_non_null(strstr(hints_of(&s), "failed in tls_handshake: certificate verify failed"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(normal_connection_has_no_hint),
        cmocka_unit_test(syn_retransmit_named_with_count),
        cmocka_unit_test(rejected_ticket),
        cmocka_unit_test(slow_handshake_split_by_retransmits),
        cmocka_unit_test(spurious_retransmits_are_not_loss),
        cmocka_unit_test(failure_is_stated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
