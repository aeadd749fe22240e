/* tls_client.c - OpenSSL client: contexts, handshakes, facts, reasons.
 *
 * The message callback timestamps ServerHello and the server's Finished as
 * OpenSSL processes them, and reads the signature scheme straight from the
 * server's CertificateVerify, so the report names exactly what was used. */
#include "layers/tls_client.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "engine/conn.h"
#include "engine/worker.h"
#include "layers/tls_bio.h"
#include "measure/clock.h"

/* ---- key log --------------------------------------------------------- */

/* The key log fd is opened once per context; lines are written with one
 * write() each (O_APPEND) so that threads never interleave within a line. */
static int keylog_index = -1;

static void keylog_cb(const SSL *ssl, const char *line)
{
    SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
    int fd = (int)(intptr_t)SSL_CTX_get_ex_data(ctx, keylog_index);
    if (fd <= 0) return;
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "%s\n", line);
    if (n > 0 && (size_t)n < sizeof buf) {
        ssize_t r = write(fd, buf, (size_t)n);
        (void)r; /* a failing key log must not disturb the measurement */
    }
}

/* ---- session tickets -------------------------------------------------- */

static int new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
    conn_t *c = SSL_get_app_data(ssl);
    if (!c) return 0;
    worker_t *w = c->w;
    resumption_stats_t *r = &w->res->resumption;
    c->tls.tickets_received++;
    r->tickets_received++;
    uint64_t life = SSL_SESSION_get_ticket_lifetime_hint(sess);
    const unsigned char *tick;
    size_t len = 0;
    SSL_SESSION_get0_ticket(sess, &tick, &len);
    uint64_t early = SSL_SESSION_get_max_early_data(sess);
    if (life < r->lifetime_min_s) r->lifetime_min_s = life;
    if (life > r->lifetime_max_s) r->lifetime_max_s = life;
    if (len < r->size_min) r->size_min = len;
    if (len > r->size_max) r->size_max = len;
    if (early < r->max_early_min) r->max_early_min = early;
    if (early > r->max_early_max) r->max_early_max = early;
    if (w->cfg->resume == RESUME_OFF || !SSL_SESSION_is_resumable(sess)) return 0;
    ticket_store_put(&w->tickets, w->cfg->ticket_scope_host ? 0 : c->target, sess);
    return 1; /* we keep the reference */
}

/* ---- handshake anatomy ----------------------------------------------- */

static const char *sigscheme_name(unsigned code)
{
    switch (code) {
    case 0x0401:
        return "rsa_pkcs1_sha256";
    case 0x0501:
        return "rsa_pkcs1_sha384";
    case 0x0601:
        return "rsa_pkcs1_sha512";
    case 0x0403:
        return "ecdsa_secp256r1_sha256";
    case 0x0503:
        return "ecdsa_secp384r1_sha384";
    case 0x0603:
        return "ecdsa_secp521r1_sha512";
    case 0x0804:
        return "rsa_pss_rsae_sha256";
    case 0x0805:
        return "rsa_pss_rsae_sha384";
    case 0x0806:
        return "rsa_pss_rsae_sha512";
    case 0x0807:
        return "ed25519";
    case 0x0808:
        return "ed448";
    case 0x0809:
        return "rsa_pss_pss_sha256";
    case 0x080a:
        return "rsa_pss_pss_sha384";
    case 0x080b:
        return "rsa_pss_pss_sha512";
    case 0x0201:
        return "rsa_pkcs1_sha1";
    case 0x0203:
        return "ecdsa_sha1";
    default:
        return NULL;
    }
}

