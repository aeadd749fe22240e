/* h2_client.h - the HTTP/2 session on top of a TLS connection (nghttp2),
 * as session_h2 (session.h). Callbacks only mark what happened; the
 * connection state machine decides what to do next once a read batch is
 * processed. */
#ifndef TLSPROF_H2_CLIENT_H
#define TLSPROF_H2_CLIENT_H

#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stddef.h>

#include "measure/clock.h"

#include "config/config.h"

struct conn;
struct worker;

/* Built once per worker and shared by its connections. */
nghttp2_session_callbacks *h2_client_callbacks_new(void);
nghttp2_option *h2_client_option_new(const run_config_t *cfg);
/* Request headers built once per worker from the config (no per-request allocation). */
int h2_client_build_nva(const run_config_t *cfg, nghttp2_nv **nva, size_t *len);

#endif
