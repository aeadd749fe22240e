/* selfsigned_cert.c - an ECDSA P-256 test certificate made in-process with
 * OpenSSL, so starting nginx does not depend on the openssl CLI. */
#include "harness.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <sys/stat.h>

static int add_ext(X509 *cert, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext) return -1;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

static int write_pem(const char *path, X509 *cert, EVP_PKEY *key)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    int ok =
        cert ? PEM_write_X509(f, cert) : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
    if (fclose(f) != 0) ok = 0;
    return ok ? 0 : -1;
}

int make_selfsigned_cert(const char *cert_path, const char *key_path)
{
    int rc = -1;
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *cert = X509_new();
    BIGNUM *serial = BN_new();
    if (!key || !cert || !serial) goto out;

    /* A random serial: clients cache certificates by issuer+serial. */
    if (!BN_rand(serial, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
        !BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)))
        goto out;
    X509_set_version(cert, 2); /* v3, needed for extensions */
    /* Valid from yesterday so a clock a little behind still accepts it. */
    X509_gmtime_adj(X509_getm_notBefore(cert), -86400L);
    X509_gmtime_adj(X509_getm_notAfter(cert), 30L * 86400L);
    X509_set_pubkey(cert, key);
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"tlsprof tests", -1,
                               -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1,
                               0);
    X509_set_issuer_name(cert, name);
    if (add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") ||
        add_ext(cert, NID_key_usage, "critical,digitalSignature") ||
        add_ext(cert, NID_ext_key_usage, "serverAuth") ||
        add_ext(cert, NID_subject_key_identifier, "hash") ||
        add_ext(cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"))
        goto out;
    if (!X509_sign(cert, key, EVP_sha256())) goto out;

    mode_t old = umask(077); /* the key file must not be world-readable */
    rc = write_pem(key_path, NULL, key);
    umask(old);
    if (rc == 0) rc = write_pem(cert_path, cert, NULL);

out:
    if (rc != 0) {
        fprintf(stderr, "harness: could not make a test certificate at %s: ", cert_path);
        ERR_print_errors_fp(stderr);
        fputc('\n', stderr);
    }
    BN_free(serial);
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}
