/* hints.c - see hints.h. Thresholds are deliberately conservative: a phase
 * must be both well above the run's median (3x) and above an absolute floor
 * before it is called slow, so that microsecond noise on loopback never
 * produces a "diagnosis". */
#include "report/hints.h"

#include <stdio.h>
#include <string.h>

#include "measure/clock.h"

#define SLOW_FACTOR 3
#define SLOW_FLOOR_NS 5000000ull /* 5 ms */

/* Every retransmission of the connection came back D-SACKed: the receiver
 * had the data already, nothing was lost on the way. */
static bool all_spurious(const conn_story_t *s)
{
    return s->tcp_ok && s->tcp.total_retrans > 0 &&
           tcp_spurious_retransmits(&s->tcp) == s->tcp.total_retrans;
}

static void add(json_t *arr, const char *hint, const char *evidence)
{
    json_t *o = json_object();
    json_object_set_new(o, "hint", json_string(hint));
    json_object_set_new(o, "evidence", json_string(evidence));
    json_array_append_new(arr, o);
}

static int slow(uint64_t v, uint64_t median)
{
    return v >= SLOW_FLOOR_NS && v >= SLOW_FACTOR * median;
}

static double ms(uint64_t ns)
{
    return ns / 1e6;
}

void story_hints(const conn_story_t *s, const hint_baseline_t *b, json_t *arr)
{
    char ev[256];
    const conn_times_t *t = &s->t;
    uint32_t rto_ms = b->syn_initial_rto_ms ? b->syn_initial_rto_ms : 1000;

    if (t->tcp_up) {
        uint64_t connect = clock_span(t->connect_start, t->tcp_up);
        if (s->syn_retransmits > 0) {
            snprintf(ev, sizeof ev, "tcp_connect %.1f ms; TCP_INFO counts %u SYN retransmit(s)",
                     ms(connect), s->syn_retransmits);
            add(arr,
                "SYN retransmitted: packet loss or a full listen backlog (check ListenOverflows)",
                ev);
        } else if (connect >= (uint64_t)rto_ms * 1000000ull * 9 / 10) {
            snprintf(
                ev, sizeof ev,
                "tcp_connect %.1f ms, at least the initial SYN retransmission timeout (%u ms); "
                "no TCP_INFO SYN count for this connection",
                ms(connect), rto_ms);
            add(arr,
                "probably a SYN retransmit: packet loss or a full listen backlog (check "
                "ListenOverflows)",
                ev);
        } else if (b->tcp_connect_p50 && slow(connect, b->tcp_connect_p50)) {
            snprintf(
                ev, sizeof ev,
                "tcp_connect %.1f ms vs run median %.2f ms, below the SYN retransmission timeout",
                ms(connect), ms(b->tcp_connect_p50));
            add(arr,
                "slow TCP connect without a SYN retransmit: network delay or a busy server accept "
                "path",
                ev);
        }
    }

    if (s->tls.offered_ticket && t->tls_done && !s->tls.resumed) {
        add(arr, "ticket rejected: full handshake",
            "a session ticket was offered and the server answered with a full handshake");
    }

    if (t->tls_done && t->tls_start) {
        uint64_t hs = clock_span(t->tls_start, t->tls_done);
        uint64_t base = s->tls.resumed ? b->tls_resumed_p50 : b->tls_full_p50;
        uint32_t retrans = s->tcp_ok ? s->tcp.total_retrans : 0;
        if (base && slow(hs, base)) {
            if (retrans > 0 && !all_spurious(s)) {
                snprintf(ev, sizeof ev,
                         "tls_handshake %.1f ms vs median %.2f ms; %u TCP retransmit(s) on this "
                         "connection",
                         ms(hs), ms(base), retrans);
                add(arr, "handshake delayed by packet loss (TCP retransmits)", ev);
            } else if (s->tcp_ok) {
                uint64_t sh = t->server_hello ? clock_span(t->tls_start, t->server_hello) : 0;
                char loss[64] = "no TCP retransmits";
                if (retrans)
                    snprintf(loss, sizeof loss, "%u spurious (D-SACKed) retransmit(s), no loss",
                             retrans);
                snprintf(ev, sizeof ev,
                         "%s handshake %.1f ms vs median %.2f ms; ServerHello after %.1f ms; %s; "
                         "rtt %.2f ms",
                         s->tls.resumed ? "resumed" : "full", ms(hs), ms(base), ms(sh), loss,
                         s->tcp.rtt_us / 1000.0);
                add(arr,
                    "server-side TLS cost or CPU saturation (slow handshake with no packet loss)",
                    ev);
            }
        }
    }

    if (s->worst_ttfb_ns && b->ttfb_p50 && slow(s->worst_ttfb_ns, b->ttfb_p50)) {
        snprintf(ev, sizeof ev,
                 "slowest stream waited %.1f ms for response headers vs median %.2f ms%s",
                 ms(s->worst_ttfb_ns), ms(b->ttfb_p50),
                 s->tcp_ok && s->tcp.total_retrans ? " (the connection had TCP retransmits)" : "");
        add(arr, "slow response: server application time or queueing behind other streams", ev);
    }

    if (s->tcp_ok && s->tcp.total_retrans > 0 && !json_array_size(arr)) {
        uint32_t dsacked = tcp_spurious_retransmits(&s->tcp);
        snprintf(ev, sizeof ev,
                 "TCP_INFO: %u retransmit(s), %u of them D-SACKed, %u lost, rtt %.2f ms",
                 s->tcp.total_retrans, dsacked, s->tcp.lost, s->tcp.rtt_us / 1000.0);
        if (all_spurious(s))
            add(arr,
                "spurious retransmissions, not loss: every one was D-SACKed (the receiver had the "
                "data), so ACKs came late: a delayed ACK or a busy receiver",
                ev);
        else
            add(arr, "packet loss on this connection", ev);
    }

    if (s->streams_failed) {
        snprintf(ev, sizeof ev, "%u of %u stream(s) on this connection failed; first: %s",
                 s->streams_failed, s->streams, s->stream_error);
        add(arr,
            strstr(s->stream_error, "timeout")
                ? "a request timed out: the server stalled or answered too late"
                : "a request on this connection failed",
            ev);
    }

    if (s->err_phase) {
        snprintf(ev, sizeof ev, "failed in %s: %s", s->err_phase, s->err_reason);
        add(arr, "the connection failed; its phases after the failure were not measured", ev);
    }
}
