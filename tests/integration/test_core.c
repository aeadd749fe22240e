/* test_core.c - the core profiler end to end, against a real nginx and the
 * embedded server: exact connection and sample counts, ordered statistics,
 * TLS facts over all connections, named errors and exit codes, an injected
 * server delay attributed to the right phase. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static const char *const phase_names[] = {"tcp_connect", "tls_handshake", "h2_settings",
                                          "ttfb",        "stream",        "connection"};

static void assert_ordered_stats(const json_t *rep)
{
    json_t *phases = jget(rep, "phases");
    const char *name;
    json_t *p;
    json_object_foreach(phases, name, p)
    {
        double count = jnum(p, "count");
        if (count == 0) continue;
        double min = jnum(p, "min_us"), p50 = jnum(p, "p50_us"), p90 = jnum(p, "p90_us"),
               p99 = jnum(p, "p99_us"), p999 = jnum(p, "p999_us"), max = jnum(p, "max_us"),
               mean = jnum(p, "mean_us");
        if (!(min <= p50 && p50 <= p90 && p90 <= p99 && p99 <= p999 && p999 <= max && min <= mean &&
              mean <= max))
            fail_msg("phase %s: statistics out of order: min %g p50 %g p90 %g p99 %g p99.9 %g max "
                     "%g mean %g",
                     name, min, p50, p90, p99, p999, max, mean);
        /* The histogram holds exactly the samples counted. */
        assert_true(jnum(p, "histogram.count") == count);
    }
}

/* TLS facts are counted over every established connection, not sampled. */
static void assert_tls_counted_everywhere(const json_t *rep)
{
    double est = jnum(rep, "summary.connections_established");
    static const char *const keys[] = {"versions", "ciphers", "groups", "sigalgs", "alpn"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *o = jget(rep, "tls");
        o = json_object_get(o, keys[i]);
        assert_non_null(o);
        double sum = 0;
        const char *k;
        json_t *v;
        json_object_foreach(o, k, v) sum += (double)json_integer_value(v);
        if (sum != est)
            fail_msg("tls.%s sums to %g, but %g connections were established", keys[i], sum, est);
    }
    assert_true(jnum(rep, "tls.versions.TLSv1.3") == est);
    assert_true(jnum(rep, "tls.alpn.h2") == est);
}

/* The text report's last line shows the workers' own CPU, which is the sum
 * of the JSON's per-worker figures, before the whole process's. */
static void assert_client_line(const run_result_t *r)
{
    double workers = 0;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(json_object_get(r->report, "client"), "threads"), i, t)
        workers += json_number_value(json_object_get(t, "cpu_s"));
    assert_true(workers > 0);
    char want[96];
    snprintf(want, sizeof want, "Client (tlsprof itself): worker threads %.3f s CPU, busiest ",
             workers);
    if (!strstr(r->out, want)) fail_msg("no '%s' in:\n%s", want, r->out);
    assert_non_null(strstr(r->out, "whole process user "));
}

static void fresh_200(const peer_t *p)
{
    run_result_t r;
    assert_int_equal(
        run_tlsprof(&r, "run %s --mode fresh -n 200 -c 4 --cacert %s -q", p->url, p->cert_path), 0);
    if (r.exit_code != 0) fail_msg("exit %d\n%s\n%s", r.exit_code, r.out, r.err);
    assert_non_null(r.report);
    assert_true(jnum(r.report, "summary.connections_opened") == 200);
    assert_true(jnum(r.report, "summary.connections_established") == 200);
    assert_true(jnum(r.report, "summary.requests_ok") == 200);
    assert_true(jnum(r.report, "summary.requests_failed") == 0);
    for (size_t i = 0; i < sizeof phase_names / sizeof phase_names[0]; i++) {
        char path[64];
        snprintf(path, sizeof path, "phases.%s.count", phase_names[i]);
        if (jnum(r.report, path) != 200) fail_msg("%s = %g, want 200", path, jnum(r.report, path));
    }
    assert_true(jnum(r.report, "phases.dns.count") == 1);
    /* Full + resumed handshakes are exactly all handshakes. */
    assert_true(jnum(r.report, "phases.tls_handshake_full.count") +
                    jnum(r.report, "phases.tls_handshake_resumed.count") ==
                200);
    assert_ordered_stats(r.report);
    assert_tls_counted_everywhere(r.report);
    assert_true(jnum(r.report, "summary.status.200") == 200);
    /* The text report is on stdout and names the phases. */
    assert_non_null(strstr(r.out, "tls_handshake"));
    assert_non_null(strstr(r.out, "TLSv1.3 200"));
    /* Every connection succeeded: the slowest ones are listed without an error. */
    assert_non_null(strstr(r.out, "Slowest connections"));
    if (strstr(r.out, "error in"))
        fail_msg("a successful connection shown with an error:\n%s", r.out);
    /* One of each, in the singular. */
    assert_non_null(strstr(r.out, "4 connections, 1 stream per connection, 1 thread\n"));
    assert_client_line(&r);
    run_result_free(&r);
}

