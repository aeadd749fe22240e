/* tls_probe.c - an in-process OpenSSL client for checking servers independently. */
#include "tls_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int tcp_connect_loopback(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int keep_ticket(SSL *ssl, SSL_SESSION *sess)
{
    tls_probe_t *c = SSL_get_app_data(ssl);
    c->tickets++;
    SSL_SESSION_free(c->session);
    c->session = sess;
    return 1; /* we keep the reference */
}

int tls_probe_connect(tls_probe_t *c, int port, const char *ca_path, int max_version,
                      const char *alpn, SSL_SESSION *resume)
{
    memset(c, 0, sizeof *c);
    c->fd = -1;
    c->ctx = SSL_CTX_new(TLS_client_method());
    if (!c->ctx) return -1;
    SSL_CTX_set_max_proto_version(c->ctx, max_version);
    SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
    if (SSL_CTX_load_verify_locations(c->ctx, ca_path, NULL) != 1) {
        fprintf(stderr, "tls_probe: cannot load CA file %s\n", ca_path);
        return -1;
    }
    /* Hand every ticket to keep_ticket without OpenSSL caching it itself. */
    SSL_CTX_set_session_cache_mode(c->ctx,
                                   SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(c->ctx, keep_ticket);
    if (alpn && *alpn) {
        unsigned char wire[64];
        size_t len = strlen(alpn);
        if (len >= sizeof wire) return -1;
        wire[0] = (unsigned char)len;
        memcpy(wire + 1, alpn, len);
        SSL_CTX_set_alpn_protos(c->ctx, wire, (unsigned)len + 1);
    }
    c->ssl = SSL_new(c->ctx);
    c->fd = tcp_connect_loopback(port);
    if (!c->ssl || c->fd < 0) return -1;
    SSL_set_app_data(c->ssl, c);
    SSL_set_tlsext_host_name(c->ssl, "localhost");
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), "127.0.0.1");
    SSL_set_fd(c->ssl, c->fd);
    if (resume) SSL_set_session(c->ssl, resume);
    if (SSL_connect(c->ssl) != 1) {
        fprintf(stderr, "tls_probe: handshake with 127.0.0.1:%d failed (verify: %s)\n", port,
                X509_verify_cert_error_string(SSL_get_verify_result(c->ssl)));
        ERR_print_errors_fp(stderr);
        return -1;
    }
    return SSL_get_verify_result(c->ssl) == X509_V_OK ? 0 : -1;
}

void tls_probe_close(tls_probe_t *c)
{
    SSL_SESSION_free(c->session);
    if (c->ssl) SSL_free(c->ssl);
    if (c->ctx) SSL_CTX_free(c->ctx);
    if (c->fd >= 0) close(c->fd);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

const char *tls_probe_alpn(const tls_probe_t *c, char *buf, size_t size)
{
    const unsigned char *proto = NULL;
    unsigned len = 0;
    buf[0] = '\0';
    if (c->ssl) SSL_get0_alpn_selected(c->ssl, &proto, &len);
    if (proto && len < size) {
        memcpy(buf, proto, len);
        buf[len] = '\0';
    }
    return buf;
}

char *tls_probe_get11(tls_probe_t *c, const char *path, size_t max_bytes, size_t *len)
{
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", path);
    if (n < 0 || (size_t)n >= sizeof req || SSL_write(c->ssl, req, n) != n) return NULL;
    char *buf = malloc(max_bytes + 1);
    if (!buf) return NULL;
    size_t used = 0;
    /* Ends at the server's close (Connection: close), an error or a 5 s stall. */
    while (used < max_bytes) {
        size_t want = max_bytes - used > (1u << 30) ? (1u << 30) : max_bytes - used;
        int got = SSL_read(c->ssl, buf + used, (int)want);
        if (got <= 0) break;
        used += (size_t)got;
    }
    buf[used] = '\0';
    *len = used;
    return buf;
}
