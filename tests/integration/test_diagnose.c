/* test_diagnose.c - the diagnosis outputs end to end: --rate against an
 * injected server delay (coordinated omission corrected), the event log
 * against the report's own counts, the slowest lists against the phase
 * maxima, the time series against the totals, tlsprof's own CPU, and the
 * warnings a misconfigured server must raise (tickets never accepted,
 * backends with different ticket keys, rejected 0-RTT replayed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static int warning_contains(const json_t *rep, const char *needle)
{
    json_t *w = jget(rep, "warnings");
    size_t i;
    json_t *v;
    json_array_foreach(w, i, v) if (strstr(json_string_value(v), needle)) return 1;
    return 0;
}

static void expect_ok(const run_result_t *r)
{
    if (r->exit_code != 0)
        fail_msg("%s: exit %d\n%s\n%s", r->cmdline, r->exit_code, r->out, r->err);
    assert_non_null(r->report);
}

/* The schedule cannot finish early: 50 arrivals at 100/s span >= 0.49 s,
 * however fast the server is. Every arrival is started and timed both ways. */
static void rate_schedule_is_kept(void **state)
{
    (void)state;
    peer_t p;
    START_NGINX_OR_SKIP(&p, NULL);
    run_result_t r;
    assert_int_equal(run_tlsprof(&r,
                                 "run %s --mode pooled -c 2 -m 1 --rate 100 -n 50 --cacert %s -q",
                                 p.url, p.cert_path),
                     0);
    expect_ok(&r);
    assert_true(jnum(r.report, "summary.requests_ok") == 50);
    assert_true(jnum(r.report, "rate.started") == 50);
    assert_true(jnum(r.report, "rate.arrivals_not_started") == 0);
    assert_true(jnum(r.report, "phases.ttfb_uncorrected.count") == 50);
    double dur = jnum(r.report, "summary.duration_s");
    if (dur < 0.49)
        fail_msg("50 arrivals at 100/s finished in %.3f s: the schedule was not kept", dur);
    /* Corrected latency is never below the uncorrected one. */
    assert_true(jnum(r.report, "phases.ttfb.min_us") >=
                jnum(r.report, "phases.ttfb_uncorrected.min_us") - 1);
    run_result_free(&r);
    peer_stop(&p);
}

/* One connection, one stream, 50 ms per response, arrivals every 25 ms:
 * request k can start only at ~k*50 ms but was due at k*25 ms. A closed-loop
 * tool would report ~50 ms for all; the corrected ttfb must grow by the
 * queueing (the last of 20 waits >= 19*25 ms = 475 ms) while the
 * uncorrected figure stays near the injected 50 ms. */
static void rate_counts_queueing_behind_a_slow_server(void **state)
{
    (void)state;
    peer_t p;
    START_NGINX_ECHO_OR_SKIP(&p, NULL);
    run_result_t r;
    assert_int_equal(
        run_tlsprof(&r, "run %s?s=0.05 --mode pooled -c 1 -m 1 --rate 40 -n 20 --cacert %s -q",
                    p.sleep_url, p.cert_path),
        0);
    expect_ok(&r);
    assert_true(jnum(r.report, "summary.requests_ok") == 20);
    double corrected_max = jnum(r.report, "phases.ttfb.max_us");
    double raw_max = jnum(r.report, "phases.ttfb_uncorrected.max_us");
    double raw_min = jnum(r.report, "phases.ttfb_uncorrected.min_us");
    if (raw_min < 48000)
        fail_msg("uncorrected ttfb min %.0f us is below the injected 50 ms", raw_min);
    if (corrected_max < 450000)
        fail_msg("corrected ttfb max %.0f us: the queueing behind the slow server (>= 475 ms) is "
                 "missing",
                 corrected_max);
    if (!(raw_max < corrected_max - 300000))
        fail_msg("uncorrected max %.0f us should stay far below corrected %.0f us", raw_max,
                 corrected_max);
    assert_true(jnum(r.report, "rate.start_lag.max_us") >= 400000);
    assert_true(warning_contains(r.report, "fell behind its --rate schedule"));
    run_result_free(&r);
    peer_stop(&p);
}