static void pooled_2000(const peer_t *p)
{
    run_result_t r;
    assert_int_equal(run_tlsprof(&r, "run %s --mode pooled -c 4 -m 8 -n 2000 -t 2 --cacert %s -q",
                                 p->url, p->cert_path),
                     0);
    if (r.exit_code != 0) fail_msg("exit %d\n%s\n%s", r.exit_code, r.out, r.err);
    assert_true(jnum(r.report, "summary.connections_opened") == 4);
    assert_true(jnum(r.report, "phases.tcp_connect.count") == 4);
    assert_true(jnum(r.report, "phases.tls_handshake.count") == 4);
    assert_true(jnum(r.report, "phases.ttfb.count") == 2000);
    assert_true(jnum(r.report, "phases.stream.count") == 2000);
    assert_true(jnum(r.report, "summary.requests_ok") == 2000);
    assert_true(jnum(r.report, "summary.reconnects") == 0);
    assert_ordered_stats(r.report);
    assert_tls_counted_everywhere(r.report);
    run_result_free(&r);
}

static void test_nginx_fresh_and_pooled(void **state)
{
    (void)state;
    peer_t p;
    START_NGINX_OR_SKIP(&p, NULL);
    fresh_200(&p);
    pooled_2000(&p);
    peer_stop(&p);
}

static void test_embedded_fresh_and_pooled(void **state)
{
    (void)state;
    peer_t p;
    assert_int_equal(peer_start_embedded(&p, NULL), PEER_OK);
    fresh_200(&p);
    pooled_2000(&p);
    peer_stop(&p);
}

static void test_refused_port(void **state)
{
    (void)state;
    int port = free_loopback_port();
    assert_true(port > 0);
    run_result_t r;
    assert_int_equal(run_tlsprof(&r, "run https://127.0.0.1:%d/ -n 12 -c 3 -k -q", port), 0);
    assert_int_equal(r.exit_code, 3); /* total failure */
    assert_true(jnum(r.report, "errors.tcp_connect.ECONNREFUSED") == 12);
    assert_true(jnum(r.report, "summary.connections_opened") == 12);
    assert_true(jnum(r.report, "summary.connections_failed") == 12);
    assert_true(jnum(r.report, "summary.requests_failed") == 12);
    assert_true(jnum(r.report, "phases.tcp_connect.count") == 0);
    assert_non_null(strstr(r.out, "ECONNREFUSED"));
    run_result_free(&r);

    /* Pooled mode against a dead port ends too (each failed attempt costs a request). */
    assert_int_equal(
        run_tlsprof(&r, "run https://127.0.0.1:%d/ --mode pooled -n 5 -c 2 -k -q", port), 0);
    assert_int_equal(r.exit_code, 3);
    assert_true(jnum(r.report, "summary.requests_failed") == 5);
    run_result_free(&r);
}

static void test_certificate_failures(void **state)
{
    (void)state;
    peer_t p;
    START_NGINX_OR_SKIP(&p, NULL);
    run_result_t r;
    /* Verification is on by default: the self-signed cert is not in the system store. */
    assert_int_equal(run_tlsprof(&r, "run %s -n 3 -q", p.url), 0);
    assert_int_equal(r.exit_code, 3);
    /* The defaults, one of each, in the singular. */
    assert_non_null(strstr(r.out, "1 connection, 1 stream per connection, 1 thread\n"));
    assert_true(
        jnum(r.report, "errors.tls_handshake.certificate verify failed: self-signed certificate") ==
        3);
    run_result_free(&r);
    /* Trusted cert, wrong name. */
    assert_int_equal(
        run_tlsprof(&r, "run %s -n 2 --cacert %s --sni wrong.example -q", p.url, p.cert_path), 0);
    assert_int_equal(r.exit_code, 3);
    assert_true(
        jnum(r.report, "errors.tls_handshake.certificate verify failed: hostname mismatch") == 2);
    run_result_free(&r);
    /* -k skips verification and says so. */
    assert_int_equal(run_tlsprof(&r, "run %s -n 2 -k -q", p.url), 0);
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(jstr(r.report, "tls.certificate.verify"), "skipped (-k)");
    run_result_free(&r);
    peer_stop(&p);
}

