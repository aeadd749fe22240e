/* record.c - turning finished streams and connections into samples. */
#include "engine/record.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/story.h"
#include "engine/worker.h"

static void release_slot(conn_t *c, stream_t *st)
{
    st->id = 0;
    if (c->inflight) c->inflight--;
    c->streams_done++;
}

void record_stream_ok(conn_t *c, stream_t *st)
{
    worker_t *w = c->w;
    results_t *r = w->res;
    /* --rate: timed from the intended start, so that time spent queued
     * behind a slow server counts (no coordinated omission). */
    mono_ns from = st->t_intended ? st->t_intended : st->t_sent;
    uint64_t ttfb = clock_span(from, st->t_headers);
    if (ttfb > c->worst_ttfb_ns) c->worst_ttfb_ns = ttfb;
    if (c->sampled) events_stream(&w->events, c, st, NULL, NULL);
    if (st->measured) {
        hist_record(&r->phases[PHASE_TTFB], ttfb);
        /* Still marked early only when the server accepted the 0-RTT data
         * (a rejected request is replayed as a new, ordinary stream). */
        if (st->early) hist_record(&r->phases[PHASE_TTFB_0RTT], ttfb);
        if (st->t_intended)
            hist_record(&r->phases[PHASE_TTFB_UNCORRECTED], clock_span(st->t_sent, st->t_headers));
        hist_record(&r->phases[PHASE_STREAM], clock_span(from, st->t_done));
        series_record(&w->series, SERIES_TTFB, st->t_headers, ttfb);
        series_slot_t *slot = series_at(&w->series, st->t_done);
        if (slot) slot->requests_ok++;
        r->requests_ok++;
        r->bytes_received += st->bytes;
        if (st->status && st->status == r->status_last) {
            r->status.items[r->status_last_slot].count++;
        } else {
            char status[8];
            snprintf(status, sizeof status, "%u", st->status);
            size_t at = tally_add_at(&r->status, status, 1);
            r->status_last = at < TALLY_MAX ? st->status : 0;
            r->status_last_slot = (uint32_t)at;
        }
        atomic_fetch_add_explicit(&w->eng->requests_done, 1, memory_order_relaxed);
    }
    release_slot(c, st);
}

void record_stream_failed(conn_t *c, stream_t *st, const char *phase, const char *reason)
{
    worker_t *w = c->w;
    if (c->sampled)
        events_stream(&w->events, c, st, phase, reason ? reason : "failed with its connection");
    if (phase && c->streams_failed++ == 0)
        snprintf(c->stream_error, sizeof c->stream_error, "%s: %s", phase,
                 reason ? reason : "failed");
    if (st->measured) {
        w->res->requests_failed++;
        if (phase) {
            errors_add(&w->res->errors, phase, reason);
            series_slot_t *slot = series_at(&w->series, clock_now());
            if (slot) slot->errors++;
        }
        atomic_fetch_add_explicit(&w->eng->requests_done, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&w->eng->requests_errored, 1, memory_order_relaxed);
    }
    release_slot(c, st);
}

void record_stream_retry(conn_t *c, stream_t *st)
{
    worker_t *w = c->w;
    if (st->measured) {
        w->res->requests_retried++;
        worker_unclaim(w);
    }
    release_slot(c, st);
}

void record_request_failed(conn_t *c)
{
    worker_t *w = c->w;
    w->res->requests_failed++;
    atomic_fetch_add_explicit(&w->eng->requests_done, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&w->eng->requests_errored, 1, memory_order_relaxed);
}

