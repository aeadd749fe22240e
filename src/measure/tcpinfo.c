/* tcpinfo.c - TCP_INFO snapshots and SYN-retransmit accounting. */
#include "measure/tcpinfo.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/tcp.h> /* struct tcp_info with every tcpi_* field (glibc's is shorter) */

int tcp_snapshot_read(int fd, tcp_snapshot_t *out)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;

    memset(out, 0, sizeof *out);
    /* Zeroed so that fields an older kernel does not fill (it copies only
     * the prefix it knows and shortens len) read as 0, never as garbage. */
    memset(&ti, 0, sizeof ti);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0) return -1;
    if (len < offsetof(struct tcp_info, tcpi_total_retrans) + sizeof ti.tcpi_total_retrans) {
        /* Every kernel since 2.6 reports at least this much; anything shorter
         * is not a TCP socket's tcp_info. */
        errno = EOPNOTSUPP;
        return -1;
    }
    out->state = ti.tcpi_state;
    out->ca_state = ti.tcpi_ca_state;
    out->rtt_us = ti.tcpi_rtt;
    out->rttvar_us = ti.tcpi_rttvar;
    out->min_rtt_us = ti.tcpi_min_rtt;
    out->rto_us = ti.tcpi_rto;
    out->total_retrans = ti.tcpi_total_retrans;
    out->retransmits = ti.tcpi_retransmits;
    out->backoff = ti.tcpi_backoff;
    out->lost = ti.tcpi_lost;
    out->retrans_out = ti.tcpi_retrans;
    out->snd_cwnd = ti.tcpi_snd_cwnd;
    out->snd_ssthresh = ti.tcpi_snd_ssthresh;
    out->snd_mss = ti.tcpi_snd_mss;
    out->reordering = ti.tcpi_reordering;
    out->segs_out = ti.tcpi_segs_out;
    out->segs_in = ti.tcpi_segs_in;
    out->bytes_retrans = ti.tcpi_bytes_retrans;
    out->dsack_dups = ti.tcpi_dsack_dups;
    return 0;
}

uint32_t tcp_syn_retransmits_at_connect(const tcp_snapshot_t *at_connect)
{
    return at_connect->total_retrans;
}

uint64_t tcp_syn_retransmit_time_ms(unsigned n, unsigned linear, uint32_t initial_rto_ms)
{
    uint64_t t = 0, rto = initial_rto_ms;
    /* Timeout k (1-based) lasts initial_rto while k <= linear + 1 (the
     * "linear" retries plus the first ordinary timeout), then doubles; the
     * kernel caps a single RTO at TCP_RTO_MAX (120 s). */
    for (unsigned k = 1; k <= n; k++) {
        if (k > linear + 1 && rto < 120000) rto *= 2;
        if (rto > 120000) rto = 120000;
        t += rto;
        if (t > UINT64_MAX / 4) break; /* absurd n: saturate instead of wrapping */
    }
    return t;
}

unsigned tcp_syn_retransmits_inferred(uint64_t connect_ns, unsigned linear, uint32_t initial_rto_ms)
{
    if (initial_rto_ms == 0) return 0;
    uint64_t ms = connect_ns / 1000000u;
    unsigned n = 0;
    /* Bounded: tcp_syn_retries is at most 127 in the kernel. */
    while (n < 127 && tcp_syn_retransmit_time_ms(n + 1, linear, initial_rto_ms) <= ms)
        n++;
    return n;
}

unsigned tcp_syn_linear_timeouts(void)
{
    FILE *f = fopen("/proc/sys/net/ipv4/tcp_syn_linear_timeouts", "r");
    unsigned v = 0;
    if (!f) return 0;
    if (fscanf(f, "%u", &v) != 1) v = 0;
    fclose(f);
    return v;
}

const char *tcp_state_name(uint32_t state)
{
    /* Indexed by the kernel's TCP state numbers (net/tcp_states.h, a stable
     * ABI shared with netinet/tcp.h and inet_diag); spelled out because
     * netinet/tcp.h, which names them, cannot be included with linux/tcp.h. */
    static const char *const names[] = {
        "UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",    "TIME_WAIT",
        "CLOSE",   "CLOSE_WAIT",  "LAST_ACK", "LISTEN",   "CLOSING",   "NEW_SYN_RECV",
    };
    if (state < sizeof names / sizeof names[0]) return names[state];
    return "UNKNOWN";
}

json_t *tcp_snapshot_to_json(const tcp_snapshot_t *s)
{
    /* min_rtt is ~0U until the first RTT sample: report "no sample", not 4295 s. */
    json_t *min_rtt = s->min_rtt_us == UINT32_MAX ? json_null() : json_integer(s->min_rtt_us);
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:o, s:I, s:I, s:I, s:I}", "rtt_us",
                     (json_int_t)s->rtt_us, "rttvar_us", (json_int_t)s->rttvar_us, "retransmits",
                     (json_int_t)s->total_retrans, "lost", (json_int_t)s->lost, "syn_retransmits",
                     (json_int_t)s->syn_retransmits, "snd_cwnd", (json_int_t)s->snd_cwnd,
                     "reordering", (json_int_t)s->reordering, "state", tcp_state_name(s->state),
                     "min_rtt_us", min_rtt, "rto_us", (json_int_t)s->rto_us, "retransmits_now",
                     (json_int_t)s->retransmits, "bytes_retrans", (json_int_t)s->bytes_retrans,
                     "dsack_dups", (json_int_t)s->dsack_dups);
}
