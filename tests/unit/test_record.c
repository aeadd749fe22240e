/* test_record.c - phase bookkeeping: which timestamps become which samples,
 * which connections count as resumed or failed, and that warm-up requests are
 * neither counted nor sampled. Each expected value is computed here from the
 * timestamps the test sets, independently of the code under test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "engine/record.h"
#include "engine/worker.h"

static engine_t eng;
static run_config_t cfg;

static worker_t *make_worker(void)
{
    worker_t *w = calloc(1, sizeof *w);
    config_defaults(&cfg);
    cfg.streams = 4;
    memset(&eng, 0, sizeof eng);
    eng.cfg = &cfg;
    eng.n_targets = 1;
    strcpy(eng.targets[0].label, "127.0.0.1:1");
    w->eng = &eng;
    w->cfg = &cfg;
    w->res = malloc(sizeof *w->res);
    results_init(w->res);
    w->measuring = true;
    return w;
}

static void free_worker(worker_t *w)
{
    free(w->res);
    free(w);
}

static conn_t make_conn(worker_t *w, mono_ns base)
{
    conn_t c;
    memset(&c, 0, sizeof c);
    c.w = w;
    c.fd = -1;
    c.t.connect_start = base;
    c.t.tcp_up = base + 40000;
    c.t.tls_start = base + 41000;
    c.t.server_hello = base + 500000;
    c.t.server_finished = base + 600000;
    c.t.tls_done = base + 900000;
    c.t.settings = base + 900000; /* arrived with the handshake: 0 */
    c.ready = true;               /* and with it, the connection is established */
    c.t.last_stream_done = base + 2000000;
    c.t.tls_cpu_ns = 123456;
    c.tls.version = "TLSv1.3";
    c.tls.cipher = "TLS_CHACHA20_POLY1305_SHA256";
    c.tls.group = "x25519";
    c.tls.alpn = "h2";
    strcpy(c.tls.sigalg, "ecdsa_secp256r1_sha256");
    return c;
}

/* Exactly-representable values (< 256 ns are exact buckets) are not used
 * here; instead we compare with the histogram's own percentile of a single
 * sample, which must equal the sample clamped to [min,max] = the sample. */
static void test_connection_phases(void **state)
{
    (void)state;
    worker_t *w = make_worker();
    conn_t c = make_conn(w, 1000000000ull);
    record_connection(&c, NULL, NULL);
    results_t *r = w->res;
    assert_int_equal(r->phases[PHASE_TCP_CONNECT].count, 1);
    assert_int_equal(r->phases[PHASE_TCP_CONNECT].min, 40000);
    assert_int_equal(r->phases[PHASE_TLS_HANDSHAKE].min, 900000 - 41000);
    assert_int_equal(r->phases[PHASE_TLS_HANDSHAKE_FULL].count, 1);
    assert_int_equal(r->phases[PHASE_TLS_HANDSHAKE_RESUMED].count, 0);
    assert_int_equal(r->phases[PHASE_TLS_SERVER_HELLO].min, 500000 - 41000);
    assert_int_equal(r->phases[PHASE_TLS_SERVER_FINISHED].min, 600000 - 41000);
    assert_int_equal(r->phases[PHASE_TLS_CLIENT_CPU].min, 123456);
    assert_int_equal(r->phases[PHASE_H2_SETTINGS].count, 1);
    assert_int_equal(r->phases[PHASE_H2_SETTINGS].max, 0);
    assert_int_equal(r->phases[PHASE_CONNECTION].min, 2000000);
    assert_int_equal(r->connections_established, 1);
    assert_int_equal(r->connections_failed, 0);
    assert_int_equal(tally_get(&r->ciphers, "TLS_CHACHA20_POLY1305_SHA256"), 1);
    assert_int_equal(tally_get(&r->sigalgs, "ecdsa_secp256r1_sha256"), 1);

    /* A second connection adds samples; nothing is overwritten. */
    conn_t c2 = make_conn(w, 5000000000ull);
    c2.t.tcp_up = c2.t.connect_start + 70000;
    c2.tls.offered_ticket = true;
    c2.tls.resumed = true;
    record_connection(&c2, NULL, NULL);
    assert_int_equal(r->phases[PHASE_TCP_CONNECT].count, 2);
    assert_int_equal(r->phases[PHASE_TCP_CONNECT].min, 40000);
    assert_int_equal(r->phases[PHASE_TCP_CONNECT].max, 70000);
    assert_int_equal(r->phases[PHASE_TLS_HANDSHAKE_RESUMED].count, 1);
    assert_int_equal(r->phases[PHASE_TLS_HANDSHAKE].count, 2);
    assert_int_equal(r->resumption.attempted, 1);
    assert_int_equal(r->resumption.accepted, 1);
    assert_int_equal(tally_get(&r->resumption.ke_modes, "psk_dhe_ke"), 1);
    free_worker(w);
}

