/* nfq_delay.c - the netlab's packet injector: a user-space stand-in for netem.
 *
 * An iptables rule (`-A INPUT -j NFQUEUE --queue-num Q`) hands every packet
 * entering the lab's network namespace to this program, which holds it for a
 * fixed one-way delay before accepting it, and optionally drops a
 * deterministic pseudo-random fraction of the packets (or the first N of a
 * chosen kind).
 *
 * Why a FIFO is enough: the kernel queues packets to us in arrival order and
 * every packet gets the same delay, so deadlines are non-decreasing in queue
 * order. Releasing the head whenever its deadline has passed therefore never
 * reorders packets and never holds a packet beyond its own deadline.
 *
 * Why INPUT and not OUTPUT: a packet held in OUTPUT still counts against the
 * sender's TCP small-queue budget, so back-to-back segments would each wait
 * for the previous one to be released and pick up a spurious extra delay.
 *
 * Timing: deadlines are CLOCK_MONOTONIC, waits use ppoll() with nanosecond
 * timeouts and a 1 ns timer slack (the default 50 us slack would be a visible
 * share of a 1 ms tolerance). The injector reports how late it released
 * packets, so the lab's own error is measured, not assumed.
 *
 * On SIGTERM/SIGINT it accepts every held packet at once (in order), prints
 * one line of counters on stdout and exits 0. SIGUSR1 prints the counters
 * and carries on. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define COPY_RANGE 128 /* enough for an IPv4/IPv6 header plus a full TCP header */
#define RECV_BUF_BYTES (256 * 1024)
#define NETLINK_RCVBUF_BYTES (8u * 1024 * 1024)

/* Which packets the loss options apply to. */
typedef enum loss_match {
    MATCH_ALL,     /* every packet */
    MATCH_SYN,     /* TCP SYN without ACK: connection attempts */
    MATCH_SYNACK,  /* TCP SYN+ACK */
    MATCH_PAYLOAD, /* TCP segments carrying data: everything after the TCP handshake but pure ACKs
                    */
    MATCH_NO_SYN,  /* every TCP segment without SYN: after the TCP handshake, pure ACKs included */
} loss_match;

typedef struct options {
    unsigned queue;
    uint64_t delay_ns;
    double loss;         /* probability of dropping a matching packet */
    uint64_t drop_first; /* drop the first N matching packets, regardless of --loss */
    loss_match match;
    uint64_t seed;
    size_t max_held;
    uint64_t spin_ns; /* busy-poll this long before each deadline */
    const char *ready_file;
    bool realtime;
} options;

typedef struct held_packet {
    uint32_t id;
    uint64_t deadline_ns;
} held_packet;

typedef struct counters {
    uint64_t received, delayed, dropped, dropped_syn, matched, flushed, forced_early, not_ip;
    uint64_t held_max;
    uint64_t late_max_ns, late_sum_ns;
} counters;

typedef struct injector {
    options opt;
    struct nfq_q_handle *qh;
    held_packet *fifo; /* ring buffer of opt.max_held entries */
    size_t head, count;
    uint64_t rng;
    uint64_t now_ns; /* read once per recv() batch: the packets' arrival time */
    counters c;
} injector;

static volatile sig_atomic_t stop_requested, print_requested;

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        print_requested = 1;
    else
        stop_requested = 1;
}

static uint64_t mono_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* splitmix64: tiny, seedable, and good enough to make loss reproducible. */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double rng_unit(uint64_t *state)
{
    return (double)(rng_next(state) >> 11) * (1.0 / 9007199254740992.0);
}

/* TCP facts of one packet, from its (truncated) IP header onwards. */
typedef struct tcp_view {
    bool is_tcp;
    uint8_t flags;
    uint32_t payload_len;
} tcp_view;

enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_ACK = 0x10 };

