/* test_faults_h2.c - faults after TLS: no SETTINGS, GOAWAY in a pooled run,
 * RST_STREAM with common codes, a response that stalls (request timeout),
 * response headers over the limit, a flow-control stall, and servers that
 * close idle pooled connections (silently, and gracefully).
 *
 * Truth that tlsprof did not compute: the embedded server's own counters
 * (requests answered, faults injected), the client's HTTP/2 window (the
 * flow-control stall must stop at exactly it), and the timeouts we set (a
 * timed-out phase lasts at least that long). */
#include "faults.h"

#include <math.h>

/* The one "stream" line of the event log whose error is not null, or NULL. */
static json_t *failed_stream_line(const char *events_path, int nth)
{
    char *text = slurp_file(events_path, NULL);
    if (!text) return NULL;
    json_t *found = NULL;
    int seen = 0;
    for (char *line = strtok(text, "\n"); line && !found; line = strtok(NULL, "\n")) {
        json_t *j = json_loads(line, 0, NULL);
        if (j && !strcmp(jstr(j, "type") ? jstr(j, "type") : "", "stream") &&
            json_is_object(json_object_get(j, "error")) && seen++ == nth) {
            found = j;
            continue;
        }
        json_decref(j);
    }
    free(text);
    return found;
}

static void test_no_settings(void **state)
{
    (void)state;
    fsrv_t f;
    fsrv_start(&f, "--fault no-settings --fault-every 2");
    run_result_t r;
    RUN(&r, 30, "run %s -n 4 --handshake-timeout 300ms --cacert %s -q", f.url, f.cert);
    CHECK(&r, r.exit_code == 1);
    expect_errors(&r, "h2_settings", "timeout: no SETTINGS from the server", 2, NULL);
    /* TLS completed on all four; SETTINGS came on two. */
    CHECK(&r, phase_count(&r, "tls_handshake") == 4);
    CHECK(&r, phase_count(&r, "h2_settings") == 2);
    CHECK(&r, sum_of(&r, "requests_ok") == 2);
    CHECK(&r, sum_of(&r, "connections_failed") == 2);
    CHECK(&r, r.wall_s >= 0.6); /* both timeouts were waited out */
    CHECK(&r, fsrv_stats(&f).faults_injected == 2);
    run_result_free(&r);
    fsrv_stop(&f);
}

/* One connection, 10 streams at a time, GOAWAY after 5 answers: each
 * connection carries 10 requests, the server answers the first 5 (streams
 * 1..9) and refuses 11..19, which must be retried on the next connection.
 * 20 requests: 5 + 5 + 5 + 5 answered on 4 connections, 15 retries. */
static void test_goaway_pooled(void **state)
{
    (void)state;
    fsrv_t f;
    fsrv_start(&f, "--fault goaway-after:5");
    run_result_t r;
    RUN(&r, 30, "run %s --mode pooled -c 1 -m 10 -n 20 --cacert %s -q", f.url, f.cert);
    server_stats_t st = fsrv_stats(&f);
    CHECK(&r, r.exit_code == 0);
    expect_errors(&r, NULL);
    CHECK(&r, sum_of(&r, "requests_ok") == 20); /* none lost */
    CHECK(&r, sum_of(&r, "requests_failed") == 0);
    CHECK(&r, sum_of(&r, "requests_retried") == 15);
    CHECK(&r, sum_of(&r, "reconnects") == 3);
    CHECK(&r, st.requests == 20); /* and none answered twice */
    CHECK(&r, st.connections_accepted == 4);
    CHECK(&r, phase_count(&r, "ttfb") == 20);
    run_result_free(&r);
    fsrv_stop(&f);

    /* Mixed: every other connection is cut by GOAWAY after 3 requests; two
     * connections, 4 streams each. Timing decides how many are refused and
     * whether the healthy connection takes all the remaining work before the
     * other reconnects, but not that every request completes exactly once.
     * The first 4 streams go out together, so the 4th is always refused. */
    fsrv_start(&f, "--fault goaway-after:3 --fault-every 2");
    RUN(&r, 30, "run %s --mode pooled -c 2 -m 4 -n 60 --cacert %s -q", f.url, f.cert);
    st = fsrv_stats(&f);
    CHECK(&r, r.exit_code == 0);
    expect_errors(&r, NULL);
    CHECK(&r, sum_of(&r, "requests_ok") == 60);
    CHECK(&r, st.requests == 60);
    CHECK(&r, sum_of(&r, "reconnects") == st.connections_accepted - 2);
    CHECK(&r, sum_of(&r, "requests_retried") >= 1);
    run_result_free(&r);
    fsrv_stop(&f);
}

