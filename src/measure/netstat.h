/* netstat.h - the kernel's SNMP/netstat counters (/proc/net/snmp, /proc/net/netstat).
 *
 * Both files are pairs of lines, a header and its values:
 *     Tcp: RtoAlgorithm RtoMin ... RetransSegs ...
 *     Tcp: 1 200 ... 42 ...
 * A snapshot keeps every counter of both files by (group, name), e.g.
 * ("Tcp", "RetransSegs") or ("TcpExt", "ListenOverflows").
 *
 * Scope: counters are system-wide for the network namespace of the thread
 * that reads them (/proc/net is /proc/self/net), and count every process's
 * traffic, not only tlsprof's; Tcp counters cover IPv4 and IPv6 together.
 * See docs/kernel.md for what each counter tlsprof reports means. */
#ifndef TLSPROF_NETSTAT_H
#define TLSPROF_NETSTAT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define NETSTAT_MAX_COUNTERS 1024 /* both files hold ~400 today */
#define NETSTAT_GROUP_MAX 16
#define NETSTAT_NAME_MAX 48

typedef struct netstat_counter {
    char group[NETSTAT_GROUP_MAX]; /* "Tcp", "TcpExt", "IpExt", ... (no colon) */
    char name[NETSTAT_NAME_MAX];   /* "RetransSegs", "TW", ... */
    uint64_t value;                /* as printed; "-1" (Tcp MaxConn) reads as UINT64_MAX */
} netstat_counter_t;

/* Fixed size (~70 KiB), no allocation: embed it or allocate it once. */
typedef struct netstat_snapshot {
    size_t count;
    netstat_counter_t counters[NETSTAT_MAX_COUNTERS];
} netstat_snapshot_t;

void netstat_snapshot_init(netstat_snapshot_t *s);

/* Add the counters of one file's text. `source` names the file in error
 * messages. Rejects (-1, message in err naming source and line) a header
 * without a values line, a values line of another group, a count mismatch,
 * a value that is not a number, and more than NETSTAT_MAX_COUNTERS counters. */
int netstat_parse(netstat_snapshot_t *s, const char *text, const char *source, char *err,
                  size_t errlen);

/* Reset s and read both files (either may be given as NULL to skip it). */
int netstat_read_files(netstat_snapshot_t *s, const char *snmp_path, const char *netstat_path,
                       char *err, size_t errlen);

/* netstat_read_files(s, "/proc/net/snmp", "/proc/net/netstat", ...). */
int netstat_read(netstat_snapshot_t *s, char *err, size_t errlen);

/* 0 and *value when the counter exists, -1 otherwise. */
int netstat_get(const netstat_snapshot_t *s, const char *group, const char *name, uint64_t *value);

/* after - before for one counter: 0 and *delta, or -1 when it is missing
 * from either snapshot or went backwards (snapshots of different namespaces). */
int netstat_counter_delta(const netstat_snapshot_t *before, const netstat_snapshot_t *after,
                          const char *group, const char *name, uint64_t *delta);

/* The counters tlsprof reports as `tcp.system_deltas` (docs/report-format.md). */
typedef enum netstat_key {
    NETSTAT_TCP_RETRANS_SEGS,  /* Tcp RetransSegs   -> "TcpRetransSegs" */
    NETSTAT_TCP_SYN_RETRANS,   /* TcpExt TCPSynRetrans */
    NETSTAT_TCP_TIMEOUTS,      /* TcpExt TCPTimeouts */
    NETSTAT_LISTEN_OVERFLOWS,  /* TcpExt ListenOverflows */
    NETSTAT_LISTEN_DROPS,      /* TcpExt ListenDrops */
    NETSTAT_TCP_ABORT_ON_DATA, /* TcpExt TCPAbortOnData */
    NETSTAT_TW,                /* TcpExt TW */
    NETSTAT_KEY_COUNT
} netstat_key;

typedef struct netstat_delta {
    uint64_t value[NETSTAT_KEY_COUNT];
    unsigned valid; /* bit k set when value[k] could be computed */
} netstat_delta_t;

/* The JSON key of a reported counter ("TcpRetransSegs", "TW", ...), and the
 * /proc group and name it is read from. */
const char *netstat_key_name(netstat_key k);
void netstat_key_source(netstat_key k, const char **group, const char **name);

void netstat_delta(const netstat_snapshot_t *before, const netstat_snapshot_t *after,
                   netstat_delta_t *out);

/* {"TcpRetransSegs": n, "TCPSynRetrans": n, "TCPTimeouts": n,
 *  "ListenOverflows": n, "ListenDrops": n, "TCPAbortOnData": n, "TW": n}:
 * exactly these keys; a counter that could not be computed is null.
 * Returns a new reference, or NULL when out of memory. */
json_t *netstat_delta_to_json(const netstat_delta_t *d);

#endif