/* Count lines of the event log by type and check they agree with the report. */
static void events_match_report(void **state)
{
    (void)state;
    peer_t p;
    assert_int_equal(peer_start_embedded(&p, NULL), PEER_OK);
    char *dir = make_temp_dir("events");
    char path[600];
    snprintf(path, sizeof path, "%s/ev.jsonl", dir);
    run_result_t r;
    assert_int_equal(
        run_tlsprof(&r, "run %s -n 30 -c 3 --cacert %s --events %s -q", p.url, p.cert_path, path),
        0);
    expect_ok(&r);
    char *text = slurp_file(path, NULL);
    assert_non_null(text);
    int conns = 0, streams = 0;
    uint64_t ids[64];
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        if (!o) fail_msg("event line is not JSON (%s): %s", je.text, line);
        const char *type = jstr(o, "type");
        assert_non_null(type);
        if (!strcmp(type, "connection")) {
            assert_true(conns < 64);
            ids[conns++] = (uint64_t)jnum(o, "id");
            double cs = jnum(o, "t_mono_ns.connect_start"), up = jnum(o, "t_mono_ns.tcp_up"),
                   done = jnum(o, "t_mono_ns.tls_done");
            assert_true(cs > 0 && cs <= up && up <= done);
            assert_string_equal(jstr(o, "outcome"), "ok");
        } else {
            assert_string_equal(type, "stream");
            streams++;
            assert_true(jnum(o, "status") == 200);
        }
        json_decref(o);
    }
    assert_int_equal(conns, 30);
    assert_int_equal(streams, 30);
    for (int i = 0; i < conns; i++)
        for (int j = i + 1; j < conns; j++)
            assert_true(ids[i] != ids[j]);
    free(text);
    run_result_free(&r);

    /* Sampling keeps whole connections (a connection line and its stream). */
    assert_int_equal(run_tlsprof(&r,
                                 "run %s -n 60 -c 3 --cacert %s --events %s --events-sample 0.3 -q",
                                 p.url, p.cert_path, path),
                     0);
    expect_ok(&r);
    text = slurp_file(path, NULL);
    assert_non_null(text);
    conns = streams = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (strstr(line, "\"type\": \"connection\"") || strstr(line, "\"type\":\"connection\""))
            conns++;
        else
            streams++;
    }
    if (!(conns > 0 && conns < 60 && conns == streams))
        fail_msg("--events-sample 0.3 of 60: %d connection and %d stream lines", conns, streams);
    free(text);
    run_result_free(&r);
    rm_rf(dir);
    free(dir);
    peer_stop(&p);
}

/* The slowest lists are sorted and their first entries are the phase maxima. */
static void slowest_are_the_maxima(void **state)
{
    (void)state;
    peer_t p;
    assert_int_equal(peer_start_embedded(&p, NULL), PEER_OK);
    run_result_t r;
    assert_int_equal(
        run_tlsprof(&r, "run %s -n 80 -c 4 --cacert %s --slowest 5 -q", p.url, p.cert_path), 0);
    expect_ok(&r);
    json_t *sl = jget(r.report, "slowest");
    assert_int_equal(json_array_size(sl), 5);
    double prev = INFINITY;
    for (size_t i = 0; i < 5; i++) {
        json_t *s = json_array_get(sl, i);
        double v = jnum(s, "phases_us.connection");
        assert_true(v <= prev);
        prev = v;
        assert_true(json_is_array(jget(s, "hints")));
    }
    /* Exact: the slowest kept story is the histogram's recorded maximum. */
    double top = jnum(sl, "0.phases_us.connection"),
           max = jnum(r.report, "phases.connection.max_us");
    if (fabs(top - max) > 0.01)
        fail_msg("slowest connection %.3f us vs phases.connection.max %.3f us", top, max);
    static const char *const phases[] = {"tcp_connect", "tls_handshake", "h2_settings"};
    for (size_t i = 0; i < 3; i++) {
        char a[96], b[96];
        snprintf(a, sizeof a, "slowest_by_phase.%s.0.phases_us.%s", phases[i], phases[i]);
        snprintf(b, sizeof b, "phases.%s.max_us", phases[i]);
        if (fabs(jnum(r.report, a) - jnum(r.report, b)) > 0.01)
            fail_msg("%s = %.3f but %s = %.3f", a, jnum(r.report, a), b, jnum(r.report, b));
    }
    run_result_free(&r);
    peer_stop(&p);
}

