/* conn_internal.h - the connection state machine's pieces shared between
 * its files (conn.c, conn_early.c); not for other modules. */
#ifndef TLSPROF_CONN_INTERNAL_H
#define TLSPROF_CONN_INTERNAL_H

#include "engine/conn.h"

/* Move everything nghttp2 wants to send into the socket. 1 done, 0 blocked,
 * -1 connection ended. */
int conn_flush(conn_t *c);
/* Submit as many requests as the connection may carry now. */
void conn_start_streams(conn_t *c);
/* Start / end the connection's HTTP session (c->proto). 0 or -1. */
int conn_session_start(conn_t *c);
void conn_session_end(conn_t *c);

/* Send the preface, SETTINGS and first request(s) as 0-RTT data. */
void conn_early_send(conn_t *c);
/* After the handshake: accepted, or start HTTP/2 over and replay. -1: out of memory. */
int conn_early_settle(conn_t *c);

#endif