static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
                   SSL *ssl, void *arg)
{
    (void)version;
    (void)arg;
    if (write_p || content_type != SSL3_RT_HANDSHAKE || len < 4) return;
    conn_t *c = SSL_get_app_data(ssl);
    if (!c) return;
    const unsigned char *p = buf;
    switch (p[0]) {
    case SSL3_MT_SERVER_HELLO:
        if (!c->t.server_hello) c->t.server_hello = clock_now();
        break;
    case SSL3_MT_FINISHED:
        /* The client's own Finished is write_p=1; this is the server's. */
        if (!c->t.server_finished) c->t.server_finished = clock_now();
        break;
    case SSL3_MT_CERTIFICATE_VERIFY:
        if (len >= 6) {
            unsigned code = (unsigned)p[4] << 8 | p[5];
            const char *name = sigscheme_name(code);
            if (name)
                snprintf(c->tls.sigalg, sizeof c->tls.sigalg, "%s", name);
            else
                snprintf(c->tls.sigalg, sizeof c->tls.sigalg, "0x%04x", code);
        }
        break;
    case SSL3_MT_SERVER_KEY_EXCHANGE:
        /* TLS 1.2 ECDHE: curve_type(1) named_curve(2) pubkey_len(1) pubkey
         * then SignatureAndHashAlgorithm(2). */
        if (len >= 8 && p[4] == 3) {
            size_t klen = p[7];
            size_t off = 8 + klen;
            if (off + 2 <= len) {
                unsigned code = (unsigned)p[off] << 8 | p[off + 1];
                const char *name = sigscheme_name(code);
                if (name) snprintf(c->tls.sigalg, sizeof c->tls.sigalg, "%s", name);
            }
        }
        break;
    default:
        break;
    }
}

/* ---- context ----------------------------------------------------------- */

static int ctx_fail(char *err, size_t errlen, const char *what, const char *file)
{
    unsigned long e = ERR_get_error();
    char r[200] = "";
    if (e) ERR_error_string_n(e, r, sizeof r);
    ERR_clear_error();
    snprintf(err, errlen, "%s %s: %s", what, file ? file : "", r[0] ? r : "failed");
    return -1;
}

SSL_CTX *tls_client_ctx_new(const run_config_t *cfg, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        ctx_fail(err, errlen, "SSL_CTX_new", NULL);
        return NULL;
    }
    if (keylog_index < 0) keylog_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    if (!cfg->tls.min_version) SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (tls_opts_apply(ctx, &cfg->tls, err, errlen) < 0) goto fail;

    unsigned char alpn[256];
    int alen = tls_alpn_encode(cfg->tls.alpn, alpn, sizeof alpn);
    if (alen < 0 || SSL_CTX_set_alpn_protos(ctx, alpn, (unsigned)alen) != 0) {
        snprintf(err, errlen, "--alpn '%s': invalid list", cfg->tls.alpn);
        goto fail;
    }
    if (cfg->insecure) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        if (cfg->cacert) {
            if (SSL_CTX_load_verify_locations(ctx, cfg->cacert, NULL) != 1) {
                ctx_fail(err, errlen, "--cacert", cfg->cacert);
                goto fail;
            }
        } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
            ctx_fail(err, errlen, "system CA store", NULL);
            goto fail;
        }
    }
    if (cfg->client_cert &&
        tls_opts_load_identity(ctx, cfg->client_cert, cfg->client_key, err, errlen) < 0)
        goto fail;
    /* Tickets are kept by our own store (per worker, per target), not by
     * OpenSSL's internal cache. Counting tickets needs the callback even
     * with --resume off. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, new_session_cb);
    SSL_CTX_set_msg_callback(ctx, msg_cb);
    /* A server or middlebox closing an idle pooled connection with a bare FIN
     * is ordinary, and HTTP/2 frames its own ends (END_STREAM, lengths), so a
     * truncation cannot pass unnoticed. Seen as EOF it is "connection closed
     * by peer" (an error only with streams in flight); as OpenSSL's fatal
     * "unexpected eof" it would fail an idle connection and make OpenSSL
     * mark that connection's session (our newest ticket) not resumable. */
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    /* Read whatever the socket holds in one go: several responses' records
     * then come out of one read() (SSL_has_pending tells the read loop), and
     * their requests go back out in one write. */
    SSL_CTX_set_read_ahead(ctx, 1);
    /* Record buffers go back after each record: a connection waiting for a
     * response then holds no 34 KiB of them (10,000 pooled connections with
     * a request each in flight: 43 KiB each without this, 29 KiB with). It
     * costs OpenSSL about one allocation per record; SSL_free_buffers in
     * conn_progress catches what an idle connection still holds. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                              SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (cfg->keylog_path) {
        int fd = open(cfg->keylog_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0) {
            snprintf(err, errlen, "--keylog %s: %s", cfg->keylog_path, strerror(errno));
            goto fail;
        }
        fchmod(fd, 0600); /* an existing file may have been wider */
        SSL_CTX_set_ex_data(ctx, keylog_index, (void *)(intptr_t)fd);
        SSL_CTX_set_keylog_callback(ctx, keylog_cb);
    }
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