static tcp_view classify(const unsigned char *p, int len, bool *is_ip)
{
    tcp_view v = {0};
    *is_ip = false;
    if (len < 1) return v;
    unsigned ip_hdr, ip_total;
    int proto;
    if ((p[0] >> 4) == 4 && len >= 20) {
        ip_hdr = (p[0] & 0x0fu) * 4u;
        ip_total = ((unsigned)p[2] << 8) | p[3];
        proto = p[9];
    } else if ((p[0] >> 4) == 6 && len >= 40) {
        ip_hdr = 40; /* extension headers are not followed: the lab's TCP has none */
        ip_total = 40u + (((unsigned)p[4] << 8) | p[5]);
        proto = p[6];
    } else {
        return v;
    }
    *is_ip = true;
    if (proto != 6 || (unsigned)len < ip_hdr + 14u) return v;
    const unsigned char *t = p + ip_hdr;
    unsigned tcp_hdr = (t[12] >> 4) * 4u;
    v.is_tcp = true;
    v.flags = t[13];
    v.payload_len = ip_total > ip_hdr + tcp_hdr ? ip_total - ip_hdr - tcp_hdr : 0;
    return v;
}

static bool matches(loss_match m, tcp_view v)
{
    switch (m) {
    case MATCH_ALL:
        return true;
    case MATCH_SYN:
        return v.is_tcp && (v.flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
    case MATCH_SYNACK:
        return v.is_tcp && (v.flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK);
    case MATCH_PAYLOAD:
        return v.is_tcp && v.payload_len > 0;
    case MATCH_NO_SYN:
        return v.is_tcp && !(v.flags & TCP_SYN);
    }
    return false;
}

static void verdict(injector *inj, uint32_t id, uint32_t what)
{
    if (nfq_set_verdict(inj->qh, id, what, 0, NULL) < 0)
        fprintf(stderr, "nfq_delay: nfq_set_verdict(id %" PRIu32 "): %s\n", id, strerror(errno));
}

/* Accept the oldest held packet now, and account how late that is. */
static void release_head(injector *inj, uint64_t now)
{
    held_packet *hp = &inj->fifo[inj->head];
    verdict(inj, hp->id, NF_ACCEPT);
    if (now > hp->deadline_ns) {
        uint64_t late = now - hp->deadline_ns;
        inj->c.late_sum_ns += late;
        if (late > inj->c.late_max_ns) inj->c.late_max_ns = late;
    }
    inj->head = (inj->head + 1) % inj->opt.max_held;
    inj->count--;
    inj->c.delayed++;
}

static void release_due(injector *inj)
{
    while (inj->count > 0) {
        uint64_t now = mono_now_ns();
        if (inj->fifo[inj->head].deadline_ns > now) break;
        release_head(inj, now);
    }
}

static bool should_drop(injector *inj, tcp_view v)
{
    if (!matches(inj->opt.match, v)) return false;
    inj->c.matched++;
    if (inj->c.matched <= inj->opt.drop_first) return true;
    /* Always draw, so the loss pattern depends only on the seed and the
     * sequence of matching packets. */
    return rng_unit(&inj->rng) < inj->opt.loss;
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa,
                     void *data)
{
    (void)qh;
    (void)msg;
    injector *inj = data;
    struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
    if (!ph) return 0;
    uint32_t id = ntohl(ph->packet_id);
    unsigned char *payload = NULL;
    int len = nfq_get_payload(nfa, &payload);
    bool is_ip;
    tcp_view v = classify(payload, len, &is_ip);
    inj->c.received++;
    if (!is_ip) inj->c.not_ip++;

    if (should_drop(inj, v)) {
        /* Dropping now, not at the deadline, cannot reorder what is delivered. */
        verdict(inj, id, NF_DROP);
        inj->c.dropped++;
        if (v.is_tcp && (v.flags & TCP_SYN)) inj->c.dropped_syn++;
        return 0;
    }
    if (inj->opt.delay_ns == 0) {
        verdict(inj, id, NF_ACCEPT);
        inj->c.delayed++;
        return 0;
    }
    if (inj->count == inj->opt.max_held) {
        /* Never reorder: make room by releasing the oldest early, and say so. */
        release_head(inj, mono_now_ns());
        inj->c.forced_early++;
    }
    size_t tail = (inj->head + inj->count) % inj->opt.max_held;
    inj->fifo[tail] = (held_packet){.id = id, .deadline_ns = inj->now_ns + inj->opt.delay_ns};
    inj->count++;
    if (inj->count > inj->c.held_max) inj->c.held_max = inj->count;
    return 0;
}

static const char usage_text[] =
    "usage: nfq_delay [-q QUEUE] [-d DELAY_MS] [-l LOSS] [--match KIND] [--drop-first N]\n"
    "                 [-s SEED] [--max-held N] [--ready-file PATH] [--realtime] [--spin-us N]\n"
    "  -q, --queue N        NFQUEUE number to bind (default 0)\n"
    "  -d, --delay-ms MS    one-way delay added to every packet, may be fractional (default 0)\n"
    "  -l, --loss P         drop each matching packet with probability P in [0,1]\n"
    "      --match KIND     packets loss applies to: all (default), syn, synack,\n"
    "                       payload (TCP data segments), no-syn (all TCP but SYNs)\n"
    "      --drop-first N   drop the first N matching packets\n"
    "  -s, --seed N         seed of the loss PRNG (default 1)\n"
    "      --max-held N     packets held at most at once (default 65536)\n"
    "      --ready-file P   write P once the queue is bound (install the rule after)\n"
    "      --realtime       run under SCHED_FIFO so busy CPUs do not delay releases\n"
    "      --spin-us N      busy-poll the last N us before each deadline (default 0)\n"
    "On SIGTERM/SIGINT: releases held packets, prints counters on stdout, exits 0.\n"
    "On SIGUSR1: prints counters on stdout and carries on.\n";

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-') return false;
    *out = v;
    return true;
}