static void test_failed_connection(void **state)
{
    (void)state;
    worker_t *w = make_worker();
    conn_t c = make_conn(w, 1000);
    c.t.tls_done = c.t.settings = c.t.last_stream_done = 0;
    c.ready = false;
    c.t.server_hello = c.t.server_finished = 0;
    c.tls.offered_ticket = true;
    record_connection(&c, "tls_handshake", "certificate verify failed: self-signed certificate");
    results_t *r = w->res;
    assert_int_equal(r->connections_failed, 1);
    assert_int_equal(r->connections_established, 0);
    assert_int_equal(r->phases[PHASE_TCP_CONNECT].count, 1); /* TCP did come up */
    assert_int_equal(r->phases[PHASE_TLS_HANDSHAKE].count, 0);
    assert_int_equal(r->resumption.attempted, 0); /* no handshake finished: no verdict */
    assert_int_equal(errors_total(&r->errors), 1);
    assert_string_equal(r->errors.phases[0].phase, "tls_handshake");
    assert_int_equal(tally_get(&r->errors.phases[0].reasons,
                               "certificate verify failed: self-signed certificate"),
                     1);

    conn_t d = make_conn(w, 1000);
    d.t.tcp_up = d.t.tls_start = d.t.server_hello = d.t.server_finished = 0;
    d.t.tls_done = d.t.settings = d.t.last_stream_done = 0;
    d.ready = false;
    record_connection(&d, "tcp_connect", "ECONNREFUSED");
    assert_int_equal(r->phases[PHASE_TCP_CONNECT].count, 1);
    assert_int_equal(r->connections_failed, 2);
    free_worker(w);
}

static void test_streams(void **state)
{
    (void)state;
    worker_t *w = make_worker();
    conn_t c = make_conn(w, 0);
    stream_t st = {.id = 1,
                   .measured = true,
                   .status = 200,
                   .t_sent = 1000000,
                   .t_headers = 1300000,
                   .t_done = 1700000,
                   .bytes = 42};
    c.inflight = 1;
    record_stream_ok(&c, &st);
    results_t *r = w->res;
    assert_int_equal(r->phases[PHASE_TTFB].min, 300000);
    assert_int_equal(r->phases[PHASE_STREAM].min, 700000);
    assert_int_equal(r->requests_ok, 1);
    assert_int_equal(r->bytes_received, 42);
    assert_int_equal(tally_get(&r->status, "200"), 1);
    assert_int_equal(st.id, 0); /* slot released */
    assert_int_equal(c.inflight, 0);

    stream_t warm = {
        .id = 3, .measured = false, .status = 200, .t_sent = 1, .t_headers = 2, .t_done = 3};
    c.inflight = 1;
    record_stream_ok(&c, &warm);
    assert_int_equal(r->phases[PHASE_TTFB].count, 1); /* warm-up: not sampled */
    assert_int_equal(r->requests_ok, 1);

    stream_t bad = {.id = 5, .measured = true, .t_sent = 1};
    c.inflight = 1;
    record_stream_failed(&c, &bad, "ttfb", "RST_STREAM INTERNAL_ERROR");
    assert_int_equal(r->requests_failed, 1);
    assert_int_equal(errors_total(&r->errors), 1);

    stream_t again = {.id = 7, .measured = true};
    c.inflight = 1;
    record_stream_retry(&c, &again);
    assert_int_equal(r->requests_retried, 1);
    assert_int_equal(w->retry_credit, 1); /* handed back: it will be sent again */
    assert_int_equal(r->requests_failed, 1);
    free_worker(w);
}

static void test_merge(void **state)
{
    (void)state;
    worker_t *a = make_worker(), *b = make_worker();
    /* Timestamp 0 means "not reached", so connections start at 1000 ns. */
    conn_t c1 = make_conn(a, 1000), c2 = make_conn(b, 1000);
    c2.t.tcp_up = 1000 + 90000;
    record_connection(&c1, NULL, NULL);
    record_connection(&c2, "connection", "connection closed by peer");
    results_t *total = malloc(sizeof *total);
    results_init(total);
    results_merge(total, a->res);
    results_merge(total, b->res);
    assert_int_equal(total->phases[PHASE_TCP_CONNECT].count, 2);
    assert_int_equal(total->phases[PHASE_TCP_CONNECT].min, 40000);
    assert_int_equal(total->phases[PHASE_TCP_CONNECT].max, 90000);
    assert_int_equal(tally_get(&total->versions, "TLSv1.3"), 2);
    assert_int_equal(errors_total(&total->errors), 1);
    free(total);
    free_worker(a);
    free_worker(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connection_phases),
        cmocka_unit_test(test_failed_connection),
        cmocka_unit_test(test_streams),
        cmocka_unit_test(test_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