void tls_client_ctx_free(SSL_CTX *ctx)
{
    if (!ctx) return;
    if (keylog_index >= 0) {
        int fd = (int)(intptr_t)SSL_CTX_get_ex_data(ctx, keylog_index);
        if (fd > 0) close(fd);
    }
    SSL_CTX_free(ctx);
}

/* ---- per connection ---------------------------------------------------- */

int tls_client_attach(conn_t *c, char *reason, size_t rlen)
{
    worker_t *w = c->w;
    const run_config_t *cfg = w->cfg;
    c->ssl = SSL_new(w->ssl_ctx);
    if (!c->ssl) {
        snprintf(reason, rlen, "SSL_new failed (out of memory)");
        return -1;
    }
    SSL_set_app_data(c->ssl, c);
    BIO *bio = tls_bio_new(c);
    if (!bio) {
        snprintf(reason, rlen, "BIO_new failed (out of memory)");
        return -1;
    }
    SSL_set_bio(c->ssl, bio, bio); /* one reference, for both directions */
    if (cfg->sni[0]) SSL_set_tlsext_host_name(c->ssl, cfg->sni);
    if (!cfg->insecure) {
        const char *name = cfg->sni[0] ? cfg->sni : cfg->url.host;
        X509_VERIFY_PARAM *vp = SSL_get0_param(c->ssl);
        if (!cfg->sni_set && cfg->url.host_is_ip)
            X509_VERIFY_PARAM_set1_ip_asc(vp, cfg->url.host);
        else
            X509_VERIFY_PARAM_set1_host(vp, name, 0);
    }
    if (cfg->resume == RESUME_TICKET) {
        SSL_SESSION *s = ticket_store_take(&w->tickets, cfg->ticket_scope_host ? 0 : c->target);
        if (s) {
            SSL_set_session(c->ssl, s);
            SSL_SESSION_free(s); /* SSL_set_session took its own reference */
            c->tls.offered_ticket = true;
        }
    }
    SSL_set_connect_state(c->ssl);
    return 0;
}

void tls_client_error_reason(conn_t *c, int ret, int ssl_err, char *reason, size_t rlen)
{
    long vr = c->ssl ? SSL_get_verify_result(c->ssl) : X509_V_OK;
    unsigned long e = ERR_peek_last_error();
    if (vr != X509_V_OK && ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
        snprintf(reason, rlen, "certificate verify failed: %s", X509_verify_cert_error_string(vr));
    } else if (ssl_err == SSL_ERROR_ZERO_RETURN) {
        snprintf(reason, rlen, "closed by peer (close_notify)");
    } else if (ssl_err == SSL_ERROR_SYSCALL && !e) {
        if (ret == 0 || errno == 0)
            snprintf(reason, rlen, "connection closed by peer");
        else
            snprintf(reason, rlen, "%s",
                     strerrorname_np(errno) ? strerrorname_np(errno) : strerror(errno));
    } else if (e) {
        const char *r = ERR_reason_error_string(e);
        if (r)
            snprintf(reason, rlen, "%s", r);
        else
            snprintf(reason, rlen, "OpenSSL error 0x%lx", e);
    } else {
        snprintf(reason, rlen, "SSL error %d", ssl_err);
    }
    ERR_clear_error();
}

static io_status map_ssl(conn_t *c, int ret, char *reason, size_t rlen)
{
    int se = SSL_get_error(c->ssl, ret);
    switch (se) {
    case SSL_ERROR_WANT_READ:
        return IO_WANT_READ;
    case SSL_ERROR_WANT_WRITE:
        return IO_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN:
        ERR_clear_error();
        return IO_EOF;
    default:
        tls_client_error_reason(c, ret, se, reason, rlen);
        return IO_ERROR;
    }
}

