/* sockdiag.c - TCP socket counts through NETLINK_SOCK_DIAG (inet_diag). */
#include "measure/sockdiag.h"

#include "measure/clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/time.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>

/* The kernel never sends a dump chunk larger than 32 KiB minus overhead
 * (netlink caps max_recvmsg_len there); twice that leaves no room for
 * MSG_TRUNC. */
#define SOCKDIAG_RECV_BUF (64 * 1024)
/* A dump of even a million sockets takes well under this; a kernel that
 * stops answering must not hang a run. */
#define SOCKDIAG_DUMP_TIMEOUT_NS (10ull * 1000000000ull)

struct sockdiag {
    int fd;
    uint32_t seq;
    int bytecode_refused; /* the kernel rejected our filter once: stop sending it */
    sockdiag_stats_t last;
    unsigned char buf[SOCKDIAG_RECV_BUF];
};

/* What we are looking for, normalised once per count. */
typedef struct target {
    int family; /* AF_INET or AF_INET6 */
    int sides;  /* bit 1 << SOCKDIAG_BY_DST and/or 1 << SOCKDIAG_BY_SRC */
    uint32_t states;
    uint16_t port;          /* host order; 0 = any */
    int wildcard;           /* any address of `family` */
    unsigned char addr[16]; /* 4 or 16 bytes, network order */
} target_t;

static void set_err(char *err, size_t errlen, const char *what, int e)
{
    if (err && errlen) snprintf(err, errlen, "sockdiag: %s: %s", what, strerror(e));
}

sockdiag_t *sockdiag_open(char *err, size_t errlen)
{
    sockdiag_t *h = calloc(1, sizeof *h);
    if (!h) {
        set_err(err, errlen, "allocating the receive buffer", ENOMEM);
        return NULL;
    }
    h->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (h->fd < 0) {
        set_err(err, errlen, "socket(AF_NETLINK, NETLINK_SOCK_DIAG)", errno);
        free(h);
        return NULL;
    }
    /* A per-recv timeout so a silent kernel cannot block us; the whole dump
     * is also bounded by SOCKDIAG_DUMP_TIMEOUT_NS. */
    struct timeval tv = {.tv_sec = 2, .tv_usec = 0};
    setsockopt(h->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    h->seq = (uint32_t)getpid() << 8; /* any start; only equality matters */
    return h;
}

void sockdiag_close(sockdiag_t *h)
{
    if (!h) return;
    close(h->fd);
    free(h);
}

void sockdiag_set_kernel_filter(sockdiag_t *h, int on)
{
    h->bytecode_refused = !on;
}

void sockdiag_last_stats(const sockdiag_t *h, sockdiag_stats_t *out)
{
    *out = h->last;
}

static int target_from_sockaddr(target_t *t, const struct sockaddr *sa, int sides, uint32_t states,
                                char *err, size_t errlen)
{
    static const unsigned char zero[16];
    memset(t, 0, sizeof *t);
    if (!sa) {
        if (err && errlen) snprintf(err, errlen, "sockdiag: no address given");
        return -1;
    }
    t->sides = sides;
    t->states = states;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        t->family = AF_INET;
        t->port = ntohs(in->sin_port);
        memcpy(t->addr, &in->sin_addr, 4);
        t->wildcard = memcmp(t->addr, zero, 4) == 0;
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        t->family = AF_INET6;
        t->port = ntohs(in6->sin6_port);
        memcpy(t->addr, &in6->sin6_addr, 16);
        t->wildcard = memcmp(t->addr, zero, 16) == 0;
    } else {
        if (err && errlen)
            snprintf(err, errlen, "sockdiag: address family %d is neither AF_INET nor AF_INET6",
                     sa->sa_family);
        return -1;
    }
    return 0;
}

/* Does one record the kernel sent match? Applied to every record even when
 * the kernel filtered, so the count never depends on the filter's details. */
static int record_matches(const struct inet_diag_msg *m, const target_t *t, int side)
{
    static const unsigned char v4mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (m->idiag_state >= 32 || !(t->states & (1u << m->idiag_state))) return 0;
    uint16_t port = ntohs(side == SOCKDIAG_BY_DST ? m->id.idiag_dport : m->id.idiag_sport);
    if (t->port && port != t->port) return 0;
    const unsigned char *a =
        (const unsigned char *)(side == SOCKDIAG_BY_DST ? m->id.idiag_dst : m->id.idiag_src);
    if (m->idiag_family == t->family)
        return t->wildcard || memcmp(a, t->addr, t->family == AF_INET ? 4 : 16) == 0;
    /* An AF_INET6 socket talking IPv4 carries ::ffff:a.b.c.d. */
    if (t->family == AF_INET && m->idiag_family == AF_INET6 && memcmp(a, v4mapped_prefix, 12) == 0)
        return t->wildcard || memcmp(a + 12, t->addr, 4) == 0;
    return 0;
}

