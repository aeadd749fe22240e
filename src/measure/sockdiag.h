/* sockdiag.h - count TCP sockets by state and endpoint through NETLINK_SOCK_DIAG.
 *
 * This is how tlsprof counts TIME_WAIT (and other) sockets towards the target
 * without parsing `ss` output or walking /proc/net/tcp. The kernel does the
 * filtering: the request carries the state mask, the port (inet_diag_req_v2
 * id) and an INET_DIAG_REQ_BYTECODE address+port condition, so with 30,000
 * TIME_WAIT sockets on the host only the matching ones cross into userspace.
 * Every record that does arrive is checked again in userspace, so a count is
 * right even on a kernel that ignores part of the filter.
 *
 * Scope: the calling thread's network namespace. IPv4 targets are counted
 * over AF_INET sockets and over dual-stack AF_INET6 sockets connected to the
 * v4-mapped address (::ffff:a.b.c.d); IPv6 targets over AF_INET6 only.
 * See docs/kernel.md. */
#ifndef TLSPROF_SOCKDIAG_H
#define TLSPROF_SOCKDIAG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Which end of the socket the given address:port must be. */
enum {
    SOCKDIAG_BY_DST = 0, /* remote end: a client's sockets towards the target */
    SOCKDIAG_BY_SRC = 1, /* local end: a server's sockets on its listening address:port */
};

/* State masks: bit n is TCP state n in the kernel's numbering (net/tcp_states.h,
 * the same numbers as TCP_ESTABLISHED... in netinet/tcp.h). */
#define SOCKDIAG_STATE(n) (1u << (n))
#define SOCKDIAG_ESTABLISHED SOCKDIAG_STATE(1)
#define SOCKDIAG_SYN_SENT SOCKDIAG_STATE(2)
#define SOCKDIAG_SYN_RECV SOCKDIAG_STATE(3)
#define SOCKDIAG_FIN_WAIT1 SOCKDIAG_STATE(4)
#define SOCKDIAG_FIN_WAIT2 SOCKDIAG_STATE(5)
#define SOCKDIAG_TIME_WAIT SOCKDIAG_STATE(6)
#define SOCKDIAG_CLOSE SOCKDIAG_STATE(7)
#define SOCKDIAG_CLOSE_WAIT SOCKDIAG_STATE(8)
#define SOCKDIAG_LAST_ACK SOCKDIAG_STATE(9)
#define SOCKDIAG_LISTEN SOCKDIAG_STATE(10)
#define SOCKDIAG_CLOSING SOCKDIAG_STATE(11)
#define SOCKDIAG_ALL_STATES 0x0fffu

/* An open NETLINK_SOCK_DIAG socket plus a receive buffer, allocated once, so
 * that sampling once a second during a run costs system calls only. Not
 * thread-safe: one handle per sampling thread. */
typedef struct sockdiag sockdiag_t;

/* Work done by the last count, for tests and for judging sampling cost. */
typedef struct sockdiag_stats {
    uint64_t records;  /* socket records the kernel sent (before userspace checks) */
    uint64_t matched;  /* records that passed the userspace check (== the count) */
    uint32_t dumps;    /* dump requests sent (2 for an IPv4 target, 1 for IPv6) */
    int kernel_filter; /* 1 when the bytecode filter was accepted, 0 when the
                          kernel refused it and we filtered in userspace */
} sockdiag_stats_t;

/* NULL with a message in err when the netlink socket cannot be opened. */
sockdiag_t *sockdiag_open(char *err, size_t errlen);
void sockdiag_close(sockdiag_t *h);

/* Count TCP sockets whose state is in state_mask and whose `side` end
 * (SOCKDIAG_BY_DST: remote, SOCKDIAG_BY_SRC: local) is `addr`
 * (struct sockaddr_in or sockaddr_in6). A wildcard address (0.0.0.0, ::)
 * matches any address of that family; port 0 matches any port.
 * Returns 0 and sets *count, or -1 with a message naming the failure in err. */
int sockdiag_count_with(sockdiag_t *h, const struct sockaddr *addr, int side, uint32_t state_mask,
                        uint64_t *count, char *err, size_t errlen);

/* Both ends in one pass: counts[SOCKDIAG_BY_DST] gets the sockets whose
 * remote end is addr (a client's), counts[SOCKDIAG_BY_SRC] those whose local
 * end is (a server's on this host). A dump walks the kernel's whole socket
 * hash (262,144 buckets on a small host: milliseconds), so one dump for both
 * halves the cost of two sockdiag_count_with calls. Same return as
 * sockdiag_count_with; `matched` in the stats counts a socket once. */
int sockdiag_count_both(sockdiag_t *h, const struct sockaddr *addr, uint32_t state_mask,
                        uint64_t counts[2], char *err, size_t errlen);

/* Kernel-side filtering (state mask aside) is on by default; off makes the
 * kernel send every socket in the mask and userspace pick the matches - the
 * path taken automatically when a kernel refuses the filter. For tests and
 * for cross-checking a kernel's filter. */
void sockdiag_set_kernel_filter(sockdiag_t *h, int on);

/* What the last sockdiag_count_with on h did. */
void sockdiag_last_stats(const sockdiag_t *h, sockdiag_stats_t *out);

/* One-shot: open, count, close. For a single before/after reading; use a
 * handle for repeated sampling. */
int sockdiag_count(const struct sockaddr *addr, int side, uint32_t state_mask, uint64_t *count,
                   char *err, size_t errlen);

#endif
