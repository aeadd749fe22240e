/* tcpinfo.h - one socket's TCP state as the kernel sees it (getsockopt TCP_INFO).
 *
 * A snapshot is a copy of the fields of struct tcp_info that tlsprof reports,
 * taken at a moment the caller chooses. What a field means depends on that
 * moment (see docs/kernel.md, "TCP_INFO sampling points"):
 *
 *  - right after connect() completes (socket writable, SO_ERROR 0), the only
 *    segments the socket has ever retransmitted are SYNs, so total_retrans
 *    then IS the number of SYN retransmissions (tcp_syn_retransmits_at_connect);
 *  - just before close(), total_retrans is every segment the connection
 *    retransmitted over its life, SYNs included - the per-connection
 *    counterpart of the system-wide Tcp RetransSegs counter.
 *
 * Times are microseconds, as the kernel reports them. */
#ifndef TLSPROF_TCPINFO_H
#define TLSPROF_TCPINFO_H

#include <stdint.h>
#include <jansson.h>

/* Linux's initial retransmission timeout for SYNs (TCP_TIMEOUT_INIT). */
#define TCP_SYN_INITIAL_RTO_MS 1000u

typedef struct tcp_snapshot {
    uint32_t state;         /* TCP_ESTABLISHED, ... (netinet/tcp.h numbering) */
    uint32_t ca_state;      /* congestion-avoidance state: 0 open ... 4 loss */
    uint32_t rtt_us;        /* smoothed RTT; 0 until the first RTT sample */
    uint32_t rttvar_us;     /* RTT mean deviation */
    uint32_t min_rtt_us;    /* windowed minimum RTT (~0xffffffff before a sample) */
    uint32_t rto_us;        /* current retransmission timeout */
    uint32_t total_retrans; /* segments retransmitted over the socket's life, SYNs included */
    uint32_t retransmits;   /* CURRENT run of consecutive RTO expiries (icsk_retransmits):
                               reset to 0 by any ACK of new data, so usually 0 */
    uint32_t backoff;       /* current RTO exponential backoff shift */
    uint32_t lost;          /* segments currently presumed lost (not cumulative) */
    uint32_t retrans_out;   /* segments retransmitted and not yet acknowledged */
    uint32_t snd_cwnd;      /* congestion window, in segments */
    uint32_t snd_ssthresh;  /* slow-start threshold, in segments */
    uint32_t snd_mss;
    uint32_t reordering; /* reordering degree the sender assumes (default 3) */
    uint32_t segs_out;   /* segments sent, retransmissions included */
    uint32_t segs_in;
    uint64_t bytes_retrans; /* payload bytes retransmitted (kernel >= 4.19, else 0) */
    uint32_t dsack_dups;    /* D-SACKs received: retransmissions the receiver already had,
                               i.e. spurious (kernel >= 4.19, else 0) */
    /* Set by the caller from a snapshot taken at connect completion
     * (tcp_syn_retransmits_at_connect); tcp_snapshot_read leaves it 0. */
    uint32_t syn_retransmits;
} tcp_snapshot_t;

/* Read fd's TCP_INFO into *out (zeroed first). Returns 0, or -1 with errno
 * set (EBADF, ENOTSOCK, EOPNOTSUPP for a non-TCP socket, ...). Fields the
 * running kernel does not report stay 0. Cost: one system call, no allocation. */
int tcp_snapshot_read(int fd, tcp_snapshot_t *out);

/* Retransmissions the receiver D-SACKed (it had the data: spurious, not
 * loss). A D-SACK can only answer a retransmission, but never count more
 * than there were retransmissions at all. */
static inline uint32_t tcp_spurious_retransmits(const tcp_snapshot_t *s)
{
    return s->dsack_dups < s->total_retrans ? s->dsack_dups : s->total_retrans;
}

/* SYN retransmissions of a connection, from a snapshot read when connect()
 * completed and before any data was sent: its total_retrans (a socket in
 * SYN_SENT retransmits nothing but its SYN). Exact, not inferred. */
uint32_t tcp_syn_retransmits_at_connect(const tcp_snapshot_t *at_connect);

/* Time after the first SYN at which SYN retransmission number n (1-based)
 * leaves, in milliseconds, for an initial RTO of initial_rto_ms and the
 * kernel's net.ipv4.tcp_syn_linear_timeouts (0 before Linux 6.5, default 4
 * since): the first `linear` timeouts last initial_rto each, then they double.
 * linear=0, rto=1000: 1000, 3000, 7000, 15000 ms; linear=4: 1000, 2000, 3000,
 * 4000, 5000, 7000, 11000 ms. Returns 0 for n == 0. */
uint64_t tcp_syn_retransmit_time_ms(unsigned n, unsigned linear, uint32_t initial_rto_ms);

/* How many SYN retransmissions a connect() that took connect_ns must have
 * needed: the largest n with tcp_syn_retransmit_time_ms(n) <= connect time.
 * An inference (a path with a 1 s RTT looks the same); prefer the exact
 * tcp_syn_retransmits_at_connect whenever a snapshot was taken. */
unsigned tcp_syn_retransmits_inferred(uint64_t connect_ns, unsigned linear,
                                      uint32_t initial_rto_ms);

/* net.ipv4.tcp_syn_linear_timeouts of the calling thread's network namespace;
 * 0 when the sysctl does not exist (kernel < 6.5: purely exponential backoff). */
unsigned tcp_syn_linear_timeouts(void);

/* "ESTABLISHED", "SYN_SENT", ... or "UNKNOWN". */
const char *tcp_state_name(uint32_t state);

/* The event-log `tcp_info` object (docs/report-format.md):
 * {rtt_us, rttvar_us, retransmits (= total_retrans, SYNs included), lost,
 *  syn_retransmits, snd_cwnd, reordering} plus state (name), min_rtt_us,
 * rto_us, retransmits_now (the current RTO run), bytes_retrans, dsack_dups.
 * Returns a new reference, or NULL when out of memory. */
json_t *tcp_snapshot_to_json(const tcp_snapshot_t *s);

#endif
