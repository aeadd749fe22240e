/* crypto_ops.h - the unit operations `tlsprof bench-crypto` times, each the
 * piece of work a TLS 1.3 client does per handshake or per record:
 *
 *   key agreement  fresh ephemeral key pair + shared secret with the server's
 *                  share (X25519 or P-256), what a ClientHello key share costs;
 *   signature      ECDSA P-256 sign / verify of a SHA-256 digest, what
 *                  CertificateVerify costs the server / the client;
 *   AEAD record    seal one 16 KiB record the TLS 1.3 way (per-record nonce =
 *                  IV xor sequence number, 5-byte record header as AAD);
 *   digest         SHA-256 over one 16 KiB buffer.
 *
 * Every operation goes through EVP with algorithms fetched once, so it runs
 * the same provider code (and the same AES-NI/PMULL/AVX2 paths) TLS uses.
 * They are exposed, not hidden in the benchmark, so tests can check that each
 * one really does its job (a record decrypts back, both sides of a key
 * agreement derive the same secret). */
#ifndef TLSPROF_CRYPTO_OPS_H
#define TLSPROF_CRYPTO_OPS_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#define BENCH_RECORD_BYTES 16384 /* the largest TLS record payload */
#define BENCH_AEAD_TAG_BYTES 16
#define BENCH_AEAD_AAD_BYTES 5 /* TLS 1.3 record header */

typedef struct bench_aead {
    EVP_CIPHER *cipher; /* fetched once */
    EVP_CIPHER_CTX *enc;
    EVP_CIPHER_CTX *dec;
    unsigned char key[32];
    size_t key_len;
    unsigned char iv[12]; /* the static IV the per-record nonce derives from */
} bench_aead_t;

/* name: an OpenSSL cipher name, "AES-128-GCM", "AES-256-GCM" or
 * "ChaCha20-Poly1305". Key and IV are random. 0 on success, -1 on error. */
int bench_aead_init(bench_aead_t *a, const char *name);
void bench_aead_free(bench_aead_t *a);

/* The nonce of record `seq`: iv with seq (big-endian) xored into its last
 * 8 bytes, as in RFC 8446 section 5.3. */
void bench_aead_nonce(const bench_aead_t *a, uint64_t seq, unsigned char nonce[12]);

/* The AAD of a TLS 1.3 application-data record of len ciphertext bytes. */
void bench_aead_aad(size_t len, unsigned char aad[BENCH_AEAD_AAD_BYTES]);

/* Encrypt len bytes of `in` as record `seq` into `out` (len bytes) and write
 * the tag. 0 on success, -1 on error. */
int bench_aead_seal(bench_aead_t *a, uint64_t seq, const unsigned char *in, size_t len,
                    unsigned char *out, unsigned char tag[BENCH_AEAD_TAG_BYTES]);

/* Decrypt and authenticate; 0 when the tag verifies, -1 otherwise. */
int bench_aead_open(bench_aead_t *a, uint64_t seq, const unsigned char *in, size_t len,
                    const unsigned char tag[BENCH_AEAD_TAG_BYTES], unsigned char *out);

typedef struct bench_kex {
    EVP_PKEY_CTX *keygen; /* initialised once for the group */
    EVP_PKEY *peer;       /* the "server" key pair, fixed for the run */
} bench_kex_t;

/* group: "X25519" or "P-256". 0 on success, -1 on error. */
int bench_kex_init(bench_kex_t *k, const char *group);
void bench_kex_free(bench_kex_t *k);

/* One client-side key agreement: generate a fresh key pair and derive the
 * shared secret with k->peer. When mine is not NULL the new key is handed
 * over (caller frees it), else freed. 0 on success, -1 on error. */
int bench_kex_run(bench_kex_t *k, unsigned char *secret, size_t *secret_len, EVP_PKEY **mine);

typedef struct bench_sig {
    EVP_PKEY *key;
    EVP_PKEY_CTX *sign;
    EVP_PKEY_CTX *verify;
    unsigned char digest[32];
    unsigned char sig[80]; /* DER ECDSA P-256 signatures are at most 72 bytes */
    size_t sig_len;
} bench_sig_t;

/* ECDSA P-256 with a fresh key; signs a SHA-256 digest of a fixed message. */
int bench_sig_init(bench_sig_t *s);
void bench_sig_free(bench_sig_t *s);
/* Sign s->digest into s->sig. 0 on success, -1 on error. */
int bench_sig_sign(bench_sig_t *s);
/* Verify s->sig over s->digest: 1 valid, 0 invalid, -1 error. */
int bench_sig_verify(bench_sig_t *s);

typedef struct bench_digest {
    EVP_MD *md;
    EVP_MD_CTX *ctx;
} bench_digest_t;

int bench_digest_init(bench_digest_t *d, const char *name); /* e.g. "SHA256" */
void bench_digest_free(bench_digest_t *d);
/* out must hold EVP_MAX_MD_SIZE bytes. 0 on success, -1 on error. */
int bench_digest_run(bench_digest_t *d, const unsigned char *in, size_t len, unsigned char *out,
                     unsigned *out_len);

#endif