/* nginx's echo module holds the response for a known time: the delay must
 * show up in ttfb and stream, not in tcp_connect or the handshake. */
static void test_injected_server_delay(void **state)
{
    (void)state;
    peer_t p;
    START_NGINX_ECHO_OR_SKIP(&p, NULL);
    run_result_t r;
    assert_int_equal(run_tlsprof(&r, "run %s?s=0.05 --mode pooled -n 10 -c 2 --cacert %s -q",
                                 p.sleep_url, p.cert_path),
                     0);
    assert_int_equal(r.exit_code, 0);
    assert_true(jnum(r.report, "phases.ttfb.count") == 10);
    /* echo_sleep arms an nginx timer from nginx's cached clock, so the delay
     * itself can come up to ~1 ms short (seen: 49.45 ms); 48 ms still proves
     * the 50 ms landed in ttfb. */
    double ttfb_min = jnum(r.report, "phases.ttfb.min_us");
    if (ttfb_min < 48000) fail_msg("ttfb min %.0f us is below the injected 50 ms", ttfb_min);
    assert_true(jnum(r.report, "phases.stream.min_us") >= 48000);
    /* The delay is the server's, after the request: connect and handshake
     * must not contain it (each is far below 50 ms on loopback). */
    assert_true(jnum(r.report, "phases.tcp_connect.max_us") < 50000);
    assert_true(jnum(r.report, "phases.tls_handshake.max_us") < 50000);
    run_result_free(&r);
    peer_stop(&p);
}

static void test_duration_warmup_and_threads(void **state)
{
    (void)state;
    peer_t p;
    assert_int_equal(peer_start_embedded(&p, NULL), PEER_OK);
    run_result_t r;
    assert_int_equal(
        run_tlsprof(&r, "run %s --mode pooled -c 2 -m 2 -t 2 -D 1 --warmup 0.3 --cacert %s -q",
                    p.url, p.cert_path),
        0);
    assert_int_equal(r.exit_code, 0);
    double ok = jnum(r.report, "summary.requests_ok");
    assert_true(ok > 0);
    /* Warm-up requests are neither counted nor sampled; the connections
     * opened during warm-up keep their phase samples. */
    assert_true(jnum(r.report, "phases.ttfb.count") == ok);
    assert_true(jnum(r.report, "phases.tcp_connect.count") == 2);
    double dur = jnum(r.report, "summary.duration_s");
    assert_true(dur >= 1.0 && dur < 10.0);
    run_result_free(&r);

    /* Exactly -n requests across threads, whatever their speed. */
    assert_int_equal(
        run_tlsprof(&r, "run %s --mode fresh -c 6 -t 3 -n 101 --cacert %s -q", p.url, p.cert_path),
        0);
    assert_int_equal(r.exit_code, 0);
    assert_true(jnum(r.report, "summary.requests_ok") == 101);
    assert_true(jnum(r.report, "summary.connections_opened") == 101);
    run_result_free(&r);
    peer_stop(&p);
}

static void test_sigint_writes_report(void **state)
{
    (void)state;
    peer_t p;
    assert_int_equal(peer_start_embedded(&p, NULL), PEER_OK);
    char json[600];
    snprintf(json, sizeof json, "%s/sigint.json", p.dir);
    char cmd[2000];
    snprintf(
        cmd, sizeof cmd,
        "%s run %s --mode fresh -c 2 -D 60 --cacert %s -q --json %s > /dev/null 2>&1 & pid=$!; "
        "sleep 1; kill -INT $pid; wait $pid; echo $?",
        TLSPROF_BIN, p.url, p.cert_path, json);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    int code = -1;
    assert_int_equal(fscanf(f, "%d", &code), 1);
    pclose(f);
    assert_int_equal(code, 4); /* interrupted */
    json_error_t je;
    json_t *rep = json_load_file(json, 0, &je);
    if (!rep) fail_msg("%s: %s", json, je.text);
    assert_true(jnum(rep, "summary.interrupted") == 1);
    assert_true(jnum(rep, "summary.requests_ok") > 0);
    assert_true(jnum(rep, "phases.ttfb.count") == jnum(rep, "summary.requests_ok"));
    json_decref(rep);
    peer_stop(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nginx_fresh_and_pooled),
        cmocka_unit_test(test_embedded_fresh_and_pooled),
        cmocka_unit_test(test_refused_port),
        cmocka_unit_test(test_certificate_failures),
        cmocka_unit_test(test_injected_server_delay),
        cmocka_unit_test(test_duration_warmup_and_threads),
        cmocka_unit_test(test_sigint_writes_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
