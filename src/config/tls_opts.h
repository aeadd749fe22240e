/* tls_opts.h - TLS knobs shared by the client (tlsprof run) and the embedded
 * server (tlsprof serve): versions, suites, groups, signature algorithms,
 * ALPN. Strings are borrowed from argv or a cipher profile and never freed.
 *
 * It lives in config/ because it is what the command line and the cipher
 * profiles say (its messages name the options: "--groups: OpenSSL rejected
 * ..."), and config/ checks every value with it before a run starts. The
 * client (layers/), the server and the profile checker include it from here,
 * so config/ depends on nothing outside itself but OpenSSL. */
#ifndef TLSPROF_TLS_OPTS_H
#define TLSPROF_TLS_OPTS_H

#include <stddef.h>
#include <openssl/ssl.h>

typedef struct tls_opts {
    int min_version; /* TLS1_2_VERSION / TLS1_3_VERSION, 0 = library default */
    int max_version;
    const char *tls13_ciphers; /* e.g. "TLS_CHACHA20_POLY1305_SHA256" */
    const char *ciphers;       /* TLS 1.2 cipher list */
    const char *groups;        /* e.g. "X25519:P-256" */
    const char *sigalgs;       /* e.g. "ecdsa_secp256r1_sha256" */
    const char *alpn;          /* comma separated, e.g. "h2" (client default "h2") */
} tls_opts_t;

/* "1.2" / "1.3" -> TLS1_2_VERSION / TLS1_3_VERSION; 0 on anything else. */
int tls_version_from_string(const char *s);
const char *tls_version_to_string(int v);

/* Apply versions, suites, groups and sigalgs to ctx. On failure, writes a
 * message naming the offending option and value into err and returns -1. */
int tls_opts_apply(SSL_CTX *ctx, const tls_opts_t *o, char *err, size_t errlen);

/* Load the client certificate chain and its key (--cert, --key; both PEM)
 * into ctx and check that they match. 0, or -1 with "--cert FILE: reason"
 * (or --key) in err. */
int tls_opts_load_identity(SSL_CTX *ctx, const char *cert, const char *key, char *err,
                           size_t errlen);

/* Encode a comma-separated ALPN list into wire format (length-prefixed).
 * Returns the encoded length, or -1 when a name is empty or over 255 bytes
 * or the result does not fit outlen. */
int tls_alpn_encode(const char *list, unsigned char *out, size_t outlen);

#endif
