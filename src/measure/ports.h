/* ports.h - ephemeral port budget of a fresh-connection run.
 *
 * Every connection a client opens takes a local port from
 * net.ipv4.ip_local_port_range. If the client closes first, that port stays
 * in TIME_WAIT for 60 s (TCP_TIMEWAIT_LEN, a compile-time constant in Linux,
 * not a sysctl) and cannot be used again towards the same destination
 * address:port - unless net.ipv4.tcp_tw_reuse lets connect() take it over.
 * At a steady rate R new connections per second, about R x 60 ports are held
 * at once per (source address, destination address:port); when that exceeds
 * the range, connect() fails with EADDRNOTAVAIL. The math and its caveats are
 * in docs/kernel.md ("Ephemeral ports"). */
#ifndef TLSPROF_PORTS_H
#define TLSPROF_PORTS_H

#include <stddef.h>
#include <jansson.h>

#define PORTS_TIME_WAIT_S 60 /* TCP_TIMEWAIT_LEN (include/net/tcp.h) */

typedef struct ports_info {
    unsigned lo, hi;       /* ip_local_port_range, inclusive */
    unsigned reserved;     /* ports of ip_local_reserved_ports inside [lo, hi] */
    int tw_reuse;          /* 0 off, 1 on, 2 loopback only (default since 4.18); -1 unknown */
    int tw_reuse_delay_ms; /* tcp_tw_reuse_delay (recent kernels); -1 when absent (then ~1 s, fixed)
                            */
    int timestamps;        /* tcp_timestamps; tw_reuse needs them; -1 unknown */
} ports_info_t;

/* Read the sysctls from dir (normally "/proc/sys/net/ipv4"; tests pass a
 * fixture directory). ip_local_port_range is required; the others are
 * optional and read as -1 (reserved as 0) when missing. */
int ports_info_read_dir(ports_info_t *pi, const char *dir, char *err, size_t errlen);
int ports_info_read(ports_info_t *pi, char *err, size_t errlen);

/* Usable ports per (source address, destination address:port):
 * hi - lo + 1 - reserved. */
unsigned ports_usable(const ports_info_t *pi);

/* What the run will do. */
typedef struct ports_plan {
    double new_conns_per_s;  /* planned rate of new connections */
    double duration_s;       /* planned duration; <= 0 = open-ended (steady state) */
    int n_source_addrs;      /* distinct local addresses used (>= 1) */
    int target_is_loopback;  /* tw_reuse=2 applies only to loopback connections */
    int client_closes_first; /* only then does TIME_WAIT hold *our* ports */
} ports_plan_t;

/* Seconds a closed client port stays unusable towards the same destination:
 * PORTS_TIME_WAIT_S, or the tw_reuse delay (1 s) when tw_reuse applies to
 * this plan (tw_reuse 1, or 2 with a loopback target, and timestamps on);
 * 0 when the client does not close first. */
double ports_hold_seconds(const ports_info_t *pi, const ports_plan_t *plan);

/* Ports the plan holds at its peak: rate x min(duration, hold). */
double ports_needed(const ports_info_t *pi, const ports_plan_t *plan);

/* 1 and a warning sentence in `warning` when ports_needed exceeds
 * ports_usable x n_source_addrs; 0 (warning = "") otherwise. */
int ports_exhaustion_assess(const ports_info_t *pi, const ports_plan_t *plan, char *warning,
                            size_t warnlen);

/* The same question for a run given as a count (-n without --rate): n_conns
 * fresh connections, at an unknown rate. When the client closes first each
 * one holds its port for ports_hold_seconds(); more connections than
 * usable x n_source_addrs x n_destinations then run out of ports unless the
 * run is slow enough (capacity / hold connections per second). Returns 1
 * with a warning sentence, 0 (warning = "") when they fit or nothing is
 * held. */
int ports_exhaustion_assess_count(const ports_info_t *pi, const ports_plan_t *plan, double n_conns,
                                  int n_destinations, char *warning, size_t warnlen);

/* The brief form: reads the sysctls and assumes the worst case (client closes
 * first, tw_reuse does not apply). Returns 1 with a warning, 0 when the plan
 * fits, -1 (message in warning) when the sysctls cannot be read. */
int ports_exhaustion_check(double new_conns_per_s, double duration_s, int n_source_addrs,
                           char *warning, size_t warnlen);

/* Reason string for a connect() errno that means a local resource ran out:
 * EADDRNOTAVAIL -> "ephemeral ports exhausted". NULL for any other errno
 * (the caller reports those by their errno name). */
const char *ports_errno_reason(int err);

/* The report's `tcp.ephemeral_ports` object:
 * {range: [lo, hi], tw_reuse, planned_rate, warning (string or null)},
 * plus reserved, usable, time_wait_s. New reference, NULL when out of memory. */
json_t *ports_to_json(const ports_info_t *pi, double planned_rate, const char *warning);

#endif
