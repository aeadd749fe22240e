/* record.h - the one place where a finished stream or connection turns into
 * samples, counters and errors. Every sample passes through here, so nothing
 * is sampled away or overwritten. */
#ifndef TLSPROF_RECORD_H
#define TLSPROF_RECORD_H

#include "engine/conn.h"

void record_stream_ok(conn_t *c, stream_t *st);
/* phase NULL: the request failed, but the error is counted elsewhere (once). */
void record_stream_failed(conn_t *c, stream_t *st, const char *phase, const char *reason);
/* Never processed by the server: the request is handed back for a retry. */
void record_stream_retry(conn_t *c, stream_t *st);
/* A claimed request that never got a stream because its connection failed. */
void record_request_failed(conn_t *c);
/* The connection ended: phase samples, TLS facts, TCP view; err_phase NULL = clean. */
void record_connection(conn_t *c, const char *err_phase, const char *reason);

#endif
