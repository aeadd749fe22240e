/* server_cert.c - the server's certificate: loaded from --cert/--key, or an
 * ECDSA P-256 self-signed one generated in memory at start-up. */
#include "server/server_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

static int ssl_fail(char *err, size_t errlen, const char *what)
{
    char reason[160] = "";
    unsigned long e = ERR_get_error();
    if (e) ERR_error_string_n(e, reason, sizeof reason);
    ERR_clear_error();
    snprintf(err, errlen, "%s%s%s", what, reason[0] ? ": " : "", reason);
    return -1;
}

static int add_ext(X509 *cert, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, cert, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (!ext) return -1;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

/* A leaf certificate that is its own trust anchor: clients trust exactly
 * this certificate (tlsprof run --cacert, curl --cacert). Valid from an hour
 * ago so small clock differences between processes never matter. */
static int generate_self_signed(EVP_PKEY **out_key, X509 **out_cert, char *err, size_t errlen)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *cert = X509_new();
    X509_NAME *name = X509_NAME_new();
    unsigned char serial[16];
    BIGNUM *bn = NULL;
    if (!key || !cert || !name) goto fail;
    if (RAND_bytes(serial, sizeof serial) != 1) goto fail;
    serial[0] &= 0x7f; /* positive, as RFC 5280 requires */
    bn = BN_bin2bn(serial, sizeof serial, NULL);
    if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert))) goto fail;
    if (!X509_set_version(cert, 2)) goto fail;
    time_t now = time(NULL);
    if (!X509_time_adj_ex(X509_getm_notBefore(cert), 0, -3600, &now) ||
        !X509_time_adj_ex(X509_getm_notAfter(cert), 30, 0, &now))
        goto fail;
    if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"tlsprof", -1,
                                    -1, 0) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost",
                                    -1, -1, 0))
        goto fail;
    if (!X509_set_subject_name(cert, name) || !X509_set_issuer_name(cert, name)) goto fail;
    if (!X509_set_pubkey(cert, key)) goto fail;
    if (add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") ||
        add_ext(cert, NID_key_usage, "critical,digitalSignature") ||
        add_ext(cert, NID_ext_key_usage, "serverAuth") ||
        add_ext(cert, NID_subject_key_identifier, "hash") ||
        add_ext(cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"))
        goto fail;
    if (!X509_sign(cert, key, EVP_sha256())) goto fail;
    BN_free(bn);
    X509_NAME_free(name);
    *out_key = key;
    *out_cert = cert;
    return 0;
fail:
    BN_free(bn);
    X509_NAME_free(name);
    X509_free(cert);
    EVP_PKEY_free(key);
    return ssl_fail(err, errlen, "generating the self-signed certificate");
}

static char *cert_to_pem(X509 *cert)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL;
    if (bio && PEM_write_bio_X509(bio, cert)) {
        char *data;
        long len = BIO_get_mem_data(bio, &data);
        pem = malloc((size_t)len + 1);
        if (pem) {
            memcpy(pem, data, (size_t)len);
            pem[len] = 0;
        }
    }
    BIO_free(bio);
    return pem;
}

int server_cert_install(SSL_CTX *ctx, const server_config_t *c, char **pem, char *err,
                        size_t errlen)
{
    char what[1200];
    if (c->cert_file) {
        if (SSL_CTX_use_certificate_chain_file(ctx, c->cert_file) != 1) {
            snprintf(what, sizeof what, "--cert %s: cannot load a PEM certificate chain",
                     c->cert_file);
            return ssl_fail(err, errlen, what);
        }
        if (SSL_CTX_use_PrivateKey_file(ctx, c->key_file, SSL_FILETYPE_PEM) != 1) {
            if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH)
                snprintf(what, sizeof what, "--key %s does not match --cert %s", c->key_file,
                         c->cert_file);
            else
                snprintf(what, sizeof what, "--key %s: cannot load a PEM private key", c->key_file);
            return ssl_fail(err, errlen, what);
        }
        if (SSL_CTX_check_private_key(ctx) != 1) {
            snprintf(what, sizeof what, "--key %s does not match --cert %s", c->key_file,
                     c->cert_file);
            return ssl_fail(err, errlen, what);
        }
    } else {
        EVP_PKEY *key = NULL;
        X509 *cert = NULL;
        if (generate_self_signed(&key, &cert, err, errlen)) return -1;
        int ok = SSL_CTX_use_certificate(ctx, cert) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1;
        X509_free(cert); /* the context holds its own references */
        EVP_PKEY_free(key);
        if (!ok) return ssl_fail(err, errlen, "installing the self-signed certificate");
    }
    /* Clients should trust the leaf: for the generated certificate that is
     * the whole story; for --cert it is the first certificate of the file. */
    *pem = cert_to_pem(SSL_CTX_get0_certificate(ctx));
    if (!*pem) return ssl_fail(err, errlen, "encoding the certificate as PEM");
    return 0;
}
