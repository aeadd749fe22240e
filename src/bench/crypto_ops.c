/* crypto_ops.c - EVP implementations of the operations bench-crypto times.
 * Setup (fetching algorithms, creating contexts, keys) happens in the _init
 * functions so the timed calls do only the per-operation work. */
#include "bench/crypto_ops.h"

#include <string.h>
#include <openssl/rand.h>

int bench_aead_init(bench_aead_t *a, const char *name)
{
    memset(a, 0, sizeof *a);
    a->cipher = EVP_CIPHER_fetch(NULL, name, NULL);
    a->enc = EVP_CIPHER_CTX_new();
    a->dec = EVP_CIPHER_CTX_new();
    if (!a->cipher || !a->enc || !a->dec) goto fail;
    int key_len = EVP_CIPHER_get_key_length(a->cipher);
    if (key_len <= 0 || (size_t)key_len > sizeof a->key) goto fail;
    if (EVP_CIPHER_get_iv_length(a->cipher) != (int)sizeof a->iv) goto fail;
    a->key_len = (size_t)key_len;
    if (RAND_bytes(a->key, key_len) != 1 || RAND_bytes(a->iv, sizeof a->iv) != 1) goto fail;
    /* Keys are scheduled once, as TLS does once per traffic secret; each
     * record then only sets its nonce. */
    if (!EVP_EncryptInit_ex2(a->enc, a->cipher, a->key, NULL, NULL)) goto fail;
    if (!EVP_DecryptInit_ex2(a->dec, a->cipher, a->key, NULL, NULL)) goto fail;
    return 0;
fail:
    bench_aead_free(a);
    return -1;
}

void bench_aead_free(bench_aead_t *a)
{
    EVP_CIPHER_CTX_free(a->enc);
    EVP_CIPHER_CTX_free(a->dec);
    EVP_CIPHER_free(a->cipher);
    memset(a, 0, sizeof *a);
}

