/* tls_opts.c - apply shared TLS options to an SSL_CTX (why in config/: tls_opts.h). */
#include "config/tls_opts.h"

#include <stdio.h>
#include <string.h>
#include <openssl/err.h>

int tls_version_from_string(const char *s)
{
    if (!s) return 0;
    if (!strcmp(s, "1.2")) return TLS1_2_VERSION;
    if (!strcmp(s, "1.3")) return TLS1_3_VERSION;
    return 0;
}

const char *tls_version_to_string(int v)
{
    switch (v) {
    case TLS1_2_VERSION:
        return "1.2";
    case TLS1_3_VERSION:
        return "1.3";
    default:
        return "default";
    }
}

static int fail(char *err, size_t errlen, const char *what, const char *value)
{
    unsigned long e = ERR_get_error();
    char reason[160] = "";
    if (e) ERR_error_string_n(e, reason, sizeof reason);
    ERR_clear_error();
    snprintf(err, errlen, "%s: OpenSSL rejected '%s'%s%s", what, value ? value : "",
             reason[0] ? ": " : "", reason);
    return -1;
}

static int file_fail(char *err, size_t errlen, const char *what, const char *file)
{
    unsigned long e = ERR_get_error();
    char reason[200] = "";
    if (e) ERR_error_string_n(e, reason, sizeof reason);
    ERR_clear_error();
    snprintf(err, errlen, "%s %s: %s", what, file, reason[0] ? reason : "failed");
    return -1;
}

int tls_opts_load_identity(SSL_CTX *ctx, const char *cert, const char *key, char *err,
                           size_t errlen)
{
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
        return file_fail(err, errlen, "--cert", cert);
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
        return file_fail(err, errlen, "--key", key);
    if (SSL_CTX_check_private_key(ctx) != 1)
        return file_fail(err, errlen, "--key does not match --cert:", key);
    return 0;
}

int tls_opts_apply(SSL_CTX *ctx, const tls_opts_t *o, char *err, size_t errlen)
{
    if (o->min_version && !SSL_CTX_set_min_proto_version(ctx, o->min_version))
        return fail(err, errlen, "--tls-min", tls_version_to_string(o->min_version));
    if (o->max_version && !SSL_CTX_set_max_proto_version(ctx, o->max_version))
        return fail(err, errlen, "--tls-max", tls_version_to_string(o->max_version));
    if (o->min_version && o->max_version && o->min_version > o->max_version) {
        snprintf(err, errlen, "--tls-min %s is above --tls-max %s",
                 tls_version_to_string(o->min_version), tls_version_to_string(o->max_version));
        return -1;
    }
    if (o->tls13_ciphers && !SSL_CTX_set_ciphersuites(ctx, o->tls13_ciphers))
        return fail(err, errlen, "--tls13-ciphers", o->tls13_ciphers);
    if (o->ciphers && !SSL_CTX_set_cipher_list(ctx, o->ciphers))
        return fail(err, errlen, "--ciphers", o->ciphers);
    if (o->groups && !SSL_CTX_set1_groups_list(ctx, o->groups))
        return fail(err, errlen, "--groups", o->groups);
    if (o->sigalgs && !SSL_CTX_set1_sigalgs_list(ctx, o->sigalgs))
        return fail(err, errlen, "--sigalgs", o->sigalgs);
    return 0;
}

int tls_alpn_encode(const char *list, unsigned char *out, size_t outlen)
{
    size_t n = 0;
    const char *p = list;
    while (p && *p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0 || len > 255 || n + 1 + len > outlen) return -1;
        out[n++] = (unsigned char)len;
        memcpy(out + n, p, len);
        n += len;
        p = comma ? comma + 1 : NULL;
    }
    return n ? (int)n : -1;
}
