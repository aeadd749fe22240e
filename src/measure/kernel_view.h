/* kernel_view.h - the kernel's side of a run, sampled by the main thread:
 * TIME_WAIT sockets towards the target (before, peak, after; and the
 * server's own side when it runs on this host), system-wide /proc/net
 * deltas, and the ephemeral port budget. Workers never touch this. */
#ifndef TLSPROF_KERNEL_VIEW_H
#define TLSPROF_KERNEL_VIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "config/config.h"
#include "measure/netstat.h"
#include "measure/ports.h"
#include "measure/sockdiag.h"

typedef struct kernel_view {
    const run_config_t *cfg;
    sockdiag_t *sd;
    struct sockaddr_storage target;
    bool server_local; /* the target address is one of this host's */
    bool tw_ok;
    uint64_t tw_before, tw_peak, tw_after, tw_last;
    uint64_t srv_before, srv_peak, srv_after, srv_last;
    netstat_snapshot_t ns_before, ns_after;
    bool ns_ok;
    ports_info_t ports;
    bool ports_ok;
    char problem[320]; /* why a part is missing, for the report */
} kernel_view_t;

void kernel_view_begin(kernel_view_t *kv, const run_config_t *cfg, const struct sockaddr *target,
                       socklen_t len);
void kernel_view_sample(kernel_view_t *kv);
void kernel_view_end(kernel_view_t *kv);
/* Warn before the run when a planned --rate would exhaust ephemeral ports. */
bool kernel_view_port_warning(const kernel_view_t *kv, double conns_per_s, double duration_s,
                              char *buf, size_t len);
/* The `tcp` keys the kernel view owns: time_wait, ephemeral_ports, system_deltas. */
json_t *kernel_view_json(const kernel_view_t *kv, double measured_conns_per_s);
void kernel_view_free(kernel_view_t *kv);

#endif
