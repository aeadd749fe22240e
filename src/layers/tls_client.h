/* tls_client.h - the client side of TLS: context set-up, per-connection
 * handshake steps, the facts a connection negotiated, and error reasons. */
#ifndef TLSPROF_TLS_CLIENT_H
#define TLSPROF_TLS_CLIENT_H

#include <openssl/ssl.h>
#include <stddef.h>

#include "config/config.h"

struct conn;

typedef enum io_status { IO_OK, IO_WANT_READ, IO_WANT_WRITE, IO_EOF, IO_ERROR } io_status;

/* One context per worker: SSL_new on a shared context contends on its locks. */
SSL_CTX *tls_client_ctx_new(const run_config_t *cfg, char *err, size_t errlen);

/* Create the SSL for a connected socket: SNI, host verification, a ticket to
 * offer. Returns 0 or -1 (reason in `reason`). */
int tls_client_attach(struct conn *c, char *reason, size_t rlen);

/* Drive the handshake. IO_OK when it is complete. */
io_status tls_client_handshake(struct conn *c, char *reason, size_t rlen);

/* Record what the finished handshake negotiated into c->tls. */
void tls_client_collect_facts(struct conn *c);

/* Read/write application data. *n is bytes done. */
io_status tls_client_read(struct conn *c, uint8_t *buf, size_t len, size_t *n, char *reason,
                          size_t rlen);
/* --early-data and the offered session allows 0-RTT (max_early_data > 0). */
bool tls_client_can_send_early(const struct conn *c);
io_status tls_client_write(struct conn *c, const uint8_t *buf, size_t len, size_t *n, char *reason,
                           size_t rlen);

/* Reason text for the last failed SSL call (ret is its return value). */
void tls_client_error_reason(struct conn *c, int ret, int ssl_err, char *reason, size_t rlen);
void tls_client_ctx_free(SSL_CTX *ctx);

#endif