void record_connection(conn_t *c, const char *err_phase, const char *reason)
{
    worker_t *w = c->w;
    results_t *r = w->res;
    conn_times_t *t = &c->t;
    if (err_phase) {
        if (!c->ready) r->connections_failed++;
        errors_add(&r->errors, err_phase, reason);
        series_slot_t *slot = series_at(&w->series, t->close);
        if (slot) slot->errors++;
    }
    conn_story_t story;
    story_from_conn(&story, c, err_phase, reason);
    slowest_offer(&w->slowest, &story);
    if (c->sampled) events_connection(&w->events, &story, w->eng->targets[c->target].label);
    if (t->tcp_up)
        series_record(&w->series, SERIES_TCP_CONNECT, t->tcp_up,
                      clock_span(t->connect_start, t->tcp_up));
    if (t->tls_done)
        series_record(&w->series, SERIES_TLS_HANDSHAKE, t->tls_done,
                      clock_span(t->tls_start, t->tls_done));
    if (t->settings && t->tls_done)
        series_record(&w->series, SERIES_H2_SETTINGS, t->settings,
                      clock_span(t->tls_done, t->settings));
    if (t->last_stream_done)
        series_record(&w->series, SERIES_CONNECTION, t->last_stream_done,
                      clock_span(t->connect_start, t->last_stream_done));
    if (c->tcp_ok && c->tcp.total_retrans) {
        series_slot_t *slot = series_at(&w->series, t->close);
        if (slot) slot->retransmits += c->tcp.total_retrans;
    }
    if (t->tcp_up) {
        uint64_t connect_ns = clock_span(t->connect_start, t->tcp_up);
        hist_record(&r->phases[PHASE_TCP_CONNECT], connect_ns);
        r->tcp.syn_retransmits += c->syn_retransmits;
        /* Without a TCP_INFO reading, a connect of >= 1 s (the initial RTO)
         * can only have been a SYN retransmit: count it as inferred. */
        if (!c->syn_retransmits && connect_ns >= TCP_SYN_INITIAL_RTO_MS * 1000000ull)
            r->tcp.syn_retransmits_inferred += tcp_syn_retransmits_inferred(
                connect_ns, w->eng->syn_linear_timeouts, TCP_SYN_INITIAL_RTO_MS);
    }
    if (c->tcp_ok) {
        r->tcp.retransmits_total += c->tcp.total_retrans;
        r->tcp.connections_with_retransmits += c->tcp.total_retrans > 0;
        r->tcp.retransmits_spurious += tcp_spurious_retransmits(&c->tcp);
        hist_record(&r->tcp.retransmits, c->tcp.total_retrans);
        if (c->tcp.rtt_us) hist_record(&r->tcp.rtt, (uint64_t)c->tcp.rtt_us * 1000u);
    }
    if (t->tls_done) {
        uint64_t hs = clock_span(t->tls_start, t->tls_done);
        hist_record(&r->phases[PHASE_TLS_HANDSHAKE], hs);
        hist_record(
            &r->phases[c->tls.resumed ? PHASE_TLS_HANDSHAKE_RESUMED : PHASE_TLS_HANDSHAKE_FULL],
            hs);
        hist_record(&r->phases[PHASE_TLS_CLIENT_CPU], t->tls_cpu_ns);
        if (t->server_hello)
            hist_record(&r->phases[PHASE_TLS_SERVER_HELLO],
                        clock_span(t->tls_start, t->server_hello));
        if (t->server_finished)
            hist_record(&r->phases[PHASE_TLS_SERVER_FINISHED],
                        clock_span(t->tls_start, t->server_finished));
        tally_add(&r->versions, c->tls.version, 1);
        tally_add(&r->ciphers, c->tls.cipher, 1);
        tally_add(&r->groups, c->tls.group, 1);
        tally_add(&r->sigalgs, c->tls.sigalg, 1);
        tally_add(&r->alpn, c->tls.alpn ? c->tls.alpn : "none", 1);
        const char *addr = w->eng->targets[c->target].label;
        if (c->tls.offered_ticket) {
            r->resumption.attempted++;
            tally_add(&r->resumption.per_address_attempted, addr, 1);
            if (c->tls.resumed) {
                r->resumption.accepted++;
                tally_add(&r->resumption.per_address_accepted, addr, 1);
                /* A resumed TLS 1.3 handshake with a key share is psk_dhe_ke. */
                tally_add(&r->resumption.ke_modes,
                          strcmp(c->tls.group, "none") ? "psk_dhe_ke" : "psk_ke", 1);
            } else {
                r->resumption.rejected++;
            }
        }
    }
    /* SETTINGS that came in with the handshake's last flight counts as 0. */
    if (t->settings && t->tls_done)
        hist_record(&r->phases[PHASE_H2_SETTINGS], clock_span(t->tls_done, t->settings));
    if (c->ready) r->connections_established++;
    if (t->last_stream_done)
        hist_record(&r->phases[PHASE_CONNECTION],
                    clock_span(t->connect_start, t->last_stream_done));
}
