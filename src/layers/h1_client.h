/* h1_client.h - HTTP/1.1 under a connection (--h1): session_h1 in session.h. */
#ifndef TLSPROF_H1_CLIENT_H
#define TLSPROF_H1_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "layers/h1_parse.h"

struct stream;

/* A connection's HTTP/1.1 state. */
typedef struct h1_conn {
    h1_parser_t parser;
    struct stream *st; /* the request in flight, or NULL */
    int32_t next_id;   /* stream ids, as HTTP/2 would number them: 1, 3, 5 ... */
    bool send;         /* the request text is still to be handed out (pull) */
    bool discard;      /* the request was given up on: drop what arrives for it */
    uint32_t served;   /* responses completed on this connection */
    uint64_t rx;       /* bytes received for the request in flight */
} h1_conn_t;

/* The request every connection of a worker sends, built once from the
 * config: "METHOD PATH HTTP/1.1", host, user-agent, -H headers, and
 * "connection: close" for fresh --close server. 0, or -1 (out of memory). */
int h1_request_build(const run_config_t *cfg, char **out, size_t *len);

#endif