io_status tls_client_handshake(conn_t *c, char *reason, size_t rlen)
{
    /* Client CPU per handshake: thread CPU time inside the handshake calls,
     * which includes key exchange, signature verification and the
     * certificate chain check. */
    uint64_t cpu0 = clock_thread_cpu();
    ERR_clear_error();
    int r = SSL_do_handshake(c->ssl);
    c->t.tls_cpu_ns += clock_thread_cpu() - cpu0;
    if (r == 1) {
        /* A handshake that succeeded may still have queued errors (a failed
         * verification that SSL_VERIFY_NONE let pass): reads and writes
         * rely on an empty queue (see tls_client_read). */
        ERR_clear_error();
        return IO_OK;
    }
    io_status st = map_ssl(c, r, reason, rlen);
    if (st == IO_EOF) {
        snprintf(reason, rlen, "connection closed by peer");
        return IO_ERROR;
    }
    return st;
}

void tls_client_collect_facts(conn_t *c)
{
    SSL *s = c->ssl;
    c->tls.version = SSL_get_version(s);
    const SSL_CIPHER *ci = SSL_get_current_cipher(s);
    c->tls.cipher = ci ? SSL_CIPHER_get_name(ci) : "none";
    int nid = SSL_get_negotiated_group(s);
    const char *g = nid ? SSL_group_to_name(s, nid) : NULL;
    c->tls.group = g ? g : (nid ? OBJ_nid2sn(nid & ~TLSEXT_nid_unknown) : "none");
    const unsigned char *ap = NULL;
    unsigned alen = 0;
    SSL_get0_alpn_selected(s, &ap, &alen);
    c->tls.alpn = NULL;
    if (alen == 2 && !memcmp(ap, "h2", 2))
        c->tls.alpn = "h2";
    else if (alen == 8 && !memcmp(ap, "http/1.1", 8))
        c->tls.alpn = "http/1.1";
    else if (alen)
        c->tls.alpn = "other";
    c->tls.resumed = SSL_session_reused(s);
    /* TLS 1.2 sessions may be resumed many times and servers rarely send a
     * new ticket on a resumed handshake: put the session back, or only every
     * other fresh connection could resume. (TLS 1.3 tickets are single-use
     * and replaced by the NewSessionTickets the server sends.) */
    if (c->tls.resumed && SSL_version(s) == TLS1_2_VERSION && c->w->cfg->resume == RESUME_TICKET &&
        !c->w->cfg->reuse_ticket) {
        SSL_SESSION *again = SSL_get1_session(s);
        if (again)
            ticket_store_put(&c->w->tickets, c->w->cfg->ticket_scope_host ? 0 : c->target, again);
    }
    if (!c->tls.sigalg[0]) {
        /* Resumed handshakes carry no CertificateVerify. */
        snprintf(c->tls.sigalg, sizeof c->tls.sigalg, "%s",
                 c->tls.resumed ? "none (resumed)" : "unknown");
    }
    ERR_clear_error(); /* nothing above may leave the queue dirty for the first read */
}

/* SSL_get_error needs an empty error queue before the call it explains.
 * Reads and writes do not clear it first (that cost more than the AEAD of a
 * small record): every path that can leave errors behind clears them
 * instead, map_ssl and tls_client_error_reason after each failed call, the
 * handshake when it succeeds, begin_close after SSL_shutdown. */
io_status tls_client_read(conn_t *c, uint8_t *buf, size_t len, size_t *n, char *reason, size_t rlen)
{
    int r = SSL_read(c->ssl, buf, (int)len);
    if (r > 0) {
        *n = (size_t)r;
        return IO_OK;
    }
    *n = 0;
    return map_ssl(c, r, reason, rlen);
}

bool tls_client_can_send_early(const conn_t *c)
{
    if (!c->w->cfg->early_data || !c->tls.offered_ticket) return false;
    const SSL_SESSION *s = SSL_get0_session(c->ssl);
    return s && SSL_SESSION_get_max_early_data(s) > 0;
}

io_status tls_client_write(conn_t *c, const uint8_t *buf, size_t len, size_t *n, char *reason,
                           size_t rlen)
{
    if (c->early_sent && !SSL_is_init_finished(c->ssl)) {
        /* 0-RTT: before the handshake completes, writes go out as early
         * data (the first one together with the ClientHello). */
        size_t w = 0;
        int r = SSL_write_early_data(c->ssl, buf, len, &w);
        *n = w;
        return r == 1 ? IO_OK : map_ssl(c, r, reason, rlen);
    }
    int r = SSL_write(c->ssl, buf, (int)len);
    if (r > 0) {
        *n = (size_t)r;
        return IO_OK;
    }
    *n = 0;
    return map_ssl(c, r, reason, rlen);
}