/* Interval counts add up to the run's totals; CPU use is reported per thread. */
static void timeseries_and_client(void **state)
{
    (void)state;
    peer_t p;
    assert_int_equal(peer_start_embedded(&p, NULL), PEER_OK);
    run_result_t r;
    assert_int_equal(
        run_tlsprof(&r, "run %s --mode pooled -c 4 -m 4 -t 2 -D 2.5 --interval 0.5 --cacert %s -q",
                    p.url, p.cert_path),
        0);
    expect_ok(&r);
    json_t *ts = jget(r.report, "timeseries");
    size_t n = json_array_size(ts);
    if (n < 4 || n > 7) fail_msg("2.5 s at 0.5 s intervals gave %zu intervals", n);
    double ok = 0, ttfb = 0;
    size_t i;
    json_t *slot;
    json_array_foreach(ts, i, slot)
    {
        ok += jnum(slot, "requests_ok");
        ttfb += jnum(slot, "phases.ttfb.count");
        if (jnum(slot, "phases.ttfb.count") > 0)
            assert_true(jnum(slot, "phases.ttfb.p50_us") <=
                        jnum(slot, "phases.ttfb.max_us") * 1.04);
    }
    assert_true(ok == jnum(r.report, "summary.requests_ok"));
    assert_true(ttfb == jnum(r.report, "phases.ttfb.count"));
    assert_int_equal(json_array_size(jget(r.report, "client.threads")), 2);
    double busiest = jnum(r.report, "client.busiest_thread_utilisation");
    assert_true(busiest > 0 && busiest <= 1);
    assert_true(jnum(r.report, "client.cpu_user_s") + jnum(r.report, "client.cpu_sys_s") > 0);
    run_result_free(&r);
    peer_stop(&p);
}

/* A server that issues tickets and refuses them all must be called out. */
static void tickets_never_accepted_warns(void **state)
{
    (void)state;
    peer_t p;
    assert_int_equal(peer_start_embedded(&p, "--no-resume"), PEER_OK);
    run_result_t r;
    assert_int_equal(run_tlsprof(&r, "run %s -n 20 --cacert %s -q", p.url, p.cert_path), 0);
    expect_ok(&r);
    assert_true(jnum(r.report, "tls.resumption.attempted") == 19);
    assert_true(jnum(r.report, "tls.resumption.accepted") == 0);
    assert_true(warning_contains(r.report, "never accepted"));
    assert_non_null(strstr(r.out, "never accepted")); /* in the text report too */
    /* ...and the slowest stories say why each paid a full handshake. */
    json_t *s0 = jget(r.report, "slowest.0.hints");
    int found = 0;
    size_t i;
    json_t *h;
    json_array_foreach(s0, i, h) found |= strstr(jstr(h, "hint"), "ticket rejected") != NULL;
    json_t *first = jget(r.report, "slowest.0");
    if (jnum(first, "tls.offered_ticket") == 1) assert_true(found);
    run_result_free(&r);
    peer_stop(&p);
}

/* Two backends with their own random ticket keys behind one host name:
 * per address they resume; sharing tickets across them (--ticket-scope
 * host, as browsers do) shows the keys differ. */
