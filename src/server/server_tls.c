/* server_tls.c - the server's SSL_CTX: versions and suites, ALPN selection,
 * session tickets (count, shared keys, refusal), 0-RTT, and the ClientHello
 * hook behind the *-clienthello faults. */
#include "server/server_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "config/tls_opts.h"

static int ssl_fail(char *err, size_t errlen, const char *what)
{
    char reason[160] = "";
    unsigned long e = ERR_get_error();
    if (e) ERR_error_string_n(e, reason, sizeof reason);
    ERR_clear_error();
    snprintf(err, errlen, "%s%s%s", what, reason[0] ? ": " : "", reason);
    return -1;
}

/* The server's list decides: the first of its protocols the client offers.
 * No overlap is a fatal no_application_protocol alert (RFC 7301 3.2). */
static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    const server_t *srv = arg;
    const conn_t *c = SSL_get_app_data(ssl);
    /* no-alpn: an old HTTP/1.1 server that knows no ALPN sends no extension. */
    if (c && c->faulted && srv->cfg.fault == FAULT_NO_ALPN) return SSL_TLSEXT_ERR_NOACK;
    for (int i = 0; i < srv->alpn_len; i += 1 + srv->alpn[i]) {
        const unsigned char *want = &srv->alpn[i];
        for (unsigned j = 0; j < inlen; j += 1u + in[j]) {
            if (j + 1u + in[j] > inlen) break; /* malformed list: OpenSSL checks too */
            if (in[j] == want[0] && !memcmp(&in[j + 1], want + 1, want[0])) {
                *out = &in[j + 1];
                *outlen = in[j];
                return SSL_TLSEXT_ERR_OK;
            }
        }
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

/* Suspends the handshake right after the whole ClientHello was parsed, so
 * the connection code can reset, close or answer garbage at that point. */
static int client_hello_hook(SSL *ssl, int *alert, void *arg)
{
    const conn_t *c = SSL_get_app_data(ssl);
    return c && c->faulted ? SSL_CLIENT_HELLO_RETRY : SSL_CLIENT_HELLO_SUCCESS;
}

/* --no-resume: a ticket that decrypts fine is still not used; OpenSSL then
 * does a full handshake and issues a fresh ticket, which is exactly the
 * broken-resumption behaviour clients should warn about. */
static SSL_TICKET_RETURN refuse_ticket(SSL *s, SSL_SESSION *ss, const unsigned char *keyname,
                                       size_t keyname_length, SSL_TICKET_STATUS status, void *arg)
{
    return SSL_TICKET_RETURN_IGNORE_RENEW;
}

/* --ticket-key-file: encrypt with the file's key; a ticket under another
 * key name (another server's) is "not found" and gets a full handshake. */
static int ticket_key_cb(SSL *s, unsigned char key_name[16], unsigned char iv[EVP_MAX_IV_LENGTH],
                         EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
    const server_t *srv = SSL_CTX_get_app_data(SSL_get_SSL_CTX(s));
    const ticket_key_t *k = &srv->ticket_key;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, (void *)k->hmac, k->hmac_len),
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    if (enc) {
        memcpy(key_name, k->name, 16);
        if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(k->cipher)) != 1) return -1;
        if (!EVP_EncryptInit_ex2(cctx, k->cipher, k->aes, iv, NULL)) return -1;
        if (!EVP_MAC_CTX_set_params(hctx, params)) return -1;
        return 1;
    }
    if (memcmp(key_name, k->name, 16)) return 0;
    if (!EVP_MAC_CTX_set_params(hctx, params)) return -1;
    if (!EVP_DecryptInit_ex2(cctx, k->cipher, k->aes, iv, NULL)) return -1;
    /* 2 = valid, renew: a resumed connection gets fresh tickets too, as with
     * OpenSSL's own keys; with 1 a client would run out after one resumption. */
    return 2;
}

