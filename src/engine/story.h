/* story.h - a finished connection's whole story, copied out of its slot so
 * that the slot can be reused: the slowest-connections list, the event log
 * and the HTML waterfall all show this. Fixed size, no pointers into the
 * slot (TLS names are OpenSSL's static strings). */
#ifndef TLSPROF_STORY_H
#define TLSPROF_STORY_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/conn.h"
#include "measure/tcpinfo.h"

typedef struct conn_story {
    uint64_t id;
    uint32_t thread;
    uint32_t target;
    uint16_t local_port;
    conn_times_t t;
    conn_tls_facts_t tls;
    tcp_snapshot_t tcp;
    bool tcp_ok;
    uint32_t syn_retransmits;
    uint32_t streams;       /* streams completed on this connection */
    uint64_t worst_ttfb_ns; /* slowest stream's ttfb on this connection */
    uint32_t streams_failed;
    char stream_error[64];
    const char *err_phase; /* NULL when the connection ended cleanly */
    char err_reason[96];
    uint64_t rank_ns; /* connect() to last stream done, or to the failure */
} conn_story_t;

void story_from_conn(conn_story_t *s, const conn_t *c, const char *err_phase, const char *reason);

#endif