static void ticket_scope_reveals_different_keys(void **state)
{
    (void)state;
    peer_t a, b;
    assert_int_equal(peer_start_embedded(&a, NULL), PEER_OK);
    assert_int_equal(peer_start_embedded(&b, NULL), PEER_OK);
    run_result_t r;
    assert_int_equal(run_tlsprof(&r,
                                 "run https://localhost/ -k -n 40 --connect-to 127.0.0.1:%d "
                                 "--connect-to 127.0.0.1:%d -q",
                                 a.port, b.port),
                     0);
    expect_ok(&r);
    char key[96];
    snprintf(key, sizeof key, "tls.resumption.per_address.127.0.0.1:%d.accepted", a.port);
    assert_true(jnum(r.report, key) == 19);
    snprintf(key, sizeof key, "tls.resumption.per_address.127.0.0.1:%d.accepted", b.port);
    assert_true(jnum(r.report, key) == 19);
    assert_int_equal(json_array_size(jget(r.report, "config.addresses")), 2);
    run_result_free(&r);

    assert_int_equal(
        run_tlsprof(
            &r,
            "run https://localhost/ -k -n 40 --connect-to 127.0.0.1:%d --connect-to 127.0.0.1:%d "
            "--ticket-scope host -q",
            a.port, b.port),
        0);
    expect_ok(&r);
    assert_true(jnum(r.report, "tls.resumption.accepted") == 0);
    assert_true(jnum(r.report, "tls.resumption.attempted") == 39);
    assert_true(warning_contains(r.report, "never accepted"));
    run_result_free(&r);
    peer_stop(&a);
    peer_stop(&b);
}

/* 0-RTT: nginx with ssl_early_data on accepts every resumed connection's
 * early request; the embedded server with anti-replay rejects a reused
 * ticket's early data, and the rejected requests are replayed, none lost. */
static void early_data_accepted_and_replayed(void **state)
{
    (void)state;
    peer_t p;
    int rc = peer_start_nginx(&p, "ssl_early_data on;");
    if (rc == PEER_UNAVAILABLE) skip();
    assert_int_equal(rc, PEER_OK);
    run_result_t r;
    assert_int_equal(run_tlsprof(&r, "run %s -n 20 --early-data --tls-min 1.3 --cacert %s -q",
                                 p.url, p.cert_path),
                     0);
    expect_ok(&r);
    assert_true(jnum(r.report, "tls.early_data.attempted") == 19);
    assert_true(jnum(r.report, "tls.early_data.accepted") == 19);
    assert_true(jnum(r.report, "phases.ttfb_0rtt.count") == 19);
    assert_true(jnum(r.report, "summary.requests_ok") == 20);
    run_result_free(&r);
    peer_stop(&p);

    assert_int_equal(peer_start_embedded(&p, "--early-data 16384"), PEER_OK);
    assert_int_equal(run_tlsprof(&r, "run %s -n 20 --early-data --reuse-ticket --cacert %s -q",
                                 p.url, p.cert_path),
                     0);
    expect_ok(&r);
    double rejected = jnum(r.report, "tls.early_data.rejected");
    assert_true(rejected >= 17); /* the first reuse may be accepted */
    assert_true(jnum(r.report, "tls.early_data.replayed") == rejected);
    assert_true(jnum(r.report, "summary.requests_retried") == rejected);
    assert_true(jnum(r.report, "summary.requests_ok") == 20);
    assert_true(jnum(r.report, "summary.requests_failed") == 0);
    run_result_free(&r);
    peer_stop(&p);
}

/* --close client: the client holds TIME_WAIT for every connection, as ss
 * independently counts (the FIN leaves with the close_notify, so the server
 * cannot close first and no RST replaces the FIN). */
static void client_close_holds_time_wait(void **state)
{
    (void)state;
    peer_t p;
    assert_int_equal(peer_start_embedded(&p, NULL), PEER_OK);
    run_result_t r;
    assert_int_equal(
        run_tlsprof(&r, "run %s -n 100 -c 2 --close client --cacert %s -q", p.url, p.cert_path), 0);
    expect_ok(&r);
    int tw = count_time_wait_ss("127.0.0.1", p.port);
    assert_true(tw >= 0);
    if (tw < 95)
        fail_msg("ss counts %d client TIME_WAIT sockets towards the server after 100 connections",
                 tw);
    double reported = jnum(r.report, "tcp.time_wait.after");
    if (fabs(reported - tw) > 5) fail_msg("report says %g TIME_WAIT, ss says %d", reported, tw);
    run_result_free(&r);
    peer_stop(&p);
}

/* Out of file descriptors: the slots that cannot open stop (counted under
 * setup, named, warned about); the connections that did open carry the
 * rest of the run, and every request is accounted for. */
