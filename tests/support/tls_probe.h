/* tls_probe.h - a small in-process OpenSSL client, as independent truth
 * about what a server negotiates (version, ALPN, certificate, tickets,
 * resumption), and a plain HTTP/1.1 GET over it. Every read and write is
 * bounded by 5 s socket timeouts. */
#ifndef TLSPROF_TEST_TLS_PROBE_H
#define TLSPROF_TEST_TLS_PROBE_H

#include <openssl/ssl.h>
#include <stddef.h>

typedef struct tls_probe {
    SSL_CTX *ctx;
    SSL *ssl;
    int fd;
    int tickets;          /* session tickets received so far */
    SSL_SESSION *session; /* the last ticket's session, to offer for resumption */
} tls_probe_t;

/* A blocking TCP connection to 127.0.0.1:port with 5 s send/receive
 * timeouts; -1 when refused. */
int tcp_connect_loopback(int port);

/* Connect to 127.0.0.1:port and complete a TLS handshake (at most
 * max_version, e.g. TLS1_3_VERSION), offering ALPN alpn ("h2", "http/1.1")
 * and SNI "localhost", verifying the certificate against ca_path and the IP
 * 127.0.0.1; offer resume (may be NULL) for resumption. 0 when the handshake
 * and the verification succeeded (the OpenSSL errors are printed otherwise).
 * Always call tls_probe_close afterwards. */
int tls_probe_connect(tls_probe_t *c, int port, const char *ca_path, int max_version,
                      const char *alpn, SSL_SESSION *resume);
void tls_probe_close(tls_probe_t *c);

/* The negotiated ALPN protocol as a string ("" when none). */
const char *tls_probe_alpn(const tls_probe_t *c, char *buf, size_t size);

/* GET path over HTTP/1.1 with Connection: close on a probe connected with
 * ALPN "http/1.1"; returns the whole response (headers and body, at most
 * max_bytes) as a heap string, *len its size; NULL on error. */
char *tls_probe_get11(tls_probe_t *c, const char *path, size_t max_bytes, size_t *len);

#endif