static void test_rst_stream_codes(void **state)
{
    (void)state;
    static const struct {
        const char *code, *reason;
    } cases[] = {
        {"CANCEL", "RST_STREAM CANCEL"},
        {"INTERNAL_ERROR", "RST_STREAM INTERNAL_ERROR"},
        {"PROTOCOL_ERROR", "RST_STREAM PROTOCOL_ERROR"},
        {"ENHANCE_YOUR_CALM", "RST_STREAM ENHANCE_YOUR_CALM"},
        {"NO_ERROR", "stream closed without a response"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fsrv_t f;
        char opts[96];
        snprintf(opts, sizeof opts, "--fault rst-stream:%s --fault-every 2", cases[i].code);
        fsrv_start(&f, opts);
        run_result_t r;
        RUN(&r, 30, "run %s -n 4 --cacert %s -q", f.url, f.cert);
        CHECK(&r, r.exit_code == 1);
        expect_errors(&r, "ttfb", cases[i].reason, 2, NULL);
        CHECK(&r, sum_of(&r, "requests_ok") == 2);
        CHECK(&r, sum_of(&r, "requests_retried") == 0);
        /* The connections themselves were fine. */
        CHECK(&r, sum_of(&r, "connections_established") == 4);
        CHECK(&r, phase_count(&r, "ttfb") == 2);
        CHECK(&r, fsrv_stats(&f).requests == 2);
        run_result_free(&r);
        fsrv_stop(&f);
    }
}

/* REFUSED_STREAM means "not processed": retried on another connection, so
 * nothing is lost. A server refusing everything must not make the run retry
 * forever: after 8 + 2 x streams x connections retries in a row without a
 * response, refusals count as failures. */
static void test_refused_stream(void **state)
{
    (void)state;
    fsrv_t f;
    fsrv_start(&f, "--fault rst-stream:REFUSED_STREAM --fault-every 2");
    run_result_t r;
    RUN(&r, 30, "run %s -n 6 --cacert %s -q", f.url, f.cert);
    CHECK(&r, r.exit_code == 0);
    expect_errors(&r, NULL);
    CHECK(&r, sum_of(&r, "requests_ok") == 6);
    CHECK(&r, sum_of(&r, "requests_retried") == 5);
    CHECK(&r, fsrv_stats(&f).requests == 6);
    CHECK(&r, fsrv_stats(&f).faults_injected == 5);
    run_result_free(&r);
    fsrv_stop(&f);

    fsrv_start(&f, "--fault rst-stream:REFUSED_STREAM");
    RUN(&r, 30, "run %s -n 2 --cacert %s -q", f.url, f.cert);
    CHECK(&r, r.exit_code == 3);
    expect_errors(&r, "ttfb", "RST_STREAM REFUSED_STREAM (retries exhausted)", 2, NULL);
    CHECK(&r, sum_of(&r, "requests_retried") == 10); /* 8 + 2 x 1 x 1 */
    CHECK(&r, fsrv_stats(&f).faults_injected == 12);
    run_result_free(&r);
    /* Pooled, on one connection that refuses every stream: the same bound. */
    RUN(&r, 30, "run %s --mode pooled -n 3 --cacert %s -q", f.url, f.cert);
    CHECK(&r, r.exit_code == 3);
    expect_errors(&r, "ttfb", "RST_STREAM REFUSED_STREAM (retries exhausted)", 3, NULL);
    CHECK(&r, sum_of(&r, "requests_retried") == 10);
    run_result_free(&r);
    fsrv_stop(&f);
}

/* Response headers arrive, the body never does: the request times out in the
 * stream phase (it had its first byte), and the connection is then closed
 * and the next request made, in both modes. */
static void test_stall_response(void **state)
{
    (void)state;
    fsrv_t f;
    fsrv_start(&f, "--fault stall-response --fault-every 2 --body-size 1000");
    run_result_t r;
    RUN(&r, 30, "run %s -n 4 --request-timeout 300ms --cacert %s -q", f.url, f.cert);
    CHECK(&r, r.exit_code == 1);
    expect_errors(&r, "stream", "timeout", 2, NULL);
    CHECK(&r, sum_of(&r, "requests_ok") == 2);
    CHECK(&r, phase_count(&r, "ttfb") == 2);
    CHECK(&r, sum_of(&r, "bytes_received") == 2000);
    CHECK(&r, r.wall_s >= 0.6);
    run_result_free(&r);
    fsrv_stop(&f);

    fsrv_start(&f, "--fault stall-response --body-size 1000");
    RUN(&r, 30, "run %s --mode pooled -n 3 --request-timeout 300ms --cacert %s -q", f.url, f.cert);
    CHECK(&r, r.exit_code == 3);
    expect_errors(&r, "stream", "timeout", 3, NULL);
    CHECK(&r, r.wall_s >= 0.9);
    CHECK(&r, fsrv_stats(&f).requests == 3);
    run_result_free(&r);
    fsrv_stop(&f);
}

/* nghttp2 (tlsprof's HTTP/2 layer) refuses a single header field above 64
 * KiB: the connection is ended with GOAWAY(COMPRESSION_ERROR) and the
 * request fails under that name. 32 KiB passes, so the size is the cause. */
static void test_huge_headers(void **state)
{
    (void)state;
    fsrv_t f;
    fsrv_start(&f, "--fault huge-headers:100KiB --fault-every 2");
    run_result_t r;
    RUN(&r, 30, "run %s -n 4 --cacert %s -q", f.url, f.cert);
    CHECK(&r, r.exit_code == 1);
    expect_errors(
        &r, "ttfb",
        "HTTP/2 error: sent GOAWAY COMPRESSION_ERROR (response headers too large or corrupt)", 2,
        NULL);
    CHECK(&r, sum_of(&r, "requests_ok") == 2);
    CHECK(&r, phase_count(&r, "ttfb") == 2);
    run_result_free(&r);
    fsrv_stop(&f);

    fsrv_start(&f, "--fault huge-headers:32KiB");
    RUN(&r, 30, "run %s -n 2 --cacert %s -q", f.url, f.cert);
    CHECK(&r, r.exit_code == 0);
    expect_errors(&r, NULL);
    CHECK(&r, fsrv_stats(&f).faults_injected == 2);
    run_result_free(&r);
    fsrv_stop(&f);
}

/* The server sends DATA until the client's window is used up, then ignores
 * WINDOW_UPDATE: the body stops at exactly the 16 MiB windows tlsprof
 * opens, and the request times out. */
static void test_flow_control_stall(void **state)
{
    (void)state;
    fsrv_t f;
    fsrv_start(&f, "--fault flow-stall --fault-every 2");
    char events[700];
    snprintf(events, sizeof events, "%s/events.jsonl", f.dir);
    run_result_t r;
    RUN(&r, 30, "run %s -n 4 --request-timeout 500ms --events %s --cacert %s -q", f.url, events,
        f.cert);
    CHECK(&r, r.exit_code == 1);
    expect_errors(&r, "stream", "timeout", 2, NULL);
    CHECK(&r, sum_of(&r, "requests_ok") == 2);
    for (int i = 0; i < 2; i++) {
        json_t *line = failed_stream_line(events, i);
        CHECK(&r, line != NULL);
        CHECK(&r, jnum(line, "bytes") == 16 * 1024 * 1024);
        CHECK(&r, !strcmp(jstr(line, "error.reason"), "timeout"));
        /* It ended by the timeout, not when the bytes stopped. The timeout
         * runs from submission, a hair before "sent": allow 10%. */
        CHECK(&r, jnum(line, "stream_us") >= 0.9 * 500000);
        json_decref(line);
    }
    run_result_free(&r);
    fsrv_stop(&f);
}

/* Responses tlsprof validates itself (nghttp2's RFC 9113 header checks are
 * off unless --strict-h2): a body shorter than its content-length, and a
 * response without :status. Every other connection is faulty; the server
 * counts the faults it injected. With --strict-h2 nghttp2 catches the short
 * body too, as a protocol error of the stream. */
static void test_bad_responses(void **state)
{
    (void)state;
    fsrv_t f;
    fsrv_start(&f, "--fault short-body:100 --fault-every 2 --body-size 1000");
    run_result_t r;
    RUN(&r, 30, "run %s -n 6 --cacert %s -q", f.url, f.cert);
    CHECK(&r, r.exit_code == 1);
    expect_errors(&r, "stream", "response body 1000 bytes, content-length 1100", 3, NULL);
    CHECK(&r, sum_of(&r, "requests_ok") == 3);
    CHECK(&r, fsrv_stats(&f).faults_injected == 3);
    run_result_free(&r);
    RUN(&r, 30, "run %s -n 6 --strict-h2 --cacert %s -q", f.url, f.cert);
    CHECK(&r, r.exit_code == 1);
    expect_errors(&r, "stream", "invalid response (sent RST_STREAM PROTOCOL_ERROR)", 3, NULL);
    CHECK(&r, sum_of(&r, "requests_ok") == 3);
    run_result_free(&r);
    fsrv_stop(&f);

    /* HEAD: no body whatever the content-length says. */
    fsrv_start(&f, "--body-size 1000");
    RUN(&r, 30, "run %s -n 2 -X HEAD --cacert %s -q", f.url, f.cert);
    CHECK(&r, r.exit_code == 0);
    expect_errors(&r, NULL);
    run_result_free(&r);
    fsrv_stop(&f);

    fsrv_start(&f, "--fault no-status --fault-every 2");
    RUN(&r, 30, "run %s -n 4 --cacert %s -q", f.url, f.cert);
    CHECK(&r, r.exit_code == 1);
    expect_errors(&r, "ttfb", "response without a valid final :status", 2, NULL);
    CHECK(&r, sum_of(&r, "requests_ok") == 2);
    CHECK(&r, fsrv_stats(&f).faults_injected == 2);
    run_result_free(&r);
    fsrv_stop(&f);
}

/* Idle pooled connections closed by the server: silently (bare FIN, as a
 * middlebox would) or gracefully (--idle-timeout: GOAWAY, close_notify).
 * Requests at 2/s leave every connection idle long enough to be closed;
 * each close is followed by a reconnect, and no request is lost or failed:
 * an idle connection closing is not an error. */
static void test_server_closes_idle(void **state)
{
    (void)state;
    static const char *const modes[] = {"--fault idle-close:200", "--idle-timeout 200"};
    for (int i = 0; i < 2; i++) {
        fsrv_t f;
        fsrv_start(&f, modes[i]);
        run_result_t r;
        RUN(&r, 30, "run %s --mode pooled -c 1 --rate 2 -n 4 --cacert %s -q", f.url, f.cert);
        server_stats_t st = fsrv_stats(&f);
        CHECK(&r, r.exit_code == 0);
        expect_errors(&r, NULL);
        CHECK(&r, sum_of(&r, "requests_ok") == 4);
        CHECK(&r, st.requests == 4);
        uint64_t closed = i == 0 ? st.faults_injected : st.idle_closed;
        CHECK(&r, closed >= 3);
        /* Every connection the server closed was replaced. */
        CHECK(&r, sum_of(&r, "reconnects") == (double)closed);
        /* Tickets from closed connections still resume. */
        CHECK(&r, jnum(r.report, "tls.resumption.accepted") == closed);
        run_result_free(&r);
        fsrv_stop(&f);
    }
}

int main(void)
{
    faults_enter_netns();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_settings),        cmocka_unit_test(test_goaway_pooled),
        cmocka_unit_test(test_rst_stream_codes),   cmocka_unit_test(test_refused_stream),
        cmocka_unit_test(test_stall_response),     cmocka_unit_test(test_huge_headers),
        cmocka_unit_test(test_flow_control_stall), cmocka_unit_test(test_server_closes_idle),
        cmocka_unit_test(test_bad_responses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