/* Kernel-side filter: one D_COND or S_COND test per side asked for. A
 * test's "yes" moves on to the next op and its "no" jumps; reaching the end
 * exactly accepts, jumping 4 bytes past it rejects (inet_diag's rules).
 * One side is one test: yes = end, no = reject. Both sides is an OR, laid
 * out as `ss` does it, because the kernel's audit only accepts "no" targets
 * it can reach by following "yes" links from the start:
 *
 *   D_COND (yes: next, no: S_COND) ; JMP (always no: end) ; S_COND (yes: end, no: reject)
 *
 * Returns the bytecode length, or 0 when there is nothing to filter. */
static size_t build_bytecode(const target_t *t, unsigned char *bc, size_t cap)
{
    size_t alen = t->family == AF_INET ? 4 : 16;
    size_t one = sizeof(struct inet_diag_bc_op) + sizeof(struct inet_diag_hostcond) + alen;
    int both = t->sides == ((1 << SOCKDIAG_BY_DST) | (1 << SOCKDIAG_BY_SRC));
    size_t jmp = sizeof(struct inet_diag_bc_op);
    size_t len = both ? 2 * one + jmp : one;
    if (t->wildcard && !t->port) return 0;
    if (len > cap) return 0;
    /* memset, not an initializer: the padding after prefix_len is sent to
     * the kernel too and must not be uninitialised stack (valgrind). */
    struct inet_diag_hostcond hc;
    memset(&hc, 0, sizeof hc);
    hc.family = (unsigned char)t->family;
    hc.prefix_len = (unsigned char)(t->wildcard ? 0 : alen * 8);
    hc.port = t->port ? t->port : -1; /* host order; -1 = any port */
    unsigned char *p = bc;
    for (int side = SOCKDIAG_BY_DST; side <= SOCKDIAG_BY_SRC; side++) {
        if (!(t->sides & (1 << side))) continue;
        int first_of_two = both && p == bc;
        struct inet_diag_bc_op op = {
            .code = side == SOCKDIAG_BY_DST ? INET_DIAG_BC_D_COND : INET_DIAG_BC_S_COND,
            .yes = (unsigned char)one,
            .no = (unsigned short)(one + (first_of_two ? jmp : 4)),
        };
        memcpy(p, &op, sizeof op);
        memcpy(p + sizeof op, &hc, sizeof hc);
        memcpy(p + sizeof op + sizeof hc, t->addr, alen);
        p += one;
        if (first_of_two) {
            struct inet_diag_bc_op j = {.code = INET_DIAG_BC_JMP,
                                        .yes = (unsigned char)jmp,
                                        .no = (unsigned short)(jmp + one)};
            memcpy(p, &j, sizeof j);
            p += jmp;
        }
    }
    return len;
}

static int send_dump_request(sockdiag_t *h, const target_t *t, int dump_family, int with_bytecode)
{
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 req;
        unsigned char attrs[80];
    } msg;
    memset(&msg, 0, sizeof msg);
    msg.req.sdiag_family = (unsigned char)dump_family;
    msg.req.sdiag_protocol = IPPROTO_TCP;
    msg.req.idiag_states = t->states;
    size_t len = NLMSG_LENGTH(sizeof msg.req);
    if (with_bytecode) {
        /* The request id's ports are a cheap pre-filter the kernel applies
         * before even looking at the bytecode (0 = any). Both must hold, so
         * it serves a one-sided count only. */
        if (t->sides == 1 << SOCKDIAG_BY_DST)
            msg.req.id.idiag_dport = htons(t->port);
        else if (t->sides == 1 << SOCKDIAG_BY_SRC)
            msg.req.id.idiag_sport = htons(t->port);
        unsigned char bc[64];
        size_t bclen = build_bytecode(t, bc, sizeof bc);
        if (bclen) {
            struct rtattr *rta = (struct rtattr *)msg.attrs;
            rta->rta_type = INET_DIAG_REQ_BYTECODE;
            rta->rta_len = (unsigned short)RTA_LENGTH(bclen);
            memcpy(RTA_DATA(rta), bc, bclen);
            len = NLMSG_ALIGN(len) + RTA_ALIGN(rta->rta_len);
        }
    }
    msg.nlh.nlmsg_len = (uint32_t)len;
    msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    msg.nlh.nlmsg_seq = ++h->seq;

    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    for (;;) {
        ssize_t n = sendto(h->fd, &msg, len, 0, (struct sockaddr *)&kernel, sizeof kernel);
        if (n == (ssize_t)len) return 0;
        if (n < 0 && errno == EINTR) continue;
        return -1;
    }
}

/* Read one dump to its end. Returns 0 with each side's matches added to
 * counts[side], or the positive errno the kernel (or recv) reported. */