void bench_aead_nonce(const bench_aead_t *a, uint64_t seq, unsigned char nonce[12])
{
    memcpy(nonce, a->iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[11 - i] ^= (unsigned char)(seq >> (8 * i));
}

void bench_aead_aad(size_t len, unsigned char aad[BENCH_AEAD_AAD_BYTES])
{
    size_t wire = len + BENCH_AEAD_TAG_BYTES;
    aad[0] = 0x17; /* application_data */
    aad[1] = 0x03; /* legacy_record_version 0x0303 */
    aad[2] = 0x03;
    aad[3] = (unsigned char)(wire >> 8);
    aad[4] = (unsigned char)wire;
}

int bench_aead_seal(bench_aead_t *a, uint64_t seq, const unsigned char *in, size_t len,
                    unsigned char *out, unsigned char tag[BENCH_AEAD_TAG_BYTES])
{
    unsigned char nonce[12], aad[BENCH_AEAD_AAD_BYTES];
    int n = 0, fin = 0;
    if (len > BENCH_RECORD_BYTES) return -1;
    bench_aead_nonce(a, seq, nonce);
    bench_aead_aad(len, aad);
    if (!EVP_EncryptInit_ex2(a->enc, NULL, NULL, nonce, NULL)) return -1;
    if (!EVP_EncryptUpdate(a->enc, NULL, &n, aad, sizeof aad)) return -1;
    if (!EVP_EncryptUpdate(a->enc, out, &n, in, (int)len)) return -1;
    if (!EVP_EncryptFinal_ex(a->enc, out + n, &fin)) return -1;
    if ((size_t)(n + fin) != len) return -1;
    if (!EVP_CIPHER_CTX_ctrl(a->enc, EVP_CTRL_AEAD_GET_TAG, BENCH_AEAD_TAG_BYTES, tag)) return -1;
    return 0;
}

int bench_aead_open(bench_aead_t *a, uint64_t seq, const unsigned char *in, size_t len,
                    const unsigned char tag[BENCH_AEAD_TAG_BYTES], unsigned char *out)
{
    unsigned char nonce[12], aad[BENCH_AEAD_AAD_BYTES], t[BENCH_AEAD_TAG_BYTES];
    int n = 0, fin = 0;
    if (len > BENCH_RECORD_BYTES) return -1;
    memcpy(t, tag, sizeof t); /* the ctrl takes a non-const pointer */
    bench_aead_nonce(a, seq, nonce);
    bench_aead_aad(len, aad);
    if (!EVP_DecryptInit_ex2(a->dec, NULL, NULL, nonce, NULL)) return -1;
    if (!EVP_DecryptUpdate(a->dec, NULL, &n, aad, sizeof aad)) return -1;
    if (!EVP_DecryptUpdate(a->dec, out, &n, in, (int)len)) return -1;
    if (!EVP_CIPHER_CTX_ctrl(a->dec, EVP_CTRL_AEAD_SET_TAG, BENCH_AEAD_TAG_BYTES, t)) return -1;
    if (EVP_DecryptFinal_ex(a->dec, out + n, &fin) <= 0) return -1;
    return (size_t)(n + fin) == len ? 0 : -1;
}

int bench_kex_init(bench_kex_t *k, const char *group)
{
    memset(k, 0, sizeof *k);
    int ec = strcmp(group, "X25519") != 0;
    k->keygen = EVP_PKEY_CTX_new_from_name(NULL, ec ? "EC" : "X25519", NULL);
    if (!k->keygen || EVP_PKEY_keygen_init(k->keygen) <= 0) goto fail;
    if (ec && EVP_PKEY_CTX_set_group_name(k->keygen, group) <= 0) goto fail;
    if (EVP_PKEY_keygen(k->keygen, &k->peer) <= 0) goto fail;
    return 0;
fail:
    bench_kex_free(k);
    return -1;
}

void bench_kex_free(bench_kex_t *k)
{
    EVP_PKEY_CTX_free(k->keygen);
    EVP_PKEY_free(k->peer);
    memset(k, 0, sizeof *k);
}

int bench_kex_run(bench_kex_t *k, unsigned char *secret, size_t *secret_len, EVP_PKEY **mine)
{
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *derive = NULL;
    int rc = -1;
    if (EVP_PKEY_keygen(k->keygen, &key) <= 0) goto out;
    derive = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    if (!derive || EVP_PKEY_derive_init(derive) <= 0) goto out;
    /* set_peer also validates the peer's point, as a TLS client must. */
    if (EVP_PKEY_derive_set_peer(derive, k->peer) <= 0) goto out;
    if (EVP_PKEY_derive(derive, secret, secret_len) <= 0) goto out;
    rc = 0;
out:
    EVP_PKEY_CTX_free(derive);
    if (rc == 0 && mine)
        *mine = key;
    else
        EVP_PKEY_free(key);
    return rc;
}

int bench_sig_init(bench_sig_t *s)
{
    static const char message[] = "TLS 1.3, server CertificateVerify (tlsprof bench)";
    unsigned digest_len = 0;
    memset(s, 0, sizeof *s);
    s->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!s->key) goto fail;
    if (!EVP_Digest(message, sizeof message - 1, s->digest, &digest_len, EVP_sha256(), NULL))
        goto fail;
    s->sign = EVP_PKEY_CTX_new_from_pkey(NULL, s->key, NULL);
    s->verify = EVP_PKEY_CTX_new_from_pkey(NULL, s->key, NULL);
    if (!s->sign || EVP_PKEY_sign_init(s->sign) <= 0) goto fail;
    if (!s->verify || EVP_PKEY_verify_init(s->verify) <= 0) goto fail;
    if (EVP_PKEY_CTX_set_signature_md(s->sign, EVP_sha256()) <= 0) goto fail;
    if (EVP_PKEY_CTX_set_signature_md(s->verify, EVP_sha256()) <= 0) goto fail;
    if (bench_sig_sign(s) != 0) goto fail; /* so verify has a signature from the start */
    return 0;
fail:
    bench_sig_free(s);
    return -1;
}

void bench_sig_free(bench_sig_t *s)
{
    EVP_PKEY_CTX_free(s->sign);
    EVP_PKEY_CTX_free(s->verify);
    EVP_PKEY_free(s->key);
    memset(s, 0, sizeof *s);
}

int bench_sig_sign(bench_sig_t *s)
{
    size_t len = sizeof s->sig;
    if (EVP_PKEY_sign(s->sign, s->sig, &len, s->digest, sizeof s->digest) <= 0) return -1;
    s->sig_len = len;
    return 0;
}

int bench_sig_verify(bench_sig_t *s)
{
    int r = EVP_PKEY_verify(s->verify, s->sig, s->sig_len, s->digest, sizeof s->digest);
    return r == 1 ? 1 : r == 0 ? 0 : -1;
}

int bench_digest_init(bench_digest_t *d, const char *name)
{
    d->md = EVP_MD_fetch(NULL, name, NULL);
    d->ctx = EVP_MD_CTX_new();
    if (d->md && d->ctx) return 0;
    bench_digest_free(d);
    return -1;
}

void bench_digest_free(bench_digest_t *d)
{
    EVP_MD_CTX_free(d->ctx);
    EVP_MD_free(d->md);
    d->ctx = NULL;
    d->md = NULL;
}

int bench_digest_run(bench_digest_t *d, const unsigned char *in, size_t len, unsigned char *out,
                     unsigned *out_len)
{
    if (!EVP_DigestInit_ex2(d->ctx, d->md, NULL)) return -1;
    if (!EVP_DigestUpdate(d->ctx, in, len)) return -1;
    return EVP_DigestFinal_ex(d->ctx, out, out_len) ? 0 : -1;
}