/* Same layouts as nginx's ssl_session_ticket_key, so one file serves both:
 *   48 bytes: name[16] aes128[16] hmac[16]
 *   80 bytes: name[16] hmac[32] aes256[32] */
int server_load_ticket_key(const char *path, ticket_key_t *key, char *err, size_t errlen)
{
    unsigned char buf[81];
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "--ticket-key-file %s: %s", path, strerror(errno));
        return -1;
    }
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    memset(key, 0, sizeof *key);
    memcpy(key->name, buf, 16);
    if (n == 48) {
        memcpy(key->aes, buf + 16, 16);
        memcpy(key->hmac, buf + 32, 16);
        key->hmac_len = 16;
        key->cipher = EVP_CIPHER_fetch(NULL, "AES-128-CBC", NULL);
    } else if (n == 80) {
        memcpy(key->hmac, buf + 16, 32);
        memcpy(key->aes, buf + 48, 32);
        key->hmac_len = 32;
        key->cipher = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
    } else {
        snprintf(err, errlen, "--ticket-key-file %s: holds %s%zu bytes, expected exactly 48 or 80",
                 path, n == sizeof buf ? "at least " : "", n);
        return -1;
    }
    if (!key->cipher) return ssl_fail(err, errlen, "--ticket-key-file: AES-CBC is unavailable");
    return 0;
}

SSL_CTX *server_tls_ctx_new(server_t *srv, char *err, size_t errlen)
{
    const server_config_t *c = &srv->cfg;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        ssl_fail(err, errlen, "creating the TLS context");
        return NULL;
    }
    SSL_CTX_set_app_data(ctx, srv);
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)) goto ssl_error;
    if (tls_opts_apply(ctx, &c->tls, err, errlen)) goto fail;

    /* Small idle connections (buffers released between records), partial
     * writes so a blocked SSL_write can be retried from our pending copy. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                              SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    /* EOF without close_notify is how most clients leave; treat it as a close. */
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_read_ahead(ctx, 1);
    if (server_cert_install(ctx, c, &srv->cert_pem, err, errlen)) goto fail;

    SSL_CTX_set_alpn_select_cb(ctx, alpn_select, srv);
    if (c->fault == FAULT_RST_AFTER_CLIENTHELLO || c->fault == FAULT_CLOSE_AFTER_CLIENTHELLO ||
        c->fault == FAULT_GARBAGE_SERVERHELLO)
        SSL_CTX_set_client_hello_cb(ctx, client_hello_hook, srv);

    /* TLS 1.3 tickets are stateless (no cache, no lock shared by threads),
     * except with 0-RTT anti-replay, where OpenSSL keeps single-use tickets
     * in the server cache. TLS 1.2 resumes through tickets only. */
    int stateful = c->early_data && !c->allow_replay;
    SSL_CTX_set_session_cache_mode(ctx, stateful ? SSL_SESS_CACHE_SERVER : SSL_SESS_CACHE_OFF);
    if (!SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"tlsprof", 7)) goto ssl_error;
    if (c->no_tickets) {
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
        if (!SSL_CTX_set_num_tickets(ctx, 0)) goto ssl_error;
    } else {
        if (!SSL_CTX_set_num_tickets(ctx, (size_t)c->tickets)) goto ssl_error;
        if (srv->have_ticket_key && !SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_key_cb))
            goto ssl_error;
        if (c->no_resume && !SSL_CTX_set_session_ticket_cb(ctx, NULL, refuse_ticket, srv))
            goto ssl_error;
    }
    if (c->early_data) {
        if (!SSL_CTX_set_max_early_data(ctx, c->early_data) ||
            !SSL_CTX_set_recv_max_early_data(ctx, c->early_data))
            goto ssl_error;
        if (c->allow_replay) SSL_CTX_set_options(ctx, SSL_OP_NO_ANTI_REPLAY);
    }
    return ctx;
ssl_error:
    ssl_fail(err, errlen, "configuring the TLS context");
fail:
    SSL_CTX_free(ctx);
    return NULL;
}