static int read_dump(sockdiag_t *h, const target_t *t, uint64_t counts[2])
{
    mono_ns deadline = clock_now() + SOCKDIAG_DUMP_TIMEOUT_NS;
    for (;;) {
        if (clock_now() > deadline) return ETIMEDOUT;
        ssize_t n = recv(h->fd, h->buf, sizeof h->buf, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno == EAGAIN || errno == EWOULDBLOCK ? ETIMEDOUT : errno;
        }
        if (n == 0) return EPIPE;
        int left = (int)n;
        for (struct nlmsghdr *nlh = (struct nlmsghdr *)h->buf; NLMSG_OK(nlh, left);
             nlh = NLMSG_NEXT(nlh, left)) {
            /* Leftovers of an earlier dump we abandoned carry another seq. */
            if (nlh->nlmsg_seq != h->seq) continue;
            if (nlh->nlmsg_type == NLMSG_DONE) {
                /* A dump that failed half way ends with DONE carrying -errno. */
                if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
                    int e;
                    memcpy(&e, NLMSG_DATA(nlh), sizeof e);
                    if (e < 0) return -e;
                }
                return 0;
            }
            if (nlh->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *ne = NLMSG_DATA(nlh);
                if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof *ne)) return EPROTO;
                if (ne->error == 0) continue; /* an ACK, not an error */
                return -ne->error;
            }
            if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY) continue;
            if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg))) return EPROTO;
            h->last.records++;
            int any = 0;
            for (int side = SOCKDIAG_BY_DST; side <= SOCKDIAG_BY_SRC; side++) {
                if ((t->sides & (1 << side)) && record_matches(NLMSG_DATA(nlh), t, side)) {
                    counts[side]++;
                    any = 1;
                }
            }
            h->last.matched += (uint64_t)any;
        }
    }
}

static int count_family(sockdiag_t *h, const target_t *t, int dump_family, uint64_t counts[2],
                        char *err, size_t errlen)
{
    int use_bc = !h->bytecode_refused;
    for (int attempt = 0; attempt < 2; attempt++) {
        uint64_t part[2] = {0, 0};
        uint64_t records_before = h->last.records, matched_before = h->last.matched;
        if (send_dump_request(h, t, dump_family, use_bc) != 0) {
            set_err(err, errlen, "sending SOCK_DIAG_BY_FAMILY request", errno);
            return -1;
        }
        h->last.dumps++;
        int e = read_dump(h, t, part);
        if (e == 0) {
            counts[0] += part[0];
            counts[1] += part[1];
            return 0;
        }
        if (dump_family == AF_INET6 && t->family == AF_INET &&
            (e == ENOENT || e == EAFNOSUPPORT || e == EPROTONOSUPPORT)) {
            /* No IPv6 in this kernel: no dual-stack sockets to count either. */
            return 0;
        }
        if (e == EINVAL && use_bc) {
            /* An old or restricted kernel refusing the filter: count the
             * unfiltered dump in userspace from now on. */
            h->bytecode_refused = 1;
            h->last.kernel_filter = 0;
            h->last.records = records_before;
            h->last.matched = matched_before;
            use_bc = 0;
            continue;
        }
        set_err(err, errlen,
                dump_family == AF_INET ? "reading the AF_INET TCP socket dump"
                                       : "reading the AF_INET6 TCP socket dump",
                e);
        return -1;
    }
    return -1;
}

static int count_sides(sockdiag_t *h, const struct sockaddr *addr, int sides, uint32_t state_mask,
                       uint64_t counts[2], char *err, size_t errlen)
{
    target_t t;
    memset(&h->last, 0, sizeof h->last);
    h->last.kernel_filter = !h->bytecode_refused;
    if (target_from_sockaddr(&t, addr, sides, state_mask, err, errlen) != 0) return -1;
    counts[0] = counts[1] = 0;
    if (t.family == AF_INET && count_family(h, &t, AF_INET, counts, err, errlen) != 0) return -1;
    /* IPv6 sockets, and for an IPv4 target dual-stack sockets using it as
     * ::ffff:a.b.c.d (the kernel's D_COND matches those for an AF_INET
     * condition). */
    return count_family(h, &t, AF_INET6, counts, err, errlen);
}

int sockdiag_count_with(sockdiag_t *h, const struct sockaddr *addr, int side, uint32_t state_mask,
                        uint64_t *count, char *err, size_t errlen)
{
    if (side != SOCKDIAG_BY_DST && side != SOCKDIAG_BY_SRC) {
        if (err && errlen)
            snprintf(err, errlen, "sockdiag: side %d is neither BY_DST nor BY_SRC", side);
        return -1;
    }
    uint64_t counts[2];
    if (count_sides(h, addr, 1 << side, state_mask, counts, err, errlen) != 0) return -1;
    *count = counts[side];
    return 0;
}

int sockdiag_count_both(sockdiag_t *h, const struct sockaddr *addr, uint32_t state_mask,
                        uint64_t counts[2], char *err, size_t errlen)
{
    return count_sides(h, addr, (1 << SOCKDIAG_BY_DST) | (1 << SOCKDIAG_BY_SRC), state_mask, counts,
                       err, errlen);
}

int sockdiag_count(const struct sockaddr *addr, int side, uint32_t state_mask, uint64_t *count,
                   char *err, size_t errlen)
{
    sockdiag_t *h = sockdiag_open(err, errlen);
    if (!h) return -1;
    int rc = sockdiag_count_with(h, addr, side, state_mask, count, err, errlen);
    sockdiag_close(h);
    return rc;
}