static bool parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end) return false;
    *out = v;
    return true;
}

static int parse_options(int argc, char **argv, options *o)
{
    enum { OPT_MATCH = 256, OPT_DROP_FIRST, OPT_MAX_HELD, OPT_READY, OPT_RT, OPT_SPIN };
    static const struct option longopts[] = {
        {"queue", required_argument, NULL, 'q'},
        {"delay-ms", required_argument, NULL, 'd'},
        {"loss", required_argument, NULL, 'l'},
        {"seed", required_argument, NULL, 's'},
        {"match", required_argument, NULL, OPT_MATCH},
        {"drop-first", required_argument, NULL, OPT_DROP_FIRST},
        {"max-held", required_argument, NULL, OPT_MAX_HELD},
        {"ready-file", required_argument, NULL, OPT_READY},
        {"realtime", no_argument, NULL, OPT_RT},
        {"spin-us", required_argument, NULL, OPT_SPIN},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *o = (options){.seed = 1, .max_held = 65536, .match = MATCH_ALL};
    int ch;
    uint64_t u;
    double d;
    while ((ch = getopt_long(argc, argv, "q:d:l:s:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'q':
            if (!parse_u64(optarg, &u) || u > 65535) goto bad;
            o->queue = (unsigned)u;
            break;
        case 'd':
            if (!parse_double(optarg, &d) || d < 0 || d > 60000) goto bad;
            o->delay_ns = (uint64_t)(d * 1e6 + 0.5);
            break;
        case 'l':
            if (!parse_double(optarg, &d) || d < 0 || d > 1) goto bad;
            o->loss = d;
            break;
        case 's':
            if (!parse_u64(optarg, &o->seed)) goto bad;
            break;
        case OPT_MATCH:
            if (!strcmp(optarg, "all"))
                o->match = MATCH_ALL;
            else if (!strcmp(optarg, "syn"))
                o->match = MATCH_SYN;
            else if (!strcmp(optarg, "synack"))
                o->match = MATCH_SYNACK;
            else if (!strcmp(optarg, "payload"))
                o->match = MATCH_PAYLOAD;
            else if (!strcmp(optarg, "no-syn"))
                o->match = MATCH_NO_SYN;
            else
                goto bad;
            break;
        case OPT_DROP_FIRST:
            if (!parse_u64(optarg, &o->drop_first)) goto bad;
            break;
        case OPT_MAX_HELD:
            if (!parse_u64(optarg, &u) || u < 1 || u > (1u << 24)) goto bad;
            o->max_held = (size_t)u;
            break;
        case OPT_READY:
            o->ready_file = optarg;
            break;
        case OPT_RT:
            o->realtime = true;
            break;
        case OPT_SPIN:
            if (!parse_u64(optarg, &u) || u > 10000) goto bad;
            o->spin_ns = u * 1000;
            break;
        case 'h':
            fputs(usage_text, stdout);
            exit(0);
        default:
            fputs(usage_text, stderr);
            return -1;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "nfq_delay: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return 0;
bad:
    for (const struct option *lo = longopts; lo->name; lo++)
        if (lo->val == ch)
            fprintf(stderr, "nfq_delay: invalid value '%s' for --%s\n", optarg, lo->name);
    return -1;
}

static const char *match_name(loss_match m)
{
    static const char *names[] = {"all", "syn", "synack", "payload", "no-syn"};
    return names[m];
}

static void print_counters(const injector *inj)
{
    const counters *c = &inj->c;
    printf("nfq_delay: queue=%u delay_us=%.1f loss=%g match=%s drop_first=%" PRIu64 " seed=%" PRIu64
           " received=%" PRIu64 " matched=%" PRIu64 " delayed=%" PRIu64 " dropped=%" PRIu64
           " dropped_syn=%" PRIu64 " flushed=%" PRIu64 " forced_early=%" PRIu64 " not_ip=%" PRIu64
           " held_max=%" PRIu64 " late_max_us=%.1f late_mean_us=%.1f\n",
           inj->opt.queue, inj->opt.delay_ns / 1e3, inj->opt.loss, match_name(inj->opt.match),
           inj->opt.drop_first, inj->opt.seed, c->received, c->matched, c->delayed, c->dropped,
           c->dropped_syn, c->flushed, c->forced_early, c->not_ip, c->held_max,
           c->late_max_ns / 1e3,
           c->delayed ? (double)c->late_sum_ns / (double)c->delayed / 1e3 : 0.0);
    fflush(stdout);
}

static int write_ready_file(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
        fprintf(stderr, "nfq_delay: cannot write ready file %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static void make_timely(bool realtime)
{
    /* The default 50 us timer slack would be a visible share of the tolerance. */
    if (prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0) != 0)
        fprintf(stderr, "nfq_delay: PR_SET_TIMERSLACK: %s (continuing)\n", strerror(errno));
    if (realtime) {
        struct sched_param sp = {.sched_priority = 10};
        if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
            fprintf(stderr, "nfq_delay: SCHED_FIFO: %s (continuing)\n", strerror(errno));
    }
}

/* Open the queue; returns the netlink fd or -1 with a message. */
static int open_queue(injector *inj, struct nfq_handle **hp)
{
    struct nfq_handle *h = nfq_open();
    if (!h) {
        fprintf(stderr, "nfq_delay: nfq_open: %s (is nfnetlink_queue available, are you root?)\n",
                strerror(errno));
        return -1;
    }
    *hp = h;
    inj->qh = nfq_create_queue(h, (uint16_t)inj->opt.queue, on_packet, inj);
    if (!inj->qh) {
        fprintf(stderr, "nfq_delay: cannot bind queue %u: %s (another process bound to it?)\n",
                inj->opt.queue, strerror(errno));
        return -1;
    }
    if (nfq_set_mode(inj->qh, NFQNL_COPY_PACKET, COPY_RANGE) < 0) {
        fprintf(stderr, "nfq_delay: nfq_set_mode: %s\n", strerror(errno));
        return -1;
    }
    /* The kernel drops packets beyond the queue length: make it larger than
     * anything the lab holds, so loss is only ever the loss we chose. */
    if (nfq_set_queue_maxlen(inj->qh, (uint32_t)inj->opt.max_held) < 0)
        fprintf(stderr, "nfq_delay: nfq_set_queue_maxlen: %s (continuing)\n", strerror(errno));
    int fd = nfq_fd(h);
    nfnl_rcvbufsiz(nfq_nfnlh(h), NETLINK_RCVBUF_BYTES);
    int one = 1;
    /* A lost queue message would strand its packet in the kernel forever. */
    setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one);
    return fd;
}

/* Read the messages waiting on the socket, at most a bounded batch so held
 * packets due meanwhile are not starved. Returns -1 on a fatal error. */
static int drain_socket(injector *inj, struct nfq_handle *h, int fd, char *buf)
{
    for (int batch = 0; batch < 256; batch++) {
        ssize_t n = recv(fd, buf, RECV_BUF_BYTES, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
            if (errno == ENOBUFS) {
                fprintf(stderr, "nfq_delay: netlink receive buffer overflowed: packets lost\n");
                continue;
            }
            fprintf(stderr, "nfq_delay: recv: %s\n", strerror(errno));
            return -1;
        }
        inj->now_ns = mono_now_ns();
        nfq_handle_packet(h, buf, (int)n);
    }
    return 0;
}

static int run(injector *inj, struct nfq_handle *h, int fd, char *buf)
{
    sigset_t blocked, during_wait;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGINT);
    sigaddset(&blocked, SIGUSR1);
    /* Stop signals are only delivered inside ppoll(), so none is missed
     * between checking stop_requested and sleeping. */
    sigprocmask(SIG_BLOCK, &blocked, &during_wait);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);

    while (!stop_requested) {
        if (print_requested) {
            print_requested = 0;
            print_counters(inj);
        }
        release_due(inj);
        struct timespec ts, *tsp = NULL;
        if (inj->count > 0) {
            uint64_t now = mono_now_ns(), due = inj->fifo[inj->head].deadline_ns;
            uint64_t wait = due > now ? due - now : 0;
            /* Timer wake-ups are late by tens of microseconds on VMs: sleep
             * until spin_ns before the deadline, then poll without sleeping
             * (still reading new packets, so their arrival times stay exact). */
            wait = wait > inj->opt.spin_ns ? wait - inj->opt.spin_ns : 0;
            ts.tv_sec = (time_t)(wait / 1000000000ull);
            ts.tv_nsec = (long)(wait % 1000000000ull);
            tsp = &ts;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = ppoll(&pfd, 1, tsp, &during_wait);
        if (r < 0 && errno != EINTR) {
            fprintf(stderr, "nfq_delay: ppoll: %s\n", strerror(errno));
            return -1;
        }
        if (r > 0 && (pfd.revents & POLLIN) && drain_socket(inj, h, fd, buf) < 0) return -1;
    }
    /* Leave nothing stranded: accept the held packets in order, now. */
    uint64_t now = mono_now_ns();
    while (inj->count > 0) {
        release_head(inj, now);
        inj->c.flushed++;
    }
    return 0;
}

int main(int argc, char **argv)
{
    injector inj = {0};
    if (parse_options(argc, argv, &inj.opt) < 0) return 2;
    inj.rng = inj.opt.seed;
    inj.fifo = calloc(inj.opt.max_held, sizeof *inj.fifo);
    char *buf = malloc(RECV_BUF_BYTES);
    if (!inj.fifo || !buf) {
        fprintf(stderr, "nfq_delay: cannot allocate %zu held packets\n", inj.opt.max_held);
        return 1;
    }
    make_timely(inj.opt.realtime);
    struct nfq_handle *h = NULL;
    int fd = open_queue(&inj, &h);
    int rc = 1;
    if (fd >= 0 && (!inj.opt.ready_file || write_ready_file(inj.opt.ready_file) == 0))
        rc = run(&inj, h, fd, buf) == 0 ? 0 : 1;
    print_counters(&inj);
    if (inj.qh) nfq_destroy_queue(inj.qh);
    if (h) nfq_close(h);
    free(inj.fifo);
    free(buf);
    return rc;
}