static void emfile_keeps_measuring(void **state)
{
    (void)state;
    peer_t p;
    assert_int_equal(peer_start_embedded(&p, NULL), PEER_OK);
    char *dir = make_temp_dir("emfile");
    char json[600];
    snprintf(json, sizeof json, "%s/r.json", dir);
    char *argv[] = {"/usr/bin/prlimit",
                    "--nofile=40:40",
                    TLSPROF_BIN,
                    p.url,
                    "-k",
                    "--mode",
                    "pooled",
                    "-c",
                    "60",
                    "-n",
                    "600",
                    "-q",
                    "--json",
                    json,
                    NULL};
    run_result_t r;
    assert_int_equal(run_command(&r, 60, argv), 0);
    assert_int_equal(r.exit_code, 1); /* partial */
    char *text = slurp_file(json, NULL);
    assert_non_null(text);
    json_t *rep = json_loads(text, 0, NULL);
    assert_non_null(rep);
    double emfile = jnum(rep, "errors.setup.EMFILE (out of file descriptors)");
    double est = jnum(rep, "summary.connections_established");
    if (!(emfile > 0 && est > 0 && est + emfile == 60))
        fail_msg("60 slots: %g established, %g EMFILE", est, emfile);
    assert_true(jnum(rep, "summary.requests_ok") + jnum(rep, "summary.requests_failed") == 600);
    assert_true(jnum(rep, "summary.requests_ok") >= 600 - emfile);
    assert_true(warning_contains(rep, "ran out of file descriptors"));
    json_decref(rep);
    free(text);
    run_result_free(&r);
    rm_rf(dir);
    free(dir);
    peer_stop(&p);
}

/* --ramp 3: never more than three pooled connections between connect() and
 * their SETTINGS at once, checked from the event log's own timestamps. */
static void ramp_limits_concurrent_setups(void **state)
{
    (void)state;
    peer_t p;
    assert_int_equal(peer_start_embedded(&p, NULL), PEER_OK);
    char *dir = make_temp_dir("ramp");
    char path[600];
    snprintf(path, sizeof path, "%s/ev.jsonl", dir);
    run_result_t r;
    assert_int_equal(
        run_tlsprof(&r,
                    "run %s --mode pooled -c 24 -D 1 --rate 20 --ramp 3 --cacert %s --events %s -q",
                    p.url, p.cert_path, path),
        0);
    expect_ok(&r);
    assert_true(jnum(r.report, "summary.connections_established") == 24);
    char *text = slurp_file(path, NULL);
    assert_non_null(text);
    double start[64], ready[64];
    int n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *o = json_loads(line, 0, NULL);
        assert_non_null(o);
        if (!strcmp(jstr(o, "type"), "connection") && n < 64) {
            start[n] = jnum(o, "t_mono_ns.connect_start");
            ready[n] = jnum(o, "t_mono_ns.settings");
            n++;
        }
        json_decref(o);
    }
    assert_int_equal(n, 24);
    int worst = 0;
    for (int i = 0; i < n; i++) {
        int overlap = 0; /* setups in progress at the instant connection i started */
        for (int j = 0; j < n; j++)
            if (start[j] <= start[i] && ready[j] > start[i]) overlap++;
        if (overlap > worst) worst = overlap;
    }
    if (worst > 3) fail_msg("%d connections were being set up at once with --ramp 3", worst);
    free(text);
    run_result_free(&r);
    rm_rf(dir);
    free(dir);
    peer_stop(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rate_schedule_is_kept),
        cmocka_unit_test(rate_counts_queueing_behind_a_slow_server),
        cmocka_unit_test(events_match_report),
        cmocka_unit_test(slowest_are_the_maxima),
        cmocka_unit_test(timeseries_and_client),
        cmocka_unit_test(tickets_never_accepted_warns),
        cmocka_unit_test(ticket_scope_reveals_different_keys),
        cmocka_unit_test(early_data_accepted_and_replayed),
        cmocka_unit_test(client_close_holds_time_wait),
        cmocka_unit_test(emfile_keeps_measuring),
        cmocka_unit_test(ramp_limits_concurrent_setups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
